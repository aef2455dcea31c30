"""Thresholds (and failing request names) as a JUnit XML report.

JUnit XML: one ``<testsuite name="horde thresholds">`` with a ``<testcase>`` per threshold
(``<failure>`` when it failed) and a ``<testsuite name="horde requests">`` with a testcase per
request name, failing when the name had failures (the message names the most frequent one).
CI systems (GitLab, Jenkins, GitHub test reporters) show both natively.
"""

from __future__ import annotations

import os
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from horde.exceptions import OutputError
from horde.stats.snapshot import StatsSnapshot
from horde.stats.thresholds import ThresholdResult


def junit_document(
    results: Sequence[ThresholdResult], snapshot: StatsSnapshot, *, duration: float
) -> ET.ElementTree:
    failing_names = sum(1 for e in snapshot.entries if e.num_failures)
    root = ET.Element(
        "testsuites",
        name="horde",
        tests=str(len(results) + len(snapshot.entries)),
        failures=str(sum(1 for r in results if not r.passed) + failing_names),
        errors="0",
        time=f"{duration:.3f}",
    )
    suite = ET.SubElement(
        root,
        "testsuite",
        name="horde thresholds",
        tests=str(len(results)),
        failures=str(sum(1 for r in results if not r.passed)),
        errors="0",
        skipped="0",
        time=f"{duration:.3f}",
    )
    for result in results:
        case = ET.SubElement(
            suite, "testcase", classname="horde.thresholds", name=result.expression, time="0"
        )
        if not result.passed:
            failure = ET.SubElement(case, "failure", message=result.describe(), type="threshold")
            failure.text = result.describe()
    _requests_suite(root, snapshot, duration)
    return ET.ElementTree(root)


def _requests_suite(root: ET.Element, snapshot: StatsSnapshot, duration: float) -> None:
    entries = snapshot.entries
    suite = ET.SubElement(
        root,
        "testsuite",
        name="horde requests",
        tests=str(len(entries)),
        failures=str(sum(1 for e in entries if e.num_failures)),
        errors="0",
        skipped="0",
        time=f"{duration:.3f}",
    )
    worst: dict[tuple[str, str], str] = {}
    for error in sorted(snapshot.errors, key=lambda e: -e.occurrences):
        worst.setdefault((error.method, error.name), f"{error.occurrences}x {error.error}")
    for entry in entries:
        name = f"{entry.method} {entry.name}".strip()
        case = ET.SubElement(
            suite,
            "testcase",
            classname="horde.requests",
            name=name,
            time=f"{entry.avg_response_time / 1000.0:.6f}",
        )
        if entry.num_failures:
            message = (
                f"{entry.num_failures} of {entry.num_requests} requests failed"
                f" ({entry.fail_ratio:.2%})"
            )
            failure = ET.SubElement(case, "failure", message=message, type="request failures")
            failure.text = worst.get((entry.method, entry.name), message)


def write_junit(
    path: str, results: Sequence[ThresholdResult], snapshot: StatsSnapshot, *, duration: float
) -> None:
    """Write the JUnit report atomically (a temporary file renamed into place)."""
    target = Path(path)
    document = junit_document(results, snapshot, duration=duration)
    ET.indent(document)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=".junit-", dir=target.parent)
        with os.fdopen(fd, "wb") as handle:
            document.write(handle, encoding="utf-8", xml_declaration=True)
        Path(temporary).replace(target)
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from exc
