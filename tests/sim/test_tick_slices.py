"""The simulator's timer works in bounded slices (sim.server.tick_slices): a REST request that arrives while a tick is
busy reaches its handler before the tick is done, and a catch-up spread over slices skips and steps as one piece did."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from terminal_app.sim.engine.catch_up import CatchUp
from terminal_app.sim.engine.exchange import Exchange
from terminal_app.sim.runner import SimulatorRunner
from terminal_app.sim.server.http import SimConfig
from terminal_app.sim.server.tick_slices import Slices, advance_in_slices


class Clock:
    def __init__(self, t: int) -> None:
        self.t = t

    def __call__(self) -> int:
        return self.t


def test_a_paused_catch_up_stops_without_skipping_and_goes_on_from_there() -> None:
    steps: list[int] = []
    catch_up = CatchUp(5, fast=True)
    t = catch_up.run(1000, 1050, steps.append, pause_at=0.0)  # the slice is over after the first step
    assert (t, steps, catch_up.skipped_ms) == (1005, [1005], 0)
    t = catch_up.run(t, 1050, steps.append)
    assert (t, steps, catch_up.skipped_ms) == (1050, list(range(1005, 1051, 5)), 0)


def test_one_budget_for_a_catch_up_in_slices() -> None:
    steps: list[int] = []
    catch_up = CatchUp(5, fast=True)
    # the budget is spent (a deadline in the past): one step, then the market skips to the clock as before
    t = catch_up.run(1000, 1050, steps.append, pause_at=time.perf_counter() + 60, give_up=0.0)
    assert (t, steps, catch_up.skipped_ms) == (1050, [1005], 45)


def test_the_exchange_says_whether_it_caught_up() -> None:
    clock = Clock(1_700_000_000_000)
    ex = Exchange(seed=3, clock=clock, fast=True)
    try:
        before = ex.stats()["steps"]
        clock.t += 50
        assert ex.advance(pause_at=0.0) is False      # one step, paused
        assert ex.stats()["steps"] - before == 1
        assert ex.advance() is True                   # the other nine
        assert ex.stats()["steps"] - before == 10
        assert ex.now_ms() == clock.t
        assert ex.advance() is True                   # nothing left
    finally:
        ex.close()


@pytest.mark.asyncio
async def test_advance_in_slices_pauses_between_slices_until_caught_up() -> None:
    clock = Clock(1_700_000_000_000)
    ex = Exchange(seed=3, clock=clock, fast=True)
    try:
        before = ex.stats()["steps"]
        clock.t += 50
        slices = Slices(slice_s=0.0)  # every step uses the slice up
        await advance_in_slices(ex, slices, budget_s=None)
        assert ex.stats()["steps"] - before == 10
        assert ex.now_ms() == clock.t
        assert (slices.pauses, ex.catch_up.skipped_ms) == (9, 0)
    finally:
        ex.close()


HOOKS = 400  # 5 ms each: a 2-second tick unless a request cuts in


@pytest.fixture
def runner() -> Iterator[SimulatorRunner]:
    sim = SimulatorRunner(config=SimConfig(seed=4, quiet=True))
    sim.start()
    try:
        yield sim
    finally:
        sim.stop()


def test_a_request_reaches_its_handler_while_a_long_tick_is_still_running(runner: SimulatorRunner) -> None:
    state: dict[str, Any] = {"armed": True, "hooks_run": 0, "seen_at": None}
    busy = threading.Event()

    def hook() -> None:  # one piece of a long tick: blocks the simulator's loop for 5 ms, as a busy hook does
        if not state["armed"] or state["seen_at"] is not None:
            return
        state["hooks_run"] += 1
        busy.set()
        time.sleep(0.005)

    def seen(request: Any) -> None:
        if request.path == "/api/v2/public/time" and state["armed"]:
            state["seen_at"] = state["hooks_run"]

    server = runner.server
    runner.call(lambda: (server.request_hooks.append(seen), server.tick_hooks.extend([hook] * HOOKS)))
    assert busy.wait(10)
    answer = httpx.get(f"{runner.info.rest}/api/v2/public/time", timeout=10)  # type: ignore[union-attr]
    runner.call(lambda: state.update(armed=False))
    assert answer.status_code == 200
    # before the slices the whole tick ran first: the request was seen after all HOOKS
    assert state["seen_at"] is not None
    assert state["seen_at"] < HOOKS
