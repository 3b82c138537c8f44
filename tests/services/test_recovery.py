"""Recovery that always completes: the real services against the real simulator through its fault injection.

A reconnect while REST fails is reconciled once REST answers again (and only then called reconciled); a silent private
stream is caught by the periodic check without any reconnect; an order whose lookup failed is looked up again until
the exchange answers. Afterwards the terminal shows exactly the exchange's truth: no order shown live that the
exchange cancelled, every fill once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from terminal_app.bitget.rest_core import V2
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.core.orders import OrderTicket
from terminal_app.services.retry import Backoff
from terminal_app.services.stack import Services
from terminal_app.sim.runner import SimulatorRunner
from terminal_app.sim.server.auth import DEMO_UID

D = Decimal
BTC = SymbolRef("BTCUSDT", Product.SPOT)
QUICK = Backoff(initial_s=0.1, max_s=0.4)  # the production policy, shortened so the tests stay quick


async def best_bid(kit: Any, s: Services) -> Decimal:
    s.market_data.set_active(BTC)
    book = s.market_data.book(BTC)
    assert book is not None
    await kit.wait_until(s.market_data.book_changed, lambda: book.best_bid())
    price = book.best_bid_price()
    assert price is not None
    return price


def tick(price: Decimal) -> Decimal:
    return price.quantize(D("0.01"))


def status(s: Services, oid: str) -> str | None:
    view = s.trading.order(oid)
    return None if view is None else view.status


def private_connections(sim: SimulatorRunner) -> list[int]:
    return sim.call(lambda: [c.id for c in sim.server.hub.conns.values() if c.private])


def on_exchange(sim: SimulatorRunner, fn: Callable[..., Any], *args: Any) -> Any:
    """Run ``fn(exchange, *args)`` on the simulator's thread: what happens "elsewhere" (another device, the web)."""
    return sim.call(lambda: fn(sim.server.exchange, *args))


async def eventually(condition: Callable[[], Any], timeout: float = 10.0) -> Any:  # noqa: ASYNC109
    """Bounded polling, for the exchange's side (nothing there signals this thread)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (value := condition()):
        if loop.time() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.02)
    return value


def retries(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The connection's "… failed; retrying" warnings logged so far."""
    return [r.getMessage() for r in caplog.records
            if r.name == "terminal_app.services.connection" and r.levelno == logging.WARNING
            and "retrying" in r.getMessage()]


def assert_terminal_matches_exchange(s: Services, sim: SimulatorRunner) -> None:
    listed = on_exchange(sim, lambda ex: ex.open_orders(DEMO_UID, Product.SPOT))
    assert sorted(o.client_oid for o in listed) == sorted(v.client_oid for v in s.trading.open_orders(BTC))
    fills = on_exchange(sim, lambda ex: ex.fills(DEMO_UID, Product.SPOT))
    shown = [f.trade_id for f in s.trading.fills()]
    assert len(shown) == len(set(shown))
    assert {f.trade_id for f in fills} <= set(shown)


