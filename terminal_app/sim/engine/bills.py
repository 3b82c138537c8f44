"""Account bills: every change of a user's money leaves a row, as on Bitget — the USDT-M account bill
(``/api/v2/mix/account/bill``: trades' realised PnL and fees, funding, margin moved in or out) and the spot bill
(``/api/v2/spot/account/bills``: one row per coin a fill moves). Kept per user (newest last, capped like order
history in memory) and written to SQLite with the rest of the engine's state, so a restart keeps them.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from decimal import Decimal

from terminal_app.sim.engine.futures import AccountBill

BILL_ID_BASE = 1_300_000_000_000_000_000      # as Bitget, bill ids look like order ids


@dataclass(frozen=True, slots=True)
class SpotBill:
    """One row of the spot bill: ``size`` is what the coin's balance changed by (after fees), ``fees`` the fee taken
    from it (negative), ``balance`` the coin's balance (available + frozen) after the row."""

    bill_id: str
    uid: str
    coin: str
    group_type: str                # "transaction" | "deposit" | "transfer" | …
    business_type: str             # "buy" | "sell" | …
    size: Decimal
    balance: Decimal
    fees: Decimal
    order_id: str
    c_time: int


class BillBook:
    """Both bills of every user. ``new_*`` hold the rows not yet written to SQLite."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.seq = 0
        self.futures: dict[str, deque[AccountBill]] = {}
        self.spot: dict[str, deque[SpotBill]] = {}
        self.new_futures: list[AccountBill] = []
        self.new_spot: list[SpotBill] = []

    def _next_id(self) -> str:
        self.seq += 1
        return str(BILL_ID_BASE + self.seq)

    def add_futures(self, uid: str, symbol: str, coin: str, business_type: str, amount: Decimal, fee: Decimal,
                    balance: Decimal, now: int) -> AccountBill:
        bill = AccountBill(self._next_id(), uid, symbol, coin, business_type, amount, fee, balance, now)
        self.restore_futures(bill)
        self.new_futures.append(bill)
        return bill

    def add_spot(self, uid: str, coin: str, group_type: str, business_type: str, size: Decimal, balance: Decimal,
                 fees: Decimal, order_id: str, now: int) -> SpotBill:
        bill = SpotBill(self._next_id(), uid, coin, group_type, business_type, size, balance, fees, order_id, now)
        self.restore_spot(bill)
        self.new_spot.append(bill)
        return bill

    def restore_futures(self, bill: AccountBill) -> None:
        rows = self.futures.get(bill.uid)
        if rows is None:
            rows = self.futures[bill.uid] = deque(maxlen=self.cap)
        rows.append(bill)

    def restore_spot(self, bill: SpotBill) -> None:
        rows = self.spot.get(bill.uid)
        if rows is None:
            rows = self.spot[bill.uid] = deque(maxlen=self.cap)
        rows.append(bill)

    def forget(self, uid: str) -> None:
        self.futures.pop(uid, None)
        self.spot.pop(uid, None)
        self.new_futures = [b for b in self.new_futures if b.uid != uid]
        self.new_spot = [b for b in self.new_spot if b.uid != uid]
