"""A unified account's margin pool rules: what each coin is worth as collateral, what the pool owes, and what it
costs.

* **Collateral** (bitget-v3-uta.md §13, ``effEquity``): each coin's USD value counts after Bitget's tiered discount
  (``GET /api/v3/market/discount-rate``: ``{coin, list: [{tierStartValue, discountRate}]}``, the rate applying to
  the part of the value inside each tier). Bitget's page gives one example, ETH: 0.99 from 0 USD, 0.98 from
  40,000 USD; the simulator uses those first two tiers for BTC and ETH too, 1 for USDT and USDC, and 0.9/0.8 for the
  other coins (its own choice: Bitget publishes a table of about 500 coins).
* **Borrowing**: a unified account's coin balance may go below zero; the shortfall is the coin's ``debt``
  (``abs(min(balance, 0))``). The simulator books it as a loan: the coin is credited from the house, the loan
  recorded here. Margin orders (``category=MARGIN``) auto-borrow (D:trade/Place-Order); futures orders borrow their
  margin coin against the other coins (the pool's cross-collateral). A loan is repaid automatically from the coin's
  free balance (Bitget nets debt against balance) or by ``POST /api/v3/account/repay`` with other coins.
* **Interest**: charged every whole hour at ``annual rate / 8760`` on the coin's negative balance, not on the loan
  from the moment of the order: Bitget "charges interest on outstanding debts", debt = abs[min(balance + unrealized
  PnL, 0)], and "no interest is charged on unrealized losses of futures positions within the interest-free amount"
  (interest-bearing = max(0, debt - min(unrealized loss, interest-free limit))); fees, funding and realised losses
  "reduce the account balance" and the amounts borrowed for them accrue interest (support article 12560603822305,
  "Borrowing, interest, and repayment in the unified account", 2025-02-08; bitget-v3-uta.md §13 for the debt). So a
  futures margin loan whose coin still nets to a positive balance costs nothing; its hours count from the check that
  first finds the balance (wallets less the loan, no unrealised PnL: the simulator's interest-free limit is
  unbounded, Bitget's per-coin limit is not in the pages read) below zero, on the part below zero. Added to the debt
  and listed in the financial records as ``INTEREST_SETTLEMENT_OUT`` (Bitget's type word, SG:uta/enum).
* **Risk**: a loan needs :data:`LOAN_IMR` of its USD value as initial margin and :data:`LOAN_MMR` as maintenance
  (the simulator's figures; Bitget's cross-margin risk tiers are per coin and not in the pages read).

Plain data, no I/O; :mod:`~terminal_app.sim.engine.unified` applies it to an :class:`Exchange`. The book is saved
with the rest of the simulator's state (:meth:`PoolBook.to_doc`, ``engine.persistence``) whenever it changed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

ZERO = Decimal(0)
HOUR_MS = 3_600_000
Tiers = tuple[tuple[Decimal, Decimal], ...]

_FIRST_TWO = ((Decimal(0), Decimal("0.99")), (Decimal(40_000), Decimal("0.98")))   # D:public/Get-Discount-Rate
COLLATERAL_TIERS: dict[str, Tiers] = {
    "USDT": ((ZERO, Decimal(1)),), "USDC": ((ZERO, Decimal(1)),), "BTC": _FIRST_TWO, "ETH": _FIRST_TWO,
}
OTHER_TIERS: Tiers = ((ZERO, Decimal("0.9")), (Decimal(40_000), Decimal("0.8")))
# Annual interest of a loan, by coin (the simulator's; Bitget quotes them by /api/v3/market/margin-loans).
ANNUAL_RATE: dict[str, Decimal] = {"USDT": Decimal("0.1095"), "USDC": Decimal("0.1095"), "BTC": Decimal("0.0219"),
                                   "ETH": Decimal("0.0365")}
OTHER_RATE = Decimal("0.0730")
LOAN_IMR = Decimal("0.2")       # a loan's initial margin: 5x, Bitget's usual cross-margin leverage
LOAN_MMR = Decimal("0.1")       # a loan's maintenance margin
RECORDS_KEPT = 2_000


def tiers(coin: str) -> Tiers:
    return COLLATERAL_TIERS.get(coin, OTHER_TIERS)


def collateral_value(coin: str, usd: Decimal) -> Decimal:
    """``usd`` of ``coin`` after the tiered discount (each rate applies to the value inside its tier)."""
    if usd <= 0:
        return usd
    table = tiers(coin)
    out = ZERO
    for i, (start, rate) in enumerate(table):
        end = table[i + 1][0] if i + 1 < len(table) else None
        if usd <= start:
            break
        part = (min(usd, end) if end is not None else usd) - start
        out += part * rate
    return out


def hourly_rate(coin: str) -> Decimal:
    return ANNUAL_RATE.get(coin, OTHER_RATE) / 8760


@dataclass(slots=True)
class Loan:
    coin: str
    amount: Decimal
    accrued_to: int | None = None   # ms: interest is charged for every whole hour after this; None while the coin's
    #                                 balance is not negative (nothing bears interest)


@dataclass(frozen=True, slots=True)
class Record:
    """One ``financial-records`` row the pool writes (interest, borrowing, repayment, liquidation)."""

    record_id: str
    category: str                # Bitget's response spelling (the sample: "Margin"); the pool's rows are "OTHER"
    symbol: str
    coin: str
    kind: str
    amount: Decimal
    fee: Decimal
    balance: Decimal
    ts: int


@dataclass(slots=True)
class UserPool:
    loans: dict[str, Loan] = field(default_factory=dict)
    records: deque[Record] = field(default_factory=lambda: deque(maxlen=RECORDS_KEPT))
    countdown_s: int = 0
    deadline_ms: int = 0         # countdown cancel-all fires at this time (0: off)

    def debt(self, coin: str) -> Decimal:
        loan = self.loans.get(coin)
        return loan.amount if loan is not None else ZERO


class PoolBook:
    """The pools of one simulated exchange: loans, records and countdowns per unified user. ``dirty``: changed since
    it was last saved."""

    def __init__(self) -> None:
        self.users: dict[str, UserPool] = {}
        self._seq = 0
        self.last_check_ms = 0
        self.dirty = False

    def to_doc(self) -> dict[str, Any]:
        """The book as JSON-ready data (amounts as exact strings)."""
        def rec(r: Record) -> dict[str, Any]:
            return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in asdict(r).items()}
        return {"seq": self._seq, "users": {
            uid: {"loans": [[ln.coin, str(ln.amount), ln.accrued_to] for ln in u.loans.values()],
                  "records": [rec(r) for r in u.records], "countdown_s": u.countdown_s,
                  "deadline_ms": u.deadline_ms}
            for uid, u in self.users.items()}}

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any] | None) -> PoolBook:
        book = cls()
        if not doc:
            return book
        book._seq = int(doc.get("seq", 0))
        for uid, u in dict(doc.get("users", {})).items():
            pool = book.user(uid)
            for coin, amount, accrued_to in u.get("loans", []):
                pool.loans[coin] = Loan(coin, Decimal(amount), None if accrued_to is None else int(accrued_to))
            for r in u.get("records", []):
                pool.records.append(Record(r["record_id"], r["category"], r["symbol"], r["coin"], r["kind"],
                                           Decimal(r["amount"]), Decimal(r["fee"]), Decimal(r["balance"]),
                                           int(r["ts"])))
            pool.countdown_s = int(u.get("countdown_s", 0))
            pool.deadline_ms = int(u.get("deadline_ms", 0))
        book.dirty = False
        return book

    def user(self, uid: str) -> UserPool:
        pool = self.users.get(uid)
        if pool is None:
            pool = self.users[uid] = UserPool()
            self.dirty = True
        return pool

    def next_id(self) -> str:
        self._seq += 1
        return str(1_400_000_000_000_000_000 + self._seq)

    def record(self, uid: str, coin: str, kind: str, amount: Decimal, balance: Decimal, ts: int,
               category: str = "OTHER", symbol: str = "", fee: Decimal = ZERO) -> Record:
        row = Record(self.next_id(), category, symbol, coin, kind, amount, fee, balance, ts)
        self.user(uid).records.append(row)
        self.dirty = True
        return row

    def borrow(self, uid: str, coin: str, amount: Decimal, now_ms: int) -> None:
        """A loan of ``amount`` (``now_ms``: when; its interest starts once the coin's balance is negative)."""
        pool = self.user(uid)
        loan = pool.loans.get(coin)
        if loan is None:
            pool.loans[coin] = Loan(coin, amount)
        else:
            loan.amount += amount
        self.dirty = True

    def repaid(self, uid: str, coin: str, amount: Decimal) -> None:
        pool = self.user(uid)
        loan = pool.loans.get(coin)
        if loan is None:
            return
        loan.amount -= amount
        if loan.amount <= 0:
            del pool.loans[coin]
        self.dirty = True

    def interest_due(self, uid: str, now_ms: int, negative: Mapping[str, Decimal]) -> list[tuple[str, Decimal]]:
        """The interest of every whole hour each coin's balance has been below zero since its last charge, on the
        part below zero (``negative``: coin -> how far below, at most the loan), added to the loans: (coin, amount).
        A coin back at zero or above stops its interest clock; one found below zero starts it now."""
        out = []
        for loan in self.user(uid).loans.values():
            bearing = min(loan.amount, negative.get(loan.coin, ZERO))
            if bearing <= 0:
                if loan.accrued_to is not None:
                    loan.accrued_to = None
                    self.dirty = True
                continue
            if loan.accrued_to is None:
                loan.accrued_to = now_ms
                self.dirty = True
                continue
            hours = (now_ms - loan.accrued_to) // HOUR_MS
            if hours <= 0:
                continue
            interest = (bearing * hourly_rate(loan.coin) * hours).quantize(Decimal("0.00000001"))
            loan.accrued_to += hours * HOUR_MS
            loan.amount += interest
            self.dirty = True
            out.append((loan.coin, interest))
        return out
