"""The real terminal in a real X window, reporting on stdout what the keys did, for tests that press keys with
xdotool (tests/ui/test_real_window.py). Run as ``python window_probe.py HOME`` with DISPLAY set; prints ``ready``
once the window is shown, then one line per event: ``shown <dialog>``, ``hidden <dialog>``, ``palette``,
``cancel_last``, ``active <window>``. Stops on stdin EOF."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import qasync
from PySide6.QtCore import QEvent, QObject, QSocketNotifier
from PySide6.QtWidgets import QApplication, QDialog

from terminal_app.app import Terminal
from terminal_app.config.paths import AppPaths


def say(text: str) -> None:
    print(text, flush=True)


class Reporter(QObject):
    """Tells when a dialog of the window shows or hides."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if isinstance(watched, QDialog) and event.type() in (QEvent.Type.Show, QEvent.Type.Hide):
            say(f"{'shown' if event.type() == QEvent.Type.Show else 'hidden'} {watched.objectName()}")
        return False


async def main(app: QApplication, home: Path) -> None:
    terminal = Terminal(app, paths=AppPaths.under(home), demo_sim="thread")
    await terminal.start()
    window = terminal.window
    registry = window.registry
    registry.set_hotkeys_enabled(True)
    registry.qaction("palette.open").triggered.connect(lambda: say("palette"))
    registry.qaction("order.cancel_last").triggered.connect(lambda: say("cancel_last"))
    reporter = Reporter(window)
    app.installEventFilter(reporter)  # every dialog, whenever it is made (a probe: the cost does not matter)
    app.focusWindowChanged.connect(lambda w: say(f"active {w.objectName() if w is not None else None}"))
    for _ in range(100):  # the terminal asked for the keyboard at show; a window system takes a moment to give it
        if QApplication.activeWindow() is window:
            break
        await asyncio.sleep(0.1)
    say("ready")
    stop = asyncio.get_running_loop().create_future()
    notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)
    notifier.activated.connect(lambda *_a: stop.done() or (not sys.stdin.readline() and stop.set_result(None)))
    await stop
    await terminal.shutdown()


if __name__ == "__main__":
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(main(app, Path(sys.argv[1])))
