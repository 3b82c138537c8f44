"""Two read-only panels beside Positions, both from ``services.position_tools``:

* **Closed positions** (Bitget's ``history-position``): every line's closed positions, newest first, with their
  realized PnL, fees, funding, net, opening and closing averages and times;
* **PnL by day**: the futures account bill (realized PnL, fees, funding, liquidations, interest on borrowing)
  summed per UTC day and margin coin, with its USDT value; the bill is kept in the journal, so earlier days stay
  after a restart.

Both re-read on start, after a reconnect, after fills and with their Refresh button; on an account without these
tools (a profile without a key) they say so. A unified account reads them through Bitget's V3 (bitget.v3.position_desk).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Protocol

from PySide6.QtCore import SignalInstance
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from terminal_app.config.settings import Settings
from terminal_app.core.accounts import ClosedPosition, Position
from terminal_app.core.enums import Side
from terminal_app.core.instruments import SymbolRef
from terminal_app.core.position_tools import Bill, DayPnl, ToolAnswer
from terminal_app.ui.docks import DockServices
from terminal_app.ui.docks.common import make_table
from terminal_app.ui.models.table import Column, StreamingTableModel, fixed, signed, text

MONEY_PLACES = 8


class PositionToolsApi(Protocol):
    """Position management (``services.position_tools.PositionTools``); optional: see :func:`tools_service`."""

    said: SignalInstance  # (str, str)
    margin_done: SignalInstance  # (Position, str)
    max_open_changed: SignalInstance  # (SymbolRef, Side, Decimal | None)
    closed_changed: SignalInstance  # ()
    bills_changed: SignalInstance  # ()

    @property
    def available(self) -> bool: ...
    @property
    def trades(self) -> bool: ...
    def closed(self) -> list[ClosedPosition]: ...
    def bills(self) -> list[Bill]: ...
    def pnl_by_day(self) -> list[DayPnl]: ...
    def usdt_price(self, coin: str) -> Decimal | None: ...
    def refresh(self) -> None: ...
    def reverse(self, position: Position) -> None: ...
    def break_even(self, position: Position) -> ToolAnswer: ...
    def margin_problem(self, position: Position, amount: Decimal) -> str: ...
    def set_margin(self, position: Position, amount: Decimal) -> str: ...
    def want_max_open(self, ref: SymbolRef, side: Side, price: Decimal | None, leverage: int | None) -> None: ...


def tools_service(services: DockServices) -> PositionToolsApi | None:
    """The profile's position tools when its services have them (``GuardedServices.tools``); a test's fakes
    without them get panels that say the tools are not available."""
    tools: PositionToolsApi | None = getattr(services, "tools", None)
    return tools


def _when(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000).strftime("%Y-%m-%d %H:%M:%S")


def closed_key(r: ClosedPosition) -> str:
    return f"{r.product.value}:{r.symbol}:{r.hold_side}:{r.pos_id or ''}:{r.c_time}:{r.u_time}"


def net_of(r: ClosedPosition) -> Decimal:
    """Bitget's ``netProfit`` when given, else PnL + fees + funding."""
    if r.net_profit is not None:
        return r.net_profit
    return r.pnl + r.open_fee + r.close_fee + (r.total_funding or Decimal(0))


class _Panel(QWidget):
    """A title line with a Refresh button over one table."""

    def __init__(self, services: DockServices, name: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.tools = tools_service(services)
        self.summary = QLabel(self)
        self.refresh_button = QPushButton("Refresh", self)
        self.refresh_button.clicked.connect(self._refresh)
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 4, 4, 0)
        bar.addWidget(self.summary, 1)
        bar.addWidget(self.refresh_button)
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.layout_.setSpacing(2)
        self.layout_.addLayout(bar)
        if self.tools is None or not self.tools.available:
            self.summary.setText("Not available on this account.")
            self.refresh_button.setEnabled(False)

    def _refresh(self) -> None:
        if self.tools is not None:
            self.tools.refresh()


