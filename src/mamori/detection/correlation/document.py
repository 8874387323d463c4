"""Checks on a correlation rule's YAML that pySigma would let pass without a word."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mamori.detection.errors import RuleError, UnsupportedFeatureError

_KEYS = frozenset({"type", "rules", "group-by", "timespan", "condition", "aliases", "generate"})
_OPERATORS = frozenset({"gt", "gte", "lt", "lte", "eq", "neq"})


def check_document(document: Mapping[str, Any], where: str) -> None:
    """Refuse a ``correlation`` section with keys or condition ranges mamori would ignore.

    pySigma 2.0.1 drops unknown keys of the section (``ordered``, ``window``, ``gap``...) without
    an error; call this on the parsed YAML before handing it to pySigma.
    """
    section = document.get("correlation")
    if not isinstance(section, Mapping):
        raise RuleError("a correlation rule needs a 'correlation' map", where=where)
    title = document.get("title", "?")
    unknown = sorted(str(key) for key in section if key not in _KEYS)
    if unknown:
        raise UnsupportedFeatureError(
            f"correlation rule {title!r} uses correlation.{unknown[0]}, "
            "which mamori does not evaluate",
            where=f"{where} (correlation.{unknown[0]})",
            hint="remove it; the Sigma 2.0 correlation keys are " + ", ".join(sorted(_KEYS)),
            details={"rule": title, "feature": f"correlation.{unknown[0]}"},
        )
    condition = section.get("condition")
    if isinstance(condition, Mapping):
        operators = sorted(key for key in condition if key in _OPERATORS)
        if len(operators) > 1:
            raise UnsupportedFeatureError(
                f"correlation rule {title!r} uses a range condition ({' and '.join(operators)}), "
                "which mamori does not evaluate",
                where=f"{where} (correlation.condition)",
                hint="pySigma 2.0.1 reads one operator per condition; keep one",
                details={"rule": title, "feature": "condition range"},
            )
