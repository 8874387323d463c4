"""Uploads are staged under names mamori makes, in a private folder removed afterwards; demo
logs are chosen by name only."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mamori.demo.logs import DEMO_LOG_FILES
from mamori.detection.hunts import HuntInputError
from mamori.detection.staging import MAX_NAME_CHARS, demo_names, demo_sources, display_name, staged


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("Security.evtx", "Security.evtx"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Windows\\System32\\winevt\\Logs\\System.evtx", "System.evtx"),
        ("/var/log/auth.log", "auth.log"),
        ("logs/", "upload-3"),
        ("..", "upload-3"),
        ("", "upload-3"),
        (None, "upload-3"),
        ("a\x00b\x1b[31m\u202eexe.evtx", "ab[31mexe.evtx"),
        ("lone \udcff.jsonl", "lone \\udcff.jsonl"),
        ("x" * 500 + ".evtx", "x" * MAX_NAME_CHARS),
    ],
)
def test_display_names_are_the_last_part_printable_and_bounded(
    given: str | None, shown: str
) -> None:
    assert display_name(given, 3) == shown


@given(st.text(max_size=300))
def test_no_display_name_is_a_path(given: str) -> None:
    shown = display_name(given, 1)
    assert "/" not in shown and "\\" not in shown and shown not in ("", ".", "..")
    assert shown.isprintable() and len(shown) <= MAX_NAME_CHARS


def test_uploads_are_staged_privately_under_made_names_then_removed() -> None:
    uploads = [
        ("../../../etc/cron.d/evil.evtx", b"ElfFile\x00rest"),
        ("auth.log.gz", b"\x1f\x8bgzip"),
        ("archive.ZIP", b"PK\x03\x04"),
        ("notes.tar.jsonl", b"{}\n"),
        ("no extension", b"line\n"),
        ("same.jsonl", b"1\n"),
        ("same.jsonl", b"2\n"),
    ]
    with staged(uploads) as sources:
        folder = sources[0].path.parent
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert [s.path.name for s in sources] == [
            "001.evtx",
            "002.log.gz",
            "003.zip",
            "004.jsonl",
            "005",
            "006.jsonl",
            "007.jsonl",
        ]
        assert [s.name for s in sources] == [
            "evil.evtx",
            "auth.log.gz",
            "archive.ZIP",
            "notes.tar.jsonl",
            "no extension",
            "same.jsonl",
            "same.jsonl",
        ]
        for source, (_, content) in zip(sources, uploads, strict=True):
            assert source.path.parent == folder and source.path.read_bytes() == content
            assert stat.S_IMODE(source.path.stat().st_mode) == 0o600
    assert not folder.exists()


def test_the_staging_folder_goes_even_when_the_hunt_fails() -> None:
    folder: Path | None = None
    with pytest.raises(RuntimeError), staged([("a.jsonl", b"{}\n")]) as sources:
        folder = sources[0].path.parent
        raise RuntimeError("the hunt broke")
    assert folder is not None and not folder.exists()


def test_demo_logs_are_chosen_by_name_only() -> None:
    assert [s.path for s in demo_sources()] == list(DEMO_LOG_FILES)
    assert demo_names() == tuple(path.name for path in DEMO_LOG_FILES)
    chosen = demo_sources(["linux-auth.log", "linux-auth.log"])
    assert [(s.name, s.path) for s in chosen] == [("linux-auth.log", DEMO_LOG_FILES[-1])]
    for name in ("../../../etc/passwd", str(DEMO_LOG_FILES[0]), "README.md", "__init__.py", ""):
        with pytest.raises(HuntInputError) as raised:
            demo_sources([name])
        assert raised.value.where == "body.logs"
