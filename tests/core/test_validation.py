"""Order-ticket validation: each Bitget rule with its exact message (the user's limits are core.risk's); rounding and
% presets."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from terminal_app.core.instruments import MarketInfo, Product, SymbolRef
from terminal_app.core.validation import (
    Issue,
    preset_size,
    round_quote,
    round_to_lot,
    round_to_step,
    round_to_tick,
    step_places,
    validate_ticket,
)

D = Decimal
SPOT = MarketInfo(
    ref=SymbolRef("BTCUSDT", Product.SPOT), base_coin="BTC", quote_coin="USDT", tick_size=D("0.01"),
    lot_size=D("0.0001"), min_size=D("0.0001"), min_notional=D("1"), price_places=2, size_places=4,
    maker_fee=D("0.001"), taker_fee=D("0.001"), status="online", quote_places=6,
)
PERP = MarketInfo(
    ref=SymbolRef("BTCUSDT", Product.USDT_FUTURES), base_coin="BTC", quote_coin="USDT", tick_size=D("0.5"),
    lot_size=D("0.001"), min_size=D("0.001"), min_notional=D("5"), price_places=1, size_places=3,
    maker_fee=D("0.0002"), taker_fee=D("0.0006"), status="normal", max_leverage=125, min_leverage=1,
)


@dataclass(frozen=True)
class Ticket:
    """The shape of core.orders.OrderTicket (services-contract.md)."""

    ref: SymbolRef
    side: str = "buy"
    order_type: str = "limit"
    force: str = "gtc"
    size: Decimal = Decimal("0.01")
    price: Decimal | None = Decimal("65000.00")
    size_in_quote: bool = False
    reduce_only: bool = False
    trade_side: str | None = None
    margin_mode: str | None = None
    tp: Decimal | None = None
    sl: Decimal | None = None


def spot(**kw: object) -> Ticket:
    return replace(Ticket(SPOT.ref), **kw)  # type: ignore[arg-type]


def perp(**kw: object) -> Ticket:
    kw.setdefault("price", D("65000.5"))
    kw.setdefault("margin_mode", "crossed")
    return replace(Ticket(PERP.ref), **kw)  # type: ignore[arg-type]


def messages(ticket: Ticket, market: MarketInfo = SPOT, **kw: object) -> list[str]:
    return [i.message for i in validate_ticket(ticket, market, **kw)]  # type: ignore[arg-type]


def test_a_good_limit_order_has_no_issue() -> None:
    assert validate_ticket(spot(), SPOT, last_price=D("65010"), available=D("1000")) == []
    assert validate_ticket(perp(), PERP, last_price=D("65010"), available=D("1000"), leverage=10) == []


def test_issue_prints_as_its_message_and_names_its_field() -> None:
    (issue,) = validate_ticket(spot(size=D(0)), SPOT)
    assert issue == Issue("size", "Enter a size greater than 0.")
    assert str(issue) == "Enter a size greater than 0."


def test_ticket_for_another_market_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="checked against"):
        validate_ticket(spot(), PERP)


def test_price_must_be_positive_and_on_the_tick() -> None:
    assert messages(spot(price=None)) == ["Enter a price greater than 0."]
    assert messages(spot(price=D("-1"))) == ["Enter a price greater than 0."]
    assert messages(spot(price=D("65000.005"))) == [
        "The price must be a multiple of the tick size 0.01: use 65000 or 65000.01."
    ]
    assert messages(perp(price=D("65000.2")), PERP) == [
        "The price must be a multiple of the tick size 0.5: use 65000 or 65000.5."
    ]


def test_size_must_be_positive_on_the_lot_and_above_the_minimum() -> None:
    assert messages(spot(size=D("-0.1"))) == ["Enter a size greater than 0."]
    assert messages(spot(size=D("0.01005"))) == ["The size must be a multiple of 0.0001 BTC: use 0.01 or 0.0101."]
    assert messages(spot(size=D("0.00005"), price=D("65000"))) == [
        "The size must be a multiple of 0.0001 BTC: use 0.0001."
    ]
    tiny = replace(SPOT, min_size=D("0.001"), min_notional=D("0"))
    assert messages(spot(size=D("0.0005")), tiny) == ["The minimum size is 0.001 BTC."]


def test_minimum_order_value_uses_the_limit_price_or_the_last_price() -> None:
    assert messages(perp(size=D("0.001"), price=D("4000")), PERP) == [
        "The order value 4.00 USDT is below the minimum of 5 USDT."
    ]
    market = perp(order_type="market", price=None, size=D("0.001"))
    assert messages(market, PERP, last_price=D("4000")) == ["The order value 4.00 USDT is below the minimum of 5 USDT."]
    assert messages(market, PERP) == []  # value unknown without a last price: the exchange decides


def test_spot_market_buy_is_sized_in_quote() -> None:
    buy = spot(order_type="market", price=None, size=D("0.01"))
    assert messages(buy) == ["A spot market buy is sized in USDT: enter the amount of USDT to spend."]
    assert messages(replace(buy, size=D("100"), size_in_quote=True)) == []
    assert messages(replace(buy, size=D("100.1234567"), size_in_quote=True)) == [
        "The amount has more than 6 decimals for USDT."
    ]
    assert messages(replace(buy, size=D("0.5"), size_in_quote=True)) == [
        "The order value 0.50 USDT is below the minimum of 1 USDT."
    ]
    assert messages(spot(size_in_quote=True, size=D("100"))) == [
        "Only a spot market buy is sized in USDT; enter the size in BTC."
    ]
    assert messages(spot(order_type="market", side="sell", price=None)) == []


def test_post_only_needs_a_limit_order() -> None:
    ticket = spot(order_type="market", price=None, size=D("100"), size_in_quote=True, force="post_only")
    assert messages(ticket) == ["Post-only needs a limit order: a market order always takes liquidity."]


def test_unknown_choices_are_named() -> None:
    assert messages(spot(side="long")) == ["Unknown side 'long': choose buy or sell."]
    assert messages(spot(order_type="stop")) == ["Unknown order type 'stop': choose limit or market."]
    assert messages(spot(force="day")) == ["Unknown time in force 'day': choose GTC, post-only, IOC or FOK."]
    assert messages(perp(trade_side="flip"), PERP) == ["Unknown trade side 'flip': choose open or close."]
    assert messages(perp(margin_mode="cross"), PERP) == ["Unknown margin mode 'cross': choose crossed or isolated."]


def test_spot_rejects_futures_only_flags() -> None:
    assert messages(spot(reduce_only=True)) == ["Reduce-only is for futures: a spot order cannot reduce a position."]
    assert messages(spot(trade_side="open")) == ["Open/close is for futures in hedge mode, not for spot orders."]


def test_futures_shapes() -> None:
    assert messages(perp(size_in_quote=True, size=D("100")), PERP) == [
        "Futures orders are sized in BTC; enter the size in BTC."
    ]
    assert messages(perp(reduce_only=True, trade_side="close"), PERP) == [
        "Reduce-only is for one-way mode; in hedge mode use a close order instead."
    ]


def test_closing_orders_skip_minimums_so_dust_can_be_closed() -> None:
    dust = perp(size=D("0.001"), price=D("1000"), reduce_only=True)
    assert messages(dust, PERP) == []
    assert messages(replace(dust, reduce_only=False, trade_side="close"), PERP) == []
    assert messages(replace(dust, reduce_only=False), PERP) == [
        "The order value 1.00 USDT is below the minimum of 5 USDT."
    ]


def test_leverage_bounds() -> None:
    assert messages(perp(), PERP, leverage=0) == ["Leverage must be between 1x and 125x for BTCUSDT PERP."]
    assert messages(perp(), PERP, leverage=126) == ["Leverage must be between 1x and 125x for BTCUSDT PERP."]
    assert messages(perp(), PERP, leverage=125) == []  # the user's cap is core.risk's, not an exchange rule


def test_market_status() -> None:
    halted = replace(SPOT, tradable=False, status="halt")
    assert messages(spot(), halted) == ["BTCUSDT is not trading now (status: halt)."]


def test_no_user_limit_here() -> None:
    """A price far from the last one and a large order are the exchange's business only as far as its rules go."""
    assert messages(spot(price=D("650000.00")), last_price=D("65000")) == []
    assert messages(spot(size=D("100"))) == []


