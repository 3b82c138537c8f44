"""Deterministic candle history: same seed same candles, every granularity aggregates the 1-minute path, a year and
more of history, live minutes built from the trades, and the speed the server needs."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal as D

import pytest

from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.sim.engine.events import Event, TradeEvent
from terminal_app.sim.engine.exchange import Exchange
from terminal_app.sim.market.history import Candle, Granularity, align_open
from terminal_app.sim.market.price import DAY_MS, HOUR_MS, MINUTE_MS

NOW = 1_780_000_000_000           # 2026-05-28 20:26:40 UTC
BTC = SymbolRef("BTCUSDT", Product.SPOT)
BTC_PERP = SymbolRef("BTCUSDT", Product.USDT_FUTURES)
G = Granularity


def quiet(seed: int = 11, now: int = NOW) -> Exchange:
    return Exchange(seed=seed, clock=lambda: now, quiet=True)


def merged(parts: Sequence[Candle], ts: int) -> Candle:
    return Candle(ts, parts[0].open, max(c.high for c in parts), min(c.low for c in parts), parts[-1].close,
                  sum((c.base_volume for c in parts), D(0)), sum((c.quote_volume for c in parts), D(0)))


def test_same_seed_same_history_other_seed_other_history() -> None:
    a = quiet(11).candles(BTC, G.H1, limit=300)
    b = quiet(11).candles(BTC, G.H1, limit=300)
    c = quiet(12).candles(BTC, G.H1, limit=300)
    assert a == b
    assert [x.close for x in a] != [x.close for x in c]
    assert len(a) == 300
    assert a[-1].ts == NOW // HOUR_MS * HOUR_MS
    assert all(x.ts - y.ts == HOUR_MS for x, y in zip(a[1:], a, strict=False))


def test_coarser_candles_aggregate_the_minutes() -> None:
    ex = quiet()
    end = NOW - 3 * DAY_MS
    hours = ex.candles(BTC, G.H1, end_ms=end, limit=48)
    minutes = [m for h in hours for m in ex.candles(BTC, G.M1, start_ms=h.ts, end_ms=h.ts + HOUR_MS - 1, limit=100)]
    assert len(minutes) == 48 * 60
    by_hour: dict[int, list[Candle]] = defaultdict(list)
    for m in minutes:
        by_hour[m.ts // HOUR_MS * HOUR_MS].append(m)
    assert hours == [merged(by_hour[h.ts], h.ts) for h in hours]
    # neighbouring minutes join: each opens where the previous closed, and bars are well formed
    assert all(b.open == a.close for a, b in itertools.pairwise(minutes))
    assert all(m.low <= min(m.open, m.close) <= max(m.open, m.close) <= m.high for m in minutes)
    fives = ex.candles(BTC, G.M5, start_ms=hours[0].ts, end_ms=hours[0].ts + HOUR_MS - 1, limit=12)
    assert fives == [merged(minutes[i * 5:i * 5 + 5], minutes[i * 5].ts) for i in range(12)]


def test_days_weeks_months_and_the_utc8_day() -> None:
    ex = quiet()
    hours = ex.candles(BTC, G.H1, end_ms=(NOW - 40 * DAY_MS) // DAY_MS * DAY_MS - 1, limit=24 * 30)
    days = ex.candles(BTC, G.D1, start_ms=hours[0].ts, end_ms=hours[-1].ts, limit=30)
    assert [d.ts for d in days] == [hours[i * 24].ts for i in range(30)]
    assert days == [merged(hours[i * 24:i * 24 + 24], hours[i * 24].ts) for i in range(30)]
    # Bitget's default daily candle is UTC+8: it opens at 16:00 UTC and spans 16:00..16:00
    asia = ex.candles(BTC, G.D1, end_ms=hours[-1].ts - DAY_MS, limit=3, offset_ms=8 * HOUR_MS)
    first = next(i for i, h in enumerate(hours) if h.ts == asia[0].ts)
    assert datetime.fromtimestamp(asia[0].ts / 1000, UTC).hour == 16
    assert asia == [merged(hours[first + i * 24:first + i * 24 + 24], asia[i].ts) for i in range(3)]
    weeks = ex.candles(BTC, G.W1, end_ms=NOW - 30 * DAY_MS, limit=4)
    assert all(datetime.fromtimestamp(w.ts / 1000, UTC).weekday() == 0 for w in weeks)
    week_days = ex.candles(BTC, G.D1, start_ms=weeks[0].ts, end_ms=weeks[0].ts + 6 * DAY_MS, limit=7)
    assert weeks[0] == merged(week_days, weeks[0].ts)
    months = ex.candles(BTC, G.MO1, end_ms=NOW, limit=3)
    assert [datetime.fromtimestamp(m.ts / 1000, UTC).day for m in months] == [1, 1, 1]
    may_days = ex.candles(BTC, G.D1, start_ms=months[0].ts, end_ms=months[1].ts - 1, limit=31)
    assert months[0] == merged(may_days, months[0].ts)


def test_a_year_and_more_of_plausible_history() -> None:
    ex = quiet()
    days = ex.candles(BTC, G.D1, end_ms=NOW, limit=500)
    assert len(days) == 500
    assert days[0].ts == align_open(NOW, G.D1) - 499 * DAY_MS
    closes = [float(d.close) for d in days]
    assert min(closes) > 40_000
    assert max(closes) < 240_000
    assert all(d.base_volume > 0 and d.quote_volume > 0 for d in days)
    # volatility clusters: the spread of daily ranges is wider than a constant-volatility process would give
    ranges = sorted(float(d.high / d.low) - 1 for d in days)
    assert ranges[-25] > 2.2 * ranges[250]
    # futures follow the same coin with a small premium
    perp = ex.candles(BTC_PERP, G.D1, end_ms=NOW, limit=5)
    for spot_day, perp_day in zip(days[-5:], perp, strict=True):
        assert abs(perp_day.close / spot_day.close - 1) < D("0.001")
    index = ex.candles(BTC_PERP, G.H1, limit=5, kind="index")
    mark = ex.candles(BTC_PERP, G.H1, limit=5, kind="mark")
    assert all(m.close > i.close for m, i in zip(mark, index, strict=True))


def test_live_minutes_are_built_from_trades_and_stay_on_the_path() -> None:
    t = [NOW - NOW % MINUTE_MS]
    live = Exchange(seed=11, clock=lambda: t[0])
    trades: list[TradeEvent] = []

    def keep(e: Event) -> None:
        if isinstance(e, TradeEvent) and e.ref == BTC:
            trades.append(e)

    live.add_listener(keep)
    for _ in range(3 * 600):
        t[0] += 100
        live.advance()
    first_minute = (NOW - NOW % MINUTE_MS) // MINUTE_MS
    minutes = live.candles(BTC, G.M1, start_ms=first_minute * MINUTE_MS, end_ms=t[0] - MINUTE_MS, limit=10)
    assert len(minutes) == 3
    per_minute: dict[int, list[TradeEvent]] = defaultdict(list)
    for e in trades:
        per_minute[e.ts // MINUTE_MS * MINUTE_MS].append(e)
    path = quiet(11, t[0]).candles(BTC, G.M1, start_ms=minutes[0].ts, end_ms=minutes[-1].ts, limit=10)
    for candle, plain in zip(minutes, path, strict=True):
        ts = per_minute[candle.ts]
        assert candle.open == ts[0].price
        assert candle.close == ts[-1].price
        assert candle.high == max(e.price for e in ts)
        assert candle.low == min(e.price for e in ts)
        assert candle.base_volume == sum((e.size for e in ts), D(0))
        # the trades follow the deterministic path the history is made of
        assert abs(candle.close / plain.close - 1) < D("0.002")
    hour = live.candles(BTC, G.H1, limit=1)[0]
    in_hour = live.candles(BTC, G.M1, start_ms=hour.ts, limit=60)
    assert hour == merged(in_hour, hour.ts)
    ticker = live.ticker(BTC)
    assert ticker.last == trades[-1].price


@pytest.mark.parametrize("gran", list(Granularity))
def test_every_granularity_ends_with_the_forming_candle(gran: Granularity) -> None:
    candles = quiet().candles(BTC, gran, limit=3)
    assert len(candles) == 3
    assert candles[-1].ts <= NOW < candles[-1].ts + gran.ms + 3 * DAY_MS
    assert candles[0].ts < candles[1].ts < candles[2].ts
