"""core.palette: the scaled-order grammar ("b 1 scale 63000 64000 x5")."""

from __future__ import annotations

from decimal import Decimal

import pytest

from terminal_app.core.enums import Side, TimeInForce
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.core.palette import OrderCommand, PaletteError, parse
from terminal_app.core.scale import Weighting

D = Decimal


def test_scale_parses_with_count_and_weighting() -> None:
    cmd = parse("b 1 scale 63000 64000 x5")
    assert isinstance(cmd, OrderCommand)
    assert (cmd.side, cmd.size, cmd.scale, cmd.count, cmd.weighting) == (
        Side.BUY, D("1"), (D("63000"), D("64000")), 5, Weighting.EVEN)
    assert cmd.kind_text == "Scaled"
    assert cmd.preview == "buy 1 scale 63000 64000 x5"
    other = parse("sell 0.3 BTCUSDT.P scale 65k 66k x12 dec post")
    assert isinstance(other, OrderCommand)
    assert (other.ref, other.scale, other.count, other.weighting, other.force) == (
        SymbolRef("BTCUSDT", Product.USDT_FUTURES), (D("65000"), D("66000")), 12, Weighting.DECREASING,
        TimeInForce.POST_ONLY)
    assert parse(other.preview) == other
    assert parse("b 1 scale 1 2").count == 5  # type: ignore[union-attr]
    assert "in 5 limit orders from 1 to 2 (even sizes)" in parse("b 1 scale 1 2").describe("BTC")  # type: ignore[union-attr]


@pytest.mark.parametrize(("text", "message"), [
    ("b 1 scale 63000 64000 @ 63000", "drop '@'"),
    ("b 1 scale 63000 64000 tp 70000", "drop 'tp'"),
    ("b 1 scale 63000 64000 stop 60000", "drop 'stop'"),
    ("b 100u scale 63000 64000", "total is in the base coin"),
    ("b 1 @ 63000 x5", "goes with a scaled order"),
    ("b 1 scale 63000 64000 x1", "2 to 100 orders"),
    ("b 1 scale 63000", "last price of the scale"),
    ("b 1 scale 63000 64000 x3 x4", "given twice"),
])
def test_scale_refusals(text: str, message: str) -> None:
    with pytest.raises(PaletteError) as error:
        parse(text)
    assert message in error.value.message
