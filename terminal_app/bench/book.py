"""``terminal-app bench book``: order-book stream rate through the real streamer, with a checksum on every update.

Measured: the time from the arrival of the first snapshot to the arrival of the last counted update, on the client's
event loop; msgs_per_s is the number of updates received in that span divided by it. Each one went through
websockets → orjson → the streamer's dispatch → ``BookSync`` → ``OrderBook.apply_update`` with CRC32 verification.
Without ``--url`` the frames come from ``bench.stream_server`` in a separate process (pre-generated, sent as fast as
the socket takes them), so producing them does not compete with the client for its core.

Prints one JSON line: ``{"msgs_per_s", "applied", "checksum_errors", "best_bid", "best_ask", ...}``;
``--final-out FILE`` writes the final book ``{"bids": [[price, size], ...], "asks": [...]}`` with the raw strings.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson

from terminal_app.bitget.ws import BitgetStreamer, StreamerConfig
from terminal_app.core.book_sync import BookSync
from terminal_app.core.orderbook import OrderBook

SERVER_START_TIMEOUT_S = 120.0


def _start_server(args: argparse.Namespace) -> tuple[subprocess.Popen[bytes], dict[str, Any]]:
    command = [sys.executable, "-m", "terminal_app.bench.stream_server", "--count", str(args.count),
               "--symbol", args.symbol, "--inst-type", args.inst_type]
    corrupt_at = getattr(args, "corrupt_at", None)
    if corrupt_at:
        command += ["--corrupt-at", str(corrupt_at)]
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        process.wait(timeout=5)
        raise RuntimeError(f"the bench stream server exited ({process.returncode}) before it was ready")
    return process, orjson.loads(line)


def _stop_server(process: subprocess.Popen[bytes]) -> None:
    if process.stdin is not None:
        with contextlib.suppress(OSError):
            process.stdin.close()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stdout is not None:
        process.stdout.close()


async def run_bench(url: str, symbol: str, inst_type: str, count: int, *, last_seq: int | None = None,
                    timeout_s: float | None = None) -> tuple[dict[str, Any], OrderBook]:
    """Stream ``count`` updates (or until the update numbered ``last_seq`` when the server says where it ends)."""
    arg = {"instType": inst_type, "channel": "books", "instId": symbol}
    book = OrderBook(symbol)
    streamer = BitgetStreamer(StreamerConfig(public_url=url))
    sync = BookSync(book, lambda: streamer.resubscribe(arg))
    finished = asyncio.Event()
    marks: dict[str, float] = {}
    received = 0
    end_seq = last_seq if last_seq is not None else -1

    def on_books(msg: dict[str, Any]) -> None:
        nonlocal received
        sync(msg)
        if "start" not in marks:
            if msg["action"] != "snapshot":
                return
            marks["start"] = time.perf_counter()
            return
        received += 1
        if book.updates >= count or book.seq == end_seq:
            marks["end"] = time.perf_counter()
            finished.set()

    limit = timeout_s if timeout_s is not None else 30.0 + count / 5_000
    try:
        await streamer.subscribe(arg, on_books)
        await asyncio.wait_for(finished.wait(), limit)
    finally:
        await streamer.close()
    seconds = marks["end"] - marks["start"]
    best_bid, best_ask = book.best_bid(), book.best_ask()
    result = {
        "msgs_per_s": round(received / seconds) if seconds > 0 else None,
        "applied": book.updates,
        "checksum_errors": book.checksum_errors,
        "best_bid": best_bid[0] if best_bid else None,
        "best_ask": best_ask[0] if best_ask else None,
        "received": received,
        "seconds": round(seconds, 4),
        "resyncs": sync.resyncs,
        "depth": list(book.depth()),
    }
    return result, book


def main(args: argparse.Namespace) -> int:
    process: subprocess.Popen[bytes] | None = None
    last_seq: int | None = None
    url = args.url
    try:
        if url is None:
            process, ready = _start_server(args)
            url = ready["url"]
            last_seq = int(ready["count"])
        try:
            result, book = asyncio.run(run_bench(url, args.symbol, args.inst_type, args.count, last_seq=last_seq))
        except TimeoutError:
            print(orjson.dumps({"error": "timed out before the updates arrived", "url": url}).decode())
            return 1
    finally:
        if process is not None:
            _stop_server(process)
    print(orjson.dumps(result).decode(), flush=True)
    if args.final_out:
        final = {"bids": [list(level) for level in book.bids()], "asks": [list(level) for level in book.asks()]}
        Path(args.final_out).write_bytes(orjson.dumps(final))
    return 0
