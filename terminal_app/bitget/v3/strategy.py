"""Bitget V3 strategy orders (unified account) ↔ ``core.algo``: request bodies of ``place-strategy-order`` and
``modify-strategy-order`` from an :class:`~terminal_app.core.algo.AlgoIntent`, and the rows of
``unfilled-strategy-orders``, ``history-strategy-orders`` and the ``strategy-order`` push as
:class:`~terminal_app.core.algo.AlgoOrder` s (bitget-v3-uta.md §5.5, §6.3; checked against Bitget's pages, the samples,
typed-bitget's models and ccxt's bitget.ts).

What V3 offers, and how it maps:

* ``type: trigger``: a stop (``STOP``): when ``triggerPrice`` is reached (``triggerBy`` ``market`` = the last price,
  or ``mark``) a market order, or a limit one at ``triggerOrderPrice``. ``side`` is the trade direction; hedge mode
  names the position by ``posSide`` (close long = ``sell`` + ``long``), one-way mode closes by ``reduceOnly``.
* ``type: tpsl``: a take-profit and/or a stop-loss of a futures position (``posSide``), of the whole position
  (``tpslMode: full``: ``POSITION_TP``/``POSITION_SL``) or of ``qty`` of it (``partial``: ``TAKE_PROFIT``/
  ``STOP_LOSS``), each leg at market or at its limit price. The terminal places one leg per order; a row of both
  legs (placed elsewhere) is two algo orders: the take-profit under the row's clientOid, the stop-loss under
  ``clientOid#sl``. Both carry the row's ``orderId``, so moving one moves that leg, and cancelling either cancels
  the order (V3 cancels a strategy order whole).
* **No trailing stop.** V3's strategy orders take no callback ratio (the pages list TP/SL and trigger orders only;
  typed-bitget's ``trailingStopParams`` has been ``null`` in every capture): :data:`NO_TRAILING` says so.

A whole-position row says ``qty`` ``"0"`` (or nothing); ``modify-strategy-order`` requires ``qty`` and applies it to
partial TP/SL only, so a whole-position leg is modified with ``"0"`` (derived: the pages say no more).
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from terminal_app.bitget.models.fields import Fields, parse_list
from terminal_app.bitget.rest_core import checked_client_oid, compact, num, opt_num
from terminal_app.bitget.v3.mapping import (
    COIN_M_UNSUPPORTED,
    POS_SIDE_FROM_WIRE,
    POS_SIDE_TO_WIRE,
    SIDE_FROM_WIRE,
    SIDE_TO_WIRE,
    category,
    domain_symbol,
    is_coin_m_line,
    product_of,
    wire_symbol,
)
from terminal_app.bitget.v3.trade import wrapped_list
from terminal_app.core.algo import AlgoIntent, AlgoKind, AlgoOrder, AlgoStatus, TriggerSource
from terminal_app.core.enums import PositionMode, PositionSide, Side, TradeSide, position_side, trade_direction
from terminal_app.core.instruments import SymbolRef

log = logging.getLogger("terminal_app.bitget.v3.strategy")

NO_COIN_M = COIN_M_UNSUPPORTED.format(what="strategy orders (stops, TP/SL, triggers)")
NO_TRAILING = ("Trailing stops are not available on a unified (UTA) account: Bitget's V3 strategy orders are TP/SL "
               "and trigger orders only, with no callback ratio. Use a stop or a stop-loss instead.")
TRIGGER_BY_TO_WIRE: dict[TriggerSource, str] = {TriggerSource.LAST: "market", TriggerSource.MARK: "mark"}
TRIGGER_BY_FROM_WIRE: dict[str, TriggerSource] = {w: s for s, w in TRIGGER_BY_TO_WIRE.items()}
# ``submitting``: fired, its order on the way; shown live until the exchange says how it ended.
STATUS_FROM_WIRE: dict[str, AlgoStatus] = {
    "pending": AlgoStatus.LIVE, "submitting": AlgoStatus.LIVE, "success": AlgoStatus.TRIGGERED,
    "failed": AlgoStatus.FAILED, "cancelled": AlgoStatus.CANCELLED, "canceled": AlgoStatus.CANCELLED,
}
TYPES = ("tpsl", "trigger")
SL_SUFFIX = "#sl"
_ZERO = Decimal(0)


# --- requests ------------------------------------------------------------------------------------------------------


def _leg_fields(kind: AlgoKind, trigger: Decimal, source: TriggerSource, execute: Decimal | None) -> dict[str, Any]:
    prefix, name = ("tp", "takeProfit") if kind.is_profit else ("sl", "stopLoss")
    return compact(**{name: num(trigger), f"{prefix}TriggerBy": TRIGGER_BY_TO_WIRE[source],
                      f"{prefix}OrderType": "market" if execute is None else "limit",
                      f"{prefix}LimitPrice": opt_num(execute)})


def place_body(intent: AlgoIntent, client_oid: str | None, *, hedge: bool) -> dict[str, Any]:
    """``place-strategy-order`` of ``intent`` (``hedge``: the account's hold mode). Raises ``ValueError`` for what
    V3 cannot hold (a trailing stop: :data:`NO_TRAILING`)."""
    ref = intent.ref
    if is_coin_m_line(ref):
        raise ValueError(NO_COIN_M)
    common = {"category": category(ref.product), "symbol": wire_symbol(ref),
              "clientOid": checked_client_oid(client_oid)}
    if intent.kind is AlgoKind.TRAILING:
        raise ValueError(NO_TRAILING)
    if intent.kind is AlgoKind.STOP:
        if intent.size is None:
            raise ValueError("a stop needs a size")
        side, pos, reduce_only = intent.side, None, None
        if ref.product.is_futures:
            if hedge:
                trade_side = intent.trade_side or TradeSide.OPEN
                side, pos = trade_direction(intent.side, trade_side), position_side(intent.side, trade_side)
            elif intent.reduce_only:
                reduce_only = "yes"
        return compact(**common, type="trigger", qty=num(intent.size), side=SIDE_TO_WIRE[side],
                       posSide=POS_SIDE_TO_WIRE[pos] if pos else None, reduceOnly=reduce_only,
                       triggerBy=TRIGGER_BY_TO_WIRE[intent.trigger_source], triggerPrice=num(intent.trigger_price),
                       triggerOrderType="market" if intent.is_market else "limit",
                       triggerOrderPrice=opt_num(intent.execute_price))
    hold = intent.hold_side or (PositionSide.LONG if intent.side == Side.SELL else PositionSide.SHORT)
    whole = intent.kind.whole_position
    return compact(**common, type="tpsl", tpslMode="full" if whole else "partial",
                   qty=None if whole else num(intent.size or _ZERO), side=SIDE_TO_WIRE[hold.closing_side],
                   posSide=POS_SIDE_TO_WIRE[hold],
                   **_leg_fields(intent.kind, intent.trigger_price, intent.trigger_source, intent.execute_price))


def modify_body(order: AlgoOrder, *, trigger_price: Decimal, size: Decimal | None = None,
                execute_price: Decimal | None = None) -> dict[str, Any]:
    """``modify-strategy-order`` moving ``order``'s trigger (and size, limit price); the rest stays as it is."""
    by_id = compact(orderId=order.order_id, clientOid=None if order.order_id else order.client_oid)
    qty = num(size if size is not None else order.size or _ZERO)
    limit = execute_price if execute_price is not None else order.execute_price
    if order.kind is AlgoKind.STOP:
        return compact(**by_id, qty=qty, triggerPrice=num(trigger_price),
                       triggerBy=TRIGGER_BY_TO_WIRE[order.trigger_source],
                       triggerOrderType="market" if limit is None else "limit", triggerOrderPrice=opt_num(limit))
    if order.kind is AlgoKind.TRAILING:
        raise ValueError(NO_TRAILING)
    return compact(**by_id, qty=qty, **_leg_fields(order.kind, trigger_price, order.trigger_source, limit))


# --- rows and pushes -----------------------------------------------------------------------------------------------


def _positive(value: Decimal | None) -> Decimal | None:
    return value if value is not None and value > 0 else None


def _source(f: Fields, key: str) -> TriggerSource:
    return TRIGGER_BY_FROM_WIRE.get(f.opt_word(key) or "", TriggerSource.LAST)


def _limit(f: Fields, type_key: str, price_key: str) -> Decimal | None:
    return _positive(f.opt_dec(price_key)) if f.opt_word(type_key) == "limit" else None


def orders_from(entry: Any, hold_mode: PositionMode | None = None) -> list[AlgoOrder]:
    """One row (REST or push) as the terminal's algo orders: one for a trigger order, one per leg of a TP/SL order;
    none for a row of a type or status the terminal does not know (logged). ``hold_mode`` decides how a trigger
    order's ``posSide`` reads (None: a ``posSide`` means hedge mode)."""
    f = Fields(entry, "StrategyOrder")
    order_id = f.text("orderId")
    client_oid = f.opt_text("clientOid") or order_id
    status = STATUS_FROM_WIRE.get(f.word("status", ""))
    kind = f.opt_word("type") or ("tpsl" if f.has("takeProfit") or f.has("stopLoss") else "trigger")
    if status is None or kind not in TYPES:
        log.debug("strategy order %s: unknown type %r or status %r", order_id, kind, f.opt_word("status"))
        return []
    ref = SymbolRef(domain_symbol(f.symbol()), product_of(f.text("category")))
    size = _positive(f.opt_dec("qty"))
    c_time, u_time = f.ms("createdTime"), f.ms(("updatedTime", "createdTime"))
    side = f.opt_enum("side", SIDE_FROM_WIRE)
    pos = f.opt_enum("posSide", POS_SIDE_FROM_WIRE)
    if kind == "trigger":
        if side is None:
            log.debug("trigger order %s has no side", order_id)
            return []
        trade_side = None
        if ref.product.is_futures and pos is not None and hold_mode != PositionMode.ONE_WAY:
            trade_side = TradeSide.OPEN if (side == Side.BUY) == (pos == PositionSide.LONG) else TradeSide.CLOSE
            side = Side.BUY if pos == PositionSide.LONG else Side.SELL  # the terminal's hedge side names the position
        return [AlgoOrder(ref, order_id, client_oid, AlgoKind.STOP, side, f.dec("triggerPrice"), size, status,
                          _limit(f, "triggerOrderType", "triggerOrderPrice"), _source(f, "triggerBy"),
                          trade_side=trade_side, c_time=c_time, u_time=u_time)]
    hold = pos or (PositionSide.SHORT if side == Side.BUY else PositionSide.LONG)
    whole = size is None
    legs = [(profit, price) for profit, key in ((True, "takeProfit"), (False, "stopLoss"))
            if (price := _positive(f.opt_dec(key))) is not None]
    fired = f.opt_word("triggerType")
    out = []
    for profit, price in legs:
        if profit:
            kind_, prefix = (AlgoKind.POSITION_TP if whole else AlgoKind.TAKE_PROFIT), "tp"
        else:
            kind_, prefix = (AlgoKind.POSITION_SL if whole else AlgoKind.STOP_LOSS), "sl"
        leg_status = status
        if status is AlgoStatus.TRIGGERED and len(legs) > 1 and fired in ("takeprofit", "stoploss") and (
                (fired == "takeprofit") != profit):
            leg_status = AlgoStatus.CANCELLED  # its sibling fired: V3 ends the order whole
        key = client_oid if profit or len(legs) == 1 else client_oid + SL_SUFFIX
        out.append(AlgoOrder(ref, order_id, key, kind_, hold.closing_side, price, None if whole else size,
                             leg_status, _limit(f, f"{prefix}OrderType", f"{prefix}LimitPrice"),
                             _source(f, f"{prefix}TriggerBy"), hold_side=hold, c_time=c_time, u_time=u_time))
    return out


def parse_rows(data: Any, hold_mode: PositionMode | None = None) -> list[AlgoOrder]:
    """``unfilled-strategy-orders`` (a bare list), ``history-strategy-orders`` (``{list, cursor}``, ``list: null``
    when empty) as algo orders."""
    rows = parse_list(wrapped_list(data, "StrategyOrder"), "StrategyOrder", lambda e: orders_from(e, hold_mode))
    return [order for row in rows for order in row]


def parse_push(msg: Any, hold_mode: PositionMode | None = None) -> list[AlgoOrder]:
    """A ``strategy-order`` push as algo orders."""
    data = msg.get("data") if isinstance(msg, dict) else None
    return parse_rows([data] if isinstance(data, dict) else data, hold_mode)
