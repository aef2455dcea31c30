"""Distributed modes: ``--master`` options, ``--worker`` runs, ``--processes`` forks.

``--processes N`` forks N workers after the locustfile is loaded (they share what it imported)
and before anything else exists (no socket, greenlet or thread to duplicate); the parent is the
master (headless or with the web UI), listening on a Unix socket in a private temporary folder
(mode 0700) instead of a TCP port, so nothing else on the machine can join. With ``--worker``,
the N children connect to ``--master-host`` instead and the parent only waits for them.
Children ignore Ctrl-C (the master stops them with everything it asked for delivered), leave on
SIGTERM, and leave by themselves when their parent process is gone.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import socket
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import gevent

from horde.cli.environment import build_environment, init_failure
from horde.cli.exit_codes import ExitCode
from horde.config import Settings
from horde.event import events
from horde.exceptions import ConfigError, HordeError
from horde.runners import auth
from horde.runners.worker import WorkerRunner

logger = logging.getLogger("horde.cli")

REAP_WAIT = 15.0
"""Seconds the parent of ``--processes`` waits for its children to exit before killing them."""
PROCESSES_PER_CORE = 8
"""The most ``--processes`` per core: one process per core is the useful number, a few more
can help a target that is far away; 100,000 is a typo that would fork until the machine's
process limit (and take every other program on it down with it)."""


def secret_of(settings: Settings, env: Mapping[str, str]) -> bytes | None:
    return auth.load_secret(env, settings.secret_file)


def master_options(
    settings: Settings, env: Mapping[str, str], endpoint: str | None = None
) -> dict[str, Any]:
    """The MasterRunner keyword arguments the settings ask for."""
    return {
        "master_bind_host": settings.master_bind_host,
        "master_bind_port": settings.master_bind_port,
        "endpoint": endpoint,
        "secret": secret_of(settings, env),
        "allow_unauthenticated": settings.allow_unauthenticated,
        "heartbeat_interval": settings.heartbeat_interval,
        "heartbeat_liveness": settings.heartbeat_liveness,
        "master_timeout": settings.master_heartbeat_timeout,
    }


class WorkerRun:
    """``--worker``: connect, run what the master says, leave when told (or on SIGTERM)."""

    def __init__(
        self,
        settings: Settings,
        classes: Sequence[Any],
        locustfile: str,
        *,
        secret: bytes | None,
        shapes: Mapping[str, Any] | None = None,
        endpoint: str | None = None,
        parent_pid: int | None = None,
        **_: Any,
    ) -> None:
        # no reset_stats here: the master resets the merged statistics, and a worker that
        # reset its own would drop what it has not reported yet
        self.env = build_environment(settings, classes, locustfile, shapes or {})
        if endpoint is None:
            _warn_if_unresolvable(settings.master_host)
        self.runner: WorkerRunner = self.env.create_worker_runner(
            settings.master_host,
            settings.master_port,
            endpoint=endpoint,
            secret=secret,
            parent_pid=parent_pid,
        )
        self._signals = 0

    def run(self, *, ignore_interrupt: bool = False) -> int:
        failed = init_failure(self.env, self.runner, None)
        if failed is not None:  # as one process: the test does not start here, exit code 1
            logger.error(
                "an init listener failed (%s: %s): this worker leaves its master",
                type(failed).__name__,
                failed,
            )
            self.runner.leave(f"its init listener failed ({type(failed).__name__})")
            return ExitCode.FAILURES
        signals = [signal.SIGTERM] if ignore_interrupt else [signal.SIGINT, signal.SIGTERM]
        for signum in signals:
            gevent.signal_handler(signum, self._on_signal, signal.Signals(signum).name)
        if ignore_interrupt:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        self.runner.ended.wait()
        self.runner.greenlet.join(timeout=REAP_WAIT)
        return self._exit_code()

    def _on_signal(self, name: str) -> None:
        self._signals += 1
        if self._signals == 1:
            logger.info("%s received: leaving the master (final report first)", name)
            gevent.spawn(self.runner.quit)
            return
        logger.error("%s again: leaving at once", name)
        logging.shutdown()
        os._exit(ExitCode.INTERRUPTED)

    def _exit_code(self) -> int:
        runner = self.runner
        events.quitting.fire(environment=self.env, reverse=True)
        if self.env.process_exit_code is not None:
            code = int(self.env.process_exit_code)
        elif runner.end_error is not None:
            code = ExitCode.DISTRIBUTED
        elif runner.failure is not None or events.listener_errors:
            code = ExitCode.INTERNAL
        else:
            code = ExitCode.OK
        events.quit.fire(exit_code=code)
        return code


def _warn_if_unresolvable(host: str) -> None:
    """Say at once when the master's name does not resolve (a typo, or a Service whose DNS
    name does not exist yet): the worker still waits for it, but no longer in silence."""
    try:
        socket.getaddrinfo(host, None)
    except (OSError, UnicodeError) as exc:
        logger.warning(
            "cannot resolve the master host %r (%s): still trying, but check --master-host",
            host,
            exc,
        )


def process_count(settings: Settings) -> int:
    wanted = settings.processes
    cores = os.cpu_count() or 1
    if wanted == -1:
        return cores
    if wanted is None or wanted < 1:
        raise ConfigError(f"--processes must be -1 (one per core) or 1 or more, got {wanted}")
    if wanted > cores * PROCESSES_PER_CORE:
        raise ConfigError(
            f"--processes {wanted} is more than {PROCESSES_PER_CORE} per core ({cores} core(s) "
            f"here: at most {cores * PROCESSES_PER_CORE}); use -1 for one per core, and more "
            "machines for more"
        )
    if settings.master:
        raise ConfigError(
            "--processes starts its own master: leave out --master (or use --worker "
            "--processes N to start N workers for a master elsewhere)"
        )
    return wanted


def _then_workers(
    run_master: Callable[[Settings, str | None], int], children: list[int]
) -> Callable[[Settings, str | None], int]:
    """``run_master``, whose exit code 0 becomes the worst of the worker processes' (reaped
    once it returns): a worker whose ``init`` listener failed exits with 4, and the command
    exited 0 with the error only in the log."""

    def run(master: Settings, endpoint: str | None) -> int:
        code = run_master(master, endpoint)
        workers = max(_wait_children(children, forever=False), 0)
        if code == ExitCode.DISTRIBUTED and workers not in (0, ExitCode.DISTRIBUTED):
            return workers  # the master gave up because a worker failed: the worker's reason
        return code or workers

    return run


def run_processes(
    settings: Settings,
    run_master: Callable[[Settings, str | None], int],
    run_worker: Callable[[Settings, str | None, int], int],
) -> int:
    """Fork the workers; the parent runs ``run_master`` (or waits, with ``--worker``)."""
    count = process_count(settings)
    folder = None if settings.worker else tempfile.mkdtemp(prefix="horde-")
    endpoint = None if folder is None else f"ipc://{folder}/master.sock"
    parent = os.getpid()
    children: list[int] = []
    run_master = _then_workers(run_master, children)
    try:
        for number in range(1, count + 1):
            try:
                pid = os.fork()
            except OSError as exc:  # the machine's process or memory limit: one line, exit 4
                raise HordeError(f"cannot start worker process {number} of {count}: {exc}") from exc
            if pid == 0:
                _child(lambda: run_worker(settings, endpoint, parent))
            children.append(pid)
        logger.info("started %d worker process(es): pids %s", count, children)
        if settings.worker:
            return _wait_children(children, forever=True)
        master = settings.replace(expect_workers=count, master=True)
        return run_master(master, endpoint)
    except BaseException:
        # the master never ran (bad input, say) or failed: nobody will tell the workers to
        # leave, so they are told here, at once, rather than waited for and then killed
        _terminate(children)
        raise
    finally:
        _wait_children(children, forever=False)
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


def _terminate(children: list[int]) -> None:
    for pid in children:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)


def _child(work: Callable[[], int]) -> None:
    """In a forked child: run ``work`` and exit with its code, never returning."""
    code: int = ExitCode.INTERNAL
    try:
        code = work()
    except HordeError as exc:
        sys.stderr.write(f"horde: error: {exc}\n")
        code = ExitCode.DISTRIBUTED
    except BaseException as exc:  # noqa: BLE001 - a child must never fall back into the parent
        sys.stderr.write(f"horde: worker process failed: {type(exc).__name__}: {exc}\n")
    finally:
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _wait_children(children: list[int], *, forever: bool) -> int:
    """Reap the children (within :data:`REAP_WAIT` unless ``forever``, then SIGKILL)."""
    worst = 0
    left = list(children)
    waited = 0.0
    while left and (forever or waited < REAP_WAIT):
        for pid in list(left):
            try:
                done, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                left.remove(pid)
                continue
            if done:
                left.remove(pid)
                worst = max(worst, os.waitstatus_to_exitcode(status))
        if left:
            gevent.sleep(0.05)
            waited += 0.05
    for pid in left:
        logger.warning("worker process %d did not exit: killing it", pid)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    children.clear()
    return worst
