"""A first look at one market while the terminal starts: its ticker, the top of its book and its recent candles,
read from Bitget's public WebSocket on a thread of its own with a blocking socket.

The terminal's market data (``services.market_data``) needs aiohttp, the services and the main window, which take the
better part of the start-up to import and build. This needs only ``websockets``' synchronous client and the wire
parsers, so the start-up window (``ui.shell``) shows live prices within a few tenths of a second of the exchange
being reachable, and keeps them moving while the rest is imported. It subscribes to ``ticker``, ``books15`` (a full
15-level snapshot on every push: no checksum state to keep) and ``candle<interval>`` of one symbol, keeps the latest
of each as core values, and stops when the main window's market data has its own (``terminal_app.startup.Handover``
hands what it has over until then).

Everything it receives is untrusted: a push that does not parse is skipped (and counted), never shown.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import orjson

from terminal_app.core.instruments import SymbolRef

if TYPE_CHECKING:  # the parsers are imported on the reading thread: this module is imported before the first frame
    from terminal_app.bitget.models.market import Level
    from terminal_app.core.market_data import Candle, Ticker

log = logging.getLogger("terminal_app.bitget.first_look")

BOOK_CHANNEL = "books15"
CANDLES_KEPT = 120
PING_EVERY_S = 25.0  # Bitget closes a connection that sends nothing for 2 minutes; "ping" every 30 s is its advice
OPEN_TIMEOUT_S = 5.0


@dataclass(frozen=True, slots=True)
class Look:
    """What has arrived so far (each part ``None``/empty until its first push); replaced whole on every push."""

    ref: SymbolRef
    interval: str
    ticker: Ticker | None = None
    bids: tuple[Level, ...] = ()  # (price, size) strings as Bitget sent them
    asks: tuple[Level, ...] = ()
    candles: tuple[Candle, ...] = ()
    pushes: int = 0
    skipped: int = 0
    received_at: float = field(default=0.0)  # time.monotonic() of the last push

    @property
    def complete(self) -> bool:
        """A ticker, both sides of the book and at least one candle: enough to call the market live."""
        return self.ticker is not None and bool(self.bids) and bool(self.asks) and bool(self.candles)


def _merged(candles: tuple[Candle, ...], new: list[Candle]) -> tuple[Candle, ...]:
    by_ts = {c.ts: c for c in candles}
    by_ts.update((c.ts, c) for c in new)
    return tuple(by_ts[ts] for ts in sorted(by_ts)[-CANDLES_KEPT:])


def apply_push(look: Look, msg: Any) -> Look:
    """``look`` with one decoded message applied (events and other symbols' pushes leave it as it was).

    Raises ``BitgetError`` or ``BadValue`` for a push of ours that does not parse."""
    from terminal_app.bitget.models.push import parse_ws_books, parse_ws_candles, parse_ws_ticker
    if not isinstance(msg, dict) or "data" not in msg:
        return look
    arg = msg.get("arg")
    if not isinstance(arg, dict) or arg.get("instId") != look.ref.symbol:
        return look
    channel = arg.get("channel")
    now = time.monotonic()
    if channel == "ticker":
        tickers = parse_ws_ticker(msg)
        return replace(look, ticker=tickers[-1], pushes=look.pushes + 1, received_at=now) if tickers else look
    if channel == BOOK_CHANNEL:
        depths = parse_ws_books(msg)
        if not depths:
            return look
        return replace(look, bids=depths[-1].bids, asks=depths[-1].asks, pushes=look.pushes + 1, received_at=now)
    if channel == f"candle{look.interval}":
        candles = parse_ws_candles(msg)
        return replace(look, candles=_merged(look.candles, candles), pushes=look.pushes + 1, received_at=now)
    return look


def subscribe_message(ref: SymbolRef, interval: str) -> str:
    from terminal_app.bitget.models.mapping import wire_product
    inst_type = wire_product(ref.product)
    args = [{"instType": inst_type, "channel": channel, "instId": ref.symbol}
            for channel in ("ticker", BOOK_CHANNEL, f"candle{interval}")]
    return orjson.dumps({"op": "subscribe", "args": args}).decode()


class FirstLook:
    """The reading thread. ``url`` is called on that thread (it may wait: the demo exchange's ready line); ``interval``
    is the chart's (Bitget's spelling: ``15m``, ``1H``, …). ``latest()`` is safe from any thread."""

    def __init__(self, url: Callable[[], str], ref: SymbolRef, interval: str) -> None:
        self._url = url
        self._look = Look(ref, interval)
        self._stop = threading.Event()
        self._socket: Any = None
        self._thread = threading.Thread(target=self._run, name="first-look", daemon=True)
        self.error: str | None = None
        self.url: str | None = None  # the public stream read, once known (the terminal seeds from it only if it
        # reads the same one)

    def start(self) -> FirstLook:
        self._thread.start()
        return self

    def latest(self) -> Look:
        return self._look

    def stop(self, timeout_s: float = 2.0) -> None:
        """Close the connection and let the thread end (idempotent)."""
        self._stop.set()
        socket = self._socket
        if socket is not None:
            socket.close()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout_s)

    def run(self) -> None:
        """Read until stopped, on the calling thread (what :meth:`start`'s thread does)."""
        self._run()

    def _run(self) -> None:
        try:
            url = self.url = self._url()
            if self._stop.is_set():
                return
            from websockets.sync.client import connect

            with connect(url, open_timeout=OPEN_TIMEOUT_S, max_size=2**22, compression=None) as socket:
                self._socket = socket
                if self._stop.is_set():
                    return
                look = self._look
                socket.send(subscribe_message(look.ref, look.interval))
                self._read(socket)
        except Exception as exc:  # a first look is a nicety: the terminal's own start reports real problems
            if not self._stop.is_set():
                self.error = f"{type(exc).__name__}: {exc}"
                log.debug("first look ended: %s", self.error)

    def _read(self, socket: Any) -> None:
        from terminal_app.bitget.errors import BitgetError
        from terminal_app.bitget.models.fields import BadValue

        next_ping = time.monotonic() + PING_EVERY_S
        while not self._stop.is_set():
            try:
                raw = socket.recv(timeout=0.5)
            except TimeoutError:
                raw = None
            if time.monotonic() >= next_ping:
                socket.send("ping")
                next_ping = time.monotonic() + PING_EVERY_S
            if raw is None or raw == "pong":
                continue
            try:
                self._look = apply_push(self._look, orjson.loads(raw))
            except (orjson.JSONDecodeError, BitgetError, BadValue, ValueError) as exc:
                self._look = replace(self._look, skipped=self._look.skipped + 1)
                log.debug("first look skipped a push: %s", exc)
