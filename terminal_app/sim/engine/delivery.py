"""Delivery of dated (coin-M quarterly) contracts at expiry, as Bitget describes it (support articles 12511874540313
"Delivery Futures" and 12560603845783 "Coin-M delivery futures on Bitget", 2025-12-15):

* the delivery price is the arithmetic mean of the index price over the hour before ``deliveryTime``; here over
  ``[deliveryStartTime, deliveryTime)``, sampled at every market step (the current index when no step fell in it);
* at ``deliveryTime`` every open position is closed at the delivery price, its PnL and a delivery fee at the taker
  rate settled in the margin coin (inverse arithmetic for coin-M, ``engine.futures``);
* the contract's open orders and plan orders are cancelled and it stops trading: ``symbolStatus`` ``off``, new orders
  40309 "The contract has been removed" (ccxt's bitget.ts maps 40309 to BadSymbol).

Each delivered position leaves what Bitget's records show: a filled order with ``orderSource``
``delivery_close_long``/``delivery_close_short`` (typed-bitget's order-history enum), a fill whose ``tradeSide`` is
``delivery_close_long``/``_short`` in hedge mode or ``delivery_sell_single``/``delivery_buy_single`` in one-way mode
(typed-bitget's ``MixTradeSide``), and a bill row ``delivery_long``/``delivery_short`` (ccxt's ledger types). The
position, order, fill and account pushes follow from the state they touch.

A test or demo moves a contract's delivery near with :meth:`DeliveryDesk.schedule`; nothing here sleeps.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from terminal_app.sim.engine.futures import HEDGE, FuturesUser, PositionState, in_margin_coin, wallet
from terminal_app.sim.engine.futures_settlement import FuturesSettler
from terminal_app.sim.engine.lifecycle import OrderLifecycle
from terminal_app.sim.engine.liquidation import record_forced_close
from terminal_app.sim.engine.orders import OrderStatus, reject
from terminal_app.sim.engine.state import Delivery, EngineState
from terminal_app.sim.engine.triggers import TriggerBook
from terminal_app.sim.market.markets import find_futures
from terminal_app.sim.market.price import HOUR_MS
from terminal_app.sim.market.state import MarketState

ZERO = Decimal(0)
REMOVED = ("40309", "The contract has been removed")


@dataclass(slots=True)
class Schedule:
    """One delivery contract's times (ms) and its index samples in the averaging window."""

    start: int                     # deliveryStartTime: the averaging window opens
    time: int                      # deliveryTime
    total: Decimal = ZERO
    count: int = 0


