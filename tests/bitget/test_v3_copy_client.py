"""The V3 copy client (bitget/v3/copy.py): the documented shapes parsed with fields checked, then the simulator's V3
copy endpoints over loopback for a unified elite trader — exactly the documented field sets, the lead position
appearing and going with the V3 trade endpoints, the followers and profit share — and the generation answers
(a classic key on V3 copy: 40084; a unified key on V2 trader copy: 40085; a unified key that leads nothing: 40732)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal as D
from typing import Any

import pytest
import pytest_asyncio

from terminal_app.bitget.errors import AccountModeMismatch, ExchangeError, ProtocolError
from terminal_app.bitget.http import BitgetHttp
from terminal_app.bitget.v3 import copy as c
from terminal_app.bitget.v3.rest import V3OrderRequest, V3RestClient
from terminal_app.core.credentials import Credentials
from terminal_app.core.enums import MarginMode, OrderType, PositionMode, PositionSide, Side
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.sim.runner import SimulatorRunner
from terminal_app.sim.server.auth import DEMO_UID
from terminal_app.sim.server.http import SimConfig

PERP = SymbolRef("BTCUSDT", Product.USDT_FUTURES)

# Verbatim from Bitget's page uta/copy/futures-public/Get-Position-Summary (the response example).
POSITION_SUMMARY_DOC = json.loads("""{
"code": "00000",
"msg": "success",
"requestTime": 1774957537393,
"data": [
{
"unrealizedPnl": "0.0095",
"realizedPnl": "-0.0085658580000000",
"holdSize": "0.01",
"avgPrice": "2039.49",
"symbol": "ETHUSDT",
"leverage": "10",
"marginMode": "crossed",
"liqPrice": "0",
"margin": "2.04900984",
"holdSide": "long",
"roi": "0.0046363857202896",
"markPrice": "2040.44",
"positionValue": "20.4044"
}
]
}""")

# The field sets of the other endpoints (sieblyio bitget-api types/response/v3 copy types; UnipayFI/go-bitget
# uta/copy.go, checked against the live API by its tests).
FIELDS: dict[str, set[str]] = {
    c.V3CopyPaths.POSITION_SUMMARY: set(POSITION_SUMMARY_DOC["data"][0]),
    c.V3CopyPaths.TRADING_PAIRS: {"symbol", "leverage", "marginDetails"},
    "marginDetails": {"marginCoin", "maxLongCount", "remainingLongCount", "maxShortCount", "remainingShortCount"},
    c.V3CopyPaths.CURRENT_FOLLOWER: {"followerName", "estimateAssets", "totalAssets", "totalProfit",
                                     "totalShareProfit", "totalInvestment", "canRemove", "followDays", "startTime"},
    c.V3CopyPaths.HISTORY_FOLLOWER: {"followerName", "totalProfit", "totalShareProfit", "totalInvestment",
                                     "startTime", "endTime"},
    c.V3CopyPaths.PROFIT_SUMMARY: {"totalProfit", "totalAllocatedProfit", "totalPendingProfit"},
    c.V3CopyPaths.PROFIT_DETAILS: {"followerName", "profit", "allocatedPnl", "pendingPnl", "shareRatio",
                                   "shareProfit", "reason", "settleTime"},
    c.V3CopyPaths.PORTFOLIO_OVERVIEW: {"projectId", "asset", "roi", "totalProfit", "followerProfit", "maxDrawdown"},
    c.V3CopyPaths.MAX_TRANSFERABLE: {"maxTransferable", "available"},
}


def test_the_documented_position_summary() -> None:
    (p,) = c.parse_position_summary(POSITION_SUMMARY_DOC["data"])
    assert (p.symbol, p.hold_side, p.size, p.avg_price) == ("ETHUSDT", PositionSide.LONG, D("0.01"), D("2039.49"))
    assert (p.mark_price, p.liq_price, p.leverage) == (D("2040.44"), D("0"), D(10))
    assert p.margin_mode is MarginMode.CROSSED          # the sample says "crossed", the field table "cross"
    assert (p.margin, p.value) == (D("2.04900984"), D("20.4044"))
    assert (p.unrealized_pnl, p.realized_pnl, p.roi) == (D("0.0095"), D("-0.0085658580000000"),
                                                         D("0.0046363857202896"))
    assert p.key == ("ETHUSDT", PositionSide.LONG)


def test_the_documented_shapes_of_the_other_endpoints() -> None:
    (pair,) = c.parse_trading_pairs([{"symbol": "BTCUSDT", "leverage": "125", "marginDetails": [
        {"marginCoin": "USDT", "maxLongCount": "3", "remainingLongCount": "2", "maxShortCount": "3",
         "remainingShortCount": "3"}]}])
    assert pair == c.LeadPair("BTCUSDT", "125", D(3), D(2), D(3), D(3))
    (now,) = c.parse_current_followers({"list": [{
        "followerName": "BGU***1QK5", "estimateAssets": "1001.5", "totalAssets": "1001.7", "totalProfit": "12.5",
        "totalShareProfit": "1.25", "totalInvestment": "500", "canRemove": "no", "followDays": "12",
        "startTime": "1693533344295"}]})
    assert (now.name, now.assets, now.total_profit, now.share_profit, now.investment) == (
        "BGU***1QK5", D("1001.7"), D("12.5"), D("1.25"), D(500))
    assert (now.removable, now.follow_days, now.start_time, now.end_time) == (False, 12, 1693533344295, None)
    (gone,) = c.parse_history_followers({"list": [{
        "followerName": "x", "totalProfit": "-3", "totalShareProfit": "0", "totalInvestment": "100",
        "startTime": "1690000000000", "endTime": "1700000000000"}]})
    assert (gone.total_profit, gone.start_time, gone.end_time) == (D(-3), 1690000000000, 1700000000000)
    assert c.parse_profit_summary({"totalProfit": "3.5", "totalAllocatedProfit": "3", "totalPendingProfit": "0.5"}
                                  ) == c.LeadProfitSummary(D("3.5"), D(3), D("0.5"))
    rows, cursor = c.parse_profit_details({"list": [{
        "followerName": "y", "profit": "10", "allocatedPnl": "10", "pendingPnl": "0", "shareRatio": "0.1",
        "shareProfit": "1", "reason": "unfollow", "settleTime": "1700000000000"}], "nextCursor": "77"})
    assert rows == [c.LeadProfitDetail("y", D(10), D(10), D(0), D("0.1"), D(1), "unfollow", 1700000000000)]
    assert cursor == "77"
    assert c.parse_profit_details({"list": None, "nextCursor": ""}) == ([], None)
    overview = c.parse_overview({"projectId": "p1", "asset": "1000", "roi": "5.2", "totalProfit": "52",
                                 "followerProfit": "9", "maxDrawdown": "1.5"})
    assert overview == c.LeadOverview("p1", D(1000), D("5.2"), D(52), D(9), D("1.5"))
    assert c.parse_max_transferable({"maxTransferable": "9.5", "available": "10"}) == (D("9.5"), D(10))
    (record,) = c.parse_transfer_records({"list": [{"transferId": "t1", "fromType": "uta", "toType": "lead",
                                                    "coin": "usdt", "amount": "50", "status": "Successful",
                                                    "createdTime": "1700000000000"}]})
    assert (record.coin, record.amount, record.to_type) == ("USDT", D(50), "lead")


def test_malformed_answers_are_protocol_errors() -> None:
    bad = dict(POSITION_SUMMARY_DOC["data"][0], holdSide="sideways")
    with pytest.raises(ProtocolError, match="holdSide"):
        c.parse_position_summary([bad])
    with pytest.raises(ProtocolError, match="totalPendingProfit"):
        c.parse_profit_summary({"totalProfit": "1", "totalAllocatedProfit": "1"})
    with pytest.raises(ProtocolError):
        c.parse_current_followers({"list": [{"followerName": "z", "totalProfit": "abc"}]})


# --- against the simulator --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def runner() -> Iterator[SimulatorRunner]:
    sim = SimulatorRunner(config=SimConfig(seed=31, rate_limits=False, account_mode="unified"))
    sim.start()
    try:
        yield sim
    finally:
        sim.stop()


def _http(runner: SimulatorRunner, creds: Credentials | None = None) -> BitgetHttp:
    info = runner.info
    assert info is not None
    return BitgetHttp(info.rest, creds or Credentials(info.api_key, info.secret, info.passphrase), rate_limits=False)


@pytest_asyncio.fixture
async def http(runner: SimulatorRunner) -> AsyncIterator[BitgetHttp]:
    client = _http(runner)
    await client.connect()
    try:
        yield client
    finally:
        await client.aclose()


def _keys(rows: Any) -> list[set[str]]:
    rows = rows.get("list") if isinstance(rows, dict) and "list" in rows else rows
    return [set(r) for r in (rows if isinstance(rows, list) else [rows])]


@pytest.mark.asyncio
async def test_a_unified_elite_trader_over_v3(runner: SimulatorRunner, http: BitgetHttp) -> None:
    v3 = V3RestClient(http)
    client = c.V3CopyClient(http)
    with pytest.raises(ExchangeError) as info:
        await client.position_summary()
    assert info.value.code == c.NOT_ELITE                # not an elite trader yet

    await v3.set_hold_mode(PositionMode.HEDGE)
    runner.call(lambda: runner.server.copy.enable_trader(DEMO_UID))
    pairs = await client.trading_pairs()
    assert "BTCUSDT" in {p.symbol for p in pairs}
    assert all(p.remaining_long == 1 for p in pairs)
    assert await client.position_summary() == []

    await v3.place_order(V3OrderRequest(PERP, Side.BUY, OrderType.MARKET, D("0.05"), pos_side=PositionSide.LONG))
    runner.call(runner.server.copy.sync)
    (lead,) = await client.position_summary()
    assert (lead.symbol, lead.hold_side, lead.size) == ("BTCUSDT", PositionSide.LONG, D("0.05"))
    assert lead.mark_price is not None
    assert lead.value == (lead.size * lead.mark_price).quantize(D("0.0001"))
    followers = await client.current_followers()
    assert followers
    assert all(f.removable is False and f.end_time is None for f in followers)
    copies = runner.call(lambda: [t for t in runner.server.copy.registry.tracks.values()
                                  if t.role == "follower" and t.close_time is None
                                  and t.trader_id == runner.server.copy.trader_for_uid(DEMO_UID).trader_id])
    assert len(copies) == len(followers)                 # every follower copied the lead open
    assert next(p for p in await client.trading_pairs() if p.symbol == "BTCUSDT").remaining_long == 0

    # every answer has exactly the documented fields
    for path, params in ((c.V3CopyPaths.POSITION_SUMMARY, {}), (c.V3CopyPaths.TRADING_PAIRS, {}),
                         (c.V3CopyPaths.CURRENT_FOLLOWER, {"limit": "20"}), (c.V3CopyPaths.PROFIT_SUMMARY, {}),
                         (c.V3CopyPaths.PORTFOLIO_OVERVIEW, {"period": "30D"}),
                         (c.V3CopyPaths.MAX_TRANSFERABLE, {"coin": "USDT"})):
        raw = await http.get(path, params, signed=True)
        for keys in _keys(raw):
            assert keys == FIELDS[path], path
        if path == c.V3CopyPaths.TRADING_PAIRS:
            assert all(set(d) == FIELDS["marginDetails"] for row in raw for d in row["marginDetails"])

    # the lead position closes with V3's own close (no tracking numbers): the copies close with it
    runner.call(lambda: runner.server.exchange.shock("BTC", D("1.03")))
    await asyncio.sleep(0.3)                             # the shock applies from the simulator's next steps
    await v3.close_positions(PERP, PositionSide.LONG)
    runner.call(lambda: (runner.server.exchange.advance(), runner.server.copy.sync()))
    assert await client.position_summary() == []
    lead_id = runner.call(lambda: runner.server.copy.trader_for_uid(DEMO_UID).trader_id)
    # (the synthetic traders keep opening their own meanwhile: only this trader's tracks and copies count)
    assert runner.call(lambda: [t for t in runner.server.copy.registry.tracks.values()
                                if t.trader_id == lead_id and t.close_time is None]) == []
    summary = await client.profit_summary()
    assert summary.total == summary.allocated + summary.pending
    assert summary.total > 0
    details, _ = await client.profit_details()
    assert len(details) == len(followers)                # one settlement per copy, each settled once
    assert all(d.share_profit > 0 and d.share_ratio > 0 for d in details)
    raw = await http.get(c.V3CopyPaths.PROFIT_DETAILS, {}, signed=True)
    assert set(raw) == {"list", "nextCursor"}
    assert all(k == FIELDS[c.V3CopyPaths.PROFIT_DETAILS] for k in _keys(raw))
    overview = await client.portfolio_overview("7D")
    assert overview.follower_profit > 0
    assert overview.project_id


@pytest.mark.asyncio
async def test_generations_and_roles(runner: SimulatorRunner, http: BitgetHttp) -> None:
    classic = runner.add_key()
    other = runner.add_key(uta=True)
    for creds, path, code in ((classic.credentials, c.V3CopyPaths.POSITION_SUMMARY, "40084"),
                              (other.credentials, c.V3CopyPaths.POSITION_SUMMARY, c.NOT_ELITE),
                              (None, "/api/v2/copy/mix-trader/order-current-track", "40085")):
        client = _http(runner, creds)
        await client.connect()
        try:
            with pytest.raises(ExchangeError) as info:
                await client.get(path, {"productType": "USDT-FUTURES"}, signed=True)
        finally:
            await client.aclose()
        assert info.value.code == code, path
        assert isinstance(info.value, AccountModeMismatch) == (code != c.NOT_ELITE)
    # a unified key still reaches the V2 follower endpoints (Bitget's V3 follower API works per project id)
    assert isinstance(await http.get("/api/v2/copy/mix-follower/query-traders", {}, signed=True), list)
