"""A Bitget ``books`` order book: snapshot + incremental updates, CRC32-verified on every update.

Levels keep Bitget's raw price/size strings, because the checksum is computed over the strings exactly as received.
The hot path avoids Decimal: each side is a dict ``sort key → "price:size"`` plus a sorted list of keys, where the sort
key is ``float(price)`` (negated for bids so both sides ascend). Floats order distinct decimal strings of up to 15
significant digits exactly, which covers every Bitget price, and make ``"100.0"`` and ``"100"`` the same level.
The ``"price:size"`` pieces of the top 25 ranks are cached and rebuilt only from the first rank an update touched,
so verifying a typical update costs one join and one ``zlib.crc32``. Decimal appears only in the on-demand accessors.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any
from zlib import crc32

from terminal_app.core.book_checksum import CHECKSUM_DEPTH

_DEPTH = CHECKSUM_DEPTH

RawLevel = tuple[str, str]
"""``(price, size)`` exactly as Bitget sent them."""


class _Side:
    """One side of the book. ``sign`` is -1.0 for bids so that ascending keys always mean best first."""

    __slots__ = ("keys", "levels", "sign", "top")

    def __init__(self, sign: float) -> None:
        self.sign = sign
        self.keys: list[float] = []
        self.levels: dict[float, str] = {}
        self.top: list[str] = []

    def load(self, rows: Iterable[Sequence[str]]) -> None:
        sign = self.sign
        levels: dict[float, str] = {}
        for row in rows:
            price = row[0]
            size = row[1]
            if size[0] == "0" and not float(size):
                continue
            levels[sign * float(price)] = price + ":" + size
        self.levels = levels
        self.keys = sorted(levels)
        self.top = [levels[k] for k in self.keys[:_DEPTH]]

    def apply(self, rows: Iterable[Sequence[str]]) -> bool:
        """Apply changed levels; True when the top ``_DEPTH`` pieces changed.

        The cached top is patched in place (insert, delete, replace one rank) instead of being rebuilt.
        """
        keys = self.keys
        levels = self.levels
        top = self.top
        sign = self.sign
        touched = False
        for row in rows:
            price = row[0]
            size = row[1]
            key = sign * float(price)
            if size[0] == "0" and not float(size):
                if key in levels:
                    del levels[key]
                    rank = bisect_left(keys, key)
                    del keys[rank]
                    if rank < _DEPTH:
                        touched = True
                        del top[rank]
                        if len(keys) >= _DEPTH:
                            top.append(levels[keys[_DEPTH - 1]])
                continue
            piece = price + ":" + size
            rank = bisect_left(keys, key)
            if key in levels:
                levels[key] = piece
                if rank < _DEPTH:
                    touched = True
                    top[rank] = piece
            else:
                levels[key] = piece
                keys.insert(rank, key)
                if rank < _DEPTH:
                    touched = True
                    top.insert(rank, piece)
                    if len(top) > _DEPTH:
                        del top[_DEPTH]
        return touched

    def raw(self, n: int | None) -> list[RawLevel]:
        keys = self.keys if n is None else self.keys[:n]
        levels = self.levels
        return [_split(levels[k]) for k in keys]

    def best(self) -> RawLevel | None:
        return _split(self.levels[self.keys[0]]) if self.keys else None


def _split(piece: str) -> RawLevel:
    price, _, size = piece.partition(":")
    return price, size


def _interleave(bids: list[str], asks: list[str]) -> list[str]:
    common = min(len(bids), len(asks))
    out = [""] * (2 * common)
    out[0::2] = bids[:common]
    out[1::2] = asks[:common]
    out.extend(bids[common:] or asks[common:])
    return out


class OrderBook:
    """Local copy of one instrument's book, fed with the ``data[0]`` items of ``books`` pushes.

    ``stale`` is set when an update's checksum (or sequence) does not match; the book then ignores updates until
    the next snapshot, and its owner resubscribes the channel (see ``core.book_sync``).
    ``silent_s`` is something else: the book is consistent but nothing has arrived for that many seconds, longer than
    a live feed ever stays quiet (a stalled connection); set and cleared by ``core.book_sync.BookSync``.
    ``version`` increases on every applied change so a UI timer can repaint only when something moved;
    ``updates`` counts the updates applied and verified since the book was created.
    """

    def __init__(self, symbol: str = "") -> None:
        self.symbol = symbol
        self._bids = _Side(-1.0)
        self._asks = _Side(1.0)
        self._inter: list[str] = [""] * (2 * _DEPTH)
        self._crc: int | None = None  # unsigned CRC of the current top, None when it must be recomputed
        self.has_snapshot = False
        self.stale = False
        self.stale_reason: str | None = None
        self.seq: int | None = None
        self.ts: str | int | None = None
        self.version = 0
        self.updates = 0
        self.checksum_errors = 0
        self.sequence_errors = 0
        self.silent_s: float | None = None

    # ----- feeding -------------------------------------------------------------------------------------------------

    def load_snapshot(self, bids: Iterable[Sequence[str]], asks: Iterable[Sequence[str]], *,
                      seq: int | None = None, ts: str | int | None = None) -> None:
        self._bids.load(bids)
        self._asks.load(asks)
        self._crc = None
        self.has_snapshot = True
        self.stale = False
        self.stale_reason = None
        self.seq = seq
        self.ts = ts
        self.version += 1

    def apply_update(self, bids: Iterable[Sequence[str]], asks: Iterable[Sequence[str]],
                     checksum: int | None = None, *, seq: int | None = None, pseq: int | None = None,
                     ts: str | int | None = None) -> bool:
        """Apply one incremental update; False when the book is (or just became) stale.

        ``checksum`` is Bitget's signed CRC32 of the top 25 after the update; None skips the check.
        ``seq``/``pseq`` are checked only when the exchange sends them.
        """
        if self.stale or not self.has_snapshot:
            return False
        if pseq is not None and self.seq is not None and pseq != self.seq:
            self.sequence_errors += 1
            self.mark_stale(f"sequence gap: expected pseq {self.seq}, got {pseq}")
            return False
        changed_bid = self._bids.apply(bids) if bids else False
        changed_ask = self._asks.apply(asks) if asks else False
        self.version += 1
        if seq is not None:
            self.seq = seq
        if ts is not None:
            self.ts = ts
        if changed_bid or changed_ask:
            self._crc = None
        if checksum is not None:
            if self._crc is None:
                self._crc = self._compute_crc()
            if self._crc != (checksum & 0xFFFFFFFF):
                self.checksum_errors += 1
                self.mark_stale(f"checksum mismatch: expected {checksum}, computed {self.checksum()}")
                return False
        self.updates += 1
        return True

    def apply_push(self, action: str, item: Mapping[str, Any]) -> bool:
        """Apply one ``data[0]`` item of a raw ``books`` push (``action`` is "snapshot" or "update")."""
        seq = item.get("seq")
        if action == "snapshot":
            self.load_snapshot(item.get("bids") or (), item.get("asks") or (), seq=seq, ts=item.get("ts"))
            return True
        return self.apply_update(item.get("bids") or (), item.get("asks") or (), item.get("checksum"),
                                 seq=seq, pseq=item.get("pseq"), ts=item.get("ts"))

    def mark_stale(self, reason: str) -> None:
        self.stale = True
        self.stale_reason = reason
        self.version += 1

    def mark_silent(self, seconds: float | None) -> None:
        """Nothing arrived for ``seconds`` (None: pushes arrive again); the book's levels are untouched."""
        if seconds != self.silent_s:
            self.silent_s = seconds
            self.version += 1

    # ----- checksum --------------------------------------------------------------------------------------------------

    def _compute_crc(self) -> int:
        bids = self._bids.top
        asks = self._asks.top
        if len(bids) == _DEPTH and len(asks) == _DEPTH:
            inter = self._inter
            inter[0::2] = bids
            inter[1::2] = asks
        else:
            inter = _interleave(bids, asks)
        return crc32(":".join(inter).encode())

    def checksum(self) -> int:
        """Bitget's signed CRC32 of the current top 25 levels."""
        if self._crc is None:
            self._crc = self._compute_crc()
        crc = self._crc
        return crc - 0x1_0000_0000 if crc & 0x8000_0000 else crc

    # ----- reading ---------------------------------------------------------------------------------------------------

    def bids(self, n: int | None = None) -> list[RawLevel]:
        """Raw bid levels, best (highest) first; all of them when ``n`` is None."""
        return self._bids.raw(n)

    def asks(self, n: int | None = None) -> list[RawLevel]:
        """Raw ask levels, best (lowest) first; all of them when ``n`` is None."""
        return self._asks.raw(n)

    def top(self, n: int = _DEPTH) -> tuple[list[RawLevel], list[RawLevel]]:
        return self._bids.raw(n), self._asks.raw(n)

    def depth(self) -> tuple[int, int]:
        return len(self._bids.keys), len(self._asks.keys)

    def best_bid(self) -> RawLevel | None:
        return self._bids.best()

    def best_ask(self) -> RawLevel | None:
        return self._asks.best()

    def best_bid_price(self) -> Decimal | None:
        best = self._bids.best()
        return Decimal(best[0]) if best else None

    def best_ask_price(self) -> Decimal | None:
        best = self._asks.best()
        return Decimal(best[0]) if best else None

    def spread(self) -> Decimal | None:
        bid = self.best_bid_price()
        ask = self.best_ask_price()
        return ask - bid if bid is not None and ask is not None else None

    def mid(self) -> Decimal | None:
        bid = self.best_bid_price()
        ask = self.best_ask_price()
        return (bid + ask) / 2 if bid is not None and ask is not None else None

    def size_at(self, price: str) -> str | None:
        """Raw size resting at ``price`` on either side, or None."""
        key = float(price)
        piece = self._asks.levels.get(key) or self._bids.levels.get(-key)
        return _split(piece)[1] if piece else None

    def __repr__(self) -> str:
        n_bids, n_asks = self.depth()
        return (f"OrderBook({self.symbol!r}, bids={n_bids}, asks={n_asks}, best={self.best_bid()}/{self.best_ask()}, "
                f"stale={self.stale}, silent_s={self.silent_s})")
