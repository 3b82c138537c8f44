"""Watchlist: add by typing (V1 names too), clear errors, remove with Delete, selection drives the active symbol."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtGui import QColor
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from terminal_app.config.settings import WATCHLIST, Settings
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.ui.docks.watchlist import MESSAGE_MS, Watchlist, create_watchlist
from terminal_app.ui.theme import current_colors


def make(qtbot: QtBot, services: Any, keys: tuple[str, ...] = ("BTCUSDT:spot",)) -> tuple[Watchlist, Settings]:
    settings = Settings()
    settings.set(WATCHLIST, keys)
    w = create_watchlist(services, None, settings=settings)
    qtbot.addWidget(w)
    return w, settings


def test_starts_from_the_setting_and_publishes_the_list(qtbot: QtBot, services: Any, kit: Any) -> None:
    w, _ = make(qtbot, services, ("BTCUSDT:spot", "BTCUSDT:usdt_futures"))
    assert w.symbols() == [kit.BTC, kit.BTC_PERP]
    assert services.market_data.watchlist == [kit.BTC, kit.BTC_PERP]
    # a perpetual by the name every other panel gives it (the Symbol column of the orders and positions panels)
    assert [w.model.text(r, "Symbol") for r in range(2)] == ["BTCUSDT", kit.BTC_PERP.display] == ["BTCUSDT",
                                                                                                  "BTCUSDT PERP"]
    assert "BTCUSDT PERP" in w.completer.model().stringList()
    assert "BTCUSDT.P" not in w.completer.model().stringList()


def test_add_by_typing_accepts_v1_names(qtbot: QtBot, services: Any, kit: Any) -> None:
    w, settings = make(qtbot, services)
    w.input.setText("btcusdt_umcbl")  # typed keys would pop the completer up, which offscreen Qt warns about
    qtbot.keyClick(w.input, Qt.Key.Key_Return)
    assert w.symbols() == [kit.BTC, kit.BTC_PERP]
    assert w.input.text() == ""
    assert settings.get(WATCHLIST) == ("BTCUSDT:spot", "BTCUSDT:usdt_futures")
    assert services.market_data.watchlist == [kit.BTC, kit.BTC_PERP]
    # the added symbol becomes the active one
    assert services.market_data.active == kit.BTC_PERP
    assert w.add_symbol("ETHUSDT_SPBL") == kit.ETH
    assert w.symbols()[-1] == kit.ETH
    w.remove_symbol(kit.BTC_PERP)
    assert w.add_symbol("btcusdt.p") == kit.BTC_PERP  # the name the list shows can be typed back


def test_unknown_symbols_get_a_clear_error_and_are_not_added(qtbot: QtBot, services: Any) -> None:
    w, _ = make(qtbot, services)
    assert w.add_symbol("ETHUSDT_UMCBL") is None
    assert w.message.text() == "Unknown symbol 'ETHUSDT_UMCBL': Bitget lists no USDT-M futures market ETHUSDT."
    assert not w.message.isHidden()
    assert w.add_symbol("BTCUSDT_XYZ") is None
    assert w.message.text() == "Unknown symbol 'BTCUSDT_XYZ': 'XYZ' is not a Bitget V1 suffix."
    qtbot.keyClicks(w.input, "NOPEUSDT")
    qtbot.keyClick(w.input, Qt.Key.Key_Return)
    assert w.message.text() == "Unknown symbol 'NOPEUSDT': Bitget lists no spot market NOPEUSDT."
    assert w.input.text() == "NOPEUSDT"  # kept so the user can fix the typo
    assert len(w.symbols()) == 1
    w.add_symbol("ETHUSDT")
    assert w.message.isHidden()


def test_adding_a_listed_symbol_twice_selects_it(qtbot: QtBot, services: Any, kit: Any) -> None:
    w, _ = make(qtbot, services, ("BTCUSDT:spot", "ETHUSDT:spot"))
    assert w.add_symbol("BTCUSDT_SPBL") == kit.BTC
    assert w.symbols() == [kit.BTC, kit.ETH]
    assert services.market_data.active == kit.BTC


def test_delete_removes_the_selected_row(qtbot: QtBot, services: Any, kit: Any) -> None:
    w, settings = make(qtbot, services, ("BTCUSDT:spot", "ETHUSDT:spot", "BTCUSDT:usdt_futures"))
    w.view.setCurrentIndex(w.model.index(1, 0))
    qtbot.keyClick(w.view, Qt.Key.Key_Delete)
    assert w.symbols() == [kit.BTC, kit.BTC_PERP]
    assert settings.get(WATCHLIST) == ("BTCUSDT:spot", "BTCUSDT:usdt_futures")
    assert services.market_data.watchlist == [kit.BTC, kit.BTC_PERP]


def test_selecting_a_row_sets_the_active_symbol(qtbot: QtBot, services: Any, kit: Any) -> None:
    w, _ = make(qtbot, services, ("BTCUSDT:spot", "ETHUSDT:spot"))
    with qtbot.waitSignal(w.active_symbol) as blocker:
        where = w.view.visualRect(w.model.index(1, 1)).center()
        qtbot.mouseClick(w.view.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert blocker.args == [kit.ETH]
    assert services.market_data.active == kit.ETH
    assert ("set_active", kit.ETH) in services.market_data.calls


def test_active_symbol_from_elsewhere_selects_the_row_without_echo(qtbot: QtBot, services: Any, kit: Any) -> None:
    w, _ = make(qtbot, services, ("BTCUSDT:spot", "ETHUSDT:spot"))
    emitted: list[SymbolRef] = []
    w.active_symbol.connect(emitted.append)
    services.market_data.active_changed.emit(kit.ETH)
    assert w.view.currentIndex().row() == 1
    assert emitted == []
    assert ("set_active", kit.ETH) not in services.market_data.calls


def test_tickers_fill_the_row_with_market_decimals_and_flash(qtbot: QtBot, services: Any, kit: Any) -> None:
    w, _ = make(qtbot, services, ("BTCUSDT:spot", "BTCUSDT:usdt_futures"))
    md = services.market_data
    md.ticker_changed.emit(kit.ticker(kit.BTC, "65000.5", change="-0.0123", volume="123456789"))
    md.ticker_changed.emit(kit.ticker(kit.BTC_PERP, "65001.25"))
    w.model.flush()
    assert w.model.text(0, "Last") == "65,000.50"
    assert w.model.text(0, "24h") == "-1.23 %"
    assert w.model.text(0, "Volume") == "123.5M"
    assert w.model.text(1, "Last") == "65,001.2"  # futures tick 0.1: one decimal, half-even as the table rounds
    last_col = w.model.column_of("Last")
    assert w.model.data(w.model.index(0, last_col), Qt.ItemDataRole.BackgroundRole) is None  # first price: no move
    md.ticker_changed.emit(kit.ticker(kit.BTC, "65010"))
    w.model.flush()
    colors = current_colors()
    assert w.model.data(w.model.index(0, last_col), Qt.ItemDataRole.BackgroundRole) == QColor(colors.up_soft)
    assert w.model.data(w.model.index(0, last_col), Qt.ItemDataRole.ForegroundRole) == QColor(colors.up)
    md.ticker_changed.emit(kit.ticker(kit.BTC, "64990"))
    w.model.flush()
    assert w.model.data(w.model.index(0, last_col), Qt.ItemDataRole.BackgroundRole) == QColor(colors.down_soft)
    # the flash fades, the direction colour of the last move stays
    qtbot.waitUntil(lambda: w.model.row_at(0).flash == 0, timeout=2000)
    w.model.flush()
    assert w.model.data(w.model.index(0, last_col), Qt.ItemDataRole.BackgroundRole) is None
    assert w.model.data(w.model.index(0, last_col), Qt.ItemDataRole.ForegroundRole) == QColor(colors.down)


def test_tickers_of_unwatched_symbols_are_ignored(qtbot: QtBot, services: Any, kit: Any) -> None:
    w, _ = make(qtbot, services)
    services.market_data.ticker_changed.emit(kit.ticker(kit.ETH, "3000"))
    w.model.flush()
    assert w.model.rowCount() == 1


def test_markets_loaded_later_enable_the_unknown_check(qtbot: QtBot, services: Any, kit: Any) -> None:
    services.market_data._markets = {}
    w, _ = make(qtbot, services)
    assert w.add_symbol("SOLUSDT") == SymbolRef("SOLUSDT", Product.SPOT)  # nothing to check against yet
    services.market_data.markets_loaded.emit(dict(kit.MARKETS))
    assert w.add_symbol("XRPUSDT") is None
    assert w.completer.model().rowCount() == 3


def test_model_contract(qtbot: QtBot, services: Any, kit: Any, qtmodeltester: ModelTester) -> None:
    w, _ = make(qtbot, services, ("BTCUSDT:spot", "ETHUSDT:spot"))
    services.market_data.ticker_changed.emit(kit.ticker(kit.BTC, "65000"))
    w.model.flush()
    qtmodeltester.check(w.model, force_py=True)
    assert w.model.rowCount(QModelIndex()) == 2


def test_screenshot(qtbot: QtBot, services: Any, kit: Any) -> None:
    w, _ = make(qtbot, services, ("BTCUSDT:spot", "ETHUSDT:spot", "BTCUSDT:usdt_futures"))
    md = services.market_data
    md.ticker_changed.emit(kit.ticker(kit.BTC, "65000.5", change="0.0123"))
    md.ticker_changed.emit(kit.ticker(kit.ETH, "3000.25", change="-0.021", volume="98765432"))
    md.ticker_changed.emit(kit.ticker(kit.BTC_PERP, "65010.3", change="0.0131", volume="9876543210"))
    md.ticker_changed.emit(kit.ticker(kit.BTC, "65001.5", change="0.0124"))
    w.model.flush()
    w.add_symbol("FOOUSDT")
    assert kit.shot(w, "watchlist", (320, 260)).exists()


def test_an_old_complaint_does_not_stay_on_screen(qtbot: QtBot, services: Any) -> None:
    w, _ = make(qtbot, services)
    qtbot.keyClicks(w.input, "NOPEUSDT")
    qtbot.keyClick(w.input, Qt.Key.Key_Return)
    assert not w.message.isHidden()
    qtbot.keyClick(w.input, Qt.Key.Key_Backspace)  # the user fixes the typo: the complaint about it goes
    assert w.message.isHidden()
    qtbot.keyClick(w.input, Qt.Key.Key_Return)
    assert not w.message.isHidden()
    timer = w.message.findChild(QTimer, "message-expiry")
    assert timer is not None
    assert timer.isActive()
    assert timer.interval() == MESSAGE_MS
    timer.timeout.emit()  # later, untouched: gone by itself
    assert w.message.isHidden()
