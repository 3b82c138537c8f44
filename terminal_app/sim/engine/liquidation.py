"""Liquidation: after every market step, isolated positions whose margin no longer covers maintenance, and crossed
accounts whose equity no longer covers the crossed maintenance, are closed at the mark (rules and prices in
``engine.futures``); each liquidation leaves a filled ``liquidation`` order in the user's history."""

from __future__ import annotations

from decimal import Decimal

from terminal_app.sim.engine.futures import (
    CROSSED,
    HEDGE,
    ISOLATED,
    FuturesUser,
    PositionState,
    maintenance,
    unrealized,
    wallet,
)
from terminal_app.sim.engine.futures_settlement import FuturesSettler
from terminal_app.sim.engine.lifecycle import OrderLifecycle
from terminal_app.sim.engine.margin import cross_state
from terminal_app.sim.engine.orders import Fill, OrderState, OrderStatus
from terminal_app.sim.engine.state import EngineState
from terminal_app.sim.market.markets import SimMarket
from terminal_app.sim.market.state import MarketState

ZERO = Decimal(0)


class Liquidator:
    """Checks every position holder's risk at the current marks and liquidates what fell below maintenance."""

    def __init__(self, state: EngineState, orders: OrderLifecycle, settler: FuturesSettler) -> None:
        self.state = state
        self.orders = orders
        self.settler = settler

    def check_all(self) -> None:
        uids: set[str] = set()
        for users in self.state.pos_users.values():
            uids |= users
        for uid in sorted(uids):
            self.check(uid)

    def check(self, uid: str) -> None:
        state = self.state
        for ledger in state.futs.values():
            user = ledger.users.get(uid)
            if user is not None and user.positions:
                self._check_user(user)

    def _check_user(self, user: FuturesUser) -> None:
        state = self.state
        for pos in sorted(user.positions.values(), key=lambda p: (p.symbol, p.hold_side)):
            if pos.margin_mode != ISOLATED:
                continue
            ms = state.futures_market(pos.symbol)
            m = ms.market
            if pos.margin + unrealized(pos, ms.mark, m.lot, m.inverse) <= maintenance(
                    pos, ms.mark, m.lot, m.keep_margin_rate, m.inverse):
                self._liquidate_isolated(user, pos, ms)
        crossed = [p for p in user.positions.values() if p.margin_mode == CROSSED]
        if not crossed or user.uid in state.pooled:     # a unified account's pool decides (engine.pool)
            return
        _, upl, mm = cross_state(state, user)
        if user.cash + user.frozen + upl <= mm:
            self._liquidate_crossed(user)

    def _liquidate_isolated(self, user: FuturesUser, pos: PositionState, ms: MarketState) -> None:
        for st in self.orders.close_orders(user.uid, pos):
            self.orders.finish(st, OrderStatus.CANCELLED, "liquidation")
        loss = pos.margin
        self.state.ledger(pos.symbol).house += loss
        self._record(user, pos, ms, -loss)
        pos.margin = ZERO
        pos.cost = ZERO
        pos.lots = 0
        pos.locked_lots = 0
        self._bill(user, pos, -loss)
        self.settler.position_closed(user, pos, "liquidation")

    def _liquidate_crossed(self, user: FuturesUser) -> None:
        state = self.state
        ledger = next(led for led in state.futs.values() if led.users.get(user.uid) is user)
        for st in sorted(state.open_by_user.get(user.uid, {}).values(), key=lambda s: s.seq):
            if st.market.is_futures and st.market.margin_coin == ledger.coin:
                self.orders.finish(st, OrderStatus.CANCELLED, "liquidation")
        for pos in sorted((p for p in user.positions.values() if p.margin_mode == CROSSED),
                          key=lambda p: (p.symbol, p.hold_side)):
            ms = state.futures_market(pos.symbol)
            pnl = unrealized(pos, ms.mark, ms.market.lot, ms.market.inverse)
            user.cash += pnl
            ledger.house -= pnl
            self._record(user, pos, ms, pnl)
            pos.cost = ZERO
            pos.lots = 0
            pos.locked_lots = 0
            self._bill(user, pos, pnl)
            self.settler.position_closed(user, pos, "liquidation")
        # what is left backs the liquidation (insurance fund); a deficit is covered by it
        left = user.cash
        ledger.house += left
        user.cash = ZERO
        if left:
            # Bitget's bill names this transfer (sic) risk_captital_user_transfer
            state.bills.add_futures(user.uid, "", ledger.coin, "risk_captital_user_transfer", -left, ZERO,
                                    wallet(user), state.now)

    def _bill(self, user: FuturesUser, pos: PositionState, profit: Decimal) -> None:
        """The liquidation's row of the account bill: hedge mode names the side (``burst_long_loss_query``),
        one-way mode the trade (``burst_sell`` closes a long)."""
        state = self.state
        if user.pos_mode == HEDGE:
            business = f"burst_{pos.hold_side}_loss_query"
        else:
            business = "burst_sell" if pos.hold_side == "long" else "burst_buy"
        coin = state.futures_market(pos.symbol).market.margin_coin
        state.bills.add_futures(user.uid, pos.symbol, coin, business, profit, ZERO, wallet(user), state.now)

    def close_crossed_at_mark(self, uid: str) -> list[OrderState]:
        """A unified account's liquidation: every crossed position of every margin coin closed at its mark, the
        profit or loss settled in the wallet (which keeps what is left: the pool repays its debts from it)."""
        state = self.state
        done: list[OrderState] = []
        for ledger in state.futs.values():
            user = ledger.users.get(uid)
            if user is None:
                continue
            for pos in sorted((p for p in user.positions.values() if p.margin_mode == CROSSED and p.lots),
                              key=lambda p: (p.symbol, p.hold_side)):
                ms = state.futures_market(pos.symbol)
                pnl = unrealized(pos, ms.mark, ms.market.lot, ms.market.inverse)
                user.cash += pnl
                ledger.house -= pnl
                done.append(self._record(user, pos, ms, pnl))
                pos.cost = ZERO
                pos.lots = 0
                pos.locked_lots = 0
                self.settler.position_closed(user, pos, "liquidation")
        return done

    def _record(self, user: FuturesUser, pos: PositionState, ms: MarketState, profit: Decimal) -> OrderState:
        """The liquidation as a filled market order at the mark (``origin`` liquidation, a ``burst_close`` fill)."""
        pos.achieved += profit
        pos.close_lots_total += pos.lots  # the closed-position row counts what the liquidation closed
        pos.close_value += ms.mark * pos.lots * ms.market.lot
        return record_forced_close(self.state, self.orders, user, pos, pos.lots, ms.market, ms.mark, profit, ZERO,
                                   "liquidation", f"burst_close_{pos.hold_side}")


