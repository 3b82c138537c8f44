"""Market data: WebSocket subscriptions for the active symbol and the watchlist, core state, coalesced signals, and
the chart's candle history from REST.

What is subscribed: ``books``, ``trade``, ``ticker`` and ``candle<interval>`` of the active symbol, ``ticker`` of every
watchlist symbol; whatever is no longer needed is unsubscribed. A push only updates state (the order book applies
the update and checks its CRC32, a ticker replaces the last one, trades are queued) and marks it dirty; a timer
(60 Hz by default) then emits one signal per dirty item, so a burst of messages costs one repaint. Tickers are
further limited to ``ticker_hz`` per symbol. 60, not 30: pushes arrive in bursts, so a 30 Hz flush often finds
nothing new and the ladder and tape drew 24-29 frames a second under load (bench gui); at 60 they draw 50+,
for a few % of a core more.

A book that goes silent (no push for ``core.book_sync.SILENCE_LIMIT_S``, checked four times a second) is marked so
(``OrderBook.silent_s``) and announced with ``book_changed`` once a second while it lasts, so the ladder can say its
prices are old; the next push clears it. Reconnecting a dead connection stays the streamer's job (its heartbeat).

Candle history: when the active symbol or the interval changes, the most recent page (``candles``, up to 1000 rows)
is read and emitted as ``candles_history`` at once, so the chart shows something quickly, then older pages
(``history-candles``, 200 rows each) follow as ``candles_older``, ``history_pages`` pages in all; ``candles_loading``
announces the page count, ``candles_page(n)`` reports progress and ``candles_page(total)`` always comes last. Live
rows from the candle channel are held back until the first page is out, then emitted as ``candle_live``.
Seeding (:meth:`MarketDataService.seed`): at start-up the terminal already has the opening symbol's ticker, top of
book and recent candles from its first look (``terminal_app.startup``), read before this service existed. Given to
the active symbol, they are shown at once and stand in for the stream's until its own arrive: the book's levels until
the channel's snapshot replaces them whole (its checksum and sequence hold from there, so the book ends as the
exchange's), the ticker until the first pushed one, the candles as a provisional history that the REST page replaces
(``set_history`` replaces, so nothing doubles) and, meanwhile, as live rows. Live data always wins over a seed.

Granularity spellings differ: spot REST says ``1min``/``1h``/``1day``, futures REST ``1m``/``1H``/``1D``; the channel is
``candle1m``/``candle1H``/``candle1D`` for both (``core.candles.Interval`` knows all three).
"""

from __future__ import annotations

import functools
import logging
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from time import monotonic
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from terminal_app.bitget.errors import BitgetError
from terminal_app.bitget.ws import ChannelKey, ConnectionEvent, ConnectionState, StreamEvent, arg_key
from terminal_app.core.book_sync import BookSync
from terminal_app.core.candles import Interval
from terminal_app.core.instruments import MarketInfo, SymbolRef
from terminal_app.core.market_data import Candle, PublicTrade, Ticker
from terminal_app.core.orderbook import OrderBook
from terminal_app.core.venue import MarketChannel
from terminal_app.services.connection import ConnectionService
from terminal_app.services.tasks import TaskSet

log = logging.getLogger("terminal_app.services.market_data")

Arg = Mapping[str, str]  # the venue's name of a subscription (core.venue.StreamArg)
Handler = Callable[[dict[str, Any]], None]

RECENT_LIMIT = 1000  # Bitget's maximum for /market/candles
PAGE_LIMIT = 200  # and for /market/history-candles
TRADE_IDS_KEPT = 2000  # to drop the trades a resubscription's snapshot repeats
LIVE_ROWS_KEPT = 300
SILENCE_CHECK_MS = 250  # a silent book is flagged at most this long after the limit
# The sequence number of a seeded book (no channel's is negative): the channel's own snapshot replaces it whole, and an
# update that came before that snapshot is a sequence gap (the checksum form fails its checksum), so the book
# resyncs instead of building on levels the channel did not send.
SEEDED_SEQ = -1


