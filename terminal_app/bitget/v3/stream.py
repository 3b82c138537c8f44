"""V3 (unified account) WebSocket subscriptions over the V2 streamer's machinery (``bitget.ws``: one
:class:`BitgetStreamer` with its paced, self-healing connections, login, ping and resubscribe).

V3 differs in the words, not the protocol: URLs ``/v3/ws/public`` and ``/v3/ws/private``; args name ``topic`` and
``symbol`` (not ``channel``/``instId``); public ``instType`` is the lower-case category; every private topic is
``instType: "UTA"`` for the whole account (bitget-v3-uta.md §6).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from terminal_app.bitget.v3.mapping import inst_type
from terminal_app.bitget.ws import BitgetStreamer
from terminal_app.bitget.ws_connection import StreamerConfig
from terminal_app.core.candles import Interval
from terminal_app.core.instruments import SymbolRef
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
    arg = {"instType": inst_type(ref.product), "topic": _TOPICS[channel], "symbol": ref.symbol}
    if channel is MarketChannel.CANDLES:
        if interval is None:
            raise ValueError("the candle stream needs an interval")
        arg["interval"] = interval.value
    return arg


def private_arg(topic: str) -> dict[str, str]:
    if topic not in PRIVATE_TOPICS:
        raise ValueError(f"{topic!r} is not a private V3 topic")
    return {"instType": PRIVATE_INST_TYPE, "topic": topic}


async def subscribe_private(ws: BitgetStreamer, topic: str, parse: Callable[[dict[str, Any]], list[T]],
                            handler: Callable[[list[T]], None]) -> None:
    """Subscribe one account-wide topic; each push reaches ``handler`` parsed. Raises the typed error of a refused
    subscription."""

    def on_push(msg: dict[str, Any]) -> None:
        handler(parse(msg))

    await ws.subscribe(private_arg(topic), on_push, private=True)
