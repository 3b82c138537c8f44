"""pyqtgraph candlestick chart: level-of-detail candle and volume items, time axis, overlays and the ChartWidget.

The package's names load on first use (PEP 562): importing a light submodule such as ``none_guard`` at start-up does
not import pyqtgraph (~0.3 s), which the chart needs only when it is built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from terminal_app.ui.chart.palette import ChartPalette
    from terminal_app.ui.chart.widget import ChartWidget

__all__ = ["ChartPalette", "ChartWidget"]


def __getattr__(name: str) -> Any:
    if name == "ChartWidget":
        from terminal_app.ui.chart.widget import ChartWidget

        return ChartWidget
    if name == "ChartPalette":
        from terminal_app.ui.chart.palette import ChartPalette

        return ChartPalette
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
