"""Spot orders: Bitget's checks on a new order, then the coins it spends are frozen and it meets the book."""

from __future__ import annotations

from decimal import Decimal

from terminal_app.sim.engine.lifecycle import OrderLifecycle
from terminal_app.sim.engine.matcher import Matcher
from terminal_app.sim.engine.orders import (
    OrderState,
    check_places,
    parse_decimal,
    reject,
    to_lots,
    to_ticks,
)
from terminal_app.sim.engine.state import EngineState
from terminal_app.sim.market.markets import SimMarket

ZERO = Decimal(0)


class SpotOrders:
    """Places spot orders. Market buys are sized in quote (``budget``), everything else in base lots."""

    def __init__(self, state: EngineState, orders: OrderLifecycle, matcher: Matcher) -> None:
        self.state = state
        self.orders = orders
        self.matcher = matcher

    def place(self, uid: str, market: SimMarket, side: str, order_type: str, size_raw: object, price_raw: object,
              force: str | None, client_oid: str | None) -> OrderState:
        side, order_type, force, client_oid = self.orders.common_checks(uid, side, order_type, force, client_oid)
        info = market.info
        ms = self.state.markets[market.ref]
        size = parse_decimal(size_raw, "size")
        price_ticks: int | None = None
        lots: int | None
        budget = ZERO
        if order_type == "limit":
            if price_raw is None or str(price_raw).strip() == "":
                raise reject("40019", "Parameter price cannot be empty")
            price = parse_decimal(price_raw, "price")
            price_ticks = to_ticks(price, info.tick_size)
            lots = to_lots(size, info.lot_size, info.size_places)
            if size < info.min_size or lots == 0:
                raise reject("45111", "less than the minimum order quantity")
            if price * size < info.min_notional:
                raise reject("45110", f"less than the minimum amount {info.min_notional} USDT")
        elif side == "buy":
            check_places(size, info.quote_places, "40808", "size")
            lots = None
            budget = size
            if size < info.min_notional:
                raise reject("45110", f"less than the minimum amount {info.min_notional} USDT")
        else:
            lots = to_lots(size, info.lot_size, info.size_places)
            if size < info.min_size or lots == 0:
                raise reject("45111", "less than the minimum order quantity")
            best = ms.book.bids.best()
            if best is not None and best * info.tick_size * size < info.min_notional:
                raise reject("45110", f"less than the minimum amount {info.min_notional} USDT")
        if side == "buy":
            need, coin = (budget if lots is None else (price_ticks or 0) * info.tick_size * size), info.quote_coin
        else:
            need, coin = size, info.base_coin
        spot = self.state.spot
        if spot.available(uid, coin) < need:
            raise reject("43012", "Insufficient balance")
        if order_type == "market":
            force = "gtc"
        st = self.orders.new_state(uid, market, side, order_type, force, price_ticks, size, lots, budget, client_oid)
        spot.freeze(uid, coin, need)
        st.frozen = need
        st.fee_coin = info.base_coin if side == "buy" else info.quote_coin
        self.orders.register(st)
        self.matcher.execute(st)
        return st