@pytest.mark.asyncio
async def test_a_drop_while_rest_fails_is_reconciled_once_rest_answers(
        kit: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="terminal_app.services")
    async with kit.open(history_pages=1) as s:
        tr, conn, sim = s.trading, s.connection, kit.sim
        conn.reconcile_backoff = QUICK
        bid = await best_bid(kit, s)
        cancelled_elsewhere = tr.place(OrderTicket(BTC, "buy", "limit", "gtc", D("0.001"), tick(bid * D("0.9"))))
        filled_meanwhile = tr.place(OrderTicket(BTC, "buy", "limit", "gtc", D("0.001"), tick(bid * D("0.997"))))
        await kit.wait_until(tr.order_updated, lambda: status(s, cancelled_elsewhere) == status(s, filled_meanwhile)
                             == "live")
        private = private_connections(sim)
        for conn_id in private:
            sim.faults.stall_ws(conn_id)  # what happens next is never pushed
        on_exchange(sim, lambda ex: ex.cancel_spot_order(DEMO_UID, "BTCUSDT", client_oid=cancelled_elsewhere))
        on_exchange(sim, lambda ex: ex.shock("BTC", "0.98"))  # the market falls through the second order
        on_exchange(sim, lambda ex: ex.place_spot_order(DEMO_UID, "BTCUSDT", "buy", "market", D("20"),
                                                        client_oid="from-the-web"))  # placed and filled elsewhere
        filled = await eventually(lambda: on_exchange(sim, lambda ex: ex.get_order(
            DEMO_UID, Product.SPOT, client_oid=filled_meanwhile)).status == "filled")
        assert filled
        assert status(s, cancelled_elsewhere) == status(s, filled_meanwhile) == "live"  # the terminal never heard

        fills_heard = kit.record(tr.fill_received)
        reconciled = kit.record(conn.reconciled)
        caplog.clear()
        sim.faults.fail_rest(503, count=None)  # every REST request fails until cleared
        for conn_id in private:
            sim.faults.drop_ws(conn_id)
        await eventually(lambda: len(retries(caplog)) >= 2)
        assert not reconciled.calls  # nothing says "reconciled" while the reads fail
        assert status(s, cancelled_elsewhere) == "live"
        sim.faults.clear()
        await kit.wait_until(conn.reconciled, lambda: reconciled.calls)

        assert status(s, cancelled_elsewhere) == "cancelled"
        assert status(s, filled_meanwhile) == "filled"
        assert status(s, "from-the-web") == "filled"  # listed, not only its fill
        assert_terminal_matches_exchange(s, sim)
        order_id = tr.order(filled_meanwhile).order_id
        on_the_exchange = on_exchange(sim, lambda ex: ex.fills(DEMO_UID, Product.SPOT, order_id=order_id))
        assert on_the_exchange
        heard = [f.trade_id for (f,) in fills_heard.calls if f.order_id == order_id]
        assert sorted(heard) == sorted(f.trade_id for f in on_the_exchange)  # each fill announced once
        assert conn.reconciles == 1
        assert any("re-read" in r.getMessage() for r in caplog.records if r.name == "terminal_app.services.connection")


@pytest.mark.asyncio
async def test_the_periodic_check_catches_what_a_silent_stream_missed(kit: Any) -> None:
    async with kit.open(history_pages=1) as s:
        tr, sim = s.trading, kit.sim
        bid = await best_bid(kit, s)
        oid = tr.place(OrderTicket(BTC, "buy", "limit", "gtc", D("0.001"), tick(bid * D("0.9"))))
        await kit.wait_until(tr.order_updated, lambda: status(s, oid) == "live")
        for conn_id in private_connections(sim):
            sim.faults.stall_ws(conn_id)  # connected as far as anyone can tell, but silent
        on_exchange(sim, lambda ex: ex.cancel_spot_order(DEMO_UID, "BTCUSDT", client_oid=oid))
        tr.set_check_interval(0.2)
        await kit.wait_until(tr.order_updated, lambda: status(s, oid) == "cancelled")
        assert s.connection.reconciles == 0  # no reconnect was needed
        assert tr.checks >= 1
        assert_terminal_matches_exchange(s, sim)


@pytest.mark.asyncio
async def test_the_periodic_check_reads_nothing_while_nothing_is_open(kit: Any) -> None:
    async with kit.open(history_pages=1) as s:
        tr = s.trading
        bid = await best_bid(kit, s)
        tr.set_check_interval(0.05)
        await asyncio.sleep(0.5)  # ~10 intervals: nothing signals a check that did not happen
        assert tr.checks == 0
        oid = tr.place(OrderTicket(BTC, "buy", "limit", "gtc", D("0.001"), tick(bid * D("0.9"))))
        await kit.wait_until(tr.order_updated, lambda: status(s, oid) == "live")
        await eventually(lambda: tr.checks >= 2)


