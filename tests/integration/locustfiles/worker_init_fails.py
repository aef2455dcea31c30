"""An ``init`` listener that fails on workers only (the master's succeeds): the command's exit
code must say so, as one process's would."""

from locust import HttpUser, constant, events, task
from locust.runners import WorkerRunner


@events.init.add_listener
def fail_on_workers(environment, **_kwargs):
    if isinstance(environment.runner, WorkerRunner):
        raise RuntimeError("this worker's setup failed")


class Visitor(HttpUser):
    wait_time = constant(0.05)

    @task
    def idle(self):
        pass  # no request: the exit code depends on the workers' init only
