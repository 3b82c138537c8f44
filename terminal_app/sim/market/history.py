"""Candles: granularities, the Candle value, and the deterministic history at any granularity."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum

import numpy as np
import numpy.typing as npt

from terminal_app.sim.market.price import DAY_MS, HOUR_MS, MINUTE_MS, UnderlyingPath

IntArray = npt.NDArray[np.int64]


class Granularity(Enum):
    """Candle sizes. ``value`` is (ms, label); months are calendar months (ms is nominal, 30 days)."""

    M1 = (MINUTE_MS, "1m")
    M3 = (3 * MINUTE_MS, "3m")
    M5 = (5 * MINUTE_MS, "5m")
    M15 = (15 * MINUTE_MS, "15m")
    M30 = (30 * MINUTE_MS, "30m")
    H1 = (HOUR_MS, "1H")
    H2 = (2 * HOUR_MS, "2H")
    H4 = (4 * HOUR_MS, "4H")
    H6 = (6 * HOUR_MS, "6H")
    H12 = (12 * HOUR_MS, "12H")
    D1 = (DAY_MS, "1D")
    D3 = (3 * DAY_MS, "3D")
    W1 = (7 * DAY_MS, "1W")
    MO1 = (30 * DAY_MS, "1M")

    @property
    def ms(self) -> int:
        return int(self.value[0])

    @property
    def label(self) -> str:
        return str(self.value[1])

    @classmethod
    def from_ms(cls, ms: int) -> Granularity:
        for g in cls:
            if g.ms == ms:
                return g
        raise ValueError(f"no granularity of {ms} ms")


@dataclass(frozen=True, slots=True)
class Candle:
    ts: int                        # open time, ms
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    base_volume: Decimal
    quote_volume: Decimal


# ---- deterministic history + live overlay ---------------------------------------------------------------------

QUOTE_SCALE = 10_000                 # quote volumes are kept as integers of 0.0001 quote coin


def align_open(t_ms: int, gran: Granularity, offset_ms: int = 0) -> int:
    """Open time of the candle of ``gran`` that contains ``t_ms``; ``offset_ms`` = the timezone's UTC offset."""
    local = t_ms + offset_ms
    if gran is Granularity.MO1:
        y, m = _year_month(local)
        return _month_start(y, m) - offset_ms
    if gran is Granularity.W1:
        monday = 4 * DAY_MS                      # 1970-01-05 was a Monday
        return (local - monday) // gran.ms * gran.ms + monday - offset_ms
    return local // gran.ms * gran.ms - offset_ms


def next_open(open_ms: int, gran: Granularity, offset_ms: int = 0) -> int:
    if gran is Granularity.MO1:
        y, m = _year_month(open_ms + offset_ms)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return _month_start(y, m) - offset_ms
    return open_ms + gran.ms


def prev_open(open_ms: int, gran: Granularity, offset_ms: int = 0) -> int:
    if gran is Granularity.MO1:
        y, m = _year_month(open_ms + offset_ms)
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
        return _month_start(y, m) - offset_ms
    return open_ms - gran.ms


def _year_month(t_ms: int) -> tuple[int, int]:
    d = datetime.fromtimestamp(t_ms / 1000, tz=UTC)
    return d.year, d.month


def _month_start(year: int, month: int) -> int:
    return int(datetime(year, month, 1, tzinfo=UTC).timestamp()) * 1000


@dataclass(slots=True)
class Rows:
    """Integer OHLCV rows of equal length ``row_ms`` starting at ``start``: prices in ticks, volumes in lots and
    quote units (1/QUOTE_SCALE)."""

    start: int
    row_ms: int
    o: IntArray
    h: IntArray
    low: IntArray
    c: IntArray
    v: IntArray
    q: IntArray

    def __len__(self) -> int:
        return len(self.o)


