"""``terminal-app bench book``: order-book stream rate through the real streamer, every update verified.

Measured: the time from the arrival of the first snapshot to the arrival of the last update, on the client's event
loop; msgs_per_s is the number of updates received in that span divided by it. Each one went through websockets ->
orjson -> the streamer's dispatch -> ``BookSync`` -> ``OrderBook.apply_update``, which verifies the CRC32 (``--form
checksum``, the legacy push) or the ``seq``/``pseq`` chain (``--form seq``, Bitget's 2026 push) on every message.
Without ``--url`` the frames come from ``bench.stream_server`` in a separate process (pre-generated in Bitget's
busiest-book shape, sent as fast as the socket takes them), so producing them does not compete with the client.

``--compare`` runs ccxt.pro's ``watch_order_book`` (which verifies the same CRC32 on every update where one is sent)
on the same stream in the same run and reports both rates and their ratio (``vs_ccxt``); ``--rounds`` runs that many
pairs and keeps every figure, with the median of each side and the ratio of the medians (``median_vs_ccxt``). Both
final books are compared with the server's. On a shared machine the wall-clock rate also counts the time the client
was not scheduled; ``msgs_per_cpu_s`` (the client process' CPU time over the same span; the server is another
process) and ``vs_ccxt_cpu`` do not.

Both sides are measured the same way (issue 16: a worst round of 2.0x against a median of 4.1x was the method's,
not the ingest's): ccxt is imported before the first round, so every round of both clients runs with the same
heap (ours used to run its first round before ccxt's thousands of module objects existed, and its later rounds
with the cyclic collector walking them); before each client's run the collector runs and what survives is frozen
(``gc.freeze``, as the terminal freezes its start-up objects), so neither side pays for the other's garbage or its
own previous round's; and the order alternates (ours first in odd rounds, ccxt first in even ones), so a machine
that gets busier or quieter during a run does not favour one side.

Prints one JSON line; ``--final-out FILE`` writes our final book ``{"bids": [[price, size], ...], "asks": [...]}``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import statistics
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
Book = dict[str, list[list[str]]]


def _start_server(args: argparse.Namespace) -> tuple[subprocess.Popen[bytes], dict[str, Any]]:
    command = [sys.executable, "-m", "terminal_app.bench.stream_server", "--count", str(args.count),
               "--symbol", args.symbol, "--inst-type", args.inst_type,
               "--form", getattr(args, "form", None) or "checksum"]
    for option in ("corrupt_at", "gap_at"):
        value = getattr(args, option, None)
        if value:
            command += ["--" + option.replace("_", "-"), str(value)]
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


def settle() -> None:
    """Before each timed client run, for both clients alike: collect, then freeze what survives, so the run pays for
    its own garbage only (the terminal freezes its start-up objects the same way)."""
    gc.collect()
    gc.freeze()


def book_levels(book: OrderBook) -> Book:
    return {"bids": [list(level) for level in book.bids()], "asks": [list(level) for level in book.asks()]}


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
            marks["cpu_start"] = time.process_time()
            return
        received += 1
        if book.updates >= count or book.seq == end_seq:
            marks["end"] = time.perf_counter()
            marks["cpu_end"] = time.process_time()
            finished.set()

    limit = timeout_s if timeout_s is not None else 30.0 + count / 5_000
    try:
        await streamer.subscribe(arg, on_books)
        await asyncio.wait_for(finished.wait(), limit)
    finally:
        await streamer.close()
    seconds = marks["end"] - marks["start"]
    cpu_s = marks["cpu_end"] - marks["cpu_start"]
    best_bid, best_ask = book.best_bid(), book.best_ask()
    result = {
        "msgs_per_s": round(received / seconds) if seconds > 0 else None,
        "msgs_per_cpu_s": round(received / cpu_s) if cpu_s > 0 else None,
        "applied": book.updates,
        "checksum_errors": book.checksum_errors,
        "sequence_errors": book.sequence_errors,
        "best_bid": best_bid[0] if best_bid else None,
        "best_ask": best_ask[0] if best_ask else None,
        "received": received,
        "seconds": round(seconds, 4),
        "resyncs": sync.resyncs,
        "depth": list(book.depth()),
    }
    return result, book


async def run_ccxt(url: str, symbol: str, inst_type: str, last_seq: int, *, timeout_s: float = 120.0
                   ) -> tuple[dict[str, Any], Book]:
    """ccxt.pro's ``watch_order_book`` on the same stream: its own socket, parser and book, CRC32 on every update.

    Markets are given to ccxt (no REST server here); every ``books`` push goes through its ``handle_order_book``,
    which is wrapped only to time the first snapshot and the last update.
    """
    import ccxt.pro  # a test dependency; imported only for --compare

    if inst_type.upper() != "SPOT":
        raise ValueError("--compare streams a spot book (ccxt needs to know the market)")
    exchange = ccxt.pro.bitget({"options": {"uta": False}})
    exchange.urls["api"]["ws"] = {"public": url, "private": url, "utaPublic": url, "utaPrivate": url}
    base, quote = symbol[:-4], symbol[-4:]
    unified = f"{base}/{quote}"
    exchange.set_markets([exchange.safe_market_structure({
        "id": symbol, "symbol": unified, "base": base, "quote": quote, "baseId": base, "quoteId": quote,
        "type": "spot", "spot": True, "active": True, "precision": {"price": 0.01, "amount": 0.0001},
    })])
    finished = asyncio.Event()
    marks: dict[str, float] = {}
    counts = {"received": 0, "checksum_errors": 0}
    handle = exchange.handle_order_book

    def timed_handle(client: Any, message: dict[str, Any]) -> None:
        handle(client, message)
        if "start" not in marks:
            if message.get("action") == "snapshot":
                marks["start"] = time.perf_counter()
                marks["cpu_start"] = time.process_time()
            return
        counts["received"] += 1
        if int(message["data"][0]["seq"]) == last_seq:
            marks["end"] = time.perf_counter()
            marks["cpu_end"] = time.process_time()
            finished.set()

    check_sum_error = exchange.handle_check_sum_error

    async def counted_check_sum_error(*args: Any) -> None:
        counts["checksum_errors"] += 1
        finished.set()
        await check_sum_error(*args)

    exchange.handle_order_book = timed_handle
    exchange.handle_check_sum_error = counted_check_sum_error

    async def watch() -> None:
        while not finished.is_set():
            await exchange.watch_order_book(unified)

    watcher = asyncio.create_task(watch())
    try:
        await asyncio.wait_for(finished.wait(), timeout_s)
    finally:
        watcher.cancel()
        with contextlib.suppress(BaseException):
            await watcher
        stored = exchange.orderbooks.get(unified)
        final: Book = {side: [list(level[2]) for level in stored[side]] for side in ("bids", "asks")} \
            if stored is not None else {"bids": [], "asks": []}
        await exchange.close()
    if "end" not in marks:
        raise RuntimeError(f"ccxt stopped before the last update: {counts}")
    seconds = marks["end"] - marks["start"]
    cpu_s = marks["cpu_end"] - marks["cpu_start"]
    result = {"msgs_per_s": round(counts["received"] / seconds) if seconds > 0 else None,
              "msgs_per_cpu_s": round(counts["received"] / cpu_s) if cpu_s > 0 else None,
              "received": counts["received"], "seconds": round(seconds, 4),
              "checksum_errors": counts["checksum_errors"], "ccxt_version": ccxt.pro.__version__}
    return result, final


def main(args: argparse.Namespace) -> int:
    process: subprocess.Popen[bytes] | None = None
    last_seq: int | None = None
    url = args.url
    compare = bool(getattr(args, "compare", False))
    rounds = max(1, int(getattr(args, "rounds", 1) or 1))
    ready: dict[str, Any] = {}
    ours: list[dict[str, Any]] = []
    theirs: list[dict[str, Any]] = []
    book: OrderBook | None = None
    try:
        if url is None:
            process, ready = _start_server(args)
            url = ready["url"]
            last_seq = int(ready.get("last_seq", ready["count"]))
        if compare:
            if last_seq is None:
                raise ValueError("--compare needs the bench's own stream server (no --url)")
            import ccxt.pro  # noqa: F401  # before the first round: both clients always run with the same heap
        try:
            for number in range(rounds):
                for side in ("ours", "ccxt") if number % 2 == 0 or not compare else ("ccxt", "ours"):
                    settle()
                    if side == "ours":
                        result, book = asyncio.run(run_bench(url, args.symbol, args.inst_type, args.count,
                                                             last_seq=last_seq))
                        if "final_book" in ready:
                            result["final_identical"] = book_levels(book) == ready["final_book"]
                        ours.append(result)
                    elif compare and last_seq is not None:
                        ccxt_result, ccxt_final = asyncio.run(run_ccxt(url, args.symbol, args.inst_type, last_seq))
                        ccxt_result["final_identical"] = ccxt_final == ready["final_book"]
                        theirs.append(ccxt_result)
        except TimeoutError:
            print(orjson.dumps({"error": "timed out before the updates arrived", "url": url}).decode())
            return 1
    finally:
        if process is not None:
            _stop_server(process)
    line = dict(ours[-1])
    if ready:
        line.update({"form": ready.get("form"), "touches_per_update": round(ready["touches"] / ready["count"], 2),
                     "kinds": ready["kinds"]})
    if rounds > 1:
        line["rounds_msgs_per_s"] = [r["msgs_per_s"] for r in ours]
    if theirs:
        line["ccxt"] = theirs[-1]
        ratios = [a["msgs_per_s"] / b["msgs_per_s"] for a, b in zip(ours, theirs, strict=True)]
        cpu_ratios = [a["msgs_per_cpu_s"] / b["msgs_per_cpu_s"] for a, b in zip(ours, theirs, strict=True)]
        line["vs_ccxt"] = round(ratios[-1], 2)
        line["vs_ccxt_cpu"] = round(cpu_ratios[-1], 2)
        if rounds > 1:
            line["rounds_ccxt_msgs_per_s"] = [r["msgs_per_s"] for r in theirs]
            line["rounds_vs_ccxt"] = [round(r, 2) for r in ratios]
            line["rounds_vs_ccxt_cpu"] = [round(r, 2) for r in cpu_ratios]
        line["median_vs_ccxt"] = round(statistics.median(a["msgs_per_s"] for a in ours)
                                       / statistics.median(b["msgs_per_s"] for b in theirs), 2)
        line["median_vs_ccxt_cpu"] = round(statistics.median(a["msgs_per_cpu_s"] for a in ours)
                                           / statistics.median(b["msgs_per_cpu_s"] for b in theirs), 2)
    print(orjson.dumps(line).decode(), flush=True)
    if args.final_out and book is not None:
        Path(args.final_out).write_bytes(orjson.dumps(book_levels(book)))
    return 0
