"""TP/SL plan orders: the book of plans (live ones per symbol, by clientOid, the preset TP/SL an order created),
placing and cancelling them, and firing the ones the mark price reached (a market close of the position)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from terminal_app.bitget.errors import ExchangeError
from terminal_app.core.instruments import SymbolRef
from terminal_app.sim.engine.futures import PlanOrder, PlanState, PositionState
from terminal_app.sim.engine.lifecycle import OrderLifecycle
from terminal_app.sim.engine.orders import OrderState, OrderStatus, parse_decimal, reject, to_lots, to_ticks
from terminal_app.sim.engine.state import EngineState
from terminal_app.sim.engine.stop_views import is_stop, plan_ref, stop_view
from terminal_app.sim.market.markets import SimMarket, find_futures
from terminal_app.sim.market.state import MarketState

# (uid, symbol, hold side, lots, origin) -> the market order that closes them
CloseMarket = Callable[[str, str, str, int, str], OrderState]
PLAN_TYPES = ("profit_plan", "loss_plan", "pos_profit", "pos_loss")


class TriggerBook:
    """Every plan in memory (``plans``), the live ones per symbol, and what fires them."""

    def __init__(self, state: EngineState, orders: OrderLifecycle) -> None:
        self.state = state
        self.orders = orders
        self.plans: dict[str, PlanState] = {}                     # every plan in memory by id
        self.live_plans: dict[str, dict[str, PlanState]] = {}     # symbol → id → live plan
        self.plan_client_ids: dict[tuple[str, str], str] = {}
        self.linked_plans: dict[str, list[str]] = {}              # order id → its preset TP/SL plan ids
        # live trigger orders and trailing stops (sim.engine.stops), spot and futures: market → id → plan
        self.live_stops: dict[SymbolRef, dict[str, PlanState]] = {}

    # ---- snapshots and notifications -------------------------------------------------------------------------

    def view(self, plan: PlanState) -> PlanOrder:
        if is_stop(plan):
            return stop_view(self.state, plan)
        ms = self.state.futures_market(plan.symbol)
        closing_side = "sell" if plan.hold_side == "long" else "buy"
        return PlanOrder(
            order_id=plan.order_id, client_oid=plan.client_oid, uid=plan.uid, ref=ms.market.ref,
            plan_type=plan.plan_type, trigger_price=plan.trigger_price, trigger_type=plan.trigger_type,
            execute_price=plan.execute_price, hold_side=plan.hold_side,
            size=None if plan.lots is None else plan.lots * ms.market.lot, status=plan.status,
            pos_mode=plan.pos_mode, side=closing_side, executed_order_id=plan.executed_order_id,
            linked_order_id=plan.linked_order_id, c_time=plan.c_time, u_time=plan.u_time)

    def changed(self, plan: PlanState) -> None:
        state = self.state
        state.dirty_plans[plan.order_id] = plan
        if state.emitting:
            state.outbox.append(("plan", plan.uid, self.view(plan)))

    # ---- the book --------------------------------------------------------------------------------------------

    def position_plans(self, uid: str, symbol: str, hold_side: str) -> list[PlanState]:
        """The live TP/SL plans of one position side, trailing ones (``moving_plan``) included: they go with it."""
        moving = self.live_stops.get(find_futures(symbol).ref, {}).values()
        plans = [*self.live_plans.get(symbol, {}).values(), *(p for p in moving if p.plan_type == "moving_plan")]
        return sorted((p for p in plans if p.uid == uid and p.hold_side == hold_side), key=lambda p: int(p.order_id))

    def has_live(self, uid: str) -> bool:
        return any(p.uid == uid for live in self.live_plans.values() for p in live.values())

    def add(self, uid: str, symbol: str, plan_type: str, trigger: Decimal, trigger_type: str,
            execute_price: Decimal | None, hold_side: str, lots: int | None, client_oid: str = "",
            linked: str = "") -> PlanState:
        state = self.state
        order_id = state.next_order_id()
        pos_mode = state.fut_user(uid, symbol).pos_mode
        plan = PlanState(order_id, client_oid or order_id, uid, symbol, plan_type, trigger, trigger_type,
                         execute_price, hold_side, lots, "live", pos_mode, state.now, state.now,
                         linked_order_id=linked)
        self.plans[order_id] = plan
        self.live_plans.setdefault(symbol, {})[order_id] = plan
        self.plan_client_ids[(uid, plan.client_oid)] = order_id
        state.dirty_users.add(uid)
        self.changed(plan)
        return plan

    def cancel(self, plan: PlanState, status: str = "cancelled") -> None:
        plan.status = status
        plan.u_time = self.state.now
        self.live_plans.get(plan.symbol, {}).pop(plan.order_id, None)
        self.live_stops.get(plan_ref(plan), {}).pop(plan.order_id, None)
        self.changed(plan)

    def restore(self, plan: PlanState) -> None:
        """A plan read back from SQLite at start."""
        self.plans[plan.order_id] = plan
        self.plan_client_ids[(plan.uid, plan.client_oid)] = plan.order_id
        if plan.status == "live":
            if is_stop(plan):
                self.live_stops.setdefault(plan_ref(plan), {})[plan.order_id] = plan
            else:
                self.live_plans.setdefault(plan.symbol, {})[plan.order_id] = plan
        if plan.linked_order_id:
            self.linked_plans.setdefault(plan.linked_order_id, []).append(plan.order_id)

    def forget_user(self, uid: str) -> None:
        for plan in [p for p in self.plans.values() if p.uid == uid]:
            self.live_plans.get(plan.symbol, {}).pop(plan.order_id, None)
            self.live_stops.get(plan_ref(plan), {}).pop(plan.order_id, None)
            del self.plans[plan.order_id]
        for key in [k for k in self.plan_client_ids if k[0] == uid]:
            del self.plan_client_ids[key]

    def grow_linked(self, st: OrderState, pos: PositionState, k: int) -> None:
        """An order with a preset TP/SL opened ``k`` more lots: its plans are created, or grow by ``k``."""
        ids = self.linked_plans.get(st.order_id)
        if ids is None:
            ids = []
            for plan_type, trigger in (("profit_plan", st.preset_tp), ("loss_plan", st.preset_sl)):
                if trigger is not None:
                    plan = self.add(st.uid, pos.symbol, plan_type, trigger, "mark_price", None, pos.hold_side, k,
                                    linked=st.order_id)
                    ids.append(plan.order_id)
            self.linked_plans[st.order_id] = ids
            return
        for pid in ids:
            linked = self.plans.get(pid)
            if linked is not None and linked.status == "live" and linked.lots is not None:
                linked.lots += k
                self.changed(linked)

    # ---- placing ---------------------------------------------------------------------------------------------

    def place_tpsl(self, uid: str, market: SimMarket, plan_type: str, trigger_raw: object, hold_side: str,
                   size_raw: object, trigger_type: str | None, execute_raw: object,
                   client_oid: str | None, linked: str = "") -> PlanState:
        """``linked``: the order the plan belongs to with its siblings (a preset TP/SL's order, a V3 strategy order
        of several legs): when one fires, the others are cancelled."""
        plan_type = (plan_type or "").lower()
        if plan_type not in PLAN_TYPES:
            raise reject("40017", "Parameter planType error")
        user = self.state.fut_user(uid, market.symbol)
        side = {"buy": "long", "sell": "short"}.get((hold_side or "").lower(), (hold_side or "").lower())
        if side not in ("long", "short"):
            raise reject("40017", "Parameter holdSide error")
        info = market.info
        trigger = parse_decimal(trigger_raw, "triggerPrice")
        to_ticks(trigger, info.tick_size)
        ttype = (trigger_type or "mark_price").lower()
        if ttype not in ("mark_price", "fill_price"):
            raise reject("40017", "Parameter triggerType error")
        execute = None
        if execute_raw not in (None, "", "0"):
            execute = parse_decimal(execute_raw, "executePrice")
            to_ticks(execute, info.tick_size)
        if client_oid and (uid, client_oid) in self.plan_client_ids:
            raise reject("43118", "clientOrderId duplicate")
        pos = user.positions.get((market.symbol, side))
        if pos is None or pos.lots == 0:
            raise reject("22002", "No position to close")
        whole = plan_type.startswith("pos_")
        lots: int | None = None
        if not whole:
            lots = to_lots(parse_decimal(size_raw, "size"), info.lot_size, info.size_places)
        mark = self.state.markets[market.ref].mark
        profit = plan_type in ("profit_plan", "pos_profit")
        up = profit == (side == "long")
        if (trigger <= mark) if up else (trigger >= mark):
            raise reject("40917", "The trigger price is on the wrong side of the mark price")
        if whole:
            for old in self.position_plans(uid, market.symbol, side):
                if old.plan_type == plan_type:
                    self.cancel(old)
        return self.add(uid, market.symbol, plan_type, trigger, ttype, execute, side, lots,
                        client_oid=client_oid or "", linked=linked)

    # ---- firing ----------------------------------------------------------------------------------------------

    def fire(self, ms: MarketState, close: CloseMarket) -> None:
        """Fire the live plans of a futures market that its mark price reached, oldest first."""
        live = self.live_plans.get(ms.market.symbol)
        if live:
            for plan in sorted(live.values(), key=lambda p: int(p.order_id)):
                if plan.status == "live" and plan.triggered_by(ms.mark):
                    self._trigger(plan, close)

    def _trigger(self, plan: PlanState, close: CloseMarket) -> None:
        user = self.state.ledger(plan.symbol).users.get(plan.uid)
        pos = user.positions.get((plan.symbol, plan.hold_side)) if user is not None else None
        if user is None or pos is None or pos.lots == 0:
            self.cancel(plan)
            return
        whole = plan.plan_type in ("pos_profit", "pos_loss")
        if whole:
            for st in self.orders.close_orders(plan.uid, pos):
                self.orders.finish(st, OrderStatus.CANCELLED, "tpsl")
            lots = pos.lots
        else:
            lots = min(plan.lots or 0, pos.lots - pos.locked_lots)
        if lots <= 0:
            self.cancel(plan)
            return
        self.cancel(plan, "executed")
        try:
            st = close(plan.uid, plan.symbol, plan.hold_side, lots, "tpsl")
        except ExchangeError:
            plan.status = "fail_trigger"
            self.changed(plan)
            return
        plan.executed_order_id = st.order_id
        self.changed(plan)
        if plan.linked_order_id:
            for pid in self.linked_plans.get(plan.linked_order_id, []):
                sibling = self.plans.get(pid)
                if sibling is not None and sibling.status == "live":
                    self.cancel(sibling)
