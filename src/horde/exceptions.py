"""Every exception horde raises or understands, in one place.

Errors (something is wrong; library code raises them, only the CLI turns them into exit codes)::

    HordeError
    ├── ConfigError            bad flag, option value, config file or environment variable
    │   └── TimespanError      a time span such as "1h20m" that cannot be parsed
    ├── LocustfileError        missing, unreadable or broken locustfile, no User class, bad weights
    │   ├── MissingExtraError  a protocol user whose optional dependency is not installed
    │   │                      (also an ImportError); names the extra: pip install 'horde[grpc]'
    │   └── NotProvidedError   a ``locust.contrib`` module that horde does not provide yet
    ├── ResponseError          a response judged as failed (HTTP status, catch_response)
    │   └── CatchResponseError failure() called with a message inside ``catch_response``
    ├── MissingWaitTimeError   a User or TaskSet without a usable wait_time
    ├── RunnerAlreadyExistsError
    ├── OutputError            a report file (CSV, JSON) cannot be written
    ├── RestError              a ``client.rest(...)`` call got no usable answer (status 0, bad JSON)
    │   ├── HttpClientError    a 4xx answer (``.response``, ``.content``), as slumber's
    │   │   └── HttpNotFoundError  a 404 answer
    │   └── HttpServerError    a 5xx answer
    ├── EndpointError          an endpoint (horde.endpoints) used the wrong way
    │   ├── MissingMethodError no method given for a multi-method endpoint, or one it lacks
    │   └── NotAttachedError   (Backpack) Request() before attach() or Unzip() in this user
    ├── FeederError            a feeder's file or records cannot be used
    ├── TransportError         (distributed mode) a link between master and worker failed
    │   └── RefusedError       the master refused this worker (secret, protocol version), or
    │                          the worker refused a master it cannot trust
    └── ProtocolError          (distributed mode) a malformed message, or one from an unknown
        │                      protocol version
        └── ProtocolVersionError  the peer speaks another version of the wire protocol

``LocustError`` is an alias of ``HordeError``, so locustfiles catching Locust's base class keep
working.

An import error (an ``ImportError``, so ``except ImportError`` in a locustfile catches it)::

    NotProvidedError           ``locust.X`` that Locust has and horde does not provide yet

Control-flow signals (not errors; user code raises them to steer a simulated user or the test)::

    StopUser                   this user stops (on_stop runs), the others continue
    StopTest                   the whole test stops
    RescheduleTask             end the current task, wait, pick the next one
    RescheduleTaskImmediately  end the current task, pick the next one without waiting
    InterruptTaskSet           leave the current TaskSet and hand control back to its parent
    OperationFailed            (a RescheduleTask) a protocol operation failed and is already
                               recorded as a failure: the task ends, the user waits, carries on
"""

from __future__ import annotations

from typing import Any


class HordeError(Exception):
    """Base class of all errors raised by horde."""


LocustError = HordeError


class ConfigError(HordeError):
    """An option, flag, config file or environment variable has an invalid value."""


class TimespanError(ConfigError):
    """A time span (such as ``1h20m``) could not be parsed."""


class LocustfileError(HordeError):
    """The locustfile could not be found, read or imported, or defines nothing runnable."""


class MissingExtraError(LocustfileError, ImportError):
    """A protocol user needs an optional dependency that is not installed.

    An ImportError too, so ``try: from horde.protocols.grpc import GrpcUser except ImportError``
    works in library code; the ``horde`` command reports it as one line (exit code 3).
    """


class ResponseError(HordeError):
    """A response was judged a failure."""


class CatchResponseError(ResponseError):
    """Raised (and recorded) when ``response.failure("message")`` is called."""


class MissingWaitTimeError(HordeError):
    """A User or TaskSet has no usable ``wait_time``."""


class RunnerAlreadyExistsError(HordeError):
    """An Environment can own only one runner."""


class OutputError(HordeError):
    """A report file could not be created or written."""


class RestError(HordeError):
    """A REST call (``client.rest(...)``) failed; ``response`` and ``content`` as in slumber."""

    def __init__(self, message: str, *, response: Any = None, content: bytes | None = None) -> None:
        super().__init__(message)
        self.response = response
        self.content = content


class HttpClientError(RestError):
    """The server answered a REST call with a 4xx status."""


class HttpNotFoundError(HttpClientError):
    """The server answered a REST call with 404."""


class HttpServerError(RestError):
    """The server answered a REST call with a 5xx status."""


class EndpointError(HordeError):
    """An endpoint (:mod:`horde.endpoints`) was used the wrong way."""


class MissingMethodError(EndpointError):
    """No method was given for an endpoint with several, or the endpoint lacks the one given."""


class NotAttachedError(EndpointError):
    """(Backpack) An endpoint made a request in a user that never attached it."""


class FeederError(HordeError):
    """A feeder's file cannot be read, or its records cannot be used."""


class TransportError(HordeError):
    """A message could not be sent or received between master and worker."""


class RefusedError(TransportError):
    """The master refused this worker, or the worker refused the master (wrong or missing
    shared secret, another protocol version): nothing will work until the setup changes."""


class ProtocolError(HordeError):
    """A wire message is malformed or comes from an incompatible protocol version."""


class ProtocolVersionError(ProtocolError):
    """A message from a peer speaking another version of the wire protocol."""

    def __init__(self, message: str, *, ours: int, theirs: object) -> None:
        super().__init__(message)
        self.ours = ours
        self.theirs = theirs


class NotProvidedError(LocustfileError, ModuleNotFoundError):
    """A module or name of Locust's API that horde does not provide yet (``locust.rpc``, a
    ``locust.contrib`` module). An ``ImportError``, so locustfiles that probe for optional parts
    with ``try: import ... except ImportError`` keep working; under the ``horde`` command it is
    one line and exit code 3."""


class InterruptTaskSet(Exception):  # noqa: N818 - Locust's public name
    """Leave the running TaskSet; ``reschedule=True`` makes the parent pick a task at once."""

    def __init__(self, reschedule: bool = True) -> None:
        super().__init__(reschedule)
        self.reschedule = reschedule


class StopUser(Exception):  # noqa: N818 - Locust's public name
    """Stop the simulated user that raises it; ``on_stop`` still runs."""


class StopTest(Exception):  # noqa: N818 - Locust's public name
    """Stop the whole test (all users); the summary and reports are still written."""


class RescheduleTask(Exception):  # noqa: N818 - Locust's public name
    """End the current task now; the user waits and then picks its next task."""


class RescheduleTaskImmediately(Exception):  # noqa: N818 - Locust's public name
    """End the current task now; the user picks its next task without waiting."""


class OperationFailed(RescheduleTask):
    """A protocol operation failed; it is already recorded as a failure in the statistics.

    Raised by the protocol clients (:mod:`horde.protocols`) so that code after a failed call
    does not run on a missing result. As a :class:`RescheduleTask` it ends the task quietly (a
    failing target is data, not a user-code error); catch it to carry on. ``__cause__`` is the
    protocol library's own exception.
    """

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


CONTROL_FLOW = (StopUser, StopTest, RescheduleTask, RescheduleTaskImmediately, InterruptTaskSet)
"""Exceptions that steer users; event listeners let them propagate instead of logging them."""
