"""Glue between a ``books`` channel and an :class:`OrderBook`: apply every push, resubscribe when the book goes stale.

It lives in core and reaches the transport only through the ``resubscribe`` callable (typically
``lambda: streamer.resubscribe(arg)``), so the book logic stays free of asyncio and sockets, and the same class serves
the bench, the market-data service and tests. Bitget's recovery for a bad checksum is to resubscribe that one channel
(bitget-v2.md §7): the next push on it is a fresh snapshot, which clears ``stale``.

It also notices a book that has gone *silent*: consistent, but nothing has arrived for longer than a live feed is ever
quiet. A stalled connection (TCP open, nothing arriving) looks exactly like that, and the heartbeat only notices it
8–28 s later (a ping every 20 s, 8 s for the answer). :meth:`BookSync.check_silence`, called a few times a second by the
owner, sets ``OrderBook.silent_s`` once no push came for :data:`SILENCE_LIMIT_S`, so the ladder can say the prices are
old instead of showing them as current; the next push of any kind clears it. Reconnecting stays the connection's job.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from time import monotonic
from typing import Any

from terminal_app.core.orderbook import OrderBook

# Bitget pushes ``books`` every 200 ms (spot) / 150 ms (futures) on a market whose book moves, and a live market's book
# always moves; its 2026 documentation says 50 ms. Two seconds is ten missed pushes at the slowest documented cadence:
# far beyond network jitter, a GC pause or a busy GUI thread (event-loop lag p99 ~0.1 s in bench gui), yet short
# enough that a trader is warned before acting on a price that has not been refreshed. A genuinely idle book (an
# illiquid market, the simulator's quiet mode) is flagged too, which is true: it has not been updated.
SILENCE_LIMIT_S = 2.0


class BookSync:
    """A streamer handler for one ``books`` subscription. Call it with each raw push dict."""

    def __init__(self, book: OrderBook, resubscribe: Callable[[], object], *,
                 clock: Callable[[], float] = monotonic, silence_limit_s: float = SILENCE_LIMIT_S) -> None:
        self.book = book
        self._resubscribe = resubscribe
        self._resync_pending = False
        self.resyncs = 0
        self._clock = clock
        self.silence_limit_s = silence_limit_s
        self.last_push_at = clock()  # silence counts from the subscription until the first push

    def __call__(self, msg: Mapping[str, Any]) -> None:
        book = self.book
        self.last_push_at = self._clock()
        if book.silent_s is not None:
            book.mark_silent(None)
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

    def check_silence(self, now: float | None = None) -> bool:
        """Mark the book silent (whole seconds since the last push) once that reaches ``silence_limit_s``; True when
        what the book says changed, i.e. the owner should repaint (at most once a second while it stays silent)."""
        quiet = (self._clock() if now is None else now) - self.last_push_at
        if quiet < self.silence_limit_s:
            return False
        shown = float(int(quiet))
        if shown == self.book.silent_s:
            return False
        self.book.mark_silent(shown)
        return True
