"""The V3 venue of one unified trading account: the product lines it trades, each call routed to its line once
(``terminal_app.core.venue.Venue``). Balances are the unified pool's coins; :meth:`V3Venue.unified_account` gives the
pool itself (equity, margin ratio) for the panels that show it."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from terminal_app.bitget.errors import InvalidOrder
from terminal_app.bitget.line_router import LineRouter
from terminal_app.bitget.v3 import trade as t
from terminal_app.bitget.v3.account import UnifiedAccountState, spot_assets
from terminal_app.bitget.v3.algos import V3AlgoVenue
from terminal_app.bitget.v3.lines import V3FuturesLine, V3Line, V3SpotLine
from terminal_app.bitget.v3.rest import V3RestClient
from terminal_app.bitget.v3.stream import V3MarketPushes
from terminal_app.bitget.v3.ws_trade import V3WsTrader
from terminal_app.bitget.ws import BitgetStreamer
from terminal_app.core.accounts import (
    SpotAsset,
    UnifiedAccount,
)
from terminal_app.core.algo import AlgoVenue
from terminal_app.core.enums import PositionMode
from terminal_app.core.instruments import MarketInfo, Product
from terminal_app.core.venue import (
    AssetsHandler,
    FuturesVenue,
    ProductVenue,
)

DEFAULT_PRODUCTS = (Product.SPOT, Product.USDT_FUTURES)


class V3Venue(LineRouter):
    """One unified (UTA) account over one V3 REST client and one streamer on the V3 URLs."""

    def __init__(self, rest: V3RestClient, ws: BitgetStreamer,
                 products: Sequence[Product] = DEFAULT_PRODUCTS, *, ws_trader: V3WsTrader | None = None) -> None:
        self.account = UnifiedAccountState(rest, ws, ws_trader)
        self._pushes = V3MarketPushes()
        self._rest = rest
        self._algos = V3AlgoVenue(self.account, products)
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

    # --- queries ------------------------------------------------------------------------------------------------

    async def unified_account(self) -> UnifiedAccount:
        return await self._rest.assets()

    async def balances(self) -> list[SpotAsset]:
        return spot_assets(await self._rest.assets())

    async def countdown_cancel_all(self, seconds: int) -> None:
        """Arm (5-60 s) or disarm (0) Bitget's cancel-all countdown (services.countdown re-arms it)."""
        await self._rest.countdown_cancel_all(seconds)

    async def transfer(self, from_account: Product, to_account: Product, coin: str, amount: Decimal) -> str:
        # one margin pool backs spot and every futures category: there is no account to move coins between
        raise InvalidOrder("A unified account has one margin pool for spot and futures: there is nothing to transfer.")

    # --- private streams ----------------------------------------------------------------------------------------

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
