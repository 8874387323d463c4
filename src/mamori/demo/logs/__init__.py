"""Demo logs of a fictional bank's day, with an intrusion the starter rules detect.

Made by ``python -m mamori.demo.logsim`` (seeded, so always the same bytes); README.md in
this folder tells the story and lists the alerts each file should raise.
"""

from pathlib import Path

DEMO_LOGS: Path = Path(__file__).resolve().parent
DEMO_LOG_FILES: tuple[Path, ...] = tuple(
    DEMO_LOGS / name
    for name in (
        "workstation-sysmon.jsonl",
        "windows-security.jsonl",
        "windows-system.jsonl",
        "windows-powershell.jsonl",
        "linux-auth.log",
    )
)

__all__ = ["DEMO_LOGS", "DEMO_LOG_FILES"]
