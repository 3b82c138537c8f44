"""Spot matching on a quiet exchange (no market makers): price-time priority, forces, fees, market orders in quote,
precision/minimum/balance errors with Bitget's codes, frozen balances."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal as D

import pytest

from terminal_app.bitget.errors import (
    DuplicateClientOid,
    ExchangeError,
    InsufficientBalance,
    InvalidOrder,
    MinimumSizeError,
    OrderNotFound,
    PrecisionError,
)
from terminal_app.core.instruments import Product
from terminal_app.sim.engine.events import Event, FillEvent
from terminal_app.sim.engine.exchange import Exchange
from terminal_app.sim.engine.orders import OrderStatus

from .conftest import Clock

SPOT = Product.SPOT
FEE = D("0.001")


@pytest.fixture
def ex() -> Iterator[Exchange]:
    exchange = Exchange(seed=3, clock=Clock(), quiet=True)
    yield exchange
    exchange.close()


def balance(ex: Exchange, uid: str, coin: str) -> tuple[D, D]:
    for b in ex.spot_balances(uid):
        if b.coin == coin:
            return b.available, b.frozen
    return D(0), D(0)


def test_price_time_priority_partial_fill_and_fees(ex: Exchange) -> None:
    events: list[Event] = []
    ex.add_listener(events.append)
    a = ex.place_spot_order("a", "BTCUSDT", "sell", "limit", "0.01", "97000")
    b = ex.place_spot_order("b", "BTCUSDT", "sell", "limit", "0.01", "97000")
    c = ex.place_spot_order("c", "BTCUSDT", "sell", "limit", "0.01", "96999.99")
    d = ex.place_spot_order("d", "BTCUSDT", "buy", "limit", "0.025", "97000")
    assert d.status is OrderStatus.FILLED
    fills = [e.fill for e in events if isinstance(e, FillEvent) and e.uid == "d"]
    maker_order = {e.fill.trade_id: e.fill.order_id for e in events
                   if isinstance(e, FillEvent) and e.fill.scope == "maker"}
    # better price first, then time priority at the same price
    assert [(maker_order[f.trade_id], f.price, f.size) for f in fills] == [
        (c.order_id, D("96999.99"), D("0.01")),
        (a.order_id, D("97000"), D("0.01")),
        (b.order_id, D("97000"), D("0.005")),
    ]
    assert all(f.scope == "taker" and f.order_id == d.order_id for f in fills)
    b_now = ex.get_order("b", SPOT, b.order_id)
    assert b_now.status is OrderStatus.PARTIALLY_FILLED
    assert b_now.filled_size == D("0.005")
    assert b_now.remaining == D("0.005")
    # buyer pays quote, receives base minus 0.1 % in base; the unused frozen quote comes back
    paid = D("96999.99") * D("0.01") + D("97000") * D("0.015")
    assert paid == D("2424.9999")
    assert balance(ex, "d", "USDT") == (D("10000") - paid, 0)
    assert balance(ex, "d", "BTC") == (D("0.1") + D("0.025") - D("0.025") * FEE, 0)
    assert d.fee == D("0.000025")
    assert d.fee_coin == "BTC"
    assert d.avg_price == paid / D("0.025")
    # sellers receive quote minus 0.1 % in quote
    assert balance(ex, "a", "USDT") == (D("10000") + D("970") - D("0.97"), 0)
    assert balance(ex, "a", "BTC") == (D("0.09"), 0)
    assert balance(ex, "b", "USDT") == (D("10000") + D("485") - D("0.485"), 0)
    assert balance(ex, "b", "BTC") == (D("0.09"), D("0.005"))
    assert ex.depth(ex.market(c.ref).ref).asks == ((D("97000.00"), D("0.005000")),)
    assert all(v == 0 for v in ex.audit().values())


def test_ioc_fills_what_it_can_and_cancels_the_rest(ex: Exchange) -> None:
    ex.place_spot_order("a", "BTCUSDT", "sell", "limit", "0.01", "97000")
    d = ex.place_spot_order("d", "BTCUSDT", "buy", "limit", "0.02", "97000", force="ioc")
    assert d.status is OrderStatus.CANCELLED
    assert d.cancel_reason == "ioc"
    assert d.filled_size == D("0.01")
    assert balance(ex, "d", "USDT") == (D("10000") - D("970"), 0)
    assert ex.open_orders("d", SPOT) == []


def test_fok_is_all_or_nothing(ex: Exchange) -> None:
    a = ex.place_spot_order("a", "BTCUSDT", "sell", "limit", "0.01", "97000")
    miss = ex.place_spot_order("d", "BTCUSDT", "buy", "limit", "0.02", "97000", force="fok")
    assert miss.status is OrderStatus.CANCELLED
    assert miss.filled_size == 0
    assert balance(ex, "d", "USDT") == (D("10000"), 0)
    assert ex.get_order("a", SPOT, a.order_id).status is OrderStatus.LIVE
    hit = ex.place_spot_order("d", "BTCUSDT", "buy", "limit", "0.01", "97000", force="fok")
    assert hit.status is OrderStatus.FILLED
    assert hit.filled_size == D("0.01")


def test_post_only_that_would_take_is_accepted_then_cancelled(ex: Exchange) -> None:
    """Bitget has no "post-only would take" error (43111 is "param error {0}" in its 2025-10 table): the order is
    accepted and cancelled at once, unfilled, and the frozen funds come back."""
    ex.place_spot_order("a", "BTCUSDT", "sell", "limit", "0.01", "97000")
    taker = ex.place_spot_order("d", "BTCUSDT", "buy", "limit", "0.01", "97000", force="post_only")
    assert taker.order_id
    assert (taker.status, taker.filled_size, taker.cancel_reason) == (OrderStatus.CANCELLED, 0, "post_only")
    assert ex.open_orders("d", SPOT) == []
    assert balance(ex, "d", "USDT") == (D("10000"), 0)
    maker = ex.place_spot_order("d", "BTCUSDT", "buy", "limit", "0.01", "96999.99", force="post_only")
    assert maker.status is OrderStatus.LIVE
    assert balance(ex, "d", "USDT") == (D("10000") - D("969.9999"), D("969.9999"))


def test_market_buy_is_sized_in_quote(ex: Exchange) -> None:
    ex.place_spot_order("a", "BTCUSDT", "sell", "limit", "0.01", "97000")
    ex.place_spot_order("b", "BTCUSDT", "sell", "limit", "0.01", "97001")
    d = ex.place_spot_order("d", "BTCUSDT", "buy", "market", "1500")
    assert d.size_in_quote
    assert d.size == D("1500")
    assert d.price is None
    # 970 USDT at 97000, then floor(530 / 0.097001) = 5463 lots of 0.000001 at 97001
    second = D("97001") * D("0.005463")
    assert d.filled_size == D("0.015463")
    assert d.filled_quote == D("970") + second
    assert d.status is OrderStatus.FILLED
    assert balance(ex, "d", "USDT") == (D("10000") - D("970") - second, 0)
    assert balance(ex, "d", "BTC") == (D("0.1") + D("0.015463") * (1 - FEE), 0)


def test_market_sell_is_sized_in_base_and_market_without_liquidity_cancels(ex: Exchange) -> None:
    ex.place_spot_order("a", "BTCUSDT", "buy", "limit", "0.01", "96000")
    d = ex.place_spot_order("d", "BTCUSDT", "sell", "market", "0.004")
    assert d.status is OrderStatus.FILLED
    assert d.filled_quote == D("384")
    assert balance(ex, "d", "USDT") == (D("10000") + D("384") - D("0.384"), 0)
    empty = ex.place_spot_order("d", "ETHUSDT", "buy", "market", "100")
    assert empty.status is OrderStatus.CANCELLED
    assert empty.filled_size == 0
    assert balance(ex, "d", "USDT")[1] == 0


def test_resting_orders_freeze_and_cancel_releases(ex: Exchange) -> None:
    o = ex.place_spot_order("a", "BTCUSDT", "buy", "limit", "0.01", "90000", client_oid="mine-1")
    assert balance(ex, "a", "USDT") == (D("9100"), D("900"))
    s = ex.place_spot_order("a", "BTCUSDT", "sell", "limit", "0.05", "99000")
    assert balance(ex, "a", "BTC") == (D("0.05"), D("0.05"))
    assert [x.order_id for x in ex.open_orders("a", SPOT)] == [s.order_id, o.order_id]
    cancelled = ex.cancel_spot_order("a", "BTCUSDT", client_oid="mine-1")
    assert cancelled.status is OrderStatus.CANCELLED
    assert balance(ex, "a", "USDT") == (D("10000"), 0)
    assert ex.cancel_spot_symbol("a", "BTCUSDT")[0].order_id == s.order_id
    assert balance(ex, "a", "BTC") == (D("0.1"), 0)
    assert [x.order_id for x in ex.order_history("a", SPOT)] == [s.order_id, o.order_id]
    with pytest.raises(OrderNotFound) as err:
        ex.cancel_spot_order("a", "BTCUSDT", o.order_id)
    assert err.value.code == "43001"


def test_cancel_replace_keeps_side_and_force(ex: Exchange) -> None:
    o = ex.place_spot_order("a", "ETHUSDT", "buy", "limit", "0.5", "3000", force="post_only")
    new = ex.replace_spot_order("a", "ETHUSDT", "3001.5", "0.4", order_id=o.order_id, new_client_oid="re-1")
    assert ex.get_order("a", SPOT, o.order_id).status is OrderStatus.CANCELLED
    assert (new.side, new.force, new.price, new.size, new.client_oid) == ("buy", "post_only", D("3001.5"),
                                                                          D("0.4"), "re-1")
    assert balance(ex, "a", "USDT") == (D("10000") - D("1200.6"), D("1200.6"))


@pytest.mark.parametrize(("kwargs", "code", "cls"), [
    ({"price": "97000.001", "size": "0.01"}, "41103", PrecisionError),
    ({"price": "97000", "size": "0.0000001"}, "40808", PrecisionError),
    ({"price": "97000", "size": "0.00001"}, "45110", MinimumSizeError),
    ({"price": "97000", "size": "1"}, "43012", InsufficientBalance),
    ({"price": "97000", "size": "0"}, "40017", InvalidOrder),
    ({"price": "", "size": "0.01"}, "40019", InvalidOrder),
])
def test_limit_buy_rejections(ex: Exchange, kwargs: dict[str, str], code: str, cls: type[ExchangeError]) -> None:
    with pytest.raises(cls) as err:
        ex.place_spot_order("a", "BTCUSDT", "buy", "limit", kwargs["size"], kwargs["price"])
    assert err.value.code == code
    assert err.value.exchange_msg
    assert ex.open_orders("a", SPOT) == []
    assert balance(ex, "a", "USDT") == (D("10000"), 0)


def test_other_rejections(ex: Exchange) -> None:
    with pytest.raises(MinimumSizeError) as small:
        ex.place_spot_order("a", "XRPUSDT", "buy", "limit", "0.5", "2.5")     # 1.25 USDT but < 1 XRP
    assert small.value.code == "45111"
    with pytest.raises(InsufficientBalance) as poor:
        ex.place_spot_order("a", "BTCUSDT", "sell", "limit", "0.2", "97000")
    assert poor.value.code == "43012"
    with pytest.raises(InsufficientBalance):
        ex.place_spot_order("a", "BTCUSDT", "buy", "market", "10000.01")
    with pytest.raises(ExchangeError) as unknown:
        ex.place_spot_order("a", "DOGEUSDT", "buy", "limit", "1", "1")
    assert unknown.value.code == "40034"
    with pytest.raises(InvalidOrder) as side:
        ex.place_spot_order("a", "BTCUSDT", "hold", "limit", "0.01", "97000")
    assert side.value.code == "40017"
    ex.place_spot_order("a", "BTCUSDT", "buy", "limit", "0.01", "90000", client_oid="x1")
    with pytest.raises(DuplicateClientOid) as dup:
        ex.place_spot_order("a", "BTCUSDT", "buy", "limit", "0.01", "90000", client_oid="x1")
    assert dup.value.code == "43118"
    # client ids are per user
    ex.place_spot_order("b", "BTCUSDT", "buy", "limit", "0.01", "90000", client_oid="x1")


def test_fills_history_newest_first_with_pagination(ex: Exchange) -> None:
    for price in ("97000", "97001", "97002"):
        ex.place_spot_order("a", "BTCUSDT", "sell", "limit", "0.001", price)
    ex.place_spot_order("d", "BTCUSDT", "buy", "limit", "0.003", "97002")
    fills = ex.fills("d", SPOT, "BTCUSDT")
    assert [f.price for f in fills] == [D("97002"), D("97001"), D("97000")]
    older = ex.fills("d", SPOT, id_less_than=fills[0].trade_id, limit=1)
    assert [f.trade_id for f in older] == [fills[1].trade_id]
    assert {f.scope for f in ex.fills("a", SPOT)} == {"maker"}
