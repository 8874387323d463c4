"""The HTML report: hostile event data stays text, the page's own script is the only one,
and the report stays bounded however many alerts a hunt raises."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import shutil
import subprocess
from html.parser import HTMLParser

import pytest
from detection_output_samples import render, run_writer, sample_summary

from mamori.detection.models import Alert, Level
from mamori.detection.outputs import OutputFormat
from mamori.detection.outputs.html import HtmlWriter, script_json
from mamori.detection.outputs.html_assets import SCRIPT, STYLE

PAGE_TAGS = {
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "header",
    "h1",
    "h2",
    "section",
    "p",
    "span",
    "div",
    "table",
    "tr",
    "th",
    "td",
    "ul",
    "ol",
    "li",
    "label",
    "input",
    "time",
    "details",
    "summary",
    "script",
}
PAGE_ATTRIBUTES = {
    "lang",
    "charset",
    "http-equiv",
    "content",
    "name",
    "class",
    "data-level",
    "type",
    "value",
    "checked",
    "data-level-filter",
    "id",
    "placeholder",
    "datetime",
}
XSS = "<script>alert(1)</script>"
BREAKOUT = "</script><script>alert(2)</script><!--"
ATTRIBUTE = "\"><img src=x onerror=alert(3)> ' onmouseover='alert(4)"
LINK = "javascript:alert(5)"


class Page(HTMLParser):
    """Every element, attribute, text node and script body of a page."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.texts: list[str] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._in: str | None = None
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, attrs))
        if tag in ("script", "style"):
            self._in = tag
            if tag == "script":
                self.scripts.append((dict(attrs), ""))

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "script":
            attrs, body = self.scripts[-1]
            self.scripts[-1] = (attrs, body + data)
        elif self._in is None:
            self.texts.append(data)

    @property
    def text(self) -> str:
        return "".join(self.texts)


def _hostile() -> list[Alert]:
    event = {
        "CommandLine": BREAKOUT,
        XSS: ATTRIBUTE,
        "Url": LINK,
        "Separators": "a\u2028b\u2029c",
        "Quotes": "'\"`",
    }
    return [
        Alert(
            BREAKOUT,
            XSS,
            Level.CRITICAL,
            (f"attack.{BREAKOUT}", "attack.t1059"),
            f"{BREAKOUT}.evtx",
            1,
            dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
            ATTRIBUTE,
            event,
        ),
        Alert("r2", LINK, Level.LOW, (), LINK, None, None, LINK, {"x": LINK}),
    ]


def _page(alerts: list[Alert], max_alerts: int = 5_000) -> tuple[str, Page]:
    out = io.StringIO()
    run_writer(HtmlWriter(out, max_alerts=max_alerts), alerts, sample_summary(alerts))
    return out.getvalue(), Page(out.getvalue())


def test_hostile_event_data_adds_no_element_or_attribute() -> None:
    markup, page = _page(_hostile())
    assert {tag for tag, _ in page.elements} <= PAGE_TAGS
    names = {name for _, attrs in page.elements for name, _ in attrs}
    assert names <= PAGE_ATTRIBUTES
    values = [value or "" for _, attrs in page.elements for _, value in attrs]
    assert not [value for value in values if "javascript:" in value.lower()]
    assert not [value for value in values if "<" in value or "alert(" in value]
    assert "\u2028" not in markup and "\u2029" not in markup


def test_hostile_event_data_is_shown_as_text() -> None:
    _, page = _page(_hostile())
    for payload in (XSS, BREAKOUT, ATTRIBUTE, LINK, "'\"`"):
        assert payload in page.text, payload


def test_only_the_pages_own_scripts_exist_and_data_cannot_leave_its_block() -> None:
    markup, page = _page(_hostile())
    assert [attrs for attrs, _ in page.scripts] == [
        {"type": "application/json", "id": "mamori-summary"},
        {},
    ]
    data, code = (body for _, body in page.scripts)
    assert code == SCRIPT
    assert "</script" not in data.lower() and "<!--" not in data
    summary = json.loads(data)
    assert summary["top_rules"][0]["rule_id"] == BREAKOUT
    assert BREAKOUT.lower() in summary["tactics"]


