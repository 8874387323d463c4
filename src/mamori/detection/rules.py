"""Loading Sigma rule files: safely, file by file, every failure reported with its place.

A rule file is YAML that mamori did not write, so it is read defensively: a size cap, a
nesting cap (a deep document would crash the C YAML composer), and a cap on how far anchors
and aliases expand (the "billion laughs" document), all checked on the parser's event stream
before anything is built. pySigma then turns each document into a rule, a correlation rule or
a filter. One bad file or rule never stops the others: it becomes a :class:`RuleProblem`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sigma.collection import SigmaCollection
from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaError, SigmaRuleLocation
from sigma.filters import SigmaFilter
from sigma.policy import SigmaPolicy
from sigma.policy.regex_engine import PythonRegexEngine
from sigma.rule import SigmaRule

from mamori.core import logging as mlog
from mamori.detection.errors import RuleError
from mamori.detection.sql.compiler import derived_rule_id

log = mlog.get_logger(__name__)

RULE_SUFFIXES = (".yml", ".yaml")
MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_NESTING = 64
#: Nodes that aliases may add on top of a file's own nodes (pySigma refuses beyond the same).
MAX_ALIAS_NODES = 10_000

#: pySigma only compiles a rule's regular expressions to check them. It checks with Python's
#: engine here so that the compiler, which checks against RE2 itself, can name the construct
#: (lookahead, backreference...) that makes a pattern unusable. Nothing else is relaxed.
SIGMA_POLICY = SigmaPolicy(regex_engine=PythonRegexEngine())

_COLLECTION_START = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_NODE_END = (yaml.SequenceEndEvent, yaml.MappingEndEvent, yaml.ScalarEvent, yaml.AliasEvent)


@dataclass(frozen=True)
class RuleProblem:
    """A file or rule that was not loaded: where it is and why."""

    path: str
    line: int | None
    reason: str
    hint: str | None = None
    code: str = RuleError.code
    construct: str | None = None

    @property
    def where(self) -> str:
        """``path:line``, or the path alone when the line is not known."""
        return self.path if self.line is None else f"{self.path}:{self.line}"

    def error(self) -> RuleError:
        """The problem as the error that strict loading raises."""
        error = RuleError(self.reason, where=self.where, hint=self.hint, code=self.code)
        error.details = {"path": self.path, "line": self.line}
        return error

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "path": self.path,
            "line": self.line,
            "reason": self.reason,
            "hint": self.hint,
            "code": self.code,
            "construct": self.construct,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RuleProblem:
        """The problem :meth:`to_dict` wrote."""
        line = data["line"]
        return cls(
            path=str(data["path"]),
            line=None if line is None else int(line),
            reason=str(data["reason"]),
            hint=None if data["hint"] is None else str(data["hint"]),
            code=str(data["code"]),
            construct=None if data["construct"] is None else str(data["construct"]),
        )


@dataclass(frozen=True)
class RuleFile:
    """One rule file as read from disk (``source`` is its path as given): its bytes, or why
    they could not be read."""

    source: str
    data: bytes | None = None
    error: str | None = None

    @property
    def path(self) -> Path:
        """The file's path."""
        return Path(self.source)


@dataclass(frozen=True)
class LoadedRule:
    """A detection rule as pySigma parsed it, with the document it came from."""

    rule: SigmaRule
    source: str
    line: int | None
    text: str
    generate: bool = True

    @property
    def id(self) -> str:
        """The rule's id, or the one mamori derives from its path and title."""
        if self.rule.id is not None:
            return str(self.rule.id)
        return derived_rule_id(self.source, self.rule.title)


@dataclass(frozen=True)
class LoadedCorrelation:
    """A correlation rule as pySigma parsed it (references resolved), with its YAML text."""

    rule: SigmaCorrelationRule
    source: str
    line: int | None
    text: str

    @property
    def id(self) -> str:
        """The correlation's id, or the one mamori derives from its path and title."""
        if self.rule.id is not None:
            return str(self.rule.id)
        return derived_rule_id(self.source, self.rule.title)


@dataclass(frozen=True)
class RuleSet:
    """Every rule loaded from some paths, and every problem met on the way."""

    rules: tuple[LoadedRule, ...]
    correlations: tuple[LoadedCorrelation, ...]
    problems: tuple[RuleProblem, ...]
    _index: dict[str, LoadedRule | LoadedCorrelation] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        items: list[LoadedRule | LoadedCorrelation] = [*self.rules, *self.correlations]
        for item in items:
            self._index.setdefault(item.id.lower(), item)
            if item.rule.name:
                self._index.setdefault(item.rule.name, item)

    def find(self, reference: str) -> LoadedRule | LoadedCorrelation | None:
        """The rule or correlation a correlation's reference (an id or a name) points at."""
        return self._index.get(reference) or self._index.get(reference.lower())


