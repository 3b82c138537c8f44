"""services.journal_sink: the trading service's signals only queue journal jobs (the writer thread owns the file),
close writes everything queued, a profile switch lets the old journal finish, failures are logged and reported."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QObject, Signal

from terminal_app.config.profiles import Profile
from terminal_app.core.health import ProfileKind
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.core.orders import Fill, OrderView
from terminal_app.services.journal_sink import JournalSink, journal_path
from terminal_app.store.journal import Journal

pytestmark = pytest.mark.asyncio
D = Decimal
BTC = SymbolRef("BTCUSDT", Product.SPOT)
DEMO = Profile("Demo", ProfileKind.DEMO)


class FakeTrading(QObject):
    """The three signals and three reads of a TradingService the sink uses."""

    order_updated = Signal(object)
    fill_received = Signal(object)
    history_changed = Signal()

    def order_history(self) -> list[OrderView]:
        return []

    def open_orders(self, _ref: Any) -> list[OrderView]:
        return []

    def fills(self) -> list[Fill]:
        return []


def view(oid: str, status: str = "live") -> OrderView:
    return OrderView(client_oid=oid, order_id=None, ref=BTC, side="buy", type="limit", force="gtc",
                     price=D("65000"), size=D("0.001"), filled=D(0), avg_price=None, status=status, reason="",
                     c_time=1, u_time=1)


def fill(trade_id: str) -> Fill:
    return Fill(product=Product.SPOT, trade_id=trade_id, order_id="o1", symbol="BTCUSDT", side="buy",
                price=D("65000"), size=D("0.001"), quote_size=D("65"), fee=D("-0.065"), fee_coin="USDT",
                scope="taker", trade_side=None, profit=None, ts=1)


class GatedJournal(Journal):
    """Each order write waits for ``gate`` (a disk that is busy) and notes its thread."""

    def __init__(self, path: str | Path, gate: threading.Event, threads: set[int]) -> None:
        super().__init__(path)
        self.gate, self.threads = gate, threads

    def record_order(self, profile: str, order: OrderView) -> OrderView:
        self.threads.add(threading.get_ident())
        self.gate.wait(10)
        return super().record_order(profile, order)


def stored_orders(data_dir: Path, profile: Profile) -> list[OrderView]:
    with Journal(journal_path(data_dir, profile)) as journal:
        return journal.orders(profile.name, limit=None)


async def test_signals_only_queue_and_close_writes_everything(tmp_path: Path) -> None:
    gate, threads = threading.Event(), set[int]()
    sink = JournalSink(tmp_path, opener=lambda p: GatedJournal(p, gate, threads))
    history = await sink.open_for(DEMO)
    assert history is not None
    assert (history.orders(), history.fills()) == ([], [])
    trading = FakeTrading()
    sink.attach(trading)
    for i in range(50):
        trading.order_updated.emit(view(f"bt{i}"))  # queued on the GUI thread, handed over together
    assert sink.pending == 51  # and the trading service's state at attach
    assert sink.writer is not None
    # At most the history read at open (the writer thread may count it a moment after answering): none of the 50
    # updates reached the writer yet.
    assert sink.writer.written <= 1
    closing = asyncio.ensure_future(sink.close())
    await asyncio.sleep(0)
    gate.set()
    await closing
    assert sink.writer is None
    assert len(stored_orders(tmp_path, DEMO)) == 50
    assert threads
    assert threading.get_ident() not in threads


async def test_a_switch_lets_the_old_journal_finish_and_reads_see_earlier_writes(tmp_path: Path) -> None:
    gate, threads = threading.Event(), set[int]()
    sink = JournalSink(tmp_path, opener=lambda p: GatedJournal(p, gate, threads))
    await sink.open_for(DEMO)
    trading = FakeTrading()
    sink.attach(trading)
    trading.order_updated.emit(view("demo-1"))
    other = Profile("Main", ProfileKind.LIVE)
    assert await sink.open_for(other) is not None  # the Demo writer is still held at its write
    sink.attach(trading)
    trading.fill_received.emit(fill("t1"))
    assert [f.trade_id for f in await sink.read(lambda j, p: j.fills(p))] == ["t1"]  # behind the write
    assert sink.profile == other
    gate.set()
    await sink.close()
    assert [v.client_oid for v in stored_orders(tmp_path, DEMO)] == ["demo-1"]
    assert stored_orders(tmp_path, other) == []

    # The next run: a live order is not history (only finished ones are); once cancelled, it is.
    again = JournalSink(tmp_path)
    history = await again.open_for(DEMO)
    assert history is not None
    assert history.orders() == []
    again.attach(trading)
    trading.order_updated.emit(view("demo-1", "cancelled"))
    await again.close()
    third = JournalSink(tmp_path)
    history = await third.open_for(DEMO)
    assert history is not None
    assert [(v.client_oid, v.status) for v in history.orders()] == [("demo-1", "cancelled")]
    await third.close()


class BrokenJournal(Journal):
    def add_fill(self, profile: str, f: Fill) -> bool:
        raise sqlite3.OperationalError("disk I/O error")


class Receiver(QObject):
    """A GUI-thread object, as the UI's: ``failed`` is emitted on the writer thread and queued to it."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []
        self.threads: list[int] = []

    def take(self, message: str) -> None:
        self.messages.append(message)
        self.threads.append(threading.get_ident())


async def test_failed_writes_are_logged_each_and_reported_once(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, signals: Any) -> None:
    caplog.set_level(logging.ERROR, logger="terminal_app.services.journal_sink")
    sink = JournalSink(tmp_path, opener=BrokenJournal)
    receiver = Receiver()
    sink.failed.connect(receiver.take)
    await sink.open_for(DEMO)
    trading = FakeTrading()
    sink.attach(trading)
    trading.fill_received.emit(fill("t1"))
    trading.fill_received.emit(fill("t2"))
    trading.order_updated.emit(view("bt1"))
    await sink.flush()
    await signals.wait_until(sink.failed, lambda: receiver.messages)
    assert receiver.messages == ["The trading journal could not be written (disk I/O error); history will be "
                                 "incomplete."]
    assert receiver.threads == [threading.get_ident()]
    assert [r.getMessage() for r in caplog.records] == ["a journal write failed: disk I/O error"] * 2
    await sink.close()
    assert [v.client_oid for v in stored_orders(tmp_path, DEMO)] == ["bt1"]  # trading and journaling went on


async def test_a_journal_that_cannot_be_opened_is_reported(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="terminal_app.services.journal_sink")
    path = journal_path(tmp_path, DEMO)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"this is not a journal" * 100)
    sink = JournalSink(tmp_path)
    messages: list[str] = []
    sink.failed.connect(messages.append)
    assert await sink.open_for(DEMO) is None
    assert sink.writer is None
    assert len(messages) == 1
    assert "cannot be used" in messages[0]
    assert "cannot be used" in caplog.text
    sink.attach(FakeTrading())  # nothing to attach to: no error either
    await sink.close()
