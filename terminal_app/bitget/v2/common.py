"""What V2's spot and futures adapters word alike: channel args, the price and force an order carries, bulk answers,
and private-stream subscriptions that hand domain objects to the caller."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from terminal_app.bitget.models import BatchResult, parse_ws_candles, parse_ws_ticker, parse_ws_trades
from terminal_app.bitget.ws import BitgetStreamer, channel_arg
from terminal_app.core.candles import Interval
from terminal_app.core.enums import OrderType, TimeInForce
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.core.market_data import Candle, PublicTrade, Ticker
from terminal_app.core.orders import OrderTicket
from terminal_app.core.venue import BulkResult, ItemFailure, MarketChannel, StreamArg

T = TypeVar("T")

# V2's channel names; candles are named by the interval (``candle1m``, ``candle1H``).
_CHANNELS = {MarketChannel.TICKER: "ticker", MarketChannel.BOOK: "books", MarketChannel.TRADES: "trade"}


def market_arg(ref: SymbolRef, channel: MarketChannel, interval: Interval | None) -> StreamArg:
    if channel is MarketChannel.CANDLES:
        if interval is None:
            raise ValueError("the candle stream needs an interval")
        return channel_arg(ref.product, interval.ws_channel, ref.symbol)
    return channel_arg(ref.product, _CHANNELS[channel], ref.symbol)


def price_and_force(ticket: OrderTicket) -> tuple[Decimal | None, TimeInForce]:
    """A market order carries no price and V2 takes only ``gtc`` with it."""
    if ticket.order_type == OrderType.LIMIT:
        return ticket.price, ticket.force
    return None, TimeInForce.GTC


def bulk(result: BatchResult) -> BulkResult:
    return BulkResult(
        succeeded=tuple(result.successes),
        failed=tuple(ItemFailure(f.order_id, f.client_oid, f.code or "", f.message) for f in result.failures),
    )


async def subscribe_private(ws: BitgetStreamer, product: Product, channel: str,
                            parse: Callable[[Any], list[T]], handler: Callable[[list[T]], None],
                            *, coin: str | None = None) -> None:
    """Subscribe ``channel`` of the whole product line; each push reaches ``handler`` parsed. Raises the typed
    error of a refused subscription (the streamer keeps retrying it on reconnects either way)."""
    arg = channel_arg(product, channel, coin=coin)

    def on_push(msg: dict[str, Any]) -> None:
        handler(parse(msg))

    await ws.subscribe(arg, on_push)


class V2MarketPushes:
    """V2's public pushes (``terminal_app.core.venue.MarketPushes``); V2 books are already in BookSync's shape."""

    def tickers(self, msg: Mapping[str, Any]) -> list[Ticker]:
        return parse_ws_ticker(msg)

    def trades(self, msg: Mapping[str, Any]) -> list[PublicTrade]:
        return parse_ws_trades(msg)

    def candles(self, msg: Mapping[str, Any]) -> list[Candle]:
        return parse_ws_candles(msg)

    def book(self, msg: Mapping[str, Any]) -> Mapping[str, Any]:
        return msg
