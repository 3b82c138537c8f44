"""Position tools against the simulator over real sockets: reverse (one-way and hedge, and a hedge close that fails),
break-even stop (placed, then moved rather than doubled), isolated margin add/remove, the maximum openable size,
closed positions after a close, and bills into a real journal without duplicates.

The desk's tools (margin, max open size, closed positions, bills) run on a classic account (V2) and on a unified one
(V3: set-margin, max-open-available, history-position, financial-records; issue 14)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from terminal_app.config.settings import Settings
from terminal_app.core.algo import AlgoKind, AlgoStatus
from terminal_app.core.enums import MarginMode, PositionSide, Side
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.core.orders import OrderTicket
from terminal_app.core.position_tools import BillKind
from terminal_app.core.risk import RiskPolicy
from terminal_app.services.guards import GuardedServices
from terminal_app.sim.engine import unified
from terminal_app.sim.runner import SimulatorRunner
from terminal_app.sim.server.auth import DEMO_UID
from terminal_app.sim.server.http import SimConfig
from terminal_app.store.journal import Journal

D = Decimal
PERP = SymbolRef("BTCUSDT", Product.USDT_FUTURES)
FUT = Product.USDT_FUTURES
NO_LIMITS = RiskPolicy(None, None, None, None)
# The classic Demo account (V2) and a unified one (V3): the same tools, the same figures.
BOTH_ACCOUNTS = pytest.mark.parametrize("sim", ["classic", "unified"], indirect=True)
# Each account's word for a bill row (the exchange's own, kept as the bill's detail)
WORDS = {"classic": {"open": "open_long", "close": "close_long"},
         "unified": {"open": "OPEN_LONG", "close": "CLOSE_LONG"}}


@pytest.fixture
def sim(request: pytest.FixtureRequest) -> Iterator[SimulatorRunner]:
    """The simulator with the demo key's account ``classic`` (the default) or ``unified``."""
    runner = SimulatorRunner(config=SimConfig(seed=11, account_mode=getattr(request, "param", "classic")))
    runner.start()
    try:
        yield runner
    finally:
        runner.stop()


def mode(kit: Any) -> str:
    return str(kit.sim.config.account_mode)


class JournalOnThisThread:
    """A real journal, read and written at once (the terminal's JournalSink runs the same jobs on its thread)."""

    def __init__(self, path: Path) -> None:
        self.journal = Journal(path)

    async def read(self, what: Callable[[Journal, str], Any]) -> Any:
        return what(self.journal, "Demo")


def on_sim(kit: Any, fn: Callable[[Any], Any]) -> Any:
    return kit.sim.call(lambda: fn(kit.sim.server.exchange))


@contextlib.asynccontextmanager
async def tools_on(kit: Any, tmp_path: Path, *, answer: bool = True
                   ) -> AsyncIterator[tuple[GuardedServices, list[str]]]:
    async with kit.open(history_pages=1) as s:
        asked: list[str] = []

        def ask(_title: str, text: str, reply: Callable[[bool], None]) -> None:
            asked.append(text)
            reply(answer)

        guarded = GuardedServices.wrap(s, Settings(tmp_path / "settings.json"), lambda: NO_LIMITS, ask=ask,
                                       journal=JournalOnThisThread(tmp_path / "journal.sqlite"))
        guarded.tools.poll_s = 3600
        guarded.tools.start()
        try:
            await guarded.tools.loaded.wait()
            yield guarded, asked
        finally:
            await guarded.close()


async def open_position(kit: Any, g: GuardedServices, side: Side, size: str, **kw: Any) -> Any:
    g.trading.submit(OrderTicket(PERP, side, "market", size=D(size), **kw))
    return await kit.wait_until(g.account.positions_changed, lambda: g.account.position(PERP))


def sim_positions(kit: Any) -> list[tuple[str, D]]:
    return sorted((p.hold_side, p.total) for p in on_sim(kit, lambda ex: ex.positions(DEMO_UID, "BTCUSDT")))


