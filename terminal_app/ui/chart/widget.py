"""The Chart dock's widget: candles + volume, intervals, overlays, RSI/MACD panes, crosshair readout and axis tags,
last and mark price, funding countdown, price lines, loading progress.

It does no I/O: a service feeds it with :meth:`ChartWidget.set_history`, :meth:`ChartWidget.prepend_history`,
:meth:`ChartWidget.apply_live` and :meth:`ChartWidget.set_perpetual`, and listens to ``interval_changed``,
``older_history_wanted`` and ``indicator_toggled``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from terminal_app.core.candles import (
    CandleSeries,
    FloatArray,
    IndicatorSpec,
    IntArray,
    Interval,
    SeriesChange,
)
from terminal_app.ui.chart.axis import AxisTag, GridItem, TaggedAxis, TimeAxis
from terminal_app.ui.chart.backfill import HistoryBackfill, split_history
from terminal_app.ui.chart.fit_label import FitLabel, short_countdown
from terminal_app.ui.chart.items import CandleItem, IndicatorLine, VolumeItem
from terminal_app.ui.chart.lod import LodPyramid
from terminal_app.ui.chart.none_guard import pin_none
from terminal_app.ui.chart.palette import ChartPalette
from terminal_app.ui.chart.panes import IndicatorPane, MacdPane, RsiPane
from terminal_app.ui.chart.price_lines import AlgoLine, OrderLine, PriceLines

Key = QtCore.Qt.Key
Mod = QtCore.Qt.KeyboardModifier

# (name, button text, formula, palette colour attribute)
OVERLAYS: tuple[tuple[str, str, IndicatorSpec, str], ...] = (
    ("ma", "MA 20", IndicatorSpec("sma", 20), "ma"),
    ("ema", "EMA 50", IndicatorSpec("ema", 50), "ema"),
    ("bb", "BB 20", IndicatorSpec("bollinger", 20, 2.0), "bollinger"),
)
# Indicators in their own pane under the price pane: (name, button text).
PANES: tuple[tuple[str, str], ...] = (("rsi", RsiPane.title), ("macd", "MACD"))
INDICATORS: tuple[str, ...] = tuple(name for name, *_ in OVERLAYS) + tuple(name for name, _ in PANES)
INDICATOR_PANES: tuple[str, ...] = tuple(name for name, _ in PANES)
# Row heights (stretch) of the panes: price, volume, then each indicator pane.
PRICE_STRETCH, VOLUME_STRETCH, INDICATOR_STRETCH = 8, 2, 3
PANE_ROWS: tuple[str, ...] = ("price", "volume", *INDICATOR_PANES)  # the chart's rows, top down
PANE_STRETCH = {"price": PRICE_STRETCH, "volume": VOLUME_STRETCH, "rsi": INDICATOR_STRETCH, "macd": INDICATOR_STRETCH}

# Axis tags, drawn in this order (later on top).
MARK_TAG, LAST_TAG, CROSS_TAG = "mark", "last", "crosshair"

DEFAULT_VISIBLE_BARS = 150
RIGHT_MARGIN_BARS = 5
MIN_VISIBLE_BARS = 10
PAN_STEP = 0.1  # of the visible width per key press
ZOOM_STEP = 1.25
Y_PADDING = 0.06
AXIS_WIDTH = 72


def _fmt(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}"


def _fmt_price(value: Decimal | float, decimals: int) -> str:
    """A price on the market's tick with grouping; a Decimal is rounded exactly (half-even), never via a float."""
    if isinstance(value, Decimal):
        return f"{value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_EVEN):,.{decimals}f}"
    return _fmt(value, decimals)


def countdown(ms: int) -> str:
    """``HH:MM:SS`` of a non-negative duration, whole seconds down (hours may pass 24)."""
    seconds = max(0, ms) // 1000
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


@dataclass(frozen=True, slots=True)
class Perpetual:
    """What the ticker of a perpetual says: mark price, funding rate (a ratio) and the next funding time (ms)."""

    mark: Decimal | None
    funding_rate: Decimal | None
    next_funding_ms: int | None


@dataclass(slots=True)
class Pane:
    """One row of the chart: its plot, right axis, time axis and crosshair lines."""

    name: str
    plot: pg.PlotItem
    axis: TaggedAxis
    time_axis: TimeAxis
    vline: pg.InfiniteLine
    hline: pg.InfiniteLine
    format: Callable[[float], str]


def _auto_decimals(price: float) -> int:
    if price == 0 or not math.isfinite(price):
        return 2
    return max(2, min(8, 5 - math.floor(math.log10(abs(price)))))


