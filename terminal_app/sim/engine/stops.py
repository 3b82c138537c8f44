"""Trigger orders and trailing stops, spot and every futures line: placing, modifying and firing them (the TP/SL book is
:mod:`~terminal_app.sim.engine.triggers`; both share its ``plans`` and clientOid index so one id finds any plan).

* ``normal_plan`` (futures) and spot plans: when the trigger price (last or mark, Bitget's ``triggerType``) is
  reached from the side it was on at placement, a market or limit order is placed; the plan becomes ``executed``
  with the order's id, or ``fail_trigger`` when the order is refused then (balance, no position to close…).
* ``track_plan`` (futures trailing stop) and ``moving_plan`` (a trailing TP/SL of a position): once the activation
  price (``triggerPrice``) is reached the best price since then is tracked, and a market order fires when the price
  comes back by ``callbackRatio`` percent (``core.algo.TrailState``).

Prices are checked at every market step, at the exact crossing (the trigger price itself fires). Nothing is frozen
while a plan waits, as on Bitget: the order it places is checked when it is placed.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from terminal_app.bitget.errors import ExchangeError
from terminal_app.core.algo import CALLBACK_MAX, TrailState, trigger_fires
from terminal_app.core.enums import Side, TradeSide, trade_direction
from terminal_app.sim.engine.futures import PlanState
from terminal_app.sim.engine.futures_orders import FuturesOrders
from terminal_app.sim.engine.orders import OrderState, parse_decimal, reject, to_lots, to_ticks
from terminal_app.sim.engine.spot_orders import SpotOrders
from terminal_app.sim.engine.state import EngineState
from terminal_app.sim.engine.stop_views import plan_ref
from terminal_app.sim.engine.triggers import TriggerBook
from terminal_app.sim.market.markets import SimMarket
from terminal_app.sim.market.state import MarketState

TRAILING = ("track_plan", "moving_plan")
TRIGGER_TYPES = ("fill_price", "mark_price")
HEDGE = "hedge_mode"


def parse_ratio(raw: object, name: str) -> Decimal:
    """A callback ratio in percent: above 0, at most 10, two decimals (Bitget's range)."""
    ratio = parse_decimal(raw, name)
    if ratio <= 0 or ratio > CALLBACK_MAX or ratio != ratio.quantize(Decimal("0.01")):
        raise reject("40017", f"Parameter {name} error")
    return ratio


def _trigger_type(raw: str | None) -> str:
    ttype = (raw or "fill_price").lower()
    if ttype not in TRIGGER_TYPES:
        raise reject("40017", "Parameter triggerType error")
    return ttype


class StopBook:
    """Places, modifies and fires trigger orders and trailing stops (see the module docstring)."""

    def __init__(self, state: EngineState, triggers: TriggerBook, spot_orders: SpotOrders,
                 futures_orders: FuturesOrders) -> None:
        self.state = state
        self.triggers = triggers
        self.spot_orders = spot_orders
        self.futures_orders = futures_orders

    # ---- prices ----------------------------------------------------------------------------------------------

    def price(self, ms: MarketState, trigger_type: str) -> Decimal:
        """What a trigger of ``trigger_type`` watches: the mark (futures) or the last trade price."""
        if trigger_type == "mark_price" and ms.market.is_futures and ms.mark > 0:
            return ms.mark
        ticks = ms.last_ticks if ms.last_ticks is not None else int(ms.fair_ticks + 0.5)
        return ticks * ms.market.tick

    def _upward(self, market: SimMarket, trigger: Decimal, trigger_type: str, direction: Side) -> bool:
        reference = self.price(self.state.markets[market.ref], trigger_type)
        return trigger > reference or (trigger == reference and direction == Side.BUY)

    # ---- placing ---------------------------------------------------------------------------------------------

    def _check_client_oid(self, uid: str, client_oid: str | None) -> None:
        if client_oid and ((uid, client_oid) in self.triggers.plan_client_ids
                           or (uid, client_oid) in self.state.client_ids):
            raise reject("43118", "clientOrderId duplicate")

    def _add(self, plan: PlanState) -> PlanState:
        triggers = self.triggers
        triggers.plans[plan.order_id] = plan
        triggers.live_stops.setdefault(plan_ref(plan), {})[plan.order_id] = plan
        triggers.plan_client_ids[(plan.uid, plan.client_oid)] = plan.order_id
        self.state.dirty_users.add(plan.uid)
        triggers.changed(plan)
        return plan

    def _new(self, uid: str, market: SimMarket, plan_type: str, trigger: Decimal, trigger_type: str,
             client_oid: str | None, **fields: object) -> PlanState:
        state = self.state
        order_id = state.next_order_id()
        user = state.ledger(market.symbol).users.get(uid) if market.is_futures else None
        pos_mode = user.pos_mode if user is not None else "one_way_mode"
        plan = PlanState(order_id, client_oid or order_id, uid, market.symbol, plan_type, trigger, trigger_type,
                         None, "", None, "live", pos_mode, state.now, state.now, spot=not market.is_futures)
        for name, value in fields.items():
            setattr(plan, name, value)
        return plan

    def place_futures(self, uid: str, market: SimMarket, plan_type: str, side: str, order_type: str,
                      size_raw: object, trigger_raw: object, trigger_type: str | None, price_raw: object,
                      trade_side: str | None, reduce_only: bool, client_oid: str | None,
                      callback_raw: object) -> PlanState:
        """``place-plan-order``: ``normal_plan`` (a stop, market or limit) or ``track_plan`` (trailing, market)."""
        if plan_type not in ("normal_plan", "track_plan"):
            raise reject("40017", "Parameter planType error")
        if market.symbol in self.state.delivered:
            raise reject("40309", "The contract has been removed")
        side = (side or "").lower()
        if side not in ("buy", "sell"):
            raise reject("40017", "Parameter side error")
        order_type = (order_type or "").lower()
        if order_type not in ("limit", "market"):
            raise reject("40017", "Parameter orderType error")
        info = market.info
        size = parse_decimal(size_raw, "size")
        lots = to_lots(size, info.lot_size, info.size_places)
        if size < info.min_size or lots == 0:
            raise reject("45111", "less than the minimum order quantity")
        trigger = parse_decimal(trigger_raw, "triggerPrice")
        to_ticks(trigger, info.tick_size)
        ttype = _trigger_type(trigger_type)
        execute = None
        ratio = None
        if plan_type == "track_plan":
            if order_type != "market":
                raise reject("40017", "Parameter orderType error: a trailing stop executes at market")
            ratio = parse_ratio(callback_raw, "callbackRatio")
        elif order_type == "limit":
            if price_raw in (None, ""):
                raise reject("40019", "Parameter price cannot be empty")
            execute = parse_decimal(price_raw, "price")
            to_ticks(execute, info.tick_size)
        ts = (trade_side or "").lower()
        user = self.state.fut_user(uid, market.symbol)
        if user.pos_mode == HEDGE:
            if ts not in ("open", "close"):
                raise reject("40774", "The order type for hedge position must also be the hedge position type")
        elif ts:
            raise reject("40774", "The order type for unilateral position must also be the unilateral position "
                                  "type.")
        self._check_client_oid(uid, client_oid)
        direction = trade_direction(Side(side), TradeSide(ts) if ts else None)
        # a sell trail activates at or above its price, a buy trail at or below; a stop fires toward its trigger
        upward = direction == Side.SELL if ratio is not None else self._upward(market, trigger, ttype, direction)
        plan = self._new(uid, market, plan_type, trigger, ttype, client_oid, side=side, trade_side=ts,
                         reduce_only=bool(reduce_only) and user.pos_mode != HEDGE, order_type=order_type,
                         amount=size, execute_price=execute, upward=upward, callback_ratio=ratio)
        return self._add(plan)

    def place_moving(self, uid: str, market: SimMarket, hold_side: str, size_raw: object, trigger_raw: object,
                     trigger_type: str | None, range_raw: object, client_oid: str | None) -> PlanState:
        """``place-tpsl-order`` with ``moving_plan``: a trailing stop that closes ``size`` of a position."""
        side = {"buy": "long", "sell": "short"}.get((hold_side or "").lower(), (hold_side or "").lower())
        if side not in ("long", "short"):
            raise reject("40017", "Parameter holdSide error")
        info = market.info
        trigger = parse_decimal(trigger_raw, "triggerPrice")
        to_ticks(trigger, info.tick_size)
        size = parse_decimal(size_raw, "size")
        to_lots(size, info.lot_size, info.size_places)
        ratio = parse_ratio(range_raw, "rangeRate")
        pos = self.state.fut_user(uid, market.symbol).positions.get((market.symbol, side))
        if pos is None or pos.lots == 0:
            raise reject("22002", "No position to close")
        self._check_client_oid(uid, client_oid)
        closing = "sell" if side == "long" else "buy"
        plan = self._new(uid, market, "moving_plan", trigger, _trigger_type(trigger_type or "mark_price"),
                         client_oid, side=closing, hold_side=side, order_type="market", reduce_only=True,
                         amount=size, upward=closing == "sell", callback_ratio=ratio)
        return self._add(plan)

    def place_spot(self, uid: str, market: SimMarket, side: str, order_type: str, size_raw: object,
                   trigger_raw: object, trigger_type: str | None, execute_raw: object, size_unit: str | None,
                   force: str | None, client_oid: str | None) -> PlanState:
        """Spot ``place-plan-order``: ``planType`` ``amount`` sizes in the base coin, ``total`` in the quote coin
        (market buys only)."""
        side = (side or "").lower()
        if side not in ("buy", "sell"):
            raise reject("40017", "Parameter side error")
        order_type = (order_type or "").lower()
        if order_type not in ("limit", "market"):
            raise reject("40017", "Parameter orderType error")
        unit = (size_unit or "amount").lower()
        if unit not in ("amount", "total") or (unit == "total" and (order_type, side) != ("market", "buy")):
            raise reject("40017", "Parameter planType error")
        info = market.info
        size = parse_decimal(size_raw, "size")
        if unit == "amount":
            lots = to_lots(size, info.lot_size, info.size_places)
            if size < info.min_size or lots == 0:
                raise reject("45111", "less than the minimum order quantity")
        elif size < info.min_notional:
            raise reject("45110", f"less than the minimum amount {info.min_notional} USDT")
        trigger = parse_decimal(trigger_raw, "triggerPrice")
        to_ticks(trigger, info.tick_size)
        ttype = _trigger_type(trigger_type)
        execute = None
        if order_type == "limit":
            execute = parse_decimal(execute_raw, "executePrice")
            to_ticks(execute, info.tick_size)
        self._check_client_oid(uid, client_oid)
        plan = self._new(uid, market, "normal_plan", trigger, ttype, client_oid, side=side, order_type=order_type,
                         amount=size, execute_price=execute, size_unit=unit, force=(force or "gtc").lower(),
                         upward=self._upward(market, trigger, ttype, Side(side)))
        return self._add(plan)

    # ---- modifying -------------------------------------------------------------------------------------------

    def modify(self, plan: PlanState, market: SimMarket, trigger_raw: object = None, trigger_type: str | None = None,
               price_raw: object = None, size_raw: object = None, callback_raw: object = None,
               order_type: str | None = None) -> PlanState:
        """``modify-plan-order`` (spot and futures) and ``modify-tpsl-order`` of a trailing TP/SL: what is given
        changes, the rest stays. A new trigger is placed relative to the current price again."""
        info = market.info
        if order_type:
            order_type = order_type.lower()
            if order_type not in ("limit", "market") or (order_type == "limit" and plan.callback_ratio is not None):
                raise reject("40017", "Parameter orderType error")
            plan.order_type = order_type
            if order_type == "market":
                plan.execute_price = None
        if trigger_type:
            plan.trigger_type = _trigger_type(trigger_type)
        if price_raw not in (None, "", "0") and plan.callback_ratio is None:
            plan.execute_price = parse_decimal(price_raw, "price")
            to_ticks(plan.execute_price, info.tick_size)
            plan.order_type = "limit"
        if plan.order_type == "limit" and plan.execute_price is None:
            raise reject("40019", "Parameter price cannot be empty")
        if size_raw not in (None, ""):
            size = parse_decimal(size_raw, "size")
            if plan.size_unit == "amount":
                lots = to_lots(size, info.lot_size, info.size_places)
                if size < info.min_size or lots == 0:
                    raise reject("45111", "less than the minimum order quantity")
            plan.amount = size
        if callback_raw not in (None, ""):
            if plan.callback_ratio is None:
                raise reject("40017", "Parameter callbackRatio error: only a trailing stop has one")
            plan.callback_ratio = parse_ratio(callback_raw, "callbackRatio")
        if trigger_raw not in (None, ""):
            trigger = parse_decimal(trigger_raw, "triggerPrice")
            to_ticks(trigger, info.tick_size)
            plan.trigger_price = trigger
            if plan.callback_ratio is None:
                plan.upward = self._upward(market, trigger, plan.trigger_type, self._direction(plan))
        plan.u_time = self.state.now
        self.triggers.changed(plan)
        return plan

    def modify_tpsl(self, plan: PlanState, market: SimMarket, trigger_raw: object, trigger_type: str | None,
                    execute_raw: object, size_raw: object) -> PlanState:
        """``modify-tpsl-order`` of a TP/SL plan: 40917 when the new trigger is on the wrong side of the mark."""
        info = market.info
        trigger = parse_decimal(trigger_raw, "triggerPrice")
        to_ticks(trigger, info.tick_size)
        mark = self.state.markets[market.ref].mark
        up = plan.is_profit == (plan.hold_side == "long")
        if (trigger <= mark) if up else (trigger >= mark):
            raise reject("40917", "The trigger price is on the wrong side of the mark price")
        if trigger_type:
            plan.trigger_type = _trigger_type(trigger_type)
        if execute_raw in (None, "", "0"):
            plan.execute_price = None
        else:
            plan.execute_price = parse_decimal(execute_raw, "executePrice")
            to_ticks(plan.execute_price, info.tick_size)
        if size_raw not in (None, "") and plan.lots is not None:
            plan.lots = to_lots(parse_decimal(size_raw, "size"), info.lot_size, info.size_places)
        plan.trigger_price = trigger
        plan.u_time = self.state.now
        self.triggers.changed(plan)
        return plan

    # ---- firing ----------------------------------------------------------------------------------------------

    @staticmethod
    def _direction(plan: PlanState) -> Side:
        ts = TradeSide(plan.trade_side) if plan.trade_side else None
        return trade_direction(Side(plan.side), ts)

    def fire(self, ms: MarketState) -> None:
        """Fire the live stops of one market whose trigger its price reached, oldest first."""
        live = self.triggers.live_stops.get(ms.ref)
        if not live:
            return
        for plan in sorted(live.values(), key=lambda p: int(p.order_id)):
            price = self.price(ms, plan.trigger_type)
            if plan.callback_ratio is not None:
                trail = TrailState(self._direction(plan), plan.trigger_price, plan.upward, plan.callback_ratio,
                                   plan.best)
                fired = trail.update(price)
                if trail.best != plan.best:
                    plan.best = trail.best
                    self.state.dirty_plans[plan.order_id] = plan  # saved, not pushed: it moves with the market
                if fired:
                    self._execute(plan, ms)
            elif trigger_fires(plan.trigger_price, plan.upward, price):
                self._execute(plan, ms)

    def _execute(self, plan: PlanState, ms: MarketState) -> None:
        self.triggers.live_stops.get(ms.ref, {}).pop(plan.order_id, None)
        plan.u_time = self.state.now
        try:
            st = self._place_order(plan, ms)
        except ExchangeError:
            plan.status = "fail_trigger"
        else:
            plan.status = "executed"
            plan.executed_order_id = st.order_id
        self.triggers.changed(plan)

    def _place_order(self, plan: PlanState, ms: MarketState) -> OrderState:
        market = ms.market
        size = plan.amount or Decimal(0)
        if plan.plan_type == "moving_plan":
            user = self.state.ledger(plan.symbol).users.get(plan.uid)
            pos = user.positions.get((plan.symbol, plan.hold_side)) if user is not None else None
            lots = 0 if pos is None else min(to_lots(size, market.info.lot_size, market.info.size_places),
                                             pos.lots - pos.locked_lots)
            if lots <= 0:
                raise reject("22002", "No position to close")
            return self.futures_orders.close_market(plan.uid, plan.symbol, plan.hold_side, lots, "tpsl")
        if plan.spot:
            if plan.order_type == "market" and plan.side == "buy" and plan.size_unit == "amount":
                # a market buy spends quote: the base size at the price it fires at, cut to the quote's decimals
                places = Decimal(1).scaleb(-market.info.quote_places)
                size = (size * self.price(ms, "fill_price")).quantize(places, rounding=ROUND_DOWN)
            return self.spot_orders.place(plan.uid, market, plan.side, plan.order_type, size, plan.execute_price,
                                          plan.force, None)
        return self.futures_orders.place(plan.uid, market, plan.side, plan.order_type, size, plan.execute_price,
                                         "gtc", None, None, plan.trade_side or None, plan.reduce_only,
                                         origin="plan")
