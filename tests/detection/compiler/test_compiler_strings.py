"""Sigma string matching, executed: case folding, wildcards, escapes, quotes, keywords."""

from __future__ import annotations

from sigma_sql_harness import compile_text, matches


def test_plain_value_is_a_case_insensitive_equality() -> None:
    rule = r"""
detection:
  sel:
    Image: 'C:\Windows\System32\cmd.exe'
  condition: sel
"""
    events = [
        {"Image": r"c:\windows\system32\CMD.EXE"},
        {"Image": r"C:\Windows\System32\cmd.exe.bak"},
        {"Image": r"C:\Windows\System32\cmd"},
        {"Other": r"C:\Windows\System32\cmd.exe"},
    ]
    assert matches(rule, events) == [0]


def test_contains_startswith_endswith() -> None:
    rule = r"""
detection:
  a:
    CommandLine|contains: 'Invoke-Mimikatz'
  b:
    Image|startswith: 'C:\Users\'
  c:
    TargetFilename|endswith: '\evil.DLL'
  condition: 1 of them
"""
    events = [
        {"CommandLine": "powershell -c invoke-mimikatz -dump"},
        {"CommandLine": "powershell -c Invoke-Mimi"},
        {"Image": r"c:\users\bob\a.exe"},
        {"Image": r"D:\C:\Users\x"},
        {"TargetFilename": r"C:\Temp\Evil.dll"},
        {"TargetFilename": r"C:\Temp\evil.dll.txt"},
        {"TargetFilename": "evil.dll"},
    ]
    assert matches(rule, events) == [0, 2, 4]


def test_wildcards_inside_a_value() -> None:
    rule = r"""
detection:
  sel:
    CommandLine: '*foo?bar*baz'
  condition: sel
"""
    events = [
        {"CommandLine": "xx FOO-BAR yy baz"},
        {"CommandLine": "foobar baz"},
        {"CommandLine": "fooxbar"},
        {"CommandLine": "fooébarbaz"},
        {"CommandLine": "foo\nbar\nbaz"},
    ]
    assert matches(rule, events) == [0, 3, 4]


def test_escaped_wildcards_and_like_metacharacters_are_literal() -> None:
    rule = r"""
detection:
  star:
    Value: 'a\*b\?c'
  like_chars:
    Other|contains: '50%_off'
  condition: star or like_chars
"""
    events = [
        {"Value": "a*b?c"},
        {"Value": "axbyc"},
        {"Other": "now 50%_off!"},
        {"Other": "now 50xxoff"},
        {"Other": "now 50%off"},
    ]
    assert matches(rule, events) == [0, 2]


def test_backslashes_survive_in_patterns_and_literals() -> None:
    rule = r"""
detection:
  like:
    Path: 'C:\\*\evil?.exe'
  star:
    Star: 'C:\*\evil?.exe'
  double:
    Share: '\\\\server\\share'
  trailing:
    Dir|endswith: '\temp\'
  condition: 1 of them
"""
    events = [
        {"Path": r"C:\x\y\evil1.exe"},
        {"Path": r"C:/x/evil1.exe"},
        {"Star": r"C:*\evil1.exe"},
        {"Star": r"C:\x\evil1.exe"},
        {"Share": r"\\server\share"},
        {"Share": r"\server\share"},
        {"Dir": "c:\\TEMP\\"},
        {"Dir": "c:\\temp"},
    ]
    assert matches(rule, events) == [0, 2, 4, 6]


def test_quotes_and_sql_in_values_stay_literal() -> None:
    rule = """
detection:
  quote:
    User: "O'Brien"
  injection:
    CommandLine|contains: "x') OR 1=1 --"
  odd_field:
    'we"ird`field': "v'"
  condition: 1 of them
"""
    events = [
        {"User": "o'brien"},
        {"User": "OBrien"},
        {"CommandLine": "run x') or 1=1 -- now"},
        {"CommandLine": "anything"},
        {'we"ird`field': "V'"},
    ]
    assert matches(rule, events) == [0, 2, 4]
    spark = compile_text(rule, "spark")
    assert "'o\\'brien'" in spark.condition
    assert '`we"ird``field`' in spark.condition


