"""The matching book of one market: price levels of FIFO queues, integers throughout (ticks and lots).

Entries belong either to a user order (``order`` set) or to the house market maker (``order`` None). The book knows
nothing of accounts; the engine's matcher walks it and books the money. Every price whose total size changes is
remembered until :meth:`Book.take_changes`, which is what the engine reports as ``BookChanged``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from random import Random
from typing import Any

from sortedcontainers import SortedList


class Entry:
    __slots__ = ("key", "lots", "order", "price")

    def __init__(self, key: int, price: int, lots: int, order: Any = None) -> None:
        self.key = key          # engine-wide sequence number: smaller = earlier
        self.price = price
        self.lots = lots
        self.order = order      # the engine's order state, or None for a maker quote


class Level:
    __slots__ = ("price", "queue", "total")

    def __init__(self, price: int) -> None:
        self.price = price
        self.queue: deque[Entry] = deque()
        self.total = 0


class BookSide:
    __slots__ = ("changed", "is_bid", "levels", "prices")

    def __init__(self, is_bid: bool) -> None:
        self.is_bid = is_bid
        self.levels: dict[int, Level] = {}
        self.prices: SortedList = SortedList()
        self.changed: set[int] = set()

    def best(self) -> int | None:
        if not self.prices:
            return None
        return int(self.prices[-1] if self.is_bid else self.prices[0])

    def worst(self) -> int | None:
        if not self.prices:
            return None
        return int(self.prices[0] if self.is_bid else self.prices[-1])

    def iter_prices(self) -> Iterator[int]:
        """Best first."""
        return iter(reversed(self.prices)) if self.is_bid else iter(self.prices)

    def add(self, entry: Entry) -> None:
        level = self.levels.get(entry.price)
        if level is None:
            level = Level(entry.price)
            self.levels[entry.price] = level
            self.prices.add(entry.price)
        level.queue.append(entry)
        level.total += entry.lots
        self.changed.add(entry.price)

    def remove(self, entry: Entry) -> bool:
        level = self.levels.get(entry.price)
        if level is None:
            return False
        try:
            level.queue.remove(entry)
        except ValueError:
            return False
        level.total -= entry.lots
        self.changed.add(entry.price)
        if not level.queue:
            self._drop(level.price)
        return True

    def resize(self, entry: Entry, lots: int) -> None:
        """Change an entry's size in place (keeps its queue position; used for reductions only)."""
        level = self.levels[entry.price]
        level.total += lots - entry.lots
        entry.lots = lots
        self.changed.add(entry.price)

    def consume(self, price: int, lots: int) -> list[tuple[Entry, int]]:
        """Take up to ``lots`` from the level at ``price`` in time priority; returns (entry, lots taken)."""
        level = self.levels[price]
        taken: list[tuple[Entry, int]] = []
        queue = level.queue
        while lots > 0 and queue:
            entry = queue[0]
            n = entry.lots if entry.lots <= lots else lots
            entry.lots -= n
            level.total -= n
            lots -= n
            taken.append((entry, n))
            if entry.lots == 0:
                queue.popleft()
        self.changed.add(price)
        if not queue:
            self._drop(price)
        return taken

    def total_at(self, price: int) -> int:
        level = self.levels.get(price)
        return level.total if level is not None else 0

    def _drop(self, price: int) -> None:
        del self.levels[price]
        self.prices.remove(price)

    def top(self, n: int) -> list[tuple[int, int]]:
        out: list[tuple[int, int]] = []
        levels = self.levels
        for price in self.iter_prices():
            out.append((price, levels[price].total))
            if len(out) >= n:
                break
        return out

    def take_changes(self) -> list[tuple[int, int]]:
        if not self.changed:
            return []
        levels = self.levels
        out = [(p, levels[p].total if p in levels else 0) for p in self.changed]
        self.changed = set()
        return out


class Book:
    __slots__ = ("asks", "bids")

    def __init__(self) -> None:
        self.bids = BookSide(is_bid=True)
        self.asks = BookSide(is_bid=False)

    def side(self, is_bid: bool) -> BookSide:
        return self.bids if is_bid else self.asks

    def crossed(self) -> bool:
        bb, ba = self.bids.best(), self.asks.best()
        return bb is not None and ba is not None and bb >= ba


_GOLDEN = 0x9E3779B97F4A7C15
_MASK64 = (1 << 64) - 1


