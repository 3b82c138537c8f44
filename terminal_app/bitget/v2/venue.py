"""The V2 venue of one classic account: the product lines it trades, each call routed to its line once."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from decimal import Decimal

from terminal_app.bitget.errors import InvalidOrder
from terminal_app.bitget.line_router import LineRouter
from terminal_app.bitget.plans import V2AlgoVenue
from terminal_app.bitget.rest import BitgetRestClient
from terminal_app.bitget.v2.common import V2MarketPushes
from terminal_app.bitget.v2.futures import V2FuturesVenue
from terminal_app.bitget.v2.lines import FUTURES_LINES
from terminal_app.bitget.v2.spot import V2SpotVenue
from terminal_app.bitget.ws import BitgetStreamer
from terminal_app.core.accounts import (
    SpotAsset,
)
from terminal_app.core.algo import AlgoVenue
from terminal_app.core.instruments import MarketInfo, Product
from terminal_app.core.venue import (
    AssetsHandler,
    FuturesVenue,
    ProductVenue,
)

DEFAULT_PRODUCTS = (Product.SPOT, Product.USDT_FUTURES)
_PUSHES = V2MarketPushes()


class V2Venue(LineRouter):
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

    # --- queries ------------------------------------------------------------------------------------------------

    async def balances(self) -> list[SpotAsset]:
        return await self._spot_line().assets()

    async def transfer(self, from_account: Product, to_account: Product, coin: str, amount: Decimal) -> str:
        for product in (from_account, to_account):
            if product is not Product.SPOT and product not in self._futures:
                raise InvalidOrder(f"This account does not trade {product.label} here.")
        return await self._rest.spot_wallet_transfer(from_account, to_account, coin, amount)

    # --- private streams ----------------------------------------------------------------------------------------

    async def stream_balances(self, handler: AssetsHandler) -> None:
        await self._spot_line().stream_assets(handler)
