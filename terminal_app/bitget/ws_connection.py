"""One Bitget WebSocket connection that keeps itself alive: connect, login, paced (re)subscribe, ping, reconnect.

The streamer (``bitget.ws``) owns several of these and the handler table they dispatch into. A connection remembers
which channels it should carry; every time it (re)connects it logs in again (private) and resubscribes all of them,
paced and batched. Dead sockets are found with Bitget's text heartbeat: after each ``ping`` some message must arrive
within ``pong_timeout_s``, otherwise the socket is aborted and the reconnect loop takes over with exponential backoff
and jitter. Bitget's 24 h recycle is an ordinary close and goes through the same loop.

The receive path is the hot path of market data: frames are read as bytes, parsed with orjson and handed raw to the
handler registered for ``(instType, channel, instId or coin)`` without further work.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import random
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from time import monotonic
from typing import Any, Protocol

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, WebSocketException

from terminal_app.bitget.endpoints import (  # re-exported: their historic home
    DEMO_PRIVATE_URL,
    DEMO_PUBLIC_URL,
    LIVE_PRIVATE_URL,
    LIVE_PUBLIC_URL,
)
from terminal_app.bitget.errors import AuthError, BitgetError, ExchangeError, TransportError, error_for_code
from terminal_app.bitget.signing import ws_login_message
from terminal_app.bitget.ws_fast import FastClientConnection
from terminal_app.bitget.ws_pacing import MSG_WINDOW_S, MessagePacer
from terminal_app.core.credentials import Credentials

log = logging.getLogger(__name__)


class LoginFrameRedactor(logging.Filter):
    """Rewrites a log record that carries a Bitget login frame, so the API key, passphrase and signature never reach a
    handler. websockets logs each frame at DEBUG as ``("> %s", frame)``: the frame is an *argument*, so the whole
    record is replaced (message and arguments), not only its text. A filter acts on the logger it is attached to,
    not on records that merely pass through it: it must sit on the logger the connection logs with."""

    MARKERS = ('"op":"login"', '"apiKey"', '"passphrase"', '"sign"')

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except Exception:  # a record that cannot be formatted: judge its parts
            text = f"{record.msg} {record.args!r}"
        compact = text.replace(" ", "")
        if any(marker in compact for marker in self.MARKERS):
            record.msg = "%s TEXT login frame (credentials redacted)"
            record.args = (text[:1] if text[:1] in "<>" else "?",)
        return True


# websockets writes every frame to its connection's logger at DEBUG, the private login frame (API key, passphrase)
# included. Our connections use this logger: at INFO, so frames are not even formatted whatever the root's level, and
# with the redactor on it for whoever lowers it to DEBUG (a debugging session, a test that turns everything on).
FRAME_LOGGER = f"{__name__}.websockets"
_FRAME_LOG = logging.getLogger(FRAME_LOGGER)
_FRAME_LOG.setLevel(logging.INFO)
_FRAME_LOG.addFilter(LoginFrameRedactor())

ChannelKey = tuple[str, str, str]
"""``(instType, channel, instId or coin)``: how pushes, acks and errors are matched to subscriptions."""

Handler = Callable[[dict[str, Any]], Awaitable[None] | None]
"""Receives each raw push dict (``action``, ``arg``, ``data``, ``ts``); may be sync or async."""


def arg_key(arg: Mapping[str, Any]) -> ChannelKey:
    """V2 args name ``channel`` + ``instId``/``coin``; V3 (unified account) args ``topic`` + ``symbol`` and, for
    ``kline``, an ``interval`` that is part of the channel's identity."""
    channel = arg.get("channel") or arg.get("topic") or ""
    ident = arg.get("instId") or arg.get("coin") or arg.get("symbol") or ""
    interval = arg.get("interval")
    return (str(arg.get("instType", "")), str(channel), f"{ident}@{interval}" if interval else str(ident))


def _error_arg_key(msg: Mapping[str, Any]) -> ChannelKey | None:
    """The channel an error event is about: its ``arg`` if echoed, else parsed from Bitget's
    ``"instType:X,channel:Y,instId:Z doesn't exist"`` text."""
    arg = msg.get("arg")
    if isinstance(arg, Mapping):
        return arg_key(arg)
    text = str(msg.get("msg", "")).split(" ", 1)[0]
    fields = dict(part.split(":", 1) for part in text.split(",") if ":" in part)
    if "channel" in fields:
        return (fields.get("instType", ""), fields["channel"], fields.get("instId") or fields.get("coin", ""))
    return None


