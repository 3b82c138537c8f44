"""The chart in the running terminal (Demo profile, embedded simulator): a perpetual's mark price and funding
countdown from its ticker, nothing of it on spot; the indicators restored from the settings file at start and
saved to it when toggled."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from PySide6 import QtCore
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from terminal_app.app import Terminal
from terminal_app.config.paths import AppPaths
from terminal_app.config.settings import CHART_MACD, CHART_RSI, Settings
from terminal_app.core.instruments import Product, SymbolRef

BTC = SymbolRef("BTCUSDT", Product.SPOT)
BTC_PERP = SymbolRef("BTCUSDT", Product.USDT_FUTURES)


def funding_pattern(price_places: int) -> str:
    return rf"^Mark [\d,]+\.\d{{{price_places}}} · Funding -?\d+\.\d{{4}} % in (\d\d):(\d\d):(\d\d)$"


@pytest.mark.asyncio
async def test_mark_price_funding_and_indicators_in_the_running_terminal(
    qapp: QApplication, tmp_path: Path, wait_until: Any
) -> None:
    paths = AppPaths.under(tmp_path).ensure()
    earlier = Settings.load(paths.settings_file)
    earlier.set(CHART_RSI, True)  # switched on in an earlier session
    earlier.save()
    quit_on_close = qapp.quitOnLastWindowClosed()
    terminal = Terminal(qapp, paths=paths, panic_window_s=60)
    try:
        await terminal.start()
        chart, services = terminal.chart, terminal.services
        assert services is not None
        md = services.market_data
        assert chart.indicator_enabled("rsi")
        assert chart.indicator_panes["rsi"].active
        assert not chart.indicator_enabled("macd")
        assert md.active == BTC
        await wait_until(md.candles_history, lambda: len(chart.series) > 0)
        await wait_until(md.ticker_changed, lambda: md.ticker(BTC))
        assert chart.funding_text() == ""  # spot: no mark price, no funding

        md.set_active(BTC_PERP)
        await wait_until(md.ticker_changed, lambda: chart.funding_text())
        market = md.market(BTC_PERP)
        assert market is not None
        match = re.match(funding_pattern(market.price_places), chart.funding_text())  # the mark on the perpetual's tick
        assert match, chart.funding_text()
        perpetual = chart.perpetual
        assert perpetual is not None
        assert perpetual.mark is not None
        assert perpetual.next_funding_ms is not None
        left_s = (perpetual.next_funding_ms - services.session.clock.now_ms()) / 1000
        shown_s = int(match[1]) * 3600 + int(match[2]) * 60 + int(match[3])
        assert abs(shown_s - left_s) <= 2  # counted on the exchange's clock
        assert chart._mark_line.isVisible()
        assert chart._mark_line.value() == float(perpetual.mark)

        # a click on MACD in the indicator bar is saved with the settings
        QTest.mouseClick(chart.indicator_buttons["macd"], QtCore.Qt.MouseButton.LeftButton)
        assert chart.indicator_panes["macd"].active
        assert terminal.settings.get(CHART_MACD) is True
        assert Settings.load(paths.settings_file).get(CHART_MACD) is True

        md.set_active(BTC)
        assert chart.funding_text() == ""
        assert not chart._mark_line.isVisible()
    finally:
        await terminal.shutdown()
        qapp.setQuitOnLastWindowClosed(quit_on_close)


@pytest.mark.asyncio
async def test_the_chart_built_while_the_exchange_answers_is_the_windows(
    qapp: QApplication, tmp_path: Path, wait_until: Any
) -> None:
    """Terminal.start builds the first window's chart while it waits for the exchange's first answers (the GUI thread
    is idle then); the window takes that chart — indicators, palette and interval as the settings say — and it shows
    the market like a chart built with the window."""
    paths = AppPaths.under(tmp_path).ensure()
    earlier = Settings.load(paths.settings_file)
    earlier.set(CHART_RSI, True)
    earlier.save()
    quit_on_close = qapp.quitOnLastWindowClosed()
    terminal = Terminal(qapp, paths=paths, panic_window_s=60, demo_sim="thread")
    try:
        await terminal._prepare_window()  # as start() does while the exchange answers; here it finishes first
        spare = terminal._spare_chart
        assert spare is not None
        assert "chart_built_ms" in terminal.marks
        await terminal.start()
        chart = terminal.chart
        assert chart is spare  # not a second one
        assert terminal._spare_chart is None
        assert terminal.window is not None
        assert terminal.window.panel("chart") is chart
        assert chart.indicator_enabled("rsi")
        services = terminal.services
        assert services is not None
        md = services.market_data
        await wait_until(md.candles_history, lambda: len(chart.series) > 0)
        assert chart.interval == md.interval
    finally:
        await terminal.shutdown()
        qapp.setQuitOnLastWindowClosed(quit_on_close)
