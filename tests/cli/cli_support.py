"""Run the real ``mamori`` command in a subprocess, on a data directory of the test's own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def mamori(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m mamori ARGS`` with MAMORI_DATA_DIR set and no other MAMORI_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAMORI_")}
    env["MAMORI_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-m", "mamori", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
