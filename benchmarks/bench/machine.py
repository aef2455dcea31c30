"""A one-line description of the machine and the tools, for the results header."""

from __future__ import annotations

import os
import platform
import subprocess


def describe() -> str:
    """CPU model, core count, RAM and kernel, e.g. "AMD EPYC, 2 cores, 23.4 GiB RAM, Linux 6.1"."""
    return (
        f"{_cpu_model()}, {os.cpu_count()} cores, {_ram_gib():.1f} GiB RAM, "
        f"{platform.system()} {platform.release()}"
    )


def _cpu_model() -> str:
    try:
        text = subprocess.run(
            ["lscpu"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except OSError:
        text = ""
    for line in text.splitlines():
        if line.startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def _ram_gib() -> float:
    with open("/proc/meminfo", encoding="ascii") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 2**20
    return 0.0


def command_version(args: list[str]) -> str:
    """The first line a ``--version``/``-v`` style command prints (stdout or stderr)."""
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=30, check=False)
    except OSError as exc:
        return f"unavailable ({exc.strerror})"
    lines = (done.stdout + done.stderr).strip().splitlines()
    return lines[0] if lines else "unknown"
