"""Traded volume at price: bought/sold per price over a rolling window of exchange time, aggregated into the ladder's
buckets; checked against a brute-force model that rescans every trade."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from terminal_app.core.market_data import PublicTrade
from terminal_app.core.traded_volume import TradedAt, TradedVolume, bucket_price

D = Decimal
TICK = D("0.01")


def trade(price: str, size: str, side: str, ts: int, trade_id: str = "") -> PublicTrade:
    return PublicTrade(trade_id or f"{ts}-{price}", "BTCUSDT", side, D(price), D(size), ts)


def test_bought_and_sold_per_price() -> None:
    tv = TradedVolume()
    assert tv.add([trade("100.00", "1", "buy", 1), trade("100.00", "0.25", "sell", 2), trade("100.01", "2", "buy", 3)])
    assert tv.at(D("100.00")) == TradedAt(D("1"), D("0.25"))
    assert tv.at(D("100.0")) == TradedAt(D("1"), D("0.25"))  # the same price however it is spelt
    assert tv.at(D("100.01")).delta == D("2")
    assert tv.at(D("99")) == TradedAt()
    assert tv.totals() == TradedAt(D("3"), D("0.25"))
    assert tv.totals().total == D("3.25")
    assert len(tv) == 3


def test_expiry_is_relative_to_the_newest_trade_not_the_clock() -> None:
    tv = TradedVolume(window_ms=1000)
    tv.add([trade("100.00", "1", "buy", 10_000)])
    tv.add([trade("100.00", "2", "sell", 10_500)])
    assert tv.at(D("100")) == TradedAt(D("1"), D("2"))
    version = tv.version
    assert not tv.add([])  # nothing new: nothing leaves, however much wall time passed
    assert tv.version == version
    tv.add([trade("100.01", "1", "buy", 11_000)])  # the first trade is now exactly one window old: out
    assert tv.at(D("100")) == TradedAt(D("0"), D("2"))
    tv.add([trade("100.01", "1", "buy", 11_499)])
    assert tv.at(D("100")) == TradedAt(D("0"), D("2"))
    tv.add([trade("100.01", "1", "buy", 11_500)])
    assert tv.at(D("100")) == TradedAt()
    assert tv.at(D("100.01")) == TradedAt(D("3"), D("0"))
    assert not tv.add([trade("99", "5", "sell", 10_000)])  # arrives late, already outside the window
    assert tv.at(D("99")) == TradedAt()


def test_late_trades_inside_the_window_count_and_leave_on_time() -> None:
    tv = TradedVolume(window_ms=100)
    tv.add([trade("1", "1", "buy", 50), trade("2", "1", "buy", 150)])
    tv.add([trade("3", "1", "sell", 120)])  # older than the newest, still inside
    assert tv.at(D("3")) == TradedAt(D("0"), D("1"))
    tv.add([trade("2", "1", "buy", 219)])
    assert tv.at(D("3")) == TradedAt(D("0"), D("1"))
    tv.add([trade("2", "1", "buy", 220)])
    assert tv.at(D("3")) == TradedAt()
    assert len(tv) == 3


def test_fills_of_one_sweep_share_a_record_and_leave_together() -> None:
    tv = TradedVolume(window_ms=100)
    tv.add([trade("5", "1", "buy", 10), trade("5", "2", "buy", 10), trade("5", "4", "sell", 10)])
    tv.add([trade("5", "8", "sell", 10)])
    assert len(tv) == 4
    assert tv.records == 2  # buy 1+2, sell 4+8
    assert tv.at(D("5")) == TradedAt(D("3"), D("12"))
    tv.add([trade("6", "1", "buy", 110)])
    assert tv.at(D("5")) == TradedAt()
    assert len(tv) == 1


def test_buckets_follow_the_ladder_rounding() -> None:
    tv = TradedVolume()
    tv.add([trade("100.00", "1", "buy", 1), trade("100.05", "2", "sell", 2), trade("100.10", "3", "buy", 3),
            trade("100.11", "4", "sell", 4), trade("99.99", "5", "buy", 5)])
    step = D("0.1")
    # asks round up: 100.1 holds (100.0, 100.1]
    assert tv.bucket(D("100.1"), step, True) == TradedAt(D("3"), D("2"))
    assert tv.bucket(D("100.0"), step, True) == TradedAt(D("6"), D("0"))  # 99.99 and 100.00
    assert tv.bucket(D("100.2"), step, True) == TradedAt(D("0"), D("4"))
    # bids round down: 100.0 holds [100.0, 100.1)
    assert tv.bucket(D("100.0"), step, False) == TradedAt(D("1"), D("2"))
    assert tv.bucket(D("99.9"), step, False) == TradedAt(D("5"), D("0"))
    assert tv.bucket(D("100.1"), step, False) == TradedAt(D("3"), D("4"))
    assert tv.keys_between(step, False, D("99"), D("100.05")) == [D("99.9"), D("100.0")]
    assert tv.between(D("100.00"), D("100.10")) == TradedAt(D("4"), D("2"))
    assert tv.between(D("100.00"), D("100.10"), inclusive=(False, False)) == TradedAt(D("0"), D("2"))
    assert tv.between(D("100.2"), D("101")) == TradedAt()
    assert tv.keys_between(step, True, D("100.1"), D("101")) == [D("100.1"), D("100.2")]
    # a view made before a trade is kept up to date by the trade
    tv.add([trade("100.19", "1", "buy", 6)])
    assert tv.bucket(D("100.2"), step, True) == TradedAt(D("1"), D("4"))
    assert tv.bucket(D("100.1"), step, False) == TradedAt(D("4"), D("4"))
    assert bucket_price(D("100.19"), D("1"), False) == D("100")


def test_reset_forgets_everything() -> None:
    tv = TradedVolume(window_ms=10)
    tv.add([trade("1", "1", "buy", 1_000)])
    tv.bucket(D("1"), D("1"), True)
    tv.reset()
    assert len(tv) == 0
    assert tv.newest_ts is None
    assert tv.totals() == TradedAt()
    assert tv.bucket(D("1"), D("1"), True) == TradedAt()
    tv.add([trade("2", "1", "sell", 5)])  # an older timestamp than before the reset still counts
    assert tv.at(D("2")) == TradedAt(D("0"), D("1"))


def test_unknown_sides_are_not_counted_and_the_window_must_be_positive() -> None:
    tv = TradedVolume()
    assert not tv.add([trade("1", "1", "", 1)])
    with pytest.raises(ValueError, match="window"):
        TradedVolume(window_ms=0)


def test_views_beyond_the_limit_are_rebuilt_on_demand() -> None:
    tv = TradedVolume(max_views=1)
    tv.add([trade("100.05", "1", "buy", 1)])
    assert tv.bucket(D("100.1"), D("0.1"), True) == TradedAt(D("1"))
    assert tv.bucket(D("101"), D("1"), True) == TradedAt(D("1"))  # evicts the 0.1 view
    tv.add([trade("100.02", "2", "sell", 2)])
    assert tv.bucket(D("100.1"), D("0.1"), True) == TradedAt(D("1"), D("2"))


# --- property: the incremental structure equals a rescan of every trade --------------------------------------------

@dataclass(frozen=True)
class _T:
    side: str
    price: Decimal
    size: Decimal
    ts: int


def brute(seen: list[_T], window: int) -> list[_T]:
    if not seen:
        return []
    newest = max(t.ts for t in seen)
    return [t for t in seen if t.ts > newest - window]


def brute_sum(trades: list[_T], match: object) -> TradedAt:
    bought = sum((t.size for t in trades if t.side == "buy" and match(t.price)), D(0))  # type: ignore[operator]
    sold = sum((t.size for t in trades if t.side == "sell" and match(t.price)), D(0))  # type: ignore[operator]
    return TradedAt(bought, sold)


trades_st = st.builds(
    _T,
    side=st.sampled_from(["buy", "sell"]),
    price=st.integers(9_950, 10_050).map(lambda n: D(n) * TICK),
    size=st.integers(1, 10**6).map(lambda n: D(n).scaleb(-4)),
    ts=st.integers(0, 60).map(lambda n: n * 50),  # coarse, so trades often sit exactly on the window's edge
)


# each trade 1-3 times in a row: the fills of one sweep, which share a record
batch_st = st.lists(st.tuples(trades_st, st.integers(1, 3)), max_size=10).map(
    lambda drawn: [t for t, times in drawn for _ in range(times)])


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(window=st.integers(1, 40).map(lambda n: n * 25), batches=st.lists(batch_st, max_size=12),
       reset_at=st.integers(-1, 11), early_views=st.booleans())
def test_matches_a_brute_force_rescan(window: int, batches: list[list[_T]], reset_at: int,
                                      early_views: bool) -> None:
    tv = TradedVolume(window_ms=window)
    steps = [TICK, TICK * 10, TICK * 100]
    if early_views:  # views that exist before the trades are updated trade by trade, the others built from totals
        for step in steps:
            tv.bucket(D(0), step, True)
            tv.bucket(D(0), step, False)
    seen: list[_T] = []
    for i, batch in enumerate(batches):
        if i == reset_at:
            tv.reset()
            seen = []
        tv.add(batch)
        seen += batch
        live = brute(seen, window)
        assert len(tv) == len(live)
        assert tv.totals() == brute_sum(live, lambda _p: True)
        for price in {t.price for t in seen}:
            assert tv.at(price) == brute_sum(live, lambda p, price=price: p == price)
            assert tv.between(price, price + 5 * TICK, inclusive=(False, True)) == \
                brute_sum(live, lambda p, price=price: price < p <= price + 5 * TICK)
        for step in steps:
            for up in (True, False):
                keys = sorted({bucket_price(t.price, step, up) for t in live})
                assert tv.keys_between(step, up, D(0), D(10**6)) == keys
                for key in keys:
                    low, high = (key - step, key) if up else (key, key + step)
                    expected = brute_sum(live, lambda p, lo=low, hi=high, up=up: lo < p <= hi if up else lo <= p < hi)
                    assert tv.bucket(key, step, up) == expected


def test_a_burst_beyond_the_record_cap_shortens_the_window_instead_of_growing() -> None:
    tv = TradedVolume(window_ms=60_000, max_records=3)
    tv.add([trade("100.00", "1", "buy", 1), trade("100.01", "2", "sell", 2)])
    tv.add([trade("100.02", "4", "buy", 3), trade("100.03", "8", "buy", 4), trade("100.04", "16", "sell", 5)])
    # all five are inside the minute, but only the newest three records are kept: the oldest left first
    assert len(tv) == 3
    assert tv.at(D("100.00")) == TradedAt()
    assert tv.at(D("100.01")) == TradedAt()
    assert tv.totals() == TradedAt(D("12"), D("16"))
    # fills of one sweep are one record: the cap counts records, not trades
    tv.add([trade("100.05", "1", "buy", 6, "a"), trade("100.05", "1", "buy", 6, "b")])
    assert len(tv) == 4
    assert tv.at(D("100.05")) == TradedAt(D("2"))
    with pytest.raises(ValueError):
        TradedVolume(max_records=0)
