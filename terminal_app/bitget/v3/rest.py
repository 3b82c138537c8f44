"""The Bitget V3 (unified trading account) REST client: typed async endpoints over the same signed
:class:`~terminal_app.bitget.http.BitgetHttp` as V2 (same signing, envelope, demo header, rate limits).

One endpoint per action for every product line, named by ``category``. Requests take domain values and
:class:`V3OrderRequest` (already in V3's words: trade-direction ``side`` and ``posSide``; the venue's adapters build
it from a ticket with :func:`terminal_app.bitget.v3.mapping.order_fields`). Orders always carry a clientOid and are
never placed twice (``RestCore``'s look-up-before-resend rule).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from types import TracebackType
from typing import Any

from terminal_app.bitget.errors import OrderNotFound
from terminal_app.bitget.http import BitgetHttp
from terminal_app.bitget.models.market import Depth, FundingRate, OpenInterest
from terminal_app.bitget.rest_core import RestCore, checked_client_oid, compact, num, opt_num
from terminal_app.bitget.v3 import market as m
from terminal_app.bitget.v3 import trade as t
from terminal_app.bitget.v3.mapping import (
    HOLD_MODE_TO_WIRE,
    MARGIN_MODE_TO_WIRE,
    ORDER_TYPE_TO_WIRE,
    POS_SIDE_TO_WIRE,
    SIDE_TO_WIRE,
    TIF_TO_WIRE,
    category,
    wire_symbol,
)
from terminal_app.bitget.v3.paths import V3
from terminal_app.core.accounts import ClosedPosition, Position, SpotAsset, UnifiedAccount
from terminal_app.core.enums import MarginMode, OrderType, PositionMode, PositionSide, Side, TimeInForce
from terminal_app.core.instruments import MarketInfo, Product, SymbolRef
from terminal_app.core.market_data import Candle, PublicTrade, Ticker
from terminal_app.core.orders import Fill, Order, OrderAck
from terminal_app.core.venue import BulkResult

Amount = Decimal | int | str


@dataclass(frozen=True, slots=True)
class V3OrderRequest:
    """One order in V3's terms. ``qty``: base coin, except a spot market buy (quote) and coin-M (USD)."""

    ref: SymbolRef
    side: Side
    order_type: OrderType
    qty: Amount
    price: Amount | None = None
    force: TimeInForce = TimeInForce.GTC
    client_oid: str | None = None
    pos_side: PositionSide | None = None
    reduce_only: bool = False
    margin_mode: MarginMode | None = None
    take_profit: Amount | None = None
    stop_loss: Amount | None = None

    def wire(self) -> dict[str, Any]:
        futures = self.ref.product.is_futures
        limit = self.order_type == OrderType.LIMIT
        return compact(
            category=category(self.ref.product), symbol=wire_symbol(self.ref), qty=num(self.qty),
            side=SIDE_TO_WIRE[self.side], orderType=ORDER_TYPE_TO_WIRE[self.order_type],
            price=opt_num(self.price) if limit else None, timeInForce=TIF_TO_WIRE[self.force] if limit else None,
            posSide=POS_SIDE_TO_WIRE[self.pos_side] if futures and self.pos_side else None,
            clientOid=checked_client_oid(self.client_oid),
            reduceOnly="yes" if futures and self.reduce_only else None,
            marginMode=MARGIN_MODE_TO_WIRE[self.margin_mode] if futures and self.margin_mode else None,
            takeProfit=opt_num(self.take_profit), stopLoss=opt_num(self.stop_loss),
        )


def _cat(params: dict[str, Any], target: Product | SymbolRef | None) -> dict[str, Any]:
    if isinstance(target, SymbolRef):
        params.update(category=category(target.product), symbol=wire_symbol(target))
    elif target is not None:
        params["category"] = category(target)
    return params


def _name(symbol: str | None, product: Product) -> str | None:
    return wire_symbol(SymbolRef(symbol, product)) if symbol else None


