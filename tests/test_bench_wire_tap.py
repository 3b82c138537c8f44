"""``bench keys``' wire tap (terminal_app/bench/wire_tap.py): which requests it counts, and when they arrived."""

from __future__ import annotations

import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator

import pytest

from terminal_app.bench.wire_tap import RequestFramer, WireTap, realtime_offset_ns

PLACE = b"POST /api/v2/spot/trade/place-order HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n{\"size\":1}\n"
OTHER = b"GET /api/v2/public/time HTTP/1.1\r\nHost: x\r\n\r\n"


def test_a_place_order_counts_when_its_body_is_complete() -> None:
    framer = RequestFramer()
    head, body = PLACE.split(b"\r\n\r\n")
    assert framer.feed(head + b"\r\n\r\n", (1, 2)) == []
    assert framer.feed(body[:4], (3, 4)) == []
    assert framer.feed(body[4:], (5, 6)) == [(5, 6)]   # the read that completed it


def test_other_requests_are_skipped_even_in_one_read_with_orders() -> None:
    framer = RequestFramer()
    assert framer.feed(OTHER + PLACE + OTHER + PLACE[:20], (1, 1)) == [(1, 1)]
    assert framer.feed(PLACE[20:], (2, 2)) == [(2, 2)]
    assert framer.feed(OTHER.replace(b"GET", b"POST").replace(b"\r\n\r\n", b"\r\nContent-Length: 2\r\n\r\n{}"),
                       (3, 3)) == []


def test_the_real_time_offset_maps_the_kernel_clock_onto_the_monotonic_one() -> None:
    offset = realtime_offset_ns()
    assert abs(time.time_ns() - time.monotonic_ns() - offset) < 5_000_000


@pytest.fixture
def upstream() -> Iterator[str]:
    """A loopback server that swallows whatever comes (the simulator's place)."""
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        conns = []
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                conn.settimeout(0.2)
                conns.append(conn)
            except TimeoutError:
                pass
            for conn in conns:
                try:
                    conn.recv(65536)
                except (TimeoutError, OSError):
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(5)
        server.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SO_TIMESTAMPNS and SIGSTOP are Linux's")
def test_the_tap_stamps_an_order_when_it_arrived_not_when_the_tap_got_to_read_it(upstream: str) -> None:
    tap = WireTap(upstream)
    try:
        with socket.create_connection(("127.0.0.1", int(tap.url.rsplit(":", 1)[1]))) as conn:
            conn.sendall(OTHER)
            time.sleep(0.05)  # accepted and relayed: the tap is idle in its select
            os.kill(tap.proc.pid, signal.SIGSTOP)  # a tap with no core to run on
            try:
                before = time.monotonic_ns()
                conn.sendall(PLACE)
                sent = time.monotonic_ns()
                time.sleep(0.1)
            finally:
                os.kill(tap.proc.pid, signal.SIGCONT)
            deadline = time.monotonic() + 10
            while not (arrivals := tap.arrivals()) and time.monotonic() < deadline:
                time.sleep(0.01)
    finally:
        tap.stop()
    assert len(arrivals) == 1
    wire, read = arrivals[0]
    assert read >= sent + 90_000_000  # it read the order only once it ran again
    # the kernel's stamp: within the send, give or take the mapping of its real-time clock onto the monotonic one
    assert before - 1_000_000 <= wire <= sent + 1_000_000
