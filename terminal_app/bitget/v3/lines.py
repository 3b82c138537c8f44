"""The V3 venue's product lines: one adapter for spot and one per futures category, over one
:class:`~terminal_app.bitget.v3.account.UnifiedAccountState`.

Where the lines differ: a spot market buy (and a coin-M order) is sized in the quote coin; futures carry V3's closing
rule (trade-direction ``side`` + ``posSide`` in hedge mode, ``reduceOnly`` in one-way mode,
:func:`~terminal_app.bitget.v3.mapping.order_fields`), have positions, leverage and the account-wide hold mode.
Private pushes are account-wide in V3; each line keeps the rows of its own product.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from terminal_app.bitget.errors import InvalidOrder, OrderNotFound, TransportError
from terminal_app.bitget.models.fields import as_list
from terminal_app.bitget.v3 import trade as t
from terminal_app.bitget.v3.account import UnifiedAccountState, margin_account
from terminal_app.bitget.v3.mapping import COIN_M_UNSUPPORTED, is_coin_m_line, order_fields
from terminal_app.bitget.v3.rest import V3OrderRequest
from terminal_app.bitget.v3.stream import market_arg
from terminal_app.core.accounts import FuturesAccount, LeverageResult, MarginModeResult, Position, PositionModeResult
from terminal_app.core.candles import Interval
from terminal_app.core.enums import MarginMode, OrderStatus, OrderType, PositionMode, PositionSide, Side
from terminal_app.core.instruments import MarketInfo, Product, SymbolRef
from terminal_app.core.market_data import Candle
from terminal_app.core.orders import Fill, Order, OrderAck, OrderTicket
from terminal_app.core.venue import (
    BulkResult,
    FillsHandler,
    FuturesAccountsHandler,
    MarketChannel,
    OrderKey,
    OrdersHandler,
    PlaceOrder,
    PositionsHandler,
    StreamArg,
)

_COIN_OF = {Product.USDT_FUTURES: "USDT", Product.USDC_FUTURES: "USDC", Product.SPOT: "USDT"}


def _data(msg: dict[str, Any]) -> list[Any]:
    data = msg.get("data")
    return [data] if isinstance(data, dict) else as_list(data, "Push")


class V3Line:
    """What every V3 line does the same way, keyed by its category."""

    def __init__(self, product: Product, account: UnifiedAccountState) -> None:
        self._product = product
        self._account = account
        self._rest = account.rest

    @property
    def product(self) -> Product:
        return self._product

    async def markets(self) -> list[MarketInfo]:
        return await self._rest.instruments(self._product)

    async def candles(self, ref: SymbolRef, interval: Interval, *, before_ts: int | None, limit: int
                      ) -> list[Candle]:
        if before_ts is None:
            return await self._rest.candles(ref, interval.value, limit=limit)
        # endTime is inclusive: ask for the bars strictly before.
        return await self._rest.candles(ref, interval.value, end_time=before_ts - 1, limit=limit, history=True)

    def market_stream(self, ref: SymbolRef, channel: MarketChannel, interval: Interval | None = None) -> StreamArg:
        return market_arg(ref, channel, interval)

    def wants_quote_size(self, ticket: OrderTicket) -> bool:
        if self._product is Product.COIN_FUTURES:
            return True      # coin-M qty is in USD (bitget-v3-uta.md §4.2)
        return self._product is Product.SPOT and ticket.order_type == OrderType.MARKET and ticket.side == Side.BUY

    def _request(self, order: PlaceOrder) -> V3OrderRequest:
        ticket = order.ticket
        if (ticket.tp is not None or ticket.sl is not None) and is_coin_m_line(ticket.ref):
            raise InvalidOrder(COIN_M_UNSUPPORTED.format(what="preset take-profit/stop-loss orders"))
        limit = ticket.order_type == OrderType.LIMIT
        if self._product.is_futures:
            side, pos_side, reduce_only = order_fields(ticket, order.position_mode or self._account.hold_mode)
            margin: MarginMode | None = order.margin_mode
        else:
            side, pos_side, reduce_only, margin = ticket.side, None, False, None
        return V3OrderRequest(ticket.ref, side, ticket.order_type, ticket.size, ticket.price if limit else None,
                              ticket.force, order.client_oid, pos_side, reduce_only, margin, ticket.tp, ticket.sl)

    async def place(self, order: PlaceOrder) -> OrderAck:
        if self._product.is_futures and order.position_mode is None:
            await self._account.mode()
        request = self._request(order)
        ack = await self._place_over_socket(request)
        return ack if ack is not None else await self._rest.place_order(request)

    async def _place_over_socket(self, request: V3OrderRequest) -> OrderAck | None:
        """The order over the private socket when it is up; None sends it by REST instead. After an answer that
        never came, the order is looked up by clientOid first so REST cannot place it twice."""
        trader = self._account.trader
        if trader is None:
            return None
        if not trader.connected:
            trader.ensure()
            return None
        try:
            return await trader.place(request)
        except TransportError as exc:
            if not exc.ambiguous:
                return None
        try:
            found = await self._rest.order_info(client_oid=request.client_oid)
        except OrderNotFound:
            return None
        return OrderAck(found.order_id, found.client_oid)

    async def place_batch(self, ref: SymbolRef, orders: Sequence[PlaceOrder]) -> BulkResult:
        if not orders:
            return BulkResult()
        for order in orders:
            if order.ticket.ref != ref:
                raise ValueError(f"a batch is for one symbol: {order.ticket.ref.key} is not {ref.key}")
        if self._product.is_futures:
            await self._account.mode()
        return await self._rest.place_batch([self._request(o) for o in orders])

    async def modify(self, ref: SymbolRef, key: OrderKey, new_client_oid: str, price: Decimal, size: Decimal
                     ) -> OrderAck:
        """V3 modifies in place and keeps the clientOid (``new_client_oid`` is V2's need, unused here)."""
        if is_coin_m_line(ref):
            raise InvalidOrder(COIN_M_UNSUPPORTED.format(what="modifying orders: cancel it and place a new one"))
        return await self._rest.modify_order(ref, order_id=key.order_id, client_oid=key.client_oid, qty=size,
                                             price=price)

    async def cancel(self, ref: SymbolRef, key: OrderKey) -> OrderAck:
        """Over the private socket when it is up, else REST. A socket request left unanswered may have cancelled
        the order: it is looked up first (cancelled: done; filled: nothing to cancel; open: REST cancels it)."""
        trader = self._account.trader
        if trader is not None and trader.connected:
            try:
                return await trader.cancel(ref, order_id=key.order_id, client_oid=key.client_oid)
            except TransportError as exc:
                if exc.ambiguous:
                    found = await self._rest.order_info(order_id=key.order_id, client_oid=key.client_oid)
                    if found.status is OrderStatus.CANCELLED:
                        return OrderAck(found.order_id, found.client_oid)
                    if not found.is_open:
                        raise OrderNotFound() from exc
        return await self._rest.cancel_order(ref, order_id=key.order_id, client_oid=key.client_oid)

    async def cancel_all(self, ref: SymbolRef | None) -> BulkResult:
        return await self._rest.cancel_all(ref if ref is not None else self._product)

    async def order(self, ref: SymbolRef, key: OrderKey) -> Order:
        return await self._rest.order_info(order_id=key.order_id, client_oid=key.client_oid)

    async def open_orders(self, ref: SymbolRef | None) -> list[Order]:
        return await self._rest.open_orders(ref if ref is not None else self._product)

    async def order_history(self, *, limit: int) -> list[Order]:
        return await self._rest.order_history(self._product, limit=limit)

    async def fills(self, *, limit: int) -> list[Fill]:
        mode = await self._account.mode() if self._product.is_futures else None
        return await self._rest.fills(self._product, limit=limit, hold_mode=mode)

    async def stream_orders(self, handler: OrdersHandler) -> None:
        def on_push(msg: dict[str, Any]) -> None:
            rows = [o for o in t.parse_orders(_data(msg)) if o.product is self._product]
            if rows:
                handler(rows)
        await self._account.listen("order", on_push)

    async def stream_fills(self, handler: FillsHandler) -> None:
        def on_push(msg: dict[str, Any]) -> None:
            rows = [f for f in t.parse_fills(_data(msg), self._account.hold_mode) if f.product is self._product]
            if rows:
                handler(rows)
        await self._account.listen("fill", on_push)


class V3SpotLine(V3Line):
    """Spot (and margin pairs) of a unified account (``terminal_app.core.venue.ProductVenue``)."""

    def __init__(self, account: UnifiedAccountState) -> None:
        super().__init__(Product.SPOT, account)


class V3FuturesLine(V3Line):
    """One futures category of a unified account (``terminal_app.core.venue.FuturesVenue``)."""

    @property
    def margin_coin(self) -> str:
        return _COIN_OF.get(self._product, "USDT")

    async def positions(self) -> list[Position]:
        return await self._rest.positions(self._product)

    async def close_positions(self, ref: SymbolRef | None, side: PositionSide | None = None) -> BulkResult:
        return await self._rest.close_positions(ref if ref is not None else self._product, side)

    async def accounts(self) -> list[FuturesAccount]:
        return [margin_account(await self._rest.assets(), self.margin_coin, await self._account.mode())]

    async def settings(self, ref: SymbolRef) -> FuturesAccount:
        settings = await self._account.load_settings()
        account = margin_account(await self._rest.assets(), self.margin_coin, settings.hold_mode)
        config = settings.leverage(ref.product, ref.symbol)
        if config is None:
            return account
        return replace(account, margin_mode=config.margin_mode, crossed_leverage=config.leverage,
                       isolated_long_leverage=config.leverage, isolated_short_leverage=config.leverage)

    async def set_leverage(self, ref: SymbolRef, leverage: int, *,
                           side: PositionSide | None = None) -> LeverageResult:
        await self._rest.set_leverage(ref, int(leverage), pos_side=side)
        lev = Decimal(int(leverage))
        return LeverageResult(ref.symbol, self.margin_coin, lev, lev, lev, None)

    async def set_margin_mode(self, ref: SymbolRef, mode: MarginMode) -> MarginModeResult:
        """V3 has no margin-mode endpoint: the mode goes with ``set-leverage`` (and with each order)."""
        settings = await self._account.load_settings()
        config = settings.leverage(ref.product, ref.symbol)
        leverage = int(config.leverage) if config is not None and config.leverage > 0 else 10
        await self._rest.set_leverage(ref, leverage, margin_mode=mode)
        return MarginModeResult(ref.symbol, self.margin_coin, Decimal(leverage), Decimal(leverage), mode)

    async def set_position_mode(self, mode: PositionMode) -> PositionModeResult:
        """Account-wide in V3: every futures category changes together."""
        await self._rest.set_hold_mode(mode)
        self._account.hold_mode = mode
        self._account.settings = None
        return PositionModeResult(mode)

    async def stream_accounts(self, handler: FuturesAccountsHandler) -> None:
        def on_push(msg: dict[str, Any]) -> None:
            handler([margin_account(a, self.margin_coin, self._account.hold_mode) for a in t.parse_account_push(msg)])
        await self._account.listen("account", on_push)

    async def stream_positions(self, handler: PositionsHandler) -> None:
        def on_push(msg: dict[str, Any]) -> None:
            # Each push is the account's whole list; this line keeps its own (margin coin) rows.
            handler([p for p in t.parse_positions(_data(msg)) if p.product is self._product])
        await self._account.listen("position", on_push)
