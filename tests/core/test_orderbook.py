"""OrderBook: unit tests and hypothesis properties against an independent, straightforward model."""

from __future__ import annotations

import json
import zlib
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from terminal_app.core.orderbook import OrderBook


def crc_reference(bids: list[tuple[str, str]], asks: list[tuple[str, str]]) -> int:
    """Bitget's rule written out plainly: ranks 1..25, bid then ask, missing entries skipped, signed CRC32."""
    parts: list[str] = []
    for rank in range(25):
        if rank < len(bids):
            parts += [bids[rank][0], bids[rank][1]]
        if rank < len(asks):
            parts += [asks[rank][0], asks[rank][1]]
    value = zlib.crc32(":".join(parts).encode("utf-8"))
    return value - 2**32 if value >= 2**31 else value


def test_doc_vector_through_the_book() -> None:
    book = OrderBook("BTCUSDT")
    book.load_snapshot([["43231.1", "4"]], [["43232.8", "9"]])
    assert book.apply_update([["43231", "6"]], [["43232.9", "8"]], -1504501796)
    assert not book.stale
    assert book.checksum() == -1504501796


def test_doc_vector_one_bid_three_asks() -> None:
    book = OrderBook()
    book.load_snapshot([["3366.1", "7"]], [["3372", "8"], ["3366.8", "9"]])
    assert book.apply_update([], [["3368", "8"]], 831078360)


def test_sides_sorted_and_accessors() -> None:
    book = OrderBook()
    book.load_snapshot([["99.5", "1"], ["100.25", "2.000"], ["98", "3"]], [["101.0", "4"], ["100.75", "0.5"]])
    assert book.bids() == [("100.25", "2.000"), ("99.5", "1"), ("98", "3")]
    assert book.asks() == [("100.75", "0.5"), ("101.0", "4")]
    assert book.best_bid() == ("100.25", "2.000")
    assert book.best_ask_price() == Decimal("100.75")
    assert book.spread() == Decimal("0.50")
    assert book.mid() == Decimal("100.5")
    assert book.top(1) == ([("100.25", "2.000")], [("100.75", "0.5")])
    assert book.depth() == (3, 2)
    assert book.size_at("99.5") == "1"
    assert book.size_at("101") == "4"  # same price, other spelling
    assert book.size_at("50") is None


def test_empty_book_accessors() -> None:
    book = OrderBook()
    assert book.best_bid() is None
    assert book.spread() is None
    assert book.mid() is None
    assert book.checksum() == 0


def test_zero_sizes_in_any_spelling_delete() -> None:
    book = OrderBook()
    book.load_snapshot([["10", "1"], ["9", "1"], ["8", "1"]], [["11", "1"], ["12", "1"]])
    assert book.apply_update([["10", "0"], ["9", "0.000"]], [["12", "0.0"]])
    assert book.bids() == [("8", "1")]
    assert book.asks() == [("11", "1")]


def test_snapshot_drops_zero_levels_and_keeps_raw_strings() -> None:
    book = OrderBook()
    book.load_snapshot([["10.10", "0.0500"], ["10.00", "0"]], [["10.20", "1.0000"]])
    assert book.bids() == [("10.10", "0.0500")]
    assert book.checksum() == crc_reference([("10.10", "0.0500")], [("10.20", "1.0000")])


def test_delete_of_absent_level_is_harmless() -> None:
    book = OrderBook()
    book.load_snapshot([["10", "1"]], [["11", "1"]])
    expected = crc_reference([("10", "1")], [("11", "1")])
    assert book.apply_update([["9.5", "0"]], [["12", "0"]], expected)
    assert book.depth() == (1, 1)


def test_size_change_replaces_raw_price_spelling() -> None:
    book = OrderBook()
    book.load_snapshot([["10.0", "1"]], [["11", "1"]])
    assert book.apply_update([["10", "2"]], [], crc_reference([("10", "2")], [("11", "1")]))
    assert book.bids() == [("10", "2")]


