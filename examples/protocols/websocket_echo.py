"""WebSocketUser: a connection per user, request/reply timed as one operation, pushes counted.

Needs a WebSocket server that echoes every message, on any path: ``websocat -s 8765`` is one,
or a few lines of the websockets package (``async def echo(c): [await c.send(m) async for m in
c]`` served by ``websockets.asyncio.server.serve(echo, "127.0.0.1", 8765)``). Then

    horde -f examples/protocols/websocket_echo.py --headless -u 10 -r 10 -t 30s \\
        -H ws://127.0.0.1:8765

Recorded (request type ``websocket``): ``connect`` once per user, ``echo`` for each request from
the send to its reply, ``chat send`` for each fire-and-forget message, and ``chat`` for every
message the subscription takes (the echoes of those sends, counted with their size).
"""

from horde import WebSocketUser, between, task


class EchoUser(WebSocketUser):
    path = "/echo"
    wait_time = between(0.05, 0.2)

    def on_start(self) -> None:
        self.client.connect()
        # every echo of a "chat:" message is counted under "chat", whoever is waiting
        self.chat = self.client.subscribe("chat", match=lambda m: str(m).startswith("chat:"))

    @task(3)
    def echo(self) -> None:
        # one operation from the send to the first reply that is the same text
        self.client.request("ping", match=lambda m: m == "ping", name="echo")

    @task
    def chat(self) -> None:
        self.client.send("chat: hello", name="chat send")
