"""Nothing lost on restart (issue 12 §5): the simulator's SQLite state keeps what an exchange keeps — copy-trading
follows and their settings, tracking orders, account bills — across a restart of the simulator child process (as
the Demo profile runs it), compared call by call before and after.

Tracking orders need the synthetic traders to trade, which takes minutes of exchange time: that part restarts an
in-process simulator on the same state file with a test clock instead of the child (same server, same store).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from terminal_app.bitget.http import BitgetHttp
from terminal_app.bitget.rest import BitgetRestClient
from terminal_app.bitget.rest_copy import CopyClient, CopyPaths
from terminal_app.core.copy_trading import FollowSetting
from terminal_app.core.credentials import Credentials
from terminal_app.core.enums import PositionMode
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.sim.process import SimulatorProcess
from terminal_app.sim.server.http import SimConfig, SimInfo, SimServer

FUT = Product.USDT_FUTURES
BTC = SymbolRef("BTCUSDT", Product.SPOT)
PERP = SymbolRef("BTCUSDT", FUT)
MIX = {"productType": "USDT-FUTURES"}

pytestmark = pytest.mark.asyncio


class Clients:
    def __init__(self, info: SimInfo) -> None:
        http = BitgetHttp(info.rest, Credentials(info.api_key, info.secret, info.passphrase), rate_limits=False)
        self.rest = BitgetRestClient(http, lookup_delay_s=0.0)
        self.copy = CopyClient(self.rest)

    async def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return await self.rest.http.get(path, params, signed=True)

    async def aclose(self) -> None:
        await self.rest.aclose()


@pytest_asyncio.fixture
async def child(tmp_path: Path) -> AsyncIterator[tuple[Path, list[SimulatorProcess]]]:
    started: list[SimulatorProcess] = []
    yield tmp_path / "demo.sqlite3", started
    for sim in started:
        sim.stop()


async def _snapshot(c: Clients, trader_id: str) -> dict[str, Any]:
    """What a restart must not change, as the exchange answers it."""
    settings = await c.get(CopyPaths.MIX_FOLLOWER_QUERY_SETTINGS, {"traderId": trader_id})
    traders = await c.get(CopyPaths.MIX_FOLLOWER_QUERY_TRADERS, {})
    return {
        "settings": settings,
        "my traders": sorted((t["traderId"], t["followerTime"]) for t in traders),
        "spot bills": await c.get("/api/v2/spot/account/bills", {"limit": "100"}),
        "futures bills": await c.get("/api/v2/mix/account/bill", {**MIX, "limit": "100"}),
        "positions": [(p["symbol"], p["holdSide"], p["total"], p["openPriceAvg"])
                      for p in await c.get("/api/v2/mix/position/all-position", MIX)],
    }


async def test_follows_settings_and_bills_survive_a_restart_of_the_child(
        child: tuple[Path, list[SimulatorProcess]]) -> None:
    state, started = child
    sim = SimulatorProcess(state_path=state)
    started.append(sim)
    c = Clients(sim.start())
    try:
        await c.rest.mix_set_position_mode(FUT, PositionMode.HEDGE)       # copy trading runs in hedge mode
        (trader, *_) = await c.copy.broker_traders()
        await c.copy.follower_set_settings(trader.trader_id, [
            FollowSetting("BTCUSDT", "percent", D("1.5"), stop_surplus_ratio=D(120), stop_loss_ratio=D(40)),
            FollowSetting("ETHUSDT", "amount", D(50))])
        await c.rest.spot_place_order(BTC, "buy", "market", D("25"))            # spot bills: two coins move
        await c.rest.mix_place_order(PERP, "buy", "market", D("0.01"), margin_coin="USDT", margin_mode="crossed",
                                     trade_side="open")                        # a futures bill (open_long)
        before = await _snapshot(c, trader.trader_id)
    finally:
        await c.aclose()
    assert before["settings"]["followerEnable"] == "YES"
    assert len(before["spot bills"]) == 2
    assert [b["businessType"] for b in before["futures bills"]["bills"]] == ["open_long"]
    assert before["my traders"]

    sim.stop()                                                                  # the child saves and exits
    again = SimulatorProcess(state_path=state)
    started.append(again)
    c = Clients(again.start())
    try:
        after = await _snapshot(c, trader.trader_id)
    finally:
        await c.aclose()
    assert after == before


class Clock:
    def __init__(self) -> None:
        self.offset = 0

    def __call__(self) -> int:
        return time.time_ns() // 1_000_000 + self.offset


async def _start(state: Path, clock: Clock) -> tuple[SimServer, Clients]:
    server = SimServer(SimConfig(seed=9, rate_limits=False, state_path=state), clock_ms=clock)
    return server, Clients(await server.start())


async def test_tracking_orders_survive_a_restart_and_still_close_with_their_trader(tmp_path: Path) -> None:
    state, clock = tmp_path / "demo.sqlite3", Clock()
    server, c = await _start(state, clock)
    try:
        await c.rest.mix_set_position_mode(FUT, PositionMode.HEDGE)
        ids = [t.trader_id for t in await c.copy.broker_traders()]
        for tid in ids[:4]:
            await c.copy.follower_set_settings(tid, [FollowSetting(s, "percent", D(1))
                                                     for s in ("BTCUSDT", "ETHUSDT", "SOLUSDT")])
        tracks = None
        for _ in range(400):                                   # minutes of exchange time, a second at a time
            clock.offset += 1_000
            server.exchange.advance()
            server.copy.sync()
            tracks = await c.copy.follower_current_tracks()
            if tracks.items:
                break
        assert tracks is not None
        assert tracks.items, "no trader opened a position in the time given"
        before = sorted((t.tracking_no, t.symbol, t.pos_side, t.open_size, t.open_price) for t in tracks.items)
        positions = await c.rest.mix_all_positions(FUT)
        due = {tno: d for d, tno in server.copy._due}
    finally:
        await c.aclose()
        await server.stop()

    server, c = await _start(state, clock)
    try:
        tracks = await c.copy.follower_current_tracks()
        after = sorted((t.tracking_no, t.symbol, t.pos_side, t.open_size, t.open_price) for t in tracks.items)
        assert after == before
        assert [(p.symbol, p.hold_side, p.total) for p in await c.rest.mix_all_positions(FUT)] == [
            (p.symbol, p.hold_side, p.total) for p in positions]
        # the trader's scheduled close still closes the copies, as it would have without the restart
        parents = {server.copy.tracks[t.tracking_no].parent for t in tracks.items}
        last_due = max(due[p] for p in parents)
        clock.offset += max(0, last_due - clock()) + 1_000
        server.exchange.advance()
        server.copy.sync()
        kept = {tno for tno, *_ in before}
        still_open = {t.tracking_no for t in (await c.copy.follower_current_tracks()).items}
        assert not kept & still_open          # (the traders may have opened new ones meanwhile)
        history = await c.copy.follower_history_tracks()
        assert {t.tracking_no for t in history.items} >= kept
    finally:
        await c.aclose()
        await server.stop()
