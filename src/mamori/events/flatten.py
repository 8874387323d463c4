"""Flattening nested events into the flat field names Sigma rules use.

Windows events (an ``Event`` with ``System``, ``EventData``, ``UserData``, as the
EVTX parser, Sysmon for Linux or xmltodict write them) become their leaf names:
``Provider_Name``, ``EventID``, ``SystemTime``, ``Image``… Other JSON becomes dotted
names (``process.command_line``), plus the Sigma names of known ECS fields.

Values stay as parsed (str, int, float, bool, list); the batch builder renders
them to text only for the columns a caller asks for. A name seen twice keeps its
first value, and ``System`` is read first, so ``EventData`` cannot shadow it.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from mamori.events.ecs_fields import ECS_TO_SIGMA

_PRIORITY = {ecs: rank for rank, (ecs, _) in reversed(list(enumerate(ECS_TO_SIGMA)))}
_SIGMA_NAME = {ecs: sigma for ecs, sigma in reversed(ECS_TO_SIGMA)}
_ECS_NAMES = frozenset(_PRIORITY)
# System's children that can carry attributes or children (the others are plain values)
_SYSTEM_ELEMENTS = (
    "Provider",
    "EventID",
    "TimeCreated",
    "Correlation",
    "Execution",
    "Security",
)
# the same string objects every time, so grouping events by their names compares pointers
_PROVIDER_NAMES = {name: "Provider_" + name for name in ("Name", "Guid", "EventSourceName")}
_ABSENT = object()
_SCALARS = frozenset((str, int, float, bool, type(None)))


def flatten_windows(event: dict[str, Any]) -> dict[str, Any]:
    """An ``Event`` object's fields under Sigma's leaf names."""
    out: dict[str, Any] = {}
    system = event.get("System")
    if system.__class__ is dict:
        _system(system, out)
    for section, value in event.items():
        if section == "EventData":
            out = event_data(value, out)
        elif section != "System" and section[:1] not in ("#", "@"):
            leaves(value, section, out)
    if " " in "".join(out):
        out = _without_spaces(out)
    return out


def _without_spaces(fields: dict[str, Any]) -> dict[str, Any]:
    """Sigma names drop the spaces some providers put in field names (Defender's
    ``Source Name`` is ``SourceName`` in rules); a name already present wins."""
    renamed: dict[str, Any] = {}
    for key, value in fields.items():
        renamed.setdefault(key.replace(" ", ""), value)
    return renamed


def _system(system: dict[str, Any], out: dict[str, Any]) -> None:
    out.update(system)
    for key in _SYSTEM_ELEMENTS:
        value = out.get(key, _ABSENT)
        if value is _ABSENT:
            continue
        if value is None:
            del out[key]
        elif value.__class__ is dict:
            del out[key]
            attributes = value.get("#attributes")
            if len(value) != 1 or attributes.__class__ is not dict:
                leaves(value, key, out, "Provider_" if key == "Provider" else "")
            elif key == "Provider":
                for name, item in attributes.items():
                    out[_PROVIDER_NAMES.get(name) or "Provider_" + name] = item
            else:
                out.update(attributes)  # the usual shape: an element with attributes only


def event_data(value: Any, out: dict[str, Any]) -> dict[str, Any]:
    """``out`` with ``EventData``: named items as fields, unnamed ``Data`` as one field."""
    if value.__class__ is not dict:
        if value is not None:
            out.setdefault("EventData", joined(value))
        return out
    if _SCALARS.issuperset(map(type, value.values())):
        # the usual shape: every item named, every value plain; earlier names win
        if out.keys().isdisjoint(value):
            out.update(value)
            return out
        return {**value, **out}
    _event_data_items(value, out)
    return out


def _event_data_items(value: dict[str, Any], out: dict[str, Any]) -> None:
    attributes = None
    for key, item in value.items():
        cls = item.__class__
        if cls is dict or cls is list:
            if key == "Data":
                _data(item, out)
            elif key == "#attributes":
                attributes = item
            else:
                leaves(item, key, out)
        elif key not in out and item is not None:
            out[key] = item
    if attributes is not None:
        _attributes(attributes, "", out)


def _data(value: Any, out: dict[str, Any]) -> None:
    unnamed: list[Any] = []
    for item in value if value.__class__ is list else (value,):
        if item.__class__ is not dict:
            if item is not None:
                unnamed.append(item)
            continue
        name = item.get("@Name", item.get("Name"))
        text = item.get("#text")
        if name is None:
            unnamed.extend(text if text.__class__ is list else () if text is None else (text,))
        elif text is not None:
            out.setdefault(name, joined(text))
    if unnamed:
        out.setdefault("Data", joined(unnamed))


def leaves(value: Any, key: str, out: dict[str, Any], prefix: str = "") -> None:
    """An XML element's leaves by their own names; attributes after elements."""
    if value.__class__ is not dict:
        if value is not None:
            out.setdefault(key, value)
        return
    attributes: Any = None
    for child, item in value.items():
        if child == "#attributes":
            attributes = item
        elif child == "#text":
            if item is not None:
                out.setdefault(key, joined(item))
        elif child[:1] == "@":
            if not child.startswith("@xmlns") and item is not None:
                out.setdefault(prefix + child[1:], item)
        else:
            leaves(item, child, out)
    if attributes.__class__ is dict:
        _attributes(attributes, prefix, out)


def _attributes(attributes: dict[str, Any], prefix: str, out: dict[str, Any]) -> None:
    for name, item in attributes.items():
        if item is not None and not name.startswith("xmlns"):
            out.setdefault(prefix + name, item)


def joined(value: Any) -> Any:
    """A list of texts (unnamed ``Data``, mixed content) as one newline-separated text."""
    if value.__class__ is not list:
        return value
    return "\n".join(item if item.__class__ is str else render(item) for item in value)


def render(value: Any) -> str:
    """A parsed JSON value as the text a Sigma rule compares with."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value.__class__ is str:
        return value
    if isinstance(value, int | float):
        return str(value)
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # an integer past 64 bits, from a parser that allows them
        return json.dumps(value, ensure_ascii=False, default=str)


def flatten_json(doc: dict[str, Any]) -> dict[str, Any]:
    """Any JSON object as dotted names, plus Windows leaf names and ECS's Sigma names."""
    out: dict[str, Any] = {}
    _dotted(doc, "", out)
    hits = out.keys() & _ECS_NAMES
    if hits:
        for ecs in sorted(hits, key=_PRIORITY.__getitem__):
            out.setdefault(_SIGMA_NAME[ecs], out[ecs])
    return out


def _dotted(node: dict[str, Any], prefix: str, out: dict[str, Any]) -> None:
    for key, value in node.items():
        name = prefix + key
        if value.__class__ is dict:
            _dotted(value, name + ".", out)
            if name == "winlog.event_data":
                _event_data_items(value, out)
            elif name == "winlog.user_data":
                leaves(value, "UserData", out)
        elif value is not None and name not in out:
            # lists as text now: a dict of plain values is one the garbage collector skips
            out[name] = render(value) if value.__class__ is list else value
