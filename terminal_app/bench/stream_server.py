"""Benchmark stream server for ``terminal-app bench book``: a Bitget-like ``books`` channel at full speed.

``python -m terminal_app.bench.stream_server --count N`` pre-generates a realistic feed (below), binds 127.0.0.1 on a
free port, prints one JSON line ``{"url": "ws://127.0.0.1:PORT/v2/ws/public", ...}`` and serves until its stdin
closes. It runs as a separate process so that producing frames does not compete with the client for a core.
A client subscribing to ``books`` gets the ack, a snapshot and then the N updates as fast as the socket takes them;
a repeated subscribe (a client resynchronising after a checksum mismatch) gets a snapshot of the current position.
``--corrupt-at K`` sends update K with a wrong checksum, to exercise that path end to end.

The feed (:class:`BookFeed`) is seeded and deterministic. Its reference book works in integer ticks with
bisect-sorted lists and computes checksums with the plain ``core.book_checksum.book_checksum``, so it shares no code
with ``core.orderbook``'s float keys and cached top-25 pieces: a client that verifies these checksums is checked
against an independent implementation.

Shape of the updates (modelled on Bitget spot BTCUSDT: 2 price decimals, 4 size decimals with trailing zeros kept):
each message changes 1-3 levels on each side (sometimes only one side), mostly within the top 25 ranks; a change is a
new size for an existing level, a removal (size "0"), or a new level in a gap; now and then the best price moves
(a level inside the spread appears, or the best level is taken out). The book never crosses.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import sys
from bisect import bisect_left, insort
from collections.abc import Sequence
from typing import Any

import orjson
from websockets.frames import Frame, Opcode
from websockets.http11 import Request
from websockets.protocol import State
from websockets.server import ServerProtocol

from terminal_app.core.book_checksum import CHECKSUM_DEPTH, book_checksum

PRICE_DECIMALS = 2
SIZE_DECIMALS = 4
DEFAULT_SEED = 1
DEFAULT_LEVELS = 400


def price_text(ticks: int) -> str:
    whole, frac = divmod(ticks, 10**PRICE_DECIMALS)
    return f"{whole}.{frac:0{PRICE_DECIMALS}d}"


def size_text(lots: int) -> str:
    whole, frac = divmod(lots, 10**SIZE_DECIMALS)
    return f"{whole}.{frac:0{SIZE_DECIMALS}d}"


class BookFeed:
    """Deterministic given ``seed``. ``book_message``/``next_update`` return push dicts ready for orjson."""

    def __init__(self, seed: int = 1, *, levels: int = 400, mid_ticks: int = 4_300_000, inst_type: str = "SPOT",
                 symbol: str = "BTCUSDT", start_ts: int = 1_700_000_000_000) -> None:
        self._rng = random.Random(seed)
        self.arg = {"instType": inst_type, "channel": "books", "instId": symbol}
        self._target_levels = levels
        self.seq = 0
        self._ts = start_ts
        # Bids are stored as negated ticks so that index 0 is the best level on both sides.
        self._keys: dict[str, list[int]] = {"bids": [], "asks": []}
        self._levels: dict[str, dict[int, list[str]]] = {"bids": {}, "asks": {}}  # key → [price, size]
        rng = self._rng
        bid, ask = mid_ticks - 1 - rng.randrange(3), mid_ticks + 1 + rng.randrange(3)
        for _ in range(levels):
            self._put("bids", bid, self._random_size())
            self._put("asks", ask, self._random_size())
            bid -= 1 + (rng.randrange(4) if rng.random() < 0.5 else 0)
            ask += 1 + (rng.randrange(4) if rng.random() < 0.5 else 0)

    # ----- reference book ----------------------------------------------------------------------------------------

    def _put(self, side: str, ticks: int, size: str) -> None:
        key = -ticks if side == "bids" else ticks
        levels = self._levels[side]
        if key in levels:
            levels[key][1] = size
        else:
            insort(self._keys[side], key)
            levels[key] = [price_text(ticks), size]

    def _remove(self, side: str, ticks: int) -> None:
        key = -ticks if side == "bids" else ticks
        del self._levels[side][key]
        keys = self._keys[side]
        del keys[bisect_left(keys, key)]

    def _ticks_at(self, side: str, rank: int) -> int:
        key = self._keys[side][rank]
        return -key if side == "bids" else key

    def levels(self, side: str, n: int | None = None) -> list[list[str]]:
        keys = self._keys[side] if n is None else self._keys[side][:n]
        levels = self._levels[side]
        return [list(levels[k]) for k in keys]

    def checksum(self) -> int:
        top_bids = [self._levels["bids"][k] for k in self._keys["bids"][:CHECKSUM_DEPTH]]
        top_asks = [self._levels["asks"][k] for k in self._keys["asks"][:CHECKSUM_DEPTH]]
        return book_checksum(top_bids, top_asks)

    def final_book(self) -> dict[str, list[list[str]]]:
        return {"bids": self.levels("bids"), "asks": self.levels("asks")}

    def replay(self, item: dict[str, Any]) -> None:
        """Apply an update item this feed produced (used to rebuild the book at a given position)."""
        for side in ("bids", "asks"):
            for price, size in item[side]:
                ticks = int(price.replace(".", ""))
                if float(size) == 0:
                    # a level added and removed within one update is sent as a removal of an absent level
                    if (-ticks if side == "bids" else ticks) in self._levels[side]:
                        self._remove(side, ticks)
                else:
                    self._put(side, ticks, size)
        self.seq = item["seq"]
        self._ts = int(item["ts"])

    # ----- generation --------------------------------------------------------------------------------------------

    def _random_size(self) -> str:
        rng = self._rng
        lots = rng.choice((1, 5, 9, 10, 25, 40, 50, 100, 120, 500, 1000, 2500, 5000, 10000, 12000, 50000))
        return size_text(lots * rng.randint(1, 9))

    def _random_rank(self, side: str) -> int:
        rank = int(self._rng.expovariate(1 / 10))  # most activity close to the touch
        return min(rank, len(self._keys[side]) - 1)

    def _free_tick_behind(self, side: str, rank: int) -> int | None:
        """A price between rank and rank+1 (or past the last level) that holds no level yet."""
        keys = self._keys[side]
        key = keys[rank]
        limit = keys[rank + 1] if rank + 1 < len(keys) else key + 4
        if limit - key < 2:
            return None
        new_key = key + 1 + self._rng.randrange(limit - key - 1)
        return -new_key if side == "bids" else new_key

    def _change_side(self, side: str, out: dict[int, str]) -> None:
        """Make one change on ``side``; record the resulting level in ``out`` (ticks → size, "0" = removed)."""
        rng = self._rng
        n = len(self._keys[side])
        # removals and insertions balance around the target depth
        p_remove = 0.2 * n / self._target_levels
        p_insert = 0.2 * self._target_levels / max(n, 1)
        roll = rng.random()
        if n > 2 and roll < p_remove:
            ticks = self._ticks_at(side, 0 if rng.random() < 0.1 else self._random_rank(side))
            self._remove(side, ticks)
            out[ticks] = "0"
            return
        if roll < p_remove + p_insert:
            best_bid, best_ask = self._ticks_at("bids", 0), self._ticks_at("asks", 0)
            free: int | None
            if best_ask - best_bid > 1 and rng.random() < 0.25:
                free = best_bid + 1 if side == "bids" else best_ask - 1
            else:
                free = self._free_tick_behind(side, self._random_rank(side))
            if free is not None:
                size = self._random_size()
                self._put(side, free, size)
                out[free] = size
                return
        ticks = self._ticks_at(side, self._random_rank(side))
        size = self._random_size()
        self._put(side, ticks, size)
        out[ticks] = size

    def next_update(self) -> dict[str, Any]:
        rng = self._rng
        changes: dict[str, dict[int, str]] = {"bids": {}, "asks": {}}
        sides = ("bids", "asks") if rng.random() < 0.6 else (rng.choice(("bids", "asks")),)
        for side in sides:
            for _ in range(rng.choice((1, 1, 2, 2, 3))):
                self._change_side(side, changes[side])
        self.seq += 1
        self._ts += rng.randrange(1, 4)
        item = {
            "asks": [[price_text(t), s] for t, s in changes["asks"].items()],
            "bids": [[price_text(t), s] for t, s in changes["bids"].items()],
            "checksum": self.checksum(),
            "seq": self.seq,
            "ts": str(self._ts),
        }
        return {"action": "update", "arg": self.arg, "data": [item], "ts": self._ts}

    def snapshot(self) -> dict[str, Any]:
        item = {
            "asks": self.levels("asks"),
            "bids": self.levels("bids"),
            "checksum": self.checksum(),
            "seq": self.seq,
            "ts": str(self._ts),
        }
        return {"action": "snapshot", "arg": self.arg, "data": [item], "ts": self._ts}


FRAMES_PER_CHUNK = 256


class BookStreamServer:
    """Serves one ``books`` channel from a pre-generated feed of ``count`` updates.

    The updates are serialised as WebSocket frames once, up front, and written to the socket in chunks of
    ``FRAMES_PER_CHUNK`` frames: the server then costs a fraction of a microsecond per update, so on a 2-core machine
    the measurement is about the client. The handshake, the client's frames and the control frames go through
    websockets' Sans-I/O ``ServerProtocol``.
    """

    def __init__(self, count: int, *, seed: int = DEFAULT_SEED, levels: int = DEFAULT_LEVELS,
                 inst_type: str = "SPOT", symbol: str = "BTCUSDT", corrupt_at: int | None = None) -> None:
        self._feed_args: dict[str, Any] = {"levels": levels, "inst_type": inst_type, "symbol": symbol}
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
        frames = [Frame(Opcode.TEXT, update).serialize(mask=False) for update in self._updates]
        self._chunks = [b"".join(frames[i:i + FRAMES_PER_CHUNK]) for i in range(0, len(frames), FRAMES_PER_CHUNK)]
        self.final_book = feed.final_book()
        self.final_checksum = feed.checksum()
        self._mirror: BookFeed | None = None
        self.subscribes = 0

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
        for chunk_index, chunk in enumerate(self.server._chunks):
            if self._resync:
                self._resync = False
                self._send_text(self.server.snapshot_at(chunk_index * FRAMES_PER_CHUNK))
            writer.write(chunk)
            self._position = min(len(self.server._updates), (chunk_index + 1) * FRAMES_PER_CHUNK)
            await writer.drain()

    async def stop(self) -> None:
        if self._streaming is not None:
            self._streaming.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                await self._streaming


async def _serve(args: argparse.Namespace) -> None:
    server_state = BookStreamServer(args.count, seed=args.seed, levels=args.levels, inst_type=args.inst_type,
                                    symbol=args.symbol, corrupt_at=args.corrupt_at)
    loop = asyncio.get_running_loop()
    server = await asyncio.start_server(server_state.handle, args.host, args.port)
    async with server:
        port = server.sockets[0].getsockname()[1]
        ready = {"url": f"ws://{args.host}:{port}/v2/ws/public", "count": args.count,
                 "final_checksum": server_state.final_checksum}
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
    parser.add_argument("--corrupt-at", type=int, default=None, help="send update K with a wrong checksum")
    asyncio.run(_serve(parser.parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
