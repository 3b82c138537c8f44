"""Closed positions and the open-count estimate in the simulator: a position side that reaches zero leaves one row
of its whole life (partial closes add up, liquidations too, coin-M and USDC-M lines included), kept across a
restart; funding and liquidations leave their account bill rows."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest

from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.sim.engine.exchange import Exchange

from .conftest import Clock

USDT = Product.USDT_FUTURES
BTC = SymbolRef("BTCUSDT", USDT)


def _cross(ex: Exchange, uid: str, symbol: str, side: str, size: str, **kw: object) -> None:
    """``uid`` trades ``size`` against a resting order of the market maker ``mm`` at the mark."""
    ref = ex.market(SymbolRef(symbol, find_product(symbol))).ref
    price = ex.mark_price(ref)
    ex.place_futures_order("mm", symbol, "sell" if side == "buy" else "buy", "limit", size, price)
    ex.place_futures_order(uid, symbol, side, "market", size, **kw)  # type: ignore[arg-type]


def find_product(symbol: str) -> Product:
    from terminal_app.sim.market.markets import find_futures
    return find_futures(symbol).ref.product


def test_partial_closes_add_up_into_one_row(ex: Exchange) -> None:
    _cross(ex, "u", "BTCUSDT", "buy", "0.03")
    p1 = ex.mark_price(BTC)
    _cross(ex, "u", "BTCUSDT", "sell", "0.01")
    assert ex.position_desk.closed_positions("u", USDT) == []          # still open: no row yet
    _cross(ex, "u", "BTCUSDT", "sell", "0.02")
    (row,) = ex.position_desk.closed_positions("u", USDT)
    assert (row.symbol, row.hold_side, row.margin_coin) == ("BTCUSDT", "long", "USDT")
    assert row.open_total == row.close_total == D("0.03")
    assert row.open_avg == p1
    fills = [f for f in ex.fills("u", USDT, "BTCUSDT", limit=10)]
    assert row.pnl == sum((f.profit for f in fills), D(0))
    assert row.open_fee + row.close_fee == -sum((f.fee for f in fills), D(0))
    assert row.open_fee < 0
    assert row.close_fee < 0
    assert row.net == row.pnl + row.open_fee + row.close_fee + row.funding


def test_liquidation_closes_the_row_and_bills_it(ex: Exchange, clock: Clock) -> None:
    ex.set_margin_mode("u", "BTCUSDT", "isolated")
    ex.set_leverage("u", "BTCUSDT", 50)
    _cross(ex, "u", "BTCUSDT", "buy", "0.05")
    (pos,) = ex.positions("u", "BTCUSDT")
    state = ex._engine.state                                            # white box: drive the mark to liquidation
    ms = state.futures_market("BTCUSDT")
    ms.mark = pos.liquidation_price - 100
    ex._engine.liquidator.check_all()
    assert ex.positions("u", "BTCUSDT") == []
    (row,) = ex.position_desk.closed_positions("u", USDT)
    assert row.close_total == D("0.05")
    assert row.pnl < 0
    bills = ex.account_bills("u", business_type="burst_sell")
    assert len(bills) == 1
    assert bills[0].amount == row.pnl


@pytest.mark.parametrize("symbol", ["BTCUSD", "ETHPERP"])
def test_coin_m_and_usdc_m_lines_record_their_own_rows(ex: Exchange, symbol: str) -> None:
    product = find_product(symbol)
    _cross(ex, "u", symbol, "sell", "1" if symbol == "ETHPERP" else "0.1")
    _cross(ex, "u", symbol, "buy", "1" if symbol == "ETHPERP" else "0.1")
    (row,) = ex.position_desk.closed_positions("u", product)
    assert row.hold_side == "short"
    assert row.symbol == symbol
    assert ex.position_desk.closed_positions("u", USDT) == []
    coin = ex.market(SymbolRef(symbol, product)).margin_coin
    assert row.margin_coin == coin
    assert ex.account_bills("u", product=product)
    assert not ex.account_bills("u", product=USDT)


def test_rows_survive_a_restart(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "state.sqlite"
    ex = Exchange(seed=5, clock=clock, quiet=True, state_path=path)
    _cross(ex, "u", "BTCUSDT", "buy", "0.01")
    _cross(ex, "u", "BTCUSDT", "sell", "0.01")
    before = ex.position_desk.closed_positions("u", USDT)
    ex.close()
    again = Exchange(seed=5, clock=clock, quiet=True, state_path=path)
    try:
        assert again.position_desk.closed_positions("u", USDT) == before
        assert len(before) == 1
    finally:
        again.close()


def test_open_count_is_margin_times_leverage_after_the_fee(ex: Exchange) -> None:
    info = ex.market(BTC).info
    size = ex.position_desk.open_count("u", "BTCUSDT", D("1000"), D("50000"), 10)
    expected = D("1000") / (D("50000") * (D(1) / 10 + info.taker_fee))
    assert size <= expected < size + info.lot_size
    with pytest.raises(Exception) as err:
        ex.position_desk.open_count("u", "BTCUSDT", D("1000"), D("50000"), info.max_leverage + 1)
    assert getattr(err.value, "code", "") == "40017"
