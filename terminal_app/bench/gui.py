"""``terminal-app bench gui``: the real main window, offscreen, under a market-data load, measured.

What runs: the whole terminal (``app.Terminal``: services, MainWindow with the chart and every trading panel) on one
qasync loop against the simulator, whose ``fast`` mode steps the market every 5 ms and pushes every step's book change
at once (200 ``books`` updates a second per symbol). The load, for N symbols (the first N of :data:`BENCH_SYMBOLS`):

* the watchlist holds all N (a ``ticker`` channel each); the first is the active symbol, whose ``books``, ``trade``
  and candle channels feed the ladder, the tape and the chart;
* the other N-1 symbols' ``books`` and ``trade`` channels are subscribed on the same streamer and applied to order
  books on the GUI thread (CRC32 checked), as a second book view would;
* a taker on the exchange side (one bench user sending small market orders through the engine's API, on the
  simulator's thread, :data:`TAKER_ORDERS_PER_S` per symbol, ``--taker-rate``; started once everything is loaded)
  makes every market busy: each order is a trade push and a book update, and it gives the tape a trade rate to show.

That is about 500 messages a second per symbol, about 5,000 with 10 symbols; fewer symbols mean proportionally fewer
messages. The figure printed is the measured one, with the simulator's own counts beside it (``sim_per_s``). The
simulator is Python on one thread and needs about a core for this: when it falls behind, its 5 ms timer loop runs
less often (``sim_per_s.ticks``, 200 when it keeps up) and each run sends a burst, and no view can show new data more
often than new data arrives (compare ``md_signals_per_s`` with ``md_flushes_per_s``).

Where the simulator runs (``--sim``, else ``TERMINAL_BENCH_SIM``): ``process`` (default) runs it and the taker in a
child process, as the Demo profile runs its exchange (``sim.process``), so the GUI process does only what it would do
against the real Bitget; ``thread`` runs it on a thread of the GUI's process (the in-process ``sim.runner`` of the
tests), where at this rate its ~0.8 core of Python competes with the GUI thread for the GIL — kept to show why Demo
does not run it that way.

Measured over ``--seconds``, after the chart history loaded, every book got its snapshot and a one-second warm-up:

* ``lag_*_ms``: a precise single-shot QTimer re-armed every 10 ms on the GUI thread; lag = how late it fired;
* ``msgs_per_s``: WebSocket messages received by the client's streamer;
* ``repaints_per_s``: paint events of the ladder, the tape's and the watchlist's table viewports and the chart's
  graphics viewport, counted by an event filter; ``md_flushes_per_s``: the market-data service's coalescing flushes,
  ``md_signals_per_s``: those that carried a book change / new trades of the active symbol;
* ``cpu_pct``: process CPU time / wall time (100 = one core; with ``--sim thread`` it includes the simulator), and
  ``gui_cpu_pct`` for the GUI thread alone;
* ``peak_rss_mb``: ``ru_maxrss`` of the GUI's process (simulator included with ``--sim thread``);
  ``sim_peak_rss_mb``: the simulator child's (``--sim process``; null with ``--sim thread``);
* a long session (``--seconds`` >= 120): ``rss_start_mb``/``rss_end_mb`` (the GUI's resident set, now, at the start
  and the end of the measured span), ``rss_growth_pct``, the child's likewise (``sim_rss_*``), ``rss_series_mb``
  ([second, GUI MB, child MB] every 30 s), ``heap_series_mb`` ([second, GUI in use, GUI free, child in use, child
  free]: glibc's heap, see :func:`_heap_kb`), ``py_blocks_series_k`` ([second, thousands of pymalloc blocks in
  use]: Python's small objects, outside glibc's heap), ``rss_trimmed_mb``/``sim_rss_trimmed_mb`` (the resident sets
  after ``malloc_trim(0)`` at the end: what of the growth is freed memory the allocator kept), ``heap_trims`` (the
  terminal's own trims once a minute, ``services.heap_trim``: count, p50/max ms) and ``lag_p99_end_ms`` (the
  last minute, or fifth of the span); ``growth_ok`` (< 5 % each) and ``lag_end_ok``. It is warmed up
  :data:`LONG_WARMUP_S` (5.5 min) instead of 1 s, until these bounded buffers are full, so that what grows after is
  what should not: in the GUI the ladder's Traded column (``core.traded_volume``: the last 5 minutes of the active
  symbol's trades, ~40 B a record, ~3 MB at the taker's 250 trades a second, at most ``MAX_RECORDS``); in the
  simulator child the taker user's records (``sim.engine.state.HISTORY_CAP``, 10,000 each of finished orders,
  fills, spot bills, futures bills and closed positions: the last fill only after ~100,000 orders, minutes at the
  rate the child keeps up under load) and every market's last 500 trades. The tape (200 rows), the market data's
  trade ids (2,000 a symbol) and live candles (300), the log panel (5,000 lines) and the chart's picture caches
  fill in seconds;
* what the simulator did under load: ``sim_skipped_pct`` (market time it skipped rather than fall behind the clock,
  see ``sim.engine.catch_up``), ``sim_slow_closes`` (streams it cut off for not reading, as Bitget does) and
  ``reconnects`` (the terminal's, which then resubscribes; the run goes on and counts them).

``TERMINAL_BENCH_PROFILE=file`` also writes a cProfile of the GUI thread over the measured seconds;
``TERMINAL_BENCH_TRACEMALLOC=dir`` tracemalloc snapshots of both processes at every resident-set sample.
Targets (issue 4, 2-core machine): lag p99 < 16 ms, ladder and tape >= 30 repaints/s, RSS < 300 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import ctypes
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from array import array
from collections import Counter
from collections.abc import Callable, Sequence
from decimal import ROUND_DOWN, ROUND_UP, Decimal
from pathlib import Path
from typing import Any

from terminal_app.core.instruments import MarketInfo, Product, SymbolRef
from terminal_app.core.traded_volume import DEFAULT_WINDOW_MS as TRADED_WINDOW_MS

PROBE_INTERVAL_MS = 10
WARMUP_S = 1.0
# A long session (issue 16): warmed up for LONG_WARMUP_S, until the bounded buffers named in the module's docstring
# are full (the longest to fill is the ladder's Traded column, a window of the last 5 minutes of trades), the
# resident sets sampled every RSS_SAMPLE_S, growth from the end of the warm-up to the end under GROWTH_TARGET_PCT, and
# the lag's p99 over the last LAG_TAIL_S still under LAG_TARGET_MS.
LONG_SESSION_S = 120.0
LONG_WARMUP_S = TRADED_WINDOW_MS / 1000 + 30.0
RSS_SAMPLE_S = 30.0
LAG_TAIL_S = 60.0
GROWTH_TARGET_PCT = 5.0
READY_TIMEOUT_S = 60.0
TAKER_ORDERS_PER_S = 250.0  # per symbol; with the 5 ms book steps about 500 messages/s per symbol
TAKER_QUOTE = Decimal(25)  # USDT per taker order
TAKER_UID = "bench-taker"
SIM_ENV = "TERMINAL_BENCH_SIM"  # "thread" or "process"
PROFILE_ENV = "TERMINAL_BENCH_PROFILE"  # a file name: cProfile of the GUI thread over the measured seconds
# A directory: both processes trace their allocations (tracemalloc) from the start of the load (the takers) and write
# a snapshot at every resident-set sample (gui-SECONDS.snap, sim-SECONDS.snap), to diff what grows over a long
# session. Slows both down several times.
TRACEMALLOC_ENV = "TERMINAL_BENCH_TRACEMALLOC"
# "gui" or "sim": only that process traces (tracing the simulator slows it so much that the GUI gets little load)
TRACEMALLOC_WHO_ENV = "TERMINAL_BENCH_TRACEMALLOC_WHO"
TRACE_FRAMES = 6

LAG_TARGET_MS = 16.0
REPAINT_TARGET_HZ = 30.0
RSS_TARGET_MB = 300.0

_SPOT, _PERP = Product.SPOT, Product.USDT_FUTURES
# Spot and perpetuals mixed, so both kinds of market are on screen and on the wire; the first is the active one.
BENCH_SYMBOLS: tuple[SymbolRef, ...] = (
    SymbolRef("BTCUSDT", _SPOT), SymbolRef("ETHUSDT", _SPOT), SymbolRef("SOLUSDT", _SPOT),
    SymbolRef("BTCUSDT", _PERP), SymbolRef("ETHUSDT", _PERP), SymbolRef("XRPUSDT", _SPOT),
    SymbolRef("BGBUSDT", _SPOT), SymbolRef("LINKUSDT", _SPOT), SymbolRef("LTCUSDT", _SPOT),
    SymbolRef("ADAUSDT", _SPOT), SymbolRef("SOLUSDT", _PERP),
)
SIM_COUNTERS = ("ticks", "steps", "trades", "frames_sent", "books_updates", "taker_orders", "taker_refused",
                "taker_refills")


class BenchError(Exception):
    """The benchmark could not run as specified; the message says why."""


def bench_symbols(n: int) -> list[SymbolRef]:
    """The first ``n`` of :data:`BENCH_SYMBOLS`."""
    if n < 1 or n > len(BENCH_SYMBOLS):
        raise BenchError(f"--symbols must be between 1 and {len(BENCH_SYMBOLS)}")
    return list(BENCH_SYMBOLS[:n])


def percentile(ordered: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of an ascending sequence (``q`` in 0..1); 0 when empty."""
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


