"""The Copy trading workspace end to end against the simulator (its own thread, loopback, a clock the test moves):

* follower: discover traders (period switch, profile with its PnL curve), follow through the dialog (validation
  against the quantity limits), a copied position appears when the trader opens, set its TP/SL, close it, see it in
  the history and the slippage view, unfollow with confirmation;
* elite trader: become one, open a tracked position, see the synthetic followers copy it, remove a follower, close
  by trackingNo, see the profit share accrue;
* a unified Demo account's elite trader (V3, no tracking orders): open a lead position with the V3 trade API, see it
  in the lead console and copied by the followers, set its TP/SL, close it from the console, see the copies close and
  the profit share; a unified follower keeps the V2 follower endpoints;
* every table model passes qtmodeltester.

Dialogs are answered through the views' replaceable ``confirm``/``ask_tpsl`` and the non-modal follow dialog, so no
nested Qt loop runs inside the qasync coroutine (environment.md pitfall 3).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from collections.abc import AsyncIterator, Callable, Iterator
from decimal import Decimal as D
from typing import Any

import pytest
from PySide6.QtCore import Qt, SignalInstance
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from terminal_app.core.credentials import Credentials
from terminal_app.core.enums import PositionMode
from terminal_app.core.health import ProfileKind
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.services.copy_trading import CopyTradingService
from terminal_app.services.session import Session, SessionEndpoints
from terminal_app.sim.runner import SimulatorRunner
from terminal_app.sim.server.http import SimConfig, SimInfo, SimServer
from terminal_app.ui.copy.discover import TraderRow
from terminal_app.ui.copy.workspace import CopyWorkspace, copy_dock_specs

FUT = Product.USDT_FUTURES
PERP = SymbolRef("BTCUSDT", FUT)
TIMEOUT = 15.0


class Clock:
    """Machine time plus an offset the test moves (thread-safe enough: one int written by the test thread)."""

    def __init__(self) -> None:
        self.offset = 0

    def __call__(self) -> int:
        return time.time_ns() // 1_000_000 + self.offset


class ClockedRunner(SimulatorRunner):
    """The simulator on its own thread, on the test's clock."""

    def __init__(self, clock: Clock, account_mode: str = "classic") -> None:
        super().__init__(config=SimConfig(seed=9, rate_limits=False, account_mode=account_mode))
        self.clock = clock

    async def _serve(self, ready: Any) -> None:
        self._stop = asyncio.Event()
        server = SimServer(self.config, clock_ms=self.clock)
        self._server = server
        try:
            info = await server.start()
        except BaseException:
            await server.stop()
            raise
        ready.set_result(info)
        try:
            await self._stop.wait()
        finally:
            await server.stop()


@pytest.fixture(autouse=True)
def gc_on_this_thread() -> Iterator[None]:
    # Qt objects must not be collected on the simulator's thread (see tests/services/conftest.py).
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect()


@pytest.fixture
def keep() -> Iterator[list[Any]]:
    """Widgets closed after qtmodeltester's teardown (it disconnects from the last model it checked, and pytest-qt
    closes ``qtbot.addWidget`` widgets before fixtures end); request it before ``qtmodeltester``."""
    alive: list[Any] = []
    yield alive
    for widget in alive:
        widget.close()
        widget.deleteLater()
    alive.clear()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def runner(clock: Clock) -> Iterator[ClockedRunner]:
    r = ClockedRunner(clock)
    r.start()
    try:
        yield r
    finally:
        r.stop()


@pytest.fixture
def unified_runner(clock: Clock) -> Iterator[ClockedRunner]:
    """The simulator whose Demo key is a unified account (the "Demo (unified account)" profile)."""
    r = ClockedRunner(clock, "unified")
    r.start()
    try:
        yield r
    finally:
        r.stop()


def _session(info: SimInfo, creds: Credentials) -> Session:
    return Session("Demo", ProfileKind.DEMO, SessionEndpoints(info.rest, info.ws_public, info.ws_private), creds,
                   rate_limits=False)


