"""The simulator's background warm-up (``sim.cli.warm_up``): the copy traders' year of history built a slice at a
time after the server is up, the same history as one build, and requests answered while it runs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import httpx
import pytest

from terminal_app.sim.cli import warm_up
from terminal_app.sim.copy import traders
from terminal_app.sim.copy.traders import ExchangePrices, TraderBook
from terminal_app.sim.engine.exchange import Exchange
from terminal_app.sim.server.http import SimConfig, SimServer

from .conftest import T0


def test_the_sliced_build_is_the_one_piece_build(monkeypatch: pytest.MonkeyPatch) -> None:
    sliced = TraderBook(5, T0, ExchangePrices(Exchange(5, clock=lambda: T0).candles))
    steps = 0
    for _ in sliced.warm_up():
        steps += 1
        assert not sliced.built
    assert sliced.built
    assert steps > 100  # small slices: a request waits for one of them, not for the whole year
    # the reference reads the year of hourly opens in one piece, as the build did before it was sliced
    monkeypatch.setattr(traders, "_OPENS_SLICE_MS", 1000 * traders.DAY_MS)
    monkeypatch.setattr(traders, "_DAYS_PER_SLICE", 10_000)
    whole = TraderBook(5, T0, ExchangePrices(Exchange(5, clock=lambda: T0).candles))
    for profile in whole.profiles:
        assert sliced.history(profile.trader_id) == whole.history(profile.trader_id)
        assert sliced.stats(profile.trader_id, T0, 30) == whole.stats(profile.trader_id, T0, 30)
    assert sum(len(whole.history(p.trader_id)) for p in whole.profiles) > 1000


def test_a_half_built_history_is_finished_by_the_first_that_needs_it() -> None:
    book = TraderBook(5, T0, ExchangePrices(Exchange(5, clock=lambda: T0).candles))
    steps = book.warm_up()
    for _ in range(40):
        next(steps)
    assert not book.built
    first = book.profiles[0].trader_id
    assert book.history(first)  # finishes the same build
    assert book.built
    assert next(steps, "done") == "done"  # the warm-up has nothing left


@pytest.mark.asyncio
async def test_the_server_builds_it_in_the_background_and_answers_meanwhile() -> None:
    server = SimServer(SimConfig(seed=3))
    info = await server.start()
    warming = asyncio.create_task(warm_up(server))
    try:
        async with httpx.AsyncClient(base_url=info.rest, timeout=10) as client:
            started = time.monotonic()
            answer = await client.get("/api/v2/public/time")
            assert answer.json()["code"] == "00000"
            assert not server.copy.book.built, f"answered only after the build ({time.monotonic() - started:.2f} s)"
        await asyncio.wait_for(warming, 60)
        assert server.copy.book.built  # without any copy-trading request
    finally:
        warming.cancel()
        await server.stop()


@pytest.mark.asyncio
async def test_the_warm_up_steps_aside_while_requests_keep_coming() -> None:
    server = SimServer(SimConfig(seed=3))
    info = await server.start()
    steps = server.copy.book.warm_up()
    done = [0]

    def counted() -> Iterator[None]:
        for step in steps:
            done[0] += 1
            yield step

    server.copy.book.warm_up = counted  # type: ignore[method-assign]  # count the slices the server runs
    warming = asyncio.create_task(warm_up(server, quiet_s=0.2))
    try:
        async with httpx.AsyncClient(base_url=info.rest, timeout=10) as client:
            await client.get("/api/v2/public/time")
            before = done[0]
            started = time.monotonic()
            while time.monotonic() - started < 1.0:  # a request every 50 ms for a second
                await client.get("/api/v2/public/time")
                await asyncio.sleep(0.05)
            during = done[0] - before
            assert during <= 1.0 / 0.2 + 2  # about one slice per quiet period, not hundreds
        await asyncio.wait_for(warming, 120)  # then it runs on
        assert server.copy.book.built
        assert done[0] > before + during + 100
    finally:
        warming.cancel()
        await server.stop()
