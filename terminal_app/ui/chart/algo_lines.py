"""Algo orders on the chart: one dash-dot line per stop, trailing stop and TP/SL of the active symbol, at its trigger
price. Dragging a line moves the order (the drop price rounded to the tick, sent as a modify; the line stays at the
order's price until the exchange says it moved), clicking it cancels the order. A bracket's legs attached to an
entry that has not filled yet are drawn too (``ui.docks.algo_groups``); clicking one cancels the entry, and they
cannot be dragged (they are the entry's, not orders of their own yet). So is the take-profit the terminal watches for
a spot bracket (``services.oco``); clicking it ends the watch (the stop-loss stays), and it cannot be dragged."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from terminal_app.core.algo import AlgoKind, AlgoOrder
from terminal_app.core.instruments import SymbolRef
from terminal_app.ui.docks.algo_groups import (
    attached_legs,
    bracket_of,
    entry_of,
    is_leg,
    is_watched,
    watched_legs,
)
from terminal_app.ui.docks.algo_orders import line_label


def line_role(order: AlgoOrder) -> str:
    """The chart palette colour of an algo line: take-profits as buys (green), stop-losses as sells (red), stops by
    the side they trade, trailing stops in the liquidation colour (they follow the price)."""
    if order.kind is AlgoKind.TRAILING:
        return "liquidation"
    if order.kind.is_tpsl:
        return "buy_order" if order.kind.is_profit else "sell_order"
    return "buy_order" if order.side == "buy" else "sell_order"


def _label(order: AlgoOrder) -> str:
    if is_leg(order.client_oid):
        return f"{line_label(order)} (on entry)"
    return f"{line_label(order)} (watched)" if is_watched(order.client_oid) else line_label(order)


def wire_algo_lines(chart: Any, algo: Any, md: Any,
                    on_tick: Callable[[SymbolRef | None, float], Decimal | None],
                    trading: Any = None, *, oco: Any = None) -> Callable[[], None]:
    """Keep ``chart``'s algo lines in step with ``algo`` (the algo orders service) for ``md.active``; returns the
    refresh function (called on every change of the list or of the active symbol)."""

    def refresh(*_args: Any) -> None:
        ref = md.active
        orders = algo.orders(ref) if ref is not None else []
        if trading is not None and ref is not None:
            orders = [*orders, *(leg for leg in attached_legs(trading.open_orders(ref)))]
        if oco is not None and ref is not None:
            orders = [*orders, *(leg for leg in watched_legs(oco.brackets()) if leg.ref == ref)]
        chart.set_algo_lines([(o.client_oid, o.trigger_price, line_role(o), _label(o)) for o in orders])

    def clicked(client_oid: str) -> None:
        if is_leg(client_oid):
            if trading is not None:
                trading.cancel(entry_of(client_oid))
        elif is_watched(client_oid):
            if oco is not None:
                oco.stop_watching(bracket_of(client_oid))
        else:
            algo.cancel(client_oid)

    def moved(client_oid: str, price: float) -> None:
        order = algo.get(client_oid)
        trigger = on_tick(order.ref, price) if order is not None else None
        if order is not None and trigger is not None and trigger != order.trigger_price:
            algo.modify(client_oid, trigger)

    algo.changed.connect(refresh)
    md.active_changed.connect(refresh)
    if trading is not None:
        trading.orders_changed.connect(refresh)
    if oco is not None:
        oco.changed.connect(refresh)
    chart.algo_moved.connect(moved)
    chart.algo_clicked.connect(clicked)
    refresh()
    return refresh
