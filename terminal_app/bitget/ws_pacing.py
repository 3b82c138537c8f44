"""Client-side pacing of one WebSocket connection, from Bitget's documented limits (bitget-v2.md §4).

Bitget disconnects a client that sends more than 10 messages per second on a connection (text "ping" counts) and
allows 240 subscribe requests per hour per connection. The pacer keeps every message inside a sliding window with a
small margin (so network jitter cannot push two bursts into one server-side second) and counts subscribe and
unsubscribe requests against the hourly budget. A new physical connection starts with a fresh pacer, as the server's
counters are per connection.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable

MAX_MSGS_PER_WINDOW = 10
MSG_WINDOW_S = 1.1
MAX_SUBSCRIBES_PER_WINDOW = 230
SUBSCRIBE_WINDOW_S = 3600.0


class MessagePacer:
    """Sliding-window limits; ``delay()`` says how long to wait, ``record()`` books a message that was sent."""

    def __init__(self, *, max_msgs: int = MAX_MSGS_PER_WINDOW, window_s: float = MSG_WINDOW_S,
                 max_subscribes: int = MAX_SUBSCRIBES_PER_WINDOW, subscribe_window_s: float = SUBSCRIBE_WINDOW_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if max_msgs < 1 or max_subscribes < 1:
            raise ValueError("pacing limits must allow at least one message")
        self.max_msgs = max_msgs
        self.window_s = window_s
        self.max_subscribes = max_subscribes
        self.subscribe_window_s = subscribe_window_s
        self._clock = clock
        self._sent: deque[float] = deque()
        self._subscribes: deque[float] = deque()

    def delay(self, *, subscribe: bool = False) -> float:
        """Seconds until one more message (a subscribe request if ``subscribe``) may be sent; 0.0 if now."""
        now = self._clock()
        sent = self._sent
        while sent and sent[0] <= now - self.window_s:
            sent.popleft()
        wait = sent[0] + self.window_s - now if len(sent) >= self.max_msgs else 0.0
        if subscribe:
            subs = self._subscribes
            while subs and subs[0] <= now - self.subscribe_window_s:
                subs.popleft()
            if len(subs) >= self.max_subscribes:
                wait = max(wait, subs[0] + self.subscribe_window_s - now)
        return wait

    def record(self, *, subscribe: bool = False) -> None:
        now = self._clock()
        self._sent.append(now)
        if subscribe:
            self._subscribes.append(now)

    async def wait(self, *, subscribe: bool = False) -> None:
        """Sleep until a message may be sent. Pair with :meth:`record` once it really was sent."""
        # waiting for time to pass, not for an event: a timed sleep is the right tool
        while (pause := self.delay(subscribe=subscribe)) > 0:  # noqa: ASYNC110
            await asyncio.sleep(pause)

    @property
    def subscribes_in_window(self) -> int:
        return len(self._subscribes)
