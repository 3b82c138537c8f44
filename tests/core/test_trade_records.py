"""The compact trade records behind the Traded column: exact values whatever their decimals or size, time order with
late arrivals, a sweep's fills merged, memory a few words a record."""

from __future__ import annotations

import tracemalloc
from decimal import Decimal, localcontext

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from terminal_app.core import trade_records
from terminal_app.core.trade_records import TradeRecords

D = Decimal


def drain(records: TradeRecords) -> list[tuple[int, Decimal, bool, Decimal, int]]:
    out = []
    while records:
        out.append(records.pop_oldest())
    return out


def test_values_come_back_exactly_as_more_decimals_and_huge_sizes_arrive() -> None:
    r = TradeRecords()
    assert not r.add(1, D("97510.5"), True, D("2"))
    assert not r.add(2, D("0.00001234"), False, D("0.123456789"))  # finer units: everything held is rescaled
    assert not r.add(3, D("3"), True, D("123456789012345678901234"))  # past 64 bits: that column becomes a list
    assert not r.add(4, D("1E+3"), False, D("5E-12"))
    assert [(ts, p, b, s, n) for ts, p, b, s, n in drain(r)] == [
        (1, D("97510.5"), True, D("2"), 1),
        (2, D("0.00001234"), False, D("0.123456789"), 1),
        (3, D("3"), True, D("123456789012345678901234"), 1),
        (4, D("1000"), False, D("5E-12"), 1),
    ]
    assert len(r) == 0


def test_a_sweeps_fills_are_one_record_and_other_trades_are_not() -> None:
    r = TradeRecords()
    assert not r.add(10, D("5"), True, D("1"))
    assert r.add(10, D("5.00"), True, D("0.5"))  # same ts, price and side: merged
    assert not r.add(10, D("5"), False, D("1"))  # the other side
    assert not r.add(10, D("5.01"), False, D("1"))  # another price
    assert not r.add(11, D("5.01"), False, D("1"))  # another ts
    assert len(r) == 4
    assert drain(r)[0] == (10, D("5"), True, D("1.5"), 2)


def test_late_records_take_their_place_across_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(trade_records, "CHUNK", 3)
    r = TradeRecords()
    for ts in (10, 20, 30, 40, 50, 60, 70):
        r.add(ts, D(ts), True, D(1))
    r.add(25, D("2.5"), False, D(1))  # into the first chunk
    r.add(5, D("0.5"), False, D(1))  # before everything
    r.add(65, D("6.5"), False, D(1))  # into the last chunk, before its newest
    assert r.pop_oldest()[0] == 5
    assert r.oldest_ts() == 10
    assert [rec[0] for rec in drain(r)] == [10, 20, 25, 30, 40, 50, 60, 65, 70]


sizes = st.decimals(min_value=D("1E-12"), max_value=D("1E+25"), allow_nan=False, allow_infinity=False, places=None)
trades = st.tuples(st.integers(0, 50), st.sampled_from([D("1"), D("1.5"), D("0.001"), D("65000.25"), D("1E+30")]),
                   st.booleans(), sizes)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(st.lists(trades, max_size=60), st.integers(1, 6))
def test_records_equal_a_plain_list_model(added: list[tuple[int, Decimal, bool, Decimal]], chunk: int) -> None:
    trade_records.CHUNK, saved = chunk, trade_records.CHUNK
    try:
        r = TradeRecords()
        model: list[list[object]] = []  # [ts, price, is_buy, size, trades] in time order, ties in arrival order
        for ts, price, is_buy, size in added:
            last = model[-1] if model else None
            merged = r.add(ts, price, is_buy, size)
            if last is not None and last[0] == ts and last[1] == price and last[2] == is_buy:
                assert merged
                with localcontext(prec=1000):  # the model must not round either
                    last[3] = last[3] + size  # type: ignore[operator]
                last[4] = last[4] + 1  # type: ignore[operator]
            else:
                assert not merged
                at = len(model)
                while at > 0 and model[at - 1][0] > ts:  # type: ignore[operator]
                    at -= 1
                model.insert(at, [ts, price, is_buy, size, 1])
        assert len(r) == len(model)
        assert [list(rec) for rec in drain(r)] == model
    finally:
        trade_records.CHUNK = saved


def test_a_record_takes_a_few_machine_words() -> None:
    tracemalloc.start()
    try:
        r = TradeRecords()
        for i in range(50_000):
            r.add(1_700_000_000_000 + i, D(9_751_053 + i % 40).scaleb(-2), i % 2 == 0, D(1 + i % 997).scaleb(-6))
        held, _peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert held / len(r) < 48  # four 64-bit columns; as tuples of Python objects it was about 200 bytes
