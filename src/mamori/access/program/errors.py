"""Errors of the program's organizations and applications."""

from __future__ import annotations

from mamori.access.errors import AccessError
from mamori.core.errors import ConflictError


class TransitionError(ConflictError, AccessError):
    """An application or organization is not in a state that allows the requested step."""

    code = "program.invalid_transition"

    def __init__(self, message: str, *, where: str, current: str, allowed: list[str]) -> None:
        hint = (
            f"from {current} the next steps are: {', '.join(allowed)}"
            if allowed
            else f"{current} is final: nothing follows it"
        )
        super().__init__(
            message, where=where, hint=hint, details={"current": current, "allowed": allowed}
        )
        self.current = current
        self.allowed = allowed
