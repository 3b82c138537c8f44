"""The house market maker of one market (the synthetic side of its book): a ladder of quotes around the fair
price, kept in the market's :class:`~terminal_app.sim.market.book.Book`."""

from __future__ import annotations

from random import Random

from terminal_app.sim.market.book import Book, Entry

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
