"""Every value modifier of the Sigma specification, compiled and executed in DuckDB."""

from __future__ import annotations

import base64

import pytest
from sigma_sql_harness import compile_text, matches

from mamori.detection.errors import RuleError, UnsupportedFeatureError


def test_regex_is_case_sensitive_unless_i() -> None:
    rule = r"""
detection:
  plain:
    A|re: '\\[a-z]{5}\.exe$'
  insensitive:
    B|re|i: '^pow(er)?shell'
  condition: plain or insensitive
"""
    events = [
        {"A": r"C:\temp\abcde.exe"},
        {"A": r"C:\temp\ABCDE.exe"},
        {"B": "PowerShell.exe"},
        {"B": "xpowershell"},
    ]
    assert matches(rule, events) == [0, 2]


def test_regex_multiline_and_dotall_flags() -> None:
    rule = """
detection:
  multi:
    A|re|m: '^second$'
  dotall:
    B|re|s: 'start.end'
  condition: multi or dotall
"""
    events = [
        {"A": "first\nsecond\nthird"},
        {"A": "first second"},
        {"B": "start\nend"},
        {"C": "start\nend"},
    ]
    assert matches(rule, events) == [0, 2]
    assert matches(rule.replace("|m:", ":").replace("|s:", ":"), events) == []


@pytest.mark.parametrize(
    ("pattern", "construct"),
    [
        ("foo(?=bar)", "lookahead"),
        ("foo(?!bar)", "negative lookahead"),
        ("(?<=a)b", "lookbehind"),
        ("(?<!a)b", "negative lookbehind"),
        (r"(a)\1", "backreference \\1"),
        ("(?>ab|a)c", "atomic group"),
        ("a++b", "possessive quantifier"),
        (r"(?P<x>a)(?P=x)", "named backreference"),
    ],
)
def test_regex_constructs_re2_cannot_run_are_refused_by_name(pattern: str, construct: str) -> None:
    with pytest.raises(UnsupportedFeatureError) as caught:
        compile_text(f"detection:\n  s:\n    A|re: '{pattern}'\n  condition: s")
    assert construct in caught.value.message
    assert caught.value.where == "test.yml"
    assert caught.value.details["detection"] == "s"
    assert caught.value.details["field"] == "A|re"


@pytest.mark.parametrize("pattern", [r"\(?=x", "[(?=]x", r"a\+\+", "[+*]+"])
def test_escaped_or_bracketed_lookalikes_are_accepted(pattern: str) -> None:
    compile_text(f"detection:\n  s:\n    A|re: '{pattern}'\n  condition: s")


def test_cidr_ipv4() -> None:
    rule = """
detection:
  sel:
    Ip|cidr:
      - '10.0.0.0/8'
      - '172.16.0.0/12'
      - '192.168.1.7/32'
  condition: sel
"""
    events = [
        {"Ip": "10.1.2.3"},
        {"Ip": "110.1.2.3"},
        {"Ip": "172.31.255.1"},
        {"Ip": "172.32.0.1"},
        {"Ip": "192.168.1.7"},
        {"Ip": "192.168.1.70"},
    ]
    assert matches(rule, events) == [0, 2, 4]


def test_cidr_ipv6_in_every_textual_form() -> None:
    rule = """
detection:
  sel:
    Ip|cidr:
      - 'fe80::/10'
      - '2001:db8::/32'
  condition: sel
"""
    events = [
        {"Ip": "fe80::1"},
        {"Ip": "FE80::1%12"},
        {"Ip": "febf:0000:0000:0000:0000:0000:0000:0001"},
        {"Ip": "fec0::1"},
        {"Ip": "2001:db8::"},
        {"Ip": "2001:0DB8:0:0:0:0:0:ff"},
        {"Ip": "2001:db9::1"},
        {"Ip": "::1"},
    ]
    assert matches(rule, events) == [0, 1, 2, 4, 5]


def test_base64_and_base64offset() -> None:
    secret = b"http://evil.example"
    rule = """
detection:
  exact:
    A|base64: 'http://evil.example'
  offset:
    B|base64offset|contains: 'http://evil.example'
  condition: exact or offset
"""
    events = [{"A": base64.b64encode(secret).decode()}, {"A": "aHR0cDovL2V2aWw="}]
    for prefix in (b"", b"x", b"xy", b"xyz"):
        events.append({"B": base64.b64encode(prefix + secret + b" tail").decode()})
    events.append({"B": base64.b64encode(b"http://good.example").decode()})
    assert matches(rule, events) == [0, 2, 3, 4, 5]


@pytest.mark.parametrize(
    ("modifier", "encoding"),
    [("utf16le", "utf-16-le"), ("wide", "utf-16-le"), ("utf16be", "utf-16-be"), ("utf16", None)],
)
def test_utf16_encodings_with_base64offset(modifier: str, encoding: str | None) -> None:
    rule = f"""
detection:
  sel:
    CommandLine|{modifier}|base64offset|contains: 'Invoke-Expression'
  condition: sel
"""
    text = "Invoke-Expression (New-Object Net.WebClient)"
    data = b"\xff\xfe" + text.encode("utf-16-le") if encoding is None else text.encode(encoding)
    other = "Write-Host".encode("utf-16-le")
    events = [
        {"CommandLine": "powershell -enc " + base64.b64encode(data).decode()},
        {"CommandLine": "powershell -enc " + base64.b64encode(other).decode()},
    ]
    assert matches(rule, events) == [0]