# --- the exchange side: taker flow and where the simulator runs ------------------------------------------------------

class TakerPurse:
    """The bench user's money, shared by every :class:`TakerFlow`. Fees drain the demo funding (10,000 USDT a wallet)
    in a few minutes at the full rate, after which most taker orders were refused and the load the bench claims was
    not there (1,553 of 2,001 orders a second in a 600-s run): a refusal funds the user again ("reset demo account"),
    at most once per ``REFILL_EVERY_S``, and every flow forgets what it held."""

    REFILL_EVERY_S = 2.0

    def __init__(self, exchange: Any, uid: str = TAKER_UID) -> None:
        self.exchange = exchange
        self.uid = uid
        self.flows: list[TakerFlow] = []
        self.refills = 0
        self._last = float("-inf")

    def refill(self) -> None:
        now = time.monotonic()
        if now - self._last < self.REFILL_EVERY_S:
            return
        self._last = now
        self.exchange.reset_user(self.uid)
        self.refills += 1
        for flow in self.flows:
            flow.held = Decimal(0)


class TakerFlow:
    """Market orders from one bench user on one market at ``rate`` a second, alternately buying and selling so the
    user's holdings stay flat: spot buys spend ``quote`` USDT and sells give back what the buys brought in; futures
    (one-way mode) buy and sell the same size, about ``quote`` USDT. A simulator tick hook: it runs on the
    simulator's thread, where the engine lives."""

    def __init__(self, exchange: Any, info: MarketInfo, rate: float, quote: Decimal, uid: str = TAKER_UID,
                 purse: TakerPurse | None = None) -> None:
        self.exchange = exchange
        self.purse = purse
        self.ref = info.ref
        self.lot = info.lot_size
        self.rate = rate
        self.quote = quote
        self.uid = uid
        self.held = Decimal(0)
        self.orders = 0
        self.refused = 0
        self.calls = 0
        self._buy_next = True
        self._credit = 0.0
        self._last = time.monotonic()
        exchange.ensure_user(uid)
        self.futures_size = Decimal(0)
        if self.ref.is_futures:
            lots = (quote / exchange.ticker(self.ref).last / self.lot).to_integral_value(rounding=ROUND_UP)
            self.futures_size = max(lots * self.lot, info.min_size)

    def __call__(self) -> None:
        from terminal_app.bitget.errors import ExchangeError

        self.calls += 1
        now = time.monotonic()
        self._credit = min(self._credit + (now - self._last) * self.rate, 10.0)  # no burst after a stall
        self._last = now
        # right after the tick advanced the market: the orders trade on it as it is, not each stepping it again
        with self.exchange.catch_up.held():
            while self._credit >= 1.0:
                self._credit -= 1.0
                try:
                    self._one()
                except ExchangeError:
                    self.refused += 1
                    if self.purse is not None:
                        self.purse.refill()
                self.orders += 1

    def _one(self) -> None:
        ex, symbol, buy = self.exchange, self.ref.symbol, self._buy_next
        self._buy_next = not buy
        if self.ref.is_futures:
            ex.place_futures_order(self.uid, symbol, "buy" if buy else "sell", "market", self.futures_size)
            return
        sell = (self.held / self.lot).to_integral_value(rounding=ROUND_DOWN) * self.lot
        if buy or sell <= 0:
            order = ex.place_spot_order(self.uid, symbol, "buy", "market", self.quote)
            fee_in_base = order.fee if order.fee_coin != "USDT" else Decimal(0)
            self.held += order.filled_size - fee_in_base
        else:
            ex.place_spot_order(self.uid, symbol, "sell", "market", sell)
            self.held -= sell


