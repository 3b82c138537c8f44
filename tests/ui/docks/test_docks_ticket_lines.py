"""The ticket's position-mode control acts on the futures line of the selected market, through the real services on
the simulator: on coin-M BTCUSD it switches coin-M to hedge (Bitget's set-position-mode with COIN-FUTURES) while
USDT-M and USDC-M keep one-way, and it shows each market's own line mode as the active symbol changes."""

from __future__ import annotations

from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from terminal_app.config.settings import Settings
from terminal_app.core.enums import PositionMode
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.sim.server.auth import DEMO_UID
from terminal_app.ui.docks import trading_dock_specs

BTCUSD = SymbolRef("BTCUSD", Product.COIN_FUTURES)
BTCPERP = SymbolRef("BTCPERP", Product.USDC_FUTURES)
BTCUSDT = SymbolRef("BTCUSDT", Product.USDT_FUTURES)
HEDGE, ONE_WAY = PositionMode.HEDGE, PositionMode.ONE_WAY


def sim_modes(live: Any) -> dict[str, str]:
    def read() -> dict[str, str]:
        ex = live.sim.server.exchange
        return {coin: ex.futures_account(DEMO_UID, coin).pos_mode for coin in ("USDT", "USDC", "BTC", "ETH")}
    return live.sim.call(read)  # type: ignore[no-any-return]


def choose(ticket: Any, mode: PositionMode) -> None:
    ticket.position_mode.setCurrentIndex(ticket.position_mode.findData(mode))
    ticket.position_mode.activated.emit(ticket.position_mode.currentIndex())  # what a user's pick emits


@pytest.mark.asyncio
async def test_position_mode_control_sets_the_selected_markets_line(qtbot: QtBot, live: Any, until: Any) -> None:
    async with live() as s:
        built = {spec.id: spec.factory() for spec in trading_dock_specs(s, Settings())}
        for widget in built.values():
            qtbot.addWidget(widget)
        ticket = built["ticket"]
        md, account = s.market_data, s.account
        md.set_active(BTCUSD)
        await until(md.ticker_changed, lambda: md.last_price(BTCUSD))
        await until(account.line_position_mode_changed, lambda: account.position_mode(Product.COIN_FUTURES))
        assert ticket.position_mode.currentData() == ONE_WAY

        choose(ticket, HEDGE)
        await until(account.line_position_mode_changed,
                    lambda: account.position_mode(Product.COIN_FUTURES) == HEDGE)
        assert ticket.position_mode.currentData() == HEDGE
        assert not ticket.open_button.isHidden()
        assert ticket.status.text().startswith("Hedge mode")
        # on the exchange: every coin-M account is in hedge mode, the other lines are untouched
        assert sim_modes(live) == {"USDT": "one_way_mode", "USDC": "one_way_mode", "BTC": "hedge_mode",
                                   "ETH": "hedge_mode"}
        assert account.position_mode(Product.USDT_FUTURES) == ONE_WAY

        # another line's market shows that line's mode
        md.set_active(BTCUSDT)
        await until(md.active_changed, lambda: ticket.ref == BTCUSDT)
        assert ticket.position_mode.currentData() == ONE_WAY
        assert ticket.open_button.isHidden()
        md.set_active(BTCPERP)
        await until(md.active_changed, lambda: ticket.ref == BTCPERP)
        assert ticket.position_mode.currentData() == ONE_WAY
        md.set_active(BTCUSD)
        await until(md.active_changed, lambda: ticket.ref == BTCUSD)
        assert ticket.position_mode.currentData() == HEDGE

        # a coin-M position blocks the switch back, with the line named; a USDT-M one would not
        live.sim.call(lambda: live.sim.server.exchange.place_futures_order(
            DEMO_UID, "BTCUSD", "buy", "market", "0.01", trade_side="open"))
        await until(account.positions_changed, lambda: account.position(BTCUSD) is not None)
        choose(ticket, ONE_WAY)
        assert ticket.status.text().startswith("Close every coin-M position before switching to one-way mode")
        assert ticket.position_mode.currentData() == HEDGE
        assert sim_modes(live)["BTC"] == "hedge_mode"