@contextlib.asynccontextmanager
async def opened(runner: ClockedRunner, creds: Credentials | None = None, *, hedge: bool = True,
                 fast_s: float = 0.2) -> AsyncIterator[CopyTradingService]:
    assert runner.info is not None
    info = runner.info
    session = _session(info, creds or Credentials(info.api_key, info.secret, info.passphrase))
    await session.open()
    if hedge:
        await session.venue.set_position_mode(FUT, PositionMode.HEDGE)
    service = CopyTradingService(session, fast_s=fast_s, slow_s=2 * fast_s)
    try:
        yield service
    finally:
        await service.close()
        await session.close()


async def advance(runner: ClockedRunner, clock: Clock, service: CopyTradingService, seconds: float = 1.0) -> None:
    """Move the simulated time: the market and the copy engine run to it; the client re-syncs its clock."""
    clock.offset += int(seconds * 1000)
    runner.call(lambda: (runner.server.exchange.advance(), runner.server.copy.sync()))
    await service.session.http.sync_time()


async def wait_until(signal: SignalInstance, condition: Callable[[], Any], timeout: float = TIMEOUT) -> Any:  # noqa: ASYNC109
    """``condition()`` once truthy, re-checked after each emission of ``signal``."""
    value = condition()
    if value:
        return value
    done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    def check(*_args: Any) -> None:
        if not done.done() and (result := condition()):
            done.set_result(result)

    signal.connect(check)
    try:
        return await asyncio.wait_for(done, timeout)
    finally:
        with contextlib.suppress(RuntimeError):
            signal.disconnect(check)


async def act(service: CopyTradingService, start: Any) -> str:
    """Run an action (a callable that spawns it) and return the ``done`` message; an ``error`` fails the test."""
    loop = asyncio.get_running_loop()
    outcome: asyncio.Future[tuple[bool, str]] = loop.create_future()

    def ok(message: str) -> None:
        if not outcome.done():
            outcome.set_result((True, message))

    def bad(message: str) -> None:
        if not outcome.done():
            outcome.set_result((False, message))

    service.done.connect(ok)
    service.error.connect(bad)
    try:
        assert start() is not None
        success, message = await asyncio.wait_for(outcome, TIMEOUT)
    finally:
        service.done.disconnect(ok)
        service.error.disconnect(bad)
    assert success, message
    return message


def check_models(qtmodeltester: ModelTester, workspace: CopyWorkspace) -> None:
    models = [workspace.discover.model, workspace.discover.profile.current, workspace.discover.profile.recent,
              workspace.follower.my_traders, workspace.follower.current, workspace.follower.history,
              workspace.follower.fills, workspace.trader.current, workspace.trader.history,
              workspace.trader.followers, workspace.trader.symbols, workspace.trader.profits]
    for model in models:
        qtmodeltester.check(model, force_py=True)


