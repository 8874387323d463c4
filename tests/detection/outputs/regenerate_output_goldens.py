"""Rewrite the golden files of the hunt outputs from the sample alerts.

Run from the repository root after an intended format change, then review the diff:
    .venv/bin/python tests/detection/outputs/regenerate_output_goldens.py
"""

from __future__ import annotations

from detection_output_samples import JSONL_GOLDEN, NAVIGATOR_GOLDEN, render

from mamori.detection.outputs import OutputFormat


def main() -> None:
    """Write every golden file and name it."""
    for path, fmt in (
        (JSONL_GOLDEN, OutputFormat.JSONL),
        (NAVIGATOR_GOLDEN, OutputFormat.NAVIGATOR),
    ):
        path.parent.mkdir(exist_ok=True)
        path.write_text(render(fmt), encoding="utf-8", newline="\n")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