class MakerLadder:
    """The house market maker of one market: hundreds of levels per side around the fair price.

    A price far from the top carries a quote or not by a fixed hash of the price, so when the fair price moves only
    the edges of the ladder change (a few book updates per step, not hundreds). Near the top every tick is quoted.
    Quotes that takers ate are refilled at the top; a few random levels are re-sized every step (churn).
    """

    def __init__(self, spread_ticks: int, dense_ticks: int, density: float, levels: int, level_lots: int,
                 salt: int) -> None:
        self.spread = max(1, spread_ticks)
        self.dense = max(1, dense_ticks)
        self.threshold = int(density * 65536)
        self.levels = levels
        self.level_lots = max(1, level_lots)
        self.salt = salt & _MASK64
        self.quotes: dict[bool, dict[int, Entry]] = {True: {}, False: {}}
        self.next_key = -1            # maker entries count down; user entries use the engine's positive keys

    def targets(self, fair_ticks: float) -> tuple[int, int]:
        """Best maker bid and ask for a fair price (in ticks)."""
        bid = int(fair_ticks - self.spread / 2.0 + 0.5) if self.spread % 2 else int(fair_ticks) - self.spread // 2
        bid = max(1, bid)
        return bid, bid + self.spread

    def _present(self, price: int) -> bool:
        return ((price * _GOLDEN ^ self.salt) & _MASK64) >> 48 < self.threshold

    def _sample(self, rng: Random, depth: int) -> int:
        scale = 0.25 + 1.5 * rng.random() + depth / self.levels
        return max(1, int(self.level_lots * scale))

    def cancel_outside(self, book: Book, best_bid: int, best_ask: int) -> None:
        """Pull bids above ``best_bid`` and asks below ``best_ask`` (before the top moves there)."""
        for is_bid in (True, False):
            prices = book.side(is_bid).prices
            quotes = self.quotes[is_bid]
            outside = prices.irange(minimum=best_bid + 1) if is_bid else prices.irange(maximum=best_ask - 1)
            doomed = [p for p in outside if p in quotes]
            for p in doomed:
                self._pull(book, is_bid, p)

    def refresh(self, book: Book, best_bid: int, best_ask: int, rng: Random, churn: int) -> None:
        for is_bid, top in ((True, best_bid), (False, best_ask)):
            self._refresh_side(book, is_bid, top, rng)
        for _ in range(churn):
            is_bid = rng.random() < 0.5
            prices = book.side(is_bid).prices
            if not prices:
                continue
            n = len(prices)
            i = int(n * rng.random() ** 2)
            p = prices[n - 1 - i] if is_bid else prices[i]
            if p in self.quotes[is_bid]:
                self._place(book, is_bid, p, self._sample(rng, i))

    def _refresh_side(self, book: Book, is_bid: bool, top: int, rng: Random) -> None:
        step = -1 if is_bid else 1
        quotes = self.quotes[is_bid]
        prices = book.side(is_bid).prices
        low_water = self.level_lots // 4
        for i in range(self.dense):
            p = top + step * i
            if p <= 0:
                break
            entry = quotes.get(p)
            if entry is None or entry.lots < low_water:
                self._place(book, is_bid, p, self._sample(rng, i))
        inner = top + step * self.dense
        # the nearest quote beyond the dense zone: the walk below bridges the gap down to it
        max_walk = int(4 * self.levels * 65536 / max(1, self.threshold))
        stop = None
        for p in prices.irange(maximum=inner, reverse=True) if is_bid else prices.irange(minimum=inner):
            if p in quotes:
                stop = p
                break
        if stop is not None and abs(inner - stop) > max_walk:
            for p in [p for p in quotes if (p <= inner if is_bid else p >= inner)]:
                self._pull(book, is_bid, p)
            stop = None
        p = inner
        walked = 0
        while p > 0 and walked <= max_walk:
            if stop is not None and p == stop:
                break
            if stop is None and len(quotes) >= self.levels:
                break
            if p not in quotes and self._present(p):
                self._place(book, is_bid, p, self._sample(rng, walked + self.dense))
            p += step
            walked += 1
        # keep the ladder at ``levels``: trim the deep end or extend it
        if len(quotes) > self.levels:
            for p in prices if is_bid else reversed(prices):
                if len(quotes) <= self.levels:
                    break
                if p in quotes:
                    self._pull(book, is_bid, p)
        if len(quotes) < self.levels and quotes:
            p = (min(quotes) if is_bid else max(quotes)) + step
            walked = 0
            while p > 0 and len(quotes) < self.levels and walked <= max_walk:
                if self._present(p):
                    self._place(book, is_bid, p, self._sample(rng, self.levels))
                p += step
                walked += 1

    def _place(self, book: Book, is_bid: bool, price: int, lots: int) -> None:
        self._pull(book, is_bid, price)
        entry = Entry(self.next_key, price, lots)
        self.next_key -= 1
        book.side(is_bid).add(entry)
        self.quotes[is_bid][price] = entry

    def _pull(self, book: Book, is_bid: bool, price: int) -> None:
        entry = self.quotes[is_bid].pop(price, None)
        if entry is not None and entry.lots > 0:
            book.side(is_bid).remove(entry)

    def forget_consumed(self, is_bid: bool, price: int) -> None:
        """A taker ate the whole quote at ``price``: it is no longer in the book."""
        entry = self.quotes[is_bid].get(price)
        if entry is not None and entry.lots == 0:
            del self.quotes[is_bid][price]