@pytest.mark.asyncio
async def test_follower_discovers_follows_manages_and_unfollows(
        qtbot: QtBot, keep: list[Any], qtmodeltester: ModelTester, runner: ClockedRunner, clock: Clock) -> None:
    async with opened(runner) as service:
        (spec,) = copy_dock_specs(service)
        workspace = spec.factory()
        assert isinstance(workspace, CopyWorkspace)
        keep.append(workspace)
        workspace.resize(1200, 600)
        workspace.show()                                     # visible: the service starts polling
        discover, follower = workspace.discover, workspace.follower

        # discover: six traders, sortable, period switch, profile with a curve
        await wait_until(service.traders_changed, lambda: discover.model.rowCount() == 6)
        assert all(r.profit_share is not None for r in discover.model.rows())
        roi_col = discover.model.column_of("ROI %")
        discover.table.sortByColumn(roi_col, discover.table.horizontalHeader().sortIndicatorOrder().DescendingOrder)
        proxy = discover.table.proxy
        rois = [proxy.index(r, roi_col).data(proxy.sortRole()) for r in range(proxy.rowCount())]
        assert rois == sorted(rois, reverse=True)
        discover.set_period("7d")
        await wait_until(service.traders_changed, lambda: service.period == "7d" and discover.model.rowCount() == 6)
        maya = next(r for r in discover.model.rows() if r.trader.trader_name == "MomentumMaya")
        assert discover.table.select_key(maya.trader_id)
        profile = await wait_until(service.profile_loaded, lambda: discover.profile.profile if (
            discover.profile.profile and discover.profile.profile.trader.trader_id == maya.trader_id) else None)
        assert len(profile.curve) > 50
        assert discover.profile.curve.xData is not None
        assert len(discover.profile.curve.xData) == len(profile.curve)
        assert discover.profile.follow_button.isEnabled()
        assert discover.profile.recent.rowCount() > 0

        # follow: the dialog checks the limits before anything is sent
        dialog = await discover.open_follow(maya.trader)
        assert set(dialog.symbols) <= {"BTCUSDT", "ETHUSDT", "SOLUSDT"}
        dialog.trace_type.setCurrentIndex(dialog.trace_type.findData("percent"))
        dialog.trace_value.setText("20")
        dialog.try_accept()
        assert "between 0.01 and 10" in dialog.error.text()
        dialog.trace_type.setCurrentIndex(dialog.trace_type.findData("count"))
        dialog.trace_value.setText("100000")
        dialog.try_accept()
        assert "size per order must be between" in dialog.error.text()
        dialog.trace_type.setCurrentIndex(dialog.trace_type.findData("percent"))
        dialog.trace_value.setText("1")
        dialog.tp_ratio.setText("500")
        dialog.try_accept()
        assert "take-profit ratio" in dialog.error.text()
        dialog.tp_ratio.setText("")
        assert "Copying MomentumMaya" in await act(service, lambda: dialog.try_accept() or True)
        await wait_until(service.my_traders_changed, lambda: follower.my_traders.rowCount() == 1)

        # the trader opens within a minute of simulated time: the copy appears
        # one simulated second per poll, so the copy is seen before the trader's hold (≥ 45 s) can end
        for _ in range(90):
            await advance(runner, clock, service)
            polled: list[object] = []
            service.follower_current_changed.connect(polled.append)
            await wait_until(service.follower_current_changed, lambda polled=polled: polled)
            service.follower_current_changed.disconnect(polled.append)
            if service.follower_current:
                break
        assert follower.current.rowCount() > 0
        copy = follower.current.row_at(0)
        assert copy.trader_name == "MomentumMaya"
        fills = await wait_until(service.fills_changed, lambda: follower.fills.rows())
        fill = next(f for f in fills if f.tracking_no == copy.tracking_no)
        assert fill.trader_price is not None
        assert fill.delay_ms is not None
        assert fill.slippage_bps is not None
        await wait_until(service.fills_changed, lambda: any(
            f.tracking_no == copy.tracking_no and f.trader_size is not None for f in follower.fills.rows()))

        # TP/SL on the copy
        ticker = await service.session.rest.mix_ticker(SymbolRef(copy.symbol, FUT))
        assert ticker.mark_price is not None
        factor = D(2) if copy.pos_side == "long" else D("0.5")
        tp = (ticker.mark_price * factor).quantize(D("0.1") if copy.symbol == "BTCUSDT" else D("0.01"))
        follower.ask_tpsl = lambda _parent, _track: (tp, None)
        assert follower.current_table.select_key(copy.tracking_no)
        await act(service, follower.tpsl_selected)
        await wait_until(service.follower_current_changed, lambda: (
            (row := follower.current.row_for(copy.tracking_no)) is not None and row.stop_surplus_price == tp))
        tp_text = follower.current.text(follower.current.row_of(copy.tracking_no) or 0, "TP")
        assert tp_text == str(tp)

        # close it: gone from open copies, in the history with its net profit
        asked: list[str] = []
        follower.confirm = lambda _parent, title, _text: asked.append(title) is None
        assert follower.current_table.select_key(copy.tracking_no)
        await act(service, follower.close_selected)
        await wait_until(service.follower_history_changed,
                         lambda: follower.history.row_for(copy.tracking_no) is not None)
        closed = follower.history.row_for(copy.tracking_no)
        assert closed is not None
        assert closed.net_profit is not None
        await wait_until(service.follower_current_changed,
                         lambda: follower.current.row_for(copy.tracking_no) is None)

        # edit the settings: the dialog shows the current ones, the change is sent and read back
        edit = await follower.open_settings(maya.trader_id, "MomentumMaya")
        assert edit.ok_button.text() == "Save"
        assert edit.trace_type.currentData() == "percent"
        assert D(edit.trace_value.text()) == 1
        edit.trace_value.setText("2")
        await act(service, lambda: edit.try_accept() or True)
        assert {s.trace_value for s in (await service.follow_settings(maya.trader_id)).details} == {D(2)}

        # unfollow, confirmed
        follower.confirm = lambda _parent, title, _text: False
        follower.traders_table.selectRow(0)
        assert follower.unfollow_selected() is None                     # declined: nothing sent
        follower.confirm = lambda _parent, title, _text: asked.append(title) is None
        assert "Stopped copying" in await act(service, follower.unfollow_selected)
        await wait_until(service.my_traders_changed, lambda: follower.my_traders.rowCount() == 0)
        assert asked == ["Close copy", "Unfollow"]
        check_models(qtmodeltester, workspace)
        workspace.hide()
        assert not service.visible