@dataclass(frozen=True)
class _Document:
    data: object
    line: int
    text: str


@dataclass
class _Loading:
    """The state of one load_rules() run."""

    rules: list[LoadedRule] = field(default_factory=list)
    correlations: list[LoadedCorrelation] = field(default_factory=list)
    filters: list[SigmaFilter] = field(default_factory=list)
    problems: list[RuleProblem] = field(default_factory=list)

    def problem(self, path: str, line: int | None, reason: str, hint: str | None = None) -> None:
        self.problems.append(RuleProblem(path, line, reason, hint))


def load_rules(paths: Sequence[Path], *, strict: bool = False) -> RuleSet:
    """Load every rule under ``paths`` (files, or directories searched for *.yml/*.yaml).

    A file or rule that cannot be loaded becomes a problem in the result and the others still
    load; with ``strict`` the first problem is raised as a :class:`RuleError` instead.
    """
    return load_rule_files(read_rule_files(paths), strict=strict)


def load_rule_text(text: str, *, source: str = "<inline>", strict: bool = False) -> RuleSet:
    """Load the rules of one YAML text (e.g. sent to the API) as if read from ``source``."""
    file = RuleFile(source, data=text.encode("utf-8", "surrogatepass"))
    return load_rule_files([file], strict=strict)


def read_rule_files(paths: Sequence[Path]) -> list[RuleFile]:
    """The rule files under ``paths`` in a stable order, each read once."""
    files: list[RuleFile] = []
    seen: set[tuple[int, int]] = set()
    for source in _discover(paths):
        file, identity = _read(source)
        if identity is not None:
            if identity in seen:
                continue
            seen.add(identity)
        files.append(file)
    return files


def load_rule_files(files: Sequence[RuleFile], *, strict: bool = False) -> RuleSet:
    """Parse rule files already read by :func:`read_rule_files` into a :class:`RuleSet`."""
    loading = _Loading()
    for file in files:
        _load_file(loading, file)
    _apply_filters(loading)
    _resolve_correlations(loading)
    _drop_duplicate_ids(loading)
    for problem in loading.problems:
        mlog.event(
            log,
            "detection.rule.skipped",
            logging.WARNING,
            where=problem.where,
            reason=problem.reason,
        )
    if strict and loading.problems:
        raise loading.problems[0].error()
    ruleset = RuleSet(tuple(loading.rules), tuple(loading.correlations), tuple(loading.problems))
    mlog.event(
        log,
        "detection.rules.loaded",
        rules=len(ruleset.rules),
        correlations=len(ruleset.correlations),
        problems=len(ruleset.problems),
    )
    return ruleset


def _discover(paths: Sequence[Path]) -> Iterator[str]:
    for path in paths:
        if path.is_dir():
            yield from _walk(str(path))
        else:
            yield str(path)


def _walk(root: str) -> list[str]:
    found: list[str] = []
    for directory, subdirectories, names in os.walk(root):
        subdirectories[:] = [name for name in subdirectories if not name.startswith(".")]
        found.extend(
            os.path.join(directory, name)
            for name in names
            if name.endswith(RULE_SUFFIXES) and not name.startswith(".")
        )
    # Sort on path components so that "a/b.yml" and "a-c.yml" order the same everywhere.
    return sorted(found, key=lambda path: path.split(os.sep))


def _read(source: str) -> tuple[RuleFile, tuple[int, int] | None]:
    try:
        with open(source, "rb") as stream:
            status = os.fstat(stream.fileno())
            identity = (status.st_dev, status.st_ino)
            if status.st_size > MAX_FILE_BYTES:
                reason = f"the file is {status.st_size} bytes, over the limit of {MAX_FILE_BYTES}"
                return RuleFile(source, error=reason), identity
            return RuleFile(source, data=stream.read()), identity
    except OSError as error:
        return RuleFile(source, error=f"cannot be read: {error.strerror or error}"), None


