"""Each user sends one message whose echo the server holds until 100 are in flight."""

from held_common import one_more_finished
from locust import constant, task

from horde.protocols.websocket import WebSocketUser


class Held(WebSocketUser):
    path = "/echo"
    wait_time = constant(600)

    @task
    def hold(self) -> None:
        assert self.client.request("hold", timeout=40, name="held") == "hold"
        one_more_finished()
