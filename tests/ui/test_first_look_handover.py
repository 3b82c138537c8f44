"""The start-up's first look handed to the main window: the book, ticker and chart paint from it before the terminal's
own stream has sent anything, and the stream takes over without a trace (the book ends as the exchange's, the
chart's candles do not double). The real start-up path: ``startup.prepare`` launches the demo exchange's child and
the first look, as ``__main__`` does; the terminal's public subscriptions and its candle history are held back until
the seeded window has been checked."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from keyring.backends import fail
from PySide6.QtWidgets import QApplication

from terminal_app import startup
from terminal_app.app import Terminal
from terminal_app.bitget.ws import BitgetStreamer
from terminal_app.config.secrets import CredentialStore
from terminal_app.services.market_data import SEEDED_SEQ, MarketDataService

pytestmark = [pytest.mark.asyncio, pytest.mark.usefixtures("gc_on_this_thread")]
PUBLIC = ("ticker", "books", "trade")


async def until(condition: Callable[[], Any], what: str, timeout_s: float = 60.0) -> None:
    """Polls with the loop running (the first look is a thread; nothing signals its arrival on this loop)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def held(gate: asyncio.Event, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Hold the terminal's public market subscriptions and its candle history until ``gate`` is set."""
    seen: list[str] = []
    subscribe, fetch = BitgetStreamer.subscribe, MarketDataService._fetch

    async def held_subscribe(self: BitgetStreamer, arg: Mapping[str, Any], *args: Any, **kw: Any) -> Any:
        channel = str(arg.get("channel", ""))
        if channel in PUBLIC or channel.startswith("candle"):
            seen.append(channel)
            await gate.wait()
        return await subscribe(self, arg, *args, **kw)

    async def held_fetch(self: MarketDataService, *args: Any) -> Any:
        await gate.wait()
        return await fetch(self, *args)

    monkeypatch.setattr(BitgetStreamer, "subscribe", held_subscribe)
    monkeypatch.setattr(MarketDataService, "_fetch", held_fetch)
    return seen


def levels(rows: Any) -> list[tuple[Decimal, Decimal]]:
    return [(Decimal(p), Decimal(s)) for p, s in rows]


async def test_the_window_paints_the_first_look_then_the_stream_takes_over(
        qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BITGET_TERMINAL_HOME", str(tmp_path))
    gate = asyncio.Event()
    subscriptions = held(gate, monkeypatch)
    prepared = startup.prepare(smoke_test=True)  # the demo exchange's child and the first look, as __main__ starts them
    look = prepared.first_look
    assert look is not None
    look.start()
    quit_on_close = qapp.quitOnLastWindowClosed()
    terminal = Terminal(qapp, smoke_test=True, prepared=prepared)
    terminal.store = CredentialStore(fail.Keyring())
    try:
        await terminal.start()
        window, chart, services = terminal.window, terminal.chart, terminal.services
        assert window is not None
        assert chart is not None
        assert services is not None
        md = services.market_data
        ref = md.active
        assert ref is not None
        assert terminal.handover is not None
        ladder = window.panel("ladder")

        # Before anything live: the book, the ticker and the candles are the first look's.
        await until(lambda: (seen := look.latest()) is not None and seen.complete, "the first look")
        await until(lambda: ladder.ladder().best_bid is not None and md.ticker(ref) is not None and len(chart.series),
                    "the seeded window")
        await until(lambda: "books" in subscriptions, "the book's subscription (held)")
        assert not gate.is_set()  # nothing of the terminal's own stream has arrived
        book = md.book(ref)
        assert book is not None
        assert book.seq == SEEDED_SEQ
        assert book.updates == 0
        seen = look.latest()
        assert len(book.bids()) <= 15  # books15, the first look's channel
        assert len(book.asks()) <= 15
        bid, ask = book.best_bid_price(), book.best_ask_price()
        assert bid is not None
        assert ask is not None
        assert bid < ask
        assert ladder.ladder().best_bid == book.best_bid_price()  # painted by the ladder
        ticker = md.ticker(ref)
        assert ticker is not None
        assert ticker.ref == ref
        assert window.panel("watchlist").model.text(0, "Last") not in ("", "—")  # the watchlist shows it
        assert 0 < len(chart.series) <= len(seen.candles) + 1
        assert int(chart.series.ts[-1]) >= seen.candles[0].ts

        # The stream flows: the channel's snapshot replaces the seeded levels, then every update is verified.
        gate.set()
        await until(lambda: book.seq != SEEDED_SEQ and book.has_snapshot and book.updates >= 3,
                    "the channel's snapshot and updates")
        assert (book.checksum_errors, book.sequence_errors, book.stale) == (0, 0, False)
        assert len(book.bids()) > 15  # the full book, not the first look's 15 levels
        await until(lambda: terminal.handover is None or terminal.handover.done, "the handover's end")
        assert md.ticker(ref) is not ticker  # the stream's own

        # The book is the exchange's: equal to its REST depth read between two pushes.
        rest = services.session.rest
        matches = 0
        for _ in range(40):
            depth = await rest.spot_orderbook(ref, limit=50)
            if levels(book.bids(50)) == levels(depth.bids) and levels(book.asks(50)) == levels(depth.asks):
                matches += 1
                break
            await asyncio.sleep(0.05)
        assert matches, "the book never matched the exchange's depth"

        # The chart: the REST history replaced the seeded candles, no bar twice, in order.
        await until(lambda: len(chart.series) >= 1000, "the candle history")
        ts = np.asarray(chart.series.ts)
        assert (np.diff(ts) > 0).all()
    finally:
        window = terminal.window
        await terminal.shutdown()
        qapp.setQuitOnLastWindowClosed(quit_on_close)
        if window is not None:
            window.deleteLater()
    assert look.stopped
