"""Exchange-corrected time. Requests carry the exchange's time, not the machine's, so a skewed clock still works."""

from __future__ import annotations

import time
from collections.abc import Callable


def system_ms() -> int:
    return time.time_ns() // 1_000_000


class ServerClock:
    """Machine clock plus a measured offset to the exchange clock.

    ``offset_ms`` is exchange minus local; it is updated from ``/api/v2/public/time`` using the midpoint of the
    round trip, so half the RTT is not counted as skew.
    """

    def __init__(self, local_ms: Callable[[], int] = system_ms) -> None:
        self._local_ms = local_ms
        self.offset_ms = 0
        self.synced = False
        self.last_rtt_ms: float | None = None

    def local_ms(self) -> int:
        return self._local_ms()

    def now_ms(self) -> int:
        return self._local_ms() + self.offset_ms

    def now_s(self) -> int:
        return self.now_ms() // 1000

    def update(self, sent_local_ms: int, server_ms: int, received_local_ms: int) -> None:
        midpoint = (sent_local_ms + received_local_ms) // 2
        self.offset_ms = server_ms - midpoint
        self.last_rtt_ms = float(received_local_ms - sent_local_ms)
        self.synced = True