def install_takers(server: Any, refs: Sequence[SymbolRef], rate: float) -> list[TakerFlow]:
    """A :class:`TakerFlow` per symbol, run after every engine advance (call on the simulator's thread)."""
    markets = {m.ref: m.info for m in server.exchange.markets()}
    purse = TakerPurse(server.exchange)
    flows = purse.flows
    flows += [TakerFlow(server.exchange, markets[ref], rate, TAKER_QUOTE, purse=purse) for ref in refs]
    server.tick_hooks.extend(flows)
    return flows


def sim_counters(server: Any, flows: Sequence[TakerFlow]) -> dict[str, int]:
    """Totals so far, named as :data:`SIM_COUNTERS`, with the market time skipped (ms) and the connections cut off for
    not reading (call on the simulator's thread)."""
    stats = server.exchange.stats()
    return {"ticks": flows[0].calls if flows else 0, "steps": stats["steps"], "trades": stats["trades"],
            "frames_sent": server.hub.sent, "books_updates": server.hub.books_updates,
            "taker_orders": sum(f.orders for f in flows), "taker_refused": sum(f.refused for f in flows),
            "taker_refills": flows[0].purse.refills if flows and flows[0].purse else 0,
            "skipped_ms": server.exchange.catch_up.skipped_ms, "slow_closes": server.hub.slow_closes}


def _sim_config() -> Any:
    from terminal_app.sim.server.http import SimConfig

    return SimConfig(fast=True)


