"""Each user publishes once and waits until it has received the messages of all 100 users.

Written against Locust's ``locust.contrib.mqtt`` names. The messages are retained, so a user
subscribing late still gets the earlier ones; no user can finish before the last one has
connected and published, so they are all in flight together.
"""

import os
import threading

from held_common import USERS, one_more_finished
from locust import constant, task
from locust.contrib.mqtt import MqttUser

PREFIX = f"held/{os.environ['RUN']}"


class Held(MqttUser):
    wait_time = constant(600)

    def on_start(self) -> None:
        self.seen: set[str] = set()
        self.all_seen = threading.Event()
        self.client.message_callback_add(f"{PREFIX}/#", self.arrived)
        assert self.client.wait_connected(30)
        self.client.subscribe(f"{PREFIX}/#", qos=1)

    def arrived(self, client, userdata, message) -> None:
        self.seen.add(message.topic)
        if len(self.seen) == USERS:
            self.all_seen.set()

    @task
    def hold(self) -> None:
        self.client.publish(f"{PREFIX}/{self.client.client_id}", b"here", qos=1, retain=True)
        assert self.all_seen.wait(40), f"saw {len(self.seen)} users"
        one_more_finished()
