"""Candle series merge, intervals and indicator math against straightforward reference computations."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from terminal_app.bitget.models.market import parse_candles
from terminal_app.core.candles import (
    CandleSeries,
    IndicatorSpec,
    Interval,
    bollinger,
    ema,
    parse_rows,
    rolling_std,
    sma,
)
from terminal_app.core.market_data import Candle

MIN = 60_000


def row(i: int, base: float = 100.0, vol: str = "1.5") -> tuple[int, str, str, str, str, str]:
    o = base + i
    return (i * MIN, f"{o:.2f}", f"{o + 2:.2f}", f"{o - 1:.2f}", f"{o + 1:.2f}", vol)


def as_dict(series: CandleSeries) -> dict[int, tuple[float, ...]]:
    return {int(t): tuple(float(v) for v in series.values[:, i]) for i, t in enumerate(series.ts)}


def ref_values(r: tuple[int, str, str, str, str, str]) -> tuple[float, ...]:
    return tuple(float(v) for v in r[1:6])


# --- intervals ---------------------------------------------------------------------------------------------------
def test_interval_spellings_and_lengths() -> None:
    assert [i.value for i in Interval] == ["1m", "5m", "15m", "30m", "1H", "4H", "1D", "1W", "1Dutc", "1Wutc"]
    assert [i.ms for i in Interval] == [60_000, 300_000, 900_000, 1_800_000, 3_600_000, 14_400_000, 86_400_000,
                                        604_800_000, 86_400_000, 604_800_000]
    assert [i.spot_granularity for i in Interval] == ["1min", "5min", "15min", "30min", "1h", "4h", "1day", "1week",
                                                      "1Dutc", "1Wutc"]
    assert [i.futures_granularity for i in Interval] == ["1m", "5m", "15m", "30m", "1H", "4H", "1D", "1W", "1Dutc",
                                                         "1Wutc"]
    assert Interval.H4.ws_channel == "candle4H"
    assert Interval.D1_UTC.ws_channel == "candle1Dutc"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1m", Interval.M1), ("1min", Interval.M1), ("1h", Interval.H1), ("1H", Interval.H1), ("candle1H", Interval.H1),
     ("1day", Interval.D1), ("1d", Interval.D1), ("1D", Interval.D1), ("1week", Interval.W1), ("4h", Interval.H4),
     ("1Dutc", Interval.D1_UTC), ("candle1Wutc", Interval.W1_UTC)],
)
def test_interval_parse(text: str, expected: Interval) -> None:
    assert Interval.parse(text) is expected


@pytest.mark.parametrize("text", ["1M", "3m", "6H", "", "3Dutc"])
def test_interval_parse_rejects_unsupported(text: str) -> None:
    # 1M is one month to Bitget, not one minute
    with pytest.raises(ValueError, match="unsupported candle interval"):
        Interval.parse(text)


# --- parsing -------------------------------------------------------------------------------------------------------
def test_parse_rows_strings_decimals_and_objects_agree() -> None:
    strings = [("1000", "1.5", "2.25", "1.25", "2", "10"), (2000, "2", "3", "1", "2.5", "0.001")]
    decimals = [(int(r[0]), *(Decimal(v) for v in r[1:])) for r in strings]
    objects = [Candle(int(r[0]), *(Decimal(v) for v in r[1:6]), Decimal("0")) for r in strings]
    ts, values = parse_rows(strings)
    assert ts.tolist() == [1000, 2000]
    assert values[:, 0].tolist() == [1.5, 2.25, 1.25, 2.0, 10.0]
    for other in (decimals, objects):
        ts2, values2 = parse_rows(other)
        assert ts2.tolist() == ts.tolist()
        assert np.array_equal(values2, values)


def test_parse_rows_rejects_short_rows_and_bad_numbers() -> None:
    with pytest.raises(ValueError, match="need ts"):
        parse_rows([(1, "1", "2", "3", "4")])
    with pytest.raises(ValueError):
        parse_rows([(1, "1", "2", "x", "4", "5")])


def test_rest_sample_rows_load(samples: Path) -> None:
    data = json.loads((samples / "rest" / "GET_api_v2_mix_market_candles.json").read_text())["data"]
    series = CandleSeries(Interval.M5)
    series.set_history(data)  # 7-field rows: quote volume ignored
    assert series.ts.tolist() == [1695835800000, 1695836100000]
    assert series.close.tolist() == [26194.5, 26171.0]
    assert series.volume.tolist() == [26.26, 17.98]
    assert series.price_decimals == 1
    assert series.volume_decimals == 2
    # the REST client's Candle objects give the same series
    other = CandleSeries(Interval.M5)
    other.set_history(parse_candles(data))
    assert np.array_equal(other.values, series.values)


def test_ws_push_row_applies_live(samples: Path) -> None:
    push = json.loads((samples / "ws" / "ws-spot-candle1W.push.json").read_text())
    series = CandleSeries(Interval.W1)
    series.set_history([(1695672780000 - Interval.W1.ms, "2190", "2201", "2180", "2199.5", "10")])
    change = series.apply_live(push["data"][0])  # 8-field WebSocket row
    assert change.appended == 1
    assert series.exact_last is not None
    assert series.exact_last.close == Decimal("2200.1")
    assert series.exact_last.volume == Decimal("0")


# --- history and merge ----------------------------------------------------------------------------------------------
def test_set_history_sorts_and_keeps_last_duplicate() -> None:
    series = CandleSeries()
    change = series.set_history([row(3), row(1), row(2), (MIN, "9", "9", "9", "9", "9")])
    assert change.reset
    assert series.ts.tolist() == [MIN, 2 * MIN, 3 * MIN]
    assert series.open.tolist() == [9.0, 102.0, 103.0]
    assert (series.first_slot, series.last_slot) == (0, 2)
    assert series.price_decimals == 2


def test_prepend_keeps_slots_and_existing_bars() -> None:
    series = CandleSeries()
    series.set_history([row(i) for i in range(10, 20)])
    before = as_dict(series)
    page = [row(i, base=500.0) for i in range(5, 12)]  # overlaps 10 and 11: the bars held win
    change = series.prepend_history(page)
    assert change.prepended == 5
    assert change.first_changed is None
    assert series.first_slot == -5
    assert series.last_slot == 9
    assert series.ts_at_slot(0) == 10 * MIN  # old first bar kept its slot
    merged = as_dict(series)
    for t, values in before.items():
        assert merged[t] == values
    for i in range(5, 10):
        assert merged[i * MIN] == ref_values(row(i, base=500.0))


def test_prepend_of_a_page_already_held_changes_nothing() -> None:
    series = CandleSeries()
    series.set_history([row(i) for i in range(10)])
    assert series.prepend_history([row(i, base=7.0) for i in range(3, 6)]).empty
    assert series.open[3] == 103.0


def test_live_updates_last_bar_in_place_then_appends() -> None:
    series = CandleSeries()
    series.set_history([row(i) for i in range(5)])
    change = series.apply_live((4 * MIN, "104", "110", "103", "109.5", "7.25"))
    assert (change.appended, change.prepended, change.first_changed) == (0, 0, 4)
    assert series.close[-1] == 109.5
    assert len(series) == 5
    change = series.apply_live((5 * MIN, "109.5", "109.5", "109.5", "109.5", "0"))
    assert (change.appended, change.first_changed) == (1, 5)
    assert series.last_slot == 5
    assert series.exact_last is not None
    assert series.exact_last.ts == 5 * MIN


def test_live_row_for_an_older_bar_updates_or_inserts() -> None:
    series = CandleSeries()
    series.set_history([row(i) for i in (0, 1, 2, 4, 5)])
    change = series.apply_live(row(1, base=0.0))
    assert change.first_changed == 1
    assert series.open[1] == 1.0
    change = series.apply_live(row(3, base=0.0))  # gap fill: later bars move one slot right
    assert change.first_changed == 3
    assert series.ts.tolist() == [i * MIN for i in range(6)]
    assert series.last_slot == 5


def test_ts_at_slot_extrapolates_with_the_interval() -> None:
    series = CandleSeries(Interval.H1)
    series.set_history([(i * 3_600_000, "1", "1", "1", "1", "1") for i in range(3)])
    assert series.ts_at_slot(-2) == -2 * 3_600_000
    assert series.ts_at_slot(4) == 4 * 3_600_000
    assert series.index_of_ts(3_600_000) == 1
    assert series.index_of_ts(1) is None


def test_many_pages_grow_both_ends() -> None:
    series = CandleSeries()
    series.set_history([row(i) for i in range(1000, 1010)])
    for start in range(990, -1, -10):
        series.prepend_history([row(i) for i in range(start, start + 10)])
    for i in range(1010, 1500):
        series.apply_live(row(i))
    assert series.ts.tolist() == [i * MIN for i in range(1500)]
    assert series.first_slot == -1000
    assert series.close.tolist() == [float(row(i)[4]) for i in range(1500)]


ops = st.lists(
    st.tuples(
        st.sampled_from(["set", "prepend", "live", "merge"]),
        st.lists(st.tuples(st.integers(0, 60), st.integers(1, 999)), min_size=0, max_size=12),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(ops)
def test_merge_matches_a_dict_model(operations: list[tuple[str, list[tuple[int, int]]]]) -> None:
    """Any sequence of calls leaves exactly what a dict keyed by open time would hold."""
    series = CandleSeries()
    model: dict[int, tuple[float, ...]] = {}
    for op, items in operations:
        rows = [(t * MIN, str(p), str(p + 1), str(p - 1), str(p), "2") for t, p in items]
        if op == "set":
            series.set_history(rows)
            model = {}
            for r in rows:
                model[r[0]] = ref_values(r)
        elif op == "prepend":
            series.prepend_history(rows)
            page = {r[0]: ref_values(r) for r in rows}  # within one call the last row of an open time wins
            model = page if not model else page | model
        elif op == "live":
            for r in rows:
                series.apply_live(r)
                model[r[0]] = ref_values(r)
        else:
            series.merge(rows)
            for r in rows:
                model[r[0]] = ref_values(r)
        assert as_dict(series) == model
        assert series.ts.tolist() == sorted(model)


# --- indicators ------------------------------------------------------------------------------------------------------
def ref_sma(x: list[float], n: int) -> list[float]:
    return [math.nan if i < n - 1 else sum(x[i - n + 1 : i + 1]) / n for i in range(len(x))]


def ref_std(x: list[float], n: int) -> list[float]:
    out = []
    for i in range(len(x)):
        if i < n - 1:
            out.append(math.nan)
            continue
        window = x[i - n + 1 : i + 1]
        mean = sum(window) / n
        out.append(math.sqrt(sum((v - mean) ** 2 for v in window) / n))
    return out


def ref_ema(x: list[float], n: int) -> list[float]:
    alpha = 2 / (n + 1)
    out = [math.nan] * len(x)
    if len(x) < n:
        return out
    value = sum(x[:n]) / n
    out[n - 1] = value
    for i in range(n, len(x)):
        value = alpha * x[i] + (1 - alpha) * value
        out[i] = value
    return out


@pytest.fixture
def prices() -> np.ndarray:
    rng = np.random.default_rng(42)
    return 30_000 + np.cumsum(rng.normal(0, 5, 20_000))


def close_to(actual: np.ndarray, expected: list[float], rtol: float = 1e-10) -> None:
    exp = np.array(expected)
    assert np.array_equal(np.isnan(actual), np.isnan(exp))
    np.testing.assert_allclose(actual[~np.isnan(exp)], exp[~np.isnan(exp)], rtol=rtol, atol=0)


@pytest.mark.parametrize("period", [1, 2, 5, 20, 200])
def test_sma_matches_reference(prices: np.ndarray, period: int) -> None:
    close_to(sma(prices, period), ref_sma(prices.tolist(), period))


@pytest.mark.parametrize("period", [1, 2, 9, 50, 400])
def test_ema_matches_reference(prices: np.ndarray, period: int) -> None:
    close_to(ema(prices, period), ref_ema(prices.tolist(), period))


@pytest.mark.parametrize("period", [2, 20])
def test_std_and_bollinger_match_reference(prices: np.ndarray, period: int) -> None:
    expected_std = ref_std(prices.tolist(), period)
    # std of ~5-point moves on a 30,000 price: the block-centred sums keep ~1e-9 relative accuracy
    close_to(rolling_std(prices, period), expected_std, rtol=1e-8)
    bands = bollinger(prices, period, 2.5)
    mid = ref_sma(prices.tolist(), period)
    close_to(bands.middle, mid)
    close_to(bands.upper, [m + 2.5 * s for m, s in zip(mid, expected_std, strict=True)], rtol=1e-10)
    close_to(bands.lower, [m - 2.5 * s for m, s in zip(mid, expected_std, strict=True)], rtol=1e-10)


def test_flat_prices_give_zero_width_bands() -> None:
    bands = bollinger(np.full(50, 0.000123), 20)
    np.testing.assert_allclose(bands.upper[19:] - bands.middle[19:], 0.0, atol=1e-15)
    assert np.all(bands.middle[19:] == 0.000123)


def test_indicators_shorter_than_period_are_all_nan() -> None:
    x = np.arange(5.0)
    assert np.isnan(sma(x, 6)).all()
    assert np.isnan(ema(x, 6)).all()
    with pytest.raises(ValueError, match="period"):
        sma(x, 0)


def test_ema_continues_from_previous_value(prices: np.ndarray) -> None:
    full = ema(prices, 30)
    tail = ema(prices[1000:], 30, prev=float(full[999]))
    np.testing.assert_allclose(tail, full[1000:], rtol=1e-12)


@pytest.mark.parametrize("spec", [IndicatorSpec("sma", 20), IndicatorSpec("ema", 50),
                                  IndicatorSpec("bollinger", 20, 2.0)])
def test_update_tail_equals_full_recompute(prices: np.ndarray, spec: IndicatorSpec) -> None:
    head = prices[:5000].copy()
    previous = spec.compute(head)
    grown = np.concatenate([head[:-1], [head[-1] + 3.0], [head[-1] + 7.0]])  # last bar changed, one appended
    updated = spec.update_tail(grown, previous, 4999)
    for got, want in zip(updated, spec.compute(grown), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-10, equal_nan=True)


@pytest.mark.parametrize("spec", [IndicatorSpec("sma", 20), IndicatorSpec("ema", 50),
                                  IndicatorSpec("bollinger", 20, 2.0)])
@pytest.mark.parametrize("added", [1, 7, 300])
def test_update_head_equals_full_recompute(prices: np.ndarray, spec: IndicatorSpec, added: int) -> None:
    previous = spec.compute(prices[added:3000])
    updated = spec.update_head(prices[:3000], previous, added)
    for got, want in zip(updated, spec.compute(prices[:3000]), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-10, equal_nan=True)


def test_update_tail_grows_in_place_across_appends(prices: np.ndarray) -> None:
    spec = IndicatorSpec("bollinger", 20, 2.0)
    values = spec.compute(prices[:1000])
    buffers = set()
    for m in range(1001, 1100):
        values = spec.update_tail(prices[:m], values, m - 1)
        buffers.add(values[0].__array_interface__["data"][0])
    assert len(buffers) == 1  # one buffer with room for the appended bars, not a copy per bar
    for got, want in zip(values, spec.compute(prices[:1099]), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-10, equal_nan=True)


def test_interval_labels_say_utc_in_words_and_where_the_day_starts() -> None:
    assert [iv.label for iv in Interval][-4:] == ["1D", "1W", "1D UTC", "1W UTC"]
    assert Interval.D1_UTC.value == "1Dutc"  # Bitget's spelling stays on the wire
    assert "UTC+8" in Interval.D1.hint
    assert "00:00 UTC" in Interval.W1_UTC.hint
    assert Interval.H1.hint == ""
