"""``terminal-app bench keys``: from a trading hotkey to the order's bytes at the exchange, in the real window under
the ``bench gui`` load.

What runs: the whole terminal (``app.Terminal``, offscreen) on the load of ``bench gui`` (``bench/gui.py``: N symbols
in the watchlist, the active one's books/trades/candles on the ladder, tape and chart, the others' books applied on the
GUI thread, exchange-side takers; about 5,000 messages a second with 10 symbols from the ``fast`` simulator). The
ticket holds a resting limit buy (``BELOW`` the last price, the market's smallest sensible size), trading hotkeys are
switched on, the focus is on the order book. Then, ``--presses`` times:

1. ``QTest.keyClick`` sends Ctrl+Alt+B (the ``order.buy`` key) to the focused widget — the same key event a keyboard
   produces, through the window's shortcut gate, the ticket, the risk guards and the trading service;
2. the terminal's REST goes through a wire tap (``bench.wire_tap``: a relay in a process of its own in front of the
   simulator's REST port) that notes when each place-order request's last byte arrived, by the kernel's receive
   stamp: the headline figure is that moment minus the moment before the key event — the order's bytes at the
   exchange's door, which is all the terminal controls;
3. the bench waits for the order's acknowledgement, then a short seeded pause (``GAP_S``), so presses land at every
   phase of the load; every ``--cancel-every`` presses it cancels the symbol's orders (and re-prices the ticket) so
   orders do not pile up. Cancels are not timed.

All moments are CLOCK_MONOTONIC (``time.monotonic_ns()``; the kernel's real-time stamps are converted): one clock
for every process of the machine, so the simulator can run where Demo runs it, in a child process (``--sim process``,
the default: its ~1 core of Python does not compete with the GUI thread for the GIL) and report over its pipe when the
order reached its REST handler (a ``SimServer.request_hooks`` entry, the first thing its handler runs). ``--sim
thread`` runs it on a thread of the terminal's process, as the tests do; the printed ``clock`` says which clock.

``--journal-delay-ms D`` puts the journal on a slow disk: every transaction the journal commits sleeps D ms first
(:class:`SlowDiskJournal`, a wrapper around the writer's commit). The journal writes on its own thread
(``store.journal.JournalWriter``), so the figure should not move; ``journal`` in the output says how much it wrote and
how much was still queued when the presses ended.

Output, one JSON line: ``p50_ms``/``p99_ms``/``max_ms`` key → the order's bytes at the exchange's door (``wire``);
``stages`` the same figures for each point on the way, all from the key press: ``key_event`` (the whole key handler,
which goes on after the bytes have left: the panels learn of the new order then), ``send_task`` (the trading service's
send task starts), ``transport`` (the request reaches the HTTP transport), ``wire``, ``tap_read`` (the tap's process
read it: its own wake-up, not the terminal's), ``sim_handler`` (the simulator's handler ran: in Demo the wait for its
busy event loop, part of the acknowledgement but not of the terminal's latency), ``acknowledged`` (the terminal has
the order's id: the trader's acknowledgement, simulator included); ``sent_in_key_event`` the presses
whose bytes left before the key event returned; ``slowest`` the slowest presses with what else happened meanwhile
(``bench.keys_trace``: run-queue waits, collections, the journal thread); ``lag_p99_ms`` the GUI event loop's lag
(as ``bench gui`` measures it); ``msgs_per_s`` the market data received meanwhile.
Target (issue 16): p99 < 5 ms with and without the slow journal.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from decimal import ROUND_CEILING, Decimal
from functools import partial
from pathlib import Path
from typing import Any

from terminal_app.bench.gui import (
    READY_TIMEOUT_S,
    TAKER_ORDERS_PER_S,
    WARMUP_S,
    BenchError,
    ExtraBooks,
    ProcessSim,
    TakerFlow,
    ThreadSim,
    _bench_terminal,
    _make_probe,
    _peak_rss_kb,
    _sim_config,
    _until,
    bench_symbols,
    install_takers,
    percentile,
    sim_counters,
)
from terminal_app.bench.keys_trace import SLOWEST, GcSpans, JournalSpans, press_report, thread_sched
from terminal_app.bench.wire_tap import PLACE_PATHS, WireTap
from terminal_app.core.instruments import MarketInfo, SymbolRef

DEFAULT_PRESSES = 200
CANCEL_EVERY = 10
TARGET_P99_MS = 5.0
# Pause after each acknowledged press: about 4-6 presses a second, under Bitget's 10 orders/s on place-order that the
# client's rate limiter enforces (faster, the limiter would queue the orders and the bench would time the queue).
GAP_S = (0.12, 0.22)
PROFILE_ENV = "TERMINAL_BENCH_PROFILE"  # a file name: cProfile of the key events themselves (the handler part)
BELOW = Decimal("0.97")  # the resting buy's price / last price: inside the 5 % fat-finger band, far from filling
ACK_TIMEOUT_S = 30.0  # not timed: only how long a busy machine may take before the bench gives up
CANCEL_TIMEOUT_S = 30.0  # a cancel is confirmed by the private stream, behind the market data of a busy simulator
PROBE_INTERVAL_MS = 10


# --- the exchange side: when does an order arrive ---------------------------------------------------------------------

class Arrivals:
    """A ``SimServer.request_hooks`` entry: the monotonic time each place-order request reaches the handler."""

    def __init__(self) -> None:
        self.ns: list[int] = []

    def __call__(self, request: Any) -> None:
        if request.method == "POST" and request.path in PLACE_PATHS:
            self.ns.append(time.monotonic_ns())


class KeysThreadSim(ThreadSim):
    """``bench gui``'s in-process simulator, with :class:`Arrivals` on its server."""

    def __init__(self, refs: Sequence[SymbolRef], rate: float) -> None:
        super().__init__(refs, rate)
        self.log = Arrivals()

    def start(self) -> Any:
        info = super().start()
        server = self.runner.server
        self.runner.call(lambda: server.request_hooks.append(self.log))
        return info

    def arrivals(self) -> list[int]:
        return list(self.runner.call(lambda: list(self.log.ns)))


