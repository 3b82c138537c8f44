"""Plan orders (trigger orders, trailing stops, TP/SL) as Bitget's JSON: REST list rows (futures
``orders-plan-pending``/``orders-plan-history``, spot ``current-plan-order``/``history-plan-order``) and the private
``orders-algo`` push. Shapes follow the samples in tests/data/bitget-samples (``GET_api_v2_mix_order_orders-plan-*``,
``GET_api_v2_spot_trade_*-plan-order``, ``ws-*-orders-algo.push.json``); TP/SL rows are ``render.plan_pending``'s."""

from __future__ import annotations

from typing import Any

from terminal_app.sim.engine.futures import PlanOrder
from terminal_app.sim.market.markets import find_futures
from terminal_app.sim.server import render
from terminal_app.sim.server.render import ms, num

Json = dict[str, Any]
STOP_TYPES = ("normal_plan", "track_plan", "moving_plan")
# The futures push says "fail_execute" where the REST history says "fail_trigger" (typed-bitget's MixPlanOrder).
_WS_FUTURES_STATUS = {"fail_trigger": "fail_execute"}
# Spot plan statuses on REST (the WebSocket says ``live`` for a waiting one, as the futures lists do).
_SPOT_REST_STATUS = {"live": "not_trigger", "executed": "triggered"}


def _is_stop(p: PlanOrder) -> bool:
    return p.plan_type in STOP_TYPES or not p.ref.is_futures


def _trade_side(p: PlanOrder) -> str:
    if p.plan_type == "moving_plan":
        return "close" if p.pos_mode == "hedge_mode" else f"{p.side}_single"
    return p.trade_side or f"{p.side}_single"


def _pos_side(p: PlanOrder) -> str:
    if p.plan_type == "moving_plan":
        return p.hold_side
    if p.pos_mode != "hedge_mode":
        return "net"
    return "long" if p.side == "buy" else "short"


def _margin_coin(p: PlanOrder) -> str:
    """The contract's margin coin: USDT, USDC, or coin-M's base coin."""
    return find_futures(p.ref.symbol).margin_coin


def _price(p: PlanOrder) -> str:
    return num(p.execute_price) if p.execute_price is not None else "0"


def futures_row(p: PlanOrder, *, history: bool = False, margin_mode: str = "crossed",
                filled: tuple[str, str] = ("", "")) -> Json:
    """One row of ``orders-plan-pending`` / ``orders-plan-history`` (``margin_mode``: the symbol's; ``filled``: the
    average price and filled size of the order a triggered plan placed)."""
    if not _is_stop(p):
        row = render.plan_pending(p, margin_mode)
    else:
        row = {
            "planType": p.plan_type, "symbol": p.ref.symbol, "size": num(p.amount), "orderId": p.order_id,
            "clientOid": p.client_oid, "price": _price(p), "executePrice": _price(p),
            "callbackRatio": num(p.callback_ratio), "triggerPrice": num(p.trigger_price),
            "triggerType": p.trigger_type, "planStatus": p.status, "side": p.side, "posSide": _pos_side(p),
            "marginCoin": _margin_coin(p), "marginMode": margin_mode, "enterPointSource": "API",
            "tradeSide": _trade_side(p),
            "posMode": p.pos_mode, "orderType": p.order_type or "market", "orderSource": "normal",
            "cTime": ms(p.c_time), "uTime": ms(p.u_time), "presetStopSurplusPrice": "",
            "stopSurplusTriggerPrice": "", "stopSurplusTriggerType": "", "stopSurplusExecutePrice": "",
            "presetStopLossPrice": "", "stopLossTriggerPrice": "", "stopLossTriggerType": "",
            "stopLossExecutePrice": "",
        }
    if history:
        row["executeOrderId"] = p.executed_order_id
        row["priceAvg"], row["baseVolume"] = filled
    return row


def spot_row(p: PlanOrder) -> Json:
    """One row of spot ``current-plan-order`` / ``history-plan-order``."""
    return {
        "orderId": p.order_id, "clientOid": p.client_oid, "symbol": p.ref.symbol, "size": num(p.amount),
        "executePrice": _price(p), "triggerPrice": num(p.trigger_price),
        "status": _SPOT_REST_STATUS.get(p.status, p.status), "orderType": p.order_type or "market",
        "side": p.side, "planType": p.size_unit or "amount", "triggerType": p.trigger_type,
        "enterPointSource": "API", "uTime": ms(p.u_time), "cTime": ms(p.c_time),
    }


def ws_plan(p: PlanOrder) -> Json:
    """The ``orders-algo`` push of any plan, spot or futures."""
    if not p.ref.is_futures:
        return {
            "instId": p.ref.symbol, "orderId": p.order_id, "clientOid": p.client_oid,
            "triggerPrice": num(p.trigger_price), "triggerType": p.trigger_type,
            "planType": p.size_unit or "amount", "price": _price(p), "size": num(p.amount),
            "actualSize": num(p.amount) if p.status == "executed" else "0", "orderType": p.order_type or "market",
            "side": p.side, "status": p.status, "executePrice": _price(p), "enterPointSource": "API",
            "cTime": ms(p.c_time), "uTime": ms(p.u_time), "stpMode": "none",
        }
    if not _is_stop(p):
        return render.ws_plan_order(p)
    return {
        "instId": p.ref.symbol, "orderId": p.order_id, "clientOid": p.client_oid,
        "triggerPrice": num(p.trigger_price), "triggerType": p.trigger_type, "triggerTime": ms(p.u_time),
        "planType": render.WS_PLAN_TYPES.get(p.plan_type, p.plan_type), "price": _price(p),
        "executePrice": _price(p), "stpMode": "none", "size": num(p.amount),
        "actualSize": num(p.amount) if p.status == "executed" else "0", "orderType": p.order_type or "market",
        "side": p.side, "tradeSide": _trade_side(p), "posSide": _pos_side(p), "marginCoin": _margin_coin(p),
        "status": _WS_FUTURES_STATUS.get(p.status, p.status), "posMode": p.pos_mode, "enterPointSource": "API",
        "callbackRatio": num(p.callback_ratio),
        "stopSurplusTriggerType": p.trigger_type, "stopLossTriggerType": p.trigger_type,
        "cTime": ms(p.c_time), "uTime": ms(p.u_time),
    }
