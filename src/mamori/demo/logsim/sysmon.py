"""Sysmon events (process creation, network, image load, process access, file, registry)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from mamori.demo.logsim.estate import SYSTEM_SID, SYSTEM_USER, Host, hashes_of, version_of
from mamori.demo.logsim.model import Ids, WinEvent


@dataclass(frozen=True)
class Proc:
    """A running process, as Sysmon identifies it."""

    host: Host
    guid: str
    pid: int
    image: str
    command_line: str
    user: str
    logon_id: str
    integrity: str


def _utc(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S.") + f"{at.microsecond // 1000:03d}"


class Sysmon:
    """Builds the Sysmon events of processes; ids come from the seeded generator."""

    def __init__(self, ids: Ids) -> None:
        self.ids = ids

    def root(
        self,
        host: Host,
        image: str,
        command_line: str,
        user: str = SYSTEM_USER,
        integrity: str = "System",
    ) -> Proc:
        """A process that was already running when the day began (no event)."""
        logon = "0x3e7" if user == SYSTEM_USER else self.ids.logon_id()
        return Proc(
            host, self.ids.guid(), self.ids.pid(), image, command_line, user, logon, integrity
        )

    def start(
        self,
        at: datetime,
        parent: Proc,
        image: str,
        command_line: str,
        alerts: tuple[str, ...] = (),
        note: str = "",
        **changes: str,
    ) -> tuple[Proc, WinEvent]:
        """``parent`` starts ``image``: the new process and its event 1."""
        user = changes.get("user", parent.user)
        proc = Proc(
            parent.host,
            self.ids.guid(),
            self.ids.pid(),
            image,
            command_line,
            user,
            changes.get("logon_id", parent.logon_id),
            changes.get("integrity", parent.integrity),
        )
        original, description, company, version = version_of(image)
        home = user.rsplit("\\", 1)[-1]
        cwd = "C:\\Windows\\system32\\" if user == SYSTEM_USER else f"C:\\Users\\{home}\\"
        data = {
            "RuleName": "-",
            "UtcTime": _utc(at),
            "ProcessGuid": proc.guid,
            "ProcessId": proc.pid,
            "Image": image,
            "FileVersion": version,
            "Description": description,
            "Company": company,
            "OriginalFileName": original,
            "CommandLine": command_line,
            "CurrentDirectory": changes.get("cwd", cwd),
            "User": user,
            "LogonId": proc.logon_id,
            "IntegrityLevel": proc.integrity,
            "Hashes": hashes_of(image),
            "ParentProcessGuid": parent.guid,
            "ParentProcessId": parent.pid,
            "ParentImage": parent.image,
            "ParentCommandLine": parent.command_line,
            "ParentUser": parent.user,
        }
        return proc, self._event(at, proc, 1, data, alerts, note)

    def connect(
        self,
        at: datetime,
        proc: Proc,
        ip: str,
        port: int,
        name: str | None,
        alerts: tuple[str, ...] = (),
        note: str = "",
    ) -> WinEvent:
        """``proc`` opens a TCP connection (event 3)."""
        data = {
            "RuleName": "-",
            "UtcTime": _utc(at),
            "ProcessGuid": proc.guid,
            "ProcessId": proc.pid,
            "Image": proc.image,
            "User": proc.user,
            "Protocol": "tcp",
            "Initiated": True,
            "SourceIsIpv6": False,
            "SourceIp": proc.host.ip,
            "SourceHostname": proc.host.fqdn,
            "SourcePort": 49152 + self.ids.rng.randrange(16000),
            "DestinationIsIpv6": False,
            "DestinationIp": ip,
            "DestinationHostname": name or "-",
            "DestinationPort": port,
            "DestinationPortName": {80: "http", 443: "https", 389: "ldap", 445: "microsoft-ds"}.get(
                port, "-"
            ),
        }
        return self._event(at, proc, 3, data, alerts, note)

    def load(
        self, at: datetime, proc: Proc, dll: str, alerts: tuple[str, ...] = (), note: str = ""
    ) -> WinEvent:
        """``proc`` loads the library ``dll`` (event 7)."""
        original, description, company, version = version_of(dll)
        data = {
            "RuleName": "-",
            "UtcTime": _utc(at),
            "ProcessGuid": proc.guid,
            "ProcessId": proc.pid,
            "Image": proc.image,
            "ImageLoaded": dll,
            "FileVersion": version,
            "Description": description,
            "Company": company,
            "OriginalFileName": original,
            "Hashes": hashes_of(dll),
            "Signed": "true",
            "Signature": "Microsoft Windows",
            "SignatureStatus": "Valid",
            "User": proc.user,
        }
        return self._event(at, proc, 7, data, alerts, note)

    def access(
        self,
        at: datetime,
        source: Proc,
        target: Proc,
        granted: str,
        trace: str,
        alerts: tuple[str, ...] = (),
        note: str = "",
    ) -> WinEvent:
        """``source`` opens a handle to ``target`` with the rights ``granted`` (event 10)."""
        data = {
            "RuleName": "-",
            "UtcTime": _utc(at),
            "SourceProcessGUID": source.guid,
            "SourceProcessId": source.pid,
            "SourceThreadId": self.ids.pid(),
            "SourceImage": source.image,
            "TargetProcessGUID": target.guid,
            "TargetProcessId": target.pid,
            "TargetImage": target.image,
            "GrantedAccess": granted,
            "CallTrace": trace,
            "SourceUser": source.user,
            "TargetUser": target.user,
        }
        return self._event(at, source, 10, data, alerts, note)

    def file(
        self, at: datetime, proc: Proc, path: str, alerts: tuple[str, ...] = (), note: str = ""
    ) -> WinEvent:
        """``proc`` creates the file ``path`` (event 11)."""
        data = {
            "RuleName": "-",
            "UtcTime": _utc(at),
            "ProcessGuid": proc.guid,
            "ProcessId": proc.pid,
            "Image": proc.image,
            "TargetFilename": path,
            "CreationUtcTime": _utc(at - timedelta(milliseconds=2)),
            "User": proc.user,
        }
        return self._event(at, proc, 11, data, alerts, note)

    def registry(
        self,
        at: datetime,
        proc: Proc,
        key: str,
        details: str,
        alerts: tuple[str, ...] = (),
        note: str = "",
    ) -> WinEvent:
        """``proc`` sets the registry value ``key`` to ``details`` (event 13)."""
        data = {
            "RuleName": "-",
            "EventType": "SetValue",
            "UtcTime": _utc(at),
            "ProcessGuid": proc.guid,
            "ProcessId": proc.pid,
            "Image": proc.image,
            "TargetObject": key,
            "Details": details,
            "User": proc.user,
        }
        return self._event(at, proc, 13, data, alerts, note)

    @staticmethod
    def _event(
        at: datetime,
        proc: Proc,
        event_id: int,
        data: dict[str, Any],
        alerts: tuple[str, ...],
        note: str,
    ) -> WinEvent:
        # Sysmon writes the event a few milliseconds after the UtcTime it records.
        return WinEvent(
            at + timedelta(microseconds=1873),
            proc.host.fqdn,
            "sysmon",
            event_id,
            data,
            SYSTEM_SID,
            alerts=alerts,
            note=note,
        )
