"""Positions panel: columns (mark fallback, ROE), close at market, close with a limit, flash close with confirmation."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.ui.docks import links_for
from terminal_app.ui.docks.positions import PositionsPanel, create_positions, roe
from terminal_app.ui.theme import current_colors

D = Decimal
ETH_PERP = SymbolRef("ETHUSDT", Product.USDT_FUTURES)


def make(qtbot: QtBot, services: Any, kit: Any, *positions: Any) -> PositionsPanel:
    services.account.open_positions = list(positions)
    panel = create_positions(services, None)
    qtbot.addWidget(panel)
    return panel


def test_columns_show_pnl_roe_and_exchange_decimals(qtbot: QtBot, services: Any, kit: Any) -> None:
    long = kit.position()
    short = kit.position(ETH_PERP, "short", total="2", entry="3000", upl="-40", margin="600", mark=None, liq=None)
    panel = make(qtbot, services, kit, long, short)
    m = panel.model
    assert [m.text(0, c) for c in ("Symbol", "Side", "Size", "Entry", "Mark", "Liq.", "uPnL", "ROE", "Margin",
                                   "Lev.", "Mode")] == [
        "BTCUSDT PERP", "Long", "0.500", "60,000.0", "60,500.0", "50,000.0", "+250.0000", "+8.33 %",
        "3,000.0000", "10x", "crossed"]
    assert m.text(1, "ROE") == "-6.67 %"
    assert m.text(1, "Mark") == ""  # not pushed and no ticker yet
    assert m.text(1, "Liq.") == ""
    assert panel.summary.text() == "2 open · uPnL 210.00"
    colors = current_colors()
    assert m.data(m.index(1, m.column_of("uPnL")), Qt.ItemDataRole.ForegroundRole) == QColor(colors.down)
    assert roe(replace(long, margin_size=D(0), unrealized_plr=D("0.1"))) == D("0.1")


def test_mark_falls_back_to_the_ticker(qtbot: QtBot, services: Any, kit: Any) -> None:
    panel = make(qtbot, services, kit, kit.position(mark=None))
    services.market_data.ticker_changed.emit(kit.ticker(kit.BTC_PERP, "60600", mark_price=D("60590.5")))
    services.market_data.ticker_changed.emit(kit.ticker(kit.BTC, "1"))  # spot tickers are not marks
    panel.model.flush()
    assert panel.model.text(0, "Mark") == "60,590.5"


def test_positions_follow_the_account_service(qtbot: QtBot, services: Any, kit: Any) -> None:
    panel = make(qtbot, services, kit, kit.position())
    services.account.open_positions = [kit.position(upl="300"), kit.position(ETH_PERP, "short", total="1")]
    services.account.positions_changed.emit()
    assert panel.model.rowCount() == 2
    assert panel.model.text(0, "uPnL") == "+300.0000"
    services.account.open_positions = [kit.position(ETH_PERP, "short", total="1"), kit.position(total="0")]
    services.account.positions_changed.emit()
    assert [p.symbol for p in panel.model.rows()] == ["ETHUSDT"]  # closed (total 0) positions leave
    services.account.open_positions = []
    services.account.positions_changed.emit()
    assert panel.summary.text() == "No positions"
    assert not panel.flash_button.isEnabled()


def test_close_at_market(qtbot: QtBot, services: Any, kit: Any) -> None:
    pos = kit.position()
    panel = make(qtbot, services, kit, pos)
    assert not panel.close_market_button.isEnabled()
    panel.select(pos)
    qtbot.mouseClick(panel.close_market_button, Qt.MouseButton.LeftButton)
    assert services.trading.calls == [("close_position", pos, None)]


def test_close_with_a_limit_prompts_for_the_price(qtbot: QtBot, services: Any, kit: Any) -> None:
    pos = kit.position()
    panel = make(qtbot, services, kit, pos)
    panel.select(pos)
    qtbot.mouseClick(panel.close_limit_button, Qt.MouseButton.LeftButton)
    dialog = panel.dialog
    assert dialog is not None
    assert dialog.isVisible()
    assert dialog.price.value() == D("60500")  # the mark, as a starting point
    dialog.price.setText("61000.05")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert dialog.error.text() == "The price must be a multiple of the tick size 0.1."
    assert services.trading.calls == []
    dialog.price.setText("61000.1")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert services.trading.calls == [("close_position", pos, D("61000.1"))]
    panel.close_selected_limit(D("62000"))
    assert services.trading.calls[-1] == ("close_position", pos, D("62000"))


def test_flash_close_all_asks_first(qtbot: QtBot, services: Any, kit: Any) -> None:
    panel = make(qtbot, services, kit, kit.position(), kit.position(ETH_PERP, "short"))
    qtbot.mouseClick(panel.flash_button, Qt.MouseButton.LeftButton)
    box = panel.confirm_box
    assert box is not None
    assert box.text() == "Close all 2 positions at market now?"
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert services.trading.calls == []
    box = panel.flash_close_all()
    assert box is not None
    box.button(QMessageBox.StandardButton.Yes).click()
    assert services.trading.calls == [("flash_close_all",)]
    panel.flash_close_all(confirmed=True)
    assert services.trading.calls == [("flash_close_all",), ("flash_close_all",)]


def test_double_click_fills_the_ticket(qtbot: QtBot, services: Any, kit: Any) -> None:
    panel = make(qtbot, services, kit, kit.position())
    prices: list[Decimal] = []
    sizes: list[Decimal] = []
    links_for(services).price_picked.connect(prices.append)
    links_for(services).size_picked.connect(sizes.append)
    panel.view.doubleClicked.emit(panel.model.index(0, 0))
    assert prices == [D("60500")]
    assert sizes == [D("0.5")]


def test_model_contract(qtbot: QtBot, services: Any, kit: Any, qtmodeltester: ModelTester) -> None:
    panel = make(qtbot, services, kit, kit.position(), kit.position(ETH_PERP, "short"))
    qtmodeltester.check(panel.model, force_py=True)


def test_screenshot(qtbot: QtBot, services: Any, kit: Any) -> None:
    pos = kit.position()
    panel = make(qtbot, services, kit, pos,
                 kit.position(ETH_PERP, "short", total="2", entry="3000", upl="-40", margin="600", mark="3020",
                              liq="4100", margin_mode="isolated", leverage="20"))
    panel.select(pos)
    assert kit.shot(panel, "positions", (900, 160)).exists()


def test_usdc_m_pnl_in_usdt_at_the_accounts_own_rate(qtbot: QtBot, services: Any, kit: Any) -> None:
    from dataclasses import replace

    from terminal_app.core.accounts import FuturesAccount

    perp = SymbolRef("BTCPERP", Product.USDC_FUTURES)
    usdc = replace(kit.position(perp, upl="100"), margin_coin="USDC")
    panel = make(qtbot, services, kit, usdc)
    assert panel.pnl_usdt(usdc) == D("100")                   # no account read yet: USDC counts 1:1
    # Bitget's account list gives usdtEquity beside accountEquity: the USDC-M account's own USDT valuation
    services.account.futures = FuturesAccount(margin_coin="USDC", available=D(5000), locked=D(0), equity=D(10000),
                                              usdt_equity=D("9998"), unrealized_pl=D(100),
                                              crossed_max_available=None, isolated_max_available=None)
    assert panel.pnl_usdt(usdc) == D("99.98")
