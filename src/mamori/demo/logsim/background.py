"""A working day of benign activity on the bank's Windows hosts, with near misses.

Near misses are benign events that look like the intrusion to a careless rule: an admin's
ProcDump of Outlook, a CRL download by Word, OneDrive's Run key, RDP from the jump host, a
service account failing now and then with an old password.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from mamori.demo.logsim import ruleids as R
from mamori.demo.logsim.estate import (
    ADM_K_YAMADA,
    DAY,
    DC_01,
    FS_02,
    JMP_01,
    K_YAMADA,
    N_KOBAYASHI,
    SVC_IDM,
    WORKSTATIONS,
    WS_014,
    WS_021,
    WS_033,
    Account,
    Host,
)
from mamori.demo.logsim.model import WinEvent
from mamori.demo.logsim.sysmon import Proc, Sysmon
from mamori.demo.logsim.winlog import WinLog

SYS32 = "C:\\Windows\\System32\\"
OFFICE = "C:\\Program Files\\Microsoft Office\\root\\Office16\\"
CHROME = "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe"
RUN_KEY = "\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\"
SVC_BACKUP = Account("svc_backup", 1141)
# Public services the workstations talk to: (address, port, host name).
SITES = (
    ("142.250.196.100", 443, "www.google.com"),
    ("52.97.146.226", 443, "outlook.office365.com"),
    ("13.107.42.14", 443, "config.teams.microsoft.com"),
    ("23.45.106.81", 443, "www.boj.or.jp"),
    ("104.18.23.67", 443, "www.jpx.co.jp"),
)


class Workday:
    """Builds the benign events of one day; every random choice comes from ``rng``."""

    def __init__(self, sysmon: Sysmon, winlog: WinLog, rng: random.Random) -> None:
        self.sysmon = sysmon
        self.log = winlog
        self.rng = rng
        self.events: list[WinEvent] = []

    def play(self) -> list[WinEvent]:
        """Every benign event of the day."""
        for host in WORKSTATIONS:
            self.workstation(host)
        yamada = self.sysmon.root(
            WS_033,
            "C:\\Windows\\explorer.exe",
            "C:\\Windows\\Explorer.EXE",
            user=K_YAMADA.qualified,
            integrity="High",
        )
        self.it_admin(yamada)
        self.it_admin_remote(yamada)
        self.servers()
        self.domain_logons()
        return self.events

    def when(self, start: str, end: str) -> datetime:
        """A random moment between two ``HH:MM`` times of the day."""
        low, high = (_minutes(start) * 60, _minutes(end) * 60)
        return DAY + timedelta(seconds=self.rng.uniform(low, high))

    def start(
        self, moment: datetime, parent: Proc, image: str, command_line: str, **changes: str
    ) -> Proc:
        proc, event = self.sysmon.start(moment, parent, image, command_line, (), "", **changes)
        self.events.append(event)
        return proc

    def workstation(self, host: Host) -> None:
        """A clerk logs on, reads mail, works in Excel and browses the web."""
        assert host.user is not None
        user = host.user
        arrive = self.when("07:45", "08:40")
        self.events.append(self.log.logon(arrive, host, user, 2, "127.0.0.1", host.name))
        explorer = self.sysmon.root(
            host,
            "C:\\Windows\\explorer.exe",
            "C:\\Windows\\Explorer.EXE",
            user=user.qualified,
            integrity="Medium",
        )
        later = arrive + timedelta(seconds=40)
        onedrive = ("C:\\Program Files\\Microsoft OneDrive\\OneDrive.exe", "/background")
        self.start(later, explorer, onedrive[0], f'"{onedrive[0]}" {onedrive[1]}')
        self.events.append(
            self.sysmon.registry(
                later + timedelta(seconds=2),
                explorer,
                f"HKU\\{user.sid}{RUN_KEY}OneDrive",
                f'"{onedrive[0]}" {onedrive[1]}',
            )
        )
        if host is not WS_014:
            self.start(
                later + timedelta(seconds=9),
                explorer,
                OFFICE + "OUTLOOK.EXE",
                f'"{OFFICE}OUTLOOK.EXE" ',
            )
        self.office_work(host, explorer)
        self.browsing(host, explorer)
        self.system_chores(host)

    def office_work(self, host: Host, explorer: Proc) -> None:
        """Spreadsheets opened from the file server; Word checks a revocation list."""
        for name in self.rng.sample(("liquidity", "fx-positions", "loan-book", "alm-gap"), 2):
            moment = self.when("08:45", "17:30")
            sheet = f"\\\\FIN-FS-02\\shares\\treasury\\{name}-2026-11.xlsx"
            excel = self.start(
                moment, explorer, OFFICE + "EXCEL.EXE", f'"{OFFICE}EXCEL.EXE" "{sheet}"'
            )
            self.events.append(
                self.sysmon.file(
                    moment + timedelta(seconds=3),
                    excel,
                    f"C:\\Users\\{host.user.name if host.user else ''}\\AppData\\Roaming\\"
                    f"Microsoft\\Excel\\{name}-2026-11((Autosaved-1)).xlb",
                )
            )
        moment = self.when("13:00", "16:00")
        word = self.start(moment, explorer, OFFICE + "WINWORD.EXE", f'"{OFFICE}WINWORD.EXE" ')
        self.events.append(
            self.sysmon.connect(
                moment + timedelta(seconds=4), word, "23.52.40.14", 80, "crl.microsoft.com"
            )
        )

    def browsing(self, host: Host, explorer: Proc) -> None:
        """Chrome sessions to news, market and Microsoft sites, and a PDF download."""
        for _ in range(2):
            moment = self.when("08:30", "17:45")
            chrome = self.start(moment, explorer, CHROME, f'"{CHROME}" ')
            for site in self.rng.sample(SITES, 2):
                moment += timedelta(seconds=self.rng.uniform(2, 90))
                self.events.append(self.sysmon.connect(moment, chrome, *site))
        name = host.user.name if host.user else "Public"
        pdf = f"C:\\Users\\{name}\\Downloads\\statement-2026-11.pdf"
        self.events.append(self.sysmon.file(moment + timedelta(seconds=5), chrome, pdf))

    def system_chores(self, host: Host) -> None:
        """Defender updates and scans, scheduled tasks, the services' routine."""
        lsass = self.sysmon.root(host, SYS32 + "lsass.exe", "C:\\Windows\\system32\\lsass.exe")
        defender = self.sysmon.root(
            host,
            "C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24090.11-0\\MsMpEng.exe",
            '"C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\'
            '4.18.24090.11-0\\MsMpEng.exe"',
        )
        moment = self.when("07:00", "18:00")
        self.events.append(
            self.sysmon.access(
                moment, defender, lsass, "0x1410", "C:\\Windows\\SYSTEM32\\ntdll.dll+a0d34|UNKNOWN"
            )
        )
        self.events.append(
            self.sysmon.registry(
                moment + timedelta(minutes=3),
                defender,
                "HKLM\\SOFTWARE\\Microsoft\\Windows Defender\\Signature Updates\\"
                "SignaturesLastUpdated",
                "QWORD (0x01db38a1-0x5e0c2a40)",
            )
        )
        schedule = self.sysmon.root(
            host,
            SYS32 + "svchost.exe",
            "C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule",
        )
        for _ in range(2):
            self.start(
                self.when("07:00", "19:00"),
                schedule,
                SYS32 + "taskhostw.exe",
                "taskhostw.exe -RegisterDevice -ProtectionStateChanged -FreeNetworkOnly",
            )
        update = self.when("09:00", "17:00")
        self.events.append(self.log.service_state(update, host, "Windows Update", "running"))
        self.events.append(
            self.log.service_state(
                update + timedelta(minutes=12), host, "Windows Update", "stopped"
            )
        )

    def it_admin(self, yamada: Proc) -> None:
        """The help desk at work: near misses for the credential and persistence rules."""
        moment = self.when("10:00", "11:30")
        self.start(
            moment,
            yamada,
            "C:\\Tools\\Sysinternals\\procdump64.exe",
            "procdump64.exe -accepteula -ma OUTLOOK.EXE C:\\Tools\\dumps\\outlook.dmp",
        )
        self.start(
            self.when("11:30", "12:00"),
            yamada,
            SYS32 + "certutil.exe",
            "certutil.exe -hashfile C:\\Users\\k.yamada\\Downloads\\putty-0.82.msi SHA256",
        )
        self.start(self.when("13:00", "13:30"), yamada, SYS32 + "whoami.exe", "whoami.exe")
        self.start(
            self.when("13:30", "14:00"),
            yamada,
            SYS32 + "schtasks.exe",
            'schtasks.exe /create /tn "FinBackupCheck" /tr '
            '"C:\\Program Files\\FinTools\\backupcheck.exe" /sc daily /st 18:00',
        )
        self.events.append(
            self.log.task_created(
                self.when("14:00", "14:01"),
                WS_033,
                K_YAMADA,
                ("\\FinBackupCheck", "C:\\Program Files\\FinTools\\backupcheck.exe", "--quiet"),
                trigger="CalendarTrigger",
                run_as=K_YAMADA.sid,
            )
        )

    def it_admin_remote(self, yamada: Proc) -> None:
        """An inventory script, the help desk's RDP session, Edge's updater service."""
        ps = SYS32 + "WindowsPowerShell\\v1.0\\powershell.exe"
        inventory = self.when("15:00", "15:30")
        self.start(
            inventory,
            yamada,
            ps,
            f"{ps} -NoProfile -ExecutionPolicy Bypass -File C:\\Tools\\inventory.ps1",
        )
        self.events.append(
            self.log.script_block(
                inventory + timedelta(seconds=1),
                WS_033,
                K_YAMADA,
                "$uri = 'https://intranet.finbank.local/tools/inventory.json'\n"
                "Invoke-WebRequest -Uri $uri -OutFile C:\\Tools\\inventory.json -UseBasicParsing\n"
                "Get-Content C:\\Tools\\inventory.json | ConvertFrom-Json |"
                " Export-Csv C:\\Tools\\inv.csv",
            )
        )
        helpdesk = self.when("08:45", "08:55")
        self.events.append(
            self.log.logon(helpdesk, WS_014, ADM_K_YAMADA, 10, JMP_01.ip, JMP_01.name)
        )
        self.events.append(self.log.special_privileges(helpdesk, WS_014, ADM_K_YAMADA))
        edge = (
            '"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\131.0.2903.70\\'
            'elevation_service.exe"'
        )
        self.events.append(
            self.log.service_installed(
                self.when("12:00", "12:30"), WS_021, None, "MicrosoftEdgeElevationService", edge
            )
        )

    def servers(self) -> None:
        """Routine on the domain controller, the file server and the jump host."""
        for host in (DC_01, FS_02, JMP_01):
            schedule = self.sysmon.root(
                host, SYS32 + "svchost.exe", "C:\\Windows\\system32\\svchost.exe -k netsvcs -p"
            )
            for _ in range(3):
                self.start(
                    self.when("06:00", "20:00"),
                    schedule,
                    SYS32 + "gpupdate.exe",
                    "gpupdate.exe /target:computer",
                )
        admin = self.sysmon.root(
            JMP_01,
            "C:\\Windows\\explorer.exe",
            "C:\\Windows\\Explorer.EXE",
            user=ADM_K_YAMADA.qualified,
            integrity="High",
        )
        rdp = self.when("14:15", "14:25")
        self.start(rdp, admin, SYS32 + "mstsc.exe", f'"{SYS32}mstsc.exe" /v:{DC_01.name}')
        self.events.append(
            self.log.logon(
                rdp + timedelta(seconds=4), DC_01, ADM_K_YAMADA, 10, JMP_01.ip, JMP_01.name
            )
        )
        sync = self.when("06:00", "06:10")
        self.events.append(
            self.log.script_block(
                sync,
                DC_01,
                SVC_IDM,
                "Import-Module ActiveDirectory\n"
                "Get-ADUser -Filter 'Enabled -eq $true' -Properties lastLogonTimestamp |\n"
                "  Select-Object SamAccountName, lastLogonTimestamp |\n"
                "  Export-Csv D:\\IdM\\export\\users.csv -NoTypeInformation",
            )
        )
        self.events.append(
            self.log.account_created(
                self.when("09:00", "09:10"),
                DC_01,
                SVC_IDM,
                N_KOBAYASHI,
                (R.USER_CREATED,),
                "joiner provisioning by the identity service (a benign true positive)",
            )
        )

    def domain_logons(self) -> None:
        """Kerberos logons to the DC and the file server, and a few honest failures."""
        for host in WORKSTATIONS + (JMP_01,):
            assert host.user is not None
            for _ in range(4):
                target = self.rng.choice((DC_01, FS_02))
                self.events.append(
                    self.log.logon(self.when("07:45", "18:00"), target, host.user, 3, host.ip, "-")
                )
        # A forgotten password change: one failure an hour, far below any burst.
        for hour in range(7, 19, 2):
            moment = DAY + timedelta(hours=hour, minutes=self.rng.uniform(0, 59))
            self.events.append(
                self.log.failure(moment, DC_01, SVC_BACKUP.name, FS_02.ip, FS_02.name)
            )
        typo = self.when("08:00", "08:30")
        self.events.append(
            self.log.failure(typo, WS_021, "m.suzuki", "127.0.0.1", WS_021.name, logon_type=2)
        )
        self.events.append(
            self.log.failure(
                typo + timedelta(minutes=95), DC_01, "m.suzuki", WS_021.ip, WS_021.name
            )
        )


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)
