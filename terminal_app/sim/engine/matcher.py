"""Price-time matching: a new order meets the opposite side of its market's book (limit/market; gtc, post_only, ioc,
fok), one maker at a time; every trade goes to the tape and is settled by the spot or futures settler."""

from __future__ import annotations

from terminal_app.sim.engine.futures_settlement import FuturesSettler
from terminal_app.sim.engine.lifecycle import OrderLifecycle
from terminal_app.sim.engine.orders import OrderState, OrderStatus, crosses
from terminal_app.sim.engine.spot_settlement import SpotSettler
from terminal_app.sim.engine.state import EngineState
from terminal_app.sim.market.book import BookSide, Entry
from terminal_app.sim.market.state import MarketState, Trade


def fillable_lots(opposite: BookSide, is_buy: bool, limit_ticks: int | None, wanted: int) -> int:
    """Lots available against ``opposite`` up to the limit price, counting at most ``wanted``."""
    total = 0
    for price in opposite.iter_prices():
        if not crosses(is_buy, limit_ticks, price):
            break
        total += opposite.levels[price].total
        if total >= wanted:
            return wanted
    return total


def sweep_cost(opposite: BookSide, lots: int) -> tuple[int, int]:
    """(lots available, sum of price_ticks * lots) to take ``lots`` at market; used for margin estimates."""
    got = 0
    cost = 0
    for price in opposite.iter_prices():
        n = min(opposite.levels[price].total, lots - got)
        got += n
        cost += n * price
        if got >= lots:
            break
    return got, cost


