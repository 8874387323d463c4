"""Errors of the storage layer."""

from mamori.core.errors import ErrorKind, MamoriError


class StoreError(MamoriError):
    """The database could not be reached, migrated or used."""

    kind = ErrorKind.UNAVAILABLE
    code = "store.unavailable"