def test_deleting_inside_top_25_pulls_rank_26_into_the_checksum() -> None:
    bids = [[str(1000 - i), str(i + 1)] for i in range(30)]
    asks = [[str(1001 + i), "1"] for i in range(3)]
    book = OrderBook()
    book.load_snapshot(bids, asks)
    remaining = [(p, s) for p, s in bids if p != "995"]
    asks_t = [(p, s) for p, s in asks]
    assert book.apply_update([["995", "0"]], [], crc_reference(remaining, asks_t))
    remaining.insert(4, ("996.5", "7"))  # an insert at rank 5 pushes rank 25 out of the checksum
    assert [Decimal(p) for p, _ in remaining] == sorted((Decimal(p) for p, _ in remaining), reverse=True)
    assert book.apply_update([["996.5", "7"]], [], crc_reference(remaining, asks_t))


def test_checksum_mismatch_marks_stale_until_next_snapshot() -> None:
    book = OrderBook()
    book.load_snapshot([["10", "1"]], [["11", "1"]])
    good = crc_reference([("10", "2")], [("11", "1")])
    assert not book.apply_update([["10", "2"]], [], good + 1)
    assert book.stale
    assert book.checksum_errors == 1
    assert "checksum" in (book.stale_reason or "")
    # while stale, updates are ignored: the book content is unknown until a snapshot
    assert not book.apply_update([["10", "3"]], [], None)
    assert book.bids() == [("10", "2")]
    book.load_snapshot([["10", "5"]], [["11", "1"]])
    assert not book.stale
    assert book.stale_reason is None
    assert book.apply_update([["10", "6"]], [], crc_reference([("10", "6")], [("11", "1")]))


def test_update_before_snapshot_is_not_applied() -> None:
    book = OrderBook()
    assert not book.apply_update([["10", "1"]], [], None)
    assert book.depth() == (0, 0)
    assert not book.stale


def test_sequence_checked_only_when_present() -> None:
    book = OrderBook()
    book.load_snapshot([["10", "1"]], [["11", "1"]], seq=5)
    assert book.apply_update([["10", "2"]], [], None, seq=6, pseq=5)
    assert book.apply_update([["10", "3"]], [], None)  # no seq fields: no check
    assert book.apply_update([["10", "4"]], [], None, seq=7)  # seq without pseq: recorded only
    assert book.seq == 7
    assert not book.apply_update([["10", "5"]], [], None, seq=10, pseq=9)
    assert book.stale
    assert book.sequence_errors == 1
    assert book.bids() == [("10", "4")]


def test_version_moves_on_changes() -> None:
    book = OrderBook()
    v0 = book.version
    book.load_snapshot([["10", "1"]], [])
    book.apply_update([["9", "1"]], [])
    assert book.version == v0 + 2


def test_apply_push_with_sample_shape(samples: Path) -> None:
    push = json.loads((samples / "ws" / "ws-spot-books5.push.json").read_text())
    book = OrderBook("BTCUSDT")
    assert book.apply_push(push["action"], push["data"][0])
    assert book.best_bid() == ("26274.8", "0.0009")
    assert book.best_ask() == ("26274.9", "0.0009")
    assert book.ts == "1695710946294"
    item = {"bids": [], "asks": [["26275.0", "0"]]}
    item["checksum"] = crc_reference([("26274.8", "0.0009"), ("26274.7", "0.0027")], [("26274.9", "0.0009")])
    assert book.apply_push("update", item)


# ----- properties ------------------------------------------------------------------------------------------------


