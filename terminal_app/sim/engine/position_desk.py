"""The facade's position desk (``Exchange.position_desk``): closed positions (Bitget's ``history-position``), the
estimated open size (V2 ``open-count``, V3 ``max-open-available``) and the margin an isolated position can give back,
as the REST routes of ``sim.server.position_routes`` and ``sim.server.v3_position_routes`` need them.

Every call brings the market to the clock first and, after it, sends its events and saves (the facade's
``_user``/``_done``), like the facade's own calls.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from terminal_app.core.instruments import Product
from terminal_app.sim.engine.closed_positions import ClosedPosition
from terminal_app.sim.engine.engine import Engine
from terminal_app.sim.engine.futures import CROSSED
from terminal_app.sim.engine.margin import max_available
from terminal_app.sim.engine.orders import reject
from terminal_app.sim.engine.queries import page
from terminal_app.sim.market.markets import find_futures

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class MaxOpen:
    """What V3's ``max-open-available`` tells for one futures symbol: the margin ``available`` (margin coin), the
    sizes a buy and a sell can open with it at the account's leverage, and the margin ``size`` would cost (None
    without a size)."""

    available: Decimal
    max_buy: Decimal
    max_sell: Decimal
    buy_cost: Decimal | None
    sell_cost: Decimal | None


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
            return self._size(market.inverse, market.lot, market.info.taker_fee, amount, price, leverage)
        finally:
            self._done()

    def max_open_available(self, uid: str, symbol: str, price: Decimal | None, size: Decimal | None,
                           pool_available: Decimal | None = None) -> MaxOpen:
        """The unified account's answer for one futures symbol at ``price`` (the mark for a market order) and the
        leverage the account has set for each side. ``pool_available``: the pool's free margin coin, which an order
        moves into the futures wallet as it is placed (``unified.gather``); the wallet alone holds only what earlier
        orders moved there."""
        engine = self._user(uid)
        try:
            market = find_futures(symbol)
            state = engine.state
            user = state.fut_user(uid, market.symbol)
            setting = user.setting(market.symbol)
            at = price if price is not None and price > 0 else state.futures_market(market.symbol).mark
            available = max(max_available(state, user) if pool_available is None else pool_available, ZERO)
            crossed = setting.margin_mode == CROSSED
            long_lev = setting.cross_leverage if crossed else setting.long_leverage
            short_lev = setting.cross_leverage if crossed else setting.short_leverage

            def opens(leverage: int) -> Decimal:
                return self._size(market.inverse, market.lot, market.info.taker_fee, available, at, leverage)

            def cost(leverage: int) -> Decimal | None:
                if size is None:
                    return None
                per_unit = Decimal(1) / leverage + market.info.taker_fee
                return size * per_unit if market.inverse else size * at * per_unit

            return MaxOpen(available, opens(long_lev), opens(short_lev), cost(long_lev), cost(short_lev))
        finally:
            self._done()

    @staticmethod
    def _size(inverse: bool, lot: Decimal, fee: Decimal, amount: Decimal, price: Decimal, leverage: int) -> Decimal:
        if amount <= 0 or price <= 0 or leverage < 1:
            return ZERO
        per_unit = Decimal(1) / leverage + fee
        # coin-M margins in the coin: a coin of margin backs leverage coins' worth whatever the price
        size = amount / per_unit if inverse else amount / (price * per_unit)
        return max((size / lot).to_integral_value(rounding=ROUND_FLOOR) * lot, ZERO)

    def removable_margin(self, uid: str, symbol: str, hold_side: str) -> Decimal | None:
        """How much margin may come out of the isolated position now (None: no such isolated position)."""
        engine = self._user(uid)
        try:
            market = find_futures(symbol)
            user = engine.state.fut_user(uid, market.symbol)
            pos = user.positions.get((market.symbol, hold_side))
            if pos is None or not pos.lots or pos.margin_mode == CROSSED:
                return None
            return engine.settings.removable_margin(pos, market)
        finally:
            self._done()