class Matcher:
    """Matches orders against books. The taker of a trade is a user order or the house (``None``: the synthetic
    flow, or the maker sweeping user orders its new quotes cross)."""

    def __init__(self, state: EngineState, orders: OrderLifecycle, spot: SpotSettler,
                 futures: FuturesSettler) -> None:
        self.state = state
        self.orders = orders
        self.spot = spot
        self.futures = futures

    def execute(self, st: OrderState) -> None:
        """Match a new order against the book, then rest, cancel or finish it according to its force."""
        ms = self.state.markets[st.market.ref]
        opposite = ms.book.side(not st.is_buy)
        limit = st.price_ticks if st.order_type == "limit" else None
        if self.post_only_takes(ms, st):
            self.orders.finish(st, OrderStatus.CANCELLED, "post_only")
            return
        if st.force == "fok" and st.lots is not None and fillable_lots(opposite, st.is_buy, limit,
                                                                        st.remaining_lots) < st.remaining_lots:
            self.orders.finish(st, OrderStatus.CANCELLED, "fok")
            return
        self.match(ms, st, limit)
        if not st.status.is_open:
            return
        if st.order_type == "market" or st.force in ("ioc", "fok"):
            if st.order_type == "market" and st.filled_lots:
                self.orders.finish(st, OrderStatus.FILLED, "market_remainder" if st.remaining_lots > 0 else "")
            else:
                self.orders.finish(st, OrderStatus.CANCELLED,
                                   "market_remainder" if st.order_type == "market" else st.force)
            return
        self.rest(ms, st)

    @staticmethod
    def post_only_takes(ms: MarketState, st: OrderState) -> bool:
        """A post-only limit order that would take liquidity. Bitget accepts it (an orderId comes back) and
        cancels it at once: its error table has no "post-only would take" code (43111 is "param error" since the
        2025-10-14 remap) and UTA's cancel reasons name ``post_only_fill_cancel`` (bitget-v3-uta.md §10)."""
        if st.force != "post_only" or st.order_type != "limit":
            return False
        best = ms.book.side(not st.is_buy).best()
        return best is not None and crosses(st.is_buy, st.price_ticks, best)

    def rest(self, ms: MarketState, st: OrderState) -> None:
        """Queue what is left of a limit order at its price."""
        st.entry = Entry(st.seq, st.price_ticks or 0, st.remaining_lots, st)
        ms.book.side(st.is_buy).add(st.entry)

    def match(self, ms: MarketState, st: OrderState, limit: int | None) -> None:
        opposite = ms.book.side(not st.is_buy)
        market = ms.market
        lot_cost = market.tick * market.lot
        while st.status.is_open:
            if st.is_close and self.closable_lots(st) < st.remaining_lots:
                # its position shrank under it (pending close orders normally make this impossible)
                self.orders.finish(st, OrderStatus.CANCELLED, "reduce_only")
                break
            best = opposite.best()
            if best is None or not crosses(st.is_buy, limit, best):
                break
            want = int(st.budget / (best * lot_cost)) if st.lots is None else st.remaining_lots
            if want <= 0:
                break
            self.take(ms, st, st.is_buy, best, want)

    def house_take(self, ms: MarketState, taker_is_buy: bool, price_ticks: int, lots: int) -> int:
        """The house takes from the book (:data:`~terminal_app.sim.market.flow.HouseTake`)."""
        return self.take(ms, None, taker_is_buy, price_ticks, lots)

    def take(self, ms: MarketState, taker: OrderState | None, taker_is_buy: bool, price_ticks: int,
             lots: int) -> int:
        """Trade up to ``lots`` with the opposite level at ``price_ticks``, one maker at a time in time priority;
        returns the lots traded.

        Each maker is settled before the next one is looked at: a settlement can shrink or close a position and so
        cancel that position's reduce-only/close orders further down the same queue (Bitget cancels them before
        they can fill). Taking the whole level first and settling afterwards would fill the taker against lots
        that no longer settle."""
        side = ms.book.side(not taker_is_buy)
        done = 0
        while done < lots:
            level = side.levels.get(price_ticks)
            if level is None:
                break
            entry = level.queue[0]
            maker = entry.order
            if maker is not None and maker.is_close and self.closable_lots(maker) < maker.remaining_lots:
                self.orders.finish(maker, OrderStatus.CANCELLED, "reduce_only")
                if level.queue and level.queue[0] is entry:      # an entry its order no longer owns
                    side.remove(entry)
                continue
            k = min(entry.lots, lots - done)
            side.consume(price_ticks, k)                         # only the front entry: k <= its size
            self._trade(ms, taker, taker_is_buy, entry, price_ticks, k)
            done += k
            if taker is not None and not taker.status.is_open:
                break
        return done

    def closable_lots(self, st: OrderState) -> int:
        """Lots of the position a futures close/reduce-only order may still close (0 when it is gone)."""
        user = self.state.ledger(st.market.symbol).users.get(st.uid)
        pos = user.positions.get((st.market.symbol, st.hold_side)) if user is not None else None
        return pos.lots if pos is not None else 0

    def _trade(self, ms: MarketState, taker: OrderState | None, taker_is_buy: bool, maker: Entry, price_ticks: int,
               lots: int) -> None:
        state = self.state
        now = state.now
        trade_id = state.next_trade_id()
        market = ms.market
        trade = Trade(trade_id, price_ticks * market.tick, lots * market.lot, "buy" if taker_is_buy else "sell", now)
        ms.trades.appendleft(trade)
        ms.history.record_trade(now, price_ticks, lots)
        ms.last_ticks = price_ticks
        ms.traded = True
        ms.ticker_dirty = True
        state.counters["trades"] += 1
        if state.emitting:
            state.outbox.append(("trade", ms.ref, trade))
        settler = self.futures if market.is_futures else self.spot
        maker_state: OrderState | None = maker.order
        if maker_state is None:
            if maker.lots == 0:
                ms.ladder.forget_consumed(not taker_is_buy, price_ticks)
        else:
            if maker.lots == 0:
                maker_state.entry = None
            settler.settle(ms, maker_state, price_ticks, lots, True, trade_id)
        if taker is not None:
            settler.settle(ms, taker, price_ticks, lots, False, trade_id)
        if not market.is_futures and (taker is None) != (maker_state is None):
            # one side is the house (both house: nothing changes hands that anyone owns)
            self.spot.settle_house(market, taker_is_buy if taker is None else not taker_is_buy, price_ticks, lots)
