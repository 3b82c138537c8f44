"""Graphics items of the chart: candles, volume bars and indicator lines, drawn in slot coordinates (x = slot).

Candles and volume share one scheme. Closed bars are recorded into cached pictures per chunk of slots (or, zoomed
out, per chunk of pyramid buckets); the newest bar lives in its own picture, so a live tick re-records one bar and
replays everything else. A cached chunk remembers the slot range it was built for: a chunk that grew (a bar closed,
an older page arrived) is rebuilt when it is next painted, and data changes drop only chunks at or after the first
changed slot.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from terminal_app.core.candles import CandleSeries, FloatArray, SeriesChange
from terminal_app.ui.chart.lod import LodLevel, LodPyramid
from terminal_app.ui.chart.palette import ChartPalette

# At fewer pixels per bar than this, bodies are not readable: draw one high-low column per bar or bucket instead.
FULL_MIN_PX = 3.0
CHUNK = 256  # bars per cached picture
LOD_CHUNK = 512  # buckets per cached path pair
# Bounds on the caches (pictures of ~chunk size): panning across a million bars must not keep them all.
MAX_FULL_CHUNKS = 192
MAX_LOD_CHUNKS = 256
BODY_HALF_WIDTH = 0.35


@dataclass(slots=True)
class RenderStats:
    """What the last paints did; tests and the benchmark read these."""

    full_chunk_builds: int = 0
    lod_chunk_builds: int = 0
    tail_builds: int = 0
    paints: int = 0
    mode: str = ""  # "candles" or "lod"
    level: int = 0


def _qcolor(colour: str) -> QtGui.QColor:
    qcolor: QtGui.QColor = pg.mkColor(colour)
    return qcolor


class BarsItem(pg.GraphicsObject):
    """Base of the candle and volume items: visible-range drawing, level of detail and the chunk caches."""

    def __init__(self, series: CandleSeries, pyramid: LodPyramid, palette: ChartPalette) -> None:
        super().__init__()
        self._series = series
        self._pyramid = pyramid
        self._full: dict[int, tuple[int, int, QtGui.QPicture]] = {}
        self._lod: dict[tuple[int, int], tuple[int, int, QtGui.QPainterPath, QtGui.QPainterPath]] = {}
        self._tail: QtGui.QPicture | None = None
        self._tail_slot: int | None = None
        self._bounds = QtCore.QRectF()
        self.stats = RenderStats()
        self.set_palette(palette)

    # --- subclass hooks ----------------------------------------------------------------------------------------
    def _record_bars(self, p: QtGui.QPainter, lo: int, hi: int) -> None:
        raise NotImplementedError

    def _column_ends(self, level: LodLevel, i0: int, i1: int) -> tuple[FloatArray, FloatArray]:
        raise NotImplementedError

    def _bounds_from(self, totals: tuple[float, float, float]) -> tuple[float, float]:
        raise NotImplementedError

    def _apply_palette(self, palette: ChartPalette) -> None:
        raise NotImplementedError

    # --- data ----------------------------------------------------------------------------------------------------
    def set_palette(self, palette: ChartPalette) -> None:
        self._palette = palette
        self._apply_palette(palette)
        self.clear_cache()

    def clear_cache(self) -> None:
        self._full.clear()
        self._lod.clear()
        self._tail = None
        self.update()

    def data_changed(self, change: SeriesChange) -> None:
        """Drop what ``change`` made stale; call after the pyramid was brought up to date."""
        if change.empty:
            return
        self._update_bounds()
        if change.reset:
            self._full.clear()
            self._lod.clear()
            self._tail = None
        if change.prepended:
            old_first = self._series.first_slot + change.prepended
            self._drop(lambda lo, hi, k: lo <= old_first >> k)
        if change.first_changed is not None:
            s = change.first_changed
            self._drop(lambda lo, hi, k: hi >= s >> k)
            self._tail = None
        self.update()

    def _drop(self, stale: Any) -> None:
        for c in [c for c, (lo, hi, _) in self._full.items() if stale(lo, hi, 0)]:
            del self._full[c]
        for key in [key for key, (lo, hi, _, _) in self._lod.items() if stale(lo, hi, key[0])]:
            del self._lod[key]

    def _update_bounds(self) -> None:
        self.prepareGeometryChange()
        totals = self._pyramid.totals(self._series)
        if totals is None:
            self._bounds = QtCore.QRectF()
            return
        bottom, top = self._bounds_from(totals)
        height = top - bottom if top > bottom else max(abs(top), 1.0) * 1e-6
        self._bounds = QtCore.QRectF(self._series.first_slot - 0.5, bottom, len(self._series), height)

    # --- painting ------------------------------------------------------------------------------------------------
    def boundingRect(self) -> QtCore.QRectF:
        return QtCore.QRectF(self._bounds)

    def paint(self, p: QtGui.QPainter, *args: Any) -> None:
        series = self._series
        if len(series) == 0:
            return
        rect = self.viewRect()
        bars_per_px = self.pixelWidth()
        if rect is None or not bars_per_px > 0:
            return
        x0 = max(series.first_slot, math.floor(rect.left()))
        x1 = min(series.last_slot, math.ceil(rect.right()))
        if x1 < x0:
            return
        self.stats.paints += 1
        if bars_per_px <= 1.0 / FULL_MIN_PX:
            self._paint_full(p, x0, x1)
        else:
            self._paint_lod(p, x0, x1, bars_per_px)

    def _paint_full(self, p: QtGui.QPainter, x0: int, x1: int) -> None:
        self.stats.mode, self.stats.level = "candles", 0
        first, last = self._series.first_slot, self._series.last_slot
        for c in range(x0 // CHUNK, x1 // CHUNK + 1):
            lo, hi = max(c * CHUNK, first), min((c + 1) * CHUNK - 1, last - 1)
            if hi < lo:
                continue
            entry = self._full.get(c)
            if entry is None or entry[0] != lo or entry[1] != hi:
                entry = (lo, hi, self._picture(lo, hi))
                self._full[c] = entry
                self.stats.full_chunk_builds += 1
                if len(self._full) > MAX_FULL_CHUNKS:
                    del self._full[next(iter(self._full))]
            p.drawPicture(0, 0, entry[2])
        if x0 <= last <= x1:
            if self._tail is None or self._tail_slot != last:
                self._tail, self._tail_slot = self._picture(last, last), last
                self.stats.tail_builds += 1
            p.drawPicture(0, 0, self._tail)

    def _picture(self, lo: int, hi: int) -> QtGui.QPicture:
        picture = QtGui.QPicture()
        painter = QtGui.QPainter(picture)
        self._record_bars(painter, lo, hi)
        painter.end()
        return picture

    def _paint_lod(self, p: QtGui.QPainter, x0: int, x1: int, bars_per_px: float) -> None:
        k = self._pyramid.level_for(bars_per_px)
        self.stats.mode, self.stats.level = "lod", k
        level = self._pyramid.level(self._series, k)
        last_b = self._series.last_slot >> k
        b0, b1 = x0 >> k, x1 >> k
        for c in range(b0 // LOD_CHUNK, b1 // LOD_CHUNK + 1):
            lo, hi = max(c * LOD_CHUNK, level.first_id), min((c + 1) * LOD_CHUNK - 1, last_b - 1)
            if hi < lo:
                continue
            entry = self._lod.get((k, c))
            if entry is None or entry[0] != lo or entry[1] != hi:
                entry = (lo, hi, *self._column_paths(level, lo, hi))
                self._lod[(k, c)] = entry
                self.stats.lod_chunk_builds += 1
                if len(self._lod) > MAX_LOD_CHUNKS:
                    del self._lod[next(iter(self._lod))]
            p.setPen(self._up_pen)
            p.drawPath(entry[2])
            p.setPen(self._down_pen)
            p.drawPath(entry[3])
        if b0 <= last_b <= b1:
            # The newest bucket holds the forming bar: one line, drawn fresh on every paint.
            up, down = self._column_paths(level, last_b, last_b)
            p.setPen(self._up_pen)
            p.drawPath(up)
            p.setPen(self._down_pen)
            p.drawPath(down)

    def _column_paths(self, level: LodLevel, lo: int, hi: int) -> tuple[QtGui.QPainterPath, QtGui.QPainterPath]:
        """Vertical segments for buckets lo..hi (ids), split by up/down."""
        i0, i1 = lo - level.first_id, hi - level.first_id + 1
        data = level.data
        up = data[3, i0:i1] >= data[0, i0:i1]
        centre = np.arange(lo, hi + 1, dtype=np.float64) * (1 << level.shift) + ((1 << level.shift) - 1) / 2.0
        y_from, y_to = self._column_ends(level, i0, i1)
        paths = []
        for mask in (up, ~up):
            xs = np.repeat(centre[mask], 2)
            ys = np.empty(len(xs), np.float64)
            ys[0::2] = y_from[mask]
            ys[1::2] = y_to[mask]
            paths.append(pg.arrayToQPath(xs, ys, connect="pairs", finiteCheck=False))
        return paths[0], paths[1]


class CandleItem(BarsItem):
    """OHLC candles; zoomed out, one high–low column per pixel (the bucket's colour is its own open→close)."""

    def _apply_palette(self, palette: ChartPalette) -> None:
        self._up_pen = pg.mkPen(palette.up, width=1)
        self._down_pen = pg.mkPen(palette.down, width=1)
        self._up_brush = pg.mkBrush(palette.up)
        self._down_brush = pg.mkBrush(palette.down)

    def _bounds_from(self, totals: tuple[float, float, float]) -> tuple[float, float]:
        return totals[0], totals[1]

    def _column_ends(self, level: LodLevel, i0: int, i1: int) -> tuple[FloatArray, FloatArray]:
        return level.data[2, i0:i1], level.data[1, i0:i1]

    def _record_bars(self, p: QtGui.QPainter, lo: int, hi: int) -> None:
        i0, i1 = lo - self._series.origin, hi - self._series.origin + 1
        o, h, low, c = self._series.values[:4, i0:i1]
        xs = np.arange(lo, hi + 1, dtype=np.float64)
        up = c >= o
        bottom = np.minimum(o, c)
        height = np.abs(c - o)
        for mask, pen, brush in ((up, self._up_pen, self._up_brush), (~up, self._down_pen, self._down_brush)):
            if not mask.any():
                continue
            x = xs[mask].tolist()
            p.setPen(pen)
            p.setBrush(brush)
            p.drawLines([QtCore.QLineF(xi, li, xi, hi_) for xi, li, hi_ in zip(x, low[mask].tolist(),
                                                                                 h[mask].tolist(), strict=True)])
            p.drawRects([
                QtCore.QRectF(xi - BODY_HALF_WIDTH, b, 2 * BODY_HALF_WIDTH, ht)
                for xi, b, ht in zip(x, bottom[mask].tolist(), height[mask].tolist(), strict=True)
            ])


class VolumeItem(BarsItem):
    """Volume bars coloured like their candle; zoomed out, the peak volume per pixel column."""

    def _apply_palette(self, palette: ChartPalette) -> None:
        self._up_pen = pg.mkPen(palette.up_volume, width=1)
        self._down_pen = pg.mkPen(palette.down_volume, width=1)
        self._up_brush = pg.mkBrush(palette.up_volume)
        self._down_brush = pg.mkBrush(palette.down_volume)

    def _bounds_from(self, totals: tuple[float, float, float]) -> tuple[float, float]:
        return 0.0, totals[2]

    def _column_ends(self, level: LodLevel, i0: int, i1: int) -> tuple[FloatArray, FloatArray]:
        return np.zeros(i1 - i0), level.data[4, i0:i1]

    def _record_bars(self, p: QtGui.QPainter, lo: int, hi: int) -> None:
        i0, i1 = lo - self._series.origin, hi - self._series.origin + 1
        values = self._series.values
        up = values[3, i0:i1] >= values[0, i0:i1]
        volume = values[4, i0:i1]
        xs = np.arange(lo, hi + 1, dtype=np.float64)
        p.setPen(QtCore.Qt.PenStyle.NoPen)
        for mask, brush in ((up, self._up_brush), (~up, self._down_brush)):
            if not mask.any():
                continue
            p.setBrush(brush)
            p.drawRects([
                QtCore.QRectF(xi - BODY_HALF_WIDTH, 0.0, 2 * BODY_HALF_WIDTH, v)
                for xi, v in zip(xs[mask].tolist(), volume[mask].tolist(), strict=True)
            ])


class IndicatorLine(pg.GraphicsObject):
    """One indicator line over the series' slots, sampled at the level of detail of the current zoom."""

    def __init__(self, series: CandleSeries, pyramid: LodPyramid, colour: str, width: float = 1.0) -> None:
        super().__init__()
        self._series = series
        self._pyramid = pyramid
        self._values: FloatArray = np.empty(0)
        self._lo = math.inf
        self._hi = -math.inf
        self._bounds = QtCore.QRectF()
        self.set_colour(colour, width)

    def set_colour(self, colour: str, width: float = 1.0) -> None:
        self._pen = pg.mkPen(colour, width=width)
        self.update()

    @property
    def values(self) -> FloatArray:
        return self._values

    def set_values(self, values: FloatArray, changed_from: int = 0) -> None:
        """New values aligned with the series; only ``values[changed_from:]`` differ from the previous ones."""
        self.prepareGeometryChange()
        if changed_from <= 0 or len(self._values) == 0:
            self._lo, self._hi = math.inf, -math.inf
        tail = values[max(0, changed_from) :]
        if len(tail) and not np.isnan(tail).all():
            self._lo = min(self._lo, float(np.nanmin(tail)))
            self._hi = max(self._hi, float(np.nanmax(tail)))
        self._values = values
        if math.isfinite(self._lo):
            n = len(self._series)
            self._bounds = QtCore.QRectF(self._series.first_slot - 0.5, self._lo, n, max(self._hi - self._lo, 1e-12))
        else:
            self._bounds = QtCore.QRectF()
        self.update()

    def boundingRect(self) -> QtCore.QRectF:
        return QtCore.QRectF(self._bounds)

    def sample(self, x0: float, x1: float, bars_per_px: float) -> tuple[FloatArray, FloatArray]:
        """Slots and values drawn for the visible slots [x0, x1]: every 2**k-th bar, aligned on slot multiples."""
        series = self._series
        n = min(len(series), len(self._values))
        if n == 0:
            return np.empty(0), np.empty(0)
        step = 1 << self._pyramid.level_for(bars_per_px)
        lo = max(series.first_slot, math.floor(x0) - step)
        hi = min(series.first_slot + n - 1, math.ceil(x1) + step)
        if hi < lo:
            return np.empty(0), np.empty(0)
        start = -((-lo) // step) * step
        slots = np.arange(start, hi + 1, step, dtype=np.int64)
        if len(slots) == 0 or slots[-1] != hi:
            slots = np.append(slots, hi)  # end on the newest visible bar, so the live value is always drawn
        return slots.astype(np.float64), self._values[slots - series.origin]

    def paint(self, p: QtGui.QPainter, *args: Any) -> None:
        rect = self.viewRect()
        bars_per_px = self.pixelWidth()
        if rect is None or not bars_per_px > 0:
            return
        xs, ys = self.sample(rect.left(), rect.right(), bars_per_px)
        if len(xs) < 2:
            return
        p.setPen(self._pen)
        p.drawPath(pg.arrayToQPath(xs, ys, connect="finite"))


class HistogramItem(pg.GraphicsObject):
    """Bars from zero to a value per slot (the MACD histogram), up colour above zero, down colour below.

    Zoomed in, one bar per slot; zoomed out, one column per bucket of 2**k slots (the pyramid's level for the zoom,
    buckets aligned on slot multiples so they do not shimmer while panning) from the bucket's lowest to its highest
    value, so a spike is never sampled away.
    """

    def __init__(self, series: CandleSeries, pyramid: LodPyramid, palette: ChartPalette) -> None:
        super().__init__()
        self._series = series
        self._pyramid = pyramid
        self._values: FloatArray = np.empty(0)
        self._version = 0
        self._memo: tuple[tuple[int, int, int, int], tuple[FloatArray, FloatArray, FloatArray]] | None = None
        self._bounds = QtCore.QRectF()
        self.set_palette(palette)

    def set_palette(self, palette: ChartPalette) -> None:
        self._up_pen = pg.mkPen(palette.up_volume, width=1)
        self._down_pen = pg.mkPen(palette.down_volume, width=1)
        self._up_brush = pg.mkBrush(palette.up_volume)
        self._down_brush = pg.mkBrush(palette.down_volume)
        self.update()

    @property
    def values(self) -> FloatArray:
        return self._values

    def set_values(self, values: FloatArray, changed_from: int = 0) -> None:
        self.prepareGeometryChange()
        self._values = values
        self._version += 1
        self._memo = None
        n = len(values)
        if n:
            self._bounds = QtCore.QRectF(self._series.first_slot - 0.5, -1.0, n, 2.0)
        else:
            self._bounds = QtCore.QRectF()
        self.update()

    def boundingRect(self) -> QtCore.QRectF:
        # y is whatever the pane shows (the pane fits its range itself); x spans the data.
        vb = self.getViewBox()
        if vb is None or self._bounds.isEmpty():
            return QtCore.QRectF(self._bounds)
        y0, y1 = vb.viewRange()[1]
        return QtCore.QRectF(self._bounds.left(), y0, self._bounds.width(), y1 - y0)

    def viewRangeChanged(self) -> None:
        self.prepareGeometryChange()
        super().viewRangeChanged()

    def buckets(self, x0: float, x1: float, bars_per_px: float) -> tuple[FloatArray, FloatArray, FloatArray]:
        """(x centre, lowest, highest) per drawn column over the visible slots [x0, x1]."""
        series = self._series
        n = len(self._values)
        lo = max(series.first_slot, math.floor(x0))
        hi = min(series.first_slot + n - 1, math.ceil(x1))
        k = self._pyramid.level_for(bars_per_px)
        key = (lo, hi, k, self._version)
        if self._memo is not None and self._memo[0] == key:
            return self._memo[1]
        if hi < lo:
            out: tuple[FloatArray, FloatArray, FloatArray] = (np.empty(0), np.empty(0), np.empty(0))
        else:
            values = self._values[lo - series.origin : hi - series.origin + 1]
            if k == 0:
                out = (np.arange(lo, hi + 1, dtype=np.float64), values, values)
            else:
                step = 1 << k
                ids = np.arange(lo >> k, (hi >> k) + 1, dtype=np.int64)
                starts = np.maximum(ids << k, lo) - lo
                out = (ids.astype(np.float64) * step + (step - 1) / 2.0,
                       np.fmin.reduceat(values, starts), np.fmax.reduceat(values, starts))
        self._memo = (key, out)
        return out

    def extent(self, x0: float, x1: float, bars_per_px: float) -> tuple[float, float] | None:
        _xs, lows, highs = self.buckets(x0, x1, bars_per_px)
        if not len(lows) or np.isnan(lows).all():
            return None
        return float(np.nanmin(lows)), float(np.nanmax(highs))

    def paint(self, p: QtGui.QPainter, *args: Any) -> None:
        rect = self.viewRect()
        bars_per_px = self.pixelWidth()
        if rect is None or not bars_per_px > 0:
            return
        xs, lows, highs = self.buckets(rect.left(), rect.right(), bars_per_px)
        if not len(xs):
            return
        if bars_per_px <= 1.0 / FULL_MIN_PX:
            p.setPen(QtCore.Qt.PenStyle.NoPen)
            for mask, brush in ((highs >= 0, self._up_brush), (highs < 0, self._down_brush)):
                if mask.any():
                    p.setBrush(brush)
                    p.drawRects([QtCore.QRectF(x - BODY_HALF_WIDTH, 0.0, 2 * BODY_HALF_WIDTH, v)
                                 for x, v in zip(xs[mask].tolist(), highs[mask].tolist(), strict=True)])
            return
        finite = np.isfinite(lows)
        xs, lows, highs = xs[finite], lows[finite], highs[finite]
        for top, bottom, pen in ((np.maximum(highs, 0.0), np.zeros(len(xs)), self._up_pen),
                                 (np.zeros(len(xs)), np.minimum(lows, 0.0), self._down_pen)):
            keep = top != bottom
            if not keep.any():
                continue
            x = np.repeat(xs[keep], 2)
            y = np.empty(len(x))
            y[0::2] = bottom[keep]
            y[1::2] = top[keep]
            p.setPen(pen)
            p.drawPath(pg.arrayToQPath(x, y, connect="pairs", finiteCheck=False))
