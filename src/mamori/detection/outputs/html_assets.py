"""The HTML report's inline style and script, and the Content-Security-Policy that admits
exactly these two (by hash) and nothing else, so that a payload that ever slipped past
escaping still could not run or load anything."""

from __future__ import annotations

import base64
import hashlib

STYLE = """
:root { --critical: #7b1fa2; --high: #c62828; --medium: #ef6c00; --low: #1565c0;
  --informational: #546e7a; --line: #d9dde3; font-family: system-ui, sans-serif; }
body { margin: 0 auto; max-width: 1200px; padding: 1rem 1.5rem; color: #1d232b; }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; } h2 { font-size: 1rem; margin: .5rem 0; }
.meta, .note { color: #4a5360; } .note { font-style: italic; }
.cols { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 1rem; }
.cols ul { list-style: none; padding: 0; margin: 0; } .cols li { overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .15rem .4rem;
  border-bottom: 1px solid var(--line); }
td { white-space: pre-wrap; overflow-wrap: anywhere; font-family: ui-monospace, monospace; }
.lvl { display: inline-block; min-width: 6.5em; color: #fff; border-radius: 3px;
  padding: 0 .4em; font-size: .85em; text-align: center; }
.critical { background: var(--critical); } .high { background: var(--high); }
.medium { background: var(--medium); } .low { background: var(--low); }
.informational { background: var(--informational); }
.controls { position: sticky; top: 0; background: #fff; padding: .5rem 0;
  border-bottom: 1px solid var(--line); display: flex; flex-wrap: wrap; gap: .75rem; }
#search { flex: 1; min-width: 14rem; }
ol.timeline { list-style: none; padding: 0; }
li.alert { border-left: 4px solid var(--line); padding: .3rem .6rem; margin: .3rem 0; }
li.alert[data-level=critical] { border-color: var(--critical); }
li.alert[data-level=high] { border-color: var(--high); }
li.alert[data-level=medium] { border-color: var(--medium); }
li.alert[data-level=low] { border-color: var(--low); }
.head { display: flex; flex-wrap: wrap; gap: .6rem; align-items: baseline; }
.head time, .where { font-family: ui-monospace, monospace; font-size: .9em; }
.title { font-weight: 600; } .host, .where, .attack { color: #4a5360; }
.attack { font-size: .85em; }
"""

SCRIPT = """
(function () {
  "use strict";
  const rows = Array.from(document.querySelectorAll("li.alert"));
  const texts = rows.map((row) => row.textContent.toLowerCase());
  const boxes = Array.from(document.querySelectorAll("input[data-level-filter]"));
  const search = document.getElementById("search");
  const shown = document.getElementById("shown");
  function apply() {
    const levels = new Set(boxes.filter((box) => box.checked).map((box) => box.value));
    const query = search.value.trim().toLowerCase();
    let count = 0;
    rows.forEach((row, i) => {
      const visible = levels.has(row.dataset.level) && texts[i].includes(query);
      row.hidden = !visible;
      count += visible ? 1 : 0;
    });
    shown.textContent = count + " of " + rows.length + " shown";
  }
  boxes.forEach((box) => box.addEventListener("change", apply));
  search.addEventListener("input", apply);
  apply();
})();
"""


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src '{_sha256(STYLE)}'; script-src '{_sha256(SCRIPT)}'; "
    "base-uri 'none'; form-action 'none'"
)
