"""The copy-trading client against the simulator over loopback sockets, for every copy endpoint: a follower follows a
trader, sees the copied position with its trackingNo, sets TP/SL, closes it and unfollows; a user becomes an elite
trader, opens a tracked position that synthetic followers copy, removes a follower, closes by trackingNo and receives
the profit share (arithmetic checked); the same for spot; broker access and the copy rate limits."""

from __future__ import annotations

import json
import random
import time
from collections.abc import AsyncIterator
from decimal import ROUND_DOWN
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from terminal_app.bitget.errors import InvalidOrder, RateLimited
from terminal_app.bitget.http import BitgetHttp
from terminal_app.bitget.rest import BitgetRestClient
from terminal_app.bitget.rest_copy import COPY_RATES, BrokerAccessDenied, CopyClient, CopyPaths, TraderSymbolChange
from terminal_app.core.copy_trading import FollowSetting, SpotFollowSetting
from terminal_app.core.credentials import Credentials
from terminal_app.core.enums import PositionMode
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.sim.copy.engine import CopyEngine
from terminal_app.sim.copy.state import FOLLOWER, SPOT_MARKET
from terminal_app.sim.server.auth import DEMO_UID
from terminal_app.sim.server.http import SimConfig, SimServer

FUT = Product.USDT_FUTURES
PERP = SymbolRef("BTCUSDT", FUT)
SPOT_BTC = SymbolRef("BTCUSDT", Product.SPOT)
P = CopyPaths


class Clock:
    """The machine's time plus a test-controlled offset, so the market and the traders move on demand."""

    def __init__(self) -> None:
        self.offset = 0

    def __call__(self) -> int:
        return time.time_ns() // 1_000_000 + self.offset


# Every successful copy-trading answer of every scenario of this module, for typed-bitget's judgement at the end.
COPY_ANSWERS: list[tuple[tuple[str, str], Any]] = []


class Recording(httpx.AsyncBaseTransport):
    """The real loopback transport, remembering every path requested and every copy-trading answer's ``data``."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.paths: set[str] = set()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.add(request.url.path)
        response = await self.inner.handle_async_request(request)
        if "/api/v2/copy/" not in request.url.path:
            return response
        body = await response.aread()
        payload = json.loads(body) if body else None
        if isinstance(payload, dict) and payload.get("code") == "00000":
            COPY_ANSWERS.append(((request.method, request.url.path), payload.get("data")))
        return httpx.Response(response.status_code, headers=response.headers, content=body,
                              extensions=response.extensions)

    async def aclose(self) -> None:
        await self.inner.aclose()


class Sim:
    def __init__(self, server: SimServer, clock: Clock) -> None:
        self.server = server
        self.clock = clock
        self.https: list[BitgetHttp] = []
        self.transport = Recording()

    @property
    def copy(self) -> CopyEngine:
        return self.server.copy

    async def client(self, creds: Credentials | None = None, *,
                     limits: bool = False) -> tuple[CopyClient, BitgetRestClient]:
        info = self.server.info
        assert info is not None
        creds = creds or Credentials(info.api_key, info.secret, info.passphrase)
        http = BitgetHttp(info.rest, creds, rate_limits=limits, transport=self.transport, get_attempts=1,
                          rng=random.Random(1))
        self.https.append(http)
        await http.sync_time()
        rest = BitgetRestClient(http, lookup_delay_s=0.0)
        return CopyClient(rest), rest

    async def advance(self, seconds: float = 1.0) -> None:
        """Move the clock, run the market and copy trading to it, and re-sync the clients' clocks."""
        self.clock.offset += int(seconds * 1000)
        self.server.exchange.advance()
        self.copy.sync()
        for http in self.https:
            await http.sync_time()

    def new_user(self) -> tuple[str, Credentials]:
        key = self.server.keys.create()
        return key.uid, key.credentials


