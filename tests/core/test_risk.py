"""core.risk: each guard refuses with its reason, confirmation for large market orders (skippable per profile),
reducing orders exempt from the value cap, no pass when the order cannot be valued, and the ticket's live issues
being exactly the guard's reasons."""

from __future__ import annotations

from decimal import Decimal

import pytest

from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.core.orders import OrderTicket
from terminal_app.core.risk import (
    Outcome,
    RiskPolicy,
    Rule,
    Verdict,
    check_leverage,
    check_order,
    limit_issues,
    order_notional,
)
from terminal_app.core.validation import Issue

SPOT = SymbolRef("BTCUSDT", Product.SPOT)
PERP = SymbolRef("BTCUSDT", Product.USDT_FUTURES)
LAST = Decimal("65000")
POLICY = RiskPolicy(fat_finger_pct=Decimal(5), max_order_notional=Decimal(50000),
                    confirm_market_notional=Decimal(1000), leverage_cap=20)
D = Decimal


def limit(price: str, size: str = "0.1", *, ref: SymbolRef = SPOT, side: str = "buy", reduce_only: bool = False,
          trade_side: str | None = None) -> OrderTicket:
    return OrderTicket(ref, side, "limit", size=D(size), price=D(price), reduce_only=reduce_only,
                       trade_side=trade_side)


def market(size: str, *, ref: SymbolRef = PERP, side: str = "sell", reduce_only: bool = False,
           trade_side: str | None = None) -> OrderTicket:
    return OrderTicket(ref, side, "market", size=D(size), reduce_only=reduce_only, trade_side=trade_side)


def rules(verdict: Verdict) -> list[Rule]:
    return [r.rule for r in verdict.reasons]


def test_an_ordinary_limit_order_passes() -> None:
    verdict = check_order(limit("64800"), POLICY, last_price=LAST, quote_coin="USDT")
    assert verdict.ok
    assert verdict.reasons == ()
    assert verdict.notional == D("6480.0")
    assert verdict.message == ""


@pytest.mark.parametrize(("price", "outcome"), [
    ("68250", Outcome.OK),  # exactly 5 % above: the band is inclusive
    ("61750", Outcome.OK),  # exactly 5 % below
    ("68250.5", Outcome.REFUSED),
    ("6500", Outcome.REFUSED),  # a zero too few
    ("650000", Outcome.REFUSED),  # a zero too many
])
def test_fat_finger_band(price: str, outcome: Outcome) -> None:
    verdict = check_order(limit(price, "0.01"), POLICY, last_price=LAST)
    assert verdict.outcome is outcome
    if outcome is Outcome.REFUSED:
        assert rules(verdict) == [Rule.FAT_FINGER]
        assert verdict.reasons[0].field == "price"


def test_fat_finger_message_says_how_far_and_which_way() -> None:
    verdict = check_order(limit("6500", "0.01"), POLICY, last_price=LAST)
    assert verdict.message == ("The price 6500 is 90.0 % below the last price 65000; your limit is 5 % "
                               "(Settings, risk). Check for a typo.")
    above = check_order(limit("71500", "0.01"), POLICY, last_price=LAST)
    assert "10.0 % above" in above.message


def test_a_limit_order_without_a_last_price_is_not_waved_through() -> None:
    verdict = check_order(limit("65000"), POLICY, last_price=None)
    assert verdict.refused
    assert rules(verdict) == [Rule.NO_PRICE]
    off = RiskPolicy(fat_finger_pct=None, max_order_notional=D(50000), confirm_market_notional=None,
                     leverage_cap=None)
    assert check_order(limit("65000"), off, last_price=None).ok  # valued at its own price


def test_maximum_order_value() -> None:
    verdict = check_order(limit("65000", "1"), POLICY, last_price=LAST, quote_coin="USDT")
    assert rules(verdict) == [Rule.MAX_NOTIONAL]
    assert verdict.message == ("The order is worth 65,000.00 USDT, above your maximum of 50,000.00 USDT per order "
                               "(Settings, risk).")
    assert check_order(limit("50000", "1"), POLICY, last_price=D("50000")).ok  # equal to the cap is allowed
    quote_sized = OrderTicket(SPOT, "buy", "market", size=D("60000"), size_in_quote=True)
    assert rules(check_order(quote_sized, POLICY, last_price=None)) == [Rule.MAX_NOTIONAL]


