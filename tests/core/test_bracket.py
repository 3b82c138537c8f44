"""core.bracket: leg prices from price / % / ticks, their sides of the entry, and the risk/reward preview."""

from __future__ import annotations

from decimal import Decimal

from terminal_app.core.bracket import LegUnit, leg_price, risk_reward, validate_bracket
from terminal_app.core.enums import Side
from terminal_app.core.instruments import MarketInfo, Product, SymbolRef

D = Decimal
PERP = MarketInfo(
    ref=SymbolRef("BTCUSDT", Product.USDT_FUTURES), base_coin="BTC", quote_coin="USDT", tick_size=D("0.5"),
    lot_size=D("0.001"), min_size=D("0.001"), min_notional=D("5"), price_places=1, size_places=3,
    maker_fee=D("0.0002"), taker_fee=D("0.0006"), status="normal", max_leverage=125, min_leverage=1,
)


def test_percent_legs_of_a_long_round_towards_the_entry() -> None:
    # 1 % of 63333 = 633.33: TP 63966.33 → 63966.0 (down), SL 62699.67 → 62700.0 (up)
    assert leg_price(Side.BUY, D("63333"), D("1"), LegUnit.PERCENT, PERP, take_profit=True) == D("63966.0")
    assert leg_price(Side.BUY, D("63333"), D("1"), LegUnit.PERCENT, PERP, take_profit=False) == D("62700.0")


def test_percent_and_tick_legs_of_a_short() -> None:
    assert leg_price(Side.SELL, D("60000"), D("2"), LegUnit.PERCENT, PERP, take_profit=True) == D("58800.0")
    assert leg_price(Side.SELL, D("60000"), D("10"), LegUnit.TICKS, PERP, take_profit=False) == D("60005.0")
    assert leg_price(Side.SELL, D("60000"), D("59000"), LegUnit.PRICE, PERP, take_profit=True) == D("59000")


def test_risk_reward_of_a_long_and_a_short() -> None:
    rr = risk_reward(Side.BUY, D("100"), D("2"), D("110"), D("95"))
    assert (rr.reward, rr.risk, rr.ratio) == (D("20"), D("10"), D("2"))
    assert (rr.reward_pct, rr.risk_pct) == (D("10"), D("5"))
    short = risk_reward(Side.SELL, D("100"), D("1"), D("70"), D("110"))
    assert (short.reward, short.risk, short.ratio) == (D("30"), D("10"), D("3"))
    assert risk_reward(Side.BUY, D("100"), D("1"), D("110"), None).ratio is None


def test_validation() -> None:
    assert validate_bracket(Side.BUY, D("100"), D("110"), D("90"), PERP) == []
    wrong = validate_bracket(Side.BUY, D("100"), D("90"), D("110"), PERP)
    assert [i.field for i in wrong] == ["tp", "sl"]
    assert "A long's take-profit must be above the entry 100" in wrong[0].message
    short = validate_bracket(Side.SELL, D("100"), D("110"), D("90"), PERP)
    assert "A short's take-profit must be below" in short[0].message
    missing = validate_bracket(Side.BUY, D("100"), None, D("90"), PERP)
    assert missing[0].message == "A bracket needs a take-profit."
    assert "multiple of the tick 0.5" in validate_bracket(Side.BUY, None, D("110.2"), D("90"), PERP)[0].message
