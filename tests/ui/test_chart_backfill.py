"""A long history shows its newest bars at once and parses the older rows between frames (ui/chart/backfill.py)."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from pytestqt.qtbot import QtBot

from terminal_app.core.candles import CandleSeries, Interval, parse_rows
from terminal_app.ui.chart import ChartWidget
from terminal_app.ui.chart.backfill import EAGER_BARS, LAZY_MIN_ROWS
from terminal_app.ui.chart.lod import LodPyramid

MIN = 60_000
T0 = 1_704_067_200_000
N = LAZY_MIN_ROWS + 12_345


def rows(n: int, seed: int = 5) -> list[tuple[int, str, str, str, str, str]]:
    rng = np.random.default_rng(seed)
    close = 30_000 + np.cumsum(rng.normal(0, 3, n))
    return [(T0 + i * MIN, f"{c - 1:.1f}", f"{c + 2:.1f}", f"{c - 3:.1f}", f"{c:.1f}", f"{i % 97 + 0.0001:.4f}")
            for i, c in enumerate(close.tolist())]


def make_chart(qtbot: QtBot) -> ChartWidget:
    chart = ChartWidget(interval=Interval.M1)
    qtbot.addWidget(chart)
    chart.resize(900, 520)
    chart.show()
    qtbot.waitExposed(chart)
    return chart


def test_newest_bars_first_then_every_bar_as_if_parsed_at_once(qtbot: QtBot) -> None:
    data = rows(N)
    chart = make_chart(qtbot)
    chart.set_history(data)
    assert chart.history_pending
    assert len(chart.series) == EAGER_BARS
    assert int(chart.series.ts[-1]) == data[-1][0]
    x0, x1 = chart.visible_range()
    assert x0 <= chart.series.last_slot <= x1  # the live edge is shown while the rest is parsed
    newest_slot = chart.series.last_slot
    qtbot.waitUntil(lambda: not chart.history_pending, timeout=20_000)

    whole = CandleSeries(Interval.M1)
    whole.set_history(data)
    assert len(chart.series) == N
    assert np.array_equal(chart.series.ts, whole.ts)
    assert np.array_equal(chart.series.values, whole.values)
    assert chart.series.last_slot == newest_slot  # older bars went in front: the slots on screen did not move
    fresh = LodPyramid()
    fresh.rebuild(chart.series)
    assert chart.pyramid.depth == fresh.depth
    for k in range(1, fresh.depth + 1):
        assert np.array_equal(chart.pyramid.level(chart.series, k).data, fresh.level(chart.series, k).data), k
    # The readout of the oldest bar, parsed last, prints the wire's decimals exactly.
    chart.show_crosshair_at(chart.series.first_slot)
    o, h, lo, c, v = (format(Decimal(x), ",") for x in data[0][1:])
    assert f"O {o}  H {h}  L {lo}  C {c}  V {v}" in chart.readout_text()


def test_a_new_history_drops_the_unfinished_one(qtbot: QtBot) -> None:
    chart = make_chart(qtbot)
    chart.set_history(rows(N))
    assert chart.history_pending
    short = rows(300, seed=9)
    chart.set_history(short)
    assert not chart.history_pending
    qtbot.wait(50)  # the dropped parse's timer would have fired by now
    assert len(chart.series) == 300
    assert np.array_equal(chart.series.values, parse_rows(short)[1])


def test_live_bars_during_the_parse_are_kept(qtbot: QtBot) -> None:
    data = rows(N)
    chart = make_chart(qtbot)
    chart.set_history(data)
    live = (data[-1][0] + MIN, "1.0", "2.0", "0.5", "1.5", "3.0000")
    chart.apply_live(live)
    chart.finish_history()
    assert not chart.history_pending
    assert len(chart.series) == N + 1
    assert int(chart.series.ts[-1]) == live[0]
    assert int(chart.series.ts[0]) == data[0][0]


def test_short_or_unordered_histories_are_parsed_at_once(qtbot: QtBot) -> None:
    chart = make_chart(qtbot)
    data = rows(N)
    chart.set_history(list(reversed(data)))
    assert not chart.history_pending
    assert len(chart.series) == N
    assert int(chart.series.ts[-1]) == data[-1][0]
