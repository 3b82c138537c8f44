"""Chart indicators kept across restarts (issue 17 item 11): which indicators are on lives in the settings file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6 import QtCore
from pytestqt.qtbot import QtBot

from terminal_app.config.paths import AppPaths
from terminal_app.config.settings import CHART_INDICATORS, CHART_MA, CHART_MACD, CHART_RSI, Settings
from terminal_app.core.candles import Interval
from terminal_app.ui.chart import ChartWidget
from terminal_app.ui.chart.persist import bind_indicators
from terminal_app.ui.chart.widget import INDICATORS
from terminal_app.ui.main_window import CENTRAL, DockSpec

MakeWindow = Callable[..., Any]


def chart_spec(built: list[ChartWidget], settings: Settings) -> DockSpec:
    def make() -> ChartWidget:
        chart = ChartWidget(interval=Interval.M1)
        bind_indicators(chart, settings)
        built.append(chart)
        return chart

    return DockSpec("chart", "Chart", CENTRAL, make)


def test_indicators_are_kept_across_restarts(make_window: MakeWindow, qtbot: QtBot, app_paths: AppPaths) -> None:
    path: Path = app_paths.settings_file
    settings = Settings.load(path)
    built: list[ChartWidget] = []
    window = make_window((chart_spec(built, settings),), show=True, settings_=settings)
    first = built[0]
    assert first.enabled_indicators() == dict.fromkeys(INDICATORS, False)  # defaults: all off
    for name in ("ma", "rsi", "macd"):
        qtbot.mouseClick(first.indicator_buttons[name], QtCore.Qt.MouseButton.LeftButton)
    qtbot.mouseClick(first.indicator_buttons["macd"], QtCore.Qt.MouseButton.LeftButton)  # and off again
    assert settings.get(CHART_MA)
    assert settings.get(CHART_RSI)
    assert not settings.get(CHART_MACD)
    window.close()  # the settings are saved with the others

    # the next start: a fresh settings object from the same file, a new chart
    again = Settings.load(path)
    assert again.problems == []
    built2: list[ChartWidget] = []
    window2 = make_window((chart_spec(built2, again),), show=True, settings_=again)
    second = built2[0]
    assert second is not first
    assert second.enabled_indicators() == {"ma": True, "ema": False, "bb": False, "rsi": True, "macd": False}
    assert second.indicator_buttons["rsi"].isChecked()
    assert second.indicator_panes["rsi"].active
    assert second.overlay_lines["ma"][0].isVisible()
    # the settings page (or any other writer) switches the chart too
    again.set(CHART_RSI, False)
    assert not second.indicator_enabled("rsi")
    window2.close()
    assert Settings.load(path).get(CHART_RSI) is False


def test_every_indicator_has_a_boolean_setting_off_by_default() -> None:
    assert set(CHART_INDICATORS) == set(INDICATORS)
    for setting in CHART_INDICATORS.values():
        assert setting.default is False
        assert setting.section == "chart"
