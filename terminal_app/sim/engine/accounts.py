"""Users' accounts: opening a funded demo user, forgetting one ("reset demo account"), and moving money between two
users (copy trading's profit share) with the ledgers kept balanced."""

from __future__ import annotations

from collections import deque
from decimal import Decimal

from terminal_app.sim.engine.funding import FundingScheduler
from terminal_app.sim.engine.lifecycle import OrderLifecycle
from terminal_app.sim.engine.orders import OrderStatus
from terminal_app.sim.engine.state import EngineState
from terminal_app.sim.engine.triggers import TriggerBook

DEMO_SPOT_FUNDING = {"USDT": Decimal("10000"), "BTC": Decimal("0.1"), "ETH": Decimal("1")}
DEMO_FUTURES_FUNDING = Decimal("10000")
# The other futures accounts of a new demo user: USDC-M and coin-M (one account per margin coin).
DEMO_OTHER_FUTURES = {"USDC": Decimal("10000"), "BTC": Decimal("0.2"), "ETH": Decimal("3")}


class UserAccounts:
    """Opens, removes and funds users across every part of the engine that keeps something per user."""

    def __init__(self, state: EngineState, orders: OrderLifecycle, triggers: TriggerBook,
                 funding: FundingScheduler) -> None:
        self.state = state
        self.orders = orders
        self.triggers = triggers
        self.funding = funding

    def ensure(self, uid: str) -> None:
        """A funded demo user (spot and futures) unless ``uid`` exists."""
        state = self.state
        if state.spot.has(uid):
            return
        state.spot.now = state.now
        state.spot.open_account(uid, dict(DEMO_SPOT_FUNDING))
        state.fut.open_account(uid, DEMO_FUTURES_FUNDING).u_time = state.now
        for coin, ledger in state.futs.items():
            if ledger is not state.fut:
                ledger.open_account(uid, DEMO_OTHER_FUTURES.get(coin, Decimal(0))).u_time = state.now
        state.open_by_user.setdefault(uid, {})
        state.done.setdefault(uid, deque(maxlen=state.history_cap))
        state.user_fills.setdefault(uid, deque(maxlen=state.history_cap))
        state.dirty_users.add(uid)
        state.touched_futures.add(uid)

    def remove(self, uid: str) -> None:
        """Forget a user entirely (its open orders leave the books first)."""
        state = self.state
        for st in list(state.open_by_user.get(uid, {}).values()):
            self.orders.finish(st, OrderStatus.CANCELLED, "user")
        self.triggers.forget_user(uid)
        for ledger in state.futs.values():
            user = ledger.users.get(uid)
            if user is not None:
                for symbol, _ in user.positions:
                    state.pos_users.get(symbol, set()).discard(uid)
            ledger.close_account(uid)
        state.spot.close_account(uid)
        for key in [k for k in state.client_ids if k[0] == uid]:
            del state.client_ids[key]
        for st in state.done.pop(uid, ()):
            state.done_by_id.pop(st.order_id, None)
        state.user_fills.pop(uid, None)
        state.bills.forget(uid)
        state.closed.forget(uid)
        state.open_by_user.pop(uid, None)
        state.touched_futures.discard(uid)
        state.dirty_users.discard(uid)

    def transfer_futures(self, src: str, dst: str | None, amount: Decimal) -> None:
        """USDT from ``src``'s futures cash to ``dst``'s (the house when ``dst`` is None or unknown)."""
        state = self.state
        ledger = state.fut
        ledger.users[src].cash -= amount
        if dst is not None and dst in ledger.users:
            ledger.users[dst].cash += amount
            state.dirty_users.add(dst)
            state.touched_futures.add(dst)
        else:
            ledger.house += amount
        state.dirty_users.add(src)
        state.touched_futures.add(src)

    def transfer_spot(self, src: str, dst: str | None, amount: Decimal) -> None:
        """USDT from ``src``'s spot account to ``dst``'s (the house when ``dst`` is None or unknown)."""
        state = self.state
        state.spot.credit(src, "USDT", -amount)
        if dst is not None and state.spot.has(dst):
            state.spot.credit(dst, "USDT", amount)
            state.dirty_users.add(dst)
        else:
            state.spot.house_add("USDT", amount)
        state.dirty_users.add(src)
