"""PNG plots (size and content, not blank) and the archive folder and zip."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from PIL import Image
from report_kit import build_report, build_stats

from horde.config import Settings
from horde.env import Environment
from horde.event import Events
from horde.reports.archive import (
    REDACTED,
    ArchiveOutput,
    archive_environment,
    new_folder,
    settings_document,
)
from horde.reports.metadata import RunMetadata
from horde.reports.output import OutputContext
from horde.reports.plots import PLOT_FILES, write_plots


def colors(path: Path) -> tuple[float, set[tuple[int, int, int]]]:
    """(fraction of pixels that are not white, the set of colours used)."""
    with Image.open(path) as image:
        rgb = image.convert("RGB")
        assert rgb.size == (1000, 450)
        counted = rgb.getcolors(maxcolors=1_000_000)
    assert counted is not None
    total = sum(count for count, _ in counted)
    white = sum(count for count, color in counted if color == (255, 255, 255))
    return (total - white) / total, {color for _, color in counted}


def test_plots_are_pngs_with_drawn_content(tmp_path: Path) -> None:
    paths = write_plots(tmp_path, build_report(seconds=30, names=3).snapshot)
    assert [p.name for p in paths] == list(PLOT_FILES)
    for path in paths:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert 10_000 < path.stat().st_size < 400_000
        inked, used = colors(path)
        assert inked > 0.02, f"{path.name} is (almost) blank"
        assert len(used) > 20
    used = colors(tmp_path / "rps_users.png")[1]
    assert any(b > 150 and b - r > 80 for r, _, b in used), "no blue requests/s line"
    assert any(r > 200 and r - b > 120 for r, _, b in used), "no orange users line"


def test_an_empty_run_still_gives_four_plots(tmp_path: Path) -> None:
    paths = write_plots(tmp_path, build_report(seconds=0, names=0).snapshot)
    assert all(p.stat().st_size > 5_000 for p in paths)


def test_the_archive_holds_everything_and_zips(tmp_path: Path) -> None:
    locustfile = tmp_path / "lf.py"
    locustfile.write_text("# a locustfile\n")
    settings = Settings(web_login="admin:hunter2", archive=str(tmp_path / "out"), archive_zip=True)
    output = ArchiveOutput.from_settings(settings, [str(locustfile)])
    report = build_report(seconds=3, names=2)
    output.start(OutputContext(metadata=RunMetadata(), latest=lambda: report.snapshot))
    output.tick(report.snapshot)
    output.finish(report)
    output.close()
    folder = output.folder
    assert folder is not None
    assert folder.name.startswith("horde-")
    names = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    assert names == sorted(
        [
            "horde_stats.csv",
            "horde_stats_history.csv",
            "horde_failures.csv",
            "horde_exceptions.csv",
            "horde_failure_samples.csv",
            "report.html",
            "report.json",
            "settings.json",
            "locustfile/lf.py",
            *(f"plots/{name}" for name in PLOT_FILES),
        ]
    )
    settings_json = json.loads((folder / "settings.json").read_text())
    assert settings_json["values"]["web_login"] == REDACTED
    assert "hunter2" not in (folder / "settings.json").read_text()
    with zipfile.ZipFile(folder.with_suffix(".zip")) as bundle:
        assert sorted(bundle.namelist()) == sorted(f"{folder.name}/{n}" for n in names)


def test_archive_folders_never_overwrite_each_other(tmp_path: Path) -> None:
    first = new_folder(tmp_path, now=1_700_000_000)
    second = new_folder(tmp_path, now=1_700_000_000)
    assert first != second
    assert second.name == first.name + "-2"


def test_secret_custom_options_are_redacted() -> None:
    extra = {"api_token": "s3cr3t", "users_file": "u.csv"}
    document = settings_document(Settings(extra=extra))
    assert document["values"]["api_token"] == REDACTED
    assert document["values"]["users_file"] == "u.csv"


def test_backpack_zip_archives_a_running_environment(tmp_path: Path) -> None:
    """``archive_environment`` is what Backpack's ``Zip()`` calls from inside a test."""
    locustfile = tmp_path / "lf.py"
    locustfile.write_text("# a locustfile\n")
    env = Environment(events=Events(), locustfile=str(locustfile), host="http://127.0.0.1:1")
    env.stats = build_stats(seconds=4, names=2)  # what the test recorded so far
    folder = archive_environment(env, tmp_path / "zipped", make_zip=True)
    assert (folder / "report.html").is_file()
    assert (folder / "plots" / "percentiles.png").is_file()
    assert (folder / "locustfile" / "lf.py").is_file()
    history = (folder / "horde_stats_history.csv").read_text().splitlines()
    assert history[0].startswith("Timestamp,User Count,Type,Name,Requests/s")
    assert len(history) == 1 + 4 * 4  # Aggregated + 3 names (2 GET, 1 POST), 4 ticks each
    assert folder.with_suffix(".zip").is_file()
