"""core.position_tools: the reverse plan, the break-even trigger's safe rounding, removable margin, the open-size
estimate and PnL by day from bills."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

import pytest

from terminal_app.core.accounts import Position
from terminal_app.core.enums import MarginMode, OrderType, PositionMode, PositionSide, Side, TradeSide
from terminal_app.core.instruments import MarketInfo, Product, SymbolRef
from terminal_app.core.position_tools import (
    Bill,
    BillKind,
    break_even_possible,
    break_even_trigger,
    check_margin_change,
    estimated_liquidation,
    max_open_for,
    max_open_size,
    pnl_by_day,
    removable_margin,
    reverse_plan,
)

PERP = SymbolRef("BTCUSDT", Product.USDT_FUTURES)
MARKET = MarketInfo(PERP, "BTC", "USDT", D("0.1"), D("0.0001"), D("0.0001"), D("5"), 1, 4, D("0.0002"),
                    D("0.0006"), max_leverage=125)
DAY = 86_400_000
T0 = 1_780_012_800_000   # 2026-05-29 00:00 UTC


def position(side: PositionSide = PositionSide.LONG, mode: PositionMode = PositionMode.ONE_WAY,
             **kw: object) -> Position:
    values: dict[str, object] = dict(
        product=Product.USDT_FUTURES, symbol="BTCUSDT", margin_coin="USDT", hold_side=side, pos_mode=mode,
        margin_mode=MarginMode.ISOLATED, total=D("0.02"), available=D("0.02"), locked=D(0), leverage=D(10),
        open_price_avg=D("65000.04"), mark_price=D("66000"), liquidation_price=D("59000"), unrealized_pl=D("19.2"),
        achieved_profits=D(0), margin_size=D("130"), margin_ratio=None, break_even_price=None, fees=D(0),
        c_time=0, u_time=0, keep_margin_rate=D("0.004"))
    values.update(kw)
    return Position(**values)  # type: ignore[arg-type]


def test_one_way_reverse_is_one_market_order_for_twice_the_size() -> None:
    plan = reverse_plan(position(PositionSide.SHORT))
    assert plan.then is None
    assert (plan.first.side, plan.first.order_type, plan.first.size) == (Side.BUY, OrderType.MARKET, D("0.04"))
    assert not plan.first.reduce_only
    assert plan.first.trade_side is None


def test_hedge_reverse_closes_then_opens_the_other_side() -> None:
    plan = reverse_plan(position(PositionSide.LONG, PositionMode.HEDGE))
    assert (plan.first.side, plan.first.trade_side, plan.first.size) == (Side.BUY, TradeSide.CLOSE, D("0.02"))
    assert plan.then is not None
    assert (plan.then.side, plan.then.trade_side, plan.then.size) == (Side.SELL, TradeSide.OPEN, D("0.02"))
    assert "once the close has filled" in plan.summary


def test_no_reverse_without_a_position() -> None:
    with pytest.raises(ValueError, match="no position"):
        reverse_plan(position(total=D(0)))


def test_break_even_rounds_to_the_side_that_cannot_lose() -> None:
    assert break_even_trigger(position(PositionSide.LONG), MARKET) == D("65000.1")   # up for a long
    assert break_even_trigger(position(PositionSide.SHORT), MARKET) == D("65000.0")  # down for a short
    on_tick = position(open_price_avg=D("65000.3"))
    assert break_even_trigger(on_tick, MARKET) == D("65000.3")


def test_break_even_that_would_fire_at_once_is_refused() -> None:
    long = position(PositionSide.LONG)
    assert break_even_possible(long, D("65000.1"), D("66000")) == ""
    assert "fire at once" in break_even_possible(long, D("65000.1"), D("64000"))
    short = position(PositionSide.SHORT)
    assert "fire at once" in break_even_possible(short, D("65000.0"), D("66000"))
    assert break_even_possible(short, D("65000.0"), D("64000")) == ""


def test_removable_margin_keeps_twice_maintenance_and_no_profit() -> None:
    p = position()
    maintenance = D("66000") * D("0.02") * D("0.004")
    assert removable_margin(p) == D("130") - 2 * maintenance           # profit does not count
    losing = replace(p, unrealized_pl=D("-30"))
    assert removable_margin(losing) == D("100") - 2 * maintenance
    assert removable_margin(replace(p, margin_mode=MarginMode.CROSSED)) == 0


def test_margin_change_checks() -> None:
    p = position()
    assert check_margin_change(p, D("10"), available=D("50")) == ""
    assert "available" in check_margin_change(p, D("60"), available=D("50"))
    assert check_margin_change(p, D("-100"), available=None) == ""
    assert check_margin_change(p, D("-130"), available=None).startswith("At most")
    assert "isolated" in check_margin_change(replace(p, margin_mode=MarginMode.CROSSED), D(1), available=None)
    assert "other than zero" in check_margin_change(p, D(0), available=None)


def test_liquidation_preview_moves_away_with_more_margin() -> None:
    p = position()
    now = estimated_liquidation(p, D(0))
    more = estimated_liquidation(p, D(50))
    assert now is not None
    assert more is not None
    assert more < now
    short = position(PositionSide.SHORT)
    assert estimated_liquidation(short, D(50)) > estimated_liquidation(short, D(0))  # type: ignore[operator]


def test_max_open_size_pays_the_fee_and_cuts_to_the_lot() -> None:
    size = max_open_size(D("1000"), D("50000"), 10, D("0.0006"), D("0.0001"))
    exact = D("1000") / (D("50000") * (D("0.1") + D("0.0006")))
    assert size <= exact < size + D("0.0001")
    assert max_open_for(MARKET, D("1000"), D("50000"), 10) == size
    assert max_open_size(D(0), D("50000"), 10, D("0.0006"), D("0.0001")) == 0
    coin_m = max_open_size(D("1"), D("50000"), 10, D("0.0006"), D("0.001"), inverse=True)
    assert coin_m == D("9.940")


def bill(bill_id: str, kind: BillKind, amount: str, fee: str = "0", *, ts: int = T0, coin: str = "USDT",
         product: Product = Product.USDT_FUTURES) -> Bill:
    return Bill(bill_id, product, "BTCUSDT", coin, kind, D(amount), D(fee), None, ts)


def test_pnl_by_day_sums_per_day_and_coin_once_per_bill() -> None:
    bills = [
        bill("1", BillKind.TRADE, "0", "-0.5"),
        bill("2", BillKind.FUNDING, "-0.12", ts=T0 + 3_600_000),
        bill("3", BillKind.TRADE, "12.5", "-0.6", ts=T0 + 7_200_000),
        bill("3", BillKind.TRADE, "12.5", "-0.6", ts=T0 + 7_200_000),          # read twice: counted once
        bill("4", BillKind.TRANSFER, "1000", ts=T0 + 1),                       # not profit or loss
        bill("5", BillKind.LIQUIDATION, "-40", ts=T0 + DAY),
        bill("6", BillKind.TRADE, "0.001", "-0.0001", coin="BTC", product=Product.COIN_FUTURES),
    ]
    days = pnl_by_day(bills)
    assert [(d.day.isoformat(), d.coin) for d in days] == [("2026-05-30", "USDT"), ("2026-05-29", "BTC"),
                                                           ("2026-05-29", "USDT")]
    usdt = days[2]
    assert (usdt.realized, usdt.fees, usdt.funding, usdt.liquidation, usdt.rows) == (
        D("12.5"), D("-1.1"), D("-0.12"), D(0), 3)
    assert usdt.net == D("11.28")
    assert days[0].liquidation == D("-40")
    assert days[1].usdt(D("60000")) == D("0.0009") * D("60000")
    assert days[1].usdt(None) is None


def test_interest_on_borrowing_is_a_cost_of_its_own_not_trading_pnl() -> None:
    (day,) = pnl_by_day([bill("1", BillKind.TRADE, "3", "-0.5"), bill("2", BillKind.INTEREST, "-0.25"),
                         bill("3", BillKind.TRANSFER, "500")])
    assert (day.realized, day.fees, day.interest, day.net, day.rows) == (D("3"), D("-0.5"), D("-0.25"),
                                                                         D("2.25"), 2)