@pytest_asyncio.fixture
async def sim() -> AsyncIterator[Sim]:
    clock = Clock()
    server = SimServer(SimConfig(seed=9, rate_limits=False), clock_ms=clock)
    await server.start()
    state = Sim(server, clock)
    yield state
    for http in state.https:
        await http.aclose()
    await server.stop()


async def trader_id_named(client: CopyClient, name: str) -> str:
    (trader,) = await client.broker_traders(trader_name=name)
    return trader.trader_id


FOLLOWER_PATHS = {P.MIX_BROKER_QUERY_TRADERS, P.MIX_BROKER_CURRENT_TRACES, P.MIX_BROKER_HISTORY_TRACES,
                  P.MIX_FOLLOWER_SETTINGS, P.MIX_FOLLOWER_QUERY_SETTINGS, P.MIX_FOLLOWER_CURRENT_ORDERS,
                  P.MIX_FOLLOWER_SETTING_TPSL, P.MIX_FOLLOWER_CLOSE_POSITIONS, P.MIX_FOLLOWER_HISTORY_ORDERS,
                  P.MIX_FOLLOWER_QUERY_TRADERS, P.MIX_FOLLOWER_QUANTITY_LIMIT, P.MIX_FOLLOWER_CANCEL_TRADER}
TRADER_PATHS = {P.MIX_TRADER_SETTINGS_BASE, P.MIX_TRADER_QUERY_FOLLOWERS, P.MIX_TRADER_CURRENT_TRACK,
                P.MIX_TRADER_MODIFY_TPSL, P.MIX_TRADER_REMOVE_FOLLOWER, P.MIX_TRADER_CLOSE_POSITIONS,
                P.MIX_TRADER_HISTORY_TRACK, P.MIX_TRADER_TOTAL_DETAIL, P.MIX_TRADER_PROFIT_SUMMARYS,
                P.MIX_TRADER_PROFIT_HISTORY, P.MIX_TRADER_PROFIT_DETAILS, P.MIX_TRADER_PROFITS_BY_DATE,
                P.MIX_TRADER_QUERY_SYMBOLS, P.MIX_TRADER_SETTING_SYMBOLS}
SPOT_FOLLOWER_PATHS = {P.SPOT_FOLLOWER_SETTINGS, P.SPOT_FOLLOWER_QUERY_SETTINGS, P.SPOT_FOLLOWER_TRADER_SYMBOLS,
                       P.SPOT_FOLLOWER_CURRENT_ORDERS, P.SPOT_FOLLOWER_SETTING_TPSL, P.SPOT_FOLLOWER_STOP_ORDER,
                       P.SPOT_FOLLOWER_CLOSE_TRACKING, P.SPOT_FOLLOWER_HISTORY_ORDERS, P.SPOT_FOLLOWER_QUERY_TRADERS,
                       P.SPOT_FOLLOWER_CANCEL_TRADER}
SPOT_TRADER_PATHS = {P.SPOT_TRADER_SETTING_SYMBOLS, P.SPOT_TRADER_QUERY_SETTINGS, P.SPOT_TRADER_CURRENT_TRACK,
                     P.SPOT_TRADER_MODIFY_TPSL, P.SPOT_TRADER_QUERY_FOLLOWERS, P.SPOT_TRADER_REMOVE_FOLLOWER,
                     P.SPOT_TRADER_CLOSE_TRACKING, P.SPOT_TRADER_HISTORY_TRACK, P.SPOT_TRADER_TOTAL_DETAIL,
                     P.SPOT_TRADER_PROFIT_SUMMARYS, P.SPOT_TRADER_PROFIT_HISTORY, P.SPOT_TRADER_PROFIT_DETAILS}


def test_the_loopback_scenarios_cover_every_copy_endpoint() -> None:
    assert set(P.all()) == FOLLOWER_PATHS | TRADER_PATHS | SPOT_FOLLOWER_PATHS | SPOT_TRADER_PATHS


