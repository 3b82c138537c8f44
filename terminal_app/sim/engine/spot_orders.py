"""Spot orders: Bitget's checks on a new order, then the coins it spends are frozen and it meets the book.

Preset TP/SL (``presetTakeProfitPrice``/``presetStopLossPrice`` on a normal spot order, api-doc/spot/trade/Place-Order)
are checked (a price on the tick; a buy's take-profit above and stop-loss below its price, a sell's the reverse) and
kept on the order, which lists them back as Bitget documents (Get-Unfilled-Orders). What Bitget does with them once the
entry fills is not documented and not verified (see ``services.oco``): the simulator places no legs. The refusal code
40917 is futures' "wrong side" code; spot's own is unverified.
"""

from __future__ import annotations

from decimal import Decimal

from terminal_app.sim.engine.futures_orders import preset_price
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
              force: str | None, client_oid: str | None, preset_tp: object = None,
              preset_sl: object = None) -> OrderState:
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
        tp = preset_price(preset_tp, info.tick_size)
        sl = preset_price(preset_sl, info.tick_size)
        if tp is not None or sl is not None:
            best = ms.book.asks.best() if side == "buy" else ms.book.bids.best()
            ref_ticks = price_ticks if price_ticks is not None else best
            if ref_ticks is not None:
                ref_price = ref_ticks * info.tick_size
                up = side == "buy"  # a buy's take-profit sells higher; a sell's buys back lower
                if tp is not None and (tp <= ref_price if up else tp >= ref_price):
                    raise reject("40917", "The take-profit price is on the wrong side of the order price")
                if sl is not None and (sl >= ref_price if up else sl <= ref_price):
                    raise reject("40917", "The stop-loss price is on the wrong side of the order price")
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
        st.preset_tp, st.preset_sl = tp, sl
        st.fee_coin = info.base_coin if side == "buy" else info.quote_coin
        self.orders.register(st)
        self.matcher.execute(st)
        return st
