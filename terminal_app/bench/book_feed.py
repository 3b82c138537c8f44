"""The stream that ``terminal-app bench book`` replays: a Bitget ``books`` channel shaped like its busiest books.

Shape (issue 16, modelled on Bitget spot BTCUSDT: 2 price decimals, 4 size decimals with trailing zeros kept): a
400-level snapshot, then updates that each touch 1-20 levels (most touch a few, some touch many), about half of the
touches a new size for a resting level, a third a new level in a gap, a fifth a removal (size ``"0"``), at ranks drawn
from an exponential law so that most activity is at the touch; now and then a level appears inside the spread or the
best level is taken out, so the best price moves. The book keeps a 400-level window per side, as Bitget's full-depth
channel does: an insert that pushes a side past it removes the level that falls out (sent as size ``"0"``, counted as
``trim``). The book never crosses. Inserts are drawn a third of the time, but the top of a busy book is dense, so
about a third of them find no free tick within 16 ranks and change a size instead: over 100,000 updates the mix is
~58 % sizes, ~23 % inserts, ~19 % removals and ~3 % trims, ~4 touches per update (the server's ready line counts them).

Two wire forms: ``checksum`` (the legacy V2 push: ``checksum`` = signed CRC32 of the top 25, and ``seq``) and ``seq``
(Bitget's 2026 form: ``seq`` and ``pseq``, the previous push's ``seq``, and no checksum).

The feed is seeded and deterministic. Its reference book works in integer ticks with bisect-sorted lists and computes
checksums with the plain ``core.book_checksum.book_checksum``, so it shares no code with ``core.orderbook``: a client
that verifies these checksums and ends on :meth:`BookFeed.final_book` is checked against an independent
implementation.
"""

from __future__ import annotations

import random
from bisect import bisect_left, insort
from typing import Any, Literal

from terminal_app.core.book_checksum import CHECKSUM_DEPTH, book_checksum

PRICE_DECIMALS = 2
SIZE_DECIMALS = 4
DEFAULT_SEED = 1
DEFAULT_LEVELS = 400
MAX_TOUCHES = 20
TOP_RANK_MEAN = 8.0  # mean rank of a touch: ~95 % of them land in the checksummed top 25
# Relative weights of the three kinds of touch (issue 16: about a half, a third, a fifth).
SIZE_WEIGHT, INSERT_WEIGHT, DELETE_WEIGHT = 1 / 2, 1 / 3, 1 / 5

Form = Literal["checksum", "seq"]
FORMS: tuple[Form, ...] = ("checksum", "seq")
Side = Literal["bids", "asks"]
_SIDES: tuple[Side, Side] = ("bids", "asks")


def price_text(ticks: int) -> str:
    whole, frac = divmod(ticks, 10**PRICE_DECIMALS)
    return f"{whole}.{frac:0{PRICE_DECIMALS}d}"


def size_text(lots: int) -> str:
    whole, frac = divmod(lots, 10**SIZE_DECIMALS)
    return f"{whole}.{frac:0{SIZE_DECIMALS}d}"


