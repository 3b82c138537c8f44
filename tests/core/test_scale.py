"""core.scale: scaled orders spread exactly, rounded to tick and lot, with the leftovers and minimums handled."""

from __future__ import annotations

from decimal import Decimal

import pytest

from terminal_app.core.enums import Side
from terminal_app.core.instruments import MarketInfo, Product, SymbolRef
from terminal_app.core.scale import (
    ScaleLeg,
    Weighting,
    batches,
    lift_to_minimum,
    plan_scale,
    split_lots,
)

D = Decimal
PERP = MarketInfo(
    ref=SymbolRef("BTCUSDT", Product.USDT_FUTURES), base_coin="BTC", quote_coin="USDT", tick_size=D("0.1"),
    lot_size=D("0.001"), min_size=D("0.002"), min_notional=D("5"), price_places=1, size_places=3,
    maker_fee=D("0.0002"), taker_fee=D("0.0006"), status="normal", max_leverage=125, min_leverage=1,
)


def test_even_split_is_exact_and_evenly_priced() -> None:
    plan = plan_scale(PERP, Side.BUY, D("1"), D("63000"), D("64000"), 5)
    assert plan.ok
    assert [leg.price for leg in plan.legs] == [D("63000"), D("63250"), D("63500"), D("63750"), D("64000")]
    assert [leg.size for leg in plan.legs] == [D("0.200")] * 5
    assert plan.total == D("1")
    assert plan.average_price == D("63500")


def test_leftover_lots_go_to_the_largest_remainders_and_the_total_stays_exact() -> None:
    plan = plan_scale(PERP, Side.SELL, D("0.010"), D("100"), D("103"), 3)
    assert [leg.size for leg in plan.legs] == [D("0.004"), D("0.003"), D("0.003")]  # 10 lots: 4 + 3 + 3
    assert plan.total == D("0.010")


def test_increasing_weights_grow_linearly_and_add_up() -> None:
    plan = plan_scale(PERP, Side.BUY, D("1.5"), D("64000"), D("63000"), 5, Weighting.INCREASING)
    sizes = [leg.size for leg in plan.legs]
    assert sizes == [D("0.100"), D("0.200"), D("0.300"), D("0.400"), D("0.500")]
    assert plan.legs[0].price == D("64000")
    assert plan.legs[-1].price == D("63000")
    assert plan.total == D("1.5")
    expected = sum(leg.price * leg.size for leg in plan.legs) / D("1.5")
    assert plan.average_price == expected


def test_decreasing_with_remainders() -> None:
    plan = plan_scale(PERP, Side.BUY, D("0.100"), D("100"), D("110"), 4, Weighting.DECREASING)
    sizes = [leg.size for leg in plan.legs]
    assert sizes == [D("0.040"), D("0.030"), D("0.020"), D("0.010")]
    odd = plan_scale(PERP, Side.BUY, D("0.101"), D("100"), D("110"), 4, Weighting.DECREASING)
    assert odd.total == D("0.101")
    assert [leg.size for leg in odd.legs] == [D("0.041"), D("0.030"), D("0.020"), D("0.010")]


def test_prices_round_to_the_tick() -> None:
    plan = plan_scale(PERP, Side.BUY, D("0.03"), D("100"), D("100.5"), 3)
    assert [leg.price for leg in plan.legs] == [D("100.0"), D("100.3"), D("100.5")]  # 100.25 rounds half up


def test_a_leg_under_the_minimum_is_lifted_from_the_largest() -> None:
    # 10 lots increasing over 4: 1, 2, 3, 4 lots; the minimum is 2 lots: 2, 2, 3, 3
    plan = plan_scale(PERP, Side.BUY, D("0.010"), D("60000"), D("61500"), 4, Weighting.INCREASING)
    assert plan.ok, plan.issues
    assert [leg.size for leg in plan.legs] == [D("0.002"), D("0.002"), D("0.003"), D("0.003")]
    assert plan.total == D("0.010")
    assert all(leg.size >= PERP.min_size for leg in plan.legs)


def test_total_too_small_for_every_minimum() -> None:
    plan = plan_scale(PERP, Side.BUY, D("0.005"), D("1000"), D("1100"), 3)
    assert not plan.ok
    assert "3 orders need at least 0.006" in plan.issues[0].message
    assert "2 at most" in plan.issues[0].message


def test_refusals() -> None:
    assert "2 to 100" in plan_scale(PERP, Side.BUY, D("1"), D("1"), D("2"), 1).issues[0].message
    assert "different prices" in plan_scale(PERP, Side.BUY, D("1"), D("5"), D("5"), 3).issues[0].message
    assert "multiple of 0.001" in plan_scale(PERP, Side.BUY, D("1.0005"), D("1"), D("2"), 3).issues[0].message
    narrow = plan_scale(PERP, Side.BUY, D("1"), D("100"), D("100.2"), 5)
    assert "too narrow" in narrow.issues[0].message
    small = plan_scale(PERP, Side.BUY, D("0.006"), D("100"), D("200"), 3)  # 0.002 x 100 = 0.2 USDT < 5
    assert "worth less than the minimum 5 USDT" in small.issues[0].message


@pytest.mark.parametrize("lots", [0, 1, 7, 99, 1000, 12345])
@pytest.mark.parametrize("parts", [[1, 1, 1], [1, 2, 3, 4, 5], [5, 4, 3, 2, 1], [3]])
def test_split_always_adds_up(lots: int, parts: list[int]) -> None:
    shares = split_lots(lots, parts)
    assert sum(shares) == lots
    assert all(s >= 0 for s in shares)


def test_lift_to_minimum() -> None:
    assert lift_to_minimum([0, 1, 9], 2) == [2, 2, 6]
    assert lift_to_minimum([1, 1], 2) is None


def test_batches_honour_the_limit() -> None:
    assert [list(r) for r in batches(3, 2)] == [[0, 1], [2]]
    assert [len(r) for r in batches(120)] == [50, 50, 20]
    assert batches(0) == []


def test_leg_value() -> None:
    assert ScaleLeg(D("1"), D("2")).price == D("1")
