"""Futures account settings: leverage (margin moves with it), margin mode per symbol and position mode."""

from __future__ import annotations

from decimal import Decimal

from terminal_app.core.instruments import Product
from terminal_app.sim.engine.futures import (
    CROSSED,
    HEDGE,
    ISOLATED,
    ONE_WAY,
    PositionState,
    initial_margin,
    maintenance,
    money,
    unrealized,
)
from terminal_app.sim.engine.margin import max_available, symbol_busy
from terminal_app.sim.engine.orders import reject
from terminal_app.sim.engine.state import EngineState
from terminal_app.sim.engine.triggers import TriggerBook
from terminal_app.sim.market.markets import SimMarket

ZERO = Decimal(0)


class AccountSettings:
    """Changes a user's futures settings with Bitget's checks (40762 no margin for it, 45117 busy)."""

    def __init__(self, state: EngineState, triggers: TriggerBook) -> None:
        self.state = state
        self.triggers = triggers

    def set_leverage(self, uid: str, market: SimMarket, leverage: int, hold_side: str | None) -> None:
        info = market.info
        if not info.min_leverage <= leverage <= info.max_leverage:
            raise reject("40017", f"leverage must be between {info.min_leverage} and {info.max_leverage}")
        state = self.state
        user = state.fut_user(uid, market.symbol)
        s = user.setting(market.symbol)
        side = (hold_side or "").lower()
        sides: tuple[str, ...]
        if s.margin_mode == CROSSED:
            sides = ("long", "short")
        elif side in ("long", "short") and user.pos_mode == HEDGE:
            sides = (side,)
        else:
            sides = ("long", "short")
        affected = [p for (sym, hs), p in sorted(user.positions.items())
                    if sym == market.symbol and hs in sides and p.lots]
        # margin the change would need (isolated: moved now; crossed: earmarked)
        extra = ZERO
        for pos in affected:
            extra += self._margin_at(market, pos, leverage) - initial_margin(pos, market.lot, market.inverse)
        if extra > 0 and extra > max_available(state, user):
            raise reject("40762", "The order size is greater than the max open size")
        if s.margin_mode == CROSSED:
            s.cross_leverage = leverage
        else:
            if "long" in sides:
                s.long_leverage = leverage
            if "short" in sides:
                s.short_leverage = leverage
        for pos in affected:
            if pos.margin_mode == ISOLATED:
                new_margin = self._margin_at(market, pos, leverage)
                user.cash -= new_margin - pos.margin
                pos.margin = new_margin
            pos.leverage = leverage
            pos.u_time = state.now
        state.dirty_users.add(uid)
        state.touched_futures.add(uid)

    def adjust_margin(self, uid: str, market: SimMarket, hold_side: str, amount: Decimal) -> None:
        """Bitget's ``set-margin``: add (+) or remove (-) margin of an isolated position. 22002 without one, 40017
        for a crossed one (its margin is the account's), 40762 when the account cannot pay in, 45117-like 40017 when
        taking out would leave the position at or below its maintenance margin."""
        state = self.state
        user = state.fut_user(uid, market.symbol)
        pos = user.positions.get((market.symbol, hold_side))
        if pos is None or not pos.lots:
            raise reject("22002", "No position to close")
        if pos.margin_mode != ISOLATED:
            raise reject("40017", "Parameter marginMode error: margin can be adjusted on isolated positions only")
        if amount > 0 and amount > max_available(state, user):
            raise reject("40762", "The order size is greater than the max open size")
        if amount < 0 and -amount > self.removable_margin(pos, market):
            raise reject("40017", "Parameter amount error: the margin left would not keep the position safe")
        pos.margin += amount
        user.cash -= amount
        pos.u_time = user.u_time = state.now
        state.dirty_users.add(uid)
        state.touched_futures.add(uid)

    def removable_margin(self, pos: PositionState, market: SimMarket) -> Decimal:
        """How much margin may come out of isolated ``pos`` now: the terminal's rule too
        (core.position_tools.removable_margin): unrealised profit cannot be taken out, and twice the maintenance
        margin stays."""
        ms = self.state.futures_market(market.symbol)
        inverse = market.inverse
        left = (pos.margin + min(unrealized(pos, ms.mark, market.lot, inverse), ZERO)
                - 2 * maintenance(pos, ms.mark, market.lot, market.keep_margin_rate, inverse))
        return max(left, ZERO)

    def set_margin_mode(self, uid: str, market: SimMarket, margin_mode: str) -> None:
        mode = (margin_mode or "").lower()
        if mode == "cross":
            mode = CROSSED
        if mode not in (CROSSED, ISOLATED):
            raise reject("40017", "Parameter marginMode error")
        user = self.state.fut_user(uid, market.symbol)
        s = user.setting(market.symbol)
        if mode != s.margin_mode:
            if symbol_busy(self.state, user, market.symbol):
                raise reject("45117", "Currently holding positions or orders, the margin mode cannot be adjusted")
            s.margin_mode = mode
            self.state.dirty_users.add(uid)

    def set_position_mode(self, uid: str, pos_mode: str, product: Product = Product.USDT_FUTURES) -> str:
        """Bitget keeps one position mode per futures line: every margin-coin account of ``product`` changes."""
        mode = (pos_mode or "").lower()
        if mode not in (ONE_WAY, HEDGE):
            raise reject("40017", "Parameter posMode error")
        state = self.state
        users = [led.users[uid] for led in state.ledgers(product) if uid in led.users]
        if any(user.pos_mode != mode for user in users):
            if any(symbol_busy(state, user, None) for user in users) or self.triggers.has_live(uid):
                raise reject("45117", "Currently holding positions or orders, the position mode cannot be adjusted")
            for user in users:
                user.pos_mode = mode
            state.dirty_users.add(uid)
            state.touched_futures.add(uid)
        return mode

    @staticmethod
    def _margin_at(market: SimMarket, pos: PositionState, leverage: int) -> Decimal:
        """The isolated margin of ``pos`` at ``leverage``: cost / leverage, in coin for inverse (size / leverage)."""
        if market.inverse:
            return money(pos.lots * market.lot / leverage)
        return money(pos.cost / leverage)
