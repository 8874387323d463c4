"""Errors of the detection domain."""

from __future__ import annotations

from mamori.core.errors import ErrorKind, MamoriError


class DetectionError(MamoriError):
    """Root of every error the detection engine raises."""

    code = "detection.error"


class RuleError(DetectionError):
    """A Sigma rule that cannot be loaded or compiled; ``where`` names its file."""

    kind = ErrorKind.INVALID
    code = "detection.rule_invalid"


class UnsupportedFeatureError(RuleError):
    """A rule uses a Sigma feature mamori cannot evaluate exactly; it is refused, never guessed."""

    code = "detection.unsupported"
