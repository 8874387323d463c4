"""The fictional bank: its domain, accounts, hosts and the programs they run."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

DAY = datetime(2026, 11, 17, tzinfo=UTC)
DOMAIN = "FINBANK"
DNS_DOMAIN = "finbank.local"
DOMAIN_SID = "S-1-5-21-3623811015-3361044348-30300820"
SYSTEM_SID = "S-1-5-18"
SYSTEM_USER = "NT AUTHORITY\\SYSTEM"

# The attacker's infrastructure, from the documentation address ranges (RFC 5737).
STAGER_IP = "198.51.100.23"
C2_IP = "203.0.113.77"
C2_NAME = "cdn-sync.example.net"
SSH_ATTACKER_IP = "203.0.113.45"
BURST_IP = "10.30.0.57"
SPRAY_IP = "10.30.0.91"


@dataclass(frozen=True)
class Account:
    """A domain account."""

    name: str
    rid: int

    @property
    def sid(self) -> str:
        return f"{DOMAIN_SID}-{self.rid}"

    @property
    def qualified(self) -> str:
        return f"{DOMAIN}\\{self.name}"


@dataclass(frozen=True)
class Host:
    """A Windows host and the account that normally works on it."""

    name: str
    ip: str
    user: Account | None = None

    @property
    def fqdn(self) -> str:
        return f"{self.name}.{DNS_DOMAIN}"


A_SATO = Account("a.sato", 1107)
M_SUZUKI = Account("m.suzuki", 1112)
K_YAMADA = Account("k.yamada", 1121)
ADM_K_YAMADA = Account("adm.k.yamada", 1122)
J_TANAKA = Account("j.tanaka", 1130)
SVC_IDM = Account("svc_idm", 1140)
N_KOBAYASHI = Account("n.kobayashi", 1187)
SVC_SQLBKP = Account("svc_sqlbkp", 1188)
SPRAYED = tuple(
    Account(name, 1150 + i)
    for i, name in enumerate(
        ("h.watanabe", "y.ito", "s.kato", "r.nakamura", "t.kobayashi", "e.yoshida", "m.yamaguchi")
    )
)

WS_014 = Host("FIN-WS-014", "10.10.14.14", A_SATO)
WS_021 = Host("FIN-WS-021", "10.10.14.21", M_SUZUKI)
WS_033 = Host("FIN-WS-033", "10.10.14.33", K_YAMADA)
JMP_01 = Host("FIN-JMP-01", "10.10.50.10", ADM_K_YAMADA)
DC_01 = Host("FIN-DC-01", "10.10.1.10")
FS_02 = Host("FIN-FS-02", "10.10.1.22")
WORKSTATIONS = (WS_014, WS_021, WS_033)

_MS = "Microsoft Corporation"
_WIN = "10.0.22621.4317 (WinBuild.160101.0800)"
_OFFICE = "16.0.18129.20158"
# Version resource of each program: original file name, description, company, file version.
BINARIES: dict[str, tuple[str, str, str, str]] = {
    "explorer.exe": ("EXPLORER.EXE", "Windows Explorer", _MS, _WIN),
    "outlook.exe": ("Outlook.exe", "Microsoft Outlook", _MS, _OFFICE),
    "winword.exe": ("WinWord.exe", "Microsoft Word", _MS, _OFFICE),
    "excel.exe": ("Excel.exe", "Microsoft Excel", _MS, _OFFICE),
    "chrome.exe": ("chrome.exe", "Google Chrome", "Google LLC", "131.0.6778.86"),
    "ms-teams.exe": ("ms-teams.exe", "Microsoft Teams", _MS, "24295.605.3225.8804"),
    "onedrive.exe": ("OneDrive.exe", "Microsoft OneDrive", _MS, "24.211.1020.0001"),
    "notepad.exe": ("NOTEPAD.EXE", "Notepad", _MS, _WIN),
    "powershell.exe": ("PowerShell.EXE", "Windows PowerShell", _MS, _WIN),
    "cmd.exe": ("Cmd.Exe", "Windows Command Processor", _MS, _WIN),
    "conhost.exe": ("CONHOST.EXE", "Console Window Host", _MS, _WIN),
    "rundll32.exe": ("RUNDLL32.EXE", "Windows host process (Rundll32)", _MS, _WIN),
    "certutil.exe": ("CertUtil.exe", "CertUtil.exe", _MS, _WIN),
    "bitsadmin.exe": ("bitsadmin.exe", "BITS administration utility", _MS, _WIN),
    "whoami.exe": ("whoami.exe", "whoami - displays logged on user information", _MS, _WIN),
    "net.exe": ("net.exe", "Net Command", _MS, _WIN),
    "nltest.exe": ("nltestrk.exe", "Microsoft Logon Server Test Utility", _MS, _WIN),
    "reg.exe": ("reg.exe", "Registry Console Tool", _MS, _WIN),
    "schtasks.exe": ("schtasks.exe", "Task Scheduler Configuration Tool", _MS, _WIN),
    "vssadmin.exe": (
        "VSSADMIN.EXE",
        "Command Line Interface for Microsoft Volume Shadow Copy Service",
        _MS,
        _WIN,
    ),
    "wmic.exe": ("wmic.exe", "WMI Commandline Utility", _MS, _WIN),
    "bcdedit.exe": ("bcdedit.exe", "Boot Configuration Data Editor", _MS, _WIN),
    "wbadmin.exe": ("WBADMIN.EXE", "Command Line Interface for Microsoft BLB Backup", _MS, _WIN),
    "wevtutil.exe": ("wevtutil.exe", "Eventing Command Line Utility", _MS, _WIN),
    "gpupdate.exe": ("gpupdate.exe", "Microsoft® Windows® Group Policy Update Utility", _MS, _WIN),
    "taskhostw.exe": ("taskhostw.exe", "Host Process for Windows Tasks", _MS, _WIN),
    "svchost.exe": ("svchost.exe", "Host Process for Windows Services", _MS, _WIN),
    "mpcmdrun.exe": (
        "MpCmdRun.exe",
        "Microsoft Malware Protection Command Line Utility",
        _MS,
        "4.18.24090.11",
    ),
    "procdump64.exe": (
        "procdump",
        "Sysinternals process dump utility",
        "Sysinternals - www.sysinternals.com",
        "11.0",
    ),
    "psexec64.exe": (
        "psexec.c",
        "Execute processes remotely",
        "Sysinternals - www.sysinternals.com",
        "2.43",
    ),
    "psexesvc.exe": (
        "psexesvc.exe",
        "PsExec Service",
        "Sysinternals - www.sysinternals.com",
        "2.43",
    ),
    "mstsc.exe": ("mstsc.exe", "Remote Desktop Connection", _MS, _WIN),
    "sc.exe": ("sc.exe", "Service Control Manager Configuration Tool", _MS, _WIN),
    "syncsvc.exe": ("", "", "", ""),
    "mm.exe": ("", "", "", ""),
}


def version_of(image: str) -> tuple[str, str, str, str]:
    """The version resource of ``image``; programs without one give dashes, as Sysmon logs."""
    name = image.rsplit("\\", 1)[-1].lower()
    original, description, company, version = BINARIES.get(name, ("", "", "", ""))
    return (original or "-", description or "-", company or "-", version or "-")


def hashes_of(image: str) -> str:
    """Stable stand-in hashes of a program, in Sysmon's ``Hashes`` format."""
    digest = hashlib.sha256(image.lower().encode()).hexdigest().upper()
    imphash = hashlib.md5(image.lower().encode(), usedforsecurity=False).hexdigest().upper()
    return f"SHA256={digest},IMPHASH={imphash}"
