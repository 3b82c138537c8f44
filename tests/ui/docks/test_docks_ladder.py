"""Ladder: rows, cumulative sizes, spread/mid, aggregation by tick multiples, own-order marks, click-to-price, the
Traded column (bought/sold volume at price over a rolling window), and the stale state of a silent book, with fakes
and on the simulator."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QFontMetrics
from pytestqt.qtbot import QtBot

from terminal_app.bitget.ws import StreamerConfig
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.core.market_data import PublicTrade
from terminal_app.core.orderbook import OrderBook
from terminal_app.core.traded_volume import TradedVolume
from terminal_app.ui.docks import links_for
from terminal_app.ui.docks.ladder import (
    LadderPanel,
    LadderRow,
    OwnOrder,
    build_ladder,
    create_ladder,
    short_volume,
    volume_places,
    window_label,
)
from terminal_app.ui.theme import current_colors, number_font

D = Decimal
BTC_SPOT = SymbolRef("BTCUSDT", Product.SPOT)
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


# --- traded volume at price -------------------------------------------------------------------------------------------

def trades(*rows: tuple[str, str, str, int]) -> list[PublicTrade]:
    return [PublicTrade(f"t{i}-{ts}", "BTCUSDT", side, D(price), D(size), ts)
            for i, (price, size, side, ts) in enumerate(rows)]


def test_rows_carry_bought_and_sold_and_traded_gaps_get_rows() -> None:
    tv = TradedVolume()
    tv.add(trades(("100.00", "0.3", "sell", 1), ("100.00", "0.2", "buy", 2), ("100.02", "1", "buy", 3),
                  ("99.97", "0.4", "sell", 4), ("99.00", "5", "sell", 5), ("100.01", "9", "buy", 6)))
    ladder = build_ladder(book(), D("0.01"), 1, 5, traded=tv)
    assert ladder.bids[0] == LadderRow(D("100.00"), D("1"), D("1"), D(0), D("0.2"), D("0.3"))
    assert ladder.asks[0] == LadderRow(D("100.02"), D("1.5"), D("1.5"), D(0), D("1"), D(0))
    # 99.97 traded and rests nothing now: a row of its own, inside the range shown
    assert [r.price for r in ladder.bids] == [D("100.00"), D("99.99"), D("99.97"), D("99.95"), D("99.90")]
    assert ladder.bids[2] == LadderRow(D("99.97"), D(0), D("3"), D(0), D(0), D("0.4"))
    assert all(r.price != D("99.00") for r in ladder.bids)  # beyond the rows: no row pushed in for it
    assert all(r.price != D("100.01") for r in (*ladder.bids, *ladder.asks))  # inside the spread: neither side
    assert ladder.max_traded == D("1")
    assert build_ladder(book(), D("0.01"), 1, 5).bids[0].traded == 0  # no source, nothing traded


def test_aggregation_sums_the_ticks_of_each_bucket_per_side() -> None:
    tv = TradedVolume()
    tv.add(trades(("100.00", "1", "buy", 1), ("100.05", "2", "sell", 2), ("100.09", "3", "buy", 3),
                  ("100.10", "4", "sell", 4), ("99.91", "5", "buy", 5), ("99.90", "6", "sell", 6),
                  ("100.21", "7", "buy", 7)))
    ten = build_ladder(book(), D("0.01"), 10, 3, traded=tv)
    by_price = {(side, r.price): (r.bought, r.sold) for side, rows in (("ask", ten.asks), ("bid", ten.bids))
                for r in rows}
    # bids round down: 99.9 holds [99.90, 100.00); the best bucket 100.0 holds [100.00, 100.10) but stops at the
    # mid (100.01): the trades above it are the ask side's
    assert by_price["bid", D("100.0")] == (D("1"), D(0))
    assert by_price["bid", D("99.9")] == (D("5"), D("6"))
    # asks round up: 100.1 holds (100.00, 100.10], from the mid up; 100.3 holds (100.20, 100.30]
    assert by_price["ask", D("100.1")] == (D("3"), D("6"))
    assert by_price["ask", D("100.3")] == (D("7"), D(0))
    everything = tv.totals()
    shown = [*ten.asks, *ten.bids]
    assert sum((r.bought for r in shown), D(0)) == everything.bought  # every trade once, none twice
    assert sum((r.sold for r in shown), D(0)) == everything.sold


def test_traded_numbers_share_their_decimals_and_stay_short() -> None:
    assert [volume_places(D(top), 6) for top in ("1.3", "0.378471", "12.5", "1234.5", "0.0123", "0")] == \
        [3, 4, 2, 0, 5, 6]
    assert volume_places(D("0.0123"), 4) == 4  # never more than the market's size has
    assert short_volume(D("0.378471"), 4) == "0.3785"
    assert short_volume(D("0.7"), 3) == "0.700"
    assert short_volume(D("1234.6"), 0) == "1,235"
    assert short_volume(D("0.0003"), 2) == "0.0003"  # would round to nothing: its own digits
    assert short_volume(D("0.005"), 2) == "0.01"
    assert short_volume(D("45678"), 4) == "45.7K"
    assert short_volume(D("456789"), 4) == "457K"
    assert short_volume(D("2345678"), 4) == "2.35M"
    assert short_volume(D(0), 4) == ""
    assert [window_label(ms) for ms in (300_000, 90_000, 7_200_000, 500)] == ["5m", "90s", "2h", "500ms"]


def cell_colors(view: Any, side: str, index: int) -> list[str]:
    """Colours along a row's Traded bar area, left to right, one per pixel (along the bar's top edge, above the
    number written over it)."""
    image = view.grab().toImage()
    rect = view.traded_bar_rect(side, index)
    y = rect.top()
    return [image.pixelColor(x, y).name() for x in range(rect.left(), rect.right() + 1)]


def test_the_traded_cell_shows_bought_then_sold_in_the_up_and_down_colours(qtbot: QtBot, services: Any,
                                                                           kit: Any) -> None:
    panel = make(qtbot, services, kit, height=320)
    panel.resize(340, 320)
    view = panel.view
    services.market_data.trades_added.emit(kit.BTC, trades(("99.99", "3", "buy", 1), ("99.99", "1", "sell", 2),
                                                           ("100.03", "1", "sell", 3)))
    assert panel.ladder().bids[1].bought == D("3")
    assert panel.ladder().bids[1].sold == D("1")
    cols = view.columns()
    assert cols.traded_text
    assert cols.bar >= 24
    c = view.colors
    row = cell_colors(view, "bid", 1)  # the busiest row: a full bar, three quarters bought
    split = round(cols.bar * 0.75)
    assert set(row[1:split - 1]) == {c.up}
    assert set(row[split + 1:-1]) == {c.down}
    ask = cell_colors(view, "ask", 1)  # a quarter of the busiest, all sold
    quarter = round(cols.bar * 0.25)
    assert set(ask[1:quarter - 1]) == {c.down}
    assert c.up not in ask
    assert c.down not in ask[quarter + 1:]
    assert {c.up, c.down}.isdisjoint(cell_colors(view, "bid", 0))  # nothing traded there
    assert view.tooltip_at(view.traded_bar_rect("bid", 1).center()) == \
        "99.99 · last 5m: bought 3.0000 · sold 1.0000 · delta +2.0000 BTC"
    header = view.tooltip_at(QPoint(view.columns().span(4)[0] + 5, 3))
    assert "last 5m of exchange time" in header
    assert "bought 3.0000 · sold 2.0000 · delta +1.0000" in header
    assert view.tooltip_at(QPoint(5, 3)) == ""  # the Mine header has none
    # narrower: the number takes the bar's track and the bar becomes a strip along the row's foot, so no digit is
    # drawn over a bar
    mine, price, size, total, text = view._natural
    panel.resize(panel.width() - view.width() + mine + price + size + total + text + 10, 320)
    qtbot.waitUntil(lambda: view.columns().bar == text + 10 - 8)
    assert view.columns().text_over_bar
    image = view.grab().toImage()
    bar = view.traded_bar_rect("bid", 1)
    middle = {image.pixelColor(x, bar.center().y()).name() for x in range(bar.left(), bar.right() + 1)}
    assert {c.up, c.down}.isdisjoint(middle)
    assert c.text in middle or any(QColor(m).lightness() > 150 for m in middle)  # the number, in the text colour
    row = view.row_rect("bid", 1)
    foot = [image.pixelColor(x, row.bottom() - 3).name() for x in range(bar.left(), bar.right() + 1)]
    assert foot[1] == c.up
    assert foot[-2] == c.down


def test_columns_keep_their_text_and_the_traded_column_narrows_first(qtbot: QtBot, services: Any, kit: Any) -> None:
    bids = [(f"{104159.25 - i * 0.01:.2f}", f"{12.3456 + i:.4f}") for i in range(20)]
    asks = [(f"{104159.26 + i * 0.01:.2f}", f"{0.0001 * (i + 1):.4f}") for i in range(20)]
    services.market_data.load_book(kit.BTC, bids, asks)
    services.market_data.active = kit.BTC
    panel = create_ladder(services, None)
    qtbot.addWidget(panel)
    panel.resize(340, 400)
    panel.show()
    qtbot.waitExposed(panel)
    services.market_data.trades_added.emit(kit.BTC, trades(("104159.25", "1234.5", "buy", 1)))
    view = panel.view
    view.ladder()
    metrics = QFontMetrics(number_font(view.font()))
    widest = [metrics.horizontalAdvance(t) for t in ("Mine", "104,159.26", "31.3456", "437.9120")]
    full = view.columns()
    assert view.width() >= 330
    assert full.traded_text
    for (_x, width), text in zip(full.cells[:4], widest, strict=False):
        assert width >= text + 6
    mine, price, size, total, text = view._natural
    fixed = mine + price + size + total
    beside = view._lay_out(fixed + text + 60)
    assert beside.traded_text
    assert beside.bar == 60 - 4  # the number keeps its own width beside the bar
    over = view._lay_out(fixed + text + 10)  # no room beside: over the bar's track
    assert over.traded_text
    assert over.bar == text + 10 - 8
    narrow = view._lay_out(fixed + text - 1)  # room for a bar, not for the number
    assert not narrow.traded_text
    assert narrow.bar > 0
    squeezed = view._lay_out(240)
    assert squeezed.span(4)[1] == 0  # no room: the column goes before the others lose any width
    assert sum(width for _x, width in squeezed.cells) == 240


def test_trades_repaint_expire_and_reset_on_a_symbol_change(qtbot: QtBot, services: Any, kit: Any) -> None:
    services.market_data.load_book(kit.BTC, BIDS, ASKS)
    services.market_data.active = kit.BTC
    panel = LadderPanel(services, traded_window_ms=1000)
    qtbot.addWidget(panel)
    panel.resize(300, 300)
    panel.show()
    qtbot.waitExposed(panel)
    view = panel.view
    md = services.market_data
    qtbot.waitUntil(lambda: view.paint_count > 0)
    view.ladder()
    md.trades_added.emit(kit.ETH, trades(("99.99", "1", "buy", 1)))  # another symbol's trades: nothing to do
    assert not view._dirty
    md.trades_added.emit(kit.BTC, trades(("99.99", "1", "buy", 10_000)))
    assert view._dirty
    before = view.paint_count
    qtbot.waitUntil(lambda: view.paint_count > before)
    assert panel.ladder().bids[1].bought == D("1")
    md.trades_added.emit(kit.BTC, trades(("100.00", "2", "sell", 10_999)))
    assert panel.ladder().bids[1].bought == D("1")
    md.trades_added.emit(kit.BTC, trades(("100.00", "2", "sell", 11_000)))  # one window after the first trade
    assert panel.ladder().bids[1].traded == 0
    assert panel.ladder().bids[0].sold == D("4")
    md.markets_loaded.emit(md.markets())  # the same symbol again: keeps what it counted
    assert panel.ladder().bids[0].sold == D("4")
    md.load_book(kit.BTC_PERP, [("60000.0", "1")], [("60000.1", "2")])
    md.set_active(kit.BTC_PERP)
    assert len(panel.traded) == 0
    assert panel.ladder().max_traded == 0
    md.trades_added.emit(kit.BTC, trades(("100.00", "2", "sell", 12_000)))  # late, for the old symbol
    assert len(panel.traded) == 0
    md.trades_added.emit(kit.BTC_PERP, trades(("60000.1", "0.5", "buy", 5)))  # older than the BTC trades: counts
    assert panel.ladder().asks[0].bought == D("0.5")


def test_screenshot_with_traded_volume(qtbot: QtBot, services: Any, kit: Any) -> None:
    bids = [(f"{65000 - i * 0.37:.2f}", f"{0.05 + (i * 7 % 11) / 10:.4f}") for i in range(60)]
    asks = [(f"{65000.5 + i * 0.41:.2f}", f"{0.08 + (i * 5 % 13) / 10:.4f}") for i in range(60)]
    services.market_data.load_book(kit.BTC, bids, asks)
    services.market_data.active = kit.BTC
    services.trading.set_open(kit.OrderView("a", kit.BTC, "buy", "limit", D(bids[3][0]), D("0.25")))
    panel = create_ladder(services, None)
    qtbot.addWidget(panel)
    rows = [(price, f"{(i * 13 % 7) / 10 + 0.05:.4f}", "buy" if i % 3 else "sell", i)
            for i, (price, _s) in enumerate((*bids[:14], *asks[:14]) * 2)]
    services.market_data.trades_added.emit(kit.BTC, trades(*rows))
    assert kit.shot(panel, "ladder-traded", (340, 520)).exists()
    panel.set_aggregation(100)
    assert kit.shot(panel, "ladder-traded-agg100", (340, 520)).exists()
    assert panel.ladder().max_traded > 0


# --- on the simulator -------------------------------------------------------------------------------------------------

@pytest.mark.asyncio
async def test_trades_on_the_simulator_reach_the_traded_column(qtbot: QtBot, live: Any, until: Any) -> None:
    async with live() as s:
        md = s.market_data
        panel = LadderPanel(s)
        qtbot.addWidget(panel)
        panel.resize(340, 520)
        panel.show()  # no waiting for exposure: a nested Qt loop would stall qasync
        seen: list[PublicTrade] = []
        md.trades_added.connect(lambda ref, batch: seen.extend(batch) if ref == BTC_SPOT else None)
        md.set_active(BTC_SPOT)

        def traded_rows() -> list[LadderRow]:
            ladder = panel.ladder()
            return [r for r in (*ladder.asks, *ladder.bids) if r.traded > 0]

        rows = await until(md.trades_added, traded_rows)
        assert panel.traded.totals().bought == sum((t.size for t in seen if t.side == "buy"), D(0))
        assert panel.traded.totals().sold == sum((t.size for t in seen if t.side == "sell"), D(0))
        for row in rows:  # every row holds exactly the trades at its price (aggregation 1)
            at = [t for t in seen if t.price == row.price]
            assert row.bought == sum((t.size for t in at if t.side == "buy"), D(0))
            assert row.sold == sum((t.size for t in at if t.side == "sell"), D(0))
        panel.view.grab()  # paints the column over real data
        assert panel.view.paint_count > 0


# --- a silent book --------------------------------------------------------------------------------------------------


def spread_band_colour(panel: LadderPanel) -> str:
    view = panel.view
    image = view.grab().toImage()
    y = view.row_rect("bid", 0).y() - view.row_height // 2  # the middle of the spread row
    return image.pixelColor(2, y).name()


def test_a_silent_book_says_stale_on_the_spread_row_until_the_next_update(qtbot: QtBot, services: Any,
                                                                         kit: Any) -> None:
    services.market_data.load_book(BTC_SPOT, BIDS, ASKS)
    panel = LadderPanel(services)
    qtbot.addWidget(panel)
    panel.resize(340, 400)
    panel.set_symbol(BTC_SPOT)
    warn = current_colors().warn
    assert panel.view.status_text() == ""
    assert spread_band_colour(panel) != warn
    book = services.market_data.book(BTC_SPOT)
    book.mark_silent(3.0)
    panel.view.invalidate()
    assert panel.view.status_text() == "stale — no update for 3 s"
    assert spread_band_colour(panel) == warn
    assert panel.ladder().best_bid == D("100.00")  # the old prices stay readable, faded
    assert kit.shot(panel, "ladder-stale", (340, 400)).exists()
    book.mark_silent(None)
    panel.view.invalidate()
    assert panel.view.status_text() == ""
    assert spread_band_colour(panel) != warn
    book.mark_stale("connection lost")
    book.mark_silent(4.0)
    assert panel.view.status_text() == "book out of sync — resyncing… (no update for 4 s)"


@pytest.mark.asyncio
async def test_a_stalled_stream_turns_the_ladder_stale_until_the_heartbeat_reconnects(
        qtbot: QtBot, live: Any, until: Any) -> None:
    # The heartbeat shortened (a ping 2.5 s after connecting, 1 s for the answer) so the reconnect comes in this test's
    # time, yet after the 2 s silence limit, as in production (20 s + 8 s).
    streamer = StreamerConfig(backoff_initial_s=0.05, backoff_max_s=0.2, ping_interval_s=2.5, pong_timeout_s=1.0)
    async with live(streamer=streamer) as s:
        md, sim = s.market_data, live.sim
        panel = LadderPanel(s)
        qtbot.addWidget(panel)
        panel.resize(340, 400)
        panel.show()  # no waiting for exposure: a nested Qt loop would stall qasync
        md.set_active(BTC_SPOT)
        book = await until(md.book_changed, lambda: (b := md.book(BTC_SPOT)) is not None and b.updates > 0 and b)
        assert panel.view.status_text() == ""
        public = sim.call(lambda: [c.id for c in sim.server.hub.conns.values() if not c.private])
        for conn_id in public:
            sim.faults.stall_ws(conn_id)  # the socket stays open; nothing arrives, not even a pong
        updates = book.updates
        await until(md.book_changed, lambda: panel.view.status_text().startswith("stale"))
        assert panel.view.status_text() == "stale — no update for 2 s"
        assert spread_band_colour(panel) == current_colors().warn
        assert s.session.ws.stats().reconnects == 0  # said before the connection was found dead
        await until(md.book_changed, lambda: panel.view.status_text() == "" and book.updates > updates)
        assert s.session.ws.stats().reconnects >= 1  # the heartbeat found it dead and reconnected
        assert (book.stale, book.silent_s) == (False, None)
        assert spread_band_colour(panel) != current_colors().warn