@pytest.mark.asyncio
async def test_follower_copies_a_trader(sim: Sim) -> None:
    client, rest = await sim.client()
    await rest.mix_set_position_mode(FUT, PositionMode.HEDGE)
    traders = await client.broker_traders(sort_rule="roi", sort_flag="desc")
    assert len(traders) == 6
    rois = [t.roi for t in traders]
    assert rois == sorted(rois, reverse=True)                            # type: ignore[type-var]
    assert all(t.max_drawdown is not None and t.aum is not None and t.can_follow for t in traders)
    tid = await trader_id_named(client, "MomentumMaya")
    assert await client.follower_set_settings(tid, [FollowSetting(s, "percent", D(1))
                                                    for s in ("BTCUSDT", "ETHUSDT", "SOLUSDT")])
    settings = await client.follower_settings(tid)
    assert settings.following
    assert {d.symbol for d in settings.details} == {"BTCUSDT", "ETHUSDT", "SOLUSDT"}
    # a copied position appears within a minute of simulated time
    tracks = None
    for _ in range(60):
        await sim.advance(1)
        page = await client.follower_current_tracks()
        if page.items:
            tracks = page.items
            break
    assert tracks is not None
    copy = tracks[0]
    assert copy.trader_id == tid
    assert copy.trader_name == "MomentumMaya"
    assert copy.open_size > 0
    assert copy.trader_tracking_no
    assert copy.trader_price
    assert copy.copy_delay_ms is not None
    traces = (await client.broker_current_traces(tid)).items
    parent = next(t for t in traces if t.tracking_no == copy.trader_tracking_no)
    assert parent.follow_count == 1
    assert parent.open_size == copy.open_size
    assert parent.symbol == copy.symbol
    positions = await rest.mix_all_positions()
    held = sum((p.total for p in positions if p.symbol == copy.symbol and p.hold_side == copy.pos_side), D(0))
    assert held >= copy.open_size
    # an ordinary futures close of a copy position is refused
    with pytest.raises(InvalidOrder) as refused:
        await rest.mix_place_order(SymbolRef(copy.symbol, FUT), "buy" if copy.pos_side == "long" else "sell",
                                   "market", copy.open_size, margin_coin="USDT", margin_mode="crossed",
                                   trade_side="close")
    assert refused.value.code == "40866"
    # TP/SL on the copy, then close it through copy trading
    ticker = await rest.mix_ticker(SymbolRef(copy.symbol, FUT))
    tp = ticker.mark_price * (2 if copy.pos_side == "long" else D("0.5"))
    assert tp is not None
    tp = tp.quantize(D("0.1") if copy.symbol == "BTCUSDT" else D("0.01"))
    assert await client.follower_set_tpsl(copy.tracking_no, SymbolRef(copy.symbol, FUT), take_profit=tp)
    current = {t.tracking_no: t for t in (await client.follower_current_tracks(trader_id=tid)).items}
    assert current[copy.tracking_no].stop_surplus_price == tp
    order_ids = await client.follower_close_positions(FUT, tracking_no=copy.tracking_no)
    assert len(order_ids) == 1
    history = (await client.follower_history_tracks(limit=100)).items
    closed = next(t for t in history if t.tracking_no == copy.tracking_no)
    assert closed.is_closed
    assert closed.close_order_id == order_ids[0]
    assert closed.trader_id == tid
    assert closed.net_profit == closed.achieved_pl + (closed.open_fee or 0) + (closed.close_fee or 0) - (
        sim.copy.tracks[copy.tracking_no].profit_share)
    (mine,) = await client.follower_traders()
    assert mine.trader_id == tid
    assert mine.current_trading_pairs
    limits = await client.follower_quantity_limits()
    assert [q.symbol for q in limits] == ["BTCUSDT", "ETHUSDT", "SOLUSDT"]
    assert (await client.broker_history_traces(tid, limit=50)).items
    assert await client.follower_unfollow(tid)
    assert await client.follower_traders() == []
    assert not (await client.follower_settings(tid)).following
    assert sim.transport.paths >= FOLLOWER_PATHS


