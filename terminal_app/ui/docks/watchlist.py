"""Watchlist: spot and futures symbols with last price, 24 h change and volume; a moving price flashes its direction.

Type a symbol in the box (``BTCUSDT``, ``ETHUSDT PERP``, ``BTCUSDT:USDT-FUTURES`` or a V1 id such as
``BTCUSDT_UMCBL``; coin-M and USDC-M by any of their names: ``BTCUSD``, ``BTCUSD_DMCBL``, ``BTCPERP``,
``BTCPERP_CMCBL``) and press Enter to add it; Delete removes the selected row. Selecting a row makes it the active
symbol (``MarketDataService.set_active``), which relinks the chart, ladder, tape and ticket. The list is kept in the
``watchlist.symbols`` setting when settings are given.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal

from PySide6.QtCore import (
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QStringListModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import QCompleter, QLabel, QLineEdit, QVBoxLayout, QWidget

from terminal_app.config.settings import WATCHLIST, Settings
from terminal_app.core.instruments import MarketInfo, SymbolRef, UnknownSymbol
from terminal_app.core.market_data import Ticker
from terminal_app.services.symbols import parse_symbol, resolve_listed
from terminal_app.ui.docks import DockServices, active_ref, known_markets
from terminal_app.ui.docks.common import ThemeWatcher, make_table, message_label, show_message
from terminal_app.ui.format import MarketPlaces, fmt_fixed
from terminal_app.ui.models.table import Column, StreamingTableModel, compact, fixed, percent, text
from terminal_app.ui.theme import ThemeColors, current_colors

FLASH_MS = 600
MESSAGE_MS = 10_000  # how long a complaint about what was typed stays
MIN_ROWS = 5


@dataclass(frozen=True, slots=True)
class WatchRow:
    """One watched symbol. ``tick`` is the direction of the last price move; ``flash`` is non-zero while the move
    is being highlighted."""

    ref: SymbolRef
    last: Decimal | None = None
    change: Decimal | None = None
    volume: Decimal | None = None
    tick: int = 0
    flash: int = 0

    @property
    def key(self) -> str:
        return self.ref.key


def short_name(ref: SymbolRef) -> str:
    """The name the add box completes and accepts back: ``BTCUSDT`` for spot, ``BTCUSDT PERP`` for perpetuals (the
    display name every other panel writes; the box still accepts TradingView's ``BTCUSDT.P``), a delivery
    contract's own symbol (``BTCUSDH27``)."""
    return ref.symbol if not ref.is_futures or ref.is_delivery else ref.display


class Watchlist(QWidget):
    """The watchlist panel.

    Signals:
        active_symbol(SymbolRef): the user picked a symbol (also sent to ``MarketDataService.set_active``).
    """

    active_symbol = Signal(object)

    def __init__(self, services: DockServices, parent: QWidget | None = None, *,
                 settings: Settings | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("WatchlistPanel")
        self.services = services
        self.md = services.market_data
        self.settings = settings
        self.places = MarketPlaces(self.md.market)
        self._markets: dict[str, MarketInfo] = dict(known_markets(services))
        self._syncing = False
        self._flash_until: dict[str, float] = {}

        self.model: StreamingTableModel[WatchRow] = StreamingTableModel(self._columns(), key=lambda r: r.key)
        self.input = QLineEdit(self)
        self.input.setObjectName("WatchlistInput")
        self.input.setPlaceholderText("Add symbol: BTCUSDT, ETHUSDT PERP, BTCUSDT_UMCBL…")
        self.input.setClearButtonEnabled(True)
        self.input.returnPressed.connect(self._on_return)
        self.input.textEdited.connect(lambda _t: self._error(""))  # a new attempt: the old complaint is over
        self.completer = QCompleter(self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.input.setCompleter(self.completer)
        self.message: QLabel = message_label(self)
        self.view = make_table(self.model, self, stretch=0)
        self.view.setObjectName("WatchlistView")
        self.view.setToolTip("Select a symbol to load it everywhere; Delete removes it.")
        header = self.view.horizontalHeader()
        for column, width in (("Last", 76), ("24h", 58), ("Volume", 62)):
            header.resizeSection(self.model.column_of(column), width)

        remove = QAction("Remove symbol (Delete)", self.view)
        remove.triggered.connect(self.remove_selected)
        self.view.addAction(remove)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        # A key filter rather than a shortcut: Delete must work whenever the list has the focus, active window or not.
        self.view.installEventFilter(self)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addWidget(self.input)
        layout.addWidget(self.message)
        layout.addWidget(self.view, 1)
        # Never fewer than MIN_ROWS symbols on screen, whatever the panels below it want.
        rows = MIN_ROWS * self.view.verticalHeader().defaultSectionSize()
        header_height = self.view.horizontalHeader().sizeHint().height()
        self.view.setMinimumHeight(rows + header_height + 2 * self.view.frameWidth())

        self._flash_timer = QTimer(self)
        self._flash_timer.setObjectName("watchlist-flash")
        self._flash_timer.setInterval(100)
        self._flash_timer.timeout.connect(self._expire_flashes)
        self.theme = ThemeWatcher(self, self._apply_theme)

        self.view.selectionModel().currentRowChanged.connect(self._on_current_row)
        self.md.ticker_changed.connect(self._on_ticker)
        self.md.active_changed.connect(self._on_active_changed)
        self.md.markets_loaded.connect(self._on_markets_loaded)

        start = settings.get(WATCHLIST) if settings is not None else WATCHLIST.default
        self._latest: dict[str, WatchRow] = {}  # newest row per key, ahead of the model's coalesced flush
        self.model.replace_all(self._put(WatchRow(parse_symbol(k))) for k in start)
        self._refresh_completer()
        self._seed_prices()
        self._publish()
        active = active_ref(services)
        if active is not None:
            self._select(active)

    # --- columns ------------------------------------------------------------------------------------------------

    def _columns(self) -> list[Column[WatchRow]]:
        places = self.places
        return [
            Column("Symbol", lambda r: self._name(r.ref), text(), tooltip=self._tooltip),
            Column("Last", lambda r: r.last, fixed(lambda r: places.price(r.ref)), numeric=True,
                   direction=lambda r: r.tick, tint=lambda r: r.flash),
            Column("24h", lambda r: r.change, percent(2), numeric=True, direction=lambda r: r.change),
            Column("Volume", lambda r: r.volume, compact(1), numeric=True,
                   tooltip=lambda r: None if r.volume is None else f"24 h volume {fmt_fixed(r.volume, 2)} "
                   f"{(places.market(r.ref) or _NoMarket).quote_coin}"),
        ]

    # --- public API ---------------------------------------------------------------------------------------------

    def symbols(self) -> list[SymbolRef]:
        return [r.ref for r in self._latest.values()]

    def add_symbol(self, typed: str) -> SymbolRef | None:
        """Add what the user typed; on a bad or unlisted symbol show why and return None."""
        try:
            ref = resolve_listed(typed, self._markets)
        except UnknownSymbol as exc:
            self._error(exc.user_message)
            return None
        if self._markets and ref.key not in self._markets:
            self._error(f"Unknown symbol {typed.strip()!r}: Bitget lists no {ref.product.label} market {ref.symbol}.")
            return None
        self._error("")
        if ref.key not in self._latest:
            self.model.upsert(self._put(WatchRow(ref)))
            self.model.flush()
            self._seed_prices()
            self._publish()
        self._select(ref, user=True)
        return ref

    def remove_symbol(self, ref: SymbolRef) -> None:
        if self._latest.pop(ref.key, None) is None:
            return
        self.model.remove(ref.key)
        self.model.flush()
        self._flash_until.pop(ref.key, None)
        self._publish()

    def remove_selected(self) -> None:
        index = self.view.currentIndex()
        if index.isValid():
            self.remove_symbol(self.model.row_at(index.row()).ref)

    def select(self, ref: SymbolRef) -> None:
        """Make ``ref`` the active symbol, as a click on its row does."""
        self._select(ref, user=True)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.view and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and not event.modifiers():
                self.remove_selected()
                return True
        return super().eventFilter(watched, event)

    # --- reactions ----------------------------------------------------------------------------------------------

    def _on_return(self) -> None:
        if self.add_symbol(self.input.text()) is not None:
            self.input.clear()

    def _on_current_row(self, current: QModelIndex | QPersistentModelIndex, _previous: object) -> None:
        if self._syncing or not current.isValid():
            return
        ref = self.model.row_at(current.row()).ref
        self.active_symbol.emit(ref)
        self.md.set_active(ref)

    def _on_active_changed(self, ref: SymbolRef) -> None:
        self._select(ref)

    def _on_markets_loaded(self, markets: dict[str, MarketInfo]) -> None:
        self._markets = dict(markets)
        self.places.forget()
        self._refresh_completer()
        self._seed_prices()
        self._repaint_all()

    def _on_ticker(self, ticker: Ticker) -> None:
        key = ticker.ref.key
        row = self._latest.get(key)
        if row is None:
            return
        tick = row.tick
        flash = row.flash
        if row.last is not None and ticker.last != row.last:
            tick = 1 if ticker.last > row.last else -1
            flash = tick
            self._flash_until[key] = time.monotonic() + FLASH_MS / 1000
            if not self._flash_timer.isActive():
                self._flash_timer.start()
        volume = ticker.usdt_volume if ticker.usdt_volume is not None else ticker.quote_volume
        self.model.upsert(self._put(replace(row, last=ticker.last, change=ticker.change_24h, volume=volume, tick=tick,
                                            flash=flash)))

    def _expire_flashes(self) -> None:
        now = time.monotonic()
        for key in [k for k, until in self._flash_until.items() if until <= now]:
            del self._flash_until[key]
            row = self._latest.get(key)
            if row is not None and row.flash:
                self.model.upsert(self._put(replace(row, flash=0)))
        if not self._flash_until:
            self._flash_timer.stop()

    # --- helpers ------------------------------------------------------------------------------------------------

    def _select(self, ref: SymbolRef, *, user: bool = False) -> None:
        r = self.model.row_of(ref.key)
        if r is None:
            if user:
                self.md.set_active(ref)
            return
        self._syncing = not user
        try:
            index = self.model.index(r, 0)
            if self.view.currentIndex().row() == r:
                if user:
                    self.active_symbol.emit(ref)
                    self.md.set_active(ref)
                return
            self.view.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
            self.view.scrollTo(index)
        finally:
            self._syncing = False

    def _seed_prices(self) -> None:
        for row in list(self._latest.values()):
            if row.last is None:
                last = self.md.last_price(row.ref)
                if last is not None:
                    self.model.upsert(self._put(replace(row, last=last)))

    def _name(self, ref: SymbolRef) -> str:
        """The Symbol column: a delivery contract by its expiry (``BTCUSD 26 Mar 27``), never as a perpetual."""
        market = self._markets.get(ref.key)
        if ref.is_delivery or (market is not None and market.delivery_time is not None):
            return market.label if market is not None else ref.display
        return short_name(ref)

    def _tooltip(self, row: WatchRow) -> str:
        ref = row.ref
        market = self._markets.get(ref.key)
        if market is not None and market.delivery_time is not None:
            when = datetime.fromtimestamp(market.delivery_time / 1000, UTC).strftime("%d %b %Y %H:%M UTC")
            return f"{ref.symbol} · {ref.product.label} · delivers {when}"
        return f"{ref.symbol} · {ref.product.label}"

    def _put(self, row: WatchRow) -> WatchRow:
        self._latest[row.key] = row
        return row

    def _publish(self) -> None:
        refs = self.symbols()
        self.md.set_watchlist(refs)
        if self.settings is not None:
            self.settings.set(WATCHLIST, tuple(r.key for r in refs))

    def _refresh_completer(self) -> None:
        names = sorted(short_name(info.ref) for info in self._markets.values())
        self.completer.setModel(QStringListModel(names, self.completer))

    def _repaint_all(self) -> None:
        if self.model.rowCount():
            self.model.dataChanged.emit(self.model.index(0, 0),
                                        self.model.index(self.model.rowCount() - 1, self.model.columnCount() - 1))

    def _error(self, message: str) -> None:
        show_message(self.message, message, current_colors().alert, clear_after_ms=MESSAGE_MS)

    def _apply_theme(self, colors: ThemeColors) -> None:
        if self.message.text():
            self.message.setStyleSheet(f"color: {colors.alert};")
        self._repaint_all()


class _NoMarket:
    quote_coin = ""


def create_watchlist(services: DockServices, parent: QWidget | None = None, *,
                     settings: Settings | None = None) -> Watchlist:
    return Watchlist(services, parent, settings=settings)
