"""V3 trading and account parsers: order acks and bulk answers, orders, fills, positions, the unified account's
assets and settings, strategy (TP/SL, trigger) orders → the terminal's domain types. REST parsers take the
envelope's ``data``; WebSocket pushes have their own field names (``holdSide``, ``size``, ``liqPrice``,
``totalEquity``…, bitget-v3-uta.md §6.3), read here by the same functions through alternative keys.

Fees: V3 reports the fee paid as a positive amount; the domain keeps the exchange-neutral sign (negative = paid).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from terminal_app.bitget.models.fields import Fields, as_list, as_mapping, parse_list
from terminal_app.bitget.v3.mapping import (
    HOLD_MODE_FROM_WIRE,
    LIQUIDITY_FROM_WIRE,
    MARGIN_MODE_FROM_WIRE,
    ORDER_TYPE_FROM_WIRE,
    POS_SIDE_FROM_WIRE,
    SIDE_FROM_WIRE,
    STATUS_FROM_WIRE,
    TIF_FROM_WIRE,
    domain_symbol,
    product_of,
    reduce_only_from_wire,
    ticket_side,
    trade_side_from_wire,
)
from terminal_app.core.accounts import ClosedPosition, Position, SpotAsset, UnifiedAccount, UnifiedAsset
from terminal_app.core.enums import MarginMode, OrderType, PositionMode, PositionSide, Side, TradeSide
from terminal_app.core.instruments import Product
from terminal_app.core.orders import Fill, Order, OrderAck
from terminal_app.core.venue import BulkResult, ItemFailure

_ZERO = Decimal(0)


def wrapped_list(data: Any, kind: str) -> list[Any]:
    """``{list: [...] | null, cursor}`` (or a bare list): ``null`` is an empty page, as Bitget sends it live."""
    if data is None or isinstance(data, list):
        return as_list(data, kind)
    return as_list(as_mapping(data, kind).get("list"), kind)


def cursor_of(data: Any) -> str | None:
    """The next page's ``cursor``; ``None`` (or ``""``) on the last page."""
    if isinstance(data, dict):
        value = data.get("cursor")
        return str(value) if value not in (None, "") else None
    return None


# --- acks and bulk answers ---------------------------------------------------------------------------------------


def parse_ack(data: Any) -> OrderAck:
    """``place-order``, ``modify-order``, ``cancel-order``, strategy place/modify: ``{orderId, clientOid}``; the
    orderId may be null (a one-way reduce-only order that displaced older ones)."""
    f = Fields(data, "OrderAck")
    return OrderAck(f.opt_text("orderId"), f.opt_text("clientOid"))


def _bulk(entries: list[Any], kind: str) -> BulkResult:
    ok: list[OrderAck] = []
    failed: list[ItemFailure] = []
    for entry in entries:
        f = Fields(entry, kind)
        code = f.text("code", "")
        order_id, client_oid = f.opt_text("orderId"), f.opt_text("clientOid")
        if code in ("", "0", "00000"):
            ok.append(OrderAck(order_id, client_oid))
        else:
            failed.append(ItemFailure(order_id, client_oid, code, f.text("msg", "").strip()))
    return BulkResult(tuple(ok), tuple(failed))


def parse_bulk(data: Any) -> BulkResult:
    """``place-batch``/``cancel-batch``/``batch-modify-order`` (a bare list) and ``cancel-symbol-order``/
    ``close-positions`` (``{list: [...]}``): per-item ``code``/``msg``, success when absent or ``0``."""
    return _bulk(wrapped_list(data, "BulkItem"), "BulkItem")


# --- orders and fills ----------------------------------------------------------------------------------------------


def _fees(f: Fields, kind: str) -> tuple[tuple[tuple[str, Decimal], ...], Decimal, str | None]:
    entries: list[tuple[str, Decimal]] = []
    for raw in f.seq("feeDetail"):
        fee = Fields(raw, kind)
        amount = fee.opt_dec("fee")
        if amount is None:
            continue  # an open order's feeDetail is [{"feeCoin": null, "fee": null}]
        entries.append(((fee.opt_text("feeCoin") or "").upper(), -abs(amount)))
    total = sum((amount for _, amount in entries), _ZERO)
    return tuple(entries), total, entries[0][0] if entries else None


