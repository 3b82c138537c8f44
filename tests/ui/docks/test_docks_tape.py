"""Trade tape: newest on top, side colours, large-trade highlight with an adjustable threshold, bounded rows."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from terminal_app.core.instruments import SymbolRef
from terminal_app.core.market_data import PublicTrade
from terminal_app.ui.docks import links_for
from terminal_app.ui.docks.tape import TapePanel, create_tape
from terminal_app.ui.theme import current_colors

D = Decimal


def trade(i: int, price: str, size: str, side: str = "buy", symbol: str = "BTCUSDT") -> PublicTrade:
    return PublicTrade(trade_id=str(i), symbol=symbol, side=side, price=D(price), size=D(size),
                       ts=1_700_000_000_000 + i * 1000)


def make(qtbot: QtBot, services: Any, kit: Any, **kw: Any) -> TapePanel:
    services.market_data.active = kit.BTC
    panel = TapePanel(services, None, **kw) if kw else create_tape(services, None)
    qtbot.addWidget(panel)
    return panel


def push(services: Any, ref: SymbolRef, trades: list[PublicTrade], panel: TapePanel) -> None:
    services.market_data.trades_added.emit(ref, trades)
    panel.model.flush()


def test_newest_first_with_market_decimals_and_side_colours(qtbot: QtBot, services: Any, kit: Any) -> None:
    panel = make(qtbot, services, kit)
    push(services, kit.BTC, [trade(1, "65000.5", "0.01"), trade(2, "64999", "0.2", "sell")], panel)
    m = panel.model
    assert [m.text(r, "Price") for r in range(2)] == ["64,999.00", "65,000.50"]
    assert [m.text(r, "Size") for r in range(2)] == ["0.2000", "0.0100"]
    colors = current_colors()
    price = m.column_of("Price")
    assert m.data(m.index(0, price), Qt.ItemDataRole.ForegroundRole) == QColor(colors.down)
    assert m.data(m.index(1, price), Qt.ItemDataRole.ForegroundRole) == QColor(colors.up)
    assert panel.quote_label.text() == "USDT"


def test_large_trades_are_highlighted_by_quote_value(qtbot: QtBot, services: Any, kit: Any) -> None:
    panel = make(qtbot, services, kit)
    push(services, kit.BTC, [trade(1, "65000", "0.1"), trade(2, "65000", "0.2", "sell"), trade(3, "65000", "1")],
         panel)
    m = panel.model
    colors = current_colors()
    size = m.column_of("Size")
    # 65,000 × 1 = 65,000 ≥ 10,000; 13,000 ≥ 10,000; 6,500 is not large
    assert m.data(m.index(0, size), Qt.ItemDataRole.BackgroundRole) == QColor(colors.up_soft)
    assert m.data(m.index(1, size), Qt.ItemDataRole.BackgroundRole) == QColor(colors.down_soft)
    assert m.data(m.index(2, size), Qt.ItemDataRole.BackgroundRole) is None
    changed: list[Any] = []
    m.dataChanged.connect(lambda *a: changed.append(a))
    panel.threshold.setText("5000")
    panel.threshold.editingFinished.emit()
    assert panel.large_quote == D(5000)
    assert changed  # the view repaints the highlight at once
    assert m.data(m.index(2, size), Qt.ItemDataRole.BackgroundRole) == QColor(colors.up_soft)
    panel.set_large_threshold(D(100_000))
    assert all(m.data(m.index(r, size), Qt.ItemDataRole.BackgroundRole) is None for r in range(3))


def test_bounded_and_cleared_on_symbol_change(qtbot: QtBot, services: Any, kit: Any) -> None:
    panel = make(qtbot, services, kit, max_rows=5)
    push(services, kit.BTC, [trade(i, "65000", "0.01") for i in range(12)], panel)
    assert panel.model.rowCount() == 5
    assert panel.model.row_at(0).trade_id == "11"
    push(services, kit.ETH, [trade(99, "3000", "1", symbol="ETHUSDT")], panel)  # not the active symbol
    assert panel.model.rowCount() == 5
    services.market_data.set_active(kit.ETH)
    assert panel.model.rowCount() == 0
    assert panel.title.text() == "ETHUSDT"
    push(services, kit.ETH, [trade(100, "3000", "1", symbol="ETHUSDT")], panel)
    assert panel.model.text(0, "Size") == "1.000"  # ETH lot 0.001


def test_double_click_sends_the_price_to_the_ticket(qtbot: QtBot, services: Any, kit: Any) -> None:
    panel = make(qtbot, services, kit)
    push(services, kit.BTC, [trade(1, "65000.5", "0.01")], panel)
    picked: list[Decimal] = []
    links_for(services).price_picked.connect(picked.append)
    panel.view.doubleClicked.emit(panel.model.index(0, 1))
    assert picked == [D("65000.5")]


def test_model_contract(qtbot: QtBot, services: Any, kit: Any, qtmodeltester: ModelTester) -> None:
    panel = make(qtbot, services, kit, max_rows=3)
    push(services, kit.BTC, [trade(i, "65000", "0.5") for i in range(5)], panel)
    qtmodeltester.check(panel.model, force_py=True)


def test_screenshot(qtbot: QtBot, services: Any, kit: Any) -> None:
    panel = make(qtbot, services, kit)
    trades = [trade(i, f"{65000 + (i * 37 % 19) / 10:.1f}", f"{(i * 13 % 17) / 40 + 0.001:.4f}",
                    "buy" if i % 3 else "sell") for i in range(30)]
    push(services, kit.BTC, trades, panel)
    assert kit.shot(panel, "tape", (320, 420)).exists()


def test_the_tape_keeps_moving_after_a_row_is_clicked(qtbot: QtBot, services: Any, kit: Any) -> None:
    # A clicked row became the view's current row; when it aged out of the tape (max_rows) the current row moved to
    # the last one and the view scrolled after it: the user saw the oldest trades, apparently frozen.
    panel = make(qtbot, services, kit, max_rows=30)
    panel.resize(340, 300)
    panel.show()
    qtbot.waitExposed(panel)
    push(services, kit.BTC, [trade(i, f"{65000 + i}", "0.01") for i in range(1, 30)], panel)
    view = panel.view
    rect = view.visualRect(panel.model.index(3, 1))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    for i in range(30, 90):  # trades keep coming, one flush each, until the clicked one is long gone
        push(services, kit.BTC, [trade(i, f"{65000 + i}", "0.01")], panel)
    top = view.indexAt(view.viewport().rect().topLeft() + QPoint(2, 2))
    assert top.row() == 0
    assert panel.model.text(0, "Price") == "65,089.00"  # the newest trade is what the user sees on top
    assert view.verticalScrollBar().value() == 0