def test_cased_values_compare_exactly_on_the_plain_column() -> None:
    rule = """
detection:
  sel:
    Name|cased: 'AbC'
  pat:
    Other|cased|startswith: 'XY'
  condition: sel or pat
"""
    events = [{"Name": "AbC"}, {"Name": "abc"}, {"Other": "XYz"}, {"Other": "xyz"}]
    assert matches(rule, events) == [0, 2]
    compiled = compile_text(rule, prefolded=True)
    assert compiled.fields == {"Name", "Other"}
    assert compiled.folded_fields == frozenset()


def test_unicode_case_folding() -> None:
    rule = """
detection:
  sel:
    Name|contains: 'ÄÖ'
  condition: sel
"""
    assert matches(rule, [{"Name": "xäöx"}, {"Name": "AO"}, {"Name": "ÄÖ"}]) == [0, 2]


def test_values_without_letters_use_the_plain_column() -> None:
    compiled = compile_text("detection:\n  s:\n    EventID: 4688\n  condition: s", prefolded=True)
    assert compiled.condition == "\"EventID\" = '4688'"
    assert compiled.fields == {"EventID"}


def test_numbers_compare_as_their_text() -> None:
    rule = """
detection:
  sel:
    EventID:
      - 4688
      - 1
  ratio:
    Ratio: 1.5
  condition: sel or ratio
"""
    events = [{"EventID": "4688"}, {"EventID": "04688"}, {"EventID": "1"}, {"Ratio": "1.5"}]
    assert matches(rule, events) == [0, 2, 3]
    assert "\"EventID\" IN ('4688', '1')" in compile_text(rule).condition


def test_booleans_null_and_empty_string() -> None:
    rule = """
detection:
  flag:
    Enabled: true
  none:
    Missing: null
  empty:
    Blank: ''
  condition: flag and none and empty
"""
    events = [
        {"Enabled": "True", "Blank": ""},
        {"Enabled": "true", "Blank": "", "Missing": None},
        {"Enabled": "false", "Blank": ""},
        {"Enabled": "true", "Blank": "", "Missing": ""},
        {"Enabled": "true", "Blank": " "},
    ]
    assert matches(rule, events) == [0, 1]


def test_all_modifier_needs_every_value() -> None:
    rule = """
detection:
  sel:
    CommandLine|contains|all:
      - ' -nop '
      - ' -enc '
  condition: sel
"""
    events = [{"CommandLine": "ps -NOP -Enc AAA"}, {"CommandLine": "ps -nop x"}]
    assert matches(rule, events) == [0]


def test_not_treats_a_missing_field_as_not_matching() -> None:
    rule = r"""
detection:
  sel:
    Image|endswith: '\rundll32.exe'
  filter:
    ParentImage|endswith: '\explorer.exe'
  condition: sel and not filter
"""
    events = [
        {"Image": r"C:\rundll32.exe"},
        {"Image": r"C:\rundll32.exe", "ParentImage": r"C:\explorer.exe"},
        {"Image": r"C:\rundll32.exe", "ParentImage": r"C:\cmd.exe"},
    ]
    assert matches(rule, events) == [0, 2]


def test_quantified_selections_and_condition_lists() -> None:
    rule = """
detection:
  selection_a:
    A: 'x'
  selection_b:
    B: 'y'
  other:
    C: 'z'
  condition:
    - all of selection_*
    - other
"""
    events = [{"A": "x", "B": "y"}, {"A": "x"}, {"C": "z"}, {"B": "y", "C": "q"}]
    assert matches(rule, events) == [0, 2]


def test_keywords_search_every_field_value() -> None:
    rule = """
detection:
  keywords:
    - 'mimikatz'
    - 'sekurlsa::*logon'
  condition: keywords
"""
    events = [
        {"CommandLine": "run MimiKatz.exe"},
        {"A": "sekurlsa::LogonPasswords"},
        {"A": "sekurlsa::", "B": "logon"},
        {"A": "nothing"},
    ]
    assert matches(rule, events) == [0, 1]


def test_keywords_with_all_numbers_and_cased() -> None:
    rule = """
detection:
  every:
    '|all':
      - 'alpha'
      - 'beta'
  number:
    - 4624
  exact:
    '|cased':
      - 'Gamma'
  condition: every or number or exact
"""
    events = [
        {"A": "ALPHA", "B": "beta"},
        {"A": "alpha"},
        {"A": "id 4624"},
        {"A": "Gamma"},
        {"A": "gamma"},
    ]
    assert matches(rule, events) == [0, 2, 3]
    compiled = compile_text(rule)
    assert "_keywords" in compiled.fields
    assert "_keywords" in compiled.folded_fields
