"""Bottom axis that labels slots with the open time of their bar."""

from __future__ import annotations

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


class TimeAxis(pg.AxisItem):
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
        if rect is None or vb is None:
            return
        left, right, top, bottom = rect.left(), rect.right(), rect.top(), rect.bottom()
        lines: list[QtCore.QLineF] = []
        if self._y_axis is not None:
            lines += [QtCore.QLineF(left, y, right, y) for y in self._ticks(self._y_axis, top, bottom, vb.height())]
        if self._x_axis is not None:
            lines += [QtCore.QLineF(x, top, x, bottom) for x in self._ticks(self._x_axis, left, right, vb.width())]
        if lines:
            p.setPen(self._pen)
            p.drawLines(lines)
