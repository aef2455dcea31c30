"""The Dockerfile, checked without a Docker engine (there is none on this machine): hadolint
(a maintained Dockerfile linter; its PyPI wheel carries the binary), then the properties that
matter here and that hadolint cannot see through ``FROM ${PYTHON_IMAGE}``: a pinned base, a
numeric non-root user equal to the manifests', no secrets in ENV/ARG, the ``horde`` entry point,
no compiler in the final image. Each rule is shown to fire on a Dockerfile that breaks it.
"""

from __future__ import annotations

import io
import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from deploy_kit import REPO, SECRET_WORDS, UID, find, horde_container, render, run
from dockerfile_parse import DockerfileParser

DOCKERFILE = REPO / "Dockerfile"
BASE = re.compile(r"^python:3\.11\.\d+-slim(-[a-z]+)?(@sha256:[0-9a-f]{64})?$")
"""A patch release of Python 3.11, slim, optionally by digest: never a moving tag."""
BUILD_TOOLS = re.compile(r"\b(gcc|g\+\+|clang|build-essential|make|apt-get|apk|libc6-dev)\b")


def hadolint() -> str:
    found = shutil.which("hadolint", path=str(Path(REPO / ".venv" / "bin")))
    return found or str(Path(__import__("sys").executable).parent / "hadolint")


@dataclass
class Stage:
    image: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def values(self, instruction: str) -> list[str]:
        return [v for i, v in self.instructions if i == instruction]


def stages(text: str) -> list[Stage]:
    """The build stages, with the global ARG defaults substituted into FROM."""
    # A file object: given only content, DockerfileParser writes it to ./Dockerfile.
    parser = DockerfileParser(fileobj=io.BytesIO(text.encode()), env_replace=True)
    defaults: dict[str, str] = {}
    result: list[Stage] = []
    for item in parser.structure:
        instruction, value = item["instruction"], item["value"].strip()
        if instruction == "COMMENT":
            continue
        if instruction == "FROM":
            image, _, name = value.partition(" AS ")
            image = re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: defaults[m[1] or m[2]], image)
            result.append(Stage(image.strip(), name.strip() or None))
        elif not result and instruction == "ARG":
            key, _, default = value.partition("=")
            defaults[key] = default.strip('"')
        elif result:
            result[-1].instructions.append((instruction, value))
    return result


def problems(text: str) -> list[str]:
    """What is wrong with a Dockerfile by this project's rules (empty when nothing)."""
    all_stages = stages(text)
    if not all_stages:
        return ["no FROM"]
    found = [p for stage in all_stages for p in stage_problems(stage)]
    if len({s.image for s in all_stages}) != 1:
        found.append("the stages use different bases (the virtualenv needs the same Python)")
    return found + final_stage_problems(all_stages[-1])


def stage_problems(stage: Stage) -> list[str]:
    found: list[str] = []
    if not BASE.match(stage.image):
        found.append(f"base image not pinned to a Python 3.11 patch release: {stage.image}")
    for value in stage.values("ENV") + stage.values("ARG") + stage.values("LABEL"):
        if SECRET_WORDS.search(value):
            found.append(f"a secret-like name in ENV/ARG/LABEL: {value}")
    return found


def final_stage_problems(final: Stage) -> list[str]:
    found: list[str] = []
    users = final.values("USER")
    if not users or not re.fullmatch(rf"{UID}(:{UID})?", users[-1]):
        found.append(f"the final USER is not the numeric {UID}: {users}")
    if final.values("ENTRYPOINT") != ['["horde"]']:
        found.append(f"ENTRYPOINT is not exec-form horde: {final.values('ENTRYPOINT')}")
    found += [
        f"build tools in the final image: {c}" for c in final.values("RUN") if BUILD_TOOLS.search(c)
    ]
    copies = final.values("COPY") + final.values("ADD")
    found += [
        f"the final image copies from the context: {c}"
        for c in copies
        if not c.startswith("--from=")
    ]
    if final.values("WORKDIR")[-1:] != ["/home/horde"]:
        found.append("the working directory (where locustfile.py goes) is not /home/horde")
    if final.values("HEALTHCHECK") != ["NONE"]:
        found.append("the image's health check is not the documented NONE")
    return found


def test_hadolint_passes_with_the_repository_settings() -> None:
    result = run([hadolint(), "--config", ".hadolint.yaml", "Dockerfile"], cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_fails_a_careless_dockerfile(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN pip install flask\nUSER root\nENTRYPOINT horde\n")
    result = run([hadolint(), "--config", str(REPO / ".hadolint.yaml"), "-f", "json", str(bad)])
    assert result.returncode == 1
    codes = {finding["code"] for finding in json.loads(result.stdout)}
    assert {"DL3007", "DL3013", "DL3002", "DL3025"} <= codes


def test_the_dockerfile_keeps_the_project_rules() -> None:
    assert problems(DOCKERFILE.read_text(encoding="utf-8")) == []


def test_two_stages_and_the_wheel_built_in_the_first() -> None:
    build, final = stages(DOCKERFILE.read_text(encoding="utf-8"))
    assert build.name == "build"
    assert final.values("COPY") == ["--from=build /opt/horde /opt/horde"]
    assert "pip wheel --no-deps --wheel-dir /wheels ." in build.values("RUN")


def test_exposed_ports_are_the_manifests_ports() -> None:
    (_, final) = stages(DOCKERFILE.read_text(encoding="utf-8"))
    exposed = {int(p) for v in final.values("EXPOSE") for p in v.split()}
    master = horde_container(find(render("web"), "Deployment", "horde-master"))
    assert exposed == {p["containerPort"] for p in master["ports"]}


BREAKAGES = {
    "latest": ("python:3.11.15-slim-trixie", "python:latest"),
    "floating-minor": ("python:3.11.15-slim-trixie", "python:3.11-slim"),
    "root-user": ("USER 10001:10001", "USER root"),
    "named-user": ("USER 10001:10001", "USER horde"),
    "secret-env": ("HORDE_WEB_HOST=0.0.0.0", "HORDE_WEB_HOST=0.0.0.0 HORDE_SECRET=hunter2"),
    "secret-arg": ('ARG HORDE_EXTRAS=""', 'ARG HORDE_EXTRAS=""\nARG API_TOKEN=abc'),
    "shell-entrypoint": ('ENTRYPOINT ["horde"]', "ENTRYPOINT horde"),
    "compiler-in-final": ("HEALTHCHECK NONE", "RUN apt-get install -y gcc\nHEALTHCHECK NONE"),
    "context-copy": ("HEALTHCHECK NONE", "COPY src /src\nHEALTHCHECK NONE"),
    "no-healthcheck-decision": ("HEALTHCHECK NONE", ""),
}


@pytest.mark.parametrize(("old", "new"), BREAKAGES.values(), ids=BREAKAGES.keys())
def test_each_rule_fires_on_a_dockerfile_that_breaks_it(old: str, new: str) -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert old in text
    broken = text.replace(old, new)
    assert problems(broken) != []
