"""Syslog: RFC 5424 with structured data, RFC 3164, the bare file form; never a crash."""

from __future__ import annotations

from datetime import UTC, datetime

from events_support import HERE, read
from hypothesis import given
from hypothesis import strategies as st

from mamori.events import parse_lines
from mamori.events.readers.syslog import FACILITIES, SEVERITIES, parse_syslog


def test_the_sample_file_reads_every_form() -> None:
    events, stream = read(HERE / "syslog_sample.log")
    assert len(events) == 7 and stream.stats.problem_count == 0
    su, donuts, sd, bsd, sshd, sudo, bare = events
    assert su["message"] == "'su root' failed for lonvick on /dev/pts/8"  # BOM dropped
    assert (su["facility"], su["severity"], su["pri"], su["version"]) == ("auth", "crit", "34", "1")
    assert (su["hostname"], su["app_name"], su["msgid"]) == ("mymachine.example.com", "su", "ID47")
    assert "procid" not in su and su["_timestamp"] == datetime(
        2003, 10, 11, 22, 14, 15, 3000, tzinfo=UTC
    )
    assert donuts["procid"] == "8710" and donuts["_host"] == "192.0.2.1"
    assert donuts["_timestamp"] == datetime(2003, 8, 24, 12, 14, 15, 3, tzinfo=UTC)
    assert sd["exampleSDID@32473.eventID"] == "1011"
    assert sd["examplePriority@32473.class"] == "high"
    assert sd["message"] == "An application event log entry"
    assert sd["structured_data"].startswith("[exampleSDID@32473 ")
    assert (bsd["hostname"], bsd["app_name"], bsd["facility"]) == ("mymachine", "su", "auth")
    assert (sshd["app_name"], sshd["procid"], sshd["hostname"]) == ("sshd", "2211", "web-01")
    assert sshd["message"].startswith("Failed password for invalid user admin")
    assert sshd["_timestamp"].month == 3 and sshd["_timestamp"].day == 5
    assert sshd["_provider"] == "sshd" and sshd["_format"] == "syslog"
    assert sudo["_timestamp"] == datetime(2024, 3, 5, 8, 12, 2, 123456, tzinfo=UTC)
    assert sudo["message"].startswith("alice : TTY=pts/0")
    assert bare == {**{k: bare[k] for k in bare if k.startswith("_")}, "message": bare["message"]}
    assert bare["message"] == "kernel panic without any header" and bare["_record_id"] == 8
    assert sshd["_raw"] == (HERE / "syslog_sample.log").read_text().splitlines()[4]


def test_structured_data_escapes_and_nil_values() -> None:
    line = r'<13>1 - - - - - [a@1 p="say \"hi\" \\ \] ok" q=""] body'
    fields = parse_syslog(line)
    assert fields["a@1.p"] == 'say "hi" \\ ] ok' and fields["a@1.q"] == ""
    assert fields["message"] == "body"
    assert not {"timestamp", "hostname", "app_name", "procid", "msgid"} & set(fields)


def test_malformed_structured_data_stays_in_the_message() -> None:
    fields = parse_syslog('<13>1 - host app - - [broken "x" rest')
    assert fields["message"] == '[broken "x" rest' and "structured_data" not in fields


def test_a_priority_out_of_range_names_no_facility() -> None:
    fields = parse_syslog("<999>hello")
    assert fields == {"pri": "999", "message": "hello"}


def test_lines_fed_live_keep_numbering_across_feeds() -> None:
    from mamori.events import LineParser

    parser = LineParser("syslog", "udp:514")
    first = [
        row for batch in parser.feed(["<34>Oct 11 22:14:15 h a: one"]) for row in batch.to_pylist()
    ]
    second = [
        row
        for batch in parser.feed([b"<34>Oct 11 22:14:16 h a: two\n"])
        for row in batch.to_pylist()
    ]
    assert [(r["_record_id"], r["message"], r["_source"]) for r in first + second] == [
        (1, "one", "udp:514"),
        (2, "two", "udp:514"),
    ]
    assert parser.stats.events == 2


def test_parse_lines_gives_batches() -> None:
    (batch,) = list(parse_lines("syslog", ["a", "b", ""], "stdin"))
    assert batch.column("message").to_pylist() == ["a", "b"]


@given(st.text(max_size=300))
def test_any_text_parses_without_error(text: str) -> None:
    fields = parse_syslog(text)
    assert isinstance(fields.get("message"), str)
    assert all(isinstance(value, str) for value in fields.values())


_token = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=20
).filter(lambda t: t != "-")
_sd_name = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=126, exclude_characters='=]" '),
    min_size=1,
    max_size=12,
)


@given(
    pri=st.integers(0, 191),
    host=_token,
    app=_token,
    procid=_token,
    msgid=_token,
    params=st.dictionaries(_sd_name, st.text(max_size=20), max_size=3),
    sd_id=_sd_name,
    message=st.text(max_size=80).filter(lambda t: "\n" not in t and not t.startswith("\ufeff")),
)
def test_rfc5424_round_trip(
    pri: int,
    host: str,
    app: str,
    procid: str,
    msgid: str,
    params: dict[str, str],
    sd_id: str,
    message: str,
) -> None:
    def escape(value: str) -> str:
        return value.replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")

    sd = "-"
    if params:
        sd = f"[{sd_id}" + "".join(f' {k}="{escape(v)}"' for k, v in params.items()) + "]"
    line = f"<{pri}>1 2024-03-05T09:12:02Z {host} {app} {procid} {msgid} {sd} {message}"
    fields = parse_syslog(line)
    assert fields["facility"] == FACILITIES[pri >> 3] and fields["severity"] == SEVERITIES[pri & 7]
    assert (fields["hostname"], fields["app_name"], fields["procid"], fields["msgid"]) == (
        host,
        app,
        procid,
        msgid,
    )
    assert fields["message"] == message
    for key, value in params.items():
        assert fields[f"{sd_id}.{key}"] == value


@given(
    host=st.from_regex(r"[a-z][a-z0-9.-]{0,20}", fullmatch=True),
    tag=st.from_regex(r"[a-zA-Z][a-zA-Z0-9_/.-]{0,15}", fullmatch=True),
    pid=st.one_of(st.none(), st.integers(1, 99999)),
    message=st.text(max_size=80).filter(lambda t: "\n" not in t and "\r" not in t),
)
def test_rfc3164_round_trip(host: str, tag: str, pid: int | None, message: str) -> None:
    label = tag if pid is None else f"{tag}[{pid}]"
    fields = parse_syslog(f"<13>Mar  5 09:12:01 {host} {label}: {message}")
    assert (fields["hostname"], fields["app_name"], fields["message"]) == (host, tag, message)
    assert fields.get("procid") == (None if pid is None else str(pid))
    assert fields["timestamp"] == "Mar  5 09:12:01"
