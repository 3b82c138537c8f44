"""Close and reduce-only orders whose position shrank or closed before a taker reached them.

Bitget cancels such orders (an order update with status cancelled) before anything can fill them, so the taker
never trades against lots that cannot settle, every fill appears once on each side of its trade and money is
conserved. The first tests reproduce a KeyError in ``_settle_futures`` (a reduce-only order taken in the same sweep
as the plain order that closed its position); the others cover the hedge-mode paths (flash close, TP/SL,
liquidation, another close order) and the refusal of a close order without a position (22002).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal as D

import pytest

from terminal_app.bitget.errors import InvalidOrder
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.sim.engine.events import Event, FillEvent, OrderEvent, TradeEvent
from terminal_app.sim.engine.exchange import Exchange
from terminal_app.sim.engine.orders import Order, OrderStatus

from .conftest import Clock

FUT = Product.USDT_FUTURES
BTC = SymbolRef("BTCUSDT", FUT)


@pytest.fixture
def events(ex: Exchange) -> list[Event]:
    out: list[Event] = []
    ex.add_listener(out.append)
    return out


def step(ex: Exchange, clock: Clock, ms: int = 100) -> None:
    clock.t += ms
    ex.advance()


def assert_straight(ex: Exchange, events: list[Event]) -> None:
    """Money conserved; each public trade has one maker and one taker fill; orders' filled sizes match their
    fills."""
    assert all(v == 0 for v in ex.audit().values()), ex.audit()
    trades = {e.trade_id: e for e in events if isinstance(e, TradeEvent)}
    fills: dict[str, list[FillEvent]] = defaultdict(list)
    for e in events:
        if isinstance(e, FillEvent):
            fills[e.fill.trade_id].append(e)
    for trade_id, pair in fills.items():
        if pair[0].fill.trade_side.startswith("burst_close"):
            assert len(pair) == 1
            assert trade_id not in trades
            continue
        assert sorted(f.fill.scope for f in pair) == ["maker", "taker"], pair
        assert all((f.fill.price, f.fill.size) == (trades[trade_id].price, trades[trade_id].size) for f in pair)
    assert set(trades) <= set(fills)
    last: dict[str, Order] = {}
    for e in events:
        if isinstance(e, OrderEvent):
            last[e.order.order_id] = e.order
    filled: dict[str, D] = defaultdict(D)
    for pair in fills.values():
        for f in pair:
            filled[f.fill.order_id] += f.fill.size
    for order_id, order in last.items():
        assert order.filled_size == filled.get(order_id, D(0)), order


def pushed_cancel(events: list[Event], order_id: str) -> Order:
    """The last order update pushed for ``order_id`` (what the WS ``orders`` channel sends), which must say
    cancelled."""
    updates = [e.order for e in events if isinstance(e, OrderEvent) and e.order.order_id == order_id]
    assert updates, order_id
    assert updates[-1].status is OrderStatus.CANCELLED
    return updates[-1]


def user_fills(events: list[Event], uid: str) -> list[FillEvent]:
    return [e for e in events if isinstance(e, FillEvent) and e.uid == uid]


def hedge_long(ex: Exchange, size: str, price: D, uid: str = "u") -> None:
    ex.set_position_mode(uid, "hedge_mode")
    ex.place_futures_order("mm", "BTCUSDT", "sell", "limit", size, price)
    ex.place_futures_order(uid, "BTCUSDT", "buy", "market", size, trade_side="open")


# ---- one-way: the plain order ahead in the queue closes the position the reduce-only order behind it reduces --


def test_reduce_only_order_behind_the_plain_order_that_closed_its_position(ex: Exchange,
                                                                          events: list[Event]) -> None:
    p = ex.mark_price(BTC)
    ex.place_futures_order("mm", "BTCUSDT", "buy", "limit", "0.005", p)
    ex.place_futures_order("u", "BTCUSDT", "sell", "market", "0.005")              # u short 0.005
    plain = ex.place_futures_order("u", "BTCUSDT", "buy", "limit", "0.005", p - 10)
    reduce = ex.place_futures_order("u", "BTCUSDT", "buy", "limit", "0.005", p - 10, reduce_only=True)
    before = len(user_fills(events, "u"))
    taker = ex.place_futures_order("mm", "BTCUSDT", "sell", "market", "0.01")   # sweeps both bids at p - 10
    assert taker.filled_size == D("0.005")                                       # only the plain bid could settle
    assert ex.get_order("u", FUT, plain.order_id).status is OrderStatus.FILLED
    assert pushed_cancel(events, reduce.order_id).filled_size == 0
    assert ex.positions("u") == []
    assert [f.fill.order_id for f in user_fills(events, "u")[before:]] == [plain.order_id]
    assert ex.futures_account("u").locked == 0
    assert_straight(ex, events)


def test_reduce_only_order_exceeding_a_shrunken_position_is_cancelled_before_the_sweep_reaches_it(
        ex: Exchange, events: list[Event]) -> None:
    p = ex.mark_price(BTC)
    ex.place_futures_order("mm", "BTCUSDT", "buy", "limit", "0.01", p)
    ex.place_futures_order("u", "BTCUSDT", "sell", "market", "0.01")               # u short 0.01
    ex.place_futures_order("u", "BTCUSDT", "buy", "limit", "0.004", p - 10)
    reduce = ex.place_futures_order("u", "BTCUSDT", "buy", "limit", "0.01", p - 10, reduce_only=True)
    taker = ex.place_futures_order("mm", "BTCUSDT", "sell", "market", "0.014")
    assert taker.filled_size == D("0.004")
    cancelled = pushed_cancel(events, reduce.order_id)
    assert (cancelled.filled_size, cancelled.cancel_reason) == (D(0), "reduce_only")
    (pos,) = ex.positions("u")
    assert (pos.hold_side, pos.total, pos.locked) == ("short", D("0.006"), D(0))
    assert_straight(ex, events)


def test_one_way_plain_market_close_cancels_the_resting_reduce_only_order(ex: Exchange,
                                                                          events: list[Event]) -> None:
    p = ex.mark_price(BTC)
    ex.place_futures_order("mm", "BTCUSDT", "sell", "limit", "0.01", p)
    ex.place_futures_order("u", "BTCUSDT", "buy", "market", "0.01")                # u long 0.01
    reduce = ex.place_futures_order("u", "BTCUSDT", "sell", "limit", "0.01", p + 50, reduce_only=True)
    ex.place_futures_order("mm", "BTCUSDT", "buy", "limit", "0.01", p - 10)
    ex.place_futures_order("u", "BTCUSDT", "sell", "market", "0.01")               # plain sell: closes the long
    assert ex.positions("u") == []
    pushed_cancel(events, reduce.order_id)
    ex.place_futures_order("v", "BTCUSDT", "sell", "limit", "0.01", p + 60)
    taker = ex.place_futures_order("mm", "BTCUSDT", "buy", "market", "0.01")      # crosses where the order was
    assert taker.avg_price == p + 60
    assert ex.positions("u") == []
    assert_straight(ex, events)


# ---- hedge mode ------------------------------------------------------------------------------------------------


def test_hedge_close_without_a_position_is_refused_with_22002(ex: Exchange) -> None:
    p = ex.mark_price(BTC)
    ex.set_position_mode("u", "hedge_mode")
    with pytest.raises(InvalidOrder) as none:
        ex.place_futures_order("u", "BTCUSDT", "buy", "limit", "0.01", p + 50, trade_side="close")
    assert none.value.code == "22002"
    hedge_long(ex, "0.01", p)
    ex.place_futures_order("mm", "BTCUSDT", "buy", "limit", "0.01", p)
    ex.close_positions("u", "BTCUSDT", "long")
    with pytest.raises(InvalidOrder) as gone:
        ex.place_futures_order("u", "BTCUSDT", "buy", "market", "0.01", trade_side="close")
    assert gone.value.code == "22002"
    assert ex.open_orders("u", FUT) == []


def test_hedge_close_order_after_a_flash_close(ex: Exchange, events: list[Event]) -> None:
    p = ex.mark_price(BTC)
    hedge_long(ex, "0.01", p)
    resting = ex.place_futures_order("u", "BTCUSDT", "buy", "limit", "0.004", p + 50, trade_side="close")
    ex.place_futures_order("mm", "BTCUSDT", "buy", "limit", "0.01", p - 10)
    ex.close_positions("u", "BTCUSDT", "long")
    assert pushed_cancel(events, resting.order_id).cancel_reason == "close_positions"
    before = len(user_fills(events, "u"))
    ex.place_futures_order("v", "BTCUSDT", "sell", "limit", "0.004", p + 60)
    taker = ex.place_futures_order("mm", "BTCUSDT", "buy", "market", "0.004")
    assert (taker.filled_size, taker.avg_price) == (D("0.004"), p + 60)
    assert len(user_fills(events, "u")) == before
    assert_straight(ex, events)


def test_hedge_close_order_after_the_stop_loss_closed_the_position(ex: Exchange, clock: Clock,
                                                                   events: list[Event]) -> None:
    p = ex.mark_price(BTC)
    hedge_long(ex, "0.01", p)
    resting = ex.place_futures_order("u", "BTCUSDT", "buy", "limit", "0.01", p + 500, trade_side="close")
    ex.place_tpsl_order("u", "BTCUSDT", "pos_loss", (p * D("0.99")).quantize(D("0.1")), "long")
    ex.place_futures_order("mm", "BTCUSDT", "buy", "limit", "0.01", (p * D("0.97")).quantize(D("0.1")))
    ex.shock("BTC", "0.98")
    step(ex, clock)
    assert ex.positions("u") == []
    assert pushed_cancel(events, resting.order_id).cancel_reason == "tpsl"
    before = len(user_fills(events, "u"))
    ex.place_futures_order("v", "BTCUSDT", "sell", "limit", "0.01", p + 600)
    taker = ex.place_futures_order("mm", "BTCUSDT", "buy", "market", "0.01")     # through p + 500
    assert taker.avg_price == p + 600
    assert len(user_fills(events, "u")) == before
    assert_straight(ex, events)


def test_hedge_close_order_after_liquidation(ex: Exchange, clock: Clock, events: list[Event]) -> None:
    ex.set_margin_mode("u", "BTCUSDT", "isolated")
    ex.set_leverage("u", "BTCUSDT", 50)
    p = ex.mark_price(BTC)
    hedge_long(ex, "0.1", p)
    resting = ex.place_futures_order("u", "BTCUSDT", "buy", "limit", "0.05", p + 1000, trade_side="close")
    ex.shock("BTC", "0.97")
    step(ex, clock)
    assert ex.positions("u") == []
    assert pushed_cancel(events, resting.order_id).cancel_reason == "liquidation"
    before = len(user_fills(events, "u"))
    ex.place_futures_order("v", "BTCUSDT", "sell", "limit", "0.05", p + 1100)
    taker = ex.place_futures_order("mm", "BTCUSDT", "buy", "limit", "0.05", p + 1100)
    assert taker.avg_price == p + 1100
    assert len(user_fills(events, "u")) == before
    assert_straight(ex, events)


def test_hedge_market_close_leaves_the_resting_close_order_its_lots(ex: Exchange, events: list[Event]) -> None:
    p = ex.mark_price(BTC)
    hedge_long(ex, "0.01", p)
    resting = ex.place_futures_order("u", "BTCUSDT", "buy", "limit", "0.004", p + 50, trade_side="close")
    ex.place_futures_order("mm", "BTCUSDT", "buy", "limit", "0.01", p - 10)
    market = ex.place_futures_order("u", "BTCUSDT", "buy", "market", "0.01", trade_side="close")
    assert market.filled_size == D("0.006")                 # Bitget closes only what the pending close leaves
    ex.place_futures_order("mm", "BTCUSDT", "buy", "market", "0.004")
    assert ex.get_order("u", FUT, resting.order_id).status is OrderStatus.FILLED
    assert ex.positions("u") == []
    assert [f.fill.order_id for f in user_fills(events, "u")][-1] == resting.order_id
    assert_straight(ex, events)
