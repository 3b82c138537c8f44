"""USDT-M futures on a quiet exchange: a counterparty user ("mm") provides exact prices, shock() moves the mark.

Every money figure is recomputed here from the fill prices and Bitget's fee rates (maker 0.02 %, taker 0.06 %).
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from terminal_app.bitget.errors import ExchangeError, InsufficientBalance, InvalidOrder, PositionModeMismatch
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.sim.engine.exchange import Exchange
from terminal_app.sim.engine.futures import Position
from terminal_app.sim.engine.orders import OrderStatus

from .conftest import Clock

FUT = Product.USDT_FUTURES
BTC = SymbolRef("BTCUSDT", FUT)
MAKER = D("0.0002")
TAKER = D("0.0006")
TICK = D("0.1")


def step(ex: Exchange, clock: Clock, ms: int = 100) -> None:
    clock.t += ms
    ex.advance()


def cash(ex: Exchange, uid: str) -> D:
    acct = ex.futures_account(uid)
    return acct.available + acct.crossed_margin


def only_position(ex: Exchange, uid: str) -> Position:
    positions = ex.positions(uid)
    assert len(positions) == 1, positions
    return positions[0]


def open_long(ex: Exchange, size: str, price: D, uid: str = "u", **kw: object) -> None:
    """The counterparty rests an ask at ``price``; ``uid`` buys it at market (taker)."""
    ex.place_futures_order("mm", "BTCUSDT", "sell", "limit", size, price)
    order = ex.place_futures_order(uid, "BTCUSDT", "buy", "market", size, **kw)  # type: ignore[arg-type]
    assert order.status is OrderStatus.FILLED
    assert order.avg_price == price


def test_open_long_mark_moves_close_with_exact_pnl_and_fees(ex: Exchange, clock: Clock) -> None:
    p1 = ex.mark_price(BTC)
    open_long(ex, "0.01", p1)
    fee1 = p1 * D("0.01") * TAKER
    pos = only_position(ex, "u")
    assert (pos.hold_side, pos.total, pos.open_price_avg, pos.leverage) == ("long", D("0.01"), p1, 20)
    assert pos.margin == p1 * D("0.01") / 20
    assert cash(ex, "u") == D("10000") - fee1
    # the counterparty earned the maker rate
    assert cash(ex, "mm") == D("10000") - p1 * D("0.01") * MAKER

    ex.shock("BTC", "1.02")
    step(ex, clock)
    mark = ex.mark_price(BTC)
    assert mark > p1 * D("1.01")
    pos = only_position(ex, "u")
    assert pos.mark_price == mark
    assert pos.unrealized_pl == (mark - p1) * D("0.01")
    acct = ex.futures_account("u")
    assert acct.equity == acct.available + acct.locked + acct.crossed_margin + acct.unrealized_pl
    assert acct.equity == D("10000") - fee1 + (mark - p1) * D("0.01")

    p2 = mark - TICK * 5
    ex.place_futures_order("mm", "BTCUSDT", "buy", "limit", "0.01", p2)
    close = ex.place_futures_order("u", "BTCUSDT", "sell", "market", "0.01")
    pnl = (p2 - p1) * D("0.01")
    fee2 = p2 * D("0.01") * TAKER
    assert close.profit == pnl
    assert close.fee == fee2
    assert ex.positions("u") == []
    assert cash(ex, "u") == D("10000") - fee1 + pnl - fee2
    fills = ex.fills("u", FUT)
    assert [(f.trade_side, f.profit, f.fee) for f in fills] == [("sell_single", pnl, fee2), ("buy_single", 0, fee1)]
    assert all(v == 0 for v in ex.audit().values())


def test_short_pnl_and_limit_order_margin_freeze(ex: Exchange) -> None:
    p = ex.mark_price(BTC)
    order = ex.place_futures_order("u", "BTCUSDT", "sell", "limit", "0.02", p + 100)
    acct = ex.futures_account("u")
    assert acct.locked == (p + 100) * D("0.02") / 20
    assert acct.available == D("10000") - acct.locked
    ex.place_futures_order("mm", "BTCUSDT", "buy", "market", "0.02")       # takes the user's ask
    filled = ex.get_order("u", FUT, order.order_id)
    assert filled.status is OrderStatus.FILLED
    assert filled.fee == (p + 100) * D("0.02") * MAKER
    assert ex.futures_account("u").locked == 0
    pos = only_position(ex, "u")
    assert pos.hold_side == "short"
    assert pos.unrealized_pl == (p + 100 - ex.mark_price(BTC)) * D("0.02")


def test_one_way_flip_reduce_only_and_codes(ex: Exchange) -> None:
    p = ex.mark_price(BTC)
    with pytest.raises(InvalidOrder) as none:
        ex.place_futures_order("u", "BTCUSDT", "sell", "market", "0.01", reduce_only=True)
    assert none.value.code == "22002"
    open_long(ex, "0.01", p)
    with pytest.raises(InvalidOrder) as too_big:
        ex.place_futures_order("u", "BTCUSDT", "sell", "limit", "0.02", p + 50, reduce_only=True)
    assert too_big.value.code == "40757"
    held = ex.place_futures_order("u", "BTCUSDT", "sell", "limit", "0.004", p + 50, reduce_only=True)
    pos = only_position(ex, "u")
    assert (pos.locked, pos.available) == (D("0.004"), D("0.006"))
    ex.cancel_futures_order("u", "BTCUSDT", held.order_id)
    assert only_position(ex, "u").locked == 0
    # a plain sell larger than the long closes it and opens a short with the rest
    ex.place_futures_order("mm", "BTCUSDT", "buy", "limit", "0.03", p)
    ex.place_futures_order("u", "BTCUSDT", "sell", "market", "0.03")
    pos = only_position(ex, "u")
    assert (pos.hold_side, pos.total, pos.open_price_avg) == ("short", D("0.02"), p)
    # a reduce-only market order larger than the position closes just the position
    ex.place_futures_order("mm", "BTCUSDT", "sell", "limit", "0.05", p)
    capped = ex.place_futures_order("u", "BTCUSDT", "buy", "market", "0.05", reduce_only=True)
    assert capped.filled_size == D("0.02")
    assert capped.reduce_only
    assert ex.positions("u") == []
    with pytest.raises(PositionModeMismatch) as mismatch:
        ex.place_futures_order("u", "BTCUSDT", "buy", "market", "0.01", trade_side="open")
    assert mismatch.value.code == "40774"


def test_one_way_plain_order_reduces_first_and_trims_reduce_only_orders(ex: Exchange) -> None:
    p = ex.mark_price(BTC)
    open_long(ex, "0.02", p)
    first = ex.place_futures_order("u", "BTCUSDT", "sell", "limit", "0.01", p + 100, reduce_only=True)
    second = ex.place_futures_order("u", "BTCUSDT", "sell", "limit", "0.01", p + 200, reduce_only=True)
    ex.place_futures_order("mm", "BTCUSDT", "buy", "limit", "0.005", p)
    ex.place_futures_order("u", "BTCUSDT", "sell", "market", "0.005")      # not reduce-only, still reduces
    pos = only_position(ex, "u")
    assert pos.hold_side == "long"
    assert pos.total == D("0.015")
    # 0.02 held by reduce-only orders no longer fits in 0.015: the oldest goes
    assert ex.get_order("u", FUT, first.order_id).cancel_reason == "reduce_only"
    assert ex.get_order("u", FUT, second.order_id).status is OrderStatus.LIVE
    assert pos.locked == D("0.01")


def test_hedge_mode_long_and_short_together(ex: Exchange) -> None:
    p = ex.mark_price(BTC)
    assert ex.set_position_mode("u", "hedge_mode") == "hedge_mode"
    with pytest.raises(PositionModeMismatch) as mismatch:
        ex.place_futures_order("u", "BTCUSDT", "buy", "market", "0.01")
    assert mismatch.value.code == "40774"
    ex.place_futures_order("mm", "BTCUSDT", "sell", "limit", "0.01", p)
    ex.place_futures_order("u", "BTCUSDT", "buy", "market", "0.01", trade_side="open")
    ex.place_futures_order("mm", "BTCUSDT", "buy", "limit", "0.02", p - 10)
    ex.place_futures_order("u", "BTCUSDT", "sell", "market", "0.02", trade_side="open")
    sides = {x.hold_side: x for x in ex.positions("u")}
    assert (sides["long"].total, sides["short"].total) == (D("0.01"), D("0.02"))
    assert {x.pos_mode for x in sides.values()} == {"hedge_mode"}
    with pytest.raises(InvalidOrder) as busy:
        ex.set_position_mode("u", "one_way_mode")
    assert busy.value.code == "45117"
    # hedge close: side names the position (buy = close the long)
    ex.place_futures_order("mm", "BTCUSDT", "buy", "limit", "0.01", p + 20)
    close = ex.place_futures_order("u", "BTCUSDT", "buy", "market", "0.01", trade_side="close")
    assert close.profit == D("20") * D("0.01")
    assert close.pos_side == "long"
    assert [x.hold_side for x in ex.positions("u")] == ["short"]
    ex.place_futures_order("mm", "BTCUSDT", "sell", "limit", "0.02", p)
    closed = ex.close_positions("u", "BTCUSDT", "short")
    assert closed[0].profit == D("-10") * D("0.02")
    assert ex.positions("u") == []
    assert ex.set_position_mode("u", "one_way_mode") == "one_way_mode"
    assert all(v == 0 for v in ex.audit().values())


def test_insufficient_margin_and_leverage(ex: Exchange) -> None:
    p = ex.mark_price(BTC)
    with pytest.raises(InsufficientBalance) as poor:
        ex.place_futures_order("u", "BTCUSDT", "buy", "limit", "3", p)       # 3 BTC at 20x ≈ 14,500 USDT margin
    assert poor.value.code == "40762"
    with pytest.raises(InvalidOrder):
        ex.set_leverage("u", "BTCUSDT", 126)
    assert ex.set_leverage("u", "BTCUSDT", 125).cross_leverage == 125
    ex.set_leverage("mm", "BTCUSDT", 125)
    ex.place_futures_order("mm", "BTCUSDT", "sell", "limit", "3", p)
    ex.place_futures_order("u", "BTCUSDT", "buy", "market", "3")
    assert only_position(ex, "u").margin == p * 3 / 125
    with pytest.raises(InvalidOrder) as busy:
        ex.set_margin_mode("u", "BTCUSDT", "isolated")
    assert busy.value.code == "45117"
    settings = ex.set_leverage("u", "BTCUSDT", 50)
    assert settings.cross_leverage == 50
    assert only_position(ex, "u").margin == p * 3 / 50


def test_isolated_margin_moves_cash_and_liquidates(ex: Exchange, clock: Clock) -> None:
    ex.set_margin_mode("u", "BTCUSDT", "isolated")
    ex.set_leverage("u", "BTCUSDT", 50)
    p = ex.mark_price(BTC)
    open_long(ex, "0.1", p)
    margin = p * D("0.1") / 50
    fee = p * D("0.1") * TAKER
    pos = only_position(ex, "u")
    assert pos.margin_mode == "isolated"
    assert pos.margin == margin
    acct = ex.futures_account("u")
    assert acct.isolated_margin == margin
    assert acct.available == D("10000") - margin - fee
    # long liquidation price: (cost - margin) / (size * (1 - keep margin rate))
    liq = (p * D("0.1") - margin) / (D("0.1") * (1 - D("0.004")))
    assert pos.liquidation_price == liq
    ex.shock("BTC", "0.97")
    step(ex, clock)
    assert ex.mark_price(BTC) < liq
    assert ex.positions("u") == []
    acct = ex.futures_account("u")
    assert acct.isolated_margin == 0
    assert acct.available == D("10000") - margin - fee
    liquidation = ex.order_history("u", FUT)[0]
    assert liquidation.origin == "liquidation"
    assert liquidation.profit == -margin
    assert ex.fills("u", FUT)[0].trade_side == "burst_close_long"
    assert all(v == 0 for v in ex.audit().values())


def test_crossed_liquidation_takes_the_account(ex: Exchange, clock: Clock) -> None:
    ex.set_leverage("u", "BTCUSDT", 100)
    ex.set_leverage("mm", "BTCUSDT", 125)
    p = ex.mark_price(BTC)
    size = (D("900000") / p).quantize(D("0.0001"))
    open_long(ex, str(size), p)
    resting = ex.place_futures_order("u", "BTCUSDT", "buy", "limit", "0.001", p - 5000)
    pos = only_position(ex, "u")
    assert pos.liquidation_price > 0
    ex.shock("BTC", "0.985")
    step(ex, clock)
    assert ex.mark_price(BTC) < pos.liquidation_price
    assert ex.positions("u") == []
    assert ex.get_order("u", FUT, resting.order_id).cancel_reason == "liquidation"
    acct = ex.futures_account("u")
    assert acct.equity == 0
    assert acct.locked == 0
    assert all(v == 0 for v in ex.audit().values())


def test_position_tp_triggers_on_mark_and_closes_at_market(ex: Exchange, clock: Clock) -> None:
    p = ex.mark_price(BTC)
    open_long(ex, "0.01", p)
    with pytest.raises(InvalidOrder) as wrong:
        ex.place_tpsl_order("u", "BTCUSDT", "pos_profit", p - 100, "long")
    assert wrong.value.code == "40917"
    trigger = (p * D("1.01")).quantize(TICK)
    plan = ex.place_tpsl_order("u", "BTCUSDT", "pos_profit", trigger, "long")
    assert plan.status == "live"
    assert only_position(ex, "u").take_profit == trigger
    bid = (p * D("1.02")).quantize(TICK)
    ex.place_futures_order("mm", "BTCUSDT", "buy", "limit", "0.01", bid)
    ex.shock("BTC", "1.03")
    step(ex, clock)
    assert ex.positions("u") == []
    done = ex.plan_orders("u", pending=False)
    assert [(x.order_id, x.status) for x in done] == [(plan.order_id, "executed")]
    close = ex.get_order("u", FUT, done[0].executed_order_id)
    assert close.origin == "tpsl"
    assert close.profit == (bid - p) * D("0.01")


def test_preset_stop_loss_on_the_order_and_oco_with_its_take_profit(ex: Exchange, clock: Clock) -> None:
    p = ex.mark_price(BTC)
    sl = (p * D("0.99")).quantize(TICK)
    tp = (p * D("1.05")).quantize(TICK)
    with pytest.raises(InvalidOrder):
        open_long(ex, "0.02", p, preset_sl=tp)
    ex.cancel_all_futures("mm")
    open_long(ex, "0.02", p, preset_sl=sl, preset_tp=tp)
    plans = {x.plan_type: x for x in ex.plan_orders("u")}
    assert plans["loss_plan"].trigger_price == sl
    assert plans["loss_plan"].size == D("0.02")
    assert plans["profit_plan"].trigger_price == tp
    ask_side_bid = (p * D("0.97")).quantize(TICK)
    ex.place_futures_order("mm", "BTCUSDT", "buy", "limit", "0.02", ask_side_bid)
    ex.shock("BTC", "0.98")
    step(ex, clock)
    assert ex.positions("u") == []
    status = {x.plan_type: x.status for x in ex.plan_orders("u", pending=False)}
    assert status == {"loss_plan": "executed", "profit_plan": "cancelled"}


def test_modify_cancel_all_and_lookup(ex: Exchange) -> None:
    p = ex.mark_price(BTC)
    o = ex.place_futures_order("u", "BTCUSDT", "buy", "limit", "0.01", p - 500, client_oid="c1")
    other = ex.place_futures_order("u", "BTCUSDT", "buy", "limit", "0.02", p - 600)
    m = ex.modify_futures_order("u", "BTCUSDT", client_oid="c1", new_client_oid="c2", new_size="0.03",
                                new_price=p - 400)
    assert (m.order_id, m.client_oid, m.size, m.price) == (o.order_id, "c2", D("0.03"), p - 400)
    assert ex.futures_account("u").locked == ((p - 400) * D("0.03") + (p - 600) * D("0.02")) / 20
    assert ex.get_order("u", FUT, client_oid="c2").order_id == o.order_id
    with pytest.raises(ExchangeError) as gone:
        ex.cancel_futures_order("u", "BTCUSDT", client_oid="c1")
    assert gone.value.code == "40768"
    cancelled = ex.cancel_all_futures("u", "BTCUSDT")
    assert {x.order_id for x in cancelled} == {o.order_id, other.order_id}
    assert ex.futures_account("u").locked == 0
    assert ex.futures_account("u").available == D("10000")
