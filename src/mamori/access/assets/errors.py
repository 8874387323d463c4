"""Errors of assets and engagements.

Each error is both an :class:`AccessError` (its domain) and one of the generic kinds
from ``core.errors`` (invalid, not found, conflict), so that callers and the HTTP
layer can catch either.
"""

from __future__ import annotations

from mamori.access.errors import AccessError
from mamori.core.errors import (
    ConflictError,
    ErrorKind,
    InvalidInputError,
    NotFoundError,
)


class AssetError(AccessError):
    """Base of the errors about assets and engagements."""

    code = "access.asset"


class InvalidAssetError(InvalidInputError, AssetError):
    """An asset value, proof method or engagement request that breaks a rule."""

    code = "access.asset.invalid"


class AssetNotFoundError(NotFoundError, AssetError):
    """No such asset in the caller's organization (another organization's asset included)."""

    code = "access.asset.not_found"


class DuplicateAssetError(ConflictError, AssetError):
    """The organization has already registered this asset."""

    code = "access.asset.duplicate"


class EngagementNotFoundError(NotFoundError, AssetError):
    """No such engagement in the caller's organization."""

    code = "access.engagement.not_found"


class InvalidEngagementError(InvalidInputError, AssetError):
    """An engagement request with a bad purpose, window or scope."""

    code = "access.engagement.invalid"


class EngagementStateError(ConflictError, AssetError):
    """A transition the engagement's current state does not allow."""

    code = "access.engagement.state"


class VerifierUnavailableError(AssetError):
    """This mamori has no verifier configured for the asset's proof method."""

    kind = ErrorKind.UNAVAILABLE
    code = "access.asset.verifier_unavailable"
