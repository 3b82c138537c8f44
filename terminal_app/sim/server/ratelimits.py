"""Bitget's REST rate limits as the simulator enforces them: one token bucket per endpoint and per caller.

Bitget counts each endpoint separately, per UID for private calls and per IP for public ones, and answers HTTP 429
(code ``429``, msg ``Too Many Requests``) over the limit (bitget-v2.md §4). A bucket holds ``rate`` tokens and refills
at ``rate`` per second, so a client that keeps any one-second window at ``rate`` requests (as the terminal's own
limiter does) is never refused, while a burst beyond it is.

``scale`` multiplies every rate and ``enabled=False`` switches limiting off (benchmarks measure the simulator, not
Bitget's limits).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from terminal_app.bitget.ratelimit import DEFAULT_PRIVATE_RATE, DEFAULT_PUBLIC_RATE, ENDPOINT_RATES

# Endpoints the simulator serves that the client's table does not list (same sources: Bitget docs, ccxt's costs).
EXTRA_RATES: dict[str, float] = {
    "/api/v2/spot/public/coins": 3,
    "/api/v2/spot/trade/batch-cancel-order": 10,
    "/api/v2/mix/market/symbol-price": 20,
    "/api/v2/mix/order/batch-cancel-orders": 10,
    "/api/v2/mix/order/orders-plan-pending": 10,
    "/api/v2/mix/order/cancel-plan-order": 10,
    "/api/v2/margin/currencies": 20,
}
SIM_RATES: dict[str, float] = {**ENDPOINT_RATES, **EXTRA_RATES}


class _Bucket:
    __slots__ = ("rate", "stamp", "tokens")

    def __init__(self, rate: float, now: float) -> None:
        self.rate = rate
        self.tokens = rate
        self.stamp = now

    def take(self, now: float) -> bool:
        tokens = min(self.rate, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if tokens >= 1.0:
            self.tokens = tokens - 1.0
            return True
        self.tokens = tokens
        return False


class RateLimiter:
    def __init__(self, rates: Mapping[str, float] | None = None, *, scale: float = 1.0, enabled: bool = True,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if scale <= 0:
            raise ValueError("scale must be positive")
        self.rates = dict(SIM_RATES if rates is None else rates)
        self.scale = scale
        self.enabled = enabled
        self._clock = clock
        self._buckets: dict[tuple[str, str], _Bucket] = {}

    def rate_for(self, path: str, private: bool) -> float:
        base = self.rates.get(path, DEFAULT_PRIVATE_RATE if private else DEFAULT_PUBLIC_RATE)
        return base * self.scale

    def allow(self, path: str, caller: str, *, private: bool) -> bool:
        """Take one token of ``path``'s bucket for ``caller`` (a uid for private calls, an IP for public ones)."""
        if not self.enabled:
            return True
        key = (path, caller)
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(self.rate_for(path, private), now)
        return bucket.take(now)

    def reset(self) -> None:
        self._buckets.clear()
