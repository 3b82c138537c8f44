"""Axes of the chart: the bottom axis labels slots with the open time of their bar; both axes carry *tags* — a value
in a filled box on the axis at its level (the last price, the mark price, the crosshair's price or time).

Tags are painted over the axis' cached picture, so moving one (every tick, every mouse move) repaints the axis by
replaying that picture: no tick is laid out again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

import pyqtgraph as pg
from PySide6 import QtCore, QtGui

from terminal_app.core.candles import CandleSeries

_DAY_MS = 86_400_000


def time_format(span_ms: float) -> str:
    """strftime pattern for ticks ``span_ms`` apart: coarser spans drop the parts that no longer change."""
    if span_ms >= 300 * _DAY_MS:
        return "%Y"
    if span_ms >= 28 * _DAY_MS:
        return "%Y-%m"
    if span_ms >= _DAY_MS:
        return "%Y-%m-%d"
    return "%m-%d %H:%M"


@dataclass(frozen=True, slots=True)
class AxisTag:
    """A value drawn in a box on the axis. ``clamp``: outside the visible range it stays at the nearest edge (the
    last price when the view shows older bars); otherwise it is not drawn."""

    value: float
    text: str
    background: str
    clamp: bool = False
    z: int = 0  # higher is drawn on top


def text_colour(background: str) -> QtGui.QColor:
    """Black or white, whichever reads better on ``background``."""
    c = pg.mkColor(background)
    luminance = 0.299 * c.red() + 0.587 * c.green() + 0.114 * c.blue()
    return QtGui.QColor("#000000") if luminance > 150 else QtGui.QColor("#ffffff")


class TaggedAxis(pg.AxisItem):
    """An axis with tags, drawn in the order they were first set (later ones on top)."""

    PAD_X = 4
    PAD_Y = 2

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._tags: dict[str, AxisTag] = {}

    @property
    def tags(self) -> dict[str, AxisTag]:
        return dict(self._tags)

    def set_tag(self, key: str, tag: AxisTag | None) -> None:
        if tag is None:
            if self._tags.pop(key, None) is not None:
                self.update()
        elif self._tags.get(key) != tag:
            self._tags[key] = tag
            self.update()

    def tag_position(self, value: float, clamp: bool = False) -> float | None:
        """Where ``value`` is along the axis, in the axis' own coordinates (None: out of range, not clamped)."""
        lo, hi = (float(v) for v in self.range)
        if not hi > lo:
            return None
        f = (value - lo) / (hi - lo)
        if not 0.0 <= f <= 1.0:
            if not clamp:
                return None
            f = min(max(f, 0.0), 1.0)
        rect = self.mapRectFromParent(self.geometry())
        if self.orientation in ("left", "right"):
            return rect.bottom() - f * rect.height()
        return rect.left() + f * rect.width()

    def paint(self, p: QtGui.QPainter, *args: Any) -> None:
        super().paint(p, *args)
        if not self._tags:
            return
        if self.style["tickFont"] is not None:
            p.setFont(self.style["tickFont"])
        metrics = QtGui.QFontMetricsF(p.font())
        rect = self.mapRectFromParent(self.geometry())
        height = metrics.height() + 2 * self.PAD_Y
        for tag in sorted(self._tags.values(), key=lambda t: t.z):
            at = self.tag_position(tag.value, tag.clamp)
            if at is None:
                continue
            if self.orientation in ("left", "right"):
                top = min(max(at - height / 2, rect.top()), rect.bottom() - height)
                box = QtCore.QRectF(rect.left(), top, rect.width(), height)
            else:
                width = metrics.horizontalAdvance(tag.text) + 2 * self.PAD_X
                left = min(max(at - width / 2, rect.left()), rect.right() - width)
                box = QtCore.QRectF(left, rect.top(), width, height)
            p.setPen(QtCore.Qt.PenStyle.NoPen)
            p.setBrush(pg.mkBrush(tag.background))
            p.drawRect(box)
            p.setPen(text_colour(tag.background))
            p.drawText(box.adjusted(self.PAD_X, 0, -self.PAD_X, 0),
                       int(QtCore.Qt.AlignmentFlag.AlignVCenter | QtCore.Qt.AlignmentFlag.AlignLeft), tag.text)


class TimeAxis(TaggedAxis):
    """x is a slot (bar number); labels are bar open times, extrapolated by the interval beyond the data."""

    def __init__(self, series: CandleSeries, tz: tzinfo = UTC, **kwargs: Any) -> None:
        super().__init__(orientation="bottom", **kwargs)
        self._series = series
        self.tz = tz

    def tickSpacing(self, minVal: float, maxVal: float, size: float) -> list[tuple[float, float]]:
        # Bars are whole slots: a tick between two bars would repeat a label.
        return [(spacing, offset) for spacing, offset in super().tickSpacing(minVal, maxVal, size) if spacing >= 1]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        fmt = time_format(max(spacing, 1.0) * self._series.interval.ms)
        return [
            datetime.fromtimestamp(self._series.ts_at_slot(round(v)) / 1000, self.tz).strftime(fmt) for v in values
        ]


class GridItem(pg.GraphicsObject):
    """Grid lines at the axes' tick values.

    pyqtgraph's own axis grid costs ~18 ms per 1280x720 frame here (offscreen raster); these few cosmetic lines
    cost well under 1 ms.
    """

    def __init__(self, x_axis: pg.AxisItem | None, y_axis: pg.AxisItem | None, colour: str) -> None:
        super().__init__()
        self._x_axis = x_axis
        self._y_axis = y_axis
        self.setZValue(-100)
        self.set_colour(colour)

    def set_colour(self, colour: str) -> None:
        self._pen = pg.mkPen(colour, width=1)
        self.update()

    def viewRangeChanged(self) -> None:
        self.prepareGeometryChange()
        super().viewRangeChanged()

    def boundingRect(self) -> QtCore.QRectF:
        rect = self.viewRect()
        return QtCore.QRectF(rect) if rect is not None else QtCore.QRectF()

    def _ticks(self, axis: pg.AxisItem, lo: float, hi: float, pixels: float) -> list[float]:
        levels = axis.tickValues(lo, hi, pixels)
        return [v for _spacing, values in levels[:2] for v in values if lo <= v <= hi]

    def paint(self, p: QtGui.QPainter, *args: Any) -> None:
        rect = self.viewRect()
        vb = self.getViewBox()
        if rect is None or vb is None or vb.width() < 1 or vb.height() < 1:
            return  # a pane being shown has no size yet (the axes' tick spacing would divide by zero)
        left, right, top, bottom = rect.left(), rect.right(), rect.top(), rect.bottom()
        lines: list[QtCore.QLineF] = []
        if self._y_axis is not None:
            lines += [QtCore.QLineF(left, y, right, y) for y in self._ticks(self._y_axis, top, bottom, vb.height())]
        if self._x_axis is not None:
            lines += [QtCore.QLineF(x, top, x, bottom) for x in self._ticks(self._x_axis, left, right, vb.width())]
        if lines:
            p.setPen(self._pen)
            p.drawLines(lines)
