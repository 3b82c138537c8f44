"""Bitget's V2 WebSocket protocol on ``/v2/ws/public`` and ``/v2/ws/private`` (bitget-v2.md §4, §7).

Client side: ``{"op":"subscribe"|"unsubscribe","args":[…]}`` with one ack per arg, ``{"op":"login"}`` with Bitget's
signature (acked ``{"event":"login","code":"0","msg":""}``), text ``ping`` → ``pong``, error events 30001 (unknown
channel/instId), 30002 (illegal request), 30003 (unknown op), 30004 (login required), 30005/30011-30015 (login),
30006 (more than ``max_msgs_per_s`` messages in a second; the connection is then closed) and 30016 (bad arg). A
connection without a ``ping`` for ``idle_timeout_s`` (120 s) is closed. Bitget's per-connection budgets: 240
subscribe/unsubscribe requests an hour (the next one gets 30007 "Request over limit, connection close" and the
connection is closed, as that message says) and 1000 channels (a subscribe beyond them is refused with 30007 for that
arg and the connection stays; Bitget documents the limit, not the answer, so the code is the nearest documented one).

Server side, fed by the engine's events: ``ticker``, ``candle<interval>`` (snapshot of recent candles, then updates of
the forming one), ``trade``, ``books`` (full snapshot, then incremental updates with ``seq``/``pseq`` and the CRC32 of
the top 25 levels over exactly the strings sent), ``books1/5/15`` (snapshots when they change); private ``account``,
``orders``, ``fill``, ``positions``, ``orders-algo`` pushed when they change. Cadence: public channels at most every
100 ms per symbol (candles 500 ms); with ``fast`` every engine step's book change is pushed at once.

Every market's messages are rendered once and the same bytes are queued on every subscriber; each connection has
its own writer task, so a slow client delays only itself (and is cut off when its queue passes ``max_queue``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice
from typing import Any

import orjson
from aiohttp import WSMsgType, web
from sortedcontainers import SortedDict

from terminal_app.bitget.checksum import CHECKSUM_DEPTH, book_checksum
from terminal_app.bitget.errors import ExchangeError
from terminal_app.bitget.symbols import InstType, SymbolRef
from terminal_app.sim.engine.events import (
    AccountEvent,
    BookChanged,
    CandleTick,
    Event,
    FillEvent,
    OrderEvent,
    PlanOrderEvent,
    PositionEvent,
    TickerChanged,
    TradeEvent,
)
from terminal_app.sim.engine.exchange import Exchange
from terminal_app.sim.engine.market_data import Ticker
from terminal_app.sim.market.state import Trade
from terminal_app.sim.server import render
from terminal_app.sim.server.auth import ApiKey, Authenticator
from terminal_app.sim.server.faults import FaultInjector

log = logging.getLogger("terminal_app.sim.ws")

PUBLIC_PATH = "/v2/ws/public"
PRIVATE_PATH = "/v2/ws/private"
INST_TYPES = {"SPOT": InstType.SPOT, "USDT-FUTURES": InstType.USDT_FUTURES}
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


def _event(event: str, **fields: Any) -> bytes:
    return dumps({"event": event, **fields})


def _error(code: int, msg: str, arg: Any = None) -> bytes:
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


class BookMirror:
    """The ``books`` channel's view of one market: every level as the exact strings sent, sorted best first."""

    __slots__ = ("asks", "bids")

    def __init__(self, bids: Iterable[tuple[Decimal, Decimal]], asks: Iterable[tuple[Decimal, Decimal]]) -> None:
        self.bids: SortedDict = SortedDict()     # -price → [price, size]
        self.asks: SortedDict = SortedDict()     # price → [price, size]
        for p, q in bids:
            self.bids[-p] = [render.num(p), render.num(q)]
        for p, q in asks:
            self.asks[p] = [render.num(p), render.num(q)]

    def apply(self, bids: Iterable[tuple[Decimal, Decimal]], asks: Iterable[tuple[Decimal, Decimal]]
              ) -> tuple[list[list[str]], list[list[str]]]:
        """Apply one change set; returns the levels as they go on the wire (size "0" for a removed level)."""
        out_bids = [self._set(self.bids, -p, p, q) for p, q in bids]
        out_asks = [self._set(self.asks, p, p, q) for p, q in asks]
        return out_bids, out_asks

    @staticmethod
    def _set(side: SortedDict, key: Decimal, price: Decimal, size: Decimal) -> list[str]:
        level = [render.num(price), render.num(size)]
        if size:
            side[key] = level
        else:
            side.pop(key, None)
            level[1] = "0"
        return level

    def top(self, n: int) -> tuple[list[list[str]], list[list[str]]]:
        return list(islice(self.bids.values(), n)), list(islice(self.asks.values(), n))

    def checksum(self) -> int:
        bids, asks = self.top(CHECKSUM_DEPTH)
        return book_checksum(bids, asks)


