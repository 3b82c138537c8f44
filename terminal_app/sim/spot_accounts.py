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
