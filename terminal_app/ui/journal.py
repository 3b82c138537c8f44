"""The journal's dialogs and File menu entries: Export fills (CSV)…, Export orders (CSV)…, Realized PnL by day….

The data comes from ``services.journal_sink.JournalSink``, whose reads run on the journal's own thread and are awaited
here: the dialog opens at once and fills in when the numbers arrive; an export asks for the file name, then says in a
toast how many rows it wrote (or why it could not). The journal's own failures (it cannot be opened or written) are
shown as a toast too.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from terminal_app.services.journal_sink import DailyPnl, JournalError, JournalSink

PNL_COLUMNS = ("Day", "Coin", "Realized", "Fees", "Net", "Fills")


def _num(value: Any) -> str:
    return f"{value.normalize():f}" if value else "0"


def _local_tz() -> tzinfo:
    return datetime.now().astimezone().tzinfo or UTC


class _Tasks:
    """The asyncio tasks a dialog or menu started (kept alive until done, awaited by :meth:`idle`)."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def start(self, coro: Awaitable[Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def idle(self) -> None:
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


class DailyPnlDialog(QDialog):
    """Realized PnL by day and coin for the active profile (newest day first)."""

    def __init__(self, sink: JournalSink, parent: QWidget | None = None, *, tz: tzinfo | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DailyPnlDialog")
        self.setWindowTitle("Realized PnL by day")
        self._sink = sink
        self._tz = tz
        self._tasks = _Tasks()
        self.rows: list[DailyPnl] = []
        layout = QVBoxLayout(self)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        self.table = QTableWidget(0, len(PNL_COLUMNS), self)
        self.table.setHorizontalHeaderLabels(list(PNL_COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(640, 380)
        self.refresh()

    def refresh(self) -> asyncio.Task[Any]:
        """Read the journal again (on its thread); the table fills in when the rows arrive."""
        self.note.setText("Reading the journal…")
        return self._tasks.start(self._load())

    async def idle(self) -> None:
        """Wait until the last :meth:`refresh` has filled the table."""
        await self._tasks.idle()

    async def _load(self) -> None:
        profile = self._sink.profile.name if self._sink.profile else ""
        try:
            rows = list(reversed(await self._sink.daily_pnl(self._tz or _local_tz())))
        except JournalError as exc:
            rows, note = [], str(exc)
        else:
            note = (f"Profile {profile}: futures count Bitget's realized profit plus fees; spot uses the average cost "
                    "of the buys the journal has seen. Fees are negative." if rows else
                    f"Profile {profile}: no fills in the journal yet.")
        with contextlib.suppress(RuntimeError):  # the window (and this dialog) closed meanwhile
            self._show(rows, note)

    def _show(self, rows: list[DailyPnl], note: str) -> None:
        self.rows = rows
        self.note.setText(note)
        self.table.setRowCount(len(rows))
        for r, day in enumerate(rows):
            cells = (day.day.isoformat(), day.coin, _num(day.realized), _num(day.fees), _num(day.net), str(day.fills))
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c >= 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()


class JournalMenu(QObject):
    """File ▸ Export fills (CSV)…, Export orders (CSV)…, Realized PnL by day… for the active profile, and a toast
    when the journal fails."""

    def __init__(self, window: Any, sink: JournalSink) -> None:
        super().__init__(window)
        self._window = window
        self._sink = sink
        self._tasks = _Tasks()
        self.dialog: DailyPnlDialog | None = None
        menu = window.registry.menu("File")
        first = menu.actions()[0] if menu.actions() else None
        self.actions: dict[str, QAction] = {}
        for key, label, slot in (("export_fills", "Export fills (CSV)…", self._export_fills),
                                 ("export_orders", "Export orders (CSV)…", self._export_orders),
                                 ("daily_pnl", "Realized PnL by day…", self.show_pnl)):
            action = QAction(label, window)
            action.setObjectName(f"action_journal_{key}")
            action.triggered.connect(slot)
            menu.insertAction(first, action)
            self.actions[key] = action
        if first is not None:
            menu.insertSeparator(first)
        # A method of this QObject: emitted on the writer thread, it runs here on the GUI thread (queued), and the
        # connection ends with the window.
        sink.failed.connect(self._on_failed)

    async def idle(self) -> None:
        """Wait until the exports started so far are written and their toasts shown."""
        await self._tasks.idle()

    def _on_failed(self, message: str) -> None:
        from terminal_app.ui.toast import ToastKind

        self._window.toasts.show_toast("Trading journal", message, ToastKind.ERROR)

    def _export(self, what: str, write: Callable[[Path], Awaitable[int]]) -> None:
        profile = self._sink.profile.name if self._sink.profile else "profile"
        suggested = str(Path.home() / f"{re.sub(r'[^A-Za-z0-9]+', '-', profile)}-{what}.csv")
        path, _ = QFileDialog.getSaveFileName(self._window, f"Export {what}", suggested, "CSV files (*.csv)")
        if path:
            self._tasks.start(self._write(what, Path(path), write))

    async def _write(self, what: str, path: Path, write: Callable[[Path], Awaitable[int]]) -> None:
        try:
            rows = await write(path)
        except (JournalError, OSError) as exc:
            self._window.toasts.show_toast(f"Export of {what} failed", str(exc))
            return
        self._window.toasts.show_toast(f"Exported {rows} {what}", str(path))

    def _export_fills(self) -> None:
        self._export("fills", self._sink.export_fills)

    def _export_orders(self) -> None:
        self._export("orders", self._sink.export_orders)

    def show_pnl(self) -> DailyPnlDialog:
        if self.dialog is None:
            self.dialog = DailyPnlDialog(self._sink, self._window)
        else:
            self.dialog.refresh()
        if self.dialog.isVisible():
            self.dialog.activateWindow()
        else:
            self.dialog.show()
        return self.dialog


def install_journal_menu(window: Any, sink: JournalSink) -> JournalMenu:
    """Add the journal's entries to ``window``'s File menu (a ``MainWindow``)."""
    return JournalMenu(window, sink)
