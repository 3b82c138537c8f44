"""Bitget V2 plan orders (trigger orders, trailing stops, TP/SL) ↔ ``core.algo``: the wire words in tables, the
mapping of list rows and ``orders-algo`` pushes to :class:`~terminal_app.core.algo.AlgoOrder`, and the REST calls
(:class:`PlanRestMixin`) that place, modify, cancel and list them from an :class:`~terminal_app.core.algo.AlgoIntent`.

Which endpoint an intent goes to (bitget-v2.md §5/§6; ccxt bitget.ts does the same split):

* ``STOP``: futures ``place-plan-order`` ``normal_plan``; spot ``place-plan-order`` (``planType`` ``amount``);
* ``TRAILING``: futures ``place-plan-order`` ``track_plan`` with ``callbackRatio`` (percent);
* ``TAKE_PROFIT``/``STOP_LOSS``: ``place-tpsl-order`` ``profit_plan``/``loss_plan`` with a size;
* ``POSITION_TP``/``POSITION_SL``: ``place-tpsl-order`` ``pos_profit``/``pos_loss`` (the whole position).

Modify: stops and trailing stops by ``modify-plan-order`` (futures ``newTriggerPrice``…, spot ``triggerPrice`` with
``orderType``), TP/SL by ``modify-tpsl-order``. Cancel: futures ``cancel-plan-order`` with ``orderIdList`` and the
plan's ``planType`` (Bitget needs it for other than trigger orders), spot ``cancel-plan-order``. The WebSocket says
``planType`` in short words (``pl``, ``tp``, ``sl``, ``ptp``, ``psl``, ``track``, ``mtpsl``; the wire model reads them
back in the REST spelling); both spellings map here.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from terminal_app.bitget.errors import BitgetError, error_for_code
from terminal_app.bitget.models import (
    AlgoOrder as WireAlgo,
)
from terminal_app.bitget.models import (
    PlanOrderAck,
    parse_batch_result,
    parse_cancel_plan_result,
    parse_futures_plan_orders,
    parse_plan_order_ack,
    parse_spot_plan_orders,
    parse_ws_algo_orders,
)
from terminal_app.bitget.models.mapping import MARGIN_MODE_TO_WIRE, SIDE_TO_WIRE, TRADE_SIDE_TO_WIRE, wire_product
from terminal_app.bitget.rest_core import RestCore, checked_client_oid, compact, num, opt_num
from terminal_app.bitget.ws import BitgetStreamer, channel_arg
from terminal_app.core.algo import AlgoHandler, AlgoIntent, AlgoKind, AlgoOrder, AlgoStatus, TriggerSource
from terminal_app.core.enums import MarginMode, PositionSide, Side, TradeSide
from terminal_app.core.instruments import Product, SymbolRef

log = logging.getLogger("terminal_app.bitget.plans")


class PLAN:
    """Plan-order paths."""

    MIX_PLACE = "/api/v2/mix/order/place-plan-order"
    MIX_MODIFY = "/api/v2/mix/order/modify-plan-order"
    MIX_PLACE_TPSL = "/api/v2/mix/order/place-tpsl-order"
    MIX_MODIFY_TPSL = "/api/v2/mix/order/modify-tpsl-order"
    MIX_CANCEL = "/api/v2/mix/order/cancel-plan-order"
    MIX_PENDING = "/api/v2/mix/order/orders-plan-pending"
    MIX_HISTORY = "/api/v2/mix/order/orders-plan-history"
    SPOT_PLACE = "/api/v2/spot/trade/place-plan-order"
    SPOT_MODIFY = "/api/v2/spot/trade/modify-plan-order"
    SPOT_CANCEL = "/api/v2/spot/trade/cancel-plan-order"
    SPOT_BATCH_CANCEL = "/api/v2/spot/trade/batch-cancel-plan-order"
    SPOT_PENDING = "/api/v2/spot/trade/current-plan-order"
    SPOT_HISTORY = "/api/v2/spot/trade/history-plan-order"


# --- wire words ----------------------------------------------------------------------------------------------------

KIND_FROM_WIRE: dict[str, AlgoKind] = {
    "normal_plan": AlgoKind.STOP, "pl": AlgoKind.STOP, "amount": AlgoKind.STOP, "total": AlgoKind.STOP,
    "track_plan": AlgoKind.TRAILING, "track": AlgoKind.TRAILING,
    "moving_plan": AlgoKind.TRAILING, "mtpsl": AlgoKind.TRAILING,
    "profit_plan": AlgoKind.TAKE_PROFIT, "tp": AlgoKind.TAKE_PROFIT,
    "loss_plan": AlgoKind.STOP_LOSS, "sl": AlgoKind.STOP_LOSS,
    "pos_profit": AlgoKind.POSITION_TP, "ptp": AlgoKind.POSITION_TP,
    "pos_loss": AlgoKind.POSITION_SL, "psl": AlgoKind.POSITION_SL,
}
# what a position-bound trailing stop is called apart from a plain one
_POSITION_TRAILING = frozenset({"moving_plan", "mtpsl"})
TPSL_PLAN_TYPE: dict[AlgoKind, str] = {
    AlgoKind.TAKE_PROFIT: "profit_plan", AlgoKind.STOP_LOSS: "loss_plan",
    AlgoKind.POSITION_TP: "pos_profit", AlgoKind.POSITION_SL: "pos_loss",
}
TRIGGER_TO_WIRE: dict[TriggerSource, str] = {TriggerSource.LAST: "fill_price", TriggerSource.MARK: "mark_price"}
TRIGGER_FROM_WIRE: dict[str, TriggerSource] = {w: s for s, w in TRIGGER_TO_WIRE.items()}
STATUS_FROM_WIRE: dict[str, AlgoStatus] = {
    "live": AlgoStatus.LIVE, "not_trigger": AlgoStatus.LIVE, "new": AlgoStatus.LIVE, "init": AlgoStatus.LIVE,
    "executed": AlgoStatus.TRIGGERED, "triggered": AlgoStatus.TRIGGERED, "executing": AlgoStatus.TRIGGERED,
    "cancelled": AlgoStatus.CANCELLED, "canceled": AlgoStatus.CANCELLED,
    "fail_trigger": AlgoStatus.FAILED, "fail_execute": AlgoStatus.FAILED, "failed": AlgoStatus.FAILED,
}
# the families of orders-plan-pending / orders-plan-history (planType is required there)
FUTURES_FAMILIES = ("normal_plan", "track_plan", "profit_loss")


def wire_plan_type(order: AlgoOrder) -> str:
    """The ``planType`` Bitget knows ``order`` by (cancel-plan-order wants it)."""
    if order.kind is AlgoKind.STOP:
        return "normal_plan"
    if order.kind is AlgoKind.TRAILING:
        return "moving_plan" if order.hold_side is not None else "track_plan"
    return TPSL_PLAN_TYPE[order.kind]


def _positive(value: Decimal | None) -> Decimal | None:
    return value if value is not None and value > 0 else None


def to_domain(w: WireAlgo) -> AlgoOrder | None:
    """A list row or push as the terminal's :class:`AlgoOrder`; ``None`` for a plan type the terminal does not know
    (logged once per row)."""
    kind = KIND_FROM_WIRE.get(w.plan_type)
    status = STATUS_FROM_WIRE.get(w.status)
    if kind is None or status is None:
        log.debug("plan order %s: unknown planType %r or status %r", w.order_id, w.plan_type, w.status)
        return None
    ref = SymbolRef(w.symbol, w.product)
    trade_side = TradeSide(w.trade_side) if w.trade_side in ("open", "close") else None
    hold = PositionSide(w.pos_side) if w.pos_side in ("long", "short") else None
    side = Side(w.side) if w.side in ("buy", "sell") else Side.BUY
    hold_side: PositionSide | None = None
    if kind.is_tpsl or w.plan_type in _POSITION_TRAILING:
        # A TP/SL protects a position: its side is the trade that closes it (Bitget's hedge-mode ``side`` names
        # the position, one-way mode's the trade).
        hold_side = hold or (PositionSide.LONG if side == Side.SELL else PositionSide.SHORT)
        side = hold_side.closing_side
        trade_side = None
    size = None if kind.whole_position else w.size
    execute = None if w.order_type == "market" else _positive(w.execute_price) or _positive(w.price)
    return AlgoOrder(
        ref=ref, order_id=w.order_id, client_oid=w.client_oid or w.order_id, kind=kind, side=side,
        trigger_price=w.trigger_price or Decimal(0), size=size, status=status, execute_price=execute,
        trigger_source=TRIGGER_FROM_WIRE.get(w.trigger_type or "", TriggerSource.LAST),
        callback_ratio=_positive(w.callback_ratio) if kind is AlgoKind.TRAILING else None, trade_side=trade_side,
        hold_side=hold_side, executed_order_id=w.execute_order_id or None, c_time=w.c_time, u_time=w.u_time)


def _domain(rows: list[WireAlgo]) -> list[AlgoOrder]:
    return [a for a in map(to_domain, rows) if a is not None]


def parse_ws_algos(msg: Any) -> list[AlgoOrder]:
    """An ``orders-algo`` push (spot or futures) as :class:`AlgoOrder` s."""
    return _domain(parse_ws_algo_orders(msg))


# --- REST ----------------------------------------------------------------------------------------------------------


class PlanRestMixin(RestCore):
    """Plan-order endpoints of the V2 REST client (see the module docstring)."""

    async def place_algo(self, intent: AlgoIntent, client_oid: str | None = None, *, hedge: bool = False,
                         margin_mode: MarginMode = MarginMode.CROSSED, margin_coin: str = "USDT") -> PlanOrderAck:
        """Place ``intent``; ``hedge`` is the account's position mode (futures). Never re-sent: a plan order has no
        lookup by clientOid on Bitget, so an ambiguous failure is left to the caller's reconciliation."""
        ref = intent.ref
        oid = checked_client_oid(client_oid)
        trigger = num(intent.trigger_price)
        ttype = TRIGGER_TO_WIRE[intent.trigger_source]
        if ref.product is Product.SPOT:
            if intent.kind is not AlgoKind.STOP or intent.size is None:
                raise ValueError("spot plan orders are stops with a size")
            body = compact(symbol=ref.symbol, side=SIDE_TO_WIRE[intent.side], triggerPrice=trigger,
                           orderType="market" if intent.is_market else "limit",
                           executePrice=opt_num(intent.execute_price), planType="amount", size=num(intent.size),
                           triggerType=ttype, clientOid=oid, force=None if intent.is_market else "gtc")
            return parse_plan_order_ack(await self.http.post(PLAN.SPOT_PLACE, body))
        common = {"symbol": ref.symbol, "productType": wire_product(ref.product), "marginCoin": margin_coin}
        if intent.kind in (AlgoKind.STOP, AlgoKind.TRAILING):
            if intent.size is None:
                raise ValueError("a stop needs a size")
            trailing = intent.kind is AlgoKind.TRAILING
            body = compact(
                **common, planType="track_plan" if trailing else "normal_plan",
                marginMode=MARGIN_MODE_TO_WIRE[margin_mode], size=num(intent.size),
                price=None if trailing else opt_num(intent.execute_price),
                callbackRatio=opt_num(intent.callback_ratio) if trailing else None, triggerPrice=trigger,
                triggerType=ttype, side=SIDE_TO_WIRE[intent.side],
                tradeSide=TRADE_SIDE_TO_WIRE[intent.trade_side or TradeSide.OPEN] if hedge else None,
                orderType="market" if trailing or intent.is_market else "limit", clientOid=oid,
                reduceOnly="YES" if intent.reduce_only and not hedge else None)
            return parse_plan_order_ack(await self.http.post(PLAN.MIX_PLACE, body))
        hold = intent.hold_side or (PositionSide.LONG if intent.side == Side.SELL else PositionSide.SHORT)
        # hedge mode names the position (long/short); one-way mode the position's side as a trade (buy = long)
        hold_word = hold.value if hedge else ("buy" if hold is PositionSide.LONG else "sell")
        body = compact(**common, planType=TPSL_PLAN_TYPE[intent.kind], triggerPrice=trigger, triggerType=ttype,
                       executePrice=opt_num(intent.execute_price), holdSide=hold_word,
                       size=opt_num(intent.size), clientOid=oid)
        return parse_plan_order_ack(await self.http.post(PLAN.MIX_PLACE_TPSL, body))

    async def modify_algo(self, order: AlgoOrder, *, trigger_price: Decimal, size: Decimal | None = None,
                          execute_price: Decimal | None = None, callback_ratio: Decimal | None = None,
                          margin_coin: str = "USDT") -> PlanOrderAck:
        """Move ``order``'s trigger (and optionally its size, limit price, callback ratio); the rest stays."""
        ref = order.ref
        by_id = compact(orderId=order.order_id, clientOid=None if order.order_id else order.client_oid)
        limit = execute_price if execute_price is not None else order.execute_price
        if ref.product is Product.SPOT:
            body = compact(**by_id, triggerPrice=num(trigger_price), orderType="market" if limit is None else "limit",
                           executePrice=opt_num(limit), size=num(size if size is not None else order.size or 0))
            return parse_plan_order_ack(await self.http.post(PLAN.SPOT_MODIFY, body))
        common = {"symbol": ref.symbol, "productType": wire_product(ref.product)}
        if order.kind is AlgoKind.STOP or (order.kind is AlgoKind.TRAILING and order.hold_side is None):
            body = compact(**common, **by_id, newTriggerPrice=num(trigger_price), newSize=opt_num(size),
                           newPrice=opt_num(execute_price), newCallbackRatio=opt_num(callback_ratio),
                           newTriggerType=TRIGGER_TO_WIRE[order.trigger_source])
            return parse_plan_order_ack(await self.http.post(PLAN.MIX_MODIFY, body))
        body = compact(**common, **by_id, marginCoin=margin_coin, triggerPrice=num(trigger_price),
                       triggerType=TRIGGER_TO_WIRE[order.trigger_source], executePrice=opt_num(limit),
                       size=opt_num(size if size is not None else order.size),
                       rangeRate=opt_num(callback_ratio if callback_ratio is not None else order.callback_ratio)
                       if order.kind is AlgoKind.TRAILING else None)
        return parse_plan_order_ack(await self.http.post(PLAN.MIX_MODIFY_TPSL, body))

    async def cancel_algo(self, order: AlgoOrder, *, margin_coin: str = "USDT") -> None:
        """Cancel one plan order; the typed error of Bitget's code when it refuses (``OrderNotFound`` when gone)."""
        await self.cancel_algos([order], margin_coin=margin_coin, strict=True)

    async def cancel_algos(self, orders: list[AlgoOrder], *, margin_coin: str = "USDT",
                           strict: bool = False) -> list[AlgoOrder]:
        """Cancel ``orders`` (grouped per endpoint call as Bitget wants: futures per symbol and plan type, spot one
        by one); returns those cancelled. ``strict``: raise the first refusal instead of leaving it out."""
        done: list[AlgoOrder] = []
        groups: dict[tuple[SymbolRef, str], list[AlgoOrder]] = defaultdict(list)
        for order in orders:
            groups[(order.ref, wire_plan_type(order))].append(order)
        for (ref, plan_type), group in groups.items():
            if ref.product is Product.SPOT:
                for order in group:
                    by_id = compact(orderId=order.order_id, clientOid=None if order.order_id else order.client_oid)
                    try:
                        parse_cancel_plan_result(await self.http.post(PLAN.SPOT_CANCEL, by_id))
                    except BitgetError:
                        if strict:
                            raise
                        log.warning("cancel of spot plan %s failed", order.client_oid, exc_info=True)
                        continue
                    done.append(order)
                continue
            entries = [compact(orderId=o.order_id, clientOid=None if o.order_id else o.client_oid) for o in group]
            body = {"symbol": ref.symbol, "productType": wire_product(ref.product), "marginCoin": margin_coin,
                    "planType": plan_type, "orderIdList": entries}
            result = parse_batch_result(await self.http.post(PLAN.MIX_CANCEL, body))
            if result.failures and strict:
                failure = result.failures[0]
                raise error_for_code(failure.code or "40768", failure.message)
            ok = {a.order_id for a in result.successes} | {a.client_oid for a in result.successes}
            done += [o for o in group if o.order_id in ok or o.client_oid in ok]
        return done

    async def algo_orders(self, target: Product | SymbolRef, *, history: bool = False, limit: int | None = None,
                          start_time: int | None = None, end_time: int | None = None) -> list[AlgoOrder]:
        """Live (or, ``history``, finished) plan orders, newest first. Futures: of a product type or one symbol,
        the three lists Bitget keeps (trigger orders, trailing stops, TP/SL) read side by side. Spot: of one symbol
        (Bitget lists spot plans per symbol only)."""
        ref = target if isinstance(target, SymbolRef) else None
        product = target.product if isinstance(target, SymbolRef) else target
        window = compact(startTime=None if start_time is None else str(start_time),
                         endTime=None if end_time is None else str(end_time),
                         limit=None if limit is None else str(limit))
        if product is Product.SPOT:
            if ref is None:
                raise ValueError("spot plan orders are listed per symbol")
            data = await self.http.get(PLAN.SPOT_HISTORY if history else PLAN.SPOT_PENDING,
                                       {"symbol": ref.symbol, **window}, signed=True)
            return _domain(parse_spot_plan_orders(data))
        params = compact(productType=wire_product(product), symbol=ref.symbol if ref else None, **window)
        path = PLAN.MIX_HISTORY if history else PLAN.MIX_PENDING
        answers = await asyncio.gather(*(self.http.get(path, {**params, "planType": family}, signed=True)
                                         for family in FUTURES_FAMILIES))
        rows = [w for data in answers for w in parse_futures_plan_orders(data, product)]
        return sorted(_domain(rows), key=lambda a: (a.c_time, a.order_id or ""), reverse=True)


