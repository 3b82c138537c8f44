"""The synthetic price process: one seeded path per underlying coin, at 1-minute resolution, for any day.

Two layers, so any day can be produced on its own (lazily) and every day joins the next:

* a daily chain of log closes: GARCH(1,1) variance (volatility clusters over days), occasional jumps, and a slow
  reversion to the start price so the market stays plausible for years. It is built sequentially from an anchor day
  (2023-01-01) forwards and backwards, a few microseconds per day, and cached.
* each day's 1440 minutes: a stochastic-volatility random walk (log-volatility wanders within the day around the
  day's GARCH level, which gives intraday clustering), rare intraday jumps, then bridged so it starts at the previous
  day's close and ends exactly at this day's close. Seeded by (seed, coin, day), generated with numpy on demand.

Prices here are floats (a path, not money); markets round them to their tick and keep integers from there on.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

MINUTE_MS = 60_000
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS
MINUTES = 1440
ANCHOR_DAY = 19358                   # 2023-01-01 in days since the Unix epoch
_GARCH_ALPHA = 0.08
_GARCH_BETA = 0.90
_JUMP_PROB_DAY = 0.03
_REVERSION_HALF_LIFE_DAYS = 40.0
_VOL_OF_VOL = 0.035                  # per-step sd of the intraday log-volatility walk (15-min steps)
_JUMP_PROB_MINUTE = 1.0 / 4000.0

FloatArray = npt.NDArray[np.float64]


def stable_seed(*parts: object) -> int:
    """A 64-bit seed from text parts; unlike hash() it is the same in every process."""
    digest = hashlib.blake2b(":".join(str(p) for p in parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


@dataclass(frozen=True, slots=True)
class DayPath:
    """One day of one underlying: per-minute open/high/low/close (prices) and relative activity (mean ≈ 1)."""

    day: int
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    activity: FloatArray


class UnderlyingPath:
    """The price path of one coin (shared by its spot and futures markets)."""

    def __init__(self, seed: int, name: str, start_price: float, annual_vol: float, cache_days: int = 96) -> None:
        self.seed = seed
        self.name = name
        self.start_price = start_price
        self._x0 = math.log(start_price)
        self._daily_var = annual_vol * annual_vol / 365.0
        self._kappa = math.log(2.0) / _REVERSION_HALF_LIFE_DAYS
        # forward[i] = (log close, variance) of day ANCHOR_DAY + i; backward[i] = day ANCHOR_DAY - 1 - i.
        self._forward: list[tuple[float, float, float]] = []   # (log close, variance, innovation)
        self._backward: list[tuple[float, float, float]] = []
        self._rng_fwd = random.Random(stable_seed(seed, name, "daily+"))
        self._rng_bwd = random.Random(stable_seed(seed, name, "daily-"))
        self._days: OrderedDict[int, DayPath] = OrderedDict()
        self._cache_days = cache_days
        self._ramp = np.arange(1, MINUTES + 1, dtype=np.float64) / MINUTES
        self._vol_ramp = np.linspace(0.0, 1.0, MINUTES // 15 + 1)

    # ---- daily chain ---------------------------------------------------------------------------------------

    def _step(self, rng: random.Random, x: float, h: float, shock: float) -> tuple[float, float, float]:
        omega = self._daily_var * (1.0 - _GARCH_ALPHA - _GARCH_BETA)
        h_next = omega + _GARCH_ALPHA * shock * shock + _GARCH_BETA * h
        eps = math.sqrt(h_next) * rng.gauss(0.0, 1.0)
        if rng.random() < _JUMP_PROB_DAY:
            eps += rng.gauss(0.0, 3.0 * math.sqrt(self._daily_var))
        x_next = x + self._kappa * (self._x0 - x) + eps
        return x_next, h_next, eps

    def _extend(self, chain: list[tuple[float, float, float]], rng: random.Random, upto: int) -> None:
        x, h, shock = chain[-1] if chain else (self._x0, self._daily_var, 0.0)
        while len(chain) <= upto:
            x, h, shock = self._step(rng, x, h, shock)
            chain.append((x, h, shock))

    def day_close_log(self, day: int) -> float:
        """Log close of ``day`` (days since the Unix epoch). The day before the anchor closes at the start price."""
        return self._day_state(day)[0]

    def _day_state(self, day: int) -> tuple[float, float]:
        if day >= ANCHOR_DAY:
            i = day - ANCHOR_DAY
            if i >= len(self._forward):
                self._extend(self._forward, self._rng_fwd, i)
            return self._forward[i][:2]
        if day == ANCHOR_DAY - 1:
            return self._x0, self._daily_var
        i = ANCHOR_DAY - 2 - day
        if i >= len(self._backward):
            self._extend(self._backward, self._rng_bwd, i)
        return self._backward[i][:2]

    # ---- minutes ---------------------------------------------------------------------------------------------

    def day(self, day: int) -> DayPath:
        cached = self._days.get(day)
        if cached is not None:
            self._days.move_to_end(day)
            return cached
        path = self._make_day(day)
        self._days[day] = path
        if len(self._days) > self._cache_days:
            self._days.popitem(last=False)
        return path

    def _make_day(self, day: int) -> DayPath:
        x_prev = self.day_close_log(day - 1)
        x_close, h = self._day_state(day)
        rng = np.random.Generator(np.random.SFC64(stable_seed(self.seed, self.name, day)))
        z = rng.standard_normal(MINUTES)
        u = rng.random((4, MINUTES))
        # intraday log-volatility: a 15-minute random walk bridged to 0 at both ends, held within each 15 minutes
        walk = np.cumsum(np.concatenate(([0.0], rng.standard_normal(MINUTES // 15) * _VOL_OF_VOL)))
        walk -= self._vol_ramp * walk[-1]
        sigma = math.sqrt(h / MINUTES) * np.repeat(np.exp(walk[1:] - walk[1:].mean()), 15)
        steps = sigma * z
        jumps = u[0] < _JUMP_PROB_MINUTE
        if jumps.any():
            steps = steps + jumps * sigma * 8.0 * (u[1] - 0.5)
        x = np.cumsum(steps)
        x += self._ramp * (x_close - x_prev - x[-1]) + x_prev
        close = np.exp(x)
        open_ = np.empty_like(close)
        open_[0] = math.exp(x_prev)
        open_[1:] = close[:-1]
        wiggle = sigma * u[2]
        high = np.maximum(open_, close) * (1.0 + wiggle)
        low = np.minimum(open_, close) * (1.0 - sigma * u[3])
        activity = (0.5 + u[1]) * (0.5 + np.abs(steps) / sigma.mean())
        return DayPath(day, open_, high, low, close, activity)

    def price_at(self, t_ms: int) -> float:
        """The path at any instant: inside a minute it runs open → first extreme → second extreme → close."""
        day, rest = divmod(t_ms, DAY_MS)
        minute, within = divmod(rest, MINUTE_MS)
        p = self.day(day)
        o = float(p.open[minute])
        c = float(p.close[minute])
        hi = float(p.high[minute])
        lo = float(p.low[minute])
        first, second = (lo, hi) if c >= o else (hi, lo)
        f = within / MINUTE_MS * 3.0
        if f < 1.0:
            return o + (first - o) * f
        if f < 2.0:
            return first + (second - first) * (f - 1.0)
        return second + (c - second) * (f - 2.0)
