"""The futures adapter of the V2 venue, one instance per futures line (USDT-M, coin-M and USDC-M are entries of
:data:`~terminal_app.bitget.v2.lines.FUTURES_LINES`). Coin-M contracts margin in their base coin: requests carry it as
``marginCoin``, and positions are read once per margin coin (ccxt and Bitget's docs ask for ``marginCoin`` there,
bitget-futures-products.md §2.3).

V2's closing rule lives here and nowhere else. In hedge mode an order names the position by ``side`` (buy = long)
and says ``tradeSide`` open or close; in one-way mode it carries no ``tradeSide`` and a closing order is
``reduceOnly``. The terminal's tickets already speak that way (``core.orders.closing_ticket``); this adapter decides
which of the two V2 fields to send from the account's position mode.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from decimal import Decimal

from terminal_app.bitget.models import parse_ws_fills, parse_ws_futures_account, parse_ws_orders, parse_ws_positions
from terminal_app.bitget.rest import BitgetRestClient
from terminal_app.bitget.rest_mix import MixOrderRequest
from terminal_app.bitget.v2.common import bulk, market_arg, price_and_force, subscribe_private
from terminal_app.bitget.v2.lines import FuturesLine
from terminal_app.bitget.ws import BitgetStreamer
from terminal_app.core.accounts import FuturesAccount, LeverageResult, MarginModeResult, Position, PositionModeResult
from terminal_app.core.candles import Interval
from terminal_app.core.enums import MarginMode, PositionMode, PositionSide, TradeSide
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


def closing_fields(ticket: OrderTicket, mode: PositionMode | None) -> tuple[TradeSide | None, bool | None]:
    """V2's ``tradeSide`` and ``reduceOnly`` of ``ticket`` in position ``mode`` (None: one-way)."""
    if mode == PositionMode.HEDGE:
        return ticket.trade_side or TradeSide.OPEN, None
    return None, (True if ticket.reduce_only else None)


