"""The trading venue: everything the services ask of one account's exchange, in the terminal's words.

A :class:`Venue` is one account on one exchange through one API generation (Bitget V2 classic now, V3 unified next).
Services hold a ``Venue`` and never learn which generation or which product adapter answers: the venue dispatches
each call by the instrument's :class:`~terminal_app.core.instruments.Product` to its product adapter, once, and the
adapter maps domain ↔ wire (sizes, the futures closing rule, margin coins, channel names, productType spellings).

Domain in, domain out. The venue raises :class:`~terminal_app.core.errors.VenueError` subclasses (Bitget's
``BitgetError`` tree), with the exchange's code. Placing never sends an order twice: after an ambiguous failure the
venue looks the order up by its clientOid before it answers.

Shape, so adding to it stays data and small methods:

* :class:`ProductVenue`: what every product line offers (orders, queries, candles, the order and fill streams);
* :class:`FuturesVenue`: a futures line on top (positions, close, leverage, margin and position mode, its margin
  account and position streams);
* :class:`Venue`: the account, which routes to the line of each call and owns the account-wide parts (spot
  balances). New order kinds (plan/trigger, TP/SL orders) are added as methods of the line protocols and one
  routing method each on the account.

Streams: market-data subscriptions are named by :class:`MarketChannel` and come back as an opaque
:data:`StreamArg` the streamer understands (services keep it as a key, never read it); private streams are
subscribed through the venue with a handler that receives parsed domain objects.

Pure protocols and value types: no Qt, no I/O, no wire spelling.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

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
from terminal_app.core.market_data import Candle, PublicTrade, Ticker
from terminal_app.core.orders import Fill, Order, OrderAck, OrderTicket

StreamArg = Mapping[str, str]
"""A subscription as the venue's streamer names it; opaque above the protocol layer (a dictionary key at most)."""

OrdersHandler = Callable[[list[Order]], None]
FillsHandler = Callable[[list[Fill]], None]
AssetsHandler = Callable[[list[SpotAsset]], None]
FuturesAccountsHandler = Callable[[list[FuturesAccount]], None]
PositionsHandler = Callable[[list[Position]], None]
"""Each positions push is the whole list of open positions of the line."""


class MarketChannel(StrEnum):
    """The public streams of one instrument."""

    TICKER = "ticker"
    BOOK = "book"
    TRADES = "trades"
    CANDLES = "candles"  # needs an Interval


@dataclass(frozen=True, slots=True)
class OrderKey:
    """How to name one order to the exchange: its id when known, else the clientOid the terminal gave it."""

    order_id: str | None = None
    client_oid: str | None = None

    def __post_init__(self) -> None:
        if not self.order_id and not self.client_oid:
            raise ValueError("an order is named by its id or its clientOid")

    @classmethod
    def of(cls, order_id: str | None, client_oid: str) -> OrderKey:
        """By id when there is one (it never changes), else by clientOid."""
        return cls(order_id=order_id) if order_id else cls(client_oid=client_oid)


@dataclass(frozen=True, slots=True)
class PlaceOrder:
    """One order ready to send: the ticket (its size already in the unit the exchange wants for it, see
    ``TradingService``), its clientOid, and the account facts a futures line needs to word it: the product's
    position mode (``None``: one-way) and the margin mode to trade in. A spot line ignores both."""

    ticket: OrderTicket
    client_oid: str
    position_mode: PositionMode | None = None
    margin_mode: MarginMode = MarginMode.CROSSED


@dataclass(frozen=True, slots=True)
class ItemFailure:
    """One order of a bulk call (batch, cancel-all, close) that the exchange refused, with its code and reason."""

    order_id: str | None
    client_oid: str | None
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class BulkResult:
    """What a bulk call did: the orders it made or touched, and the ones it could not."""

    succeeded: tuple[OrderAck, ...] = ()
    failed: tuple[ItemFailure, ...] = ()


class MarketPushes(Protocol):
    """Reads the pushes of the public streams :meth:`Venue.market_stream` named, in the venue's generation's words.

    ``book`` hands the push to :class:`~terminal_app.core.book_sync.BookSync` in the one shape it applies: a mapping
    with ``action`` ("snapshot"/"update") and ``data`` items of ``bids``/``asks`` rows and the optional ``seq``,
    ``pseq``, ``checksum`` and ``ts``.
    """

    def tickers(self, msg: Mapping[str, Any]) -> list[Ticker]: ...
    def trades(self, msg: Mapping[str, Any]) -> list[PublicTrade]: ...
    def candles(self, msg: Mapping[str, Any]) -> list[Candle]: ...
    def book(self, msg: Mapping[str, Any]) -> Mapping[str, Any]: ...