class MarketHistory:
    """Candles of one market: the underlying path rounded to the market's tick, with live minutes laid over it.

    Minutes with live trades use those trades; every other minute uses the path. Coarser candles aggregate the
    minutes (hours are cached per past day), so every granularity agrees with every other one.
    """

    def __init__(self, tick: Decimal, lot: Decimal, path: UnderlyingPath, factor: float,
                 lots_per_minute: float) -> None:
        self.tick = tick
        self.lot = lot
        self._tick_f = float(tick)
        self._lot_f = float(lot)
        self._quote_per_tick_lot = float(tick * lot) * QUOTE_SCALE
        self.path = path
        self.factor = factor
        self._lots_per_minute = lots_per_minute
        self._minutes: OrderedDict[int, Rows] = OrderedDict()
        self._hours: dict[int, Rows] = {}
        # live minutes: minute number → [o, h, l, c, v, q]
        self.live: dict[int, list[int]] = {}
        self._live_days: set[int] = set()

    # ---- live ------------------------------------------------------------------------------------------------

    def record_trade(self, ts: int, price_ticks: int, lots: int) -> list[int]:
        minute = ts // MINUTE_MS
        q = round(price_ticks * lots * self._quote_per_tick_lot)
        row = self.live.get(minute)
        if row is None:
            row = [price_ticks, price_ticks, price_ticks, price_ticks, lots, q]
            self.live[minute] = row
            day = ts // DAY_MS
            if day not in self._live_days:
                self._live_days.add(day)
                self._hours.pop(day, None)
        else:
            if price_ticks > row[1]:
                row[1] = price_ticks
            if price_ticks < row[2]:
                row[2] = price_ticks
            row[3] = price_ticks
            row[4] += lots
            row[5] += q
        return row

    def minute_candle(self, minute: int) -> Candle:
        row = self.live.get(minute)
        if row is None:
            day, idx = divmod(minute * MINUTE_MS, DAY_MS)
            r = self._path_minutes(day)
            i = idx // MINUTE_MS
            row = [int(r.o[i]), int(r.h[i]), int(r.low[i]), int(r.c[i]), int(r.v[i]), int(r.q[i])]
        return self._candle(minute * MINUTE_MS, *row)

    # ---- path → integer rows -----------------------------------------------------------------------------------

    def _path_minutes(self, day: int) -> Rows:
        rows = self._minutes.get(day)
        if rows is not None:
            self._minutes.move_to_end(day)
            return rows
        p = self.path.day(day)
        k = self.factor / self._tick_f
        o = np.rint(p.open * k).astype(np.int64)
        h = np.rint(p.high * k).astype(np.int64)
        low = np.rint(p.low * k).astype(np.int64)
        c = np.rint(p.close * k).astype(np.int64)
        v = np.rint(p.activity * self._lots_per_minute).astype(np.int64)
        q = np.rint(v * (h + low + c) * (self._quote_per_tick_lot / 3.0)).astype(np.int64)
        rows = Rows(day * DAY_MS, MINUTE_MS, o, h, low, c, v, q)
        self._minutes[day] = rows
        if len(self._minutes) > 64:
            self._minutes.popitem(last=False)
        return rows

    def _day_minutes(self, day: int) -> Rows:
        """Path minutes with live minutes laid over them."""
        rows = self._path_minutes(day)
        if day not in self._live_days:
            return rows
        arrays = [rows.o.copy(), rows.h.copy(), rows.low.copy(), rows.c.copy(), rows.v.copy(), rows.q.copy()]
        first = day * (DAY_MS // MINUTE_MS)
        live = self.live
        for i in range(DAY_MS // MINUTE_MS):
            row = live.get(first + i)
            if row is not None:
                for a, value in zip(arrays, row, strict=True):
                    a[i] = value
        return Rows(rows.start, MINUTE_MS, *arrays)

    def _day_hours(self, day: int) -> Rows:
        cached = self._hours.get(day)
        if cached is not None:
            return cached
        rows = _aggregate(self._day_minutes(day), np.arange(0, 1440, 60), HOUR_MS)
        if day not in self._live_days:
            self._hours[day] = rows
        return rows

    # ---- candles ---------------------------------------------------------------------------------------------

    def candles(self, gran: Granularity, now_ms: int, *, start_ms: int | None = None, end_ms: int | None = None,
                limit: int = 100, offset_ms: int = 0) -> list[Candle]:
        """Oldest first; at most ``limit`` candles, the newest whose open time is in [start_ms, end_ms]."""
        end = now_ms if end_ms is None else min(end_ms, now_ms)
        if limit <= 0 or (start_ms is not None and start_ms > end):
            return []
        opens = [align_open(end, gran, offset_ms)]
        if start_ms is not None and opens[0] < start_ms:
            return []
        while len(opens) < limit:
            prev = prev_open(opens[-1], gran, offset_ms)
            if start_ms is not None and prev < start_ms:
                break
            opens.append(prev)
        opens.reverse()
        stop = min(next_open(opens[-1], gran, offset_ms), now_ms // MINUTE_MS * MINUTE_MS + MINUTE_MS)
        use_hours = gran.ms >= HOUR_MS and offset_ms % HOUR_MS == 0
        rows = self.rows(opens[0], stop, use_hours)
        idx = np.array([(t - rows.start) // rows.row_ms for t in opens], dtype=np.int64)
        agg = _aggregate(rows, idx, gran.ms)
        return [self._candle(t, int(agg.o[i]), int(agg.h[i]), int(agg.low[i]), int(agg.c[i]), int(agg.v[i]),
                             int(agg.q[i])) for i, t in enumerate(opens)]

    def rows(self, start: int, stop: int, hours: bool = False) -> Rows:
        """Rows from ``start`` (a row boundary) up to ``stop`` (exclusive, clipped to minutes)."""
        first_day = start // DAY_MS
        last_day = (stop - 1) // DAY_MS
        parts = [self._day_hours(d) if hours else self._day_minutes(d) for d in range(first_day, last_day + 1)]
        row_ms = HOUR_MS if hours else MINUTE_MS
        begin = (start - first_day * DAY_MS) // row_ms
        if hours and stop % HOUR_MS:
            # the forming hour: aggregate only the minutes that have happened
            tail_day = (stop - 1) // DAY_MS
            minutes = self._day_minutes(tail_day)
            hour = ((stop - 1) % DAY_MS) // HOUR_MS
            lo = hour * 60
            hi = (stop - tail_day * DAY_MS) // MINUTE_MS
            partial = _aggregate(_slice(minutes, lo, hi), np.array([0]), HOUR_MS)
            head = _slice(parts[-1], 0, hour)
            parts[-1] = _concat([head, partial], head.start, HOUR_MS)
        rows = _concat(parts, first_day * DAY_MS, row_ms)
        end = (stop - first_day * DAY_MS + row_ms - 1) // row_ms
        return _slice(rows, begin, end)

    def _candle(self, ts: int, o: int, h: int, low: int, c: int, v: int, q: int) -> Candle:
        tick = self.tick
        return Candle(ts, Decimal(o) * tick, Decimal(h) * tick, Decimal(low) * tick, Decimal(c) * tick,
                      Decimal(v) * self.lot, Decimal(q) * _QUOTE_STEP)


_QUOTE_STEP = Decimal(1).scaleb(-4)


def _slice(rows: Rows, lo: int, hi: int) -> Rows:
    return Rows(rows.start + lo * rows.row_ms, rows.row_ms, rows.o[lo:hi], rows.h[lo:hi], rows.low[lo:hi],
                rows.c[lo:hi], rows.v[lo:hi], rows.q[lo:hi])


def _concat(parts: list[Rows], start: int, row_ms: int) -> Rows:
    if len(parts) == 1:
        p = parts[0]
        return Rows(start, row_ms, p.o, p.h, p.low, p.c, p.v, p.q)
    return Rows(start, row_ms, *(np.concatenate([getattr(p, f) for p in parts]) for f in _FIELDS))


_FIELDS = ("o", "h", "low", "c", "v", "q")


def _aggregate(rows: Rows, idx: IntArray, row_ms: int) -> Rows:
    """Group rows at the boundaries ``idx`` (ascending, first is 0 or later): OHLC by first/max/min/last, volumes by
    sum. Each group runs to the next boundary or the end of the rows."""
    n = len(rows)
    idx = idx[idx < n]
    ends = np.empty_like(idx)
    ends[:-1] = idx[1:]
    ends[-1:] = n
    return Rows(rows.start, row_ms, rows.o[idx], np.maximum.reduceat(rows.h, idx)[: len(idx)],
                np.minimum.reduceat(rows.low, idx)[: len(idx)], rows.c[ends - 1],
                np.add.reduceat(rows.v, idx)[: len(idx)], np.add.reduceat(rows.q, idx)[: len(idx)])


def window_stats(history: MarketHistory, start_ms: int, stop_ms: int) -> tuple[int, int, int, int, int, int]:
    """(open, high, low, close, lots, quote units) over the minutes in [start_ms, stop_ms)."""
    rows = history.rows(start_ms // MINUTE_MS * MINUTE_MS, stop_ms)
    return (int(rows.o[0]), int(rows.h.max()), int(rows.low.min()), int(rows.c[-1]), int(rows.v.sum()),
            int(rows.q.sum()))
