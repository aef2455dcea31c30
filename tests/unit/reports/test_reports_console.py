"""The console summary stays readable at any number of names (50,000 distinct URLs printed
100,019 lines): the busiest names, a note saying how many were left out and where they are."""

from __future__ import annotations

from reports_kit import entry, exception, snapshot

from horde.reports.console import (
    MAX_EXCEPTION_GROUPS,
    SUMMARY_ROWS,
    exceptions_report,
    percentile_table,
    stats_table,
    summary,
)
from horde.stats.snapshot import EntrySnapshot


def many_names(count: int) -> list[EntrySnapshot]:
    busy = [entry(f"/busy/{k}", requests=10_000 + k) for k in range(3)]
    return busy + [entry(f"/item/{k:05}", requests=1 + k % 7) for k in range(count - 3)]


def test_the_summary_of_fifty_thousand_names_is_short() -> None:
    snap = snapshot(many_names(50_000))
    text = summary(snap)
    lines = text.splitlines()
    assert len(lines) < 2 * SUMMARY_ROWS + 60
    hidden = 50_000 - SUMMARY_ROWS
    notes = [line for line in lines if line.startswith(f"… {hidden} more names, not shown")]
    assert len(notes) == 2  # under the statistics and under the percentiles
    assert all("--csv PREFIX" in note and "--json" in note for note in notes)
    assert sum(" Aggregated " in line for line in lines) == 2  # the total row in each table
    for k in range(3):
        assert sum(f"/busy/{k} " in line for line in lines) == 2  # the busiest are kept


def test_the_caller_can_say_where_the_full_table_is() -> None:
    snap = snapshot(many_names(SUMMARY_ROWS + 10))
    text = summary(snap, full_table="the full table is in run_stats.csv")
    assert text.count("… 10 more names, not shown (the full table is in run_stats.csv)") == 2


def test_a_few_names_are_all_shown_without_a_note() -> None:
    snap = snapshot(many_names(SUMMARY_ROWS))
    text = summary(snap)
    assert "more names" not in text
    assert stats_table(snap).count("/item/") == SUMMARY_ROWS - 3
    assert percentile_table(snap).count("/item/") == SUMMARY_ROWS - 3


def test_the_kept_rows_stay_in_name_order_with_the_total_last() -> None:
    snap = snapshot(many_names(500))
    table = stats_table(snap, current=False, limit=5).splitlines()
    names = [line.split("|")[1].strip() for line in table[2:-3]]
    assert names == sorted(names)
    assert len(names) == 5
    assert "Aggregated" in table[-2]
    assert table[-1].startswith("… 495 more names, not shown")


def test_exception_kinds_in_the_summary_are_capped() -> None:
    kinds = tuple(
        exception(f"KeyError: 'order-{k}'", f'  File "/app/locustfile.py", line {k}, in buy\n')
        for k in range(MAX_EXCEPTION_GROUPS + 25)
    )
    text = exceptions_report(snapshot([entry("/a")], exceptions=kinds))
    assert text.count("KeyError") == MAX_EXCEPTION_GROUPS
    assert text.splitlines()[-1] == (
        "… 25 more kinds of exception (see the _exceptions.csv file or the web UI)"
    )
