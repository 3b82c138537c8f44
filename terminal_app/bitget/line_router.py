"""The routing both API generations' venues share: each call goes to the product line it concerns, once.

A venue (``bitget.v2.venue.V2Venue``, ``bitget.v3.venue.V3Venue``) says which lines it has (:meth:`line`,
:meth:`futures`) and what differs between generations (markets, balances, transfers, account streams); every call
that only names a line's instrument or product is answered here.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from terminal_app.core.accounts import (
    FuturesAccount,
    LeverageResult,
    MarginModeResult,
    Position,
    PositionModeResult,
)
from terminal_app.core.candles import Interval
from terminal_app.core.enums import MarginMode, PositionMode, PositionSide
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.core.market_data import Candle
from terminal_app.core.orders import Fill, Order, OrderAck, OrderTicket
from terminal_app.core.venue import (
    BulkResult,
    FillsHandler,
    FuturesAccountsHandler,
    FuturesVenue,
    MarketChannel,
    OrderKey,
    OrdersHandler,
    PlaceOrder,
    PositionsHandler,
    ProductVenue,
    StreamArg,
)


class LineRouter:
    def line(self, product: Product) -> ProductVenue:
        raise NotImplementedError

    def futures(self, product: Product) -> FuturesVenue:
        raise NotImplementedError

    # --- market data --------------------------------------------------------------------------------------------

    async def candles(self, ref: SymbolRef, interval: Interval, *, before_ts: int | None, limit: int
                      ) -> list[Candle]:
        return await self.line(ref.product).candles(ref, interval, before_ts=before_ts, limit=limit)

    def market_stream(self, ref: SymbolRef, channel: MarketChannel, interval: Interval | None = None) -> StreamArg:
        return self.line(ref.product).market_stream(ref, channel, interval)

    # --- orders -------------------------------------------------------------------------------------------------

    def wants_quote_size(self, ticket: OrderTicket) -> bool:
        return self.line(ticket.ref.product).wants_quote_size(ticket)

    async def place(self, order: PlaceOrder) -> OrderAck:
        return await self.line(order.ticket.ref.product).place(order)

    async def place_batch(self, ref: SymbolRef, orders: Sequence[PlaceOrder]) -> BulkResult:
        return await self.line(ref.product).place_batch(ref, orders)

    async def modify(self, ref: SymbolRef, key: OrderKey, new_client_oid: str, price: Decimal, size: Decimal
                     ) -> OrderAck:
        return await self.line(ref.product).modify(ref, key, new_client_oid, price, size)

    async def cancel(self, ref: SymbolRef, key: OrderKey) -> OrderAck:
        return await self.line(ref.product).cancel(ref, key)

    async def cancel_all(self, target: SymbolRef | Product) -> BulkResult:
        if isinstance(target, SymbolRef):
            return await self.line(target.product).cancel_all(target)
        return await self.line(target).cancel_all(None)

    async def close_positions(self, target: SymbolRef | Product, side: PositionSide | None = None) -> BulkResult:
        if isinstance(target, SymbolRef):
            return await self.futures(target.product).close_positions(target, side)
        return await self.futures(target).close_positions(None, side)

    # --- queries ------------------------------------------------------------------------------------------------

    async def order(self, ref: SymbolRef, key: OrderKey) -> Order:
        return await self.line(ref.product).order(ref, key)

    async def open_orders(self, target: SymbolRef | Product) -> list[Order]:
        if isinstance(target, SymbolRef):
            return await self.line(target.product).open_orders(target)
        return await self.line(target).open_orders(None)

    async def order_history(self, product: Product, *, limit: int) -> list[Order]:
        return await self.line(product).order_history(limit=limit)

    async def fills(self, product: Product, *, limit: int) -> list[Fill]:
        return await self.line(product).fills(limit=limit)

    async def positions(self, product: Product) -> list[Position]:
        return await self.futures(product).positions()

    async def futures_accounts(self, product: Product) -> list[FuturesAccount]:
        return await self.futures(product).accounts()

    # --- settings -----------------------------------------------------------------------------------------------

    async def futures_settings(self, ref: SymbolRef) -> FuturesAccount:
        return await self.futures(ref.product).settings(ref)

    async def set_leverage(self, ref: SymbolRef, leverage: int, *,
                           side: PositionSide | None = None) -> LeverageResult:
        return await self.futures(ref.product).set_leverage(ref, leverage, side=side)

    async def set_margin_mode(self, ref: SymbolRef, mode: MarginMode) -> MarginModeResult:
        return await self.futures(ref.product).set_margin_mode(ref, mode)

    async def set_position_mode(self, product: Product, mode: PositionMode) -> PositionModeResult:
        return await self.futures(product).set_position_mode(mode)

    # --- private streams ----------------------------------------------------------------------------------------

    async def stream_orders(self, product: Product, handler: OrdersHandler) -> None:
        await self.line(product).stream_orders(handler)

    async def stream_fills(self, product: Product, handler: FillsHandler) -> None:
        await self.line(product).stream_fills(handler)

    async def stream_futures_accounts(self, product: Product, handler: FuturesAccountsHandler) -> None:
        await self.futures(product).stream_accounts(handler)

    async def stream_positions(self, product: Product, handler: PositionsHandler) -> None:
        await self.futures(product).stream_positions(handler)
