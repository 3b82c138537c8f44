"""Trigger orders and trailing stops in the engine (quiet exchange: the last price moves only with the trades the
test makes, the mark with ``shock``): the exact crossing on last or mark, stop-limit, trailing from the best price,
partial trailing TP/SL, modify, cancel, listing, and a restart that keeps them."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest

from terminal_app.bitget.errors import ExchangeError
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.sim.engine.exchange import Exchange
from terminal_app.sim.engine.orders import OrderStatus

from .conftest import Clock

FUT = Product.USDT_FUTURES
SPOT = Product.SPOT
BTC = SymbolRef("BTCUSDT", FUT)
TICK = D("0.1")


def step(ex: Exchange, clock: Clock, ms: int = 100) -> None:
    clock.t += ms
    ex.advance()


def trade(ex: Exchange, price: D, product: Product = FUT, size: str = "0.001") -> None:
    """Two other users trade ``size`` at ``price``: the market's last price becomes ``price``."""
    if product is FUT:
        ex.place_futures_order("mm", "BTCUSDT", "sell", "limit", size, price)
        ex.place_futures_order("t", "BTCUSDT", "buy", "market", size)
    else:
        ex.place_spot_order("mm", "BTCUSDT", "sell", "limit", size, price)
        ex.place_spot_order("t", "BTCUSDT", "buy", "limit", size, price, force="ioc")


def test_buy_stop_market_fires_at_the_exact_last_price(ex: Exchange, clock: Clock) -> None:
    p = ex.mark_price(BTC).quantize(TICK)
    trade(ex, p)
    trigger = p + 50
    plan = ex.plans.place_futures("u", "BTCUSDT", "normal_plan", "buy", "market", "0.01", trigger,
                                  trigger_type="fill_price", client_oid="stop-1")
    assert (plan.status, plan.client_oid, plan.amount) == ("live", "stop-1", D("0.01"))
    trade(ex, trigger - TICK)
    step(ex, clock)
    assert [x.client_oid for x in ex.plans.orders("u", FUT)] == ["stop-1"]
    ex.place_futures_order("mm", "BTCUSDT", "sell", "limit", "0.01", trigger + 5)  # what the stop will buy
    trade(ex, trigger)
    step(ex, clock)
    [done] = ex.plans.orders("u", FUT, pending=False)
    assert done.status == "executed"
    order = ex.get_order("u", FUT, done.executed_order_id)
    assert (order.status, order.side, order.avg_price, order.origin) == (OrderStatus.FILLED, "buy", trigger + 5,
                                                                       "plan")
    assert ex.positions("u")[0].total == D("0.01")


def test_sell_stop_on_mark_ignores_the_last_price(ex: Exchange, clock: Clock) -> None:
    mark = ex.mark_price(BTC)
    trigger = (mark * D("0.99")).quantize(TICK)
    ex.plans.place_futures("u", "BTCUSDT", "normal_plan", "sell", "market", "0.01", trigger, trigger_type="mark_price")
    trade(ex, trigger - 100)               # the last price crosses, the mark does not
    step(ex, clock)
    assert len(ex.plans.orders("u", FUT)) == 1
    ex.place_futures_order("mm", "BTCUSDT", "buy", "limit", "0.01", trigger - 200)
    ex.shock("BTC", "0.98")
    step(ex, clock)
    assert ex.mark_price(BTC) <= trigger
    [done] = ex.plans.orders("u", FUT, pending=False)
    assert done.status == "executed"
    assert ex.get_order("u", FUT, done.executed_order_id).avg_price == trigger - 200
    assert ex.positions("u")[0].hold_side == "short"


def test_spot_stop_limit_places_its_limit_order(ex: Exchange, clock: Clock) -> None:
    spot = SymbolRef("BTCUSDT", SPOT)
    p = ex.ticker(spot).last.quantize(D("0.01"))
    trade(ex, p, SPOT)
    trigger, limit = p + 20, p + 25
    plan = ex.plans.place_spot("u", "BTCUSDT", "buy", "limit", "0.001", trigger, execute_price=limit)
    assert plan.ref.product is SPOT
    assert ex.plans.orders("u", FUT) == []
    trade(ex, trigger, SPOT)
    step(ex, clock)
    [done] = ex.plans.orders("u", SPOT, pending=False)
    order = ex.get_order("u", SPOT, done.executed_order_id)
    assert (order.order_type, order.price, order.status) == ("limit", limit, OrderStatus.LIVE)


