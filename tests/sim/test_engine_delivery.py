"""Delivery of the coin-M quarterly at expiry, on a quiet exchange with a driven clock (no sleeping): the delivery
price is the mean of the index sampled over the averaging window, both sides' positions close at it with the inverse
PnL and a taker-rate delivery fee in BTC, open and plan orders are cancelled, a bill row and the records Bitget shows
(orderSource/tradeSide ``delivery_*``) are left, and the contract stops trading (40309, ``symbolStatus`` off)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from terminal_app.bitget.errors import ExchangeError
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.sim.engine.exchange import Exchange
from terminal_app.sim.engine.futures import MONEY_STEP
from terminal_app.sim.engine.orders import OrderStatus

from .conftest import Clock

COIN = Product.COIN_FUTURES
QUARTER = SymbolRef("BTCUSDH27", COIN)
TAKER = D("0.0006")


def m(value: D) -> D:
    return value.quantize(MONEY_STEP)


def run(ex: Exchange, clock: Clock, until: int) -> list[D]:
    """Step the market to ``until``; the index of the quarterly seen at each step."""
    seen = []
    while clock.t < until:
        clock.t += 100
        ex.advance()
        seen.append(ex.index_price(QUARTER))
    return seen


def test_quarterly_lists_its_delivery_fields_as_bitget_does(ex: Exchange) -> None:
    row = ex.delivery.contract_fields("BTCUSDH27")
    assert row == {"deliveryTime": "1806048000000", "deliveryStartTime": str(1806048000000 - 3_600_000),
                   "symbolStatus": "normal"}
    assert ex.delivery.contract_fields("BTCUSD") == {}       # a perpetual has none
    assert ex.delivery.ticker_fields("BTCUSDH27")["deliveryStatus"] == "delivery_normal"


def test_delivery_closes_both_sides_at_the_mean_index_and_stops_the_contract(ex: Exchange, clock: Clock) -> None:
    entry = ex.mark_price(QUARTER)
    ex.place_futures_order("short", "BTCUSDH27", "sell", "limit", "0.05", entry)
    ex.place_futures_order("long", "BTCUSDH27", "buy", "market", "0.05")
    # a resting order and a stop of the long, both to be cancelled at delivery
    resting = ex.place_futures_order("long", "BTCUSDH27", "buy", "limit", "0.01", (entry * D("0.9")).quantize(D("0.1")))
    stop = ex.plans.place_futures("long", "BTCUSDH27", "normal_plan", "sell", "market", "0.05",
                                  str((entry * D("0.5")).quantize(D("0.1"))))
    btc_before = {u: ex.futures_account(u, "BTC").equity for u in ("long", "short")}

    delivery = clock.t + 3_000
    ex.delivery.schedule("BTCUSDH27", delivery, window_ms=1_000)
    assert ex.delivery.contract_fields("BTCUSDH27")["deliveryTime"] == str(delivery)
    ex.shock("BTC", "1.04")                                  # the long gains into delivery
    seen = run(ex, clock, delivery - 1_000)                  # before the window: not sampled
    assert ex.delivery.ticker_fields("BTCUSDH27")["deliveryStatus"] == "delivery_before"
    window = run(ex, clock, delivery - 100)                  # steps in [delivery - 1 s, delivery)
    run(ex, clock, delivery)
    assert seen
    assert len(window) == 9

    done = ex.delivery.delivered("BTCUSDH27")
    assert done is not None
    assert done.time == delivery
    # the arithmetic mean of the index over the window (the step at delivery - 1 s opens it), to the tick
    samples = [seen[-1], *window]
    assert done.price == (sum(samples) / len(samples)).quantize(D("0.1"))

    assert ex.positions("long", product=COIN) == ex.positions("short", product=COIN) == []
    price = done.price
    fee = m(price * D("0.05") * TAKER / price)
    pnls = {}
    for uid, direction in (("long", 1), ("short", -1)):
        [order] = [o for o in ex.order_history(uid, COIN) if o.origin.startswith("delivery_close_")]
        assert order.origin == f"delivery_close_{uid}"
        assert (order.status, order.avg_price, order.filled_size, order.fee) == (OrderStatus.FILLED, price,
                                                                                 D("0.05"), fee)
        pnl = m(direction * (price * D("0.05") - entry * D("0.05")) / price)     # inverse: q·(X − E)/X
        assert order.profit == pnls.setdefault(uid, pnl)
        [fill] = [f for f in ex.fills(uid, COIN) if f.order_id == order.order_id]
        assert fill.trade_side == ("delivery_sell_single" if uid == "long" else "delivery_buy_single")
        [bill] = [b for b in ex.account_bills(uid) if b.business_type.startswith("delivery_")]
        assert (bill.business_type, bill.coin, bill.amount, bill.fee) == (f"delivery_{uid}", "BTC", pnl, -fee)
        equity = ex.futures_account(uid, "BTC").equity
        assert equity == btc_before[uid] + pnl - fee
    assert pnls["long"] == -pnls["short"] > 0                # the index rose: the short paid the long
    assert ex.get_order("long", COIN, resting.order_id).status is OrderStatus.CANCELLED
    [finished] = ex.plans.orders("long", COIN, pending=False)
    assert (finished.order_id, finished.status) == (stop.order_id, "cancelled")
    assert ex.plans.orders("long", COIN) == []

    # the contract has stopped: no quotes move, orders are refused, the list says so
    assert ex.delivery.contract_fields("BTCUSDH27")["symbolStatus"] == "off"
    assert ex.delivery.ticker_fields("BTCUSDH27")["deliveryStatus"] == "delivery_period"
    with pytest.raises(ExchangeError) as refused:
        ex.place_futures_order("long", "BTCUSDH27", "buy", "market", "0.01")
    assert refused.value.code == "40309"
    with pytest.raises(ExchangeError):
        ex.delivery.schedule("BTCUSDH27", clock.t + 1_000)
    index = ex.index_price(QUARTER)
    run(ex, clock, clock.t + 1_000)
    assert ex.index_price(QUARTER) == index
    # the perpetual and the other quarterly trade on
    assert ex.delivery.delivered("ETHUSDH27") is None
    assert ex.place_futures_order("long", "BTCUSD", "buy", "limit", "0.01", (entry * D("0.9")).quantize(D("0.1")))
    assert all(v == 0 for v in ex.audit().values())


def test_a_perpetual_has_no_delivery(ex: Exchange) -> None:
    with pytest.raises(ExchangeError) as refused:
        ex.delivery.schedule("BTCUSD", 1)
    assert refused.value.code == "40034"
