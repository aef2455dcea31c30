"""Idempotent setup: Debian packages, Locust in its own virtualenv, horde in the repo's venv.

Each step checks first and does nothing when its target is already there, so a second run of
``benchmarks/run.py`` starts measuring at once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.nginx import ECHO_MODULE
from bench.templates import BENCHMARKS_DIR

LOCUST_VERSION = "2.47.0"
REPO_DIR = BENCHMARKS_DIR.parent
LOCUST_VENV = BENCHMARKS_DIR / ".venv-locust"
HORDE_VENV = REPO_DIR / ".venv"
APT_PACKAGES: dict[str, Callable[[], bool]] = {
    "nginx": lambda: shutil.which("nginx") is not None,
    "libnginx-mod-http-echo": ECHO_MODULE.exists,
    "wrk": lambda: shutil.which("wrk") is not None,
}


class SetupError(RuntimeError):
    """A prerequisite could not be installed."""


@dataclass(frozen=True)
class Tools:
    """The executables the benchmark runs."""

    horde: Path
    locust: Path


def ensure_all(say: Callable[[str], None]) -> Tools:
    if shutil.which("taskset") is None:
        raise SetupError("taskset (util-linux) is missing")
    ensure_apt_packages(say)
    return Tools(horde=ensure_horde(say), locust=ensure_locust(say))


def ensure_apt_packages(say: Callable[[str], None]) -> None:
    """``apt-get install -y`` whatever of nginx, its echo module and wrk is missing."""
    missing = [name for name, present in APT_PACKAGES.items() if not present()]
    if not missing:
        return
    if shutil.which("apt-get") is None:
        raise SetupError(f"missing {', '.join(missing)} and there is no apt-get to install them")
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    say(f"setup: apt-get install {' '.join(missing)}")
    install = [*sudo, "apt-get", "install", "-y", "--no-install-recommends", *missing]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if _run(install, timeout=900, env=env).returncode != 0:
        _check([*sudo, "apt-get", "update"], timeout=600, env=env)
        _check(install, timeout=900, env=env)


def ensure_locust(say: Callable[[str], None]) -> Path:
    """Locust pinned in ``benchmarks/.venv-locust``, created with this Python if missing."""
    locust = LOCUST_VENV / "bin" / "locust"
    if locust.exists() and LOCUST_VERSION in _output([str(locust), "--version"]):
        return locust
    say(f"setup: Locust {LOCUST_VERSION} into {LOCUST_VENV.relative_to(REPO_DIR)}")
    _ensure_venv(LOCUST_VENV)
    _pip(LOCUST_VENV, f"locust=={LOCUST_VERSION}")
    return locust


def ensure_horde(say: Callable[[str], None]) -> Path:
    """horde installed editable in the repo's ``.venv``, created if missing."""
    horde = HORDE_VENV / "bin" / "horde"
    if horde.exists():
        return horde
    say("setup: horde (pip install -e .) into .venv")
    _ensure_venv(HORDE_VENV)
    _pip(HORDE_VENV, "-e", str(REPO_DIR))
    return horde


def _ensure_venv(venv: Path) -> None:
    if not (venv / "bin" / "python").exists():
        _check([sys.executable, "-m", "venv", str(venv)], timeout=300)


def _pip(venv: Path, *requirements: str) -> None:
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check"]
    _check([*pip, "--quiet", *requirements], timeout=900)


def _run(
    args: Sequence[str], *, timeout: float, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            list(args), capture_output=True, text=True, timeout=timeout, env=env, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SetupError(f"{' '.join(args)}: {exc}") from exc


def _check(args: Sequence[str], *, timeout: float, env: dict[str, str] | None = None) -> None:
    done = _run(args, timeout=timeout, env=env)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise SetupError(f"{' '.join(args)} failed with exit code {done.returncode}:\n{tail}")


def _output(args: Sequence[str]) -> str:
    done = _run(args, timeout=60)
    return done.stdout + done.stderr
