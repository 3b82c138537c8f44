"""Market data through the real streamer and REST client against the simulator: book, trades, tickers, candles."""

from __future__ import annotations

import itertools
import logging
from typing import Any

import pytest

from terminal_app.core.instruments import Product, SymbolRef

BTC = SymbolRef("BTCUSDT", Product.SPOT)
ETH = SymbolRef("ETHUSDT", Product.SPOT)
SOL = SymbolRef("SOLUSDT", Product.SPOT)
BTC_PERP = SymbolRef("BTCUSDT", Product.USDT_FUTURES)


@pytest.mark.asyncio
async def test_active_symbol_streams_book_trades_ticker_and_candles(kit: Any) -> None:
    async with kit.open() as s:
        md = s.market_data
        assert BTC.key in md.markets()
        assert BTC_PERP.key in md.markets()
        loading = kit.record(md.candles_loading)
        pages = kit.record(md.candles_page)
        complete: list[tuple[int, bool]] = []
        md.candles_page.connect(lambda n: complete.append((n, md.history_complete)))
        history = kit.record(md.candles_history)
        older = kit.record(md.candles_older)
        trades = kit.record(md.trades_added)
        active = kit.record(md.active_changed)
        md.set_watchlist([ETH, SOL])
        md.set_active(BTC)
        assert active.calls == [(BTC,)]
        book = md.book(BTC)
        assert book is not None  # exists at once, empty until the snapshot
        await kit.wait_until(md.book_changed, lambda: book.has_snapshot and book.best_bid() and book.best_ask())
        bid, ask = book.best_bid_price(), book.best_ask_price()
        assert bid is not None
        assert ask is not None
        assert bid < ask
        await kit.wait_until(md.ticker_changed, lambda: all(md.ticker(r) for r in (BTC, ETH, SOL)))
        await kit.wait_until(md.trades_added, lambda: trades.calls)
        ref, batch = trades.calls[0]
        assert ref == BTC
        assert [t.ts for t in batch] == sorted(t.ts for t in batch)
        await kit.wait_until(md.candles_page, lambda: pages.calls and pages.calls[-1] == (5,))
        assert loading.calls == [(5,)]
        assert [p[0] for p in pages.calls] == [1, 2, 3, 4, 5]
        # the last page's announcement finds the history complete (the smoke test waits on that), none before
        assert complete == [(1, False), (2, False), (3, False), (4, False), (5, True)]
        ((h_ref, h_iv, rows),) = history.calls
        assert (h_ref, h_iv, len(rows)) == (BTC, "15m", 1000)
        assert [c.ts for c in rows] == sorted(c.ts for c in rows)
        assert all(b.ts - a.ts == 900_000 for a, b in itertools.pairwise(rows))
        assert len(older) == 4
        previous_first = rows[0].ts
        for o_ref, o_iv, page in older.calls:
            assert (o_ref, o_iv, len(page)) == (BTC, "15m", 200)
            assert page[-1].ts == previous_first - 900_000  # contiguous with the page after it
            previous_first = page[0].ts
        _, _, live = await kit.next(md.candle_live)
        assert live.ts >= rows[-1].ts
        assert md.last_price(BTC) is not None
        md.load_older()  # what the chart asks for when the view nears the oldest bar
        _, _, page = await kit.next(md.candles_older)
        assert len(page) == 200
        assert page[-1].ts == previous_first - 900_000


