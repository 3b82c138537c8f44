"""Render the README screenshots of the running terminal (demo mode) into resources/screenshots/.

Usage: ``QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/take_screenshots.py [--unified]`` (or under Xvfb). It
starts the real terminal against the embedded simulator in a temporary profile folder, waits for live data, grabs the
spot view, switches to the BTCUSDT perpetual, opens a small long through the trading service and grabs the futures view
with the position panel in front; then opens BTCUSD (coin-M, typed as its V1 name BTCUSD_DMCBL) and BTCPERP (USDC-M)
longs and grabs the coin-M view and the positions table holding all three lines. ``--unified`` does it on a "Demo
(unified account)" profile instead (the simulator's account is a UTA, traded through Bitget's V3 API) and grabs the
balances (the pool's coins, equity and margin ratio) and the positions: ``demo-unified-balances.png``,
``demo-unified-positions.png``.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "resources" / "screenshots"


async def _settle(seconds: float) -> None:
    await asyncio.sleep(seconds)


async def shoot(terminal: object) -> None:
    from terminal_app.core.instruments import Product, SymbolRef
    from terminal_app.core.orders import OrderTicket

    t = terminal  # type: ignore[assignment]
    await t.start()  # type: ignore[attr-defined]
    window = t.window  # type: ignore[attr-defined]
    window.resize(1600, 900)
    window.show()
    await _settle(6)
    OUT.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(OUT / "demo-spot.png"))

    perp = SymbolRef("BTCUSDT", Product.USDT_FUTURES)
    t.switch_symbol("BTCUSDT_UMCBL")  # type: ignore[attr-defined]
    await _settle(4)
    services = t.services  # type: ignore[attr-defined]
    # under the market-order confirmation threshold (1,000 USDT by default), so no dialog waits for a yes
    services.trading.submit(OrderTicket(perp, "buy", "market", "gtc", Decimal("0.009"), None, trade_side="open"))
    await _settle(4)
    positions = t.panel("positions")  # type: ignore[attr-defined]
    dock = window.dock("positions") if positions is not None else None
    if dock is not None:
        dock.raise_()
    await _settle(2)
    window.grab().save(str(OUT / "demo-futures.png"))

    # coin-M (inverse, margined in BTC) and USDC-M beside the USDT-M position: one positions table for every line
    coin_m = SymbolRef("BTCUSD", Product.COIN_FUTURES)
    usdc_m = SymbolRef("BTCPERP", Product.USDC_FUTURES)
    t.switch_symbol("BTCPERP_CMCBL")  # type: ignore[attr-defined]
    await _settle(3)
    services.trading.submit(OrderTicket(usdc_m, "buy", "market", "gtc", Decimal("0.009"), None))
    t.switch_symbol("BTCUSD_DMCBL")  # type: ignore[attr-defined]
    await _settle(4)
    services.trading.submit(OrderTicket(coin_m, "buy", "market", "gtc", Decimal("0.009"), None))
    await _settle(4)
    if dock is not None:
        dock.raise_()
    await _settle(2)
    window.grab().save(str(OUT / "demo-coin-m.png"))
    if positions is not None:
        positions.resize(1400, 220)
        await _settle(1)
        positions.grab().save(str(OUT / "demo-positions-all-lines.png"))


async def shoot_unified(terminal: object) -> None:
    from terminal_app.core.instruments import Product, SymbolRef
    from terminal_app.core.orders import OrderTicket

    t = terminal  # type: ignore[assignment]
    await t.start()  # type: ignore[attr-defined]
    window = t.window  # type: ignore[attr-defined]
    window.resize(1600, 900)
    window.show()
    await _settle(6)
    services = t.services  # type: ignore[attr-defined]
    mode = services.session.account_mode
    if mode is None or not mode.uta:
        raise SystemExit("the Demo (unified account) profile did not connect to a unified account")
    spot = SymbolRef("BTCUSDT", Product.SPOT)
    last = services.market_data.last_price(spot)
    if last is not None:  # a resting spot bid, so the pool shows coins held by an order
        price = (last * Decimal("0.97")).quantize(Decimal("0.01"))
        services.trading.submit(OrderTicket(spot, "buy", "limit", "gtc", Decimal("0.002"), price))
    perp = SymbolRef("BTCUSDT", Product.USDT_FUTURES)
    t.switch_symbol("BTCUSDT_UMCBL")  # type: ignore[attr-defined]
    await _settle(4)
    services.trading.submit(OrderTicket(perp, "buy", "market", "gtc", Decimal("0.009"), None))
    await _settle(4)
    OUT.mkdir(parents=True, exist_ok=True)
    for name, dock_id in (("demo-unified-balances.png", "balances"), ("demo-unified-positions.png", "positions")):
        dock = window.dock(dock_id)
        if dock is not None:
            dock.raise_()
        await _settle(2)
        window.grab().save(str(OUT / name))


def _unified_profile(paths: object) -> str:
    from terminal_app.config.profiles import Profile, ProfileBook, profiles_path
    from terminal_app.core.health import ProfileKind

    book = ProfileBook.load(profiles_path(paths.config_dir))  # type: ignore[attr-defined]
    book.add(Profile("Demo UTA", ProfileKind.DEMO, unified=True))
    book.save()
    return "Demo UTA"


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qasync
    from PySide6.QtWidgets import QApplication

    from terminal_app.app import Terminal
    from terminal_app.config.paths import AppPaths
    from terminal_app.ui.chart.none_guard import pin_none

    pin_none()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    unified = "--unified" in sys.argv[1:]
    with tempfile.TemporaryDirectory(prefix="bt-shots-") as home:
        paths = AppPaths.under(Path(home)).ensure()
        profile = _unified_profile(paths) if unified else None
        terminal = Terminal(app, paths=paths, profile=profile)
        try:
            with loop:
                loop.run_until_complete(shoot_unified(terminal) if unified else shoot(terminal))
                loop.run_until_complete(terminal.shutdown())
        finally:
            pass
    print(f"screenshots written to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
