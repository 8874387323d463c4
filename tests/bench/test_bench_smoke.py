"""The benchmark harness runs end to end on tiny sizes and writes a complete report.

This proves the harness, not the figures: it never looks at a timing.
"""

from __future__ import annotations

import re
from pathlib import Path

from bench import run


def test_every_figure_runs_and_the_report_is_written(tmp_path: Path) -> None:
    output = tmp_path / "benchmarks.md"

    status = run.main(["--sizes", "tiny", "--no-postgres", "--output", str(output)])

    assert status == 0
    report = output.read_text(encoding="utf-8")
    for heading in (
        "## 1. Authorization decisions per second, in process",
        "## 2. Gated API requests per second through the HTTP server",
        "## 3. Transparency-log appends per second",
        "## 4. Time to verify a 600-entry log",
        "## 5. Proof sizes, and the time to produce a proof",
    ):
        assert heading in report
    assert "The peer agreed with Cedar on" in report
    assert "computed a root identical to mamori's" in report
    assert "The two roots are identical." in report
    assert "all verified with `mamori.audit.merkle`" in report
    assert "**no**" not in report  # every verification found its log intact
    assert re.search(r"\bnan\b", report, re.IGNORECASE) is None  # every figure was measured
