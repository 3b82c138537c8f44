"""The per-endpoint rate limiter, driven by fake clocks that only move when the limiter (or the test) sleeps."""

from __future__ import annotations

import asyncio
import heapq
import random
from collections import Counter
from collections.abc import Awaitable, Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from terminal_app.bitget.ratelimit import (
    BACKOFF_CAP_S,
    DEFAULT_PRIVATE_RATE,
    DEFAULT_PUBLIC_RATE,
    ENDPOINT_RATES,
    STRIKE_MEMORY_S,
    WINDOW_S,
    EndpointWindow,
    RateLimiter,
)

PLACE = "/api/v2/spot/trade/place-order"  # 10/s


class FakeTime:
    """A monotonic clock advanced by the limiter's own sleeps (and by the test); one caller at a time."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class VirtualTime:
    """Simulated time for many concurrent callers: when every task is asleep, time jumps to the earliest wake-up.

    Each task awaits only :meth:`sleep`, so "all asleep or done" is exactly "parked sleepers + finished tasks = all".
    """

    def __init__(self) -> None:
        self.now = 1000.0
        self._parked: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = 0
        self._changed = asyncio.Event()

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._seq += 1
        heapq.heappush(self._parked, (self.now + seconds, self._seq, future))
        self._changed.set()
        await future

    async def run(self, jobs: list[Callable[[], Awaitable[None]]]) -> None:
        tasks = [asyncio.ensure_future(job()) for job in jobs]
        for task in tasks:
            task.add_done_callback(lambda _: self._changed.set())
        while True:
            while sum(t.done() for t in tasks) + len(self._parked) < len(tasks):
                self._changed.clear()
                await self._changed.wait()
            if not self._parked:
                break
            wake, _, future = heapq.heappop(self._parked)
            self.now = max(self.now, wake)
            future.set_result(None)
        await asyncio.gather(*tasks)


def limiter(t: FakeTime | VirtualTime, **kw: object) -> RateLimiter:
    return RateLimiter(clock=t.clock, sleep=t.sleep, rng=random.Random(7), **kw)  # type: ignore[arg-type]


def max_in_window(times: list[float], window: float = 1.0) -> int:
    """The most send times in any half-open window ``[s, s + window)`` (Bitget's one-second count)."""
    ordered = sorted(times)
    best = 0
    j = 0
    for i, start in enumerate(ordered):
        while j < len(ordered) and ordered[j] < start + window - 1e-9:
            j += 1
        best = max(best, j - i)
    return best


def test_documented_figures_are_in_the_table() -> None:
    assert ENDPOINT_RATES[PLACE] == 10
    assert ENDPOINT_RATES["/api/v2/mix/order/place-order"] == 10
    assert ENDPOINT_RATES["/api/v2/spot/trade/batch-orders"] == 1
    assert ENDPOINT_RATES["/api/v2/mix/order/close-positions"] == 1
    assert ENDPOINT_RATES["/api/v2/mix/account/set-leverage"] == 5
    assert ENDPOINT_RATES["/api/v2/mix/order/orders-plan-pending"] == 10
    assert ENDPOINT_RATES["/api/v2/spot/market/tickers"] == 20
    lim = RateLimiter()
    assert lim.rate_for("/api/v2/unknown/private", private=True) == DEFAULT_PRIVATE_RATE == 10
    assert lim.rate_for("/api/v2/unknown/public", private=False) == DEFAULT_PUBLIC_RATE == 20
    assert RateLimiter(scale=3).rate_for(PLACE, True) == 30


@pytest.mark.asyncio
async def test_the_whole_documented_rate_goes_at_once_then_the_window_slides() -> None:
    t = FakeTime()
    lim = limiter(t)
    waits = [await lim.acquire(PLACE) for _ in range(21)]
    # ten at once (the old bucket let five go, then one every 0.2 s), then ten more when the first ten leave the window
    assert waits == [0.0] * 10 + [pytest.approx(WINDOW_S)] + [0.0] * 9 + [pytest.approx(WINDOW_S)]


@pytest.mark.asyncio
async def test_a_steady_stream_just_under_the_rate_never_waits() -> None:
    t = FakeTime()
    lim = limiter(t)
    gap = 1 / (0.95 * ENDPOINT_RATES[PLACE])  # 9.5/s: any 1.05 s holds at most 10
    waits = []
    for _ in range(200):
        waits.append(await lim.acquire(PLACE))
        t.now += gap
    assert max(waits) == 0.0


@pytest.mark.asyncio
async def test_a_quiet_window_allows_the_full_rate_again() -> None:
    t = FakeTime()
    lim = limiter(t)
    for _ in range(13):
        await lim.acquire("/api/v2/mix/order/place-order")
    t.now += WINDOW_S
    assert [await lim.acquire("/api/v2/mix/order/place-order") for _ in range(10)] == [0.0] * 10


@pytest.mark.asyncio
async def test_endpoints_are_counted_independently() -> None:
    t = FakeTime()
    lim = limiter(t)
    for _ in range(10):
        await lim.acquire(PLACE)
    assert await lim.acquire("/api/v2/spot/trade/cancel-order") == 0.0
    assert await lim.acquire(PLACE) > 0


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
    assert max_in_window(sent, WINDOW_S - 1e-6) <= ENDPOINT_RATES[path]


async def _concurrent_sends(path: str, callers: int, seconds: float, *, seed: int | None = None,
                            scale: float = 1.0) -> tuple[list[float], list[float], float]:
    """``callers`` tasks send to ``path`` back to back (with seeded think times if ``seed``) for ``seconds`` of
    simulated time; returns (send times, reservation times in call order, start)."""
    vt = VirtualTime()
    lim = limiter(vt, scale=scale)
    rng = random.Random(seed)
    start = vt.now
    sent: list[float] = []
    asked: list[float] = []

    async def caller() -> None:
        while vt.now < start + seconds and len(sent) < 10_000:  # a limiter that never waits must not hang
            asked.append(vt.now)
            await lim.acquire(path)
            sent.append(vt.now)
            if seed is not None:
                await vt.sleep(rng.uniform(0.0, 0.4))

    await vt.run([caller for _ in range(callers)])
    return sent, asked, start


@pytest.mark.asyncio
@pytest.mark.parametrize("path", [PLACE, "/api/v2/mix/order/cancel-all-orders", "/api/v2/mix/account/set-leverage",
                                  "/api/v2/spot/market/tickers"])
async def test_concurrent_callers_get_the_full_rate_and_never_overrun_a_window(path: str) -> None:
    rate = ENDPOINT_RATES[path]
    sent, _, start = await _concurrent_sends(path, callers=25, seconds=5.0)
    assert max_in_window(sent) <= rate
    in_five_seconds = sum(1 for s in sent if s < start + 5.0)
    assert in_five_seconds >= 0.95 * rate * 5  # the old bucket sustained 0.5 x rate
    # saturated callers use every slot: a full window of sends every WINDOW_S, so the long run is rate / WINDOW_S
    batches = Counter(round(s - start, 9) for s in sent if s < start + 5.0)
    assert sorted(batches) == pytest.approx([k * WINDOW_S for k in range(5)])
    assert set(batches.values()) == {rate}


@pytest.mark.asyncio
@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_concurrent_callers_with_think_times_stay_inside_every_window(seed: int) -> None:
    sent, _, _ = await _concurrent_sends(PLACE, callers=8, seconds=6.0, seed=seed)
    assert len(sent) > 60
    assert max_in_window(sent) <= 10
    assert max_in_window(sent, WINDOW_S - 1e-6) <= 10


@pytest.mark.asyncio
async def test_concurrent_callers_are_served_in_arrival_order() -> None:
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
    assert slept == pytest.approx([WINDOW_S, 2 * WINDOW_S, 3 * WINDOW_S])  # in call order
    started.set()
    assert await asyncio.gather(*tasks) == pytest.approx([0.0, WINDOW_S, 2 * WINDOW_S, 3 * WINDOW_S])


@pytest.mark.asyncio
async def test_bookkeeping_stays_small_at_huge_rates() -> None:
    t = FakeTime()
    lim = limiter(t, scale=1e6)  # the order benchmark's setting: never waits, still counts
    for _ in range(20_000):
        assert await lim.acquire(PLACE) == 0.0
        t.now += 0.001
    assert len(lim.bucket(PLACE)) <= WINDOW_S / 0.001 + 1
    slow = limiter(t)
    for _ in range(100):
        await slow.acquire(PLACE)
    assert len(slow.bucket(PLACE)) <= 10


@pytest.mark.asyncio
async def test_429_blocks_the_endpoint_with_growing_jittered_capped_backoff() -> None:
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
async def test_callers_sleeping_into_a_new_block_queue_again_behind_it() -> None:
    vt = VirtualTime()
    lim = limiter(vt)
    path = "/api/v2/mix/order/cancel-all-orders"  # 1/s: the second and third callers sleep 1.05 and 2.1 s
    start = vt.now
    sent: list[float] = []

    async def caller() -> None:
        await lim.acquire(path)
        sent.append(vt.now)

    async def answer_429() -> None:
        await vt.sleep(0.5)
        assert lim.penalize(path, retry_after=3.0) == 3.0

    await vt.run([caller, caller, caller, answer_429])
    assert sent[0] == start
    assert all(s >= start + 3.5 for s in sent[1:])  # nobody went out inside the block
    assert max_in_window(sent, WINDOW_S - 1e-6) <= 1


@pytest.mark.asyncio
async def test_disabled_limiter_never_waits_but_still_reports_backoff() -> None:
    t = FakeTime()
    lim = limiter(t, enabled=False)
    for _ in range(100):
        assert await lim.acquire(PLACE) == 0.0
    assert t.sleeps == []
    assert lim.penalize(PLACE, retry_after=3.0) == 3.0


@pytest.mark.asyncio
async def test_scaled_and_fractional_rates_round_down_to_what_a_second_can_hold() -> None:
    t = FakeTime()
    half = limiter(t, scale=0.25)  # place-order at 2.5/s: two per window
    assert [await half.acquire(PLACE) for _ in range(3)] == [0.0, 0.0, pytest.approx(WINDOW_S)]
    slow = limiter(FakeTime(), rates={"/p": 0.5})  # one every 2.1 s
    assert [await slow.acquire("/p") for _ in range(3)] == [0.0, pytest.approx(2 * WINDOW_S),
                                                            pytest.approx(2 * WINDOW_S)]


def test_window_shapes() -> None:
    assert (EndpointWindow(10).limit, EndpointWindow(10).window) == (10, WINDOW_S)
    assert (EndpointWindow(1).limit, EndpointWindow(1).window) == (1, WINDOW_S)
    assert (EndpointWindow(2.5).limit, EndpointWindow(2.5).window) == (2, WINDOW_S)
    assert (EndpointWindow(0.5).limit, EndpointWindow(0.5).window) == (1, pytest.approx(2 * WINDOW_S))
    assert EndpointWindow(10, window_s=1.2).window == 1.2
    with pytest.raises(ValueError, match="positive"):
        EndpointWindow(0)
    with pytest.raises(ValueError, match="positive"):
        RateLimiter(scale=0)
    with pytest.raises(ValueError, match="positive"):
        RateLimiter(window_s=0)
