"""``locust.contrib`` inside the horde command.

The modules Locust 2.47 ships here resolve to horde's implementations where horde has one
(``fasthttp``, ``postgres``, ``mqtt``); the others import as one clear error saying they are not
provided yet, which the horde command reports as one line with exit code 3.
"""

from horde.exceptions import NotProvidedError


def not_provided(name: str) -> NotProvidedError:
    """The error raised by importing ``locust.contrib.NAME`` when horde has no such module."""
    return NotProvidedError(f"locust.contrib.{name} is not provided by horde yet")