class V3RestClient(RestCore):
    """Typed V3 endpoints over one :class:`BitgetHttp` (which it owns and closes)."""

    def __init__(self, http: BitgetHttp, *, lookup_delay_s: float = 0.3) -> None:
        self.http = http
        self.lookup_delay_s = lookup_delay_s

    async def __aenter__(self) -> V3RestClient:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.aclose()

    async def connect(self) -> None:
        await self.http.connect()

    async def aclose(self) -> None:
        await self.http.aclose()

    # --- market data (public) ---------------------------------------------------------------------------------

    async def instruments(self, product: Product, symbol: str | None = None) -> list[MarketInfo]:
        data = await self.http.get(V3.INSTRUMENTS, compact(category=category(product), symbol=_name(symbol, product)))
        return m.parse_instruments(data, product)

    async def tickers(self, product: Product, symbol: str | None = None) -> list[Ticker]:
        return m.parse_tickers(await self.http.get(V3.TICKERS, compact(category=category(product),
                                                                    symbol=_name(symbol, product))))

    async def orderbook(self, ref: SymbolRef, limit: int | None = None) -> Depth:
        return m.parse_orderbook(await self.http.get(V3.ORDERBOOK, _cat(compact(limit=limit), ref)))

    async def candles(self, ref: SymbolRef, interval: str, *, start_time: int | None = None,
                      end_time: int | None = None, limit: int | None = None, history: bool = False) -> list[Candle]:
        """``interval`` in V3's spelling (``1m``…``1D``); ``history`` reads ``history-candles`` (older bars)."""
        params = _cat(compact(interval=interval, startTime=start_time, endTime=end_time, limit=limit), ref)
        return m.parse_candles(await self.http.get(V3.HISTORY_CANDLES if history else V3.CANDLES, params))

    async def market_fills(self, ref: SymbolRef, limit: int | None = None) -> list[PublicTrade]:
        data = await self.http.get(V3.MARKET_FILLS, _cat(compact(limit=limit), ref))
        return m.parse_public_trades(data, ref.symbol)

    async def current_funding(self, ref: SymbolRef) -> list[FundingRate]:
        return m.parse_current_funding(await self.http.get(V3.CURRENT_FUND_RATE, {"symbol": wire_symbol(ref)}))

    async def funding_history(self, ref: SymbolRef, limit: int | None = None) -> list[FundingRate]:
        return m.parse_history_funding(await self.http.get(V3.HISTORY_FUND_RATE, _cat(compact(limit=limit), ref)))

    async def open_interest(self, ref: SymbolRef) -> list[OpenInterest]:
        return m.parse_open_interest(await self.http.get(V3.OPEN_INTEREST, _cat({}, ref)))

    # --- account ------------------------------------------------------------------------------------------------

    async def settings(self) -> t.AccountSettings:
        """Raises ``AccountModeMismatch`` (40084) for a classic account's key: the mode probe."""
        return t.parse_settings(await self.http.get(V3.SETTINGS, signed=True))

    async def assets(self) -> UnifiedAccount:
        return t.unified_account_from(await self.http.get(V3.ASSETS, signed=True))

    async def funding_assets(self, coin: str | None = None) -> list[SpotAsset]:
        return t.parse_funding_assets(await self.http.get(V3.FUNDING_ASSETS, compact(coin=coin), signed=True))

    async def fee_rate(self, ref: SymbolRef) -> t.FeeRates:
        return t.parse_fee_rate(await self.http.get(V3.FEE_RATE, _cat({}, ref), signed=True))

    async def set_leverage(self, ref: SymbolRef, leverage: int, *, margin_mode: MarginMode | None = None,
                           pos_side: PositionSide | None = None) -> None:
        body = _cat(compact(leverage=str(leverage),
                            marginMode=MARGIN_MODE_TO_WIRE[margin_mode] if margin_mode else None,
                            posSide=POS_SIDE_TO_WIRE[pos_side] if pos_side else None), ref)
        await self.http.post(V3.SET_LEVERAGE, body)

    async def set_hold_mode(self, mode: PositionMode) -> None:
        """Account-wide: every futures line changes together."""
        await self.http.post(V3.SET_HOLD_MODE, {"holdMode": HOLD_MODE_TO_WIRE[mode]})

    async def bills(self, product: Product | None = None, *, coin: str | None = None, limit: int | None = None
                    ) -> list[t.Bill]:
        params = compact(category=category(product) if product else "OTHER", coin=coin, limit=limit)
        return t.parse_bills(await self.http.get(V3.FINANCIAL_RECORDS, params, signed=True))

    # --- orders -------------------------------------------------------------------------------------------------

    async def place_order(self, request: V3OrderRequest) -> OrderAck:
        body = request.wire()
        client_oid = body["clientOid"]
        return await self._place_safely(V3.PLACE_ORDER, body, lambda: self.order_info(client_oid=client_oid))

    async def place_batch(self, requests: Sequence[V3OrderRequest]) -> BulkResult:
        """≤ 20 orders of one category; a bare JSON array; per-item success or failure."""
        return t.parse_bulk(await self.http.post(V3.PLACE_BATCH, [r.wire() for r in requests]))

    async def modify_order(self, ref: SymbolRef, *, order_id: str | None = None, client_oid: str | None = None,
                           qty: Amount | None = None, price: Amount | None = None) -> OrderAck:
        """The order keeps its ids (V3 takes no new clientOid); ``autoCancel=no`` leaves it as it was on failure."""
        body = _cat(compact(orderId=order_id, clientOid=None if order_id else client_oid, qty=opt_num(qty),
                            price=opt_num(price), autoCancel="no"), ref)
        return t.parse_ack(await self.http.post(V3.MODIFY_ORDER, body))

    async def cancel_order(self, ref: SymbolRef, *, order_id: str | None = None, client_oid: str | None = None
                           ) -> OrderAck:
        body = _cat(compact(orderId=order_id, clientOid=None if order_id else client_oid), ref)
        return await self._cancel_safely(V3.CANCEL_ORDER, body,
                                         lambda: self.order_info(order_id=order_id, client_oid=client_oid))

    async def cancel_batch(self, items: Sequence[tuple[SymbolRef, str | None, str | None]]) -> BulkResult:
        """``(ref, order_id, client_oid)`` per order; the order id wins when both are given."""
        body = [_cat(compact(orderId=oid, clientOid=None if oid else coid), ref) for ref, oid, coid in items]
        return t.parse_bulk(await self.http.post(V3.CANCEL_BATCH, body))

    async def cancel_all(self, target: Product | SymbolRef) -> BulkResult:
        """Every open order of a category, or of one symbol."""
        return t.parse_bulk(await self.http.post(V3.CANCEL_SYMBOL_ORDER, _cat({}, target)))

    async def close_positions(self, target: Product | SymbolRef, pos_side: PositionSide | None = None
                              ) -> BulkResult:
        """Market-close every position of a futures category, one symbol, or one side of it."""
        body = _cat(compact(posSide=POS_SIDE_TO_WIRE[pos_side] if pos_side else None), target)
        return t.parse_bulk(await self.http.post(V3.CLOSE_POSITIONS, body))

    async def countdown_cancel_all(self, seconds: int) -> None:
        """Cancel everything unless called again within ``seconds`` (5–60; 0 turns it off)."""
        await self.http.post(V3.COUNTDOWN_CANCEL_ALL, {"countdown": str(seconds)})

    # --- queries ------------------------------------------------------------------------------------------------

    async def order_info(self, *, order_id: str | None = None, client_oid: str | None = None) -> Order:
        if not order_id and not client_oid:
            raise OrderNotFound("An order is looked up by its id or its clientOid.")
        params = compact(orderId=order_id, clientOid=None if order_id else client_oid)
        return t.order_from(await self.http.get(V3.ORDER_INFO, params, signed=True))

    async def open_orders(self, target: Product | SymbolRef | None = None, *, limit: int | None = None
                          ) -> list[Order]:
        data = await self.http.get(V3.UNFILLED_ORDERS, _cat(compact(limit=limit), target), signed=True)
        return t.parse_orders(data)

    async def order_history(self, target: Product | SymbolRef, *, limit: int | None = None) -> list[Order]:
        data = await self.http.get(V3.HISTORY_ORDERS, _cat(compact(limit=limit), target), signed=True)
        return t.parse_orders(data)

    async def fills(self, target: Product | SymbolRef | None = None, *, order_id: str | None = None,
                    limit: int | None = None, hold_mode: PositionMode | None = None) -> list[Fill]:
        data = await self.http.get(V3.FILLS, _cat(compact(orderId=order_id, limit=limit), target), signed=True)
        return t.parse_fills(data, hold_mode)

    async def positions(self, target: Product | SymbolRef) -> list[Position]:
        """Open positions of one futures category (or symbol); Bitget answers ``list: null`` when flat."""
        data = await self.http.get(V3.CURRENT_POSITION, _cat({}, target), signed=True)
        return t.parse_positions(data)

    async def position_history(self, product: Product, *, limit: int | None = None) -> list[ClosedPosition]:
        data = await self.http.get(V3.HISTORY_POSITION, compact(category=category(product), limit=limit),
                                   signed=True)
        return t.parse_history_positions(data)

    # --- strategy orders (TP/SL and trigger) ----------------------------------------------------------------

    async def place_tpsl(self, ref: SymbolRef, pos_side: PositionSide | None, *, take_profit: Amount | None = None,
                         stop_loss: Amount | None = None, qty: Amount | None = None,
                         client_oid: str | None = None) -> OrderAck:
        """A TP/SL on a position: the whole position (``qty`` None, ``tpslMode`` full) or part of it."""
        body = _cat(compact(type="tpsl", tpslMode="partial" if qty is not None else "full", qty=opt_num(qty),
                            posSide=POS_SIDE_TO_WIRE[pos_side] if pos_side else None,
                            takeProfit=opt_num(take_profit), stopLoss=opt_num(stop_loss),
                            tpTriggerBy="market" if take_profit is not None else None,
                            slTriggerBy="market" if stop_loss is not None else None,
                            tpOrderType="market" if take_profit is not None else None,
                            slOrderType="market" if stop_loss is not None else None,
                            clientOid=checked_client_oid(client_oid)), ref)
        return t.parse_ack(await self.http.post(V3.PLACE_STRATEGY, body))

    async def place_trigger(self, ref: SymbolRef, side: Side, qty: Amount, trigger_price: Amount, *,
                            order_price: Amount | None = None, pos_side: PositionSide | None = None,
                            client_oid: str | None = None) -> OrderAck:
        """A trigger order: when the price reaches ``trigger_price``, a market (or ``order_price`` limit) order."""
        body = _cat(compact(type="trigger", side=SIDE_TO_WIRE[side], qty=num(qty), triggerPrice=num(trigger_price),
                            triggerBy="market", triggerOrderType="limit" if order_price is not None else "market",
                            triggerOrderPrice=opt_num(order_price),
                            posSide=POS_SIDE_TO_WIRE[pos_side] if pos_side else None,
                            clientOid=checked_client_oid(client_oid)), ref)
        return t.parse_ack(await self.http.post(V3.PLACE_STRATEGY, body))

    async def modify_strategy(self, order_id: str, qty: Amount, *, take_profit: Amount | None = None,
                              stop_loss: Amount | None = None, trigger_price: Amount | None = None) -> OrderAck:
        body = compact(orderId=order_id, qty=num(qty), takeProfit=opt_num(take_profit),
                       stopLoss=opt_num(stop_loss), triggerPrice=opt_num(trigger_price))
        return t.parse_ack(await self.http.post(V3.MODIFY_STRATEGY, body))

    async def cancel_strategy(self, *, order_id: str | None = None, client_oid: str | None = None) -> None:
        await self.http.post(V3.CANCEL_STRATEGY, compact(orderId=order_id, clientOid=None if order_id else client_oid))

    async def strategy_orders(self, product: Product, kind: str = "tpsl") -> list[t.StrategyOrder]:
        data = await self.http.get(V3.UNFILLED_STRATEGY, {"category": category(product), "type": kind}, signed=True)
        return t.parse_strategy_orders(data)

    async def strategy_history(self, product: Product, kind: str = "tpsl", limit: int | None = None
                               ) -> list[t.StrategyOrder]:
        params = compact(category=category(product), type=kind, limit=limit)
        return t.parse_strategy_orders(await self.http.get(V3.HISTORY_STRATEGY, params, signed=True))