def _hedge_trade_side(side: Side, pos_side: PositionSide | None) -> TradeSide | None:
    """A hedge-mode order opens its ``posSide`` when it trades that way (buy long, sell short), else closes it."""
    if pos_side is None:
        return None
    opens = (side == Side.BUY) == (pos_side == PositionSide.LONG)
    return TradeSide.OPEN if opens else TradeSide.CLOSE


def _order_size(f: Fields, product: Product, order_type: OrderType, side: Side) -> Decimal:
    """``qty`` as placed; a spot market buy is sized in the quote coin, which V3 reports as ``amount``."""
    qty = f.dec("qty", "0")
    if not qty and product is Product.SPOT and order_type is OrderType.MARKET and side is Side.BUY:
        return f.dec("amount", "0")
    return qty


def order_from(entry: Any) -> Order:
    """An order of ``order-info``/``unfilled-orders``/``history-orders`` or an ``order`` push (lower-case
    ``category``, ``holdSide`` instead of ``posSide``). Hedge-mode orders are reported in the terminal's
    convention: ``side`` names the position, ``trade_side`` says open or close."""
    f = Fields(entry, "Order")
    product = product_of(f.text("category"))
    futures = product.is_futures
    _, fee, fee_coin = _fees(f, "Order")
    order_type = f.enum("orderType", ORDER_TYPE_FROM_WIRE)
    price = f.opt_dec("price")
    if order_type is OrderType.MARKET and not price:
        price = None
    wire_side = f.enum("side", SIDE_FROM_WIRE)
    mode = f.opt_enum("holdMode", HOLD_MODE_FROM_WIRE) if futures else None
    pos_side = f.opt_enum(("posSide", "holdSide"), POS_SIDE_FROM_WIRE) if futures else None
    trade_side = None
    if mode == PositionMode.HEDGE:
        trade_side = trade_side_from_wire(f.opt_word("tradeSide")) or _hedge_trade_side(wire_side, pos_side)
    avg = f.opt_dec("avgPrice")
    leverage = f.opt_dec("leverage")
    return Order(
        product=product,
        symbol=domain_symbol(f.symbol()),
        order_id=f.text("orderId"),
        client_oid=f.opt_text("clientOid"),
        side=ticket_side(wire_side, pos_side, trade_side, mode),
        order_type=order_type,
        force=f.opt_enum("timeInForce", TIF_FROM_WIRE),
        price=price,
        size=_order_size(f, product, order_type, wire_side),
        filled_size=f.dec("cumExecQty", "0"),
        avg_price=avg or None,
        quote_volume=f.opt_dec("cumExecValue"),
        status=f.enum("orderStatus", STATUS_FROM_WIRE),
        fee=fee,
        c_time=f.ms("createdTime"),
        u_time=f.ms(("updatedTime", "createdTime")),
        fee_coin=fee_coin,
        trade_side=trade_side,
        pos_side=pos_side,
        pos_mode=mode,
        reduce_only=reduce_only_from_wire(f.opt_text("reduceOnly")) if futures else None,
        margin_mode=f.opt_enum("marginMode", MARGIN_MODE_FROM_WIRE) if futures else None,
        margin_coin=(f.opt_text("marginCoin") or None) if futures else None,
        leverage=leverage or None,
        preset_tp=f.opt_dec(("takeProfit", "takeprofit")) or None,
        preset_sl=f.opt_dec(("stopLoss", "stoploss")) or None,
        pnl=f.opt_dec("totalProfit") if futures else None,
    )


def parse_orders(data: Any) -> list[Order]:
    """``unfilled-orders``/``history-orders`` (``{list, cursor}``) or an ``order`` push's ``data``."""
    return [order_from(e) for e in wrapped_list(data, "Order")]


