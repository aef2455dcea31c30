"""The report options through every layer: flag, config file, environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from horde.cli.parser import build_parser, parse
from horde.config import build_settings
from horde.exceptions import ConfigError


def settings_from(argv: list[str], tmp_path: Path, env: dict[str, str] | None = None) -> object:
    values = parse(build_parser(), argv).values
    return build_settings(values, env=env or {}, cwd=tmp_path, home=None)


def test_archive_takes_an_optional_folder(tmp_path: Path) -> None:
    assert settings_from(["--archive"], tmp_path).archive == "."  # type: ignore[attr-defined]
    assert settings_from(["--archive", "out"], tmp_path).archive == "out"  # type: ignore[attr-defined]
    assert settings_from([], tmp_path).archive is None  # type: ignore[attr-defined]


def test_archive_from_a_config_file_and_the_environment(tmp_path: Path) -> None:
    (tmp_path / "horde.conf").write_text("archive\nhtml = r.html\n")
    settings = settings_from([], tmp_path)
    assert settings.archive == "."  # type: ignore[attr-defined]
    assert settings.html_file == "r.html"  # type: ignore[attr-defined]
    assert settings_from([], tmp_path, {"HORDE_ARCHIVE": "saved"}).archive == "saved"  # type: ignore[attr-defined]
    assert settings_from([], tmp_path, {"HORDE_ARCHIVE": "true"}).archive == "."  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--prometheus-port", "-1"], "--prometheus-port must be a port"),
        (["--baseline-tolerance", "-5"], "--baseline-tolerance must be 0 or more"),
        (["--baseline-tolerance", "nan"], "is not a finite number"),
        (["--archive-zip"], "--archive-zip goes with --archive"),
    ],
)
def test_bad_values_are_config_errors(tmp_path: Path, argv: list[str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        settings_from(argv, tmp_path)
