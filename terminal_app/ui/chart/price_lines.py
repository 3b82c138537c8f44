"""Horizontal price lines on the chart: open orders, algo orders (stops, trailing stops, TP/SL), position entry
and liquidation price.

Order and algo lines can be dragged: while the line moves its label shows the price it would go to, and when it is
dropped the ``on_order_moved(order_id, price)`` (``on_algo_moved`` for an algo line) callback gets the drop price (a
float, as drawn; the caller rounds it to the market's tick) and the line returns to the order's price — the order
moves when the exchange says it moved, and a refused change leaves nothing misleading on the chart. A left click on
an algo line (without a drag) calls ``on_algo_clicked(id)``: the caller cancels it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_EVEN, Decimal

import pyqtgraph as pg
from PySide6 import QtCore

from terminal_app.ui.chart.palette import ChartPalette

OrderLine = tuple[str, Decimal, str, str]  # (order id, price, side "buy"/"sell", label)
AlgoLine = tuple[str, Decimal, str, str]  # (algo order id, trigger price, colour role of ChartPalette, label)

ENTRY_KEY = "position:entry"
LIQUIDATION_KEY = "position:liquidation"


class PriceLines:
    """Keeps one labelled ``InfiniteLine`` per order id and for the position's entry and liquidation prices."""

    def __init__(self, plot: pg.PlotItem, palette: ChartPalette) -> None:
        self._plot = plot
        self._palette = palette
        self._lines: dict[str, pg.InfiniteLine] = {}
        self._spec: dict[str, tuple[Decimal, str, str]] = {}  # key -> (price, colour role, label)
        self.on_order_moved: Callable[[str, float], None] | None = None
        self.on_algo_moved: Callable[[str, float], None] | None = None
        self.on_algo_clicked: Callable[[str], None] | None = None
        self.format_price: Callable[[float], str] = lambda price: f"{price:g}"
        # Exact prices (entry, liquidation: averages with many decimals) as the market prints them, on its tick.
        self.decimals: Callable[[], int] = lambda: 2

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

    def set_algos(self, algos: Iterable[AlgoLine]) -> None:
        wanted = {f"algo:{algo_id}": (Decimal(price), role, label) for algo_id, price, role, label in algos}
        self._sync({k: v for k, v in self._spec.items() if not k.startswith("algo:")} | wanted)

    def set_position(self, entry: Decimal | None, liquidation: Decimal | None) -> None:
        keep = {k: v for k, v in self._spec.items() if not k.startswith("position:")}
        if entry is not None:
            keep[ENTRY_KEY] = (Decimal(entry), "entry", f"Entry {self._exact(Decimal(entry))}")
        if liquidation is not None:
            keep[LIQUIDATION_KEY] = (Decimal(liquidation), "liquidation", f"Liq. {self._exact(Decimal(liquidation))}")
        self._sync(keep)

    def _exact(self, price: Decimal) -> str:
        places = self.decimals()
        return f"{price.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN):,.{places}f}"

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
        algo = key.startswith("algo:")
        style = QtCore.Qt.PenStyle.DashLine if role in ("entry", "liquidation") else QtCore.Qt.PenStyle.DotLine
        if algo:
            style = QtCore.Qt.PenStyle.DashDotLine
        movable = key.startswith("order:") or algo
        line = pg.InfiniteLine(
            pos=float(price),  # drawing only; the exact price stays in self._spec
            angle=0,
            pen=pg.mkPen(colour, width=1, style=style),
            hoverPen=pg.mkPen(colour, width=3, style=QtCore.Qt.PenStyle.SolidLine) if movable else None,
            movable=movable,
            label=label,
            labelOpts={"position": 0.04, "color": colour, "anchors": [(0, 1), (0, 1)]},
        )
        if movable:
            line.setCursor(QtCore.Qt.CursorShape.SizeVerCursor)
            line.setToolTip("Drag to move this order to another price" + (", click to cancel it" if algo else ""))
            line.sigDragged.connect(lambda ln, k=key: self._dragging(k, ln))
            line.sigPositionChangeFinished.connect(lambda ln, k=key: self._dropped(k, ln))
        if algo:
            line.sigClicked.connect(lambda _ln, ev, k=key: self._clicked(k, ev))
        self._plot.addItem(line, ignoreBounds=True)
        self._lines[key] = line
        self._spec[key] = spec

    def _dragging(self, key: str, line: pg.InfiniteLine) -> None:
        if key in self._spec and line.label is not None:
            line.label.setFormat(f"{self._spec[key][2]}  →  {self.format_price(float(line.value()))}")

    def _dropped(self, key: str, line: pg.InfiniteLine) -> None:
        spec = self._spec.get(key)
        if spec is None:
            return
        dropped = float(line.value())
        line.setValue(float(spec[0]))  # back to the order's price until the exchange moves the order
        if line.label is not None:
            line.label.setFormat(spec[2])
        if dropped == float(spec[0]):
            return
        if key.startswith("order:") and self.on_order_moved is not None:
            self.on_order_moved(key.removeprefix("order:"), dropped)
        elif key.startswith("algo:") and self.on_algo_moved is not None:
            self.on_algo_moved(key.removeprefix("algo:"), dropped)

    def _clicked(self, key: str, ev: object) -> None:
        button = getattr(ev, "button", None)
        if button is not None and button() != QtCore.Qt.MouseButton.LeftButton:
            return
        if self.on_algo_clicked is not None and key in self._spec:
            self.on_algo_clicked(key.removeprefix("algo:"))

    def drag_order(self, order_id: str, price: float) -> None:
        """What a mouse drag of the order's line to ``price`` does (keyboard access and tests)."""
        self._drag(f"order:{order_id}", price)

    def drag_algo(self, algo_id: str, price: float) -> None:
        self._drag(f"algo:{algo_id}", price)

    def _drag(self, key: str, price: float) -> None:
        line = self._lines[key]
        line.setValue(price)
        line.sigDragged.emit(line)
        line.sigPositionChangeFinished.emit(line)

    def _remove(self, key: str) -> None:
        self._plot.removeItem(self._lines.pop(key))
        del self._spec[key]
