"""What the V2 and V3 WebSocket hubs share: the connections (reader, writer task, close, idle check), the faults
(``faults.WsControl``) and the client's side of the protocol, which is the same on both (text ``ping``/``pong``,
``{"op": "subscribe"|"unsubscribe"|"login", "args": [...]}`` with one ack or error event per arg). Each hub says what
an arg means (``_parse``), what a subscription starts (``_subscribed``) and stops (``_unsubscribe``), and how login
and acks read in its generation.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from abc import ABC, abstractmethod
from typing import Any

import orjson
from aiohttp import WSMsgType, web

from terminal_app.bitget.errors import ExchangeError
from terminal_app.sim.server.auth import ApiKey, Authenticator
from terminal_app.sim.server.ws_protocol import Conn, Json, SubKey, WsConfig, error_frame, event_frame

log = logging.getLogger("terminal_app.sim.ws")

SUBSCRIPTION_OPS = ("subscribe", "unsubscribe", "login")


class WsHubBase(ABC):
    """The connections of one WebSocket generation. ``limits_requests``: Bitget's per-connection request budgets
    (``max_msgs_per_s`` a second, ``max_subscribe_requests`` an hour) apply."""

    private_path = ""
    writer_name = "sim-ws-writer"
    limits_requests = False

    def __init__(self, auth: Authenticator, config: WsConfig, first_id: int = 1) -> None:
        self.auth = auth
        self.config = config
        self.conns: dict[int, Conn] = {}
        self._next_id = first_id
        self.slow_closes = 0             # connections cut off for not reading (benchmarks)

    # ---- connections -----------------------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=True, compress=False, max_msg_size=1 << 20)
        await ws.prepare(request)
        conn = Conn(self._next_id, ws, request, request.path == self.private_path, max_queue=self.config.max_queue,
                    on_cut_off=self._count_slow)
        self._next_id += 1
        self.conns[conn.id] = conn
        conn.writer = asyncio.create_task(self._write(conn), name=f"{self.writer_name}-{conn.id}")
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
            with contextlib.suppress(asyncio.CancelledError, ConnectionError, RuntimeError):
                await conn.writer
        if not conn.ws.closed:
            await conn.ws.close()

    async def close_all(self) -> None:
        for conn in list(self.conns.values()):
            conn.closed = True
            conn.wake.set()
            if not conn.ws.closed:
                await conn.ws.close(code=1001, message=b"server shutdown")

    def idle_check(self) -> None:
        """Close connections that sent no ``ping`` for ``idle_timeout_s`` (Bitget: 2 minutes)."""
        limit = time.monotonic() - self.config.idle_timeout_s
        for conn in list(self.conns.values()):
            if conn.last_ping < limit and not conn.closed and conn.close_after is None:
                log.info("ws %d: no ping for %.0f s; closing", conn.id, self.config.idle_timeout_s)
                self._on_idle(conn)

    def _on_idle(self, conn: Conn) -> None:
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
        if self.limits_requests and not self._within_rate(conn, now):
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
        if op not in SUBSCRIPTION_OPS:
            if not self._other_op(conn, op, msg):
                conn.send(error_frame(30003, f"Invalid op: {op}"))
            return
        args = msg.get("args")
        if not isinstance(args, list) or not args:
            conn.send(error_frame(30002, "illegal request: args must be a non-empty list"))
            return
        if op == "login":
            self._login(conn, args[0])
            return
        if self.limits_requests and not self._within_subscribe_budget(conn, now):
            return
        for arg in args:
            if op == "subscribe":
                self._subscribe(conn, arg)
            else:
                self._on_unsubscribe(conn, arg)

    def _within_rate(self, conn: Conn, now: float) -> bool:
        received = conn.received
        received.append(now)
        while received and received[0] <= now - 1.0:
            received.popleft()
        if len(received) > self.config.max_msgs_per_s:
            conn.send(error_frame(30006, "Request too many"))
            if self.config.close_on_flood:
                self._close(conn, 1008, b"too many requests")
            return False
        return True

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

    def _other_op(self, conn: Conn, op: Any, msg: Json) -> bool:
        """An op besides subscribe/unsubscribe/login; True when this generation answered it."""
        return False

    def _login(self, conn: Conn, arg: Any) -> None:
        try:
            key = self.auth.check_ws_login(arg)
        except ExchangeError as exc:
            conn.send(error_frame(int(exc.code), exc.exchange_msg))
            return
        refusal = self._refuse_login(key)
        if refusal is not None:
            conn.send(refusal)
            return
        conn.key = key
        conn.send(self._login_ack(conn))

    def _refuse_login(self, key: ApiKey) -> bytes | None:
        """The error event for a key this generation does not take, else None."""
        return None

    def _login_ack(self, conn: Conn) -> bytes:
        return event_frame("login", code=0, msg="")

    def _ack(self, conn: Conn, event: str, arg: Any) -> None:
        conn.send(event_frame(event, arg=arg))

    def _subscribe(self, conn: Conn, arg: Any) -> None:
        key = self._parse(conn, arg)
        if key is None:
            return
        if self._needs_login(key) and conn.key is None:
            conn.send(error_frame(30004, "User not logged in", arg))
            return
        fresh = key not in conn.subs
        if fresh and len(conn.subs) >= self.config.max_channels:
            conn.send(error_frame(30007, f"Request over limit: at most {self.config.max_channels} channels per "
                                         "connection", arg))
            return
        self._ack(conn, "subscribe", arg)
        self._subscribed(conn, key, arg, fresh)

    def _on_unsubscribe(self, conn: Conn, arg: Any) -> None:
        key = self._parse(conn, arg)
        if key is None:
            return
        self._unsubscribe(conn, key)
        self._ack(conn, "unsubscribe", arg)

    # ---- what each generation says ------------------------------------------------------------------------------

    @abstractmethod
    def _parse(self, conn: Conn, arg: Any) -> SubKey | None:
        """Validate one subscribe/unsubscribe arg; sends the error event and returns None when it is invalid."""

    @abstractmethod
    def _needs_login(self, key: SubKey) -> bool:
        """A private channel: subscribing needs a login first."""

    @abstractmethod
    def _subscribed(self, conn: Conn, key: SubKey, arg: Any, fresh: bool) -> None:
        """Acked: start pushing (``fresh``: it was not subscribed already)."""

    @abstractmethod
    def _unsubscribe(self, conn: Conn, key: SubKey) -> None:
        """Stop pushing ``key`` to ``conn`` (also when the connection goes)."""
