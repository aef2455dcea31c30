"""Clients that record requests: the requests-compatible HttpSession and timing helpers."""

from horde.clients.http import HttpSession
from horde.clients.measure import measured
from horde.clients.response import HordeResponse, ResponseContextManager

__all__ = ["HordeResponse", "HttpSession", "ResponseContextManager", "measured"]
