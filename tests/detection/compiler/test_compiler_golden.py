"""The compiled SQL of representative rules, pinned in golden files (see the regenerate script)."""

from __future__ import annotations

from pathlib import Path

import pytest
from regenerate_compiler_goldens import GOLDEN, expected

CASES = expected()


@pytest.mark.parametrize("path", sorted(CASES), ids=lambda path: path.name)
def test_golden_sql(path: Path) -> None:
    assert path.exists(), "run tests/detection/compiler/regenerate_compiler_goldens.py"
    assert path.read_text(encoding="utf-8") == CASES[path]


def test_no_stale_golden_files() -> None:
    assert set(GOLDEN.glob("*.sql")) == set(CASES)
