"""Bitget's V2 WebSocket protocol on ``/v2/ws/public`` and ``/v2/ws/private`` (bitget-v2.md §4, §7): the
connections and what clients send. What the server pushes is :mod:`terminal_app.sim.server.ws_channels`.

Client side: ``{"op":"subscribe"|"unsubscribe","args":[…]}`` with one ack per arg, ``{"op":"login"}`` with Bitget's
signature (acked ``{"event":"login","code":0,"msg":""}``), text ``ping`` → ``pong``, error events 30001 (unknown
channel/instId), 30002 (illegal request), 30003 (unknown op), 30004 (login required), 30005/30011-30015 (login),
30006 (more than ``max_msgs_per_s`` messages in a second; the connection is then closed) and 30016 (bad arg). A
connection without a ``ping`` for ``idle_timeout_s`` (120 s) is closed. Bitget's per-connection budgets: 240
subscribe/unsubscribe requests an hour (the next one gets 30007 "Request over limit, connection close" and the
connection is closed, as that message says) and 1000 channels (a subscribe beyond them is refused with 30007 for that
arg and the connection stays; Bitget documents the limit, not the answer, so the code is the nearest documented one).

Each connection has its own writer task, so a slow client delays only itself (and is cut off with 1008 ``slow
consumer`` when ``max_queue`` frames wait for it, as Bitget disconnects a client that does not read).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import orjson
from aiohttp import WSMsgType, web

from terminal_app.bitget.errors import ExchangeError
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.sim.engine.exchange import Exchange
from terminal_app.sim.server import render
from terminal_app.sim.server.auth import Authenticator
from terminal_app.sim.server.faults import FaultInjector
from terminal_app.sim.server.ws_channels import Feed, WsChannels
from terminal_app.sim.server.ws_protocol import (
    INST_TYPES,
    PRIVATE_CHANNELS,
    PRIVATE_PATH,
    PUBLIC_CHANNELS,
    Conn,
    SubKey,
    WsConfig,
    error_frame,
    event_frame,
)

log = logging.getLogger("terminal_app.sim.ws")


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
        self.channels = WsChannels(ex, faults, clock_ms, self.config)
        self._next_id = 1
        self.slow_closes = 0             # connections cut off for not reading (benchmarks)

    @property
    def feeds(self) -> dict[SymbolRef, Feed]:
        return self.channels.feeds

    @property
    def sent(self) -> int:
        """Frames queued, all connections (benchmarks)."""
        return self.channels.sent

    @property
    def books_updates(self) -> int:
        return self.channels.books_updates

    def flush(self) -> None:
        """Push what the engine changed since the last flush, at each channel's cadence."""
        self.channels.flush()

    # ---- connections -----------------------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        private = request.path == PRIVATE_PATH
        ws = web.WebSocketResponse(autoping=True, compress=False, max_msg_size=1 << 20)
        await ws.prepare(request)
        conn = Conn(self._next_id, ws, request, private, max_queue=self.config.max_queue,
                    on_cut_off=self._count_slow)
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
                while out:
                    await send(out.popleft(), text)
                if conn.close_after is not None:
                    code, reason = conn.close_after
                    await ws.close(code=code, message=reason)
                    break
        except (ConnectionError, RuntimeError):
            pass                     # the peer went away; the reader side cleans up

    def _count_slow(self) -> None:
        self.slow_closes += 1
        log.warning("ws: %d frames queued for a client that does not read; closing it (slow consumer)",
                    self.config.max_queue)

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
            conn.send(error_frame(30006, "Request too many"))
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
            conn.send(error_frame(30002, "illegal request"))
            return
        if not isinstance(msg, dict):
            conn.send(error_frame(30002, "illegal request"))
            return
        op = msg.get("op")
        args = msg.get("args")
        if op not in ("subscribe", "unsubscribe", "login"):
            conn.send(error_frame(30003, f"Invalid op: {op}"))
            return
        if not isinstance(args, list) or not args:
            conn.send(error_frame(30002, "illegal request: args must be a non-empty list"))
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
            conn.send(error_frame(30007, "Request over limit, connection close"))
            self._close(conn, 1008, b"subscribe requests over limit")
            return False
        requests.append(now)
        return True

    def _login(self, conn: Conn, arg: Any) -> None:
        try:
            key = self.auth.check_ws_login(arg)
        except ExchangeError as exc:
            conn.send(error_frame(int(exc.code), exc.exchange_msg))
            return
        conn.key = key
        # the live exchange acks with a numeric 0 (ccxt pro's handleAuthenticate; SDKs that compare with 0), although
        # Bitget's page prints the string "0"
        conn.send(event_frame("login", code=0, msg=""))

    def _parse_arg(self, conn: Conn, arg: Any) -> tuple[SubKey, Product, str] | None:
        """Validate one subscribe/unsubscribe arg; sends the error event and returns None when it is invalid."""
        if not isinstance(arg, dict) or not arg.get("instType") or not arg.get("channel"):
            conn.send(error_frame(30016, "Param error", arg))
            return None
        inst_text = str(arg["instType"]).upper()
        channel = str(arg["channel"])
        ident = str(arg.get("instId") or arg.get("coin") or "")
        product = INST_TYPES.get(inst_text)
        missing = error_frame(30001, f"instType:{arg['instType']},channel:{channel},instId:{ident} doesn't exist", arg)
        if product is None:
            conn.send(missing)
            return None
        if channel in PRIVATE_CHANNELS:
            if not conn.private or (channel == "positions" and product is Product.SPOT):
                conn.send(missing)
                return None
            if channel == "account":
                return (inst_text, channel, ident or "default"), product, "coin"
            ident = ident or "default"
            if ident.lower() == "default":
                return (inst_text, channel, "default"), product, "instId"
        elif channel not in PUBLIC_CHANNELS and not (channel.startswith("candle")
                                                     and channel[6:] in render.WS_CANDLE_INTERVALS):
            conn.send(missing)
            return None
        ref = SymbolRef(ident.upper(), product)
        if ref not in self.feeds:
            conn.send(missing)
            return None
        return (inst_text, channel, ref.symbol), product, "instId"

    def _subscribe(self, conn: Conn, arg: Any) -> None:
        parsed = self._parse_arg(conn, arg)
        if parsed is None:
            return
        key, product, id_name = parsed
        channel = key[1]
        private = channel in PRIVATE_CHANNELS
        if private and conn.key is None:
            conn.send(error_frame(30004, "User not logged in", arg))
            return
        push_arg = {"instType": key[0], "channel": channel, id_name: key[2]}
        if key not in conn.subs and len(conn.subs) >= self.config.max_channels:
            conn.send(error_frame(30007, f"Request over limit: at most {self.config.max_channels} channels per "
                                         "connection", arg))
            return
        conn.send(event_frame("subscribe", arg=arg))
        if key in conn.subs:
            if channel == "books":   # a repeated subscribe is how clients resynchronise: a fresh snapshot
                self.channels.books_snapshot(self.feeds[SymbolRef(key[2], product)], conn)
            return
        conn.subs[key] = push_arg
        self.channels.add(conn, key, push_arg, product)

    def _on_unsubscribe(self, conn: Conn, arg: Any) -> None:
        parsed = self._parse_arg(conn, arg)
        if parsed is None:
            return
        self._unsubscribe(conn, parsed[0])
        conn.send(event_frame("unsubscribe", arg=arg))

    def _unsubscribe(self, conn: Conn, key: SubKey) -> None:
        if conn.subs.pop(key, None) is not None:
            self.channels.remove(conn, key)
