"""Spot balances: available and frozen per coin and user."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Balance:
    coin: str
    available: Decimal
    frozen: Decimal                # held by open orders
    u_time: int

    @property
    def total(self) -> Decimal:
        return self.available + self.frozen


class SpotLedger:
    """Every spot coin in the simulator: users' available/frozen, the house (market makers' counterparty account,
    may go negative) and collected fees. Money only moves between these; ``minted`` counts demo funding, so
    ``users + house + fees == minted`` per coin at all times (see :meth:`imbalance`)."""

    def __init__(self) -> None:
        self.accounts: dict[str, dict[str, list[Decimal]]] = {}    # uid → coin → [available, frozen]
        self.house: dict[str, Decimal] = {}
        self.fees: dict[str, Decimal] = {}
        self.minted: dict[str, Decimal] = {}
        self.touched: dict[str, set[str]] = {}                     # uid → coins changed since last drain
        self.u_time: dict[str, dict[str, int]] = {}
        self.now = 0

    def has(self, uid: str) -> bool:
        return uid in self.accounts

    def total(self, uid: str, coin: str) -> Decimal:
        """Available plus frozen: the balance a bill row reports."""
        row = self.accounts.get(uid, {}).get(coin)
        return row[0] + row[1] if row is not None else ZERO

    def open_account(self, uid: str, funding: dict[str, Decimal]) -> None:
        self.accounts[uid] = {}
        self.u_time[uid] = {}
        for coin, amount in funding.items():
            self._row(uid, coin)[0] += amount
            self.minted[coin] = self.minted.get(coin, ZERO) + amount

    def close_account(self, uid: str) -> None:
        """Remove a user; what it held leaves the books (un-minted), used by "reset demo account"."""
        for coin, (available, frozen) in self.accounts.pop(uid, {}).items():
            self.minted[coin] = self.minted.get(coin, ZERO) - available - frozen
        self.u_time.pop(uid, None)
        self.touched.pop(uid, None)

    def restore(self, uid: str, rows: dict[str, tuple[Decimal, Decimal]]) -> None:
        self.accounts[uid] = {coin: [a, f] for coin, (a, f) in rows.items()}
        self.u_time[uid] = {}

    def _row(self, uid: str, coin: str) -> list[Decimal]:
        acct = self.accounts[uid]
        row = acct.get(coin)
        if row is None:
            row = acct[coin] = [ZERO, ZERO]
        self.touched.setdefault(uid, set()).add(coin)
        self.u_time[uid][coin] = self.now
        return row

    def available(self, uid: str, coin: str) -> Decimal:
        row = self.accounts[uid].get(coin)
        return row[0] if row else ZERO

    def frozen(self, uid: str, coin: str) -> Decimal:
        row = self.accounts[uid].get(coin)
        return row[1] if row else ZERO

    def freeze(self, uid: str, coin: str, amount: Decimal) -> None:
        row = self._row(uid, coin)
        row[0] -= amount
        row[1] += amount

    def unfreeze(self, uid: str, coin: str, amount: Decimal) -> None:
        row = self._row(uid, coin)
        row[1] -= amount
        row[0] += amount

    def pay_from_frozen(self, uid: str, coin: str, amount: Decimal) -> None:
        self._row(uid, coin)[1] -= amount

    def credit(self, uid: str, coin: str, amount: Decimal) -> None:
        self._row(uid, coin)[0] += amount

    def house_add(self, coin: str, amount: Decimal) -> None:
        self.house[coin] = self.house.get(coin, ZERO) + amount

    def collect_fee(self, coin: str, amount: Decimal) -> None:
        self.fees[coin] = self.fees.get(coin, ZERO) + amount

    def balances(self, uid: str, coins: set[str] | None = None) -> list[Balance]:
        acct = self.accounts.get(uid, {})
        times = self.u_time.get(uid, {})
        return [Balance(coin, row[0], row[1], times.get(coin, 0))
                for coin, row in sorted(acct.items()) if coins is None or coin in coins]

    def drain_touched(self) -> dict[str, set[str]]:
        touched, self.touched = self.touched, {}
        return touched

    def imbalance(self) -> dict[str, Decimal]:
        """Per coin: users + house + fees - minted. Zero unless money was created or destroyed."""
        coins = set(self.minted) | set(self.house) | set(self.fees)
        for acct in self.accounts.values():
            coins |= set(acct)
        out: dict[str, Decimal] = {}
        for coin in coins:
            held = sum((row[0] + row[1] for acct in self.accounts.values() if (row := acct.get(coin))), ZERO)
            out[coin] = held + self.house.get(coin, ZERO) + self.fees.get(coin, ZERO) - self.minted.get(coin, ZERO)
        return out
