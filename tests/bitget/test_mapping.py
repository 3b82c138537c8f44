"""bitget.models.mapping: V2's spellings of the terminal's words, both ways, and what the parsers do with a word V2
does not have."""

from __future__ import annotations

import pytest

from terminal_app.bitget import errors
from terminal_app.bitget.models import mapping as w
from terminal_app.bitget.models.trade import fill_from, order_from
from terminal_app.core.enums import (
    ExchangeClose,
    Liquidity,
    MarginMode,
    OrderStatus,
    OrderType,
    PositionMode,
    Side,
    TimeInForce,
    TradeSide,
)
from terminal_app.core.instruments import Product


def test_every_domain_word_has_a_v2_spelling_that_reads_back() -> None:
    for product in Product:
        assert w.product_from_wire(w.wire_product(product)) is product
    for table_to, table_from in (
        (w.SIDE_TO_WIRE, w.SIDE_FROM_WIRE),
        (w.ORDER_TYPE_TO_WIRE, w.ORDER_TYPE_FROM_WIRE),
        (w.FORCE_TO_WIRE, w.FORCE_FROM_WIRE),
        (w.POSITION_SIDE_TO_WIRE, w.POSITION_SIDE_FROM_WIRE),
        (w.POSITION_MODE_TO_WIRE, w.POSITION_MODE_FROM_WIRE),
        (w.MARGIN_MODE_TO_WIRE, w.MARGIN_MODE_FROM_WIRE),
    ):
        enum = type(next(iter(table_to)))
        assert set(table_to) == set(enum)
        for value, wire in table_to.items():
            assert table_from[wire] is value
    assert {w.TRADE_SIDE_TO_WIRE[s] for s in TradeSide} == {"open", "close"}


@pytest.mark.parametrize(("wire", "domain"), [
    ("USDT-FUTURES", Product.USDT_FUTURES), ("coin-futures", Product.COIN_FUTURES), ("SPOT", Product.SPOT),
    ("SUSDT-FUTURES", Product.DEMO_USDT_FUTURES),
])
def test_product_types(wire: str, domain: Product) -> None:
    assert w.product_from_wire(wire) is domain


def test_v2_quirks_map_to_one_domain_word() -> None:
    assert w.POSITION_MODE_TO_WIRE[PositionMode.HEDGE] == "hedge_mode"
    assert w.POSITION_MODE_FROM_WIRE["one_way_mode"] is PositionMode.ONE_WAY
    assert w.MARGIN_MODE_FROM_WIRE["cross"] is MarginMode.CROSSED
    assert w.ORDER_STATUS_FROM_WIRE["canceled"] is OrderStatus.CANCELLED
    assert w.ORDER_STATUS_FROM_WIRE["new"] is OrderStatus.LIVE
    assert w.LIQUIDITY_FROM_WIRE["t"] is Liquidity.TAKER
    assert w.POSITION_SIDE_FROM_WIRE["net"] is None


@pytest.mark.parametrize(("wire", "domain"), [
    ("open", TradeSide.OPEN), ("close", TradeSide.CLOSE), ("open_long", TradeSide.OPEN),
    ("close_short", TradeSide.CLOSE), ("burst_close_long", TradeSide.CLOSE), ("reduce_close_short", TradeSide.CLOSE),
    ("buy_single", None), ("sell_single", None), ("", None), (None, None),
])
def test_trade_sides(wire: str | None, domain: TradeSide | None) -> None:
    assert w.trade_side_from_wire(wire) is domain


def _order(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {"symbol": "BTCUSDT", "orderId": "1", "clientOid": "c", "side": "Sell",
                               "orderType": "limit", "force": "post_only", "price": "65000", "size": "0.1",
                               "baseVolume": "0", "status": "canceled", "cTime": "1", "uTime": "2",
                               "posMode": "hedge_mode", "tradeSide": "close", "marginMode": "cross",
                               "posSide": "long"}
    return {**base, **changes}


def test_an_order_reads_into_domain_enums() -> None:
    o = order_from(_order(), Product.USDT_FUTURES)
    assert (o.side, o.order_type, o.force, o.status) == (Side.SELL, OrderType.LIMIT, TimeInForce.POST_ONLY,
                                                        OrderStatus.CANCELLED)
    assert (o.pos_mode, o.trade_side, o.margin_mode) == (PositionMode.HEDGE, TradeSide.CLOSE, MarginMode.CROSSED)
    assert o.side is Side.SELL  # the enum itself, not a string that happens to compare equal


@pytest.mark.parametrize(("field", "value"), [("side", "hold"), ("status", "frozen"), ("orderType", "stop"),
                                              ("posMode", "both_ways")])
def test_a_word_v2_does_not_have_is_a_protocol_error(field: str, value: str) -> None:
    with pytest.raises(errors.ProtocolError, match=field):
        order_from(_order(**{field: value}), Product.USDT_FUTURES)


def test_a_fill_reads_into_domain_enums() -> None:
    f = fill_from({"tradeId": "t", "orderId": "1", "symbol": "BTCUSDT", "side": "buy", "price": "1", "baseVolume": "2",
                   "quoteVolume": "2", "tradeScope": "maker", "tradeSide": "burst_close_long", "cTime": "5",
                   "orderType": "market", "posMode": "one_way_mode"}, Product.USDT_FUTURES)
    assert (f.side, f.scope, f.trade_side, f.order_type, f.pos_mode) == (
        Side.BUY, Liquidity.MAKER, TradeSide.CLOSE, OrderType.MARKET, PositionMode.ONE_WAY)


@pytest.mark.parametrize(("word", "closed_by"), [
    ("burst_close_long", ExchangeClose.LIQUIDATION), ("burst_sell_single", ExchangeClose.LIQUIDATION),
    ("delivery_close_short", ExchangeClose.DELIVERY), ("delivery_sell_single", ExchangeClose.DELIVERY),
    ("dte_sys_adl_close_long", ExchangeClose.ADL), ("dte_sys_adl_buy_in_single_side_mode", ExchangeClose.ADL),
    ("close", None), ("sell_single", None), ("reduce_close_long", None), ("", None), (None, None),
])
def test_exchange_close_from_wire(word: str | None, closed_by: ExchangeClose | None) -> None:
    assert w.exchange_close_from_wire(word) is closed_by
