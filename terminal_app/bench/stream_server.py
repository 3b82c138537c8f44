"""Benchmark stream server for ``terminal-app bench book``: a Bitget-like ``books`` channel at full speed.

``python -m terminal_app.bench.stream_server --count N`` pre-generates the feed of :mod:`terminal_app.bench.book_feed`
(Bitget's busiest-book shape, in the legacy ``checksum`` form or the 2026 ``seq``/``pseq`` form: ``--form``), binds
127.0.0.1 on a free port, prints one JSON line ``{"url": "ws://127.0.0.1:PORT/v2/ws/public", "last_seq": ...,
"final_checksum": ..., "final_book": {...}, ...}`` and serves until its stdin closes. It runs as a separate process so
that producing frames does not compete with the client for a core. Every client subscribing to ``books`` gets the ack,
a snapshot and then the N updates as fast as the socket takes them, from the start (so two clients can be compared on
the same stream); a repeated subscribe (a client resynchronising) gets a snapshot of its current position.
``--corrupt-at K`` sends update K with a wrong checksum, ``--gap-at K`` never sends update K (its ``seq`` is missing,
so the next ``pseq`` does not follow): both exercise the client's resynchronisation end to end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Sequence
from typing import Any

import orjson
from websockets.frames import Frame, Opcode
from websockets.http11 import Request
from websockets.protocol import State
from websockets.server import ServerProtocol

from terminal_app.bench.book_feed import DEFAULT_LEVELS, DEFAULT_SEED, FORMS, BookFeed, Form

__all__ = ["DEFAULT_LEVELS", "DEFAULT_SEED", "BookFeed", "BookStreamServer"]

FRAMES_PER_CHUNK = 256


class BookStreamServer:
    """Serves one ``books`` channel from a pre-generated feed of ``count`` updates.

    The updates are serialised as WebSocket frames once, up front, and written to the socket in chunks of
    ``FRAMES_PER_CHUNK`` frames: the server then costs a fraction of a microsecond per update, so on a 2-core machine
    the measurement is about the client. The handshake, the client's frames and the control frames go through
    websockets' Sans-I/O ``ServerProtocol``.
    """

    def __init__(self, count: int, *, seed: int = DEFAULT_SEED, levels: int = DEFAULT_LEVELS,
                 inst_type: str = "SPOT", symbol: str = "BTCUSDT", form: Form = "checksum",
                 corrupt_at: int | None = None, gap_at: int | None = None) -> None:
        self._feed_args: dict[str, Any] = {"levels": levels, "inst_type": inst_type, "symbol": symbol, "form": form}
        self._seed = seed
        feed = BookFeed(seed, **self._feed_args)
        self.arg = feed.arg
        self._snapshot0 = orjson.dumps(feed.snapshot())
        self._updates: list[bytes] = []
        for number in range(1, count + 1):
            message = feed.next_update()
            if number == corrupt_at:
                message["data"][0]["checksum"] ^= 0x5A5A
            self._updates.append(orjson.dumps(message))
        sent = [u for number, u in enumerate(self._updates, 1) if number != gap_at]
        frames = [Frame(Opcode.TEXT, update).serialize(mask=False) for update in sent]
        self._chunks = [b"".join(frames[i:i + FRAMES_PER_CHUNK]) for i in range(0, len(frames), FRAMES_PER_CHUNK)]
        self.final_book = feed.final_book()
        self.final_checksum = feed.checksum()
        self.last_seq = feed.seq
        self.kinds = dict(feed.kinds)
        self.touches = feed.touches
        self._gap_at = gap_at
        self._mirror: BookFeed | None = None
        self.subscribes = 0

    def position_after(self, frames_sent: int) -> int:
        """The feed position (updates generated) once ``frames_sent`` update frames went out (a gap was never sent)."""
        gap = self._gap_at
        position = frames_sent + 1 if gap is not None and frames_sent >= gap else frames_sent
        return min(len(self._updates), position)

    def snapshot_at(self, position: int) -> bytes:
        """The book after ``position`` updates, as a snapshot push."""
        if position == 0:
            return self._snapshot0
        mirror = self._mirror
        if mirror is None or mirror.seq > position:
            mirror = self._mirror = BookFeed(self._seed, **self._feed_args)
        while mirror.seq < position:
            mirror.replay(orjson.loads(self._updates[mirror.seq])["data"][0])
        return orjson.dumps(mirror.snapshot())

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        session = _Session(self, writer)
        try:
            while data := await reader.read(65536):
                session.receive(data)
                if session.protocol.state is State.CLOSED:
                    break
        except ConnectionError:
            pass
        finally:
            await session.stop()
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()


class _Session:
    """One client: websockets' Sans-I/O protocol on an asyncio stream, plus the update stream task."""

    def __init__(self, server: BookStreamServer, writer: asyncio.StreamWriter) -> None:
        self.server = server
        self.protocol = ServerProtocol(max_size=None)
        self._writer = writer
        self._streaming: asyncio.Task[None] | None = None
        self._position = 0
        self._resync = False

    def _flush(self) -> None:
        for data in self.protocol.data_to_send():
            if data:
                self._writer.write(data)
            elif self._writer.can_write_eof():
                self._writer.write_eof()

    def _send_text(self, payload: bytes) -> None:
        self.protocol.send_text(payload)
        self._flush()

    def receive(self, data: bytes) -> None:
        self.protocol.receive_data(data)
        for event in self.protocol.events_received():
            if isinstance(event, Request):
                self.protocol.send_response(self.protocol.accept(event))
            elif isinstance(event, Frame) and event.opcode is Opcode.TEXT:
                self._on_text(bytes(event.data))
        self._flush()  # handshake answers, automatic pongs to protocol pings, close replies

    def _on_text(self, text: bytes) -> None:
        if text == b"ping":
            self._send_text(b"pong")
            return
        message = orjson.loads(text)
        op = message.get("op")
        server = self.server
        for arg in message.get("args", ()):
            if op not in ("subscribe", "unsubscribe") or arg != server.arg:
                doesnt_exist = (f"instType:{arg.get('instType')},channel:{arg.get('channel')},"
                                f"instId:{arg.get('instId')} doesn't exist")
                self._send_text(orjson.dumps({"event": "error", "arg": arg, "code": 30001, "msg": doesnt_exist}))
                continue
            self._send_text(orjson.dumps({"event": op, "arg": arg}))
            if op != "subscribe":
                continue
            server.subscribes += 1
            if self._streaming is None:
                self._send_text(server.snapshot_at(0))
                self._streaming = asyncio.create_task(self._stream())
            elif self._streaming.done():
                self._send_text(server.snapshot_at(self._position))
            else:
                self._resync = True  # the stream task sends the snapshot between two chunks

    async def _stream(self) -> None:
        writer = self._writer
        server = self.server
        for chunk_index, chunk in enumerate(server._chunks):
            if self._resync:
                self._resync = False
                self._send_text(server.snapshot_at(server.position_after(chunk_index * FRAMES_PER_CHUNK)))
            writer.write(chunk)
            self._position = server.position_after((chunk_index + 1) * FRAMES_PER_CHUNK)
            await writer.drain()

    async def stop(self) -> None:
        if self._streaming is not None:
            self._streaming.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                await self._streaming


