"""Indicator panes under the price pane: RSI 14 (30/70 guides) and MACD 12/26/9 with its histogram.

A pane owns a plot (x linked to the price pane, so it pans and zooms with it), its items, the oscillator that feeds
them and a one-line readout in its top-left corner (the values at the crosshair's bar, else at the newest bar). Its
lines are :class:`IndicatorLine` and its histogram :class:`HistogramItem`, which draw at the price pane's level of
detail. A hidden pane computes nothing; it computes the whole series when it is shown.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from terminal_app.core.candles import CandleSeries, SeriesChange
from terminal_app.ui.chart.items import HistogramItem, IndicatorLine
from terminal_app.ui.chart.lod import LodPyramid
from terminal_app.ui.chart.oscillators import Macd, Oscillator, Rsi
from terminal_app.ui.chart.palette import ChartPalette

RSI_PERIOD = 14
RSI_GUIDES = (30.0, 70.0)
MACD_PERIODS = (12, 26, 9)
Y_PADDING = 0.08


class IndicatorPane:
    """Base of the RSI and MACD panes."""

    name = ""
    title = ""

    def __init__(self, plot: pg.PlotItem, series: CandleSeries, pyramid: LodPyramid, palette: ChartPalette,
                 oscillator: Oscillator) -> None:
        self.plot = plot
        self._series = series
        self._pyramid = pyramid
        self._palette = palette
        self.oscillator = oscillator
        self.decimals = 2
        self.readout = QtWidgets.QGraphicsTextItem(plot.vb)
        self.readout.setPos(4, 0)
        self.readout.setZValue(50)
        self.readout.setAcceptedMouseButtons(QtCore.Qt.MouseButton.NoButton)
        self.lines: list[IndicatorLine] = []

    @property
    def active(self) -> bool:
        return bool(self.plot.isVisible())

    def clear(self) -> None:
        self.oscillator.clear()
        self._show_values(0)

    def data_changed(self, change: SeriesChange | None) -> None:
        """Bring the oscillator and the drawing up to date (None: recompute everything)."""
        start = self.oscillator.update(self._series.close, change, self._series.origin)
        self._show_values(start)

    def _show_values(self, start: int) -> None:
        raise NotImplementedError

    def fit(self, x0: float, x1: float, bars_per_px: float) -> None:
        raise NotImplementedError

    def set_palette(self, palette: ChartPalette) -> None:
        self._palette = palette

    def value_at(self, slot: int) -> tuple[float, ...] | None:
        """The pane's values (in ``oscillator.lines`` order) at a slot, or None outside the data."""
        index = slot - self._series.origin
        if not 0 <= index < len(self.oscillator):
            return None
        return tuple(float(v[index]) for v in self.oscillator.values())

    def refresh_readout(self, slot: int) -> None:
        values = self.value_at(slot)
        self.readout.setHtml(f"<div style='white-space:pre'>{self._readout_html(values)}</div>")

    def _readout_html(self, values: tuple[float, ...] | None) -> str:
        raise NotImplementedError

    def _span(self, text: str, colour: str) -> str:
        return f"<span style='color:{colour[:7]}; font-family:monospace'>{text}</span>"

    def _number(self, value: float) -> str:
        return "–" if not math.isfinite(value) else f"{value:,.{self.decimals}f}"


