"""Errors of the events domain.

Most bad input is not an error here: a corrupt chunk, an undecodable line or an
unreadable file is counted as a :class:`~mamori.events.models.ReadProblem` and
reading goes on. These errors are for requests mamori cannot start at all.
"""

from __future__ import annotations

from mamori.core.errors import ErrorKind, MamoriError


class EventsError(MamoriError):
    """Root of every error the event readers raise."""

    kind = ErrorKind.INVALID
    code = "events.error"


class UnknownFormatError(EventsError):
    """A format name that no reader handles, or one that cannot be used the way asked."""

    code = "events.unknown_format"


class SourceNotFoundError(EventsError):
    """A path the caller named that does not exist."""

    kind = ErrorKind.NOT_FOUND
    code = "events.source_not_found"
