"""Coin-M and USDC-M in the panels, through the real services on the simulator: a V1 coin-M name opens BTCUSD, the
ticket shows margin and balance in BTC and opens a long in coins; the positions table holds a USDT-M, a coin-M and a
USDC-M position at once with each PnL in its margin coin and its USDT value; the balances list one row per margin
coin; the transfer dialog (File ▸ Transfer between accounts) funds the coin-M account from spot."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from terminal_app.config.settings import Settings
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.sim.server.auth import DEMO_UID
from terminal_app.ui.dialogs.transfer import TransferDialog
from terminal_app.ui.docks import trading_dock_specs

BTCUSD = SymbolRef("BTCUSD", Product.COIN_FUTURES)
BTCPERP = SymbolRef("BTCPERP", Product.USDC_FUTURES)
BTCUSDT = SymbolRef("BTCUSDT", Product.USDT_FUTURES)


def _panels(qtbot: QtBot, services: Any) -> dict[str, Any]:
    built = {spec.id: spec.factory() for spec in trading_dock_specs(services, Settings())}
    for widget in built.values():
        qtbot.addWidget(widget)
    return built


@pytest.mark.asyncio
async def test_coin_m_ticket_positions_across_lines_balances_and_transfer(qtbot: QtBot, live: Any,
                                                                          until: Any) -> None:
    async with live() as s:
        p = _panels(qtbot, s)
        md, account = s.market_data, s.account
        assert p["watchlist"].add_symbol("BTCUSD_DMCBL") == BTCUSD
        assert md.active == BTCUSD
        await until(md.ticker_changed, lambda: md.last_price(BTCUSD))
        await until(account.futures_account_changed, lambda: account.margin_account(BTCUSD) is not None)
        ticket = p["ticket"]
        ticket.set_order_type("market")
        ticket.set_size_unit("base")
        ticket.set_size(Decimal("0.01"))
        await until(md.ticker_changed, lambda: "BTC" in ticket.info.text())
        assert "Available 0.20000000 BTC" in ticket.info.text()
        assert "margin ≈" in ticket.info.text()
        assert ticket.submit("buy") is not None, ticket.issues

        # a USDT-M and a USDC-M position beside it (placed on the exchange directly)
        def open_others() -> None:
            ex = live.sim.server.exchange
            ex.place_futures_order(DEMO_UID, "BTCUSDT", "sell", "market", "0.01")
            ex.place_futures_order(DEMO_UID, "BTCPERP", "buy", "market", "0.01")
        live.sim.call(open_others)
        positions = p["positions"]
        await until(account.positions_changed, lambda: positions.model.rowCount() == 3)
        rows = {positions.model.row_at(i).ref: i for i in range(3)}
        assert set(rows) == {BTCUSD, BTCUSDT, BTCPERP}
        coin_row = rows[BTCUSD]
        assert positions.model.text(coin_row, "Line") == "Coin-M"
        assert positions.model.text(coin_row, "Coin") == "BTC"
        assert positions.model.text(rows[BTCPERP], "Coin") == "USDC"
        assert positions.model.text(rows[BTCUSDT], "Side") == "Short"
        # the coin-M PnL has eight decimals of BTC, its USDT value two
        assert len(positions.model.text(coin_row, "uPnL").split(".")[1]) == 8
        assert positions.model.text(coin_row, "uPnL USDT")
        held = account.position(BTCUSD)
        assert held is not None
        assert held.liquidation_price is not None
        assert held.liquidation_price > 0

        balances = p["balances"]
        await until(account.futures_account_changed, lambda: balances.futures_model.rowCount() == 4)
        assert {(r.coin, r.line) for r in balances.futures_model.rows()} == {
            ("USDT", "USDT-M"), ("USDC", "USDC-M"), ("BTC", "Coin-M"), ("ETH", "Coin-M")}

        dialog = TransferDialog(account)
        qtbot.addWidget(dialog)
        assert dialog.coins() == ["BTC", "ETH"]            # spot → coin-M: its margin coins
        before = account.margin_account(BTCUSD)
        assert before is not None
        dialog.amount.set_value(Decimal("1000"))
        assert dialog.send() is False                      # more than spot holds: refused before asking
        dialog.amount.set_value(Decimal("0.05"))
        assert dialog.send() is True
        moved = "Moved 0.05000000 BTC from Spot to Coin-M futures"
        await until(account.transferred, lambda: moved in dialog.error.text())
        after = account.margin_account(BTCUSD)
        assert after is not None
        assert after.available == before.available + Decimal("0.05")
