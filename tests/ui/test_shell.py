"""The start-up window's first look: the simulator's real public stream painted (ticker, book, candles) before any
service exists, kept moving, and stopped when the window closes."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from terminal_app.bitget.first_look import FirstLook
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.sim.runner import SimulatorRunner
from terminal_app.ui.shell import LIVE_POLL_MS, POLL_MS, StartupShell


def test_the_shell_paints_the_market_live_and_stops_the_feed_when_closed(qtbot: QtBot) -> None:
    with SimulatorRunner(seed=5) as runner:
        assert runner.info is not None
        ws_public = runner.info.ws_public
        look = FirstLook(lambda: ws_public, SymbolRef("BTCUSDT", Product.SPOT), "1m").start()
        shell = StartupShell("Demo")
        qtbot.addWidget(shell)
        closed: list[bool] = []

        def on_close() -> None:
            closed.append(True)
            look.stop()

        view = shell.show_market(look.latest, on_close)
        assert view.timer.interval() == POLL_MS  # quick until the market shows
        shell.show()
        try:
            qtbot.waitUntil(lambda: shell.live_at is not None, timeout=30_000)
            assert view.timer.interval() == LIVE_POLL_MS  # then slower: the start-up's imports get the time
            assert look.latest().complete
            assert shell.live_at is not None
            assert shell.painted_at is not None
            assert shell.painted_at <= shell.live_at
            image = view.grab().toImage()
            colours = {image.pixelColor(x, y).name() for x in range(0, image.width(), 7)
                       for y in range(0, image.height(), 7)}
            assert len(colours) > 3  # candles, book and ticker drawn, not an empty background
            shown = look.latest().pushes
            qtbot.waitUntil(lambda: look.latest().pushes > shown, timeout=30_000)  # still moving
        finally:
            shell.close()
        assert closed == [True]
        assert not look._thread.is_alive()
