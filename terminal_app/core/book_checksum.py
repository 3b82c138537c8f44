"""The order-book checksum: CRC32 over the top 25 levels, as Bitget's ``books`` channel sends it (bitget-v2.md §7).

The checksum covers the top 25 levels, interleaving bid then ask per rank:
``bid1p:bid1s:ask1p:ask1s:bid2p:…``; a side with fewer levels simply contributes nothing for the missing ranks.
Prices and sizes are the strings exactly as Bitget sent them (``"0.0500"`` and ``"0.05"`` give different checksums),
so callers must keep the raw strings. The result is zlib's CRC32 read as a signed 32-bit integer.

It lives in ``core`` because verifying a book is the order book's job (``core.orderbook``); the simulator's book pushes
and the benchmarks use the same function, so both sides agree.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

CHECKSUM_DEPTH = 25

Level = Sequence[str]
"""One ``[price, size]`` pair of raw strings."""


def signed_crc32(data: bytes) -> int:
    value = zlib.crc32(data)
    return value - 0x1_0000_0000 if value & 0x8000_0000 else value


def checksum_text(bids: Sequence[Level], asks: Sequence[Level], depth: int = CHECKSUM_DEPTH) -> str:
    """The ``:``-joined string the checksum is computed over; ``bids`` best first (descending), ``asks`` ascending."""
    top_bids = [level[0] + ":" + level[1] for level in bids[:depth]]
    top_asks = [level[0] + ":" + level[1] for level in asks[:depth]]
    parts = [piece for pair in zip(top_bids, top_asks, strict=False) for piece in pair]
    common = len(parts) // 2
    parts += top_bids[common:] or top_asks[common:]
    return ":".join(parts)


def book_checksum(bids: Sequence[Level], asks: Sequence[Level], depth: int = CHECKSUM_DEPTH) -> int:
    """Bitget's ``checksum`` for a book whose sides are given best first."""
    return signed_crc32(checksum_text(bids, asks, depth).encode())
