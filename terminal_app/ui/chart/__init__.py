"""pyqtgraph candlestick chart: level-of-detail candle and volume items, time axis, overlays and the ChartWidget."""

from terminal_app.ui.chart.palette import ChartPalette
from terminal_app.ui.chart.widget import ChartWidget

__all__ = ["ChartPalette", "ChartWidget"]
