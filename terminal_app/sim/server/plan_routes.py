"""Plan-order REST endpoints of the simulator: futures trigger orders, trailing stops and TP/SL orders on every futures
line (USDT-M, coin-M, USDC-M; ``marginCoin`` is the contract's: USDT, USDC or coin-M's base coin), and spot plan
orders (bitget-v2.md §5, §6; request fields as Bitget's pages and ccxt's bitget.ts send them).

Registered after the spot and futures routes (``server.http``), so the three plan paths ``server.mix`` also serves
(``place-tpsl-order``, ``cancel-plan-order``, ``orders-plan-pending``) are answered here, with every plan type:
``moving_plan`` is placed, ``normal_plan`` and ``track_plan`` are listed, cancel takes an ``orderIdList`` or cancels
every plan of the ``planType``/symbol.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from terminal_app.core.instruments import Product
from terminal_app.sim.engine.futures import PlanOrder
from terminal_app.sim.market.markets import FUTURES_PRODUCTS, MARGIN_COINS, find_market, margin_product
from terminal_app.sim.server import mix, plan_render, render
from terminal_app.sim.server.routes import Call, Route, batch, reject

SPOT = Product.SPOT
_TRIGGER_TYPES = ("fill_price", "mark_price")
_TPSL_TYPES = ("profit_plan", "loss_plan", "moving_plan", "pos_profit", "pos_loss")
# the planType of the futures lists and of cancel-plan-order: one word for a family of plans
_FAMILIES: dict[str, frozenset[str]] = {
    "normal_plan": frozenset({"normal_plan"}),
    "track_plan": frozenset({"track_plan"}),
    "profit_loss": frozenset(_TPSL_TYPES),
}
_CANCEL_TYPES = {**_FAMILIES, **{t: frozenset({t}) for t in _TPSL_TYPES}}


def _yes(call: Call, name: str) -> bool:
    return (call.opt(name) or "").lower() in ("yes", "true")


def _futures_symbol(call: Call) -> str:
    return find_market(call.futures_ref().symbol, call.product_type()).symbol


def _served(call: Call) -> bool:
    """Whether the product type has markets in the simulator (all but the legacy demo lines)."""
    return call.product_type() in FUTURES_PRODUCTS


def _margin_coin(call: Call, required: bool = True) -> None:
    """``marginCoin`` must be one of the line's (the symbol's, when the request names one)."""
    coin = call.req("marginCoin") if required else call.opt("marginCoin")
    if coin is None:
        return
    coin = coin.upper()
    product = call.product_type()
    if call.opt("symbol"):
        fits = coin == find_market(call.futures_ref().symbol, product).margin_coin
    else:
        fits = coin in MARGIN_COINS and margin_product(coin) is product
    if not fits:
        raise reject("40017", "Parameter marginCoin error")


def _page(call: Call, rows: list[PlanOrder],
          render_row: Callable[[PlanOrder], dict[str, Any]]) -> list[dict[str, Any]]:
    """Bitget's filters of the plan lists: orderId, clientOid, time window, ``idLessThan``, ``limit`` (100)."""
    order_id, client_oid = call.opt("orderId"), call.opt("clientOid")
    start, end, below = call.integer("startTime"), call.integer("endTime"), call.opt("idLessThan")
    out = [p for p in rows
           if not ((order_id and p.order_id != order_id) or (client_oid and p.client_oid != client_oid)
                   or (start is not None and p.c_time < start) or (end is not None and p.c_time > end)
                   or (below and int(p.order_id) >= int(below)))]
    return [render_row(p) for p in out[:call.limit(100, 100)]]


# ---- futures -----------------------------------------------------------------------------------------------------


def place_plan_order(call: Call) -> Any:
    symbol = _futures_symbol(call)
    _margin_coin(call)
    plan_type = call.word("planType", ("normal_plan", "track_plan"))
    if plan_type is None:
        raise reject("40019", "Parameter planType cannot be empty")
    plan = call.ex.plans.place_futures(
        call.uid, symbol, plan_type, call.req("side"), call.req("orderType"), call.req("size"),
        call.req("triggerPrice"), trigger_type=call.word("triggerType", _TRIGGER_TYPES), price=call.opt("price"),
        trade_side=call.opt("tradeSide"), reduce_only=_yes(call, "reduceOnly"), client_oid=call.opt("clientOid"),
        callback_ratio=call.opt("callbackRatio"), margin_mode=call.opt("marginMode"))
    return render.ack(plan.order_id, plan.client_oid)


