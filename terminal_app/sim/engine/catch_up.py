"""How the market catches up with the clock: in fixed steps, within limits, skipping what it cannot run.

The exchange runs its market up to the clock before every request and on the server's timer. A normal simulator
steps every 100 ms and a gap over a minute (a laptop that slept) is skipped rather than replayed. Fast mode
(benchmarks) steps every 5 ms and a step costs 2-4 ms of CPU, so on a loaded machine it falls behind: a minute of
catch-up was 12,000 steps in one call, a minute or more with the server's loop blocked (REST answers timed out, and
every step's book change landed in the WebSocket queues at once, so the hub cut its readers off as slow consumers).
In fast mode a call therefore catches up at most :data:`FAST_MAX_CATCHUP_MS`, and the server (which runs on the
wall clock; tests with a manual clock stay deterministic) also gives it at most :data:`FAST_STEP_BUDGET_S` of wall
time to step in (``step_budget_s``); past either, the market skips ahead as after a pause, and
:attr:`CatchUp.skipped_ms` says how much market time that was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from time import perf_counter

MAX_CATCHUP_MS = 60_000
FAST_MAX_CATCHUP_MS = 100
FAST_STEP_BUDGET_S = 0.015


class CatchUp:
    """The catch-up rule of one market clock (``step_ms`` per step)."""

    def __init__(self, step_ms: int, *, fast: bool) -> None:
        self.step_ms = step_ms
        self.max_catchup_ms = FAST_MAX_CATCHUP_MS if fast else MAX_CATCHUP_MS
        self.step_budget_s: float | None = None
        self.skipped_ms = 0
        self._held = 0

    @contextmanager
    def held(self) -> Iterator[None]:
        """Requests made inside see the market where it is, without stepping it: a burst of them right after the
        server's tick (a benchmark's exchange-side flow) costs no steps of its own."""
        self._held += 1
        try:
            yield
        finally:
            self._held -= 1

    @property
    def held_now(self) -> bool:
        return self._held > 0

    def run(self, t: int, now: int, step: Callable[[int], None], *, pause_at: float | None = None,
            give_up: float | None = None) -> int:
        """Step from market time ``t`` towards ``now`` (``step(t)`` runs one step ending at ``t``); the new time.

        ``pause_at`` (a ``perf_counter`` time): stop early, without skipping anything, once it is past — the server's
        timer catches up in slices and lets the event loop serve requests between them (it calls again to go on).
        ``give_up`` replaces the per-call ``step_budget_s`` deadline, so that a catch-up spread over several sliced
        calls keeps one budget."""
        if self._held:
            return t
        size = self.step_ms
        if now - t > self.max_catchup_ms:
            resume = (now - self.max_catchup_ms) // size * size
            self.skipped_ms += max(0, resume - t)
            t = max(t, resume)
        budget = self.step_budget_s
        if give_up is None and budget is not None:
            give_up = perf_counter() + budget
        while t + size <= now:
            t += size
            step(t)
            if t + size > now:
                break
            if give_up is not None and perf_counter() > give_up:
                resume = now // size * size
                self.skipped_ms += resume - t
                return resume
            if pause_at is not None and perf_counter() > pause_at:
                return t
        return t
