"""Windows' own logs: Security auditing, the System log and PowerShell script blocks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mamori.demo.logsim.estate import DOMAIN, SYSTEM_SID, Account, Host
from mamori.demo.logsim.model import Ids, WinEvent

NULL_SID = "S-1-0-0"
_TASK_XML = (
    '<?xml version="1.0" encoding="UTF-16"?>\r\n'
    '<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">\r\n'
    "  <RegistrationInfo>\r\n    <Author>{author}</Author>\r\n    <URI>{uri}</URI>\r\n"
    "  </RegistrationInfo>\r\n  <Triggers>\r\n    <{trigger}>\r\n      <Enabled>true</Enabled>\r\n"
    '    </{trigger}>\r\n  </Triggers>\r\n  <Principals>\r\n    <Principal id="Author">\r\n'
    "      <UserId>{run_as}</UserId>\r\n    </Principal>\r\n  </Principals>\r\n"
    '  <Actions Context="Author">\r\n    <Exec>\r\n      <Command>{command}</Command>\r\n'
    "      <Arguments>{arguments}</Arguments>\r\n    </Exec>\r\n  </Actions>\r\n</Task>"
)


class WinLog:
    """Builds Security, System and PowerShell events; ids come from the seeded generator."""

    def __init__(self, ids: Ids) -> None:
        self.ids = ids

    def logon(
        self,
        at: datetime,
        host: Host,
        account: Account,
        logon_type: int,
        ip: str,
        workstation: str,
        alerts: tuple[str, ...] = (),
        note: str = "",
    ) -> WinEvent:
        """A successful logon (4624); type 3 is a network logon, 10 Remote Desktop."""
        network = logon_type == 3
        data = {
            **self._subject(host, None if network else "system"),
            "TargetUserSid": account.sid,
            "TargetUserName": account.name,
            "TargetDomainName": DOMAIN,
            "TargetLogonId": self.ids.logon_id(),
            "LogonType": logon_type,
            "LogonProcessName": "Kerberos" if network else "User32 ",
            "AuthenticationPackageName": "Kerberos" if network else "Negotiate",
            "WorkstationName": "-" if network else workstation,
            "ProcessId": "0x0" if network else "0x3a8",
            "ProcessName": "-" if network else "C:\\Windows\\System32\\svchost.exe",
            "IpAddress": ip,
            "IpPort": "0" if network else str(self.ids.rng.randrange(49152, 65535)),
            "ElevatedToken": "%%1842" if account.name.startswith("adm.") else "%%1843",
        }
        return self._security(at, host, 4624, data, alerts, note=note)

    def failure(
        self,
        at: datetime,
        host: Host,
        user: str,
        ip: str,
        workstation: str,
        logon_type: int = 3,
        locked: bool = False,
        groups: tuple[str, ...] = (),
        note: str = "",
    ) -> WinEvent:
        """A failed logon (4625): a wrong password, or an attempt on a locked-out account."""
        data = {
            **self._subject(host, None if logon_type == 3 else "system"),
            "TargetUserSid": NULL_SID,
            "TargetUserName": user,
            "TargetDomainName": DOMAIN,
            "Status": "0xc0000234" if locked else "0xc000006d",
            "FailureReason": "%%2307" if locked else "%%2313",
            "SubStatus": "0x0" if locked else "0xc000006a",
            "LogonType": logon_type,
            "LogonProcessName": "NtLmSsp " if logon_type == 3 else "User32 ",
            "AuthenticationPackageName": "NTLM" if logon_type == 3 else "Negotiate",
            "WorkstationName": workstation,
            "ProcessId": "0x0",
            "ProcessName": "-",
            "IpAddress": ip,
            "IpPort": str(self.ids.rng.randrange(49152, 65535)),
        }
        return self._security(at, host, 4625, data, groups=groups, note=note)

    def special_privileges(self, at: datetime, host: Host, account: Account) -> WinEvent:
        """Administrative privileges assigned to a new logon (4672)."""
        data = {
            "SubjectUserSid": account.sid,
            "SubjectUserName": account.name,
            "SubjectDomainName": DOMAIN,
            "SubjectLogonId": self.ids.logon_id(),
            "PrivilegeList": "SeBackupPrivilege\r\n\t\t\tSeRestorePrivilege\r\n\t\t\t"
            "SeDebugPrivilege\r\n\t\t\tSeImpersonatePrivilege",
        }
        return self._security(at, host, 4672, data)

    def lockout(self, at: datetime, dc: Host, user: str, caller: str) -> WinEvent:
        """An account locked out after too many failures (4740)."""
        data = {
            "TargetUserName": user,
            "TargetDomainName": caller,
            "TargetSid": NULL_SID,
            **self._subject(dc, "system"),
        }
        return self._security(at, dc, 4740, data)

    def account_created(
        self,
        at: datetime,
        dc: Host,
        by: Account,
        new: Account,
        alerts: tuple[str, ...] = (),
        note: str = "",
    ) -> WinEvent:
        """A user account created (4720)."""
        data = {
            "TargetUserName": new.name,
            "TargetDomainName": DOMAIN,
            "TargetSid": new.sid,
            **self._subject_account(by),
            "SamAccountName": new.name,
            "DisplayName": "%%1793",
            "UserPrincipalName": f"{new.name}@finbank.local",
            "UserAccountControl": "\r\n\t\t%%2080\r\n\t\t%%2082\r\n\t\t%%2084",
        }
        return self._security(at, dc, 4720, data, alerts, note=note)

    def member_added(
        self,
        at: datetime,
        host: Host,
        event_id: int,
        by: Account,
        member: Account,
        group: tuple[str, str, str],
        alerts: tuple[str, ...] = (),
        note: str = "",
    ) -> WinEvent:
        """``member`` added to ``group`` = (name, domain, SID): 4728 global, 4732 local."""
        name, domain, sid = group
        data = {
            "MemberName": f"CN={member.name},OU=Service Accounts,DC=finbank,DC=local",
            "MemberSid": member.sid,
            "TargetUserName": name,
            "TargetDomainName": domain,
            "TargetSid": sid,
            **self._subject_account(by),
            "PrivilegeList": "-",
        }
        return self._security(at, host, event_id, data, alerts, note=note)

    def task_created(
        self,
        at: datetime,
        host: Host,
        by: Account,
        task: tuple[str, str, str],
        trigger: str = "LogonTrigger",
        run_as: str = "S-1-5-18",
        alerts: tuple[str, ...] = (),
        note: str = "",
    ) -> WinEvent:
        """A scheduled task registered (4698); ``task`` = (name, command, arguments)."""
        uri, command, arguments = task
        content = _TASK_XML.format(
            author=by.qualified,
            uri=uri,
            trigger=trigger,
            run_as=run_as,
            command=command,
            arguments=arguments,
        )
        data = {**self._subject_account(by), "TaskName": uri, "TaskContent": content}
        return self._security(at, host, 4698, data, alerts, note=note)

    def security_log_cleared(
        self, at: datetime, host: Host, by: Account, alerts: tuple[str, ...] = (), note: str = ""
    ) -> WinEvent:
        """The Security log cleared (1102, written by the event log service)."""
        return WinEvent(
            at,
            host.fqdn,
            "eventlog",
            1102,
            self._subject_account(by),
            None,
            "LogFileCleared",
            alerts,
            note=note,
        )

    def system_log_cleared(
        self, at: datetime, host: Host, by: Account, alerts: tuple[str, ...] = (), note: str = ""
    ) -> WinEvent:
        """The System log cleared (104)."""
        data = {
            "SubjectUserName": by.name,
            "SubjectDomainName": DOMAIN,
            "Channel": "System",
            "BackupPath": "",
        }
        return WinEvent(
            at, host.fqdn, "eventlog", 104, data, by.sid, "LogFileCleared", alerts, note=note
        )

    def service_installed(
        self,
        at: datetime,
        host: Host,
        by: Account | None,
        name: str,
        path: str,
        alerts: tuple[str, ...] = (),
        note: str = "",
    ) -> WinEvent:
        """A service installed (7045) by ``by``, or by the system when ``None``."""
        data = {
            "ServiceName": name,
            "ImagePath": path,
            "ServiceType": "user mode service",
            "StartType": "demand start",
            "AccountName": "LocalSystem",
        }
        sid = by.sid if by else SYSTEM_SID
        return WinEvent(at, host.fqdn, "scm", 7045, data, sid, alerts=alerts, note=note)

    def service_state(self, at: datetime, host: Host, name: str, state: str) -> WinEvent:
        """A service entered the ``state`` state (7036)."""
        return WinEvent(at, host.fqdn, "scm", 7036, {"param1": name, "param2": state})

    def script_block(
        self,
        at: datetime,
        host: Host,
        account: Account | None,
        text: str,
        alerts: tuple[str, ...] = (),
        note: str = "",
    ) -> WinEvent:
        """A PowerShell script block as script block logging records it (4104)."""
        data = {
            "MessageNumber": 1,
            "MessageTotal": 1,
            "ScriptBlockText": text,
            "ScriptBlockId": self.ids.guid().lower(),
            "Path": "",
        }
        sid = account.sid if account else SYSTEM_SID
        return WinEvent(at, host.fqdn, "powershell", 4104, data, sid, alerts=alerts, note=note)

    def _security(
        self,
        at: datetime,
        host: Host,
        event_id: int,
        data: dict[str, Any],
        alerts: tuple[str, ...] = (),
        groups: tuple[str, ...] = (),
        note: str = "",
    ) -> WinEvent:
        return WinEvent(
            at, host.fqdn, "security", event_id, data, alerts=alerts, groups=groups, note=note
        )

    @staticmethod
    def _subject(host: Host, kind: str | None) -> dict[str, str]:
        if kind is None:
            return {
                "SubjectUserSid": NULL_SID,
                "SubjectUserName": "-",
                "SubjectDomainName": "-",
                "SubjectLogonId": "0x0",
            }
        return {
            "SubjectUserSid": SYSTEM_SID,
            "SubjectUserName": f"{host.name}$",
            "SubjectDomainName": DOMAIN,
            "SubjectLogonId": "0x3e7",
        }

    def _subject_account(self, account: Account) -> dict[str, str]:
        return {
            "SubjectUserSid": account.sid,
            "SubjectUserName": account.name,
            "SubjectDomainName": DOMAIN,
            "SubjectLogonId": self.ids.logon_id(),
        }
