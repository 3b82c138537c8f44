"""The WebSocket protocol's vocabulary shared by the hub and the channels: paths, channel names, the configuration,
frame helpers and one client connection with its outgoing queue."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from aiohttp import web

from terminal_app.core.instruments import Product
from terminal_app.sim.server.auth import ApiKey

PUBLIC_PATH = "/v2/ws/public"
PRIVATE_PATH = "/v2/ws/private"
INST_TYPES = {"SPOT": Product.SPOT, "USDT-FUTURES": Product.USDT_FUTURES, "COIN-FUTURES": Product.COIN_FUTURES,
              "USDC-FUTURES": Product.USDC_FUTURES}
BOOK_DEPTHS = {"books1": 1, "books5": 5, "books15": 15}
PUBLIC_CHANNELS = {"ticker", "trade", "books", *BOOK_DEPTHS}
PRIVATE_CHANNELS = {"account", "orders", "fill", "orders-algo", "positions"}
CANDLE_SNAPSHOT = 100
TRADE_SNAPSHOT = 50
SLOW_CLOSE_TIMEOUT_S = 2.0   # a client that does not read may not take the close frame either: then it is aborted

Json = dict[str, Any]
SubKey = tuple[str, str, str]            # (instType, channel, instId or coin) as pushed in "arg"


MAX_QUEUE = 50_000  # frames waiting for one client: past this it is a slow consumer


@dataclass(slots=True)
class WsConfig:
    idle_timeout_s: float = 120.0
    max_msgs_per_s: int = 10
    close_on_flood: bool = True
    fast: bool = False
    books_interval_ms: float = 100.0     # also ticker and books1/5/15
    candle_interval_ms: float = 500.0
    max_queue: int = MAX_QUEUE
    max_subscribe_requests: int = 240        # per connection per subscribe_window_s
    subscribe_window_s: float = 3600.0
    max_channels: int = 1000                 # per connection


def dumps(obj: Any) -> bytes:
    return orjson.dumps(obj)


def event_frame(event: str, **fields: Any) -> bytes:
    return dumps({"event": event, **fields})


def error_frame(code: int, msg: str, arg: Any = None) -> bytes:
    if arg is None:
        return dumps({"event": "error", "code": code, "msg": msg})
    return dumps({"event": "error", "arg": arg, "code": code, "msg": msg})


class Conn:
    """One client connection: its subscriptions, login and outgoing queue.

    A client that stops reading (Bitget's slow consumer) is cut off when ``max_queue`` frames wait for it: the queue
    is dropped and the socket closed with 1008 ``slow consumer`` (:meth:`cut_off`). The check is on the way in, not
    in the writer: a writer waiting for the client's TCP window to open does not come back to look while the queue
    grows behind it. ``on_cut_off`` lets the hub count them."""

    __slots__ = ("close_after", "closed", "closer", "id", "key", "last_ping", "max_queue", "on_cut_off", "out",
                 "private", "received", "request", "stalled", "sub_requests", "subs", "wake", "writer", "ws")

    def __init__(self, conn_id: int, ws: web.WebSocketResponse, request: web.Request, private: bool, *,
                 max_queue: int = MAX_QUEUE, on_cut_off: Callable[[], None] | None = None) -> None:
        self.id = conn_id
        self.ws = ws
        self.request = request
        self.private = private
        self.key: ApiKey | None = None
        self.subs: dict[SubKey, Json] = {}
        self.out: deque[bytes] = deque()
        self.wake = asyncio.Event()
        self.stalled = False
        self.closed = False
        self.close_after: tuple[int, bytes] | None = None     # close once the queued frames are out
        self.last_ping = time.monotonic()
        self.received: deque[float] = deque()
        self.sub_requests: deque[float] = deque()   # times of subscribe/unsubscribe requests (the hourly budget)
        self.writer: asyncio.Task[None] | None = None
        self.max_queue = max_queue
        self.on_cut_off = on_cut_off
        self.closer: asyncio.Task[None] | None = None

    def send(self, frame: bytes) -> bool:
        if self.closed or self.stalled or self.close_after is not None:
            return False
        out = self.out
        if len(out) >= self.max_queue:
            self.cut_off()
            return False
        out.append(frame)
        self.wake.set()
        return True

    def cut_off(self) -> None:
        """Drop what waits for this client and close it as a slow consumer (on the server's loop)."""
        if self.close_after is not None or self.closed:
            return
        self.close_after = (1008, b"slow consumer")
        self.out.clear()
        if self.on_cut_off is not None:
            self.on_cut_off()
        self.closer = asyncio.get_running_loop().create_task(self._close_slow(), name=f"sim-ws-cut-off-{self.id}")

    async def _close_slow(self) -> None:
        writer = self.writer
        if writer is not None:
            writer.cancel()       # it may be waiting for a TCP window that will not open
            with contextlib.suppress(asyncio.CancelledError, ConnectionError, RuntimeError):
                await writer
        try:
            await asyncio.wait_for(self.ws.close(code=1008, message=b"slow consumer"), SLOW_CLOSE_TIMEOUT_S)
        except (TimeoutError, ConnectionError, RuntimeError):
            transport = self.request.transport
            if transport is not None:
                transport.abort()
