"""An order's life in the engine: checked, admitted (registered), filled, finished (filled or cancelled), and found
again by orderId or clientOid."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from decimal import Decimal

from terminal_app.sim.engine.futures import PositionState
from terminal_app.sim.engine.orders import FORCES, Fill, OrderState, OrderStatus, reject
from terminal_app.sim.engine.state import EngineState
from terminal_app.sim.market.markets import SimMarket

ZERO = Decimal(0)


class OrderLifecycle:
    """Admits, finishes and finds orders; a finished order releases what it held (spot coins, futures margin or
    position lots) and moves to the user's history."""

    def __init__(self, state: EngineState) -> None:
        self.state = state

    def common_checks(self, uid: str, side: str, order_type: str, force: str | None,
                      client_oid: str | None) -> tuple[str, str, str, str]:
        side = (side or "").lower()
        if side not in ("buy", "sell"):
            raise reject("40017", "Parameter side error")
        order_type = (order_type or "").lower()
        if order_type not in ("limit", "market"):
            raise reject("40017", "Parameter orderType error")
        force = (force or "gtc").lower()
        if force not in FORCES:
            raise reject("40017", "Parameter force error")
        if client_oid and (uid, client_oid) in self.state.client_ids:
            raise reject("43118", "clientOrderId duplicate")
        return side, order_type, force, client_oid or ""

    def new_state(self, uid: str, market: SimMarket, side: str, order_type: str, force: str,
                  price_ticks: int | None, size: Decimal, lots: int | None, budget: Decimal,
                  client_oid: str) -> OrderState:
        state = self.state
        order_id = state.next_order_id()
        return OrderState(uid=uid, order_id=order_id, client_oid=client_oid or order_id, market=market, side=side,
                          order_type=order_type, force=force, price_ticks=price_ticks, size=size, lots=lots,
                          budget=budget, now=state.now, seq=state.next_entry_key())

    def register(self, st: OrderState) -> None:
        state = self.state
        state.orders[st.order_id] = st
        state.open_by_user.setdefault(st.uid, {})[st.order_id] = st
        state.client_ids[(st.uid, st.client_oid)] = st.order_id
        state.dirty_users.add(st.uid)
        state.order_changed(st)

    def after_fill(self, st: OrderState, fill: Fill) -> None:
        if st.lots is not None and st.filled_lots >= st.lots:
            st.status = OrderStatus.FILLED
        else:
            st.status = OrderStatus.PARTIALLY_FILLED
        self.state.dirty_users.add(st.uid)
        self.state.record_fill(st, fill)
        if st.status is OrderStatus.FILLED:
            self.finish(st, OrderStatus.FILLED)

    def finish(self, st: OrderState, status: OrderStatus, reason: str = "") -> None:
        """Close an order: leave the book, release what it still holds, move it to history."""
        state = self.state
        if st.entry is not None:
            if st.entry.lots > 0:
                state.markets[st.market.ref].book.side(st.is_buy).remove(st.entry)
            st.entry = None
        if st.market.is_futures:
            user = state.fut_user(st.uid, st.market.symbol)
            if st.frozen:
                user.frozen -= st.frozen
                user.cash += st.frozen
                st.frozen = ZERO
            if st.is_close:
                pos = user.positions.get((st.market.symbol, st.hold_side))
                if pos is not None:
                    pos.locked_lots = max(0, pos.locked_lots - st.remaining_lots)
            state.touched_futures.add(st.uid)
        elif st.frozen:
            coin = st.market.info.quote_coin if st.is_buy else st.market.info.base_coin
            state.spot.unfreeze(st.uid, coin, st.frozen)
            st.frozen = ZERO
        st.status = status
        st.cancel_reason = reason
        st.u_time = state.now
        state.orders.pop(st.order_id, None)
        state.open_by_user.get(st.uid, {}).pop(st.order_id, None)
        done = state.done.setdefault(st.uid, deque(maxlen=state.history_cap))
        if len(done) == done.maxlen:
            # the oldest finished order leaves memory (it stays in SQLite), with its clientOid
            old = done[0]
            state.done_by_id.pop(old.order_id, None)
            if state.client_ids.get((old.uid, old.client_oid)) == old.order_id:
                del state.client_ids[(old.uid, old.client_oid)]
        done.append(st)
        state.done_by_id[st.order_id] = st
        state.dirty_users.add(st.uid)
        state.order_changed(st)

    def cancel(self, st: OrderState) -> None:
        self.finish(st, OrderStatus.CANCELLED, "user")

    def cancel_where(self, uid: str, wanted: Callable[[OrderState], bool]) -> list[OrderState]:
        """Cancel the user's open orders that ``wanted`` picks, oldest first; returns them."""
        out = []
        for st in sorted(self.state.open_by_user.get(uid, {}).values(), key=lambda s: s.seq):
            if wanted(st):
                self.cancel(st)
                out.append(st)
        return out

    def find(self, uid: str, order_id: str | None, client_oid: str | None) -> OrderState | None:
        state = self.state
        if not order_id and client_oid:
            order_id = state.client_ids.get((uid, client_oid))
        if not order_id:
            return None
        st = state.orders.get(order_id) or state.done_by_id.get(order_id)
        return st if st is not None and st.uid == uid else None

    def close_orders(self, uid: str, pos: PositionState) -> list[OrderState]:
        """The open close/reduce-only orders of a futures position, oldest first."""
        return sorted((st for st in self.state.open_by_user.get(uid, {}).values()
                       if st.is_close and st.market.is_futures and st.market.symbol == pos.symbol
                       and st.hold_side == pos.hold_side), key=lambda s: s.seq)