class Feed:
    """Public channels of one market: subscribers per channel and what is waiting to be pushed."""

    def __init__(self, ref: SymbolRef) -> None:
        self.ref = ref
        self.subs: dict[str, set[Conn]] = {}
        self.book: BookMirror | None = None
        self.pending_bids: dict[Decimal, Decimal] = {}
        self.pending_asks: dict[Decimal, Decimal] = {}
        self.seq = 0
        self.books_due = 0.0
        self.depth_dirty = False
        self.depth_due = 0.0
        self.depth_sent: dict[int, Any] = {}
        self.ticker: Ticker | None = None
        self.ticker_due = 0.0
        self.trades: list[Trade] = []
        self.candle_dirty = False
        self.candle_due = 0.0

    def arg(self, channel: str) -> Json:
        return {"instType": self.ref.inst_type.value, "channel": channel, "instId": self.ref.symbol}

    def wants_book(self) -> bool:
        return any(self.subs.get(ch) for ch in ("books", *BOOK_DEPTHS))


class WsHub:
    """All WebSocket connections of one simulator; implements ``faults.WsControl``."""

    def __init__(self, ex: Exchange, auth: Authenticator, faults: FaultInjector, clock_ms: Callable[[], int],
                 config: WsConfig | None = None) -> None:
        self.ex = ex
        self.auth = auth
        self.faults = faults
        self.clock_ms = clock_ms
        self.config = config or WsConfig()
        self.conns: dict[int, Conn] = {}
        self.feeds: dict[SymbolRef, Feed] = {m.ref: Feed(m.ref) for m in ex.markets()}
        self.by_uid: dict[str, set[Conn]] = {}
        self._next_id = 1
        self.sent = 0                    # frames queued, all connections (benchmarks)
        self.books_updates = 0
        ex.add_listener(self._on_event)

    # ---- connections -----------------------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        private = request.path == PRIVATE_PATH
        ws = web.WebSocketResponse(autoping=True, compress=False, max_msg_size=1 << 20)
        await ws.prepare(request)
        conn = Conn(self._next_id, ws, request, private)
        self._next_id += 1
        self.conns[conn.id] = conn
        conn.writer = asyncio.create_task(self._write(conn), name=f"sim-ws-writer-{conn.id}")
        try:
            async for msg in ws:
                if conn.closed:
                    break
                if conn.close_after is not None:
                    continue                 # being closed: the rest of what the client sends is ignored
                if msg.type is WSMsgType.TEXT:
                    self._on_text(conn, msg.data)
                elif msg.type is WSMsgType.BINARY:
                    self._on_text(conn, msg.data.decode("utf-8", "replace"))
        finally:
            await self._forget(conn)
        return ws

    async def _write(self, conn: Conn) -> None:
        ws = conn.ws
        out = conn.out
        send = ws.send_frame
        text = WSMsgType.TEXT
        try:
            while not conn.closed:
                await conn.wake.wait()
                conn.wake.clear()
                if len(out) > self.config.max_queue:
                    log.warning("ws %d: %d frames queued; closing a client that does not read", conn.id, len(out))
                    out.clear()
                    await ws.close(code=1008, message=b"slow consumer")
                    break
                while out:
                    await send(out.popleft(), text)
                if conn.close_after is not None:
                    code, reason = conn.close_after
                    await ws.close(code=code, message=reason)
                    break
        except (ConnectionError, RuntimeError):
            pass                     # the peer went away; the reader side cleans up

    async def _forget(self, conn: Conn) -> None:
        conn.closed = True
        conn.out.clear()
        self.conns.pop(conn.id, None)
        for key in list(conn.subs):
            self._unsubscribe(conn, key)
        if conn.writer is not None:
            conn.wake.set()
            conn.writer.cancel()
            try:
                await conn.writer
            except (asyncio.CancelledError, ConnectionError, RuntimeError):
                pass
        if not conn.ws.closed:
            await conn.ws.close()

    async def close_all(self) -> None:
        for conn in list(self.conns.values()):
            conn.closed = True
            conn.wake.set()
            if not conn.ws.closed:
                await conn.ws.close(code=1001, message=b"server shutdown")

    def idle_check(self) -> None:
        """Close connections that sent no ``ping`` for ``idle_timeout_s``."""
        limit = time.monotonic() - self.config.idle_timeout_s
        for conn in list(self.conns.values()):
            if conn.last_ping < limit and not conn.closed and conn.close_after is None:
                log.info("ws %d: no ping for %.0f s; closing", conn.id, self.config.idle_timeout_s)
                self._close(conn, 1000, b"idle")

    def _close(self, conn: Conn, code: int, reason: bytes) -> None:
        """Close after what is queued (e.g. the 30006 error event) has been sent."""
        if conn.close_after is None:
            conn.close_after = (code, reason)
            conn.wake.set()

    # ---- faults (WsControl) ----------------------------------------------------------------------------------

    def connection_ids(self) -> list[int]:
        return sorted(self.conns)

    def _targets(self, conn_id: int | None) -> list[Conn]:
        if conn_id is None:
            return list(self.conns.values())
        conn = self.conns.get(conn_id)
        return [conn] if conn else []

    def drop(self, conn_id: int | None) -> int:
        targets = self._targets(conn_id)
        for conn in targets:
            conn.closed = True
            conn.out.clear()
            transport = conn.request.transport
            if transport is not None:
                transport.abort()
        return len(targets)

    def stall(self, conn_id: int | None, stalled: bool) -> int:
        targets = self._targets(conn_id)
        for conn in targets:
            conn.stalled = stalled
            if stalled:
                conn.out.clear()
        return len(targets)

    def send_raw(self, conn_id: int | None, text: str) -> int:
        return sum(conn.send(text.encode()) for conn in self._targets(conn_id))

    # ---- client messages ---------------------------------------------------------------------------------------

    def _on_text(self, conn: Conn, data: str) -> None:
        now = time.monotonic()
        received = conn.received
        received.append(now)
        while received and received[0] <= now - 1.0:
            received.popleft()
        if len(received) > self.config.max_msgs_per_s:
            conn.send(_error(30006, "Request too many"))
            if self.config.close_on_flood:
                self._close(conn, 1008, b"too many requests")
            return
        if data == "ping":
            conn.last_ping = now
            conn.send(b"pong")
            return
        try:
            msg = orjson.loads(data)
        except orjson.JSONDecodeError:
            conn.send(_error(30002, "illegal request"))
            return
        if not isinstance(msg, dict):
            conn.send(_error(30002, "illegal request"))
            return
        op = msg.get("op")
        args = msg.get("args")
        if op not in ("subscribe", "unsubscribe", "login"):
            conn.send(_error(30003, f"Invalid op: {op}"))
            return
        if not isinstance(args, list) or not args:
            conn.send(_error(30002, "illegal request: args must be a non-empty list"))
            return
        if op == "login":
            self._login(conn, args[0])
            return
        if not self._within_subscribe_budget(conn, now):
            return
        for arg in args:
            if op == "subscribe":
                self._subscribe(conn, arg)
            else:
                self._on_unsubscribe(conn, arg)

    def _within_subscribe_budget(self, conn: Conn, now: float) -> bool:
        cfg = self.config
        requests = conn.sub_requests
        while requests and requests[0] <= now - cfg.subscribe_window_s:
            requests.popleft()
        if len(requests) >= cfg.max_subscribe_requests:
            conn.send(_error(30007, "Request over limit, connection close"))
            self._close(conn, 1008, b"subscribe requests over limit")
            return False
        requests.append(now)
        return True

    def _login(self, conn: Conn, arg: Any) -> None:
        try:
            key = self.auth.check_ws_login(arg)
        except ExchangeError as exc:
            conn.send(_error(int(exc.code), exc.exchange_msg))
            return
        conn.key = key
        conn.send(_event("login", code="0", msg=""))

    def _parse_arg(self, conn: Conn, arg: Any) -> tuple[SubKey, InstType, str] | None:
        """Validate one subscribe/unsubscribe arg; sends the error event and returns None when it is invalid."""
        if not isinstance(arg, dict) or not arg.get("instType") or not arg.get("channel"):
            conn.send(_error(30016, "Param error", arg))
            return None
        inst_text = str(arg["instType"]).upper()
        channel = str(arg["channel"])
        ident = str(arg.get("instId") or arg.get("coin") or "")
        inst_type = INST_TYPES.get(inst_text)
        missing = _error(30001, f"instType:{arg['instType']},channel:{channel},instId:{ident} doesn't exist", arg)
        if inst_type is None:
            conn.send(missing)
            return None
        if channel in PRIVATE_CHANNELS:
            if not conn.private or (channel == "positions" and inst_type is InstType.SPOT):
                conn.send(missing)
                return None
            if channel == "account":
                return (inst_text, channel, ident or "default"), inst_type, "coin"
            ident = ident or "default"
            if ident.lower() == "default":
                return (inst_text, channel, "default"), inst_type, "instId"
        elif channel not in PUBLIC_CHANNELS and not (channel.startswith("candle")
                                                     and channel[6:] in render.WS_CANDLE_INTERVALS):
            conn.send(missing)
            return None
        ref = SymbolRef(ident.upper(), inst_type)
        if ref not in self.feeds:
            conn.send(missing)
            return None
        return (inst_text, channel, ref.symbol), inst_type, "instId"

    def _subscribe(self, conn: Conn, arg: Any) -> None:
        parsed = self._parse_arg(conn, arg)
        if parsed is None:
            return
        key, inst_type, id_name = parsed
        channel = key[1]
        private = channel in PRIVATE_CHANNELS
        if private and conn.key is None:
            conn.send(_error(30004, "User not logged in", arg))
            return
        push_arg = {"instType": key[0], "channel": channel, id_name: key[2]}
        if key not in conn.subs and len(conn.subs) >= self.config.max_channels:
            conn.send(_error(30007, f"Request over limit: at most {self.config.max_channels} channels per connection",
                             arg))
            return
        conn.send(_event("subscribe", arg=arg))
        if key in conn.subs:
            if channel == "books":   # a repeated subscribe is how clients resynchronise: a fresh snapshot
                self._books_snapshot(self.feeds[SymbolRef(key[2], inst_type)], conn)
            return
        conn.subs[key] = push_arg
        if private:
            assert conn.key is not None
            self.by_uid.setdefault(conn.key.uid, set()).add(conn)
            self._private_snapshot(conn, key, push_arg, inst_type)
            return
        feed = self.feeds[SymbolRef(key[2], inst_type)]
        if not feed.wants_book() and (channel == "books" or channel in BOOK_DEPTHS):
            depth = self.ex.depth(feed.ref, 10_000)
            feed.book = BookMirror(depth.bids, depth.asks)
            feed.depth_sent.clear()
            feed.pending_bids.clear()
            feed.pending_asks.clear()
        feed.subs.setdefault(channel, set()).add(conn)
        self._public_snapshot(feed, channel, conn)

    def _on_unsubscribe(self, conn: Conn, arg: Any) -> None:
        parsed = self._parse_arg(conn, arg)
        if parsed is None:
            return
        self._unsubscribe(conn, parsed[0])
        conn.send(_event("unsubscribe", arg=arg))

    def _unsubscribe(self, conn: Conn, key: SubKey) -> None:
        if conn.subs.pop(key, None) is None:
            return
        channel = key[1]
        if channel in PRIVATE_CHANNELS:
            if conn.key is not None and not any(k[1] in PRIVATE_CHANNELS for k in conn.subs):
                holders = self.by_uid.get(conn.key.uid)
                if holders is not None:
                    holders.discard(conn)
                    if not holders:
                        del self.by_uid[conn.key.uid]
            return
        feed = self.feeds[SymbolRef(key[2], INST_TYPES[key[0]])]
        subs = feed.subs.get(channel)
        if subs is not None:
            subs.discard(conn)
        if not feed.wants_book():
            feed.book = None         # no one reads this book: stop mirroring it

    # ---- snapshots on subscribe --------------------------------------------------------------------------------

    def _push(self, arg: Json, data: Any, action: str = "snapshot") -> bytes:
        return dumps({"action": action, "arg": arg, "data": data, "ts": self.clock_ms()})

    def _public_snapshot(self, feed: Feed, channel: str, conn: Conn) -> None:
        ex = self.ex
        ref = feed.ref
        if channel == "ticker":
            conn.send(self._push(feed.arg(channel), [render.ws_ticker(ex.ticker(ref))]))
        elif channel == "trade":
            trades = ex.recent_trades(ref, TRADE_SNAPSHOT)
            conn.send(self._push(feed.arg(channel), [render.ws_trade(t) for t in trades]))
        elif channel == "books":
            self._books_snapshot(feed, conn)
        elif channel in BOOK_DEPTHS:
            conn.send(self._depth_message(feed, channel))
        else:
            gran, offset = render.WS_CANDLE_INTERVALS[channel[6:]]
            candles = ex.candles(ref, gran, limit=CANDLE_SNAPSHOT, offset_ms=offset)
            conn.send(self._push(feed.arg(channel), [render.ws_candle_row(c) for c in candles]))

    def _books_snapshot(self, feed: Feed, conn: Conn) -> None:
        book = feed.book
        assert book is not None
        bids, asks = book.top(len(book.bids) + len(book.asks))
        item = {"asks": asks, "bids": bids, "checksum": book.checksum(), "seq": feed.seq,
                "ts": str(self.ex.now_ms())}
        conn.send(self._push(feed.arg("books"), [item]))

    def _depth_message(self, feed: Feed, channel: str) -> bytes:
        book = feed.book
        assert book is not None
        bids, asks = book.top(BOOK_DEPTHS[channel])
        item = {"asks": asks, "bids": bids, "checksum": book_checksum(bids, asks), "seq": feed.seq,
                "ts": str(self.ex.now_ms())}
        return self._push(feed.arg(channel), [item])

    def _private_snapshot(self, conn: Conn, key: SubKey, arg: Json, inst_type: InstType) -> None:
        assert conn.key is not None
        uid = conn.key.uid
        channel = key[1]
        if channel == "account":
            if inst_type is InstType.SPOT:
                rows = [render.ws_spot_account(b) for b in self.ex.spot_balances(uid)
                        if (b.available or b.frozen) and key[2] in ("default", b.coin)]
            else:
                rows = [render.ws_futures_account(self.ex.futures_account(uid))]
            conn.send(self._push(arg, rows))
        elif channel == "positions":
            conn.send(self._push(arg, [render.ws_position(p) for p in self.ex.positions(uid)]))

    # ---- engine events -----------------------------------------------------------------------------------------

    def _on_event(self, event: Event) -> None:
        if isinstance(event, BookChanged):
            feed = self.feeds.get(event.ref)
            if feed is None or feed.book is None:
                return
            if self.config.fast:
                bids, asks = feed.book.apply(event.bids, event.asks)
                self._send_books_update(feed, bids, asks)
                feed.depth_dirty = True
            else:
                feed.book.apply(event.bids, event.asks)
                feed.pending_bids.update(event.bids)
                feed.pending_asks.update(event.asks)
        elif isinstance(event, TickerChanged):
            feed = self.feeds.get(event.ref)
            if feed is not None and feed.subs.get("ticker"):
                feed.ticker = event.ticker
        elif isinstance(event, TradeEvent):
            feed = self.feeds.get(event.ref)
            if feed is not None and feed.subs.get("trade"):
                feed.trades.append(Trade(event.trade_id, event.price, event.size, event.side, event.ts))
        elif isinstance(event, CandleTick):
            feed = self.feeds.get(event.ref)
            if feed is not None:
                feed.candle_dirty = True
        elif self.by_uid:
            self._on_private(event)

    def _on_private(self, event: Event) -> None:
        conns = self.by_uid.get(getattr(event, "uid", ""))
        if not conns:
            return
        if isinstance(event, OrderEvent):
            o = event.order
            futures = o.ref.is_futures
            row = render.ws_futures_order(o, event.fill) if futures else render.ws_spot_order(o, event.fill)
            self._send_private(conns, o.ref.inst_type, "orders", o.ref.symbol, row)
        elif isinstance(event, FillEvent):
            f = event.fill
            row = render.ws_futures_fill(f) if f.ref.is_futures else render.ws_spot_fill(f)
            self._send_private(conns, f.ref.inst_type, "fill", f.ref.symbol, row)
        elif isinstance(event, PlanOrderEvent):
            p = event.plan
            self._send_private(conns, p.ref.inst_type, "orders-algo", p.ref.symbol, render.ws_plan_order(p))
        elif isinstance(event, PositionEvent):
            rows = [render.ws_position(p) for p in event.positions]
            self._send_private(conns, InstType.USDT_FUTURES, "positions", None, rows)
        elif isinstance(event, AccountEvent):
            if event.futures is not None:
                self._send_private(conns, event.inst_type, "account", None, render.ws_futures_account(event.futures))
            else:
                for conn in conns:
                    for key, arg in conn.subs.items():
                        if key[0] == "SPOT" and key[1] == "account":
                            rows = [render.ws_spot_account(b) for b in event.balances
                                    if key[2] in ("default", b.coin)]
                            if rows:
                                conn.send(self._push(arg, rows))

    def _send_private(self, conns: set[Conn], inst_type: InstType, channel: str, symbol: str | None,
                      row: Json | list[Json]) -> None:
        """Push to every matching subscription: ``default`` (all symbols) or the event's symbol."""
        data = row if isinstance(row, list) else [row]
        inst = inst_type.value
        frames: dict[SubKey, bytes] = {}
        for conn in conns:
            for key, arg in conn.subs.items():
                if key[0] != inst or key[1] != channel:
                    continue
                if symbol is not None and key[2] not in ("default", symbol):
                    continue
                frame = frames.get(key)
                if frame is None:
                    frame = frames[key] = self._push(arg, data)
                conn.send(frame)

    # ---- periodic flush ----------------------------------------------------------------------------------------

    def flush(self) -> None:
        """Push what the engine changed since the last flush, at each channel's cadence."""
        now = time.monotonic() * 1000.0
        cfg = self.config
        fast = cfg.fast
        for feed in self.feeds.values():
            if not feed.subs:
                continue
            if feed.book is not None and (feed.pending_bids or feed.pending_asks) and now >= feed.books_due:
                self._flush_books(feed)
                feed.books_due = now + cfg.books_interval_ms
                feed.depth_dirty = True
            if feed.depth_dirty and feed.book is not None and (fast or now >= feed.depth_due):
                feed.depth_dirty = False
                feed.depth_due = now + cfg.books_interval_ms
                for channel in BOOK_DEPTHS:
                    if feed.subs.get(channel):
                        self._flush_depth(feed, channel)
            if feed.ticker is not None and (fast or now >= feed.ticker_due):
                subs = feed.subs.get("ticker")
                if subs:
                    self._fan_out(subs, self._push(feed.arg("ticker"), [render.ws_ticker(feed.ticker)]))
                feed.ticker = None
                feed.ticker_due = now + cfg.books_interval_ms
            if feed.trades:
                subs = feed.subs.get("trade")
                if subs:
                    rows = [render.ws_trade(t) for t in reversed(feed.trades)]
                    self._fan_out(subs, self._push(feed.arg("trade"), rows, "update"))
                feed.trades = []
            if feed.candle_dirty and now >= feed.candle_due:
                feed.candle_dirty = False
                feed.candle_due = now + cfg.candle_interval_ms
                self._flush_candles(feed)

    def _fan_out(self, conns: Iterable[Conn], frame: bytes) -> None:
        n = 0
        for conn in conns:
            n += conn.send(frame)
        self.sent += n

    def _flush_books(self, feed: Feed) -> None:
        if not feed.subs.get("books"):     # only books1/5/15 readers: they are rendered from the mirror
            feed.pending_bids.clear()
            feed.pending_asks.clear()
            feed.seq += 1
            return
        bids = sorted(feed.pending_bids.items(), reverse=True)
        asks = sorted(feed.pending_asks.items())
        feed.pending_bids.clear()
        feed.pending_asks.clear()
        wire_bids = [[render.num(p), render.num(q) if q else "0"] for p, q in bids]
        wire_asks = [[render.num(p), render.num(q) if q else "0"] for p, q in asks]
        self._send_books_update(feed, wire_bids, wire_asks)

    def _send_books_update(self, feed: Feed, bids: list[list[str]], asks: list[list[str]]) -> None:
        subs = feed.subs.get("books")
        book = feed.book
        if book is None:
            return
        pseq = feed.seq
        feed.seq += 1
        if not subs:
            return
        checksum = book.checksum()
        if self.faults.take_corrupt(feed.ref.symbol):
            checksum = checksum + 1 if checksum < 0x7FFF_FFFF else checksum - 1
        item = {"asks": asks, "bids": bids, "checksum": checksum, "seq": feed.seq, "pseq": pseq,
                "ts": str(self.ex.now_ms())}
        self._fan_out(subs, self._push(feed.arg("books"), [item], "update"))
        self.books_updates += 1

    def _flush_depth(self, feed: Feed, channel: str) -> None:
        book = feed.book
        assert book is not None
        top = book.top(BOOK_DEPTHS[channel])
        if feed.depth_sent.get(BOOK_DEPTHS[channel]) == top:
            return
        feed.depth_sent[BOOK_DEPTHS[channel]] = top
        self._fan_out(feed.subs[channel], self._depth_message(feed, channel))

    def _flush_candles(self, feed: Feed) -> None:
        for channel, subs in feed.subs.items():
            if not subs or not channel.startswith("candle"):
                continue
            gran, offset = render.WS_CANDLE_INTERVALS[channel[6:]]
            newest = self.ex.candles(feed.ref, gran, limit=1, offset_ms=offset)
            if newest:
                self._fan_out(subs, self._push(feed.arg(channel), [render.ws_candle_row(newest[-1])], "update"))
