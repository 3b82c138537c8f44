"""Bitget's V3 (unified account) WebSocket on the simulator: ``/v3/ws/public`` and ``/v3/ws/private``
(bitget-v3-uta.md §6).

Same protocol as V2 (text ``ping``/``pong``, ``op`` subscribe/unsubscribe/login with the same signature), V3's
words: args ``{instType, topic, symbol[, interval]}`` with lower-case public ``instType`` and ``instType: "UTA"`` for
the account-wide private topics; every ack carries ``connId``. Public topics: ``ticker``, ``books`` (the whole book as a
snapshot, then incremental updates of the changed levels, size ``"0"`` = removed, each with ``seq`` and ``pseq`` = the
previous update's ``seq``; no checksum), ``books1``/``books5``/``books50`` snapshots, ``publicTrade`` (one-letter
keys) and ``kline`` (the forming candle). Private: ``account`` and ``position`` (a snapshot on subscribe, then on
change), ``order`` and ``fill`` on events, ``strategy-order`` (``symbol: "default"``) with each changed strategy order
at the next flush (:mod:`.v3_strategy`); orders over the private socket (``op: trade``, :mod:`.v3_ws_trade`); only a
unified key may log in here (a classic key gets 40084). Not served: ``fast-fill``, ``liquidation``,
``adl-notification``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from terminal_app.bitget.errors import ExchangeError
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.sim.engine import unified
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
from terminal_app.sim.server import v3_names, v3_ws_trade
from terminal_app.sim.server import v3_render as r
from terminal_app.sim.server.auth import ApiKey, Authenticator
from terminal_app.sim.server.faults import WsControl
from terminal_app.sim.server.render import FUTURES_GRANULARITIES, levels
from terminal_app.sim.server.v3_strategy import order_id_of, push_rows
from terminal_app.sim.server.ws_channels import BookMirror
from terminal_app.sim.server.ws_hub import WsHubBase
from terminal_app.sim.server.ws_protocol import Conn, WsConfig, dumps, error_frame, event_frame

V3_PUBLIC_PATH = "/v3/ws/public"
V3_PRIVATE_PATH = "/v3/ws/private"
INST_TYPES = {"spot": Product.SPOT, "usdt-futures": Product.USDT_FUTURES, "coin-futures": Product.COIN_FUTURES,
              "usdc-futures": Product.USDC_FUTURES}
DEPTHS = {"books": 50, "books1": 1, "books5": 5, "books50": 50}
PUBLIC_TOPICS = {"ticker", "publicTrade", "kline", *DEPTHS}
PRIVATE_TOPICS = {"account", "position", "order", "fill", "strategy-order"}
Key = tuple[str, str, str]        # (instType, topic, symbol or symbol@interval)
V3_FIRST_CONN_ID = 100_001        # V3 connection ids never meet the V2 hub's in the fault injector


class IncrementalBook:
    """The ``books`` channel of one market: the levels as sent, the sequence, and the changes since the last push
    (wire strings by price, the latest size of each)."""

    __slots__ = ("asks", "bids", "mirror", "seq")

    def __init__(self, mirror: BookMirror) -> None:
        self.mirror = mirror
        self.seq = 1
        self.bids: dict[str, list[str]] = {}
        self.asks: dict[str, list[str]] = {}

    def take(self) -> tuple[list[list[str]], list[list[str]]]:
        bids = sorted(self.bids.values(), key=lambda level: -Decimal(level[0]))
        asks = sorted(self.asks.values(), key=lambda level: Decimal(level[0]))
        self.bids, self.asks = {}, {}
        return bids, asks


class V3WsHub(WsHubBase):
    private_path = V3_PRIVATE_PATH
    writer_name = "sim-v3ws-writer"

    def __init__(self, ex: Exchange, auth: Authenticator, clock_ms: Callable[[], int], config: WsConfig) -> None:
        super().__init__(auth, config, V3_FIRST_CONN_ID)
        self.ex = ex
        self.clock_ms = clock_ms
        self._dirty: set[tuple[str, SymbolRef]] = set()   # (what, market) changed since the last flush
        self._trades: dict[SymbolRef, list[dict[str, str]]] = {}
        self._seq: dict[tuple[int, Key], int] = {}   # books1/5/50 per connection: their own counters
        self._books: dict[SymbolRef, IncrementalBook] = {}
        self._last_flush = 0.0
        self._dirty_accounts: set[str] = set()
        self._dirty_strategies: dict[str, set[str]] = {}   # uid -> strategy orders changed since the flush
        ex.add_listener(self.on_event)

    def _on_idle(self, conn: Conn) -> None:
        self.drop(conn.id)               # dropped like a dead peer: the reader's ``finally`` cleans up

    # ---- subscriptions -----------------------------------------------------------------------------------------

    def _other_op(self, conn: Conn, op: Any, msg: dict[str, Any]) -> bool:
        if op != "trade":
            return False
        conn.send(v3_ws_trade.answer(self.ex, conn.key, msg, self.clock_ms(), f"sim-{conn.id}"))
        return True

    def _refuse_login(self, key: ApiKey) -> bytes | None:
        if key.uta:
            return None
        return error_frame(40084, "You are in Classic Account mode, and the Unified Account API is not supported at "
                                  "this time")

    def _login_ack(self, conn: Conn) -> bytes:
        return event_frame("login", code="0", msg="", connId=f"sim-{conn.id}")

    def _ack(self, conn: Conn, event: str, arg: Any) -> None:
        conn.send(event_frame(event, arg=arg, connId=f"sim-{conn.id}"))

    def _needs_login(self, key: Key) -> bool:
        return key[0] == "UTA"

    def _subscribed(self, conn: Conn, key: Key, arg: Any, fresh: bool) -> None:
        conn.subs[key] = dict(arg)
        self._snapshot(conn, key, conn.subs[key])

    def _unsubscribe(self, conn: Conn, key: Key) -> None:
        conn.subs.pop(key, None)
        self._seq.pop((conn.id, key), None)

    def _parse(self, conn: Conn, arg: Any) -> Key | None:
        if not isinstance(arg, dict) or not arg.get("instType") or not arg.get("topic"):
            conn.send(error_frame(30016, "Param error", arg))
            return None
        inst, topic, symbol = str(arg["instType"]), str(arg["topic"]), str(arg.get("symbol") or "").upper()
        missing = error_frame(30001, f"instType:{inst},topic:{topic},symbol:{symbol} doesn't exist", arg)
        if inst == "UTA":
            if topic not in PRIVATE_TOPICS or not conn.private:
                conn.send(missing)
                return None
            return ("UTA", topic, "")
        product = INST_TYPES.get(inst)
        if product is None or topic not in PUBLIC_TOPICS or conn.private:
            conn.send(missing)
            return None
        try:
            symbol = v3_names.to_engine(symbol)
            self.ex.market(SymbolRef(symbol, product))
        except ExchangeError:
            conn.send(missing)
            return None
        if topic == "kline":
            interval = str(arg.get("interval") or "")
            if interval not in FUTURES_GRANULARITIES:
                conn.send(missing)
                return None
            return (inst, topic, f"{symbol}@{interval}")
        return (inst, topic, symbol)

    # ---- pushes ------------------------------------------------------------------------------------------------

    def _push(self, arg: dict[str, Any], data: Any, action: str = "snapshot") -> bytes:
        return dumps(v3_names.wire({"arg": arg, "action": action, "data": data, "ts": self.clock_ms()}))

    @staticmethod
    def _ref(key: Key) -> SymbolRef:
        return SymbolRef(key[2].split("@", 1)[0], INST_TYPES[key[0]])

    def _snapshot(self, conn: Conn, key: Key, arg: dict[str, Any]) -> None:
        inst, topic, _ = key
        if inst == "UTA":
            uid = conn.key.uid if conn.key else ""
            if topic == "account":
                conn.send(self._push(arg, [r.assets(unified.unified_view(self.ex, uid), ws=True)]))
            elif topic == "position":
                conn.send(self._push(arg, [r.position(p, ws=True) for p in self.ex.positions(uid, product=None)]))
            return
        ref = self._ref(key)
        if topic == "ticker":
            conn.send(self._push(arg, [r.ticker(self.ex.ticker(ref), rest=False)]))
        elif topic == "books":
            conn.send(self._books_snapshot(ref, arg))
        elif topic in DEPTHS:
            conn.send(self._depth(conn, key, arg))
        elif topic == "kline":
            conn.send(self._push(arg, [r.kline(c) for c in self._candles(key, 100)]))
        elif topic == "publicTrade":
            trades = self.ex.recent_trades(ref, 50)
            conn.send(self._push(arg, [{"i": t.trade_id, "L": t.trade_id, "p": r.num(t.price), "v": r.num(t.size),
                                        "S": t.side, "T": str(t.ts), "isRPI": "no"} for t in trades]))

    def _candles(self, key: Key, limit: int) -> list[Any]:
        gran, offset = FUTURES_GRANULARITIES[key[2].split("@", 1)[1]]
        return self.ex.candles(self._ref(key), gran, limit=limit, offset_ms=offset)

    def _books_snapshot(self, ref: SymbolRef, arg: dict[str, Any]) -> bytes:
        book = self._books.get(ref)
        if book is None:
            depth = self.ex.depth(ref)
            book = self._books[ref] = IncrementalBook(BookMirror(depth.bids, depth.asks))
        bids, asks = book.mirror.top(len(book.mirror.bids) + len(book.mirror.asks))
        body = {"a": asks, "b": bids, "seq": book.seq, "pseq": 0, "maxDepth": str(max(len(bids), len(asks))),
                "ts": str(self.clock_ms())}
        return self._push(arg, [body])

    def _depth(self, conn: Conn, key: Key, arg: dict[str, Any]) -> bytes:
        topic = key[1]
        depth = self.ex.depth(self._ref(key), DEPTHS[topic])
        pseq = self._seq.get((conn.id, key), 0)
        seq = self._seq[(conn.id, key)] = pseq + 1
        body = {"a": levels(depth.asks), "b": levels(depth.bids), "seq": seq, "pseq": pseq if topic == "books" else 0,
                "ts": str(depth.ts)}
        if topic == "books":
            body["maxDepth"] = "50"
        return self._push(arg, [body])

    def on_event(self, event: Event) -> None:
        if not self.conns:
            return
        if isinstance(event, BookChanged):
            self._dirty.add(("book", event.ref))
            book = self._books.get(event.ref)
            if book is not None:
                bids, asks = book.mirror.apply(event.bids, event.asks)
                book.bids.update((level[0], level) for level in bids)
                book.asks.update((level[0], level) for level in asks)
        elif isinstance(event, TickerChanged):
            self._dirty.add(("ticker", event.ref))
        elif isinstance(event, CandleTick):
            self._dirty.add(("kline", event.ref))
        elif isinstance(event, TradeEvent):
            self._trades.setdefault(event.ref, []).append(
                {"i": event.trade_id, "L": event.trade_id, "p": r.num(event.price), "v": r.num(event.size),
                 "S": event.side, "T": str(event.ts), "isRPI": "no"})
        elif isinstance(event, OrderEvent):
            self._private(event.uid, "order", [r.order(event.order, ws=True)])
            self._dirty_accounts.add(event.uid)
        elif isinstance(event, FillEvent):
            self._private(event.uid, "fill", [r.fill(event.fill, ws=True)])
        elif isinstance(event, PositionEvent):
            # V3 has one position topic for the whole account: a push lists every category's positions, whichever
            # line the event came from (the engine's events are per futures line)
            self._private(event.uid, "position",
                          [r.position(p, ws=True) for p in self.ex.positions(event.uid, product=None)])
        elif isinstance(event, AccountEvent):
            self._dirty_accounts.add(event.uid)
        elif isinstance(event, PlanOrderEvent):
            # pushed at the flush, whole: one strategy order may be several plans changed in one call
            self._dirty_strategies.setdefault(event.uid, set()).add(order_id_of(event.plan))

    def _books_updates(self) -> dict[SymbolRef, dict[str, Any]]:
        """One update per market whose book changed; books nobody reads any more are forgotten."""
        read = {self._ref(k) for c in self.conns.values() for k in c.subs if k[1] == "books" and k[0] != "UTA"}
        out: dict[SymbolRef, dict[str, Any]] = {}
        for ref in list(self._books):
            book = self._books[ref]
            if ref not in read:
                del self._books[ref]
                continue
            if not book.bids and not book.asks:
                continue
            bids, asks = book.take()
            pseq, book.seq = book.seq, book.seq + 1
            out[ref] = {"a": asks, "b": bids, "seq": book.seq, "pseq": pseq, "ts": str(self.clock_ms())}
        return out

    def _private(self, uid: str, topic: str, data: list[Any]) -> None:
        for conn in self.conns.values():
            if conn.key is not None and conn.key.uid == uid:
                arg = conn.subs.get(("UTA", topic, ""))
                if arg is not None:
                    conn.send(self._push(arg, data))

    def flush(self) -> None:
        """Push what changed, at most every ``books_interval_ms`` (accounts too: they coalesce, as Bitget's do)."""
        now = time.monotonic()
        if not self.conns or now - self._last_flush < self.config.books_interval_ms / 1000.0:
            return
        self._last_flush = now
        dirty, self._dirty = self._dirty, set()
        trades, self._trades = self._trades, {}
        accounts, self._dirty_accounts = self._dirty_accounts, set()
        strategies, self._dirty_strategies = self._dirty_strategies, {}
        for uid, order_ids in strategies.items():
            if any(c.key is not None and c.key.uid == uid and ("UTA", "strategy-order", "") in c.subs
                   for c in self.conns.values()):
                self._private(uid, "strategy-order", push_rows(self.ex, uid, order_ids))
        updates = self._books_updates()
        for conn in list(self.conns.values()):
            for key, arg in conn.subs.items():
                inst, topic, _ = key
                if topic == "books" and inst != "UTA":
                    update = updates.get(self._ref(key))
                    if update is not None:
                        conn.send(self._push(arg, [update], "update"))
                    continue
                if inst == "UTA":
                    if topic == "account" and conn.key is not None and conn.key.uid in accounts:
                        self._snapshot(conn, key, arg)
                    continue
                ref = self._ref(key)
                if topic in DEPTHS and ("book", ref) in dirty:
                    conn.send(self._depth(conn, key, arg))
                elif topic == "ticker" and ("ticker", ref) in dirty:
                    conn.send(self._push(arg, [r.ticker(self.ex.ticker(ref), rest=False)]))
                elif topic == "kline" and ("kline", ref) in dirty:
                    conn.send(self._push(arg, [r.kline(c) for c in self._candles(key, 1)], "update"))
                elif topic == "publicTrade" and trades.get(ref):
                    conn.send(self._push(arg, trades[ref], "update"))


class BothHubs:
    """The V2 and V3 hubs as one ``faults.WsControl``: a fault without a connection id hits every connection."""

    def __init__(self, *hubs: WsControl) -> None:
        self._hubs = hubs

    def connection_ids(self) -> list[int]:
        return sorted(i for hub in self._hubs for i in hub.connection_ids())

    def _each(self, conn_id: int | None, act: Callable[[WsControl], int]) -> int:
        return sum(act(hub) for hub in self._hubs if conn_id is None or conn_id in hub.connection_ids())

    def drop(self, conn_id: int | None) -> int:
        return self._each(conn_id, lambda hub: hub.drop(conn_id))

    def stall(self, conn_id: int | None, stalled: bool) -> int:
        return self._each(conn_id, lambda hub: hub.stall(conn_id, stalled))

    def send_raw(self, conn_id: int | None, text: str) -> int:
        return self._each(conn_id, lambda hub: hub.send_raw(conn_id, text))
