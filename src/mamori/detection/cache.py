"""Compiled rule sets, cached on disk so that a warm start skips YAML and pySigma entirely.

The cache key is a SHA-256 over every rule file (its path as given and its bytes), mamori's
and pySigma's versions, the compiler's format version, the dialect and its options, and the
placeholder values. A hit reads one JSON file; a miss loads and compiles, then writes the
JSON atomically (temporary file, then rename). A cache file that cannot be read or does not
parse is ignored and rebuilt.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import orjson
import yaml
from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaError

import mamori
from mamori.core import logging as mlog
from mamori.detection.errors import RuleError
from mamori.detection.rules import (
    LoadedRule,
    RuleFile,
    RuleProblem,
    load_rule_files,
    read_rule_files,
)
from mamori.detection.sql import CompiledRule, Dialect, compile_rule, get_dialect

log = mlog.get_logger(__name__)

#: Bumped whenever the SQL the compiler writes, or the cache layout, changes.
FORMAT_VERSION = 2
CACHE_PREFIX = "sigma-"
KEEP_CACHE_FILES = 8

Placeholders = Mapping[str, Sequence[str]]


@dataclass(frozen=True)
class CorrelationSource:
    """A correlation rule's YAML document and where it came from; parse it with pySigma."""

    path: str
    line: int | None
    text: str

    def parse(self) -> SigmaCorrelationRule:
        """The correlation rule, with its rule references not yet resolved."""
        return SigmaCorrelationRule.from_dict(yaml.safe_load(self.text))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"path": self.path, "line": self.line, "text": self.text}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CorrelationSource:
        """The source :meth:`to_dict` wrote."""
        line = data["line"]
        return cls(str(data["path"]), None if line is None else int(line), str(data["text"]))


@dataclass(frozen=True)
class CompiledRuleSet:
    """Every compiled detection rule, the problems met, and the correlation rules' sources."""

    rules: tuple[CompiledRule, ...]
    problems: tuple[RuleProblem, ...]
    correlations: tuple[CorrelationSource, ...]
    content_hash: str
    from_cache: bool = False
    _index: dict[str, CompiledRule] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        for rule in self.rules:
            self._index.setdefault(rule.id.lower(), rule)
            if rule.name:
                self._index.setdefault(rule.name, rule)

    def find(self, reference: str) -> CompiledRule | None:
        """The rule a correlation's reference (an id or a name) points at."""
        return self._index.get(reference) or self._index.get(reference.lower())


def load_compiled(
    paths: Sequence[Path],
    *,
    dialect_name: str,
    prefolded: bool,
    cache_dir: Path | None,
    strict: bool = False,
    placeholders: Placeholders | None = None,
) -> CompiledRuleSet:
    """The rules under ``paths`` compiled for a dialect, from the cache when it is current."""
    dialect = get_dialect(dialect_name, prefolded=prefolded)
    files = read_rule_files(paths)
    content = content_hash(files)
    key = cache_key(content, dialect, placeholders or {})
    target = cache_dir / f"{CACHE_PREFIX}{dialect.name}-{key[:40]}.json" if cache_dir else None
    cached = _read_cache(target, key) if target else None
    if cached is not None:
        if strict and cached.problems:
            raise cached.problems[0].error()
        mlog.event(log, "detection.cache.hit", path=str(target), rules=len(cached.rules))
        return cached
    compiled = compile_files(files, dialect, placeholders=placeholders, strict=strict)
    if target is not None:
        _write_cache(target, key, compiled)
    return compiled


def compile_files(
    files: Sequence[RuleFile],
    dialect: Dialect,
    *,
    placeholders: Placeholders | None = None,
    strict: bool = False,
) -> CompiledRuleSet:
    """Load and compile rule files (no cache); a rule that does not compile is a problem."""
    ruleset = load_rule_files(files, strict=strict)
    rules: list[CompiledRule] = []
    problems = list(ruleset.problems)
    for loaded in ruleset.rules:
        try:
            rules.append(
                compile_rule(
                    loaded.rule,
                    dialect,
                    source=loaded.source,
                    placeholders=placeholders,
                    generate=loaded.generate,
                )
            )
        except (RuleError, SigmaError) as error:
            problem = _compile_problem(loaded, error)
            if strict:
                raise problem.error() from None
            mlog.event(
                log,
                "detection.rule.skipped",
                logging.WARNING,
                where=problem.where,
                reason=problem.reason,
            )
            problems.append(problem)
    correlations = tuple(
        CorrelationSource(item.source, item.line, item.text) for item in ruleset.correlations
    )
    return CompiledRuleSet(tuple(rules), tuple(problems), correlations, content_hash(files))


