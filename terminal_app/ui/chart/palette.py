"""Colours of the chart. The theme module maps the app theme onto one of these."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ChartPalette:
    """Colours as ``#rrggbb`` or ``#rrggbbaa`` strings (pyqtgraph's mkColor order)."""

    background: str
    foreground: str  # axes and text
    grid: str
    up: str
    down: str
    up_volume: str
    down_volume: str
    crosshair: str
    buy_order: str
    sell_order: str
    entry: str
    liquidation: str
    ma: str
    ema: str
    bollinger: str
    mark: str  # the perpetual's mark price line and its axis tag
    rsi: str
    macd: str
    macd_signal: str

    @classmethod
    def dark(cls) -> ChartPalette:
        return cls(
            background="#131722",
            foreground="#b2b5be",
            grid="#2a2e3966",
            up="#26a69a",
            down="#ef5350",
            up_volume="#26a69a80",
            down_volume="#ef535080",
            crosshair="#9598a1",
            buy_order="#26a69a",
            sell_order="#ef5350",
            entry="#f5c542",
            liquidation="#ff6d00",
            ma="#42a5f5",
            ema="#ab47bc",
            bollinger="#8d6e63",
            mark="#00e5ff",
            rsi="#9575cd",
            macd="#448aff",
            macd_signal="#ff9800",
        )

    @classmethod
    def light(cls) -> ChartPalette:
        return cls(
            background="#ffffff",
            foreground="#131722",
            grid="#e0e3eb99",
            up="#089981",
            down="#f23645",
            up_volume="#08998166",
            down_volume="#f2364566",
            crosshair="#787b86",
            buy_order="#089981",
            sell_order="#f23645",
            entry="#b8860b",
            liquidation="#e65100",
            ma="#1e88e5",
            ema="#8e24aa",
            bollinger="#6d4c41",
            mark="#0091ea",
            rsi="#7e57c2",
            macd="#2962ff",
            macd_signal="#ef6c00",
        )

    @classmethod
    def colour_blind(cls, dark: bool = True) -> ChartPalette:
        """Blue up, orange down (Okabe–Ito), distinguishable with red–green colour blindness."""
        base = cls.dark() if dark else cls.light()
        blue, orange = ("#56b4e9", "#e69f00") if dark else ("#0072b2", "#d55e00")
        return cls(
            background=base.background,
            foreground=base.foreground,
            grid=base.grid,
            up=blue,
            down=orange,
            up_volume=blue + "80",
            down_volume=orange + "80",
            crosshair=base.crosshair,
            buy_order=blue,
            sell_order=orange,
            entry="#f0e442" if dark else "#7a6f00",
            liquidation="#cc79a7",
            ma="#009e73",
            ema="#cc79a7" if dark else "#7b3f99",
            bollinger=base.foreground,
            # Up/down are blue/orange here: the mark line and MACD keep clear of both.
            mark="#ffffff" if dark else "#000000",
            rsi="#cc79a7",
            macd=base.foreground,
            macd_signal="#f0e442" if dark else "#7a6f00",
        )
