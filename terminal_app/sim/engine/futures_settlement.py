"""Futures settlement: a fill closes (realised PnL) and/or opens position lots, pays the fee, releases the order's
margin, and a position that reaches zero is closed (its close orders and TP/SL plans go with it). The money model is
in ``engine.futures``."""

from __future__ import annotations

from decimal import Decimal

from terminal_app.sim.engine.closed_positions import closed_from
from terminal_app.sim.engine.futures import (
    HEDGE,
    ISOLATED,
    ONE_WAY,
    FuturesUser,
    PositionState,
    in_margin_coin,
    money,
    wallet,
)
from terminal_app.sim.engine.lifecycle import OrderLifecycle
from terminal_app.sim.engine.orders import Fill, OrderState, OrderStatus
from terminal_app.sim.engine.state import EngineState
from terminal_app.sim.engine.triggers import TriggerBook
from terminal_app.sim.market.state import MarketState

ZERO = Decimal(0)


class FuturesSettler:
    """Books futures fills into positions and money (in the market's margin coin; inverse for coin-M)."""

    def __init__(self, state: EngineState, orders: OrderLifecycle, triggers: TriggerBook) -> None:
        self.state = state
        self.orders = orders
        self.triggers = triggers

    def settle(self, ms: MarketState, st: OrderState, price_ticks: int, lots: int, is_maker: bool,
               trade_id: str) -> None:
        state = self.state
        m = ms.market
        lot = m.lot
        price = price_ticks * m.tick
        ledger = state.ledger(m.symbol)
        user = ledger.users[st.uid]
        symbol = m.symbol
        value = price * lots * lot
        fee = in_margin_coin(value * (m.info.maker_fee if is_maker else m.info.taker_fee), price, m.inverse)
        close_side = ""
        close_lots = 0
        pos: PositionState | None = None
        if st.is_close:
            close_side = st.hold_side
            pos = user.positions.get((symbol, close_side))
            # the matcher cancels a close order before it could fill more than its position; were that ever
            # missed, the lots beyond the position change nothing but the fee (money stays conserved)
            close_lots = min(lots, pos.lots) if pos is not None else 0
            open_lots = 0
        else:
            if st.pos_mode == ONE_WAY:
                close_side = "short" if st.is_buy else "long"
                pos = user.positions.get((symbol, close_side))
                # one-way: an opposite order always reduces first, so long and short never coexist
                close_lots = min(lots, pos.lots) if pos is not None else 0
            open_lots = lots - close_lots
        profit = ZERO
        fee_pos: PositionState | None = None
        closed: PositionState | None = None
        if close_lots and pos is not None:
            profit = self._reduce(user, pos, price, close_lots, lot, st.is_close, m.inverse)
            fee_pos = pos
            if pos.lots == 0:
                closed = pos
            elif pos.locked_lots > pos.lots:
                # reduce-only orders now exceed the position: Bitget cancels them oldest first
                for other in self.orders.close_orders(st.uid, pos):
                    if pos.locked_lots <= pos.lots:
                        break
                    if other is not st:
                        self.orders.finish(other, OrderStatus.CANCELLED, "reduce_only")
        open_side = ""
        if open_lots:
            open_side = st.hold_side if st.pos_mode == HEDGE else ("long" if st.is_buy else "short")
            fee_pos = self._grow(user, ms, st, open_side, price, open_lots)
        now = state.now
        user.cash -= fee
        ledger.fees += fee
        # one bill row per fill, as Bitget's sample shows (amount: realised PnL; fee: negative when paid)
        business = f"close_{close_side}" if close_lots else f"open_{open_side}"
        state.bills.add_futures(st.uid, symbol, m.margin_coin, business, profit, -fee, wallet(user), now)
        if fee_pos is not None:
            fee_pos.total_fee += fee
        # the closed-position row splits a fill's fee between the side it closed and the side it opened
        close_fee = money(fee * close_lots / lots) if close_lots else ZERO
        if close_lots and pos is not None:
            pos.close_fee += close_fee
        if open_lots and fee_pos is not None and fee_pos is not pos:
            fee_pos.open_fee += fee - close_fee
        user.u_time = now
        st.filled_lots += lots
        st.filled_quote += value
        st.fee += fee
        st.profit += profit
        st.u_time = now
        trade_side = st.trade_side or ("buy_single" if st.is_buy else "sell_single")
        fill = Fill(trade_id, st.order_id, st.client_oid, st.uid, m.ref, st.side, st.order_type, price, lots * lot,
                    value, fee, m.margin_coin, "maker" if is_maker else "taker", now, profit=profit,
                    trade_side=trade_side, pos_mode=st.pos_mode, hold_side=open_side or close_side)
        state.touched_futures.add(st.uid)
        self.orders.after_fill(st, fill)
        if closed is not None:
            self.position_closed(user, closed, "position_closed")

    def close_whole(self, user: FuturesUser, pos: PositionState, price: Decimal, lot: Decimal,
                    inverse: bool) -> Decimal:
        """The whole position closed at ``price`` by the exchange (delivery): its margin and PnL back to the
        account, the PnL from the house; returns the realised PnL. Its orders must be gone first."""
        pos.locked_lots = 0
        return self._reduce(user, pos, price, pos.lots, lot, False, inverse)

    def _reduce(self, user: FuturesUser, pos: PositionState, price: Decimal, k: int, lot: Decimal,
                locked: bool, inverse: bool) -> Decimal:
        if k == pos.lots:
            cost_part, margin_part = pos.cost, pos.margin
        else:
            cost_part = money(pos.cost * k / pos.lots)
            margin_part = money(pos.margin * k / pos.lots)
        value = price * k * lot
        pnl = in_margin_coin(value - cost_part if pos.hold_side == "long" else cost_part - value, price, inverse)
        pos.cost -= cost_part
        pos.margin -= margin_part
        pos.lots -= k
        pos.close_lots_total += k
        pos.close_value += value
        if locked:
            pos.locked_lots -= k
        pos.achieved += pnl
        pos.u_time = self.state.now
        user.cash += margin_part + pnl
        self.state.ledger(pos.symbol).house -= pnl
        return pnl

    def _grow(self, user: FuturesUser, ms: MarketState, st: OrderState, side: str, price: Decimal,
              k: int) -> PositionState:
        state = self.state
        symbol = ms.market.symbol
        pos = user.positions.get((symbol, side))
        if pos is None:
            pos = PositionState(user.uid, symbol, side, st.margin_mode, st.leverage, state.next_order_id(),
                                c_time=state.now)
            user.positions[(symbol, side)] = pos
            state.pos_users.setdefault(symbol, set()).add(user.uid)
        value = price * k * ms.market.lot
        release = min(st.frozen, st.frozen_per_lot * k)
        if release:
            st.frozen -= release
            user.frozen -= release
            user.cash += release
        if pos.margin_mode == ISOLATED:
            margin = in_margin_coin(money(value / pos.leverage), price, ms.market.inverse)
            user.cash -= margin
            pos.margin += margin
        pos.cost += value
        pos.lots += k
        pos.open_lots_total += k
        pos.open_value += value
        pos.u_time = state.now
        if st.preset_tp is not None or st.preset_sl is not None:
            self.triggers.grow_linked(st, pos, k)
        return pos

    def position_closed(self, user: FuturesUser, pos: PositionState, reason: str) -> None:
        """A position reached zero lots: it leaves the account with its close orders and TP/SL plans."""
        state = self.state
        key = (pos.symbol, pos.hold_side)
        if user.positions.get(key) is not pos or pos.lots:
            return
        del user.positions[key]
        if not any(s == pos.symbol for s, _ in user.positions):
            state.pos_users.get(pos.symbol, set()).discard(user.uid)
        for st in self.orders.close_orders(user.uid, pos):
            self.orders.finish(st, OrderStatus.CANCELLED, reason)
        for plan in self.triggers.position_plans(user.uid, pos.symbol, pos.hold_side):
            self.triggers.cancel(plan)
        market = state.futures_market(pos.symbol).market
        state.closed.add(closed_from(pos, market.margin_coin, user.pos_mode, market.lot, state.now))
        state.touched_futures.add(user.uid)
        state.dirty_users.add(user.uid)