def test_content_security_policy_admits_exactly_the_pages_style_and_script() -> None:
    _, page = _page(_hostile())
    policy = next(
        dict(attrs)["content"]
        for tag, attrs in page.elements
        if tag == "meta" and dict(attrs).get("http-equiv") == "Content-Security-Policy"
    )
    assert policy is not None and "default-src 'none'" in policy

    def digest(text: str) -> str:
        return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()

    assert f"script-src 'sha256-{digest(SCRIPT)}'" in policy
    assert f"style-src 'sha256-{digest(STYLE)}'" in policy


def test_script_json_escapes_what_could_end_a_script() -> None:
    encoded = script_json({"a": "</script><!-- & \u2028\u2029"})
    assert not set(encoded) & {"<", ">", "&", "\u2028", "\u2029"}
    assert json.loads(encoded) == {"a": "</script><!-- & \u2028\u2029"}


def test_summary_is_on_top_and_the_timeline_runs_in_time_order() -> None:
    markup = render(OutputFormat.HTML)
    assert markup.index('class="summary"') < markup.index('class="timeline"')
    page = Page(markup)
    stamps = [
        dict(attrs)["datetime"] or ""
        for tag, attrs in page.elements
        if tag == "time" and "datetime" in dict(attrs)
    ]
    assert stamps == sorted(stamps) and len(stamps) == 7
    assert markup.index("Many Failed Logons</span>") > markup.index("Service Installed</span>")
    levels = [
        dict(attrs)["value"]
        for tag, attrs in page.elements
        if tag == "input" and dict(attrs).get("type") == "checkbox"
    ]
    assert levels == ["critical", "high", "medium", "low", "informational"]
    assert "CommandLine" in page.text and "powershell -enc AAAA" in page.text


def _flood(count: int) -> list[Alert]:
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    levels = [Level.INFORMATIONAL, Level.LOW, Level.CRITICAL, Level.MEDIUM]
    return [
        Alert(
            f"r{n}",
            f"Rule {n}",
            levels[n % 4],
            (),
            "f.evtx",
            n,
            start + dt.timedelta(seconds=count - n),
            "h",
            {"N": str(n)},
        )
        for n in range(count)
    ]


def test_past_the_cap_the_most_severe_alerts_are_kept_and_the_rest_counted() -> None:
    markup, page = _page(_flood(40), max_alerts=12)
    shown = [
        dict(attrs)["data-level"]
        for tag, attrs in page.elements
        if tag == "li" and dict(attrs).get("class") == "alert"
    ]
    assert shown.count("critical") == 10 and shown.count("medium") == 2
    assert "28 more are not shown (medium 8, low 10, informational 10)" in markup
    stamps = [dict(attrs)["datetime"] or "" for tag, attrs in page.elements if tag == "time"]
    assert stamps == sorted(stamps)


def test_markup_held_is_bounded_by_size_too() -> None:
    writer = HtmlWriter(io.StringIO(), max_chars=20_000)
    for alert in _flood(200):
        writer.write(alert)
    assert 0 < len(writer._kept) < 200
    assert sum(len(kept[-1]) for kept in writer._kept) <= 20_000
    assert sum(writer.dropped.values()) == 200 - len(writer._kept)


# The page's script, run by Node against the smallest document it touches: rows, level
# boxes, the search box and the counter. No browser is needed to see it filter.
FILTER_HARNESS = """
const listeners = {};
const make = (level, text) => ({ dataset: { level }, textContent: text, hidden: false });
const rows = [make("high", "Encoded PowerShell ws01"), make("low", "Logon ws02"),
              make("high", "Mimikatz ws02")];
const boxes = ["high", "low"].map((value) => ({ value, checked: true,
  addEventListener: (type, fn) => { listeners[value] = fn; } }));
const search = { value: "", addEventListener: (type, fn) => { listeners.search = fn; } };
const shown = { textContent: "" };
globalThis.document = {
  querySelectorAll: (sel) => (sel === "li.alert" ? rows : boxes),
  getElementById: (id) => (id === "search" ? search : shown),
};
const states = () => rows.map((row) => (row.hidden ? 0 : 1)).join("") + " " + shown.textContent;
const seen = [];
eval(require("fs").readFileSync(0, "utf8"));
seen.push(states());
boxes[1].checked = false; listeners.low(); seen.push(states());
search.value = " WS02 "; listeners.search(); seen.push(states());
console.log(JSON.stringify(seen));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_the_page_script_filters_by_level_and_search() -> None:
    result = subprocess.run(
        ["node", "-e", FILTER_HARNESS],
        input=SCRIPT,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert json.loads(result.stdout) == ["111 3 of 3 shown", "101 2 of 3 shown", "001 1 of 3 shown"]