class ChartWidget(QtWidgets.QWidget):
    """Candlestick chart of one symbol.

    Signals:
        interval_changed(str): the user picked another interval (label, e.g. ``"1H"``).
        indicator_toggled(str, bool): an indicator (a name of :data:`INDICATORS`) was switched on or off.
        older_history_wanted(int): the view came within one screen of the oldest bar; the argument is that bar's
            open time in ms (emitted once per oldest bar), so a service can fetch the page before it.
        order_moved(str, float): an open order's line was dragged and dropped at a price (order id, the price as
            drawn; the receiver rounds it to the tick and modifies the order).
        price_clicked(float): a click (not a drag) in the price pane at this price, for the ticket.
    """

    interval_changed = QtCore.Signal(str)
    indicator_toggled = QtCore.Signal(str, bool)
    older_history_wanted = QtCore.Signal(object)  # int ms; a Qt int signal would overflow
    order_moved = QtCore.Signal(str, float)
    algo_moved = QtCore.Signal(str, float)  # an algo order's line dropped at a price (its clientOid, the price)
    algo_clicked = QtCore.Signal(str)  # an algo order's line clicked: cancel it (its clientOid)
    price_clicked = QtCore.Signal(float)

    def __init__(
        self,
        parent: QtWidgets.QWidget | None = None,
        *,
        palette: ChartPalette | None = None,
        interval: Interval = Interval.M15,
        tz: tzinfo = UTC,
    ) -> None:
        pin_none()
        super().__init__(parent)
        self.setObjectName("chart")
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)
        self._palette = palette or ChartPalette.dark()
        self._interval = interval
        self._tz = tz
        self._price_decimals: int | None = None
        self.series = CandleSeries(interval)
        self.pyramid = LodPyramid()
        self._backfill: HistoryBackfill | None = None
        self._indicator_values: dict[str, tuple[FloatArray, ...]] = {}
        self._crosshair_slot: int | None = None
        self._crosshair_pane: str | None = None
        self._crosshair_y: float | None = None
        self._wanted_before: int | None = None
        self._perpetual: Perpetual | None = None
        self._funding_text = ""
        # The exchange's clock for the funding countdown (the terminal passes its session clock).
        self.now_ms: Callable[[], int] = lambda: int(time.time() * 1000)
        self._funding_timer = QtCore.QTimer(self)
        self._funding_timer.setSingleShot(True)
        self._funding_timer.timeout.connect(self._refresh_funding)

        root = QtWidgets.QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(0)
        root.addLayout(self._build_bar())
        self._view = pg.GraphicsLayoutWidget()
        self._view.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)
        self._view.installEventFilter(self)
        root.addWidget(self._view, 1)
        # The OHLCV readout floats over the top-left corner of the price pane, as traders know it from other charts.
        self.readout = QtWidgets.QLabel(self._view)
        self.readout.setObjectName("chart_readout")
        self.readout.setAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        font = QtGui.QFont(self.readout.font())
        font.setStyleHint(QtGui.QFont.StyleHint.Monospace)
        font.setFamilies(["DejaVu Sans Mono", "monospace"])
        self.readout.setFont(font)
        self.readout.move(6, 4)
        self._build_plots()
        self.set_palette(self._palette)
        self._refresh_readout()

    # --- construction ----------------------------------------------------------------------------------------------
    def _build_bar(self) -> QtWidgets.QHBoxLayout:
        bar = QtWidgets.QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 2)
        bar.setSpacing(2)
        self._interval_group = QtWidgets.QButtonGroup(self)
        self._interval_group.setExclusive(True)
        self.interval_buttons: dict[Interval, QtWidgets.QToolButton] = {}
        for iv in Interval:
            button = _tool_button(iv.label)
            button.setToolTip(iv.hint)
            button.setObjectName(f"interval_{iv.value}")
            button.setChecked(iv == self._interval)
            button.clicked.connect(lambda _checked=False, iv=iv: self._on_interval_clicked(iv))
            self._interval_group.addButton(button)
            self.interval_buttons[iv] = button
            bar.addWidget(button)
        bar.addSpacing(8)
        self.indicator_buttons: dict[str, QtWidgets.QToolButton] = {}
        self.overlay_buttons = self.indicator_buttons  # the older name
        for name, text in [(n, t) for n, t, *_ in OVERLAYS] + list(PANES):
            button = _tool_button(text)
            button.setObjectName(f"overlay_{name}")
            button.toggled.connect(lambda on, name=name: self._on_indicator_toggled(name, on))
            self.indicator_buttons[name] = button
            bar.addWidget(button)
        # Perpetuals: mark price and the funding countdown (hidden for spot). It takes the room the buttons leave
        # and no more: as a fixed-width label it made a 1,600-pixel window's minimum width 1,676 with a perpetual
        # open, squeezing the book and the tape (screenshots); when narrow it shows a shorter form, not a cut one.
        self.funding_label = FitLabel("Mark price, current funding rate and the time left until the next funding")
        self.funding_label.setObjectName("chart_funding")
        self.funding_label.hide()
        bar.addWidget(self.funding_label, 1)
        bar.addSpacing(6)
        self.progress = QtWidgets.QProgressBar()
        self.progress.setObjectName("chart_progress")
        self.progress.setMaximumWidth(180)
        self.progress.setTextVisible(True)
        self.progress.hide()
        bar.addWidget(self.progress)
        return bar

    def _build_plots(self) -> None:
        view = self._view
        view.ci.layout.setSpacing(0)
        view.ci.setContentsMargins(0, 0, 0, 0)
        self.panes: dict[str, Pane] = {}  # the panes built so far, in row order (PANE_ROWS)
        self.grids: list[GridItem] = []
        # The RSI and MACD panes (two of the four plots, a third of the chart's construction and of the main
        # window's on the start-up's path) are built the first time they are shown (_show_pane).
        self.indicator_panes: dict[str, IndicatorPane] = {}
        self._add_pane("price")
        self._add_pane("volume")
        self.price_plot = self.panes["price"].plot
        self.volume_plot = self.panes["volume"].plot
        self.price_axis = self.panes["price"].axis
        self.time_axis = self.panes["volume"].time_axis  # grid lines follow its ticks in every pane
        self._vline, self._hline = self.panes["price"].vline, self.panes["price"].hline
        for pane in self.panes.values():
            self._add_grid(pane)
        self.volume_plot.setXLink(self.price_plot)  # the indicator panes link when they are shown
        self.candles = CandleItem(self.series, self.pyramid, self._palette)
        self.volume = VolumeItem(self.series, self.pyramid, self._palette)
        self.price_plot.addItem(self.candles)
        self.volume_plot.addItem(self.volume)
        self.overlay_lines: dict[str, list[IndicatorLine]] = {}
        for name, _text, spec, colour_attr in OVERLAYS:
            count = 3 if spec.kind == "bollinger" else 1
            colour = getattr(self._palette, colour_attr)
            lines = [IndicatorLine(self.series, self.pyramid, colour) for _ in range(count)]
            for line in lines:
                line.hide()
                self.price_plot.addItem(line)
            self.overlay_lines[name] = lines

        # The last price: a faint line across the pane and a tag on the axis in the live bar's colour.
        self._last_line = pg.InfiniteLine(angle=0, movable=False)
        self._last_line.setZValue(-10)
        self._last_line.hide()
        self.price_plot.addItem(self._last_line, ignoreBounds=True)
        # The mark price of a perpetual: a dashed line with its tag, in the colour of "Mark …" in the header (a label
        # on the line would sit on the newest candles, where the mark price is).
        self._mark_line = pg.InfiniteLine(angle=0, movable=False)
        self._mark_line.setZValue(-5)
        self._mark_line.hide()
        self.price_plot.addItem(self._mark_line, ignoreBounds=True)
        self.price_lines = PriceLines(self.price_plot, self._palette)
        self.price_lines.on_order_moved = self.order_moved.emit
        self.price_lines.on_algo_moved = self.algo_moved.emit
        self.price_lines.on_algo_clicked = self.algo_clicked.emit
        self.price_lines.format_price = lambda price: _fmt(price, self.price_decimals)
        self.price_lines.decimals = lambda: self.price_decimals

        self.price_plot.vb.sigXRangeChanged.connect(self._on_x_range_changed)
        view.scene().sigMouseMoved.connect(self._on_mouse_moved)
        view.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        view.viewport().installEventFilter(self)

    def _pane_format(self, name: str) -> Callable[[float], str]:
        if name == "price":
            return lambda v: _fmt(v, self.price_decimals)
        if name == "volume":
            return lambda v: _fmt(v, min(self.series.volume_decimals if self.series.volume_decimals is not None
                                         else 2, 8))
        if name == "rsi":
            return lambda v: _fmt(v, 2)
        return lambda v: _fmt(v, max(2, self.price_decimals))

    def _add_pane(self, name: str) -> Pane:
        """The plot of one row (:data:`PANE_ROWS`), with its axes and crosshair lines."""
        row = PANE_ROWS.index(name)
        time_axis = TimeAxis(self.series, tz=self._tz)
        axis = TaggedAxis(orientation="right")
        # enableMenu=False from the start: a ViewBox made with its menu builds it (~10 ms a pane) and
        # setMenuEnabled(False) then tears it down again (as long): a sixth of the window's construction.
        plot: pg.PlotItem = self._view.addPlot(row=row, col=0, axisItems={"bottom": time_axis, "right": axis},
                                               enableMenu=False)
        self._view.ci.layout.setRowStretchFactor(row, PANE_STRETCH[name])
        plot.hideAxis("left")
        plot.showAxis("right")
        axis.setWidth(AXIS_WIDTH)
        plot.hideButtons()
        plot.setMenuEnabled(False)
        plot.setMouseEnabled(x=True, y=False)  # y follows the visible bars
        plot.vb.disableAutoRange()
        if name != "volume":
            plot.hideAxis("bottom")  # the time axis is under the lowest pane shown
        vline = pg.InfiniteLine(angle=90, movable=False)
        hline = pg.InfiniteLine(angle=0, movable=False)
        for line in (vline, hline):
            line.hide()
            line.setZValue(20)
            plot.addItem(line, ignoreBounds=True)
        pane = Pane(name, plot, axis, time_axis, vline, hline, self._pane_format(name))
        self.panes[name] = pane
        ordered = sorted(self.panes.items(), key=lambda item: PANE_ROWS.index(item[0]))
        self.panes.clear()
        self.panes.update(ordered)
        return pane

    def _add_grid(self, pane: Pane) -> None:
        # Horizontal grid lines on the price and MACD panes; RSI has its 30/70 guides instead.
        grid = GridItem(self.time_axis, pane.axis if pane.name in ("price", "macd") else None, self._palette.grid)
        self.grids.append(grid)
        pane.plot.addItem(grid, ignoreBounds=True)

    def _paint_pane(self, pane: Pane, palette: ChartPalette) -> None:
        for axis in (pane.axis, pane.time_axis):
            axis.setPen(pg.mkPen(palette.foreground))
            axis.setTextPen(pg.mkPen(palette.foreground))
        pen = pg.mkPen(palette.crosshair, width=1, style=QtCore.Qt.PenStyle.DashLine)
        pane.vline.setPen(pen)
        pane.hline.setPen(pen)

    def _build_indicator(self, name: str) -> IndicatorPane:
        """The RSI or MACD pane, built when first shown: as the chart would have had it from the start."""
        pane = self._add_pane(name)
        self._add_grid(pane)
        self._paint_pane(pane, self._palette)
        indicator: IndicatorPane = (RsiPane if name == "rsi" else MacdPane)(pane.plot, self.series, self.pyramid,
                                                                            self._palette)
        self.indicator_panes[name] = indicator
        if self._crosshair_slot is not None:  # the crosshair is on: its line crosses the new pane, its time tag too
            pane.vline.setPos(self._crosshair_slot)
            pane.vline.show()
            self._refresh_crosshair_tags()
        return indicator

    # --- palette, interval, decimals --------------------------------------------------------------------------------
    @property
    def chart_palette(self) -> ChartPalette:
        return self._palette

    def set_palette(self, palette: ChartPalette) -> None:
        self._palette = palette
        self._view.setBackground(palette.background)
        for pane in self.panes.values():
            self._paint_pane(pane, palette)
        for grid in self.grids:
            grid.set_colour(palette.grid)
        self.candles.set_palette(palette)
        self.volume.set_palette(palette)
        for name, _text, _spec, colour_attr in OVERLAYS:
            for line in self.overlay_lines[name]:
                line.set_colour(getattr(palette, colour_attr))
        for indicator in self.indicator_panes.values():
            indicator.set_palette(palette)
        self._mark_line.setPen(pg.mkPen(palette.mark, width=1, style=QtCore.Qt.PenStyle.DashLine))
        self.price_lines.set_palette(palette)
        self.readout.setStyleSheet(f"color: {palette.foreground}; background: transparent;")
        self._refresh_last_price()
        self._refresh_mark()
        self._refresh_funding()
        self._refresh_crosshair_tags()
        self._refresh_readout()

    @property
    def interval(self) -> Interval:
        return self._interval

    def set_interval(self, interval: Interval | str) -> None:
        """Select an interval without emitting ``interval_changed`` (the caller already knows)."""
        self._interval = Interval.parse(interval) if isinstance(interval, str) else interval
        self.interval_buttons[self._interval].setChecked(True)

    def _on_interval_clicked(self, interval: Interval) -> None:
        if interval == self._interval:
            return
        self._interval = interval
        self.interval_changed.emit(interval.value)

    def set_price_decimals(self, decimals: int | None) -> None:
        """Decimals of the market's tick size; None uses the decimals seen in the data."""
        self._price_decimals = decimals
        self._refresh_readout()
        self._refresh_last_price()
        self._refresh_mark()
        self._refresh_funding()

    @property
    def price_decimals(self) -> int:
        if self._price_decimals is not None:
            return self._price_decimals
        if self.series.price_decimals is not None:
            return self.series.price_decimals
        return _auto_decimals(float(self.series.close[-1])) if len(self.series) else 2

    # --- data ----------------------------------------------------------------------------------------------------
    def set_history(self, rows: Iterable[Any]) -> None:
        """Replace the bars (rows of (ts_ms, o, h, l, c, vol, …) or candle objects) and show the latest ones.

        A long history (oldest first) shows its newest bars at once and parses the rest between frames
        (:mod:`terminal_app.ui.chart.backfill`); :attr:`history_pending` is True until they are merged in.
        """
        self._cancel_backfill()
        self.series.interval = self._interval
        rows = rows if isinstance(rows, Sequence) else list(rows)
        older, newest = split_history(rows)
        self._data_changed(self.series.set_history(newest))
        self.reset_view()
        if older:
            self._backfill = HistoryBackfill(older, self._backfill_done, self)

    def set_history_arrays(self, ts: IntArray, values: FloatArray) -> None:
        """Like :meth:`set_history` from columns (ts (n,), values (5, n)), e.g. from a local candle cache."""
        self._cancel_backfill()
        self.series.interval = self._interval
        self._data_changed(self.series.set_history_arrays(ts, values))
        self.reset_view()

    @property
    def history_pending(self) -> bool:
        """Older rows of the last history are still being parsed (the newest bars are shown)."""
        return self._backfill is not None and self._backfill.pending

    def finish_history(self) -> None:
        """Parse and merge the rest of the last history now."""
        if self._backfill is not None:
            self._backfill.finish()

    def _cancel_backfill(self) -> None:
        if self._backfill is not None:
            self._backfill.cancel()
            self._backfill.deleteLater()
            self._backfill = None

    def _backfill_done(self, ts: IntArray, values: FloatArray) -> None:
        self._data_changed(self.series.prepend_arrays(ts, values))

    def prepend_history(self, rows: Iterable[Any]) -> None:
        """An older page; the view stays on the bars it shows."""
        self._data_changed(self.series.prepend_history(rows))

    def apply_live(self, row: Any) -> None:
        """A candle-channel row: updates the forming bar or opens the next one (the view follows the live edge)."""
        followed = self._live_edge_visible()
        change = self.series.apply_live(row)
        self._data_changed(change)
        if change.reset:
            self.reset_view()
        elif change.appended and followed:
            x0, x1 = self.visible_range()
            self.set_visible_range(x0 + change.appended, x1 + change.appended)

    def _live_edge_visible(self) -> bool:
        if len(self.series) == 0:
            return True
        x0, x1 = self.visible_range()
        return x0 <= self.series.last_slot <= x1

    def _data_changed(self, change: SeriesChange) -> None:
        if change.empty:
            return
        if change.reset or change.prepended:
            self.pyramid.rebuild(self.series)
        elif change.first_changed is not None:
            self.pyramid.update_from(self.series, change.first_changed)
        self.candles.data_changed(change)
        self.volume.data_changed(change)
        self._recompute_overlays(change)
        for pane in self.indicator_panes.values():
            if pane.active:
                pane.data_changed(change)
        self._refresh_last_price()
        self._refresh_readout()
        self._fit_y()

    # --- indicators ------------------------------------------------------------------------------------------------
    def indicator_enabled(self, name: str) -> bool:
        return self.indicator_buttons[name].isChecked()

    def set_indicator(self, name: str, on: bool) -> None:
        """Switch an indicator (a name of :data:`INDICATORS`) on or off, as its button does."""
        self.indicator_buttons[name].setChecked(on)

    def enabled_indicators(self) -> dict[str, bool]:
        return {name: self.indicator_enabled(name) for name in INDICATORS}

    # The names from before the indicator panes.
    overlay_enabled = indicator_enabled
    set_overlay = set_indicator

    def _on_indicator_toggled(self, name: str, on: bool) -> None:
        if name in INDICATOR_PANES:
            self._show_pane(name, on)
        else:
            self._on_overlay_toggled(name, on)
        self.indicator_toggled.emit(name, on)

    def _show_pane(self, name: str, on: bool) -> None:
        pane = self.indicator_panes.get(name)
        if pane is None:
            if not on:
                return  # never shown: nothing to hide
            pane = self._build_indicator(name)
        plot = pane.plot
        row = PANE_ROWS.index(name)
        if on:
            pane.data_changed(None)
            plot.setMaximumHeight(16_777_215)
            plot.show()
        else:
            pane.clear()
            plot.hide()
            plot.setMaximumHeight(0)  # a hidden item keeps its row in a graphics layout unless it has no height
        self._view.ci.layout.setRowStretchFactor(row, INDICATOR_STRETCH if on else 0)
        # The time axis goes under the lowest pane shown.
        lowest = [n for n in self.panes if n in ("price", "volume") or self.indicator_panes[n].active][-1]
        for pane_name, p in self.panes.items():
            p.plot.showAxis("bottom", pane_name == lowest)
        # Lay the panes out now: a pane shown keeps a stale width until then, and the x link maps the range by
        # pixels, so it would draw a wider range than the price pane until the next event loop pass.
        self._view.ci.layout.activate()
        for p in self.panes.values():
            p.plot.layout.activate()
        # Only a pane shown follows the price pane's x range: a hidden one linked cost every pan and zoom frame
        # the range updates of its view, axes and grid (~15 % of a frame).
        plot.setXLink(self.price_plot if on else None)
        self._fit_y()
        self._refresh_readout()

    def _on_overlay_toggled(self, name: str, on: bool) -> None:
        lines = self.overlay_lines[name]
        if on:
            self._compute_overlay(name, None)
        else:
            self._indicator_values.pop(name, None)
            for line in lines:
                line.set_values(np.empty(0))
        for line in lines:
            line.setVisible(on)
        self._fit_y()

    def _recompute_overlays(self, change: SeriesChange) -> None:
        for name, *_ in OVERLAYS:
            if self.overlay_enabled(name):
                self._compute_overlay(name, change)

    def _compute_overlay(self, name: str, change: SeriesChange | None) -> None:
        """Full computation for a new overlay or new history; otherwise only the ends that moved."""
        spec = next(s for n, _t, s, _c in OVERLAYS if n == name)
        close = self.series.close
        values = self._indicator_values.get(name)
        start = 0
        if values is None or change is None or change.reset:
            values = spec.compute(close)
        else:
            if change.prepended:
                values = spec.update_head(close, values, change.prepended)
            if change.first_changed is not None:
                start = change.first_changed - self.series.origin
                values = spec.update_tail(close, values, start)
            if change.prepended:
                start = 0  # the line's cached min/max must be taken again
        self._indicator_values[name] = values
        for line, arr in zip(self.overlay_lines[name], values, strict=True):
            line.set_values(arr, start)

    # --- view ------------------------------------------------------------------------------------------------------
    def visible_range(self) -> tuple[float, float]:
        x0, x1 = self.price_plot.vb.viewRange()[0]
        return float(x0), float(x1)

    def set_visible_range(self, x0: float, x1: float) -> None:
        self.price_plot.vb.setXRange(x0, x1, padding=0)

    def pan(self, fraction: float) -> None:
        x0, x1 = self.visible_range()
        shift = (x1 - x0) * fraction
        self.set_visible_range(x0 + shift, x1 + shift)

    def zoom(self, factor: float) -> None:
        """factor < 1 zooms in. Anchored on the live edge when it is in view, else on the centre."""
        x0, x1 = self.visible_range()
        width = x1 - x0
        limit = max(len(self.series), DEFAULT_VISIBLE_BARS) * 1.25
        new_width = min(max(width * factor, MIN_VISIBLE_BARS), limit)
        if self._live_edge_visible():
            self.set_visible_range(x1 - new_width, x1)
        else:
            centre = (x0 + x1) / 2
            self.set_visible_range(centre - new_width / 2, centre + new_width / 2)

    def go_latest(self) -> None:
        x0, x1 = self.visible_range()
        right = self.series.last_slot + RIGHT_MARGIN_BARS
        self.set_visible_range(right - (x1 - x0), right)

    def reset_view(self) -> None:
        right = self.series.last_slot + RIGHT_MARGIN_BARS
        self.set_visible_range(right - DEFAULT_VISIBLE_BARS, right)

    def handle_key(self, key: int, modifiers: QtCore.Qt.KeyboardModifier) -> bool:
        """Chart keys: Left/Right pan, Up/+ zoom in, Down/- zoom out, Home latest, Alt+R reset."""
        if key == Key.Key_R and modifiers & Mod.AltModifier:
            self.reset_view()
        elif modifiers & (Mod.ControlModifier | Mod.AltModifier | Mod.MetaModifier):
            return False
        elif key == Key.Key_Left:
            self.pan(-PAN_STEP)
        elif key == Key.Key_Right:
            self.pan(PAN_STEP)
        elif key in (Key.Key_Up, Key.Key_Plus, Key.Key_Equal):
            self.zoom(1 / ZOOM_STEP)
        elif key in (Key.Key_Down, Key.Key_Minus):
            self.zoom(ZOOM_STEP)
        elif key == Key.Key_Home:
            self.go_latest()
        else:
            return False
        return True

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:
        if not self.handle_key(event.key(), event.modifiers()):
            super().keyPressEvent(event)

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        # The plot area has focus after a click; pyqtgraph's view box would take +/- for its zoom history.
        if watched is self._view and event.type() == QtCore.QEvent.Type.KeyPress:
            assert isinstance(event, QtGui.QKeyEvent)
            return self.handle_key(event.key(), event.modifiers())
        if event.type() == QtCore.QEvent.Type.Leave and watched is self._view.viewport():
            self.hide_crosshair()  # the pointer left the chart: no crosshair or tags left behind
        return super().eventFilter(watched, event)

    def _on_x_range_changed(self, *_args: Any) -> None:
        self._fit_y()
        if len(self.series) == 0:
            return
        x0, x1 = self.visible_range()
        first = self.series.first_slot
        if x0 < first + (x1 - x0):
            oldest = self.series.ts_at_slot(first)
            if oldest != self._wanted_before:
                self._wanted_before = oldest
                self.older_history_wanted.emit(oldest)

    def _fit_y(self) -> None:
        """Scale price and volume to the bars (and shown overlays) in view."""
        x0, x1 = self.visible_range()
        extent = self.pyramid.extent(self.series, x0, x1)
        if extent is None:
            return
        low, high, volume = extent
        bars_per_px = (x1 - x0) / max(1.0, self.price_plot.vb.width())
        for name, *_ in OVERLAYS:
            if self.overlay_enabled(name):
                for line in self.overlay_lines[name]:
                    ys = line.sample(x0, x1, bars_per_px)[1]
                    if len(ys) and not np.isnan(ys).all():
                        low, high = min(low, float(np.nanmin(ys))), max(high, float(np.nanmax(ys)))
        pad = (high - low) * Y_PADDING or max(abs(high), 1.0) * 1e-4
        self.price_plot.vb.setYRange(low - pad, high + pad, padding=0)
        self.volume_plot.vb.setYRange(0, (volume or 1.0) * 1.1, padding=0)
        for pane in self.indicator_panes.values():
            if pane.active:
                pane.fit(x0, x1, bars_per_px)

    # --- crosshair and readout ------------------------------------------------------------------------------------
    def _on_mouse_moved(self, pos: QtCore.QPointF) -> None:
        for pane in self.panes.values():
            if pane.plot.isVisible() and pane.plot.vb.sceneBoundingRect().contains(pos):
                point = pane.plot.vb.mapSceneToView(pos)
                self.show_crosshair_at(point.x(), point.y(), pane=pane.name)
                return
        self.hide_crosshair()

    def _on_mouse_clicked(self, event: Any) -> None:
        if event.button() != QtCore.Qt.MouseButton.LeftButton or event.double():
            return
        pos = event.scenePos()
        if len(self.series) and self.price_plot.sceneBoundingRect().contains(pos):
            self.price_clicked.emit(float(self.price_plot.vb.mapSceneToView(pos).y()))

    def show_crosshair_at(self, x: float, y: float | None = None, *, pane: str = "price") -> None:
        """Put the crosshair on the bar nearest to slot ``x`` and show its OHLCV; with ``y``, also the horizontal line
        at ``y`` in ``pane`` (price, volume, rsi or macd) and the value there on that pane's axis."""
        slot = round(x)
        for p in self.panes.values():
            p.vline.setPos(slot)
            p.vline.show()
            if p.name == pane and y is not None:
                p.hline.setPos(y)
                p.hline.show()
            else:
                p.hline.hide()
        self._crosshair_slot = slot
        self._crosshair_pane = pane if y is not None else None
        self._crosshair_y = y
        self._refresh_crosshair_tags()
        self._refresh_readout()

    def hide_crosshair(self) -> None:
        if self._crosshair_slot is None:
            return
        for p in self.panes.values():
            p.vline.hide()
            p.hline.hide()
        self._crosshair_slot = None
        self._crosshair_pane = None
        self._crosshair_y = None
        self._refresh_crosshair_tags()
        self._refresh_readout()

    def _refresh_crosshair_tags(self) -> None:
        colour = self._palette.crosshair
        slot, y, on = self._crosshair_slot, self._crosshair_y, self._crosshair_pane
        when = None if slot is None else self._time_text(self.series.ts_at_slot(slot), seconds=False)
        for p in self.panes.values():
            p.axis.set_tag(CROSS_TAG, AxisTag(y, p.format(y), colour, z=2) if p.name == on and y is not None else None)
            p.time_axis.set_tag(CROSS_TAG, AxisTag(slot, when, colour, z=2)
                                if slot is not None and when is not None else None)

    def _time_text(self, ts_ms: int, seconds: bool = False) -> str:
        fmt = "%Y-%m-%d" if self.series.interval.ms >= Interval.D1.ms else "%Y-%m-%d %H:%M"
        return datetime.fromtimestamp(ts_ms / 1000, self._tz).strftime(fmt + (":%S" if seconds else ""))

    def crosshair_tag(self, pane: str = "price") -> str | None:
        """The text of the crosshair's tag on ``pane``'s value axis ("time" for the time axis), None if not shown."""
        if pane == "time":
            axis: TaggedAxis = next(p.time_axis for p in self.panes.values() if p.plot.getAxis("bottom").isVisible())
        else:
            axis = self.panes[pane].axis
        tag = axis.tags.get(CROSS_TAG)
        return tag.text if tag is not None else None

    def readout_text(self) -> str:
        return self.readout.text()

    def _refresh_readout(self) -> None:
        series = self.series
        slot = self._crosshair_slot if self._crosshair_slot is not None else series.last_slot
        for pane in self.indicator_panes.values():
            if pane.active:
                pane.decimals = 2 if pane.name == "rsi" else max(2, self.price_decimals)
                pane.refresh_readout(slot)
        bar = series.bar_at_slot(slot)
        if bar is None:
            self.readout.setText("")
            self.readout.adjustSize()
            return
        previous = series.bar_at_slot(slot - 1)
        reference = previous.close if previous is not None else bar.open
        change = (bar.close - reference) / reference * 100 if reference else 0.0
        when = self._time_text(bar.ts)
        d = self.price_decimals
        vd = min(series.volume_decimals if series.volume_decimals is not None else 2, 8)
        self.readout.setText(
            f"{when}  O {_fmt(bar.open, d)}  H {_fmt(bar.high, d)}  L {_fmt(bar.low, d)}  C {_fmt(bar.close, d)}"
            f"  V {_fmt(bar.volume, vd)}  {change:+.2f}%"
        )
        self.readout.adjustSize()

    # --- last price, mark price, funding ---------------------------------------------------------------------------
    def last_price(self) -> Decimal | float | None:
        """The live bar's close: exact (a Decimal) when the exchange sent it as text, else as drawn."""
        if len(self.series) == 0:
            return None
        exact = self.series.exact_last
        if exact is not None and exact.ts == int(self.series.ts[-1]):
            return exact.close
        return float(self.series.close[-1])

    def last_price_tag(self) -> AxisTag | None:
        return self.price_axis.tags.get(LAST_TAG)

    def _refresh_last_price(self) -> None:
        price = self.last_price()
        if price is None:
            self._last_line.hide()
            self.price_axis.set_tag(LAST_TAG, None)
            return
        up = self.series.close[-1] >= self.series.open[-1]
        colour = self._palette.up if up else self._palette.down
        self._last_line.setPen(pg.mkPen(colour[:7] + "99", width=1))
        self._last_line.setPos(float(price))
        self._last_line.show()
        self.price_axis.set_tag(LAST_TAG, AxisTag(float(price), _fmt_price(price, self.price_decimals), colour,
                                                  clamp=True, z=1))

    @property
    def perpetual(self) -> Perpetual | None:
        return self._perpetual

    def set_perpetual(self, mark: Decimal | None, funding_rate: Decimal | None = None,
                      next_funding_ms: int | None = None) -> None:
        """The perpetual's mark price and funding (from its ticker); all None (a spot market) hides them."""
        if next_funding_ms is not None and next_funding_ms <= 0:
            next_funding_ms = None  # "0": no funding time known
        info = Perpetual(mark, funding_rate, next_funding_ms)
        self._perpetual = None if info == Perpetual(None, None, None) else info
        self._refresh_mark()
        self._refresh_funding()

    def _refresh_mark(self) -> None:
        mark = self._perpetual.mark if self._perpetual is not None else None
        if mark is None:
            self._mark_line.hide()
            self.price_axis.set_tag(MARK_TAG, None)
            return
        self._mark_line.setPos(float(mark))
        self._mark_line.show()
        self.price_axis.set_tag(MARK_TAG, AxisTag(float(mark), _fmt_price(mark, self.price_decimals),
                                                  self._palette.mark, clamp=True, z=0))

    def funding_text(self) -> str:
        """The header's mark price and funding as plain text ("" when hidden)."""
        return self._funding_text if not self.funding_label.isHidden() else ""

    def _refresh_funding(self) -> None:
        self._funding_timer.stop()
        info = self._perpetual
        if info is None:
            self.funding_label.hide()
            self.funding_label.set_forms([])
            return
        mark = long = short = ""
        if info.mark is not None:
            mark = f"Mark {_fmt_price(info.mark, self.price_decimals)}"
        if info.funding_rate is not None:
            rate = (info.funding_rate * 100).quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN)
            long, short = f"Funding {rate:.4f} %", f"F {rate:.4f}%"
            if info.next_funding_ms is not None:
                left = info.next_funding_ms - self.now_ms()
                long += f" in {countdown(left)}"
                short += f" {short_countdown(left)}"
                if left > 0:
                    # Wake when the shown second changes (a plain 1 s timer drifts up to a second behind).
                    self._funding_timer.start(left % 1000 + 1)
        coloured = f"<span style='color:{self._palette.mark[:7]}'>{mark}</span>" if mark else ""

        def joined(*parts: str) -> str:
            return " · ".join(p for p in parts if p)

        # longest first: all of it, the funding short, the funding alone (the mark has its own tag on the axis)
        forms = [(joined(mark, long), joined(coloured, long)), (joined(mark, short), joined(coloured, short))]
        if short:
            forms.append((short, short))
        self._funding_text = forms[0][0]
        self.funding_label.set_forms(forms)
        self.funding_label.show()

    # --- price lines -----------------------------------------------------------------------------------------------
    def set_order_lines(self, orders: Sequence[OrderLine]) -> None:
        """Open orders as (id, price, side "buy"/"sell", label); lines not in the list are removed."""
        self.price_lines.set_orders(orders)

    def set_algo_lines(self, algos: Sequence[AlgoLine]) -> None:
        """Algo orders as (id, trigger price, colour role, label); lines not in the list are removed."""
        self.price_lines.set_algos(algos)

    def set_position_lines(self, entry: Decimal | None, liquidation: Decimal | None) -> None:
        self.price_lines.set_position(entry, liquidation)

    # --- loading -----------------------------------------------------------------------------------------------------
    def begin_loading(self, total_pages: int) -> None:
        """Show the progress bar; ``total_pages`` 0 means unknown (a busy indicator)."""
        total = max(0, total_pages)
        self.progress.setRange(0, total)
        self.progress.setValue(0)
        self.progress.setFormat("History %v/%m" if total else "Loading history…")
        self.progress.show()

    def page_loaded(self, n: int) -> None:
        """``n`` pages have been loaded so far."""
        self.progress.setValue(min(n, self.progress.maximum()) if self.progress.maximum() else 0)

    def end_loading(self) -> None:
        self.progress.hide()

    @property
    def is_loading(self) -> bool:
        return not self.progress.isHidden()


def _tool_button(text: str) -> QtWidgets.QToolButton:
    # Not QToolButton(text=…, checkable=…): PySide6 takes properties as keywords, but its stubs do not know them.
    button = QtWidgets.QToolButton()
    button.setText(text)
    button.setCheckable(True)
    button.setAutoRaise(True)
    return button
