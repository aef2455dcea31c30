"""Percentiles against known delays, and against the exact samples horde recorded.

The demo target's ``/delay/50`` and ``/delay/200`` sleep that long; what horde reports can only
be later, never earlier. The upper bounds are generous (a loaded 2-core CI machine adds tens of
milliseconds now and then), so they cannot flake; the exact check is the comparison with the raw
response times captured by a request listener: horde's HDR percentiles must sit between the two
neighbouring samples of the exact rank, within the histogram's 0.8 % precision.
"""

from __future__ import annotations

import csv
import json
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from conftest import Result, run_horde

LOCUSTFILE = str(Path(__file__).parent / "locustfiles" / "delays.py")
FRACTIONS = {
    "50%": 0.5,
    "66%": 0.66,
    "75%": 0.75,
    "80%": 0.8,
    "90%": 0.9,
    "95%": 0.95,
    "98%": 0.98,
    "99%": 0.99,
    "99.9%": 0.999,
    "99.99%": 0.9999,
    "100%": 1.0,
}
MEDIAN_SLACK_MS = 40.0
TAIL_SLACK_MS = 250.0

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def delayed_run(demo_target: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("delays")
    samples = tmp / "samples.txt"
    result: Result = run_horde(
        [
            "-f",
            LOCUSTFILE,
            "--headless",
            "-H",
            demo_target,
            "-u",
            "2",
            "-r",
            "10",
            "-t",
            "4s",
            "--csv",
            str(tmp / "run"),
            "--json",
            "--only-summary",
        ],
        cwd=tmp,
        env={"SAMPLES_FILE": str(samples)},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    raw: dict[str, list[float]] = defaultdict(list)
    for line in samples.read_text(encoding="utf-8").splitlines():
        if line.strip():
            name, value = line.split()
            raw[name].append(float(value))
    raw["Aggregated"] = raw["d50"] + raw["d200"]
    with open(tmp / "run_stats.csv", newline="", encoding="utf-8") as handle:
        rows = {row["Name"]: row for row in csv.DictReader(handle)}
    return {"rows": rows, "json": json.loads(result.stdout)["stats"], "raw": raw}


@pytest.mark.parametrize(("name", "delay"), [("d50", 50.0), ("d200", 200.0)])
def test_percentiles_match_the_server_delay(
    delayed_run: dict[str, Any], name: str, delay: float
) -> None:
    row = delayed_run["rows"][name]
    assert int(row["Request Count"]) >= 5
    assert int(row["Failure Count"]) == 0
    assert float(row["Min Response Time"]) >= delay
    median = float(row["50%"])
    assert float(row["Median Response Time"]) == median
    assert delay <= median <= delay + MEDIAN_SLACK_MS
    for label in ("95%", "99%"):
        assert delay <= float(row[label]) <= delay + TAIL_SLACK_MS


def test_mixed_aggregate_spans_both_delays(delayed_run: dict[str, Any]) -> None:
    row = delayed_run["rows"]["Aggregated"]
    count_50 = int(delayed_run["rows"]["d50"]["Request Count"])
    count_200 = int(delayed_run["rows"]["d200"]["Request Count"])
    assert int(row["Request Count"]) == count_50 + count_200
    # about four /delay/50 per /delay/200: the median is a 50 ms one, the tail a 200 ms one
    assert count_50 > count_200
    assert 50.0 <= float(row["50%"]) <= 50.0 + MEDIAN_SLACK_MS
    assert 200.0 <= float(row["99%"]) <= 200.0 + TAIL_SLACK_MS


@pytest.mark.parametrize("name", ["d50", "d200", "Aggregated"])
def test_percentiles_are_ordered_and_bounded_by_max(delayed_run: dict[str, Any], name: str) -> None:
    row = delayed_run["rows"][name]
    values = [float(row[label]) for label in FRACTIONS]
    assert values == sorted(values)
    assert float(row["99%"]) <= float(row["Max Response Time"])
    assert float(row["100%"]) == float(row["Max Response Time"])
    assert float(row["Min Response Time"]) <= values[0]


@pytest.mark.parametrize("name", ["d50", "d200", "Aggregated"])
def test_percentiles_agree_with_the_exact_samples(delayed_run: dict[str, Any], name: str) -> None:
    samples = sorted(delayed_run["raw"][name])
    row = delayed_run["rows"][name]
    count = len(samples)
    assert int(row["Request Count"]) == count
    assert float(row["Min Response Time"]) == pytest.approx(samples[0], abs=0.001)
    assert float(row["Max Response Time"]) == pytest.approx(samples[-1], abs=0.001)
    for label, fraction in FRACTIONS.items():
        low = samples[max(math.ceil(count * fraction) - 1, 0)]
        high = samples[min(math.floor(count * fraction), count - 1)]
        reported = float(row[label])
        assert low * 0.992 - 0.001 <= reported <= high * 1.008 + 0.001, (label, samples)


def test_json_percentiles_equal_the_csv(delayed_run: dict[str, Any]) -> None:
    by_name = {entry["name"]: entry for entry in delayed_run["json"]}
    assert set(by_name) == {"d50", "d200"}
    for name, entry in by_name.items():
        row = delayed_run["rows"][name]
        assert entry["num_requests"] == int(row["Request Count"])
        assert entry["max_response_time"] == pytest.approx(
            float(row["Max Response Time"]), abs=0.001
        )
        for label, fraction in FRACTIONS.items():
            assert entry["percentiles"][repr(fraction)] == pytest.approx(
                float(row[label]), abs=0.001
            )
        assert sum(entry["response_times"].values()) == entry["num_requests"]
