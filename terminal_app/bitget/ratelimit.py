"""Client-side rate limiting per REST endpoint, from Bitget's documented per-second figures (bitget-v2.md §4).

Bitget counts each endpoint separately (per UID for private calls, per IP for public ones) in one-second windows and
answers HTTP 429 when a window holds more than the documented figure. The limiter mirrors that count exactly: a
request may go out at ``t`` when fewer than ``rate`` requests to its endpoint were sent in ``(t - W, t]``, so a terminal
gets the whole documented throughput (10 orders/s on place-order) with no artificial burst/refill shape. ``W`` is a
little over a second (:data:`WINDOW_S`): the exchange stamps a request when it *arrives*, and latency jitter can move
two of our sends that were just over a second apart into the same server-side window.

Each endpoint keeps the send times of its last ``rate`` requests. A caller *reserves* the next free time (the oldest
of those plus ``W``, never before the previous reservation) and sleeps until it, so concurrent callers queue fairly
in arrival order instead of all waking at once and racing. Reserved times are kept, not only past sends, which is
what makes the reservation exact under concurrency; times that can no longer matter are dropped, so bookkeeping is
O(1) amortised and memory stays bounded even under the benchmark's huge ``scale``.

On a 429 the endpoint is blocked for an exponential, jittered, capped delay (or ``Retry-After`` if longer); callers
already sleeping towards a slot inside the block wake, see it and queue again behind it. The strike count decays
after a minute without 429s.

``scale`` multiplies every rate (tests, or a simulator with other limits); ``enabled=False`` turns limiting off.
The order benchmark runs against a local server that is not Bitget, so it uses a huge ``scale``: the bookkeeping still
runs on every request but never waits.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping

DEFAULT_PRIVATE_RATE = 10.0
DEFAULT_PUBLIC_RATE = 20.0

# Requests per second per endpoint (Bitget docs and ccxt's cost table, bitget-v2.md §4).
ENDPOINT_RATES: dict[str, float] = {
    "/api/v2/public/time": 20,
    "/api/v2/spot/public/symbols": 20,
    "/api/v2/spot/market/tickers": 20,
    "/api/v2/spot/market/orderbook": 20,
    "/api/v2/spot/market/merge-depth": 20,
    "/api/v2/spot/market/candles": 20,
    "/api/v2/spot/market/history-candles": 20,
    "/api/v2/spot/market/fills": 10,
    "/api/v2/spot/market/fills-history": 10,
    "/api/v2/spot/trade/place-order": 10,
    "/api/v2/spot/trade/batch-orders": 1,
    "/api/v2/spot/trade/cancel-order": 10,
    "/api/v2/spot/trade/batch-cancel-order": 10,
    "/api/v2/spot/trade/cancel-symbol-order": 5,
    "/api/v2/spot/trade/cancel-replace-order": 10,
    "/api/v2/spot/trade/place-plan-order": 20,
    "/api/v2/spot/trade/orderInfo": 20,
    "/api/v2/spot/trade/unfilled-orders": 20,
    "/api/v2/spot/trade/history-orders": 20,
    "/api/v2/spot/trade/fills": 10,
    "/api/v2/spot/account/assets": 10,
    "/api/v2/mix/market/contracts": 20,
    "/api/v2/mix/market/ticker": 20,
    "/api/v2/mix/market/tickers": 20,
    "/api/v2/mix/market/merge-depth": 20,
    "/api/v2/mix/market/candles": 20,
    "/api/v2/mix/market/history-candles": 20,
    "/api/v2/mix/market/current-fund-rate": 20,
    "/api/v2/mix/market/open-interest": 20,
    "/api/v2/mix/market/fills": 10,
    "/api/v2/mix/account/accounts": 10,
    "/api/v2/mix/account/account": 10,
    "/api/v2/mix/account/set-leverage": 5,
    "/api/v2/mix/account/set-margin": 5,
    "/api/v2/mix/account/set-margin-mode": 5,
    "/api/v2/mix/account/set-position-mode": 5,
    "/api/v2/mix/account/open-count": 10,
    "/api/v2/mix/account/bill": 10,
    "/api/v2/mix/position/history-position": 20,
    "/api/v2/mix/position/all-position": 5,
    "/api/v2/mix/position/single-position": 10,
    "/api/v2/mix/order/place-order": 10,
    "/api/v2/mix/order/batch-place-order": 1,
    "/api/v2/mix/order/modify-order": 10,
    "/api/v2/mix/order/cancel-order": 10,
    "/api/v2/mix/order/cancel-all-orders": 1,
    "/api/v2/mix/order/close-positions": 1,
    "/api/v2/mix/order/place-tpsl-order": 10,
    "/api/v2/mix/order/place-pos-tpsl": 10,
    "/api/v2/mix/order/place-plan-order": 10,
    "/api/v2/mix/order/detail": 10,
    "/api/v2/mix/order/orders-pending": 10,
    "/api/v2/mix/order/orders-plan-pending": 10,
    "/api/v2/mix/order/orders-history": 10,
    "/api/v2/mix/order/fills": 10,
    "/api/v3/account/settings": 10,
    # V3 (unified account, bitget-v3-uta.md §5): per UID for private calls, per IP for the market.
    "/api/v3/public/time": 20,
    "/api/v3/market/instruments": 20,
    "/api/v3/market/tickers": 20,
    "/api/v3/market/orderbook": 20,
    "/api/v3/market/candles": 20,
    "/api/v3/market/history-candles": 20,
    "/api/v3/market/fills": 20,
    "/api/v3/market/current-fund-rate": 20,
    "/api/v3/market/history-fund-rate": 20,
    "/api/v3/market/open-interest": 20,
    "/api/v3/account/assets": 20,
    "/api/v3/account/funding-assets": 20,
    "/api/v3/account/fee-rate": 3,
    "/api/v3/account/set-leverage": 10,
    "/api/v3/account/set-hold-mode": 10,
    "/api/v3/account/financial-records": 20,
    "/api/v3/trade/place-order": 10,
    "/api/v3/trade/place-batch": 5,
    "/api/v3/trade/modify-order": 10,
    "/api/v3/trade/cancel-order": 10,
    "/api/v3/trade/cancel-batch": 5,
    "/api/v3/trade/cancel-symbol-order": 5,
    "/api/v3/trade/close-positions": 5,
    "/api/v3/trade/countdown-cancel-all": 1,
    "/api/v3/trade/order-info": 20,
    "/api/v3/trade/unfilled-orders": 20,
    "/api/v3/trade/history-orders": 20,
    "/api/v3/trade/fills": 20,
    "/api/v3/trade/place-strategy-order": 10,
    "/api/v3/trade/modify-strategy-order": 10,
    "/api/v3/trade/cancel-strategy-order": 10,
    "/api/v3/trade/unfilled-strategy-orders": 20,
    "/api/v3/trade/history-strategy-orders": 20,
    "/api/v3/position/current-position": 20,
    "/api/v3/position/history-position": 20,
}

BACKOFF_BASE_S = 0.5
BACKOFF_CAP_S = 30.0
STRIKE_MEMORY_S = 60.0
# Bitget's window is one second; the extra 50 ms absorbs the difference between our send time and its arrival time.
WINDOW_S = 1.05
_DUE_S = 1e-6


class EndpointWindow:
    """One endpoint's sliding window: ``reserve(now)`` books the next free send time and says how long to wait.

    ``limit`` requests per ``window`` seconds: ``floor(rate)`` per :data:`WINDOW_S` for rates of one or more (a
    fractional part cannot be honoured in a one-second count without risking a 429), one per ``WINDOW_S / rate``
    below that.
    """

    __slots__ = ("_blocked_until", "_last_strike", "_sent", "limit", "rate", "strikes", "window")

    def __init__(self, rate: float, window_s: float = WINDOW_S) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        if window_s <= 0:
            raise ValueError("window must be positive")
        self.rate = rate
        self.limit = int(rate) if rate >= 1 else 1
        self.window = window_s if rate >= 1 else window_s / rate
        # Reserved send times, oldest first, never decreasing; at most ``limit`` of them matter.
        self._sent: deque[float] = deque(maxlen=self.limit)
        self._blocked_until = 0.0
        self.strikes = 0
        self._last_strike = -math.inf

    def reserve(self, now: float) -> float:
        sent = self._sent
        start = now if now > self._blocked_until else self._blocked_until
        if sent:
            last = sent[-1]
            if last > start:  # FIFO: never ahead of an earlier caller
                start = last
            if len(sent) == self.limit:
                free = sent[0] + self.window
                if free > start:
                    start = free
        if start - now < _DUE_S:  # float noise of the window arithmetic must not cost a loop iteration
            start = now
        sent.append(start)  # a full deque drops the oldest, which ``start`` has just waited out
        horizon = start - self.window
        while sent[0] <= horizon:  # nothing later can be limited by these; keeps memory small at huge rates
            sent.popleft()
        return start - now

    def block(self, now: float, retry_after: float | None, rng: random.Random) -> float:
        """A 429 arrived: block for an exponential, jittered, capped delay; return it."""
        if now - self._last_strike > STRIKE_MEMORY_S:
            self.strikes = 0
        self.strikes += 1
        self._last_strike = now
        delay = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2.0 ** (self.strikes - 1)) * (0.5 + rng.random() / 2)
        if retry_after is not None and retry_after > delay:
            delay = min(retry_after, BACKOFF_CAP_S * 4)
        until = now + delay
        if until > self._blocked_until:
            self._blocked_until = until
        return delay

    @property
    def blocked_until(self) -> float:
        return self._blocked_until

    def __len__(self) -> int:
        """Send times still kept (at most ``limit``)."""
        return len(self._sent)


class RateLimiter:
    """Per-endpoint windows. ``await acquire(path, private=…)`` before each request; ``penalize`` on a 429."""

    def __init__(
        self,
        rates: Mapping[str, float] | None = None,
        *,
        scale: float = 1.0,
        enabled: bool = True,
        default_private: float = DEFAULT_PRIVATE_RATE,
        default_public: float = DEFAULT_PUBLIC_RATE,
        window_s: float = WINDOW_S,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        if scale <= 0:
            raise ValueError("scale must be positive")
        if window_s <= 0:
            raise ValueError("window must be positive")
        self.enabled = enabled
        self.scale = scale
        self.window_s = window_s
        self._rates = dict(ENDPOINT_RATES if rates is None else rates)
        self._default_private = default_private
        self._default_public = default_public
        self._clock = clock
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._windows: dict[str, EndpointWindow] = {}

    def rate_for(self, path: str, private: bool) -> float:
        base = self._rates.get(path)
        if base is None:
            base = self._default_private if private else self._default_public
        return base * self.scale

    def bucket(self, path: str, private: bool = True) -> EndpointWindow:
        """``path``'s window (created on first use)."""
        window = self._windows.get(path)
        if window is None:
            window = self._windows[path] = EndpointWindow(self.rate_for(path, private), self.window_s)
        return window

    async def acquire(self, path: str, private: bool = True) -> float:
        """Wait until a request to ``path`` may go out; return the seconds waited (0.0 on the fast path)."""
        if not self.enabled:
            return 0.0
        window = self._windows.get(path) or self.bucket(path, private)
        now = self._clock()
        wait = window.reserve(now)
        if wait <= 0:
            return 0.0
        waited = 0.0
        while True:
            due = now + wait
            await self._sleep(wait)
            waited += wait
            if window.blocked_until <= due + _DUE_S:
                return waited
            # A 429 blocked the endpoint while we slept towards a slot inside the block: queue again behind it.
            now = self._clock()
            wait = window.reserve(now)
            if wait <= 0:
                return waited

    def penalize(self, path: str, retry_after: float | None = None, private: bool = True) -> float:
        """Record a 429 for ``path``; later requests to it wait out the returned back-off delay.

        The delay is computed even when limiting is off, so a caller can still sleep it before a retry.
        """
        return self.bucket(path, private).block(self._clock(), retry_after, self._rng)
