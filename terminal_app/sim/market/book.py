"""The matching book of one market: price levels of FIFO queues, integers throughout (ticks and lots).

Entries belong either to a user order (``order`` set) or to the house market maker (``order`` None). The book knows
nothing of accounts; the engine's matcher walks it and books the money. Every price whose total size changes is
remembered until :meth:`Book.take_changes`, which is what the engine reports as ``BookChanged``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
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
        self.prices: SortedList[int] = SortedList()
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
