"""``locust.contrib.fasthttp`` inside the horde command: horde's fast HTTP user and client."""

from horde.clients.fast import FastHttpSession, FastResponse, HTTPClientPool
from horde.clients.fast import FastResponseContextManager as ResponseContextManager
from horde.user.fast import FastHttpUser, RestResponseContextManager

__all__ = [
    "FastHttpSession",
    "FastHttpUser",
    "FastResponse",
    "HTTPClientPool",
    "ResponseContextManager",
    "RestResponseContextManager",
]
