"""Snapshots of trigger orders and trailing stops (``normal_plan``, ``track_plan``, ``moving_plan`` and spot plans)
for the facade, the server and the events. Kept apart from :mod:`~terminal_app.sim.engine.stops` so the TP/SL book
(:mod:`~terminal_app.sim.engine.triggers`) can render every plan without importing the stop engine."""

from __future__ import annotations

from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.sim.engine.futures import PlanOrder, PlanState
from terminal_app.sim.engine.state import EngineState
from terminal_app.sim.market.markets import find_futures

STOP_TYPES = frozenset({"normal_plan", "track_plan", "moving_plan"})


def is_stop(plan: PlanState) -> bool:
    """A trigger order or trailing stop (the stop engine's), not a TP/SL plan of the TP/SL book."""
    return plan.spot or plan.plan_type in STOP_TYPES


def plan_ref(plan: PlanState) -> SymbolRef:
    """The plan's market: spot, or the futures line that lists its symbol (USDT-M, coin-M, USDC-M)."""
    return SymbolRef(plan.symbol, Product.SPOT) if plan.spot else find_futures(plan.symbol).ref


def stop_view(state: EngineState, plan: PlanState) -> PlanOrder:
    return PlanOrder(
        order_id=plan.order_id, client_oid=plan.client_oid, uid=plan.uid, ref=plan_ref(plan),
        plan_type=plan.plan_type, trigger_price=plan.trigger_price, trigger_type=plan.trigger_type,
        execute_price=plan.execute_price, hold_side=plan.hold_side, size=plan.amount, status=plan.status,
        pos_mode=plan.pos_mode, side=plan.side, executed_order_id=plan.executed_order_id,
        linked_order_id=plan.linked_order_id, c_time=plan.c_time, u_time=plan.u_time, amount=plan.amount,
        callback_ratio=plan.callback_ratio, best=plan.best, trade_side=plan.trade_side,
        reduce_only=plan.reduce_only, order_type=plan.order_type, size_unit=plan.size_unit)