def test_reducing_orders_are_exempt_from_the_value_cap_but_not_the_band() -> None:
    close_all = limit("65000", "2", ref=PERP, side="sell", reduce_only=True)
    assert check_order(close_all, POLICY, last_price=LAST).ok
    hedge_close = limit("65000", "2", ref=PERP, side="sell", trade_side="close")
    assert check_order(hedge_close, POLICY, last_price=LAST).ok
    typo = limit("6500", "2", ref=PERP, side="sell", reduce_only=True)
    assert rules(check_order(typo, POLICY, last_price=LAST)) == [Rule.FAT_FINGER]


def test_large_market_orders_need_a_confirmation() -> None:
    verdict = check_order(market("0.5", ref=SPOT), POLICY, last_price=LAST, quote_coin="USDT", base_coin="BTC")
    assert verdict.needs_confirmation
    assert verdict.notional == D("32500.0")
    assert verdict.confirm_text == ("Market sell 0.5 BTC of BTCUSDT, worth about 32,500.00 USDT. This is above "
                                    "your confirmation threshold of 1,000.00 USDT. Send it?")
    assert verdict.message == verdict.confirm_text
    yes = verdict.confirmed()
    assert yes.ok
    assert yes.confirm_text is None
    assert yes.notional == verdict.notional
    assert check_order(market("0.01"), POLICY, last_price=LAST).ok  # 650 is under the threshold


def test_the_confirmation_can_be_skipped_per_profile() -> None:
    scalper = RiskPolicy(fat_finger_pct=D(5), max_order_notional=D(50000), confirm_market_notional=D(1000),
                         leverage_cap=20, skip_market_confirm=True)
    assert check_order(market("0.5"), scalper, last_price=LAST).ok
    # The value cap still holds for that profile.
    assert rules(check_order(market("1"), scalper, last_price=LAST)) == [Rule.MAX_NOTIONAL]


def test_a_market_order_that_cannot_be_valued_is_refused() -> None:
    verdict = check_order(market("0.5"), POLICY, last_price=None)
    assert rules(verdict) == [Rule.NO_PRICE]
    assert verdict.reasons[0].field == "size"
    spend = OrderTicket(SPOT, "buy", "market", size=D("2000"), size_in_quote=True)
    assert check_order(spend, POLICY, last_price=None).needs_confirmation  # a quote size is its own value


def test_leverage_cap() -> None:
    verdict = check_order(limit("65000", "0.1", ref=PERP), POLICY, last_price=LAST, leverage=25)
    assert rules(verdict) == [Rule.LEVERAGE_CAP]
    assert verdict.reasons[0].field == "leverage"
    assert check_order(limit("65000", "0.1", ref=PERP), POLICY, last_price=LAST, leverage=20).ok
    assert check_leverage(20, POLICY).ok
    assert check_leverage(21, POLICY).message == "Leverage 21x is above your cap of 20x (Settings, risk)."
    assert check_leverage(0, POLICY).refused
    assert check_leverage(125, RiskPolicy(leverage_cap=None)).ok


def test_every_reason_at_once_and_no_confirmation_over_a_refusal() -> None:
    verdict = check_order(market("1"), POLICY, last_price=LAST, leverage=50)
    assert rules(verdict) == [Rule.MAX_NOTIONAL, Rule.LEVERAGE_CAP]
    assert verdict.confirm_text is None
    with pytest.raises(ValueError, match="cannot be confirmed"):
        verdict.confirmed()
    both = check_order(limit("6500", "10"), POLICY, last_price=LAST)
    assert rules(both) == [Rule.FAT_FINGER, Rule.MAX_NOTIONAL]
    assert both.message.count("Settings, risk") == 2


