"""The books CRC32 rule: vectors from bitget-v2.md §7 and the doc's ranks/skipping examples."""

from __future__ import annotations

import zlib

import pytest

from terminal_app.core.book_checksum import book_checksum, checksum_text, signed_crc32


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("43231.1:4:43232.8:9:43231:6:43232.9:8", -1504501796),
        ("3366.1:7:3366.8:9:3368:8:3372:8", 831078360),
    ],
)
def test_signed_crc32_vectors(text: str, expected: int) -> None:
    assert signed_crc32(text.encode()) == expected


def test_doc_example_one_bid_three_asks() -> None:
    bids = [["3366.1", "7"]]
    asks = [["3366.8", "9"], ["3368", "8"], ["3372", "8"]]
    assert checksum_text(bids, asks) == "3366.1:7:3366.8:9:3368:8:3372:8"
    assert book_checksum(bids, asks) == 831078360


def test_interleaves_two_ranks() -> None:
    bids = [["43231.1", "4"], ["43231", "6"]]
    asks = [["43232.8", "9"], ["43232.9", "8"]]
    assert book_checksum(bids, asks) == -1504501796


def test_only_top_25_ranks_count_and_more_bids_than_asks_are_skipped_cleanly() -> None:
    bids = [[f"{100 - i}.5", "1"] for i in range(30)]
    asks = [["101", "2"]]
    text = checksum_text(bids, asks)
    pieces = text.split(":")
    assert len(pieces) == 2 * 25 + 2
    assert pieces[:4] == ["100.5", "1", "101", "2"]
    assert pieces[4:6] == ["99.5", "1"]
    assert pieces[-2:] == ["76.5", "1"]


def test_raw_strings_matter() -> None:
    assert book_checksum([["1.0", "2"]], []) != book_checksum([["1", "2"]], [])


def test_unsigned_high_bit_is_negative_and_low_values_unchanged() -> None:
    for text in ("a", "abc", "1:2:3:4", "x" * 100):
        raw = zlib.crc32(text.encode())
        value = signed_crc32(text.encode())
        assert -(2**31) <= value < 2**31
        assert value % 2**32 == raw


def test_empty_book() -> None:
    assert checksum_text([], []) == ""
    assert book_checksum([], []) == 0
