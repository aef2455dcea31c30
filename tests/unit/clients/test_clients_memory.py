"""Memory under hostile bodies, measured as a load generator sees it: RSS of a process of its own.

The client runs in a subprocess with the ``horde`` command's garbage collector thresholds (so
reference cycles live as long as they would in a run) and reports how much its RSS grew over
a series of failed requests. The bound is generous (100 MB) against what the faults would cost
without the fixes: 100 MB allocated per request for a body announced as 10^8 bytes, and the
30 MB each half-received body kept alive by exception reference cycles.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import tracemalloc

import pytest
from client_kinds import make_session

from conftest import REPO
from faultserver import FaultServer
from horde.event import Events

pytestmark = pytest.mark.slow

GROWTH_LIMIT_MB = 100

CLIENT = """
import gc, json, sys
import psutil
from horde.cli.entry import GC_THRESHOLDS
from client_kinds import make_session
from horde.event import Events

kind, url = sys.argv[1], sys.argv[2]
gc.set_threshold(*GC_THRESHOLDS)
failures = []
events = Events()
events.request.add_listener(lambda **kw: failures.append(kw["exception"] is not None))
process = psutil.Process()
session = make_session(kind, url, events, 0.5, max_body_size=None)
session.get("/ok")  # connections, imports and caches warmed up before the first sample
before = process.memory_info().rss
paths = [
    "/length?declared=100000000&send=10&then=close",  # announced 10^8, sent 10
    "/length?declared=100000000&send=10&then=stall",  # ... and then silent: a read timeout
    "/length?declared=100000000&send=30000000&then=close",  # 30 MB received, then closed
] * 3
responses = [session.get(path) for path in paths]  # kept, as a script may keep them
after = process.memory_info().rss
print(json.dumps({"growth_mb": (after - before) / 1e6, "failed": failures[1:]}))
"""


@pytest.mark.parametrize("kind", ["fast", "http", "urllib3"])
def test_rss_stays_bounded_by_what_arrived(kind: str) -> None:
    with FaultServer() as server:
        env = dict(os.environ)
        paths = [str(REPO / "src"), str(REPO / "tests"), str(REPO / "tests/unit/clients")]
        env["PYTHONPATH"] = os.pathsep.join([*paths, env.get("PYTHONPATH", "")])
        done = subprocess.run(
            [sys.executable, "-c", CLIENT, kind, server.url],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["failed"] == [True] * 9, "every one of them is a recorded failure"
    print(f"{kind}: RSS grew {result['growth_mb']:.1f} MB")
    assert result["growth_mb"] < GROWTH_LIMIT_MB, result


@pytest.mark.parametrize("kind", ["fast", "http", "urllib3"])
def test_a_failed_request_keeps_nothing_alive_through_its_error(kind: str) -> None:
    # A failed response keeps its error; the error's traceback would keep the frames of the
    # request (its 10 MB body, the message built from it) in a reference cycle through the
    # response itself, which only the garbage collector frees, and the horde command runs that
    # rarely. Here it does not run: once the response is dropped, all of it must be gone.
    with FaultServer() as server:
        session = make_session(kind, server.url, Events(), 5.0)
        session.get("/ok")
        gc.collect()
        gc.disable()
        tracemalloc.start(25)
        try:
            failed = session.post("/reset-in-body", data=bytes(10 * 1024 * 1024))
            outcome = (failed.status_code, type(failed.error).__name__)
            del failed
            held = _held_by_the_client(tracemalloc.take_snapshot())
        finally:
            tracemalloc.stop()
            gc.enable()
            session.close()
    assert outcome[0] == 0
    assert outcome[1] != "NoneType"
    assert held < 2 * 1024 * 1024, f"{held} bytes held by a dropped failed request"


def _held_by_the_client(snapshot: tracemalloc.Snapshot) -> int:
    """Bytes still allocated, not counting the fault server's threads (it keeps requests)."""
    server = tracemalloc.Filter(False, "*faultserver.py", all_frames=True)
    return sum(stat.size for stat in snapshot.filter_traces([server]).statistics("filename"))
