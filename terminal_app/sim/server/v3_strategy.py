"""V3 strategy orders on the simulator (bitget-v3-uta.md §5.5): ``place-strategy-order``, ``modify-strategy-order``,
``cancel-strategy-order``, ``unfilled-strategy-orders``, ``history-strategy-orders`` and the rows of the private
``strategy-order`` push, over the engine's plan desk (``Exchange.plans``: the same plans, firing rules and
persistence as V2's plan orders).

* ``type: trigger`` is one plan: a futures ``normal_plan`` or a spot plan; when its trigger (``triggerBy`` ``market``
  = the last price, ``mark``) is reached it places a market or limit order (``triggerOrderType``,
  ``triggerOrderPrice``). V3's ``side`` is the trade direction with ``posSide`` in hedge mode, translated to the
  engine's V2 convention as ``v3_routes`` does for orders.
* ``type: tpsl`` is one order of up to two plans of a futures position, a take-profit and a stop-loss, linked under
  the order's id (one firing cancels the other): ``tpslMode`` ``full`` protects the whole position (its rows say
  ``qty`` ``"0"``), ``partial`` ``qty`` of it.

Bitget's pages list futures categories; typed-bitget saw SPOT rows live in the history and ccxt sends spot trigger
orders here, so spot trigger orders are served too. Coin-M and USDC-M have no plan orders in the simulator (40017,
said plainly), and V3 has no trailing stop. Rows follow what typed-bitget recorded live: a trigger order's TP/SL
fields are ``null``/``""``, a spot order's ``posSide`` ``null``.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from terminal_app.core.enums import Side, TradeSide, trade_direction
from terminal_app.core.instruments import Product
from terminal_app.sim.engine.exchange import Exchange
from terminal_app.sim.engine.futures import PlanOrder
from terminal_app.sim.engine.plan_desk import TpslLeg
from terminal_app.sim.server import v3_names
from terminal_app.sim.server.render import num
from terminal_app.sim.server.routes import Call, reject

TRIGGER_BY = {"market": "fill_price", "mark": "mark_price"}
TRIGGER_BY_WIRE = {v: k for k, v in TRIGGER_BY.items()}
CATEGORY = {Product.SPOT: "SPOT", Product.USDT_FUTURES: "USDT-FUTURES"}
TPSL_PLANS = frozenset({"profit_plan", "loss_plan", "pos_profit", "pos_loss"})
PROFIT_PLANS = frozenset({"profit_plan", "pos_profit"})
STRATEGY_PLANS = TPSL_PLANS | {"normal_plan"}   # trailing plans are V2's alone
_NOT_SERVED = "the simulator's strategy orders are spot and USDT-M"


def _category(call: Call, *, required: bool = True) -> Product | None:
    """SPOT (and MARGIN, its pairs) or USDT-FUTURES; None for a category without strategy orders here (or none
    given, when not ``required``)."""
    text = (call.opt("category") or "").upper()
    if not text:
        if required:
            raise reject("40019", "Parameter category cannot be empty")
        return None
    if text in ("SPOT", "MARGIN"):
        return Product.SPOT
    if text == "USDT-FUTURES":
        return Product.USDT_FUTURES
    if text in ("COIN-FUTURES", "USDC-FUTURES"):
        if required:
            raise reject("40017", f"Parameter category error: {_NOT_SERVED}")
        return None
    raise reject("40017", "Parameter category error")


def _trigger_by(call: Call, name: str) -> str | None:
    word = call.word(name, ("market", "mark"))
    return TRIGGER_BY[word] if word else None


# ---- place --------------------------------------------------------------------------------------------------------

def place(call: Call) -> Any:
    kind = call.word("type", ("tpsl", "trigger"), "tpsl")
    product = _category(call)
    assert product is not None
    symbol = call.req("symbol").upper()
    if v3_names.is_coin_m_line(symbol):
        raise v3_names.refuse("strategy orders")
    if kind == "trigger":
        plan = _place_trigger(call, product, symbol)
        return {"orderId": plan.order_id, "clientOid": plan.client_oid}
    if product is not Product.USDT_FUTURES:
        raise reject("40017", "Parameter category error: a TP/SL strategy order protects a futures position")
    group, plans = _place_tpsl(call, symbol)
    return {"orderId": group, "clientOid": plans[0].client_oid}


def _place_trigger(call: Call, product: Product, symbol: str) -> PlanOrder:
    side = call.word("side", ("buy", "sell"))
    if side is None:
        raise reject("40019", "Parameter side cannot be empty")
    qty, trigger = call.req("qty"), call.req("triggerPrice")
    order_type = call.word("triggerOrderType", ("limit", "market"), "market") or "market"
    price = call.req("triggerOrderPrice") if order_type == "limit" else None
    trigger_type = _trigger_by(call, "triggerBy") or "fill_price"
    client_oid = call.opt("clientOid")
    _gather_usdt(call.ex, call.uid, product)
    if product is Product.SPOT:
        if trigger_type == "mark_price":
            raise reject("40017", "Parameter triggerBy error: spot has no mark price")
        return call.ex.plans.place_spot(call.uid, symbol, side, order_type, qty, trigger, trigger_type=trigger_type,
                                        execute_price=price, client_oid=client_oid)
    pos_side = call.word("posSide", ("long", "short"))
    reduce_only = (call.opt("reduceOnly") or "no").lower() in ("yes", "true")
    trade_side = None
    if call.ex.futures_account(call.uid).pos_mode == "hedge_mode":
        if pos_side is None:
            raise reject("25236", "posSide is required in hedge mode")
        trade_side = "open" if (side == "buy") == (pos_side == "long") else "close"
        side = "buy" if pos_side == "long" else "sell"    # the engine's hedge convention names the position
        reduce_only = False
    return call.ex.plans.place_futures(call.uid, symbol, "normal_plan", side, order_type, qty, trigger,
                                       trigger_type=trigger_type, price=price, trade_side=trade_side,
                                       reduce_only=reduce_only, client_oid=client_oid)


def _gather_usdt(ex: Exchange, uid: str, product: Product) -> None:
    """The unified pool's free USDT into the wallet the trigger's order will draw from (futures margin or spot), as
    the V3 order routes fund an order: the engine places a fired plan's order from that wallet. Through the facade's
    ``shift_usdt`` only, so the pool's own rules stay in ``sim.engine.unified``."""
    if product.is_futures:
        spare = next((b.available for b in ex.spot_balances(uid) if b.coin == "USDT"), Decimal(0))
        if spare > 0:
            ex.shift_usdt(uid, spare)
    else:
        spare = ex.futures_account(uid).max_transfer_out
        if spare > 0:
            ex.shift_usdt(uid, -spare)


