"""core.enums and the closing rule: hedge-mode orders name their position; the trade itself goes the other way on a
close."""

from __future__ import annotations

from decimal import Decimal

from terminal_app.core.accounts import Position
from terminal_app.core.enums import (
    MarginMode,
    OrderStatus,
    OrderType,
    PositionMode,
    PositionSide,
    Side,
    TimeInForce,
    TradeSide,
    position_side,
    trade_direction,
)
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.core.orders import closing_ticket

D = Decimal
PERP = SymbolRef("BTCUSDT", Product.USDT_FUTURES)


def test_values_are_the_terminals_words() -> None:
    assert Side.BUY == "buy"
    assert f"{OrderType.LIMIT} {TimeInForce.POST_ONLY} {MarginMode.CROSSED}" == "limit post_only crossed"
    assert {s.value for s in OrderStatus} == {"pending", "live", "partially_filled", "filled", "cancelled",
                                               "rejected"}
    assert [s for s in OrderStatus if s.is_open] == [OrderStatus.PENDING, OrderStatus.LIVE,
                                                    OrderStatus.PARTIALLY_FILLED]


def test_hedge_orders_name_their_position() -> None:
    assert (trade_direction(Side.BUY, TradeSide.CLOSE), position_side(Side.BUY, TradeSide.CLOSE)) == (
        Side.SELL, PositionSide.LONG)  # close long sells
    assert (trade_direction(Side.SELL, TradeSide.OPEN), position_side(Side.SELL, TradeSide.OPEN)) == (
        Side.SELL, PositionSide.SHORT)
    assert (trade_direction(Side.SELL, None), position_side(Side.SELL, None)) == (Side.SELL, None)  # one-way
    assert PositionSide.SHORT.closing_side is Side.BUY


def _position(side: PositionSide, mode: PositionMode, available: str = "0.2") -> Position:
    return Position(product=PERP.product, symbol=PERP.symbol, margin_coin="USDT", hold_side=side, pos_mode=mode,
                    margin_mode=MarginMode.ISOLATED, total=D("0.3"), available=D(available), locked=D(0),
                    leverage=D(10), open_price_avg=D(60000), mark_price=None, liquidation_price=None,
                    unrealized_pl=D(0), achieved_profits=D(0), margin_size=D(0), margin_ratio=None,
                    break_even_price=None, fees=D(0), c_time=1, u_time=1)


def test_the_closing_rule() -> None:
    hedge = closing_ticket(_position(PositionSide.LONG, PositionMode.HEDGE))
    assert (hedge.side, hedge.trade_side, hedge.reduce_only, hedge.order_type) == (
        Side.BUY, TradeSide.CLOSE, False, OrderType.MARKET)
    one_way = closing_ticket(_position(PositionSide.LONG, PositionMode.ONE_WAY), D(61000))
    assert (one_way.side, one_way.trade_side, one_way.reduce_only, one_way.order_type, one_way.price) == (
        Side.SELL, None, True, OrderType.LIMIT, D(61000))
    assert (one_way.size, one_way.margin_mode) == (D("0.2"), MarginMode.ISOLATED)
    assert closing_ticket(_position(PositionSide.SHORT, PositionMode.ONE_WAY, available="0")).size == D("0.3")
