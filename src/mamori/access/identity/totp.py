"""The TOTP second factor (RFC 6238): 6 digits, 30-second steps, one step of drift allowed.

The user row keeps the factor in its one ``totp_secret`` column as a small
record: ``pending:<secret>`` after enrollment, ``active:<secret>:<last step>``
once confirmed. Keeping the last accepted step next to the secret lets a
compare-and-set update refuse a code that was already used (a replay) even when
two requests race with it.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
from dataclasses import dataclass, field

import pyotp

ISSUER = "mamori"
DRIFT_STEPS = 1
_CODE = re.compile(r"[0-9]{6}")
_PENDING = "pending"
_ACTIVE = "active"


@dataclass(frozen=True)
class TotpState:
    """A user's second factor: its secret, whether it is confirmed, and the last step used."""

    secret: str = field(repr=False)
    confirmed: bool
    last_step: int = -1

    def encode(self) -> str:
        """The value stored in the user row."""
        if not self.confirmed:
            return f"{_PENDING}:{self.secret}"
        return f"{_ACTIVE}:{self.secret}:{self.last_step}"

    @classmethod
    def decode(cls, stored: str | None) -> TotpState | None:
        """The state stored in a user row, or None when the user has no second factor."""
        if not stored:
            return None
        status, _, rest = stored.partition(":")
        if status == _PENDING:
            return cls(secret=rest, confirmed=False)
        secret, _, step = rest.partition(":")
        return cls(secret=secret, confirmed=True, last_step=int(step or -1))


def new_state() -> TotpState:
    """A fresh, unconfirmed secret."""
    return TotpState(secret=pyotp.random_base32(), confirmed=False)


def provisioning_uri(state: TotpState, account: str) -> str:
    """The ``otpauth://`` URI an authenticator app scans."""
    return pyotp.TOTP(state.secret).provisioning_uri(name=account, issuer_name=ISSUER)


def matching_step(secret: str, code: str, at: dt.datetime) -> int | None:
    """The latest time step within ±1 of ``at`` for which ``code`` is right, or None.

    The caller compares it with the last step used to refuse a replay.
    """
    if not _CODE.fullmatch(code):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(at)
    for step in range(current + DRIFT_STEPS, current - DRIFT_STEPS - 1, -1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def code_at(secret: str, at: dt.datetime) -> str:
    """The code an authenticator shows at ``at`` (for enrollment checks and tests)."""
    return pyotp.TOTP(secret).at(at)