def _hold_side(call: Call, symbol: str) -> str:
    side = call.word("posSide", ("long", "short"))
    if side is not None:
        return side
    held = [p for p in call.ex.positions(call.uid, symbol) if p.total > 0]
    if not held:
        raise reject("25231", "There is no position to set a take-profit or stop-loss on")
    return held[0].hold_side


def _leg_price(call: Call, order_type_field: str, limit_field: str) -> str | None:
    if call.word(order_type_field, ("limit", "market"), "market") == "limit":
        return call.req(limit_field)
    return None


def _place_tpsl(call: Call, symbol: str) -> tuple[str, list[PlanOrder]]:
    take_profit, stop_loss = call.opt("takeProfit"), call.opt("stopLoss")
    if take_profit is None and stop_loss is None:
        raise reject("40019", "Parameter takeProfit or stopLoss cannot be empty")
    partial = call.word("tpslMode", ("full", "partial"), "full") == "partial"
    qty = call.req("qty") if partial else None
    legs: list[TpslLeg] = []
    if take_profit is not None:
        legs.append(("profit_plan" if partial else "pos_profit", take_profit,
                     _trigger_by(call, "tpTriggerBy") or "fill_price", _leg_price(call, "tpOrderType", "tpLimitPrice")))
    if stop_loss is not None:
        legs.append(("loss_plan" if partial else "pos_loss", stop_loss,
                     _trigger_by(call, "slTriggerBy") or "fill_price", _leg_price(call, "slOrderType", "slLimitPrice")))
    return call.ex.plans.place_tpsl_group(call.uid, symbol, _hold_side(call, symbol), legs, size=qty,
                                          client_oid=call.opt("clientOid"))


# ---- modify, cancel -----------------------------------------------------------------------------------------------

def _live_legs(call: Call) -> list[PlanOrder]:
    order_id, client_oid = call.opt("orderId"), call.opt("clientOid")
    if not order_id and not client_oid:
        raise reject("40019", "Parameter orderId or clientOid cannot be empty")
    legs = [p for p in call.ex.plans.group(call.uid, order_id, client_oid)
            if p.status == "live" and p.plan_type in STRATEGY_PLANS]
    if not legs:
        raise reject("25204", "Order does not exist")
    return legs


