"""The master's view of its workers: one :class:`WorkerNode` each, in :class:`WorkerNodes`
(Locust's names and surface: ``runner.clients``, ``.ready``, ``.running``, ``.missing``...)."""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping, ValuesView
from dataclasses import dataclass
from typing import Any

from horde.runners.auth import Seal
from horde.runners.base import STATE_INIT, STATE_MISSING, STATE_RUNNING, STATE_SPAWNING


class WorkerNode:
    """One worker as the master knows it."""

    def __init__(
        self,
        id: str,
        peer: bytes,
        index: int,
        *,
        hostname: str = "",
        pid: int = 0,
        seal: Seal | None = None,
        heartbeat_liveness: int = 3,
        joined_at: float = 0.0,
    ) -> None:
        self.id = id
        self.peer = peer
        self.index = index
        self.hostname = hostname
        self.pid = pid
        self.seal = seal
        self.state = STATE_INIT
        self.heartbeat = heartbeat_liveness
        self.cpu_usage = 0.0
        self.cpu_warning_emitted = False
        self.memory_usage = 0
        self.user_classes_count: dict[str, int] = {}
        self.joined_at = joined_at
        self.last_report: float | None = None
        """Wall-clock time of the latest statistics report."""
        self.requests = 0
        """Requests this worker reported during the current test."""
        self.seq = 0
        """The latest spawn order (of the current test) the worker has applied."""
        self.test = 0
        self.gate_done = False
        self.classes_done = False
        self.stopped_test = 0
        self.malformed = 0

    @property
    def user_count(self) -> int:
        return sum(self.user_classes_count.values())

    @property
    def missing(self) -> bool:
        return self.state == STATE_MISSING

    def status(self, now: float) -> dict[str, Any]:
        """What the web UI's Workers view and the JSON API show."""
        return {
            "id": self.id,
            "index": self.index,
            "hostname": self.hostname,
            "pid": self.pid,
            "state": self.state,
            "user_count": self.user_count,
            "cpu_usage": round(self.cpu_usage, 1),
            "memory_usage": self.memory_usage,
            "requests": self.requests,
            "last_report_age": None
            if self.last_report is None
            else max(0.0, now - self.last_report),
            "authenticated": self.seal is not None,
        }


class WorkerNodes(MutableMapping[str, WorkerNode]):
    """The connected workers by client id (iterating gives the ids, as in Locust)."""

    def __init__(self) -> None:
        self._nodes: dict[str, WorkerNode] = {}

    def get_by_state(self, state: str) -> list[WorkerNode]:
        return [node for node in self._nodes.values() if node.state == state]

    @property
    def all(self) -> ValuesView[WorkerNode]:
        return self._nodes.values()

    @property
    def ready(self) -> list[WorkerNode]:
        return self.get_by_state(STATE_INIT)

    @property
    def spawning(self) -> list[WorkerNode]:
        return self.get_by_state(STATE_SPAWNING)

    @property
    def running(self) -> list[WorkerNode]:
        return self.get_by_state(STATE_RUNNING)

    @property
    def missing(self) -> list[WorkerNode]:
        return self.get_by_state(STATE_MISSING)

    def live(self) -> list[WorkerNode]:
        """Workers not missing, by index: the order in which they get their shares."""
        return sorted((n for n in self._nodes.values() if not n.missing), key=lambda n: n.index)

    def __getitem__(self, key: str) -> WorkerNode:
        return self._nodes[key]

    def __setitem__(self, key: str, value: WorkerNode) -> None:
        self._nodes[key] = value

    def __delitem__(self, key: str) -> None:
        del self._nodes[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._nodes)

    def __len__(self) -> int:
        return len(self._nodes)


@dataclass(frozen=True)
class LostWorker:
    """A worker that went missing (no heartbeat) or did not confirm a stop: what may be lost."""

    id: str
    index: int
    when: float
    last_report: float | None
    reason: str
    requests_lost: bool = True
    """False for a worker that said goodbye (its final report has everything)."""
    share_unfinished: bool = False
    """It had not finished its share of ``-i`` or of an arrival schedule (shares never move)."""

    def describe(self) -> str:
        parts = []
        if self.requests_lost:
            if self.last_report is None:
                since = "it never sent a report: every request it made is missing"
            else:
                gap = max(0.0, self.when - self.last_report)
                since = (
                    f"requests it made after its last report ({gap:.1f} s before it was found "
                    "missing; it may have died sooner) are not counted"
                )
            parts.append(
                f"{since}, nor are requests it had in flight (the target may have received them)"
            )
        if self.share_unfinished:
            parts.append(
                "the rest of its share of the iterations or arrival schedule was not run "
                "(shares are not moved to other workers)"
            )
        return f"worker {self.index} ({self.id}) {self.reason}: {'; '.join(parts)}"
