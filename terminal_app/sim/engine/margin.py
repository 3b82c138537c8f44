"""Margin arithmetic over a user's crossed positions at the current marks, and whether a symbol is busy (a position or
an open order there forbids changing its margin mode, and anywhere the position mode)."""

from __future__ import annotations

from decimal import Decimal

from terminal_app.sim.engine.futures import CROSSED, FuturesUser, initial_margin, maintenance, unrealized
from terminal_app.sim.engine.state import EngineState

ZERO = Decimal(0)


def cross_state(state: EngineState, user: FuturesUser) -> tuple[Decimal, Decimal, Decimal]:
    """(Σ crossed initial margin, Σ crossed unrealised PnL, Σ crossed maintenance margin)."""
    im = upl = mm = ZERO
    for pos in user.positions.values():
        if pos.margin_mode != CROSSED:
            continue
        ms = state.futures_market(pos.symbol)
        m = ms.market
        im += initial_margin(pos, m.lot, m.inverse)
        upl += unrealized(pos, ms.mark, m.lot, m.inverse)
        mm += maintenance(pos, ms.mark, m.lot, m.keep_margin_rate, m.inverse)
    return im, upl, mm


def max_available(state: EngineState, user: FuturesUser) -> Decimal:
    """What a new order or a leverage change may still use: cash not used as crossed margin, less crossed losses."""
    im, upl, _ = cross_state(state, user)
    return user.cash - im + min(upl, ZERO)


def symbol_busy(state: EngineState, user: FuturesUser, symbol: str | None) -> bool:
    """A position or an open futures order on ``symbol`` (any symbol when None)."""
    if any(p.lots and (symbol is None or p.symbol == symbol) for p in user.positions.values()):
        return True
    # the orders of this account's margin coin (one user's accounts in other coins are other FuturesUser rows)
    return any(st.market.is_futures and (symbol is None or st.market.symbol == symbol)
               and user is state.ledger(st.market.symbol).users.get(user.uid)
               for st in state.open_by_user.get(user.uid, {}).values())
