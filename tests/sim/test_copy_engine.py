"""The copy-trading engine on an in-memory exchange with an injected clock: synthetic traders (determinism, their
record computed from their trades), following and copying with each trace type, TP/SL, closes, Bitget's rules
(hedge mode, no ordinary close of copy positions, follower slots, one order a second), the user as an elite trader
with synthetic followers and the profit-share arithmetic, reconciliation and spot copy."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from decimal import ROUND_DOWN
from decimal import Decimal as D

import pytest

from terminal_app.bitget.errors import (
    ExchangeError,
    InvalidOrder,
    OrderNotFound,
    PermissionDenied,
    PositionModeMismatch,
    RateLimited,
)
from terminal_app.core.copy_trading import FollowSetting, SpotFollowSetting
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.sim.copy.engine import CopyEngine
from terminal_app.sim.copy.state import FOLLOWER, SPOT_MARKET, SYNTHETIC_FOLLOWERS, TRADER, Track
from terminal_app.sim.copy.traders import (
    COPY_SYMBOLS,
    LIVE_SLOT_MS,
    ExchangePrices,
    TraderBook,
    max_followers,
)
from terminal_app.sim.engine.exchange import Exchange
from terminal_app.sim.market.price import DAY_MS

from .conftest import T0, Clock

USER = "10000001"
FUT = Product.USDT_FUTURES
ALL = [FollowSetting(s, "percent", D(1)) for s in COPY_SYMBOLS]


@pytest.fixture
def ex(clock: Clock) -> Iterator[Exchange]:
    exchange = Exchange(seed=11, clock=clock)
    exchange.ensure_user(USER)
    exchange.set_position_mode(USER, "hedge_mode")
    yield exchange
    exchange.close()


@pytest.fixture
def ce(ex: Exchange, clock: Clock) -> Iterator[CopyEngine]:
    engine = CopyEngine(ex, clock=clock)
    yield engine
    engine.close()


def run(ce: CopyEngine, clock: Clock, seconds: float, step_ms: int = 1_000) -> None:
    for _ in range(int(seconds * 1000) // step_ms):
        clock.t += step_ms
        ce.sync()


def trader_named(ce: CopyEngine, name: str) -> str:
    return next(t.trader_id for t in ce.traders.values() if t.name == name)


def open_copies(ce: CopyEngine, uid: str = USER) -> list[Track]:
    return ce.tracks_of(uid, role=FOLLOWER)


def wait_for_copy(ce: CopyEngine, clock: Clock, uid: str = USER, limit_s: int = 60) -> Track:
    for _ in range(limit_s):
        clock.t += 1_000
        ce.sync()
        copies = open_copies(ce, uid)
        if copies:
            return copies[0]
    raise AssertionError(f"no copy within {limit_s} s")


def position_size(ex: Exchange, uid: str, symbol: str, side: str) -> D:
    return sum((p.total for p in ex.positions(uid, symbol) if p.hold_side == side), D(0))


# ---- synthetic traders --------------------------------------------------------------------------------------------


def test_trader_record_is_deterministic_and_computed_from_trades(ex: Exchange) -> None:
    a = TraderBook(11, T0, ExchangePrices(ex.candles))
    b = TraderBook(11, T0, ExchangePrices(ex.candles))
    other = TraderBook(12, T0, ExchangePrices(ex.candles))
    for profile in a.profiles:
        tid = profile.trader_id
        history = a.history(tid)
        assert history == b.history(tid)
        assert len(history) > 300                             # a year of trading
        assert history[0].close_time >= a.history_start
        assert history[-1].close_time < T0
        stats = a.stats(tid, T0)
        pnl = sum((t.net for t in history), D(0))
        wins = sum(1 for t in history if t.net > 0)
        assert stats.pnl == pnl
        assert stats.trades == len(history)
        assert stats.wins == wins
        assert stats.roi == (pnl / profile.initial_equity * 100).quantize(D("0.01"))
        assert stats.win_rate == (D(wins) / len(history) * 100).quantize(D("0.01"))
        assert stats.equity == profile.initial_equity + pnl
        assert 0 <= stats.max_drawdown < 100
        assert stats.max_followers == max_followers(stats.equity)
        assert 0 <= stats.followers <= stats.max_followers
        assert stats.aum == (profile.copy_capital * stats.followers).quantize(D("0.01"))
        curve = a.curve(tid, T0, 30)
        assert len(curve) == 31
        assert curve[-1] == (T0, stats.equity)
        month = a.stats(tid, T0, 30)
        assert month.pnl == curve[-1][1] - a.equity_at(profile, T0 - 30 * DAY_MS)
    assert [p.trader_id for p in a.profiles] != [p.trader_id for p in other.profiles]
    assert a.history(a.profiles[0].trader_id) != other.history(other.profiles[0].trader_id)
    assert a.live_opens(T0, T0 + 600_000) == b.live_opens(T0, T0 + 600_000)
    assert max_followers(D(99)) == 0
    assert max_followers(D(100)) == 100
    assert max_followers(D(4999)) == 300
    assert max_followers(D(5000)) == 500


def test_every_trader_opens_within_a_minute(ex: Exchange) -> None:
    book = TraderBook(11, T0, ExchangePrices(ex.candles))
    opens = book.live_opens(T0, T0 + 30 * 60_000)
    for profile in book.profiles:
        times = [T0] + [o.time for o in opens if o.profile is profile and not o.spot]
        assert max(b - a for a, b in itertools.pairwise(times)) < 2 * LIVE_SLOT_MS


# ---- following ----------------------------------------------------------------------------------------------------


def test_follower_gets_a_copy_within_a_minute_with_slippage_and_fees(ex: Exchange, ce: CopyEngine,
                                                                     clock: Clock) -> None:
    tid = trader_named(ce, "MomentumMaya")
    ce.follow(USER, tid, ALL)
    copy = wait_for_copy(ce, clock)
    parent = ce.tracks[copy.parent]
    assert parent.role == TRADER
    assert parent.trader_id == tid
    assert parent.follow_count == 1
    assert copy.trader_id == tid
    assert copy.symbol == parent.symbol
    assert copy.hold_side == parent.hold_side
    assert copy.size == parent.size                          # percent 1: the trader's size
    assert copy.trader_price == parent.open_price
    assert copy.delay_ms >= 0
    assert copy.open_fee == (copy.open_price * copy.size * D("0.0006"))  # taker fee on the market fill
    assert position_size(ex, USER, copy.symbol, copy.hold_side) == copy.size
    order = ex.get_order(USER, FUT, copy.open_order_id)
    assert order.avg_price == copy.open_price
    assert order.trade_side == "open"
    # the trader's close closes the copy
    clock.t = (parent.due_ms or 0) + 1
    ce.sync()
    assert not copy.is_open
    assert not parent.is_open
    assert copy.achieved_pl == copy.unrealized(copy.close_price or D(0))
    # (copies of the trader's later opens may be open meanwhile)
    assert position_size(ex, USER, copy.symbol, copy.hold_side) == ce.tracked_size(USER, "futures", copy.symbol,
                                                                                   copy.hold_side)


@pytest.mark.parametrize(("trace_type", "value"), [("percent", D("2")), ("amount", D("150")), ("count", D("0.01"))])
def test_trace_types_size_the_copy(ex: Exchange, ce: CopyEngine, clock: Clock, trace_type: str, value: D) -> None:
    tid = trader_named(ce, "AtlasQuant")
    ce.follow(USER, tid, [FollowSetting("BTCUSDT", trace_type, value), FollowSetting("ETHUSDT", trace_type, value)])
    copy = wait_for_copy(ce, clock, limit_s=120)
    parent = ce.tracks[copy.parent]
    lot = ex.market(SymbolRef(copy.symbol, FUT)).lot
    if trace_type == "percent":
        expected = parent.size * value
    elif trace_type == "amount":
        expected = value * parent.leverage / ex.mark_price(SymbolRef(copy.symbol, FUT))
    else:
        expected = value
    expected = (expected / lot).to_integral_value(rounding=ROUND_DOWN) * lot
    assert copy.size == expected
    assert copy.leverage == parent.leverage
    assert ex.symbol_settings(USER, copy.symbol).cross_leverage == parent.leverage


def test_max_hold_size_caps_the_copied_size(ce: CopyEngine, clock: Clock) -> None:
    tid = trader_named(ce, "AtlasQuant")
    ce.follow(USER, tid, [FollowSetting(s, "percent", D(5), max_hold_size=D("0.02") if s == "BTCUSDT" else D("0.5"))
                          for s in ("BTCUSDT", "ETHUSDT")])
    run(ce, clock, 240, step_ms=3_000)
    copied = ce.tracks_of(USER, role=FOLLOWER) + ce.tracks_of(USER, role=FOLLOWER, open_=False)
    assert {t.symbol for t in copied} == {"BTCUSDT", "ETHUSDT"}
    assert any(t.size < ce.tracks[t.parent].size * 5 for t in copied)     # the cap cut some copies
    for symbol, cap in (("BTCUSDT", D("0.02")), ("ETHUSDT", D("0.5"))):
        for side in ("long", "short"):
            assert ce.tracked_size(USER, "futures", symbol, side) <= cap


def test_follow_rules(ex: Exchange, ce: CopyEngine) -> None:
    tid = trader_named(ce, "SolSurfer")
    with pytest.raises(InvalidOrder) as unknown:
        ce.follow(USER, "nope", ALL)
    assert unknown.value.code == "40860"
    with pytest.raises(ExchangeError) as ratio:
        ce.follow(USER, tid, [FollowSetting("BTCUSDT", "percent", D(20))])
    assert ratio.value.code == "43053"
    with pytest.raises(ExchangeError) as tp:
        ce.follow(USER, tid, [FollowSetting("BTCUSDT", "percent", D(1), stop_surplus_ratio=D(500))])
    assert tp.value.code == "43056"
    with pytest.raises(ExchangeError) as symbol:
        ce.follow(USER, tid, [FollowSetting("XRPUSDT", "percent", D(1))])
    assert symbol.value.code == "40034"
    ex.ensure_user("one-way")
    with pytest.raises(PositionModeMismatch) as mode:
        ce.follow("one-way", tid, ALL)
    assert mode.value.code == "40731"
    with pytest.raises(InvalidOrder) as not_following:
        ce.unfollow(USER, tid)
    assert not_following.value.code == "43062"


def test_follower_tpsl_and_closes(ex: Exchange, ce: CopyEngine, clock: Clock) -> None:
    ce.follow(USER, trader_named(ce, "SteadyEddie"), ALL)
    copy = wait_for_copy(ce, clock)
    mark = ex.mark_price(SymbolRef(copy.symbol, FUT))
    long = copy.hold_side == "long"
    with pytest.raises(InvalidOrder) as wrong:
        ce.set_tpsl(USER, copy.tracking_no, mark * (D("0.9") if long else D("1.1")), None, role=FOLLOWER)
    assert wrong.value.code == "40917"
    tp = (mark * (D("1.5") if long else D("0.5"))).quantize(D("0.01"))
    sl = (mark * (D("0.5") if long else D("1.5"))).quantize(D("0.01"))
    ce.set_tpsl(USER, copy.tracking_no, tp, sl, role=FOLLOWER)
    assert (copy.tp, copy.sl) == (tp, sl)
    ce.set_tpsl(USER, copy.tracking_no, D(0), None, role=FOLLOWER)
    assert copy.tp is None
    assert copy.sl == sl
    # the stop loss fires on the mark
    ce.set_tpsl(USER, copy.tracking_no, None, mark * (D("0.9999") if long else D("1.0001")), role=FOLLOWER)
    ex.shock(ex.market(SymbolRef(copy.symbol, FUT)).underlying, D("0.97") if long else D("1.03"))
    clock.t += 500
    ce.sync()
    assert not copy.is_open
    assert copy.stop_type == "loss"
    assert copy.close_order_id
    with pytest.raises(InvalidOrder) as closed:
        ce.set_tpsl(USER, copy.tracking_no, None, D(1), role=FOLLOWER)
    assert closed.value.code == "43064"
    with pytest.raises(OrderNotFound):
        ce.follower_close(USER, tracking_no="123")


def test_copy_positions_close_only_through_copy_trading(ex: Exchange, ce: CopyEngine, clock: Clock) -> None:
    ce.follow(USER, trader_named(ce, "NightOwlScalper"), ALL)
    copy = wait_for_copy(ce, clock)
    side = "buy" if copy.hold_side == "long" else "sell"
    with pytest.raises(InvalidOrder) as refused:
        ex.place_futures_order(USER, copy.symbol, side, "market", copy.size, trade_side="close")
    assert refused.value.code == "40866"
    with pytest.raises(InvalidOrder):
        ex.close_positions(USER, copy.symbol)
    with pytest.raises(PositionModeMismatch) as mode:
        ex.set_position_mode(USER, "one_way_mode")
    assert mode.value.code == "40731"
    # the user's own part of the same position stays closable
    own = ex.place_futures_order(USER, copy.symbol, side, "market", copy.size, trade_side="open")
    ex.place_futures_order(USER, copy.symbol, side, "market", own.filled_size, trade_side="close")
    assert position_size(ex, USER, copy.symbol, copy.hold_side) == copy.size
    ids = ce.follower_close(USER, tracking_no=copy.tracking_no)
    assert ids == [copy.close_order_id]
    assert not copy.is_open
    assert position_size(ex, USER, copy.symbol, copy.hold_side) == 0
    assert ex.audit()["futures:USDT"] == 0


def test_profit_share_is_paid_by_profitable_copies(ex: Exchange, ce: CopyEngine, clock: Clock) -> None:
    tid = trader_named(ce, "MomentumMaya")
    ce.follow(USER, tid, ALL)
    run(ce, clock, 420, step_ms=3_000)
    closed = ce.tracks_of(USER, role=FOLLOWER, open_=False)
    assert closed
    ratio = ce.traders[tid].share_ratio
    for t in closed:
        net = t.achieved_pl - t.open_fee - t.close_fee
        expected = (net * ratio).quantize(D("0.00000001"), rounding=ROUND_DOWN) if net > 0 else D(0)
        assert t.profit_share == expected
        assert t.net_profit == net - expected
    assert any(t.profit_share > 0 for t in closed)
    assert ex.audit()["futures:USDT"] == 0


def test_unfollow_closes_open_copies(ex: Exchange, ce: CopyEngine, clock: Clock) -> None:
    tid = trader_named(ce, "MomentumMaya")
    ce.follow(USER, tid, ALL)
    copy = wait_for_copy(ce, clock)
    ce.unfollow(USER, tid)
    assert not copy.is_open
    assert ce.follow_of(USER, tid) is None
    assert all(p.total == 0 for p in ex.positions(USER))
    run(ce, clock, 60)
    assert not open_copies(ce)


def test_positions_closed_outside_copy_trading_are_reconciled(ex: Exchange, ce: CopyEngine, clock: Clock) -> None:
    ce.follow(USER, trader_named(ce, "SteadyEddie"), ALL)
    copy = wait_for_copy(ce, clock)
    mark = ex.mark_price(SymbolRef(copy.symbol, FUT))
    long = copy.hold_side == "long"
    tick = ex.market(SymbolRef(copy.symbol, FUT)).tick
    stop = (mark * (D("0.999") if long else D("1.001"))).quantize(tick)
    ex.place_pos_tpsl(USER, copy.symbol, copy.hold_side, stop_loss=stop)
    ex.shock(ex.market(SymbolRef(copy.symbol, FUT)).underlying, D("0.95") if long else D("1.05"))
    clock.t += 1_000
    ce.sync()
    assert position_size(ex, USER, copy.symbol, copy.hold_side) == 0
    assert not copy.is_open
    assert copy.close_price is not None


# ---- the user as an elite trader ----------------------------------------------------------------------------------


def test_trader_mode_followers_copy_and_profit_share_accrues(ex: Exchange, ce: CopyEngine, clock: Clock) -> None:
    with pytest.raises(PermissionDenied):
        ce.trader_for_uid(USER)
    trader = ce.enable_trader(USER)
    followers = [uid for uid, _, _ in SYNTHETIC_FOLLOWERS]
    assert sorted(trader.followers) == followers
    assert trader.total_followers == 4
    start_equity = ex.futures_account(USER).equity
    order = ex.place_futures_order(USER, "BTCUSDT", "buy", "market", D("0.05"), trade_side="open")
    with pytest.raises(RateLimited) as fast:
        ex.place_futures_order(USER, "ETHUSDT", "buy", "market", D("0.1"), trade_side="open")
    assert fast.value.code == "40918"
    ce.sync()
    (track,) = ce.tracks_of(USER, role=TRADER)
    assert track.open_order_id == order.order_id
    assert track.size == order.filled_size
    assert track.follow_count == 4
    copies = {c.owner: c for c in (ce.tracks[n] for n in ce.children[track.tracking_no])}
    for uid, _, ratio in SYNTHETIC_FOLLOWERS:
        assert copies[uid].size == track.size * ratio
    with pytest.raises(InvalidOrder):
        ex.place_futures_order(USER, "BTCUSDT", "buy", "market", D("0.05"), trade_side="close")
    # remove one follower: its copy closes
    ce.remove_follower(USER, followers[0])
    assert not copies[followers[0]].is_open
    assert followers[0] not in trader.followers
    with pytest.raises(InvalidOrder) as again:
        ce.follow(followers[0], trader.trader_id, ALL)
    assert again.value.code == "43047"
    # a rising market, then the trader closes by trackingNo
    ex.shock("BTC", D("1.03"))
    clock.t += 1_000
    ce.sync()
    mark = ex.mark_price(SymbolRef("BTCUSDT", FUT))
    ce.set_tpsl(USER, track.tracking_no, mark * 2, None, role=TRADER)
    with pytest.raises(RateLimited):
        ce.set_tpsl(USER, track.tracking_no, mark * 3, None, role=TRADER)
    (closed,) = ce.trader_close(USER, tracking_no=track.tracking_no)
    assert closed is track
    assert not track.is_open
    assert all(not c.is_open for c in copies.values())
    # the profit share: 10 % of each profitable copy's net profit, paid to the trader
    shares = []
    for uid in followers[1:]:
        c = copies[uid]
        net = c.achieved_pl - c.open_fee - c.close_fee
        assert net > 0
        share = (net * D("0.10")).quantize(D("0.00000001"), rounding=ROUND_DOWN)
        assert c.profit_share == share
        shares.append(share)
    received = [r.profit for r in trader.profits]
    assert received == shares
    own = track.achieved_pl - track.open_fee - track.close_fee
    assert ex.futures_account(USER).equity == start_equity + own + sum(shares)
    assert ex.audit()["futures:USDT"] == 0
    stats = ce.stats(trader)
    assert stats.trades == 1
    assert stats.wins == 1
    assert stats.pnl == own


def test_trader_rules(ex: Exchange, ce: CopyEngine) -> None:
    ex.ensure_user("one-way")
    with pytest.raises(PositionModeMismatch):
        ce.enable_trader("one-way")
    ex.ensure_user("copier")
    ex.set_position_mode("copier", "hedge_mode")
    ce.follow("copier", trader_named(ce, "SteadyEddie"), ALL)
    with pytest.raises(InvalidOrder) as copier:
        ce.enable_trader("copier")
    assert copier.value.code == "45075"
    trader = ce.enable_trader(USER)
    with pytest.raises(InvalidOrder) as self_follow:
        ce.follow(USER, trader.trader_id, ALL)
    assert self_follow.value.code == "43063"
    with pytest.raises(InvalidOrder) as trader_follows:
        ce.follow(USER, trader_named(ce, "AtlasQuant"), ALL)
    assert trader_follows.value.code == "31031"
    # follower slots by equity: 10,000 USDT gives 500
    assert ce.follower_slots(trader) == 500
    for n in range(500 - len(trader.followers)):
        trader.followers[f"x{n}"] = 0
    ex.ensure_user("late")
    ex.set_position_mode("late", "hedge_mode")
    with pytest.raises(InvalidOrder) as full:
        ce.follow("late", trader.trader_id, ALL)
    assert full.value.code == "43045"


def test_trader_tpsl_closes_the_tracking_order_and_its_copies(ex: Exchange, ce: CopyEngine, clock: Clock) -> None:
    ce.enable_trader(USER)
    ex.place_futures_order(USER, "ETHUSDT", "sell", "market", D("0.5"), trade_side="open")
    ce.sync()
    (track,) = ce.tracks_of(USER, role=TRADER)
    mark = ex.mark_price(SymbolRef("ETHUSDT", FUT))
    ce.set_tpsl(USER, track.tracking_no, mark * D("0.99"), None, role=TRADER)
    ex.shock("ETH", D("0.97"))
    clock.t += 1_000
    ce.sync()
    assert not track.is_open
    assert track.stop_type == "profit"
    assert all(not ce.tracks[n].is_open for n in ce.children[track.tracking_no])
    assert position_size(ex, USER, "ETHUSDT", "short") == 0


# ---- spot copy ----------------------------------------------------------------------------------------------------


def test_spot_copy(ex: Exchange, ce: CopyEngine, clock: Clock) -> None:
    tid = trader_named(ce, "MomentumMaya")
    ce.spot_follow(USER, tid, [SpotFollowSetting("BTCUSDT", "amount", D("50"), None),
                               SpotFollowSetting("ETHUSDT", "amount", D("50"), None)])
    copy = None
    for _ in range(120):
        clock.t += 1_000
        ce.sync()
        spot = ce.tracks_of(USER, role=FOLLOWER, market=SPOT_MARKET)
        if spot:
            copy = spot[0]
            break
    assert copy is not None
    assert copy.open_price * (copy.size + copy.open_fee / copy.open_price) <= D(50)
    base = ex.market(SymbolRef(copy.symbol, Product.SPOT)).info.base_coin
    held = next(b.available for b in ex.spot_balances(USER) if b.coin == base)
    with pytest.raises(InvalidOrder) as refused:
        ex.place_spot_order(USER, copy.symbol, "sell", "market", held)
    assert refused.value.code == "40866"
    ce.follower_close(USER, market=SPOT_MARKET, symbol=copy.symbol, tracking_nos=[copy.tracking_no])
    assert not copy.is_open
    assert copy.close_fee > 0
    assert ex.audit()["USDT"] == 0
