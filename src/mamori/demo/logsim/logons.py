"""The password attacks on the domain controller: a guessing burst and a spray."""

from __future__ import annotations

import random
from datetime import timedelta

from mamori.demo.logsim import ruleids as R
from mamori.demo.logsim.estate import BURST_IP, DAY, DC_01, J_TANAKA, SPRAY_IP, SPRAYED
from mamori.demo.logsim.model import WinEvent
from mamori.demo.logsim.winlog import WinLog

BURST_FAILURES = 12
LOCKED_FAILURES = 2


def guessing_burst(log: WinLog, rng: random.Random) -> list[WinEvent]:
    """A VPN client guesses j.tanaka's password until the account locks, and beyond."""
    moment = DAY + timedelta(hours=13, minutes=10, seconds=5)
    events: list[WinEvent] = []
    note = "password guessing against j.tanaka from a VPN address"
    for attempt in range(BURST_FAILURES + LOCKED_FAILURES):
        locked = attempt >= BURST_FAILURES
        events.append(
            log.failure(
                moment,
                DC_01,
                J_TANAKA.name,
                BURST_IP,
                "DESKTOP-7Q2K9LM",
                locked=locked,
                groups=(R.LOGON_BURST,),
                note=note,
            )
        )
        if attempt == BURST_FAILURES - 1:
            events.append(
                log.lockout(
                    moment + timedelta(milliseconds=300), DC_01, J_TANAKA.name, "DESKTOP-7Q2K9LM"
                )
            )
        moment += timedelta(seconds=rng.uniform(5.5, 8.5))
    return events


def password_spray(log: WinLog, rng: random.Random) -> list[WinEvent]:
    """Another VPN client tries one password against seven accounts, once each."""
    moment = DAY + timedelta(hours=13, minutes=31, seconds=10)
    events: list[WinEvent] = []
    for account in SPRAYED:
        events.append(
            log.failure(
                moment,
                DC_01,
                account.name,
                SPRAY_IP,
                "VPN-CLIENT",
                groups=(R.SPRAYING,),
                note="one password tried against many accounts",
            )
        )
        moment += timedelta(seconds=rng.uniform(15, 25))
    return events
