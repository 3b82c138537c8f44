"""Trading: order acknowledgements, batch results, orders, fills and trigger (plan / TP-SL) orders.

REST parsers take the unwrapped ``data``. One :class:`Order` type serves spot and futures, REST and WebSocket.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from terminal_app.bitget.models.fields import Fields, dec, fail, inner_list, parse_list, text
from terminal_app.bitget.models.mapping import (
    FORCE_FROM_WIRE,
    LIQUIDITY_FROM_WIRE,
    MARGIN_MODE_FROM_WIRE,
    ORDER_STATUS_FROM_WIRE,
    ORDER_TYPE_FROM_WIRE,
    POSITION_MODE_FROM_WIRE,
    POSITION_SIDE_FROM_WIRE,
    SIDE_FROM_WIRE,
    exchange_close_from_wire,
    trade_side_from_wire,
)
from terminal_app.core.enums import MarginMode, OrderType
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.core.orders import Fill, Order, OrderAck

_ZERO = Decimal(0)

# Plan orders have statuses of their own (not_trigger, executed, …): only the spellings of the shared ones are unified.
_PLAN_STATUS = {"new": "live", "init": "live", "canceled": "cancelled"}


# The orders-algo push's short plan types (Plan-Order-Channel page) in the REST spelling the rest of the code uses.
_WS_PLAN_TYPES = {"pl": "normal_plan", "tp": "profit_plan", "sl": "loss_plan", "ptp": "pos_profit",
                  "psl": "pos_loss", "track": "track_plan", "mtpsl": "moving_plan"}


def normalise_plan_type(plan_type: str) -> str:
    """A trigger order's ``planType`` in the REST spelling (``ptp`` → ``pos_profit``)."""
    word = plan_type.strip().lower()
    return _WS_PLAN_TYPES.get(word, word)


def normalise_status(status: str) -> str:
    """A trigger order's ``planStatus``/``status`` in one spelling (``canceled`` → ``cancelled``)."""
    word = status.strip().lower()
    return _PLAN_STATUS.get(word, word)


def _coin(f: Fields, key: str) -> str | None:
    value = f.opt_text(key)
    return value.strip().upper() if value else None


@dataclass(frozen=True, slots=True)
class BatchFailure:
    order_id: str | None
    client_oid: str | None
    code: str | None
    message: str


@dataclass(frozen=True, slots=True)
class BatchResult:
    """``successList`` / ``failureList`` of batch place/cancel, cancel-all and cancel-plan endpoints."""

    successes: tuple[OrderAck, ...]
    failures: tuple[BatchFailure, ...]

    @property
    def ok(self) -> bool:
        return not self.failures


@dataclass(frozen=True, slots=True)
class CloseResult(BatchResult):
    """``POST /api/v2/mix/order/close-positions``: one market order per closed position side."""


@dataclass(frozen=True, slots=True)
class CancelSymbolResult:
    """``cancel-symbol-order`` is asynchronous: Bitget only confirms it accepted the request for ``symbol``."""

    symbol: str


@dataclass(frozen=True, slots=True)
class CancelReplaceResult:
    order_id: str | None
    client_oid: str | None
    success: bool
    message: str | None


@dataclass(frozen=True, slots=True)
class PlanOrderAck:
    """A trigger / TP-SL order accepted. ``place-pos-tpsl`` answers one per position with the two TP/SL client ids."""

    order_id: str | None
    client_oid: str | None
    stop_surplus_client_oid: str | None = None
    stop_loss_client_oid: str | None = None


@dataclass(frozen=True, slots=True)
class AlgoOrder:
    """A trigger order (plan) or TP/SL order, spot or futures, from REST plan lists or the ``orders-algo`` channel.

    ``price`` is the order price Bitget reports, ``execute_price`` the price placed when triggered (``None``/0 =
    market). ``status`` is Bitget's plan status (``not_trigger``, ``live``, ``executed``, ``cancelled``, …).
    """

    product: Product
    symbol: str
    order_id: str
    client_oid: str | None
    plan_type: str
    trigger_price: Decimal | None
    trigger_type: str | None
    price: Decimal | None
    execute_price: Decimal | None
    size: Decimal
    side: str
    order_type: str | None
    status: str
    c_time: int
    u_time: int
    trade_side: str | None = None
    pos_side: str | None = None
    pos_mode: str | None = None
    margin_coin: str | None = None
    margin_mode: MarginMode | None = None
    actual_size: Decimal | None = None
    trigger_time: int | None = None
    callback_ratio: Decimal | None = None
    preset_tp: Decimal | None = None
    preset_sl: Decimal | None = None
    tp_trigger_price: Decimal | None = None
    tp_trigger_type: str | None = None
    sl_trigger_price: Decimal | None = None
    sl_trigger_type: str | None = None
    execute_order_id: str | None = None

    @property
    def ref(self) -> SymbolRef:
        return SymbolRef(self.symbol, self.product)