@pytest.mark.asyncio
async def test_an_order_whose_lookup_failed_is_looked_up_until_the_exchange_answers(kit: Any) -> None:
    async with kit.open(history_pages=1) as s:
        tr, sim = s.trading, kit.sim
        tr.retry = QUICK
        s.session.rest.lookup_delay_s = 0.0
        bid = await best_bid(kit, s)
        rejected = kit.record(tr.order_rejected)
        for conn_id in private_connections(sim):
            sim.faults.stall_ws(conn_id)  # the orders channel would tell at once: only REST can, here
        # The order is placed but its answer is lost; the client's lookup by clientOid fails (three GET attempts)
        # and so does the service's first retry (three more): only the second retry hears the exchange.
        sim.faults.timeout_after_accept(path=V2.SPOT_PLACE_ORDER, close=True)
        sim.faults.fail_rest(503, path=V2.SPOT_ORDER_INFO, count=6)
        oid = tr.place(OrderTicket(BTC, "buy", "limit", "gtc", D("0.001"), tick(bid * D("0.9"))))
        await kit.wait_until(tr.order_rejected, lambda: rejected.calls)
        assert rejected.calls[0][0].status == "rejected"  # the outcome is unknown for now
        await kit.wait_until(tr.order_updated, lambda: status(s, oid) == "live")
        listed = on_exchange(sim, lambda ex: ex.open_orders(DEMO_UID, Product.SPOT))
        assert [o.client_oid for o in listed] == [oid]  # placed once, and shown as what it is
        assert [v.client_oid for v in tr.open_orders()] == [oid]


@pytest.mark.asyncio
async def test_a_reconciliation_that_cannot_succeed_ends_when_the_services_close(
        kit: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="terminal_app.services")
    async with kit.open(history_pages=1) as s:
        conn, sim = s.connection, kit.sim
        conn.reconcile_backoff = QUICK
        caplog.clear()
        reconciled = kit.record(conn.reconciled)
        sim.faults.fail_rest(503, count=None)  # for good
        for conn_id in private_connections(sim):
            sim.faults.drop_ws(conn_id)
        await eventually(lambda: retries(caplog))
    # closed while retrying: nothing left running, nothing claimed
    assert conn._tasks.pending == 0
    assert s.trading._tasks.pending == 0
    assert not reconciled.calls


@pytest.mark.asyncio
async def test_an_unanswered_order_the_exchange_never_got_ends_rejected_for_good(kit: Any) -> None:
    async with kit.open(history_pages=1) as s:
        tr, sim = s.trading, kit.sim
        tr.retry = QUICK
        tr.not_placed_after_s = 1.0
        s.session.rest.lookup_delay_s = 0.0
        bid = await best_bid(kit, s)
        # Refused unseen with a bare 503 (which may or may not have been executed), and the lookup by clientOid that
        # would tell fails too: the order is reported rejected provisionally.
        sim.faults.fail_rest(503, path=V2.SPOT_PLACE_ORDER)
        sim.faults.fail_rest(503, path=V2.SPOT_ORDER_INFO, count=3)
        oid = tr.place(OrderTicket(BTC, "buy", "limit", "gtc", D("0.001"), tick(bid * D("0.9"))))
        await kit.wait_until(tr.order_updated, lambda: status(s, oid) == "rejected")
        assert tr.rejection_provisional(oid)
        assert tr.unresolved == 1
        await kit.wait_until(tr.order_updated, lambda: not tr.rejection_provisional(oid))
        view = tr.order(oid)
        assert view is not None
        assert (view.status, view.reason) == ("rejected", "Not placed: the exchange has no such order.")
        assert tr.unresolved == 0
        assert on_exchange(sim, lambda ex: ex.open_orders(DEMO_UID, Product.SPOT)) == []


@pytest.mark.asyncio
async def test_a_start_whose_lookups_failed_says_so_and_looks_again(kit: Any,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    # An order placed and filled elsewhere is found at start only through its fill (the history read is slowed
    # down so the reconciliation reads first); its lookup fails once: the start goes on, says so, and looks again.
    async with kit.open(history_pages=1) as s:
        ack = await s.session.rest.spot_place_order(BTC, "buy", "market", D("20"))  # "elsewhere": no service saw it
    sim = kit.sim
    sim.faults.delay_rest(1.0, path=V2.SPOT_HISTORY_ORDERS)
    sim.faults.fail_rest(503, path=V2.SPOT_ORDER_INFO, count=3)  # the client's three GET attempts of one lookup
    caplog.set_level(logging.WARNING, logger="terminal_app.services.trading")
    async with kit.open(history_pages=1) as s:
        warned = [r.getMessage() for r in caplog.records if r.name == "terminal_app.services.trading"]
        assert any("could not be read at start" in m and "retrying" in m for m in warned), warned
        await eventually(lambda: s.trading.order(f"id:{ack.order_id}") or any(
            v.order_id == ack.order_id for v in s.trading.order_history()))
        assert any(f.order_id == ack.order_id for f in s.trading.fills())
