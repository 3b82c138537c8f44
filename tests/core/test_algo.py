"""core.algo: direction of triggers, trailing stops from the best price, validation of algo intents."""

from __future__ import annotations

from decimal import Decimal

import pytest

from terminal_app.core.algo import (
    AlgoIntent,
    AlgoKind,
    AlgoStatus,
    TrailState,
    TriggerSource,
    fires_upward,
    trigger_fires,
    validate_algo,
)
from terminal_app.core.enums import Side, TradeSide
from terminal_app.core.instruments import MarketInfo, Product, SymbolRef

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


def stop(side: Side, trigger: str, size: str | None = "0.01", **kw: object) -> AlgoIntent:
    return AlgoIntent(PERP.ref, kw.pop("kind", AlgoKind.STOP), side, D(trigger),  # type: ignore[arg-type]
                      None if size is None else D(size), **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(("kind", "side", "up"), [
    (AlgoKind.STOP, Side.BUY, True), (AlgoKind.STOP, Side.SELL, False),
    (AlgoKind.TAKE_PROFIT, Side.SELL, True), (AlgoKind.STOP_LOSS, Side.SELL, False),   # a long's TP / SL
    (AlgoKind.POSITION_TP, Side.BUY, False), (AlgoKind.POSITION_SL, Side.BUY, True),   # a short's TP / SL
])
def test_direction(kind: AlgoKind, side: Side, up: bool) -> None:
    assert fires_upward(kind, side) is up


def test_hedge_close_long_stop_sells_below() -> None:
    assert fires_upward(AlgoKind.STOP, Side.BUY, TradeSide.CLOSE) is False
    assert fires_upward(AlgoKind.STOP, Side.SELL, TradeSide.CLOSE) is True
    [issue] = validate_algo(stop(Side.BUY, "65000", trade_side=TradeSide.CLOSE), PERP, D("64000"))
    assert "A sell stop must trigger below" in issue.message


def test_trigger_fires_at_the_exact_crossing() -> None:
    assert not trigger_fires(D("100"), True, D("99.99"))
    assert trigger_fires(D("100"), True, D("100"))
    assert trigger_fires(D("100"), False, D("100"))
    assert not trigger_fires(D("100"), False, D("100.01"))


def test_sell_trail_follows_the_high_and_fires_on_the_callback() -> None:
    trail = TrailState(Side.SELL, activation=D("100"), upward=True, ratio=D("1"))
    assert not trail.update(D("99"))            # not active yet
    assert trail.best is None
    assert not trail.update(D("100"))           # activated at the activation price
    assert not trail.update(D("110"))
    assert trail.stop_price() == D("108.9")
    assert not trail.update(D("108.91"))
    assert trail.update(D("108.9"))             # exactly 1 % below the best


def test_buy_trail_follows_the_low() -> None:
    trail = TrailState(Side.BUY, activation=D("100"), upward=False, ratio=D("2"))
    assert not trail.update(D("100"))
    assert not trail.update(D("90"))
    assert not trail.update(D("91.79"))
    assert trail.update(D("91.8"))


def test_valid_stop_has_no_issue() -> None:
    assert validate_algo(stop(Side.BUY, "65000", execute_price=D("65010")), PERP, D("64000")) == []
    assert validate_algo(stop(Side.SELL, "63000"), PERP, D("64000")) == []


def test_stop_on_the_wrong_side_is_refused() -> None:
    [issue] = validate_algo(stop(Side.BUY, "63000"), PERP, D("64000"))
    assert issue.field == "trigger"
    assert "above the last price 64000" in issue.message
    [issue] = validate_algo(stop(Side.SELL, "65000", trigger_source=TriggerSource.MARK), PERP, D("64000"))
    assert "below the mark price" in issue.message


def test_tick_and_lot_rounding_are_suggested() -> None:
    issues = validate_algo(stop(Side.BUY, "65000.3", "0.0105", execute_price=D("65000.7")), PERP, None)
    text = " ".join(i.message for i in issues)
    assert text.count("try 65000.5") == 2
    assert "try 0.01." in text
    assert {i.field for i in issues} == {"trigger", "price", "size"}


def test_callback_ratio_range() -> None:
    def trail(ratio: str | None) -> list[str]:
        intent = stop(Side.SELL, "65000", kind=AlgoKind.TRAILING, callback_ratio=None if ratio is None else D(ratio))
        return [i.field for i in validate_algo(intent, PERP, D("64000"))]
    assert trail("1") == []                     # a trailing stop's activation may sit on either side
    assert trail("0.05") == ["callback"]
    assert trail("10.5") == ["callback"]
    assert trail("1.234") == ["callback"]
    assert trail(None) == ["callback"]
    assert "callback" in [i.field for i in validate_algo(stop(Side.SELL, "63000", callback_ratio=D("1")), PERP,
                                                          None)]


def test_tpsl_rules() -> None:
    whole = stop(Side.SELL, "70000", None, kind=AlgoKind.POSITION_TP)
    assert validate_algo(whole, PERP, D("64000")) == []
    assert [i.field for i in validate_algo(stop(Side.SELL, "70000", "0.01", kind=AlgoKind.POSITION_TP), PERP,
                                           None)] == ["size"]
    partial = stop(Side.SELL, "60000", "0.5", kind=AlgoKind.STOP_LOSS)
    assert "only 0.2" in validate_algo(partial, PERP, D("64000"), position_size=D("0.2"))[0].message
    spot_tp = AlgoIntent(SPOT.ref, AlgoKind.TAKE_PROFIT, Side.SELL, D("70000"), D("0.01"))
    assert "futures" in validate_algo(spot_tp, SPOT, D("64000"))[0].message


def test_spot_has_no_mark_trigger() -> None:
    intent = AlgoIntent(SPOT.ref, AlgoKind.STOP, Side.BUY, D("65000"), D("0.01"), trigger_source=TriggerSource.MARK)
    assert [i.field for i in validate_algo(intent, SPOT, None)] == ["trigger"]


def test_status_open() -> None:
    assert [s for s in AlgoStatus if s.is_open] == [AlgoStatus.PENDING, AlgoStatus.LIVE]