def modify(call: Call) -> Any:
    """What is given changes, the rest stays; ``qty`` (required by Bitget) resizes a trigger order or a partial
    TP/SL, and is ignored by a whole-position one."""
    legs = _live_legs(call)
    qty = call.req("qty")
    first = legs[0]
    if first.plan_type == "normal_plan":
        order_type = call.word("triggerOrderType", ("limit", "market"))
        call.ex.plans.modify(call.uid, first.ref.product, first.ref.symbol, order_id=first.order_id,
                             trigger_price=call.opt("triggerPrice"), trigger_type=_trigger_by(call, "triggerBy"),
                             price=call.opt("triggerOrderPrice") if order_type != "market" else None,
                             size=qty, order_type=order_type)
        return {"orderId": first.order_id, "clientOid": first.client_oid}
    asked = {"profit": call.opt("takeProfit"), "loss": call.opt("stopLoss")}
    for which in ("profit", "loss"):
        if asked[which] is not None and not any((p.plan_type in PROFIT_PLANS) == (which == "profit") for p in legs):
            raise reject("40017", f"Parameter {'takeProfit' if which == 'profit' else 'stopLoss'} error: the order "
                                  "has no such leg")
    for leg in legs:
        profit = leg.plan_type in PROFIT_PLANS
        prefix = "tp" if profit else "sl"
        order_type = call.word(f"{prefix}OrderType", ("limit", "market"))
        execute: Any = leg.execute_price
        if order_type == "limit":
            execute = call.req(f"{prefix}LimitPrice")
        elif order_type == "market":
            execute = None
        call.ex.plans.modify_tpsl(call.uid, leg.ref.symbol, order_id=leg.order_id,
                                  trigger_price=asked["profit" if profit else "loss"] or leg.trigger_price,
                                  trigger_type=_trigger_by(call, f"{prefix}TriggerBy"), execute_price=execute,
                                  size=qty if leg.size is not None and leg.plan_type in ("profit_plan", "loss_plan")
                                  else None)
    return {"orderId": first.linked_order_id or first.order_id, "clientOid": first.client_oid}


def cancel(call: Call) -> Any:
    order_id, client_oid = call.opt("orderId"), call.opt("clientOid")
    if not order_id and not client_oid:
        raise reject("40019", "Parameter orderId or clientOid cannot be empty")
    call.ex.plans.cancel_group(call.uid, order_id, client_oid)
    return None


# ---- rows ---------------------------------------------------------------------------------------------------------

def order_id_of(plan: PlanOrder) -> str:
    """The V3 order a plan belongs to: its group's id, or its own."""
    return plan.linked_order_id or plan.order_id


def _status(legs: list[PlanOrder]) -> str:
    states = {p.status for p in legs}
    if "live" in states:
        return "pending"
    if "executed" in states:
        return "success"
    return "failed" if "fail_trigger" in states else "cancelled"