def modify_plan_order(call: Call) -> Any:
    symbol = _futures_symbol(call)
    plan = call.ex.plans.modify(
        call.uid, call.product_type(), symbol, order_id=call.opt("orderId"), client_oid=call.opt("clientOid"),
        trigger_price=call.opt("newTriggerPrice"), trigger_type=call.word("newTriggerType", _TRIGGER_TYPES),
        price=call.opt("newPrice"), size=call.opt("newSize"), callback_ratio=call.opt("newCallbackRatio"))
    return render.ack(plan.order_id, plan.client_oid)


def place_tpsl_order(call: Call) -> Any:
    if (call.opt("planType") or "").lower() != "moving_plan":
        return mix.place_tpsl_order(call)
    symbol = _futures_symbol(call)
    _margin_coin(call)
    plan = call.ex.plans.place_tpsl(
        call.uid, symbol, "moving_plan", call.req("triggerPrice"), call.req("holdSide"), size=call.req("size"),
        trigger_type=call.word("triggerType", _TRIGGER_TYPES), range_rate=call.req("rangeRate"),
        client_oid=call.opt("clientOid"))
    return render.ack(plan.order_id, plan.client_oid)


def modify_tpsl_order(call: Call) -> Any:
    symbol = _futures_symbol(call)
    _margin_coin(call)
    plan = call.ex.plans.modify_tpsl(
        call.uid, symbol, order_id=call.opt("orderId"), client_oid=call.opt("clientOid"),
        trigger_price=call.req("triggerPrice"), trigger_type=call.word("triggerType", _TRIGGER_TYPES),
        execute_price=call.opt("executePrice"), size=call.opt("size"), range_rate=call.opt("rangeRate"))
    return render.ack(plan.order_id, plan.client_oid)


def cancel_plan_order(call: Call) -> Any:
    """``orderIdList`` (or one ``orderId``/``clientOid``): those plans; neither: every plan of ``planType`` (all
    types when absent) of the symbol, or of the product type."""
    plan_type = call.word("planType", tuple(_CANCEL_TYPES))
    symbol = _futures_symbol(call) if call.opt("symbol") else None
    _margin_coin(call, required=False)
    if not _served(call):
        return {"successList": [], "failureList": []}
    entries = call.params.get("orderIdList")
    if not isinstance(entries, list) or not entries:
        single = call.opt("orderId") or call.opt("clientOid")
        entries = [{"orderId": call.opt("orderId"), "clientOid": call.opt("clientOid")}] if single else []
    if entries:
        def cancel(entry: dict[str, Any]) -> Any:
            plan = call.ex.plans.cancel(call.uid, call.product_type(), symbol, order_id=entry.get("orderId") or None,
                                        client_oid=entry.get("clientOid") or None)
            return render.ack(plan.order_id, plan.client_oid)
        return batch(entries, "orderIdList", cancel)
    types: Collection[str] | None = _CANCEL_TYPES[plan_type] if plan_type else None
    plans = call.ex.plans.cancel_all(call.uid, call.product_type(), symbol, types)
    return {"successList": [render.ack(p.order_id, p.client_oid) for p in plans], "failureList": []}


def _futures_list(call: Call, pending: bool) -> Any:
    plan_type = call.word("planType", tuple(_FAMILIES))
    if plan_type is None:
        raise reject("40019", "Parameter planType cannot be empty")
    if not _served(call):
        return {"entrustedList": None, "endId": None}
    symbol = _futures_symbol(call) if call.opt("symbol") else None
    product = call.product_type()
    plans = call.ex.plans.orders(call.uid, product, symbol, _FAMILIES[plan_type], pending=pending)
    modes = {name: call.ex.symbol_settings(call.uid, name).margin_mode for name in {p.ref.symbol for p in plans}}

    def filled(p: PlanOrder) -> tuple[str, str]:
        if pending or not p.executed_order_id:
            return "", ""
        order = call.ex.get_order(call.uid, product, p.executed_order_id)
        return render.num(order.avg_price), render.num(order.filled_size)

    rows = _page(call, plans, lambda p: plan_render.futures_row(p, history=not pending,
                                                                margin_mode=modes[p.ref.symbol], filled=filled(p)))
    return {"entrustedList": rows or None, "endId": rows[-1]["orderId"] if rows else None}


