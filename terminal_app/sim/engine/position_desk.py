"""The facade's position desk (``Exchange.position_desk``): closed positions (Bitget's ``history-position``) and the
estimated open size (``open-count``), as the REST routes of ``sim.server.position_routes`` need them.

Every call brings the market to the clock first and, after it, sends its events and saves (the facade's
``_user``/``_done``), like the facade's own calls.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_FLOOR, Decimal

from terminal_app.core.instruments import Product
from terminal_app.sim.engine.closed_positions import ClosedPosition
from terminal_app.sim.engine.engine import Engine
from terminal_app.sim.engine.orders import reject
from terminal_app.sim.engine.queries import page
from terminal_app.sim.market.markets import find_futures

ZERO = Decimal(0)


class PositionDesk:
    """Closed positions and the open-count estimate. ``user(uid)`` syncs the market and returns the engine;
    ``done()`` dispatches events and saves."""

    def __init__(self, user: Callable[[str], Engine], done: Callable[[], None]) -> None:
        self._user = user
        self._done = done

    def closed_positions(self, uid: str, product: Product, symbol: str | None = None, *,
                         start_ms: int | None = None, end_ms: int | None = None, id_less_than: str | None = None,
                         limit: int = 20) -> list[ClosedPosition]:
        """A line's closed positions, newest closing first, with Bitget's filters (the window applies to the
        closing time, ``idLessThan`` to the position id)."""
        engine = self._user(uid)
        try:
            sym = find_futures(symbol).symbol if symbol else None
            rows = engine.state.closed.of(uid)
            return page(rows, lambda r: None if find_futures(r.symbol).ref.product is not product
                        or (sym and r.symbol != sym) else (r.u_time, r.position_id),
                        start_ms, end_ms, id_less_than, limit)
        finally:
            self._done()

    def open_count(self, uid: str, symbol: str, amount: Decimal, price: Decimal, leverage: int) -> Decimal:
        """The size ``amount`` of margin opens at ``price`` and ``leverage``, the taker fee paid from it, cut to the
        lot; as Bitget's, it ignores the positions and orders already held. 40017 for a bad amount, price or
        leverage (above the contract's maximum too)."""
        self._user(uid)
        try:
            market = find_futures(symbol)
            if not amount.is_finite() or amount <= 0:
                raise reject("40017", "Parameter openAmount error")
            if not price.is_finite() or price <= 0:
                raise reject("40017", "Parameter openPrice error")
            if leverage < 1 or leverage > market.info.max_leverage:
                raise reject("40017", "Parameter leverage error")
            per_unit = Decimal(1) / leverage + market.info.taker_fee
            # coin-M margins in the coin: a coin of margin backs leverage coins' worth whatever the price
            size = amount / per_unit if market.inverse else amount / (price * per_unit)
            return max((size / market.lot).to_integral_value(rounding=ROUND_FLOOR) * market.lot, ZERO)
        finally:
            self._done()
