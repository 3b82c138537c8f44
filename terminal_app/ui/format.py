"""Numbers as traders read them: fixed decimals per market, grouped thousands, compact volumes, signed changes.

Tables format through ``ui.models.table`` column formatters; this module serves everything else that draws numbers
as text (the ladder painter, the ticket's labels, log lines, dialogs) with the same rules, and
:class:`MarketPlaces` answers "how many decimals does this market show" for both. Values stay Decimal until here.
Digits are drawn in ``theme.number_font()`` (tabular figures) so columns line up and a ticking price does not jitter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from terminal_app.core.instruments import MarketInfo, SymbolRef

_COMPACT = ((Decimal(10) ** 12, "T"), (Decimal(10) ** 9, "B"), (Decimal(10) ** 6, "M"), (Decimal(10) ** 3, "K"))
# Stable coins are money: 2 decimals would hide fees, 8 is noise; 4 is what exchange balance pages show.
STABLE_COINS = frozenset({"USDT", "USDC", "USD", "FDUSD", "TUSD", "DAI", "SUSDT", "SUSDC"})
STABLE_PLACES = 4
DEFAULT_COIN_PLACES = 8


def to_decimal(value: Any) -> Decimal | None:
    """A Decimal from a Decimal, int or Bitget string; None for empty or malformed input."""
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def fmt_fixed(value: Any, places: int, *, grouping: bool = True) -> str:
    """Exactly ``places`` decimals, half-up (65012.5 → "65,012.50"); "" for no value."""
    d = to_decimal(value)
    if d is None:
        return ""
    q = d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP) if places >= 0 else d
    return f"{q:{',' if grouping else ''}.{max(places, 0)}f}"


def fmt_signed(value: Any, places: int, *, grouping: bool = True) -> str:
    """Like :func:`fmt_fixed` with an explicit sign (PnL): "+12.50", "-3.00", "0.00"."""
    text = fmt_fixed(value, places, grouping=grouping)
    d = to_decimal(value)
    return "+" + text if d is not None and d > 0 else text


def fmt_compact(value: Any, places: int = 2) -> str:
    """Large amounts shortened: 1,234,567 → "1.23M"; below a thousand, ``places`` decimals."""
    d = to_decimal(value)
    if d is None:
        return ""
    for threshold, suffix in _COMPACT:
        if abs(d) >= threshold:
            return f"{d / threshold:.{places}f}{suffix}"
    return f"{d:.{places}f}"


def fmt_percent(ratio: Any, places: int = 2, *, signed: bool = True) -> str:
    """A ratio as a percentage (Bitget's ``change24h`` 0.0123 → "+1.23 %")."""
    d = to_decimal(ratio)
    if d is None:
        return ""
    return f"{d * 100:{'+' if signed else ''}.{places}f} %"


def fmt_clock(ms: int | None, *, with_ms: bool = False) -> str:
    """Epoch milliseconds as local time of day: "14:03:07" (or "14:03:07.250")."""
    if ms is None:
        return ""
    stamp = dt.datetime.fromtimestamp(ms / 1000)
    return stamp.strftime("%H:%M:%S") + (f".{ms % 1000:03d}" if with_ms else "")


def fmt_amount(value: Any, coin: str, places: int | None = None) -> str:
    """An amount with its coin: "1,000.0000 USDT"."""
    return f"{fmt_fixed(value, coin_places(coin) if places is None else places)} {coin}"


def coin_places(coin: str) -> int:
    return STABLE_PLACES if coin.upper() in STABLE_COINS else DEFAULT_COIN_PLACES


class MarketPlaces:
    """Decimals per market from its :class:`MarketInfo`, with sane fallbacks before markets are loaded.

    ``lookup`` is usually ``MarketDataService.market``; answers are cached per symbol key once a market is known.
    """

    FALLBACK_PRICE = 2
    FALLBACK_SIZE = 4

    def __init__(self, lookup: Callable[[SymbolRef], MarketInfo | None]) -> None:
        self._lookup = lookup
        self._known: dict[str, MarketInfo] = {}

    def market(self, ref: SymbolRef) -> MarketInfo | None:
        info = self._known.get(ref.key)
        if info is None:
            info = self._lookup(ref)
            if info is not None:
                self._known[ref.key] = info
        return info

    def forget(self) -> None:
        """Drop the cache (markets were reloaded)."""
        self._known.clear()

    def price(self, ref: SymbolRef) -> int:
        info = self.market(ref)
        return info.price_places if info is not None else self.FALLBACK_PRICE

    def size(self, ref: SymbolRef) -> int:
        info = self.market(ref)
        return info.size_places if info is not None else self.FALLBACK_SIZE

    def quote(self, ref: SymbolRef) -> int:
        """Decimals for values in the quote coin (notional, PnL): the stable-coin rule, as balances use."""
        info = self.market(ref)
        return coin_places(info.quote_coin) if info is not None else STABLE_PLACES