def orders_plan_pending(call: Call) -> Any:
    return _futures_list(call, pending=True)


def orders_plan_history(call: Call) -> Any:
    return _futures_list(call, pending=False)


# ---- spot --------------------------------------------------------------------------------------------------------


def spot_place_plan_order(call: Call) -> Any:
    plan = call.ex.plans.place_spot(
        call.uid, call.spot_ref().symbol, call.req("side"), call.req("orderType"), call.req("size"),
        call.req("triggerPrice"), trigger_type=call.word("triggerType", _TRIGGER_TYPES),
        execute_price=call.opt("executePrice"), size_unit=call.word("planType", ("amount", "total")),
        force=call.opt("force"), client_oid=call.opt("clientOid"))
    return render.ack(plan.order_id, plan.client_oid)


def spot_modify_plan_order(call: Call) -> Any:
    plan = call.ex.plans.modify(
        call.uid, SPOT, None, order_id=call.opt("orderId"), client_oid=call.opt("clientOid"),
        trigger_price=call.req("triggerPrice"), order_type=call.req("orderType"),
        price=call.opt("executePrice"), size=call.opt("size"))
    return render.ack(plan.order_id, plan.client_oid)


def spot_cancel_plan_order(call: Call) -> Any:
    call.ex.plans.cancel(call.uid, SPOT, None, order_id=call.opt("orderId"), client_oid=call.opt("clientOid"))
    return {"result": "success"}


def spot_batch_cancel_plan_order(call: Call) -> Any:
    """Every plan of the symbols in ``symbolList`` (every symbol when it is empty)."""
    symbols = call.params.get("symbolList")
    names = [str(s).upper() for s in symbols] if isinstance(symbols, list) and symbols else [None]
    plans = [p for name in names for p in call.ex.plans.cancel_all(call.uid, SPOT, name)]
    return {"successList": [render.ack(p.order_id, p.client_oid) for p in plans], "failureList": []}


def _spot_list(call: Call, pending: bool) -> Any:
    symbol = call.spot_ref().symbol
    find_market(symbol, SPOT)
    rows = _page(call, call.ex.plans.orders(call.uid, SPOT, symbol, pending=pending), plan_render.spot_row)
    return {"nextFlag": False, "idLessThan": rows[-1]["orderId"] if rows else "", "orderList": rows}


def spot_current_plan_order(call: Call) -> Any:
    return _spot_list(call, pending=True)


def spot_history_plan_order(call: Call) -> Any:
    return _spot_list(call, pending=False)


PLAN_ROUTES: tuple[Route, ...] = (
    Route("POST", "/api/v2/mix/order/place-plan-order", place_plan_order, private=True, trade=True),
    Route("POST", "/api/v2/mix/order/modify-plan-order", modify_plan_order, private=True, trade=True),
    Route("POST", "/api/v2/mix/order/place-tpsl-order", place_tpsl_order, private=True, trade=True),
    Route("POST", "/api/v2/mix/order/modify-tpsl-order", modify_tpsl_order, private=True, trade=True),
    Route("POST", "/api/v2/mix/order/cancel-plan-order", cancel_plan_order, private=True, trade=True),
    Route("GET", "/api/v2/mix/order/orders-plan-pending", orders_plan_pending, private=True),
    Route("GET", "/api/v2/mix/order/orders-plan-history", orders_plan_history, private=True),
    Route("POST", "/api/v2/spot/trade/place-plan-order", spot_place_plan_order, private=True, trade=True),
    Route("POST", "/api/v2/spot/trade/modify-plan-order", spot_modify_plan_order, private=True, trade=True),
    Route("POST", "/api/v2/spot/trade/cancel-plan-order", spot_cancel_plan_order, private=True, trade=True),
    Route("POST", "/api/v2/spot/trade/batch-cancel-plan-order", spot_batch_cancel_plan_order, private=True,
          trade=True),
    Route("GET", "/api/v2/spot/trade/current-plan-order", spot_current_plan_order, private=True),
    Route("GET", "/api/v2/spot/trade/history-plan-order", spot_history_plan_order, private=True),
)
