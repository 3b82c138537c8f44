"""Copy trading's own access to the exchange: the order entry as it was before the guards (the copy engine's own
orders are remembered, so their fills are never copied again), and the prices, positions and time it reads."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from decimal import Decimal

from terminal_app.core.instruments import SymbolRef
from terminal_app.sim.copy.state import FUTURES, SPOT, SPOT_MARKET, ZERO, Track
from terminal_app.sim.engine.exchange import Exchange
from terminal_app.sim.engine.orders import Order
from terminal_app.sim.market.markets import SimMarket, find_market

_ORDER_MEMORY = 20_000


class CopyDesk:
    """``clock`` must be the exchange's clock. The ``place_*``/``close_positions``/``set_position_mode`` attributes
    are the exchange's unguarded methods, saved before :class:`~terminal_app.sim.copy.guards.CopyGuards` wraps
    them."""

    def __init__(self, exchange: Exchange, clock: Callable[[], int]) -> None:
        self.exchange = exchange
        self.clock = clock
        self.place_futures = exchange.place_futures_order
        self.close_positions = exchange.close_positions
        self.set_position_mode = exchange.set_position_mode
        self.place_spot = exchange.place_spot_order
        self._own_orders: set[str] = set()
        self._own_order_log: deque[str] = deque()

    def own(self, order: Order) -> Order:
        """Remember an order the copy engine placed (the last ``_ORDER_MEMORY`` of them)."""
        self._own_orders.add(order.order_id)
        self._own_order_log.append(order.order_id)
        if len(self._own_order_log) > _ORDER_MEMORY:
            self._own_orders.discard(self._own_order_log.popleft())
        return order

    def is_own(self, order_id: str) -> bool:
        return order_id in self._own_orders

    def now(self) -> int:
        # the clock, not the exchange's step-aligned time: a decision due at t is due when the clock reaches t
        return max(self.clock(), self.exchange.now_ms())

    def mark(self, symbol: str) -> Decimal:
        return self.exchange.mark_price(SymbolRef(symbol, FUTURES))

    def spot_price(self, market: SimMarket) -> Decimal:
        return self.exchange.ticker(market.ref).last

    def price_of(self, track: Track) -> Decimal:
        if track.market == SPOT_MARKET:
            return self.spot_price(find_market(track.symbol, SPOT))
        return self.mark(track.symbol)

    def position_total(self, uid: str, symbol: str, hold_side: str) -> Decimal:
        for pos in self.exchange.positions(uid, symbol):
            if pos.hold_side == hold_side:
                return pos.total
        return ZERO
