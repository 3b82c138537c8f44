"""Volume traded at each price over a rolling window of exchange time, split into bought (taker buys) and sold (taker
sells): the numbers behind the ladder's Traded column.

The window ends at the newest trade seen, by the trades' own ``ts``, not at the wall clock: a paused feed or a skewed
local clock cannot empty it, and nothing needs a timer, since a trade leaves when a newer one moves the window past
it. A trade counts while ``ts > newest − window``.

Cost: every trade enters once and leaves once. Trades are held in time order (``core.trade_records``: four
64-bit integers a record); one that arrives in order is appended (O(1)), a late one is inserted at its place, so a
feed in time order costs O(1) amortised per trade (the first trade at a price also costs a sorted insert). Fills of
one sweep (same ts, price and taker side) share one record: 5 minutes at 250 trades a second (the GUI benchmark's
rate, far above a normal market) hold about 2.5 MB. A burst far above that (a liquidation cascade at thousands of
trades a second) would hold more: past :data:`MAX_RECORDS` records the oldest leave early, so the window is shorter
than asked for then rather than memory growing with the trade rate. Totals are kept per price and, for each (step,
side) the ladder has asked about, per bucket, in sorted maps, so a ladder row is one lookup and the buckets between
two prices one range scan: painting never rescans the trades.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Protocol

from sortedcontainers import SortedDict

from terminal_app.core.trade_records import TradeRecords

DEFAULT_WINDOW_MS = 5 * 60 * 1000
# ~13 minutes at the benchmark's 250 trades a second, 40+ at a busy real market's 50-100: the 5-minute window is whole
# at any sustainable rate; only a burst shortens it
MAX_RECORDS = 200_000
MAX_VIEWS = 6  # 3 aggregations × 2 sides: every view the ladder offers for one symbol stays maintained

_ZERO = Decimal(0)


class TradeLike(Protocol):
    """What is read of a trade (``bitget.models.PublicTrade`` has it): ``side`` is the taker side, ``buy``/``sell``."""

    @property
    def side(self) -> str: ...
    @property
    def price(self) -> Decimal: ...
    @property
    def size(self) -> Decimal: ...
    @property
    def ts(self) -> int: ...


@dataclass(frozen=True, slots=True)
class TradedAt:
    """Volume traded in one price or bucket, in base units."""

    bought: Decimal = _ZERO
    sold: Decimal = _ZERO

    @property
    def total(self) -> Decimal:
        return self.bought + self.sold

    @property
    def delta(self) -> Decimal:
        return self.bought - self.sold


NOTHING = TradedAt()


def bucket_price(price: Decimal, step: Decimal, up: bool) -> Decimal:
    """The ladder bucket ``price`` falls in: asks round up to the step, bids down, so a bucket never crosses the
    spread (an ask bucket ``k`` holds prices in (k − step, k], a bid bucket [k, k + step))."""
    units = (price / step).to_integral_value(rounding=ROUND_CEILING if up else ROUND_FLOOR)
    return units * step


class _Cell:
    """Running totals of one price or bucket; ``count`` records in it, so it is dropped exactly when it empties."""

    __slots__ = ("bought", "count", "key", "sold")

    def __init__(self, key: Decimal) -> None:
        self.key = key
        self.bought = _ZERO
        self.sold = _ZERO
        self.count = 0

    def frozen(self) -> TradedAt:
        return TradedAt(self.bought, self.sold)


class TradedVolume:
    """Bought/sold per price over the last ``window_ms`` of exchange time; see the module docstring.

    ``version`` changes whenever the totals do, so a view can tell whether it must recompute.
    """

    def __init__(self, window_ms: int = DEFAULT_WINDOW_MS, *, max_views: int = MAX_VIEWS,
                 max_records: int = MAX_RECORDS) -> None:
        if window_ms <= 0 or max_records <= 0:
            raise ValueError("the window must be a positive number of milliseconds and hold at least one record")
        self._max_records = max_records
        self._window_ms = window_ms
        self._max_views = max(1, max_views)
        self._records = TradeRecords()
        self._prices: SortedDict[Decimal, _Cell] = SortedDict()
        self._views: dict[tuple[Decimal, bool], SortedDict[Decimal, _Cell]] = {}
        self._newest: int | None = None
        self._count = 0
        self.version = 0

    @property
    def window_ms(self) -> int:
        return self._window_ms

    @property
    def newest_ts(self) -> int | None:
        """Timestamp of the newest trade seen since the last reset (the window's end)."""
        return self._newest

    def __len__(self) -> int:
        """Trades in the window."""
        return self._count

    @property
    def records(self) -> int:
        """Records held: a sweep's fills (same ts, price and taker side) are one."""
        return len(self._records)

    # --- updates ------------------------------------------------------------------------------------------------

    def add(self, trades: Iterable[TradeLike]) -> bool:
        """Count ``trades`` (any order; a side other than buy/sell is not counted) and drop what left the window.

        Returns whether any total changed.
        """
        changed = False
        newest = self._newest
        for trade in trades:
            side = trade.side
            if side != "buy" and side != "sell":
                continue
            ts = trade.ts
            if newest is None or ts > newest:
                newest = ts
            elif ts <= newest - self._window_ms:
                continue  # already outside the window
            price, size, is_buy = trade.price, trade.size, side == "buy"
            if not (price.is_finite() and size.is_finite()):
                continue
            self._apply(price, is_buy, size, 0 if self._records.add(ts, price, is_buy, size) else 1)
            self._count += 1
            changed = True
        self._newest = newest
        if newest is not None:
            cutoff = newest - self._window_ms
            records = self._records
            over = len(records) - self._max_records
            while records and (over > 0 or records.oldest_ts() <= cutoff):
                _ts, price, is_buy, size, trades_in = records.pop_oldest()
                self._apply(price, is_buy, -size, -1)
                self._count -= trades_in
                over -= 1
                changed = True
        if changed:
            self.version += 1
        return changed

    def reset(self) -> None:
        """Forget every trade (a new symbol)."""
        self._records.clear()
        self._prices.clear()
        self._views.clear()
        self._newest = None
        self._count = 0
        self.version += 1

    def _apply(self, price: Decimal, is_buy: bool, amount: Decimal, records: int) -> None:
        _bump(self._prices, price, is_buy, amount, records)
        for (step, up), view in self._views.items():
            _bump(view, bucket_price(price, step, up), is_buy, amount, records)

    # --- queries ------------------------------------------------------------------------------------------------

    def at(self, price: Decimal) -> TradedAt:
        """Traded at exactly ``price``."""
        cell = self._prices.get(price)
        return cell.frozen() if cell is not None else NOTHING

    def totals(self) -> TradedAt:
        """Everything in the window."""
        return self._sum(self._prices.values())

    def between(self, low: Decimal, high: Decimal, *, inclusive: tuple[bool, bool] = (True, True)) -> TradedAt:
        """Traded at prices from ``low`` to ``high`` (each end included or not), one lookup per price traded there."""
        prices = self._prices
        return self._sum(prices[p] for p in prices.irange(low, high, inclusive=inclusive))

    @staticmethod
    def _sum(cells: Iterable[_Cell]) -> TradedAt:
        bought = sold = _ZERO
        for cell in cells:
            bought += cell.bought
            sold += cell.sold
        return TradedAt(bought, sold)

    def bucket(self, key: Decimal, step: Decimal, up: bool) -> TradedAt:
        """Traded in the ladder bucket ``key`` of ``step`` on the ask (``up``) or bid side (:func:`bucket_price`)."""
        cell = self._view(step, up).get(key)
        return cell.frozen() if cell is not None else NOTHING

    def keys_between(self, step: Decimal, up: bool, low: Decimal, high: Decimal) -> list[Decimal]:
        """Buckets of ``step`` on that side with trades in the window, ``low`` ≤ key ≤ ``high``, ascending."""
        return list(self._view(step, up).irange(low, high))

    def _view(self, step: Decimal, up: bool) -> SortedDict[Decimal, _Cell]:
        key = (step, up)
        view = self._views.get(key)
        if view is None:
            view = SortedDict()
            for price, cell in self._prices.items():
                target = view.get(bucket := bucket_price(price, step, up))
                if target is None:
                    target = view[bucket] = _Cell(bucket)
                target.bought += cell.bought
                target.sold += cell.sold
                target.count += cell.count
            if len(self._views) >= self._max_views:
                del self._views[next(iter(self._views))]
            self._views[key] = view
        return view


def _bump(cells: SortedDict[Decimal, _Cell], key: Decimal, is_buy: bool, amount: Decimal, records: int) -> None:
    cell = cells.get(key)
    if cell is None:
        cell = cells[key] = _Cell(key)
    if is_buy:
        cell.bought += amount
    else:
        cell.sold += amount
    cell.count += records
    if cell.count == 0:
        del cells[key]
