"""V3 (unified account) WebSocket subscriptions over the V2 streamer's machinery (``bitget.ws``: one
:class:`BitgetStreamer` with its paced, self-healing connections, login, ping and resubscribe).

V3 differs in the words, not the protocol: URLs ``/v3/ws/public`` and ``/v3/ws/private``; args name ``topic`` and
``symbol`` (not ``channel``/``instId``); public ``instType`` is the lower-case category; every private topic is
``instType: "UTA"`` for the whole account (bitget-v3-uta.md §6).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from terminal_app.bitget.models.fields import as_list
from terminal_app.bitget.v3.mapping import domain_symbol, inst_type, product_of, wire_symbol
from terminal_app.bitget.v3.market import kline_from, public_trade_from, ticker_from
from terminal_app.bitget.ws import BitgetStreamer
from terminal_app.bitget.ws_connection import StreamerConfig, arg_key
from terminal_app.core.candles import Interval
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.core.market_data import Candle, PublicTrade, Ticker
from terminal_app.core.venue import MarketChannel, StreamArg

T = TypeVar("T")

LIVE_PUBLIC_URL = "wss://ws.bitget.com/v3/ws/public"
LIVE_PRIVATE_URL = "wss://ws.bitget.com/v3/ws/private"
DEMO_PUBLIC_URL = "wss://wspap.bitget.com/v3/ws/public"  # Bitget demo keys (paptrading)
DEMO_PRIVATE_URL = "wss://wspap.bitget.com/v3/ws/private"

PRIVATE_INST_TYPE = "UTA"
PRIVATE_TOPICS = frozenset({"account", "position", "order", "fill", "strategy-order", "fast-fill",
                            "adl-notification"})
_TOPICS = {MarketChannel.TICKER: "ticker", MarketChannel.BOOK: "books", MarketChannel.TRADES: "publicTrade",
           MarketChannel.CANDLES: "kline"}


def streamer_config(*, demo: bool = False, **overrides: Any) -> StreamerConfig:
    """Bitget's V3 hosts (live, or the demo ``wspap`` ones); ``overrides`` tune the rest."""
    urls = (DEMO_PUBLIC_URL, DEMO_PRIVATE_URL) if demo else (LIVE_PUBLIC_URL, LIVE_PRIVATE_URL)
    return StreamerConfig(public_url=urls[0], private_url=urls[1], **overrides)


def market_arg(ref: SymbolRef, channel: MarketChannel, interval: Interval | None = None) -> StreamArg:
    arg = {"instType": inst_type(ref.product), "topic": _TOPICS[channel], "symbol": wire_symbol(ref)}
    if channel is MarketChannel.CANDLES:
        if interval is None:
            raise ValueError("the candle stream needs an interval")
        arg["interval"] = interval.value
    return arg


# topics whose subscription names ``symbol: "default"`` (all symbols), as Bitget's pages and pushes do
DEFAULT_SYMBOL_TOPICS = frozenset({"strategy-order", "fast-fill"})


def private_arg(topic: str) -> dict[str, str]:
    if topic not in PRIVATE_TOPICS:
        raise ValueError(f"{topic!r} is not a private V3 topic")
    arg = {"instType": PRIVATE_INST_TYPE, "topic": topic}
    if topic in DEFAULT_SYMBOL_TOPICS:
        arg["symbol"] = "default"
    return arg


async def subscribe_private(ws: BitgetStreamer, topic: str, parse: Callable[[dict[str, Any]], list[T]],
                            handler: Callable[[list[T]], None]) -> None:
    """Subscribe one account-wide topic; each push reaches ``handler`` parsed. Raises the typed error of a refused
    subscription."""

    def on_push(msg: dict[str, Any]) -> None:
        handler(parse(msg))

    await ws.subscribe(private_arg(topic), on_push, private=True)


def _arg(msg: Mapping[str, Any]) -> tuple[Product, str]:
    arg = msg.get("arg") or {}
    return product_of(str(arg.get("instType", ""))), domain_symbol(str(arg.get("symbol", "")).upper())


def _items(msg: Mapping[str, Any]) -> list[Any]:
    data = msg.get("data")
    return [data] if isinstance(data, dict) else as_list(data, "Push")


class V3MarketPushes:
    """V3's public pushes (``terminal_app.core.venue.MarketPushes``): rows name no symbol (the arg does); books
    carry ``a``/``b`` and ``seq``/``pseq`` (no checksum)."""

    def tickers(self, msg: Mapping[str, Any]) -> list[Ticker]:
        product, symbol = _arg(msg)
        ts = msg.get("ts")
        return [ticker_from(e, product, symbol, int(ts) if ts is not None else None) for e in _items(msg)]

    def trades(self, msg: Mapping[str, Any]) -> list[PublicTrade]:
        _, symbol = _arg(msg)
        return [public_trade_from(e, symbol) for e in _items(msg)]

    def candles(self, msg: Mapping[str, Any]) -> list[Candle]:
        return [kline_from(e) for e in _items(msg)]

    def __init__(self) -> None:
        self._after_snapshot: set[tuple[str, str, str]] = set()

    def book(self, msg: Mapping[str, Any]) -> Mapping[str, Any]:
        """``pseq`` chains updates; Bitget's first update after a snapshot only brackets the snapshot's ``seq``
        (``pseq <= seq``), so its ``pseq`` is not checked."""
        action = msg.get("action")
        key = arg_key(msg.get("arg") or {})
        first = action == "update" and key in self._after_snapshot
        if action == "snapshot":
            self._after_snapshot.add(key)
        else:
            self._after_snapshot.discard(key)
        items = []
        for entry in _items(msg):
            if not isinstance(entry, Mapping):
                continue
            pseq = entry.get("pseq") if action == "update" and not first else None
            items.append({"bids": entry.get("b") or (), "asks": entry.get("a") or (), "seq": entry.get("seq"),
                          "pseq": pseq, "ts": entry.get("ts")})
        return {"action": action, "arg": msg.get("arg"), "ts": msg.get("ts"), "data": items}