def fill_from(entry: Any, mode: PositionMode | None = None) -> Fill:
    """A ``trade/fills`` row or a ``fill`` push (``holdSide``, ``execTime``). ``mode``: the account's hold mode,
    which fills do not repeat; in hedge mode a fill is reported in the terminal's convention like its order."""
    f = Fields(entry, "Fill")
    product = product_of(f.text("category"))
    fees, fee, fee_coin = _fees(f, "Fill")
    wire_side = f.enum("side", SIDE_FROM_WIRE)
    futures = product.is_futures
    trade_side = trade_side_from_wire(f.opt_word("tradeSide")) if futures else None
    hold = f.opt_enum(("holdSide", "posSide"), POS_SIDE_FROM_WIRE) if futures else None  # push / REST
    hedge = futures and mode == PositionMode.HEDGE
    return Fill(
        product=product,
        trade_id=f.text("execId"),
        order_id=f.text("orderId"),
        symbol=domain_symbol(f.symbol()),
        side=ticket_side(wire_side, hold, trade_side, mode) if hedge else wire_side,
        price=f.dec("execPrice"),
        size=f.dec("execQty"),
        quote_size=f.dec("execValue", "0"),
        fee=fee,
        fee_coin=fee_coin,
        scope=f.opt_enum("tradeScope", LIQUIDITY_FROM_WIRE),
        trade_side=trade_side if hedge else None,
        profit=f.opt_dec("execPnl") if futures else None,
        ts=f.ms(("createdTime", "execTime", "updatedTime")),
        order_type=f.opt_enum("orderType", ORDER_TYPE_FROM_WIRE),
        pos_mode=mode if futures else None,
        fees=fees,
    )


def parse_fills(data: Any, mode: PositionMode | None = None) -> list[Fill]:
    """``GET /api/v3/trade/fills`` (``{list, cursor}``) or a ``fill`` push's ``data``."""
    return [fill_from(e, mode) for e in wrapped_list(data, "Fill")]


# --- positions -------------------------------------------------------------------------------------------------------


def position_from(entry: Any, product: Product | None = None) -> Position:
    """A ``current-position`` row or a ``position`` push (``size``, ``liqPrice``, ``marginSize``, no category:
    the push names none, so the caller's ``product`` or the margin coin decides)."""
    f = Fields(entry, "Position")
    if f.has("category"):
        product = product_of(f.text("category"))
    elif product is None:
        coin = f.text("marginCoin", "USDT").upper()
        product = {"USDT": Product.USDT_FUTURES, "USDC": Product.USDC_FUTURES}.get(coin, Product.COIN_FUTURES)
    liq = f.opt_dec(("liquidationPrice", "liqPrice"))
    return Position(
        product=product,
        symbol=domain_symbol(f.symbol()),
        margin_coin=f.text("marginCoin", "USDT").upper(),
        hold_side=f.enum("posSide", POS_SIDE_FROM_WIRE),
        pos_mode=f.enum("holdMode", HOLD_MODE_FROM_WIRE),
        margin_mode=f.opt_enum("marginMode", MARGIN_MODE_FROM_WIRE),
        total=f.dec(("total", "size")),
        available=f.dec("available", "0"),
        locked=f.dec("frozen", "0"),
        leverage=f.dec("leverage", "0"),
        open_price_avg=f.dec("avgPrice", "0"),
        mark_price=f.opt_dec("markPrice"),
        liquidation_price=liq if liq is not None and liq > 0 else None,
        unrealized_pl=f.dec("unrealisedPnl", "0"),
        achieved_profits=f.dec("curRealisedPnl", "0"),
        margin_size=f.dec(("positionBalance", "marginSize"), "0"),
        margin_ratio=f.opt_dec("marginRate"),
        break_even_price=f.opt_dec("breakEvenPrice"),
        fees=f.dec("openFeeTotal", "0") + f.dec("closeFeeTotal", "0"),
        c_time=f.ms("createdTime"),
        u_time=f.ms(("updatedTime", "createdTime")),
        keep_margin_rate=f.opt_dec("mmr"),
        unrealized_plr=f.opt_dec("profitRate"),
    )


def parse_positions(data: Any, product: Product | None = None) -> list[Position]:
    """``current-position`` (``{list}``; null when flat) or a ``position`` push. Closed rows (size 0, status
    ``ended``) are left out: the terminal lists open positions."""
    return [p for p in (position_from(e, product) for e in wrapped_list(data, "Position")) if p.total > 0]


