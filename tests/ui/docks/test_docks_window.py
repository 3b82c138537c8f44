"""All trading panels declared for the main window: factories, areas, cross-panel links, a whole-window grab."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from terminal_app.config.settings import Settings
from terminal_app.core.accounts import SpotAsset
from terminal_app.core.market_data import PublicTrade
from terminal_app.ui.docks import trading_dock_specs
from terminal_app.ui.docks.balances import BalancesPanel
from terminal_app.ui.docks.closed_positions import ClosedPositionsPanel, PnlByDayPanel
from terminal_app.ui.docks.ladder import LadderPanel
from terminal_app.ui.docks.log import LogPanel
from terminal_app.ui.docks.orders import OrdersPanel
from terminal_app.ui.docks.positions import PositionsPanel
from terminal_app.ui.docks.tape import TapePanel
from terminal_app.ui.docks.ticket import TicketPanel
from terminal_app.ui.docks.watchlist import Watchlist
from terminal_app.ui.main_window import CENTRAL, DockSpec

D = Decimal
KINDS = {"watchlist": Watchlist, "ladder": LadderPanel, "tape": TapePanel, "ticket": TicketPanel,
         "orders": OrdersPanel, "positions": PositionsPanel, "balances": BalancesPanel, "log": LogPanel,
         "closed_positions": ClosedPositionsPanel, "pnl_by_day": PnlByDayPanel}


def feed(services: Any, kit: Any) -> None:
    md = services.market_data
    md.lasts[kit.BTC.key] = D("65000.5")
    md.active = kit.BTC
    bids = [(f"{65000 - i * 0.37:.2f}", f"{0.05 + (i * 7 % 11) / 10:.4f}") for i in range(60)]
    asks = [(f"{65000.5 + i * 0.41:.2f}", f"{0.08 + (i * 5 % 13) / 10:.4f}") for i in range(60)]
    md.load_book(kit.BTC, bids, asks)
    services.account.assets = [SpotAsset("USDT", D("9350.25"), D("650"), D("0"), None),
                               SpotAsset("BTC", D("0.1523"), D("0"), D("0"), None)]
    services.account.avail[(kit.BTC.key, "buy")] = D("9350.25")
    services.account.open_positions = [kit.position()]
    services.trading.open = {"a": kit.OrderView("a", kit.BTC, "buy", "limit", D(bids[4][0]), D("0.01"))}


def test_every_panel_is_declared_and_linked(qtbot: QtBot, services: Any, kit: Any, make_window: Any) -> None:
    feed(services, kit)
    specs = trading_dock_specs(services, Settings())
    assert [s.id for s in specs] == list(KINDS)
    window = make_window(specs)
    for dock_id, kind in KINDS.items():
        assert isinstance(window.panel(dock_id), kind)
    ladder = window.panel("ladder")
    ticket = window.panel("ticket")
    assert isinstance(ladder, LadderPanel)
    assert isinstance(ticket, TicketPanel)
    window.show()
    qtbot.waitExposed(window)
    view = ladder.view
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=view.row_rect("bid", 2).center())
    assert ticket.price.value() == ladder.ladder().bids[2].price
    watchlist = window.panel("watchlist")
    assert isinstance(watchlist, Watchlist)
    watchlist.select(kit.BTC_PERP)
    assert ticket.ref == kit.BTC_PERP
    assert ladder.ref == kit.BTC_PERP


def test_window_screenshot(qtbot: QtBot, services: Any, kit: Any, make_window: Any) -> None:
    feed(services, kit)
    chart = DockSpec("chart", "Chart", CENTRAL, lambda: QLabel("chart (H6)"))
    window = make_window((chart, *trading_dock_specs(services, Settings())))
    window.resize(1600, 900)
    window.show()
    qtbot.waitExposed(window)
    md = services.market_data
    for ref, last in ((kit.BTC, "65000.5"), (kit.ETH, "3000.25"), (kit.BTC_PERP, "65010.3")):
        md.ticker_changed.emit(kit.ticker(ref, last))
    md.trades_added.emit(kit.BTC, [PublicTrade(str(i), "BTCUSDT", "buy" if i % 3 else "sell",
                                               D("65000") + D(i % 7) / 10, D(i % 5 + 1) / 20, 1_700_000_000_000 + i)
                                   for i in range(40)])
    services.connection.state_changed.emit("connected")
    ticket = window.panel("ticket")
    assert isinstance(ticket, TicketPanel)
    ticket.set_size(D("0.01"))
    qtbot.wait(50)  # let the coalescing timers of the tables fire once before the grab
    assert kit.shot(window, "window").exists()
