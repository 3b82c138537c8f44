"""The per-endpoint rate limiter, driven by a fake clock that only moves when the limiter sleeps."""

from __future__ import annotations

import asyncio
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from terminal_app.bitget.ratelimit import (
    BACKOFF_CAP_S,
    DEFAULT_PRIVATE_RATE,
    DEFAULT_PUBLIC_RATE,
    ENDPOINT_RATES,
    STRIKE_MEMORY_S,
    RateLimiter,
    TokenBucket,
)


class FakeTime:
    """A monotonic clock advanced by the limiter's own sleeps (and by the test)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def limiter(t: FakeTime, **kw: object) -> RateLimiter:
    return RateLimiter(clock=t.clock, sleep=t.sleep, rng=random.Random(7), **kw)  # type: ignore[arg-type]


def max_in_window(times: list[float], window: float = 1.0) -> int:
    ordered = sorted(times)
    best = 0
    j = 0
    for i, start in enumerate(ordered):
        while j < len(ordered) and ordered[j] < start + window - 1e-9:
            j += 1
        best = max(best, j - i)
    return best


def test_documented_figures_are_in_the_table() -> None:
    assert ENDPOINT_RATES["/api/v2/spot/trade/place-order"] == 10
    assert ENDPOINT_RATES["/api/v2/mix/order/place-order"] == 10
    assert ENDPOINT_RATES["/api/v2/spot/trade/batch-orders"] == 1
    assert ENDPOINT_RATES["/api/v2/mix/order/close-positions"] == 1
    assert ENDPOINT_RATES["/api/v2/mix/account/set-leverage"] == 5
    assert ENDPOINT_RATES["/api/v2/spot/market/tickers"] == 20
    lim = RateLimiter()
    assert lim.rate_for("/api/v2/unknown/private", private=True) == DEFAULT_PRIVATE_RATE == 10
    assert lim.rate_for("/api/v2/unknown/public", private=False) == DEFAULT_PUBLIC_RATE == 20
    assert RateLimiter(scale=3).rate_for("/api/v2/spot/trade/place-order", True) == 30


@pytest.mark.asyncio
async def test_burst_then_steady_spacing() -> None:
    t = FakeTime()
    lim = limiter(t)
    path = "/api/v2/spot/trade/place-order"  # 10/s: burst 5, then one every 0.2 s
    waits = [await lim.acquire(path) for _ in range(8)]
    assert waits[:5] == [0.0] * 5
    assert waits[5:] == pytest.approx([0.2, 0.2, 0.2])


@pytest.mark.asyncio
async def test_a_quiet_bucket_allows_a_fresh_burst() -> None:
    t = FakeTime()
    lim = limiter(t)
    for _ in range(7):
        await lim.acquire("/api/v2/mix/order/place-order")
    t.now += 5
    assert [await lim.acquire("/api/v2/mix/order/place-order") for _ in range(5)] == [0.0] * 5


@pytest.mark.asyncio
async def test_endpoints_are_counted_independently() -> None:
    t = FakeTime()
    lim = limiter(t)
    for _ in range(5):
        await lim.acquire("/api/v2/spot/trade/place-order")
    assert await lim.acquire("/api/v2/spot/trade/cancel-order") == 0.0
    assert await lim.acquire("/api/v2/spot/trade/place-order") > 0


@settings(max_examples=60, deadline=None)
@given(
    path=st.sampled_from(sorted(ENDPOINT_RATES)),
    gaps=st.lists(st.floats(min_value=0.0, max_value=0.6), min_size=1, max_size=80),
)
def test_no_one_second_window_exceeds_the_documented_rate(path: str, gaps: list[float]) -> None:
    t = FakeTime()
    lim = limiter(t)
    sent: list[float] = []

    async def run() -> None:
        for gap in gaps:
            t.now += gap
            await lim.acquire(path)
            sent.append(t.now)

    asyncio.run(run())
    assert max_in_window(sent) <= ENDPOINT_RATES[path]


@pytest.mark.asyncio
async def test_concurrent_callers_get_distinct_slots() -> None:
    t = FakeTime()
    slept: list[float] = []
    parked, started = asyncio.Event(), asyncio.Event()

    async def parked_sleep(seconds: float) -> None:  # the clock stands still: every caller reserves at once
        slept.append(seconds)
        if len(slept) == 3:
            parked.set()
        await started.wait()

    lim = RateLimiter(clock=t.clock, sleep=parked_sleep)
    path = "/api/v2/mix/order/cancel-all-orders"  # 1/s
    tasks = [asyncio.ensure_future(lim.acquire(path)) for _ in range(4)]
    await parked.wait()
    assert sorted(slept) == pytest.approx([1.0, 2.0, 3.0])
    started.set()
    assert sorted(await asyncio.gather(*tasks)) == pytest.approx([0.0, 1.0, 2.0, 3.0])


@pytest.mark.asyncio
async def test_429_blocks_the_bucket_with_growing_jittered_capped_backoff() -> None:
    t = FakeTime()
    lim = limiter(t)
    path = "/api/v2/spot/market/candles"
    delays = [lim.penalize(path) for _ in range(10)]
    for strike, delay in enumerate(delays[:6], start=1):
        nominal = min(BACKOFF_CAP_S, 0.5 * 2 ** (strike - 1))
        assert nominal / 2 <= delay <= nominal
    assert max(delays) <= BACKOFF_CAP_S
    assert delays[5] > delays[0] * 4
    waited = await lim.acquire(path)
    assert waited == pytest.approx(max(delays))


@pytest.mark.asyncio
async def test_retry_after_is_honoured_and_strikes_decay() -> None:
    t = FakeTime()
    lim = limiter(t)
    path = "/api/v2/spot/trade/orderInfo"
    assert lim.penalize(path, retry_after=7.0) == 7.0
    assert await lim.acquire(path) == pytest.approx(7.0)
    lim.penalize(path)
    lim.penalize(path)
    assert lim.bucket(path).strikes == 3
    t.now += STRIKE_MEMORY_S + 1
    lim.penalize(path)
    assert lim.bucket(path).strikes == 1


@pytest.mark.asyncio
async def test_disabled_limiter_never_waits_but_still_reports_backoff() -> None:
    t = FakeTime()
    lim = limiter(t, enabled=False)
    for _ in range(100):
        assert await lim.acquire("/api/v2/spot/trade/place-order") == 0.0
    assert t.sleeps == []
    assert lim.penalize("/api/v2/spot/trade/place-order", retry_after=3.0) == 3.0


def test_bucket_shapes() -> None:
    assert (TokenBucket(10).burst, TokenBucket(10).interval) == (5, pytest.approx(0.2))
    assert (TokenBucket(1).burst, TokenBucket(1).interval) == (1, pytest.approx(1.0))
    assert (TokenBucket(5).burst, TokenBucket(5).interval) == (3, pytest.approx(0.5))
    with pytest.raises(ValueError, match="positive"):
        TokenBucket(0)
    with pytest.raises(ValueError, match="positive"):
        RateLimiter(scale=0)
