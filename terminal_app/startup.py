"""What the terminal's start-up begins before its heavy imports: the demo exchange's child process.

The Demo profile's exchange is a child process (``sim.process``) that needs the better part of a second to import and
build its markets. Started first thing, from ``__main__`` before Qt, pyqtgraph, numpy and aiohttp are imported, it
gets ready while the GUI's process imports and builds its window, instead of after. Resolving which profile will
open costs only the configuration modules (JSON files; ``bitget.endpoints`` keeps the HTTP stack out of them).

:func:`prepare` mirrors :meth:`terminal_app.app.Terminal.start`'s choice of profile and of demo state file; the
terminal takes the child over when the profile it opens is the one prepared (anything else — a profile switch, an
unreadable profile file — falls back to starting a child when needed, as before).
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from terminal_app.config.paths import AppPaths
from terminal_app.core.health import ProfileKind

log = logging.getLogger("terminal_app.startup")

DEMO_STATE_FILE = "demo-exchange.sqlite3"


def demo_state_file(profile_name: str) -> str:
    """The first Demo profile keeps the historic file name, so existing demo accounts stay where they were."""
    if profile_name == "Demo":
        return DEMO_STATE_FILE
    safe = "".join(c if c.isalnum() else "-" for c in profile_name)
    return f"demo-exchange-{safe}.sqlite3"


@dataclass
class Prepared:
    """The folders of this run and, for a Demo profile, its exchange's child process (launched, maybe not ready);
    after :func:`open_shell`, the QApplication and the start-up window too."""

    paths: AppPaths | None = None
    tmp: tempfile.TemporaryDirectory[str] | None = None  # the smoke test's throwaway home, removed at shutdown
    exchange_profile: str | None = None
    exchange: object | None = None  # a launched terminal_app.sim.process.SimulatorProcess
    profile_name: str | None = None
    qt_app: Any = None
    shell: Any = None  # a terminal_app.ui.shell.StartupShell, closed when the main window shows
    marks: dict[str, float] = field(default_factory=dict)  # CLOCK_MONOTONIC of each step, for bench start


def open_shell(prepared: Prepared) -> Prepared:
    """Make the QApplication and show the start-up window now, before the heavy imports (Qt is all it needs).

    Called outside any event loop (``__main__``, after ``frozen.ensure_gui_can_start``), so painting it with
    ``processEvents`` is safe here.
    """
    from PySide6.QtWidgets import QApplication

    from terminal_app.ui.chart.none_guard import pin_none

    pin_none()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Bitget Terminal")
    from terminal_app.ui.shell import StartupShell

    prepared.marks["qt_app"] = time.monotonic()
    shell = StartupShell(prepared.profile_name)
    shell.show()
    app.processEvents()
    if shell.painted_at is not None:
        prepared.marks["shell_frame"] = shell.painted_at
    prepared.qt_app, prepared.shell = app, shell
    return prepared


def prepare(profile: str | None = None, *, smoke_test: bool = False) -> Prepared:
    """Folders, and the demo exchange's child launched if the profile that will open is a Demo one."""
    tmp = None
    if smoke_test and not os.environ.get("BITGET_TERMINAL_HOME"):
        tmp = tempfile.TemporaryDirectory(prefix="bitget-terminal-smoke-")
        paths = AppPaths.under(Path(tmp.name))
    else:
        paths = AppPaths.default()
    prepared = Prepared(paths.ensure(), tmp)
    prepared.marks["prepare"] = time.monotonic()
    try:
        from terminal_app.config.profiles import ProfileBook, active_profile, profiles_path
        from terminal_app.config.settings import Settings

        book = ProfileBook.load(profiles_path(paths.config_dir))
        chosen = book.first_demo() if smoke_test else active_profile(book, Settings.load(paths.settings_file), profile)
    except Exception:  # the terminal's own start reports what is wrong with the configuration
        log.debug("no early demo exchange: the profile could not be resolved", exc_info=True)
        return prepared
    prepared.profile_name = chosen.name
    if chosen.kind is not ProfileKind.DEMO or chosen.has_overrides:
        return prepared
    from terminal_app.sim.process import ChildConfig, SimulatorProcess

    state = None if smoke_test else paths.data_dir / demo_state_file(chosen.name)
    exchange = SimulatorProcess(config=ChildConfig(state_path=state, account_mode=chosen.account_mode))
    try:
        exchange.launch()
        prepared.marks["exchange_launched"] = time.monotonic()
    except OSError:
        log.debug("no early demo exchange: the child could not be started", exc_info=True)
        return prepared
    prepared.exchange_profile, prepared.exchange = chosen.name, exchange
    return prepared
