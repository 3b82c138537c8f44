"""Render the copy-trading screenshots into resources/screenshots/: copy-discover.png (trader table and profile),
copy-follower.png (open copies of two followed traders) and copy-trader.png (the elite-trader console with a tracked
position, followers and profit share).

Usage: ``QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/take_copy_screenshots.py``. The simulator runs in this
process on a clock the script moves forward, so the traders' live trades (one every 30 s of simulated time) show up
in seconds.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parents[1] / "resources" / "screenshots"


class Clock:
    def __init__(self) -> None:
        self.offset = 0

    def __call__(self) -> int:
        return time.time_ns() // 1_000_000 + self.offset


async def settle(_app: Any, seconds: float) -> None:
    await asyncio.sleep(seconds)


def clocked_runner(clock: Clock) -> Any:
    """The simulator on its own thread (as the app runs it), on ``clock``."""
    from terminal_app.sim.runner import SimulatorRunner
    from terminal_app.sim.server.http import SimConfig, SimServer

    class Runner(SimulatorRunner):
        async def _serve(self, ready: Any) -> None:
            self._stop = asyncio.Event()
            server = SimServer(self.config, clock_ms=clock)
            self._server = server
            ready.set_result(await server.start())
            try:
                await self._stop.wait()
            finally:
                await server.stop()

    return Runner(config=SimConfig(seed=9, rate_limits=False))


async def shoot(app: Any) -> None:
    from terminal_app.core.credentials import Credentials
    from terminal_app.core.enums import PositionMode
    from terminal_app.core.health import ProfileKind
    from terminal_app.core.instruments import Product, SymbolRef
    from terminal_app.services.copy_trading import CopyTradingService
    from terminal_app.services.session import Session, SessionEndpoints
    from terminal_app.ui.copy.discover import TraderRow
    from terminal_app.ui.copy.follow_dialog import validate
    from terminal_app.ui.copy.workspace import CopyWorkspace

    fut = Product.USDT_FUTURES
    clock = Clock()
    runner = clocked_runner(clock)
    info = runner.start()
    server = runner.server
    user = runner.add_key()
    sessions: list[Session] = []
    services: list[CopyTradingService] = []

    async def open_service(creds: Credentials) -> tuple[CopyTradingService, CopyWorkspace]:
        session = Session("Demo", ProfileKind.DEMO, SessionEndpoints(info.rest, info.ws_public, info.ws_private),
                          creds, rate_limits=False)
        await session.open()
        await session.rest.mix_set_position_mode(fut, PositionMode.HEDGE)
        service = CopyTradingService(session, fast_s=0.3, slow_s=0.6)
        sessions.append(session)
        services.append(service)
        marks: dict[str, Decimal] = {}
        workspace = CopyWorkspace(service, lambda s: marks.get(s))
        workspace.resize(1500, 820)
        workspace.show()

        async def refresh_marks() -> None:
            for symbol in ("BTCUSDT", "ETHUSDT", "SOLUSDT"):
                ticker = await session.rest.mix_ticker(SymbolRef(symbol, fut))
                if ticker.mark_price is not None:
                    marks[symbol] = ticker.mark_price

        workspace.refresh_marks = refresh_marks  # type: ignore[attr-defined]
        return service, workspace

    async def advance(seconds: int) -> None:
        def step() -> None:
            for _ in range(seconds):
                clock.offset += 1000
                server.exchange.advance()
                server.copy.sync()

        runner.call(step)
        for session in sessions:
            await session.http.sync_time()

    try:
        OUT.mkdir(parents=True, exist_ok=True)
        follower, fw = await open_service(Credentials(info.api_key, info.secret, info.passphrase))
        await settle(app, 1.5)
        rows: list[TraderRow] = fw.discover.model.rows()
        chosen = [r for r in rows if r.trader.trader_name in ("MomentumMaya", "SolSurfer")] or rows[:2]
        for row in chosen:
            settings = [validate(s, "percent", Decimal(1), "trader", None, None, Decimal(150), Decimal(60), None)
                        for s in row.trader.current_trading or ("BTCUSDT", "ETHUSDT", "SOLUSDT")]
            await follower.client.follower_set_settings(row.trader_id, settings, auto_copy=True, mode="advanced")
        fw.discover.table.select_key(chosen[0].trader_id)
        await settle(app, 2.0)
        fw.discover.table.setFocus()
        fw.grab().save(str(OUT / "copy-discover.png"))

        for _ in range(12):
            await advance(30)
            await settle(app, 0.2)
        await fw.refresh_marks()  # type: ignore[attr-defined]
        follower.refresh()
        await settle(app, 1.5)
        fw.tabs.setCurrentWidget(fw.follower)
        fw.follower.tabs.setCurrentIndex(1)
        await settle(app, 0.5)
        fw.grab().save(str(OUT / "copy-follower.png"))
        fw.follower.tabs.setCurrentIndex(3)
        await settle(app, 0.3)
        fw.grab().save(str(OUT / "copy-slippage.png"))

        trader, tw = await open_service(user.credentials)
        await trader.client.trader_set_base(enable=True)
        perp = SymbolRef("BTCUSDT", fut)
        for symbol, size in (("BTCUSDT", "0.05"), ("ETHUSDT", "0.5"), ("BTCUSDT", "0.03")):
            await trader.client.trader_place_futures_order(SymbolRef(symbol, fut), "buy", "market", Decimal(size),
                                                           margin_coin="USDT", margin_mode="crossed",
                                                           trade_side="open")
            await advance(2)
        runner.call(lambda: server.exchange.shock("BTC", Decimal("1.02")))
        await advance(1)
        tracks = (await trader.client.trader_current_tracks(perp)).items
        await trader.client.trader_close_tracks(perp, tracking_no=tracks[-1].tracking_no)
        await tw.refresh_marks()  # type: ignore[attr-defined]
        tw.tabs.setCurrentWidget(tw.trader)
        trader.refresh()
        await settle(app, 2.0)
        tw.grab().save(str(OUT / "copy-trader.png"))
        tw.trader.tabs.setCurrentIndex(4)
        await settle(app, 0.3)
        tw.grab().save(str(OUT / "copy-profit-share.png"))
    finally:
        for service in services:
            await service.close()
        for session in sessions:
            await session.close()
        runner.stop()


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qasync
    from PySide6.QtWidgets import QApplication

    from terminal_app.ui.chart.none_guard import pin_none
    from terminal_app.ui.theme import PaletteName, ThemeManager, ThemeName

    pin_none()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    theme = ThemeManager()
    theme.apply(ThemeName.DARK, PaletteName.GREEN_RED)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(shoot(app))
    del theme
    print(f"screenshots written to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
