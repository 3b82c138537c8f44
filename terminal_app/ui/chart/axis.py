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
        self._metrics: tuple[QtGui.QFont, QtGui.QFontMetricsF] | None = None
        self._paints: dict[str, tuple[QtGui.QBrush, QtGui.QColor]] = {}  # background → (brush, text colour)

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
        rect: QtCore.QRectF = self.mapRectFromParent(self.geometry())
        if self.orientation in ("left", "right"):
            return rect.bottom() - f * rect.height()
        return rect.left() + f * rect.width()

    def tag_boxes(self, metrics: QtGui.QFontMetricsF | None = None) -> list[tuple[AxisTag, QtCore.QRectF]]:
        """Where each tag is drawn, bottom-most first in drawing order. On a value axis the tags that stay on the
        axis (last and mark price, often a tick apart) are moved apart so both stay readable, the more important
        one (higher ``z``) at its level; the crosshair's tag is always at its level, on top."""
        metrics = metrics or QtGui.QFontMetricsF(self.style["tickFont"] or QtGui.QFont())
        rect = self.mapRectFromParent(self.geometry())
        height = metrics.height() + 2 * self.PAD_Y
        vertical = self.orientation in ("left", "right")
        boxes: list[tuple[AxisTag, QtCore.QRectF]] = []
        placed: list[QtCore.QRectF] = []
        for tag in sorted(self._tags.values(), key=lambda t: -t.z):
            at = self.tag_position(tag.value, tag.clamp)
            if at is None:
                continue
            if vertical:
                top = self._free_top(at - height / 2, height, placed if tag.clamp else [], rect)
                box = QtCore.QRectF(rect.left(), top, rect.width(), height)
                if tag.clamp:
                    placed.append(box)
            else:
                width = metrics.horizontalAdvance(tag.text) + 2 * self.PAD_X
                left = min(max(at - width / 2, rect.left()), rect.right() - width)
                box = QtCore.QRectF(left, rect.top(), width, height)
            boxes.append((tag, box))
        boxes.reverse()
        return boxes

    @staticmethod
    def _free_top(top: float, height: float, taken: list[QtCore.QRectF], rect: QtCore.QRectF) -> float:
        """``top`` inside ``rect``, moved off the boxes in ``taken`` (to the side it is already on)."""
        top = min(max(top, rect.top()), rect.bottom() - height)
        for _ in range(len(taken) + 1):
            hit = next((b for b in taken if b.top() < top + height and top < b.bottom()), None)
            if hit is None:
                return top
            below = top + height / 2 >= hit.center().y()
            room_below = hit.bottom() + height <= rect.bottom()
            room_above = hit.top() - height >= rect.top()
            # to its own side of the tag in the way, or to the other side when the axis ends there
            top = hit.bottom() if (below and room_below) or not room_above else hit.top() - height
        return top

    def paint(self, p: QtGui.QPainter, *args: Any) -> None:
        super().paint(p, *args)
        if not self._tags:
            return
        if self.style["tickFont"] is not None:
            p.setFont(self.style["tickFont"])
        font = p.font()
        if self._metrics is None or self._metrics[0] != font:
            self._metrics = (QtGui.QFont(font), QtGui.QFontMetricsF(font))
        for tag, box in self.tag_boxes(self._metrics[1]):
            paint = self._paints.get(tag.background)
            if paint is None:
                paint = self._paints[tag.background] = (pg.mkBrush(tag.background), text_colour(tag.background))
            p.setPen(QtCore.Qt.PenStyle.NoPen)
            p.setBrush(paint[0])
            p.drawRect(box)
            p.setPen(paint[1])
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
