"""Linux authentication logs (auth.log) as RFC 3164 syslog lines."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from mamori.demo.logsim import ruleids as R
from mamori.demo.logsim.estate import DAY, JMP_01, SSH_ATTACKER_IP, WS_021
from mamori.demo.logsim.model import SysLine

BASTION = "fin-bastion-01"
APP = "fin-app-03"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# PRI = facility * 8 + severity: auth (4) for sshd and logind, authpriv (10) for cron and sudo.
AUTH_INFO, AUTH_ERR = 38, 35
AUTHPRIV_INFO, AUTHPRIV_NOTICE, AUTHPRIV_ALERT = 86, 85, 81
_KEY = "ED25519 SHA256:q5Jd0kXw4mS9cVbLrT2uYhN8pZeA7fG3iKoW1xQvE6s"


def render_line(line: SysLine) -> str:
    """``<PRI>Mmm dd hh:mm:ss host program[pid]: message``, as RFC 3164 writes it."""
    stamp = f"{_MONTHS[line.at.month - 1]} {line.at.day:2d} {line.at:%H:%M:%S}"
    tag = f"{line.program}[{line.pid}]" if line.pid is not None else line.program
    return f"<{line.pri}>{stamp} {line.host} {tag}: {line.message}"


class AuthLog:
    """Builds the day's auth.log lines of the bastion host and an application server."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.lines: list[SysLine] = []

    def play(self) -> list[SysLine]:
        """Every line of the day: routine first, then the attacks."""
        for hour in range(0, 24, 2):
            for host in (BASTION, APP):
                self.cron(DAY + timedelta(hours=hour, minutes=17), host)
        for clock in ("08:12", "11:40", "16:05"):
            self.admin_session(_at(clock), BASTION, "adm.k.yamada", JMP_01.ip)
        self.admin_session(_at("09:30"), APP, "k.ito", WS_021.ip)
        for _ in range(5):
            self.internet_probe(DAY + timedelta(minutes=self.rng.uniform(0, 1439)))
        self.ssh_guessing(_at("14:02"))
        self.sudo_failures(_at("15:20"))
        return self.lines

    def add(
        self,
        at: datetime,
        host: str,
        program: str,
        pid: int | None,
        pri: int,
        message: str,
        alerts: tuple[str, ...] = (),
        note: str = "",
    ) -> None:
        self.lines.append(SysLine(at, host, program, pid, pri, message, alerts, note))

    def cron(self, at: datetime, host: str) -> None:
        """The hourly cron job's PAM session."""
        pid = self.rng.randrange(2000, 60000)
        self.add(
            at,
            host,
            "CRON",
            pid,
            AUTHPRIV_INFO,
            "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)",
        )
        self.add(
            at + timedelta(seconds=1),
            host,
            "CRON",
            pid,
            AUTHPRIV_INFO,
            "pam_unix(cron:session): session closed for user root",
        )

    def admin_session(self, at: datetime, host: str, user: str, source: str) -> None:
        """A key-based SSH session with one sudo command."""
        pid, port = self.rng.randrange(2000, 60000), self.rng.randrange(49152, 65535)
        session = self.rng.randrange(100, 999)
        uid = 1001 if user.startswith("adm.") else 1004
        self.add(
            at,
            host,
            "sshd",
            pid,
            AUTH_INFO,
            f"Accepted publickey for {user} from {source} port {port} ssh2: {_KEY}",
        )
        self.add(
            at,
            host,
            "sshd",
            pid,
            AUTH_INFO,
            f"pam_unix(sshd:session): session opened for user {user}(uid={uid}) by (uid=0)",
        )
        self.add(
            at, host, "systemd-logind", 612, AUTH_INFO, f"New session {session} of user {user}."
        )
        command = at + timedelta(seconds=self.rng.uniform(20, 300))
        self.add(
            command,
            host,
            "sudo",
            None,
            AUTHPRIV_NOTICE,
            f"{user} : TTY=pts/0 ; PWD=/home/{user} ; USER=root ; "
            "COMMAND=/usr/bin/systemctl status nginx",
        )
        end = command + timedelta(seconds=self.rng.uniform(60, 900))
        self.add(
            end,
            host,
            "sshd",
            pid,
            AUTH_INFO,
            f"Received disconnect from {source} port {port}:11: disconnected by user",
        )
        self.add(
            end,
            host,
            "sshd",
            pid,
            AUTH_INFO,
            f"pam_unix(sshd:session): session closed for user {user}",
        )

    def internet_probe(self, at: datetime) -> None:
        """A scanner tries one account once and leaves: noise, not an attack worth an alert."""
        source = f"192.0.2.{self.rng.randrange(2, 250)}"
        user = self.rng.choice(("test", "guest", "pi", "admin", "user"))
        pid, port = self.rng.randrange(2000, 60000), self.rng.randrange(30000, 65535)
        self.add(
            at, BASTION, "sshd", pid, AUTH_INFO, f"Invalid user {user} from {source} port {port}"
        )
        self.add(
            at + timedelta(seconds=2),
            BASTION,
            "sshd",
            pid,
            AUTH_INFO,
            f"Connection closed by invalid user {user} {source} port {port} [preauth]",
        )

    def ssh_guessing(self, at: datetime) -> None:
        """Four connections from one address, each using up MaxAuthTries."""
        for user in ("root", "admin", "oracle", "ubuntu"):
            pid, port = self.rng.randrange(2000, 60000), self.rng.randrange(30000, 65535)
            who = user if user == "root" else f"invalid user {user}"
            for _ in range(6):
                at += timedelta(seconds=self.rng.uniform(0.8, 2.5))
                self.add(
                    at,
                    BASTION,
                    "sshd",
                    pid,
                    AUTH_INFO,
                    f"Failed password for {who} from {SSH_ATTACKER_IP} port {port} ssh2",
                )
            note = f"SSH password guessing for {user} from {SSH_ATTACKER_IP}"
            self.add(
                at,
                BASTION,
                "sshd",
                pid,
                AUTH_ERR,
                f"error: maximum authentication attempts exceeded for {who} from "
                f"{SSH_ATTACKER_IP} port {port} ssh2 [preauth]",
                (R.SSH_ATTEMPTS_EXHAUSTED,),
                note,
            )
            closing = "authenticating user root" if user == "root" else who
            self.add(
                at,
                BASTION,
                "sshd",
                pid,
                AUTH_INFO,
                f"Disconnecting {closing} {SSH_ATTACKER_IP} port {port}: "
                "Too many authentication failures [preauth]",
                (R.SSH_ATTEMPTS_EXHAUSTED,),
                note,
            )
            tail = "  user=root" if user == "root" else ""
            self.add(
                at,
                BASTION,
                "sshd",
                pid,
                AUTH_INFO,
                "PAM 5 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= "
                f"rhost={SSH_ATTACKER_IP}{tail}",
            )

    def sudo_failures(self, at: datetime) -> None:
        """A developer's stolen session tries to become root with guessed passwords."""
        for command in ("/usr/bin/cat /etc/shadow", "/bin/bash"):
            note = f"sudo {command} refused for k.ito"
            self.add(
                at,
                APP,
                "sudo",
                None,
                AUTHPRIV_NOTICE,
                "pam_unix(sudo:auth): authentication failure; logname=k.ito uid=1004 "
                "euid=0 tty=/dev/pts/1 ruser=k.ito rhost=  user=k.ito",
                (R.SUDO_FAILURES,),
                note,
            )
            at += timedelta(seconds=self.rng.uniform(9, 14))
            self.add(
                at,
                APP,
                "sudo",
                None,
                AUTHPRIV_ALERT,
                "   k.ito : 3 incorrect password attempts ; TTY=pts/1 ; PWD=/home/k.ito ; "
                f"USER=root ; COMMAND={command}",
                (R.SUDO_FAILURES,),
                note,
            )
            at += timedelta(seconds=self.rng.uniform(30, 60))


def render(lines: list[SysLine]) -> tuple[bytes, list[tuple[SysLine, int]]]:
    """The file's bytes in time order, and each line's 1-based line number."""
    ordered = [line for _, line in sorted(enumerate(lines), key=lambda p: (p[1].at, p[0]))]
    text = "".join(render_line(line) + "\n" for line in ordered)
    return text.encode("ascii"), [(line, number) for number, line in enumerate(ordered, 1)]


def _at(clock: str) -> datetime:
    hours, minutes = clock.split(":")
    return DAY + timedelta(hours=int(hours), minutes=int(minutes))