def record_forced_close(state: EngineState, orders: OrderLifecycle, user: FuturesUser, pos: PositionState, lots: int,
                        m: SimMarket, price: Decimal, profit: Decimal, fee: Decimal, origin: str,
                        trade_side: str) -> OrderState:
    """A close the exchange made (liquidation, delivery) of ``lots`` of a position as a filled market order at
    ``price`` with one taker fill."""
    long = pos.hold_side == "long"
    side = ("buy" if long else "sell") if user.pos_mode == HEDGE else ("sell" if long else "buy")
    size = lots * m.lot
    st = orders.new_state(user.uid, m, side, "market", "gtc", None, size, lots, ZERO, "")
    st.is_buy = not long
    st.pos_mode = user.pos_mode
    st.trade_side = "close" if user.pos_mode == HEDGE else ""
    st.hold_side = pos.hold_side
    st.margin_mode = pos.margin_mode
    st.leverage = pos.leverage
    st.origin = origin
    st.fee_coin = m.margin_coin
    orders.register(st)
    value = price * size
    st.filled_lots = lots
    st.filled_quote = value
    st.profit = profit
    st.fee = fee
    fill = Fill(state.next_trade_id(), st.order_id, st.client_oid, user.uid, m.ref, side, "market", price,
                size, value, fee, m.margin_coin, "taker", state.now, profit=profit,
                trade_side=trade_side, pos_mode=user.pos_mode, hold_side=pos.hold_side)
    state.touched_futures.add(user.uid)
    orders.after_fill(st, fill)
    return st
