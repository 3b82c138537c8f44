"""Bitget's V2 WebSocket protocol on ``/v2/ws/public`` and ``/v2/ws/private`` (bitget-v2.md §4, §7): the
connections and what clients send (the part V3 shares is :mod:`.ws_hub`). What the server pushes is
:mod:`terminal_app.sim.server.ws_channels`.

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

from collections.abc import Callable
from typing import Any

from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.sim.engine.exchange import Exchange
from terminal_app.sim.server import render
from terminal_app.sim.server.auth import Authenticator
from terminal_app.sim.server.faults import FaultInjector
from terminal_app.sim.server.ws_channels import Feed, WsChannels
from terminal_app.sim.server.ws_hub import WsHubBase
from terminal_app.sim.server.ws_protocol import (
    INST_TYPES,
    PRIVATE_CHANNELS,
    PRIVATE_PATH,
    PUBLIC_CHANNELS,
    Conn,
    SubKey,
    WsConfig,
    error_frame,
)


class WsHub(WsHubBase):
    """All V2 WebSocket connections of one simulator; implements ``faults.WsControl``."""

    private_path = PRIVATE_PATH
    limits_requests = True

    def __init__(self, ex: Exchange, auth: Authenticator, faults: FaultInjector, clock_ms: Callable[[], int],
                 config: WsConfig | None = None) -> None:
        super().__init__(auth, config or WsConfig())
        self.ex = ex
        self.faults = faults
        self.clock_ms = clock_ms
        self.channels = WsChannels(ex, faults, clock_ms, self.config)

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

    # ---- subscriptions -----------------------------------------------------------------------------------------

    def _parse(self, conn: Conn, arg: Any) -> SubKey | None:
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
                return inst_text, channel, ident or "default"
            ident = ident or "default"
            if ident.lower() == "default":
                return inst_text, channel, "default"
        elif channel not in PUBLIC_CHANNELS and not (channel.startswith("candle")
                                                     and channel[6:] in render.WS_CANDLE_INTERVALS):
            conn.send(missing)
            return None
        ref = SymbolRef(ident.upper(), product)
        if ref not in self.feeds:
            conn.send(missing)
            return None
        return inst_text, channel, ref.symbol

    def _needs_login(self, key: SubKey) -> bool:
        return key[1] in PRIVATE_CHANNELS

    def _subscribed(self, conn: Conn, key: SubKey, arg: Any, fresh: bool) -> None:
        inst_text, channel, ident = key
        product = INST_TYPES[inst_text]
        if not fresh:
            if channel == "books":   # a repeated subscribe is how clients resynchronise: a fresh snapshot
                self.channels.books_snapshot(self.feeds[SymbolRef(ident, product)], conn)
            return
        push_arg = {"instType": inst_text, "channel": channel, "coin" if channel == "account" else "instId": ident}
        conn.subs[key] = push_arg
        self.channels.add(conn, key, push_arg, product)

    def _unsubscribe(self, conn: Conn, key: SubKey) -> None:
        if conn.subs.pop(key, None) is not None:
            self.channels.remove(conn, key)
