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
* **Interest**: charged every whole hour on the open loan at ``annual rate / 8760``, added to the debt and listed
  in the financial records as ``INTEREST_SETTLEMENT_OUT`` (Bitget's type word, SG:uta/enum).
* **Risk**: a loan needs :data:`LOAN_IMR` of its USD value as initial margin and :data:`LOAN_MMR` as maintenance
  (the simulator's figures; Bitget's cross-margin risk tiers are per coin and not in the pages read).

Plain data, no I/O; :mod:`~terminal_app.sim.engine.unified` applies it to an :class:`Exchange`.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal

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
    accrued_to: int              # ms: interest is charged for every whole hour after this


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
    """The pools of one simulated exchange: loans, records and countdowns per unified user."""

    def __init__(self) -> None:
        self.users: dict[str, UserPool] = {}
        self._seq = 0
        self.last_check_ms = 0

    def user(self, uid: str) -> UserPool:
        pool = self.users.get(uid)
        if pool is None:
            pool = self.users[uid] = UserPool()
        return pool

    def next_id(self) -> str:
        self._seq += 1
        return str(1_400_000_000_000_000_000 + self._seq)

    def record(self, uid: str, coin: str, kind: str, amount: Decimal, balance: Decimal, ts: int,
               category: str = "OTHER", symbol: str = "", fee: Decimal = ZERO) -> Record:
        row = Record(self.next_id(), category, symbol, coin, kind, amount, fee, balance, ts)
        self.user(uid).records.append(row)
        return row

    def borrow(self, uid: str, coin: str, amount: Decimal, now_ms: int) -> None:
        pool = self.user(uid)
        loan = pool.loans.get(coin)
        if loan is None:
            pool.loans[coin] = Loan(coin, amount, now_ms)
        else:
            loan.amount += amount

    def repaid(self, uid: str, coin: str, amount: Decimal) -> None:
        pool = self.user(uid)
        loan = pool.loans.get(coin)
        if loan is None:
            return
        loan.amount -= amount
        if loan.amount <= 0:
            del pool.loans[coin]

    def interest_due(self, uid: str, now_ms: int) -> list[tuple[str, Decimal]]:
        """The interest of every whole hour since each loan's last charge, added to the loans: (coin, amount)."""
        out = []
        for loan in self.user(uid).loans.values():
            hours = (now_ms - loan.accrued_to) // HOUR_MS
            if hours <= 0:
                continue
            interest = (loan.amount * hourly_rate(loan.coin) * hours).quantize(Decimal("0.00000001"))
            loan.accrued_to += hours * HOUR_MS
            loan.amount += interest
            out.append((loan.coin, interest))
        return out
