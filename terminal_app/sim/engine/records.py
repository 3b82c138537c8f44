"""Persistence records: the engine's orders, fills, positions, plans and bills as plain dicts of strings and ints (what
``store.sim_state`` writes), and back."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from terminal_app.bitget.models.mapping import product_from_wire, wire_product
from terminal_app.core.instruments import SymbolRef
from terminal_app.sim.engine.bills import SpotBill
from terminal_app.sim.engine.futures import AccountBill, PlanState, PositionState
from terminal_app.sim.engine.orders import Fill, OrderState, OrderStatus
from terminal_app.sim.market.markets import SimMarket

_ORDER_INTS = ("price_ticks", "lots", "filled_lots", "c_time", "u_time", "seq", "leverage")
_ORDER_DECIMALS = ("size", "budget", "filled_quote", "fee", "frozen", "frozen_per_lot", "profit")
_ORDER_TEXT = ("uid", "order_id", "client_oid", "side", "order_type", "force", "fee_coin", "origin",
               "cancel_reason", "trade_side", "pos_mode", "hold_side", "margin_mode")


def order_record(st: OrderState) -> dict[str, Any]:
    d: dict[str, Any] = {f: getattr(st, f) for f in _ORDER_INTS + _ORDER_TEXT}
    for f in _ORDER_DECIMALS:
        d[f] = str(getattr(st, f))
    d["inst_type"] = wire_product(st.market.ref.product)
    d["symbol"] = st.market.symbol
    d["status"] = st.status.value
    d["is_buy"] = st.is_buy
    d["is_close"] = st.is_close
    d["reduce_only"] = st.reduce_only
    d["preset_tp"] = None if st.preset_tp is None else str(st.preset_tp)
    d["preset_sl"] = None if st.preset_sl is None else str(st.preset_sl)
    return d


def order_from_record(d: dict[str, Any], market: SimMarket) -> OrderState:
    st = OrderState(uid=d["uid"], order_id=d["order_id"], client_oid=d["client_oid"], market=market, side=d["side"],
                    order_type=d["order_type"], force=d["force"], price_ticks=d["price_ticks"],
                    size=Decimal(d["size"]), lots=d["lots"], budget=Decimal(d["budget"]), now=d["c_time"],
                    seq=d["seq"])
    for f in _ORDER_INTS + _ORDER_TEXT:
        setattr(st, f, d[f])
    for f in _ORDER_DECIMALS:
        setattr(st, f, Decimal(d[f]))
    st.status = OrderStatus(d["status"])
    st.is_buy = d["is_buy"]
    st.is_close = d["is_close"]
    st.reduce_only = d["reduce_only"]
    st.preset_tp = None if d["preset_tp"] is None else Decimal(d["preset_tp"])
    st.preset_sl = None if d["preset_sl"] is None else Decimal(d["preset_sl"])
    return st


_FILL_DECIMALS = ("price", "size", "quote", "fee", "profit")


def fill_record(fill: Fill) -> dict[str, Any]:
    d: dict[str, Any] = {f: getattr(fill, f) for f in Fill.__dataclass_fields__ if f != "ref"}
    for f in _FILL_DECIMALS:
        d[f] = str(d[f])
    d["symbol"] = fill.ref.symbol
    d["inst_type"] = wire_product(fill.ref.product)
    return d


def fill_from_record(d: dict[str, Any]) -> Fill:
    values = {k: v for k, v in d.items() if k not in ("symbol", "inst_type")}
    for f in _FILL_DECIMALS:
        values[f] = Decimal(values[f])
    return Fill(ref=SymbolRef(d["symbol"], product_from_wire(d["inst_type"])), **values)


_POSITION_DECIMALS = ("cost", "margin", "achieved", "total_fee", "open_value", "close_value", "open_fee", "close_fee",
                      "funding")
_PLAN_DECIMALS = ("trigger_price",)


def position_record(pos: PositionState) -> dict[str, Any]:
    d = {f: getattr(pos, f) for f in PositionState.__dataclass_fields__}
    for f in _POSITION_DECIMALS:
        d[f] = str(d[f])
    return d


def position_from_record(d: dict[str, Any]) -> PositionState:
    """A position saved by this or an older version (fields added since keep their defaults)."""
    values = {k: v for k, v in d.items() if k in PositionState.__dataclass_fields__}
    for f in _POSITION_DECIMALS:
        if f in values:
            values[f] = Decimal(values[f])
    return PositionState(**values)


_PLAN_OPTIONAL_DECIMALS = ("execute_price", "amount", "callback_ratio", "best")


def plan_record(plan: PlanState) -> dict[str, Any]:
    d = {f: getattr(plan, f) for f in PlanState.__dataclass_fields__}
    d["trigger_price"] = str(plan.trigger_price)
    for f in _PLAN_OPTIONAL_DECIMALS:
        d[f] = None if d[f] is None else str(d[f])
    return d


def plan_from_record(d: dict[str, Any]) -> PlanState:
    """A plan saved by this or an older version (fields added since keep their defaults)."""
    values = {k: v for k, v in d.items() if k in PlanState.__dataclass_fields__}
    values["trigger_price"] = Decimal(values["trigger_price"])
    for f in _PLAN_OPTIONAL_DECIMALS:
        if values.get(f) is not None:
            values[f] = Decimal(values[f])
    return PlanState(**values)


# ---- account bills ----------------------------------------------------------------------------------------------

_FUTURES_BILL_DECIMALS = ("amount", "fee", "balance")
_SPOT_BILL_DECIMALS = ("size", "balance", "fees")


def bill_record(bill: AccountBill | SpotBill) -> dict[str, Any]:
    """A bill as plain data; ``kind`` tells which bill it belongs to."""
    futures = isinstance(bill, AccountBill)
    d: dict[str, Any] = {f: getattr(bill, f) for f in type(bill).__dataclass_fields__}
    for f in _FUTURES_BILL_DECIMALS if futures else _SPOT_BILL_DECIMALS:
        d[f] = str(d[f])
    d["kind"] = "futures" if futures else "spot"
    return d


def bill_from_record(d: dict[str, Any]) -> AccountBill | SpotBill:
    values = {k: v for k, v in d.items() if k != "kind"}
    if d["kind"] == "futures":
        for f in _FUTURES_BILL_DECIMALS:
            values[f] = Decimal(values[f])
        return AccountBill(**values)
    for f in _SPOT_BILL_DECIMALS:
        values[f] = Decimal(values[f])
    return SpotBill(**values)
