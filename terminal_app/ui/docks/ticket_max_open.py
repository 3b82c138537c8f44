"""The ticket's "Max open" line: the largest size the account can open on the ticket's futures symbol at its leverage
and price (Bitget's ``open-count`` estimate, asked through ``services.position_tools``), refreshed when the symbol,
side, price or leverage changes. The question is debounced and answered in a task, so typing never waits for it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtWidgets import QLabel, QWidget

from terminal_app.core.enums import OrderType, Side
from terminal_app.core.instruments import SymbolRef
from terminal_app.core.orders import OrderTicket
from terminal_app.ui.docks.closed_positions import PositionToolsApi
from terminal_app.ui.format import fmt_fixed


class MaxOpenLabel(QLabel):
    """Shown for futures tickets on an account with the position tools; ``ticket`` is the ``TicketPanel``."""

    def __init__(self, ticket: Any, tools: PositionToolsApi | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("TicketMaxOpen")
        self.ticket = ticket
        self.tools = tools
        self.max_size: Decimal | None = None
        self._asked: tuple[SymbolRef, Side, int | None] | None = None
        self.hide()
        if tools is not None:
            tools.max_open_changed.connect(self._answered)

    def update_for(self, ticket: OrderTicket | None) -> None:
        """The ticket changed (called from its revalidation)."""
        tools = self.tools
        if tools is None or not tools.available or ticket is None or not ticket.ref.is_futures:
            self.hide()
            return
        price = ticket.price if ticket.order_type == OrderType.LIMIT else None
        leverage: int | None = self.ticket.leverage
        asked = (ticket.ref, Side(ticket.side), leverage)
        self.show()
        if leverage is None:  # Bitget's estimate at 1x would be a twentieth of what 20x opens
            self._asked = asked
            self.max_size = None
            self.setText("Max open: leverage not known yet")
            return
        if asked != self._asked:
            self._asked = asked
            self.max_size = None
            self.setText("Max open …")
        tools.want_max_open(ticket.ref, Side(ticket.side), price, leverage)

    def _answered(self, ref: SymbolRef, side: Side, size: Decimal | None) -> None:
        if self._asked is None or (ref, side) != self._asked[:2] or self._asked[2] is None:
            return  # an answer for what the ticket showed before (or asked before the leverage went unknown)
        self.max_size = size
        market = self.ticket.market
        if size is None or market is None:
            self.setText("Max open: not known")
            return
        leverage = self._asked[2]
        at = f" at {leverage}x" if leverage else ""
        self.setText(f"Max open {fmt_fixed(size, market.size_places)} {market.base_coin}{at}")