# --- acknowledgements ----------------------------------------------------------------------------------------------


def _ack(entry: Any, kind: str = "OrderAck") -> OrderAck:
    f = Fields(entry, kind)
    return OrderAck(order_id=f.opt_text("orderId"), client_oid=f.opt_text("clientOid"))


def parse_order_ack(data: Any) -> OrderAck:
    """Spot/futures ``place-order``, ``cancel-order``, futures ``modify-order``, spot ``cancel-replace`` ids."""
    return _ack(data)


def _failure(entry: Any) -> BatchFailure:
    f = Fields(entry, "BatchFailure")
    return BatchFailure(order_id=f.opt_text("orderId"), client_oid=f.opt_text("clientOid"),
                        code=f.opt_text("errorCode"), message=f.text(("errorMsg", "msg"), "").strip())


def _batch_lists(data: Any, kind: str) -> tuple[tuple[OrderAck, ...], tuple[BatchFailure, ...]]:
    f = Fields(data, kind)
    if "successList" not in f.data and "failureList" not in f.data:
        fail(kind, "field 'successList' is missing")
    return (tuple(_ack(e, kind) for e in f.seq("successList")), tuple(_failure(e) for e in f.seq("failureList")))


def parse_batch_result(data: Any) -> BatchResult:
    """Spot ``batch-orders``, ``batch-cancel-order``, ``batch-cancel-plan-order``; futures ``batch-place-order``,
    ``batch-cancel-orders``, ``cancel-all-orders``, ``cancel-plan-order``."""
    successes, failures = _batch_lists(data, "BatchResult")
    return BatchResult(successes=successes, failures=failures)


def parse_close_result(data: Any) -> CloseResult:
    """``POST /api/v2/mix/order/close-positions``."""
    successes, failures = _batch_lists(data, "CloseResult")
    return CloseResult(successes=successes, failures=failures)


def parse_cancel_symbol(data: Any) -> CancelSymbolResult:
    """``POST /api/v2/spot/trade/cancel-symbol-order``."""
    return CancelSymbolResult(symbol=Fields(data, "CancelSymbolResult").symbol("symbol"))


def _cancel_replace(entry: Any) -> CancelReplaceResult:
    f = Fields(entry, "CancelReplaceResult")
    return CancelReplaceResult(order_id=f.opt_text("orderId"), client_oid=f.opt_text("clientOid"),
                               success=f.word("success") == "success", message=f.opt_text("msg"))


def parse_cancel_replace(data: Any) -> CancelReplaceResult:
    """``POST /api/v2/spot/trade/cancel-replace-order``."""
    return _cancel_replace(data)


def parse_batch_cancel_replace(data: Any) -> list[CancelReplaceResult]:
    """``POST /api/v2/spot/trade/batch-cancel-replace-order``."""
    return parse_list(data, "CancelReplaceResult", _cancel_replace)


def parse_plan_order_ack(data: Any) -> PlanOrderAck:
    """Spot/futures ``place-plan-order``, ``modify-plan-order``; futures ``place-tpsl-order``,
    ``modify-tpsl-order``."""
    f = Fields(data, "PlanOrderAck")
    return PlanOrderAck(order_id=f.opt_text("orderId"), client_oid=f.opt_text("clientOid"))


def _pos_tpsl(entry: Any) -> PlanOrderAck:
    f = Fields(entry, "PlanOrderAck")
    return PlanOrderAck(order_id=f.opt_text("orderId"), client_oid=f.opt_text("clientOid"),
                        stop_surplus_client_oid=f.opt_text("stopSurplusClientOid"),
                        stop_loss_client_oid=f.opt_text("stopLossClientOid"))


def parse_pos_tpsl_acks(data: Any) -> list[PlanOrderAck]:
    """``POST /api/v2/mix/order/place-pos-tpsl``."""
    if isinstance(data, Mapping):
        data = [data]
    return parse_list(data, "PlanOrderAck", _pos_tpsl)