class BookFeed:
    """Deterministic given ``seed``. :meth:`next_update` and :meth:`snapshot` return push dicts ready for orjson."""

    def __init__(self, seed: int = DEFAULT_SEED, *, levels: int = DEFAULT_LEVELS, mid_ticks: int = 4_300_000,
                 inst_type: str = "SPOT", symbol: str = "BTCUSDT", start_ts: int = 1_700_000_000_000,
                 form: Form = "checksum") -> None:
        if form not in FORMS:
            raise ValueError(f"form must be one of {FORMS}, not {form!r}")
        self._rng = random.Random(seed)
        self.form: Form = form
        self.arg = {"instType": inst_type, "channel": "books", "instId": symbol}
        self._window = levels
        self.seq = 0
        self._ts = start_ts
        self.kinds = {"size": 0, "insert": 0, "delete": 0, "trim": 0}
        self.touches = 0
        # Bids are stored as negated ticks so that index 0 is the best level on both sides.
        self._keys: dict[Side, list[int]] = {"bids": [], "asks": []}
        self._levels: dict[Side, dict[int, list[str]]] = {"bids": {}, "asks": {}}  # key -> [price, size]
        rng = self._rng
        bid, ask = mid_ticks - 1 - rng.randrange(3), mid_ticks + 1 + rng.randrange(3)
        for _ in range(levels):
            self._put("bids", bid, self._random_size())
            self._put("asks", ask, self._random_size())
            bid -= 1 + (rng.randrange(4) if rng.random() < 0.5 else 0)
            ask += 1 + (rng.randrange(4) if rng.random() < 0.5 else 0)

    # ----- reference book ----------------------------------------------------------------------------------------

    def _put(self, side: Side, ticks: int, size: str) -> None:
        key = -ticks if side == "bids" else ticks
        levels = self._levels[side]
        if key in levels:
            levels[key][1] = size
        else:
            insort(self._keys[side], key)
            levels[key] = [price_text(ticks), size]

    def _remove(self, side: Side, ticks: int) -> None:
        key = -ticks if side == "bids" else ticks
        del self._levels[side][key]
        keys = self._keys[side]
        del keys[bisect_left(keys, key)]

    def _ticks_at(self, side: Side, rank: int) -> int:
        key = self._keys[side][rank]
        return -key if side == "bids" else key

    def levels(self, side: Side, n: int | None = None) -> list[list[str]]:
        keys = self._keys[side] if n is None else self._keys[side][:n]
        levels = self._levels[side]
        return [list(levels[k]) for k in keys]

    def checksum(self) -> int:
        top_bids = [self._levels["bids"][k] for k in self._keys["bids"][:CHECKSUM_DEPTH]]
        top_asks = [self._levels["asks"][k] for k in self._keys["asks"][:CHECKSUM_DEPTH]]
        return book_checksum(top_bids, top_asks)

    def final_book(self) -> dict[str, list[list[str]]]:
        return {"bids": self.levels("bids"), "asks": self.levels("asks")}

    def replay(self, item: dict[str, Any]) -> None:
        """Apply an update item this feed produced (used to rebuild the book at a given position)."""
        for side in _SIDES:
            for price, size in item[side]:
                ticks = int(price.replace(".", ""))
                if float(size) == 0:
                    # a level added and removed within one update is sent as a removal of an absent level
                    if (-ticks if side == "bids" else ticks) in self._levels[side]:
                        self._remove(side, ticks)
                else:
                    self._put(side, ticks, size)
        self.seq = item["seq"]
        self._ts = int(item["ts"])

    # ----- generation --------------------------------------------------------------------------------------------

    def _random_size(self) -> str:
        rng = self._rng
        lots = rng.choice((1, 5, 9, 10, 25, 40, 50, 100, 120, 500, 1000, 2500, 5000, 10000, 12000, 50000))
        return size_text(lots * rng.randint(1, 9))

    def _random_rank(self, side: Side) -> int:
        rank = int(self._rng.expovariate(1 / TOP_RANK_MEAN))
        return min(rank, len(self._keys[side]) - 1)

    def _free_tick_behind(self, side: Side, rank: int) -> int | None:
        """A price between rank and rank+1 (or just past the last level) that holds no level yet."""
        keys = self._keys[side]
        key = keys[rank]
        limit = keys[rank + 1] if rank + 1 < len(keys) else key + 4
        if limit - key < 2:
            return None
        new_key = key + 1 + self._rng.randrange(limit - key - 1)
        return -new_key if side == "bids" else new_key

    def _insert_ticks(self, side: Side) -> int | None:
        rng = self._rng
        best_bid, best_ask = self._ticks_at("bids", 0), self._ticks_at("asks", 0)
        spread = best_ask - best_bid
        if spread > 1 and rng.random() < 0.5:  # a wide spread fills fast on a busy book
            step = 1 + rng.randrange(min(spread - 1, 3))
            return best_bid + step if side == "bids" else best_ask - step
        # The first gap within a few ranks behind a drawn one (a dense top may have none: then the touch changes a
        # size; a deeper search would fill every tick of the window, which no live book does).
        keys = self._keys[side]
        for _ in range(4):
            rank = self._random_rank(side)
            for r in range(rank, min(rank + 16, len(keys))):
                ticks = self._free_tick_behind(side, r)
                if ticks is not None:
                    return ticks
        if len(keys) < self._window:
            return self._free_tick_behind(side, len(keys) - 1)
        return None

    def _touch(self, side: Side, out: dict[int, str]) -> None:
        """One touch on ``side``; the resulting level goes to ``out`` (ticks -> size, "0" = removed)."""
        rng = self._rng
        roll = rng.random() * (SIZE_WEIGHT + INSERT_WEIGHT + DELETE_WEIGHT)
        self.touches += 1
        if roll >= SIZE_WEIGHT + INSERT_WEIGHT and len(self._keys[side]) > 2:
            ticks = self._ticks_at(side, 0 if rng.random() < 0.1 else self._random_rank(side))
            self._remove(side, ticks)
            out[ticks] = "0"
            self.kinds["delete"] += 1
            return
        if roll >= SIZE_WEIGHT:
            inserted = self._insert_ticks(side)
            if inserted is not None:
                size = self._random_size()
                self._put(side, inserted, size)
                out[inserted] = size
                self.kinds["insert"] += 1
                if len(self._keys[side]) > self._window:  # the window keeps its depth: the last level falls out
                    last = self._ticks_at(side, self._window)
                    self._remove(side, last)
                    out[last] = "0"
                    self.kinds["trim"] += 1
                return
        ticks = self._ticks_at(side, self._random_rank(side))
        size = self._random_size()
        self._put(side, ticks, size)
        out[ticks] = size
        self.kinds["size"] += 1

    def next_update(self) -> dict[str, Any]:
        rng = self._rng
        changes: dict[Side, dict[int, str]] = {"bids": {}, "asks": {}}
        # Levels touched (a trim counts: it is a level of the push), drawn from 1 to MAX_TOUCHES - 1 so that an
        # insert's trim on the last touch stays within MAX_TOUCHES.
        touches = 1 + min(MAX_TOUCHES - 2, int(rng.expovariate(1 / 3.5)))
        while len(changes["bids"]) + len(changes["asks"]) < touches:
            side: Side = "bids" if rng.random() < 0.5 else "asks"
            self._touch(side, changes[side])
        previous = self.seq
        self.seq += 1
        self._ts += rng.randrange(1, 4)
        item: dict[str, Any] = {
            "asks": [[price_text(t), s] for t, s in changes["asks"].items()],
            "bids": [[price_text(t), s] for t, s in changes["bids"].items()],
        }
        if self.form == "checksum":
            item["checksum"] = self.checksum()
        else:
            item["pseq"] = previous
        item["seq"] = self.seq
        item["ts"] = str(self._ts)
        return {"action": "update", "arg": self.arg, "data": [item], "ts": self._ts}

    def snapshot(self) -> dict[str, Any]:
        item: dict[str, Any] = {"asks": self.levels("asks"), "bids": self.levels("bids")}
        if self.form == "checksum":
            item["checksum"] = self.checksum()
        else:
            item["pseq"] = 0
        item["seq"] = self.seq
        item["ts"] = str(self._ts)
        return {"action": "snapshot", "arg": self.arg, "data": [item], "ts": self._ts}
