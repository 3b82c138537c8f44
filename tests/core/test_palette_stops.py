"""The palette's stop grammar: stop-market, stop-limit, mark triggers and trailing stops, round trips and errors."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from terminal_app.core.enums import OrderType, PositionSide, Side, TradeSide
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.core.palette import OrderCommand, PaletteError, parse
from terminal_app.core.palette_protect import ProtectCommand


def order(text: str) -> OrderCommand:
    cmd = parse(text)
    assert isinstance(cmd, OrderCommand)
    assert parse(cmd.preview) == cmd  # every preview parses back to the same command
    return cmd


def test_stop_market_and_stop_limit() -> None:
    cmd = order("b 0.1 stop 64000")
    assert (cmd.side, cmd.size, cmd.stop, cmd.price, cmd.order_type) == (Side.BUY, D("0.1"), D(64000), None,
                                                                        OrderType.MARKET)
    assert cmd.kind_text == "Stop-market"
    assert cmd.describe("BTC") == ("Stop-market buy 0.1 BTC of the active symbol, triggered when the last price "
                                   "reaches 64000.")
    cmd = order("s 0.1 stop 64000 @ 63900")
    assert (cmd.stop, cmd.price, cmd.order_type, cmd.kind_text) == (D(64000), D(63900), OrderType.LIMIT,
                                                                    "Stop-limit")
    assert cmd.preview == "sell 0.1 stop 64000 @ 63900"
    assert order("s 0.1 @ 63900 stop 64000") == cmd  # any order of the parts
    assert order("b 0.1 stop 64k m").stop == D(64000)  # 'm' says market: the same stop-market


def test_mark_trailing_and_symbol() -> None:
    cmd = order("s 0.2 BTCUSDT.P stop 70000 trail 1.5 mark ro")
    assert cmd.ref == SymbolRef("BTCUSDT", Product.USDT_FUTURES)
    assert (cmd.stop, cmd.trail, cmd.mark, cmd.reduce_only, cmd.kind_text) == (D(70000), D("1.5"), True, True,
                                                                               "Trailing stop")
    assert "activated when the mark price reaches 70000, 1.5 % callback" in cmd.describe()
    assert order("b 0.1 stop 64000 close").trade_side == TradeSide.CLOSE


@pytest.mark.parametrize(("text", "fragment"), [
    ("b 0.1 mark", "goes with a stop"),
    ("b 0.1 @ 100 trail 1", "goes with a stop"),
    ("b 0.1 stop 64000 tp 70000", "takes no tp/sl"),
    ("s 0.1 stop 70000 trail 1 @ 69000", "executes at market"),
    ("b 0.1 stop 1 stop 2", "given twice"),
    ("b 0.1", "'stop N' for a stop"),
])
def test_errors(text: str, fragment: str) -> None:
    with pytest.raises(PaletteError) as err:
        parse(text)
    assert fragment in err.value.message


def test_position_take_profit_and_stop_loss() -> None:
    cmd = parse("tp 70000")
    assert isinstance(cmd, ProtectCommand)
    assert (cmd.profit, cmd.trigger, cmd.size, cmd.ref, cmd.side, cmd.mark) == (True, D(70000), None, None, None,
                                                                              False)
    assert cmd.describe() == ("Take profit of the whole position on the active symbol when the last price reaches "
                              "70000.")
    partial = parse("sl 60k 0.01 BTCUSDT.P short mark")
    assert isinstance(partial, ProtectCommand)
    assert (partial.profit, partial.trigger, partial.size, partial.side, partial.mark) == (
        False, D(60000), D("0.01"), PositionSide.SHORT, True)
    assert partial.ref == SymbolRef("BTCUSDT", Product.USDT_FUTURES)
    assert parse(partial.preview) == partial
    assert "Stop loss of 0.01 of the short position on BTCUSDT PERP" in partial.describe()
    with pytest.raises(PaletteError):
        parse("sl 60000 long short")
    with pytest.raises(PaletteError):
        parse("tp")
