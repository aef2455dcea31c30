"""docs/deploy.md says what the files do: the paths it names exist, its Secret commands create
the Secret the manifests read (run offline with ``kubectl --dry-run=client``), its ``docker
run`` lines pass horde's real parser, and its CI excerpts are in the CI files.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml
from deploy_kit import (
    PENDING_FLAGS,
    REPO,
    SECRET_KEY,
    SECRET_NAME,
    VARIANTS,
    find,
    horde_container,
    kubectl,
    render,
    run,
    schema_error,
)

from horde._version import __version__

DOC = (REPO / "docs" / "deploy.md").read_text(encoding="utf-8")
COMMANDS = re.sub(r"\\\n\s*", " ", DOC)
"""The page with shell continuation lines joined."""
IMAGE = f"horde:{__version__}"


def lines_starting(prefix: str) -> list[str]:
    return [line.strip() for line in COMMANDS.splitlines() if line.strip().startswith(prefix)]


def test_every_path_named_exists() -> None:
    paths = set(re.findall(r"(?<![\w/.])((?:deploy|docs|src|tests)/[\w./-]*\w)", DOC))
    assert len(paths) > 10
    missing = sorted(p for p in paths if not (REPO / p).exists())
    assert missing == []


def test_every_kustomization_applied_is_a_validated_variant() -> None:
    named = set(re.findall(r"(?:apply|delete) -k deploy/kubernetes/([\w/-]+)", DOC))
    named |= set(re.findall(r"HORDE_KUSTOMIZATION=deploy/kubernetes/([\w/-]+)", DOC))
    assert named
    assert named <= set(VARIANTS)


SECRET_COMMANDS = sorted(set(lines_starting("kubectl create secret generic")))


@pytest.mark.parametrize("command", SECRET_COMMANDS, ids=range(len(SECRET_COMMANDS)))
def test_the_secret_commands_create_the_secret_the_manifests_read(command: str) -> None:
    filled = command.replace('"$(openssl rand -hex 32)"', "0" * 64).replace(
        "$(openssl rand -hex 12)", "1" * 24
    )
    args = shlex.split(filled)[1:]
    result = run([kubectl(), *args, "--dry-run=client", "-o", "yaml"])
    assert result.returncode == 0, result.stderr
    secret: dict[str, Any] = yaml.safe_load(result.stdout)
    assert schema_error(secret, "1.37.0") is None
    assert secret["metadata"]["name"] == SECRET_NAME
    assert SECRET_KEY in secret["data"]
    master = horde_container(find(render("web"), "Deployment", "horde-master"))
    refs = [e["valueFrom"].get("secretKeyRef") for e in master["env"] if "valueFrom" in e]
    read = {ref["key"] for ref in refs if ref and ref["name"] == SECRET_NAME}
    assert set(secret["data"]) <= read


def test_there_are_secret_commands() -> None:
    assert len(SECRET_COMMANDS) >= 2


DOCKER_RUNS = sorted(set(lines_starting("docker run")))


def horde_args(command: str, locustfile: Path) -> list[str]:
    """What follows the image in a ``docker run`` line, as runnable here with --list."""
    words = shlex.split(command.split(" #", maxsplit=1)[0])
    args = words[words.index(IMAGE) + 1 :]
    out: list[str] = []
    skip = False
    for i, arg in enumerate(args):
        if skip:
            skip = False
            continue
        if arg in PENDING_FLAGS:
            skip = not args[i + 1].startswith("-") if i + 1 < len(args) else False
            continue
        out.append(arg)
    return [*out, "-f", str(locustfile), "--list"]


@pytest.mark.parametrize("command", DOCKER_RUNS, ids=range(len(DOCKER_RUNS)))
def test_docker_run_lines_pass_the_real_parser(
    command: str, tmp_path: Path, horde_cmd: Any
) -> None:
    locustfile = tmp_path / "locustfile.py"
    locustfile.write_bytes((REPO / "deploy/kubernetes/base/locustfile.py").read_bytes())
    result = horde_cmd(horde_args(command, locustfile), cwd=tmp_path)
    assert result.returncode == 0, result.stderr


def test_there_are_docker_run_lines_for_every_role() -> None:
    joined = "\n".join(DOCKER_RUNS)
    assert "--master " in joined
    assert "--worker " in joined
    assert "--headless" in joined


@pytest.mark.parametrize("name", ["github-actions.yml", "gitlab-ci.yml"])
def test_the_ci_excerpts_are_in_the_ci_files(name: str) -> None:
    blocks = re.findall(r"```yaml\n(# [^\n]*deploy/ci/" + re.escape(name) + r"\n.*?)```", DOC, re.S)
    assert len(blocks) == 1
    excerpt = blocks[0].splitlines()[1:]
    full = (REPO / "deploy" / "ci" / name).read_text(encoding="utf-8").splitlines()
    assert [line for line in excerpt if line not in full] == []