def test_spot_balance_checks_quote_for_buys_and_base_for_sells() -> None:
    assert messages(spot(size=D("0.02")), available=D("1000")) == [
        "Not enough USDT: the order needs 1,300.00 and 1,000.00 is available."
    ]
    assert messages(spot(side="sell", size=D("0.02")), available=D("0.01")) == [
        "Not enough BTC: the order sells 0.02 and 0.01 is available."
    ]


def test_futures_balance_checks_margin_at_the_leverage() -> None:
    ticket = perp(size=D("0.1"))  # 6,500.05 USDT
    assert messages(ticket, PERP, available=D("500"), leverage=10) == [
        "Not enough margin: the order needs about 650.01 USDT at 10x and 500.00 is available."
    ]
    assert messages(ticket, PERP, available=D("700"), leverage=10) == []
    assert messages(replace(ticket, reduce_only=True), PERP, available=D("0"), leverage=10) == []


def test_tp_sl_sides_follow_the_position_direction() -> None:
    assert messages(spot(tp=D("66000"), sl=D("64000"))) == []
    assert messages(spot(tp=D("64000"), sl=D("66000"))) == [
        "For a buy the take-profit must be above the order price 65000.",
        "For a buy the stop-loss must be below the order price 65000.",
    ]
    short = perp(side="sell", tp=D("66000"), sl=D("64000"))
    assert messages(short, PERP) == [
        "For a sell the take-profit must be below the order price 65000.5.",
        "For a sell the stop-loss must be above the order price 65000.5.",
    ]
    market = perp(order_type="market", price=None, tp=D("64000"))
    assert messages(market, PERP, last_price=D("65000")) == [
        "For a buy the take-profit must be above the last price 65000."
    ]
    assert messages(perp(tp=D("66000.2")), PERP) == [
        "The take-profit price must be a multiple of the tick size 0.5: use 66000 or 66000.5."
    ]
    assert messages(perp(sl=D("0")), PERP) == ["The stop-loss price must be greater than 0."]
    assert messages(perp(tp=D("66000"), reduce_only=True), PERP) == [
        "TP/SL attaches to an order that opens a position; this order closes one."
    ]


