"""The Output loop: order, isolation of failures, ticks, closing; plugins from entry points."""

from __future__ import annotations

import io
from importlib.metadata import EntryPoint

import pytest
import report_plugins
from report_kit import build_report

from horde.config import Settings
from horde.exceptions import ConfigError, OutputError
from horde.reports.builtin import builtin_outputs
from horde.reports.metadata import RunMetadata
from horde.reports.output import BaseOutput, Output, OutputContext, OutputSet, plugin_outputs
from horde.stats.snapshot import StatsSnapshot


class Probe(BaseOutput):
    def __init__(self, name: str, log: list[str], *, fail: Exception | None = None) -> None:
        self.name = name
        self.log = log
        self.fail = fail
        self.wants_ticks = name.startswith("tick")

    def start(self, context: OutputContext) -> None:
        self.log.append(f"start {self.name}")

    def tick(self, snapshot: StatsSnapshot) -> None:
        self.log.append(f"tick {self.name}")

    def finish(self, report: object) -> None:
        self.log.append(f"finish {self.name}")
        if self.fail is not None:
            raise self.fail

    def close(self) -> None:
        self.log.append(f"close {self.name}")


def context() -> OutputContext:
    report = build_report(seconds=2, names=1)
    return OutputContext(metadata=RunMetadata(), latest=lambda: report.snapshot)


def test_every_output_finishes_even_after_one_fails() -> None:
    log: list[str] = []
    outputs = OutputSet(
        [
            Probe("a", log, fail=OutputError("disk full")),
            Probe("b", log, fail=RuntimeError("bug")),
            Probe("c", log),
        ]
    )
    outputs.start(context())
    errors = outputs.finish(build_report(seconds=2, names=1))
    assert [str(e) for e in errors] == ["disk full", "output 'b' failed: RuntimeError: bug"]
    assert log == [
        "start a", "start b", "start c",
        "finish a", "finish b", "finish c",
        "close c", "close b", "close a",
    ]  # fmt: skip


def test_ticks_reach_only_outputs_that_want_them() -> None:
    log: list[str] = []
    outputs = OutputSet([Probe("tick-a", log), Probe("b", log)])
    assert outputs.wants_ticks
    outputs.tick(build_report(seconds=1, names=1).snapshot)
    assert log == []  # nothing started yet: nothing ticks
    outputs.start(context())
    outputs.tick(build_report(seconds=1, names=1).snapshot)
    assert log[-1] == "tick tick-a"
    assert "tick b" not in log


def test_a_refusing_start_closes_what_was_started() -> None:
    log: list[str] = []

    class Refuses(Probe):
        def start(self, context: OutputContext) -> None:
            raise ConfigError("port taken")

    outputs = OutputSet([Probe("a", log), Refuses("r", log), Probe("c", log)])
    with pytest.raises(ConfigError, match="port taken"):
        outputs.start(context())
    assert log == ["start a", "close a"]


def test_builtin_outputs_follow_the_settings() -> None:
    settings = Settings(json=True, html_file="r{u}.html", num_users=3)
    names = [o.name for o in builtin_outputs(settings, out=io.StringIO())]
    assert names == ["json", "html", "console"]
    assert all(isinstance(o, Output) for o in builtin_outputs(settings, out=io.StringIO()))


def entry(name: str, target: str) -> EntryPoint:
    return EntryPoint(name=name, value=f"report_plugins:{target}", group="horde.outputs")


def test_plugins_register_through_entry_points() -> None:
    found = [entry("rec", "make")]
    assert plugin_outputs(Settings(), found) == []  # the plugin chose to stay off
    outputs = plugin_outputs(Settings(extra={"recording": True}), found)
    assert [o.name for o in outputs] == ["recording"]
    report = build_report(seconds=1, names=1)
    running = OutputSet(outputs)
    running.start(context())
    assert running.finish(report) == []
    assert report_plugins.FINISHED[-1] is report


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("broken", "output plugin 'bad' (report_plugins:broken) failed to load: RuntimeError"),
        ("not_an_output", "returned object, not an Output"),
        ("missing", "failed to load: AttributeError"),
    ],
)
def test_broken_plugins_are_one_clear_line(target: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        plugin_outputs(Settings(), [entry("bad", target)])