@pytest.mark.asyncio
async def test_elite_trader_is_copied_and_receives_profit_share(sim: Sim) -> None:
    uid, creds = sim.new_user()
    client, rest = await sim.client(creds)
    await rest.mix_set_position_mode(FUT, PositionMode.HEDGE)
    assert await client.trader_set_base(enable=True, show_tpsl=True)
    followers = await client.trader_followers()
    assert len(followers) == 4
    assert all(f.removable for f in followers)
    symbols = await client.trader_symbol_settings()
    assert {s.symbol for s in symbols} == {"BTCUSDT", "ETHUSDT", "SOLUSDT"}
    assert all(s.open_trader for s in symbols)
    assert await client.trader_set_symbols([TraderSymbolChange("BTCUSDT", "UPDATE", stop_loss_ratio=50)])
    assert next(s for s in await client.trader_symbol_settings() if s.symbol == "BTCUSDT").stop_loss_ratio == 50
    before = (await rest.mix_accounts())[0].equity
    await client.trader_place_futures_order(PERP, "buy", "market", D("0.05"), margin_coin="USDT",
                                            margin_mode="crossed", trade_side="open")
    with pytest.raises(RateLimited) as fast:              # one order a second for elite traders
        await client.trader_place_futures_order(PERP, "buy", "market", D("0.05"), margin_coin="USDT",
                                                margin_mode="crossed", trade_side="open")
    assert fast.value.code == "40918"
    await sim.advance(1)
    (track,) = (await client.trader_current_tracks()).items
    assert track.symbol == "BTCUSDT"
    assert track.open_size == D("0.05")
    assert track.follow_count == 4
    assert track.stop_loss_price is not None
    assert track.stop_loss_price < track.open_price
    with pytest.raises(InvalidOrder) as refused:
        await rest.mix_close_positions(PERP, hold_side="long")
    assert refused.value.code == "40866"
    tid = await trader_id_named(client, f"BGU-{uid[-4:]}")
    (trace,) = (await client.broker_current_traces(tid)).items
    assert trace.tracking_no == track.tracking_no
    mark = (await rest.mix_ticker(PERP)).mark_price
    assert mark is not None
    assert await client.trader_modify_tpsl(track.tracking_no, take_profit=(mark * 2).quantize(D("0.1")))
    removed = followers[0].follower_uid
    assert await client.trader_remove_follower(removed)
    assert removed not in {f.follower_uid for f in await client.trader_followers()}
    sim.server.exchange.shock("BTC", D("1.03"))
    await sim.advance(1)
    pending = await client.trader_pending_profit()
    assert len(pending) == 3
    assert all(p.profit > 0 for p in pending)
    (closed,) = await client.trader_close_tracks(PERP, tracking_no=track.tracking_no)
    assert closed.tracking_no == track.tracking_no
    assert (await client.trader_current_tracks()).items == ()
    (done,) = (await client.trader_history_tracks()).items
    assert done.is_closed
    assert done.achieved_pl is not None
    assert done.achieved_pl > 0
    # the arithmetic: each remaining follower pays 10 % of its copy's net profit
    expected = []
    for f in followers[1:]:
        (copy,) = sim.copy.tracks_of(f.follower_uid, role=FOLLOWER, open_=False)
        net = copy.achieved_pl - copy.open_fee - copy.close_fee
        expected.append((net * D("0.10")).quantize(D("0.00000001"), rounding=ROUND_DOWN))
    history = (await client.trader_profit_history()).items
    assert sorted(p.profit for p in history) == sorted(expected)
    assert all(p.coin == "USDT" for p in history)
    summary = await client.trader_profit_summary()
    assert summary.sum_profit == sum(expected)
    assert summary.wait_profit == 0
    (by_date,) = await client.trader_profits_by_date()
    assert by_date.profit == sum(expected)
    assert await client.trader_pending_profit() == []
    own = done.achieved_pl + (done.open_fee or 0) + (done.close_fee or 0)      # fees come negative
    after = (await rest.mix_accounts())[0].equity
    assert after == before + own + sum(expected)
    detail = await client.trader_summary()
    assert (detail.trading_order_num, detail.gain_num, detail.loss_num) == (1, 1, 0)
    assert (detail.current_follower_num, detail.total_follower_num) == (3, 4)
    assert detail.total_pl == own.quantize(D("0.01"))
    assert len(detail.last_month_roi) == 30
    assert sim.transport.paths >= TRADER_PATHS


