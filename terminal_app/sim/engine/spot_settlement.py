"""Spot settlement: the coins of a fill change hands and the fee is taken from what the order receives."""

from __future__ import annotations

from decimal import Decimal

from terminal_app.sim.engine.lifecycle import OrderLifecycle
from terminal_app.sim.engine.orders import Fill, OrderState
from terminal_app.sim.engine.state import EngineState
from terminal_app.sim.market.markets import SimMarket
from terminal_app.sim.market.state import MarketState

ZERO = Decimal(0)


class SpotSettler:
    """Books the coins of spot fills: the user's side, and the house's when the other side is a maker quote or the
    synthetic flow."""

    def __init__(self, state: EngineState, orders: OrderLifecycle) -> None:
        self.state = state
        self.orders = orders

    def settle(self, ms: MarketState, st: OrderState, price_ticks: int, lots: int, is_maker: bool,
               trade_id: str) -> None:
        m = ms.market
        spot = self.state.spot
        now = self.state.now
        base, quote_coin = m.info.base_coin, m.info.quote_coin
        price = price_ticks * m.tick
        size = lots * m.lot
        quote = price * size
        rate = m.info.maker_fee if is_maker else m.info.taker_fee
        uid = st.uid
        if st.is_buy:
            spot.pay_from_frozen(uid, quote_coin, quote)
            st.frozen -= quote
            if st.lots is None:
                st.budget -= quote
            fee = size * rate
            spot.credit(uid, base, size - fee)
            spot.collect_fee(base, fee)
            st.fee_coin = base
        else:
            spot.pay_from_frozen(uid, base, size)
            st.frozen -= size
            fee = quote * rate
            spot.credit(uid, quote_coin, quote - fee)
            spot.collect_fee(quote_coin, fee)
            st.fee_coin = quote_coin
        st.filled_lots += lots
        st.filled_quote += quote
        st.fee += fee
        st.u_time = now
        # the spot bill: one row per coin the fill moved, the fee taken from the coin received
        got, paid = (base, quote_coin) if st.is_buy else (quote_coin, base)
        got_size, paid_size = (size, quote) if st.is_buy else (quote, size)
        bills = self.state.bills
        bills.add_spot(uid, got, "transaction", st.side, got_size - fee, spot.total(uid, got), -fee, st.order_id,
                       now)
        bills.add_spot(uid, paid, "transaction", st.side, -paid_size, spot.total(uid, paid), Decimal(0),
                       st.order_id, now)
        fill = Fill(trade_id, st.order_id, st.client_oid, uid, m.ref, st.side, st.order_type, price, size, quote,
                    fee, st.fee_coin, "maker" if is_maker else "taker", now)
        self.orders.after_fill(st, fill)

    def settle_house(self, market: SimMarket, house_buys: bool, price_ticks: int, lots: int) -> None:
        size = lots * market.lot
        quote = price_ticks * market.tick * size
        sign = 1 if house_buys else -1
        self.state.spot.house_add(market.info.base_coin, sign * size)
        self.state.spot.house_add(market.info.quote_coin, -sign * quote)
