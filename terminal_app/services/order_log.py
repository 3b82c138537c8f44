"""Says in the log what happens to orders: fills, rejections (Bitget's code and a plain reason) and cancels.

The trading service reports these as signals (``fill_received``, ``order_rejected``, ``order_updated``);
:class:`OrderLog` turns each into one log record under ``terminal_app.services.trading`` — so the Log panel, the log
file and a support request tell the same story, and no widget has to write log lines itself. A cancel reported by both
the REST reply and the private stream is logged once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from terminal_app.core.enums import ExchangeClose, OrderStatus
from terminal_app.core.instruments import MarketInfo, SymbolRef
from terminal_app.core.orders import Fill, OrderView

log = logging.getLogger("terminal_app.services.trading")

FALLBACK_PRICE_PLACES = 2


def price_text(price: Decimal, places: int) -> str:
    """``places`` decimals with thousands separators (65000.5 → "65,000.50"), as the panels show prices."""
    q = price.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP) if places >= 0 else price
    return f"{q:,.{max(places, 0)}f}"


class OrderLog:
    """Logs the order events of one trading service (see the module docstring). ``market`` looks up a symbol's
    market rules (its price decimals); :meth:`close` stops listening."""

    def __init__(self, trading: Any, market: Callable[[SymbolRef], MarketInfo | None]) -> None:
        self._trading = trading
        self._market = market
        self._cancels_logged: set[str] = set()
        self._closed = False
        trading.fill_received.connect(self._on_fill)
        trading.order_rejected.connect(self._on_rejected)
        trading.order_updated.connect(self._on_order_updated)

    def close(self) -> None:
        if self._closed:  # a second disconnect only makes PySide warn "Failed to disconnect"
            return
        self._closed = True
        for signal, slot in ((self._trading.fill_received, self._on_fill),
                             (self._trading.order_rejected, self._on_rejected),
                             (self._trading.order_updated, self._on_order_updated)):
            try:
                signal.disconnect(slot)
            except (RuntimeError, TypeError):  # already gone with the service
                pass

    def describe(self, side: str, size: Decimal | None, ref: SymbolRef, price: Decimal | None) -> str:
        """``buy 0.01 BTCUSDT @ 65,000.50`` (``at market`` without a price)."""
        size_text = f"{size.normalize():f}" if size is not None else "?"
        if price is None:
            return f"{side} {size_text} {ref.display} at market"
        info = self._market(ref)
        places = info.price_places if info is not None else FALLBACK_PRICE_PLACES
        return f"{side} {size_text} {ref.display} @ {price_text(price, places)}"

    def _on_fill(self, fill: Fill) -> None:
        ref = SymbolRef(fill.symbol, fill.product)
        fee = f", fee {fill.fee.copy_abs().normalize():f} {fill.fee_coin}" if fill.fee and fill.fee_coin else ""
        pnl = f", PnL {fill.profit.normalize():f}" if fill.profit else ""
        if fill.exchange_close is ExchangeClose.DELIVERY:
            info = self._market(ref)
            places = info.price_places if info is not None else FALLBACK_PRICE_PLACES
            name = info.label if info is not None else ref.display
            log.info("%s delivered at %s: the position closed (%s %s)%s%s", name,
                     price_text(fill.price, places), fill.side, f"{fill.size.normalize():f}", fee, pnl)
            return
        log.info("Filled %s%s%s", self.describe(fill.side, fill.size, ref, fill.price), fee, pnl)

    def _on_rejected(self, view: OrderView, message: str) -> None:
        log.error("Rejected %s: %s", self.describe(view.side, view.size, view.ref, view.price), message)

    def _on_order_updated(self, view: OrderView) -> None:
        if view.status == OrderStatus.CANCELLED and view.client_oid not in self._cancels_logged:
            self._cancels_logged.add(view.client_oid)
            log.info("Cancelled %s", self.describe(view.side, view.size, view.ref, view.price))
