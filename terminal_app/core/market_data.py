"""Market data as the terminal sees it: 24 h tickers, public trades and candles.

Every exchange client maps its wire format to these (Bitget V2: ``terminal_app.bitget.models.market`` and the
WebSocket pushes); prices and sizes are ``Decimal``, times epoch milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from terminal_app.core.enums import Side
from terminal_app.core.instruments import Product, SymbolRef


@dataclass(frozen=True, slots=True)
class Ticker:
    """24 h ticker of a spot or futures market. Futures-only fields are ``None`` on spot.

    ``change_24h`` is a ratio (``0.00069`` = 0.069 %).
    """

    symbol: str
    product: Product
    last: Decimal
    bid: Decimal
    ask: Decimal
    bid_size: Decimal
    ask_size: Decimal
    open_24h: Decimal
    high_24h: Decimal
    low_24h: Decimal
    change_24h: Decimal
    base_volume: Decimal
    quote_volume: Decimal
    ts: int
    usdt_volume: Decimal | None = None
    open_utc: Decimal | None = None
    change_utc_24h: Decimal | None = None
    mark_price: Decimal | None = None
    index_price: Decimal | None = None
    funding_rate: Decimal | None = None
    next_funding_time: int | None = None
    holding_amount: Decimal | None = None
    delivery_time: int | None = None

    @property
    def ref(self) -> SymbolRef:
        return SymbolRef(self.symbol, self.product)


@dataclass(frozen=True, slots=True)
class PublicTrade:
    """A trade on the public tape; ``side`` is the taker's side."""

    trade_id: str
    symbol: str
    side: Side
    price: Decimal
    size: Decimal
    ts: int


@dataclass(frozen=True, slots=True)
class Candle:
    """One bar; ``ts`` is the bar's open time. ``usdt_volume`` only where the exchange reports it."""

    ts: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    base_volume: Decimal
    quote_volume: Decimal
    usdt_volume: Decimal | None = None
