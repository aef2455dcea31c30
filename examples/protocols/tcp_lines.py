"""SocketUser: a raw TCP request/reply protocol with line framing, the template for your own.

Needs a server that answers each line with a line; a line echo server will do:
``socat TCP-LISTEN:9000,reuseaddr,fork EXEC:cat`` or ``ncat -lk 9000 -e /bin/cat``. Then

    horde -f examples/protocols/tcp_lines.py --headless -u 10 -r 10 -t 30s -H tcp://127.0.0.1:9000

Recorded (request type ``tcp``): ``connect`` once per connection, then ``GET`` and ``SET`` from
the send to the whole reply line. ``LineClient.command`` checks each reply: an answer the
protocol does not allow raises ``BadReplyError`` (an ``OSError``, one of the client's
``failure_types``), which ``call()`` records as a failure of that command with the message,
then ends the task quietly. A broken connection or framing is a failure the same way, and the
next command reconnects.
"""

import random

from horde import SocketUser, between, task
from horde.protocols.framing import Delimited
from horde.protocols.socket import TcpClient, parse_address


class BadReplyError(OSError):
    """The server answered something the protocol does not allow."""


class LineClient(TcpClient):
    def command(self, verb: str, *args: str) -> bytes:
        """One command line; its reply line (timed, named by the verb, checked)."""
        return self.call(verb, self._checked, verb, " ".join((verb, *args)).encode())

    def _checked(self, verb: str, line: bytes) -> bytes:
        reply = self._exchange(line)  # send one framed line, read one back
        if not reply.startswith(verb.encode()):  # an echo server repeats the verb
            raise BadReplyError(f"unexpected reply to {verb}: {reply[:40]!r}")
        return reply


class LineUser(SocketUser):
    framing = Delimited(b"\n")  # each message is one line; replies are cut at "\n"
    wait_time = between(0.05, 0.2)

    def make_client(self) -> LineClient:
        _, host, port = parse_address(self.require_host("tcp://HOST:PORT"))
        return LineClient(
            self.environment.events.request, host, port, framing=self.framing, user=self
        )

    @task(3)
    def get(self) -> None:
        self.client.command("GET", f"key{random.randint(1, 100)}")

    @task
    def set(self) -> None:
        self.client.command("SET", "key1", "value")
