"""The engine: one object that composes the collaborators of the simulated exchange and runs a market step.

Each job has its own class, all working on one :class:`~terminal_app.sim.engine.state.EngineState`:

* ``orders`` (:mod:`~terminal_app.sim.engine.lifecycle`): an order's life — admitted, filled, finished, found;
* ``matcher`` (:mod:`~terminal_app.sim.engine.matcher`): price-time matching, settled by the
  :mod:`~terminal_app.sim.engine.spot_settlement` or :mod:`~terminal_app.sim.engine.futures_settlement` settler;
* ``spot_orders`` / ``futures_orders``: placing (and modifying, closing) orders with Bitget's rules;
* ``settings`` (:mod:`~terminal_app.sim.engine.account_settings`): leverage, margin mode, position mode;
* ``triggers`` (:mod:`~terminal_app.sim.engine.triggers`): TP/SL plan orders and their firing;
* ``stops`` (:mod:`~terminal_app.sim.engine.stops`): trigger orders and trailing stops, spot and futures;
* ``funding`` (:mod:`~terminal_app.sim.engine.funding`): funding times, rates, charges and bills;
* ``liquidator`` (:mod:`~terminal_app.sim.engine.liquidation`): maintenance checks and liquidations;
* ``delivery`` (:mod:`~terminal_app.sim.engine.delivery`): delivery contracts settled at expiry;
* ``views`` (:mod:`~terminal_app.sim.engine.views`): position, account and settings snapshots;
* ``accounts`` (:mod:`~terminal_app.sim.engine.accounts`): opening, removing and funding users;
* ``flow`` (:mod:`~terminal_app.sim.market.flow`): the house's quotes and synthetic trades.

The facade (:mod:`~terminal_app.sim.engine.exchange`) calls them; this class only builds them and steps the market.
"""

from __future__ import annotations

from terminal_app.sim.engine.account_settings import AccountSettings
from terminal_app.sim.engine.accounts import UserAccounts
from terminal_app.sim.engine.delivery import DeliveryDesk
from terminal_app.sim.engine.funding import FundingScheduler
from terminal_app.sim.engine.futures import FuturesLedger
from terminal_app.sim.engine.futures_orders import FuturesOrders
from terminal_app.sim.engine.futures_settlement import FuturesSettler
from terminal_app.sim.engine.lifecycle import OrderLifecycle
from terminal_app.sim.engine.liquidation import Liquidator
from terminal_app.sim.engine.matcher import Matcher
from terminal_app.sim.engine.spot_accounts import SpotLedger
from terminal_app.sim.engine.spot_orders import SpotOrders
from terminal_app.sim.engine.spot_settlement import SpotSettler
from terminal_app.sim.engine.state import EngineState
from terminal_app.sim.engine.stops import StopBook
from terminal_app.sim.engine.transfers import Transfers
from terminal_app.sim.engine.triggers import TriggerBook
from terminal_app.sim.engine.views import FuturesViews
from terminal_app.sim.market.flow import SyntheticFlow
from terminal_app.sim.market.state import build_markets


class Engine:
    """Markets, books, users, orders and money (``quiet``: no makers nor synthetic trades)."""

    def __init__(self, seed: int, *, step_ms: int, churn: int, quiet: bool = False) -> None:
        state = self.state = EngineState(build_markets(seed))
        self.orders = OrderLifecycle(state)
        self.triggers = TriggerBook(state, self.orders)
        self.futures_settler = FuturesSettler(state, self.orders, self.triggers)
        self.matcher = Matcher(state, self.orders, SpotSettler(state, self.orders), self.futures_settler)
        self.spot_orders = SpotOrders(state, self.orders, self.matcher)
        self.settings = AccountSettings(state, self.triggers)
        self.futures_orders = FuturesOrders(state, self.orders, self.matcher, self.settings)
        self.stops = StopBook(state, self.triggers, self.spot_orders, self.futures_orders)
        self.funding = FundingScheduler(state)
        self.liquidator = Liquidator(state, self.orders, self.futures_settler)
        self.delivery = DeliveryDesk(state, self.orders, self.triggers, self.futures_settler)
        self.views = FuturesViews(state, self.triggers)
        self.accounts = UserAccounts(state, self.orders, self.triggers, self.funding)
        self.transfers = Transfers(state)
        self.flow = SyntheticFlow(self.matcher.house_take, step_ms=step_ms, churn=churn, quiet=quiet)

    @property
    def spot(self) -> SpotLedger:
        return self.state.spot

    @property
    def fut(self) -> FuturesLedger:
        return self.state.fut

    def start(self, t: int) -> None:
        """Build every book at time ``t`` (before the first step); the first funding is the next one after ``t``
        (none is charged for time the simulator did not run)."""
        self.state.now = t
        for ms in self.state.markets.values():
            self.flow.quote(ms, t)
            if ms.market.is_futures and not ms.market.is_delivery:
                self.funding.schedule(ms.market, t)
            ms.book.bids.take_changes()
            ms.book.asks.take_changes()

    def step(self, t: int) -> None:
        """One market step to time ``t``: trades and quotes, funding, TP/SL and stop triggers, liquidations, then
        deliveries (a delivered contract no longer quotes nor trades).

        The synthetic takers trade before the maker quotes: a request only ever sees the book between two steps, and
        quoting last refills every level the takers ate below a quarter of a level, so the touch a user's small
        market order meets is never a taker's leftover (quoting first left the best bid or ask thinner than that
        after 0.2-0.6 % of steps, and a 0.05 ETH sale then filled in two trades). The takers meet the previous
        step's quotes, at most one step (100 ms) old."""
        state = self.state
        state.now = t
        state.spot.now = t
        state.counters["steps"] += 1
        flow = self.flow
        delivered = state.delivered
        for ms in state.markets.values():
            ms.traded = False
            if ms.market.symbol in delivered and ms.market.is_futures:
                continue
            flow.trade(ms)
            flow.quote(ms, t)
        self.funding.settle(t)
        close = self.futures_orders.close_market
        for ms in state.markets.values():
            if ms.market.is_futures:
                self.triggers.fire(ms, close)
            self.stops.fire(ms)
        self.liquidator.check_all()
        self.delivery.step(t)
