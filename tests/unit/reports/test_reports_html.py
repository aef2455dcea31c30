"""The HTML report from hand-built snapshots: self-contained, escaped, bounded in size."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import math
import re
from pathlib import Path

from report_kit import HOSTILE, build_report

from horde.reports import html
from horde.reports.compare import Tolerance, compare, summary_from_snapshot
from horde.reports.metadata import ThresholdOutcome
from horde.reports.output import Report


def test_target_controlled_text_is_escaped_everywhere() -> None:
    page = html.render(build_report())
    assert "<script>window.__pwned" not in page
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in page  # the body, as text
    assert "<img src=x" not in page
    assert "&lt;i&gt;x&lt;/i&gt;" in page  # a header value
    assert "/buy?x=&#34;&lt;b&gt;&#34;" in page  # the name
    assert "ValueError: &lt;bad&gt;" in page
    # exactly two script elements: the JSON data and the report's own code
    assert len(re.findall(r"<script\b", page)) == 2


def test_embedded_json_cannot_close_its_script_element() -> None:
    document = {"label": "</script><script>alert(1)</script>", "x": "<!--", "y": "\u2028"}
    text = str(html.script_json(document))
    assert "</" not in text
    assert "<!--" not in text
    assert "\u2028" not in text
    assert json.loads(text) == document


def test_the_content_security_policy_allows_only_the_reports_own_script() -> None:
    page = html.render(build_report())
    script = re.search(r"<script>(.*?)</script>", page, re.S)
    assert script is not None
    digest = base64.b64encode(hashlib.sha256(script.group(1).encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in page
    assert "http://" not in page.split("<body>")[0].replace(
        'content="default-src', ""
    )  # no external resource in the head
    assert not re.search(r"(src|href)=\"https?://", page)


def test_tables_metadata_thresholds_and_comparison_are_shown() -> None:
    report = build_report(
        thresholds=(
            ThresholdOutcome("p95<300ms", 42.5, True),
            ThresholdOutcome("rps>1e6", 10.0, False),
        )
    )
    slower = build_report(seconds=30, names=3)
    summary = summary_from_snapshot(slower.snapshot, "baseline x.json")
    comparison = compare(summary, summary_from_snapshot(report.snapshot), Tolerance())
    page = html.render(Report(report.snapshot, report.metadata, comparison))
    assert "✓" in page
    assert "✗" in page
    assert "p95&lt;300ms" in page
    assert "Compared with baseline x.json" in page
    assert "sha256 " + "0" * 64 in page
    assert page.count('<tr class="total">') == 2  # request and percentile tables
    assert "/item/2" in page


def test_many_names_get_series_for_the_first_fifty_and_distributions_for_all() -> None:
    page = html.render(build_report(seconds=20, names=60))
    found = re.search(r'id="report-data">(.*?)</script>', page, re.S)
    assert found is not None
    data = json.loads(found.group(1))
    assert data["series"][0]["label"] == "Aggregated"
    assert len(data["series"][0]["t"]) == 20  # every point of the total
    assert len(data["series"]) == 51  # the history keeps the first 50 names
    assert len(data["dist"]) == 62  # Aggregated + 60 GET names + the POST


def test_html_path_placeholders() -> None:
    values = {"u": 50, "r": 2.5, "t": 60.0}
    assert html.expand_path("r_{u}_{r}_{t}_{x}.html", values) == "r_50_2.5_60_{x}.html"
    assert html.expand_path("r{u}.html", {"u": None}) == "r.html"


def test_the_hostile_body_is_kept_verbatim_for_the_reader() -> None:
    page = html.render(build_report())
    unescaped = page.replace("&lt;", "<").replace("&gt;", ">").replace("&#34;", '"')
    assert HOSTILE in unescaped


def test_hostile_names_and_numbers_still_give_a_file(tmp_path: Path) -> None:
    report = build_report(seconds=3, names=1)
    stats = report.snapshot
    odd = dataclasses.replace(
        stats.entries[0], name="/\ud800" + "x" * 5000, max_response_time=math.nan
    )
    snapshot = dataclasses.replace(stats, entries=(odd, *stats.entries[1:]))
    path = html.write_html(tmp_path / "r.html", Report(snapshot, report.metadata))
    text = path.read_text(encoding="utf-8")
    assert "/?" + "x" * 5000 in text