class ThreadSim:
    """The simulator on a thread of this process (``sim.runner.SimulatorRunner``), as the in-process tests run it."""

    kind = "thread"

    def __init__(self, refs: Sequence[SymbolRef], rate: float) -> None:
        from terminal_app.sim.runner import SimulatorRunner

        self.runner = SimulatorRunner(config=_sim_config())
        self.refs, self.rate = list(refs), rate
        self.flows: list[TakerFlow] = []

    def start(self) -> Any:
        return self.runner.start()

    def start_takers(self) -> None:
        server = self.runner.server
        self.flows = self.runner.call(lambda: install_takers(server, self.refs, self.rate))

    def counters(self) -> dict[str, int]:
        server = self.runner.server
        return self.runner.call(lambda: sim_counters(server, self.flows))

    def trimmed_kb(self) -> int | None:
        return None  # the simulator shares the GUI's process and allocator: the GUI's own figure holds it

    def stop(self) -> None:
        self.runner.stop()


class ProcessSim:
    """The same simulator and takers in a child process (``python -m terminal_app.bench.gui --serve-sim``), driven
    through its stdin and stdout (see :func:`serve_sim`)."""

    kind = "process"

    def __init__(self, refs: Sequence[SymbolRef], rate: float) -> None:
        self.refs, self.rate = list(refs), rate
        self.proc: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()

    def start(self) -> Any:
        from terminal_app.sim.server.http import SimInfo

        cmd = [sys.executable, "-m", "terminal_app.bench.gui", "--serve-sim", "--symbols", str(len(self.refs)),
               "--taker-rate", str(self.rate)]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        fields = self._line()
        return SimInfo(**fields)

    def _pipes(self) -> tuple[subprocess.Popen[str], Any, Any]:
        proc = self.proc
        if proc is None or proc.stdin is None or proc.stdout is None:
            raise BenchError("the simulator process is not running")
        return proc, proc.stdin, proc.stdout

    def _line(self) -> dict[str, Any]:
        proc, _stdin, stdout = self._pipes()
        line = stdout.readline()
        if not line:
            raise BenchError(f"the simulator process ended (status {proc.wait()})")
        return dict(json.loads(line))

    def _ask(self, command: str) -> dict[str, Any]:
        with self._lock:
            _proc, stdin, _stdout = self._pipes()
            stdin.write(command + "\n")
            stdin.flush()
            return self._line()

    def start_takers(self) -> None:
        self._ask("takers")

    def counters(self) -> dict[str, int]:
        return {k: int(v) for k, v in self._ask("stats").items()}

    def trimmed_kb(self) -> int | None:
        """The child's resident set after ``malloc_trim(0)`` (see :func:`_trimmed_kb`)."""
        return int(self._ask("trim").get("rss_now_kb") or 0) or None

    def stop(self) -> None:
        proc = self.proc
        if proc is None:
            return
        self.proc = None
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def serve_sim(n_symbols: int, rate: float) -> None:
    """The child side of :class:`ProcessSim`: SimInfo as one JSON line, then a line of counters for every command
    line on stdin (``takers`` starts the takers first, ``stats`` only asks); an empty line or EOF stops it."""
    from terminal_app.sim.server.http import SimServer

    trace: Path | None = None
    server = SimServer(_sim_config())
    info = await server.start()
    flows: list[TakerFlow] = []
    loop = asyncio.get_running_loop()
    started = time.monotonic()
    try:
        print(info.json_line(), flush=True)
        while True:
            line = (await loop.run_in_executor(None, sys.stdin.readline)).strip()
            if not line:
                break
            if line == "takers" and not flows:
                flows = install_takers(server, bench_symbols(n_symbols), rate)
                trace = _start_tracing("sim")
            elif line == "trim":
                _trimmed_kb()
            elif trace is not None:
                _snapshot(trace, "sim", time.monotonic() - started)
            heap = _heap_kb() or (0, 0)
            print(json.dumps({**sim_counters(server, flows), "rss_kb": _peak_rss_kb() or 0,
                              "rss_now_kb": _rss_now_kb() or 0, "heap_used_kb": heap[0], "heap_free_kb": heap[1]}),
                  flush=True)
    finally:
        await server.stop()


def _start_tracing(who: str) -> Path | None:
    """Start tracemalloc when :data:`TRACEMALLOC_ENV` names a directory (and :data:`TRACEMALLOC_WHO_ENV`, when set,
    names ``who``); that directory."""
    where = os.environ.get(TRACEMALLOC_ENV)
    if not where or os.environ.get(TRACEMALLOC_WHO_ENV, who) != who:
        return None
    import tracemalloc

    tracemalloc.start(TRACE_FRAMES)
    Path(where).mkdir(parents=True, exist_ok=True)
    return Path(where)


def _snapshot(where: Path, who: str, at_s: float) -> None:
    import gc
    import tracemalloc

    gc.collect()  # what is still reachable, not what a collection would free
    tracemalloc.take_snapshot().dump(str(where / f"{who}-{round(at_s):05d}.snap"))
    # Python objects by type beside the allocations: a count that only grows names the structure that does
    kinds = Counter(type(o).__qualname__ for o in gc.get_objects())
    (where / f"{who}-{round(at_s):05d}.types.json").write_text(json.dumps(dict(kinds.most_common(200))))


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]


