"""Field names: EVTX read and SigmaHQ's JSON of the same sample flatten alike; ECS maps to Sigma."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from events_support import EVTX_SAMPLES, REGRESSION, need, read, write

from mamori.events.flatten import flatten_json, flatten_windows

# SigmaHQ's JSON for this sample was edited by hand (a path's case, the time's precision).
EDITED_BY_HAND = {"ad691d92-15f2-4181-9aa4-723c74f9ddc3"}
IGNORED = {"_source", "_raw", "_format", "_record_id"}


def _fields(path: Path) -> list[dict[str, Any]]:
    events, stream = read(path)
    assert stream.stats.problem_count == 0, stream.stats.problems
    found = [{k: v for k, v in event.items() if k not in IGNORED} for event in events]
    return sorted(found, key=lambda event: (event["EventRecordID"], event["SystemTime"]))


def test_every_regression_sample_reads_the_same_from_evtx_and_from_json() -> None:
    samples = sorted(need(REGRESSION).rglob("*.evtx"))
    assert len(samples) >= 200
    mismatches = []
    for evtx in samples:
        from_evtx, from_json = _fields(evtx), _fields(evtx.with_suffix(".json"))
        names = [sorted(event) for event in from_evtx]
        if names != [sorted(event) for event in from_json]:
            mismatches.append((evtx, "names"))
        elif from_evtx != from_json and evtx.stem not in EDITED_BY_HAND:
            mismatches.append((evtx, "values"))
    assert mismatches == []


def test_a_sample_has_exactly_the_names_sigma_rules_use() -> None:
    sample = next(need(REGRESSION).rglob("af688c76-4ce4-4309-bfdd-e896f01acf27.evtx"))
    (event,) = _fields(sample)
    system = {
        "Provider_Name",
        "Provider_Guid",
        "EventID",
        "Version",
        "Level",
        "Task",
        "Opcode",
        "Keywords",
        "SystemTime",
        "EventRecordID",
        "ProcessID",
        "ThreadID",
        "Channel",
        "Computer",
        "UserID",
    }
    data = {
        "RuleName",
        "UtcTime",
        "ProcessGuid",
        "ProcessId",
        "Image",
        "FileVersion",
        "Description",
        "Product",
        "Company",
        "OriginalFileName",
        "CommandLine",
        "CurrentDirectory",
        "User",
        "LogonGuid",
        "LogonId",
        "TerminalSessionId",
        "IntegrityLevel",
        "Hashes",
        "ParentProcessGuid",
        "ParentProcessId",
        "ParentImage",
        "ParentCommandLine",
        "ParentUser",
    }
    meta = {"_timestamp", "_host", "_channel", "_event_id", "_provider"}
    assert set(event) == system | data | meta
    assert event["ParentCommandLine"] == '"C:\\WINDOWS\\system32\\cmd.exe"'  # trailing blank gone


def test_user_data_leaves_keep_their_names() -> None:
    sample = next(need(REGRESSION).rglob("d4f1a2b3-7c8e-4d5f-b6a9-1e0c2d3f4e5b.evtx"))
    (event,) = _fields(sample)
    assert event["EventID"] == "5858"
    assert "Win32_NTEventlogFile" in event["Operation"] and event["ResultCode"] == "0x80041003"
    assert not any(name.startswith("xmlns") for name in event)


def test_unnamed_data_items_become_one_data_field() -> None:
    sample = EVTX_SAMPLES / "Credential Access" / "dc_applog_ntdsutil_dfir_325_326_327.evtx"
    events, _ = read(need(sample))
    with_data = [event for event in events if "Data" in event]
    assert with_data and all("\n" in event["Data"] for event in with_data)
    assert any("ntds.dit" in event["Data"] for event in with_data)


def test_the_three_spellings_of_an_event_flatten_alike() -> None:
    evtx_rs = {
        "System": {
            "Provider": {"#attributes": {"Name": "P", "Guid": "{G}"}},
            "EventID": {"#attributes": {"Qualifiers": 16384}, "#text": 7045},
            "TimeCreated": {"#attributes": {"SystemTime": "2024-01-01T00:00:00Z"}},
            "Correlation": None,
            "Channel": "System",
        },
        "EventData": {"Data": {"#text": ["one", "two"]}, "Binary": "00FF"},
    }
    xmltodict = {
        "System": {
            "Provider": {"@Name": "P", "@Guid": "{G}"},
            "EventID": {"@Qualifiers": 16384, "#text": 7045},
            "TimeCreated": {"@SystemTime": "2024-01-01T00:00:00Z"},
            "Correlation": None,
            "Channel": "System",
        },
        "EventData": {"Data": ["one", "two"], "Binary": "00FF"},
    }
    expected = {
        "Provider_Name": "P",
        "Provider_Guid": "{G}",
        "EventID": 7045,
        "Qualifiers": 16384,
        "SystemTime": "2024-01-01T00:00:00Z",
        "Channel": "System",
        "Data": "one\ntwo",
        "Binary": "00FF",
    }
    assert flatten_windows(evtx_rs) == expected
    assert flatten_windows(xmltodict) == expected


def test_event_data_cannot_shadow_system_fields() -> None:
    flat = flatten_windows(
        {"System": {"EventID": 1, "Channel": "C"}, "EventData": {"Channel": "x"}}
    )
    assert flat == {"EventID": 1, "Channel": "C"}


def test_ecs_names_map_to_sigma_names_and_stay() -> None:
    flat = flatten_json(
        {
            "process": {"command_line": "a b", "executable": "/a", "parent": {"executable": "/p"}},
            "user": {"name": "u"},
            "file": {"path": "/f"},
            "registry": {"path": "HKLM\\x"},
            "destination": {"ip": "1.2.3.4"},
            "source": {"ip": "5.6.7.8"},
            "host": {"name": "h"},
            "event": {"code": "4688"},
        }
    )
    assert {
        name: flat[name]
        for name in (
            "CommandLine",
            "Image",
            "ParentImage",
            "User",
            "TargetFilename",
            "TargetObject",
            "DestinationIp",
            "SourceIp",
            "Computer",
            "EventID",
        )
    } == {
        "CommandLine": "a b",
        "Image": "/a",
        "ParentImage": "/p",
        "User": "u",
        "TargetFilename": "/f",
        "TargetObject": "HKLM\\x",
        "DestinationIp": "1.2.3.4",
        "SourceIp": "5.6.7.8",
        "Computer": "h",
        "EventID": "4688",
    }
    assert flat["process.command_line"] == "a b" and flat["host.name"] == "h"


def test_winlog_fields_win_over_generic_ecs_ones() -> None:
    flat = flatten_json({"host": {"name": "short"}, "winlog": {"computer_name": "FULL.corp"}})
    assert flat["Computer"] == "FULL.corp"


def test_json_of_an_evtx_record_reads_like_the_record(tmp_path: Path) -> None:
    sample = EVTX_SAMPLES / "Execution" / "Sysmon_Exec_CompiledHTML.evtx"
    events, _ = read(need(sample))
    lines = "".join(event["_raw"] + "\n" for event in events)
    again, _ = read(write(tmp_path / "records.jsonl", lines))
    strip = [{k: v for k, v in e.items() if k not in IGNORED} for e in events]
    assert strip == [{k: v for k, v in e.items() if k not in IGNORED} for e in again]
    assert json.loads(again[0]["_raw"]) == json.loads(events[0]["_raw"])


def test_spaces_in_windows_field_names_are_dropped_as_sigma_names_them() -> None:
    event = {
        "System": {"EventID": 1119, "Channel": "Microsoft-Windows-Windows Defender/Operational"},
        "EventData": {"Source Name": "Real-Time Protection", "SourceName": "kept", "Path": "x"},
    }
    fields = flatten_windows(event)
    assert fields["SourceName"] == "Real-Time Protection"
    assert "Source Name" not in fields and fields["Path"] == "x"
