"""Errors of the transparency log."""

from __future__ import annotations

from mamori.core.errors import ErrorKind, MamoriError


class AuditError(MamoriError):
    """Base of the transparency log's errors."""

    kind = ErrorKind.INTERNAL
    code = "audit.error"


class EntryInvalidError(AuditError):
    """An entry that cannot be recorded as canonical JSON; ``where`` names the field."""

    kind = ErrorKind.INVALID
    code = "audit.entry_invalid"


class AuditRequestError(AuditError):
    """A read or proof asked about sizes or indices the log does not have."""

    kind = ErrorKind.INVALID
    code = "audit.request_invalid"


class EntryNotFoundError(AuditError):
    """No entry at that index, or none the caller's organization may read."""

    kind = ErrorKind.NOT_FOUND
    code = "audit.entry_not_found"


class CheckpointNotFoundError(AuditError):
    """The log has no signed checkpoint yet."""

    kind = ErrorKind.NOT_FOUND
    code = "audit.checkpoint_not_found"


class SigningKeyError(AuditError):
    """The signing key file cannot be read, created or parsed."""

    kind = ErrorKind.INVALID
    code = "audit.signing_key"


class SigningKeyExistsError(SigningKeyError):
    """A new signing key would overwrite an existing one."""

    kind = ErrorKind.CONFLICT
    code = "audit.signing_key_exists"


class ExportFormatError(AuditError):
    """A log export that is not a mamori export at all (wrong header, unreadable file)."""

    kind = ErrorKind.INVALID
    code = "audit.export_format"


class LogCorruptError(AuditError):
    """The stored log contradicts itself (its head, nodes or entries disagree)."""

    kind = ErrorKind.INTERNAL
    code = "audit.log_corrupt"
