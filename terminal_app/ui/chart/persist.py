"""Which chart indicators are on, kept in the settings (``chart.ma20``, ``chart.ema50``, ``chart.bb20``,
``chart.rsi14``, ``chart.macd``) so they survive a restart.

:func:`bind_indicators` switches the chart's indicators as the settings say, then keeps both in step: a button the
user toggles is written to the settings (which the main window saves to the settings file on every change), and a
value changed on the settings page switches the indicator on the chart.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from terminal_app.config.settings import CHART_INDICATORS, Setting, Settings
from terminal_app.ui.chart.widget import INDICATORS, ChartWidget

assert set(CHART_INDICATORS) == set(INDICATORS), "every chart indicator needs its setting"


def bind_indicators(chart: ChartWidget, settings: Settings) -> Callable[[], None]:
    """Restore the indicators from ``settings`` and keep them in step; returns a function that ends the binding."""
    for name, setting in CHART_INDICATORS.items():
        chart.set_indicator(name, settings.get(setting))

    def toggled(name: str, on: bool) -> None:
        setting = CHART_INDICATORS.get(name)
        if setting is not None:
            settings.set(setting, on)

    def changed(setting: Setting[Any], value: Any) -> None:
        for name, s in CHART_INDICATORS.items():
            if s is setting and chart.indicator_enabled(name) != value:
                chart.set_indicator(name, bool(value))

    chart.indicator_toggled.connect(toggled)
    unlisten = settings.add_listener(changed)

    def unbind() -> None:
        unlisten()
        try:
            chart.indicator_toggled.disconnect(toggled)
        except (RuntimeError, TypeError):  # the chart is gone already
            pass

    return unbind
