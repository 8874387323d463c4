"""A Sigma rule compiled to one SQL boolean expression, with what the engine needs to run it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mamori.detection.ir import Const, Node, from_data, to_data
from mamori.detection.models import Level, LogSource


@dataclass(frozen=True)
class CompiledRule:
    """One detection rule as SQL.

    ``condition`` is TRUE exactly for the events the rule matches; for other events it is
    FALSE or NULL (as in a WHERE clause), so wrap it in ``coalesce(..., FALSE)`` where a
    strict boolean is needed. ``fields`` are the plain columns it reads; ``folded_fields``
    the fields it reads lowercased (through their ``#lc`` twins when the dialect is
    prefolded, ``lower()`` otherwise). ``_keywords`` (every field value of the event joined
    by newlines) appears in either set when the rule searches keywords. ``generate`` is
    False for a rule that only feeds correlation rules and must not alert on its own.
    ``tree`` is the same condition as a tree (:mod:`mamori.detection.ir`), which the
    in-process engine evaluates.
    """

    id: str
    name: str | None
    title: str
    level: Level
    status: str | None
    tags: tuple[str, ...]
    logsource: LogSource
    source: str
    description: str | None
    falsepositives: tuple[str, ...]
    condition: str
    fields: frozenset[str]
    folded_fields: frozenset[str]
    generate: bool = True
    tree: Node = Const(False)

    @property
    def columns(self) -> frozenset[str]:
        """Every event field the condition reads, plainly or lowercased."""
        return self.fields | self.folded_fields

    def to_dict(self) -> dict[str, Any]:
        """The rule as JSON-ready data (see :meth:`from_dict`)."""
        return {
            "id": self.id,
            "name": self.name,
            "title": self.title,
            "level": self.level.label,
            "status": self.status,
            "tags": list(self.tags),
            "logsource": {
                "product": self.logsource.product,
                "category": self.logsource.category,
                "service": self.logsource.service,
            },
            "source": self.source,
            "description": self.description,
            "falsepositives": list(self.falsepositives),
            "condition": self.condition,
            "fields": sorted(self.fields),
            "folded_fields": sorted(self.folded_fields),
            "generate": self.generate,
            "tree": to_data(self.tree),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CompiledRule:
        """The rule :meth:`to_dict` wrote; KeyError, TypeError or ValueError if malformed."""
        logsource = data["logsource"]
        return cls(
            id=_text(data["id"]),
            name=_optional_text(data["name"]),
            title=_text(data["title"]),
            level=Level.parse(_text(data["level"])),
            status=_optional_text(data["status"]),
            tags=tuple(_text(tag) for tag in data["tags"]),
            logsource=LogSource(
                product=_optional_text(logsource["product"]),
                category=_optional_text(logsource["category"]),
                service=_optional_text(logsource["service"]),
            ),
            source=_text(data["source"]),
            description=_optional_text(data["description"]),
            falsepositives=tuple(_text(item) for item in data["falsepositives"]),
            condition=_text(data["condition"]),
            fields=frozenset(_text(item) for item in data["fields"]),
            folded_fields=frozenset(_text(item) for item in data["folded_fields"]),
            generate=bool(data["generate"]),
            tree=from_data(data["tree"]),
        )


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


def _optional_text(value: Any) -> str | None:
    return None if value is None else _text(value)