def _price_text(ticks: int, decimals: int, trim: bool) -> str:
    if not decimals:
        return str(ticks)
    whole, frac = divmod(ticks, 10**decimals)
    text = f"{whole}.{frac:0{decimals}d}"
    return text.rstrip("0").rstrip(".") if trim else text


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[dict, list[dict]]:
    """An uncrossed snapshot and a sequence of updates as an exchange would send them, with expected results.

    The model is a pair of dicts ticks → (price, size) kept by the strategy itself; expectations are computed
    from it by sorting and the plain CRC rule, sharing nothing with OrderBook.
    """
    decimals = draw(st.integers(0, 4))
    trim = draw(st.booleans())  # Bitget's docs show trimmed prices ("43231" beside "43231.1")
    size_decimals = draw(st.integers(0, 4))
    sizes = st.integers(1, 10**5).map(
        lambda lots: _price_text(lots, size_decimals, False))
    zeros = st.sampled_from(["0", "0.0", "0.000"])
    mid = draw(st.integers(200, 10**6))
    spread = draw(st.integers(1, 5))
    bid_ticks = draw(st.sets(st.integers(max(1, mid - 150), mid), max_size=60))
    ask_ticks = draw(st.sets(st.integers(mid + spread, mid + spread + 150), max_size=60))
    model: dict[str, dict[int, tuple[str, str]]] = {
        "bids": {t: (_price_text(t, decimals, trim), draw(sizes)) for t in bid_ticks},
        "asks": {t: (_price_text(t, decimals, trim), draw(sizes)) for t in ask_ticks},
    }
    snapshot = {side: [list(level) for level in model[side].values()] for side in ("bids", "asks")}
    updates: list[dict] = []
    for _ in range(draw(st.integers(1, 25))):
        rows: dict[str, list[list[str]]] = {"bids": [], "asks": []}
        for _ in range(draw(st.integers(0, 6))):
            side = draw(st.sampled_from(["bids", "asks"]))
            levels = model[side]
            kind = draw(st.sampled_from(["change", "delete", "insert", "delete_absent"]))
            if kind in ("change", "delete") and levels:
                ticks = draw(st.sampled_from(sorted(levels)))
                if kind == "delete":
                    rows[side].append([levels.pop(ticks)[0], draw(zeros)])
                else:
                    levels[ticks] = (levels[ticks][0], draw(sizes))
                    rows[side].append(list(levels[ticks]))
            elif kind == "delete_absent":
                ticks = draw(st.integers(1, 2 * 10**6))
                if ticks not in model["bids"] and ticks not in model["asks"]:
                    rows[side].append([_price_text(ticks, decimals, trim), draw(zeros)])
            else:
                # insert without crossing: bids below the best ask, asks above the best bid
                if side == "bids":
                    ceiling = min(model["asks"], default=mid + 200) - 1
                    ticks = draw(st.integers(max(1, ceiling - 200), ceiling))
                else:
                    floor = max(model["bids"], default=max(1, mid - 200)) + 1
                    ticks = draw(st.integers(floor, floor + 200))
                levels[ticks] = (_price_text(ticks, decimals, trim), draw(sizes))
                rows[side].append(list(levels[ticks]))
        bids = [model["bids"][t] for t in sorted(model["bids"], reverse=True)]
        asks = [model["asks"][t] for t in sorted(model["asks"])]
        updates.append({**rows, "checksum": crc_reference(bids, asks), "bids_after": bids, "asks_after": asks})
    return snapshot, updates


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_random_updates_keep_book_sorted_uncrossed_and_checksum_exact(scenario: tuple[dict, list[dict]]) -> None:
    snapshot, updates = scenario
    book = OrderBook()
    book.load_snapshot(snapshot["bids"], snapshot["asks"])
    for update in updates:
        ok = book.apply_update(update["bids"], update["asks"], update["checksum"])
        assert ok, book.stale_reason
        bids, asks = book.bids(), book.asks()
        assert bids == update["bids_after"]
        assert asks == update["asks_after"]
        bid_prices = [Decimal(p) for p, _ in bids]
        ask_prices = [Decimal(p) for p, _ in asks]
        assert bid_prices == sorted(bid_prices, reverse=True)
        assert ask_prices == sorted(ask_prices)
        if bids and asks:
            assert bid_prices[0] < ask_prices[0]
            assert book.spread() == ask_prices[0] - bid_prices[0]
        assert book.checksum() == crc_reference(bids, asks)


@settings(max_examples=60, deadline=None)
@given(scenarios(), st.data())
def test_any_wrong_checksum_is_caught(scenario: tuple[dict, list[dict]], data: st.DataObject) -> None:
    snapshot, updates = scenario
    bad_at = data.draw(st.integers(0, len(updates) - 1))
    book = OrderBook()
    book.load_snapshot(snapshot["bids"], snapshot["asks"])
    for i, update in enumerate(updates):
        wrong = update["checksum"] ^ data.draw(st.integers(1, 2**31 - 1)) if i == bad_at else update["checksum"]
        ok = book.apply_update(update["bids"], update["asks"], wrong)
        assert ok == (i < bad_at)
    assert book.stale
    assert book.checksum_errors == 1
