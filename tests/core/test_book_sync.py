"""BookSync: pushes into the book, one resubscribe per stale period, recovery on the next snapshot."""

from __future__ import annotations

from terminal_app.core.book_checksum import book_checksum
from terminal_app.core.book_sync import BookSync
from terminal_app.core.orderbook import OrderBook

ARG = {"instType": "SPOT", "channel": "books", "instId": "BTCUSDT"}


def push(action: str, bids: list[list[str]], asks: list[list[str]], checksum: int | None = None) -> dict:
    item: dict = {"bids": bids, "asks": asks, "ts": "1"}
    if checksum is not None:
        item["checksum"] = checksum
    return {"action": action, "arg": ARG, "data": [item], "ts": 1}


def test_mismatch_requests_one_resubscribe_and_snapshot_recovers() -> None:
    calls: list[str] = []
    sync = BookSync(OrderBook("BTCUSDT"), lambda: calls.append("resub"))
    sync(push("snapshot", [["10", "1"]], [["11", "1"]]))
    sync(push("update", [["10", "2"]], [], book_checksum([["10", "2"]], [["11", "1"]])))
    assert calls == []
    sync(push("update", [["10", "3"]], [], 12345))
    assert sync.book.stale
    sync(push("update", [["10", "4"]], [], 999))  # still stale: no second request
    assert calls == ["resub"]
    sync(push("snapshot", [["10", "7"]], [["11", "1"]]))
    assert not sync.book.stale
    assert sync.book.bids() == [("10", "7")]
    sync(push("update", [], [["11", "2"]], 1))
    assert calls == ["resub", "resub"]
    assert sync.resyncs == 2


def test_malformed_push_is_treated_like_a_mismatch() -> None:
    calls: list[int] = []
    sync = BookSync(OrderBook(), lambda: calls.append(1))
    sync(push("snapshot", [["10", "1"]], [["11", "1"]]))
    sync({"action": "update", "arg": ARG, "data": [{"bids": [["10"]], "asks": []}]})
    assert sync.book.stale
    assert "malformed" in (sync.book.stale_reason or "")
    assert calls == [1]


def test_connection_lost_marks_stale_without_requesting() -> None:
    calls: list[int] = []
    sync = BookSync(OrderBook(), lambda: calls.append(1))
    sync(push("snapshot", [["10", "1"]], [["11", "1"]]))
    sync.connection_lost()
    assert sync.book.stale
    sync(push("update", [["10", "2"]], [], 5))
    assert calls == []  # the streamer resubscribes by itself after a reconnect
    sync(push("snapshot", [["10", "1"]], [["11", "1"]]))
    assert not sync.book.stale


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_silent_book_is_flagged_after_the_limit_each_second_and_cleared_by_the_next_push() -> None:
    clock = FakeClock()
    sync = BookSync(OrderBook("BTCUSDT"), lambda: None, clock=clock, silence_limit_s=2.0)
    book = sync.book
    clock.now += 1.0
    assert not sync.check_silence()  # from the subscription on: one second without a snapshot is normal
    sync(push("snapshot", [["10", "1"]], [["11", "1"]]))
    clock.now += 1.99
    assert not sync.check_silence()
    assert book.silent_s is None
    version = book.version
    clock.now += 0.01
    assert sync.check_silence()
    assert book.silent_s == 2.0
    assert book.version > version  # a repaint-worthy change
    assert book.bids() == [("10", "1")]  # the levels are kept, and the book is not "stale": it is consistent
    assert not book.stale
    clock.now += 0.5
    assert not sync.check_silence()  # still "2 s": nothing new to show
    clock.now += 0.5
    assert sync.check_silence()
    assert book.silent_s == 3.0
    sync(push("update", [["10", "2"]], []))
    assert book.silent_s is None
    assert not sync.check_silence()


def test_silence_runs_on_while_the_book_waits_for_its_resync() -> None:
    clock = FakeClock()
    sync = BookSync(OrderBook("BTCUSDT"), lambda: None, clock=clock)
    sync(push("snapshot", [["10", "1"]], [["11", "1"]]))
    sync.connection_lost()
    clock.now += 5.0
    assert sync.check_silence()
    assert (sync.book.stale, sync.book.silent_s) == (True, 5.0)
    sync(push("snapshot", [["10", "1"]], [["11", "1"]]))
    assert (sync.book.stale, sync.book.silent_s) == (False, None)