@pytest.mark.asyncio
async def test_spot_follower(sim: Sim) -> None:
    client, _rest = await sim.client()
    tid = await trader_id_named(client, "MomentumMaya")
    assert await client.spot_follower_trader_symbols(tid) == ["BTCUSDT", "ETHUSDT"]
    settings = [SpotFollowSetting(s, "amount", D("40"), D("1") if s == "BTCUSDT" else D("10"))
                for s in ("BTCUSDT", "ETHUSDT")]
    assert await client.spot_follower_set_settings(tid, settings)
    mine = await client.spot_follower_settings(tid)
    assert mine.following
    assert {s.symbol for s in mine.settings} == {"BTCUSDT", "ETHUSDT"}

    async def next_copy(seen: set[str]) -> str:
        for _ in range(130):
            await sim.advance(1)
            for t in (await client.spot_follower_current_tracks()).items:
                if t.tracking_no not in seen:
                    return t.tracking_no
        raise AssertionError("no spot copy within 130 s")

    first = await next_copy(set())
    (track,) = [t for t in (await client.spot_follower_current_tracks(trader_id=tid)).items
                if t.tracking_no == first]
    assert track.trader_id == tid
    assert track.buy_price > 0
    assert track.size > 0
    target = (track.buy_price * 2).quantize(D("0.01"))
    assert await client.spot_follower_set_tpsl(first, take_profit=target)
    current = {t.tracking_no: t for t in (await client.spot_follower_current_tracks()).items}
    assert current[first].stop_surplus_price == target
    (trader,) = await client.spot_follower_traders()
    assert trader.trader_id == tid
    assert trader.trace_total_margin is not None
    assert trader.trace_total_margin > 0
    assert await client.spot_follower_close_tracks(SymbolRef(track.symbol, Product.SPOT), [first])
    (sold,) = [t for t in (await client.spot_follower_history_tracks()).items if t.tracking_no == first]
    lot = sim.server.exchange.market(SymbolRef(track.symbol, Product.SPOT)).lot
    assert sold.sell_price is not None
    assert sold.fill_size == (track.size / lot).to_integral_value(rounding=ROUND_DOWN) * lot   # dust stays
    second = await next_copy({first})
    assert await client.spot_follower_stop_orders([second])
    assert second not in {t.tracking_no for t in (await client.spot_follower_current_tracks()).items}
    assert await client.spot_follower_unfollow(tid)
    assert await client.spot_follower_traders() == []
    assert sim.transport.paths >= SPOT_FOLLOWER_PATHS


