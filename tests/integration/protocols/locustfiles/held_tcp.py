"""Each user sends one request the server holds until 100 are in flight (then stops)."""

from held_common import one_more_finished
from locust import constant, task

from horde.protocols.framing import Delimited
from horde.protocols.socket import SocketUser


class Held(SocketUser):
    framing = Delimited()
    wait_time = constant(600)

    @task
    def hold(self) -> None:
        assert self.client.request(b"hold", name="held") == b"hold"
        one_more_finished()
