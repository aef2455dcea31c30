"""The Dockerfile's build stage, run here without Docker: the build context is exactly what
.dockerignore lets through (Docker's own rules, from the ``docker`` package), the wheel is built
by the Dockerfile's ``pip wheel`` line from that context, and the virtualenv step is the
Dockerfile's own RUN text with its paths moved into a temporary folder.

Only what needs the network differs: pip gets ``--no-build-isolation --no-index`` (setuptools
comes from this virtualenv instead of PyPI) and ``PIP_NO_DEPS`` (horde's dependencies are not
downloaded; this virtualenv's copies are put on the path to run the result).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from deploy_kit import KUBE, REPO, TIMEOUT, run
from docker.utils.build import exclude_paths

from horde._version import __version__

DOCKERFILE = (REPO / "Dockerfile").read_text(encoding="utf-8")
ALWAYS_SENT = {"Dockerfile", ".dockerignore"}
"""Docker sends these whatever .dockerignore says; the Dockerfile never COPYs them."""

pytestmark = pytest.mark.slow


def context_files() -> set[str]:
    """The files of the build context, relative to the repository."""
    patterns = [
        line.strip()
        for line in (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    paths = exclude_paths(str(REPO), patterns)
    return {p for p in paths if (REPO / p).is_file()} - ALWAYS_SENT


def run_lines() -> list[str]:
    """The RUN instructions of the Dockerfile, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    return [line[4:].strip() for line in joined.splitlines() if line.startswith("RUN ")]


def copy_lines() -> list[list[str]]:
    """The build stage's COPY instructions from the build context, as word lists."""
    build = DOCKERFILE.split("\nFROM ", 2)[1]
    return [line.split()[1:] for line in build.splitlines() if line.startswith("COPY ")]


@pytest.fixture(scope="module")
def context(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Dockerfile's COPY lines applied to the build context, in WORKDIR /src's place."""
    src = tmp_path_factory.mktemp("src")
    files = context_files()
    for *sources, dest in copy_lines():
        for source in sources:
            prefix = source.rstrip("/")
            if prefix in files:  # a file: into the destination folder
                chosen = {prefix: Path(dest) / Path(prefix).name}
            else:  # a folder: its contents into the destination
                chosen = {
                    f: Path(dest) / f[len(prefix) + 1 :]
                    for f in files
                    if f.startswith(prefix + "/")
                }
            assert chosen, f"COPY {source}: nothing in the build context"
            for name, target in chosen.items():
                (src / target).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(REPO / name, src / target)
    return src


@pytest.fixture(scope="module")
def wheel(context: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    wheels = tmp_path_factory.mktemp("wheels")
    (line,) = [r for r in run_lines() if r.startswith("pip wheel")]
    args = shlex.split(line.replace("/wheels", str(wheels)))
    offline = ["--no-build-isolation", "--no-index"]
    result = run([sys.executable, "-m", *args, *offline], cwd=context)
    assert result.returncode == 0, result.stdout + result.stderr
    (built,) = wheels.glob("horde-*.whl")
    return built


def test_the_context_holds_what_the_build_copies_and_nothing_else() -> None:
    files = context_files()
    assert {"pyproject.toml", "README.md"} <= files
    assert {f.split("/")[0] for f in files} == {"pyproject.toml", "README.md", "src"}
    assert not [f for f in files if "__pycache__" in f or ".egg-info" in f]
    tracked = subprocess.run(
        ["git", "ls-files", "src"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    assert set(tracked) <= files  # nothing the package needs is left out


def test_the_wheel_carries_every_file_of_the_package(context: Path, wheel: Path) -> None:
    assert wheel.name == f"horde-{__version__}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        scripts = archive.read(entry_points).decode()
        (metadata,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        description = archive.read(metadata).decode()
    root = context / "src"
    shipped = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    package = {p for p in shipped if p.startswith("horde/")}
    assert package <= names, sorted(package - names)
    assert "horde = horde.cli.entry:main" in scripts
    # pyproject's readme: without it in the build, setuptools builds the wheel anyway, bare.
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert readme.splitlines()[0] in description.splitlines()


@pytest.mark.parametrize("extras", ["", "all"])
def test_the_virtualenv_step_installs_a_working_horde(
    wheel: Path, tmp_path: Path, extras: str
) -> None:
    (line,) = [r for r in run_lines() if r.startswith("python -m venv")]
    venv = tmp_path / "opt-horde"
    script = line.replace("/opt/horde", str(venv)).replace("/wheels", str(wheel.parent))
    site = sysconfig.get_paths()["purelib"]  # horde's dependencies, from this virtualenv
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "HORDE_EXTRAS": extras,
        "PIP_NO_INDEX": "1",
        "PIP_NO_DEPS": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PYTHONPATH": site,
        "HOME": str(tmp_path),
    }
    result = subprocess.run(
        ["sh", "-ec", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert __version__ in result.stdout
    # The installed command, from the new virtualenv, loads the Kubernetes placeholder.
    horde = subprocess.run(
        [str(venv / "bin" / "horde"), "-f", str(KUBE / "base" / "locustfile.py"), "--list"],
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert horde.returncode == 0, horde.stderr
    assert horde.stdout.split() == ["Visitor"]
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import horde; print(horde.__file__)"],
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=True,
    )
    assert where.stdout.startswith(str(venv))