def _heap_kb() -> tuple[int, int] | None:
    """glibc's heap, all arenas: (KiB in use, KiB free but kept), mmap'd blocks counted as in use. What C and C++
    (Qt, numpy, Python's objects above 512 bytes) hold, beside pymalloc's own arenas: in-use that climbs is live
    memory, free that climbs while in-use does not is fragmentation. None where there is no glibc ``mallinfo2``."""
    try:
        mallinfo2 = ctypes.CDLL("libc.so.6").mallinfo2
    except (OSError, AttributeError):
        return None
    mallinfo2.restype = _MallInfo2
    info = mallinfo2()
    return (info.uordblks + info.hblkhd) // 1024, info.fordblks // 1024


def _trimmed_kb() -> int | None:
    """The resident set after glibc's ``malloc_trim(0)`` (returns the free pages of every arena to the system): how
    much of a long session's growth is freed memory that the allocator kept rather than memory still in use.
    None where there is no glibc."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        return None
    return _rss_now_kb()


# --- GUI-thread instruments -------------------------------------------------------------------------------------------

def _make_probe(interval_ms: int, seconds: float = 60.0) -> Any:
    """A lag probe for a span of about ``seconds``: its samples go to an array allocated (and written) up front,
    so a long session's growth is the terminal's, not a list of a third of a million floats (~12 MB an hour)."""
    from PySide6.QtCore import QObject, Qt, QTimer

    capacity = int(seconds * 1000 / interval_ms * 1.1) + 1000   # a timer never fires sooner than its interval

    class LagProbe(QObject):
        """A single-shot precise timer re-armed on every shot: each shot's lateness is the event loop's lag then."""

        def __init__(self) -> None:
            super().__init__()
            self.interval_s = interval_ms / 1000
            self._samples = array("d", [0.0]) * capacity
            self._n = 0
            self._due = 0.0
            self._timer = QTimer(self)
            self._timer.setSingleShot(True)
            self._timer.setTimerType(Qt.TimerType.PreciseTimer)
            self._timer.timeout.connect(self._fired)

        @property
        def lags_ms(self) -> array[float]:
            """The samples so far, oldest first (a copy)."""
            return self._samples[:self._n]

        def start(self) -> None:
            self._n = 0
            self._arm()

        def stop(self) -> None:
            self._timer.stop()

        def _arm(self) -> None:
            self._due = time.perf_counter() + self.interval_s
            self._timer.start(interval_ms)

        def _fired(self) -> None:
            if self._n < capacity:
                self._samples[self._n] = max(0.0, (time.perf_counter() - self._due) * 1000)
                self._n += 1
            self._arm()

    return LagProbe()


def _make_paint_counter() -> Any:
    from PySide6.QtCore import QEvent, QObject

    paint = QEvent.Type.Paint

    class PaintCounter(QObject):
        """Counts paint events of the watched widgets, by name (an event filter: the widgets are not touched)."""

        def __init__(self) -> None:
            super().__init__()
            self.counts: dict[str, int] = {}
            self._names: dict[int, str] = {}

        def watch(self, name: str, widget: Any) -> None:
            self.counts[name] = 0
            self._names[id(widget)] = name
            widget.installEventFilter(self)

        def reset(self) -> None:
            for name in self.counts:
                self.counts[name] = 0

        def eventFilter(self, watched: Any, event: Any) -> bool:
            if event.type() == paint:
                name = self._names.get(id(watched))
                if name is not None:
                    self.counts[name] += 1
            return False

    return PaintCounter()


class ExtraBooks:
    """``books`` and ``trade`` of the symbols other than the active one, applied on the GUI thread."""

    def __init__(self, streamer: Any) -> None:
        self.streamer = streamer
        self.books: dict[str, Any] = {}
        self.trades = 0

    async def add(self, ref: SymbolRef) -> None:
        from terminal_app.bitget.models import parse_ws_trades
        from terminal_app.bitget.ws import channel_arg
        from terminal_app.core.book_sync import BookSync
        from terminal_app.core.orderbook import OrderBook

        books_arg = channel_arg(ref.product, "books", ref.symbol)
        trade_arg = channel_arg(ref.product, "trade", ref.symbol)
        book = OrderBook(ref.symbol)
        streamer = self.streamer
        self.books[ref.key] = book

        def on_trades(msg: dict[str, Any]) -> None:
            self.trades += len(parse_ws_trades(msg))

        await asyncio.gather(streamer.subscribe(books_arg, BookSync(book, lambda: streamer.resubscribe(books_arg))),
                             streamer.subscribe(trade_arg, on_trades))

    def ready(self) -> bool:
        return all(b.best_bid() is not None and b.best_ask() is not None for b in self.books.values())

    def checksum_errors(self) -> int:
        return sum(b.checksum_errors for b in self.books.values())


# --- the run ----------------------------------------------------------------------------------------------------------

def _bench_terminal(app: Any, paths: Any, sim_info: Any) -> Any:
    from terminal_app.app import Terminal
    from terminal_app.config.profiles import Endpoints
    from terminal_app.core.credentials import Credentials
    from terminal_app.services.profiles import Exchange

    class BenchTerminal(Terminal):
        """The terminal on the Demo profile, connected to the bench's simulator instead of starting its own."""

        async def _demo_exchange(self, profile: Any) -> Exchange:
            endpoints = profile.endpoints(Endpoints(sim_info.rest, sim_info.ws_public, sim_info.ws_private))
            return Exchange(endpoints, Credentials(sim_info.api_key, sim_info.secret, sim_info.passphrase))

    return BenchTerminal(app, paths=paths)