def _load_file(loading: _Loading, file: RuleFile) -> None:
    if file.data is None:
        loading.problem(file.source, None, file.error or "cannot be read")
        return
    try:
        documents = _documents(file.data)
    except RuleError as error:
        loading.problem(file.source, error.details.get("line"), error.message, error.hint)
        return
    kept = [document for document in documents if _usable(loading, file, document)]
    kinds = [_kind(document.data) for document in kept]  # before pySigma edits the documents
    try:
        collection = SigmaCollection.from_dicts(
            [document.data for document in kept],  # type: ignore[misc]
            collect_errors=True,
            source=SigmaRuleLocation(file.path),
            collect_filters=True,
            resolve_references=False,
            policy=SIGMA_POLICY,
        )
    except (SigmaError, TypeError, ValueError, AttributeError, KeyError) as error:
        # pySigma raises a few plain exceptions on shapes it does not expect; each is the
        # file's problem, never the whole load's.
        loading.problem(file.source, None, f"not a Sigma rule file: {_message(error)}")
        return
    _collect(loading, file, list(zip(kept, kinds, strict=True)), collection)


def _usable(loading: _Loading, file: RuleFile, document: _Document) -> bool:
    if document.data is None:
        return False
    if not isinstance(document.data, dict):
        loading.problem(file.source, document.line, "a rule document must be a YAML mapping")
        return False
    _alias_modifiers(document.data)
    return True


def _collect(
    loading: _Loading,
    file: RuleFile,
    kept: list[tuple[_Document, str | None]],
    collection: SigmaCollection,
) -> None:
    rule_documents = [doc for doc, kind in kept if kind in ("rule", "correlation")]
    filter_documents = [doc for doc, kind in kept if kind == "filter"]
    owned = {
        id(error) for item in (*collection.rules, *collection.filters) for error in item.errors
    }
    for error in collection.errors:
        if id(error) not in owned:
            loading.problem(file.source, None, _message(error))
    for rule, document in _paired(collection.rules, rule_documents):
        line, text = (document.line, document.text) if document else (None, "")
        if rule.errors:
            loading.problem(file.source, line, "; ".join(_message(e) for e in rule.errors))
        elif isinstance(rule, SigmaCorrelationRule):
            loading.correlations.append(LoadedCorrelation(rule, file.source, line, text))
        else:
            loading.rules.append(LoadedRule(rule, file.source, line, text))
    for sigma_filter, document in _paired(collection.filters, filter_documents):
        if sigma_filter.errors:
            line = document.line if document else None
            loading.problem(file.source, line, _message(sigma_filter.errors[0]))
        else:
            loading.filters.append(sigma_filter)


def _paired(
    items: Sequence[Any], documents: list[_Document]
) -> Iterator[tuple[Any, _Document | None]]:
    # pySigma keeps document order, so the n-th item came from the n-th producing document.
    aligned = len(items) == len(documents)
    for index, item in enumerate(items):
        yield item, documents[index] if aligned else None


def _kind(data: object) -> str | None:
    if not isinstance(data, dict):
        return None
    action = data.get("action")
    if action == "repeat":
        return "rule"
    if action is not None:
        return None
    if "correlation" in data:
        return "correlation"
    return "filter" if "filter" in data else "rule"


def _alias_modifiers(document: dict[Any, Any]) -> None:
    """Rename ``utf16le`` (the specification's name) to ``wide`` (pySigma's, same meaning)."""
    detection = document.get("detection")
    if not isinstance(detection, dict):
        return
    for definition in detection.values():
        for mapping in definition if isinstance(definition, list) else [definition]:
            if isinstance(mapping, dict) and any(_is_utf16le(key) for key in mapping):
                items = [(_spec_key(key), value) for key, value in mapping.items()]
                mapping.clear()
                mapping.update(items)


def _is_utf16le(key: object) -> bool:
    return isinstance(key, str) and "utf16le" in key.split("|")[1:]


def _spec_key(key: object) -> object:
    if not _is_utf16le(key):
        return key
    return "|".join("wide" if part == "utf16le" else part for part in str(key).split("|"))


def _apply_filters(loading: _Loading) -> None:
    if not loading.filters:
        return
    kept: list[LoadedRule] = []
    for loaded in loading.rules:
        try:
            rule = loaded.rule
            for sigma_filter in loading.filters:
                rule = sigma_filter.apply_on_rule(rule)  # type: ignore[assignment]
        except SigmaError as error:
            loading.problem(loaded.source, loaded.line, f"a filter cannot apply: {_message(error)}")
            continue
        kept.append(loaded)
    loading.rules = kept