def row(legs: list[PlanOrder], *, ws: bool = False) -> dict[str, Any]:
    """One V3 strategy order from its plans (REST row; ``ws``: the push's, lower-case category, every field a
    string)."""
    first = legs[0]
    none: Any = "" if ws else None
    # an order type the order does not have: null on REST (typed-bitget, live); the push's field is always a word,
    # and Bitget's default is market
    no_type: Any = "market" if ws else None
    category = CATEGORY[first.ref.product]
    out: dict[str, Any] = {
        "orderId": order_id_of(first), "clientOid": first.client_oid,
        "category": category.lower() if ws else category, "symbol": first.ref.symbol,
    }
    if first.plan_type == "normal_plan":
        hedge = bool(first.trade_side)
        direction = trade_direction(Side(first.side), TradeSide(first.trade_side) if hedge else None)
        limit = first.order_type == "limit"
        # the position it opens or closes: hedge mode names it; one-way, the side it grows (or reduces, reduce-only)
        held = Side(first.side) if hedge else direction.opposite if first.reduce_only else direction
        out.update({
            "qty": num(first.amount), "side": direction.value,
            "posSide": none if first.ref.product is Product.SPOT else "long" if held == Side.BUY else "short",
            "reduceOnly": "yes" if first.reduce_only else "no", "type": "trigger", "status": _status(legs),
            "tpTriggerBy": none, "slTriggerBy": none, "takeProfit": "", "stopLoss": "", "tpOrderType": no_type,
            "slOrderType": no_type, "tpLimitPrice": "", "slLimitPrice": "",
            "triggerBy": TRIGGER_BY_WIRE.get(first.trigger_type, "market"), "triggerPrice": num(first.trigger_price),
            "triggerOrderType": "limit" if limit else "market",
            "triggerOrderPrice": num(first.execute_price) if limit else "",
        })
        if ws:
            out["triggerType"] = ""
    else:
        fired = next((p for p in legs if p.status == "executed"), first)
        out.update({"qty": num(first.size) if first.size is not None else "0", "side": first.side,
                    "posSide": first.hold_side, "reduceOnly": "yes", "type": "tpsl", "status": _status(legs),
                    "triggerType": "takeProfit" if fired.plan_type in PROFIT_PLANS else "stopLoss"})
        for prefix, name, profit in (("tp", "takeProfit", True), ("sl", "stopLoss", False)):
            leg = next((p for p in legs if (p.plan_type in PROFIT_PLANS) == profit), None)
            out.update({
                f"{prefix}TriggerBy": TRIGGER_BY_WIRE.get(leg.trigger_type, "market") if leg else none,
                name: num(leg.trigger_price) if leg else "",
                f"{prefix}OrderType": ("limit" if leg.execute_price is not None else "market") if leg else no_type,
                f"{prefix}LimitPrice": num(leg.execute_price) if leg else "",
            })
        if ws:
            out.update(triggerBy="", triggerPrice="", triggerOrderType="", triggerOrderPrice="")
    out.update(createdTime=str(min(p.c_time for p in legs)), updatedTime=str(max(p.u_time for p in legs)))
    return out


def grouped(plans: Iterable[PlanOrder]) -> list[list[PlanOrder]]:
    """Plans by the V3 order they belong to, newest order first (each order's plans oldest first)."""
    groups: dict[str, list[PlanOrder]] = {}
    for plan in sorted(plans, key=lambda p: int(p.order_id)):
        if plan.plan_type in STRATEGY_PLANS:
            groups.setdefault(order_id_of(plan), []).append(plan)
    return sorted(groups.values(), key=lambda legs: int(order_id_of(legs[0])), reverse=True)


def _type_filter(call: Call) -> frozenset[str]:
    kind = call.word("type", ("tpsl", "trigger"))
    return STRATEGY_PLANS if kind is None else TPSL_PLANS if kind == "tpsl" else frozenset({"normal_plan"})


def _plans(call: Call, *, pending: bool) -> list[list[PlanOrder]]:
    product = _category(call, required=False)
    # no category (the simulator's own callers) reads both; coin-M and USDC-M have none
    every = [] if call.opt("category") else [Product.SPOT, Product.USDT_FUTURES]
    products = every if product is None else [product]
    types = _type_filter(call)
    symbol = call.opt("symbol")
    plans = [p for product in products
             for p in call.ex.plans.orders(call.uid, product, symbol.upper() if symbol else None, pending=pending)
             if p.plan_type in types]
    return grouped(plans)


def unfilled(call: Call) -> Any:
    """Live strategy orders, newest first: a plain array (no cursor)."""
    return [row(legs) for legs in _plans(call, pending=True)]


def history(call: Call) -> Any:
    """Finished strategy orders, newest first, ``{list, cursor}``: ``cursor`` is the last row's id while more may
    follow (``null`` on the last page, as typed-bitget saw live)."""
    limit = call.limit(100, 100)
    start, end, below = call.integer("startTime"), call.integer("endTime"), call.opt("cursor")
    rows = [legs for legs in _plans(call, pending=False)
            if not ((start is not None and legs[0].c_time < start) or (end is not None and legs[0].c_time > end)
                    or (below and int(order_id_of(legs[0])) >= int(below)))]
    page = rows[:limit]
    return {"list": [row(legs) for legs in page],
            "cursor": order_id_of(page[-1][0]) if len(rows) > limit else None}


def push_rows(ex: Exchange, uid: str, order_ids: Iterable[str]) -> list[dict[str, Any]]:
    """The ``strategy-order`` push of the orders ``order_ids`` as they are now."""
    out = []
    for order_id in sorted(order_ids, key=int):
        legs = [p for p in ex.plans.group(uid, order_id) if p.plan_type in STRATEGY_PLANS]
        if legs:
            out.append(row(legs, ws=True))
    return out
