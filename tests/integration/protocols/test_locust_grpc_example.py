"""Locust's ``examples/grpc`` runs unchanged under the ``horde`` command against its hello server.

The example (``tests/compat/locustfiles/locust_grpc_example``: Locust's files with their licence
header only) starts its own hello server from an ``init`` listener, on ``localhost:50051``, and
its user's host is that address: the port is hardcoded in two files. Rather than edit them, or
hope that 50051 is free on a shared machine (another test run may hold it), the test runs the
``horde`` command in a network namespace of its own (``unshare -n``, then ``ip link set lo up``):
a private loopback on which 50051 is always free and nothing outside can connect. The files run
byte for byte as Locust ships them, from where they are.

What it shows: Locust's own ``GrpcUser`` (a ``grpc_interceptor`` interceptor firing
``events.request``) and its ``grpc.experimental.gevent.init_gevent()`` work on horde, every call
is recorded under its service/method name without failures, and each one is timed through the
server's one-second sleep.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

EXAMPLE = REPO / "tests" / "compat" / "locustfiles" / "locust_grpc_example"


def in_own_network(command: list[str]) -> list[str]:
    """``command`` in a new network namespace whose loopback is up."""
    unshare, ip = shutil.which("unshare"), shutil.which("ip") or "/usr/sbin/ip"
    assert unshare, "unshare (util-linux) is needed for a private loopback"
    assert Path(ip).exists(), "ip (iproute2) is needed to bring the private loopback up"
    script = f"{shlex.quote(ip)} link set lo up && exec {shlex.join(command)}"
    return [unshare, "--net", "--", "sh", "-c", script]


@pytest.mark.slow
def test_locust_grpc_example_runs_unchanged(tmp_path: Path) -> None:
    assert (EXAMPLE / "locustfile.py").read_text().count('host = "localhost:50051"') == 1
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HORDE_", "LOCUST_"))}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), env.get("PYTHONPATH", "")])
    horde = [sys.executable, "-m", "horde", "-f", "locustfile.py", "--headless"]
    horde += ["-u", "3", "-r", "3", "-t", "4s", "--json", "--only-summary"]
    done = subprocess.run(
        in_own_network(horde),
        cwd=EXAMPLE,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    report = json.loads(done.stdout)
    assert report["metadata"]["host"] == "localhost:50051"
    [hello] = report["stats"]
    assert (hello["method"], hello["name"]) == ("grpc", "/locust.hello.HelloService/SayHello")
    assert hello["num_failures"] == 0
    assert hello["num_requests"] >= 3  # every user got at least one reply
    assert hello["min_response_time"] >= 1000  # the hello server sleeps one second per call