def _resolve_correlations(loading: _Loading) -> None:
    collection = SigmaCollection(
        [*(item.rule for item in loading.rules), *(item.rule for item in loading.correlations)],
        resolve_references=False,
    )
    wanted: dict[int, bool] = {}
    resolved: list[LoadedCorrelation] = []
    for correlation in loading.correlations:
        try:
            correlation.rule.resolve_rule_references(collection)
        except SigmaError as error:
            reason = f"the correlation refers to a rule that is not loaded: {_message(error)}"
            loading.problem(correlation.source, correlation.line, reason)
            continue
        resolved.append(correlation)
        for reference in correlation.rule.referenced_rules:
            key = id(reference.rule)
            wanted[key] = wanted.get(key, False) or correlation.rule.generate
    loading.correlations = resolved
    loading.rules = [
        LoadedRule(item.rule, item.source, item.line, item.text, wanted.get(id(item.rule), True))
        for item in loading.rules
    ]


def _drop_duplicate_ids(loading: _Loading) -> None:
    first: dict[str, str] = {}

    def unique(item: LoadedRule | LoadedCorrelation) -> bool:
        key = item.id.lower()
        if key in first:
            reason = f"rule id {item.id} is already used by a rule in {first[key]}"
            loading.problem(item.source, item.line, reason, "give each rule its own id")
            return False
        first[key] = item.source
        return True

    loading.rules = [item for item in loading.rules if unique(item)]
    loading.correlations = [item for item in loading.correlations if unique(item)]


def _documents(data: bytes) -> list[_Document]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise RuleError(
            f"not UTF-8 text (byte {error.start})", hint="save the file as UTF-8"
        ) from None
    try:
        spans = _document_spans(text)
        values = list(yaml.load_all(text, Loader=yaml.CSafeLoader))
    except yaml.YAMLError as error:
        raise _yaml_error(error) from None
    return [
        _Document(value, line, text[start:end])
        for value, (start, end, line) in zip(values, spans, strict=True)
    ]


def _document_spans(text: str) -> list[tuple[int, int, int]]:
    """Each document's (start, end, first line), refusing deep or alias-bomb YAML on the way."""
    scan = _Scan()
    for event in yaml.parse(text, Loader=yaml.CSafeLoader):
        scan.feed(event)
    return scan.spans


class _Scan:
    """Walks the parser's events, tracking nesting and how far aliases expand."""

    def __init__(self) -> None:
        self.spans: list[tuple[int, int, int]] = []
        self.open: list[list[Any]] = []  # [anchor, expanded size] of each open collection
        self.anchors: dict[str, int] = {}
        self.added = 0
        self.start = (0, 1)

    def feed(self, event: yaml.Event) -> None:
        if isinstance(event, yaml.DocumentStartEvent):
            self.start = (_index(event.start_mark), _line(event.start_mark) or 1)
        elif isinstance(event, yaml.DocumentEndEvent):
            self.spans.append((self.start[0], _index(event.end_mark), self.start[1]))
        elif isinstance(event, _COLLECTION_START):
            self.open.append([event.anchor, 1])
            if len(self.open) > MAX_NESTING:
                raise _refused(event, f"YAML nested deeper than {MAX_NESTING} levels")
        elif isinstance(event, _NODE_END):
            self._node(event)

    def _node(self, event: yaml.Event) -> None:
        anchor: str | None
        if isinstance(event, yaml.AliasEvent):
            anchor, size = None, self.anchors.get(str(event.anchor), 1)
            self.added += size - 1
            if self.added > MAX_ALIAS_NODES:
                raise _refused(
                    event,
                    f"YAML aliases expand to more than {MAX_ALIAS_NODES} extra nodes "
                    "(a 'billion laughs' document)",
                )
        elif isinstance(event, yaml.ScalarEvent):
            anchor, size = event.anchor, 1
        else:
            anchor, size = self.open.pop()
        if anchor:
            self.anchors[anchor] = size
        if self.open:
            self.open[-1][1] += size


def _index(mark: Any) -> int:
    return int(mark.index) if mark is not None else 0


def _line(mark: Any) -> int | None:
    return int(mark.line) + 1 if mark is not None else None


def _refused(event: yaml.Event, reason: str) -> RuleError:
    line = _line(event.start_mark)
    return RuleError(
        f"refused: {reason}",
        hint="Sigma rules need neither; check where this file came from",
        details={"line": line},
    )


def _yaml_error(error: yaml.YAMLError) -> RuleError:
    line = _line(getattr(error, "problem_mark", None))
    problem = getattr(error, "problem", None) or str(error)
    return RuleError(f"invalid YAML: {problem}", hint="fix the YAML syntax", details={"line": line})


def _message(error: BaseException) -> str:
    return str(error.args[0]) if error.args else type(error).__name__
