"""The simulator's timer in bounded slices: it shares one event loop with the REST and WebSocket handlers.

Each timer tick catches the market up with the clock, runs the tick hooks (copy trading, unified accounts, a
benchmark's takers) and flushes the WebSocket hub. In fast mode (benchmarks: 5 ms steps of a few ms of CPU each, a
catch-up budget of 15 ms, 2,500 taker orders a second) that was one callback of tens of milliseconds, and a REST
request that arrived meanwhile waited for all of it: ``bench keys`` measured a place-order reaching the simulator's
handler 28 ms (p50) after its bytes arrived on a quiet machine, which in Demo is part of the trader's acknowledgement.
Now the tick gives the loop a turn whenever it has run :data:`TICK_SLICE_S` without one: during the catch-up (which
keeps one step budget for the whole tick) and between hooks. The work is the same; a hook that steps the market
itself (copy trading's ``sync``) still does so in one piece. Interleaved runs of ``bench keys`` on a loaded machine
(load 6-7): the handler p50 81-95 → 27-32 ms, p99 240-348 → 124-172 ms; market data 0.85-0.98x of the old
tick's, within the run-to-run noise at that load.

A turn is :data:`LOOP_TURNS` passes of the loop: aiohttp's server needs three to go from a request's bytes to its
handler (the socket read, the connection's task, the handler's task), so one pass would let a request advance a
third of the way between two slices.
"""

from __future__ import annotations

import asyncio
from time import perf_counter
from typing import Protocol

TICK_SLICE_S = 0.002
LOOP_TURNS = 3


class Steppable(Protocol):
    """What :func:`advance_in_slices` needs of ``sim.engine.exchange.Exchange``."""

    def advance(self, now_ms: int | None = None, *, pause_at: float | None = None,
                give_up: float | None = None) -> bool: ...


class Slices:
    """The slice clock of one tick: :meth:`pause_if_due` gives the loop a turn once the slice is used up;
    ``stepped_s`` is the wall time the tick has spent stepping the market so far."""

    def __init__(self, slice_s: float = TICK_SLICE_S) -> None:
        self.slice_s = slice_s
        self.deadline = perf_counter() + slice_s
        self.pauses = 0
        self.stepped_s = 0.0

    async def pause(self) -> None:
        for _ in range(LOOP_TURNS):
            await asyncio.sleep(0)
        self.pauses += 1
        self.deadline = perf_counter() + self.slice_s

    async def pause_if_due(self) -> None:
        if perf_counter() > self.deadline:
            await self.pause()


async def advance_in_slices(exchange: Steppable, slices: Slices, budget_s: float | None) -> None:
    """The market up to the clock, a slice at a time. ``budget_s`` (the catch-up's wall-time budget, or None) is the
    most the whole tick steps for, however many slices and calls that takes: past it the market skips ahead
    (``sim.engine.catch_up``), so a machine too slow for the market still gets a tick done."""
    while True:
        start = perf_counter()
        give_up = start + budget_s - slices.stepped_s if budget_s is not None else None
        done = exchange.advance(pause_at=slices.deadline, give_up=give_up)
        slices.stepped_s += perf_counter() - start
        if done:
            return
        await slices.pause()