class WsClock(Protocol):
    """Exchange-corrected wall clock (``bitget.clock.ServerClock`` fits)."""

    def now_ms(self) -> int: ...

    def now_s(self) -> int: ...


class ConnectionState(enum.StrEnum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    LOGGED_IN = "logged_in"
    DISCONNECTED = "disconnected"
    RECONNECTING = "reconnecting"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class ConnectionEvent:
    """A state change of one connection. ``attempt`` counts reconnects since the last stable connection."""

    connection: str
    state: ConnectionState
    attempt: int
    reason: str
    at_ms: int
    error: BitgetError | None = None


class ChannelEventKind(enum.StrEnum):
    SUBSCRIBED = "subscribed"
    UNSUBSCRIBED = "unsubscribed"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class ChannelEvent:
    """A subscribe/unsubscribe ack or an error event from the server (``arg`` None when Bitget did not say which)."""

    connection: str
    kind: ChannelEventKind
    arg: dict[str, Any] | None
    at_ms: int
    error: BitgetError | None = None


StreamEvent = ConnectionEvent | ChannelEvent




@dataclass(frozen=True, slots=True)
class StreamerConfig:
    """Tunables of the streamer; the defaults follow Bitget's documented limits (bitget-v2.md §4).

    The simulator serves ``ws://127.0.0.1:PORT/v2/ws/public`` and ``…/private``: pass those as the URLs.
    """

    public_url: str = LIVE_PUBLIC_URL
    private_url: str = LIVE_PRIVATE_URL
    ping_interval_s: float = 20.0  # Bitget asks for a ping at least every 30 s
    pong_timeout_s: float = 8.0  # no message at all within this after a ping: the socket is dead
    max_msgs_per_window: int = 10
    msg_window_s: float = MSG_WINDOW_S
    max_subscribes_per_hour: int = 230  # Bitget allows 240 per connection
    max_args_per_message: int = 15
    channels_per_connection: int = 50  # Bitget recommends fewer than 50 for stability
    backoff_initial_s: float = 0.5
    backoff_max_s: float = 30.0
    backoff_jitter: float = 0.5  # delay = base * uniform(1 - jitter, 1)
    stable_after_s: float = 60.0  # a connection that lived this long resets the backoff
    open_timeout_s: float = 10.0
    login_timeout_s: float = 10.0
    ack_timeout_s: float = 10.0
    close_timeout_s: float = 2.0
    # Frames buffered before TCP back-pressure (websockets' high-water mark; reading resumes at a quarter of it).
    # Not lower: on a qasync loop every pause/resume of reading re-creates a QSocketNotifier and connects its
    # signal (~2 ms of the GUI thread), and with 16 a busy feed (thousands of pushes a second, which arrive in
    # bursts of dozens of frames per read) paused and resumed 50 times a second.
    max_queue: int = 1024
    max_frame_bytes: int = 8 * 1024 * 1024

    @classmethod
    def bitget(cls, *, demo: bool = False) -> StreamerConfig:
        """Bitget's own hosts: live, or the demo-trading (``wspap``) ones."""
        if demo:
            return cls(public_url=DEMO_PUBLIC_URL, private_url=DEMO_PRIVATE_URL)
        return cls()


@dataclass(slots=True)
class ConnectionStats:
    name: str
    private: bool
    state: ConnectionState
    reconnects: int
    messages: int
    malformed: int
    handler_errors: int
    last_message_ms: int | None
    ping_rtt_ms: float | None
    channels: int
    resubscribes: int
    subscribes_sent: int = field(default=0)


def backoff_delay(attempt: int, config: StreamerConfig, rng: random.Random) -> float:
    """Exponential backoff with jitter: ``initial * 2**(attempt-1)`` capped at ``backoff_max_s``, scaled down by a
    random factor so that many clients dropped at once do not reconnect in lockstep."""
    base = min(config.backoff_max_s, config.backoff_initial_s * 2.0 ** max(0, attempt - 1))
    return base * rng.uniform(1.0 - config.backoff_jitter, 1.0)


class _PermanentFailure(Exception):
    """Login refused for a reason retrying cannot fix (bad key, passphrase or signature)."""

    def __init__(self, error: BitgetError) -> None:
        super().__init__(str(error))
        self.error = error


class WsConnection:
    """One logical connection, reconnected as often as needed until :meth:`close`."""

    def __init__(self, name: str, url: str, config: StreamerConfig, handlers: dict[ChannelKey, tuple[Handler, bool]],
                 emit: Callable[[StreamEvent], None], clock: WsClock, rng: random.Random,
                 credentials: Credentials | None = None) -> None:
        self.name = name
        self.url = url
        self.private = credentials is not None
        self._config = config
        self._handlers = handlers
        self._emit_event = emit
        self._clock = clock
        self._rng = rng
        self._credentials = credentials
        self._subs: dict[ChannelKey, dict[str, Any]] = {}
        self._acked: set[ChannelKey] = set()
        self._sent: set[ChannelKey] = set()  # subscribe sent on the current socket, not unsubscribed since
        self._waiters: dict[tuple[str, ChannelKey], list[asyncio.Future[None]]] = {}
        self._ops: deque[tuple[str, ChannelKey, dict[str, Any]]] = deque()
        self._ops_ready = asyncio.Event()
        self._send_lock = asyncio.Lock()
        self._ws: ClientConnection | None = None
        self._ready = False
        self._login_future: asyncio.Future[None] | None = None
        self._pacer = self._new_pacer()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._failure: BitgetError | None = None
        self._dead_reason: str | None = None
        self._last_rx = 0.0
        self._ping_sent_at = 0.0
        self.state = ConnectionState.CLOSED
        self.attempt = 0
        self.reconnects = 0
        self.messages = 0
        self.malformed = 0
        self.handler_errors = 0
        self.resubscribes = 0
        self.subscribes_sent = 0
        self.ping_rtt_ms: float | None = None

    # ----- public API used by the streamer ----------------------------------------------------------------------------

    @property
    def channels(self) -> int:
        return len(self._subs)

    def carries(self, key: ChannelKey) -> bool:
        return key in self._subs

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name=f"bitget-ws-{self.name}")

    async def subscribe(self, arg: Mapping[str, Any], *, wait: bool) -> None:
        if self._failure is not None:
            raise self._failure
        key = arg_key(arg)
        self._subs[key] = dict(arg)
        future = self._add_waiter("subscribe", key) if wait else None
        if key in self._acked:
            self._resolve("subscribe", key)
        elif self._ready:
            self._queue("subscribe", key, self._subs[key])
        self.start()
        if future is not None:
            await self._await_ack(future, "subscribe", key)

    async def unsubscribe(self, arg: Mapping[str, Any], *, wait: bool) -> None:
        key = arg_key(arg)
        stored = self._subs.pop(key, None)
        self._acked.discard(key)
        self._drop_queued(key)
        self._fail_waiters("subscribe", key, TransportError("Unsubscribed before the subscription completed."))
        if stored is None or not self._ready or key not in self._sent:
            return  # the server never got it on this socket, and it will not be resubscribed
        future = self._add_waiter("unsubscribe", key) if wait else None
        self._queue("unsubscribe", key, stored)
        if future is not None:
            await self._await_ack(future, "unsubscribe", key)

    def resubscribe(self, arg: Mapping[str, Any]) -> bool:
        """Unsubscribe + subscribe this one channel so the server sends a fresh snapshot; False if not carried."""
        key = arg_key(arg)
        stored = self._subs.get(key)
        if stored is None:
            return False
        self.resubscribes += 1
        if self._ready and key in self._sent:
            self._acked.discard(key)
            self._drop_queued(key)
            self._queue("unsubscribe", key, stored)
            self._queue("subscribe", key, stored)
        # otherwise a subscribe is still queued (it brings a snapshot), or the reconnect resubscribes everything
        return True

    def stats(self) -> ConnectionStats:
        last_ms: int | None = None
        if self.messages:
            ago_s = monotonic() - self._last_rx
            last_ms = self._clock.now_ms() - int(ago_s * 1000)
        return ConnectionStats(self.name, self.private, self.state, self.reconnects, self.messages, self.malformed,
                               self.handler_errors, last_ms, self.ping_rtt_ms, len(self._subs), self.resubscribes,
                               self.subscribes_sent)

    async def close(self) -> None:
        self._closing = True
        ws = self._ws
        if ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(), self._config.close_timeout_s)
        task = self._task
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for (_, key) in list(self._waiters):
            self._fail_waiters("subscribe", key, TransportError("The stream was closed."))
            self._fail_waiters("unsubscribe", key, TransportError("The stream was closed."))
        if self.state is not ConnectionState.CLOSED:
            self._set_state(ConnectionState.CLOSED, "closed by the client")

    # ----- events and waiters -----------------------------------------------------------------------------------------

    def _set_state(self, state: ConnectionState, reason: str = "", error: BitgetError | None = None) -> None:
        self.state = state
        self._emit_event(ConnectionEvent(self.name, state, self.attempt, reason, self._clock.now_ms(), error))

    def _channel_event(self, kind: ChannelEventKind, arg: dict[str, Any] | None,
                       error: BitgetError | None = None) -> None:
        self._emit_event(ChannelEvent(self.name, kind, arg, self._clock.now_ms(), error))

    def _add_waiter(self, op: str, key: ChannelKey) -> asyncio.Future[None]:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault((op, key), []).append(future)
        return future

    def _resolve(self, op: str, key: ChannelKey) -> None:
        for future in self._waiters.pop((op, key), ()):
            if not future.done():
                future.set_result(None)

    def _fail_waiters(self, op: str, key: ChannelKey, error: BaseException) -> None:
        for future in self._waiters.pop((op, key), ()):
            if not future.done():
                future.set_exception(error)

    async def _await_ack(self, future: asyncio.Future[None], op: str, key: ChannelKey) -> None:
        try:
            await asyncio.wait_for(future, self._config.ack_timeout_s)
        except TimeoutError:
            waiters = self._waiters.get((op, key))
            if waiters and future in waiters:
                waiters.remove(future)
            raise TransportError(f"No {op} acknowledgement for {'/'.join(key)} within "
                                 f"{self._config.ack_timeout_s:g} s.") from None

    # ----- outgoing ---------------------------------------------------------------------------------------------------

    def _new_pacer(self) -> MessagePacer:
        c = self._config
        return MessagePacer(max_msgs=c.max_msgs_per_window, window_s=c.msg_window_s,
                            max_subscribes=c.max_subscribes_per_hour, clock=monotonic)

    def _queue(self, op: str, key: ChannelKey, arg: dict[str, Any]) -> None:
        self._ops.append((op, key, arg))
        self._ops_ready.set()

    def _drop_queued(self, key: ChannelKey) -> None:
        self._ops = deque(op for op in self._ops if op[1] != key)

    async def _paced_send(self, ws: ClientConnection, text: str | bytes, *, subscribe: bool = False) -> None:
        async with self._send_lock:
            await self._pacer.wait(subscribe=subscribe)
            await ws.send(text, text=True)
            self._pacer.record(subscribe=subscribe)

    async def _write_loop(self, ws: ClientConnection) -> None:
        """Send queued subscribe/unsubscribe ops, batching consecutive ops of one kind."""
        limit = self._config.max_args_per_message
        while True:
            while not self._ops:
                self._ops_ready.clear()
                await self._ops_ready.wait()
            # The hourly subscribe budget can mean a long wait: not under the lock, so pings keep flowing.
            await self._pacer.wait(subscribe=True)
            async with self._send_lock:
                # wait for the message slot before taking the batch, so that ops queued meanwhile join it
                await self._pacer.wait()
                if not self._ops:
                    continue
                op = self._ops[0][0]
                args: list[dict[str, Any]] = []
                while self._ops and len(args) < limit and self._ops[0][0] == op:
                    _, key, arg = self._ops.popleft()
                    args.append(arg)
                    if op == "subscribe":
                        self._sent.add(key)
                    else:
                        self._sent.discard(key)
                await ws.send(orjson.dumps({"op": op, "args": args}), text=True)
                self._pacer.record(subscribe=True)
                if op == "subscribe":
                    self.subscribes_sent += 1

    async def _ping_loop(self, ws: ClientConnection) -> None:
        c = self._config
        await asyncio.sleep(c.ping_interval_s)
        while True:
            sent = monotonic()
            self._ping_sent_at = sent
            await self._paced_send(ws, "ping")
            await asyncio.sleep(c.pong_timeout_s)
            if self._last_rx < sent:
                self._dead_reason = f"no pong or message within {c.pong_timeout_s:g} s of a ping"
                log.warning("%s: %s; dropping the connection", self.name, self._dead_reason)
                ws.transport.abort()
                return
            await asyncio.sleep(max(0.0, c.ping_interval_s - (monotonic() - sent)))

    # ----- incoming ---------------------------------------------------------------------------------------------------

    async def _read_loop(self, ws: ClientConnection) -> str:
        """Receive until the socket closes; returns why it closed."""
        handlers = self._handlers
        loads = orjson.loads
        recv = ws.recv
        try:
            while True:
                raw = await recv(decode=False)
                self._last_rx = monotonic()
                self.messages += 1
                if raw == b"pong":
                    self.ping_rtt_ms = (self._last_rx - self._ping_sent_at) * 1000.0
                    continue
                try:
                    msg = loads(raw)
                    if "action" in msg:
                        arg = msg["arg"]
                        channel = arg.get("channel")
                        if channel is not None:
                            entry = handlers.get((arg["instType"], channel, arg.get("instId") or arg.get("coin")))
                        else:  # V3
                            entry = handlers.get(arg_key(arg))
                    else:
                        self._on_event(msg)
                        continue
                except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
                    self.malformed += 1
                    log.warning("%s: malformed frame (%s): %.200r", self.name, exc, raw)
                    continue
                if entry is None:
                    continue
                try:
                    if entry[1]:
                        # entry[1] records that the handler is a coroutine function; Handler's type cannot tie that
                        # flag to its return type, and checking the result on every frame would cost time here
                        await entry[0](msg)  # type: ignore[misc]
                    else:
                        entry[0](msg)
                except Exception:
                    self.handler_errors += 1
                    log.exception("%s: handler for %s failed", self.name, msg.get("arg"))
        except ConnectionClosed as exc:
            if self._dead_reason:
                return self._dead_reason
            if exc.rcvd is not None:
                return f"closed by the server ({exc.rcvd.code} {exc.rcvd.reason})".replace(" )", ")")
            return "connection lost"

    def _on_event(self, msg: dict[str, Any]) -> None:
        event = msg.get("event")
        code = msg.get("code")
        if event == "login":
            if str(code) == "0":
                self._settle_login(None)
            else:
                self._settle_login(error_for_code(code, str(msg.get("msg", ""))))
            return
        if event in ("subscribe", "unsubscribe"):
            arg = msg.get("arg")
            if not isinstance(arg, dict):
                return
            key = arg_key(arg)
            if event == "subscribe":
                if key in self._subs:
                    self._acked.add(key)
                self._resolve("subscribe", key)
                self._channel_event(ChannelEventKind.SUBSCRIBED, arg)
            else:
                self._resolve("unsubscribe", key)
                self._channel_event(ChannelEventKind.UNSUBSCRIBED, arg)
            return
        if event == "error":
            error = error_for_code(code if code is not None else "", str(msg.get("msg", "")))
            if self._login_future is not None and not self._login_future.done():
                self._settle_login(error)
                return
            refused = _error_arg_key(msg)
            arg = msg.get("arg") if isinstance(msg.get("arg"), dict) else None
            if refused is not None:
                if refused in self._subs and refused not in self._acked:
                    # refused: do not resubscribe it after a reconnect either
                    self._subs.pop(refused, None)
                    self._handlers.pop(refused, None)
                self._fail_waiters("subscribe", refused, error)
                self._fail_waiters("unsubscribe", refused, error)
                arg = arg or {"instType": refused[0], "channel": refused[1], "instId": refused[2]}
            log.warning("%s: error event %s", self.name, error)
            self._channel_event(ChannelEventKind.ERROR, arg, error)
            return
        log.debug("%s: unhandled event %.200r", self.name, msg)

    def _settle_login(self, error: BitgetError | None) -> None:
        future = self._login_future
        if future is None or future.done():
            return
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(error)

    # ----- lifecycle --------------------------------------------------------------------------------------------------

    async def _login(self, ws: ClientConnection, reader: asyncio.Task[str]) -> None:
        assert self._credentials is not None
        loop = asyncio.get_running_loop()
        self._login_future = loop.create_future()
        message = ws_login_message(self._credentials, str(self._clock.now_s()))
        await self._paced_send(ws, orjson.dumps(message))
        waiting: set[asyncio.Future[Any]] = {self._login_future, reader}
        done, _ = await asyncio.wait(waiting, timeout=self._config.login_timeout_s, return_when=asyncio.FIRST_COMPLETED)
        if self._login_future in done:
            error = self._login_future.exception()
            if error is None:
                return
            if isinstance(error, AuthError):
                raise _PermanentFailure(error)
            raise error
        self._login_future.cancel()
        if reader in done:
            raise TransportError(f"connection closed during login ({reader.result()})")
        raise TransportError(f"no login answer within {self._config.login_timeout_s:g} s")

    async def _run(self) -> None:
        c = self._config
        while not self._closing:
            self._set_state(ConnectionState.CONNECTING)
            reason = "connection failed"
            error: BitgetError | None = None
            up_since: float | None = None
            try:
                async with connect(self.url, ping_interval=None, ping_timeout=None, compression=None,
                                   open_timeout=c.open_timeout_s, close_timeout=c.close_timeout_s,
                                   max_queue=c.max_queue, max_size=c.max_frame_bytes, logger=_FRAME_LOG,
                                   create_connection=FastClientConnection) as ws:
                    up_since = monotonic()
                    reason = await self._session(ws)
            except _PermanentFailure as failure:
                self._failure = failure.error
                for (op, key) in list(self._waiters):
                    self._fail_waiters(op, key, failure.error)
                self._set_state(ConnectionState.CLOSED, f"login refused: {failure.error}", failure.error)
                return
            except ExchangeError as exc:
                reason, error = f"login failed: {exc}", exc
            except TransportError as exc:
                reason, error = str(exc), exc
            except (OSError, TimeoutError, WebSocketException) as exc:
                reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            except Exception as exc:
                # keep the stream alive whatever went wrong in one session; the log has the traceback
                log.exception("%s: session failed", self.name)
                reason = f"internal error: {exc!r}"
            finally:
                self._ws = None
                self._ready = False
            if self._closing:
                break
            self._set_state(ConnectionState.DISCONNECTED, reason, error)
            if up_since is not None and monotonic() - up_since >= c.stable_after_s:
                self.attempt = 0
            self.attempt += 1
            self.reconnects += 1
            delay = backoff_delay(self.attempt, c, self._rng)
            self._set_state(ConnectionState.RECONNECTING, f"retry in {delay:.2f} s after: {reason}", error)
            await asyncio.sleep(delay)
        self._set_state(ConnectionState.CLOSED, "closed by the client")

    async def _session(self, ws: ClientConnection) -> str:
        """Run one physical connection until it closes; returns the reason."""
        self._ws = ws
        self._pacer = self._new_pacer()
        self._acked.clear()
        self._sent.clear()
        self._ops.clear()
        self._dead_reason = None
        self._last_rx = monotonic()
        self._set_state(ConnectionState.CONNECTED)
        reader = asyncio.create_task(self._read_loop(ws), name=f"bitget-ws-{self.name}-read")
        helpers: list[asyncio.Task[None]] = []
        try:
            if self._credentials is not None:
                await self._login(ws, reader)
                self._set_state(ConnectionState.LOGGED_IN)
            self._ready = True
            for key, arg in self._subs.items():
                self._queue("subscribe", key, arg)
            helpers.append(asyncio.create_task(self._write_loop(ws), name=f"bitget-ws-{self.name}-write"))
            helpers.append(asyncio.create_task(self._ping_loop(ws), name=f"bitget-ws-{self.name}-ping"))
            done, _ = await asyncio.wait({reader, *helpers}, return_when=asyncio.FIRST_COMPLETED)
            if reader not in done:
                # a helper ended while the socket was up: the ping loop after aborting a dead socket, or a bug;
                # either way this socket is finished and the reconnect starts from a clean state
                for task in done:
                    failure = task.exception()
                    if failure is not None and not isinstance(failure, ConnectionClosed):
                        log.error("%s: %s failed", self.name, task.get_name(), exc_info=failure)
                        self._dead_reason = f"internal error in {task.get_name()}: {failure!r}"
                        ws.transport.abort()
            reason = await reader
            for op, key in list(self._waiters):
                if op == "unsubscribe":
                    self._resolve(op, key)  # the new socket will not carry it anyway
            return reason
        finally:
            self._ready = False
            for task in [*helpers, reader]:
                task.cancel()
            for task in [*helpers, reader]:
                with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                    await task