class DeliveryDesk:
    """Delivery times, the averaging window and the settlement at expiry of every delivery contract."""

    def __init__(self, state: EngineState, orders: OrderLifecycle, triggers: TriggerBook,
                 settler: FuturesSettler) -> None:
        self.state = state
        self.orders = orders
        self.triggers = triggers
        self.settler = settler
        self.schedules: dict[str, Schedule] = {}
        for ms in state.markets.values():
            m = ms.market
            if m.is_futures and m.is_delivery:
                self.schedules[m.symbol] = Schedule(int(m.raw["deliveryStartTime"]), int(m.raw["deliveryTime"]))

    # ---- reading -------------------------------------------------------------------------------------------------

    def delivered(self, symbol: str) -> Delivery | None:
        return self.state.delivered.get(symbol.upper())

    def contract_fields(self, symbol: str) -> dict[str, str]:
        """The contract-list fields that change with delivery (none for a perpetual): ``deliveryTime``,
        ``deliveryStartTime``, ``symbolStatus``."""
        schedule = self.schedules.get(symbol)
        if schedule is None:
            return {}
        return {"deliveryTime": str(schedule.time), "deliveryStartTime": str(schedule.start),
                "symbolStatus": "off" if symbol in self.state.delivered else "normal"}

    def ticker_fields(self, symbol: str) -> dict[str, str]:
        """The ticker's ``deliveryStartTime``/``deliveryTime``/``deliveryStatus`` (typed-bitget's live enum:
        ``delivery_normal`` before the window, ``delivery_before`` in it, ``delivery_period`` once delivered; the
        mapping of the last two is ours)."""
        schedule = self.schedules.get(symbol)
        if schedule is None:
            return {}
        now = self.state.now
        status = ("delivery_period" if symbol in self.state.delivered else
                  "delivery_before" if now >= schedule.start else "delivery_normal")
        return {"deliveryStartTime": str(schedule.start), "deliveryTime": str(schedule.time), "deliveryStatus": status}

    def ws_ticker_fields(self, symbol: str) -> dict[str, object]:
        """What the WebSocket ``ticker`` of a delivery contract says of it (none for a perpetual, which keeps
        ``symbolType`` 1 and ``deliveryPrice`` "0"): ``symbolType`` 2 and ``deliveryPrice``, "0" until the averaging
        window opens ("pushed 1 hour before delivery", api-doc/contract/websocket/public/Tickers-Channel), then the
        mean of the index so far (our reading: the docs do not say what is pushed during that hour), and the price
        delivered at once it is. The WebSocket ticker documents no ``deliveryTime`` (the REST ticker and the contract
        list carry it)."""
        schedule = self.schedules.get(symbol)
        if schedule is None:
            return {}
        done = self.state.delivered.get(symbol)
        if done is not None:
            price = done.price
        elif self.state.now >= schedule.start and schedule.count:
            tick = self.state.futures_market(symbol).market.tick
            price = (schedule.total / schedule.count / tick).to_integral_value(ROUND_HALF_UP) * tick
        else:
            price = ZERO
        return {"symbolType": 2, "deliveryPrice": format(price.normalize(), "f") if price else "0"}

    # ---- test hook -----------------------------------------------------------------------------------------------

    def schedule(self, symbol: str, delivery_ms: int, window_ms: int = HOUR_MS) -> None:
        """Move a delivery contract's delivery to ``delivery_ms``, its averaging window to the ``window_ms`` before
        (tests and demos: a contract that expires in a few seconds). 40034 for a perpetual, 40309 once delivered."""
        market = find_futures(symbol)
        schedule = self.schedules.get(market.symbol)
        if schedule is None:
            raise reject("40034", "Parameter symbol does not exist")
        if market.symbol in self.state.delivered:
            raise reject(*REMOVED)
        self.schedules[market.symbol] = Schedule(delivery_ms - max(window_ms, 0), delivery_ms)

    # ---- the market step -----------------------------------------------------------------------------------------

    def step(self, t: int) -> None:
        """Sample the index of contracts in their window; deliver those whose time has come."""
        state = self.state
        for symbol, schedule in self.schedules.items():
            if symbol in state.delivered or t < schedule.start:
                continue
            ms = state.futures_market(symbol)
            if t >= schedule.time:
                self._deliver(ms, schedule, t)
            elif ms.index > 0:
                schedule.total += ms.index
                schedule.count += 1

    def _deliver(self, ms: MarketState, schedule: Schedule, t: int) -> None:
        state = self.state
        m = ms.market
        mean = schedule.total / schedule.count if schedule.count else ms.index
        price = (mean / m.tick).to_integral_value(ROUND_HALF_UP) * m.tick
        state.delivered[m.symbol] = Delivery(m.symbol, price, t)
        for uid in sorted(state.open_by_user):
            for st in sorted(state.open_by_user[uid].values(), key=lambda s: s.seq):
                if st.market is m:
                    self.orders.finish(st, OrderStatus.CANCELLED, "delivery")
        for plan in [p for p in self.triggers.plans.values() if p.symbol == m.symbol and p.status == "live"]:
            self.triggers.cancel(plan)
        ledger = state.ledger(m.symbol)
        for uid in sorted(state.pos_users.get(m.symbol, ())):
            user = ledger.users[uid]
            for hold_side in ("long", "short"):
                pos = user.positions.get((m.symbol, hold_side))
                if pos is not None and pos.lots:
                    self._close(user, pos, ms, price)

    def _close(self, user: FuturesUser, pos: PositionState, ms: MarketState, price: Decimal) -> None:
        state = self.state
        m = ms.market
        ledger = state.ledger(m.symbol)
        fee = in_margin_coin(price * pos.lots * m.lot * m.info.taker_fee, price, m.inverse)
        hold = pos.hold_side
        if user.pos_mode == HEDGE:
            trade_side = f"delivery_close_{hold}"
        else:
            trade_side = "delivery_sell_single" if hold == "long" else "delivery_buy_single"
        lots = pos.lots
        profit = self.settler.close_whole(user, pos, price, m.lot, m.inverse)
        record_forced_close(state, self.orders, user, pos, lots, m, price, profit, fee, f"delivery_close_{hold}",
                            trade_side)
        user.cash -= fee
        ledger.fees += fee
        pos.total_fee += fee
        user.u_time = state.now
        state.bills.add_futures(user.uid, m.symbol, m.margin_coin, f"delivery_{hold}", profit, -fee, wallet(user),
                                state.now)
        state.dirty_users.add(user.uid)
        self.settler.position_closed(user, pos, "delivery")
