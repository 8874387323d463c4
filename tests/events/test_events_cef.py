"""CEF: header and extension with their escapes, CEF behind a syslog header; never a crash."""

from __future__ import annotations

from datetime import UTC, datetime

from events_support import HERE, read
from hypothesis import given
from hypothesis import strategies as st

from mamori.events.readers.cef import HEADER, parse_cef, parse_extension


def test_the_sample_file() -> None:
    events, stream = read(HERE / "firewall.cef")
    plain, panos, escaped, cut = events
    assert plain["deviceVendor"] == "Security" and plain["deviceProduct"] == "threatmanager"
    assert (plain["deviceEventClassId"], plain["name"], plain["severity"]) == (
        "100",
        "worm successfully stopped",
        "10",
    )
    assert (plain["src"], plain["dst"], plain["spt"]) == ("10.0.0.1", "2.1.2.2", "1232")
    assert plain["_event_id"] == 100 and plain["_provider"] == "threatmanager"
    assert panos["syslog.hostname"] == "fw-01" and panos["syslog.facility"] == "local0"
    assert panos["_host"] == "fw-01" and panos["_format"] == "cef"
    assert panos["_timestamp"] == datetime(2024, 3, 5, 9, 20, tzinfo=UTC)  # rt, epoch millis
    assert panos["request"] == "https://x.example/a?b=c&d=e"
    assert panos["suser"] == "corp\\alice" and panos["cs1"] == "allow web"
    assert "_event_id" not in panos  # TRAFFIC is not a number
    assert escaped["deviceVendor"] == "Vendor | Co" and escaped["deviceProduct"] == "Prod\\uct"
    assert escaped["deviceEventClassId"] == "sig|1" and escaped["name"] == "Name with | pipe"
    assert escaped["msg"] == "line one\nline two" and escaped["cs2"] == "a=b"
    assert escaped["filePath"] == "C:\\Temp\\x.exe"
    assert (cut["cefVersion"], cut["deviceVendor"], cut["deviceVersion"]) == ("1", "Cut", "1.0")
    assert "name" not in cut
    (problem,) = stream.stats.problems
    assert problem.location == "line 4" and "no CEF header" in problem.reason


def test_events_of_different_products_go_to_different_batches() -> None:
    from mamori.events import EventStream

    batches = list(EventStream([HERE / "firewall.cef"]))
    products = [set(batch.column("_provider").to_pylist()) for batch in batches]
    assert all(len(found) == 1 for found in products) and len(batches) == 4


@given(st.text(max_size=300))
def test_any_text_parses_without_error(text: str) -> None:
    fields = parse_cef(text)
    assert fields is None or all(isinstance(value, str) for value in fields.values())
    assert all(isinstance(value, str) for value in parse_extension(text).values())


@given(st.text(max_size=200).map(lambda t: "CEF:0|" + t))
def test_any_text_after_a_cef_marker_parses(text: str) -> None:
    fields = parse_cef(text)
    assert fields is not None and fields["cefVersion"] == "0"


def _escape_header(value: str) -> str:
    return value.replace("\\", "\\\\").replace("|", "\\|")


def _escape_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace("=", "\\=").replace("\n", "\\n").replace("\r", "\\r")


_header_text = st.text(max_size=20).filter(lambda t: "\n" not in t and "\r" not in t)
_key = st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,11}", fullmatch=True)
_value = st.text(max_size=30).filter(lambda t: t == t.strip() and t)


@given(
    header=st.lists(_header_text, min_size=6, max_size=6),
    extension=st.dictionaries(_key, _value, max_size=5),
)
def test_round_trip(header: list[str], extension: dict[str, str]) -> None:
    ext = " ".join(f"{key}={_escape_value(value)}" for key, value in extension.items())
    line = "CEF:0|" + "|".join(_escape_header(part) for part in header) + "|" + ext
    fields = parse_cef(line)
    assert fields is not None
    assert [fields[name] for name in HEADER] == header
    for key, value in extension.items():
        if key not in HEADER:
            assert fields[key] == value
