"""A unique feeder of 600 records shared by every user of every worker: each user prints the
records it takes ("worker-index record"); the run ends when the master has handed them all out."""

import sys

from horde import Feeder, User, constant, task

records = Feeder([f"r{i}" for i in range(600)], strategy="unique", name="records")


class Taker(User):
    wait_time = constant(0.001)

    @task
    def take(self) -> None:
        record = records.next()
        sys.stdout.write(f"took {self.environment.runner.worker_index} {record}\n")
