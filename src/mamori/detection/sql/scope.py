"""What the compiler knows while it compiles one rule: where it is, and what it has touched."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from mamori.detection.errors import RuleError, UnsupportedFeatureError
from mamori.detection.sql.dialects import Dialect

#: The pseudo-field that keyword (field-less) values are searched in: every field value of
#: the event joined by newlines, materialized by the engine.
KEYWORDS_FIELD = "_keywords"


@dataclass
class Scope:
    """One rule's compilation: the dialect, placeholder values, and the columns used so far."""

    dialect: Dialect
    source: str
    placeholders: Mapping[str, Sequence[str]]
    fields: set[str] = field(default_factory=set)
    folded_fields: set[str] = field(default_factory=set)
    detection: str | None = None
    item: str | None = None

    def plain(self, name: str) -> str:
        """The plain column of ``name``, noted as used."""
        self.fields.add(name)
        return self.dialect.column(name)

    def folded(self, name: str) -> str:
        """The lowercased column of ``name``, noted as used."""
        self.folded_fields.add(name)
        return self.dialect.folded(name)

    def position(self) -> dict[str, str]:
        """Where in the rule the compiler is (detection name, field), for error details."""
        details: dict[str, str] = {}
        if self.detection is not None:
            details["detection"] = self.detection
        if self.item is not None:
            details["field"] = self.item
        return details

    def unsupported(self, message: str, *, hint: str, construct: str) -> UnsupportedFeatureError:
        """An error for a construct mamori cannot evaluate exactly, located in this rule."""
        return UnsupportedFeatureError(
            self._located(message),
            where=self.source,
            hint=hint,
            details={**self.position(), "construct": construct},
        )

    def invalid(self, message: str, *, hint: str) -> RuleError:
        """An error for a rule that is wrong as written, located in this rule."""
        return RuleError(
            self._located(message), where=self.source, hint=hint, details=self.position()
        )

    def _located(self, message: str) -> str:
        if self.detection is None:
            return message
        place = f"detection {self.detection!r}"
        if self.item is not None:
            place += f", field {self.item!r}"
        return f"{place}: {message}"
