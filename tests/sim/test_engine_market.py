"""The live synthetic market: deep maker books with a tight spread, synthetic trades, user orders filled by the flow and
by the makers moving through them, tickers, the fast mode and long gaps."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from decimal import Decimal as D

import pytest

from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.sim.engine.catch_up import FAST_MAX_CATCHUP_MS
from terminal_app.sim.engine.events import BookChanged, Event, TradeEvent
from terminal_app.sim.engine.exchange import Exchange
from terminal_app.sim.engine.orders import OrderStatus
from terminal_app.sim.market.history import Granularity

from .conftest import T0, Clock

ETH = SymbolRef("ETHUSDT", Product.SPOT)
BTC = SymbolRef("BTCUSDT", Product.SPOT)
PERP = SymbolRef("BTCUSDT", Product.USDT_FUTURES)


@pytest.fixture
def ex(clock: Clock) -> Iterator[Exchange]:
    exchange = Exchange(seed=17, clock=clock)
    yield exchange
    exchange.close()


def run(ex: Exchange, clock: Clock, ms: int) -> None:
    end = clock.t + ms
    while clock.t < end:
        clock.t += 100
        ex.advance()


def test_books_are_deep_tight_and_never_crossed(ex: Exchange, clock: Clock) -> None:
    for _ in range(50):
        run(ex, clock, 100)
        for market in ex.markets():
            depth = ex.depth(market.ref, 1000)
            assert len(depth.bids) >= market.params.levels - 5
            assert len(depth.asks) >= market.params.levels - 5
            spread = (depth.asks[0][0] - depth.bids[0][0]) / market.tick
            assert 1 <= spread <= market.params.spread_ticks + 1, market.ref
            assert list(depth.bids) == sorted(depth.bids, reverse=True)
            assert list(depth.asks) == sorted(depth.asks)
            assert all(size > 0 for _, size in depth.bids + depth.asks)


def test_synthetic_trades_flow_at_the_top_of_the_book(ex: Exchange, clock: Clock) -> None:
    events: list[Event] = []
    ex.add_listener(events.append)
    run(ex, clock, 20_000)
    trades = [e for e in events if isinstance(e, TradeEvent) and e.ref == BTC]
    assert 40 <= len(trades) <= 160                        # about 4 a second
    assert {t.side for t in trades} == {"buy", "sell"}
    assert all(a.ts <= b.ts for a, b in itertools.pairwise(trades))
    recent = ex.recent_trades(BTC, 5)
    assert [t.trade_id for t in recent] == [t.trade_id for t in reversed(trades[-5:])]
    ticker = ex.ticker(BTC)
    assert ticker.last == trades[-1].price
    assert ticker.bid < ticker.ask
    assert ticker.low_24h <= ticker.last <= ticker.high_24h
    assert ticker.base_volume > 0
    assert ticker.mark_price is None
    books = [e for e in events if isinstance(e, BookChanged) and e.ref == BTC]
    assert len(books) >= 150


def test_a_resting_order_inside_the_spread_gets_filled(ex: Exchange, clock: Clock) -> None:
    depth = ex.depth(ETH, 1)
    price = depth.bids[0][0] + D("0.01")
    assert price < depth.asks[0][0]
    order = ex.place_spot_order("u", "ETHUSDT", "buy", "limit", "0.005", price)
    assert order.status is OrderStatus.LIVE
    for _ in range(600):
        run(ex, clock, 100)
        if ex.get_order("u", Product.SPOT, order.order_id).status is OrderStatus.FILLED:
            break
    done = ex.get_order("u", Product.SPOT, order.order_id)
    assert done.status is OrderStatus.FILLED
    assert done.avg_price == price
    assert {f.scope for f in ex.fills("u", Product.SPOT)} == {"maker"}
    assert all(v == 0 for v in ex.audit().values())


def test_makers_moving_through_a_user_order_fill_it_at_its_price(ex: Exchange, clock: Clock) -> None:
    ask = ex.depth(PERP, 1).asks[0][0]
    order = ex.place_futures_order("u", "BTCUSDT", "sell", "limit", "0.01", ask + 20)
    assert order.status is OrderStatus.LIVE
    ex.shock("BTC", "1.01")
    run(ex, clock, 100)
    filled = ex.get_order("u", Product.USDT_FUTURES, order.order_id)
    assert filled.status is OrderStatus.FILLED
    assert filled.avg_price == ask + 20
    assert ex.positions("u")[0].hold_side == "short"
    assert ex.mark_price(PERP) > ask * D("1.005")
    assert all(v == 0 for v in ex.audit().values())


def test_users_trading_with_the_makers_conserve_money(ex: Exchange, clock: Clock) -> None:
    ex.place_spot_order("u", "BTCUSDT", "buy", "market", "2000")
    ex.place_spot_order("u", "ETHUSDT", "sell", "market", "0.5")
    ex.place_futures_order("u", "BTCUSDT", "buy", "market", "0.05")
    ex.place_futures_order("v", "ETHUSDT", "sell", "market", "1")
    run(ex, clock, 3_000)
    ex.close_positions("u")
    ex.close_positions("v")
    run(ex, clock, 1_000)
    assert ex.positions("u") == []
    assert all(v == 0 for v in ex.audit().values())
    perp = ex.ticker(PERP)
    assert perp.mark_price is not None
    assert perp.index_price is not None
    assert perp.funding_rate == D("0.0001")
    assert perp.next_funding_time is not None
    assert perp.next_funding_time % (8 * 3_600_000) == 0


def test_fast_mode_changes_the_books_thousands_of_times_a_second(clock: Clock) -> None:
    fast = Exchange(seed=17, clock=clock, fast=True)
    start = fast.stats()
    run(fast, clock, 1_000)
    end = fast.stats()
    assert end["steps"] - start["steps"] == 200
    assert end["book_changes"] - start["book_changes"] > 5_000
    fast.close()


def test_a_long_gap_is_skipped_not_replayed(ex: Exchange, clock: Clock) -> None:
    before = ex.stats()["steps"]
    clock.t += 6 * 3_600_000
    ex.advance()
    assert ex.stats()["steps"] - before <= 60_000 // ex.step_ms + 1
    assert ex.now_ms() == clock.t
    # history fills the skipped hours: one 1-minute candle per minute
    candles = ex.candles(BTC, Granularity.M1, start_ms=T0, end_ms=clock.t, limit=1000)
    first = -(-T0 // 60_000) * 60_000
    assert len(candles) == (clock.t // 60_000 * 60_000 - first) // 60_000 + 1
    assert [c.ts for c in candles] == list(range(first, candles[-1].ts + 1, 60_000))


def test_fast_mode_skips_what_it_cannot_catch_up_instead_of_blocking(clock: Clock) -> None:
    # On a loaded machine fast mode falls behind; a minute of 5 ms steps in one call blocked the server for minutes.
    fast = Exchange(seed=17, clock=clock, fast=True)
    before = fast.stats()["steps"]
    clock.t += 10_000
    fast.advance()
    ran = fast.stats()["steps"] - before
    assert 1 <= ran <= FAST_MAX_CATCHUP_MS // fast.step_ms
    assert fast.now_ms() == clock.t
    assert fast.catch_up.skipped_ms == 10_000 - ran * fast.step_ms
    fast.close()


def test_fast_mode_steps_for_a_bounded_wall_time_per_call(clock: Clock) -> None:
    fast = Exchange(seed=17, clock=clock, fast=True)
    assert fast.catch_up.step_budget_s is None  # on a manual clock, deterministic; the server sets a budget
    fast.catch_up.step_budget_s = 0.0          # as if every step took longer than the budget
    before = fast.stats()["steps"]
    clock.t += 50
    fast.advance()
    assert fast.stats()["steps"] - before == 1
    assert fast.now_ms() == clock.t
    assert fast.catch_up.skipped_ms == 45
    fast.close()


def test_the_normal_mode_catches_up_a_minute_step_by_step(ex: Exchange, clock: Clock) -> None:
    before = ex.stats()["steps"]
    clock.t += 30_000
    ex.advance()
    assert ex.stats()["steps"] - before == 30_000 // ex.step_ms
    assert ex.catch_up.skipped_ms == 0


def test_the_fast_server_on_the_wall_clock_gives_the_market_a_step_budget() -> None:
    from terminal_app.sim.engine.catch_up import FAST_STEP_BUDGET_S
    from terminal_app.sim.server.http import SimConfig, SimServer

    assert SimServer(SimConfig(fast=True)).exchange.catch_up.step_budget_s == FAST_STEP_BUDGET_S
    assert SimServer(SimConfig()).exchange.catch_up.step_budget_s is None


def test_requests_while_the_catch_up_is_held_do_not_step_the_market(clock: Clock) -> None:
    fast = Exchange(seed=17, clock=clock, fast=True)
    before, t = fast.stats()["steps"], fast.now_ms()
    clock.t += 50
    with fast.catch_up.held():
        fast.place_spot_order("taker", "BTCUSDT", "buy", "market", D(10))   # a request: it syncs, and may not step
        assert (fast.stats()["steps"], fast.now_ms()) == (before, t)
    fast.advance()
    assert fast.stats()["steps"] - before == 10
    fast.close()


def test_between_steps_every_touch_holds_at_least_the_makers_low_water(ex: Exchange, clock: Clock) -> None:
    """What a request can meet: the book as the last step left it. The synthetic takers trade inside the step and the
    maker refills what they ate below a quarter of a level before the step ends, so the best bid and ask of every
    market always hold at least ``level_lots // 4`` lots (0.05 ETH, 0.0375 BTC on spot) and a small market order
    fills in one trade at the touch."""
    thin: list[tuple[str, int, D, D]] = []
    for step in range(600):
        run(ex, clock, 100)
        for market in ex.markets():
            depth = ex.depth(market.ref, 1)
            low_water = market.params.level_lots // 4 * market.lot
            for price, size in (depth.bids[0], depth.asks[0]):
                if size < low_water:
                    thin.append((str(market.ref), step, price, size))
    assert thin == []