def parse_cancel_plan_result(data: Any) -> bool:
    """``POST /api/v2/spot/trade/cancel-plan-order``: ``{"result": "success"}``."""
    return Fields(data, "cancel-plan-order result").word("result") == "success"


# --- fees ----------------------------------------------------------------------------------------------------------


def _fee_entry(entry: Any, key: str, kind: str) -> tuple[str, Decimal] | None:
    if not isinstance(entry, Mapping):
        fail(kind, f"field {key!r} has a malformed entry {entry!r}")
    coin = text(entry.get("feeCoin") or entry.get("feeCoinCode")).upper()
    amount = entry.get("totalFee", entry.get("fee"))
    if amount is None and not coin:
        return None
    return coin, dec(amount)


def fee_entries(value: Any, kind: str, key: str = "feeDetail") -> tuple[tuple[str, Decimal], ...]:
    """Bitget's ``feeDetail`` in its three shapes: a list of ``{feeCoin, totalFee|fee}`` (fills, WebSocket), one
    such object (spot REST fills), or a JSON *string* (spot REST orders) whose ``newFees.t`` is the total."""
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            fail(kind, f"field {key!r} is not valid JSON")
    if isinstance(value, list):
        found = (_fee_entry(e, key, kind) for e in value)
        return tuple(e for e in found if e is not None)
    if not isinstance(value, Mapping):
        fail(kind, f"field {key!r} has an unexpected shape")
    if "feeCoin" in value or "totalFee" in value:
        single = _fee_entry(value, key, kind)
        return (single,) if single else ()
    per_coin = [_fee_entry(v, key, kind) for k, v in value.items() if k != "newFees" and isinstance(v, Mapping)]
    entries = tuple(e for e in per_coin if e is not None)
    new_fees = value.get("newFees")
    if isinstance(new_fees, Mapping) and new_fees.get("t") is not None:
        coin = entries[0][0] if entries else ""
        return ((coin, dec(new_fees["t"])),)
    return entries


def _fee_total(entries: tuple[tuple[str, Decimal], ...]) -> tuple[Decimal, str | None]:
    if not entries:
        return _ZERO, None
    coin = entries[0][0]
    return sum((amount for c, amount in entries if c == coin), _ZERO), coin or None


# --- orders --------------------------------------------------------------------------------------------------------


def _prices(f: Fields) -> tuple[Decimal | None, Decimal | None]:
    """(order price, fill average). Spot ``unfilled-orders`` has no ``price``: there ``priceAvg`` is the order's
    limit price and ``basePrice`` the fill average (Bitget's page and sample; ccxt parseOrder reads it so); every
    other order answer has ``price`` and the fill average in ``priceAvg``."""
    if not f.has("price") and f.has("basePrice"):
        return f.opt_dec("priceAvg"), f.opt_dec("basePrice")
    return f.opt_dec("price"), f.opt_dec("priceAvg")


