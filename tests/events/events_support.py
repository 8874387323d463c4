"""Helpers for the events tests: where the shared data lives, and batches as rows."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from mamori.events import EventStream

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO.parent / "shared" / "data"
EVTX_SAMPLES = SHARED_DATA / "evtx-attack-samples"
REGRESSION = SHARED_DATA / "sigma" / "regression_data"
HERE = Path(__file__).resolve().parent / "data"

# 869 records in chunks 0-9: chunk 3 holds records 288-369, chunk 5 holds 452-530.
MULTI_CHUNK = EVTX_SAMPLES / "Lateral Movement" / "LM_5145_Remote_FileCopy.evtx"
MULTI_CHUNK_RECORDS = 869
SYSMON_SMALL = EVTX_SAMPLES / "Execution" / "Sysmon_Exec_CompiledHTML.evtx"


def need(path: Path) -> Path:
    """``path``, or skip the test when the shared data set is not on this machine."""
    if not path.exists():
        pytest.skip(f"shared test data not found at {path}")
    return path


def rows(batches: Iterable[pa.RecordBatch]) -> list[dict[str, Any]]:
    """Every row of ``batches``, NULL fields left out, in batch order."""
    found: list[dict[str, Any]] = []
    for batch in batches:
        for row in batch.to_pylist():
            found.append({key: value for key, value in row.items() if value is not None})
    return found


def read(*paths: Path | str, **options: Any) -> tuple[list[dict[str, Any]], EventStream]:
    """The rows of an :class:`EventStream` over ``paths``, and the stream (for its stats)."""
    stream = EventStream(list(paths), **options)
    return rows(stream), stream


def write(path: Path, text: str | bytes) -> Path:
    """Write ``text`` to ``path`` (parents made) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return path
