"""Ladder: rows, cumulative sizes, spread/mid, aggregation by tick multiples, own-order marks, click-to-price."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from terminal_app.core.orderbook import OrderBook
from terminal_app.ui.docks import links_for
from terminal_app.ui.docks.ladder import LadderPanel, LadderRow, OwnOrder, build_ladder, create_ladder

D = Decimal
BIDS = [("100.00", "1"), ("99.99", "2"), ("99.95", "0.5"), ("99.90", "3"), ("99.80", "4")]
ASKS = [("100.02", "1.5"), ("100.03", "1"), ("100.09", "2"), ("100.10", "1"), ("100.21", "5")]


def book() -> OrderBook:
    b = OrderBook("BTCUSDT")
    b.load_snapshot(BIDS, ASKS)
    return b


def test_rows_cumulative_spread_and_mid() -> None:
    ladder = build_ladder(book(), D("0.01"), 1, 3)
    assert ladder.asks == (
        LadderRow(D("100.02"), D("1.5"), D("1.5"), D(0)),
        LadderRow(D("100.03"), D("1"), D("2.5"), D(0)),
        LadderRow(D("100.09"), D("2"), D("4.5"), D(0)),
    )
    assert ladder.bids == (
        LadderRow(D("100.00"), D("1"), D("1"), D(0)),
        LadderRow(D("99.99"), D("2"), D("3"), D(0)),
        LadderRow(D("99.95"), D("0.5"), D("3.5"), D(0)),
    )
    assert ladder.spread == D("0.02")
    assert ladder.mid == D("100.01")
    assert ladder.max_cumulative == D("4.5")


def test_aggregation_rounds_bids_down_and_asks_up() -> None:
    ten = build_ladder(book(), D("0.01"), 10, 3)  # 0.1 buckets
    assert [(r.price, r.size, r.cumulative) for r in ten.bids] == [
        (D("100.0"), D("1"), D("1")), (D("99.9"), D("5.5"), D("6.5")), (D("99.8"), D("4"), D("10.5"))]
    assert [(r.price, r.size, r.cumulative) for r in ten.asks] == [
        (D("100.1"), D("5.5"), D("5.5")), (D("100.3"), D("5"), D("10.5"))]
    hundred = build_ladder(book(), D("0.01"), 100, 5)  # 1.0 buckets
    assert [(r.price, r.size) for r in hundred.bids] == [(D("100"), D("1")), (D("99"), D("9.5"))]
    assert [(r.price, r.size) for r in hundred.asks] == [(D("101"), D("10.5"))]
    assert hundred.spread == D("0.02")  # from the raw book, not the buckets


def test_deep_aggregation_reads_more_levels_than_rows() -> None:
    b = OrderBook("X")
    b.load_snapshot([(f"{1000 - i * 0.01:.2f}", "1") for i in range(2000)], [("1000.01", "1")])
    ladder = build_ladder(b, D("0.01"), 100, 3)
    assert [(r.price, r.size) for r in ladder.bids] == [(D("1000"), D("1")), (D("999"), D("100")), (D("998"), D("100"))]


def test_own_orders_are_marked_and_add_rows_where_the_book_is_empty() -> None:
    own = [OwnOrder(D("99.99"), D("0.4")), OwnOrder(D("99.99"), D("0.1")), OwnOrder(D("100.05"), D("0.2")),
           OwnOrder(D("90"), D("1"))]
    ladder = build_ladder(book(), D("0.01"), 1, 4, own)
    assert ladder.bids[1] == LadderRow(D("99.99"), D("2"), D("3"), D("0.5"))
    assert [r.price for r in ladder.asks] == [D("100.02"), D("100.03"), D("100.05"), D("100.09")]
    assert ladder.asks[2] == LadderRow(D("100.05"), D(0), D("2.5"), D("0.2"))
    assert all(r.price != D("90") for r in ladder.bids)  # beyond the visible rows
    ten = build_ladder(book(), D("0.01"), 10, 2, own)
    assert ten.bids[1].own == D("0.5")  # 99.99 falls in the 99.9 bucket
    assert ten.asks[0].own == D("0.2")  # 100.05 falls in the 100.1 bucket


def test_empty_and_one_sided_books() -> None:
    assert build_ladder(None, D("0.01"), 1, 5).asks == ()
    b = OrderBook("X")
    b.load_snapshot([("10", "1")], [])
    ladder = build_ladder(b, D("0.01"), 1, 5)
    assert ladder.spread is None
    assert ladder.mid is None
    assert len(ladder.bids) == 1


def make(qtbot: QtBot, services: Any, kit: Any, height: int = 300) -> LadderPanel:
    services.market_data.load_book(kit.BTC, BIDS, ASKS)
    services.market_data.active = kit.BTC
    panel = create_ladder(services, None)
    qtbot.addWidget(panel)
    panel.resize(300, height)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def test_panel_follows_the_active_symbol_and_fits_rows_to_its_height(qtbot: QtBot, services: Any, kit: Any) -> None:
    panel = make(qtbot, services, kit)
    n = panel.view.rows_per_side()
    assert n >= 3
    ladder = panel.ladder()
    assert len(ladder.asks) == min(n, len(ASKS))
    assert panel.title.text() == "BTCUSDT"
    assert [panel.aggregation.itemText(i) for i in range(3)] == ["0.01", "0.1", "1"]
    panel.set_aggregation(10)
    assert panel.ladder().bids[1].price == D("99.9")
    with pytest.raises(ValueError, match="aggregation"):
        panel.set_aggregation(5)
    services.market_data.load_book(kit.BTC_PERP, [("60000.0", "1")], [("60000.1", "2")])
    services.market_data.set_active(kit.BTC_PERP)
    assert panel.title.text() == "BTCUSDT PERP"
    assert panel.aggregation.currentText() == "0.1"
    assert panel.ladder().asks[0].price == D("60000.1")


def test_repaints_only_when_the_active_book_changes(qtbot: QtBot, services: Any, kit: Any) -> None:
    panel = make(qtbot, services, kit)
    view = panel.view
    qtbot.waitUntil(lambda: view.paint_count > 0)
    view.ladder()
    assert not view._dirty
    services.market_data.load_book(kit.ETH, [("1", "1")], [("2", "1")])  # another symbol
    assert not view._dirty
    before = view.paint_count
    services.market_data.books[kit.BTC.key].apply_update([("100.01", "7")], [])
    services.market_data.book_changed.emit(kit.BTC)
    assert view._dirty
    qtbot.waitUntil(lambda: view.paint_count > before)
    assert view.ladder().bids[0] == LadderRow(D("100.01"), D("7"), D("7"), D(0))


def test_click_puts_the_price_in_the_ticket_link(qtbot: QtBot, services: Any, kit: Any) -> None:
    panel = make(qtbot, services, kit)
    picked: list[Decimal] = []
    links_for(services).price_picked.connect(picked.append)
    view = panel.view
    with qtbot.waitSignal(panel.price_clicked) as blocker:
        qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=view.row_rect("bid", 1).center())
    assert blocker.args == [D("99.99")]
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=view.row_rect("ask", 0).center())
    assert picked == [D("99.99"), D("100.02")]
    # the header and the spread row are not prices
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=QPoint(50, 2))
    assert view.price_at(QPoint(50, view._spread_top() + 2)) is None
    assert picked == [D("99.99"), D("100.02")]


def test_own_orders_follow_the_trading_service(qtbot: QtBot, services: Any, kit: Any) -> None:
    panel = make(qtbot, services, kit)
    services.trading.set_open(
        kit.OrderView("a", kit.BTC, "buy", "limit", D("99.95"), D("0.3"), filled=D("0.1")),
        kit.OrderView("b", kit.ETH, "buy", "limit", D("99.99"), D("9")),
    )
    assert panel.ladder().bids[2] == LadderRow(D("99.95"), D("0.5"), D("3.5"), D("0.2"))
    assert panel.ladder().bids[1].own == 0  # the ETH order is not on this book


def test_screenshot(qtbot: QtBot, services: Any, kit: Any) -> None:
    bids = [(f"{65000 - i * 0.37:.2f}", f"{0.05 + (i * 7 % 11) / 10:.4f}") for i in range(60)]
    asks = [(f"{65000.5 + i * 0.41:.2f}", f"{0.08 + (i * 5 % 13) / 10:.4f}") for i in range(60)]
    services.market_data.load_book(kit.BTC, bids, asks)
    services.market_data.active = kit.BTC
    services.trading.set_open(kit.OrderView("a", kit.BTC, "buy", "limit", D(bids[3][0]), D("0.25")),
                              kit.OrderView("b", kit.BTC, "sell", "limit", D("65002.00"), D("0.1")))
    panel = create_ladder(services, None)
    qtbot.addWidget(panel)
    assert kit.shot(panel, "ladder", (300, 520)).exists()
    panel.set_aggregation(100)
    assert kit.shot(panel, "ladder-agg100", (300, 520)).exists()