class KeysProcessSim(ProcessSim):
    """``bench gui``'s simulator child (this module's :func:`serve_sim`), which also answers ``arrivals``."""

    def start(self) -> Any:
        import subprocess

        from terminal_app.sim.server.http import SimInfo

        cmd = [sys.executable, "-m", "terminal_app.bench.keys", "--serve-sim", "--symbols", str(len(self.refs)),
               "--taker-rate", str(self.rate)]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        return SimInfo(**self._line())

    def counters(self) -> dict[str, int]:
        return {k: int(v) for k, v in self._ask("stats").items()}

    def arrivals(self) -> list[int]:
        return [int(ns) for ns in self._ask("arrivals")["arrivals"]]


async def serve_sim(n_symbols: int, rate: float) -> None:
    """The child of :class:`KeysProcessSim`: ``bench gui``'s protocol (SimInfo as one JSON line, then one line per
    command: ``takers``, ``stats``) plus ``arrivals`` (the place-order arrival times so far)."""
    from terminal_app.sim.server.http import SimServer

    server = SimServer(_sim_config())
    arrivals = Arrivals()
    server.request_hooks.append(arrivals)
    info = await server.start()
    flows: list[TakerFlow] = []
    loop = asyncio.get_running_loop()
    try:
        print(info.json_line(), flush=True)
        while True:
            line = (await loop.run_in_executor(None, sys.stdin.readline)).strip()
            if not line:
                break
            if line == "arrivals":
                print(json.dumps({"arrivals": arrivals.ns}), flush=True)
                continue
            if line == "takers" and not flows:
                flows = install_takers(server, bench_symbols(n_symbols), rate)
            print(json.dumps({**sim_counters(server, flows), "rss_kb": _peak_rss_kb() or 0}), flush=True)
    finally:
        await server.stop()


# --- where the time goes on the terminal's side ----------------------------------------------------------------------

class Stages:
    """Timestamps of each order on its way out, taken by wrapping two methods for the run (and put back after):
    ``send_task`` — the trading service's send task starts (``TradingService._send``); ``transport`` — the request
    reaches the HTTP transport (``AiohttpTransport.handle_async_request``, place-order only). A method that is not
    there (renamed) is simply not timed."""

    WRAPPED = (("terminal_app.services.trading", "TradingService", "_send", "send_task"),
               ("terminal_app.bitget.transport", "AiohttpTransport", "handle_async_request", "transport"))

    def __init__(self) -> None:
        self.ns: dict[str, list[int]] = {}
        self._undo: list[Callable[[], None]] = []

    def __enter__(self) -> Stages:
        import importlib

        for module_name, class_name, method, stage in self.WRAPPED:
            cls = getattr(importlib.import_module(module_name), class_name, None)
            original = getattr(cls, method, None) if cls is not None else None
            if original is None:
                continue
            marks = self.ns.setdefault(stage, [])
            only_orders = stage == "transport"

            async def timed(*args: Any, _original: Any = original, _marks: list[int] = marks,
                            _only_orders: bool = only_orders, **kw: Any) -> Any:
                if not _only_orders or any(path in str(getattr(args[1], "url", "")) for path in PLACE_PATHS):
                    _marks.append(time.monotonic_ns())
                return await _original(*args, **kw)

            setattr(cls, method, timed)
            self._undo.append(partial(setattr, cls, method, original))
        return self

    def __exit__(self, *exc: object) -> None:
        while self._undo:
            self._undo.pop()()


