"""``python -m mamori.demo.logsim OUTDIR [--seed N]``: write the demo logs into OUTDIR."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mamori.demo.logsim import DEFAULT_SEED, write


def main(argv: list[str] | None = None) -> int:
    """Write the demo files and list them; the exit status is 0."""
    parser = argparse.ArgumentParser(
        prog="python -m mamori.demo.logsim", description="Write mamori's demo logs into OUTDIR."
    )
    parser.add_argument("outdir", type=Path, help="folder to write into (created if missing)")
    parser.add_argument(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        help=f"random seed (default {DEFAULT_SEED}, the shipped files)",
    )
    args = parser.parse_args(argv)
    for path in write(args.outdir, args.seed):
        print(f"{path}  {path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