def order_from(entry: Any, product: Product, *, ws: bool = False) -> Order:
    """One order object from any source. In WebSocket pushes ``baseVolume`` is the *last fill's* size and
    ``accBaseVolume`` the cumulative one; in REST answers ``baseVolume`` is cumulative."""
    f = Fields(entry, "Order")
    futures = product.is_futures
    try:
        fees = fee_entries(f.any("feeDetail"), "Order")
    except (ArithmeticError, ValueError) as exc:
        fail("Order", f"field 'feeDetail' is malformed ({exc})")
    fee, fee_coin = _fee_total(fees)
    if not fees and f.has("fee"):
        fee = f.dec("fee")
    trade_id = f.opt_text("tradeId") if ws else None
    order_type = f.enum("orderType", ORDER_TYPE_FROM_WIRE)
    price, avg_price = _prices(f)
    if order_type is OrderType.MARKET and not price:
        price = None  # Bitget reports "0" as the price of market orders
    return Order(
        product=product,
        symbol=f.symbol(("symbol", "instId")),
        order_id=f.text("orderId"),
        client_oid=f.opt_text("clientOid"),
        side=f.enum("side", SIDE_FROM_WIRE),
        order_type=order_type,
        force=f.opt_enum("force", FORCE_FROM_WIRE),
        price=price,
        size=f.dec("size"),
        filled_size=f.dec(("accBaseVolume", "baseVolume") if ws else "baseVolume", "0"),
        avg_price=avg_price,
        quote_volume=f.opt_dec("quoteVolume"),
        status=f.enum(("status", "state"), ORDER_STATUS_FROM_WIRE),
        fee=fee,
        c_time=f.ms("cTime"),
        u_time=f.ms(("uTime", "cTime")),
        fee_coin=fee_coin,
        notional=f.opt_dec("notional"),
        trade_side=trade_side_from_wire(f.opt_word("tradeSide")) if futures else None,
        pos_side=f.opt_enum("posSide", POSITION_SIDE_FROM_WIRE) if futures else None,
        pos_mode=f.opt_enum("posMode", POSITION_MODE_FROM_WIRE) if futures else None,
        reduce_only=f.yes_no("reduceOnly") if futures else None,
        margin_mode=f.opt_enum("marginMode", MARGIN_MODE_FROM_WIRE) if futures else None,
        margin_coin=_coin(f, "marginCoin") if futures else None,
        leverage=f.opt_dec("leverage") if futures else None,
        # spot names the take-profit presetTakeProfitPrice (SG:spot/trade/Get-Unfilled-Orders), futures
        # presetStopSurplusPrice
        preset_tp=f.opt_dec(("presetStopSurplusPrice", "presetTakeProfitPrice")),
        preset_sl=f.opt_dec("presetStopLossPrice"),
        pnl=f.opt_dec(("pnl", "totalProfits")) if futures else None,
        source=f.opt_word("enterPointSource"),
        trade_id=trade_id,
        fill_price=f.opt_dec("fillPrice") if trade_id else None,
        fill_size=f.opt_dec("baseVolume") if trade_id else None,
        fill_fee=f.opt_dec("fillFee") if trade_id else None,
        fill_fee_coin=_coin(f, "fillFeeCoin") if trade_id else None,
        fill_time=f.opt_ms("fillTime") if trade_id else None,
        trade_scope=f.opt_enum("tradeScope", LIQUIDITY_FROM_WIRE) if trade_id else None,
    )


def parse_spot_orders(data: Any) -> list[Order]:
    """``GET /api/v2/spot/trade/orderInfo`` (a list of one), ``unfilled-orders``, ``history-orders``."""
    if isinstance(data, Mapping):
        data = [data]
    return parse_list(data, "Order", lambda e: order_from(e, Product.SPOT))


def parse_futures_orders(data: Any, product: Product = Product.USDT_FUTURES) -> list[Order]:
    """``GET /api/v2/mix/order/orders-pending``, ``orders-history``: ``{"entrustedList": [...] | null, "endId"}``."""
    return [order_from(e, product) for e in inner_list(data, "entrustedList", "Order")]


def parse_futures_order(data: Any, product: Product = Product.USDT_FUTURES) -> Order:
    """``GET /api/v2/mix/order/detail`` (its status field is called ``state``)."""
    return order_from(data, product)


# --- fills ---------------------------------------------------------------------------------------------------------


def fill_from(entry: Any, product: Product) -> Fill:
    """One own trade: spot REST/WS (``priceAvg``, ``size``, ``amount``) or futures (``price``, ``baseVolume``,
    ``quoteVolume``, ``profit``, ``tradeSide``)."""
    f = Fields(entry, "Fill")
    try:
        fees = fee_entries(f.any("feeDetail"), "Fill")
    except (ArithmeticError, ValueError) as exc:
        fail("Fill", f"field 'feeDetail' is malformed ({exc})")
    fee, fee_coin = _fee_total(fees)
    futures = product.is_futures
    return Fill(
        product=product,
        trade_id=f.text("tradeId"),
        order_id=f.text("orderId"),
        symbol=f.symbol(("symbol", "instId")),
        side=f.enum("side", SIDE_FROM_WIRE),
        price=f.dec(("price", "priceAvg")),
        size=f.dec(("baseVolume", "size")),
        quote_size=f.dec(("quoteVolume", "amount")),
        fee=fee,
        fee_coin=fee_coin,
        scope=f.opt_enum("tradeScope", LIQUIDITY_FROM_WIRE),
        trade_side=trade_side_from_wire(f.opt_word("tradeSide")) if futures else None,
        profit=f.opt_dec("profit") if futures else None,
        ts=f.ms(("cTime", "ts")),
        order_type=f.opt_enum("orderType", ORDER_TYPE_FROM_WIRE),
        pos_mode=f.opt_enum("posMode", POSITION_MODE_FROM_WIRE) if futures else None,
        exchange_close=exchange_close_from_wire(f.opt_word("tradeSide")) if futures else None,
        fees=fees,
    )