@pytest.mark.asyncio
async def test_reverse_one_way_is_one_order_for_twice_the_size(kit: Any, tmp_path: Path) -> None:
    async with tools_on(kit, tmp_path) as (g, asked):
        position = await open_position(kit, g, Side.BUY, "0.01")
        g.tools.reverse(position)
        assert "one market sell of 0.02" in asked[0]
        await kit.wait_until(g.account.positions_changed,
                             lambda: (p := g.account.position(PERP)) and p.hold_side == PositionSide.SHORT)
        assert sim_positions(kit) == [("short", D("0.0100"))]


@pytest.mark.asyncio
async def test_reverse_hedge_closes_then_opens(kit: Any, tmp_path: Path) -> None:
    on_sim(kit, lambda ex: ex.set_position_mode(DEMO_UID, "hedge_mode"))
    async with tools_on(kit, tmp_path) as (g, _asked):
        position = await open_position(kit, g, Side.BUY, "0.01", trade_side="open")
        said = kit.record(g.tools.said)
        g.tools.reverse(position)
        await kit.wait_until(g.account.positions_changed,
                             lambda: [p.hold_side for p in g.account.positions() if p.ref == PERP]
                             == [PositionSide.SHORT])
        assert sim_positions(kit) == [("short", D("0.0100"))]
        await kit.wait_until(g.tools.said, lambda: said.calls)
        assert "opening the short" in said.calls[-1][1]


@pytest.mark.asyncio
async def test_reverse_hedge_never_opens_when_the_close_fails(kit: Any, tmp_path: Path) -> None:
    on_sim(kit, lambda ex: ex.set_position_mode(DEMO_UID, "hedge_mode"))
    async with tools_on(kit, tmp_path) as (g, _asked):
        position = await open_position(kit, g, Side.BUY, "0.01", trade_side="open")
        said = kit.record(g.tools.said)
        kit.sim.faults.fail_rest(400, path="/api/v2/mix/order/place-order", code="22002",
                                 msg="No position to close")
        g.tools.reverse(position)
        await kit.wait_until(g.tools.said, lambda: said.calls)
        assert "nothing was opened" in said.calls[-1][1]
        assert sim_positions(kit) == [("long", D("0.0100"))]


@pytest.mark.asyncio
async def test_break_even_places_then_moves_the_position_stop(kit: Any, tmp_path: Path) -> None:
    async with tools_on(kit, tmp_path) as (g, _asked):
        g.market_data.set_active(PERP)                  # its ticker streams: the mark is known
        position = await open_position(kit, g, Side.BUY, "0.01")

        def mark() -> D | None:
            ticker = g.market_data.ticker(PERP)
            return ticker.mark_price if ticker is not None else None

        on_sim(kit, lambda ex: ex.shock("BTC", "0.98"))
        await kit.wait_until(g.market_data.ticker_changed, lambda: (m := mark()) and m < position.open_price_avg)
        refusal = g.tools.break_even(position)          # below the entry: a stop there is a market close
        assert "fire at once" in refusal.text
        assert refusal.refused
        on_sim(kit, lambda ex: ex.shock("BTC", "1.05"))
        await kit.wait_until(g.market_data.ticker_changed,
                             lambda: (m := mark()) and m > position.open_price_avg * D("1.01"))
        position = g.account.position(PERP)
        answer = g.tools.break_even(position)
        assert "Placing" in answer.text, answer
        assert not answer.refused
        market = g.market_data.market(PERP)
        expected = (position.open_price_avg / market.tick_size).to_integral_value("ROUND_CEILING") * market.tick_size

        def plans() -> list[Any]:
            return [p for p in on_sim(kit, lambda ex: ex.plans.orders(DEMO_UID, FUT)) if p.plan_type == "pos_loss"]

        await kit.wait_until(g.algo.changed, lambda: any(o.status is AlgoStatus.LIVE for o in g.algo.orders(PERP)))
        assert [p.trigger_price for p in plans()] == [expected]
        on_sim(kit, lambda ex: ex.place_pos_tpsl(DEMO_UID, "BTCUSDT", "long", None, str(expected - 50)))
        await g.algo.reconcile()
        assert "Moving" in g.tools.break_even(position).text
        await kit.wait_until(g.algo.changed, lambda: [o.trigger_price for o in g.algo.orders(PERP)
                                                      if o.kind is AlgoKind.POSITION_SL] == [expected])
        assert [p.trigger_price for p in plans()] == [expected]


