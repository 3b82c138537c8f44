"""Bitget V2 WebSocket streamer: public and private channels over self-healing, paced connections.

Usage::

    streamer = BitgetStreamer(StreamerConfig(public_url=..., private_url=...), credentials=creds, clock=server_clock)
    await streamer.subscribe({"instType": "SPOT", "channel": "books", "instId": "BTCUSDT"}, on_books)
    streamer.add_listener(on_event)      # ConnectionEvent / ChannelEvent, e.g. for the status bar
    ...
    await streamer.close()

Channels are spread over connections of their kind (private ones need credentials), at most
``channels_per_connection`` per socket. Handlers receive raw push dicts and run on the receive path, in order; keep
them short (the order book applies an update in a few microseconds). ``resubscribe(arg)`` re-requests one channel,
which is how a ``books`` checksum mismatch is repaired (see ``core.book_sync``).
"""

from __future__ import annotations

import asyncio
import inspect
import random
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from terminal_app.bitget.clock import ServerClock
from terminal_app.bitget.models.mapping import wire_product
from terminal_app.bitget.ws_connection import (
    ChannelEvent,
    ChannelEventKind,
    ChannelKey,
    ConnectionEvent,
    ConnectionState,
    ConnectionStats,
    Handler,
    StreamerConfig,
    StreamEvent,
    WsClock,
    WsConnection,
    arg_key,
)
from terminal_app.core.credentials import Credentials
from terminal_app.core.instruments import Product

__all__ = [
    "PRIVATE_CHANNELS",
    "BitgetStreamer",
    "ChannelEvent",
    "ChannelEventKind",
    "ChannelKey",
    "ConnectionEvent",
    "ConnectionState",
    "ConnectionStats",
    "Handler",
    "StreamEvent",
    "StreamerConfig",
    "StreamerStats",
    "arg_key",
    "channel_arg",
    "is_private",
]

PRIVATE_CHANNELS = frozenset({
    "account", "orders", "positions", "fill", "orders-algo", "positions-history", "equity",
    "orders-crossed", "orders-isolated", "account-crossed", "account-isolated",
    # V3 (unified account) topics, all under instType "UTA"
    "order", "position", "strategy-order", "fast-fill", "adl-notification",
})


def channel_arg(product: Product, channel: str, inst_id: str | None = None, *, coin: str | None = None
                ) -> dict[str, str]:
    """The subscription ``arg`` of ``channel`` for one product line: one instrument (``inst_id``), one coin
    (``coin``, the ``account`` channel) or every instrument (neither: ``instId`` ``default``)."""
    if coin is not None:
        return {"instType": wire_product(product), "channel": channel, "coin": coin}
    return {"instType": wire_product(product), "channel": channel, "instId": inst_id or "default"}


def is_private(arg: Mapping[str, Any]) -> bool:
    return str(arg.get("channel", "")) in PRIVATE_CHANNELS


class _EventStream:
    def __init__(self, queue: asyncio.Queue[StreamEvent | None], registry: list[asyncio.Queue[StreamEvent | None]]
                 ) -> None:
        self._queue = queue
        self._registry = registry

    def __aiter__(self) -> _EventStream:
        return self

    async def __anext__(self) -> StreamEvent:
        event = await self._queue.get()
        if event is None:
            if self._queue in self._registry:
                self._registry.remove(self._queue)
            raise StopAsyncIteration
        return event


def _is_async(handler: Handler) -> bool:
    """Decided once at registration so the receive path does not inspect every result."""
    return inspect.iscoroutinefunction(handler) or inspect.iscoroutinefunction(type(handler).__call__)


@dataclass(frozen=True, slots=True)
class StreamerStats:
    """Totals over all connections, for the status bar."""

    connections: int
    connected: int
    reconnects: int
    messages: int
    malformed: int
    resubscribes: int
    last_message_ms: int | None
    ping_rtt_ms: float | None