@pytest.mark.asyncio
async def test_elite_trader_console(qtbot: QtBot, keep: list[Any], qtmodeltester: ModelTester,
                                    runner: ClockedRunner, clock: Clock) -> None:
    key = runner.add_key()
    async with opened(runner, key.credentials) as service:
        workspace = CopyWorkspace(service)
        keep.append(workspace)
        workspace.show()
        workspace.tabs.setCurrentWidget(workspace.trader)
        trader = workspace.trader
        trader.confirm = lambda _parent, _title, _text: True
        await wait_until(service.role_changed, lambda: service.is_trader is False)
        assert not trader.enable_button.isHidden()

        assert "enabled" in await act(service, trader.enable_selected)
        await wait_until(service.role_changed, lambda: service.is_trader)
        await wait_until(service.followers_changed, lambda: trader.followers.rowCount() == 4)
        await wait_until(service.trader_symbols_changed, lambda: trader.symbols.rowCount() == 3)

        await service.client.trader_place_futures_order(PERP, "buy", "market", D("0.05"), margin_coin="USDT",
                                                        margin_mode="crossed", trade_side="open")
        await advance(runner, clock, service)
        await wait_until(service.trader_current_changed, lambda: trader.current.rowCount() == 1)
        track = trader.current.row_at(0)
        assert track.follow_count == 4
        assert trader.current.text(0, "Copiers") == "4"

        # TP/SL on the tracking order
        mark = (await service.session.rest.mix_ticker(PERP)).mark_price
        assert mark is not None
        tp = (mark * 2).quantize(D("0.1"))
        trader.ask_tpsl = lambda _parent, _track: (tp, None)
        assert trader.current_table.select_key(track.tracking_no)
        await act(service, trader.tpsl_selected)
        await wait_until(service.trader_current_changed, lambda: (
            (row := trader.current.row_for(track.tracking_no)) is not None and row.stop_surplus_price == tp))

        # remove a follower
        removed = trader.followers.row_at(0)
        assert trader.followers_table.select_key(removed.follower_uid)
        await act(service, trader.remove_selected)
        await wait_until(service.followers_changed, lambda: trader.followers.rowCount() == 3)
        assert trader.followers.row_for(removed.follower_uid) is None

        # a profitable close by trackingNo: the remaining followers pay the profit share
        runner.call(lambda: runner.server.exchange.shock("BTC", D("1.03")))
        await advance(runner, clock, service)
        assert trader.current_table.select_key(track.tracking_no)
        assert "closed" in await act(service, trader.close_selected)
        await wait_until(service.trader_current_changed, lambda: trader.current.rowCount() == 0)
        await wait_until(service.trader_history_changed, lambda: trader.history.row_for(track.tracking_no))
        await wait_until(service.profit_history_changed, lambda: trader.profits.rowCount() == 3)
        assert all(p.profit > 0 for p in trader.profits.rows())
        summary = await wait_until(service.profit_summary_changed,
                                   lambda: "received +0.0000" not in trader.profit_summary.text()
                                   and trader.profit_summary.text().startswith("Profit share received +"))
        assert summary
        check_models(qtmodeltester, workspace)


