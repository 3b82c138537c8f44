"""Candles: granularities, the Candle value, and the deterministic history at any granularity."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

MINUTE_MS = 60_000
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS


class Granularity(Enum):
    """Candle sizes. ``value`` is (ms, label); months are calendar months (ms is nominal, 30 days)."""

    M1 = (MINUTE_MS, "1m")
    M3 = (3 * MINUTE_MS, "3m")
    M5 = (5 * MINUTE_MS, "5m")
    M15 = (15 * MINUTE_MS, "15m")
    M30 = (30 * MINUTE_MS, "30m")
    H1 = (HOUR_MS, "1H")
    H2 = (2 * HOUR_MS, "2H")
    H4 = (4 * HOUR_MS, "4H")
    H6 = (6 * HOUR_MS, "6H")
    H12 = (12 * HOUR_MS, "12H")
    D1 = (DAY_MS, "1D")
    D3 = (3 * DAY_MS, "3D")
    W1 = (7 * DAY_MS, "1W")
    MO1 = (30 * DAY_MS, "1M")

    @property
    def ms(self) -> int:
        return int(self.value[0])

    @property
    def label(self) -> str:
        return str(self.value[1])

    @classmethod
    def from_ms(cls, ms: int) -> Granularity:
        for g in cls:
            if g.ms == ms:
                return g
        raise ValueError(f"no granularity of {ms} ms")


@dataclass(frozen=True, slots=True)
class Candle:
    ts: int                        # open time, ms
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    base_volume: Decimal
    quote_volume: Decimal