def _figures(ms: list[float]) -> dict[str, float]:
    ordered = sorted(ms)
    return {"p50_ms": round(percentile(ordered, 0.5), 3), "p99_ms": round(percentile(ordered, 0.99), 3),
            "max_ms": round(ordered[-1], 3)}


# --- the journal on a slow disk ---------------------------------------------------------------------------------------

def slow_disk(delay_s: float) -> Callable[[Path], Any]:
    """A journal opener whose every commit takes ``delay_s`` longer (on the journal's thread)."""
    from terminal_app.store.journal import Journal

    class SlowDiskJournal(Journal):
        def _commit(self) -> None:
            time.sleep(delay_s)
            super()._commit()

    return partial(SlowDiskJournal)


# --- the presses ------------------------------------------------------------------------------------------------------

async def _signal_until(signal: Any, condition: Callable[[], Any], timeout_s: float, what: str) -> Any:
    """``condition()`` once truthy, re-checked after each emission of ``signal`` (a future: never a nested Qt loop
    inside a coroutine)."""
    value = condition()
    if value:
        return value
    loop = asyncio.get_running_loop()
    done: asyncio.Future[Any] = loop.create_future()

    def check(*_args: Any) -> None:
        if not done.done() and (result := condition()):
            done.set_result(result)

    signal.connect(check)
    try:
        return await asyncio.wait_for(done, timeout_s)
    except TimeoutError:
        raise BenchError(f"timed out after {timeout_s:g} s waiting for {what}") from None
    finally:
        signal.disconnect(check)


def _resting_size(market: MarketInfo, price: Decimal) -> Decimal:
    """The smallest size worth twice the market's minimum order value, on the lot."""
    lots = (market.min_notional * 2 / price / market.lot_size).to_integral_value(rounding=ROUND_CEILING)
    return max(lots * market.lot_size, market.min_size)


