"""Worker 0's users make ROUNDS rounds and stop; the other workers' users run until stopped.

Once worker 0 has no user left and has sent two reports since, it writes IDLE-AND-REPORTED on
stderr: everything it recorded has reached the master, so a test can SIGKILL it and still
expect the master's counts to equal the target's exactly.
"""

import sys

from locust import HttpUser, constant, events, task
from locust.exception import StopUser

ROUNDS = 3
NODE = {}
REPORTS_WHILE_IDLE = [0]


class Counted(HttpUser):
    wait_time = constant(0.02)

    def on_start(self):
        self.rounds = 0

    @task
    def one_round(self):
        if self.environment.runner.worker_index == 0 and self.rounds >= ROUNDS:
            raise StopUser()
        self.rounds += 1
        self.client.get("/api/items")


@events.init.add_listener
def remember(environment, **_kwargs):
    NODE["env"] = environment


@events.report_to_master.add_listener
def announce_when_idle(client_id, data, **_kwargs):
    runner = NODE["env"].runner
    if runner.worker_index != 0 or runner.state != "running" or runner.user_count:
        return
    REPORTS_WHILE_IDLE[0] += 1
    if REPORTS_WHILE_IDLE[0] == 2:
        sys.stderr.write("IDLE-AND-REPORTED\n")
        sys.stderr.flush()