@BOTH_ACCOUNTS
@pytest.mark.asyncio
async def test_isolated_margin_added_and_removed_moves_the_liquidation_price(kit: Any, tmp_path: Path) -> None:
    on_sim(kit, lambda ex: ex.set_margin_mode(DEMO_UID, "BTCUSDT", "isolated"))
    async with tools_on(kit, tmp_path) as (g, _asked):
        assert g.tools.available
        assert type(g.session.desk).__name__ == ("V3PositionDesk" if mode(kit) == "unified" else "V2PositionDesk")
        position = await open_position(kit, g, Side.BUY, "0.01", margin_mode=MarginMode.ISOLATED)
        before = position.liquidation_price
        assert g.tools.set_margin(position, D("-1000000")).startswith("At most")
        done = kit.record(g.tools.margin_done)
        assert g.tools.set_margin(position, D("50")) == ""
        await kit.wait_until(g.tools.margin_done, lambda: done.calls)
        assert done.calls[-1][1] == ""
        (sim_pos,) = on_sim(kit, lambda ex: ex.positions(DEMO_UID, "BTCUSDT"))
        assert sim_pos.margin == position.margin_size + 50
        after = g.account.position(PERP)
        assert after.liquidation_price < before
        done.calls.clear()
        assert g.tools.set_margin(after, D("-20")) == ""                 # and some of it back out
        await kit.wait_until(g.tools.margin_done, lambda: done.calls)
        assert done.calls[-1][1] == ""
        (sim_pos,) = on_sim(kit, lambda ex: ex.positions(DEMO_UID, "BTCUSDT"))
        assert sim_pos.margin == position.margin_size + 30


@BOTH_ACCOUNTS
@pytest.mark.asyncio
async def test_max_open_size_is_the_exchanges_estimate(kit: Any, tmp_path: Path) -> None:
    async with tools_on(kit, tmp_path) as (g, _asked):
        seen = kit.record(g.tools.max_open_changed)
        price = g.market_data.last_price(PERP) or D("97000")
        g.tools.want_max_open(PERP, Side.BUY, price, 10)
        g.tools.want_max_open(PERP, Side.BUY, price, 10)          # debounced: one question
        await kit.wait_until(g.tools.max_open_changed, lambda: seen.calls)
        ref, side, size = seen.calls[-1]
        available = g.account.available(PERP, Side.BUY)
        if mode(kit) == "unified":     # V3 tells what the pool has free in the margin coin; the size at 10x
            from terminal_app.sim.engine import unified

            available = on_sim(kit, lambda ex: next(c.available for c in unified.unified_view(ex, DEMO_UID).coins
                                                    if c.coin == "USDT"))
        expected = on_sim(kit, lambda ex: ex.position_desk.open_count(DEMO_UID, "BTCUSDT", available, price, 10))
        assert expected > 0
        assert (ref, side, size) == (PERP, Side.BUY, expected)
        assert len(seen) == 1


