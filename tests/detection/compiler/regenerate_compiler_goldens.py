"""Regenerate the golden SQL of the Sigma compiler.

Run from the repository root:
    .venv/bin/python tests/detection/compiler/regenerate_compiler_goldens.py

Each rule in golden/rules/NAME.yml is compiled for every target below and written to
golden/NAME.TARGET.sql, followed by the columns the condition reads. Review the diff: a
change is either intended (commit it) or a regression.
"""

from __future__ import annotations

from pathlib import Path

from mamori.detection.rules import load_rules
from mamori.detection.sql import compile_rule, get_dialect

GOLDEN = Path(__file__).resolve().parent / "golden"
TARGETS = {
    "duckdb": ("duckdb", False),
    "duckdb-prefolded": ("duckdb", True),
    "spark": ("spark", False),
}
PLACEHOLDERS = {"Administrators": ["admin", "adm_*"], "JumpServers": ["JUMP-0?"]}


def render(rule_file: Path, target: str) -> str:
    """The golden text of one rule file for one target."""
    name, prefolded = TARGETS[target]
    (loaded,) = load_rules([rule_file], strict=True).rules
    compiled = compile_rule(
        loaded.rule,
        get_dialect(name, prefolded=prefolded),
        source=rule_file.name,
        placeholders=PLACEHOLDERS,
    )
    return (
        f"-- {compiled.title}\n"
        f"{compiled.condition}\n"
        f"-- fields: {_names(compiled.fields)}\n"
        f"-- folded: {_names(compiled.folded_fields)}\n"
    )


def _names(names: frozenset[str]) -> str:
    return ", ".join(sorted(names)) or "(none)"


def expected() -> dict[Path, str]:
    """Every golden file and the text it must hold."""
    return {
        GOLDEN / f"{rule_file.stem}.{target}.sql": render(rule_file, target)
        for rule_file in sorted((GOLDEN / "rules").glob("*.yml"))
        for target in TARGETS
    }


def main() -> None:
    for path, text in expected().items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(GOLDEN.parent)}")


if __name__ == "__main__":
    main()