def closed_position_from(entry: Any) -> ClosedPosition:
    f = Fields(entry, "ClosedPosition")
    return ClosedPosition(
        product=product_of(f.text("category")), symbol=domain_symbol(f.symbol()),
        margin_coin=f.text("marginCoin", "USDT").upper(),
        hold_side=f.enum("posSide", POS_SIDE_FROM_WIRE),
        margin_mode=f.opt_enum("marginMode", MARGIN_MODE_FROM_WIRE), open_price_avg=f.dec("openPriceAvg"),
        close_price_avg=f.dec("closePriceAvg"), open_size=f.dec("openTotalPos"), close_size=f.dec("closeTotalPos"),
        pnl=f.dec("cumRealisedPnl"), open_fee=f.dec("openFeeTotal", "0"), close_fee=f.dec("closeFeeTotal", "0"),
        c_time=f.ms("createdTime"), u_time=f.ms("updatedTime"), net_profit=f.opt_dec("netProfit"),
        total_funding=f.opt_dec("totalFunding"), pos_mode=f.opt_enum("holdMode", HOLD_MODE_FROM_WIRE),
        pos_id=f.opt_text("positionId"))


def parse_history_positions(data: Any) -> list[ClosedPosition]:
    """``GET /api/v3/position/history-position``."""
    return [closed_position_from(e) for e in wrapped_list(data, "ClosedPosition")]


def parse_funding_assets(data: Any) -> list[SpotAsset]:
    """``GET /api/v3/account/funding-assets``: the funding wallet beside the unified pool."""
    out = []
    for entry in wrapped_list(data, "FundingAsset"):
        f = Fields(entry, "FundingAsset")
        out.append(SpotAsset(coin=f.text("coin").upper(), available=f.dec("available", "0"),
                             frozen=f.dec("frozen", "0"), locked=_ZERO, u_time=None))
    return out


# --- the unified account ---------------------------------------------------------------------------------------------


def _asset(entry: Any) -> UnifiedAsset:
    f = Fields(entry, "UnifiedAsset")
    return UnifiedAsset(coin=f.text("coin").upper(), equity=f.dec("equity", "0"), balance=f.dec("balance", "0"),
                        available=f.dec("available", "0"), locked=f.dec("locked", "0"),
                        debt=f.dec(("debt", "debts"), "0"), usd_value=f.opt_dec("usdValue"))


def unified_account_from(data: Any, ts: int | None = None) -> UnifiedAccount:
    """``GET /api/v3/account/assets`` or one ``account`` push (``totalEquity``, ``unrealisedPnL``, ``coin``)."""
    f = Fields(data, "UnifiedAccount")
    return UnifiedAccount(
        equity=f.dec(("accountEquity", "totalEquity")),
        effective_equity=f.opt_dec("effEquity"),
        unrealized_pl=f.opt_dec(("unrealisedPnl", "unrealisedPnL")),
        maintenance_margin=f.opt_dec("mmr"),
        initial_margin=f.opt_dec("imr"),
        margin_ratio=f.opt_dec("mgnRatio"),
        assets=tuple(_asset(e) for e in f.seq("assets") or f.seq("coin")),
        u_time=ts,
    )


def parse_account_push(msg: dict[str, Any]) -> list[UnifiedAccount]:
    ts = msg.get("ts")
    return [unified_account_from(e, int(ts) if ts is not None else None) for e in as_list(msg.get("data"), "Push")]


@dataclass(frozen=True, slots=True)
class SymbolConfig:
    product: Product
    symbol: str
    margin_mode: MarginMode | None
    leverage: Decimal


@dataclass(frozen=True, slots=True)
class AccountSettings:
    """``GET /api/v3/account/settings``: ``mode`` is Bitget's ``accountMode`` (``unified``/``hybrid``/
    ``upgrading``/``switching``), ``level`` the ``accountLevel`` (basic/advanced/isolated/delta); the hold mode is
    account-wide."""

    uid: str | None
    mode: str
    level: str | None
    hold_mode: PositionMode | None
    symbols: tuple[SymbolConfig, ...]

    def leverage(self, product: Product, symbol: str) -> SymbolConfig | None:
        return next((c for c in self.symbols if c.product == product and c.symbol == symbol), None)


