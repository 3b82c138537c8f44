"""Chart basics (issue 17 item 11): last-price and crosshair tags on the axes, mark price and funding countdown,
RSI/MACD panes. Through the real ChartWidget: real mouse events and clicks, pixels of the rendered widget."""

from __future__ import annotations

import time
from decimal import Decimal

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6 import QtCore, QtGui, QtWidgets
from pytestqt.qtbot import QtBot

from terminal_app.core.candles import CandleSeries, Interval, SeriesChange
from terminal_app.ui.chart import ChartPalette, ChartWidget
from terminal_app.ui.chart.fit_label import short_countdown
from terminal_app.ui.chart.oscillators import Macd, Rsi
from terminal_app.ui.chart.widget import MARK_TAG, countdown

DARK = ChartPalette.dark()
MIN = 60_000
T0 = 1_704_067_200_000  # 2024-01-01 00:00 UTC


def walk(n: int, seed: int = 3) -> list[tuple[int, str, str, str, str, str]]:
    rng = np.random.default_rng(seed)
    close = 100.0 + np.cumsum(rng.normal(0, 0.5, n))
    open_ = np.concatenate(([100.0], close[:-1]))
    high = np.maximum(open_, close) + rng.random(n)
    low = np.minimum(open_, close) - rng.random(n)
    vol = rng.gamma(2.0, 3.0, n)
    return [(T0 + i * MIN, f"{open_[i]:.2f}", f"{high[i]:.2f}", f"{low[i]:.2f}", f"{close[i]:.2f}", f"{vol[i]:.3f}")
            for i in range(n)]


def pixels(widget: QtWidgets.QWidget) -> np.ndarray:
    image = widget.grab().toImage().convertToFormat(QtGui.QImage.Format.Format_RGB32)
    w, h = image.width(), image.height()
    raw = np.frombuffer(image.constBits(), np.uint8, count=image.bytesPerLine() * h).copy()
    bgra = raw.reshape(h, image.bytesPerLine())[:, : w * 4].reshape(h, w, 4)
    return bgra[:, :, 2::-1]  # RGB


def count_colour(rgb: np.ndarray, colour: str) -> int:
    c = QtGui.QColor(colour[:7])
    target = np.array([c.red(), c.green(), c.blue()])
    return int(np.all(np.abs(rgb.astype(int) - target) <= 2, axis=2).sum())


