"""horde's own HTTP/1.1 client on gevent sockets: FastHttpSession and its connection pools."""

from horde.clients.fast.connection import HTTPClientPool
from horde.clients.fast.response import FastResponse
from horde.clients.fast.session import FastHttpSession, FastResponseContextManager

__all__ = ["FastHttpSession", "FastResponse", "FastResponseContextManager", "HTTPClientPool"]
