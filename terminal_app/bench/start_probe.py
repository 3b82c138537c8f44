"""The child side of ``bench start`` (``terminal-app --start-probe``): start the terminal, note when things showed.

Prints one JSON line of CLOCK_MONOTONIC marks (``time.monotonic``, comparable with the parent's spawn time):
``prepare``, ``exchange_launched``, ``qt_app``, ``shell_frame`` (the start-up window's first paint, see
``terminal_app.startup``), ``run_app`` (imports done), ``window_frame`` (the main window's first paint),
``first_frame`` (the earlier of the two), ``exchange_ready``, ``services``, ``window`` and ``live`` (best bid and
ask in the book, bars in the chart and a ticker, in the main window), ``imported`` (the heavy imports done) and
``shell_live`` (the start-up window's first look painted a ticker, both sides of the book and candles), then
returns.
Live data is checked by a 10 ms timer, never by a fixed delay. The main window's first paint is the time its own
``paintEvent`` noted (``MainWindow.painted_at``): an application-wide event filter in Python, as this probe had,
ran for each of the ~24,000 events of the start-up and cost it ~0.1-0.2 s of its own (cProfile).
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from PySide6.QtCore import QTimer

PROBE_TIMEOUT_S = 45.0


def _painted_at(terminal: Any) -> float | None:
    window = terminal.window
    return getattr(window, "painted_at", None) if window is not None else None


def _live(terminal: Any) -> bool:
    services, chart = terminal.services, terminal.chart
    if services is None or chart is None:
        return False
    md = services.market_data
    ref = md.active
    book = md.book(ref) if ref is not None else None
    return bool(book is not None and book.best_bid() and book.best_ask() and len(chart.series) > 0
                and md.ticker(ref) is not None)


async def probe(terminal: Any, run_app_at: float, early: dict[str, float] | None = None) -> int:
    """``early``: the marks of ``terminal_app.startup`` (the start-up window's first frame among them)."""
    marks: dict[str, Any] = {"ok": False, "run_app": run_app_at, **(early or {})}
    live = asyncio.get_running_loop().create_future()

    def check() -> None:
        if not live.done() and _painted_at(terminal) is not None and _live(terminal):
            live.set_result(time.monotonic())

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(check)
    timer.start()
    try:
        await asyncio.wait_for(terminal.start(), PROBE_TIMEOUT_S)
        marks["live"] = await asyncio.wait_for(live, PROBE_TIMEOUT_S)
        marks["ok"] = True
    except Exception as exc:  # the parent says what failed
        marks["reason"] = f"{type(exc).__name__}: {exc}"
    finally:
        timer.stop()
    marks.update({k: v for k, v in (early or {}).items() if k not in marks})  # set since: the shell's live data
    # The terminal's own marks are milliseconds since it was created; put them on the same clock.
    created = time.monotonic() - terminal.elapsed_ms() / 1000
    marks.update({name.removesuffix("_ms"): created + ms / 1000 for name, ms in terminal.marks.items()})
    painted_at = _painted_at(terminal)
    if painted_at is not None:
        marks["window_frame"] = painted_at  # the main window's first paint
    frames = [t for t in (marks.get("shell_frame"), painted_at) if t is not None]
    if frames:
        marks["first_frame"] = min(frames)
    print(json.dumps(marks), flush=True)
    return 0 if marks["ok"] else 1