class RsiPane(IndicatorPane):
    name = "rsi"
    title = f"RSI {RSI_PERIOD}"

    def __init__(self, plot: pg.PlotItem, series: CandleSeries, pyramid: LodPyramid, palette: ChartPalette) -> None:
        super().__init__(plot, series, pyramid, palette, Rsi(RSI_PERIOD))
        self.line = IndicatorLine(series, pyramid, palette.rsi)
        self.lines = [self.line]
        self.band = pg.LinearRegionItem(values=RSI_GUIDES, orientation="horizontal", movable=False)
        self.band.setZValue(-50)
        for guide in self.band.lines:
            guide.setMovable(False)
        plot.addItem(self.band, ignoreBounds=True)
        plot.addItem(self.line)
        plot.getAxis("right").setTicks([[(v, f"{v:g}") for v in (RSI_GUIDES[0], 50.0, RSI_GUIDES[1])]])
        plot.vb.setYRange(0, 100, padding=Y_PADDING)
        self.set_palette(palette)

    def set_palette(self, palette: ChartPalette) -> None:
        super().set_palette(palette)
        self.line.set_colour(palette.rsi)
        self.band.setBrush(pg.mkBrush(palette.rsi[:7] + "1a"))
        self.band.setHoverBrush(pg.mkBrush(palette.rsi[:7] + "1a"))
        for guide in self.band.lines:
            guide.setPen(pg.mkPen(palette.foreground[:7] + "80", width=1, style=QtCore.Qt.PenStyle.DashLine))
            guide.setHoverPen(guide.pen)

    def _show_values(self, start: int) -> None:
        values = self.oscillator.values()[0] if len(self.oscillator) else np.empty(0)
        self.line.set_values(values, start)

    def fit(self, x0: float, x1: float, bars_per_px: float) -> None:
        return  # a fixed 0..100 scale keeps the 30/70 guides in place

    def _readout_html(self, values: tuple[float, ...] | None) -> str:
        text = self._span(self.title, self._palette.foreground)
        if values is not None:
            text += "  " + self._span(self._number(values[0]), self._palette.rsi)
        return text


class MacdPane(IndicatorPane):
    name = "macd"
    title = "MACD {} {} {}".format(*MACD_PERIODS)

    def __init__(self, plot: pg.PlotItem, series: CandleSeries, pyramid: LodPyramid, palette: ChartPalette) -> None:
        super().__init__(plot, series, pyramid, palette, Macd(*MACD_PERIODS))
        self.histogram = HistogramItem(series, pyramid, palette)
        self.macd_line = IndicatorLine(series, pyramid, palette.macd)
        self.signal_line = IndicatorLine(series, pyramid, palette.macd_signal)
        self.lines = [self.macd_line, self.signal_line]
        self.zero = pg.InfiniteLine(pos=0.0, angle=0, movable=False)
        self.zero.setZValue(-50)
        plot.addItem(self.zero, ignoreBounds=True)
        plot.addItem(self.histogram)
        plot.addItem(self.macd_line)
        plot.addItem(self.signal_line)
        self.set_palette(palette)

    def set_palette(self, palette: ChartPalette) -> None:
        super().set_palette(palette)
        self.histogram.set_palette(palette)
        self.macd_line.set_colour(palette.macd)
        self.signal_line.set_colour(palette.macd_signal)
        self.zero.setPen(pg.mkPen(palette.foreground[:7] + "60", width=1, style=QtCore.Qt.PenStyle.DashLine))

    def _show_values(self, start: int) -> None:
        if len(self.oscillator):
            macd, signal, histogram = self.oscillator.values()
        else:
            macd = signal = histogram = np.empty(0)
        self.macd_line.set_values(macd, start)
        self.signal_line.set_values(signal, start)
        self.histogram.set_values(histogram, start)

    def fit(self, x0: float, x1: float, bars_per_px: float) -> None:
        lo, hi = math.inf, -math.inf
        for line in self.lines:
            ys = line.sample(x0, x1, bars_per_px)[1]
            if len(ys) and not np.isnan(ys).all():
                lo, hi = min(lo, float(np.nanmin(ys))), max(hi, float(np.nanmax(ys)))
        extent = self.histogram.extent(x0, x1, bars_per_px)
        if extent is not None:
            lo, hi = min(lo, extent[0]), max(hi, extent[1])
        if not math.isfinite(lo):
            return
        lo, hi = min(lo, 0.0), max(hi, 0.0)  # the zero line stays in view
        pad = (hi - lo) * Y_PADDING or 1.0
        self.plot.vb.setYRange(lo - pad, hi + pad, padding=0)

    def _readout_html(self, values: tuple[float, ...] | None) -> str:
        text = self._span(self.title, self._palette.foreground)
        if values is not None:
            macd, signal, histogram = values
            colour = self._palette.up if histogram >= 0 else self._palette.down
            text += "  " + "  ".join((self._span(self._number(macd), self._palette.macd),
                                      self._span(self._number(signal), self._palette.macd_signal),
                                      self._span(self._number(histogram), colour)))
        return text
