"""The WebSocket channels (bitget-v2.md §4, §7), fed by the engine's events: ``ticker``, ``candle<interval>``
(snapshot of recent candles, then updates of the forming one), ``trade``, ``books`` (full snapshot, then incremental
updates with ``seq``/``pseq`` and the CRC32 of the top 25 levels over exactly the strings sent), ``books1/5/15``
(snapshots when they change); private ``account``, ``orders``, ``fill``, ``positions``, ``orders-algo`` pushed when
they change. Cadence: public channels at most every 100 ms per symbol (candles 500 ms); with ``fast`` every engine
step's book change is pushed at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from decimal import Decimal
from itertools import islice
from typing import Any

from sortedcontainers import SortedDict

from terminal_app.bitget.models.mapping import wire_product
from terminal_app.core.book_checksum import CHECKSUM_DEPTH, book_checksum
from terminal_app.core.instruments import Product, SymbolRef
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
from terminal_app.sim.server import plan_render, render
from terminal_app.sim.server.faults import FaultInjector
from terminal_app.sim.server.ws_protocol import (
    BOOK_DEPTHS,
    CANDLE_SNAPSHOT,
    INST_TYPES,
    PRIVATE_CHANNELS,
    TRADE_SNAPSHOT,
    Conn,
    Json,
    SubKey,
    WsConfig,
    dumps,
)


class BookMirror:
    """The ``books`` channel's view of one market: every level as the exact strings sent, sorted best first."""

    __slots__ = ("asks", "bids")

    def __init__(self, bids: Iterable[tuple[Decimal, Decimal]], asks: Iterable[tuple[Decimal, Decimal]]) -> None:
        self.bids: SortedDict[Decimal, list[str]] = SortedDict()     # -price → [price, size]
        self.asks: SortedDict[Decimal, list[str]] = SortedDict()     # price → [price, size]
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
    def _set(side: SortedDict[Decimal, list[str]], key: Decimal, price: Decimal, size: Decimal) -> list[str]:
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
        return {"instType": wire_product(self.ref.product), "channel": channel, "instId": self.ref.symbol}

    def wants_book(self) -> bool:
        return any(self.subs.get(ch) for ch in ("books", *BOOK_DEPTHS))

