"""The trading panels: watchlist, order-book ladder, trade tape, order ticket, orders, positions, balances, log.

Each module exposes ``create_<dock>(services, parent) -> QWidget``; :func:`trading_dock_specs` declares them all for
``MainWindow`` (id, title, default area). A panel talks only to the services: it calls their methods and listens to
their signals, so the same widget runs over the real services and over test fakes with the same signals and methods.
The Protocols below list exactly what the panels use, and mypy holds both sides to them: a panel that reaches for
something not listed, or a services set that lacks something listed, is a type error, not a missing reading at run
time.

Panels that must talk to each other without a service in between (a ladder click sets the ticket's price) go
through :func:`links_for`, one :class:`DockLinks` per services set.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Protocol

from PySide6.QtCore import QObject, Qt, Signal, SignalInstance
from PySide6.QtWidgets import QWidget

from terminal_app.config.actions import Context
from terminal_app.config.settings import Settings
from terminal_app.core.accounts import FuturesAccount, Position, SpotAsset, UnifiedAccount
from terminal_app.core.algo import AlgoIntent, AlgoOrder, TriggerSource
from terminal_app.core.enums import MarginMode, PositionMode, Side
from terminal_app.core.instruments import MarketInfo, Product, SymbolRef
from terminal_app.core.orderbook import OrderBook
from terminal_app.core.orders import Fill, OrderTicket, OrderView
from terminal_app.core.scale import ScalePlan
from terminal_app.core.submission import Submission
from terminal_app.ui.main_window import DockSpec


class MarketDataApi(Protocol):
    markets_loaded: SignalInstance  # (dict[str, MarketInfo])
    active_changed: SignalInstance  # (SymbolRef)
    ticker_changed: SignalInstance  # (Ticker)
    book_changed: SignalInstance  # (SymbolRef)
    trades_added: SignalInstance  # (SymbolRef, list[PublicTrade])

    @property
    def active(self) -> SymbolRef | None: ...
    def markets(self) -> Mapping[str, MarketInfo]: ...
    def set_active(self, ref: SymbolRef) -> None: ...
    def set_watchlist(self, refs: list[SymbolRef]) -> None: ...
    def market(self, ref: SymbolRef) -> MarketInfo | None: ...
    def book(self, ref: SymbolRef) -> OrderBook | None: ...
    def last_price(self, ref: SymbolRef) -> Decimal | None: ...


class TradingApi(Protocol):
    orders_changed: SignalInstance  # ()
    order_updated: SignalInstance  # (OrderView)
    history_changed: SignalInstance  # ()
    fill_received: SignalInstance  # (Fill)
    order_rejected: SignalInstance  # (OrderView, str)

    def submit(self, ticket: OrderTicket) -> Submission: ...
    def submit_algo(self, intent: AlgoIntent, *, confirmed: bool = False) -> Submission: ...
    def submit_scaled(self, plan: ScalePlan, template: OrderTicket, *, confirmed: bool = False) -> Submission: ...
    def cancel(self, view_or_client_oid: OrderView | str) -> None: ...
    def cancel_all(self, ref: SymbolRef | None) -> None: ...
    def modify(self, client_oid: str, new_price: Decimal | None, new_size: Decimal | None) -> str | None: ...
    def close_position(self, position: Position, price: Decimal | None = None) -> str | None: ...
    def flash_close_all(self) -> None: ...
    def open_orders(self, ref: SymbolRef | None = None) -> list[OrderView]: ...
    def order_history(self) -> list[OrderView]: ...
    def fills(self) -> list[Fill]: ...


class AccountApi(Protocol):
    balances_changed: SignalInstance  # ()
    positions_changed: SignalInstance  # ()
    futures_account_changed: SignalInstance  # ()
    leverage_changed: SignalInstance  # (SymbolRef, int)
    margin_mode_changed: SignalInstance  # (SymbolRef, MarginMode)
    position_mode_changed: SignalInstance  # (PositionMode)
    line_position_mode_changed: SignalInstance  # (Product, PositionMode)
    error: SignalInstance  # (str)

    @property
    def unified(self) -> bool: ...
    def spot_assets(self) -> list[SpotAsset]: ...
    def unified_account(self) -> UnifiedAccount | None: ...
    def futures_account(self) -> FuturesAccount | None: ...
    def futures_accounts(self) -> list[tuple[Product, FuturesAccount]]: ...
    def margin_account(self, ref: SymbolRef) -> FuturesAccount | None: ...
    def positions(self) -> list[Position]: ...
    def position_mode(self, product: Product = ...) -> PositionMode | None: ...
    def leverage(self, ref: SymbolRef) -> int | None: ...
    def margin_mode(self, ref: SymbolRef) -> MarginMode | None: ...
    def set_leverage(self, ref: SymbolRef, leverage: int) -> None: ...
    def set_margin_mode(self, ref: SymbolRef, mode: MarginMode) -> None: ...
    def set_position_mode(self, mode: PositionMode, product: Product = ...) -> None: ...
    def available(self, ref: SymbolRef, side: Side, price: Decimal | None = None) -> Decimal: ...


class ConnectionApi(Protocol):
    health_changed: SignalInstance  # (HealthSnapshot)
    state_changed: SignalInstance  # (str)
    reconciled: SignalInstance  # ()


class AlgoOrdersApi(Protocol):
    """Stops, trailing stops and TP/SL (``services.algo_orders``); optional: see :func:`algo_service`."""

    changed: SignalInstance  # ()
    order_updated: SignalInstance  # (AlgoOrder)
    rejected: SignalInstance  # (AlgoOrder, str)
    triggered: SignalInstance  # (AlgoOrder)

    def orders(self, ref: SymbolRef | None = None) -> list[AlgoOrder]: ...
    def history(self) -> list[AlgoOrder]: ...
    def get(self, client_oid: str) -> AlgoOrder | None: ...
    def reference_price(self, ref: SymbolRef, source: TriggerSource) -> Decimal | None: ...
    def problem(self, intent: AlgoIntent) -> str | None: ...
    def unsupported(self, intent: AlgoIntent) -> str | None: ...
    def place(self, intent: AlgoIntent) -> str: ...
    def modify(self, client_oid: str, trigger_price: Decimal, *, execute_price: Decimal | None = None,
               size: Decimal | None = None, callback_ratio: Decimal | None = None) -> bool: ...
    def cancel(self, client_oid: str) -> None: ...
    def cancel_all(self, ref: SymbolRef | None = None) -> list[AlgoOrder]: ...


class DockServices(Protocol):
    """What every ``create_<dock>`` receives: the four services of one profile (read-only, so a dataclass of
    fakes and ``GuardedServices``' properties both fit)."""

    @property
    def market_data(self) -> MarketDataApi: ...
    @property
    def trading(self) -> TradingApi: ...
    @property
    def account(self) -> AccountApi: ...
    @property
    def connection(self) -> ConnectionApi: ...


def algo_service(services: DockServices) -> AlgoOrdersApi | None:
    """The algo orders service when the profile's services have one (``GuardedServices.algo``). It is not part of
    the four-service contract, so a panel built on services without it (a test's fakes) simply offers no algo
    orders."""
    algo: AlgoOrdersApi | None = getattr(services, "algo", None)
    return algo


# --- reading state the contract exposes only through signals --------------------------------------------------------

def active_ref(services: DockServices) -> SymbolRef | None:
    """The active symbol now, for a panel created after ``active_changed`` was emitted."""
    return services.market_data.active


def known_markets(services: DockServices) -> Mapping[str, MarketInfo]:
    """Markets loaded so far (keyed by ``SymbolRef.key``), for a panel created after ``markets_loaded``."""
    return services.market_data.markets()


# --- links between panels --------------------------------------------------------------------------------------------

class DockLinks(QObject):
    """Signals between panels of one services set.

    Signals:
        price_picked(Decimal): a price was clicked (ladder, tape, position) and should go into the ticket.
        size_picked(Decimal): a size was clicked (ladder size column) and should go into the ticket.
    """

    price_picked = Signal(object)
    size_picked = Signal(object)


_LINKS: weakref.WeakKeyDictionary[MarketDataApi, DockLinks] = weakref.WeakKeyDictionary()


def links_for(services: DockServices) -> DockLinks:
    """The one :class:`DockLinks` of this services set (kept as long as its market-data service lives)."""
    anchor = services.market_data
    links = _LINKS.get(anchor)
    if links is None:
        links = DockLinks()
        _LINKS[anchor] = links
    return links


# --- declarations for MainWindow -------------------------------------------------------------------------------------

Factory = Callable[..., QWidget]


def _factories() -> dict[str, Factory]:
    # Imported here: each dock module imports this package for the Protocols.
    from terminal_app.ui.docks.balances import create_balances
    from terminal_app.ui.docks.closed_positions import create_closed_positions, create_pnl_by_day
    from terminal_app.ui.docks.ladder import create_ladder
    from terminal_app.ui.docks.log import create_log
    from terminal_app.ui.docks.orders import create_orders
    from terminal_app.ui.docks.positions import create_positions
    from terminal_app.ui.docks.tape import create_tape
    from terminal_app.ui.docks.ticket import create_ticket
    from terminal_app.ui.docks.watchlist import create_watchlist

    return {
        "watchlist": create_watchlist, "ladder": create_ladder, "tape": create_tape, "ticket": create_ticket,
        "orders": create_orders, "positions": create_positions, "balances": create_balances, "log": create_log,
        "closed_positions": create_closed_positions, "pnl_by_day": create_pnl_by_day,
    }


# id, title, area, tab_with, preferred size (width of a side panel, height of a bottom one), preferred length along
# the column (shares of a side column), ACTIONS contexts live inside the panel
_LAYOUT: Sequence[tuple[str, str, Qt.DockWidgetArea, str | None, int | None, int | None, tuple[Context, ...]]] = (
    ("watchlist", "Watchlist", Qt.DockWidgetArea.LeftDockWidgetArea, None, 300, 230, ()),
    ("ladder", "Order book", Qt.DockWidgetArea.RightDockWidgetArea, None, 340, 430, (Context.BOOK,)),
    ("tape", "Trades", Qt.DockWidgetArea.RightDockWidgetArea, None, 340, 270, ()),
    ("ticket", "Order entry", Qt.DockWidgetArea.LeftDockWidgetArea, None, 300, 470, (Context.TICKET,)),
    ("orders", "Orders", Qt.DockWidgetArea.BottomDockWidgetArea, None, 220, None, ()),
    ("positions", "Positions", Qt.DockWidgetArea.BottomDockWidgetArea, "orders", None, None, ()),
    ("balances", "Balances", Qt.DockWidgetArea.BottomDockWidgetArea, "orders", None, None, ()),
    ("log", "Log", Qt.DockWidgetArea.BottomDockWidgetArea, "orders", None, None, ()),
    ("closed_positions", "Closed positions", Qt.DockWidgetArea.BottomDockWidgetArea, "orders", None, None, ()),
    ("pnl_by_day", "PnL by day", Qt.DockWidgetArea.BottomDockWidgetArea, "orders", None, None, ()),
)


def trading_dock_specs(services: DockServices, settings: Settings | None = None) -> tuple[DockSpec, ...]:
    """``DockSpec``s for every trading panel, ready for ``MainWindow(…, docks=…)`` or ``add_dock``."""
    factories = _factories()
    specs = []
    for dock_id, title, area, tab_with, size, length, contexts in _LAYOUT:
        make = factories[dock_id]

        def factory(make: Factory = make) -> QWidget:
            return make(services, None, settings=settings)

        # The ticket grows with its options (futures, TP/SL): it scrolls instead of squeezing the watchlist above
        # it to nothing.
        specs.append(DockSpec(dock_id, title, area, factory, contexts=contexts, tab_with=tab_with, size=size,
                              length=length, scroll=dock_id == "ticket"))
    return tuple(specs)
