"""The spot adapter of the V2 venue: spot orders, queries, candles and streams of one classic account.

V2 spot words differ from futures ones where the adapters differ: a modification is ``cancel-replace-order`` (the old
order is cancelled outright and the replacement placed under a new clientOid), "cancel all" exists per pair only,
a market buy's ``size`` is the quote amount (``TradingService`` converts the ticket before it comes here), and spot
has no positions.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from decimal import Decimal

from terminal_app.bitget.errors import InvalidOrder
from terminal_app.bitget.models import parse_ws_fills, parse_ws_orders, parse_ws_spot_account
from terminal_app.bitget.rest import BitgetRestClient, SpotOrderRequest
from terminal_app.bitget.v2.common import bulk, market_arg, price_and_force, subscribe_private
from terminal_app.bitget.ws import BitgetStreamer
from terminal_app.core.accounts import SpotAsset
from terminal_app.core.candles import Interval
from terminal_app.core.enums import OrderType, Side
from terminal_app.core.instruments import MarketInfo, Product, SymbolRef
from terminal_app.core.market_data import Candle
from terminal_app.core.orders import Fill, Order, OrderAck, OrderTicket
from terminal_app.core.venue import (
    AssetsHandler,
    BulkResult,
    FillsHandler,
    MarketChannel,
    OrderKey,
    OrdersHandler,
    PlaceOrder,
    StreamArg,
)


class V2SpotVenue:
    """Spot trading of one V2 account (``terminal_app.core.venue.ProductVenue``)."""

    def __init__(self, rest: BitgetRestClient, ws: BitgetStreamer) -> None:
        self._rest = rest
        self._ws = ws

    @property
    def product(self) -> Product:
        return Product.SPOT

    # --- market data --------------------------------------------------------------------------------------------

    async def markets(self) -> list[MarketInfo]:
        return await self._rest.spot_symbols()

    async def candles(self, ref: SymbolRef, interval: Interval, *, before_ts: int | None, limit: int
                      ) -> list[Candle]:
        """The latest ``limit`` bars, or (``before_ts``) the ``limit`` bars before that time from history."""
        if before_ts is None:
            return await self._rest.spot_candles(ref, interval.spot_granularity, limit=limit)
        # endTime is inclusive: ask for the bars strictly before.
        return await self._rest.spot_history_candles(ref, interval.spot_granularity, before_ts - 1, limit=limit)

    def market_stream(self, ref: SymbolRef, channel: MarketChannel, interval: Interval | None = None) -> StreamArg:
        return market_arg(ref, channel, interval)

    # --- orders -------------------------------------------------------------------------------------------------

    def wants_quote_size(self, ticket: OrderTicket) -> bool:
        """A market buy spends a quote amount: V2 reads its ``size`` in the quote coin."""
        return ticket.order_type == OrderType.MARKET and ticket.side == Side.BUY

    async def place(self, order: PlaceOrder) -> OrderAck:
        ticket = order.ticket
        price, force = price_and_force(ticket)
        return await self._rest.spot_place_order(ticket.ref, ticket.side, ticket.order_type, ticket.size,
                                                 price=price, force=force, client_oid=order.client_oid,
                                                 preset_take_profit=ticket.tp, preset_stop_loss=ticket.sl)

    async def place_batch(self, ref: SymbolRef, orders: Sequence[PlaceOrder]) -> BulkResult:
        requests = []
        for order in orders:
            ticket = order.ticket
            if ticket.ref != ref:
                raise ValueError(f"a batch is for one symbol: {ticket.ref.key} is not {ref.key}")
            price, force = price_and_force(ticket)
            requests.append(SpotOrderRequest(ticket.side, ticket.order_type, ticket.size, price, force,
                                             order.client_oid))
        return bulk(await self._rest.spot_batch_orders(ref, requests))

    async def modify(self, ref: SymbolRef, key: OrderKey, new_client_oid: str, price: Decimal, size: Decimal
                     ) -> OrderAck:
        result = await self._rest.spot_cancel_replace_order(ref, price, size, order_id=key.order_id,
                                                            client_oid=key.client_oid, new_client_oid=new_client_oid)
        if not result.success:
            raise InvalidOrder(result.message or "Bitget did not replace the order.")
        return OrderAck(result.order_id, result.client_oid or new_client_oid)

    async def cancel(self, ref: SymbolRef, key: OrderKey) -> OrderAck:
        return await self._rest.spot_cancel_order(ref, order_id=key.order_id, client_oid=key.client_oid)

    async def cancel_all(self, ref: SymbolRef | None) -> BulkResult:
        """V2 cancels per pair (asynchronously, no per-order answer); the whole line is every pair with open
        orders."""
        if ref is not None:
            await self._rest.spot_cancel_symbol_orders(ref)
            return BulkResult()
        pairs = sorted({order.ref for order in await self._rest.spot_unfilled_orders()})
        await asyncio.gather(*(self._rest.spot_cancel_symbol_orders(pair) for pair in pairs))
        return BulkResult()

    # --- queries ------------------------------------------------------------------------------------------------

    async def order(self, ref: SymbolRef, key: OrderKey) -> Order:
        return await self._rest.spot_order_info(order_id=key.order_id, client_oid=key.client_oid)

    async def open_orders(self, ref: SymbolRef | None) -> list[Order]:
        return await self._rest.spot_unfilled_orders(ref)

    async def order_history(self, *, limit: int) -> list[Order]:
        return await self._rest.spot_history_orders(limit=limit)

    async def fills(self, *, limit: int) -> list[Fill]:
        return await self._rest.spot_fills(limit=limit)

    async def assets(self) -> list[SpotAsset]:
        return await self._rest.spot_assets()

    # --- streams ------------------------------------------------------------------------------------------------

    async def stream_orders(self, handler: OrdersHandler) -> None:
        await subscribe_private(self._ws, Product.SPOT, "orders", parse_ws_orders, handler)

    async def stream_fills(self, handler: FillsHandler) -> None:
        await subscribe_private(self._ws, Product.SPOT, "fill", parse_ws_fills, handler)

    async def stream_assets(self, handler: AssetsHandler) -> None:
        await subscribe_private(self._ws, Product.SPOT, "account", parse_ws_spot_account, handler, coin="default")