@runtime_checkable
class ProductVenue(Protocol):
    """One product line of an account (spot, or one futures line)."""

    @property
    def product(self) -> Product: ...

    async def markets(self) -> list[MarketInfo]: ...
    async def candles(self, ref: SymbolRef, interval: Interval, *, before_ts: int | None, limit: int
                      ) -> list[Candle]: ...
    def market_stream(self, ref: SymbolRef, channel: MarketChannel, interval: Interval | None = None
                      ) -> StreamArg: ...

    def wants_quote_size(self, ticket: OrderTicket) -> bool: ...
    async def place(self, order: PlaceOrder) -> OrderAck: ...
    async def place_batch(self, ref: SymbolRef, orders: Sequence[PlaceOrder]) -> BulkResult: ...
    async def modify(self, ref: SymbolRef, key: OrderKey, new_client_oid: str, price: Decimal, size: Decimal
                     ) -> OrderAck: ...
    async def cancel(self, ref: SymbolRef, key: OrderKey) -> OrderAck: ...
    async def cancel_all(self, ref: SymbolRef | None) -> BulkResult: ...

    async def order(self, ref: SymbolRef, key: OrderKey) -> Order: ...
    async def open_orders(self, ref: SymbolRef | None) -> list[Order]: ...
    async def order_history(self, *, limit: int) -> list[Order]: ...
    async def fills(self, *, limit: int) -> list[Fill]: ...

    async def stream_orders(self, handler: OrdersHandler) -> None: ...
    async def stream_fills(self, handler: FillsHandler) -> None: ...


@runtime_checkable
class FuturesVenue(ProductVenue, Protocol):
    """A futures product line: its positions, margin account and settings."""

    async def positions(self) -> list[Position]: ...
    async def close_positions(self, ref: SymbolRef | None, side: PositionSide | None = None) -> BulkResult: ...
    async def accounts(self) -> list[FuturesAccount]: ...
    async def settings(self, ref: SymbolRef) -> FuturesAccount: ...
    async def set_leverage(self, ref: SymbolRef, leverage: int, *,
                           side: PositionSide | None = None) -> LeverageResult: ...
    async def set_margin_mode(self, ref: SymbolRef, mode: MarginMode) -> MarginModeResult: ...
    async def set_position_mode(self, mode: PositionMode) -> PositionModeResult: ...

    async def stream_accounts(self, handler: FuturesAccountsHandler) -> None: ...
    async def stream_positions(self, handler: PositionsHandler) -> None: ...


class Venue(Protocol):
    """One account: the product lines it trades, and every call routed to the line it concerns."""

    @property
    def products(self) -> tuple[Product, ...]: ...
    @property
    def futures_products(self) -> tuple[Product, ...]: ...
    @property
    def algos(self) -> AlgoVenue:
        """The account's algo orders (stops, trailing stops, TP/SL), every product line (``core.algo``)."""
        ...

    @property
    def pushes(self) -> MarketPushes: ...

    def line(self, product: Product) -> ProductVenue: ...
    def futures(self, product: Product) -> FuturesVenue: ...

    async def markets(self) -> list[MarketInfo]: ...
    async def candles(self, ref: SymbolRef, interval: Interval, *, before_ts: int | None, limit: int
                      ) -> list[Candle]: ...
    def market_stream(self, ref: SymbolRef, channel: MarketChannel, interval: Interval | None = None
                      ) -> StreamArg: ...

    def wants_quote_size(self, ticket: OrderTicket) -> bool: ...
    async def place(self, order: PlaceOrder) -> OrderAck: ...
    async def place_batch(self, ref: SymbolRef, orders: Sequence[PlaceOrder]) -> BulkResult: ...
    async def modify(self, ref: SymbolRef, key: OrderKey, new_client_oid: str, price: Decimal, size: Decimal
                     ) -> OrderAck: ...
    async def cancel(self, ref: SymbolRef, key: OrderKey) -> OrderAck: ...
    async def cancel_all(self, target: SymbolRef | Product) -> BulkResult: ...
    async def close_positions(self, target: SymbolRef | Product, side: PositionSide | None = None
                              ) -> BulkResult: ...

    async def order(self, ref: SymbolRef, key: OrderKey) -> Order: ...
    async def open_orders(self, target: SymbolRef | Product) -> list[Order]: ...
    async def order_history(self, product: Product, *, limit: int) -> list[Order]: ...
    async def fills(self, product: Product, *, limit: int) -> list[Fill]: ...
    async def positions(self, product: Product) -> list[Position]: ...
    async def balances(self) -> list[SpotAsset]: ...
    async def futures_accounts(self, product: Product) -> list[FuturesAccount]: ...
    async def transfer(self, from_account: Product, to_account: Product, coin: str, amount: Decimal) -> str:
        """Move ``coin`` between the spot account and a futures line's account; the exchange's transfer id."""
        ...
    async def futures_settings(self, ref: SymbolRef) -> FuturesAccount: ...
    async def set_leverage(self, ref: SymbolRef, leverage: int, *,
                           side: PositionSide | None = None) -> LeverageResult: ...
    async def set_margin_mode(self, ref: SymbolRef, mode: MarginMode) -> MarginModeResult: ...
    async def set_position_mode(self, product: Product, mode: PositionMode) -> PositionModeResult: ...

    async def stream_orders(self, product: Product, handler: OrdersHandler) -> None: ...
    async def stream_fills(self, product: Product, handler: FillsHandler) -> None: ...
    async def stream_balances(self, handler: AssetsHandler) -> None: ...
    async def stream_futures_accounts(self, product: Product, handler: FuturesAccountsHandler) -> None: ...
    async def stream_positions(self, product: Product, handler: PositionsHandler) -> None: ...