def test_rules_switched_off() -> None:
    off = RiskPolicy(fat_finger_pct=None, max_order_notional=None, confirm_market_notional=None, leverage_cap=None)
    assert check_order(limit("1", "1000"), off, last_price=LAST, leverage=125).ok
    assert check_order(market("1000"), off, last_price=None).ok


def test_zero_limits_are_taken_literally() -> None:
    strict = RiskPolicy(fat_finger_pct=D(5), max_order_notional=D(0), confirm_market_notional=D(0), leverage_cap=1)
    assert rules(check_order(limit("65000", "0.0001"), strict, last_price=LAST)) == [Rule.MAX_NOTIONAL]
    closing = market("0.0001", reduce_only=True)
    assert check_order(closing, strict, last_price=LAST).needs_confirmation


def test_notional() -> None:
    assert order_notional(limit("65000", "0.5"), None) == D("32500.0")
    assert order_notional(market("0.5"), LAST) == D("32500.0")
    assert order_notional(market("0.5"), None) is None
    assert order_notional(OrderTicket(SPOT, "buy", "market", size=D("25"), size_in_quote=True), None) == D("25")


def test_the_tickets_live_issues_are_the_guards_reasons() -> None:
    assert limit_issues(limit("64800"), POLICY, last_price=LAST) == []
    assert limit_issues(limit("70000", "0.001"), POLICY, last_price=LAST) == [Issue(
        "price", "The price 70000 is 7.7 % above the last price 65000; your limit is 5 % (Settings, risk). "
                 "Check for a typo.")]
    assert limit_issues(limit("61000", "0.001"), POLICY, last_price=LAST)[0].message.startswith(
        "The price 61000 is 6.2 % below the last price 65000")
    assert limit_issues(limit("65000", "1"), POLICY, last_price=LAST, quote_coin="USDT") == [Issue(
        "size", "The order is worth 65,000.00 USDT, above your maximum of 50,000.00 USDT per order (Settings, risk).")]
    assert limit_issues(limit("65000", "0.1", ref=PERP), POLICY, last_price=LAST, leverage=50) == [Issue(
        "leverage", "Leverage 50x is above your cap of 20x (Settings, risk).")]
    for ticket, last, leverage in ((limit("6500", "10"), LAST, 50), (market("1"), LAST, 25),
                                   (limit("65000"), None, None)):
        verdict = check_order(ticket, POLICY, last_price=last, leverage=leverage)
        issues = limit_issues(ticket, POLICY, last_price=last, leverage=leverage)
        assert [(i.field, i.message) for i in issues] == [(r.field, r.message) for r in verdict.reasons] != []


def test_a_confirmation_is_not_an_issue() -> None:
    """The ticket must let a large market order through to the guard, which asks."""
    assert check_order(market("0.5"), POLICY, last_price=LAST).needs_confirmation
    assert limit_issues(market("0.5"), POLICY, last_price=LAST) == []


def test_a_futures_confirmation_names_the_product_the_position_effect_and_the_leverage() -> None:
    # The issue: 'Market SELL 0.01 BTCUSDT' for the perpetual — no PERP, no open/close, no leverage.
    close = market("0.5", ref=PERP, reduce_only=True)
    text = check_order(close, POLICY, last_price=LAST, leverage=10, quote_coin="USDT", base_coin="BTC").message
    assert text.startswith("Market sell 0.5 BTC of BTCUSDT PERP, closing long (reduce-only), at 10x, worth about "
                           "32,500.00 USDT.")
    opening = market("0.5", ref=PERP, side="buy", trade_side="open")
    text = check_order(opening, POLICY, last_price=LAST, leverage=5, quote_coin="USDT", base_coin="BTC").message
    assert text.startswith("Market buy 0.5 BTC of BTCUSDT PERP, opening long, at 5x, worth about")
    one_way = market("0.5", ref=PERP)
    assert "short (one-way: reduces an opposite position first), at 20x" in check_order(
        one_way, POLICY, last_price=LAST, leverage=20, base_coin="BTC").message
