"""Every order and fill the trading service sees goes into the profile's journal (``store.journal``), off the GUI
thread.

:class:`JournalSink` follows the active profile: :meth:`JournalSink.open_for` starts that profile's
:class:`~terminal_app.store.journal.JournalWriter` (a thread that owns the connection to
``<data dir>/journal/<profile>.sqlite3``) and reads, on that thread, the earlier runs' finished orders and fills the
orders panel shows (:class:`JournalHistory`, the :class:`~terminal_app.services.guards.HistorySource`).
:meth:`JournalSink.attach` then queues what the trading service already knows, and each ``order_updated``,
``fill_received`` and ``history_changed`` as it comes: a slot only queues a job, the disk is the writer's business. The
journal's writes are idempotent, so overlapping news (REST reply, stream, reconciliation) is stored once.

The jobs are handed to the writer :data:`HAND_OVER_MS` after the first of them, together: a key press that sends an
order emits its updates while the request is being sent, and waking the writer thread right then would make it take
the GIL from the GUI thread at the worst moment (``bench keys`` measures that path). Reads and :meth:`close` hand over
at once, so they still come after every write before them.

Reads for the UI — CSV export of fills and orders, realized PnL by day — are jobs on the same thread, queued behind the
writes before them (so they see those), awaited as asyncio futures. The dialogs that show them are in ``ui.journal``:
a service never builds a widget.

A failed write is logged (each one) and reported once per journal through ``failed`` (the UI shows it); trading goes
on. :meth:`close` writes everything queued before it returns, so nothing is lost at shutdown; a profile switch lets the
old writer finish its queue on its own thread.

Orders the risk guards refused are not journaled: they never left the terminal.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import sqlite3
import threading
from collections.abc import Callable
from datetime import UTC, tzinfo
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QObject, QTimer, Signal

from terminal_app.config.profiles import Profile
from terminal_app.core.orders import FINAL_STATUSES, Fill, OrderView
from terminal_app.store.journal import DailyPnl, Journal, JournalError, JournalWriter, Opener

log = logging.getLogger("terminal_app.services.journal_sink")

JOURNAL_DIR = "journal"
HISTORY_ROWS = 500
FILL_ROWS = 1000
CLOSE_TIMEOUT_S = 60.0  # a disk that takes longer than this to take the last writes is reported, not waited for
HAND_OVER_MS = 50

T = TypeVar("T")


def journal_path(data_dir: Path, profile: Profile) -> Path:
    """The journal file of ``profile``: a readable slug of its name plus a short hash of its account, so two
    names that slug alike (``Live 1``/``live-1``) never share a file."""
    slug = re.sub(r"[^a-z0-9]+", "-", profile.name.lower()).strip("-")[:32] or "profile"
    digest = hashlib.sha256(profile.account_id.encode("utf-8")).hexdigest()[:8]
    return Path(data_dir) / JOURNAL_DIR / f"{slug}-{digest}.sqlite3"


class JournalHistory:
    """One profile's finished orders and fills from earlier runs, read once when its journal opened (the orders
    panel's view into the past: what this run adds, the trading service knows itself)."""

    def __init__(self, orders: list[OrderView], fills: list[Fill]) -> None:
        self._orders = orders
        self._fills = fills

    def orders(self) -> list[OrderView]:
        return list(self._orders)

    def fills(self) -> list[Fill]:
        return list(self._fills)


def _read_history(journal: Journal, profile: str) -> JournalHistory:
    return JournalHistory(journal.orders(profile, statuses=FINAL_STATUSES, limit=HISTORY_ROWS),
                          journal.fills(profile, limit=FILL_ROWS))