class ClosedPositionsPanel(_Panel):
    """The Closed positions panel."""

    def __init__(self, services: DockServices, parent: QWidget | None = None) -> None:
        super().__init__(services, "ClosedPositionsPanel", parent)
        columns: list[Column[ClosedPosition]] = [
            Column("Symbol", lambda r: SymbolRef(r.symbol, r.product).display, text()),
            Column("Side", lambda r: r.hold_side.capitalize(), text(),
                   direction=lambda r: 1 if r.hold_side == "long" else -1),
            Column("Size", lambda r: r.close_size, fixed(lambda r: _places(r.close_size)), numeric=True),
            Column("Open avg", lambda r: r.open_price_avg, fixed(lambda r: _places(r.open_price_avg)), numeric=True),
            Column("Close avg", lambda r: r.close_price_avg, fixed(lambda r: _places(r.close_price_avg)),
                   numeric=True),
            Column("Realized PnL", lambda r: r.pnl, signed(MONEY_PLACES), numeric=True, direction=lambda r: r.pnl),
            Column("Fees", lambda r: r.open_fee + r.close_fee, signed(MONEY_PLACES), numeric=True),
            Column("Funding", lambda r: r.total_funding, signed(MONEY_PLACES), numeric=True),
            Column("Net", net_of, signed(MONEY_PLACES), numeric=True, direction=net_of),
            Column("Coin", lambda r: r.margin_coin, text()),
            Column("Opened", lambda r: _when(r.c_time), text()),
            Column("Closed", lambda r: _when(r.u_time), text()),
        ]
        self.model: StreamingTableModel[ClosedPosition] = StreamingTableModel(columns, key=closed_key)
        self.view = make_table(self.model, self, widths={"Symbol": 110, "Side": 56, "Opened": 130, "Closed": 130})
        self.view.setObjectName("ClosedPositionsView")
        self.layout_.addWidget(self.view, 1)
        if self.tools is not None:
            self.tools.closed_changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        if self.tools is None:
            return
        rows = self.tools.closed()
        self.model.replace_all(rows)
        self.model.flush()
        if self.tools.available:
            self.summary.setText(f"{len(rows)} closed" if rows else "No closed positions")


def _places(value: Decimal) -> int:
    """As many decimals as the exchange gave (at most 8): averages and sizes come with the market's precision."""
    exponent = value.normalize().as_tuple().exponent
    return min(max(-exponent, 0), 8) if isinstance(exponent, int) else 2


class DayRow:
    """One row of the PnL-by-day table: the day's sums and their USDT value (``None``: the price is not known)."""

    __slots__ = ("day", "usdt")

    def __init__(self, day: DayPnl, usdt: Decimal | None) -> None:
        self.day = day
        self.usdt = usdt


class PnlByDayPanel(_Panel):
    """The PnL-by-day panel (from the futures account bill)."""

    def __init__(self, services: DockServices, parent: QWidget | None = None) -> None:
        super().__init__(services, "PnlByDayPanel", parent)
        columns: list[Column[DayRow]] = [
            Column("Day (UTC)", lambda r: r.day.day.isoformat(), text()),
            Column("Coin", lambda r: r.day.coin, text()),
            Column("Realized", lambda r: r.day.realized, signed(MONEY_PLACES), numeric=True,
                   direction=lambda r: r.day.realized),
            Column("Fees", lambda r: r.day.fees, signed(MONEY_PLACES), numeric=True),
            Column("Funding", lambda r: r.day.funding, signed(MONEY_PLACES), numeric=True,
                   direction=lambda r: r.day.funding),
            Column("Liquidation", lambda r: r.day.liquidation, signed(MONEY_PLACES), numeric=True),
            Column("Interest", lambda r: r.day.interest, signed(MONEY_PLACES), numeric=True),
            Column("Net", lambda r: r.day.net, signed(MONEY_PLACES), numeric=True, direction=lambda r: r.day.net),
            Column("Net USDT", lambda r: r.usdt, signed(2), numeric=True, direction=lambda r: r.usdt),
            Column("Rows", lambda r: r.day.rows, text(), numeric=True),
        ]
        self.model: StreamingTableModel[DayRow] = StreamingTableModel(
            columns, key=lambda r: f"{r.day.day.isoformat()}:{r.day.coin}")
        self.view = make_table(self.model, self, widths={"Day (UTC)": 100, "Coin": 60})
        self.view.setObjectName("PnlByDayView")
        self.layout_.addWidget(self.view, 1)
        if self.tools is not None:
            self.tools.bills_changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        tools = self.tools
        if tools is None:
            return
        rows = [DayRow(day, day.usdt(tools.usdt_price(day.coin))) for day in tools.pnl_by_day()]
        self.model.replace_all(rows)
        self.model.flush()
        if tools.available:
            total = sum((r.usdt for r in rows if r.usdt is not None), Decimal(0))
            self.summary.setText(f"{len(tools.bills())} bill rows · net {total.quantize(Decimal('0.01')):f} USDT"
                                 if rows else "No bill rows yet")


def create_closed_positions(services: DockServices, parent: QWidget | None = None, *,
                            settings: Settings | None = None) -> ClosedPositionsPanel:
    return ClosedPositionsPanel(services, parent)


def create_pnl_by_day(services: DockServices, parent: QWidget | None = None, *,
                      settings: Settings | None = None) -> PnlByDayPanel:
    return PnlByDayPanel(services, parent)


__all__ = ["ClosedPositionsPanel", "PnlByDayPanel", "PositionToolsApi", "create_closed_positions",
                      "create_pnl_by_day", "tools_service"]
