"""Log panel: fills, rejections with Bitget's code, cancels, account and connection events; level filter."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from terminal_app.bitget.models import Fill
from terminal_app.bitget.symbols import InstType
from terminal_app.ui.docks.log import Level, LogPanel, create_log
from terminal_app.ui.theme import current_colors

D = Decimal


def make(qtbot: QtBot, services: Any) -> LogPanel:
    panel = create_log(services, None)
    qtbot.addWidget(panel)
    return panel


def fill() -> Fill:
    return Fill(inst_type=InstType.SPOT, trade_id="t1", order_id="o1", symbol="BTCUSDT", side="buy",
                price=D("65000.5"), size=D("0.0100"), quote_size=D("650.005"), fee=D("-0.00001"), fee_coin="BTC",
                scope="taker", trade_side=None, profit=None, ts=1_700_000_000_000)


def texts(panel: LogPanel, visible_only: bool = False) -> list[str]:
    return [e.text for e in panel.entries(visible_only)]


def test_fills_rejections_cancels_and_errors_are_logged(qtbot: QtBot, services: Any, kit: Any) -> None:
    panel = make(qtbot, services)
    services.trading.fill_received.emit(fill())
    view = kit.OrderView("a", kit.BTC_PERP, "sell", "limit", D("70000.0"), D("0.5"), status="rejected")
    services.trading.order_rejected.emit(view, "[40762] The order value exceeds the available balance.")
    cancelled = replace(view, status="cancelled", ref=kit.BTC, price=D("64000"), side="buy", size=D("0.01"))
    services.trading.order_updated.emit(cancelled)
    services.trading.order_updated.emit(cancelled)  # REST reply and stream both report it
    services.trading.order_updated.emit(replace(cancelled, status="live"))
    services.account.error.emit("Leverage could not be set: [40014] permission denied.")
    assert texts(panel) == [
        "Leverage could not be set: [40014] permission denied.",
        "Cancelled buy 0.01 BTCUSDT @ 64,000.00",
        "Rejected sell 0.5 BTCUSDT PERP @ 70,000.0: [40762] The order value exceeds the available balance.",
        "Filled buy 0.01 BTCUSDT @ 65,000.50, fee 0.00001 BTC",
    ]
    assert [e.source for e in panel.entries()] == ["account", "order", "order", "fill"]
    colors = current_colors()
    message = panel.model.column_of("Message")
    assert panel.model.data(panel.model.index(0, message), Qt.ItemDataRole.ForegroundRole) == QColor(colors.down)
    assert panel.model.data(panel.model.index(1, message), Qt.ItemDataRole.ForegroundRole) is None


def test_connection_events(qtbot: QtBot, services: Any) -> None:
    panel = make(qtbot, services)
    services.connection.state_changed.emit("reconnecting")
    services.connection.log_event.emit("warning", "WebSocket lag 2.5 s")
    services.connection.reconciled.emit()
    entries = panel.entries()
    assert [(e.level, e.text) for e in entries] == [
        (Level.INFO, "Reconnected: orders, positions and balances were re-read from the exchange."),
        (Level.WARNING, "WebSocket lag 2.5 s"),
        (Level.INFO, "Connection reconnecting."),
    ]


def test_level_filter(qtbot: QtBot, services: Any) -> None:
    panel = make(qtbot, services)
    for level in ("debug", "info", "warn", "error", "critical", "nonsense"):
        services.connection.log_event.emit(level, level)
    assert texts(panel, visible_only=True) == ["nonsense", "critical", "error", "warn", "info"]  # default: info+
    panel.set_minimum_level(Level.WARNING)
    assert texts(panel, visible_only=True) == ["critical", "error", "warn"]
    panel.filter.setCurrentIndex(3)
    assert texts(panel, visible_only=True) == ["critical", "error"]
    panel.set_minimum_level(Level.DEBUG)
    assert len(texts(panel, visible_only=True)) == 6
    assert panel.view.model().rowCount() == 6


def test_bounded(qtbot: QtBot, services: Any) -> None:
    panel = LogPanel(services, None, max_entries=3)
    qtbot.addWidget(panel)
    for i in range(5):
        panel.add(Level.INFO, "test", f"m{i}")
    assert texts(panel) == ["m4", "m3", "m2"]


def test_model_contracts(qtbot: QtBot, services: Any, qtmodeltester: ModelTester) -> None:
    panel = make(qtbot, services)
    for i, level in enumerate(("info", "error", "debug", "warn")):
        services.connection.log_event.emit(level, f"m{i}")
    qtmodeltester.check(panel.model, force_py=True)
    qtmodeltester.check(panel.proxy, force_py=True)


def test_screenshot(qtbot: QtBot, services: Any, kit: Any) -> None:
    panel = make(qtbot, services)
    services.connection.state_changed.emit("connected")
    services.trading.fill_received.emit(fill())
    view = kit.OrderView("a", kit.BTC, "buy", "limit", D("64000"), D("5"), status="rejected")
    services.trading.order_rejected.emit(view, "[43012] Insufficient balance for this order.")
    services.connection.log_event.emit("warning", "Order book checksum mismatch on BTCUSDT; resubscribed.")
    assert kit.shot(panel, "log", (760, 180)).exists()