def parse_spot_fills(data: Any) -> list[Fill]:
    """``GET /api/v2/spot/trade/fills``."""
    return parse_list(data, "Fill", lambda e: fill_from(e, Product.SPOT))


def parse_futures_fills(data: Any, product: Product = Product.USDT_FUTURES) -> list[Fill]:
    """``GET /api/v2/mix/order/fills``, ``fill-history``: ``{"fillList": [...] | null, "endId"}``."""
    return [fill_from(e, product) for e in inner_list(data, "fillList", "Fill")]


# --- trigger orders ------------------------------------------------------------------------------------------------


def algo_order_from(entry: Any, product: Product) -> AlgoOrder:
    """One plan / TP-SL order from REST lists or the ``orders-algo`` channel."""
    f = Fields(entry, "AlgoOrder")
    futures = product.is_futures
    return AlgoOrder(
        product=product,
        symbol=f.symbol(("symbol", "instId")),
        order_id=f.text("orderId"),
        client_oid=f.opt_text("clientOid"),
        plan_type=normalise_plan_type(f.word("planType", "")),
        trigger_price=f.opt_dec("triggerPrice"),
        trigger_type=f.opt_word("triggerType"),
        price=f.opt_dec("price"),
        execute_price=f.opt_dec("executePrice"),
        size=f.dec("size"),
        side=f.word("side"),
        order_type=f.opt_word("orderType"),
        status=normalise_status(f.text(("planStatus", "status"))),
        c_time=f.ms("cTime"),
        u_time=f.opt_ms("uTime") or f.ms("cTime"),
        trade_side=f.opt_word("tradeSide") if futures else None,
        pos_side=f.opt_word("posSide") if futures else None,
        pos_mode=f.opt_word("posMode") if futures else None,
        margin_coin=_coin(f, "marginCoin") if futures else None,
        margin_mode=f.opt_enum("marginMode", MARGIN_MODE_FROM_WIRE) if futures else None,
        actual_size=f.opt_dec("actualSize"),
        trigger_time=f.opt_ms("triggerTime"),
        callback_ratio=f.opt_dec("callbackRatio"),
        preset_tp=f.opt_dec("presetStopSurplusPrice"),
        preset_sl=f.opt_dec("presetStopLossPrice"),
        tp_trigger_price=f.opt_dec("stopSurplusTriggerPrice"),
        tp_trigger_type=f.opt_word("stopSurplusTriggerType"),
        sl_trigger_price=f.opt_dec("stopLossTriggerPrice"),
        sl_trigger_type=f.opt_word("stopLossTriggerType"),
        execute_order_id=f.opt_text("executeOrderId"),
    )


def parse_spot_plan_orders(data: Any) -> list[AlgoOrder]:
    """``GET /api/v2/spot/trade/current-plan-order``, ``history-plan-order``: ``{"orderList": [...], …}``."""
    return [algo_order_from(e, Product.SPOT) for e in inner_list(data, "orderList", "AlgoOrder")]


def parse_futures_plan_orders(data: Any, product: Product = Product.USDT_FUTURES) -> list[AlgoOrder]:
    """``GET /api/v2/mix/order/orders-plan-pending``, ``orders-plan-history``: ``{"entrustedList": [...]}``."""
    return [algo_order_from(e, product) for e in inner_list(data, "entrustedList", "AlgoOrder")]


__all__ = [
    "AlgoOrder",
    "BatchFailure",
    "BatchResult",
    "CancelReplaceResult",
    "CancelSymbolResult",
    "CloseResult",
    "PlanOrderAck",
    "algo_order_from",
    "fee_entries",
    "fill_from",
    "normalise_plan_type",
    "normalise_status",
    "order_from",
    "parse_batch_cancel_replace",
    "parse_batch_result",
    "parse_cancel_plan_result",
    "parse_cancel_replace",
    "parse_cancel_symbol",
    "parse_close_result",
    "parse_futures_fills",
    "parse_futures_order",
    "parse_futures_orders",
    "parse_futures_plan_orders",
    "parse_order_ack",
    "parse_plan_order_ack",
    "parse_pos_tpsl_acks",
    "parse_spot_fills",
    "parse_spot_orders",
    "parse_spot_plan_orders",
]