async def _until(condition: Callable[[], bool], what: str, timeout_s: float) -> None:
    """Poll ``condition`` (several independent sources must all be ready; no one signal says so) until true."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise BenchError(f"timed out after {timeout_s:g} s waiting for {what}")
        await asyncio.sleep(0.05)


def _peak_rss_kb() -> int | None:
    try:
        import resource
    except ImportError:  # not on Windows
        return None
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # KiB on Linux


def _rss_now_kb() -> int | None:
    """The resident set now (not the peak): what a long session's growth is measured on."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    except OSError:  # not Linux
        return None


def _growth_pct(start_kb: int | None, end_kb: int | None) -> float | None:
    return round((end_kb - start_kb) / start_kb * 100, 2) if start_kb and end_kb else None


def _trims(collector: Any) -> dict[str, Any] | None:
    """The terminal's own periodic ``malloc_trim`` calls (``app.MainThreadGc.heap``) during the run: how many, and
    how long the GUI thread spent in them."""
    heap = getattr(collector, "heap", None)
    if heap is None or not heap.available:
        return None
    took = sorted(heap.durations_ms)
    return {"count": heap.count, "p50_ms": round(percentile(took, 0.5), 2) if took else None,
            "max_ms": round(took[-1], 2) if took else None}


def _peak_rss_mb() -> float | None:
    kb = _peak_rss_kb()
    return None if kb is None else round(kb / 1024, 1)