class V2FuturesVenue:
    """One futures line of one V2 account (``terminal_app.core.venue.FuturesVenue``). ``markets`` is the
    account's market table (filled by :meth:`markets`), read for each contract's margin coin."""

    def __init__(self, line: FuturesLine, rest: BitgetRestClient, ws: BitgetStreamer,
                 markets: Mapping[str, MarketInfo]) -> None:
        self._line = line
        self._rest = rest
        self._ws = ws
        self._markets = markets

    @property
    def product(self) -> Product:
        return self._line.product

    def _margin_coin(self, ref: SymbolRef) -> str:
        return self._line.margin_coin(self._markets.get(ref.key))

    # --- market data --------------------------------------------------------------------------------------------

    async def markets(self) -> list[MarketInfo]:
        return await self._rest.mix_contracts(self.product)

    async def candles(self, ref: SymbolRef, interval: Interval, *, before_ts: int | None, limit: int
                      ) -> list[Candle]:
        if before_ts is None:
            return await self._rest.mix_candles(ref, interval.futures_granularity, limit=limit)
        # endTime is inclusive: ask for the bars strictly before.
        return await self._rest.mix_history_candles(ref, interval.futures_granularity, end_time=before_ts - 1,
                                                    limit=limit)

    def market_stream(self, ref: SymbolRef, channel: MarketChannel, interval: Interval | None = None) -> StreamArg:
        return market_arg(ref, channel, interval)

    # --- orders -------------------------------------------------------------------------------------------------

    def wants_quote_size(self, ticket: OrderTicket) -> bool:
        """V2 futures sizes are in the base coin, on every line (V3's coin-M ``qty`` is in USD: not here)."""
        return False

    async def place(self, order: PlaceOrder) -> OrderAck:
        ticket = order.ticket
        price, force = price_and_force(ticket)
        trade_side, reduce_only = closing_fields(ticket, order.position_mode)
        return await self._rest.mix_place_order(
            ticket.ref, ticket.side, ticket.order_type, ticket.size, margin_coin=self._margin_coin(ticket.ref),
            margin_mode=order.margin_mode, price=price, trade_side=trade_side, force=force,
            client_oid=order.client_oid, reduce_only=reduce_only, preset_take_profit=ticket.tp,
            preset_stop_loss=ticket.sl)

    async def place_batch(self, ref: SymbolRef, orders: Sequence[PlaceOrder]) -> BulkResult:
        if not orders:
            return BulkResult()
        modes = {order.margin_mode for order in orders}
        if len(modes) > 1:
            raise ValueError("a futures batch trades in one margin mode")
        requests = []
        for order in orders:
            ticket = order.ticket
            if ticket.ref != ref:
                raise ValueError(f"a batch is for one symbol: {ticket.ref.key} is not {ref.key}")
            price, force = price_and_force(ticket)
            trade_side, reduce_only = closing_fields(ticket, order.position_mode)
            requests.append(MixOrderRequest(ticket.side, ticket.order_type, ticket.size, price, force,
                                            order.client_oid, trade_side, reduce_only, ticket.tp, ticket.sl))
        return bulk(await self._rest.mix_batch_place_orders(ref, requests, margin_coin=self._margin_coin(ref),
                                                            margin_mode=modes.pop()))

    async def modify(self, ref: SymbolRef, key: OrderKey, new_client_oid: str, price: Decimal, size: Decimal
                     ) -> OrderAck:
        return await self._rest.mix_modify_order(ref, order_id=key.order_id, client_oid=key.client_oid,
                                                 new_client_oid=new_client_oid, new_price=price, new_size=size,
                                                 margin_coin=self._margin_coin(ref))

    async def cancel(self, ref: SymbolRef, key: OrderKey) -> OrderAck:
        return await self._rest.mix_cancel_order(ref, order_id=key.order_id, client_oid=key.client_oid,
                                                 margin_coin=self._margin_coin(ref))

    async def cancel_all(self, ref: SymbolRef | None) -> BulkResult:
        if ref is None:
            return bulk(await self._rest.mix_cancel_all_orders(self.product, margin_coin=self._line.account_coin))
        return bulk(await self._rest.mix_cancel_all_orders(ref, margin_coin=self._margin_coin(ref)))

    async def close_positions(self, ref: SymbolRef | None, side: PositionSide | None = None) -> BulkResult:
        """Flash close at market (``close-positions``); ``side`` picks one side of a hedge-mode position."""
        return bulk(await self._rest.mix_close_positions(ref if ref is not None else self.product, hold_side=side))

    # --- queries ------------------------------------------------------------------------------------------------

    async def order(self, ref: SymbolRef, key: OrderKey) -> Order:
        return await self._rest.mix_order_detail(ref, order_id=key.order_id, client_oid=key.client_oid)

    async def open_orders(self, ref: SymbolRef | None) -> list[Order]:
        return await self._rest.mix_orders_pending(ref if ref is not None else self.product)

    async def order_history(self, *, limit: int) -> list[Order]:
        return await self._rest.mix_orders_history(self.product, limit=limit)

    async def fills(self, *, limit: int) -> list[Fill]:
        return await self._rest.mix_fills(self.product, limit=limit)

    async def positions(self) -> list[Position]:
        if self._line.account_coin is not None:
            return await self._rest.mix_all_positions(self.product)
        coins = sorted({m.base_coin for m in self._markets.values() if m.ref.product is self.product})
        lists = await asyncio.gather(*(self._rest.mix_all_positions(self.product, margin_coin=c) for c in coins))
        return [p for listed in lists for p in listed]

    async def accounts(self) -> list[FuturesAccount]:
        return await self._rest.mix_accounts(self.product)

    async def settings(self, ref: SymbolRef) -> FuturesAccount:
        """The margin account as read for ``ref``: its leverage, margin mode and the line's position mode."""
        return await self._rest.mix_account(ref, self._margin_coin(ref))

    async def set_leverage(self, ref: SymbolRef, leverage: int, *,
                           side: PositionSide | None = None) -> LeverageResult:
        return await self._rest.mix_set_leverage(ref, self._margin_coin(ref), int(leverage), hold_side=side)

    async def set_margin_mode(self, ref: SymbolRef, mode: MarginMode) -> MarginModeResult:
        return await self._rest.mix_set_margin_mode(ref, self._margin_coin(ref), mode)

    async def set_position_mode(self, mode: PositionMode) -> PositionModeResult:
        return await self._rest.mix_set_position_mode(self.product, mode)

    # --- streams ------------------------------------------------------------------------------------------------

    async def stream_orders(self, handler: OrdersHandler) -> None:
        await subscribe_private(self._ws, self.product, "orders", parse_ws_orders, handler)

    async def stream_fills(self, handler: FillsHandler) -> None:
        await subscribe_private(self._ws, self.product, "fill", parse_ws_fills, handler)

    async def stream_accounts(self, handler: FuturesAccountsHandler) -> None:
        await subscribe_private(self._ws, self.product, "account", parse_ws_futures_account, handler,
                                coin="default")

    async def stream_positions(self, handler: PositionsHandler) -> None:
        await subscribe_private(self._ws, self.product, "positions", parse_ws_positions, handler)
