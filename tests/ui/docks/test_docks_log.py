"""Log panel: a reader of the log ring — order events logged by services.order_log, connection and account records,
what was logged before the panel existed, records from other threads; level filter, bound, model contract."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from terminal_app.core.instruments import Product
from terminal_app.core.orders import Fill
from terminal_app.services.logbook import LogRing
from terminal_app.services.order_log import OrderLog
from terminal_app.ui.docks.log import Level, LogPanel, create_log
from terminal_app.ui.theme import current_colors

D = Decimal
ROOT = "terminal_app"


@pytest.fixture
def ring() -> Iterator[LogRing]:
    """A ring of this test's own on the ``terminal_app`` logger (the process ring holds every earlier test's)."""
    ring = LogRing()
    logger = logging.getLogger(ROOT)
    level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(ring)
    try:
        yield ring
    finally:
        logger.removeHandler(ring)
        logger.setLevel(level)


def make(qtbot: QtBot, ring: LogRing, **kw: Any) -> LogPanel:
    panel = LogPanel(None, ring=ring, **kw)
    qtbot.addWidget(panel)
    return panel


def fill() -> Fill:
    return Fill(product=Product.SPOT, trade_id="t1", order_id="o1", symbol="BTCUSDT", side="buy",
                price=D("65000.5"), size=D("0.0100"), quote_size=D("650.005"), fee=D("-0.00001"), fee_coin="BTC",
                scope="taker", trade_side=None, profit=None, ts=1_700_000_000_000)


def texts(panel: LogPanel, visible_only: bool = False) -> list[str]:
    return [e.text for e in panel.entries(visible_only)]


def settled(qtbot: QtBot, panel: LogPanel, count: int) -> None:
    """The queued hand-off has delivered ``count`` entries (sync tests only: never inside a coroutine)."""
    qtbot.waitUntil(lambda: len(panel.entries()) == count, timeout=2000)


def test_order_events_are_logged_and_shown(qtbot: QtBot, services: Any, kit: Any, ring: LogRing) -> None:
    panel = make(qtbot, ring)
    order_log = OrderLog(services.trading, services.market_data.market)
    services.trading.fill_received.emit(fill())
    view = kit.OrderView("a", kit.BTC_PERP, "sell", "limit", D("70000.0"), D("0.5"), status="rejected")
    services.trading.order_rejected.emit(view, "[40762] The order value exceeds the available balance.")
    cancelled = replace(view, status="cancelled", ref=kit.BTC, price=D("64000"), side="buy", size=D("0.01"))
    services.trading.order_updated.emit(cancelled)
    services.trading.order_updated.emit(cancelled)  # REST reply and stream both report it
    services.trading.order_updated.emit(replace(cancelled, status="live"))
    logging.getLogger("terminal_app.services.account").error("Leverage could not be set: [40014] permission denied.")
    order_log.close()
    services.trading.fill_received.emit(fill())  # no longer listening
    settled(qtbot, panel, 4)
    assert texts(panel) == [
        "Leverage could not be set: [40014] permission denied.",
        "Cancelled buy 0.01 BTCUSDT @ 64,000.00",
        "Rejected sell 0.5 BTCUSDT PERP @ 70,000.0: [40762] The order value exceeds the available balance.",
        "Filled buy 0.01 BTCUSDT @ 65,000.50, fee 0.00001 BTC",
    ]
    assert [e.source for e in panel.entries()] == ["account", "trading", "trading", "trading"]
    colors = current_colors()
    message = panel.model.column_of("Message")
    assert panel.model.data(panel.model.index(0, message), Qt.ItemDataRole.ForegroundRole) == QColor(colors.down)
    assert panel.model.data(panel.model.index(1, message), Qt.ItemDataRole.ForegroundRole) is None


def test_what_was_logged_before_the_panel_is_shown_once(qtbot: QtBot, ring: LogRing) -> None:
    log = logging.getLogger("terminal_app.services.connection")
    log.info("Connecting to http://127.0.0.1:1 (DEMO profile 'Demo')…")
    log.warning("WebSocket public-1 lost: stalled.")
    panel = make(qtbot, ring)  # made after the records, as the window of a second profile is
    assert texts(panel) == ["WebSocket public-1 lost: stalled.", "Connecting to http://127.0.0.1:1 (DEMO profile "
                                                                 "'Demo')…"]
    log.info("WebSocket public-1 reconnected.")
    settled(qtbot, panel, 3)  # the feed's pending batch overlaps the backlog: nothing twice
    assert [(Level.of(e.level), e.source) for e in panel.entries()] == [
        (Level.INFO, "connection"), (Level.WARNING, "connection"), (Level.INFO, "connection")]
    second = make(qtbot, ring)
    assert texts(second) == texts(panel)


def test_records_from_other_threads_arrive_in_order_in_few_batches(qtbot: QtBot, ring: LogRing) -> None:
    panel = make(qtbot, ring)
    batches: list[int] = []
    from terminal_app.ui.docks.log import feed_for

    feed_for(ring).appended.connect(lambda entries: batches.append(len(entries)))

    def worker() -> None:
        for i in range(500):
            logging.getLogger("terminal_app.store.journal").info("row %d", i)

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    settled(qtbot, panel, 500)
    assert texts(panel) == [f"row {i}" for i in reversed(range(500))]
    assert sum(batches) == 500
    assert len(batches) < 50  # woken once per read, not once per record


def test_level_filter(qtbot: QtBot, ring: LogRing) -> None:
    panel = make(qtbot, ring)
    log = logging.getLogger("terminal_app.services.connection")
    for level in (logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR, logging.CRITICAL, 25):
        log.log(level, logging.getLevelName(level))
    settled(qtbot, panel, 6)
    assert texts(panel, visible_only=True) == ["Level 25", "CRITICAL", "ERROR", "WARNING", "INFO"]  # default: info+
    panel.set_minimum_level(Level.WARNING)
    assert texts(panel, visible_only=True) == ["CRITICAL", "ERROR", "WARNING"]
    panel.filter.setCurrentIndex(3)
    assert texts(panel, visible_only=True) == ["CRITICAL", "ERROR"]
    panel.set_minimum_level(Level.DEBUG)
    assert len(texts(panel, visible_only=True)) == 6
    assert panel.view.model().rowCount() == 6


def test_bounded_and_exceptions_in_one_line(qtbot: QtBot, ring: LogRing) -> None:
    panel = make(qtbot, ring, max_entries=3)
    log = logging.getLogger("terminal_app.test")
    for i in range(4):
        log.info("m%d", i)
    try:
        raise ValueError("bad value")
    except ValueError:
        log.exception("m4 failed")
    qtbot.waitUntil(lambda: texts(panel)[:1] == ["m4 failed (ValueError: bad value)"], timeout=2000)
    assert texts(panel) == ["m4 failed (ValueError: bad value)", "m3", "m2"]


def test_model_contracts(qtbot: QtBot, ring: LogRing, qtmodeltester: ModelTester) -> None:
    panel = make(qtbot, ring)
    for i, level in enumerate((logging.INFO, logging.ERROR, logging.DEBUG, logging.WARNING)):
        logging.getLogger("terminal_app.test").log(level, "m%d", i)
    settled(qtbot, panel, 4)
    qtmodeltester.check(panel.model, force_py=True)
    qtmodeltester.check(panel.proxy, force_py=True)


def test_screenshot(qtbot: QtBot, services: Any, kit: Any, ring: LogRing) -> None:
    panel = create_log(services, None)
    qtbot.addWidget(panel)
    shown = make(qtbot, ring)
    order_log = OrderLog(services.trading, services.market_data.market)
    logging.getLogger("terminal_app.services.connection").info("Connection connected.")
    services.trading.fill_received.emit(fill())
    view = kit.OrderView("a", kit.BTC, "buy", "limit", D("64000"), D("5"), status="rejected")
    services.trading.order_rejected.emit(view, "[43012] Insufficient balance for this order.")
    logging.getLogger("terminal_app.services.market_data").warning(
        "Order book checksum mismatch on BTCUSDT; resubscribed.")
    order_log.close()
    settled(qtbot, shown, 4)
    assert panel.ring is not ring  # the dock's panel reads the process ring
    assert kit.shot(shown, "log", (760, 180)).exists()
