"""The V2 venue of one classic account: the product lines it trades, each call routed to its line once."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from decimal import Decimal

from terminal_app.bitget.errors import InvalidOrder
from terminal_app.bitget.plans import V2AlgoVenue
from terminal_app.bitget.rest import BitgetRestClient
from terminal_app.bitget.v2.common import V2MarketPushes
from terminal_app.bitget.v2.futures import V2FuturesVenue
from terminal_app.bitget.v2.lines import FUTURES_LINES
from terminal_app.bitget.v2.spot import V2SpotVenue
from terminal_app.bitget.ws import BitgetStreamer
from terminal_app.core.accounts import (
    FuturesAccount,
    LeverageResult,
    MarginModeResult,
    Position,
    PositionModeResult,
    SpotAsset,
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
_PUSHES = V2MarketPushes()


class V2Venue:
    """One V2 (classic) account over one REST client and one streamer (``terminal_app.core.venue.Venue``).

    ``products``: the lines the terminal trades on it (spot and USDT-M now). :meth:`markets` loads and keeps every
    line's markets; the futures adapters read a contract's margin coin from them.
    """

    def __init__(self, rest: BitgetRestClient, ws: BitgetStreamer,
                 products: Sequence[Product] = DEFAULT_PRODUCTS) -> None:
        self._markets: dict[str, MarketInfo] = {}
        self._rest = rest
        self._spot = V2SpotVenue(rest, ws) if Product.SPOT in products else None
        self._futures = {p: V2FuturesVenue(FUTURES_LINES[p], rest, ws, self._markets)
                         for p in products if p.is_futures}
        self._lines: dict[Product, ProductVenue] = {p: self._futures[p] if p.is_futures else self._spot_line()
                                                    for p in products}
        self._algos = V2AlgoVenue(rest, ws, tuple(products))

    @property
    def algos(self) -> AlgoVenue:
        """Plan orders of every line (``bitget.plans``)."""
        return self._algos

    @property
    def products(self) -> tuple[Product, ...]:
        return tuple(self._lines)

    @property
    def futures_products(self) -> tuple[Product, ...]:
        return tuple(self._futures)

    @property
    def pushes(self) -> V2MarketPushes:
        return _PUSHES

    # --- the one dispatch by product ----------------------------------------------------------------------------

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

    def _spot_line(self) -> V2SpotVenue:
        if self._spot is None:
            raise InvalidOrder("This account does not trade spot here.")
        return self._spot

    # --- market data --------------------------------------------------------------------------------------------

    async def markets(self) -> list[MarketInfo]:
        """Every line's markets, read side by side; kept for the futures lines' margin coins."""
        lists = await asyncio.gather(*(line.markets() for line in self._lines.values()))
        found = [market for listed in lists for market in listed]
        self._markets.clear()
        self._markets.update((m.ref.key, m) for m in found)
        return found

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

    async def balances(self) -> list[SpotAsset]:
        return await self._spot_line().assets()

    async def futures_accounts(self, product: Product) -> list[FuturesAccount]:
        return await self.futures(product).accounts()

    async def transfer(self, from_account: Product, to_account: Product, coin: str, amount: Decimal) -> str:
        for product in (from_account, to_account):
            if product is not Product.SPOT and product not in self._futures:
                raise InvalidOrder(f"This account does not trade {product.label} here.")
        return await self._rest.spot_wallet_transfer(from_account, to_account, coin, amount)

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

    async def stream_balances(self, handler: AssetsHandler) -> None:
        await self._spot_line().stream_assets(handler)

    async def stream_futures_accounts(self, product: Product, handler: FuturesAccountsHandler) -> None:
        await self.futures(product).stream_accounts(handler)

    async def stream_positions(self, product: Product, handler: PositionsHandler) -> None:
        await self.futures(product).stream_positions(handler)
