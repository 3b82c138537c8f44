"""Candle series for the chart: intervals, history/live merge by open time, and vectorised indicators.

Bars are kept as numpy columns (float64 for drawing, int64 open times) in a buffer with slack at both ends, so older
REST pages are prepended and live bars appended without copying the whole series. Every bar has a fixed *slot*
(``slot = index + origin``): prepending moves ``origin`` left and leaves the slots of existing bars unchanged, which
lets the chart keep what it already drew. Exact values are kept only where floats would lose something the user sees:
the decimals of the market (from the wire strings) and the forming bar as Decimals.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from operator import itemgetter
from typing import Any, Literal

import numpy as np

Number = str | Decimal | int | float
FloatArray = np.ndarray[Any, np.dtype[np.float64]]
IntArray = np.ndarray[Any, np.dtype[np.int64]]


class Interval(StrEnum):
    """Chart intervals; the value is the label shown on the buttons (and Bitget's futures spelling).

    Bitget's daily and weekly candles open at 00:00 UTC+8 (16:00 UTC); the ``utc`` intervals are the same candles
    aligned to 00:00 UTC (Bitget's ``1Dutc``/``1Wutc`` granularities and ``candle1Dutc``/``candle1Wutc`` channels).
    """

    M1 = "1m"
    M5 = "5m"
    M15 = "15m"
    M30 = "30m"
    H1 = "1H"
    H4 = "4H"
    D1 = "1D"
    W1 = "1W"
    D1_UTC = "1Dutc"
    W1_UTC = "1Wutc"

    @property
    def ms(self) -> int:
        return _INTERVAL_MS[self]

    @property
    def label(self) -> str:
        """What a button says: ``1D UTC`` rather than Bitget's ``1Dutc`` spelling."""
        return self.value.replace("utc", " UTC")

    @property
    def hint(self) -> str:
        """Where a day or week starts, for the daily and weekly intervals (empty for the others)."""
        if self.value.endswith("utc"):
            return f"{self.label}: days start at 00:00 UTC"
        if self in (Interval.D1, Interval.W1):
            return f"{self.label}: days start at 00:00 UTC+8 (16:00 UTC), as on Bitget's own charts"
        return ""

    @property
    def spot_granularity(self) -> str:
        """``granularity`` of /api/v2/spot/market/candles (lower-case h, ``min``, ``day``, ``week``)."""
        return _SPOT_GRANULARITY[self]

    @property
    def futures_granularity(self) -> str:
        """``granularity`` of /api/v2/mix/market/candles (capital H/D/W)."""
        return self.value

    @property
    def ws_channel(self) -> str:
        """Public WebSocket channel name, the same for spot and futures (``candle1H``)."""
        return f"candle{self.value}"

    @classmethod
    def parse(cls, text: str) -> Interval:
        """Accept the label, Bitget's spot or futures granularity, the channel name, or ccxt's ``1h/1d/1w``.

        Matching is exact apart from those lower-case aliases, because ``1M`` means one month to Bitget.
        """
        name = text.removeprefix("candle")
        found = _ALIASES.get(name)
        if found is None:
            raise ValueError(f"unsupported candle interval {text!r}; expected one of {[i.value for i in cls]}")
        return found


_INTERVAL_MS: dict[Interval, int] = {
    Interval.M1: 60_000,
    Interval.M5: 300_000,
    Interval.M15: 900_000,
    Interval.M30: 1_800_000,
    Interval.H1: 3_600_000,
    Interval.H4: 14_400_000,
    Interval.D1: 86_400_000,
    Interval.W1: 604_800_000,
    Interval.D1_UTC: 86_400_000,
    Interval.W1_UTC: 604_800_000,
}
_SPOT_GRANULARITY: dict[Interval, str] = {
    Interval.M1: "1min",
    Interval.M5: "5min",
    Interval.M15: "15min",
    Interval.M30: "30min",
    Interval.H1: "1h",
    Interval.H4: "4h",
    Interval.D1: "1day",
    Interval.W1: "1week",
    Interval.D1_UTC: "1Dutc",        # spot takes the utc forms in the futures spelling (SpotKlineIntervalV2)
    Interval.W1_UTC: "1Wutc",
}
_ALIASES: dict[str, Interval] = {
    **{i.value: i for i in Interval},
    **{g: i for i, g in _SPOT_GRANULARITY.items()},
    "1d": Interval.D1,
    "1w": Interval.W1,
}


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar as drawn (floats) with its open time in ms."""

    ts: int
    open: float
    high: float
    low: float
    close: float
    volume: float


@dataclass(frozen=True, slots=True)
class ExactBar:
    """The forming bar exactly as the exchange sent it."""

    ts: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal


@dataclass(frozen=True, slots=True)
class SeriesChange:
    """What one data call changed, in slots, so a view can drop only the geometry that went stale.

    ``prepended`` bars were added before the previous first bar (their slots are below the old first slot).
    ``first_changed`` is the lowest slot at or after the old first bar whose bar was updated, inserted or appended;
    any later slot may have changed too. ``reset`` means everything was replaced (slots restart at 0).
    """

    reset: bool = False
    prepended: int = 0
    appended: int = 0
    first_changed: int | None = None

    @property
    def empty(self) -> bool:
        return not self.reset and not self.prepended and self.first_changed is None


NO_CHANGE = SeriesChange()

# Sampled rows for the market's decimals: enough to see the widest price, cheap for a million rows.
_DECIMALS_SAMPLE = 64


class CandleSeries:
    """Bars ordered by open time, unique per open time.

    Rows are ``(ts_ms, open, high, low, close, volume, ...)`` with str/Decimal/number values (extra fields such as
    Bitget's quote volumes are ignored), or objects with ``ts, open, high, low, close`` and ``base_volume`` (or
    ``volume``) attributes such as the REST client's candles.
    """

    def __init__(self, interval: Interval = Interval.M15) -> None:
        self.interval = interval
        self._ts: IntArray = np.empty(0, np.int64)
        self._v: FloatArray = np.empty((5, 0), np.float64)  # rows: open, high, low, close, volume
        self._start = 0
        self._end = 0
        self.origin = 0
        self.price_decimals: int | None = None
        self.volume_decimals: int | None = None
        self.exact_last: ExactBar | None = None

    # --- views -------------------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return self._end - self._start

    @property
    def ts(self) -> IntArray:
        return self._ts[self._start : self._end]

    @property
    def values(self) -> FloatArray:
        """(5, n) view: rows open, high, low, close, volume."""
        return self._v[:, self._start : self._end]

    @property
    def open(self) -> FloatArray:
        return self._v[0, self._start : self._end]

    @property
    def high(self) -> FloatArray:
        return self._v[1, self._start : self._end]

    @property
    def low(self) -> FloatArray:
        return self._v[2, self._start : self._end]

    @property
    def close(self) -> FloatArray:
        return self._v[3, self._start : self._end]

    @property
    def volume(self) -> FloatArray:
        return self._v[4, self._start : self._end]

    @property
    def first_slot(self) -> int:
        return self.origin

    @property
    def last_slot(self) -> int:
        """Slot of the newest bar (``first_slot - 1`` when empty)."""
        return self.origin + len(self) - 1

    def bar(self, index: int) -> Bar:
        i = self._start + index
        if not 0 <= index < len(self):
            raise IndexError(index)
        o, h, lo, c, v = self._v[:, i]
        return Bar(int(self._ts[i]), float(o), float(h), float(lo), float(c), float(v))

    def bar_at_slot(self, slot: int) -> Bar | None:
        index = slot - self.origin
        return self.bar(index) if 0 <= index < len(self) else None

    def ts_at_slot(self, slot: int) -> int:
        """Open time of a slot; slots outside the data are extrapolated by the interval length."""
        n = len(self)
        if n == 0:
            return slot * self.interval.ms
        index = slot - self.origin
        if index < 0:
            return int(self._ts[self._start]) + index * self.interval.ms
        if index >= n:
            return int(self._ts[self._end - 1]) + (index - n + 1) * self.interval.ms
        return int(self._ts[self._start + index])

    def index_of_ts(self, ts_ms: int) -> int | None:
        ts = self.ts
        i = int(np.searchsorted(ts, ts_ms))
        return i if i < len(ts) and ts[i] == ts_ms else None

    # --- data calls --------------------------------------------------------------------------------------------
    def set_history(self, rows: Iterable[Any]) -> SeriesChange:
        """Replace everything with these rows (any order; the last of duplicate open times wins)."""
        rows = rows if isinstance(rows, Sequence) else list(rows)
        ts, values = parse_rows(rows)
        self.price_decimals = self.volume_decimals = None
        self._note_decimals(rows)
        return self.set_history_arrays(ts, values)

    def set_history_arrays(self, ts: IntArray, values: FloatArray) -> SeriesChange:
        """Replace everything from columns: ``ts`` (n,) and ``values`` (5, n) open/high/low/close/volume."""
        ts, values = _sorted_unique(np.asarray(ts, np.int64), np.asarray(values, np.float64))
        n = len(ts)
        slack = max(64, n // 8)
        self._ts = np.empty(n + 2 * slack, np.int64)
        self._v = np.empty((5, n + 2 * slack), np.float64)
        self._start, self._end = slack, slack + n
        self._ts[self._start : self._end] = ts
        self._v[:, self._start : self._end] = values
        self.origin = 0
        self.exact_last = None
        return SeriesChange(reset=True)

    def prepend_history(self, rows: Iterable[Any]) -> SeriesChange:
        """Merge an older page; bars already held win over the page (they are as new or newer)."""
        rows = rows if isinstance(rows, Sequence) else list(rows)
        if len(self) == 0:
            return self.set_history(rows)
        self._note_decimals(rows)
        ts, values = parse_rows(rows)
        return self._merge(ts, values, prefer_existing=True)

    def prepend_arrays(self, ts: IntArray, values: FloatArray) -> SeriesChange:
        """:meth:`prepend_history` from columns (bars already held win), e.g. the rest of a history parsed later."""
        if len(self) == 0:
            return self.set_history_arrays(ts, values)
        return self._merge(np.asarray(ts, np.int64), np.asarray(values, np.float64), prefer_existing=True)

    def apply_live(self, row: Any) -> SeriesChange:
        """A candle-channel row: update the bar with that open time, or append it if it is newer."""
        ts, values = parse_rows([row])
        self._note_decimals([row])
        exact = _exact_bar(row)
        if len(self) == 0:
            change = self.set_history_arrays(ts, values)
        else:
            change = self._merge(ts, values, prefer_existing=False)
        last_ts = int(self._ts[self._end - 1])
        if exact is not None and exact.ts == last_ts:
            self.exact_last = exact
        elif self.exact_last is not None and self.exact_last.ts != last_ts:
            self.exact_last = None
        return change

    def merge(self, rows: Iterable[Any], *, prefer_existing: bool = False) -> SeriesChange:
        """Merge rows of any age by open time (e.g. a WebSocket snapshot of recent candles)."""
        rows = rows if isinstance(rows, Sequence) else list(rows)
        if len(self) == 0:
            return self.set_history(rows)
        self._note_decimals(rows)
        ts, values = parse_rows(rows)
        return self._merge(ts, values, prefer_existing=prefer_existing)

    # --- internals ---------------------------------------------------------------------------------------------
    def _merge(self, ts_new: IntArray, v_new: FloatArray, *, prefer_existing: bool) -> SeriesChange:
        ts_new, v_new = _sorted_unique(ts_new, v_new)
        if len(ts_new) == 0:
            return NO_CHANGE
        ts = self.ts
        first, last = ts[0], ts[-1]
        older = ts_new < first
        newer = ts_new > last
        middle = ~(older | newer)
        first_changed: int | None = None
        if middle.any():
            m_ts, m_v = ts_new[middle], v_new[:, middle]
            pos = np.searchsorted(ts, m_ts)
            exists = ts[pos] == m_ts
            if not prefer_existing and exists.any():
                at = pos[exists]
                self._v[:, self._start + at] = m_v[:, exists]
                first_changed = int(at[0]) + self.origin
            missing = ~exists
            if missing.any():
                at = int(pos[missing][0])
                self._insert(m_ts[missing], m_v[:, missing])
                first_changed = at + self.origin if first_changed is None else min(first_changed, at + self.origin)
        prepended = int(older.sum())
        if prepended:
            self._grow_front(prepended)
            self._start -= prepended
            self._ts[self._start : self._start + prepended] = ts_new[older]
            self._v[:, self._start : self._start + prepended] = v_new[:, older]
            self.origin -= prepended
        appended = int(newer.sum())
        if appended:
            self._grow_back(appended)
            self._ts[self._end : self._end + appended] = ts_new[newer]
            self._v[:, self._end : self._end + appended] = v_new[:, newer]
            new_first = self.origin + len(self)
            self._end += appended
            first_changed = new_first if first_changed is None else min(first_changed, new_first)
        return SeriesChange(prepended=prepended, appended=appended, first_changed=first_changed)

    def _insert(self, ts_add: IntArray, v_add: FloatArray) -> None:
        """Gap fill inside the series: rare, so a full re-sort is fine."""
        ts = np.concatenate([self.ts, ts_add])
        values = np.concatenate([self._v[:, self._start : self._end], v_add], axis=1)
        order = np.argsort(ts, kind="stable")
        origin, exact = self.origin, self.exact_last
        self.set_history_arrays(ts[order], values[:, order])
        self.origin, self.exact_last = origin, exact

    def _grow_front(self, need: int) -> None:
        if self._start >= need:
            return
        n = len(self)
        slack = max(need, n // 2, 64)
        ts = np.empty(slack + n + (len(self._ts) - self._end), np.int64)
        values = np.empty((5, len(ts)), np.float64)
        ts[slack : slack + n] = self.ts
        values[:, slack : slack + n] = self._v[:, self._start : self._end]
        self._ts, self._v = ts, values
        self._start, self._end = slack, slack + n

    def _grow_back(self, need: int) -> None:
        if len(self._ts) - self._end >= need:
            return
        n = len(self)
        slack = max(need, n // 2, 64)
        ts = np.empty(self._start + n + slack, np.int64)
        values = np.empty((5, len(ts)), np.float64)
        ts[self._start : self._end] = self.ts
        values[:, self._start : self._end] = self._v[:, self._start : self._end]
        self._ts, self._v = ts, values

    def _note_decimals(self, rows: Sequence[Any] | None) -> None:
        if not rows:
            return
        sample = rows[-_DECIMALS_SAMPLE:] if len(rows) > _DECIMALS_SAMPLE else rows
        for row in sample:
            fields = _fields(row)
            for value in fields[1:5]:
                d = _decimals(value)
                if d is not None and (self.price_decimals is None or d > self.price_decimals):
                    self.price_decimals = d
            d = _decimals(fields[5])
            if d is not None and (self.volume_decimals is None or d > self.volume_decimals):
                self.volume_decimals = d


# --- row parsing ------------------------------------------------------------------------------------------------
def _fields(row: Any) -> tuple[Any, Any, Any, Any, Any, Any]:
    if hasattr(row, "ts"):
        volume = row.base_volume if hasattr(row, "base_volume") else row.volume
        return (row.ts, row.open, row.high, row.low, row.close, volume)
    return (row[0], row[1], row[2], row[3], row[4], row[5])


def _decimals(value: Any) -> int | None:
    if isinstance(value, str):
        try:
            value = Decimal(value)
        except InvalidOperation:
            return None
    if isinstance(value, Decimal) and value.is_finite():
        exponent = value.as_tuple().exponent
        assert isinstance(exponent, int)
        return max(0, -exponent)
    return None


def _exact_bar(row: Any) -> ExactBar | None:
    fields = _fields(row)
    try:
        values = [v if isinstance(v, Decimal) else Decimal(str(v)) for v in fields[1:]]
    except InvalidOperation:
        return None
    return ExactBar(int(fields[0]), *values)


@contextmanager
def _no_gc() -> Iterator[None]:
    # Transposing a million rows allocates millions of tracked tuples; the cyclic collector would rescan them
    # many times over (measured: about half the parse time) although none of them can form a cycle.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def parse_rows(rows: Iterable[Any]) -> tuple[IntArray, FloatArray]:
    """Rows (see :class:`CandleSeries`) → (ts int64 (n,), values float64 (5, n)), in the given order.

    Each column is read straight from the rows (``itemgetter`` under ``map``, parsed by ``float`` into
    ``np.fromiter``): transposing with ``zip(*rows)`` first built six million-entry tuples, about a quarter of the
    parse of a million wire rows.
    """
    rows = rows if isinstance(rows, Sequence) else list(rows)
    n = len(rows)
    if n == 0:
        return np.empty(0, np.int64), np.empty((5, 0), np.float64)
    with _no_gc():
        if hasattr(rows[0], "ts"):
            rows = [_fields(r) for r in rows]
        elif len(rows[0]) < 6:
            raise ValueError("candle rows need ts, open, high, low, close and volume")
        ts = np.fromiter(map(int, map(itemgetter(0), rows)), np.int64, n)
        values = np.empty((5, n), np.float64)
        for k in range(5):
            values[k] = np.fromiter(map(float, map(itemgetter(k + 1), rows)), np.float64, n)
    return ts, values


def _sorted_unique(ts: IntArray, values: FloatArray) -> tuple[IntArray, FloatArray]:
    if len(ts) > 1 and not bool(np.all(ts[1:] > ts[:-1])):
        order = np.argsort(ts, kind="stable")
        ts, values = ts[order], values[:, order]
        keep = np.ones(len(ts), bool)
        keep[:-1] = ts[1:] != ts[:-1]  # the last of equal open times wins
        ts, values = ts[keep], values[:, keep]
    return ts, values


# --- indicators -------------------------------------------------------------------------------------------------
# Means come from cumulative sums taken per block around a local centre, so the sums stay small. Variances are taken
# two-pass over the windows themselves: E[x²] - E[x]² from sums loses most digits when moves are small against the
# price (a 30,000 price with 1e-4 variance), and Bollinger periods are short, so O(n * period) is cheap.
_ROLL_BLOCK = 8192
_VAR_CHUNK_ELEMENTS = 1 << 16  # window elements per chunk: the deviations' temporary stays in cache


def _rolling(x: FloatArray, period: int, want_var: bool) -> tuple[FloatArray, FloatArray | None]:
    if period < 1:
        raise ValueError("period must be >= 1")
    m = len(x)
    mean = np.full(m, np.nan)
    var = np.full(m, np.nan) if want_var else None
    for s in range(period - 1, m, _ROLL_BLOCK):
        e = min(m, s + _ROLL_BLOCK)
        centre = x[s]
        cs = np.concatenate(([0.0], np.cumsum(x[s - period + 1 : e] - centre)))
        mean[s:e] = centre + (cs[period:] - cs[:-period]) / period
    if var is not None and m >= period:
        windows = np.lib.stride_tricks.sliding_window_view(x, period)
        means = mean[period - 1 :]
        out = var[period - 1 :]
        rows = max(1, _VAR_CHUNK_ELEMENTS // period)
        for s in range(0, len(windows), rows):
            dev = windows[s : s + rows] - means[s : s + rows, None]
            out[s : s + rows] = np.einsum("ij,ij->i", dev, dev) / period
    return mean, var


def sma(x: FloatArray, period: int) -> FloatArray:
    """Simple moving average; NaN before ``period`` values exist."""
    return _rolling(np.asarray(x, np.float64), period, False)[0]


def rolling_std(x: FloatArray, period: int) -> FloatArray:
    """Population standard deviation over the last ``period`` values (ddof 0, as Bollinger defined it)."""
    var = _rolling(np.asarray(x, np.float64), period, True)[1]
    assert var is not None
    return np.sqrt(var)


def ema(x: FloatArray, period: int, prev: float | None = None) -> FloatArray:
    """Exponential moving average, alpha = 2 / (period + 1).

    Without ``prev`` it is seeded with the SMA of the first ``period`` values (NaN before); with ``prev`` it
    continues from that value, so a tail can be extended without the history.
    """
    if period < 1:
        raise ValueError("period must be >= 1")
    x = np.asarray(x, np.float64)
    m = len(x)
    out = np.full(m, np.nan)
    alpha = 2.0 / (period + 1)
    decay = 1.0 - alpha
    if prev is None:
        if m < period:
            return out
        carry = float(np.mean(x[:period]))
        out[period - 1] = carry
        start = period
    else:
        carry, start = float(prev), 0
    if decay == 0.0:
        out[start:] = x[start:]
        return out
    # y[s+i] = d^(i+1) y[s-1] + a d^i sum_{j<=i} d^-j x[s+j]: one cumulative sum per block, with the block short
    # enough that d^-i stays below 1e100 (far from overflow, few bits lost).
    block = max(1, min(1024, int(np.log(1e100) / -np.log(decay))))
    powers = decay ** np.arange(block + 1, dtype=np.float64)
    for s in range(start, m, block):
        e = min(m, s + block)
        k = e - s
        acc = np.cumsum(x[s:e] / powers[:k])
        y = powers[1 : k + 1] * carry + alpha * powers[:k] * acc
        out[s:e] = y
        carry = float(y[-1])
    return out


@dataclass(frozen=True, slots=True)
class Bands:
    middle: FloatArray
    upper: FloatArray
    lower: FloatArray


def bollinger(x: FloatArray, period: int = 20, k: float = 2.0) -> Bands:
    """Bollinger bands: SMA ± k population standard deviations."""
    mean, var = _rolling(np.asarray(x, np.float64), period, True)
    assert var is not None
    width = k * np.sqrt(var)
    return Bands(mean, mean + width, mean - width)


IndicatorKind = Literal["sma", "ema", "bollinger"]


@dataclass(frozen=True, slots=True)
class IndicatorSpec:
    """An overlay's formula; ``lines`` arrays come back in a fixed order (bollinger: middle, upper, lower)."""

    kind: IndicatorKind
    period: int
    k: float = 2.0

    def compute(self, close: FloatArray) -> tuple[FloatArray, ...]:
        if self.kind == "sma":
            return (sma(close, self.period),)
        if self.kind == "ema":
            return (ema(close, self.period),)
        bands = bollinger(close, self.period, self.k)
        return (bands.middle, bands.upper, bands.lower)

    def update_head(self, close: FloatArray, previous: tuple[FloatArray, ...], added: int) -> tuple[FloatArray, ...]:
        """Values for ``close`` after ``added`` older bars were put in front of the bars ``previous`` was computed on.

        Moving windows only change where they reach the new bars; an EMA depends on its seed, so it is recomputed.
        """
        if self.kind == "ema" or any(len(p) + added != len(close) for p in previous):
            return self.compute(close)
        head = min(len(close), added + self.period - 1)
        fresh = self.compute(close[:head])
        return tuple(
            np.concatenate([f, p[head - added :]]) for f, p in zip(fresh, previous, strict=True)
        )

    def update_tail(self, close: FloatArray, previous: tuple[FloatArray, ...], start: int) -> tuple[FloatArray, ...]:
        """Values for ``close`` when only ``close[start:]`` changed since ``previous`` was computed.

        Costs O(len - start + period) instead of O(len), apart from growing the arrays when bars were appended.
        """
        m = len(close)
        if start <= self.period or any(len(p) < start for p in previous):
            return self.compute(close)
        if self.kind == "ema":
            tails: tuple[FloatArray, ...] = (ema(close[start:], self.period, prev=float(previous[0][start - 1])),)
        else:
            lo = start - self.period + 1
            tails = tuple(t[start - lo :] for t in IndicatorSpec(self.kind, self.period, self.k).compute(close[lo:]))
        out: list[FloatArray] = []
        for prev, tail in zip(previous, tails, strict=True):
            arr = _resized(prev, m, start)
            arr[start:] = tail
            out.append(arr)
        return tuple(out)


def _resized(prev: FloatArray, m: int, keep: int) -> FloatArray:
    """``prev`` as an array of length ``m`` with ``prev[:keep]`` kept; grows into spare room left by an earlier call,
    so appending one bar a minute to a million-bar overlay does not copy it every time."""
    if len(prev) == m:
        return prev
    base = prev.base
    if (
        isinstance(base, np.ndarray)
        and base.ndim == 1
        and len(base) >= m
        and base.__array_interface__["data"][0] == prev.__array_interface__["data"][0]
    ):
        return base[:m]
    buffer = np.empty(m + max(64, m // 8))
    buffer[:keep] = prev[:keep]
    return buffer[:m]