async def run_keys(terminal: Any, sim: KeysThreadSim | KeysProcessSim, refs: list[SymbolRef], presses: int,
                   cancel_every: int, seed: int, tap: WireTap, collector: Any = None) -> dict[str, Any]:
    """Start ``terminal`` under the ``bench gui`` load, press the buy key ``presses`` times; the result as a dict."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from terminal_app.config.settings import WATCHLIST
    from terminal_app.core.orders import FINAL_STATUSES
    from terminal_app.core.validation import round_to_tick
    from terminal_app.ui.actions import text_input_has_focus

    active = refs[0]
    terminal.settings.set(WATCHLIST, tuple(r.key for r in refs))
    await terminal.start()
    if collector is not None:
        collector.freeze()
    services, window = terminal.services, terminal.window
    md, session, trading = services.market_data, services.session, services.trading
    ticket, ladder = terminal.panel("ticket"), terminal.panel("ladder")
    if ticket is None or ladder is None:
        raise BenchError("the ticket or the order book panel is missing")
    if md.active != active:
        raise BenchError(f"the active symbol is {md.active}, not {active.display}")
    window.resize(1600, 1000)

    # The bench gui load: every symbol's book and trades, the chart history, then the takers.
    history = {"done": False}
    md.candles_page.connect(lambda n: history.update(done=history["done"] or n >= md.history_pages))
    extras = ExtraBooks(session.ws)
    await asyncio.gather(*(extras.add(ref) for ref in refs[1:]))

    def ready() -> bool:
        book = md.book(active)
        return (history["done"] and book is not None and book.best_bid() is not None and extras.ready()
                and all(md.ticker(ref) is not None for ref in refs) and md.market(active) is not None)

    await _until(ready, "the chart history, every book's snapshot and every ticker", READY_TIMEOUT_S)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sim.start_takers)
    await asyncio.sleep(WARMUP_S)

    # The trader's set-up: hotkeys on, a resting limit buy in the ticket, the focus on the order book.
    market = md.market(active)
    window.registry.set_hotkeys_enabled(True)
    window.activateWindow()
    await _until(lambda: QApplication.activeWindow() is window, "the main window to be active", 5.0)
    ladder.view.setFocus()
    await _until(lambda: QApplication.focusWidget() is not None and not text_input_has_focus(),
                 "the focus on the order book", 5.0)

    def arm() -> None:
        last = md.last_price(active)
        if last is None:
            raise BenchError(f"no last price for {active.display}")
        price = round_to_tick(last * BELOW, market)
        ticket.set_order_type("limit")
        ticket.set_price(price)
        ticket.set_size(_resting_size(market, price))

    async def cancel_all() -> None:
        trading.cancel_all(active)
        try:
            await _signal_until(trading.orders_changed, lambda: not trading.open_orders(active), CANCEL_TIMEOUT_S,
                                "the resting orders to be cancelled")
        except BenchError as exc:
            left = [(v.status, v.order_id) for v in trading.open_orders(active)]
            raise BenchError(f"{exc}; still open: {left}") from None

    acked_ns: list[int] = []  # when the terminal learnt each order's id (the REST answer or the private stream)

    def acknowledged(oid: str) -> bool:
        view = trading.order(oid)
        if view is not None and view.status in FINAL_STATUSES and view.order_id is None:
            raise BenchError(f"the order was {view.status}: {view.reason}")
        if view is None or view.order_id is None:
            return False
        acked_ns.append(time.monotonic_ns())
        return True

    rng = random.Random(seed)
    profile_to = os.environ.get(PROFILE_ENV)
    profiler = cProfile.Profile() if profile_to else None
    probe = _make_probe(PROBE_INTERVAL_MS)
    chord = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
    pressed_ns: list[int] = []
    handler_ns: list[tuple[int, int]] = []
    scheds: list[tuple[int, int]] = []  # the GUI thread's run-queue wait (ns) and times scheduled, per key event
    cancels = 0
    arm()
    sim0 = await loop.run_in_executor(None, sim.counters)
    msgs0, t_start = session.ws.stats().messages, time.perf_counter()
    probe.start()
    with Stages() as stages, GcSpans() as gcs, JournalSpans() as journal_spans:  # put back even when a press fails
        for i in range(presses):
            if i and i % cancel_every == 0:
                await cancel_all()
                cancels += 1
                arm()
            before = {v.client_oid for v in trading.open_orders(active)}
            target = QApplication.focusWidget() or window
            # Pressed from a loop callback, not from this coroutine: a real key event reaches the window from Qt's
            # event loop, outside any asyncio task (TaskSet's eager start depends on that).
            clicked: asyncio.Future[tuple[int, int]] = loop.create_future()

            def click(_target: Any = target, _clicked: asyncio.Future[tuple[int, int]] = clicked) -> None:
                if profiler is not None:
                    profiler.enable()
                _run0, wait0, slices0 = thread_sched()
                start = time.monotonic_ns()
                QTest.keyClick(_target, Qt.Key.Key_B, chord)
                end = time.monotonic_ns()
                _run1, wait1, slices1 = thread_sched()
                if profiler is not None:
                    profiler.disable()
                scheds.append((wait1 - wait0, slices1 - slices0))
                _clicked.set_result((start, end))

            loop.call_soon(click)
            t0, t1 = await clicked
            new = [v.client_oid for v in trading.open_orders(active) if v.client_oid not in before]
            if len(new) != 1:
                raise BenchError(f"press {i + 1} sent {len(new)} orders (focus on {type(target).__name__}); the ticket "
                                 f"says {ticket.status.text()!r}")
            pressed_ns.append(t0)
            handler_ns.append((t0, t1))
            oid = new[0]
            try:
                await _signal_until(trading.order_updated, partial(acknowledged, oid), ACK_TIMEOUT_S,
                                    f"press {i + 1}'s order to be acknowledged")
            except BenchError as exc:
                view = trading.order(oid)
                raise BenchError(f"{exc} (it is {view.status if view else 'gone'}"
                                 f"{': ' + view.reason if view and view.reason else ''})") from None
            await asyncio.sleep(rng.uniform(*GAP_S))
    probe.stop()
    wall = time.perf_counter() - t_start
    if profiler is not None and profile_to:
        profiler.dump_stats(profile_to)
    msgs = session.ws.stats().messages - msgs0
    sim1 = await loop.run_in_executor(None, sim.counters)
    await cancel_all()
    cancels += 1

    arrived = [ns for ns in await loop.run_in_executor(None, sim.arrivals) if ns >= pressed_ns[0]]
    tapped = [pair for pair in await loop.run_in_executor(None, tap.arrivals) if pair[0] >= pressed_ns[0]]
    if len(arrived) != presses or len(tapped) != presses:
        raise BenchError(f"{presses} presses but {len(tapped)} orders at the exchange's door and {len(arrived)} at "
                         "the simulator")
    # Where the time went, stage by stage (each from the key press): the key event handled, the send task started,
    # the request at the HTTP transport, its bytes at the exchange's door (kernel stamp), read there by the tap's
    # process, and at the simulator's REST handler.
    marks = {**stages.ns, "wire": [w for w, _ in tapped], "tap_read": [r for _, r in tapped], "sim_handler": arrived,
             "acknowledged": acked_ns}
    since_key: dict[str, list[float]] = {"key_event": [(t1 - t0) / 1e6 for t0, t1 in handler_ns]}
    breakdown: dict[str, Any] = {}
    for stage in ("send_task", "transport", "wire", "tap_read", "sim_handler", "acknowledged"):
        times = marks.get(stage)
        if times is not None and len(times) == presses:
            since_key[stage] = [(t - p) / 1e6 for t, p in zip(times, pressed_ns, strict=True)]
        elif times is not None:
            breakdown[stage] = f"{len(times)} marks for {presses} presses"
    breakdown = {stage: _figures(ms) for stage, ms in since_key.items()} | breakdown
    latencies = sorted(since_key["wire"])
    if latencies[0] < 0:
        raise BenchError("an order reached the exchange before its key was pressed: the processes do not share a clock")
    reports = [press_report(i, {stage: ms[i] for stage, ms in since_key.items()}, scheds[i], tapped[i][0],
                            handler_ns[i], gcs, journal_spans) for i in range(presses)]
    slowest = sorted(reports, key=lambda r: r["wire"], reverse=True)[:SLOWEST]
    lags = sorted(probe.lags_ms)
    writer = terminal.journal.writer
    p99 = percentile(latencies, 0.99)
    return {
        "bench": "keys",
        "ok": True,
        "presses": presses,
        "p50_ms": round(percentile(latencies, 0.5), 3),
        "p99_ms": round(p99, 3),
        "max_ms": round(latencies[-1], 3),
        "min_ms": round(latencies[0], 3),
        "mean_ms": round(sum(latencies) / len(latencies), 3),
        "stages": breakdown,
        "lag_p99_ms": round(percentile(lags, 0.99), 2),
        "lag_max_ms": round(lags[-1] if lags else 0.0, 2),
        "msgs_per_s": round(msgs / wall),
        # 200 when the simulator keeps up with its 5 ms steps; fewer: it is starved (a busy machine), and requests
        # wait for its event loop too.
        "sim_ticks_per_s": round((sim1["ticks"] - sim0["ticks"]) / wall),
        "seconds": round(wall, 2),
        "cancels": cancels,
        "symbols": len(refs),
        "sim": sim.kind,
        "clock": time.get_clock_info("monotonic").implementation,
        "loadavg_1m": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,  # others on the machine
        "journal": None if writer is None else {"jobs": writer.written, "transactions": writer.batches,
                                                "queued_at_end": writer.pending},
        "target_p99_ms": TARGET_P99_MS,
        "p99_ok": p99 < TARGET_P99_MS,
        # the presses whose bytes left before the key event returned (the eager send), and the slowest presses with
        # what else happened during them (bench.keys_trace)
        "sent_in_key_event": sum(r["in_handler"] for r in reports),
        "slowest": slowest,
        # the GUI process's garbage collections during the presses (from the terminal's GUI-thread timer, never
        # inside a key event: app.MainThreadGc)
        "gc": {"collections": len(gcs.spans), "max_ms": round(max((b - a for a, b in gcs.spans), default=0) / 1e6, 3)},
    }


def main(args: argparse.Namespace | None = None) -> int:
    """Run the benchmark and print one JSON line (``"ok": false`` and a ``reason`` when it could not run)."""
    def get(name: str, default: Any) -> Any:
        value = getattr(args, name, None)
        return default if value is None else value

    rate = float(get("taker_rate", TAKER_ORDERS_PER_S))
    if get("serve_sim", False):
        asyncio.run(serve_sim(int(get("symbols", 10)), rate))
        return 0
    presses = int(get("presses", DEFAULT_PRESSES))
    cancel_every = int(get("cancel_every", CANCEL_EVERY))
    delay_ms = float(get("journal_delay_ms", 0.0))
    seed = int(get("seed", 1))
    head: dict[str, Any] = {"bench": "keys", "journal_delay_ms": delay_ms}
    try:
        refs = bench_symbols(int(get("symbols", 10)))
        kind = get("sim", None) or os.environ.get("TERMINAL_BENCH_SIM") or "process"
        if kind not in ("thread", "process"):
            raise BenchError(f"the simulator runs in a 'thread' or a 'process', not {kind!r}")
        if presses < 1 or cancel_every < 1 or delay_ms < 0 or rate < 0:
            raise BenchError("--presses and --cancel-every must be positive, --journal-delay-ms and --taker-rate "
                             "not negative")
    except BenchError as exc:
        print(json.dumps({**head, "ok": False, "reason": str(exc)}), flush=True)
        return 2
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    import qasync
    from PySide6.QtWidgets import QApplication

    from terminal_app.app import MainThreadGc, StartupError
    from terminal_app.config.paths import AppPaths
    from terminal_app.services.journal_sink import JournalSink
    from terminal_app.ui.chart.none_guard import pin_none

    pin_none()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    collector = MainThreadGc()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    sim: KeysThreadSim | KeysProcessSim = (KeysThreadSim(refs, rate) if kind == "thread"
                                           else KeysProcessSim(refs, rate))
    status = 0
    taps: list[WireTap] = []
    try:
        with tempfile.TemporaryDirectory(prefix="bitget-terminal-bench-") as home:

            async def whole() -> dict[str, Any]:
                info = await asyncio.get_running_loop().run_in_executor(None, sim.start)
                # The terminal's REST goes through the wire tap; its WebSockets go to the simulator directly.
                taps.append(tap := WireTap(info.rest))
                terminal = _bench_terminal(app, AppPaths.under(Path(home)), replace(info, rest=tap.url))
                if delay_ms > 0:
                    terminal.journal = JournalSink(terminal.paths.data_dir, opener=slow_disk(delay_ms / 1000))
                try:
                    out = await run_keys(terminal, sim, refs, presses, cancel_every, seed, tap, collector)
                finally:
                    t0 = time.perf_counter()
                    await terminal.shutdown()
                    closed = time.perf_counter() - t0
                out["shutdown_s"] = round(closed, 2)  # the journal's last writes included
                return out

            with loop:
                try:
                    out = {**head, **loop.run_until_complete(whole()), "taker_rate": rate}
                except (BenchError, StartupError) as exc:
                    out, status = {**head, "ok": False, "reason": str(exc)}, 1
                except Exception as exc:  # anything else is a failure of the terminal too: one line saying what
                    out, status = {**head, "ok": False, "reason": f"{type(exc).__name__}: {exc}"}, 1
    finally:
        for tap in taps:
            tap.stop()
        sim.stop()
        collector.stop()
        asyncio.set_event_loop(None)
    print(json.dumps(out), flush=True)
    return status


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``terminal-app bench keys`` (also ``python -m terminal_app.bench.keys``)."""
    p.add_argument("--presses", type=int, default=DEFAULT_PRESSES, help="key presses (default: %(default)s)")
    p.add_argument("--journal-delay-ms", type=float, default=0.0,
                   help="make every journal commit this much slower (a slow disk; default: %(default)s)")
    p.add_argument("--symbols", type=int, default=10, help="symbols streaming, as bench gui (default: %(default)s)")
    p.add_argument("--sim", choices=["thread", "process"], default=None,
                   help="the simulator in a child process (default, as Demo runs it) or on a thread of the GUI's")
    p.add_argument("--taker-rate", type=float, default=None,
                   help=f"exchange-side market orders a second per symbol (default: {TAKER_ORDERS_PER_S:g})")
    p.add_argument("--cancel-every", type=int, default=CANCEL_EVERY,
                   help="cancel the resting orders after this many presses (default: %(default)s)")
    p.add_argument("--seed", type=int, default=1, help="seed of the pauses between presses")
    p.add_argument("--serve-sim", action="store_true", help=argparse.SUPPRESS)  # the child of --sim process


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m terminal_app.bench.keys", description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    raise SystemExit(main(parser.parse_args()))