def render(chart: ChartWidget) -> None:
    image = QtGui.QImage(chart.size(), QtGui.QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    chart.render(image)


@pytest.fixture
def chart(qtbot: QtBot) -> ChartWidget:
    widget = ChartWidget(interval=Interval.M1)
    qtbot.addWidget(widget)
    widget.resize(1000, 640)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def btc_rows(n: int, seed: int = 5) -> list[tuple[int, str, str, str, str, str]]:
    """Prices around 101,000 on a 0.1 tick, as Bitget sends BTCUSDT candles."""
    rng = np.random.default_rng(seed)
    close = 101_000 + np.cumsum(rng.normal(0, 40, n))
    open_ = np.concatenate(([101_000.0], close[:-1]))
    high = np.maximum(open_, close) + rng.random(n) * 30
    low = np.minimum(open_, close) - rng.random(n) * 30
    vol = rng.gamma(2.0, 3.0, n)
    return [(T0 + i * MIN, f"{open_[i]:.1f}", f"{high[i]:.1f}", f"{low[i]:.1f}", f"{close[i]:.1f}", f"{vol[i]:.3f}")
            for i in range(n)]


def axis_pixels(chart: ChartWidget, axis: QtWidgets.QGraphicsItem) -> np.ndarray:
    """The rendered pixels of one axis of the chart."""
    rgb = pixels(chart)
    rect = axis.sceneBoundingRect()
    top_left = chart._view.mapTo(chart, chart._view.mapFromScene(rect.topLeft()))
    bottom_right = chart._view.mapTo(chart, chart._view.mapFromScene(rect.bottomRight()))
    return rgb[max(0, top_left.y()) : bottom_right.y(), max(0, top_left.x()) : bottom_right.x()]


def mouse_move(chart: ChartWidget, scene_point: QtCore.QPointF) -> None:
    """A real mouse move (no button) over the plot area, as the window system delivers it."""
    viewport = chart._view.viewport()
    pos = QtCore.QPointF(chart._view.mapFromScene(scene_point))
    event = QtGui.QMouseEvent(QtCore.QEvent.Type.MouseMove, pos, QtCore.QPointF(viewport.mapToGlobal(pos)),
                              QtCore.Qt.MouseButton.NoButton, QtCore.Qt.MouseButton.NoButton,
                              QtCore.Qt.KeyboardModifier.NoModifier)
    QtWidgets.QApplication.sendEvent(viewport, event)


# --- 1. last price on the price axis -------------------------------------------------------------------------------
def test_last_price_tag_follows_every_tick_in_the_live_bars_colour(chart: ChartWidget) -> None:
    rows = btc_rows(300)
    chart.set_price_decimals(1)
    chart.set_history(rows)
    last = rows[-1]
    tag = chart.last_price_tag()
    assert tag is not None
    assert tag.text == f"{Decimal(last[4]):,.1f}"
    up = Decimal(last[4]) >= Decimal(last[1])
    assert tag.background == (DARK.up if up else DARK.down)

    # ticks of the forming bar: above its open (up colour), then below (down colour), each one shown
    open_ = Decimal(last[1])
    for close, colour in ((open_ + Decimal("123.4"), DARK.up), (open_ - Decimal("56.7"), DARK.down),
                          (open_ + Decimal("0.1"), DARK.up)):
        chart.apply_live((last[0], last[1], str(open_ + 200), str(open_ - 200), str(close), "9.5"))
        tag = chart.last_price_tag()
        assert tag is not None
        assert tag.text == f"{close:,.1f}"
        assert tag.value == float(close)
        assert tag.background == colour
    # the exchange's text, rounded on the market's tick (half-even, as a Decimal, not through a float)
    chart.apply_live((last[0], last[1], "101500", "100000", "101234.25", "9.5"))
    assert chart.last_price_tag().text == "101,234.2"  # type: ignore[union-attr]
    chart.set_price_decimals(2)
    assert chart.last_price_tag().text == "101,234.25"  # type: ignore[union-attr]
    chart.set_price_decimals(1)

    # the tag is painted on the price axis in the bar's colour
    colour = chart.last_price_tag().background  # type: ignore[union-attr]
    assert count_colour(axis_pixels(chart, chart.price_axis), colour) > 150
    # a new bar that opens above the close is a down bar: the tag turns
    chart.apply_live((last[0] + MIN, "101300.0", "101310.0", "101200.0", "101250.5", "1"))
    assert chart.last_price_tag().text == "101,250.5"  # type: ignore[union-attr]
    assert chart.last_price_tag().background == DARK.down  # type: ignore[union-attr]
    assert count_colour(axis_pixels(chart, chart.price_axis), DARK.down) > 150

    # looking at older bars, far from the last price: the tag stays on the axis' edge
    chart.set_visible_range(0, 60)
    low, high = chart.price_plot.vb.viewRange()[1]
    if not low <= 101_250.5 <= high:
        assert count_colour(axis_pixels(chart, chart.price_axis), DARK.down) > 150


# --- 2. crosshair on the axes ---------------------------------------------------------------------------------------
def test_crosshair_tags_follow_the_mouse_and_leave_with_it(chart: ChartWidget) -> None:
    rows = btc_rows(300)
    chart.set_price_decimals(1)
    chart.set_history(rows)
    render(chart)
    assert chart.crosshair_tag() is None
    plain = count_colour(axis_pixels(chart, chart.price_axis), DARK.crosshair)  # anti-aliased tick labels
    price = float(rows[250][4])
    mouse_move(chart, chart.price_plot.vb.mapViewToScene(QtCore.QPointF(250, price)))
    text = chart.crosshair_tag("price")
    assert text is not None
    y_per_pixel = abs(chart.price_plot.vb.viewPixelSize()[1])
    assert float(text.replace(",", "")) == pytest.approx(price, abs=2 * y_per_pixel)
    assert len(text.split(".")[1]) == 1  # on the market's tick
    assert chart.crosshair_tag("time") == "2024-01-01 04:10"  # bar 250 opened 250 minutes after T0
    assert chart.readout_text().startswith("2024-01-01 04:10")
    rgb = axis_pixels(chart, chart.price_axis)
    assert count_colour(rgb, DARK.crosshair) > plain + 150  # the tag is drawn on the axis
    assert count_colour(axis_pixels(chart, chart.time_axis), DARK.crosshair) > 150

    # over the volume pane: the price tag goes, the volume axis gets one, the time stays on the bar
    mouse_move(chart, chart.volume_plot.vb.mapViewToScene(QtCore.QPointF(200, 2.0)))
    assert chart.crosshair_tag("price") is None
    assert chart.crosshair_tag("volume") is not None
    assert chart.crosshair_tag("time") == "2024-01-01 03:20"

    # the pointer leaves the chart: nothing is left behind
    QtWidgets.QApplication.sendEvent(chart._view.viewport(), QtCore.QEvent(QtCore.QEvent.Type.Leave))
    assert chart.crosshair_tag("volume") is None
    assert chart.crosshair_tag("time") is None
    assert not chart._vline.isVisible()
    assert count_colour(axis_pixels(chart, chart.price_axis), DARK.crosshair) == plain


# --- 3. mark price and funding ---------------------------------------------------------------------------------------
def test_a_narrow_header_shows_the_funding_short_not_cut(chart: ChartWidget, qtbot: QtBot) -> None:
    chart.set_price_decimals(1)
    chart.set_history(btc_rows(50))
    base = 1_700_000_000_000
    chart.now_ms = lambda: base
    chart.set_perpetual(Decimal("101234.5"), Decimal("0.000100"), base + (3 * 3600 + 12 * 60 + 5) * 1000)
    full = "Mark 101,234.5 · Funding 0.0100 % in 03:12:05"
    label = chart.funding_label
    chart.resize(1800, 640)
    qtbot.waitUntil(lambda: label.shown() == full)            # wide: room for all of it
    minimum = chart.minimumSizeHint().width()
    buttons = chart.width() - label.width()                      # what the rest of the header takes
    short = "F 0.0100% 3h12m"
    chart.resize(buttons + label.fontMetrics().horizontalAdvance(short) + 12, 640)
    qtbot.waitUntil(lambda: label.width() < label.fontMetrics().horizontalAdvance(full))
    qtbot.waitUntil(lambda: label.shown() == short)              # the short form whole, not the long one cut
    assert label.fontMetrics().horizontalAdvance(label.shown()) <= label.contentsRect().width()
    assert full in label.toolTip()                               # the whole text is a hover away
    assert chart.funding_text() == full
    assert chart.minimumSizeHint().width() == minimum            # the label never widens the window


def test_short_countdown() -> None:
    assert [short_countdown(ms) for ms in (0, 45_900, 725_000, 3_600_000, (27 * 3600 + 5 * 60 + 59) * 1000)] == [
        "0s", "45s", "12m05s", "1h00m", "27h05m"]


def test_mark_price_line_and_funding_countdown(chart: ChartWidget, qtbot: QtBot) -> None:
    rows = btc_rows(300)
    chart.set_price_decimals(1)
    chart.set_history(rows)
    assert chart.funding_text() == ""
    assert not chart.funding_label.isVisible()
    start, base = time.monotonic(), 1_700_000_000_000
    chart.now_ms = lambda: base + int((time.monotonic() - start) * 1000)
    next_funding = base + (2 * 3600 + 13 * 60 + 45) * 1000 + 500
    mark = Decimal(rows[-1][4]) + Decimal("3.04")
    chart.set_perpetual(mark, Decimal("0.000100"), next_funding)
    expected = f"Mark {mark.quantize(Decimal('0.1')):,.1f} · Funding 0.0100 % in 02:13:45"
    assert chart.funding_text() == expected
    assert chart.funding_label.isVisible()
    # it counts down by itself, every second
    qtbot.waitUntil(lambda: chart.funding_text().endswith("in 02:13:44"), timeout=3000)
    qtbot.waitUntil(lambda: chart.funding_text().endswith("in 02:13:43"), timeout=3000)

    line = chart._mark_line
    assert line.isVisible()
    assert line.value() == float(mark)
    assert line.pen.style() == QtCore.Qt.PenStyle.DashLine
    assert line.pen.color().name() == DARK.mark
    assert chart.price_axis.tags[MARK_TAG].text == f"{mark.quantize(Decimal('0.1')):,.1f}"
    assert count_colour(pixels(chart), DARK.mark) > 300  # the dashed line across the pane, and its tag

    # a negative rate, a funding time already reached
    chart.set_perpetual(mark, Decimal("-0.0000375"), base - 5000)
    assert chart.funding_text().endswith("Funding -0.0038 % in 00:00:00")
    # spot: nothing of it
    chart.set_perpetual(None)
    assert chart.funding_text() == ""
    assert not chart.funding_label.isVisible()
    assert not line.isVisible()
    assert MARK_TAG not in chart.price_axis.tags
    assert count_colour(pixels(chart), DARK.mark) == 0


def test_countdown_format() -> None:
    assert countdown(0) == "00:00:00"
    assert countdown(-5) == "00:00:00"
    assert countdown(999) == "00:00:00"
    assert countdown((8 * 3600 + 5) * 1000 + 999) == "08:00:05"
    assert countdown(30 * 3600 * 1000) == "30:00:00"


# --- 5. RSI and MACD ------------------------------------------------------------------------------------------------
def reference_rsi(close: list[float], n: int = 14) -> list[float]:
    out = [float("nan")] * len(close)
    gains = [max(close[i] - close[i - 1], 0.0) for i in range(1, len(close))]
    losses = [max(close[i - 1] - close[i], 0.0) for i in range(1, len(close))]
    if len(close) <= n:
        return out
    g, lo = sum(gains[:n]) / n, sum(losses[:n]) / n
    out[n] = 100 * g / (g + lo) if g + lo else 50.0
    for i in range(n + 1, len(close)):
        g = (g * (n - 1) + gains[i - 1]) / n
        lo = (lo * (n - 1) + losses[i - 1]) / n
        out[i] = 100 * g / (g + lo) if g + lo else 50.0
    return out


def reference_ema(x: list[float], n: int, first: int) -> list[float]:
    out = [float("nan")] * len(x)
    if len(x) < first + n:
        return out
    value = sum(x[first : first + n]) / n
    out[first + n - 1] = value
    alpha = 2 / (n + 1)
    for i in range(first + n, len(x)):
        value = alpha * x[i] + (1 - alpha) * value
        out[i] = value
    return out


def reference_macd(close: list[float]) -> tuple[list[float], list[float], list[float]]:
    fast, slow = reference_ema(close, 12, 0), reference_ema(close, 26, 0)
    macd = [f - s for f, s in zip(fast, slow, strict=True)]
    signal = reference_ema(macd, 9, 25)
    return macd, signal, [m - s for m, s in zip(macd, signal, strict=True)]


def test_rsi_and_macd_match_their_definitions_and_update_incrementally() -> None:
    rows = btc_rows(400)
    series = CandleSeries(Interval.M1)
    series.set_history(rows[:300])
    rsi, macd = Rsi(14), Macd(12, 26, 9)
    for osc in (rsi, macd):
        osc.update(series.close, None, series.origin)
    # the live bar ticks, then new bars, one at a time, as the candle channel sends them
    for row in rows[300:]:
        for close in (row[1], row[4]):
            change = series.apply_live((row[0], row[1], row[2], row[3], close, row[5]))
            for osc in (rsi, macd):
                start = osc.update(series.close, change, series.origin)
                assert start == change.first_changed  # only the tail was computed
    close = series.close.tolist()
    np.testing.assert_allclose(rsi.values()[0], reference_rsi(close), rtol=1e-9, atol=1e-9, equal_nan=True)
    for got, want in zip(macd.values(), reference_macd(close), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-7, equal_nan=True)
    assert np.isnan(rsi.values()[0][13])
    assert np.isfinite(rsi.values()[0][14])
    assert np.isnan(macd.values()[1][32])
    assert np.isfinite(macd.values()[1][33])
    assert np.nanmin(rsi.values()[0]) >= 0
    assert np.nanmax(rsi.values()[0]) <= 100
    # an older page moves every seed: everything is computed again
    older = [(T0 - (i + 1) * MIN, "101000", "101010", "100990", "101005", "1") for i in range(50)]
    change = series.prepend_history(older)
    assert rsi.update(series.close, change, series.origin) == 0
    np.testing.assert_allclose(rsi.values()[0], reference_rsi(series.close.tolist()), atol=1e-9, equal_nan=True)
    # a flat market: RSI 50, MACD 0
    flat = Rsi(14)
    flat.update(np.full(40, 7.0), SeriesChange(reset=True), 0)
    assert flat.values()[0][-1] == 50.0


def test_rsi_and_macd_panes_from_the_indicator_bar(chart: ChartWidget, qtbot: QtBot) -> None:
    rows = btc_rows(500)
    chart.set_price_decimals(1)
    chart.set_history(rows)
    render(chart)
    assert list(chart.panes) == ["price", "volume"]  # the indicator panes are built when first shown
    assert not chart.indicator_panes
    price_height = chart.price_plot.geometry().height()
    rsi_colour, macd_colour = DARK.rsi, DARK.macd
    assert count_colour(pixels(chart), rsi_colour) == 0

    qtbot.mouseClick(chart.indicator_buttons["rsi"], QtCore.Qt.MouseButton.LeftButton)
    assert chart.indicator_enabled("rsi")
    rsi_pane = chart.indicator_panes["rsi"]
    assert rsi_pane.active
    qtbot.waitUntil(lambda: chart.panes["rsi"].plot.geometry().height() > 60)
    assert chart.price_plot.geometry().height() < price_height
    np.testing.assert_allclose(rsi_pane.line.values, reference_rsi(chart.series.close.tolist()), atol=1e-9,
                               equal_nan=True)
    assert chart.panes["rsi"].plot.getAxis("bottom").isVisible()  # the time axis moved under the lowest pane
    assert not chart.volume_plot.getAxis("bottom").isVisible()
    assert count_colour(pixels(chart), rsi_colour) > 200
    assert chart.panes["rsi"].plot.vb.viewRange()[1][0] < 0
    assert chart.panes["rsi"].plot.vb.viewRange()[1][1] > 100
    assert rsi_pane.readout.toPlainText() == f"RSI 14  {rsi_pane.line.values[-1]:.2f}"

    qtbot.mouseClick(chart.indicator_buttons["macd"], QtCore.Qt.MouseButton.LeftButton)
    macd_pane = chart.indicator_panes["macd"]
    assert macd_pane.active
    qtbot.waitUntil(lambda: chart.panes["macd"].plot.geometry().height() > 60)
    assert chart.panes["macd"].plot.getAxis("bottom").isVisible()
    assert not chart.panes["rsi"].plot.getAxis("bottom").isVisible()
    macd, signal, histogram = reference_macd(chart.series.close.tolist())
    np.testing.assert_allclose(macd_pane.macd_line.values, macd, atol=1e-7, equal_nan=True)
    np.testing.assert_allclose(macd_pane.signal_line.values, signal, atol=1e-7, equal_nan=True)
    np.testing.assert_allclose(macd_pane.histogram.values, histogram, atol=1e-7, equal_nan=True)
    rgb = pixels(chart)
    assert count_colour(rgb, macd_colour) > 100
    assert count_colour(rgb, DARK.macd_signal) > 100
    lo, hi = chart.panes["macd"].plot.vb.viewRange()[1]
    x0, x1 = chart.visible_range()
    shown = slice(max(0, int(x0)), int(x1) + 1)
    assert lo <= np.nanmin(histogram[shown])
    assert np.nanmax(histogram[shown]) <= hi

    # the live bar moves them: a jump of the close lifts RSI and MACD's last values
    rsi_before, hist_before = rsi_pane.line.values[-1], macd_pane.histogram.values[-1]
    last = rows[-1]
    chart.apply_live((last[0], last[1], "103500.0", last[3], "103400.0", last[5]))
    assert rsi_pane.line.values[-1] > rsi_before
    assert macd_pane.histogram.values[-1] > hist_before
    np.testing.assert_allclose(rsi_pane.line.values, reference_rsi(chart.series.close.tolist()), atol=1e-9,
                               equal_nan=True)
    # a new bar: one more value in each
    chart.apply_live((last[0] + MIN, "103400.0", "103450.0", "103300.0", "103350.0", "1"))
    assert len(rsi_pane.line.values) == len(chart.series) == len(macd_pane.histogram.values)

    # the crosshair over the RSI pane: its value on its axis, the pane readouts at the crosshair's bar
    mouse_move(chart, chart.panes["rsi"].plot.vb.mapViewToScene(QtCore.QPointF(450, 55.0)))
    assert chart.crosshair_tag("rsi") is not None
    assert float(chart.crosshair_tag("rsi")) == pytest.approx(55.0, abs=2.0)  # type: ignore[arg-type]
    assert chart.crosshair_tag("price") is None
    assert rsi_pane.readout.toPlainText() == f"RSI 14  {rsi_pane.line.values[450]:.2f}"
    assert chart.crosshair_tag("time") == "2024-01-01 07:30"

    # off again: the pane goes, the price pane gets its height back
    qtbot.mouseClick(chart.indicator_buttons["rsi"], QtCore.Qt.MouseButton.LeftButton)
    qtbot.mouseClick(chart.indicator_buttons["macd"], QtCore.Qt.MouseButton.LeftButton)
    assert not rsi_pane.active
    assert not macd_pane.active
    qtbot.waitUntil(lambda: chart.panes["macd"].plot.geometry().height() == 0)
    assert chart.price_plot.geometry().height() >= price_height - 1
    assert chart.volume_plot.getAxis("bottom").isVisible()
    assert count_colour(pixels(chart), rsi_colour) == 0


def test_a_pane_built_when_first_shown_looks_as_one_built_with_the_chart(qtbot: QtBot) -> None:
    """RSI and MACD are built the first time they are shown (two of the chart's four plots, on the start-up's path):
    built late, after a theme change, the history and the crosshair, and MACD before RSI, they draw the very pixels
    of panes built before all that."""
    rows = btc_rows(400)
    early, late = ChartWidget(interval=Interval.M1), ChartWidget(interval=Interval.M1)
    for widget in (early, late):
        qtbot.addWidget(widget)
        widget.resize(1000, 640)
        widget.show()
        qtbot.waitExposed(widget)
    early.set_indicator("rsi", True)
    early.set_indicator("macd", True)
    assert list(late.panes) == ["price", "volume"]
    for widget in (early, late):
        widget.set_palette(ChartPalette.light())
        widget.set_price_decimals(1)
        widget.set_history(rows)
        widget.show_crosshair_at(300, float(rows[300][4]))
    assert not late.indicator_panes
    late.set_indicator("macd", True)
    late.set_indicator("rsi", True)
    assert list(late.panes) == ["price", "volume", "rsi", "macd"]  # rows top down, whatever the order shown
    assert late.panes["macd"].plot.getAxis("bottom").isVisible()
    for widget in (early, late):
        render(widget)
        widget.repaint()
    assert late.crosshair_tag("time") == early.crosshair_tag("time")
    assert np.array_equal(pixels(late), pixels(early))
    # off and on again: the same pane, not a second one
    rsi = late.indicator_panes["rsi"]
    late.set_indicator("rsi", False)
    late.set_indicator("rsi", True)
    assert late.indicator_panes["rsi"] is rsi
    assert len([i for i in late._view.ci.items if isinstance(i, pg.PlotItem)]) == 4


def test_indicator_panes_follow_the_level_of_detail_and_the_x_axis(chart: ChartWidget) -> None:
    chart.set_history(walk(20_000))
    chart.set_indicator("rsi", True)
    chart.set_indicator("macd", True)
    chart.set_visible_range(-10, 20_010)
    render(chart)
    assert chart.candles.stats.mode == "lod"
    level = chart.candles.stats.level
    for name in ("rsi", "macd"):
        assert chart.panes[name].plot.vb.viewRange()[0] == pytest.approx(chart.price_plot.vb.viewRange()[0])
    rsi_line = chart.indicator_panes["rsi"].line
    x0, x1 = chart.visible_range()
    bars_per_px = chart.price_plot.vb.viewPixelSize()[0]
    xs, _ys = rsi_line.sample(x0, x1, bars_per_px)
    assert np.diff(xs)[:-1].min() == 1 << level  # one value per pyramid bucket, as the candles draw
    histogram = chart.indicator_panes["macd"].histogram  # type: ignore[attr-defined]
    centres, lows, highs = histogram.buckets(x0, x1, bars_per_px)
    assert len(centres) <= 2 * chart.price_plot.vb.width()  # buckets of at most one pixel, as the candles
    values = histogram.values
    assert np.nanmax(highs) == np.nanmax(values)
    assert np.nanmin(lows) == np.nanmin(values)
    # panning moves every pane together
    chart.set_visible_range(100, 250)
    render(chart)
    for name in ("volume", "rsi", "macd"):
        assert chart.panes[name].plot.vb.viewRange()[0] == pytest.approx([100, 250])


def test_last_and_mark_tags_a_tick_apart_both_stay_readable(chart: ChartWidget) -> None:
    rows = btc_rows(300)
    chart.set_price_decimals(1)
    chart.set_history(rows)
    last = Decimal(rows[-1][4])
    chart.set_perpetual(last + Decimal("0.3"), Decimal("0.0001"), None)
    render(chart)
    boxes = {tag.text: box for tag, box in chart.price_axis.tag_boxes()}
    last_box = boxes[f"{last:,.1f}"]
    mark_box = boxes[f"{last + Decimal('0.3'):,.1f}"]
    assert not last_box.intersects(mark_box)  # the mark's tag moved off the last price's
    assert mark_box.bottom() <= last_box.top()  # above it, as the mark is above the last price
    at = chart.price_axis.tag_position(float(last))
    assert at is not None
    assert last_box.center().y() == pytest.approx(at)  # the last price keeps its level
    # the crosshair's tag goes where the mouse is, over them, and moves nothing
    chart.show_crosshair_at(250, float(last) + 0.2)
    boxes_now = chart.price_axis.tag_boxes()
    assert [t.z for t, _b in boxes_now] == [0, 1, 2]  # drawn mark, last, crosshair
    assert boxes_now[-1][0].text == chart.crosshair_tag() == f"{last + Decimal('0.2'):,.1f}"
    assert boxes_now[1][1] == last_box
    assert boxes_now[0][1] == mark_box
    assert count_colour(axis_pixels(chart, chart.price_axis), DARK.mark) > 150
    assert "color:#00e5ff" in chart.funding_label.text()  # "Mark …" in the header in the line's colour