@pytest.mark.asyncio
async def test_spot_elite_trader(sim: Sim) -> None:
    _uid, creds = sim.new_user()
    client, rest = await sim.client(creds)
    await rest.mix_set_position_mode(FUT, PositionMode.HEDGE)
    assert await client.trader_set_base(enable=True)
    assert await client.spot_trader_set_symbols([SPOT_BTC], "add")
    settings = await client.spot_trader_settings()
    assert settings.enable
    assert ("BTCUSDT", True) in [(symbol, on) for symbol, on, _ in settings.symbols]
    followers = await client.spot_trader_followers()
    assert len(followers) == 4
    await client.trader_place_spot_order(SPOT_BTC, "buy", "market", D("200"))
    await sim.advance(1)
    (track,) = (await client.spot_trader_current_tracks()).items
    assert track.follow_count == 4
    assert track.order_id
    assert await client.spot_trader_modify_tpsl(track.tracking_no, take_profit=(track.buy_price * 2).quantize(
        D("0.01")))
    assert await client.spot_trader_remove_follower(followers[0].follower_uid)
    assert len(await client.spot_trader_followers()) == 3
    sim.server.exchange.shock("BTC", D("1.05"))
    await sim.advance(1)
    pending = await client.spot_trader_pending_profit()
    assert len(pending) == 3
    assert all(p.distribute_ratio == 10 for p in pending)
    assert await client.spot_trader_close_tracks(SPOT_BTC, [track.tracking_no])
    (done,) = (await client.spot_trader_history_tracks()).items
    assert done.sell_price is not None
    assert done.achieved_pl is not None
    assert done.achieved_pl > 0
    expected = []
    for f in followers[1:]:
        (copy,) = sim.copy.tracks_of(f.follower_uid, role=FOLLOWER, market=SPOT_MARKET, open_=False)
        net = copy.achieved_pl - copy.open_fee - copy.close_fee
        expected.append((net * D("0.10")).quantize(D("0.00000001"), rounding=ROUND_DOWN))
    history = (await client.spot_trader_profit_history()).items
    assert sorted(p.profit for p in history) == sorted(expected)
    summary = await client.spot_trader_profit_summary()
    assert summary.sum_profit == sum(expected)
    assert summary.coins[0].by_date
    detail = await client.spot_trader_summary()
    assert detail.trading_order_num == 1
    assert detail.max_follower_num == 500
    assert sim.transport.paths >= SPOT_TRADER_PATHS


@pytest.mark.asyncio
async def test_broker_access_and_copy_rate_limits(sim: Sim) -> None:
    client, _ = await sim.client()
    sim.copy.broker_uids = {"someone-else"}
    with pytest.raises(BrokerAccessDenied) as denied:
        await client.broker_traders()
    assert denied.value.code == "40029"
    sim.copy.broker_uids = {DEMO_UID}
    assert await client.broker_traders()
    limiter = sim.server.limiter
    assert limiter.rate_for(P.MIX_FOLLOWER_CURRENT_ORDERS, True) == COPY_RATES[P.MIX_FOLLOWER_CURRENT_ORDERS] == 5
    assert limiter.rate_for(P.SPOT_FOLLOWER_SETTINGS, True) == 1
    limiter.enabled = True

    async def burst() -> None:
        for _ in range(10):
            await client.follower_current_tracks()

    with pytest.raises(RateLimited):
        await burst()


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return {str: "string", list: "list", dict: "object"}.get(type(value), "null")


def _shape_diff(sample: object, answer: object, where: str) -> list[str]:
    """Keys and JSON kinds of ``sample`` that ``answer`` lacks or types differently (nulls in the sample match
    anything; extra keys in the answer are allowed)."""
    if sample is None:
        return []
    if _kind(sample) != _kind(answer):
        return [f"{where}: {_kind(sample)} expected, got {_kind(answer)}"]
    if isinstance(sample, dict) and isinstance(answer, dict):
        out = []
        for key, value in sample.items():
            if key not in answer:
                out.append(f"{where}.{key}: missing")
            else:
                out.extend(_shape_diff(value, answer[key], f"{where}.{key}"))
        return out
    if isinstance(sample, list) and isinstance(answer, list) and sample:
        if not answer:
            return [f"{where}: empty, the sample has entries"]
        return _shape_diff(sample[0], answer[0], f"{where}[]")
    return []


