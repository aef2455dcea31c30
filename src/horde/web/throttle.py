"""LoginThrottle: slows down guessing the web UI's password, in bounded memory.

Each client address gets a few wrong attempts for free; after that it must wait before the next
one, twice as long after each further failure (1 s, 2 s, 4 s ... up to :attr:`max_wait`). While it
waits, every attempt is refused *without checking the password*, so a guess sent early teaches
nothing. A right password resets the address. IPv6 clients are counted per /64 network (one
machine usually has a whole one), and the table keeps the most recently failing ``capacity``
addresses: memory stays bounded whatever an attacker sends. The clock is injected (tests
advance a fake one).
"""

from __future__ import annotations

import ipaddress
from collections import OrderedDict
from collections.abc import Callable

FREE_ATTEMPTS = 5
FORGET_AFTER = 3600.0
"""An address that has not failed for this long starts afresh."""


def client_key(address: str | None) -> str:
    """The throttled unit: the address, or its /64 network for IPv6."""
    if not address:
        return "?"
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6 and parsed.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed.ipv4_mapped or parsed) if parsed.version == 6 else str(parsed)


class LoginThrottle:
    def __init__(
        self,
        clock: Callable[[], float],
        *,
        free_attempts: int = FREE_ATTEMPTS,
        base_wait: float = 1.0,
        max_wait: float = 300.0,
        capacity: int = 4096,
    ) -> None:
        self.clock = clock
        self.free_attempts = free_attempts
        self.base_wait = base_wait
        self.max_wait = max_wait
        self.capacity = capacity
        self._failures: OrderedDict[str, tuple[int, float, float]] = OrderedDict()
        """key -> (failures, time of the last one, may try again at)"""

    def __len__(self) -> int:
        return len(self._failures)

    def retry_after(self, address: str | None) -> float:
        """Seconds ``address`` must wait before its next attempt (0: it may try now)."""
        found = self._failures.get(client_key(address))
        if found is None:
            return 0.0
        _, _, allowed_at = found
        return max(0.0, allowed_at - self.clock())

    def failed(self, address: str | None) -> None:
        key = client_key(address)
        now = self.clock()
        count, last, _ = self._failures.pop(key, (0, now, now))
        if now - last > FORGET_AFTER:
            count = 0
        count += 1
        over = count - self.free_attempts
        wait = 0.0 if over < 0 else min(self.max_wait, self.base_wait * 2.0 ** min(over, 30))
        self._failures[key] = (count, now, now + wait)
        while len(self._failures) > self.capacity:
            self._failures.popitem(last=False)

    def succeeded(self, address: str | None) -> None:
        self._failures.pop(client_key(address), None)
