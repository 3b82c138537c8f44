"""Futures views: a user's positions (with liquidation price, margin ratio, break-even, TP/SL), the account of each
margin coin and per-symbol settings as the immutable snapshots the facade returns."""

from __future__ import annotations

from decimal import Decimal

from terminal_app.core.instruments import Product
from terminal_app.sim.engine.futures import (
    CROSSED,
    HEDGE,
    ISOLATED,
    FuturesAccount,
    FuturesUser,
    Position,
    PositionState,
    SymbolSettings,
    initial_margin,
    liquidation_price,
    maintenance,
    unrealized,
)
from terminal_app.sim.engine.margin import cross_state
from terminal_app.sim.engine.state import EngineState
from terminal_app.sim.engine.triggers import TriggerBook

ZERO = Decimal(0)


class FuturesViews:
    """Snapshots of futures accounts at the current marks."""

    def __init__(self, state: EngineState, triggers: TriggerBook) -> None:
        self.state = state
        self.triggers = triggers

    def position(self, user: FuturesUser, pos: PositionState) -> Position:
        state = self.state
        ms = state.futures_market(pos.symbol)
        m = ms.market
        lot = m.lot
        mark = ms.mark
        kmr = m.keep_margin_rate
        inv = m.inverse
        total = pos.lots * lot
        im = initial_margin(pos, lot, inv)
        upl = unrealized(pos, mark, lot, inv)
        maint = maintenance(pos, mark, lot, kmr, inv)
        if pos.margin_mode == ISOLATED:
            liq = liquidation_price(pos, lot, kmr, ZERO, inv)
            balance = pos.margin + upl
        else:
            others = ZERO
            cross_upl = ZERO
            for other in user.positions.values():
                if other.margin_mode != CROSSED:
                    continue
                om = state.futures_market(other.symbol)
                o_upl = unrealized(other, om.mark, om.market.lot, om.market.inverse)
                cross_upl += o_upl
                if other is not pos:
                    others += o_upl - maintenance(other, om.mark, om.market.lot, om.market.keep_margin_rate,
                                                  om.market.inverse)
            liq = liquidation_price(pos, lot, kmr, user.cash + user.frozen + others, inv)
            balance = user.cash + user.frozen + cross_upl
        delegate = sum((st.remaining_lots for st in state.open_by_user.get(user.uid, {}).values()
                        if st.market is m and not st.is_close
                        and (st.hold_side == pos.hold_side if st.pos_mode == HEDGE
                             else st.is_buy == (pos.hold_side == "long"))), 0)
        entry = pos.cost / total if total else ZERO
        fees = pos.total_fee
        break_even = (pos.cost + fees) / total if pos.hold_side == "long" else (pos.cost - fees) / total
        tp = sl = None
        for plan in self.triggers.position_plans(user.uid, pos.symbol, pos.hold_side):
            if plan.plan_type == "pos_profit":
                tp = plan.trigger_price
            elif plan.plan_type == "pos_loss":
                sl = plan.trigger_price
        return Position(
            uid=user.uid, ref=m.ref, pos_id=pos.pos_id, hold_side=pos.hold_side, pos_mode=user.pos_mode,
            margin_mode=pos.margin_mode, total=total, available=total - pos.locked_lots * lot,
            locked=pos.locked_lots * lot, open_delegate_size=delegate * lot, open_price_avg=entry,
            leverage=pos.leverage, margin=im, achieved_profits=pos.achieved, unrealized_pl=upl,
            unrealized_plr=upl / im if im else ZERO, liquidation_price=liq, keep_margin_rate=kmr, mark_price=mark,
            break_even_price=break_even, total_fee=fees, margin_ratio=maint / balance if balance > 0 else Decimal(1),
            take_profit=tp, stop_loss=sl, c_time=pos.c_time, u_time=pos.u_time)

    def positions(self, uid: str, symbol: str | None = None,
                  product: Product | None = Product.USDT_FUTURES) -> list[Position]:
        """Open positions of one futures line (every line when ``product`` is None), or of one symbol."""
        state = self.state
        ledgers = [state.ledger(symbol)] if symbol else state.ledgers(product)
        return [self.position(led.users[uid], p) for led in ledgers if uid in led.users
                for _, p in sorted(led.users[uid].positions.items())
                if p.lots and (symbol is None or p.symbol == symbol)]

    def account(self, uid: str, coin: str = "USDT") -> FuturesAccount:
        state = self.state
        user = state.futs[coin].users[uid]
        im, cross_upl, mm = cross_state(state, user)
        iso_margin = iso_upl = ZERO
        for pos in user.positions.values():
            if pos.margin_mode == ISOLATED:
                ms = state.futures_market(pos.symbol)
                iso_margin += pos.margin
                iso_upl += unrealized(pos, ms.mark, ms.market.lot, ms.market.inverse)
        available = user.cash - im
        max_avail = available + min(cross_upl, ZERO)
        cross_equity = user.cash + user.frozen + cross_upl
        return FuturesAccount(
            uid=uid, margin_coin=coin, available=available, locked=user.frozen, crossed_margin=im,
            isolated_margin=iso_margin, unrealized_pl=cross_upl + iso_upl,
            equity=user.cash + user.frozen + iso_margin + cross_upl + iso_upl,
            crossed_max_available=max_avail, isolated_max_available=max_avail,
            max_transfer_out=max(max_avail, ZERO),
            crossed_risk_rate=mm / cross_equity if mm and cross_equity > 0 else ZERO,
            pos_mode=user.pos_mode, u_time=user.u_time)

    def settings(self, uid: str, symbol: str) -> SymbolSettings:
        s = self.state.fut_user(uid, symbol).setting(symbol)
        return SymbolSettings(symbol, s.margin_mode, s.cross_leverage, s.long_leverage, s.short_leverage)
