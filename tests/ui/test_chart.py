"""Chart: level-of-detail pyramid, cached drawing, crosshair readout, intervals, price lines, loading, keys."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from terminal_app.core.candles import CandleSeries, Interval, sma
from terminal_app.ui.chart import ChartPalette, ChartWidget
from terminal_app.ui.chart.items import CHUNK
from terminal_app.ui.chart.lod import LodPyramid
from terminal_app.ui.chart.none_guard import pin_none
from terminal_app.ui.chart.price_lines import ENTRY_KEY, LIQUIDATION_KEY

MIN = 60_000
T0 = 1_704_067_200_000  # 2024-01-01 00:00 UTC


def walk(n: int, seed: int = 3) -> list[tuple[int, str, str, str, str, str]]:
    rng = np.random.default_rng(seed)
    close = 100.0 + np.cumsum(rng.normal(0, 0.5, n))
    open_ = np.concatenate(([100.0], close[:-1]))
    high = np.maximum(open_, close) + rng.random(n)
    low = np.minimum(open_, close) - rng.random(n)
    vol = rng.gamma(2.0, 3.0, n)
    return [
        (T0 + i * MIN, f"{open_[i]:.2f}", f"{high[i]:.2f}", f"{low[i]:.2f}", f"{close[i]:.2f}", f"{vol[i]:.3f}")
        for i in range(n)
    ]


@pytest.fixture
def chart(qtbot: QtBot) -> ChartWidget:
    widget = ChartWidget(interval=Interval.M1)
    qtbot.addWidget(widget)
    widget.resize(900, 520)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def pixels(widget: ChartWidget) -> np.ndarray:
    image = widget.grab().toImage().convertToFormat(QtGui.QImage.Format.Format_RGB32)
    w, h = image.width(), image.height()
    raw = np.frombuffer(image.constBits(), np.uint8, count=image.bytesPerLine() * h).copy()  # image dies here
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


# --- level-of-detail pyramid ------------------------------------------------------------------------------------------
def brute_level(series: CandleSeries, k: int) -> dict[int, tuple[float, ...]]:
    out: dict[int, list[int]] = {}
    for i in range(len(series)):
        out.setdefault((series.first_slot + i) >> k, []).append(i)
    v = series.values
    return {
        b: (float(v[0, idx[0]]), float(v[1, idx].max()), float(v[2, idx].min()), float(v[3, idx[-1]]),
            float(v[4, idx].max()))
        for b, idx in out.items()
    }


def pyramid_level(pyramid: LodPyramid, series: CandleSeries, k: int) -> dict[int, tuple[float, ...]]:
    level = pyramid.level(series, k)
    return {level.first_id + i: tuple(float(x) for x in level.data[:, i]) for i in range(len(level))}


def test_pyramid_levels_match_brute_force_with_odd_origin() -> None:
    series = CandleSeries()
    series.set_history(walk(300))
    series.prepend_history([(T0 - (i + 1) * MIN, "1", "2", "0.5", "1.5", "4") for i in range(37)])
    assert series.first_slot == -37
    pyramid = LodPyramid()
    pyramid.rebuild(series)
    for k in range(1, pyramid.depth + 1):
        assert pyramid_level(pyramid, series, k) == brute_level(series, k), k
    assert len(pyramid.level(series, pyramid.depth)) == 2  # buckets either side of slot 0 never merge
    assert 1 << pyramid.depth >= len(series)


def test_pyramid_tail_update_equals_rebuild() -> None:
    rows = walk(1000)
    series = CandleSeries()
    series.set_history(rows[:700])
    pyramid = LodPyramid()
    pyramid.rebuild(series)
    for r in rows[700:]:
        pyramid.update_from(series, series.apply_live(r).first_changed or 0)
    pyramid.update_from(series, series.apply_live((rows[-1][0], "1", "500", "0.1", "2", "99")).first_changed or 0)
    fresh = LodPyramid()
    fresh.rebuild(series)
    assert pyramid.depth == fresh.depth
    for k in range(1, fresh.depth + 1):
        assert pyramid_level(pyramid, series, k) == pyramid_level(fresh, series, k), k


def test_pyramid_extent_matches_brute_force() -> None:
    series = CandleSeries()
    series.set_history(walk(5000))
    pyramid = LodPyramid()
    pyramid.rebuild(series)
    rng = np.random.default_rng(1)
    for _ in range(50):
        x0, x1 = sorted(rng.integers(-100, 5100, 2).tolist())
        lo, hi = max(0, x0), min(4999, x1)
        got = pyramid.extent(series, x0, x1)
        if hi < lo:
            assert got is None
            continue
        assert got == (series.low[lo : hi + 1].min(), series.high[lo : hi + 1].max(),
                       series.volume[lo : hi + 1].max())


# --- drawing ---------------------------------------------------------------------------------------------------
def test_history_draws_bars_within_bounds(chart: ChartWidget) -> None:
    rows = walk(400)
    chart.set_history(rows)
    bounds = chart.candles.boundingRect()
    assert bounds.left() == -0.5
    assert bounds.right() == 399.5
    assert bounds.top() == pytest.approx(min(float(r[3]) for r in rows))
    assert bounds.bottom() == pytest.approx(max(float(r[2]) for r in rows))
    assert chart.volume.boundingRect().bottom() == pytest.approx(max(float(r[5]) for r in rows))
    rgb = pixels(chart)
    palette = ChartPalette.dark()
    assert count_colour(rgb, palette.up) > 200
    assert count_colour(rgb, palette.down) > 200
    assert chart.candles.stats.mode == "candles"
    x0, x1 = chart.visible_range()
    assert x1 - x0 == 150  # the default view: latest 150 bars plus a margin
    assert x0 < 399 < x1


def test_live_tick_rebuilds_only_the_last_bar(chart: ChartWidget) -> None:
    rows = walk(3 * CHUNK + 10)
    chart.set_history(rows)
    render(chart)
    stats = chart.candles.stats
    built, tails = stats.full_chunk_builds, stats.tail_builds
    assert built >= 1
    last = rows[-1]
    for close in ("150.00", "151.00", "149.00"):
        chart.apply_live((last[0], last[1], "152.00", last[3], close, "99.000"))
        render(chart)
    assert stats.full_chunk_builds == built  # every closed chunk replayed from cache
    assert stats.tail_builds == tails + 3
    assert chart.series.close[-1] == 149.0
    # a new bar closes the previous one: its chunk is re-recorded once, nothing else
    chart.apply_live((last[0] + MIN, "149.00", "149.50", "148.00", "149.20", "1.000"))
    render(chart)
    assert stats.full_chunk_builds == built + 1
    x0, x1 = chart.visible_range()
    assert x0 <= chart.series.last_slot <= x1  # the view followed the live edge


def test_zoomed_out_uses_level_of_detail_and_caches_it(chart: ChartWidget) -> None:
    chart.set_history(walk(20_000))
    chart.set_visible_range(-10, 20_010)
    render(chart)
    stats = chart.candles.stats
    assert stats.mode == "lod"
    assert stats.level >= 4  # 20,000 bars over ~830 px: buckets of 16 bars or more
    built = stats.lod_chunk_builds
    assert 0 < built <= 3
    assert chart.volume.stats.mode == "lod"
    render(chart)
    assert stats.lod_chunk_builds == built
    chart.apply_live((T0 + 19_999 * MIN, "100", "300", "1", "250", "7"))
    render(chart)
    assert stats.lod_chunk_builds == built  # the newest bucket is drawn apart from the cached ones
    y0, y1 = chart.price_plot.vb.viewRange()[1]
    assert y0 < 1
    assert y1 > 300  # y follows the visible bars, the new extremes included


def test_prepend_keeps_the_view_and_asks_for_older_pages(chart: ChartWidget, qtbot: QtBot) -> None:
    rows = walk(600)
    chart.set_history(rows[300:])
    render(chart)
    with qtbot.waitSignal(chart.older_history_wanted) as blocker:
        chart.set_visible_range(-20, 130)
    assert blocker.args == [rows[300][0]]
    before = chart.visible_range()
    built = chart.candles.stats.full_chunk_builds
    chart.prepend_history(rows[:300])
    assert chart.visible_range() == before
    assert chart.series.first_slot == -300
    render(chart)
    assert chart.series.bar_at_slot(0) is not None
    assert chart.series.bar_at_slot(0).ts == rows[300][0]  # type: ignore[union-attr]
    assert chart.candles.stats.full_chunk_builds - built <= 2  # only the chunk(s) at the old front


# --- crosshair and readout -------------------------------------------------------------------------------------
def test_crosshair_readout_for_a_known_bar(chart: ChartWidget) -> None:
    chart.set_history([
        (T0, "100.00", "101.00", "99.00", "100.00", "1.5"),
        (T0 + MIN, "100.00", "103.50", "99.50", "102.00", "12.25"),
        (T0 + 2 * MIN, "102.00", "102.00", "100.00", "101.00", "3"),
    ])
    assert chart.readout_text() == "2024-01-01 00:02  O 102.00  H 102.00  L 100.00  C 101.00  V 3.00  -0.98%"
    chart.show_crosshair_at(1.2, 101.5)
    assert chart.readout_text() == "2024-01-01 00:01  O 100.00  H 103.50  L 99.50  C 102.00  V 12.25  +2.00%"
    chart.hide_crosshair()
    assert chart.readout_text().startswith("2024-01-01 00:02")


def test_mouse_move_drives_the_crosshair(chart: ChartWidget, qtbot: QtBot) -> None:
    chart.set_history(walk(200))
    render(chart)
    vb = chart.price_plot.vb
    target = vb.mapViewToScene(QtCore.QPointF(120, float(chart.series.close[120])))
    chart._view.scene().sigMouseMoved.emit(target)
    assert chart.readout_text().startswith("2024-01-01 02:00")  # bar 120 opened two hours after T0


# --- controls ---------------------------------------------------------------------------------------------------------
def test_interval_button_emits_only_on_change(chart: ChartWidget, qtbot: QtBot) -> None:
    with qtbot.waitSignal(chart.interval_changed) as blocker:
        qtbot.mouseClick(chart.interval_buttons[Interval.H1], QtCore.Qt.MouseButton.LeftButton)
    assert blocker.args == ["1H"]
    assert chart.interval is Interval.H1
    with qtbot.assertNotEmitted(chart.interval_changed):
        qtbot.mouseClick(chart.interval_buttons[Interval.H1], QtCore.Qt.MouseButton.LeftButton)
        chart.set_interval("4H")
    assert chart.interval_buttons[Interval.H4].isChecked()
    utc = chart.interval_buttons[Interval.D1_UTC]
    assert utc.text() == "1D UTC"
    assert "00:00 UTC" in utc.toolTip()
    with qtbot.waitSignal(chart.interval_changed) as blocker:
        qtbot.mouseClick(utc, QtCore.Qt.MouseButton.LeftButton)
    assert blocker.args == ["1Dutc"]


def test_order_and_position_lines(chart: ChartWidget) -> None:
    chart.set_history(walk(100))
    chart.set_order_lines([("o1", Decimal("101.5"), "buy", "Buy 0.5"), ("o2", Decimal("103.25"), "sell", "Sell 1")])
    assert chart.price_lines.keys == ["order:o1", "order:o2"]
    line = chart.price_lines.line("order:o2")
    assert line is not None
    assert line.value() == 103.25
    assert line in chart.price_plot.items
    assert line.pen.color().name() == ChartPalette.dark().sell_order
    chart.set_position_lines(Decimal("100.1"), Decimal("80"))
    chart.set_order_lines([("o2", Decimal("103.5"), "sell", "Sell 1")])  # o1 filled, o2 modified
    assert sorted(chart.price_lines.keys) == sorted(["order:o2", ENTRY_KEY, LIQUIDATION_KEY])
    assert chart.price_lines.line("order:o2").value() == 103.5  # type: ignore[union-attr]
    assert line not in chart.price_plot.items
    assert chart.price_lines.label(LIQUIDATION_KEY) == "Liq. 80.00"
    chart.set_position_lines(None, None)
    assert chart.price_lines.keys == ["order:o2"]
    with pytest.raises(ValueError, match="side"):
        chart.set_order_lines([("x", Decimal(1), "long", "?")])


def test_loading_progress_shown_then_hidden(chart: ChartWidget) -> None:
    assert not chart.progress.isVisible()
    chart.begin_loading(5)
    assert chart.progress.isVisible()
    assert chart.is_loading
    chart.page_loaded(2)
    assert chart.progress.value() == 2
    assert chart.progress.text() == "History 2/5"
    chart.end_loading()
    assert not chart.progress.isVisible()
    chart.begin_loading(0)
    assert chart.progress.maximum() == 0  # unknown length: busy indicator
    chart.end_loading()


def test_keys_pan_zoom_home_and_reset(chart: ChartWidget, qtbot: QtBot) -> None:
    chart.set_history(walk(1000))
    x0, x1 = chart.visible_range()
    qtbot.keyClick(chart, QtCore.Qt.Key.Key_Left)
    assert chart.visible_range() == pytest.approx((x0 - 15, x1 - 15))
    qtbot.keyClick(chart, QtCore.Qt.Key.Key_Up)  # zoom in around the centre (live edge out of view)
    a, b = chart.visible_range()
    assert b - a == pytest.approx(120)
    qtbot.keyClick(chart, QtCore.Qt.Key.Key_Minus)
    a, b = chart.visible_range()
    assert b - a == pytest.approx(150)
    qtbot.keyClick(chart, QtCore.Qt.Key.Key_Home)
    assert chart.visible_range()[1] == pytest.approx(1004)
    qtbot.keyClick(chart, QtCore.Qt.Key.Key_Down)
    qtbot.keyClick(chart, QtCore.Qt.Key.Key_R, QtCore.Qt.KeyboardModifier.AltModifier)
    assert chart.visible_range() == pytest.approx((x0, x1))
    # the plot area forwards the keys too
    qtbot.keyClick(chart._view, QtCore.Qt.Key.Key_Right)
    assert chart.visible_range() == pytest.approx((x0 + 15, x1 + 15))


def test_overlays_follow_the_data(chart: ChartWidget) -> None:
    rows = walk(500)
    chart.set_history(rows)
    chart.set_overlay("ma", True)
    ma = chart.overlay_lines["ma"][0]
    assert ma.isVisible()
    np.testing.assert_allclose(ma.values, sma(chart.series.close, 20), equal_nan=True)
    chart.set_overlay("bb", True)
    chart.apply_live((rows[-1][0], "100", "400", "1", "400", "5"))
    np.testing.assert_allclose(ma.values, sma(chart.series.close, 20), equal_nan=True)
    upper = chart.overlay_lines["bb"][1].values
    assert upper[-1] > ma.values[-1]
    _y0, y1 = chart.price_plot.vb.viewRange()[1]
    assert y1 >= upper[-1]  # the visible band is inside the price scale
    chart.set_overlay("ma", False)
    assert not ma.isVisible()


def test_colour_blind_palette_redraws(chart: ChartWidget) -> None:
    chart.set_history(walk(300))
    palette = ChartPalette.colour_blind()
    chart.set_palette(palette)
    rgb = pixels(chart)
    assert count_colour(rgb, palette.up) > 100
    assert count_colour(rgb, palette.down) > 100
    assert count_colour(rgb, ChartPalette.dark().up) == 0


def test_none_guard_pins_none_only_on_a_leaking_binding(chart: ChartWidget) -> None:
    import sys

    from terminal_app.ui.chart.none_guard import leaks_none

    if leaks_none():
        assert pin_none()
        assert sys.getrefcount(None) > 1 << 39
        assert sys.getrefcount(True) > 1 << 39
    else:
        assert sys.getrefcount(None) < 1 << 39 or pin_none()
    for _ in range(100):
        render(chart)  # would abort the interpreter on PySide6 6.12.0 + CPython 3.11 without the pin


def _view_point(chart: ChartWidget, slot: float, price: float) -> QtCore.QPoint:
    scene = chart.price_plot.vb.mapViewToScene(QtCore.QPointF(slot, price))
    return chart._view.mapFromScene(scene)


def test_a_click_in_the_price_pane_gives_its_price(chart: ChartWidget, qtbot: QtBot) -> None:
    chart.set_history(walk(200))
    render(chart)
    price = float(chart.series.close[150])
    with qtbot.waitSignal(chart.price_clicked, timeout=2000) as clicked:
        QTest.mouseClick(chart._view.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=_view_point(chart, 150, price))
    y_per_pixel = abs(chart.price_plot.vb.viewPixelSize()[1])
    assert clicked.args[0] == pytest.approx(price, abs=2 * y_per_pixel)


def test_dragging_an_order_line_reports_the_drop_price_and_snaps_back(chart: ChartWidget, qtbot: QtBot) -> None:
    chart.set_history(walk(200))
    render(chart)
    low, high = chart.price_plot.vb.viewRange()[1]
    start, target = low + (high - low) * 0.4, low + (high - low) * 0.7
    chart.set_order_lines([("o1", Decimal(str(round(start, 2))), "buy", "buy 0.5")])
    chart.set_position_lines(Decimal(str(round(low + (high - low) * 0.2, 2))), None)
    assert chart.price_lines.line(ENTRY_KEY).movable is False  # type: ignore[union-attr]
    line = chart.price_lines.line("order:o1")
    assert line is not None
    assert line.movable
    moved: list[tuple[str, float]] = []
    chart.order_moved.connect(lambda oid, price: moved.append((oid, price)))
    viewport = chart._view.viewport()
    a, b = _view_point(chart, 100, float(line.value())), _view_point(chart, 100, target)
    QTest.mousePress(viewport, QtCore.Qt.MouseButton.LeftButton, pos=a)
    for i in range(1, 11):
        step = QtCore.QPoint(a.x(), a.y() + (b.y() - a.y()) * i // 10)
        move = QtGui.QMouseEvent(QtCore.QEvent.Type.MouseMove, QtCore.QPointF(step),
                                 QtCore.QPointF(viewport.mapToGlobal(step)), QtCore.Qt.MouseButton.NoButton,
                                 QtCore.Qt.MouseButton.LeftButton, QtCore.Qt.KeyboardModifier.NoModifier)
        QtWidgets.QApplication.sendEvent(viewport, move)
    QTest.mouseRelease(viewport, QtCore.Qt.MouseButton.LeftButton, pos=b)
    y_per_pixel = abs(chart.price_plot.vb.viewPixelSize()[1])
    assert len(moved) == 1
    assert moved[0][0] == "o1"
    assert moved[0][1] == pytest.approx(target, abs=3 * y_per_pixel)
    assert line.value() == float(Decimal(str(round(start, 2))))  # back until the exchange moves the order
    assert chart.price_lines.label("order:o1") == "buy 0.5"


def test_position_labels_print_prices_on_the_tick(chart: ChartWidget) -> None:
    # Bitget reports the average entry with all its decimals (the issue saw 'Entry 10133x.38…840707964602').
    chart.set_price_decimals(1)
    chart.set_position_lines(Decimal("101334.38123840707964602"), Decimal("91000.04999"))
    assert chart.price_lines.label("position:entry") == "Entry 101,334.4"
    assert chart.price_lines.label("position:liquidation") == "Liq. 91,000.0"
    line = chart.price_lines.line("position:entry")
    assert line is not None
    assert line.label.format == "Entry 101,334.4"
