"""Where the time goes: shares of chosen functions in one profiled run."""

from __future__ import annotations

import cProfile
import pstats
from collections.abc import Callable, Mapping
from pathlib import PurePath

Where = tuple[str, str]
"""(path suffix of the module file, function name), e.g. ("audit/service.py", "append_many")."""


def shares(
    operation: Callable[[], object], root: Where, parts: Mapping[str, Where]
) -> dict[str, float]:
    """Each part's cumulative time as a share of ``root``'s, from one run under cProfile."""
    profiler = cProfile.Profile()
    profiler.runcall(operation)
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = _cumulative(stats, root)
    if not total:
        return {}
    return {name: _cumulative(stats, where) / total for name, where in parts.items()}


def _cumulative(stats: dict[tuple[str, int, str], tuple[object, ...]], where: Where) -> float:
    suffix, function = where
    found = 0.0
    for (filename, _, name), values in stats.items():
        if name == function and PurePath(filename).as_posix().endswith(suffix):
            cumulative = values[3]
            found += float(cumulative) if isinstance(cumulative, int | float) else 0.0
    return found
