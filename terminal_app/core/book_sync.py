"""Glue between a ``books`` channel and an :class:`OrderBook`: apply every push, resubscribe when the book goes stale.

It lives in core and reaches the transport only through the ``resubscribe`` callable (typically
``lambda: streamer.resubscribe(arg)``), so the book logic stays free of asyncio and sockets, and the same class serves
the bench, the market-data service and tests. Bitget's recovery for a bad checksum is to resubscribe that one channel
(bitget-v2.md §7): the next push on it is a fresh snapshot, which clears ``stale``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from terminal_app.core.orderbook import OrderBook


class BookSync:
    """A streamer handler for one ``books`` subscription. Call it with each raw push dict."""

    def __init__(self, book: OrderBook, resubscribe: Callable[[], object]) -> None:
        self.book = book
        self._resubscribe = resubscribe
        self._resync_pending = False
        self.resyncs = 0

    def __call__(self, msg: Mapping[str, Any]) -> None:
        book = self.book
        try:
            item = msg["data"][0]
            if msg["action"] == "snapshot":
                book.load_snapshot(item.get("bids") or (), item.get("asks") or (), seq=item.get("seq"),
                                   ts=item.get("ts"))
                self._resync_pending = False
                return
            if book.apply_update(item.get("bids") or (), item.get("asks") or (), item.get("checksum"),
                                 seq=item.get("seq"), pseq=item.get("pseq"), ts=item.get("ts")):
                return
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
            # A frame we cannot apply leaves the book in an unknown state: same recovery as a bad checksum.
            book.mark_stale(f"malformed books push: {exc!r}")
        if book.stale and not self._resync_pending:
            self._resync_pending = True
            self.resyncs += 1
            self._resubscribe()

    def connection_lost(self) -> None:
        """The stream broke: the book is out of date until the snapshot the streamer's resubscribe brings."""
        self.book.mark_stale("connection lost")
        self._resync_pending = True
