"""Client-side rate limiting per REST endpoint, from Bitget's documented per-second figures (bitget-v2.md §4).

Bitget counts each endpoint separately (per UID for private calls, per IP for public ones) and answers HTTP 429 when a
limit is exceeded. Each endpoint path gets a bucket; a request *reserves* a slot and waits until it is due, so
concurrent callers queue fairly instead of hammering. Bookkeeping is a few float operations per request.

Bucket shape: a burst of ``ceil(rate / 2)`` requests, refilled at ``rate - burst`` per second (at least 1/s). After a
quiet period, any one-second window then holds at most about ``rate`` requests, which keeps a bursty terminal under
the exchange's window counter while still letting a handful of orders go out at once.

On a 429 the bucket is blocked for an exponential, jittered, capped delay (or ``Retry-After`` if longer); the
strike count decays after a minute without 429s.

``scale`` multiplies every rate (tests, or a simulator with other limits); ``enabled=False`` turns limiting off.
The order benchmark runs against a local server that is not Bitget, so it uses a huge ``scale``: the bookkeeping still
runs on every request but never waits.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
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
    "/api/v2/mix/order/orders-history": 10,
    "/api/v2/mix/order/fills": 10,
    "/api/v3/account/settings": 10,
}

BACKOFF_BASE_S = 0.5
BACKOFF_CAP_S = 30.0
STRIKE_MEMORY_S = 60.0
_DUE_S = 1e-6


class TokenBucket:
    """A reservation bucket (GCRA): ``reserve(now)`` books the next slot and says how long to wait for it."""

    __slots__ = ("_blocked_until", "_last_strike", "_tat", "burst", "interval", "rate", "strikes", "tolerance")

    def __init__(self, rate: float) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.burst = max(1, math.ceil(rate / 2))
        refill = max(rate - self.burst, 1.0) if rate >= 2 else rate
        self.interval = 1.0 / refill
        self.tolerance = (self.burst - 1) * self.interval
        self._tat = 0.0  # theoretical arrival time of the next request at the refill rate
        self._blocked_until = 0.0
        self.strikes = 0
        self._last_strike = -math.inf

    def reserve(self, now: float) -> float:
        tat = self._tat
        start = tat - self.tolerance
        if start < self._blocked_until:
            start = self._blocked_until
        if start - now < _DUE_S:  # float noise of the tat arithmetic must not cost a loop iteration
            start = now
        self._tat = (tat if tat > start else start) + self.interval
        return start - now

    def block(self, now: float, retry_after: float | None, rng: random.Random) -> float:
        """A 429 arrived: block for an exponential, jittered, capped delay; return it."""
        if now - self._last_strike > STRIKE_MEMORY_S:
            self.strikes = 0
        self.strikes += 1
        self._last_strike = now
        delay = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** (self.strikes - 1)) * (0.5 + rng.random() / 2)
        if retry_after is not None and retry_after > delay:
            delay = min(retry_after, BACKOFF_CAP_S * 4)
        until = now + delay
        if until > self._blocked_until:
            self._blocked_until = until
        # Nothing queued before the block may slip out during it, and the burst restarts empty afterwards.
        if self._tat < until + self.tolerance:
            self._tat = until + self.tolerance
        return delay

    @property
    def blocked_until(self) -> float:
        return self._blocked_until


class RateLimiter:
    """Per-endpoint buckets. ``await acquire(path, private=…)`` before each request; ``penalize`` on a 429."""

    def __init__(
        self,
        rates: Mapping[str, float] | None = None,
        *,
        scale: float = 1.0,
        enabled: bool = True,
        default_private: float = DEFAULT_PRIVATE_RATE,
        default_public: float = DEFAULT_PUBLIC_RATE,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        if scale <= 0:
            raise ValueError("scale must be positive")
        self.enabled = enabled
        self.scale = scale
        self._rates = dict(ENDPOINT_RATES if rates is None else rates)
        self._default_private = default_private
        self._default_public = default_public
        self._clock = clock
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._buckets: dict[str, TokenBucket] = {}

    def rate_for(self, path: str, private: bool) -> float:
        base = self._rates.get(path)
        if base is None:
            base = self._default_private if private else self._default_public
        return base * self.scale

    def bucket(self, path: str, private: bool = True) -> TokenBucket:
        bucket = self._buckets.get(path)
        if bucket is None:
            bucket = self._buckets[path] = TokenBucket(self.rate_for(path, private))
        return bucket

    async def acquire(self, path: str, private: bool = True) -> float:
        """Wait until a request to ``path`` may go out; return the seconds waited (0.0 on the fast path)."""
        if not self.enabled:
            return 0.0
        bucket = self._buckets.get(path) or self.bucket(path, private)
        wait = bucket.reserve(self._clock())
        if wait > 0:
            await self._sleep(wait)
            return wait
        return 0.0

    def penalize(self, path: str, retry_after: float | None = None, private: bool = True) -> float:
        """Record a 429 for ``path``; later requests to it wait out the returned back-off delay.

        The delay is computed even when limiting is off, so a caller can still sleep it before a retry.
        """
        return self.bucket(path, private).block(self._clock(), retry_after, self._rng)