class WsChannels:
    """The channels of one simulator: a :class:`Feed` per market, private subscribers per uid, the snapshots a new
    subscription gets, and the engine's events turned into frames at each channel's cadence (:meth:`flush`). Every
    market's messages are rendered once and the same bytes are queued on every subscriber."""

    def __init__(self, ex: Exchange, faults: FaultInjector, clock_ms: Callable[[], int], config: WsConfig) -> None:
        self.ex = ex
        self.faults = faults
        self.clock_ms = clock_ms
        self.config = config
        self.feeds: dict[SymbolRef, Feed] = {m.ref: Feed(m.ref) for m in ex.markets()}
        self.by_uid: dict[str, set[Conn]] = {}
        self.sent = 0                    # frames queued, all connections (benchmarks)
        self.books_updates = 0
        ex.add_listener(self.on_event)

    # ---- subscriptions -----------------------------------------------------------------------------------------

    def add(self, conn: Conn, key: SubKey, push_arg: Json, product: Product) -> None:
        """A new subscription of ``conn`` (already in ``conn.subs``): register it and send its snapshot."""
        channel = key[1]
        if channel in PRIVATE_CHANNELS:
            assert conn.key is not None
            self.by_uid.setdefault(conn.key.uid, set()).add(conn)
            self.private_snapshot(conn, key, push_arg, product)
            return
        feed = self.feeds[SymbolRef(key[2], product)]
        if not feed.wants_book() and (channel == "books" or channel in BOOK_DEPTHS):
            depth = self.ex.depth(feed.ref, 10_000)
            feed.book = BookMirror(depth.bids, depth.asks)
            feed.depth_sent.clear()
            feed.pending_bids.clear()
            feed.pending_asks.clear()
        feed.subs.setdefault(channel, set()).add(conn)
        self.public_snapshot(feed, channel, conn)

    def remove(self, conn: Conn, key: SubKey) -> None:
        """A subscription ``conn`` dropped (already gone from ``conn.subs``)."""
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

    def push(self, arg: Json, data: Any, action: str = "snapshot") -> bytes:
        return dumps({"action": action, "arg": arg, "data": data, "ts": self.clock_ms()})

    def _delivery_fields(self, ref: SymbolRef) -> dict[str, object] | None:
        return self.ex.delivery.ws_ticker_fields(ref.symbol) if ref.product.is_futures else None

    def public_snapshot(self, feed: Feed, channel: str, conn: Conn) -> None:
        ex = self.ex
        ref = feed.ref
        if channel == "ticker":
            conn.send(self.push(feed.arg(channel), [render.ws_ticker(ex.ticker(ref),
                                                                     self._delivery_fields(ref))]))
        elif channel == "trade":
            trades = ex.recent_trades(ref, TRADE_SNAPSHOT)
            conn.send(self.push(feed.arg(channel), [render.ws_trade(t) for t in trades]))
        elif channel == "books":
            self.books_snapshot(feed, conn)
        elif channel in BOOK_DEPTHS:
            conn.send(self._depth_message(feed, channel))
        else:
            gran, offset = render.WS_CANDLE_INTERVALS[channel[6:]]
            candles = ex.candles(ref, gran, limit=CANDLE_SNAPSHOT, offset_ms=offset)
            conn.send(self.push(feed.arg(channel), [render.ws_candle_row(c) for c in candles]))

    def books_snapshot(self, feed: Feed, conn: Conn) -> None:
        book = feed.book
        assert book is not None
        bids, asks = book.top(len(book.bids) + len(book.asks))
        item = {"asks": asks, "bids": bids, "checksum": book.checksum(), "seq": feed.seq,
                "ts": str(self.ex.now_ms())}
        conn.send(self.push(feed.arg("books"), [item]))

    def _depth_message(self, feed: Feed, channel: str) -> bytes:
        book = feed.book
        assert book is not None
        bids, asks = book.top(BOOK_DEPTHS[channel])
        item = {"asks": asks, "bids": bids, "checksum": book_checksum(bids, asks), "seq": feed.seq,
                "ts": str(self.ex.now_ms())}
        return self.push(feed.arg(channel), [item])

    def private_snapshot(self, conn: Conn, key: SubKey, arg: Json, product: Product) -> None:
        assert conn.key is not None
        uid = conn.key.uid
        channel = key[1]
        if channel == "account":
            if product is Product.SPOT:
                rows = [render.ws_spot_account(b) for b in self.ex.spot_balances(uid)
                        if (b.available or b.frozen) and key[2] in ("default", b.coin)]
            else:
                rows = [render.ws_futures_account(a, self._usdt_price(a.margin_coin))
                        for a in self.ex.futures_accounts(uid, product)]
            conn.send(self.push(arg, rows))
        elif channel == "positions":
            conn.send(self.push(arg, [render.ws_position(p) for p in self.ex.positions(uid, product=product)]))

    def _usdt_price(self, coin: str) -> Decimal:
        """A margin coin's price in USDT for ``usdtEquity`` (USDC 1:1, a coin-M coin at its USDT-M mark)."""
        if coin in ("USDT", "USDC"):
            return Decimal(1)
        return self.ex.mark_price(SymbolRef(f"{coin}USDT", Product.USDT_FUTURES))

    # ---- engine events -----------------------------------------------------------------------------------------

    def on_event(self, event: Event) -> None:
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
            self._send_private(conns, o.ref.product, "orders", o.ref.symbol, row)
        elif isinstance(event, FillEvent):
            f = event.fill
            row = render.ws_futures_fill(f) if f.ref.is_futures else render.ws_spot_fill(f)
            self._send_private(conns, f.ref.product, "fill", f.ref.symbol, row)
        elif isinstance(event, PlanOrderEvent):
            p = event.plan
            self._send_private(conns, p.ref.product, "orders-algo", p.ref.symbol, plan_render.ws_plan(p))
        elif isinstance(event, PositionEvent):
            rows = [render.ws_position(p) for p in event.positions]
            self._send_private(conns, event.product, "positions", None, rows)
        elif isinstance(event, AccountEvent):
            if event.futures is not None:
                row = render.ws_futures_account(event.futures, self._usdt_price(event.futures.margin_coin))
                self._send_private(conns, event.product, "account", None, row)
            else:
                for conn in conns:
                    for key, arg in conn.subs.items():
                        if key[0] == "SPOT" and key[1] == "account":
                            rows = [render.ws_spot_account(b) for b in event.balances
                                    if key[2] in ("default", b.coin)]
                            if rows:
                                conn.send(self.push(arg, rows))

    def _send_private(self, conns: set[Conn], product: Product, channel: str, symbol: str | None,
                      row: Json | list[Json]) -> None:
        """Push to every matching subscription: ``default`` (all symbols) or the event's symbol."""
        data = row if isinstance(row, list) else [row]
        inst = wire_product(product)
        frames: dict[SubKey, bytes] = {}
        for conn in conns:
            for key, arg in conn.subs.items():
                if key[0] != inst or key[1] != channel:
                    continue
                if symbol is not None and key[2] not in ("default", symbol):
                    continue
                frame = frames.get(key)
                if frame is None:
                    frame = frames[key] = self.push(arg, data)
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
                    ticker = render.ws_ticker(feed.ticker, self._delivery_fields(feed.ticker.ref))
                    self._fan_out(subs, self.push(feed.arg("ticker"), [ticker]))
                feed.ticker = None
                feed.ticker_due = now + cfg.books_interval_ms
            if feed.trades:
                subs = feed.subs.get("trade")
                if subs:
                    rows = [render.ws_trade(t) for t in reversed(feed.trades)]
                    self._fan_out(subs, self.push(feed.arg("trade"), rows, "update"))
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
        self._fan_out(subs, self.push(feed.arg("books"), [item], "update"))
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
                self._fan_out(subs, self.push(feed.arg(channel), [render.ws_candle_row(newest[-1])], "update"))