class BitgetStreamer:
    """Owns the connections, the handler table and the event fan-out."""

    def __init__(self, config: StreamerConfig | None = None, *, credentials: Credentials | None = None,
                 clock: WsClock | None = None, rng: random.Random | None = None) -> None:
        self.config = config or StreamerConfig()
        self._credentials = credentials
        self._clock: WsClock = clock or ServerClock()
        self._rng = rng or random.Random()
        self._handlers: dict[ChannelKey, tuple[Handler, bool]] = {}
        self._public: list[WsConnection] = []
        self._private: list[WsConnection] = []
        self._listeners: list[Callable[[StreamEvent], None]] = []
        self._queues: list[asyncio.Queue[StreamEvent | None]] = []
        self._closed = False

    # ----- subscriptions ----------------------------------------------------------------------------------------------

    async def subscribe(self, arg: Mapping[str, Any], handler: Handler, *, private: bool | None = None,
                        wait: bool = True) -> None:
        """Register ``handler`` for the channel and subscribe it (replacing an earlier handler of the same channel).

        With ``wait`` it returns once Bitget acknowledged and raises the typed error of an error event
        (e.g. ``WebSocketError`` 30001 for an unknown channel, ``AuthError`` when the login was refused) or
        ``TransportError`` when no answer came within ``ack_timeout_s``. The subscription survives reconnects.
        """
        if self._closed:
            raise RuntimeError("the streamer is closed")
        key = arg_key(arg)
        self._handlers[key] = (handler, _is_async(handler))
        connection = self._connection_for(key, is_private(arg) if private is None else private)
        try:
            await connection.subscribe(arg, wait=wait)
        except BaseException:
            if not connection.carries(key):
                self._handlers.pop(key, None)
            raise

    async def unsubscribe(self, arg: Mapping[str, Any], *, wait: bool = True) -> None:
        key = arg_key(arg)
        self._handlers.pop(key, None)
        for connection in self._all():
            if connection.carries(key):
                await connection.unsubscribe(arg, wait=wait)
                return

    def resubscribe(self, arg: Mapping[str, Any]) -> None:
        """Unsubscribe and subscribe this one channel again (fire and forget); its next push is a fresh snapshot."""
        key = arg_key(arg)
        for connection in self._all():
            if connection.carries(key):
                connection.resubscribe(arg)
                return

    def subscriptions(self) -> list[ChannelKey]:
        return [key for key in self._handlers if any(c.carries(key) for c in self._all())]

    def _all(self) -> list[WsConnection]:
        return [*self._public, *self._private]

    def _connection_for(self, key: ChannelKey, private: bool) -> WsConnection:
        pool = self._private if private else self._public
        for connection in pool:
            if connection.carries(key):
                return connection
        for connection in pool:
            if connection.channels < self.config.channels_per_connection:
                return connection
        if private and self._credentials is None:
            raise ValueError(f"channel {'/'.join(key)} is private: the streamer needs credentials")
        name = f"{'private' if private else 'public'}-{len(pool) + 1}"
        url = self.config.private_url if private else self.config.public_url
        connection = WsConnection(name, url, self.config, self._handlers, self._emit, self._clock, self._rng,
                                  self._credentials if private else None)
        pool.append(connection)
        return connection

    # ----- observation ------------------------------------------------------------------------------------------------

    def add_listener(self, callback: Callable[[StreamEvent], None]) -> Callable[[], None]:
        """Call ``callback`` with every ConnectionEvent and ChannelEvent; returns a function that removes it."""
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback) if callback in self._listeners else None

    def events(self) -> AsyncIterator[StreamEvent]:
        """Every event from this call on, until the streamer is closed (the queue exists before the first await)."""
        queue: asyncio.Queue[StreamEvent | None] = asyncio.Queue()
        if self._closed:
            queue.put_nowait(None)
        else:
            self._queues.append(queue)
        return _EventStream(queue, self._queues)

    def _emit(self, event: StreamEvent) -> None:
        for callback in list(self._listeners):
            callback(event)
        for queue in self._queues:
            queue.put_nowait(event)

    def connection_stats(self) -> list[ConnectionStats]:
        return [c.stats() for c in self._all()]

    def stats(self) -> StreamerStats:
        per = self.connection_stats()
        last = [s.last_message_ms for s in per if s.last_message_ms is not None]
        rtts = [s.ping_rtt_ms for s in per if s.ping_rtt_ms is not None]
        up = (ConnectionState.CONNECTED, ConnectionState.LOGGED_IN)
        return StreamerStats(
            connections=len(per),
            connected=sum(1 for s in per if s.state in up),
            reconnects=sum(s.reconnects for s in per),
            messages=sum(s.messages for s in per),
            malformed=sum(s.malformed for s in per),
            resubscribes=sum(s.resubscribes for s in per),
            last_message_ms=max(last) if last else None,
            ping_rtt_ms=max(rtts) if rtts else None,
        )

    # ----- shutdown ---------------------------------------------------------------------------------------------------

    async def close(self) -> None:
        """Close every connection and end the event iterators. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        await asyncio.gather(*(c.close() for c in self._all()))
        for queue in self._queues:
            queue.put_nowait(None)

    async def __aenter__(self) -> BitgetStreamer:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