def test_several_issues_are_all_reported() -> None:
    ticket = spot(price=D("0"), size=D("0"), reduce_only=True)
    assert messages(ticket) == [
        "Enter a price greater than 0.",
        "Reduce-only is for futures: a spot order cannot reduce a position.",
        "Enter a size greater than 0.",
    ]


# --- rounding ------------------------------------------------------------------------------------------------------

def test_step_places() -> None:
    assert [step_places(D(s)) for s in ("0.01", "0.5", "1", "10", "0.00010")] == [2, 1, 0, 0, 4]


def test_rounding_to_tick_and_lot() -> None:
    assert round_to_tick(D("65000.26"), PERP) == D("65000.5")
    assert round_to_tick(D("65000.24"), PERP) == D("65000.0")
    assert round_to_tick(D("65000.26"), PERP, "down") == D("65000.0")
    assert round_to_tick(D("65000.01"), PERP, "up") == D("65000.5")
    assert str(round_to_tick(D("65000"), SPOT)) == "65000.00"
    assert round_to_lot(D("0.12349"), SPOT) == D("0.1234")
    assert round_to_lot(D("0.12341"), SPOT, "up") == D("0.1235")
    assert round_quote(D("100.1234567"), SPOT) == D("100.123456")
    with pytest.raises(ValueError, match="positive"):
        round_to_step(D(1), D(0))


@given(st.decimals(min_value=D("0.01"), max_value=D("1000000"), places=6),
       st.sampled_from([D("0.01"), D("0.5"), D("5"), D("0.0001")]))
def test_rounded_values_sit_on_the_grid_and_bracket_the_input(value: Decimal, step: Decimal) -> None:
    down, up = round_to_step(value, step, "down"), round_to_step(value, step, "up")
    assert down % step == 0
    assert up % step == 0
    assert down <= value <= up
    assert up - down <= step
    near = round_to_step(value, step)
    assert near in (down, up)
    assert abs(near - value) <= step / 2


# --- presets -------------------------------------------------------------------------------------------------------

def test_spot_presets() -> None:
    # buy: 50 % of 1,000 USDT at 65,000 → 0.0076 BTC (floored to the lot)
    assert preset_size(SPOT, D("1000"), 50, side="buy", price=D("65000"), in_quote=False) == D("0.0076")
    assert preset_size(SPOT, D("1000"), 25, side="buy", price=None, in_quote=True) == D("250")
    assert preset_size(SPOT, D("1000"), 25, side="buy", price=None, in_quote=False) is None
    # sell: 75 % of 0.12345 BTC → 0.0925 BTC
    assert preset_size(SPOT, D("0.12345"), 75, side="sell", price=None, in_quote=False) == D("0.0925")
    assert preset_size(SPOT, D("0.1"), 100, side="sell", price=D("65000"), in_quote=True) == D("6500")
    assert preset_size(SPOT, D("0"), 100, side="sell", price=None, in_quote=False) == D("0")


def test_futures_presets_use_leverage() -> None:
    # 100 % of 650 USDT at 10x = 6,500 USDT of buying power → 0.099 BTC at 65,000.5
    assert preset_size(PERP, D("650"), 100, side="buy", price=D("65000.5"), in_quote=False, leverage=10) == D("0.099")
    assert preset_size(PERP, D("650"), 100, side="sell", price=D("65000.5"), in_quote=False, leverage=10) == D("0.099")
    assert preset_size(PERP, D("650"), 10, side="buy", price=None, in_quote=False) is None


def test_a_preset_size_passes_validation() -> None:
    size = preset_size(SPOT, D("1000"), 100, side="buy", price=D("65000"), in_quote=False)
    assert size is not None
    assert validate_ticket(spot(size=size, price=D("65000")), SPOT, available=D("1000")) == []
