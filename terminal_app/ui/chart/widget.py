"""The Chart dock's widget: candles + volume, intervals, overlays, crosshair readout, price lines, loading progress.

It does no I/O: a service feeds it with :meth:`ChartWidget.set_history`, :meth:`ChartWidget.prepend_history` and
:meth:`ChartWidget.apply_live`, and listens to ``interval_changed`` and ``older_history_wanted``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, tzinfo
from decimal import Decimal
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
from terminal_app.ui.chart.axis import GridItem, TimeAxis
from terminal_app.ui.chart.items import CandleItem, IndicatorLine, VolumeItem
from terminal_app.ui.chart.lod import LodPyramid
from terminal_app.ui.chart.none_guard import pin_none
from terminal_app.ui.chart.palette import ChartPalette
from terminal_app.ui.chart.price_lines import OrderLine, PriceLines

Key = QtCore.Qt.Key
Mod = QtCore.Qt.KeyboardModifier

# (name, button text, formula, palette colour attribute)
OVERLAYS: tuple[tuple[str, str, IndicatorSpec, str], ...] = (
    ("ma", "MA 20", IndicatorSpec("sma", 20), "ma"),
    ("ema", "EMA 50", IndicatorSpec("ema", 50), "ema"),
    ("bb", "BB 20", IndicatorSpec("bollinger", 20, 2.0), "bollinger"),
)

DEFAULT_VISIBLE_BARS = 150
RIGHT_MARGIN_BARS = 5
MIN_VISIBLE_BARS = 10
PAN_STEP = 0.1  # of the visible width per key press
ZOOM_STEP = 1.25
Y_PADDING = 0.06
AXIS_WIDTH = 72


def _fmt(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}"


def _auto_decimals(price: float) -> int:
    if price == 0 or not math.isfinite(price):
        return 2
    return max(2, min(8, 5 - math.floor(math.log10(abs(price)))))


class ChartWidget(QtWidgets.QWidget):
    """Candlestick chart of one symbol.

    Signals:
        interval_changed(str): the user picked another interval (label, e.g. ``"1H"``).
        older_history_wanted(int): the view came within one screen of the oldest bar; the argument is that bar's
            open time in ms (emitted once per oldest bar), so a service can fetch the page before it.
        order_moved(str, float): an open order's line was dragged and dropped at a price (order id, the price as
            drawn; the receiver rounds it to the tick and modifies the order).
        price_clicked(float): a click (not a drag) in the price pane at this price, for the ticket.
    """

    interval_changed = QtCore.Signal(str)
    older_history_wanted = QtCore.Signal(object)  # int ms; a Qt int signal would overflow
    order_moved = QtCore.Signal(str, float)
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
        self._indicator_values: dict[str, tuple[FloatArray, ...]] = {}
        self._crosshair_slot: int | None = None
        self._wanted_before: int | None = None

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
            button = QtWidgets.QToolButton(text=iv.value, checkable=True, autoRaise=True)
            button.setObjectName(f"interval_{iv.value}")
            button.setChecked(iv == self._interval)
            button.clicked.connect(lambda _checked=False, iv=iv: self._on_interval_clicked(iv))
            self._interval_group.addButton(button)
            self.interval_buttons[iv] = button
            bar.addWidget(button)
        bar.addSpacing(8)
        self.overlay_buttons: dict[str, QtWidgets.QToolButton] = {}
        for name, text, _spec, _colour in OVERLAYS:
            button = QtWidgets.QToolButton(text=text, checkable=True, autoRaise=True)
            button.setObjectName(f"overlay_{name}")
            button.toggled.connect(lambda on, name=name: self._on_overlay_toggled(name, on))
            self.overlay_buttons[name] = button
            bar.addWidget(button)
        bar.addStretch(1)
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
        self.time_axis = TimeAxis(self.series, tz=self._tz)
        self.price_plot: pg.PlotItem = view.addPlot(row=0, col=0)
        self.volume_plot: pg.PlotItem = view.addPlot(row=1, col=0, axisItems={"bottom": self.time_axis})
        view.ci.layout.setRowStretchFactor(0, 4)
        view.ci.layout.setRowStretchFactor(1, 1)
        for plot in (self.price_plot, self.volume_plot):
            plot.hideAxis("left")
            plot.showAxis("right")
            plot.getAxis("right").setWidth(AXIS_WIDTH)
            plot.hideButtons()
            plot.setMenuEnabled(False)
            plot.setMouseEnabled(x=True, y=False)  # y follows the visible bars
            plot.vb.disableAutoRange()
        self.price_plot.hideAxis("bottom")
        self.volume_plot.setXLink(self.price_plot)

        self.grids = (
            GridItem(self.time_axis, self.price_plot.getAxis("right"), self._palette.grid),
            GridItem(self.time_axis, None, self._palette.grid),
        )
        self.price_plot.addItem(self.grids[0], ignoreBounds=True)
        self.volume_plot.addItem(self.grids[1], ignoreBounds=True)
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

        self._vline = pg.InfiniteLine(angle=90, movable=False)
        self._hline = pg.InfiniteLine(angle=0, movable=False)
        self._vline_volume = pg.InfiniteLine(angle=90, movable=False)
        for line, plot in ((self._vline, self.price_plot), (self._hline, self.price_plot),
                           (self._vline_volume, self.volume_plot)):
            line.hide()
            line.setZValue(20)
            plot.addItem(line, ignoreBounds=True)
        self.price_lines = PriceLines(self.price_plot, self._palette)
        self.price_lines.on_order_moved = self.order_moved.emit
        self.price_lines.format_price = lambda price: _fmt(price, self.price_decimals)
        self.price_lines.decimals = lambda: self.price_decimals

        self.price_plot.vb.sigXRangeChanged.connect(self._on_x_range_changed)
        view.scene().sigMouseMoved.connect(self._on_mouse_moved)
        view.scene().sigMouseClicked.connect(self._on_mouse_clicked)

    # --- palette, interval, decimals --------------------------------------------------------------------------------
    @property
    def chart_palette(self) -> ChartPalette:
        return self._palette

    def set_palette(self, palette: ChartPalette) -> None:
        self._palette = palette
        self._view.setBackground(palette.background)
        for plot in (self.price_plot, self.volume_plot):
            for name in ("right", "bottom"):
                axis = plot.getAxis(name)
                axis.setPen(pg.mkPen(palette.foreground))
                axis.setTextPen(pg.mkPen(palette.foreground))
        for grid in self.grids:
            grid.set_colour(palette.grid)
        self.candles.set_palette(palette)
        self.volume.set_palette(palette)
        for name, _text, _spec, colour_attr in OVERLAYS:
            for line in self.overlay_lines[name]:
                line.set_colour(getattr(palette, colour_attr))
        pen = pg.mkPen(palette.crosshair, width=1, style=QtCore.Qt.PenStyle.DashLine)
        for line in (self._vline, self._hline, self._vline_volume):
            line.setPen(pen)
        self.price_lines.set_palette(palette)
        self.readout.setStyleSheet(f"color: {palette.foreground}; background: transparent;")

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

    @property
    def price_decimals(self) -> int:
        if self._price_decimals is not None:
            return self._price_decimals
        if self.series.price_decimals is not None:
            return self.series.price_decimals
        return _auto_decimals(float(self.series.close[-1])) if len(self.series) else 2

    # --- data ----------------------------------------------------------------------------------------------------
    def set_history(self, rows: Iterable[Any]) -> None:
        """Replace the bars (rows of (ts_ms, o, h, l, c, vol, …) or candle objects) and show the latest ones."""
        self.series.interval = self._interval
        self._data_changed(self.series.set_history(rows))
        self.reset_view()

    def set_history_arrays(self, ts: IntArray, values: FloatArray) -> None:
        """Like :meth:`set_history` from columns (ts (n,), values (5, n)), e.g. from a local candle cache."""
        self.series.interval = self._interval
        self._data_changed(self.series.set_history_arrays(ts, values))
        self.reset_view()

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
        self._refresh_readout()
        self._fit_y()

    # --- overlays ------------------------------------------------------------------------------------------------
    def overlay_enabled(self, name: str) -> bool:
        return self.overlay_buttons[name].isChecked()

    def set_overlay(self, name: str, on: bool) -> None:
        self.overlay_buttons[name].setChecked(on)

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

    # --- crosshair and readout ------------------------------------------------------------------------------------
    def _on_mouse_moved(self, pos: QtCore.QPointF) -> None:
        if self.price_plot.sceneBoundingRect().contains(pos):
            point = self.price_plot.vb.mapSceneToView(pos)
            self.show_crosshair_at(point.x(), point.y())
        elif self.volume_plot.sceneBoundingRect().contains(pos):
            self.show_crosshair_at(self.volume_plot.vb.mapSceneToView(pos).x(), None)
        else:
            self.hide_crosshair()

    def _on_mouse_clicked(self, event: Any) -> None:
        if event.button() != QtCore.Qt.MouseButton.LeftButton or event.double():
            return
        pos = event.scenePos()
        if len(self.series) and self.price_plot.sceneBoundingRect().contains(pos):
            self.price_clicked.emit(float(self.price_plot.vb.mapSceneToView(pos).y()))

    def show_crosshair_at(self, x: float, price: float | None) -> None:
        """Put the crosshair on the bar nearest to slot ``x`` (and at ``price`` if given) and show its OHLCV."""
        slot = round(x)
        for line in (self._vline, self._vline_volume):
            line.setPos(slot)
            line.show()
        if price is None:
            self._hline.hide()
        else:
            self._hline.setPos(price)
            self._hline.show()
        self._crosshair_slot = slot
        self._refresh_readout()

    def hide_crosshair(self) -> None:
        for line in (self._vline, self._hline, self._vline_volume):
            line.hide()
        self._crosshair_slot = None
        self._refresh_readout()

    def readout_text(self) -> str:
        return self.readout.text()

    def _refresh_readout(self) -> None:
        series = self.series
        slot = self._crosshair_slot if self._crosshair_slot is not None else series.last_slot
        bar = series.bar_at_slot(slot)
        if bar is None:
            self.readout.setText("")
            self.readout.adjustSize()
            return
        previous = series.bar_at_slot(slot - 1)
        reference = previous.close if previous is not None else bar.open
        change = (bar.close - reference) / reference * 100 if reference else 0.0
        fmt = "%Y-%m-%d" if series.interval.ms >= Interval.D1.ms else "%Y-%m-%d %H:%M"
        when = datetime.fromtimestamp(bar.ts / 1000, self._tz).strftime(fmt)
        d = self.price_decimals
        vd = min(series.volume_decimals if series.volume_decimals is not None else 2, 8)
        self.readout.setText(
            f"{when}  O {_fmt(bar.open, d)}  H {_fmt(bar.high, d)}  L {_fmt(bar.low, d)}  C {_fmt(bar.close, d)}"
            f"  V {_fmt(bar.volume, vd)}  {change:+.2f}%"
        )
        self.readout.adjustSize()

    # --- price lines -----------------------------------------------------------------------------------------------
    def set_order_lines(self, orders: Sequence[OrderLine]) -> None:
        """Open orders as (id, price, side "buy"/"sell", label); lines not in the list are removed."""
        self.price_lines.set_orders(orders)

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