@pytest.mark.asyncio
async def test_copy_answers_have_the_samples_shapes(sim: Sim, samples: Path) -> None:
    client, rest = await sim.client()
    await rest.mix_set_position_mode(FUT, PositionMode.HEDGE)
    tid = await trader_id_named(client, "MomentumMaya")
    await client.follower_set_settings(tid, [FollowSetting(s, "percent", D(1)) for s in ("BTCUSDT", "ETHUSDT",
                                                                                         "SOLUSDT")])
    await client.spot_follower_set_settings(tid, [SpotFollowSetting(s, "amount", D(30), None)
                                                  for s in ("BTCUSDT", "ETHUSDT")])
    for _ in range(130):
        await sim.advance(1)
        if (await client.follower_current_tracks()).items and (await client.spot_follower_current_tracks()).items:
            break
    _uid, creds = sim.new_user()
    trader, trader_rest = await sim.client(creds)
    await trader_rest.mix_set_position_mode(FUT, PositionMode.HEDGE)
    await trader.trader_set_base(enable=True)
    await trader.trader_place_futures_order(PERP, "buy", "market", D("0.02"), margin_coin="USDT",
                                            margin_mode="crossed", trade_side="open")
    await sim.advance(1)
    calls = {
        "GET_api_v2_copy_mix-trader_order-current-track.json": (trader, P.MIX_TRADER_CURRENT_TRACK,
                                                                {"productType": "USDT-FUTURES"}),
        "GET_api_v2_copy_mix-follower_query-traders.json": (client, P.MIX_FOLLOWER_QUERY_TRADERS, {}),
        "GET_api_v2_copy_mix-broker_query-current-traces.json": (client, P.MIX_BROKER_CURRENT_TRACES,
                                                                 {"traderId": tid, "productType": "USDT-FUTURES"}),
        "GET_api_v2_copy_spot-follower_query-current-orders.json": (client, P.SPOT_FOLLOWER_CURRENT_ORDERS, {}),
        "GET_api_v2_copy_spot-follower_query-traders.json": (client, P.SPOT_FOLLOWER_QUERY_TRADERS, {}),
    }
    assert set(calls) == {p.name for p in (samples / "copy").glob("*.json")}
    for name, (who, path, params) in calls.items():
        sample = json.loads((samples / "copy" / name).read_text())["data"]
        answer = await who.http.get(path, params, signed=True)
        assert _shape_diff(sample, answer, "data") == [], name


# Where typed-bitget is narrower than Bitget's documentation for a copy-trading answer: route -> {location: source}.
COPY_DOC_WINS: dict[tuple[str, str], dict[str, str]] = {
    ("GET", "/api/v2/copy/mix-trader/order-history-track"): {
        "trackingList.*.stopType": "stopType is \"\" for a copy position closed by hand, not by its TP/SL: the "
                                   "page's own example (SG:copytrading/future-copytrade/trader/Trader-Order-History-"
                                   "Track, \"stopType\": \"\"); typed-bitget allows only profit/loss"},
}


def test_copy_answers_pass_typed_bitget(request: pytest.FixtureRequest, typed_bitget_judge: Any) -> None:
    """Issue 12 §2: every copy-trading answer the scenarios above received, judged by typed-bitget's own models.
    Runs last in file order; a selection of tests judges what it saw, the whole module every copy endpoint."""
    judged = {route for route, _ in COPY_ANSWERS}
    module_tests = {item.name for item in request.session.items if item.module is request.module}
    if module_tests >= {name for name in dir(request.module) if name.startswith("test_")}:
        assert {path for _, path in judged} == set(P.all()), "copy endpoints no scenario answered"
    found: dict[tuple[str, str], set[str]] = {}
    for route, data in COPY_ANSWERS:
        assert route in typed_bitget_judge.response_types, f"{route}: typed-bitget has no model"
        problems = typed_bitget_judge.problems(route, data)
        if problems:
            found.setdefault(route, set()).update(problems)
    unexplained = typed_bitget_judge.unexplained(found, COPY_DOC_WINS)
    assert not unexplained, "typed-bitget rejects these copy answers:\n" + typed_bitget_judge.report(unexplained)
    stale = typed_bitget_judge.stale(found, COPY_DOC_WINS, judged)
    assert not stale, "listed exceptions that no longer happen:\n" + typed_bitget_judge.report(stale)