def test_trailing_stop_fires_on_the_callback_from_the_best_price(ex: Exchange, clock: Clock) -> None:
    p = ex.mark_price(BTC).quantize(TICK)
    trade(ex, p)
    activation = p + 100
    plan = ex.plans.place_futures("u", "BTCUSDT", "track_plan", "sell", "market", "0.01", activation,
                                  callback_ratio="1")
    assert plan.callback_ratio == D("1")
    trade(ex, activation - TICK)
    step(ex, clock)
    assert ex.plans.orders("u", FUT)[0].best is None          # not active yet
    high = activation + 400
    for price in (activation, high, high - 300):
        trade(ex, price)
        step(ex, clock)
    live = ex.plans.orders("u", FUT)
    assert live[0].best == high
    stop = high * D("0.99")                                    # 1 % below the best
    assert stop < high - 300                                   # not reached yet: still live
    ex.place_futures_order("mm", "BTCUSDT", "buy", "limit", "0.01", (stop - 10).quantize(TICK))
    trade(ex, stop.quantize(TICK, rounding="ROUND_DOWN") + TICK)      # one tick above the stop: nothing
    step(ex, clock)
    assert len(ex.plans.orders("u", FUT)) == 1
    trade(ex, stop.quantize(TICK, rounding="ROUND_DOWN"))
    step(ex, clock)
    [done] = ex.plans.orders("u", FUT, pending=False)
    assert done.status == "executed"
    assert ex.get_order("u", FUT, done.executed_order_id).side == "sell"


def test_callback_ratio_and_plan_type_are_checked(ex: Exchange) -> None:
    for ratio in ("0", "10.5", "1.234"):
        with pytest.raises(ExchangeError) as bad:
            ex.plans.place_futures("u", "BTCUSDT", "track_plan", "sell", "market", "0.01", "70000",
                                   callback_ratio=ratio)
        assert bad.value.code == "40017"
    with pytest.raises(ExchangeError):
        ex.plans.place_futures("u", "BTCUSDT", "track_plan", "sell", "limit", "0.01", "70000", price="70000",
                               callback_ratio="1")


def test_partial_trailing_tpsl_closes_its_size(ex: Exchange, clock: Clock) -> None:
    p = ex.mark_price(BTC).quantize(TICK)
    ex.place_futures_order("mm", "BTCUSDT", "sell", "limit", "0.03", p)
    ex.place_futures_order("u", "BTCUSDT", "buy", "market", "0.03")
    ex.plans.place_tpsl("u", "BTCUSDT", "moving_plan", p, "long", size="0.01", range_rate="0.5",
                        trigger_type="fill_price")
    ex.place_futures_order("mm", "BTCUSDT", "buy", "limit", "0.01", p - 500)
    trade(ex, p + 100)
    step(ex, clock)
    trade(ex, ((p + 100) * D("0.995")).quantize(TICK) - TICK)
    step(ex, clock)
    assert ex.positions("u")[0].total == D("0.02")
    [done] = ex.plans.orders("u", FUT, pending=False)
    assert (done.plan_type, done.status) == ("moving_plan", "executed")


def test_modify_cancel_list_by_type(ex: Exchange, clock: Clock) -> None:
    p = ex.mark_price(BTC).quantize(TICK)
    trade(ex, p)
    a = ex.plans.place_futures("u", "BTCUSDT", "normal_plan", "buy", "limit", "0.01", p + 100, price=p + 110)
    b = ex.plans.place_futures("u", "BTCUSDT", "track_plan", "sell", "market", "0.01", p + 200, callback_ratio="2")
    moved = ex.plans.modify("u", FUT, "BTCUSDT", order_id=a.order_id, trigger_price=p + 300, price=p + 310,
                            size="0.02")
    assert (moved.trigger_price, moved.execute_price, moved.amount) == (p + 300, p + 310, D("0.02"))
    moved_b = ex.plans.modify("u", FUT, "BTCUSDT", client_oid=b.client_oid, callback_ratio="3")
    assert moved_b.callback_ratio == D("3")
    assert [x.order_id for x in ex.plans.orders("u", FUT, plan_types={"track_plan"})] == [b.order_id]
    with pytest.raises(ExchangeError) as missing:
        ex.plans.cancel("u", SPOT, "BTCUSDT", order_id=a.order_id)   # it is a futures plan
    assert missing.value.code == "43001"
    assert ex.plans.cancel("u", FUT, "BTCUSDT", order_id=a.order_id).status == "cancelled"
    assert [x.order_id for x in ex.plans.cancel_all("u", FUT)] == [b.order_id]
    assert ex.plans.orders("u", FUT) == []
    trade(ex, p + 300)
    step(ex, clock)
    assert {x.status for x in ex.plans.orders("u", FUT, pending=False)} == {"cancelled"}