@pytest.mark.asyncio
async def test_one_way_mode_is_explained_and_a_hidden_panel_polls_nothing(
        qtbot: QtBot, keep: list[Any], runner: ClockedRunner) -> None:
    async with opened(runner, hedge=False, fast_s=0.05) as service:
        (spec,) = copy_dock_specs(service)
        workspace = spec.factory()
        assert isinstance(workspace, CopyWorkspace)
        keep.append(workspace)
        workspace.show()
        await wait_until(service.traders_changed, lambda: workspace.discover.model.rowCount() > 0)
        trader = workspace.discover.model.row_at(0).trader
        dialog = await workspace.discover.open_follow(trader)
        # The dialog knows the account is in one-way mode before anything is sent: it says what copy trading
        # needs and what the switch changes, Follow waits, and the switch is one click away.
        assert dialog.mode_box.isVisibleTo(dialog)
        assert "hedge (two-way) position mode" in dialog.mode_text.text()
        assert "long and a short position at the same time" in dialog.mode_text.text()
        assert not dialog.ok_button.isEnabled()
        errors: list[str] = []
        service.error.connect(errors.append)
        dialog.try_accept()  # Enter or a script: still nothing sent
        assert dialog.error.text() == "Switch to hedge mode first: copy trading works only in hedge mode."
        assert dialog.result() == 0
        done: list[str] = []
        service.done.connect(done.append)
        qtbot.mouseClick(dialog.hedge_button, Qt.MouseButton.LeftButton)
        await wait_until(service.done, lambda: "Futures position mode set to hedge" in done)
        for _ in range(250):  # the dialog reads the mode back from the exchange after the switch
            if dialog.ok_button.isEnabled():
                break
            await asyncio.sleep(0.02)
        assert dialog.ok_button.isEnabled()
        assert not dialog.mode_box.isVisibleTo(dialog)
        assert errors == []
        assert "Copying" in await act(service, lambda: dialog.try_accept() or True)

        workspace.hide()
        polled: list[object] = []
        service.follower_current_changed.connect(polled.append)
        await asyncio.sleep(0.4)                             # eight polling periods: nothing new is asked
        assert len(polled) <= 1                              # (a round already in flight when hidden may land)
        workspace.show()
        await wait_until(service.follower_current_changed, lambda: len(polled) >= 2, timeout=2.0)


@pytest.mark.asyncio
async def test_keys_without_broker_access_get_a_notice(qtbot: QtBot, keep: list[Any], runner: ClockedRunner) -> None:
    runner.call(lambda: setattr(runner.server.copy, "broker_uids", set()))
    async with opened(runner) as service:
        workspace = CopyWorkspace(service)
        keep.append(workspace)
        workspace.show()
        await wait_until(service.discover_unavailable, lambda: not workspace.discover.notice.isHidden())
        assert workspace.discover.notice.text().startswith("[40029] ")
        assert workspace.discover.model.rowCount() == 0
        seen: list[object] = []
        service.my_traders_changed.connect(seen.append)
        await wait_until(service.my_traders_changed, lambda: seen)   # the follower side still polls


def test_trader_rows_key_by_id() -> None:
    from terminal_app.core.copy_trading import BrokerTrader

    trader = BrokerTrader("abc", "Name", True, 10, 1, 2, 3, 4, (), ())
    assert TraderRow(trader, D(10)).trader_id == "abc"


@pytest.mark.asyncio
async def test_a_unified_follower_keeps_the_v2_follower_endpoints(qtbot: QtBot, keep: list[Any],
                                                                   runner: ClockedRunner) -> None:
    from terminal_app.ui.copy.lead import LeadView
    from terminal_app.ui.copy.workspace import UNIFIED_NOTE

    key = runner.add_key(uta=True)
    async with opened(runner, Credentials(key.api_key, key.secret, key.passphrase), hedge=False) as service:
        assert service.session.account_mode is not None
        assert service.session.account_mode.uta
        workspace = CopyWorkspace(service)
        keep.append(workspace)
        assert workspace.status.text() == UNIFIED_NOTE
        assert isinstance(workspace.trader, LeadView)
        errors: list[str] = []
        service.error.connect(errors.append)
        seen: list[object] = []
        service.my_traders_changed.connect(seen.append)
        workspace.show()
        await wait_until(service.my_traders_changed, lambda: seen)  # the follower side polls: no 40085
        await wait_until(service.role_changed, lambda: service.is_trader is False)   # V3's answer: not elite
        assert not errors
        assert not workspace.trader.tabs.isEnabled()
        assert "not an elite trader" in workspace.trader.role.text()


