"""Trades kept in time order in a few machine words each: the rolling window behind ``core.traded_volume``.

A record is (ts, price, taker side, size, trades merged into it). Held as Python objects (a tuple, an int timestamp
and a Decimal size per record) one took about 200 bytes, and a window that holds as many records as the market
trades in five minutes then swings by megabytes with the trade rate. The allocator keeps the arenas a peak needed, so
in a long session the process's resident set followed the busiest five minutes so far (issue 16's long session). Here
a record is four 64-bit integers in arrays: prices and sizes as exact integer multiples of the smallest power of ten
seen (Decimal ``units × 10^exp``), so nothing is rounded, and a value too large for 64 bits moves that column of its
chunk to a Python list rather than failing.

Records live in chunks of :data:`CHUNK` appended in time order; the oldest leave from the front chunk, which is
dropped when empty, so memory follows the records held, at most one chunk more. A late record (older than the newest)
is inserted at its place in time order: a binary search and a move of at most one chunk's tail.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections import deque
from collections.abc import MutableSequence
from decimal import MAX_EMAX, MIN_EMIN, Context, Decimal

CHUNK = 4096

Column = MutableSequence[int]
Record = tuple[int, Decimal, bool, Decimal, int]  # ts, price, is_buy, size, trades
_COLUMNS = ("ts", "price", "size", "meta")
# Moving a value's decimal point must never round: the default context keeps 28 digits, and a size of 24 digits in
# units of 10^-12 has 36.
_EXACT = Context(prec=1000, Emax=MAX_EMAX, Emin=MIN_EMIN)


class _Chunk:
    __slots__ = ("head", "meta", "price", "size", "ts")

    def __init__(self) -> None:
        self.head = 0  # records before it have left
        self.ts: Column = array("q")
        self.price: Column = array("q")
        self.size: Column = array("q")
        self.meta: Column = array("q")  # trades << 1 | is_buy

    def put(self, index: int | None, ts: int, price: int, size: int, meta: int) -> None:
        """Append (``index`` None) or insert the record; a column whose value does not fit 64 bits becomes a list."""
        if index is None:
            n = len(self.ts)
            try:
                self.ts.append(ts)
                self.price.append(price)
                self.size.append(size)
                self.meta.append(meta)
                return
            except OverflowError:
                for name in _COLUMNS:
                    del getattr(self, name)[n:]
        for name, value in zip(_COLUMNS, (ts, price, size, meta), strict=True):
            column: Column = getattr(self, name)
            where = len(column) if index is None else index
            try:
                column.insert(where, value)
            except OverflowError:
                column = list(column)
                setattr(self, name, column)
                column.insert(where, value)

    def set_last(self, name: str, value: int) -> None:
        column: Column = getattr(self, name)
        try:
            column[-1] = value
        except OverflowError:
            column = list(column)
            column[-1] = value
            setattr(self, name, column)

    def scale(self, name: str, factor: int) -> None:
        column: Column = getattr(self, name)
        try:
            scaled: Column = array("q", [v * factor for v in column])
        except OverflowError:
            scaled = [v * factor for v in column]
        setattr(self, name, scaled)


class TradeRecords:
    """Records in time order (ties in arrival order); see the module docstring. A chunk in the deque always holds a
    record that has not left (an emptied front chunk is dropped at once)."""

    def __init__(self) -> None:
        self._chunks: deque[_Chunk] = deque()
        self._len = 0
        self._price_exp = 0
        self._size_exp = 0

    def __len__(self) -> int:
        return self._len

    def clear(self) -> None:
        self._chunks.clear()
        self._len = 0

    def _units(self, value: Decimal, which: str) -> int:
        """``value`` as an integer number of 10^exp of its column, first rescaling the column to finer units if
        ``value`` has more decimals than anything held so far."""
        current = self._price_exp if which == "price" else self._size_exp
        scaled = value.scaleb(-current, _EXACT)
        units = int(scaled)
        if scaled == units:
            return units
        exp = value.as_tuple().exponent
        if not isinstance(exp, int):
            raise ValueError(f"not a finite number: {value}")
        factor = 10 ** (current - exp)
        for chunk in self._chunks:
            chunk.scale(which, factor)
        if which == "price":
            self._price_exp = exp
        else:
            self._size_exp = exp
        return int(value.scaleb(-exp, _EXACT))

    def add(self, ts: int, price: Decimal, is_buy: bool, size: Decimal) -> bool:
        """Count one trade: added to the newest record if that has this ``ts``, ``price`` and side (a sweep's
        fills; returns True), else a new record at its place in time order (returns False)."""
        px, sz = self._units(price, "price"), self._units(size, "size")
        chunks = self._chunks
        last = chunks[-1] if chunks else None
        if last is not None and last.ts[-1] == ts and last.price[-1] == px and (last.meta[-1] & 1) == is_buy:
            last.set_last("size", last.size[-1] + sz)
            last.set_last("meta", last.meta[-1] + 2)
            return True
        self._len += 1
        meta = 2 | is_buy
        if last is None or last.ts[-1] <= ts:
            if last is None or len(last.ts) >= CHUNK:
                last = _Chunk()
                chunks.append(last)
            last.put(None, ts, px, sz, meta)
            return False
        target = chunks[0]
        for chunk in reversed(chunks):
            if chunk.ts[chunk.head] <= ts:
                target = chunk
                break
        target.put(bisect_right(target.ts, ts, lo=target.head), ts, px, sz, meta)
        return False

    def oldest_ts(self) -> int:
        chunk = self._chunks[0]
        return chunk.ts[chunk.head]

    def pop_oldest(self) -> Record:
        chunk = self._chunks[0]
        i = chunk.head
        meta = chunk.meta[i]
        record = (chunk.ts[i], Decimal(chunk.price[i]).scaleb(self._price_exp, _EXACT), bool(meta & 1),
                  Decimal(chunk.size[i]).scaleb(self._size_exp, _EXACT), meta >> 1)
        chunk.head = i + 1
        if chunk.head == len(chunk.ts):
            self._chunks.popleft()
        self._len -= 1
        return record