class V2AlgoVenue:
    """``core.algo.AlgoVenue`` over the V2 REST client and streamer (``orders-algo`` per product line)."""

    def __init__(self, rest: PlanRestMixin, streamer: BitgetStreamer,
                 products: tuple[Product, ...] = (Product.SPOT, Product.USDT_FUTURES)) -> None:
        self._rest = rest
        self._streamer = streamer
        self._products = products

    @property
    def products(self) -> tuple[Product, ...]:
        return self._products

    def target_of(self, ref: SymbolRef) -> Product | SymbolRef:
        # V2 lists a futures line's plans whole, spot plans only per symbol (current-plan-order needs one).
        return ref.product if ref.product.is_futures else ref

    def targets(self, known: Iterable[SymbolRef] = ()) -> list[Product | SymbolRef]:
        found: dict[Product | SymbolRef, None] = {p: None for p in self._products if p.is_futures}
        found.update({self.target_of(ref): None for ref in known if ref.product in self._products})
        return list(found)

    async def place_algo(self, intent: AlgoIntent, client_oid: str, *, hedge: bool, margin_mode: MarginMode,
                         margin_coin: str) -> str | None:
        ack = await self._rest.place_algo(intent, client_oid, hedge=hedge, margin_mode=margin_mode,
                                          margin_coin=margin_coin)
        return ack.order_id

    async def modify_algo(self, order: AlgoOrder, *, trigger_price: Decimal, size: Decimal | None = None,
                          execute_price: Decimal | None = None, callback_ratio: Decimal | None = None,
                          margin_coin: str) -> None:
        await self._rest.modify_algo(order, trigger_price=trigger_price, size=size, execute_price=execute_price,
                                     callback_ratio=callback_ratio, margin_coin=margin_coin)

    async def cancel_algo(self, order: AlgoOrder, *, margin_coin: str) -> None:
        await self._rest.cancel_algo(order, margin_coin=margin_coin)

    async def cancel_algos(self, orders: list[AlgoOrder], *, margin_coin: str) -> list[AlgoOrder]:
        return await self._rest.cancel_algos(orders, margin_coin=margin_coin)

    async def algo_orders(self, target: Product | SymbolRef, *, history: bool = False) -> list[AlgoOrder]:
        return await self._rest.algo_orders(target, history=history)

    def unsupported(self, intent: AlgoIntent) -> str | None:
        return None  # V2 holds every kind of core.algo

    async def stream_algos(self, product: Product, handler: AlgoHandler) -> None:
        await self._streamer.subscribe(channel_arg(product, "orders-algo"), lambda msg: handler(parse_ws_algos(msg)))
