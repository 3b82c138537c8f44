"""``terminal-app bench book`` end to end: real streamer, real sockets, the benchmark stream server in a subprocess."""

from __future__ import annotations

import argparse
import asyncio
import statistics
from pathlib import Path

import orjson
import pytest

from terminal_app.__main__ import main as cli_main
from terminal_app.bench import book as bench_book
from terminal_app.bench.stream_server import DEFAULT_LEVELS, DEFAULT_SEED, BookFeed, BookStreamServer
from terminal_app.core.book_checksum import book_checksum

COUNT = 3000


def expected_final_book(count: int) -> dict[str, list[list[str]]]:
    feed = BookFeed(DEFAULT_SEED, levels=DEFAULT_LEVELS)
    for _ in range(count):
        feed.next_update()
    return feed.final_book()


def test_bench_book_cli_with_its_own_server(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "final.json"
    assert cli_main(["bench", "book", "--count", str(COUNT), "--final-out", str(out)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1
    result = orjson.loads(lines[0])
    assert result["applied"] == COUNT
    assert result["checksum_errors"] == 0
    assert result["msgs_per_s"] > 0
    assert result["final_identical"] is True  # against the book the server's ready line carries
    final = orjson.loads(out.read_bytes())
    assert final == expected_final_book(COUNT)
    assert result["best_bid"] == final["bids"][0][0]
    assert result["best_ask"] == final["asks"][0][0]
    assert len(final["bids"]) > 100
    assert len(final["asks"]) > 100


def test_bench_book_against_a_given_url(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    server_args = argparse.Namespace(count=COUNT, symbol="BTCUSDT", inst_type="SPOT")
    process, ready = bench_book._start_server(server_args)
    try:
        out = tmp_path / "final.json"
        args = argparse.Namespace(url=ready["url"], symbol="BTCUSDT", inst_type="SPOT", count=COUNT,
                                  final_out=str(out))
        assert bench_book.main(args) == 0
    finally:
        bench_book._stop_server(process)
    result = orjson.loads(capsys.readouterr().out)
    assert result["applied"] == COUNT
    final = orjson.loads(out.read_bytes())
    assert book_checksum(final["bids"], final["asks"]) == ready["final_checksum"]


def test_bench_recovers_from_a_corrupted_checksum() -> None:
    server_args = argparse.Namespace(count=COUNT, symbol="BTCUSDT", inst_type="SPOT", corrupt_at=700)
    process, ready = bench_book._start_server(server_args)
    try:
        result, book = asyncio.run(bench_book.run_bench(ready["url"], "BTCUSDT", "SPOT", COUNT, last_seq=COUNT))
    finally:
        bench_book._stop_server(process)
    assert result["checksum_errors"] == 1
    assert result["resyncs"] == 1
    assert not book.stale
    assert book.seq == COUNT
    assert result["applied"] < COUNT  # updates that arrived while stale were skipped, the snapshot covered them
    assert {"bids": [list(x) for x in book.bids()], "asks": [list(x) for x in book.asks()]} == \
        expected_final_book(COUNT)


def test_server_snapshot_at_a_position_matches_the_feed() -> None:
    server = BookStreamServer(50, corrupt_at=None)
    feed = BookFeed(DEFAULT_SEED, levels=DEFAULT_LEVELS)
    for _ in range(30):
        feed.next_update()
    snapshot = orjson.loads(server.snapshot_at(30))
    assert snapshot["action"] == "snapshot"
    item = snapshot["data"][0]
    assert {"bids": item["bids"], "asks": item["asks"]} == feed.final_book()
    assert item["seq"] == 30
    assert item["checksum"] == feed.checksum()
    again = orjson.loads(server.snapshot_at(10))  # earlier position: rebuilt from the start
    assert again["data"][0]["seq"] == 10


def test_feed_has_the_busiest_book_shape() -> None:
    """400-level window, 1-20 touches per update, sizes/inserts/removals in about the issue's mix, near the top."""
    feed = BookFeed(3)
    near_top = touched = 0
    counts = []
    for _ in range(3000):
        item = feed.next_update()["data"][0]
        rows = item["bids"] + item["asks"]
        counts.append(len(rows))
        assert 1 <= len(rows) <= 20
        book = feed.final_book()
        assert float(book["bids"][0][0]) < float(book["asks"][0][0])
        assert len(book["bids"]) <= 400
        assert len(book["asks"]) <= 400
        top = {p for p, _ in book["bids"][:25]} | {p for p, _ in book["asks"][:25]}
        near_top += sum(1 for p, s in rows if p in top or float(s) == 0)
        touched += len(rows)
    assert near_top / touched > 0.8
    assert max(counts) >= 15
    assert sum(counts) / len(counts) > 3
    kinds = {k: v / feed.touches for k, v in feed.kinds.items()}
    assert 0.45 < kinds["size"] < 0.65
    assert 0.18 < kinds["insert"] < 0.36
    assert 0.15 < kinds["delete"] < 0.25
    depth = feed.final_book()
    assert 380 <= len(depth["bids"]) <= 400
    assert 380 <= len(depth["asks"]) <= 400


def test_seq_form_has_no_checksum_and_chains_pseq() -> None:
    feed = BookFeed(form="seq")
    snapshot = feed.snapshot()["data"][0]
    assert "checksum" not in snapshot
    previous = snapshot["seq"]
    for _ in range(50):
        item = feed.next_update()["data"][0]
        assert "checksum" not in item
        assert item["pseq"] == previous
        previous = item["seq"]


def test_seq_form_end_to_end_with_a_gap_resyncs_and_ends_on_the_server_book() -> None:
    server_args = argparse.Namespace(count=COUNT, symbol="BTCUSDT", inst_type="SPOT", form="seq", gap_at=900)
    process, ready = bench_book._start_server(server_args)
    try:
        result, book = asyncio.run(bench_book.run_bench(ready["url"], "BTCUSDT", "SPOT", COUNT,
                                                        last_seq=ready["last_seq"]))
    finally:
        bench_book._stop_server(process)
    assert ready["form"] == "seq"
    assert result["sequence_errors"] == 1
    assert result["checksum_errors"] == 0
    assert result["resyncs"] == 1
    assert not book.stale
    assert bench_book.book_levels(book) == ready["final_book"]


def test_compare_runs_ccxt_on_the_same_stream(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("ccxt.pro", reason="ccxt is a test dependency")
    args = argparse.Namespace(url=None, symbol="BTCUSDT", inst_type="SPOT", count=COUNT, final_out=None,
                              form="checksum", compare=True, rounds=1)
    assert bench_book.main(args) == 0
    line = orjson.loads(capsys.readouterr().out)
    assert line["final_identical"] is True
    assert line["checksum_errors"] == 0
    assert line["ccxt"]["final_identical"] is True
    assert line["ccxt"]["checksum_errors"] == 0
    assert line["ccxt"]["received"] == COUNT
    assert line["vs_ccxt"] > 0
    assert line["median_vs_ccxt"] == line["vs_ccxt"]  # one round: its own median
    assert line["median_vs_ccxt_cpu"] == line["vs_ccxt_cpu"]


def test_compare_rounds_alternate_and_report_medians(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("ccxt.pro", reason="ccxt is a test dependency")
    args = argparse.Namespace(url=None, symbol="BTCUSDT", inst_type="SPOT", count=COUNT, final_out=None,
                              form="checksum", compare=True, rounds=2)
    assert bench_book.main(args) == 0
    line = orjson.loads(capsys.readouterr().out)
    assert {"rounds_msgs_per_s", "rounds_ccxt_msgs_per_s", "rounds_vs_ccxt", "rounds_vs_ccxt_cpu", "median_vs_ccxt",
            "median_vs_ccxt_cpu"} <= set(line)
    assert len(line["rounds_vs_ccxt"]) == len(line["rounds_ccxt_msgs_per_s"]) == 2
    assert line["final_identical"] is True
    assert line["ccxt"]["final_identical"] is True
    ours, theirs = line["rounds_msgs_per_s"], line["rounds_ccxt_msgs_per_s"]
    assert line["median_vs_ccxt"] == round(statistics.median(ours) / statistics.median(theirs), 2)
