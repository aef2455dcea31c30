"""A master and workers in one process over the in-process transport, for fast tests.

::

    with inproc_cluster([MyUser], workers=3) as cluster:
        cluster.master.start(30, spawn_rate=100)
        ...
        cluster.kill(cluster.workers[0])   # as SIGKILL would: no goodbye, no final report

Every node has its own Environment (its own events and statistics), as separate processes
would; the user classes are shared, which is harmless since none of them is changed per node.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import count
from typing import Any

from horde.env import Environment
from horde.exceptions import TransportError
from horde.feeders import LOCAL_DISPENSER
from horde.runners.master import MasterRunner
from horde.runners.worker import WorkerRunner
from horde.transport.inproc import InprocServer

_names = count()
SAME: Any = object()
"""``add_worker(secret=SAME)``: the master's secret."""


@dataclass
class Cluster:
    server: InprocServer
    master: MasterRunner
    classes: Sequence[Any]
    secret: bytes | None = None
    workers: list[WorkerRunner] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def env(self) -> Environment:
        environment: Environment = self.master.environment
        return environment

    def add_worker(self, *, secret: Any = SAME, **options: Any) -> WorkerRunner:
        """Connect one more worker (``secret``: the master's by default, or bytes, or None)."""
        client_id = f"worker-{next(_names)}"
        environment = Environment(user_classes=list(self.classes), **self.options)
        runner = environment.create_worker_runner(
            transport=self.server.connect(client_id.encode()),
            client_id=client_id,
            secret=self.secret if secret is SAME else secret,
            connect_timeout=options.pop("connect_timeout", 5.0),
            **options,
        )
        self.workers.append(runner)
        return runner

    def kill(self, worker: WorkerRunner) -> None:
        """End ``worker`` as SIGKILL would: its link cut, nothing more sent."""
        worker._link.close(0.0)
        worker.greenlet.kill(block=True)
        worker.pool.kill_all()
        worker._end(TransportError("killed"))  # this process's feeders stop forwarding to it
        self.workers.remove(worker)


@contextmanager
def inproc_cluster(
    classes: Sequence[Any],
    workers: int = 2,
    *,
    secret: bytes | None = None,
    heartbeat_interval: float = 0.1,
    heartbeat_liveness: int = 3,
    master_timeout: float = 60.0,
    **env_options: Any,
) -> Iterator[Cluster]:
    """A master and ``workers`` connected workers; everything quits at the end."""
    server = InprocServer(f"cluster-{next(_names)}")
    environment = Environment(user_classes=list(classes), **env_options)
    master = environment.create_master_runner(
        transport=server,
        secret=secret,
        heartbeat_interval=heartbeat_interval,
        heartbeat_liveness=heartbeat_liveness,
        master_timeout=master_timeout,
    )
    cluster = Cluster(server, master, classes, secret, options=env_options)
    try:
        for _ in range(workers):
            cluster.add_worker()
        if workers:
            master.wait_for_workers(workers, timeout=10.0)
        yield cluster
    finally:
        master.quit()
        for worker in list(cluster.workers):
            worker.quit()
        LOCAL_DISPENSER.forward_to = None