@BOTH_ACCOUNTS
@pytest.mark.asyncio
async def test_closed_positions_and_bills_reach_the_journal_once(kit: Any, tmp_path: Path) -> None:
    async with tools_on(kit, tmp_path) as (g, _asked):
        position = await open_position(kit, g, Side.BUY, "0.01")

        def fund(ex: Any) -> None:
            ex._engine.funding.next_funding["BTCUSDT"] = ex.now_ms()   # white box: funding time is now
        on_sim(kit, fund)
        await kit.wait_until(g.account.futures_account_changed,
                             lambda: on_sim(kit, lambda ex: ex.account_bills(DEMO_UID,
                                                                             business_type="contract_settle_fee")))
        g.trading.close_position(position)
        await kit.wait_until(g.account.positions_changed, lambda: g.account.position(PERP) is None)
        await g.tools.reconcile()
        (row,) = g.tools.closed()
        assert (row.symbol, row.hold_side, row.open_size, row.close_size) == ("BTCUSDT", PositionSide.LONG,
                                                                              D("0.01"), D("0.01"))
        assert row.total_funding is not None
        assert row.total_funding != 0
        kinds = sorted(b.kind for b in g.tools.bills())
        assert kinds == sorted([BillKind.TRADE, BillKind.FUNDING, BillKind.TRADE])
        await g.tools.reconcile()                                       # read again: nothing doubles
        journal = g.tools._journal.journal                               # type: ignore[union-attr]
        assert len(journal.bills("Demo")) == 3
        (day,) = g.tools.pnl_by_day()
        assert day.coin == "USDT"
        assert day.funding == row.total_funding
        assert day.net == sum((b.amount + b.fee for b in g.tools.bills()), D(0))


@BOTH_ACCOUNTS
@pytest.mark.asyncio
async def test_a_reconnect_reads_what_happened_while_away_without_doubling(kit: Any, tmp_path: Path) -> None:
    words = WORDS[mode(kit)]
    async with tools_on(kit, tmp_path) as (g, _asked):
        position = await open_position(kit, g, Side.BUY, "0.01")
        await g.tools.reconcile()
        journal = g.tools._journal.journal                               # type: ignore[union-attr]
        assert [b.detail for b in journal.bills("Demo")] == [words["open"]]
        kit.sim.faults.stall_ws()                                       # the streams go quiet
        on_sim(kit, lambda ex: ex.close_positions(DEMO_UID, "BTCUSDT"))  # closed elsewhere meanwhile
        assert g.account.position(PERP) is not None
        assert g.tools.closed() == []
        reconciled = kit.record(g.connection.reconciled)
        kit.sim.faults.drop_ws()
        await kit.wait_until(g.connection.reconciled, lambda: reconciled.calls)
        assert [(r.symbol, r.close_size) for r in g.tools.closed()] == [("BTCUSDT", position.total)]
        assert sorted(b.detail for b in journal.bills("Demo")) == sorted([words["close"], words["open"]])
        assert len(g.tools.bills()) == 2


@pytest.mark.parametrize("sim", ["unified"], indirect=True)
@pytest.mark.asyncio
async def test_the_pools_interest_and_a_loan_reach_the_journal_and_only_the_interest_is_pnl(kit: Any,
                                                                                         tmp_path: Path) -> None:
    """A unified account's pool records (category OTHER: interest on borrowing, the loan itself) are read as the
    spot line's bill: the interest counts in the PnL by day, the borrowing does not."""
    def pool_rows(ex: Any) -> None:   # white box: what the pool writes when it lends and charges interest
        book = unified.book(ex)
        book.record(DEMO_UID, "USDT", "BORROW", D("500"), D("0"), ex.now_ms())
        book.record(DEMO_UID, "USDT", "INTEREST_SETTLEMENT_OUT", D("-0.125"), D("-0.125"), ex.now_ms())
    on_sim(kit, pool_rows)
    async with tools_on(kit, tmp_path) as (g, _asked):
        pool = [b for b in g.tools.bills() if b.product is Product.SPOT]
        assert sorted((b.detail, b.kind, b.amount) for b in pool) == [
            ("BORROW", BillKind.TRANSFER, D("500")), ("INTEREST_SETTLEMENT_OUT", BillKind.INTEREST, D("-0.125"))]
        (day,) = g.tools.pnl_by_day()
        assert (day.coin, day.net, day.rows) == ("USDT", D("-0.125"), 1)
        assert (day.realized, day.interest) == (D(0), D("-0.125"))    # a cost of borrowing, not trading PnL
        journal = g.tools._journal.journal                               # type: ignore[union-attr]
        assert len(journal.bills("Demo")) == 2
        await g.tools.reconcile()                                       # read again: nothing doubles
        assert len(journal.bills("Demo")) == 2