def content_hash(files: Sequence[RuleFile]) -> str:
    """SHA-256 over every file's path (as given) and bytes, in load order."""
    digest = hashlib.sha256()
    for file in files:
        body = file.data if file.data is not None else b"\0" + (file.error or "").encode()
        for chunk in (file.source.encode("utf-8", "surrogateescape"), body):
            digest.update(len(chunk).to_bytes(8, "big"))
            digest.update(chunk)
    return digest.hexdigest()


def cache_key(content: str, dialect: Dialect, placeholders: Placeholders) -> str:
    """SHA-256 over the rule content and everything else that changes the compiled SQL."""
    basis = {
        "format": FORMAT_VERSION,
        "mamori": mamori.__version__,
        "pysigma": _pysigma_version(),
        "dialect": dialect.options(),
        "placeholders": {name: list(values) for name, values in placeholders.items()},
        "content": content,
    }
    return hashlib.sha256(orjson.dumps(basis, option=orjson.OPT_SORT_KEYS)).hexdigest()


@cache
def _pysigma_version() -> str:
    return metadata.version("pysigma")


def _compile_problem(loaded: LoadedRule, error: RuleError | SigmaError) -> RuleProblem:
    if isinstance(error, SigmaError):
        message = str(error.args[0]) if error.args else type(error).__name__
        return RuleProblem(loaded.source, loaded.line, message, None, RuleError.code)
    details = error.details
    return RuleProblem(
        path=loaded.source,
        line=_item_line(loaded, details),
        reason=error.message,
        hint=error.hint,
        code=error.code,
        construct=details.get("construct"),
    )


def _item_line(loaded: LoadedRule, details: Mapping[str, Any]) -> int | None:
    """The line of the detection item an error names, found in the rule's document text."""
    if loaded.line is None:
        return None
    lines = loaded.text.splitlines()
    detection, item = details.get("detection"), details.get("field")
    start = _line_index(lines, 0, detection)
    if start is None:
        return loaded.line
    found = _line_index(lines, start + 1, item)
    return loaded.line + (found if found is not None else start)


def _line_index(lines: list[str], start: int, key: str | None) -> int | None:
    if not key:
        return None
    pattern = re.compile(r"^\s*(?:-\s+)?['\"]?" + re.escape(key) + r"['\"]?\s*:")
    for index in range(start, len(lines)):
        if pattern.match(lines[index]):
            return index
    return None


def _read_cache(path: Path, key: str) -> CompiledRuleSet | None:
    try:
        data = orjson.loads(path.read_bytes())
        if data["format"] != FORMAT_VERSION or data["key"] != key:
            return None
        return CompiledRuleSet(
            rules=tuple(CompiledRule.from_dict(item) for item in data["rules"]),
            problems=tuple(RuleProblem.from_dict(item) for item in data["problems"]),
            correlations=tuple(CorrelationSource.from_dict(item) for item in data["correlations"]),
            content_hash=str(data["content_hash"]),
            from_cache=True,
        )
    except FileNotFoundError:
        return None
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError, ValueError) as error:
        mlog.event(
            log, "detection.cache.ignored", logging.WARNING, path=str(path), reason=str(error)
        )
        return None


def _write_cache(path: Path, key: str, compiled: CompiledRuleSet) -> None:
    payload = orjson.dumps(
        {
            "format": FORMAT_VERSION,
            "key": key,
            "content_hash": compiled.content_hash,
            "rules": [rule.to_dict() for rule in compiled.rules],
            "problems": [problem.to_dict() for problem in compiled.problems],
            "correlations": [source.to_dict() for source in compiled.correlations],
        }
    )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(payload)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        _prune(path.parent)
    except OSError as error:
        # The cache only saves time: a read-only or full disk must not stop a hunt.
        mlog.event(
            log, "detection.cache.unwritable", logging.WARNING, path=str(path), reason=str(error)
        )
        return
    mlog.event(log, "detection.cache.written", path=str(path), rules=len(compiled.rules))


def _prune(directory: Path) -> None:
    files = sorted(directory.glob(f"{CACHE_PREFIX}*.json"), key=_modified, reverse=True)
    for stale in files[KEEP_CACHE_FILES:]:
        stale.unlink(missing_ok=True)


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:  # removed meanwhile by another process pruning the same directory
        return 0.0
