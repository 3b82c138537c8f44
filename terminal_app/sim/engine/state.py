"""What the engine keeps: the markets, the spot and futures ledgers, orders (open, finished, by clientOid), fills,
the ids it hands out, and what changed since the facade last looked.

Every collaborator of the engine works on one :class:`EngineState`. Mutations append notifications to ``outbox``
(when ``emitting``) and mark what must be persisted (``dirty_*``, ``new_fills``, ``touched_futures``); the facade
(``engine.exchange``) turns the first into events and the second into SQLite writes (``engine.persistence``).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.sim.engine.bills import BillBook
from terminal_app.sim.engine.closed_positions import ClosedBook
from terminal_app.sim.engine.futures import FuturesLedger, FuturesUser, PlanState
from terminal_app.sim.engine.orders import Fill, OrderState
from terminal_app.sim.engine.spot_accounts import SpotLedger
from terminal_app.sim.market.markets import MARGIN_COINS, find_futures, margin_product
from terminal_app.sim.market.state import MarketState

ORDER_ID_BASE = 1_300_000_000_000_000_000
TRADE_ID_BASE = 1_300_000_000_000_000_000
HISTORY_CAP = 10_000                  # finished orders and fills kept in memory per user (SQLite keeps them all)


@dataclass(frozen=True, slots=True)
class Delivery:
    """A delivered contract (``engine.delivery``): the price its positions were closed at, and when."""

    symbol: str
    price: Decimal
    time: int


class EngineState:
    """The engine's records. ``now`` is the time of the current market step (ms)."""

    def __init__(self, markets: dict[SymbolRef, MarketState]) -> None:
        self.now = 0
        self.markets = markets
        self.spot = SpotLedger()
        # one futures ledger per margin coin; ``fut`` is USDT-M's, the one copy trading and older callers use
        self.futs: dict[str, FuturesLedger] = {coin: FuturesLedger(coin) for coin in MARGIN_COINS}
        self.fut = self.futs["USDT"]
        self.orders: dict[str, OrderState] = {}                   # open orders by id
        self.open_by_user: dict[str, dict[str, OrderState]] = {}
        self.client_ids: dict[tuple[str, str], str] = {}          # (uid, clientOid) → orderId
        self.done: dict[str, deque[OrderState]] = {}              # finished orders, newest last
        self.done_by_id: dict[str, OrderState] = {}
        self.user_fills: dict[str, deque[Fill]] = {}
        self.pos_users: dict[str, set[str]] = {}                  # futures symbol → uids with a position
        self.delivered: dict[str, Delivery] = {}                  # delivery contracts past their expiry
        self.pooled: set[str] = set()                             # unified accounts: the pool liquidates them
        self.order_seq = 0
        self.trade_seq = 0
        self.entry_seq = 0
        self.emitting = False
        self.outbox: list[tuple[Any, ...]] = []
        self.touched_futures: set[str] = set()                    # uids whose futures account/positions changed
        self.dirty_users: set[str] = set()
        self.dirty_orders: dict[str, OrderState] = {}
        self.dirty_plans: dict[str, PlanState] = {}
        self.new_fills: list[Fill] = []
        self.counters = {"steps": 0, "book_changes": 0, "trades": 0, "user_fills": 0}
        self.history_cap = HISTORY_CAP
        self.bills = BillBook(HISTORY_CAP)
        self.closed = ClosedBook(HISTORY_CAP)

    # ---- ids -----------------------------------------------------------------------------------------------

    def next_order_id(self) -> str:
        self.order_seq += 1
        return str(ORDER_ID_BASE + self.order_seq)

    def next_trade_id(self) -> str:
        self.trade_seq += 1
        return str(TRADE_ID_BASE + self.trade_seq)

    def next_entry_key(self) -> int:
        self.entry_seq += 1
        return self.entry_seq

    # ---- lookups -------------------------------------------------------------------------------------------

    def futures_market(self, symbol: str) -> MarketState:
        return self.markets[find_futures(symbol).ref]

    def ledger(self, symbol: str) -> FuturesLedger:
        """The ledger of the margin coin of a futures symbol."""
        return self.futs[find_futures(symbol).margin_coin]

    def fut_user(self, uid: str, symbol: str) -> FuturesUser:
        """``uid``'s account in the margin coin of a futures symbol (KeyError when the user is unknown)."""
        return self.ledger(symbol).users[uid]

    def ledgers(self, product: Product | None = None) -> list[FuturesLedger]:
        """The ledgers of one futures line (all when None), USDT first."""
        return [led for coin, led in self.futs.items() if product is None or margin_product(coin) is product]

    # ---- notifications ---------------------------------------------------------------------------------------

    def order_changed(self, st: OrderState, fill: Fill | None = None) -> None:
        self.dirty_orders[st.order_id] = st
        if self.emitting:
            self.outbox.append(("order", st.uid, st.snapshot(), fill))

    def record_fill(self, st: OrderState, fill: Fill) -> None:
        self.user_fills[st.uid].append(fill)
        self.new_fills.append(fill)
        self.counters["user_fills"] += 1
        self.order_changed(st, fill)
        if self.emitting:
            self.outbox.append(("fill", st.uid, fill))
