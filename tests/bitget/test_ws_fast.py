"""The fast receive path (bitget/ws_fast.py) produces exactly the events websockets' own parser produces."""

from __future__ import annotations

import asyncio
import random

import pytest
from websockets.client import ClientProtocol
from websockets.frames import Close, CloseCode, Frame, Opcode
from websockets.http11 import Request
from websockets.protocol import State
from websockets.server import ServerProtocol
from websockets.uri import parse_uri

from terminal_app.bitget.ws_fast import FastClientProtocol

URI = parse_uri("ws://127.0.0.1:1/v2/ws/public")


def open_pair(cls: type[ClientProtocol], max_size: int | None = 1 << 20) -> tuple[ClientProtocol, ServerProtocol]:
    client = cls(URI, max_size=max_size)
    server = ServerProtocol(max_size=None)
    client.send_request(client.connect())
    for data in client.data_to_send():
        server.receive_data(data)
    request = next(e for e in server.events_received() if isinstance(e, Request))
    server.send_response(server.accept(request))
    for data in server.data_to_send():
        client.receive_data(data)
    client.events_received()
    assert client.state is State.OPEN
    return client, server


def server_stream(seed: int) -> bytes:
    """Text frames of every length encoding, a binary frame, pings, a fragmented message, then a close."""
    rng = random.Random(seed)
    out = bytearray()
    for i in range(300):
        size = rng.choice((0, 5, 125, 126, 300, 65_535, 65_536, 70_000)) if i % 10 == 0 else rng.randrange(1, 400)
        out += Frame(Opcode.TEXT, bytes(rng.randrange(32, 127) for _ in range(size))).serialize(mask=False)
        if i % 37 == 0:
            out += Frame(Opcode.PING, b"p%d" % i).serialize(mask=False)
        if i % 53 == 0:
            out += Frame(Opcode.BINARY, b"\x00\x01" * i).serialize(mask=False)
        if i % 71 == 0:
            out += Frame(Opcode.TEXT, b"first-", fin=False).serialize(mask=False)
            out += Frame(Opcode.CONT, b"middle-", fin=False).serialize(mask=False)
            out += Frame(Opcode.CONT, b"last").serialize(mask=False)
    out += Frame(Opcode.CLOSE, Close(CloseCode.NORMAL_CLOSURE, "bye").serialize()).serialize(mask=False)
    out += Frame(Opcode.TEXT, b"after close").serialize(mask=False)
    return bytes(out)


def run(cls: type[ClientProtocol], stream: bytes, cuts: list[int], max_size: int | None = 1 << 20
        ) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]], State]:
    client, server = open_pair(cls, max_size)
    events: list[tuple[object, ...]] = []
    sent: list[tuple[object, ...]] = []  # what the client answered (pongs, close), as the server reads it (unmasked)
    start = 0
    for cut in [*cuts, len(stream)]:
        client.receive_data(stream[start:cut])
        start = cut
        events += [(e.opcode, bytes(e.data), e.fin) for e in client.events_received()]
        for data in client.data_to_send():
            if data:
                server.receive_data(data)
        sent += [(e.opcode, bytes(e.data)) for e in server.events_received()]
    return events, sent, client.state


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_same_events_as_websockets_for_any_cutting_of_the_stream(seed: int) -> None:
    stream = server_stream(seed)
    rng = random.Random(seed)
    cuts = sorted(rng.sample(range(1, len(stream)), 400))  # reads cut frames anywhere, headers included
    cuts += [c + 1 for c in cuts[:50] if c + 1 < len(stream)]  # some one-byte reads
    cuts = sorted(set(cuts))
    expected = run(ClientProtocol, stream, cuts)
    got = run(FastClientProtocol, stream, cuts)
    assert got == expected
    assert any(opcode is Opcode.CONT for opcode, *_ in expected[0])
    assert expected[2] is State.CLOSING


def test_a_masked_or_oversized_frame_is_refused_as_websockets_refuses_it() -> None:
    masked = Frame(Opcode.TEXT, b"masked").serialize(mask=True)
    ok = Frame(Opcode.TEXT, b"ok").serialize(mask=False)
    for stream, max_size in ((ok + masked + ok, 1 << 20), (ok + Frame(Opcode.TEXT, b"x" * 600).serialize(mask=False),
                                                          512)):
        expected = run(ClientProtocol, stream, [1, len(ok) + 3], max_size)
        got = run(FastClientProtocol, stream, [1, len(ok) + 3], max_size)
        assert got == expected
        assert expected[2] is State.CLOSING  # websockets failed the connection


def test_fast_path_is_taken_for_plain_text_frames() -> None:
    client, _ = open_pair(FastClientProtocol)
    client.receive_data(Frame(Opcode.TEXT, b"one").serialize(mask=False)
                        + Frame(Opcode.TEXT, b"tw").serialize(mask=False)[:3])
    assert isinstance(client, FastClientProtocol)
    assert client._fast == bytearray(Frame(Opcode.TEXT, b"tw").serialize(mask=False)[:3])  # the partial frame waits
    client.receive_data(Frame(Opcode.TEXT, b"tw").serialize(mask=False)[3:])
    assert [bytes(e.data) for e in client.events_received()] == [b"one", b"tw"]


def test_the_streamer_receives_through_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """bench book's stream through BitgetStreamer: every update frame took the fast path and the book is right."""
    import argparse
    import asyncio

    from terminal_app.bench import book as bench_book

    fast_frames = 0
    room = FastClientProtocol._room

    def counted(self: FastClientProtocol) -> int:  # called once per frame the fast path looks at
        nonlocal fast_frames
        fast_frames += 1
        return room(self)

    monkeypatch.setattr(FastClientProtocol, "_room", counted)
    count = 2000
    process, ready = bench_book._start_server(argparse.Namespace(count=count, symbol="BTCUSDT", inst_type="SPOT"))
    try:
        result, book = asyncio.run(bench_book.run_bench(ready["url"], "BTCUSDT", "SPOT", count,
                                                        last_seq=ready["last_seq"]))
    finally:
        bench_book._stop_server(process)
    assert result["checksum_errors"] == 0
    assert bench_book.book_levels(book) == ready["final_book"]
    assert fast_frames >= count - 10  # the first frames may arrive with the handshake, before the fast path is on


def test_the_fast_path_can_be_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    from websockets.asyncio.client import ClientConnection

    from terminal_app.bitget.ws_fast import FAST_ENV, FastClientConnection

    async def build(fast: str) -> type:
        monkeypatch.setenv(FAST_ENV, fast)
        connection = FastClientConnection(ClientProtocol(URI))  # needs a running loop, nothing else
        assert isinstance(connection, ClientConnection)
        return type(connection.protocol)

    assert asyncio.run(build("0")) is ClientProtocol
    assert asyncio.run(build("1")) is FastClientProtocol