def test_windash_accepts_every_dash() -> None:
    rule = """
detection:
  sel:
    CommandLine|contains|windash: ' -exec bypass'
  condition: sel
"""
    dashes = ["-", "/", "\u2013", "\u2014", "\u2015"]
    events = [{"CommandLine": f"ps {dash}Exec bypass"} for dash in dashes]
    events.append({"CommandLine": "ps exec bypass"})
    assert matches(rule, events) == [0, 1, 2, 3, 4]


def test_fieldref_and_its_position_modifiers() -> None:
    rule = """
detection:
  same:
    A|fieldref: B
  prefix:
    C|fieldref|startswith: D
  suffix:
    E|fieldref|endswith: F
  inside:
    G|fieldref|contains: H
  condition: 1 of them
"""
    events = [
        {"A": "Admin", "B": "admin"},
        {"A": "Admin", "B": "root"},
        {"C": "abc", "D": "AB"},
        {"C": "abc", "D": "bc"},
        {"E": "abc", "F": "BC"},
        {"G": "abcd", "H": "bc"},
        {"G": "abcd", "H": "x"},
        {"A": "x"},
    ]
    assert matches(rule, events) == [0, 2, 4, 5]


def test_exists() -> None:
    rule = """
detection:
  present:
    A|exists: true
  absent:
    B|exists: false
  condition: present and absent
"""
    events = [{"A": ""}, {"A": "x", "B": "y"}, {"B": "y"}, {"C": "z"}]
    assert matches(rule, events) == [0]


@pytest.mark.parametrize(
    ("modifier", "expected"),
    [("lt", [0, 4]), ("lte", [0, 1, 4]), ("gt", [2, 5]), ("gte", [1, 2, 5])],
)
def test_numeric_comparisons(modifier: str, expected: list[int]) -> None:
    rule = f"detection:\n  s:\n    Size|{modifier}: 10\n  condition: s"
    events = [
        {"Size": "5"},
        {"Size": "10"},
        {"Size": "11.5"},
        {"Size": "abc"},
        {"Size": "-3"},
        {"Size": "1e3"},
        {"Size": ""},
        {"Other": "1"},
    ]
    assert matches(rule, events) == expected


def test_neq_is_a_negation() -> None:
    rule = "detection:\n  s:\n    User|neq: 'SYSTEM'\n  condition: s"
    events = [{"User": "system"}, {"User": "bob"}, {"Other": "x"}]
    assert matches(rule, events) == [1, 2]


def test_timestamp_parts() -> None:
    rule = """
detection:
  night:
    UtcTime|hour: 3
  year:
    UtcTime|year: 2024
  condition: night and year
"""
    events = [
        {"UtcTime": "2024-05-01 03:22:33.123"},
        {"UtcTime": "2024-05-01T03:00:00Z"},
        {"UtcTime": "2023-05-01 03:22:33"},
        {"UtcTime": "2024-05-01 13:22:33"},
        {"UtcTime": "not a time"},
    ]
    assert matches(rule, events) == [0, 1]


def test_expand_uses_the_placeholder_values() -> None:
    rule = """
detection:
  sel:
    User|expand: '%Admins%'
  host:
    Computer|expand|startswith: '%Servers%'
  condition: sel and not host
"""
    values = {"Admins": ["root", "adm_*"], "Servers": ["SRV-"]}
    events = [
        {"User": "ROOT", "Computer": "ws1"},
        {"User": "adm_bob", "Computer": "ws1"},
        {"User": "adm_bob", "Computer": "srv-01"},
        {"User": "bob", "Computer": "ws1"},
    ]
    assert matches(rule, events, placeholders=values) == [0, 1]


def test_expand_without_a_value_names_the_placeholder() -> None:
    rule = "detection:\n  s:\n    User|expand: '%Admins%'\n  condition: s"
    with pytest.raises(UnsupportedFeatureError) as caught:
        compile_text(rule, placeholders={"Other": ["x"]})
    assert "%Admins%" in caught.value.message
    assert caught.value.hint is not None and "placeholders" in caught.value.hint
    with pytest.raises(RuleError, match="empty list"):
        compile_text(rule, placeholders={"Admins": []})


def test_expand_in_a_regex_inserts_the_value() -> None:
    rule = "detection:\n  s:\n    Host|re|expand: '^%Domain%$'\n  condition: s"
    events = [{"Host": "dc1.corp"}, {"Host": "dc1.corp.evil"}]
    assert matches(rule, events, placeholders={"Domain": [r"dc\d\.corp"]}) == [0]


def test_cidr_and_regex_need_a_field() -> None:
    with pytest.raises(UnsupportedFeatureError, match="keyword"):
        compile_text("detection:\n  k:\n    '|re': 'a.b'\n  condition: k")
