"""Zeek logs: the TSV form (``#fields``/``#types`` headers) and the JSON form.

Field names are Zeek's own (``id.orig_h``, ``query``, ``resp_mime_types``). The
log's path (``conn``, ``dns``, ``http``…) becomes the channel: from ``#path``, from
``_path`` in JSON, or else from the file name. Unset fields are absent; sets and
vectors read as Zeek writes them in TSV, items joined by commas, in both forms.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import PurePath
from typing import Any

import orjson

from mamori.events.flatten import render
from mamori.events.lines import read_lines
from mamori.events.models import LineRejected, MetaSpec, ReadContext, Record, Source

_ESCAPE = re.compile(r"\\x([0-9a-fA-F]{2})")
_SPECS: dict[str, MetaSpec] = {}


def spec_for(path: str) -> MetaSpec:
    """The spec of one Zeek log path; one object per path, so batches group by it."""
    spec = _SPECS.get(path)
    if spec is None:
        constants = (
            (("_channel", path), ("_provider", "zeek")) if path else (("_provider", "zeek"),)
        )
        spec = _SPECS.setdefault(path, MetaSpec("zeek", timestamp=("ts",), constants=constants))
    return spec


def path_from_name(name: str) -> str:
    """``conn`` for ``conn.log``, ``conn.09:00:00-10:00:00.log.gz`` or ``x.zip!dns.log``."""
    base = PurePath(name.rpartition("!")[2]).name
    return base.split(".", 1)[0]


class ZeekReader:
    """Zeek TSV and JSON logs."""

    format = "zeek"

    def decoder(self, source: str) -> ZeekDecoder:
        """A decoder that learns the columns from the ``#fields`` header it is fed."""
        return ZeekDecoder(path_from_name(source))

    def read(self, source: Source, ctx: ReadContext) -> Iterator[Record]:
        """One event per data line."""
        return read_lines(ZeekDecoder(path_from_name(source.hint or source.name)), source, ctx)


class ZeekDecoder:
    """Zeek lines; header lines set the columns of the data lines after them."""

    def __init__(self, path: str = "") -> None:
        self.separator = "\t"
        self.set_separator = ","
        self.empty = "(empty)"
        self.unset = "-"
        self.fields: list[str] = []
        self.spec = spec_for(path)

    def decode(self, line: str, lineno: int) -> Sequence[Record]:
        """The event of a data line; header and blank lines give none."""
        if line.startswith("#"):
            self._header(line)
            return ()
        if line.startswith("{"):
            return self._json(line, lineno)
        if not line.strip():
            return ()
        if not self.fields:
            raise LineRejected("a data line before any #fields header")
        values = line.split(self.separator)
        if len(values) != len(self.fields):
            raise LineRejected(f"{len(values)} values for {len(self.fields)} #fields")
        unset, empty = self.unset, self.empty
        fields = {
            name: "" if value == empty else _unescape(value) if "\\x" in value else value
            for name, value in zip(self.fields, values, strict=True)
            if value != unset
        }
        return ((self.spec, lineno, fields, line),)

    def _header(self, line: str) -> None:
        if line.startswith("#separator"):
            self.separator = _unescape(line[len("#separator") :].strip()) or "\t"
            return
        key, _, rest = line.partition(self.separator)
        if key == "#fields":
            self.fields = rest.split(self.separator)
        elif key == "#set_separator":
            self.set_separator = rest
        elif key == "#empty_field":
            self.empty = rest
        elif key == "#unset_field":
            self.unset = rest
        elif key == "#path" and rest:
            self.spec = spec_for(rest)

    def _json(self, line: str, lineno: int) -> Sequence[Record]:
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise LineRejected(f"not JSON: {exc}") from None
        if value.__class__ is not dict:
            raise LineRejected("a JSON value that is not an object")
        fields = {name: _plain(item) for name, item in value.items() if item is not None}
        path = fields.get("_path")
        spec = spec_for(path) if isinstance(path, str) else self.spec
        return ((spec, lineno, fields, line),)


def _plain(value: Any) -> Any:
    if value.__class__ is not list:
        return value
    return ",".join(item if item.__class__ is str else render(item) for item in value)


def _unescape(text: str) -> str:
    return _ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), text)
