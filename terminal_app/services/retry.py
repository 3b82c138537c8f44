"""Retrying a recovery step until it succeeds: exponential backoff with jitter, capped.

Used where giving up is wrong because the state on screen would stay wrong until something else happens to fix it:
the reconciliation after a reconnect, the periodic check of open orders, and the lookup of an order whose fate is
unknown. The delays grow ``initial_s, 2·initial_s, 4·initial_s, …`` up to ``max_s``, each scaled down by a random
factor in ``[1 − jitter, 1]`` so that many terminals cut off by the same outage do not come back in lockstep.
Cancellation (the service closing) always goes through.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Backoff:
    initial_s: float = 0.5
    max_s: float = 30.0
    jitter: float = 0.5

    def delay(self, attempt: int, rng: random.Random) -> float:
        """The wait before retry number ``attempt`` (1 for the first retry)."""
        base = min(self.max_s, self.initial_s * 2.0 ** max(0, attempt - 1))
        return base * rng.uniform(1.0 - self.jitter, 1.0)


FailureReport = Callable[[int, Exception, float], None]
"""``report(attempt, error, delay_s)``: attempt ``attempt`` failed with ``error``; the next one runs in ``delay_s``."""


async def until_done(step: Callable[[], Awaitable[None]], backoff: Backoff, rng: random.Random,
                     on_failure: FailureReport | None = None) -> int:
    """Await ``step()`` until it returns without raising; returns how many attempts failed first."""
    failures = 0
    while True:
        try:
            await step()
            return failures
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            failures += 1
            delay = backoff.delay(failures, rng)
            if on_failure is not None:
                on_failure(failures, exc, delay)
            await asyncio.sleep(delay)


async def periodic_wait(wake: asyncio.Event, interval_s: float, rng: random.Random) -> bool:
    """One period of a periodic check: ``interval_s`` give or take 10 % (so the checks of several services do not
    line up), cut short when ``wake`` is set. True when woken: the interval changed, wait the new one."""
    wake.clear()
    try:
        await asyncio.wait_for(wake.wait(), interval_s * rng.uniform(0.9, 1.1))
    except TimeoutError:
        return False
    return True
