"""Read the policy files, check them, and parse them once into a Cedar policy set.

Loading fails (with the file and line) on anything that would make a decision
unreliable: no files, a syntax error, a policy without a unique ``@id``, an unknown
``@error``, a template, or a policy that does not type-check against the schema
derived from the capability registry. The gate treats a failed load as "deny
everything".
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import cedarpy

from mamori.access.policy.errors import PolicyLoadError
from mamori.access.policy.models import Denial, PolicyInfo
from mamori.access.policy.schema import schema_text

POLICY_DIR = Path(__file__).parent / "policies"

# Ids the gate itself reports for decisions that Cedar does not take.
RESERVED_IDS = frozenset(
    {"unknown-capability", "policy-set-broken", "policy-evaluation-error", "no-permit"}
)


@dataclass(frozen=True)
class LoadedPolicies:
    """A parsed policy set and what each of its policies is, by Cedar's policy id."""

    policy_set: cedarpy.PolicySet
    policies: Mapping[str, PolicyInfo]
    files: tuple[str, ...]


@dataclass(frozen=True)
class _Statement:
    line: int
    start: int
    end: int


def load_policies(directory: Path = POLICY_DIR) -> LoadedPolicies:
    """Parse and check every ``*.cedar`` file in ``directory``, in name order."""
    paths = sorted(directory.glob("*.cedar"))
    if not paths:
        raise PolicyLoadError(
            "no policy files (*.cedar) were found, so nothing can be allowed",
            where=str(directory),
            hint="restore the policy files shipped with mamori",
        )
    texts: list[str] = []
    infos: list[PolicyInfo] = []
    for path in paths:
        text = _read(path)
        texts.append(text)
        infos.extend(_file_policies(path, text))
    if not infos:
        raise PolicyLoadError(
            "the policy set is empty, so nothing can be allowed", where=str(directory)
        )
    _check_unique(infos)
    combined = "\n".join(texts)
    policy_set = cedarpy.PolicySet.from_str(combined)
    by_cedar_id = {f"policy{index}": info for index, info in enumerate(infos)}
    _validate(combined, by_cedar_id)
    return LoadedPolicies(policy_set, by_cedar_id, tuple(str(path) for path in paths))


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyLoadError(f"cannot read the policy file: {exc}", where=str(path)) from exc


def _file_policies(path: Path, text: str) -> list[PolicyInfo]:
    statements = list(_statements(text))
    try:
        parsed = cedarpy.PolicySet.from_str(text).to_pst()
    except ValueError as exc:
        line = _failing_line(text, statements)
        raise PolicyLoadError(f"the policy does not parse: {exc}", where=f"{path}:{line}") from exc
    if parsed.templates:
        raise PolicyLoadError(
            "templates (policies with ?principal or ?resource) are not allowed",
            where=str(path),
        )
    policies = sorted(parsed.static_policies.values(), key=lambda p: int(p.id[len("policy") :]))
    lines = [s.line for s in statements] if len(statements) == len(policies) else []
    return [
        _info(path, lines[index] if lines else 0, policy.effect, policy.annotations)
        for index, policy in enumerate(policies)
    ]


def _info(path: Path, line: int, effect: str, annotations: Mapping[str, str]) -> PolicyInfo:
    where = f"{path}:{line}"
    policy_id = annotations.get("id", "")
    if not policy_id:
        raise PolicyLoadError(
            "the policy has no @id", where=where, hint='add @id("what-it-does") above it'
        )
    if policy_id in RESERVED_IDS:
        raise PolicyLoadError(f"@id {policy_id!r} is reserved for the gate itself", where=where)
    try:
        denial = Denial(annotations.get("error", Denial.DENIED.value))
    except ValueError:
        choices = ", ".join(d.value for d in Denial)
        raise PolicyLoadError(
            f"unknown @error {annotations['error']!r} on {policy_id}; use one of: {choices}",
            where=where,
        ) from None
    reason = annotations.get("reason") or policy_id
    return PolicyInfo(policy_id, effect, reason, denial, str(path), line)


def _check_unique(infos: list[PolicyInfo]) -> None:
    seen: dict[str, PolicyInfo] = {}
    for info in infos:
        first = seen.setdefault(info.id, info)
        if first is not info:
            raise PolicyLoadError(
                f"@id {info.id!r} is used twice (first at {first.location})",
                where=info.location,
            )


def _validate(text: str, by_cedar_id: Mapping[str, PolicyInfo]) -> None:
    result = cedarpy.validate_policies(text, cedarpy.Schema.from_str(schema_text()))
    if result.validation_passed:
        return
    problems: dict[str, None] = {}
    for error in result.errors:
        info = by_cedar_id.get(error.policy_id)
        named = f"{info.id} ({info.location})" if info else "the policy set"
        problems[f"{named}: {error.error}"] = None
    first = by_cedar_id.get(result.errors[0].policy_id)
    raise PolicyLoadError(
        "the policies do not fit the schema: " + "; ".join(problems),
        where=first.location if first else None,
        hint="check attribute and action names against mamori.access.policy.schema",
    )


def _failing_line(text: str, statements: list[_Statement]) -> int:
    for statement in statements:
        try:
            cedarpy.PolicySet.from_str(text[statement.start : statement.end])
        except ValueError:
            return statement.line
    return statements[-1].line if statements else 1


def _statements(text: str) -> Iterator[_Statement]:
    """Each policy's first line and its span, splitting at ``;`` outside strings and comments."""
    line, start_line, start, index, in_string = 1, 0, -1, 0, False
    while index < len(text):
        char = text[index]
        if char == "\n":
            line += 1
        elif in_string:
            if char == "\\":
                index += 1
            elif char == '"':
                in_string = False
        elif text.startswith("//", index):
            newline = text.find("\n", index)
            index = len(text) if newline < 0 else newline
            continue
        elif not char.isspace():
            if start < 0:
                start, start_line = index, line
            if char == '"':
                in_string = True
            elif char == ";":
                yield _Statement(start_line, start, index + 1)
                start = -1
        index += 1
    if start >= 0:
        yield _Statement(start_line, start, len(text))