class JournalSink(QObject):
    """Writes the active profile's orders and fills to its journal, on the journal's thread.

    ``opener(path)`` opens a journal file on the writer thread (default :class:`Journal`; the ``bench keys``
    benchmark wraps it to make the disk slow).

    Signals:
        attached(str): the journal of this profile is now written.
        failed(str): the journal could not be opened or written (the message is for the user). May be emitted from
            the writer thread: connect QObject slots (they are then queued to their own thread).
    """

    attached = Signal(str)
    failed = Signal(str)

    def __init__(self, data_dir: Path, parent: QObject | None = None, *, opener: Opener = Journal) -> None:
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.writer: JournalWriter | None = None
        self.profile: Profile | None = None
        self._opener = opener
        self._trading: Any = None
        self._history: JournalHistory | None = None
        self._retired: list[JournalWriter] = []  # writers of earlier profiles, finishing their queues
        self._warned = threading.Event()  # set from the writer thread: one report per journal
        self._outbox: list[Callable[[Journal], object]] = []  # jobs not yet handed to the writer
        self._hand_over_timer = QTimer(self)
        self._hand_over_timer.setSingleShot(True)
        self._hand_over_timer.setInterval(HAND_OVER_MS)
        self._hand_over_timer.timeout.connect(self._hand_over)

    # --- following the active profile -------------------------------------------------------------------------

    async def open_for(self, profile: Profile) -> JournalHistory | None:
        """Open ``profile``'s journal (the previous one finishes its queue on its own); its history, or None when it
        cannot be opened (said through ``failed``)."""
        self.detach()
        self._retire()
        path = journal_path(self.data_dir, profile)
        self._warned.clear()
        writer = JournalWriter(path, opener=self._opener, on_error=self._write_failed,
                               name=f"journal-writer {profile.name}")
        try:
            await asyncio.wrap_future(writer.opened)
            history = await asyncio.wrap_future(writer.submit(lambda j: _read_history(j, profile.name)))
        except (JournalError, sqlite3.Error, OSError) as exc:
            writer.stop()
            self._fail(f"The trading journal {path} cannot be used: {exc}")
            return None
        self.writer, self.profile, self._history = writer, profile, history
        return history

    def attach(self, trading: Any) -> None:
        """Journal everything ``trading`` (a ``TradingService``) knows now and from now on."""
        if self.writer is None or self.profile is None:
            return
        self.detach()
        self._trading = trading
        trading.order_updated.connect(self._on_order)
        trading.fill_received.connect(self._on_fill)
        trading.history_changed.connect(self._on_history)
        self._on_history()
        self.attached.emit(self.profile.name)

    def detach(self) -> None:
        trading, self._trading = self._trading, None
        if trading is None:
            return
        for signal, slot in ((trading.order_updated, self._on_order), (trading.fill_received, self._on_fill),
                             (trading.history_changed, self._on_history)):
            try:
                signal.disconnect(slot)
            except (RuntimeError, TypeError):  # the service is already gone
                pass

    def history(self) -> JournalHistory | None:
        """The earlier runs' orders and fills read when the active profile's journal opened."""
        return self._history

    async def close(self) -> None:
        """Stop journaling and wait (off the GUI thread) until every queued write is on disk."""
        self.detach()
        self._retire()
        writers, self._retired = self._retired, []
        loop = asyncio.get_running_loop()
        for writer in writers:
            done = await loop.run_in_executor(None, writer.close, CLOSE_TIMEOUT_S)
            if not done:
                self._fail(f"The trading journal {writer.path} was still writing after {CLOSE_TIMEOUT_S:g} s at "
                           f"shutdown ({writer.pending} writes queued); the last orders may be missing from it.")

    @property
    def pending(self) -> int:
        """Writes not yet done: waiting to be handed over, or queued on the writer thread."""
        return len(self._outbox) + (self.writer.pending if self.writer is not None else 0)

    def _retire(self) -> None:
        self._hand_over()
        writer, self.writer = self.writer, None
        self.profile, self._history = None, None
        if writer is not None:
            writer.stop()
            self._retired.append(writer)
        self._retired = [w for w in self._retired if w.alive]

    # --- writing ----------------------------------------------------------------------------------------------

    def write(self, what: Callable[[Journal, str], object]) -> None:
        """Queue ``what(journal, profile)`` for the writer thread (nobody waits; a failure is reported as any is)."""
        self._write(what)

    def _write(self, what: Callable[[Journal, str], object]) -> None:
        if self.writer is None or self.profile is None:
            return
        name = self.profile.name
        self._outbox.append(lambda journal: what(journal, name))
        if not self._hand_over_timer.isActive():
            self._hand_over_timer.start()

    def _hand_over(self) -> None:
        self._hand_over_timer.stop()
        jobs, self._outbox = self._outbox, []
        writer = self.writer
        if writer is not None:
            for job in jobs:  # one wake-up: the writer takes them all in one transaction
                writer.write(job)

    def _on_order(self, view: OrderView) -> None:
        self._write(lambda j, p: j.record_order(p, view))

    def _on_fill(self, fill: Fill) -> None:
        self._write(lambda j, p: j.add_fill(p, fill))

    def _on_history(self) -> None:
        trading = self._trading
        if trading is None:
            return
        # Read on the GUI thread (the trading service's own state), written on the journal's.
        views = [*trading.order_history(), *trading.open_orders(None)]
        fills = trading.fills()

        def write(journal: Journal, profile: str) -> None:
            journal.record_orders(profile, views)
            journal.add_fills(profile, fills)

        self._write(write)

    def _write_failed(self, exc: BaseException) -> None:
        """On the writer thread: every failure logged, the user told once per journal; trading goes on."""
        log.error("a journal write failed: %s", exc, exc_info=exc)
        if not self._warned.is_set():
            self._warned.set()
            self.failed.emit(f"The trading journal could not be written ({exc}); history will be incomplete.")

    def _fail(self, message: str) -> None:
        log.error("%s", message)
        self.failed.emit(message)

    # --- reading (jobs on the writer thread, awaited) -----------------------------------------------------------

    async def read(self, what: Callable[[Journal, str], T]) -> T:
        """``what(journal, profile)`` on the writer thread, after every write queued before it."""
        writer, profile = self._require()
        self._hand_over()
        return await asyncio.wrap_future(writer.submit(lambda journal: what(journal, profile)))

    async def flush(self) -> None:
        """Wait until everything queued so far is written (nothing to wait for without a journal)."""
        if self.writer is not None:
            await self.read(lambda _j, _p: None)

    async def export_fills(self, dest: Path) -> int:
        """Write the active profile's fills to ``dest`` as CSV; the number of rows."""
        return await self.read(lambda j, p: j.export_fills_csv(Path(dest), p))

    async def export_orders(self, dest: Path) -> int:
        return await self.read(lambda j, p: j.export_orders_csv(Path(dest), p))

    async def daily_pnl(self, tz: tzinfo = UTC) -> list[DailyPnl]:
        return await self.read(lambda j, p: j.daily_pnl(p, tz=tz))

    def _require(self) -> tuple[JournalWriter, str]:
        if self.writer is None or self.profile is None:
            raise JournalError("No profile is connected, so there is no journal to read.")
        return self.writer, self.profile.name


__all__ = ["DailyPnl", "JournalError", "JournalHistory", "JournalSink", "journal_path"]
