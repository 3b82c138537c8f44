"""V3 strategy orders (TP/SL) on the simulator: ``place-strategy-order``, ``cancel-strategy-order``,
``unfilled-strategy-orders`` over the engine's TP/SL plans (bitget-v3-uta.md §5.5).

One V3 TP/SL order may carry a take-profit and a stop-loss; the engine keeps them as two plans. The V3 order is
named by its first plan's id and remembers the others (``StrategyBook``, per exchange). ``full`` mode protects the
whole position (the engine's position TP/SL), ``partial`` mode ``qty`` of it. Trigger orders (``type: trigger``) are
not simulated: 40017, said plainly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from weakref import WeakKeyDictionary

from terminal_app.core.instruments import Product
from terminal_app.sim.engine.exchange import Exchange
from terminal_app.sim.engine.futures import PlanOrder
from terminal_app.sim.server.render import num
from terminal_app.sim.server.routes import Call, reject


@dataclass(slots=True)
class StrategyBook:
    """V3 order id → the engine plans it stands for; the clientOid each V3 order was given."""

    plans: dict[str, list[str]] = field(default_factory=dict)
    client_oids: dict[str, str] = field(default_factory=dict)


_BOOKS: WeakKeyDictionary[Exchange, StrategyBook] = WeakKeyDictionary()


def _book(ex: Exchange) -> StrategyBook:
    book = _BOOKS.get(ex)
    if book is None:
        book = _BOOKS[ex] = StrategyBook()
    return book


def _symbol(call: Call) -> str:
    category = (call.opt("category") or "").upper()
    if category != "USDT-FUTURES":
        raise reject("40017", "Parameter category error: strategy orders are futures orders")
    return call.req("symbol").upper()


def _hold_side(call: Call, symbol: str) -> str:
    side = call.word("posSide", ("long", "short"))
    if side is not None:
        return side
    held = [p for p in call.ex.positions(call.uid, symbol) if p.total > 0]
    if not held:
        raise reject("25231", "There is no position to set a take-profit or stop-loss on")
    return held[0].hold_side


def place(call: Call) -> Any:
    if (call.opt("type") or "tpsl").lower() != "tpsl":
        raise reject("40017", "Parameter type error: the simulator has TP/SL strategy orders, not trigger orders")
    symbol = _symbol(call)
    take_profit, stop_loss = call.opt("takeProfit"), call.opt("stopLoss")
    if take_profit is None and stop_loss is None:
        raise reject("40019", "Parameter takeProfit or stopLoss cannot be empty")
    hold = _hold_side(call, symbol)
    partial = (call.opt("tpslMode") or "full").lower() == "partial"
    if partial:
        qty = call.req("qty")
        plans = [call.ex.place_tpsl_order(call.uid, symbol, plan_type, trigger, hold, qty)
                 for plan_type, trigger in (("profit_plan", take_profit), ("loss_plan", stop_loss)) if trigger]
    else:
        plans = call.ex.place_pos_tpsl(call.uid, symbol, hold, take_profit, stop_loss)
    book = _book(call.ex)
    order_id = plans[0].order_id
    book.plans[order_id] = [p.order_id for p in plans]
    client_oid = call.opt("clientOid") or order_id
    book.client_oids[order_id] = client_oid
    return {"orderId": order_id, "clientOid": client_oid}


def cancel(call: Call) -> Any:
    book = _book(call.ex)
    order_id = call.opt("orderId")
    if order_id is None:
        client_oid = call.opt("clientOid")
        order_id = next((oid for oid, c in book.client_oids.items() if c == client_oid), None)
    if order_id is None:
        raise reject("25204", "Order does not exist")
    live = {p.order_id: p for p in call.ex.plan_orders(call.uid)}
    targets = [live[pid] for pid in book.plans.get(order_id, [order_id]) if pid in live]
    if not targets:
        raise reject("25204", "Order does not exist")
    for plan in targets:
        call.ex.cancel_plan_order(call.uid, plan.ref.symbol, plan.order_id)
    return None


def _row(book: StrategyBook, order_id: str, plans: list[PlanOrder]) -> dict[str, Any]:
    first = plans[0]
    tp = next((p for p in plans if p.plan_type in ("profit_plan", "pos_profit")), None)
    sl = next((p for p in plans if p.plan_type in ("loss_plan", "pos_loss")), None)
    return {
        "orderId": order_id, "clientOid": book.client_oids.get(order_id, first.client_oid or order_id),
        "category": "USDT-FUTURES", "symbol": first.ref.symbol, "qty": num(first.size) if first.size else "",
        "posSide": first.hold_side, "status": "pending", "tpTriggerBy": "mark" if tp else "",
        "slTriggerBy": "mark" if sl else "", "takeProfit": num(tp.trigger_price) if tp else "",
        "stopLoss": num(sl.trigger_price) if sl else "", "tpOrderType": "market" if tp else "",
        "slOrderType": "market" if sl else "", "tpLimitPrice": "", "slLimitPrice": "", "triggerBy": "",
        "triggerPrice": "", "triggerOrderType": "", "triggerOrderPrice": "",
        "createdTime": str(first.c_time), "updatedTime": str(max(p.u_time for p in plans)),
    }


def unfilled(call: Call) -> Any:
    """Live TP/SL orders, newest first: each V3 order once (its plans together); plans made elsewhere (a preset
    TP/SL, the V2 API) one by one."""
    if (call.opt("category") or "").upper() not in ("USDT-FUTURES", ""):
        return []
    book = _book(call.ex)
    live = {p.order_id: p for p in call.ex.plan_orders(call.uid) if p.ref.product is Product.USDT_FUTURES}
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for order_id, plan_ids in book.plans.items():
        plans = [live[pid] for pid in plan_ids if pid in live]
        if plans:
            rows.append(_row(book, order_id, plans))
            seen.update(p.order_id for p in plans)
    rows += [_row(book, p.order_id, [p]) for p in live.values() if p.order_id not in seen]
    return sorted(rows, key=lambda r: r["createdTime"], reverse=True)
