"""``--group-urls auto`` from the command line, a config file, the environment and the User
class, end to end: the statistics name folded URLs, and bad values get one clear line."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from conftest import REPO, run_horde
from horde.clients.grouping import GROUPER
from horde.config import build_settings
from horde.config.sources import Value
from horde.demo.process import server_counts
from horde.env import Environment
from horde.user import HttpUser

LOCUSTFILE = REPO / "tests" / "integration" / "locustfiles" / "dynamic_urls.py"
FOLDED = {"/api/items/[id]", "/search?search=boots&page=[id]", "named", "Aggregated"}

pytestmark = pytest.mark.slow


def names(tmp_path: Path, target: str, *args: str, env: dict[str, str] | None = None) -> set[str]:
    result = run_horde(
        [
            "-f",
            str(LOCUSTFILE),
            "--headless",
            "-H",
            target,
            "-u",
            "2",
            "-r",
            "100",
            "-t",
            "1s",
            "-s",
            "5s",
            "--csv",
            "run",
            "--only-summary",
            *args,
        ],
        cwd=tmp_path,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    with open(tmp_path / "run_stats.csv", newline="", encoding="utf-8") as handle:
        return {row["Name"] for row in csv.DictReader(handle)}


def test_the_flag_folds_ids_and_counts_every_request(fresh_target: str, tmp_path: Path) -> None:
    result_names = names(tmp_path, fresh_target, "--group-urls", "auto")
    assert result_names == FOLDED
    with open(tmp_path / "run_stats.csv", newline="", encoding="utf-8") as handle:
        counts = {row["Name"]: int(row["Request Count"]) for row in csv.DictReader(handle)}
    served = server_counts(fresh_target)["by_route"]
    assert counts["/api/items/[id]"] + counts["named"] == served["GET /api/items/{id}"]
    assert counts["/search?search=boots&page=[id]"] == served["GET /search"]


def test_config_files_and_the_environment_reach_the_sessions(tmp_path: Path) -> None:
    """The other sources, without a run: Settings -> Environment -> each user's session."""
    (tmp_path / "horde.conf").write_text("group-urls = auto\n", encoding="utf-8")
    from_file = build_settings({}, env={}, cwd=tmp_path)
    assert from_file.group_urls == "auto"
    assert from_file.sources["group_urls"].endswith("horde.conf:1")
    from_env = build_settings({}, env={"HORDE_GROUP_URLS": "auto"}, cwd=tmp_path / "none")
    assert from_env.group_urls == "auto"
    off = build_settings({"group_urls": Value("off", "command line")}, env={}, cwd=tmp_path / "x")
    unset = build_settings({}, env={}, cwd=tmp_path / "none")
    # the class says "auto": the command line's "off" wins; unset, the class decides
    for settings, expected in ((from_file, GROUPER), (off, None), (unset, GROUPER)):
        env = Environment(group_urls=settings.group_urls)

        class Shopper(HttpUser):
            host = "http://127.0.0.1:1"
            group_urls = "auto"

        user = Shopper(env)
        assert user.client.group_url is expected
        user.client.close()


def test_a_bad_value_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    result = run_horde(
        ["-f", str(LOCUSTFILE), "--headless", "--group-urls", "sometimes"], cwd=tmp_path
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "horde: error: invalid value for --group-urls: 'sometimes'; choose from auto, off"
    )
