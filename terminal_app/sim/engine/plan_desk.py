"""The facade's plan-order desk (``Exchange.plans``): trigger orders, trailing stops and TP/SL orders of spot and
every futures line (USDT-M, coin-M, USDC-M), as the REST routes of ``sim.server.plan_routes`` need them: place,
modify, cancel (one, or all of some types), list (pending or finished).

Every call brings the market to the clock first and, after it, sends its events and saves (the facade's
``_user``/``_done``), like the facade's own trading calls. Plan types are Bitget's words: ``normal_plan``,
``track_plan``, ``moving_plan``, ``profit_plan``, ``loss_plan``, ``pos_profit``, ``pos_loss``; spot plans are
``normal_plan`` here (Bitget's spot ``planType`` ``amount``/``total`` is their size unit).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal

from terminal_app.bitget.errors import ExchangeError
from terminal_app.core.instruments import Product
from terminal_app.sim.engine.engine import Engine
from terminal_app.sim.engine.futures import PlanOrder, PlanState
from terminal_app.sim.engine.orders import reject
from terminal_app.sim.engine.stop_views import is_stop, plan_ref
from terminal_app.sim.market.markets import find_futures, find_market

DecimalLike = Decimal | str | int
# one leg of a TP/SL order of several plans: (planType, trigger price, triggerType, execute price or None)
TpslLeg = tuple[str, DecimalLike, str | None, DecimalLike | None]
TPSL_TYPES = frozenset({"profit_plan", "loss_plan", "pos_profit", "pos_loss", "moving_plan"})


class PlanDesk:
    """Plan orders of every kind (see the module docstring). ``user(uid)`` syncs the market and returns the engine;
    ``done()`` dispatches events and saves."""

    def __init__(self, user: Callable[[str], Engine], done: Callable[[], None]) -> None:
        self._user = user
        self._done = done

    @contextmanager
    def _call(self, uid: str) -> Iterator[Engine]:
        engine = self._user(uid)
        try:
            yield engine
        finally:
            self._done()

    # ---- placing ---------------------------------------------------------------------------------------------

    def place_futures(self, uid: str, symbol: str, plan_type: str, side: str, order_type: str, size: DecimalLike,
                      trigger_price: DecimalLike, *, trigger_type: str | None = None,
                      price: DecimalLike | None = None, trade_side: str | None = None, reduce_only: bool = False,
                      client_oid: str | None = None, callback_ratio: DecimalLike | None = None,
                      margin_mode: str | None = None) -> PlanOrder:
        """``normal_plan`` (stop-market / stop-limit) or ``track_plan`` (trailing, ``callback_ratio`` percent).
        ``margin_mode`` switches the symbol's margin mode first, as a futures order does."""
        with self._call(uid) as engine:
            market = find_futures(symbol)
            if margin_mode:
                engine.settings.set_margin_mode(uid, market, margin_mode)
            plan = engine.stops.place_futures(uid, market, plan_type, side, order_type, size, trigger_price,
                                              trigger_type, price, trade_side, reduce_only, client_oid,
                                              callback_ratio)
            return engine.triggers.view(plan)

    def place_tpsl(self, uid: str, symbol: str, plan_type: str, trigger_price: DecimalLike, hold_side: str, *,
                   size: DecimalLike | None = None, trigger_type: str | None = None,
                   execute_price: DecimalLike | None = None, range_rate: DecimalLike | None = None,
                   client_oid: str | None = None) -> PlanOrder:
        """``place-tpsl-order``: the TP/SL kinds (``sim.engine.triggers``) and ``moving_plan`` (a trailing stop
        closing ``size`` of the position, callback ``range_rate`` percent)."""
        with self._call(uid) as engine:
            market = find_futures(symbol)
            if plan_type == "moving_plan":
                plan = engine.stops.place_moving(uid, market, hold_side, size, trigger_price, trigger_type,
                                                 range_rate, client_oid)
            else:
                plan = engine.triggers.place_tpsl(uid, market, plan_type, trigger_price, hold_side, size,
                                                  trigger_type, execute_price, client_oid)
            return engine.triggers.view(plan)

    def place_spot(self, uid: str, symbol: str, side: str, order_type: str, size: DecimalLike,
                   trigger_price: DecimalLike, *, trigger_type: str | None = None,
                   execute_price: DecimalLike | None = None, size_unit: str | None = None, force: str | None = None,
                   client_oid: str | None = None) -> PlanOrder:
        with self._call(uid) as engine:
            market = find_market(symbol, Product.SPOT)
            plan = engine.stops.place_spot(uid, market, side, order_type, size, trigger_price, trigger_type,
                                           execute_price, size_unit, force, client_oid)
            return engine.triggers.view(plan)

    # ---- finding, modifying, cancelling ----------------------------------------------------------------------

    @staticmethod
    def _find(engine: Engine, uid: str, product: Product, symbol: str | None, order_id: str | None,
              client_oid: str | None) -> PlanState:
        code = "43001" if product is Product.SPOT else "40768"
        if not order_id and not client_oid:
            raise reject("40019", "Parameter orderId or clientOid cannot be empty")
        triggers = engine.triggers
        pid = order_id or triggers.plan_client_ids.get((uid, client_oid or ""))
        plan = triggers.plans.get(pid or "")
        if (plan is None or plan.uid != uid or plan.status != "live" or plan_ref(plan).product is not product
                or (symbol and plan.symbol != symbol.upper())):
            raise reject(code, "The order does not exist")
        return plan

    def modify(self, uid: str, product: Product, symbol: str | None, *, order_id: str | None = None,
               client_oid: str | None = None, trigger_price: DecimalLike | None = None,
               trigger_type: str | None = None, price: DecimalLike | None = None, size: DecimalLike | None = None,
               callback_ratio: DecimalLike | None = None, order_type: str | None = None) -> PlanOrder:
        """``modify-plan-order`` of a trigger order or trailing stop (spot or futures)."""
        with self._call(uid) as engine:
            plan = self._find(engine, uid, product, symbol, order_id, client_oid)
            if not is_stop(plan):
                raise reject("40017", "Parameter planType error: modify a TP/SL order with modify-tpsl-order")
            market = find_market(plan.symbol, product)
            engine.stops.modify(plan, market, trigger_price, trigger_type, price, size, callback_ratio, order_type)
            return engine.triggers.view(plan)

    def modify_tpsl(self, uid: str, symbol: str, *, order_id: str | None = None, client_oid: str | None = None,
                    trigger_price: DecimalLike, trigger_type: str | None = None,
                    execute_price: DecimalLike | None = None, size: DecimalLike | None = None,
                    range_rate: DecimalLike | None = None) -> PlanOrder:
        """``modify-tpsl-order``: a TP/SL plan, or a trailing TP/SL (``moving_plan``: trigger, size, range rate)."""
        with self._call(uid) as engine:
            market = find_futures(symbol)
            plan = self._find(engine, uid, market.ref.product, symbol, order_id, client_oid)
            if plan.plan_type not in TPSL_TYPES:
                raise reject("40017", "Parameter planType error: modify a trigger order with modify-plan-order")
            if plan.plan_type == "moving_plan":
                engine.stops.modify(plan, market, trigger_price, trigger_type, None, size, range_rate)
            else:
                engine.stops.modify_tpsl(plan, market, trigger_price, trigger_type, execute_price, size)
            return engine.triggers.view(plan)

    def cancel(self, uid: str, product: Product, symbol: str | None, *, order_id: str | None = None,
               client_oid: str | None = None) -> PlanOrder:
        with self._call(uid) as engine:
            plan = self._find(engine, uid, product, symbol, order_id, client_oid)
            engine.triggers.cancel(plan)
            return engine.triggers.view(plan)

    def cancel_all(self, uid: str, product: Product, symbol: str | None = None,
                   plan_types: Collection[str] | None = None) -> list[PlanOrder]:
        """Cancel every live plan of ``product`` (of ``symbol``; of ``plan_types``), oldest first."""
        with self._call(uid) as engine:
            out = []
            for plan in self._select(engine, uid, product, symbol, plan_types, pending=True, newest_first=False):
                engine.triggers.cancel(plan)
                out.append(engine.triggers.view(plan))
            return out

    # ---- orders of several plans (V3 strategy orders) ---------------------------------------------------------

    def place_tpsl_group(self, uid: str, symbol: str, hold_side: str, legs: Sequence[TpslLeg], *,
                         size: DecimalLike | None = None, client_oid: str | None = None
                         ) -> tuple[str, list[PlanOrder]]:
        """One order of several TP/SL plans of a position (V3's strategy order: a take-profit and a stop-loss under
        one id): the plans are linked as a preset TP/SL's are (one firing cancels the others) under a new id, which
        is returned with them. ``size`` None: whole-position plans (``pos_profit``/``pos_loss``). The first plan
        carries ``client_oid``. A leg refused after others were placed cancels those."""
        with self._call(uid) as engine:
            market = find_market(symbol, Product.USDT_FUTURES)
            triggers = engine.triggers
            group = engine.state.next_order_id()
            plans: list[PlanState] = []
            try:
                for plan_type, trigger, trigger_type, execute in legs:
                    plans.append(triggers.place_tpsl(uid, market, plan_type, trigger, hold_side, size, trigger_type,
                                                     execute, None if plans else (client_oid or group),
                                                     linked=group))
            except ExchangeError:
                for plan in plans:
                    triggers.cancel(plan)
                raise
            triggers.linked_plans[group] = [p.order_id for p in plans]
            return group, [triggers.view(p) for p in plans]

    @staticmethod
    def _group(engine: Engine, uid: str, order_id: str | None, client_oid: str | None) -> list[PlanState]:
        triggers = engine.triggers
        if not order_id:
            found = triggers.plans.get(triggers.plan_client_ids.get((uid, client_oid or ""), ""))
            order_id = (found.linked_order_id or found.order_id) if found is not None else None
        ids = triggers.linked_plans.get(order_id or "") or [order_id or ""]
        return [p for pid in ids if (p := triggers.plans.get(pid)) is not None and p.uid == uid]

    def group(self, uid: str, order_id: str | None = None, client_oid: str | None = None) -> list[PlanOrder]:
        """The plans of one order (a linked group's, or the one plan of that id), in any state, oldest first."""
        with self._call(uid) as engine:
            return [engine.triggers.view(p) for p in self._group(engine, uid, order_id, client_oid)]

    def cancel_group(self, uid: str, order_id: str | None = None, client_oid: str | None = None
                     ) -> list[PlanOrder]:
        """Cancel the live plans of one order (see :meth:`group`); 40768 when none is live."""
        with self._call(uid) as engine:
            live = [p for p in self._group(engine, uid, order_id, client_oid) if p.status == "live"]
            if not live:
                raise reject("40768", "The order does not exist")
            for plan in live:
                engine.triggers.cancel(plan)
            return [engine.triggers.view(p) for p in live]

    # ---- listing ---------------------------------------------------------------------------------------------

    @staticmethod
    def _select(engine: Engine, uid: str, product: Product, symbol: str | None,
                plan_types: Collection[str] | None, *, pending: bool, newest_first: bool = True) -> list[PlanState]:
        sym = symbol.upper() if symbol else None
        plans = [p for p in engine.triggers.plans.values()
                 if p.uid == uid and plan_ref(p).product is product and (sym is None or p.symbol == sym)
                 and (plan_types is None or p.plan_type in plan_types) and (p.status == "live") == pending]
        return sorted(plans, key=lambda p: int(p.order_id), reverse=newest_first)

    def orders(self, uid: str, product: Product, symbol: str | None = None,
               plan_types: Collection[str] | None = None, *, pending: bool = True) -> list[PlanOrder]:
        """Live (``pending``) or finished plans, newest first."""
        with self._call(uid) as engine:
            return [engine.triggers.view(p)
                    for p in self._select(engine, uid, product, symbol, plan_types, pending=pending)]