@pytest.mark.asyncio
async def test_switching_symbol_and_interval_resubscribes_only_what_changed(kit: Any) -> None:
    async with kit.open(history_pages=2) as s:
        md = s.market_data
        md.set_watchlist([ETH])
        md.set_active(BTC)
        await kit.wait_until(md.book_changed, lambda: md.book(BTC) is not None and md.book(BTC).has_snapshot)
        md.set_active(BTC_PERP)
        assert md.book(BTC) is None
        channels = {(k[0], k[1], k[2]) for k in md.subscribed()}
        assert channels == {
            ("SPOT", "ticker", "ETHUSDT"),
            ("USDT-FUTURES", "ticker", "BTCUSDT"), ("USDT-FUTURES", "books", "BTCUSDT"),
            ("USDT-FUTURES", "trade", "BTCUSDT"), ("USDT-FUTURES", "candle15m", "BTCUSDT"),
        }
        history = kit.record(md.candles_history)
        intervals = kit.record(md.interval_changed)
        md.set_interval("1H")
        assert intervals.calls == [("1H",)]
        assert ("USDT-FUTURES", "candle1H", "BTCUSDT") in md.subscribed()
        assert ("USDT-FUTURES", "candle15m", "BTCUSDT") not in md.subscribed()
        await kit.wait_until(md.candles_history, lambda: history.calls)
        ref, iv, rows = history.calls[-1]
        assert (ref, iv) == (BTC_PERP, "1H")
        assert all(b.ts - a.ts == 3_600_000 for a, b in itertools.pairwise(rows))
        book = md.book(BTC_PERP)
        assert book is not None
        await kit.wait_until(md.book_changed, lambda: book.has_snapshot and book.best_bid())
        await kit.wait_until(md.book_changed, lambda: set(md.subscribed()) <= set(s.session.ws.subscriptions()))
        assert ("SPOT", "books", "BTCUSDT") not in s.session.ws.subscriptions()


@pytest.mark.asyncio
async def test_many_messages_make_few_signals(kit: Any) -> None:
    async with kit.open(flush_hz=4, history_pages=1) as s:
        md = s.market_data
        changed = kit.record(md.book_changed)
        md.set_active(BTC)
        book = md.book(BTC)
        assert book is not None
        await kit.wait_until(md.book_changed, lambda: book.updates >= 12)
        assert len(changed) <= md.flushes
        assert len(changed) * 2 <= book.updates + 1


@pytest.mark.asyncio
async def test_checksum_mismatch_resyncs_the_book(kit: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="terminal_app.services.market_data")
    async with kit.open(history_pages=1) as s:
        md, conn = s.market_data, s.connection
        md.set_active(BTC)
        book = md.book(BTC)
        assert book is not None
        await kit.wait_until(md.book_changed, lambda: book.updates >= 2)
        kit.sim.faults.corrupt_checksum("BTCUSDT")
        await kit.wait_until(md.book_changed, lambda: book.checksum_errors == 1)
        resynced_at = book.updates
        await kit.wait_until(md.book_changed, lambda: not book.stale and book.updates > resynced_at)
        assert conn.snapshot().checksum_failures == 1
        await kit.wait_until(md.book_changed, lambda: conn.snapshot().checksum_ok)
        assert any("checksum mismatch" in r.getMessage() for r in caplog.records
                   if r.name == "terminal_app.services.market_data" and r.levelno == logging.WARNING)


@pytest.mark.asyncio
async def test_a_panel_keeps_prices_live_outside_the_watchlist(kit: Any) -> None:
    # The copy-trading panel values copied SOLUSDT positions: their last price must stream although SOLUSDT.P is
    # neither in the watchlist nor active.
    sol_perp = SymbolRef("SOLUSDT", Product.USDT_FUTURES)
    async with kit.open(history_pages=1) as s:
        md = s.market_data
        md.set_watchlist([ETH])
        md.set_active(BTC)
        md.watch_prices("copy", [sol_perp, sol_perp])
        assert ("USDT-FUTURES", "ticker", "SOLUSDT") in md.subscribed()
        await kit.wait_until(md.ticker_changed, lambda: md.last_price(sol_perp))
        md.watch_prices("copy", [])  # no copies left: the subscription goes
        assert ("USDT-FUTURES", "ticker", "SOLUSDT") not in md.subscribed()
        md.set_watchlist([ETH, sol_perp])
        md.watch_prices("copy", [sol_perp])
        md.watch_prices("copy", [])  # the watchlist still wants it
        assert ("USDT-FUTURES", "ticker", "SOLUSDT") in md.subscribed()
