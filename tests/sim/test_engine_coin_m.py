"""Coin-M (inverse, margined in the base coin) and USDC-M futures on a quiet exchange, every figure recomputed here
from the fill prices with Bitget's inverse formulas (bitget-futures-products.md §2.4):
uPnL_coin = dir · q · (X − E) / X, fee = notional · rate / price, margin = q / leverage, maintenance = q · kmr.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from terminal_app.bitget.errors import ExchangeError, InsufficientBalance
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.sim.engine.exchange import Exchange
from terminal_app.sim.engine.futures import MONEY_STEP, Position
from terminal_app.sim.engine.orders import OrderStatus

from .conftest import Clock

COIN = Product.COIN_FUTURES
USDC = Product.USDC_FUTURES
BTCUSD = SymbolRef("BTCUSD", COIN)
TAKER = D("0.0006")
MAKER = D("0.0002")


def m(value: D) -> D:
    return value.quantize(MONEY_STEP)


def step(ex: Exchange, clock: Clock, ms: int = 100) -> None:
    clock.t += ms
    ex.advance()


def only(ex: Exchange, uid: str, product: Product) -> Position:
    positions = ex.positions(uid, product=product)
    assert len(positions) == 1, positions
    return positions[0]


def test_demo_user_has_an_account_per_margin_coin(ex: Exchange) -> None:
    coins = {a.margin_coin: a.equity for a in ex.futures_accounts("u", COIN)}
    assert coins == {"BTC": D("0.2"), "ETH": D("3")}
    assert [a.margin_coin for a in ex.futures_accounts("u", USDC)] == ["USDC"]
    assert ex.futures_account("u", "USDT").equity == D("10000")
    assert all(v == 0 for v in ex.audit().values())


def test_inverse_long_pnl_fees_margin_and_liquidation_in_coin(ex: Exchange, clock: Clock) -> None:
    p1 = ex.mark_price(BTCUSD)
    ex.place_futures_order("mm", "BTCUSD", "sell", "limit", "0.1", p1)
    order = ex.place_futures_order("u", "BTCUSD", "buy", "market", "0.1")
    assert order.status is OrderStatus.FILLED
    assert order.fee_coin == "BTC"
    fee1 = m(p1 * D("0.1") * TAKER / p1)
    assert order.fee == fee1 == D("0.00006")
    pos = only(ex, "u", COIN)
    assert (pos.total, pos.open_price_avg, pos.leverage) == (D("0.1"), p1, 20)
    assert pos.margin == m(D("0.1") / 20)                      # q / leverage, in BTC
    acct = ex.futures_account("u", "BTC")
    assert acct.equity == D("0.2") - fee1
    # the crossed liquidation price with this account's BTC behind it: cost / (E + q·(1 − kmr))
    kmr = pos.keep_margin_rate
    backing = acct.available + acct.crossed_margin
    assert pos.liquidation_price == p1 * D("0.1") / (backing + D("0.1") * (1 - kmr))
    liq_before = pos.liquidation_price
    assert 0 < liq_before < p1

    ex.shock("BTC", "1.03")
    step(ex, clock)
    mark = ex.mark_price(BTCUSD)
    pos = only(ex, "u", COIN)
    assert pos.unrealized_pl == m((mark * D("0.1") - p1 * D("0.1")) / mark)    # q·(X − E)/X
    assert pos.unrealized_pl > 0

    # partial close at a price above the entry: realised PnL in BTC, the rest stays open
    p2 = mark
    ex.place_futures_order("mm", "BTCUSD", "buy", "limit", "0.04", p2)
    close = ex.place_futures_order("u", "BTCUSD", "sell", "market", "0.04", reduce_only=True)
    cost_part = m(p1 * D("0.1") * 4 / 10)
    assert close.profit == m((p2 * D("0.04") - cost_part) / p2)
    assert close.fee == m(p2 * D("0.04") * TAKER / p2)
    pos = only(ex, "u", COIN)
    assert pos.total == D("0.06")
    assert pos.liquidation_price != liq_before                  # less size, more cash: further away
    assert pos.liquidation_price < liq_before
    # USDT-M and the other coin are untouched
    assert ex.futures_account("u", "USDT").equity == D("10000")
    assert ex.futures_account("u", "ETH").equity == D("3")
    assert all(v == 0 for v in ex.audit().values())


def test_isolated_inverse_short_is_liquidated_in_coin(ex: Exchange, clock: Clock) -> None:
    ex.set_margin_mode("u", "BTCUSD", "isolated")
    ex.set_leverage("u", "BTCUSD", 50)
    p = ex.mark_price(BTCUSD)
    ex.place_futures_order("mm", "BTCUSD", "buy", "limit", "0.5", p)
    ex.place_futures_order("u", "BTCUSD", "sell", "market", "0.5")
    pos = only(ex, "u", COIN)
    assert pos.margin == m(D("0.5") / 50)
    kmr = pos.keep_margin_rate
    assert pos.liquidation_price == p * D("0.5") / (D("0.5") * (1 + kmr) - pos.margin)
    ex.shock("BTC", "1.05")
    step(ex, clock)
    assert ex.positions("u", product=COIN) == []
    assert ex.fills("u", COIN)[0].trade_side == "burst_close_short"
    assert ex.futures_account("u", "BTC").equity == D("0.2") - m(p * D("0.5") * TAKER / p) - m(D("0.5") / 50)
    assert all(v == 0 for v in ex.audit().values())


def test_usdc_m_is_linear_in_usdc(ex: Exchange) -> None:
    ref = SymbolRef("ETHPERP", USDC)
    p = ex.mark_price(ref)
    ex.place_futures_order("mm", "ETHPERP", "sell", "limit", "1", p)
    order = ex.place_futures_order("u", "ETHPERP", "buy", "market", "1")
    assert order.fee == p * TAKER
    assert order.fee_coin == "USDC"
    pos = only(ex, "u", USDC)
    assert pos.margin == m(p / 20)
    assert ex.futures_account("u", "USDC").equity == D("10000") - p * TAKER
    assert ex.futures_account("u", "USDT").equity == D("10000")


def test_close_positions_per_line_and_the_whole_line(ex: Exchange) -> None:
    for symbol, size in (("BTCUSDT", "0.01"), ("BTCUSD", "0.01"), ("ETHUSD", "0.1"), ("BTCPERP", "0.01")):
        ref = ex.market(SymbolRef(symbol, Product.USDT_FUTURES if symbol.endswith("USDT") else
                                  COIN if symbol.endswith("USD") else USDC)).ref
        p = ex.mark_price(ref)
        ex.place_futures_order("mm", symbol, "sell", "limit", size, p)
        ex.place_futures_order("u", symbol, "buy", "market", size)
    assert len(ex.positions("u", product=None)) == 4
    for symbol, size in (("BTCUSD", "0.01"), ("ETHUSD", "0.1")):   # the quiet book needs bids to close into
        mark = ex.mark_price(SymbolRef(symbol, COIN))
        ex.place_futures_order("mm", symbol, "buy", "limit", size, mark)
    closed = ex.close_positions("u", product=COIN)
    assert {o.ref.symbol for o in closed} == {"BTCUSD", "ETHUSD"}
    assert ex.positions("u", product=COIN) == []
    assert {p.ref.symbol for p in ex.positions("u", product=None)} == {"BTCUSDT", "BTCPERP"}
    with pytest.raises(ExchangeError) as none:
        ex.close_positions("u", product=COIN)
    assert none.value.code == "22002"


def test_position_mode_is_per_line(ex: Exchange) -> None:
    assert ex.set_position_mode("u", "hedge_mode", COIN) == "hedge_mode"
    assert ex.futures_account("u", "BTC").pos_mode == "hedge_mode"
    assert ex.futures_account("u", "ETH").pos_mode == "hedge_mode"
    assert ex.futures_account("u", "USDT").pos_mode == "one_way_mode"


def test_transfers_between_spot_and_each_futures_account(ex: Exchange) -> None:
    spot_btc = {b.coin: b.available for b in ex.spot_balances("u")}["BTC"]
    ex.transfer("u", "spot", "coin_futures", "BTC", "0.05")
    assert ex.futures_account("u", "BTC").available == D("0.25")
    assert {b.coin: b.available for b in ex.spot_balances("u")}["BTC"] == spot_btc - D("0.05")
    ex.transfer("u", "usdt_futures", "spot", "USDT", "100")
    assert ex.futures_account("u", "USDT").available == D("9900")
    for bad in (("spot", "coin_futures", "USDT", "1"), ("spot", "usdt_futures", "BTC", "1"),
                ("spot", "spot", "BTC", "1"), ("spot", "coin_futures", "BTC", "-1")):
        with pytest.raises(ExchangeError) as refused:
            ex.transfer("u", *bad)
        assert refused.value.code == "40017"
    with pytest.raises(ExchangeError) as poor:
        ex.transfer("u", "spot", "coin_futures", "BTC", "100")
    assert poor.value.code == "43117"          # Bitget's transfer answer (tiagosiebler/bitget-api's live test)
    assert isinstance(poor.value, InsufficientBalance)
    with pytest.raises(ExchangeError) as poor:
        ex.transfer("u", "coin_futures", "spot", "BTC", "100")
    assert poor.value.code == "43117"
    assert all(v == 0 for v in ex.audit().values())


def test_coin_m_accounts_and_positions_survive_a_restart(tmp_path: object, clock: Clock) -> None:
    path = f"{tmp_path}/sim.sqlite"
    first = Exchange(seed=5, clock=clock, quiet=True, state_path=path)
    p = first.mark_price(BTCUSD)
    first.place_futures_order("mm", "BTCUSD", "sell", "limit", "0.1", p)
    first.place_futures_order("u", "BTCUSD", "buy", "market", "0.1")
    first.set_position_mode("u", "hedge_mode", USDC)
    first.transfer("u", "spot", "coin_futures", "ETH", "0.5")
    before = (first.futures_account("u", "BTC"), first.positions("u", product=COIN))
    first.close()
    again = Exchange(seed=5, clock=clock, quiet=True, state_path=path)
    try:
        assert again.futures_account("u", "BTC").available == before[0].available
        assert again.futures_account("u", "ETH").available == D("3.5")
        assert [(x.ref, x.total, x.open_price_avg) for x in again.positions("u", product=COIN)] == [
            (x.ref, x.total, x.open_price_avg) for x in before[1]]
        assert again.futures_account("u", "USDC").pos_mode == "hedge_mode"
        assert all(v == 0 for v in again.audit().values())
    finally:
        again.close()


def test_a_store_from_before_coin_m_gets_the_demo_funding_of_the_new_accounts(tmp_path: object, clock: Clock) -> None:
    import sqlite3

    path = f"{tmp_path}/old.sqlite"
    first = Exchange(seed=5, clock=clock, quiet=True, state_path=path)
    first.ensure_user("u")
    first.close()
    with sqlite3.connect(path) as db:          # what a schema-1 store holds: no coin-M or USDC-M accounts
        db.execute("DELETE FROM futures_coin_accounts")
        db.execute("DELETE FROM kv WHERE key LIKE 'futures.%.%'")
    again = Exchange(seed=5, clock=clock, quiet=True, state_path=path)
    try:
        assert again.futures_account("u", "BTC").equity == D("0.2")
        assert again.futures_account("u", "USDC").equity == D("10000")
        assert all(v == 0 for v in again.audit().values())
    finally:
        again.close()
    third = Exchange(seed=5, clock=clock, quiet=True, state_path=path)   # saved with it: not funded twice
    try:
        assert third.futures_account("u", "ETH").equity == D("3")
        assert all(v == 0 for v in third.audit().values())
    finally:
        third.close()
