"""Level-of-detail pyramid over a candle series (numpy only).

Level k holds buckets of 2**k slots, aligned on slot multiples so that a bucket keeps its identity when older bars
are prepended: bucket ``b`` covers slots ``[b << k, (b + 1) << k)``. Per bucket: open of its first bar, max high,
min low, close of its last bar and the max volume (peak, so aggregated volume bars keep the per-bar scale). When
more bars are visible than pixels, the chart draws the level whose buckets are about one pixel wide: a constant
amount of work whatever the number of bars.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from terminal_app.core.candles import CandleSeries, FloatArray

# Visible-extent queries read at most this many buckets of one level plus two partial edges of raw bars.
_EXTENT_BUCKETS = 256


@dataclass(frozen=True, slots=True)
class LodLevel:
    """One level's buckets: ``data`` rows are open, high, low, close, volume; column i is bucket ``first_id + i``."""

    shift: int
    first_id: int
    data: FloatArray

    def __len__(self) -> int:
        return int(self.data.shape[1])

    @property
    def last_id(self) -> int:
        return self.first_id + len(self) - 1


def _halve(first_id: int, data: FloatArray) -> tuple[int, FloatArray]:
    """Pairs of buckets → buckets twice as wide. An unpaired edge is paired with a copy of itself, which leaves
    first/last/max/min unchanged."""
    if first_id % 2:
        data = np.concatenate([data[:, :1], data], axis=1)
        first_id -= 1
    if data.shape[1] % 2:
        data = np.concatenate([data, data[:, -1:]], axis=1)
    a, b = data[:, 0::2], data[:, 1::2]
    out = np.empty((5, a.shape[1]), np.float64)
    out[0] = a[0]
    np.maximum(a[1], b[1], out=out[1])
    np.minimum(a[2], b[2], out=out[2])
    out[3] = b[3]
    np.maximum(a[4], b[4], out=out[4])
    return first_id // 2, out


class _Store:
    """Growable storage of one level."""

    __slots__ = ("count", "data", "first_id")

    def __init__(self, first_id: int, data: FloatArray) -> None:
        self.first_id = first_id
        self.count = data.shape[1]
        # Room for live bars from the start: growing a million-bar level on the first new bar stalled a frame.
        self.data = np.empty((5, self.count + self.count // 16 + 16), np.float64)
        self.data[:, : self.count] = data

    def write(self, at: int, block: FloatArray) -> None:
        end = at + block.shape[1]
        if end > self.data.shape[1]:
            grown = np.empty((5, max(end, self.data.shape[1] + self.data.shape[1] // 2 + 16)), np.float64)
            grown[:, :at] = self.data[:, :at]
            self.data = grown
        self.data[:, at:end] = block
        self.count = end

    def view(self) -> FloatArray:
        return self.data[:, : self.count]


class LodPyramid:
    """Aggregated levels 1..depth of a :class:`CandleSeries` (level 0 is the series itself)."""

    def __init__(self) -> None:
        self._stores: list[_Store] = []
        self.rebuilds = 0

    @property
    def depth(self) -> int:
        return len(self._stores)

    def rebuild(self, series: CandleSeries) -> None:
        self.rebuilds += 1
        self._stores = []
        first_id, data = series.origin, _series_data(series)
        for _ in range(_max_depth(len(series))):
            if data.shape[1] <= 1:
                break
            first_id, data = _halve(first_id, data)
            self._stores.append(_Store(first_id, data))

    def update_from(self, series: CandleSeries, slot: int) -> None:
        """Recompute the buckets that contain slots >= ``slot`` (after bars there changed or were appended).

        Only valid while the series' first slot is unchanged since the last :meth:`rebuild`.
        """
        src_first, src = series.origin, _series_data(series)
        if not self._stores and src.shape[1] > 1:
            self.rebuild(series)
            return
        k = 0
        while src.shape[1] > 1 and k < _max_depth(len(series)):
            k += 1
            if k > len(self._stores):
                first_id, data = _halve(src_first, src)
                self._stores.append(_Store(first_id, data))
            else:
                store = self._stores[k - 1]
                at = max(0, (slot >> k) - store.first_id)
                src_at = max(0, 2 * (store.first_id + at) - src_first)
                _, block = _halve(src_first + src_at, src[:, src_at:])
                store.write(at, block)
            store = self._stores[k - 1]
            src_first, src = store.first_id, store.view()
        del self._stores[k:]

    def level(self, series: CandleSeries, k: int) -> LodLevel:
        if k == 0:
            return LodLevel(0, series.origin, _series_data(series))
        store = self._stores[k - 1]
        return LodLevel(k, store.first_id, store.view())

    def level_for(self, bars_per_pixel: float) -> int:
        """The deepest level whose buckets are at most one pixel wide."""
        if bars_per_pixel < 2.0:
            return 0
        return min(self.depth, int(np.floor(np.log2(bars_per_pixel))))

    def extent(self, series: CandleSeries, x0: float, x1: float) -> tuple[float, float, float] | None:
        """(min low, max high, max volume) of the bars in slots [x0, x1], or None if none are there."""
        lo = max(series.first_slot, int(np.ceil(x0)))
        hi = min(series.last_slot, int(np.floor(x1)))
        if hi < lo:
            return None
        k = 0
        while k < self.depth and ((hi - lo + 1) >> k) > _EXTENT_BUCKETS:
            k += 1
        raw = _series_data(series)
        parts: list[FloatArray] = []
        if k == 0:
            parts.append(raw[:, lo - series.origin : hi - series.origin + 1])
        else:
            level = self.level(series, k)
            b0 = -((-lo) >> k)  # first bucket wholly inside
            b1 = ((hi + 1) >> k) - 1  # last bucket wholly inside
            parts.append(level.data[:, b0 - level.first_id : b1 - level.first_id + 1])
            parts.append(raw[:, lo - series.origin : (b0 << k) - series.origin])
            parts.append(raw[:, ((b1 + 1) << k) - series.origin : hi - series.origin + 1])
        low = min(float(p[2].min()) for p in parts if p.shape[1])
        high = max(float(p[1].max()) for p in parts if p.shape[1])
        volume = max(float(p[4].max()) for p in parts if p.shape[1])
        return low, high, volume

    def totals(self, series: CandleSeries) -> tuple[float, float, float] | None:
        """(min low, max high, max volume) of the whole series, from the top level."""
        if len(series) == 0:
            return None
        top = self._stores[-1].view() if self._stores else _series_data(series)
        return float(top[2].min()), float(top[1].max()), float(top[4].max())


def _max_depth(n: int) -> int:
    # Buckets of 2**depth >= n slots: deeper levels would never be drawn. (Buckets either side of slot 0 never merge,
    # so with prepended history the top level keeps two buckets; counting levels, not buckets, ends the loop.)
    return max(0, (n - 1).bit_length())


def _series_data(series: CandleSeries) -> FloatArray:
    return series.values
