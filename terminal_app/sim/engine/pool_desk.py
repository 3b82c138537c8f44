"""The facade's pool desk (``Exchange.pool``): what a unified account's margin pool (``engine.unified``) does to the
engine's wallets — move a coin between the spot wallet and the futures wallet margined in it, credit or debit a coin
from the house (a loan, a repayment, a conversion), mark a user as pooled, and liquidate one.

Every call brings the market to the clock first and, after it, sends its events and saves (the facade's
``_user``/``_done``). Money moves through each ledger's house account, so ``Exchange.audit`` stays balanced.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from terminal_app.sim.engine.engine import Engine
from terminal_app.sim.engine.orders import Order, OrderStatus
from terminal_app.sim.engine.persistence import Persistence
from terminal_app.sim.engine.pool import PoolBook


class PoolDesk:
    """``book``: the unified users' loans, financial records and countdowns (``engine.pool``), restored from the
    state file and saved with the rest (``store.pool``); its users are pooled again after a restart."""

    def __init__(self, user: Callable[[str], Engine], done: Callable[[], None], store: Persistence) -> None:
        self._user = user
        self._done = done
        self.book = PoolBook.from_doc(store.pool_doc)
        store.pool = self.book
        store.engine.state.pooled.update(self.book.users)

    def shift(self, uid: str, coin: str, amount: Decimal) -> None:
        """Move ``coin`` from the spot wallet to the futures wallet margined in it (negative: back)."""
        state = self._user(uid).state
        try:
            state.spot.credit(uid, coin, -amount)
            state.spot.house_add(coin, amount)
            state.futs[coin].users[uid].cash += amount
            state.futs[coin].house -= amount
            state.dirty_users.add(uid)
            state.touched_futures.add(uid)
        finally:
            self._done()

    def credit(self, uid: str, coin: str, amount: Decimal) -> None:
        """Credit (negative: debit) ``coin`` to the spot wallet from the house."""
        state = self._user(uid).state
        try:
            state.spot.credit(uid, coin, amount)
            state.spot.house_add(coin, -amount)
            state.dirty_users.add(uid)
        finally:
            self._done()

    def enrol(self, uid: str) -> None:
        """``uid``'s crossed positions are liquidated on the pool's margin ratio, not its wallets' (the engine's
        liquidator skips them)."""
        self._user(uid).state.pooled.add(uid)
        self._done()

    def liquidate(self, uid: str) -> list[Order]:
        """Cancel every open order of ``uid`` and close every crossed position at its mark; the liquidation orders
        (filled)."""
        engine = self._user(uid)
        try:
            for st in sorted(engine.state.open_by_user.get(uid, {}).values(), key=lambda s: s.seq):
                engine.orders.finish(st, OrderStatus.CANCELLED, "liquidation")
            return [st.snapshot() for st in engine.liquidator.close_crossed_at_mark(uid)]
        finally:
            self._done()