def test_modify_tpsl_checks_the_side_of_the_mark(ex: Exchange) -> None:
    p = ex.mark_price(BTC).quantize(TICK)
    ex.place_futures_order("mm", "BTCUSDT", "sell", "limit", "0.02", p)
    ex.place_futures_order("u", "BTCUSDT", "buy", "market", "0.02")
    sl = ex.plans.place_tpsl("u", "BTCUSDT", "loss_plan", p - 500, "long", size="0.01")
    with pytest.raises(ExchangeError) as wrong:
        ex.plans.modify_tpsl("u", "BTCUSDT", order_id=sl.order_id, trigger_price=p + 500)
    assert wrong.value.code == "40917"
    moved = ex.plans.modify_tpsl("u", "BTCUSDT", order_id=sl.order_id, trigger_price=p - 300, size="0.02")
    assert (moved.trigger_price, moved.size) == (p - 300, D("0.02"))
    assert ex.positions("u")[0].stop_loss is None                 # a partial SL is not the position's SL


def test_a_stop_that_cannot_place_its_order_fails(ex: Exchange, clock: Clock) -> None:
    p = ex.mark_price(BTC).quantize(TICK)
    trade(ex, p)
    ex.plans.place_futures("u", "BTCUSDT", "normal_plan", "sell", "market", "0.01", p - 50, reduce_only=True)
    trade(ex, p - 50)
    step(ex, clock)
    [done] = ex.plans.orders("u", FUT, pending=False)
    assert (done.status, done.executed_order_id) == ("fail_trigger", "")


def test_stops_survive_a_restart(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "state.sqlite"
    ex = Exchange(seed=5, clock=clock, quiet=True, state_path=path)
    p = ex.mark_price(BTC).quantize(TICK)
    trade(ex, p)
    ex.plans.place_futures("u", "BTCUSDT", "track_plan", "sell", "market", "0.01", p, callback_ratio="1",
                           client_oid="trail")
    trade(ex, p + 200)
    step(ex, clock)
    ex.plans.place_spot("u", "BTCUSDT", "sell", "market", "0.001", "1000", client_oid="spot-stop")
    ex.close()
    again = Exchange(seed=5, clock=clock, quiet=True, state_path=path)
    try:
        [trail] = again.plans.orders("u", FUT)
        assert (trail.client_oid, trail.best, trail.callback_ratio) == ("trail", p + 200, D("1"))
        assert [x.client_oid for x in again.plans.orders("u", SPOT)] == ["spot-stop"]
        again.plans.cancel("u", SPOT, None, client_oid="spot-stop")
        assert again.plans.orders("u", SPOT) == []
    finally:
        again.close()


def test_a_trailing_tpsl_goes_with_its_position(ex: Exchange) -> None:
    p = ex.mark_price(BTC).quantize(TICK)
    ex.place_futures_order("mm", "BTCUSDT", "sell", "limit", "0.01", p)
    ex.place_futures_order("u", "BTCUSDT", "buy", "market", "0.01")
    ex.plans.place_tpsl("u", "BTCUSDT", "moving_plan", p + 500, "long", size="0.01", range_rate="1")
    ex.place_futures_order("mm", "BTCUSDT", "buy", "limit", "0.01", p)
    ex.close_positions("u")
    assert ex.positions("u") == []
    [done] = ex.plans.orders("u", FUT, pending=False)
    assert (done.plan_type, done.status) == ("moving_plan", "cancelled")


def test_spot_market_buy_stops_in_base_and_in_quote(ex: Exchange, clock: Clock) -> None:
    spot = SymbolRef("BTCUSDT", SPOT)
    p = ex.ticker(spot).last.quantize(D("0.01"))
    trade(ex, p, SPOT)
    trigger = p + 10
    base = ex.plans.place_spot("u", "BTCUSDT", "buy", "market", "0.001", trigger)
    quote = ex.plans.place_spot("u", "BTCUSDT", "buy", "market", "50", trigger, size_unit="total")
    ex.place_spot_order("mm", "BTCUSDT", "sell", "limit", "0.01", trigger)  # what the stops buy
    trade(ex, trigger, SPOT)
    step(ex, clock)
    done = {x.order_id: x for x in ex.plans.orders("u", SPOT, pending=False)}
    assert {x.status for x in done.values()} == {"executed"}
    bought_base = ex.get_order("u", SPOT, done[base.order_id].executed_order_id)
    bought_quote = ex.get_order("u", SPOT, done[quote.order_id].executed_order_id)
    # a base-sized market buy spends the base size at the price it fired at; a quote-sized one its amount
    assert bought_base.size == D("0.001") * trigger
    assert bought_base.filled_size == D("0.001")
    assert bought_quote.size == D("50")
    with pytest.raises(ExchangeError):
        ex.plans.place_spot("u", "BTCUSDT", "sell", "market", "50", trigger, size_unit="total")
