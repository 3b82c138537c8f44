"""A client that stops reading (issue 16): the simulator cuts it off as Bitget does, with its queue bounded while it
waits, and the real streamer reconnects, resubscribes and rebuilds its book from a fresh snapshot.

The client's handler blocks (as a GUI thread that stalls would), so it stops reading; large frames pushed with the
``send_raw`` fault fill the TCP buffers quickly, so the simulator's queue grows past its bound in a second rather
than after minutes of book updates."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from terminal_app.bitget.ws import BitgetStreamer, StreamerConfig
from terminal_app.bitget.ws_connection import ConnectionEvent, ConnectionState, StreamEvent
from terminal_app.core.book_sync import BookSync
from terminal_app.core.orderbook import OrderBook
from terminal_app.sim.runner import SimulatorRunner
from terminal_app.sim.server.http import SimConfig
from terminal_app.sim.server.ws_protocol import WsConfig

MAX_QUEUE = 64
PAD = '{"event":"pad","data":"' + "x" * 65_536 + '"}'  # an event the client ignores, 64 KiB
BOOKS = {"instType": "SPOT", "channel": "books", "instId": "BTCUSDT"}


@pytest.fixture
def runner() -> Iterator[SimulatorRunner]:
    sim = SimulatorRunner(config=SimConfig(seed=5, rate_limits=False, ws=WsConfig(max_queue=MAX_QUEUE)))
    sim.start()
    try:
        yield sim
    finally:
        sim.stop()


async def _until(condition: Any, within_s: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + within_s
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


@pytest.mark.asyncio
async def test_a_client_that_stops_reading_is_cut_off_and_the_streamer_resubscribes(runner: SimulatorRunner) -> None:
    info = runner.info
    assert info is not None
    server = runner.server
    config = StreamerConfig(public_url=info.ws_public, private_url=info.ws_private, backoff_initial_s=0.05,
                            pong_timeout_s=30.0)
    streamer = BitgetStreamer(config)
    events: list[StreamEvent] = []
    streamer.add_listener(events.append)
    book = OrderBook("BTCUSDT")
    sync = BookSync(book, lambda: streamer.resubscribe(BOOKS))
    snapshots = updates_after = 0
    stall = asyncio.Event()
    stall.set()
    stalled = asyncio.Event()

    async def on_books(msg: dict[str, Any]) -> None:
        nonlocal snapshots, updates_after
        if not stall.is_set():
            stalled.set()
            await stall.wait()       # the client reads nothing meanwhile
        snapshots += msg["action"] == "snapshot"
        updates_after += snapshots >= 2 and msg["action"] == "update"
        sync(msg)

    try:
        await streamer.subscribe(BOOKS, on_books)
        await _until(lambda: snapshots == 1 and book.best_bid() is not None)
        stall.clear()
        await asyncio.wait_for(stalled.wait(), 20)
        (conn_id,) = runner.call(lambda: server.hub.connection_ids())
        # the stalled client's TCP window closes, the writer waits, and the queue grows to its bound
        for _ in range(2000):
            runner.call(lambda: server.hub.send_raw(conn_id, PAD))
            if runner.call(lambda: server.hub.slow_closes):
                break
        assert runner.call(lambda: server.hub.slow_closes) == 1
        queued = runner.call(lambda: [len(c.out) for c in server.hub.conns.values()])
        assert all(n <= MAX_QUEUE for n in queued)      # dropped, not kept growing
        stall.set()
        await _until(lambda: streamer.stats().reconnects == 1 and snapshots >= 2 and not book.stale)
        lost = [e for e in events if isinstance(e, ConnectionEvent) and e.state is ConnectionState.DISCONNECTED]
        assert len(lost) == 1
        assert "slow consumer" in lost[0].reason or "connection lost" in lost[0].reason
        # the book goes on from the new connection's snapshot: its updates apply, checksums verified
        await _until(lambda: updates_after >= 5)
        assert book.checksum_errors == 0
        assert sync.resyncs == 0
        assert not book.stale
        assert runner.call(lambda: len(server.hub.conns)) == 1
    finally:
        stall.set()
        await streamer.close()