@pytest.mark.asyncio
async def test_unified_demo_elite_trader_console(qtbot: QtBot, keep: list[Any], qtmodeltester: ModelTester,
                                                 unified_runner: ClockedRunner, clock: Clock) -> None:
    from terminal_app.bitget.v3.rest import V3RestClient
    from terminal_app.core.enums import OrderType, PositionSide, Side, TradeSide
    from terminal_app.core.orders import OrderTicket
    from terminal_app.core.venue import PlaceOrder
    from terminal_app.sim.server.auth import DEMO_UID
    from terminal_app.ui.copy.lead import LeadView

    runner = unified_runner
    async with opened(runner) as service:                     # the Demo key, hedge mode set through V3
        assert service.unified
        runner.call(lambda: runner.server.copy.enable_trader(DEMO_UID))
        workspace = CopyWorkspace(service)
        keep.append(workspace)
        lead = workspace.trader
        assert isinstance(lead, LeadView)
        lead.confirm = lambda _parent, _title, _text: True
        errors: list[str] = []
        service.error.connect(errors.append)
        workspace.show()
        workspace.tabs.setCurrentWidget(lead)
        await wait_until(service.role_changed, lambda: service.is_trader)
        assert lead.tabs.isEnabled()
        await wait_until(service.lead_followers_changed, lambda: lead.followers.rowCount() == 4)
        await wait_until(service.lead_pairs_changed, lambda: lead.pairs.rowCount() == 3)
        assert lead.pairs.row_for("BTCUSDT") is not None

        # a lead position opened through the session's V3 venue (the order ticket's path): the console lists it,
        # the followers copy it
        ticket = OrderTicket(PERP, Side.BUY, OrderType.MARKET, size=D("0.05"), trade_side=TradeSide.OPEN)
        await service.session.venue.place(PlaceOrder(ticket, "lead-open-1", PositionMode.HEDGE))
        v3 = V3RestClient(service.session.http)
        await advance(runner, clock, service)
        await wait_until(service.lead_positions_changed, lambda: lead.positions.rowCount() == 1)
        position = lead.positions.row_at(0)
        assert (position.symbol, position.hold_side, position.size) == ("BTCUSDT", PositionSide.LONG, D("0.05"))
        assert D(lead.positions.text(0, "Size")) == D("0.05")

        lead_id = runner.call(lambda: runner.server.copy.trader_for_uid(DEMO_UID).trader_id)

        def open_copies() -> int:
            return runner.call(lambda: sum(1 for t in runner.server.copy.registry.tracks.values()
                                           if t.role == "follower" and t.trader_id == lead_id
                                           and t.close_time is None))

        assert open_copies() == 4

        # TP/SL on the lead position: a V3 position TP/SL (strategy order)
        assert position.mark_price is not None
        tp = (position.mark_price * 2).quantize(D("0.1"))
        lead.ask_tpsl = lambda _parent, _position: (tp, None)
        assert lead.positions_table.select_key(position.key)
        assert "TP/SL set" in await act(service, lead.tpsl_selected)
        (strategy,) = await v3.strategy_orders(FUT)
        assert (strategy.symbol, strategy.pos_side, strategy.take_profit) == ("BTCUSDT", PositionSide.LONG, tp)

        # a profitable close from the console: the copies close with it and the followers pay the profit share
        runner.call(lambda: runner.server.exchange.shock("BTC", D("1.03")))
        await advance(runner, clock, service)
        assert lead.positions_table.select_key(position.key)
        assert "closed" in await act(service, lead.close_selected)
        await advance(runner, clock, service)
        await wait_until(service.lead_positions_changed, lambda: lead.positions.rowCount() == 0)
        assert open_copies() == 0
        await wait_until(service.lead_profit_details_changed, lambda: lead.details.rowCount() == 4)
        assert all(d.share_profit > 0 for d in lead.details.rows())
        await wait_until(service.lead_profit_summary_changed,
                         lambda: lead.profit_summary.text().startswith("Profit share +")
                         and "+0.00000000 USDT" not in lead.profit_summary.text())
        await wait_until(service.lead_overview_changed, lambda: lead.summary.text().startswith("ROI "))
        assert not errors
        for model in (lead.positions, lead.followers, lead.pairs, lead.details):
            qtmodeltester.check(model, force_py=True)