async def _serve(args: argparse.Namespace) -> None:
    server_state = BookStreamServer(args.count, seed=args.seed, levels=args.levels, inst_type=args.inst_type,
                                    symbol=args.symbol, form=args.form, corrupt_at=args.corrupt_at,
                                    gap_at=args.gap_at)
    loop = asyncio.get_running_loop()
    server = await asyncio.start_server(server_state.handle, args.host, args.port)
    async with server:
        port = server.sockets[0].getsockname()[1]
        ready = {"url": f"ws://{args.host}:{port}/v2/ws/public", "count": args.count, "form": args.form,
                 "last_seq": server_state.last_seq, "final_checksum": server_state.final_checksum,
                 "touches": server_state.touches, "kinds": server_state.kinds, "final_book": server_state.final_book}
        sys.stdout.write(orjson.dumps(ready).decode() + "\n")
        sys.stdout.flush()
        # Serve until the parent closes our stdin (or dies): no orphan servers.
        stdin = asyncio.StreamReader()
        transport, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
        try:
            while await stdin.read(4096):
                pass
        finally:
            transport.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m terminal_app.bench.stream_server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--count", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--levels", type=int, default=DEFAULT_LEVELS)
    parser.add_argument("--symbol", default="BTCUSDT")
    parser.add_argument("--inst-type", default="SPOT")
    parser.add_argument("--form", choices=FORMS, default="checksum",
                        help="legacy CRC32 checksum, or Bitget's 2026 seq/pseq without checksum")
    parser.add_argument("--corrupt-at", type=int, default=None, help="send update K with a wrong checksum")
    parser.add_argument("--gap-at", type=int, default=None, help="never send update K (a sequence gap)")
    asyncio.run(_serve(parser.parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
