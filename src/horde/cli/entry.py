"""Console-script entry point: patch gevent first, tune the garbage collector, run the command."""

from __future__ import annotations

import gc
import importlib.util
import sys

GC_THRESHOLDS = (100_000, 50, 100)
"""The cyclic garbage collector's thresholds for the ``horde`` process (Python's: 700, 10, 10).

With thousands of users, each request's objects live as long as the request is in flight, so
with the default thresholds they survive young collections and keep triggering full ones, each
walking every object of every user: at 10,000 HttpUsers that was 12 s of a 17 s run. Collecting
every 100,000 net allocations instead lets request garbage die young and made the same run
deliver 55 % more requests with less memory (docs/benchmarks.md). Reference counting still frees
everything that is not in a cycle at once; cycles wait at most 100,000 allocations.
"""


def main() -> None:
    from gevent import monkey

    monkey.patch_all()
    init_grpc_gevent()
    gc.set_threshold(*GC_THRESHOLDS)
    from horde.cli.main import main as run

    sys.exit(run(sys.argv[1:]))


def init_grpc_gevent() -> None:
    """Make grpcio cooperate with gevent, if it is installed: after patching, before any
    locustfile can create a channel.

    grpcio's core waits for completions on its own; ``init_gevent()`` makes it wait in gevent's
    thread pool and resume the calling greenlet, so one blocked RPC no longer stops every user.
    It has to run after ``monkey.patch_all()`` and before the first channel exists, which is
    here. Locustfiles that call it again themselves (Locust's gRPC example does) are unaffected.
    Costs about 30 ms of import when grpcio is installed, nothing when it is not.
    """
    if importlib.util.find_spec("grpc") is None:
        return
    try:
        import grpc.experimental.gevent as grpc_gevent
    except ImportError:  # a broken grpcio install: the locustfile that needs it will say so
        return
    grpc_gevent.init_gevent()
