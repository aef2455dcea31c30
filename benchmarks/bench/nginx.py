"""The benchmark target: one nginx worker on its own core, started from a rendered template.

``/`` answers a small 200 text body, ``/delay`` answers after 50 ms (echo module) and logs each
request's ``$request_time`` (the server-side truth for latency), ``/__status`` is stub_status,
whose ``requests`` counter gives a tool-independent count of delivered requests.
"""

from __future__ import annotations

import http.client
import resource
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from bench import procs
from bench.templates import render

ECHO_MODULE = Path("/usr/lib/nginx/modules/ngx_http_echo_module.so")
STATUS_PATH = "/__status"


class NginxError(RuntimeError):
    """nginx did not start or stopped answering."""


@dataclass
class Nginx:
    """A running nginx: where it listens and where its files are."""

    port: int
    directory: Path
    process: subprocess.Popen[bytes]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def delay_log(self) -> Path:
        return self.directory / "delay.log"

    def counters(self) -> tuple[int, int] | None:
        """(total requests incl. this one, open connections) from stub_status; None if down."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            conn.request("GET", STATUS_PATH)
            body = conn.getresponse().read().decode()
        except OSError:
            return None
        finally:
            conn.close()
        return parse_status(body)

    def delay_log_offset(self) -> int:
        return self.delay_log.stat().st_size if self.delay_log.exists() else 0

    def delay_times_ms(self, offset: int) -> list[float]:
        """``$request_time`` in ms of the successful ``/delay`` requests logged after ``offset``."""
        with open(self.delay_log, "rb") as log:
            log.seek(offset)
            lines = log.read().decode().splitlines()
        return [
            float(t) * 1000 for status, t in (line.split() for line in lines) if status == "200"
        ]


def parse_status(body: str) -> tuple[int, int] | None:
    """stub_status's "requests" counter and its "Active connections" minus our own."""
    lines = body.splitlines()
    if len(lines) < 3 or not lines[0].startswith("Active connections:"):
        return None
    return int(lines[2].split()[2]), int(lines[0].split(":")[1]) - 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start(directory: Path, core: int, nginx_binary: str = "nginx") -> Nginx:
    """Render the config into ``directory`` and start nginx pinned to ``core``; wait until ready."""
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = directory / "nginx.conf"
    values = {
        "dir": str(directory),
        "port": str(port),
        "echo_module": str(ECHO_MODULE),
        "open_files": str(resource.getrlimit(resource.RLIMIT_NOFILE)[0]),
    }
    config.write_text(render("nginx.conf.template", values), encoding="utf-8")
    args = ["taskset", "-c", str(core), nginx_binary, "-p", str(directory), "-c", str(config)]
    args += ["-e", str(directory / "error.log")]
    process = procs.spawn(args, out=directory / "nginx.out")
    server = Nginx(port=port, directory=directory, process=process)
    _wait_ready(server)
    return server


def _wait_ready(server: Nginx, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise NginxError(f"nginx exited at start:\n{_errors(server)}")
        if server.counters() is not None:
            return
        time.sleep(0.05)
    procs.stop(server.process)
    raise NginxError(f"nginx did not answer within {timeout:.0f} s:\n{_errors(server)}")


def _errors(server: Nginx) -> str:
    texts = []
    for name in ("nginx.out", "error.log"):
        path = server.directory / name
        if path.exists():
            texts.append(path.read_text(errors="replace").strip())
    return "\n".join(t for t in texts if t)