def parse_settings(data: Any) -> AccountSettings:
    f = Fields(data, "AccountSettings")
    symbols = []
    for entry in f.seq("symbolConfigList"):
        c = Fields(entry, "SymbolConfig")
        symbols.append(SymbolConfig(product_of(c.text("category")), domain_symbol(c.symbol()),
                                    c.opt_enum("marginMode", MARGIN_MODE_FROM_WIRE), c.dec("leverage", "0")))
    return AccountSettings(uid=f.opt_text("uid"), mode=f.word("accountMode", "unified"),
                           level=f.opt_word("accountLevel"), hold_mode=f.opt_enum("holdMode", HOLD_MODE_FROM_WIRE),
                           symbols=tuple(symbols))


@dataclass(frozen=True, slots=True)
class FeeRates:
    maker: Decimal
    taker: Decimal


def parse_fee_rate(data: Any) -> FeeRates:
    f = Fields(data, "FeeRate")
    return FeeRates(f.dec("makerFeeRate"), f.dec("takerFeeRate"))


@dataclass(frozen=True, slots=True)
class Bill:
    """One ``financial-records`` row: ``kind`` is Bitget's ``type`` word (e.g. ``TRANSFER_IN``), shown as is."""

    bill_id: str
    product: Product | None
    symbol: str | None
    coin: str
    kind: str
    amount: Decimal
    fee: Decimal
    balance: Decimal
    ts: int


def parse_bills(data: Any) -> list[Bill]:
    out = []
    for entry in wrapped_list(data, "Bill"):
        f = Fields(entry, "Bill")
        cat = f.text("category", "").upper()
        out.append(Bill(f.text("id"), product_of(cat) if cat and cat != "OTHER" else None,
                        f.opt_text("symbol") or None, f.text("coin").upper(), f.text("type"), f.dec("amount"),
                        f.dec("fee", "0"), f.dec("balance", "0"), f.ms("ts")))
    return out


# --- strategy orders (TP/SL and trigger) ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StrategyOrder:
    """A V3 strategy order: ``kind`` ``tpsl`` or ``trigger``; ``status`` Bitget's word (pending, success, failed,
    cancelled, submitting)."""

    order_id: str
    client_oid: str | None
    product: Product
    symbol: str
    kind: str
    status: str
    size: Decimal | None
    pos_side: PositionSide | None
    take_profit: Decimal | None
    stop_loss: Decimal | None
    trigger_price: Decimal | None
    trigger_order_price: Decimal | None
    c_time: int
    u_time: int


def strategy_order_from(entry: Any) -> StrategyOrder:
    f = Fields(entry, "StrategyOrder")
    kind = f.opt_word("type") or ("trigger" if f.has("triggerPrice") and not (f.has("takeProfit")
                                                                             or f.has("stopLoss")) else "tpsl")
    return StrategyOrder(
        order_id=f.text("orderId"), client_oid=f.opt_text("clientOid"), product=product_of(f.text("category")),
        symbol=domain_symbol(f.symbol()), kind=kind, status=f.word("status"), size=f.opt_dec("qty"),
        pos_side=f.opt_enum("posSide", POS_SIDE_FROM_WIRE), take_profit=f.opt_dec("takeProfit"),
        stop_loss=f.opt_dec("stopLoss"), trigger_price=f.opt_dec("triggerPrice"),
        trigger_order_price=f.opt_dec("triggerOrderPrice"), c_time=f.ms("createdTime"),
        u_time=f.ms(("updatedTime", "createdTime")))


def parse_strategy_orders(data: Any) -> list[StrategyOrder]:
    """``unfilled-strategy-orders`` (a bare list), ``history-strategy-orders`` (``{list, cursor}``) or a
    ``strategy-order`` push."""
    return parse_list(wrapped_list(data, "StrategyOrder"), "StrategyOrder", strategy_order_from)