async def run_bench(terminal: Any, sim: ThreadSim | ProcessSim, refs: list[SymbolRef], seconds: float,
                    collector: Any = None) -> dict[str, Any]:
    """Start ``terminal`` with ``refs`` in its watchlist, load it, measure for ``seconds``; the result line as a dict.
    ``collector`` (the app's ``MainThreadGc``) is frozen after start-up, as ``run_app`` does."""
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QGraphicsView

    from terminal_app.config.settings import WATCHLIST

    active = refs[0]
    terminal.settings.set(WATCHLIST, tuple(r.key for r in refs))  # the watchlist panel starts with these
    await terminal.start()
    if collector is not None:
        collector.freeze()
    services, window = terminal.services, terminal.window
    md, session = services.market_data, services.session
    if md.active != active:
        raise BenchError(f"the active symbol is {md.active}, not {active.display}")
    window.resize(1600, 1000)
    watchlist, ladder, tape = terminal.panel("watchlist"), terminal.panel("ladder"), terminal.panel("tape")
    chart_view = terminal.chart.findChild(QGraphicsView) if terminal.chart is not None else None
    if watchlist is None or ladder is None or tape is None or chart_view is None:
        raise BenchError("the watchlist, ladder, tape or chart panel is missing")
    if watchlist.symbols() != refs:
        raise BenchError("the watchlist does not hold the bench symbols")

    history = {"done": False}
    md.candles_page.connect(lambda n: history.update(done=history["done"] or n >= md.history_pages))
    extras = ExtraBooks(session.ws)
    await asyncio.gather(*(extras.add(ref) for ref in refs[1:]))

    def ready() -> bool:
        book = md.book(active)
        return (history["done"] and book is not None and book.best_bid() is not None and extras.ready()
                and all(md.ticker(ref) is not None for ref in refs))

    await _until(ready, "the chart history, every book's snapshot and every ticker", READY_TIMEOUT_S)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sim.start_takers)  # only now: a busy simulator slows the start-up requests

    probe = _make_probe(PROBE_INTERVAL_MS, seconds)
    painter = _make_paint_counter()
    painter.watch("ladder", ladder.view)
    painter.watch("tape", tape.view.viewport())
    painter.watch("chart", chart_view.viewport())
    painter.watch("watchlist", watchlist.view.viewport())
    # The load settles: the takers' first trades, first paints of every view (and, for a long session, the caches).
    await asyncio.sleep(LONG_WARMUP_S if seconds >= LONG_SESSION_S else WARMUP_S)

    signals = {"book": 0, "trades": 0}

    def on_book(_ref: SymbolRef) -> None:
        signals["book"] += 1

    def on_trades(_ref: SymbolRef, _batch: object) -> None:
        signals["trades"] += 1

    md.book_changed.connect(on_book)
    md.trades_added.connect(on_trades)

    async def totals() -> tuple[float, float, float, int, int, dict[str, int]]:
        counters = await loop.run_in_executor(None, sim.counters)
        counters["reconnects"] = session.ws.stats().reconnects
        return (time.perf_counter(), time.process_time(), time.thread_time(), session.ws.stats().messages,
                md.flushes, counters)

    profile_to = os.environ.get(PROFILE_ENV)
    profiler = cProfile.Profile() if profile_to else None
    trace = _start_tracing("gui")  # what is allocated from now on and still held at a sample is what grows
    t0, cpu0, gui0, msgs0, flushes0, sim0 = await totals()
    if trace is not None:
        _snapshot(trace, "gui", 0)
    rss0 = _rss_now_kb()
    painter.reset()
    signals.update(book=0, trades=0)
    probe.start()
    if profiler is not None:
        profiler.enable()
    # A long session: the resident sets every RSS_SAMPLE_S (the GUI's here, the child's from its counters).
    rss_series: list[tuple[float, float | None, float | None]] = []
    heap_series: list[tuple[float, float, float, float, float]] = []  # [s, GUI used, GUI free, child used, free] MB
    # [s, thousands of blocks pymalloc holds]: Python's small objects live in pymalloc's own mmap'd arenas, which
    # glibc's mallinfo does not see
    blocks_series: list[tuple[float, int]] = []
    end = time.perf_counter() + seconds
    while (left := end - time.perf_counter()) > 0:
        await asyncio.sleep(min(RSS_SAMPLE_S, left))
        if seconds >= 2 * RSS_SAMPLE_S:
            sample = await loop.run_in_executor(None, sim.counters)
            gui_kb, sim_kb = _rss_now_kb(), sample.get("rss_now_kb")
            rss_series.append((round(time.perf_counter() - t0), round(gui_kb / 1024, 1) if gui_kb else None,
                               round(sim_kb / 1024, 1) if sim_kb else None))
            heap = _heap_kb()
            if heap is not None:
                heap_series.append((rss_series[-1][0], round(heap[0] / 1024, 1), round(heap[1] / 1024, 1),
                                    round(sample.get("heap_used_kb", 0) / 1024, 1),
                                    round(sample.get("heap_free_kb", 0) / 1024, 1)))
            blocks_series.append((rss_series[-1][0], sys.getallocatedblocks() // 1000))
            if trace is not None:
                _snapshot(trace, "gui", time.perf_counter() - t0)
    if profiler is not None:
        profiler.disable()
    probe.stop()
    rss1 = _rss_now_kb()
    counts = dict(painter.counts)
    emitted = dict(signals)
    t1, cpu1, gui1, msgs1, flushes1, sim1 = await totals()
    # after the measured span: how much of the resident sets the allocators would give back
    trimmed = (_trimmed_kb(), await loop.run_in_executor(None, sim.trimmed_kb)) if seconds >= LONG_SESSION_S \
        else (None, None)
    if profiler is not None and profile_to:
        profiler.dump_stats(profile_to)

    wall = t1 - t0
    tail = probe.lags_ms[-max(1, int(min(LAG_TAIL_S, wall / 5) * 1000 / PROBE_INTERVAL_MS)):]
    lag_p99_end = percentile(sorted(tail), 0.99)
    lags = sorted(probe.lags_ms)
    repaints = {name: round(count / wall, 1) for name, count in counts.items()}
    rss = _peak_rss_mb()
    active_book = md.book(active)
    lag_p99 = percentile(lags, 0.99)
    return {
        "bench": "gui",
        "ok": True,
        "symbols": len(refs),
        "seconds": round(wall, 2),
        "sim": sim.kind,
        "lag_p50_ms": round(percentile(lags, 0.5), 2),
        "lag_p99_ms": round(lag_p99, 2),
        "lag_max_ms": round(lags[-1] if lags else 0.0, 2),
        "lag_samples": len(lags),
        "msgs_per_s": round((msgs1 - msgs0) / wall),
        "sim_per_s": {name: round((sim1[name] - sim0[name]) / wall) for name in SIM_COUNTERS},
        # Bitget cuts off a client that does not read; the terminal reconnects and resubscribes, and the run goes on
        "reconnects": sim1["reconnects"] - sim0["reconnects"],
        "sim_slow_closes": sim1["slow_closes"] - sim0["slow_closes"],
        "sim_skipped_pct": round(min(100.0, (sim1["skipped_ms"] - sim0["skipped_ms"]) / (wall * 10)), 1),
        "repaints_per_s": repaints,
        "md_flushes_per_s": round((flushes1 - flushes0) / wall, 1),
        "md_signals_per_s": {name: round(n / wall, 1) for name, n in emitted.items()},
        "cpu_pct": round((cpu1 - cpu0) / wall * 100, 1),
        "gui_cpu_pct": round((gui1 - gui0) / wall * 100, 1),
        "peak_rss_mb": rss,
        "sim_peak_rss_mb": round(sim1["rss_kb"] / 1024, 1) if sim1.get("rss_kb") else None,  # the child's
        "lag_p99_end_ms": round(lag_p99_end, 2),
        "rss_start_mb": round(rss0 / 1024, 1) if rss0 else None,
        "rss_end_mb": round(rss1 / 1024, 1) if rss1 else None,
        "rss_growth_pct": _growth_pct(rss0, rss1),
        "sim_rss_start_mb": round(sim0["rss_now_kb"] / 1024, 1) if sim0.get("rss_now_kb") else None,
        "sim_rss_end_mb": round(sim1["rss_now_kb"] / 1024, 1) if sim1.get("rss_now_kb") else None,
        "sim_rss_growth_pct": _growth_pct(sim0.get("rss_now_kb"), sim1.get("rss_now_kb")),
        "rss_series_mb": rss_series,
        "heap_series_mb": heap_series,
        "py_blocks_series_k": blocks_series,
        "heap_trims": _trims(collector),
        "rss_trimmed_mb": round(trimmed[0] / 1024, 1) if trimmed[0] else None,
        "sim_rss_trimmed_mb": round(trimmed[1] / 1024, 1) if trimmed[1] else None,
        "checksum_errors": extras.checksum_errors() + (active_book.checksum_errors if active_book else 0),
        "window": f"{window.width()}x{window.height()}",
        "platform": QGuiApplication.platformName(),
        "lag_ok": lag_p99 < LAG_TARGET_MS,
        "repaint_ok": min(repaints["ladder"], repaints["tape"]) >= REPAINT_TARGET_HZ,
        "rss_ok": rss is None or rss < RSS_TARGET_MB,
        "growth_ok": all(g is None or g < GROWTH_TARGET_PCT
                         for g in (_growth_pct(rss0, rss1),
                                   _growth_pct(sim0.get("rss_now_kb"), sim1.get("rss_now_kb")))),
        "lag_end_ok": lag_p99_end < LAG_TARGET_MS,
    }


def _sim_kind(args: argparse.Namespace | None) -> str:
    kind = getattr(args, "sim", None) or os.environ.get(SIM_ENV) or "process"
    if kind not in ("thread", "process"):
        raise BenchError(f"the simulator runs in a 'thread' or a 'process', not {kind!r}")
    return kind


def _arg(args: argparse.Namespace | None, name: str, default: Any) -> Any:
    value = getattr(args, name, None)
    return default if value is None else value


def main(args: argparse.Namespace | None = None) -> int:
    """Run the benchmark and print one JSON line (``"ok": false`` and a ``reason`` when it could not run)."""
    rate = float(_arg(args, "taker_rate", TAKER_ORDERS_PER_S))
    if _arg(args, "serve_sim", False):
        asyncio.run(serve_sim(int(_arg(args, "symbols", 10)), rate))
        return 0
    seconds = float(_arg(args, "seconds", 30.0))
    try:
        refs = bench_symbols(int(_arg(args, "symbols", 10)))
        kind = _sim_kind(args)
        if seconds <= 0 or rate < 0:
            raise BenchError("--seconds must be positive and --taker-rate not negative")
    except BenchError as exc:
        print(json.dumps({"bench": "gui", "ok": False, "reason": str(exc)}), flush=True)
        return 2
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    import qasync
    from PySide6.QtWidgets import QApplication

    from terminal_app.app import MainThreadGc, StartupError
    from terminal_app.config.paths import AppPaths
    from terminal_app.ui.chart.none_guard import pin_none

    pin_none()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    collector = MainThreadGc()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    sim: ThreadSim | ProcessSim = ThreadSim(refs, rate) if kind == "thread" else ProcessSim(refs, rate)
    status = 0
    try:
        with tempfile.TemporaryDirectory(prefix="bitget-terminal-bench-") as home:

            async def whole() -> dict[str, Any]:
                info = await asyncio.get_running_loop().run_in_executor(None, sim.start)
                terminal = _bench_terminal(app, AppPaths.under(Path(home)), info)
                try:
                    return await run_bench(terminal, sim, refs, seconds, collector)
                finally:
                    await terminal.shutdown()

            with loop:
                try:
                    out = loop.run_until_complete(whole())
                    out["taker_rate"] = rate
                except (BenchError, StartupError) as exc:
                    out, status = {"bench": "gui", "ok": False, "reason": str(exc)}, 1
                except Exception as exc:  # anything else is a failure of the terminal too: one line saying what
                    out, status = {"bench": "gui", "ok": False, "reason": f"{type(exc).__name__}: {exc}"}, 1
    finally:
        sim.stop()
        collector.stop()
        asyncio.set_event_loop(None)
    print(json.dumps(out), flush=True)
    return status


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m terminal_app.bench.gui", description=__doc__.split("\n\n")[0])
    p.add_argument("--symbols", type=int, default=10)
    p.add_argument("--seconds", type=float, default=30.0)
    p.add_argument("--sim", choices=["thread", "process"], default=None,
                   help=f"where the simulator runs (default: ${SIM_ENV} or thread)")
    p.add_argument("--serve-sim", action="store_true", help=argparse.SUPPRESS)  # the child of --sim process
    p.add_argument("--taker-rate", type=float, default=TAKER_ORDERS_PER_S,
                   help="exchange-side market orders a second per symbol (default: %(default)s)")
    return p


if __name__ == "__main__":
    raise SystemExit(main(_parser().parse_args()))
