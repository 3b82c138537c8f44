"""Horizontal price lines on the chart: open orders, position entry and liquidation price."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

import pyqtgraph as pg
from PySide6 import QtCore

from terminal_app.ui.chart.palette import ChartPalette

OrderLine = tuple[str, Decimal, str, str]  # (order id, price, side "buy"/"sell", label)

ENTRY_KEY = "position:entry"
LIQUIDATION_KEY = "position:liquidation"


class PriceLines:
    """Keeps one labelled ``InfiniteLine`` per order id and for the position's entry and liquidation prices."""

    def __init__(self, plot: pg.PlotItem, palette: ChartPalette) -> None:
        self._plot = plot
        self._palette = palette
        self._lines: dict[str, pg.InfiniteLine] = {}
        self._spec: dict[str, tuple[Decimal, str, str]] = {}  # key -> (price, colour role, label)

    @property
    def keys(self) -> list[str]:
        return list(self._lines)

    def line(self, key: str) -> pg.InfiniteLine | None:
        return self._lines.get(key)

    def label(self, key: str) -> str:
        return self._spec[key][2]

    def set_orders(self, orders: Iterable[OrderLine]) -> None:
        wanted: dict[str, tuple[Decimal, str, str]] = {}
        for order_id, price, side, label in orders:
            s = side.lower()
            if s not in ("buy", "sell"):
                raise ValueError(f"order side must be 'buy' or 'sell', not {side!r}")
            wanted[f"order:{order_id}"] = (Decimal(price), f"{s}_order", label)
        self._sync({k: v for k, v in self._spec.items() if not k.startswith("order:")} | wanted)

    def set_position(self, entry: Decimal | None, liquidation: Decimal | None) -> None:
        keep = {k: v for k, v in self._spec.items() if k.startswith("order:")}
        if entry is not None:
            keep[ENTRY_KEY] = (Decimal(entry), "entry", f"Entry {entry}")
        if liquidation is not None:
            keep[LIQUIDATION_KEY] = (Decimal(liquidation), "liquidation", f"Liq. {liquidation}")
        self._sync(keep)

    def set_palette(self, palette: ChartPalette) -> None:
        self._palette = palette
        spec = dict(self._spec)
        for key in list(self._lines):
            self._remove(key)
        self._sync(spec)

    def _sync(self, wanted: dict[str, tuple[Decimal, str, str]]) -> None:
        for key in [k for k in self._lines if k not in wanted]:
            self._remove(key)
        for key, spec in wanted.items():
            if self._spec.get(key) == spec:
                continue
            if key in self._lines:
                self._remove(key)
            self._add(key, spec)

    def _add(self, key: str, spec: tuple[Decimal, str, str]) -> None:
        price, role, label = spec
        colour = getattr(self._palette, role)
        style = QtCore.Qt.PenStyle.DashLine if role in ("entry", "liquidation") else QtCore.Qt.PenStyle.DotLine
        line = pg.InfiniteLine(
            pos=float(price),  # drawing only; the exact price stays in self._spec
            angle=0,
            pen=pg.mkPen(colour, width=1, style=style),
            movable=False,
            label=label,
            labelOpts={"position": 0.04, "color": colour, "anchors": [(0, 1), (0, 1)]},
        )
        self._plot.addItem(line, ignoreBounds=True)
        self._lines[key] = line
        self._spec[key] = spec

    def _remove(self, key: str) -> None:
        self._plot.removeItem(self._lines.pop(key))
        del self._spec[key]
