"""The WebSocket protocol's vocabulary shared by the hub and the channels: paths, channel names, the configuration,
frame helpers and one client connection with its outgoing queue."""

from __future__ import annotations

import asyncio
import time
from collections import deque
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

Json = dict[str, Any]
SubKey = tuple[str, str, str]            # (instType, channel, instId or coin) as pushed in "arg"


@dataclass(slots=True)
class WsConfig:
    idle_timeout_s: float = 120.0
    max_msgs_per_s: int = 10
    close_on_flood: bool = True
    fast: bool = False
    books_interval_ms: float = 100.0     # also ticker and books1/5/15
    candle_interval_ms: float = 500.0
    max_queue: int = 50_000
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
    """One client connection: its subscriptions, login and outgoing queue."""

    __slots__ = ("close_after", "closed", "id", "key", "last_ping", "out", "private", "received", "request",
                 "stalled", "sub_requests", "subs", "wake", "writer", "ws")

    def __init__(self, conn_id: int, ws: web.WebSocketResponse, request: web.Request, private: bool) -> None:
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

    def send(self, frame: bytes) -> bool:
        if self.closed or self.stalled or self.close_after is not None:
            return False
        self.out.append(frame)
        self.wake.set()
        return True
