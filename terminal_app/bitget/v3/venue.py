"""The V3 venue of one unified trading account: the product lines it trades, each call routed to its line once
(``terminal_app.core.venue.Venue``). Balances are the unified pool's coins; :meth:`V3Venue.unified_account` gives the
pool itself (equity, margin ratio) for the panels that show it."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from terminal_app.bitget.errors import InvalidOrder
from terminal_app.bitget.v3 import trade as t
from terminal_app.bitget.v3.account import UnifiedAccountState, spot_assets
from terminal_app.bitget.v3.algos import V3AlgoVenue
from terminal_app.bitget.v3.lines import V3FuturesLine, V3Line, V3SpotLine
from terminal_app.bitget.v3.rest import V3RestClient
from terminal_app.bitget.v3.stream import V3MarketPushes
from terminal_app.bitget.ws import BitgetStreamer
from terminal_app.core.accounts import (
    FuturesAccount,
    LeverageResult,
    MarginModeResult,
    Position,
    PositionModeResult,
    SpotAsset,
    UnifiedAccount,
)
from terminal_app.core.algo import AlgoVenue
from terminal_app.core.candles import Interval
from terminal_app.core.enums import MarginMode, PositionMode, PositionSide
from terminal_app.core.instruments import MarketInfo, Product, SymbolRef
from terminal_app.core.market_data import Candle
from terminal_app.core.orders import Fill, Order, OrderAck, OrderTicket
from terminal_app.core.venue import (
    AssetsHandler,
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

DEFAULT_PRODUCTS = (Product.SPOT, Product.USDT_FUTURES)


class V3Venue:
    """One unified (UTA) account over one V3 REST client and one streamer on the V3 URLs."""

    def __init__(self, rest: V3RestClient, ws: BitgetStreamer,
                 products: Sequence[Product] = DEFAULT_PRODUCTS) -> None:
        self.account = UnifiedAccountState(rest, ws)
        self._pushes = V3MarketPushes()
        self._rest = rest
        self._algos = V3AlgoVenue()
        self._futures = {p: V3FuturesLine(p, self.account) for p in products if p.is_futures}
        self._lines: dict[Product, V3Line] = {
            p: self._futures[p] if p.is_futures else V3SpotLine(self.account) for p in products}

    @property
    def products(self) -> tuple[Product, ...]:
        return tuple(self._lines)

    @property
    def futures_products(self) -> tuple[Product, ...]:
        return tuple(self._futures)

    @property
    def pushes(self) -> V3MarketPushes:
        return self._pushes

    @property
    def algos(self) -> AlgoVenue:
        return self._algos

    @property
    def hold_mode(self) -> PositionMode | None:
        """The account-wide position mode, once read (:meth:`markets` reads it)."""
        return self.account.hold_mode

    def line(self, product: Product) -> ProductVenue:
        line = self._lines.get(product)
        if line is None:
            raise InvalidOrder(f"This account does not trade {product.label} here.")
        return line

    def futures(self, product: Product) -> FuturesVenue:
        line = self._futures.get(product)
        if line is None:
            raise InvalidOrder(f"{product.label.capitalize()} has no positions or futures settings here.")
        return line

    # --- market data --------------------------------------------------------------------------------------------

    async def markets(self) -> list[MarketInfo]:
        """Every line's markets side by side, and the account settings (the hold mode orders are worded with)."""
        lists, _ = await asyncio.gather(asyncio.gather(*(line.markets() for line in self._lines.values())),
                                        self.account.load_settings())
        return [market for listed in lists for market in listed]

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

    async def unified_account(self) -> UnifiedAccount:
        return await self._rest.assets()

    async def balances(self) -> list[SpotAsset]:
        return spot_assets(await self._rest.assets())

    async def futures_accounts(self, product: Product) -> list[FuturesAccount]:
        return await self.futures(product).accounts()

    async def futures_settings(self, ref: SymbolRef) -> FuturesAccount:
        return await self.futures(ref.product).settings(ref)

    async def set_leverage(self, ref: SymbolRef, leverage: int, *,
                           side: PositionSide | None = None) -> LeverageResult:
        return await self.futures(ref.product).set_leverage(ref, leverage, side=side)

    async def transfer(self, from_account: Product, to_account: Product, coin: str, amount: Decimal) -> str:
        # one margin pool backs spot and every futures category: there is no account to move coins between
        raise InvalidOrder("A unified account has one margin pool for spot and futures: there is nothing to transfer.")

    async def set_margin_mode(self, ref: SymbolRef, mode: MarginMode) -> MarginModeResult:
        return await self.futures(ref.product).set_margin_mode(ref, mode)

    async def set_position_mode(self, product: Product, mode: PositionMode) -> PositionModeResult:
        return await self.futures(product).set_position_mode(mode)

    # --- private streams ----------------------------------------------------------------------------------------

    async def stream_orders(self, product: Product, handler: OrdersHandler) -> None:
        await self.line(product).stream_orders(handler)

    async def stream_fills(self, product: Product, handler: FillsHandler) -> None:
        await self.line(product).stream_fills(handler)

    async def stream_balances(self, handler: AssetsHandler) -> None:
        def on_push(msg: dict[str, Any]) -> None:
            for account in t.parse_account_push(msg):
                handler(spot_assets(account))
        await self.account.listen("account", on_push)

    async def stream_unified(self, handler: Any) -> None:
        """Each ``account`` push as the whole pool (:class:`UnifiedAccount`)."""
        def on_push(msg: dict[str, Any]) -> None:
            for account in t.parse_account_push(msg):
                handler(account)
        await self.account.listen("account", on_push)

    async def stream_futures_accounts(self, product: Product, handler: FuturesAccountsHandler) -> None:
        await self.futures(product).stream_accounts(handler)

    async def stream_positions(self, product: Product, handler: PositionsHandler) -> None:
        await self.futures(product).stream_positions(handler)
