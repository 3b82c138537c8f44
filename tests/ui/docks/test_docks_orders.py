"""Orders panel: pending orders show at once; cancel (✕, button, Delete), cancel all, modify dialog; history; fills."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from terminal_app.core.instruments import Product
from terminal_app.core.orders import Fill
from terminal_app.ui.docks.orders import OrdersPanel, create_orders
from terminal_app.ui.format import fmt_clock

D = Decimal


def make(qtbot: QtBot, services: Any, kit: Any) -> OrdersPanel:
    services.market_data.active = kit.BTC
    panel = create_orders(services, None)
    qtbot.addWidget(panel)
    return panel


def orders(kit: Any) -> list[Any]:
    return [
        kit.OrderView("a", kit.BTC, "buy", "limit", D("64000.5"), D("0.01"), status="live"),
        kit.OrderView("b", kit.BTC_PERP, "sell", "limit", D("66000.1"), D("0.002"), status="partially_filled",
                      filled=D("0.001")),
        kit.OrderView("c", kit.ETH, "buy", "limit", D("3000"), D("1"), status="pending"),
    ]


def test_open_orders_show_with_market_decimals(qtbot: QtBot, services: Any, kit: Any) -> None:
    panel = make(qtbot, services, kit)
    services.trading.set_open(*orders(kit))
    m = panel.open_model
    assert m.rowCount() == 3
    assert [m.text(r, "Price") for r in range(3)] == ["64,000.50", "66,000.1", "3,000.00"]
    assert [m.text(r, "Filled") for r in range(3)] == ["0.0000", "0.001", "0.000"]
    assert [m.text(r, "Status") for r in range(3)] == ["live", "partially filled", "pending"]
    assert m.text(0, "Type") == "Limit · GTC"
    assert panel.tabs.tabText(0) == "Open orders (3)"


def test_a_placed_order_is_visible_at_once(qtbot: QtBot, services: Any, kit: Any) -> None:
    panel = make(qtbot, services, kit)
    ticket = type("T", (), {"ref": kit.BTC, "side": "buy", "order_type": "limit", "price": D("1"), "size": D("1"),
                            "force": "post_only"})()
    oid = services.trading.submit(ticket).client_oid
    assert panel.open_model.row_for(oid).status == "pending"  # no event loop turn needed


def test_active_symbol_filter(qtbot: QtBot, services: Any, kit: Any) -> None:
    panel = make(qtbot, services, kit)
    services.trading.set_open(*orders(kit))
    panel.only_active.setChecked(True)
    assert [v.client_oid for v in panel.open_model.rows()] == ["a"]
    services.market_data.set_active(kit.ETH)
    assert [v.client_oid for v in panel.open_model.rows()] == ["c"]
    assert panel.cancel_all_button.text() == "Cancel all ETHUSDT"
    panel.only_active.setChecked(False)
    assert panel.open_model.rowCount() == 3


def test_cancel_by_mark_button_and_delete_key(qtbot: QtBot, services: Any, kit: Any) -> None:
    panel = make(qtbot, services, kit)
    services.trading.set_open(*orders(kit))
    panel.show()
    view = panel.open_view
    assert not panel.cancel_button.isEnabled()
    mark = view.visualRect(panel.open_model.index(1, len(panel.open_model.columns) - 1)).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=mark)
    panel.select_order("a")
    assert panel.cancel_button.isEnabled()
    qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    panel.select_order("c")
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert [(c[0], c[1].client_oid) for c in services.trading.calls] == [("cancel", "b"), ("cancel", "a"),
                                                                         ("cancel", "c")]


def test_cancel_all_for_the_active_symbol(qtbot: QtBot, services: Any, kit: Any) -> None:
    panel = make(qtbot, services, kit)
    assert panel.cancel_all_button.text() == "Cancel all BTCUSDT"
    qtbot.mouseClick(panel.cancel_all_button, Qt.MouseButton.LeftButton)
    assert services.trading.calls == [("cancel_all", kit.BTC)]


def test_modify_through_the_dialog(qtbot: QtBot, services: Any, kit: Any) -> None:
    panel = make(qtbot, services, kit)
    services.trading.set_open(*orders(kit))
    panel.select_order("b")
    dialog = panel.modify_selected()
    assert dialog is not None
    assert "in place (modify-order)" in " ".join(label.text() for label in dialog.findChildren(type(panel.message)))
    assert dialog.price.value() == D("66000.1")
    dialog.price.setText("66000.15")  # off the 0.1 tick
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert dialog.isVisible()
    assert dialog.error.text() == "The price must be a multiple of the tick size 0.1."
    dialog.price.setText("66100.2")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert not dialog.isVisible()
    assert services.trading.calls == [("modify", "b", D("66100.2"), None)]


def test_modify_spot_says_it_replaces_and_market_orders_cannot_be_modified(qtbot: QtBot, services: Any,
                                                                         kit: Any) -> None:
    panel = make(qtbot, services, kit)
    views = orders(kit)
    services.trading.set_open(views[0], replace(views[2], type="market", price=None))
    panel.select_order("a")
    dialog = panel.modify_selected()
    assert dialog is not None
    texts = " ".join(label.text() for label in dialog.findChildren(type(panel.message)))
    assert "cancel-replace" in texts
    dialog.size_edit.setText("0.0200")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert services.trading.calls == [("modify", "a", None, D("0.0200"))]
    panel.select_order("c")
    assert panel.modify_selected() is None
    assert panel.message.text() == "Only limit orders can be modified."
    panel.select_order("a")
    panel.modify_selected(price=D("63000"))
    assert services.trading.calls[-1] == ("modify", "a", D("63000"), None)


def test_finished_orders_move_to_history(qtbot: QtBot, services: Any, kit: Any) -> None:
    panel = make(qtbot, services, kit)
    views = orders(kit)
    services.trading.set_open(*views)
    services.trading.order_updated.emit(replace(views[0], status="filled", filled=D("0.01"), avg_price=D("64000")))
    assert panel.open_model.row_of("a") is None
    panel.history_model.flush()
    assert panel.history_model.text(0, "Status") == "filled"
    assert panel.history_model.text(0, "Avg price") == "64,000.00"
    services.trading.order_rejected.emit(replace(views[2], status="rejected", reason="[43012] Insufficient balance"),
                                         "[43012] Insufficient balance for this order.")
    panel.history_model.flush()
    assert panel.history_model.text(0, "Reason") == "[43012] Insufficient balance"
    assert panel.message.text() == "Rejected buy ETHUSDT: [43012] Insufficient balance for this order."


def test_fills_tab(qtbot: QtBot, services: Any, kit: Any) -> None:
    panel = make(qtbot, services, kit)
    fill = Fill(product=Product.USDT_FUTURES, trade_id="t1", order_id="o1", symbol="BTCUSDT", side="sell",
                price=D("65000.5"), size=D("0.01"), quote_size=D("650.005"), fee=D("-0.39"), fee_coin="USDT",
                scope="taker", trade_side="close", profit=D("12.5"), ts=1_700_000_000_000)
    services.trading.fill_received.emit(fill)
    panel.fills_model.flush()
    m = panel.fills_model
    assert [m.text(0, c) for c in ("Symbol", "Side", "Price", "Size", "Role", "PnL")] == [
        "BTCUSDT PERP", "Sell close", "65,000.5", "0.010", "taker", "+12.5000"]
    assert m.text(0, "Fee") == "-0.3900"


def test_fees_in_the_decimals_of_their_coin(qtbot: QtBot, services: Any, kit: Any) -> None:
    # Bitget reports fees with up to 11 decimals: four are shown in a stable coin, eight in any other.
    panel = make(qtbot, services, kit)
    usdt = Fill(product=Product.USDT_FUTURES, trade_id="t1", order_id="o1", symbol="BTCUSDT", side="buy",
                price=D("65000.5"), size=D("0.01"), quote_size=D("650.005"), fee=D("-0.39000312345"),
                fee_coin="USDT", scope="taker", trade_side=None, profit=None, ts=1_700_000_000_000)
    btc = Fill(product=Product.SPOT, trade_id="t2", order_id="o2", symbol="BTCUSDT", side="buy",
               price=D("65000"), size=D("0.01"), quote_size=D("650"), fee=D("-0.00001012345678"), fee_coin="BTC",
               scope="taker", trade_side=None, profit=None,
               ts=1_700_000_001_000)
    for fill in (usdt, btc):
        services.trading.fill_received.emit(fill)
    panel.fills_model.flush()
    m = panel.fills_model
    texts = {m.row_at(r).trade_id: m.text(r, "Fee") for r in range(m.rowCount())}
    assert texts == {"t1": "-0.3900", "t2": "-0.00001012"}


def test_history_lists_orders_by_when_they_finished(qtbot: QtBot, services: Any, kit: Any) -> None:
    panel = make(qtbot, services, kit)
    a, b, _c = orders(kit)
    services.trading.set_open(a, b)
    # b was placed later but a finished later: a is the newest line of the history, and its time is its finish
    services.trading.order_updated.emit(replace(b, status="cancelled", c_time=1_700_000_100_000,
                                                u_time=1_700_000_200_000))
    services.trading.order_updated.emit(replace(a, status="filled", c_time=1_700_000_000_000,
                                                u_time=1_700_000_300_000))
    panel.history_model.flush()
    m = panel.history_model
    assert [m.row_at(r).client_oid for r in range(m.rowCount())] == ["a", "b"]
    assert m.text(0, "Time") == fmt_clock(1_700_000_300_000)


def test_model_contracts(qtbot: QtBot, services: Any, kit: Any, qtmodeltester: ModelTester) -> None:
    panel = make(qtbot, services, kit)
    services.trading.set_open(*orders(kit))
    services.trading.order_updated.emit(replace(orders(kit)[0], status="cancelled"))
    panel.history_model.flush()
    for model in (panel.open_model, panel.history_model, panel.fills_model):
        qtmodeltester.check(model, force_py=True)


def test_screenshot(qtbot: QtBot, services: Any, kit: Any) -> None:
    panel = make(qtbot, services, kit)
    services.trading.set_open(*orders(kit))
    panel.select_order("b")
    assert kit.shot(panel, "orders", (760, 220)).exists()