class _Trades:
    """Per-symbol trade queue between pushes and the next flush, with the ids already seen."""

    __slots__ = ("ids", "order", "pending")

    def __init__(self) -> None:
        self.pending: list[PublicTrade] = []
        self.ids: set[str] = set()
        self.order: deque[str] = deque()

    def add(self, trades: list[PublicTrade]) -> None:
        for trade in trades:
            if trade.trade_id in self.ids:
                continue
            self.ids.add(trade.trade_id)
            self.order.append(trade.trade_id)
            if len(self.order) > TRADE_IDS_KEPT:
                self.ids.discard(self.order.popleft())
            self.pending.append(trade)


class MarketDataService(QObject):
    """Subscriptions → core state → coalesced signals (services-contract.md).

    Signals:
        markets_loaded(dict[str, MarketInfo]): every market, by ``SymbolRef.key`` (at :meth:`start`).
        active_changed(SymbolRef): the active symbol changed; its (empty) book exists already.
        interval_changed(str): the chart interval changed (label such as ``"1H"``).
        ticker_changed(Ticker): at most ``ticker_hz`` per symbol.
        book_changed(SymbolRef): the active book changed (at most once per flush); read it with :meth:`book`.
        trades_added(SymbolRef, list[PublicTrade]): new public trades since the last flush, oldest first.
        candles_loading(int total_pages), candles_page(int loaded): history progress; ``loaded == total`` last.
        candles_history(SymbolRef, str interval, list[Candle]): the newest page, ascending; replaces the chart.
        candles_older(SymbolRef, str interval, list[Candle]): an older page, ascending; goes before what is shown.
        candle_live(SymbolRef, str interval, Candle): a row of the candle channel (the forming bar or a new one).
    """

    markets_loaded = Signal(object)
    active_changed = Signal(object)
    interval_changed = Signal(str)
    ticker_changed = Signal(object)
    book_changed = Signal(object)
    trades_added = Signal(object, object)
    candles_loading = Signal(int)
    candles_page = Signal(int)
    candles_history = Signal(object, str, object)
    candles_older = Signal(object, str, object)
    candle_live = Signal(object, str, object)

    def __init__(self, connection: ConnectionService, *, interval: Interval | str = Interval.M15,
                 flush_hz: float = 60.0, ticker_hz: float = 10.0, history_pages: int = 5,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._connection = connection
        self._session = connection.session
        self._tasks = TaskSet("market-data")
        self._interval = Interval.parse(interval) if isinstance(interval, str) else interval
        self._ticker_gap_s = 1.0 / ticker_hz
        self.history_pages = max(1, history_pages)
        self._active: SymbolRef | None = None
        self._watchlist: list[SymbolRef] = []
        self._price_watch: dict[str, list[SymbolRef]] = {}  # owner → symbols whose last price it needs
        self._subscribed: dict[ChannelKey, Arg] = {}
        self._books: dict[str, OrderBook] = {}
        self._syncs: dict[str, BookSync] = {}
        self._book_seen: dict[str, tuple[int, int]] = {}
        self._dirty_books: set[str] = set()
        self._tickers: dict[str, Ticker] = {}
        self._dirty_tickers: set[str] = set()
        self._ticker_sent: dict[str, float] = {}
        self._last_trade: dict[str, Decimal] = {}
        self._trades: dict[str, _Trades] = {}
        self._live: dict[int, Candle] = {}
        self._history_gen = 0
        self._history_ready = False
        self._history_last_ts: int | None = None
        self._oldest_ts: int | None = None
        self._older_loading = False
        self._initial_loading = False
        self._unknown_reported: set[str] = set()
        self._seed_ticker: dict[str, Ticker] = {}  # the seeded ticker, until a pushed one replaces it
        self._seed_history: tuple[int, int] | None = None  # (history generation, newest ts) of a seeded history
        self._seed_rows: Sequence[Candle] | None = None  # the candles last seeded (a caller's unchanged tuple)
        self._unlisten: Callable[[], object] | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(max(1, round(1000 / flush_hz)))
        self._timer.timeout.connect(self.flush)
        self.flushes = 0
        self._silence_timer = QTimer(self)
        self._silence_timer.setInterval(SILENCE_CHECK_MS)
        self._silence_timer.timeout.connect(self.check_silence)

    # --- state ------------------------------------------------------------------------------------------------

    @property
    def active(self) -> SymbolRef | None:
        return self._active

    @property
    def interval(self) -> Interval:
        return self._interval

    @property
    def watchlist(self) -> list[SymbolRef]:
        return list(self._watchlist)

    @property
    def history_complete(self) -> bool:
        """Every page of the active symbol's candle history has come in (``candles_page(total)`` says so)."""
        return self._history_ready and not self._initial_loading

    def markets(self) -> dict[str, MarketInfo]:
        return dict(self._session.markets)

    def market(self, ref: SymbolRef) -> MarketInfo | None:
        return self._session.markets.get(ref.key)

    def book(self, ref: SymbolRef) -> OrderBook | None:
        """The live book of the active symbol (None for any other symbol)."""
        return self._books.get(ref.key)

    def ticker(self, ref: SymbolRef) -> Ticker | None:
        return self._tickers.get(ref.key)

    def last_price(self, ref: SymbolRef) -> Decimal | None:
        ticker = self._tickers.get(ref.key)
        if ticker is not None:
            return ticker.last
        return self._last_trade.get(ref.key)

    def subscribed(self) -> list[ChannelKey]:
        return list(self._subscribed)

    # --- lifecycle --------------------------------------------------------------------------------------------

    def start(self) -> None:
        """Announce the markets and start the flush timer (the session must be open)."""
        if self._unlisten is None:
            self._unlisten = self._session.ws.add_listener(self._on_stream_event)
        self.markets_loaded.emit(self.markets())
        self._timer.start()
        self._silence_timer.start()

    async def close(self) -> None:
        self._timer.stop()
        self._silence_timer.stop()
        if self._unlisten is not None:
            self._unlisten()
            self._unlisten = None
        await self._tasks.close()

    # --- commands ---------------------------------------------------------------------------------------------

    def set_active(self, ref: SymbolRef) -> None:
        """Make ``ref`` the symbol of the chart, ladder, tape and ticket; returns at once."""
        if ref == self._active:
            return
        old = self._active
        self._active = ref
        if old is not None:
            self._books.pop(old.key, None)
            self._syncs.pop(old.key, None)
            self._dirty_books.discard(old.key)
            self._trades.pop(old.key, None)
        self._books[ref.key] = OrderBook(ref.symbol)
        self._book_seen[ref.key] = (0, 0)
        self._sync_subscriptions()
        self.active_changed.emit(ref)
        self._reload_history()

    def set_watchlist(self, refs: list[SymbolRef]) -> None:
        refs = list(dict.fromkeys(refs))
        if refs == self._watchlist:
            return
        self._watchlist = refs
        self._sync_subscriptions()

    def watch_prices(self, owner: str, refs: list[SymbolRef]) -> None:
        """Keep the last price of ``refs`` live for ``owner`` (a panel that values positions outside the watchlist,
        e.g. copied positions); the owner's previous list is replaced, an empty one ends it."""
        wanted = list(dict.fromkeys(refs))
        if self._price_watch.get(owner, []) == wanted:
            return
        if wanted:
            self._price_watch[owner] = wanted
        else:
            self._price_watch.pop(owner, None)
        self._sync_subscriptions()

    def set_interval(self, interval: Interval | str) -> None:
        iv = Interval.parse(interval) if isinstance(interval, str) else interval
        if iv == self._interval:
            return
        self._interval = iv
        self._sync_subscriptions()
        self.interval_changed.emit(iv.value)
        self._reload_history()

    def load_older(self, before_ts: int | None = None) -> None:
        """Fetch one more page before ``before_ts`` (default: the oldest bar sent) and emit ``candles_older``."""
        ref = self._active
        end = before_ts if before_ts is not None else self._oldest_ts
        if ref is None or end is None or self._older_loading or self._initial_loading or not self._history_ready:
            return
        self._older_loading = True
        self._tasks.spawn(self._load_older(ref, self._interval, end, self._history_gen), "older-candles")

    # --- subscriptions ----------------------------------------------------------------------------------------

    def _known(self, ref: SymbolRef) -> bool:
        if not self._session.markets or ref.key in self._session.markets:
            return True
        if ref.key not in self._unknown_reported:
            self._unknown_reported.add(ref.key)
            log.warning(f"{ref.display} ({ref.product.label}) is not listed on this exchange.")
        return False

    def _desired(self) -> dict[ChannelKey, tuple[Arg, Callable[[], Handler]]]:
        """Every channel that should be subscribed now, with a factory for its handler (called only for a new
        subscription: a kept channel keeps the handler, and the book, it has)."""
        wanted: dict[ChannelKey, tuple[Arg, Callable[[], Handler]]] = {}
        stream = self._session.venue.market_stream  # the venue names each line's channels

        def add(arg: Arg, factory: Callable[[], Handler]) -> None:
            wanted[arg_key(arg)] = (arg, factory)

        active = self._active
        watched = [ref for refs in self._price_watch.values() for ref in refs]
        for ref in dict.fromkeys([*self._watchlist, *([active] if active else []), *watched]):
            if self._known(ref):
                add(stream(ref, MarketChannel.TICKER), functools.partial(self._ticker_handler, ref))
        if active is not None and self._known(active):
            books = stream(active, MarketChannel.BOOK)
            interval = self._interval
            add(books, lambda: self._books_handler(active, books))
            add(stream(active, MarketChannel.TRADES), lambda: self._trade_handler(active))
            add(stream(active, MarketChannel.CANDLES, interval), lambda: self._candle_handler(active, interval))
        return wanted

    def _sync_subscriptions(self) -> None:
        wanted = self._desired()
        streamer = self._session.ws
        for key in [k for k in self._subscribed if k not in wanted]:
            arg = self._subscribed.pop(key)
            self._tasks.spawn(streamer.unsubscribe(arg, wait=False), f"unsubscribe {'/'.join(key)}")
        for key, (arg, factory) in wanted.items():
            if key not in self._subscribed:
                self._subscribed[key] = arg
                self._tasks.spawn(self._subscribe(arg, factory()), f"subscribe {'/'.join(key)}")

    async def _subscribe(self, arg: Arg, handler: Handler) -> None:
        try:
            await self._session.ws.subscribe(arg, handler)
        except BitgetError as exc:
            key = arg_key(arg)
            if self._subscribed.get(key) is not arg:
                return  # no longer wanted (the symbol changed meanwhile): the failure does not matter
            del self._subscribed[key]
            log.warning(f"Could not subscribe {'/'.join(key)}: {exc}")

    # --- handlers (receive path: keep them short) -------------------------------------------------------------

    def _ticker_handler(self, ref: SymbolRef) -> Handler:
        key = ref.key
        record = self._connection.record_push

        parse = self._session.venue.pushes.tickers

        def on_ticker(msg: dict[str, Any]) -> None:
            tickers = parse(msg)
            if tickers:
                self._tickers[key] = tickers[-1]
                self._dirty_tickers.add(key)
            record(msg.get("ts"))

        return on_ticker

    def _books_handler(self, ref: SymbolRef, arg: Arg) -> Handler:
        key = ref.key
        book = self._books[key]
        streamer = self._session.ws
        sync = BookSync(book, lambda: streamer.resubscribe(arg))
        self._syncs[key] = sync
        dirty = self._dirty_books
        record = self._connection.record_push
        shape = self._session.venue.pushes.book

        def on_books(msg: dict[str, Any]) -> None:
            if self._books.get(key) is not book:
                return  # a push queued before the symbol changed
            silent = book.silent_s
            sync(shape(msg))
            dirty.add(key)
            record(msg.get("ts"))
            if silent is not None:
                log.info(f"Order-book updates for {ref.display} arrive again (after "
                         f"{silent:.0f} s or more without one).")

        return on_books

    def _trade_handler(self, ref: SymbolRef) -> Handler:
        key = ref.key
        record = self._connection.record_push
        parse = self._session.venue.pushes.trades

        def on_trades(msg: dict[str, Any]) -> None:
            trades = parse(msg)  # newest first, as Bitget sends them
            if not trades:
                return
            trades.sort(key=lambda t: (t.ts, t.trade_id))
            queue = self._trades.get(key)
            if queue is None:
                queue = self._trades[key] = _Trades()
            queue.add(trades)
            self._last_trade[key] = trades[-1].price
            record(msg.get("ts"))

        return on_trades

    def _candle_handler(self, ref: SymbolRef, interval: Interval) -> Handler:
        live = self._live
        parse = self._session.venue.pushes.candles

        def on_candles(msg: dict[str, Any]) -> None:
            if ref != self._active or interval != self._interval:
                return
            for candle in parse(msg):
                live[candle.ts] = candle
            if len(live) > LIVE_ROWS_KEPT:
                for ts in sorted(live)[: len(live) - LIVE_ROWS_KEPT]:
                    del live[ts]

        return on_candles

    def _on_stream_event(self, event: StreamEvent) -> None:
        if (isinstance(event, ConnectionEvent) and event.state is ConnectionState.DISCONNECTED
                and event.connection.startswith("public")):
            # The book is out of date until the snapshot the streamer's resubscription brings.
            for key, sync in self._syncs.items():
                sync.connection_lost()
                self._dirty_books.add(key)

    def check_silence(self) -> None:
        """Flag the active book once no push came for the silence limit (the timer calls this; tests may too)."""
        now = monotonic()
        for key, sync in self._syncs.items():
            was_silent = sync.book.silent_s is not None
            if sync.check_silence(now):
                self._dirty_books.add(key)
                if not was_silent:
                    log.warning(f"No order-book update for {sync.book.symbol} for "
                                f"{sync.book.silent_s:.0f} s: its prices are shown as stale.")

    # --- coalescing -------------------------------------------------------------------------------------------

    def flush(self) -> None:
        """Emit one signal per dirty item (the timer calls this; tests may call it directly)."""
        self.flushes += 1
        if self._dirty_books:
            dirty = list(self._dirty_books)
            self._dirty_books.clear()  # in place: the books handlers hold this set
            active = self._active
            for key in dirty:
                book = self._books.get(key)
                if book is None or active is None or active.key != key:
                    continue
                self._note_checksum(key, book)
                self.book_changed.emit(active)
        if self._dirty_tickers:
            now = monotonic()
            sent = self._ticker_sent
            later: set[str] = set()
            for key in self._dirty_tickers:
                if now - sent.get(key, 0.0) < self._ticker_gap_s:
                    later.add(key)
                    continue
                sent[key] = now
                self.ticker_changed.emit(self._tickers[key])
            self._dirty_tickers = later
        for key, queue in self._trades.items():
            if queue.pending:
                batch, queue.pending = queue.pending, []
                active = self._active
                if active is not None and active.key == key:
                    self.trades_added.emit(active, batch)
        if self._live and self._history_ready and self._active is not None:
            rows = sorted(self._live.values(), key=lambda c: c.ts)
            self._live.clear()
            floor = self._history_last_ts
            iv = self._interval.value
            for row in rows:
                if floor is None or row.ts >= floor:
                    self.candle_live.emit(self._active, iv, row)

    def _note_checksum(self, key: str, book: OrderBook) -> None:
        updates, errors = self._book_seen.get(key, (0, 0))
        if book.checksum_errors > errors:
            self._connection.record_checksum(False)
            log.warning(f"Order book checksum mismatch on {book.symbol} ({book.stale_reason}); "
                        "resubscribing for a fresh snapshot.")
        elif book.updates > updates:
            self._connection.record_checksum(True)
        self._book_seen[key] = (book.updates, book.checksum_errors)

    # --- seeding ----------------------------------------------------------------------------------------------

    def seed(self, ref: SymbolRef, interval: Interval | str, *, ticker: Ticker | None = None,
             bids: Sequence[Sequence[str]] = (), asks: Sequence[Sequence[str]] = (),
             candles: Sequence[Candle] = ()) -> bool:
        """Show data read elsewhere (the start-up's first look) for the active symbol until the stream's own arrives;
        call again with newer data as often as wanted. Returns True once the stream has taken over every part
        (pushed ticker, book snapshot, REST history): seeding is over. Levels are Bitget's (price, size) strings."""
        if ref != self._active or not self._known(ref):
            return True
        key = ref.key
        iv = Interval.parse(interval) if isinstance(interval, str) else interval
        done, changed = True, False
        shown = self._tickers.get(key)
        if shown is None or shown is self._seed_ticker.get(key):
            done = False
            if ticker is not None and ticker is not shown and ticker.ref == ref:
                self._tickers[key] = self._seed_ticker[key] = ticker
                self._dirty_tickers.add(key)
                changed = True
        book = self._books.get(key)
        if book is not None and (not book.has_snapshot or book.seq == SEEDED_SEQ):
            done = False
            if bids and asks and not book.stale:  # a stale book waits for the snapshot its resync brings
                book.load_snapshot(bids, asks, seq=SEEDED_SEQ)
                self._dirty_books.add(key)
                changed = True
        if iv == self._interval and not self._history_ready:
            done = False
            if candles and candles is not self._seed_rows:
                self._seed_rows = candles
                self._seed_candles(ref, list(candles))
        if changed:
            self.flush()  # now, not at the next tick: the window's first frame shows it
        return done

    def _seed_candles(self, ref: SymbolRef, rows: list[Candle]) -> None:
        seeded = self._seed_history
        newest = rows[-1].ts
        if seeded is None or seeded[0] != self._history_gen:
            self._seed_history = (self._history_gen, newest)
            self.candles_history.emit(ref, self._interval.value, rows)
            return
        for row in rows:
            if row.ts >= seeded[1]:
                self.candle_live.emit(ref, self._interval.value, row)
        self._seed_history = (self._history_gen, newest)

    # --- candle history ---------------------------------------------------------------------------------------

    def _reload_history(self) -> None:
        self._history_gen += 1
        self._history_ready = False
        self._initial_loading = False
        self._history_last_ts = None
        self._oldest_ts = None
        self._older_loading = False
        self._live.clear()
        ref = self._active
        if ref is None or not self._known(ref):
            return
        self._tasks.spawn(self._load_history(ref, self._interval, self._history_gen), "candle-history")

    async def _fetch(self, ref: SymbolRef, interval: Interval, end_ts: int | None) -> list[Candle]:
        limit = RECENT_LIMIT if end_ts is None else PAGE_LIMIT
        rows = await self._session.venue.candles(ref, interval, before_ts=end_ts, limit=limit)
        rows.sort(key=lambda c: c.ts)
        if end_ts is not None:
            rows = [c for c in rows if c.ts < end_ts]
        return rows

    async def _load_history(self, ref: SymbolRef, interval: Interval, gen: int) -> None:
        total = self.history_pages
        self.candles_loading.emit(total)
        self._initial_loading = True
        try:
            await self._load_pages(ref, interval, gen, total)
        except BitgetError as exc:
            if gen == self._history_gen:
                log.warning(f"Candle history for {ref.display} {interval.value} could not be "
                            f"loaded: {exc}")
        finally:
            if gen == self._history_gen:
                self._initial_loading = False
                self._history_ready = True
                self.candles_page.emit(total)  # last, once history_complete says so

    async def _load_pages(self, ref: SymbolRef, interval: Interval, gen: int, total: int) -> int:
        """The newest page, then older ones; returns how many pages went out (stops early on a stale ``gen``)."""
        iv = interval.value
        rows = await self._fetch(ref, interval, None)
        if gen != self._history_gen:
            return 0
        self._history_last_ts = rows[-1].ts if rows else None
        self._oldest_ts = rows[0].ts if rows else None
        self.candles_history.emit(ref, iv, rows)
        self._history_ready = True
        loaded = 1
        if loaded < total:
            self.candles_page.emit(loaded)
        while loaded < total and self._oldest_ts is not None:
            older = await self._fetch(ref, interval, self._oldest_ts)
            if gen != self._history_gen or not older:
                break
            self._oldest_ts = older[0].ts
            self.candles_older.emit(ref, iv, older)
            loaded += 1
            if loaded < total:  # the last page is announced by _load_history, after the flags say so
                self.candles_page.emit(loaded)
        return loaded

    async def _load_older(self, ref: SymbolRef, interval: Interval, end_ts: int, gen: int) -> None:
        try:
            older = await self._fetch(ref, interval, end_ts)
        except BitgetError as exc:
            log.warning(f"Older candles for {ref.display} could not be loaded: {exc}")
            older = []
        finally:
            if gen == self._history_gen:
                self._older_loading = False
        if gen != self._history_gen or not older:
            return
        if self._oldest_ts is None or older[0].ts < self._oldest_ts:
            self._oldest_ts = older[0].ts
        self.candles_older.emit(ref, interval.value, older)
