"""The one-file HTML report: opens offline in any browser, small for long runs.

Tables are rendered here, on the server side, with every target-controlled text (names, URLs,
headers, bodies, messages, tracebacks) escaped by Jinja's autoescaping. Charts are drawn in the
browser by a small inline SVG renderer (``static/report.js``, about 8 KB) from chart data
embedded as JSON in a non-executable ``<script type="application/json">`` block, itself escaped
for that context. A Content-Security-Policy allows no script but the report's own (by hash), so
even markup that slipped through could not run. Why not plotly: docs/design.md ("Reports").
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from horde.exceptions import OutputError
from horde.reports import numbers
from horde.reports.chartdata import chart_document
from horde.reports.console import where_raised
from horde.reports.output import Report
from horde.stats.snapshot import PERCENTILES_TO_REPORT, EntrySnapshot, percentile_label

MAX_TABLE_ROWS = 1000
"""Names in the tables (the busiest; all of them are in the CSV and JSON outputs)."""
MAX_FAILURE_GROUPS = 100
MAX_SAMPLES_SHOWN = 3
MAX_EXCEPTIONS = 50

_JSON_ESCAPES = {
    ord("<"): "\\u003c",
    ord(">"): "\\u003e",
    ord("&"): "\\u0026",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}


def script_json(document: Any) -> Markup:
    """JSON safe inside ``<script type="application/json">``: no ``</script>``, no ``<!--``."""
    text = json.dumps(document, separators=(",", ":"), allow_nan=False, ensure_ascii=False)
    return Markup(text.translate(_JSON_ESCAPES))  # noqa: S704 - escaped for this context above


def _static(name: str) -> str:
    return resources.files("horde.reports").joinpath(f"static/{name}").read_text("utf-8")


_TEMPLATES = Environment(
    loader=PackageLoader("horde.reports", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_TEMPLATES.filters["num"] = numbers.text
_TEMPLATES.filters["when"] = lambda t: (
    time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t)) if t else "\N{EN DASH}"
)
_TEMPLATES.filters["pct"] = lambda r: f"{r * 100:.2f}%"


def render(report: Report) -> str:
    """The report as one HTML document."""
    script = _static("report.js")
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    snapshot = report.snapshot
    entries = _table_entries(snapshot.entries)
    return _TEMPLATES.get_template("report.html").render(
        report=report,
        meta=report.metadata,
        snapshot=snapshot,
        total=snapshot.total,
        entries=entries,
        hidden_rows=len(snapshot.entries) - len(entries),
        percentiles=[(p, percentile_label(p)) for p in PERCENTILES_TO_REPORT],
        failures=snapshot.errors[:MAX_FAILURE_GROUPS],
        hidden_failures=max(len(snapshot.errors) - MAX_FAILURE_GROUPS, 0),
        max_samples=MAX_SAMPLES_SHOWN,
        exceptions=snapshot.exceptions[:MAX_EXCEPTIONS],
        where_raised=where_raised,
        comparison=report.comparison,
        generated=time.time(),
        css=Markup(_static("report.css")),  # noqa: S704 - our own file
        script=Markup(script),  # noqa: S704 - our own file
        script_hash=digest,
        data=script_json(chart_document(snapshot)),
    )


def _table_entries(entries: Sequence[EntrySnapshot]) -> list[EntrySnapshot]:
    if len(entries) <= MAX_TABLE_ROWS:
        return list(entries)
    busiest = sorted(entries, key=lambda e: -e.num_requests)[:MAX_TABLE_ROWS]
    return sorted(busiest, key=lambda e: (e.name, e.method))


def expand_path(template: str, values: dict[str, Any]) -> str:
    """Locust's ``--html`` placeholders: ``{u}`` users, ``{r}`` spawn rate, ``{t}`` run time.

    Any other brace is kept as written (a path may contain braces)."""
    out = template
    for key, value in values.items():
        out = out.replace("{" + key + "}", "" if value is None else f"{value:g}")
    return out


def write_html(path: Path, report: Report) -> Path:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # "replace": a name with a lone surrogate (from user code) must not lose the report
        path.write_text(render(report), encoding="utf-8", errors="replace")
    except OSError as exc:
        raise OutputError(f"cannot write the HTML report {path}: {exc.strerror or exc}") from exc
    return path
