"""``terminal-app bench faults``: reliability in figures. The terminal's own services (connection, market data,
account, trading; no GUI: a QCoreApplication and a qasync loop) against the simulator through its fault injection
(``sim/faults.py``), one fault or a compound of faults per scenario, each on a fresh simulator.

Every scenario starts the same way: the services open with the production settings (heartbeat, backoff, periodic
check), the BTCUSDT spot book is live, and three orders rest on the exchange (spot far below the market, spot just
below it, USDT-M far below it). The scenario then injects its fault while the terminal places orders and/or the account
changes "elsewhere" (an order cancelled from another device, the market falling through a resting order, a market order
placed from the web), lifts the fault, and waits until the terminal says it has recovered: connected, no order pending,
no lookup outstanding, after a reconnect the reconciliation done, and the book consistent again (five updates verified
by checksum since the fault ended). One second later the terminal is compared with the exchange's own records:

* ``lost_orders``: orders the exchange has that the terminal does not show, or shows as rejected;
* ``duplicated_orders``: exchange orders beyond one per order the trader placed (a blind re-send);
* ``phantom_orders``: orders the terminal shows that the exchange does not have;
* ``stale_after_recovery``: orders shown with another status or filled size than the exchange's;
* ``lost_fills`` / ``duplicated_fills`` / ``phantom_fills``: own trades missing, announced twice, or invented;
* ``book_recovered``: the active book is consistent and updating again; ``recovered``: the terminal got there within
  the scenario's time limit, ``recovery_s`` after the fault was lifted (for the stall: after it began, since it is
  never lifted; ``stale_shown_after_s`` is how long the book's old prices looked current).

All counts zero and both flags true is the target. One JSON line: ``{"bench": "faults", "scenarios": {name: figures},
"totals": {...}, "all_clear": bool, "seconds": …}``. ``--only NAME`` runs some scenarios (repeatable).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import logging
import os
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from terminal_app.bitget.rest_core import V2
from terminal_app.core.credentials import Credentials
from terminal_app.core.enums import OrderStatus, OrderType, Side, TimeInForce
from terminal_app.core.health import ProfileKind
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.core.orders import Fill, OrderTicket, OrderView
from terminal_app.services.session import Session, SessionEndpoints
from terminal_app.services.stack import Services
from terminal_app.sim.runner import SimulatorRunner
from terminal_app.sim.server.auth import DEMO_UID

SPOT = SymbolRef("BTCUSDT", Product.SPOT)
PERP = SymbolRef("BTCUSDT", Product.USDT_FUTURES)
SEED = 41
SETTLE_TIMEOUT_S = 45.0  # a stall is found by the heartbeat within 28 s (ping every 20 s, 8 s for the answer)
GRACE_S = 1.0  # pushes in flight when the terminal says it has recovered
BOOK_UPDATES = 5  # checksum-verified updates after the fault that make a book "recovered"
D = Decimal


class BenchError(Exception):
    pass


@dataclass(slots=True)
class Figures:
    lost_orders: int = 0
    duplicated_orders: int = 0
    phantom_orders: int = 0
    stale_after_recovery: int = 0
    lost_fills: int = 0
    duplicated_fills: int = 0
    phantom_fills: int = 0
    book_recovered: bool = False
    recovered: bool = False
    recovery_s: float | None = None
    stale_shown_after_s: float | None = None  # stall only: from the stall to the book being marked stale
    orders: int = 0  # exchange orders compared
    fills: int = 0  # exchange fills compared
    problems: list[str] = field(default_factory=list)  # what differed, for whoever has to fix it

    @property
    def clear(self) -> bool:
        counts = (self.lost_orders, self.duplicated_orders, self.phantom_orders, self.stale_after_recovery,
                  self.lost_fills, self.duplicated_fills, self.phantom_fills)
        return not any(counts) and self.book_recovered and self.recovered

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for key in ("problems", "stale_shown_after_s"):
            if not out[key]:
                del out[key]
        return out


def _exchange_status(status: str) -> str:
    return {"new": "live", "init": "live", "canceled": "cancelled"}.get(status, status)


class Rig:
    """One scenario's simulator and services, and what the scenario did."""

    def __init__(self, runner: SimulatorRunner, services: Services) -> None:
        self.runner = runner
        self.s = services
        self.faults = runner.faults
        self.intents: list[str] = []  # clientOids of the orders the trader placed in the terminal
        self.elsewhere: list[str] = []  # clientOids of orders placed from "another device"
        self.heard: Counter[str] = Counter()  # fill_received per trade id
        self.far: dict[SymbolRef, str] = {}
        self.near: str = ""
        services.trading.fill_received.connect(self._heard)
        self._reconnects = 0
        self._reconciles = 0
        self._book_updates = 0
        self._book_errors = 0

    def _heard(self, fill: Fill) -> None:
        self.heard[fill.trade_id] += 1

    # --- the exchange's side ----------------------------------------------------------------------------------------

    def on_exchange(self, fn: Callable[[Any], Any]) -> Any:
        """``fn(exchange)`` on the simulator's thread, where the engine lives."""
        return self.runner.call(lambda: fn(self.runner.server.exchange))

    def connections(self, *, private: bool) -> list[int]:
        hub = self.runner.server.hub
        return self.runner.call(lambda: [c.id for c in hub.conns.values() if c.private == private])

    def cancel_elsewhere(self, client_oid: str) -> None:
        self.on_exchange(lambda ex: ex.cancel_spot_order(DEMO_UID, SPOT.symbol, client_oid=client_oid))

    def market_buy_elsewhere(self) -> None:
        oid = f"elsewhere{len(self.elsewhere) + 1}"
        self.elsewhere.append(oid)
        self.on_exchange(lambda ex: ex.place_spot_order(DEMO_UID, SPOT.symbol, "buy", "market", D("20"),
                                                        client_oid=oid))

    async def fall_through_near_order(self) -> None:
        """The market drops 2 % and fills the order resting just below it."""
        self.on_exchange(lambda ex: ex.shock("BTC", "0.98"))
        await self.until(lambda: self.on_exchange(lambda ex: ex.get_order(
            DEMO_UID, Product.SPOT, client_oid=self.near)).status == "filled", 10.0, "the near order to fill")

    # --- the terminal's side ------------------------------------------------------------------------------------

    def price(self, ref: SymbolRef, factor: str) -> Decimal:
        bid: Decimal = self.on_exchange(lambda ex: ex.ticker(ref).bid)
        market = self.s.market_data.market(ref)
        if market is None:
            raise BenchError(f"{ref.display} is not listed")
        return (bid * D(factor)).quantize(market.tick_size)

    def place(self, ref: SymbolRef, factor: str = "0.9") -> str:
        size = D("0.001") if ref.product is Product.SPOT else D("0.01")
        oid = self.s.trading.place(OrderTicket(ref, Side.BUY, OrderType.LIMIT, TimeInForce.GTC, size,
                                               self.price(ref, factor)))
        self.intents.append(oid)
        return oid

    def status(self, oid: str) -> str | None:
        view = self.s.trading.order(oid)
        return None if view is None else view.status

    async def until(self, condition: Callable[[], Any], timeout: float, what: str) -> None:  # noqa: ASYNC109
        """Bounded polling: most of what is awaited here happens on the simulator's thread, which signals nothing."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise BenchError(f"timed out waiting for {what}")
            await asyncio.sleep(0.05)

    async def start(self) -> None:
        md = self.s.market_data
        md.set_active(SPOT)
        await self.until(lambda: (b := md.book(SPOT)) is not None and b.updates >= BOOK_UPDATES, 15.0, "the book")
        self.far[SPOT] = self.place(SPOT)
        self.near = self.place(SPOT, "0.997")
        self.far[PERP] = self.place(PERP)
        await self.until(lambda: all(self.status(o) == "live" for o in self.intents), 15.0, "the orders to rest")
        self.mark()

    def mark(self) -> None:
        """Remember the counters the recovery is measured against (call it when the fault starts)."""
        book = self.s.market_data.book(SPOT)
        self._reconnects = self.s.session.ws.stats().reconnects
        self._reconciles = self.s.connection.reconciles
        self._book_errors = 0 if book is None else book.checksum_errors + book.sequence_errors

    def fault_lifted(self) -> None:
        book = self.s.market_data.book(SPOT)
        self._book_updates = 0 if book is None else book.updates

    def book_ok(self) -> bool:
        book = self.s.market_data.book(SPOT)
        return (book is not None and book.has_snapshot and not book.stale and book.silent_s is None
                and book.updates >= self._book_updates + BOOK_UPDATES)

    def settled(self, reconnect: bool) -> bool:
        tr, conn = self.s.trading, self.s.connection
        if reconnect and (self.s.session.ws.stats().reconnects <= self._reconnects
                          or conn.reconciles <= self._reconciles):
            return False
        return (conn.state == "connected" and tr.unresolved == 0 and self.book_ok()
                and not any(v.status == OrderStatus.PENDING for v in tr.open_orders()))

    async def settle(self, *, reconnect: bool = False, timeout: float = SETTLE_TIMEOUT_S,  # noqa: ASYNC109
                     since: float | None = None) -> Figures:
        """Wait until the terminal says it has recovered (the fault must be lifted already, or be one it must get
        past on its own: then ``since`` is when it began), then compare."""
        self.fault_lifted()
        t0 = time.monotonic() if since is None else since
        figures = Figures()
        try:
            await self.until(lambda: self.settled(reconnect), timeout, "recovery")
            figures.recovered = True
            figures.recovery_s = round(time.monotonic() - t0, 2)
        except BenchError as exc:
            figures.problems.append(str(exc))
        await asyncio.sleep(GRACE_S)
        figures.book_recovered = self.book_ok()
        self.compare(figures)
        return figures

    # --- the comparison ---------------------------------------------------------------------------------------------

    def compare(self, figures: Figures) -> None:
        tr = self.s.trading
        kinds = (Product.SPOT, Product.USDT_FUTURES)
        exchange = self.on_exchange(lambda ex: [
            *(o for kind in kinds for o in ex.open_orders(DEMO_UID, kind)),
            *(o for kind in kinds for o in ex.order_history(DEMO_UID, kind, limit=1000))])
        fills = self.on_exchange(lambda ex: [f for kind in kinds for f in ex.fills(DEMO_UID, kind, limit=1000)])
        views: list[OrderView] = [*tr.open_orders(), *tr.order_history()]
        by_id = {v.order_id: v for v in views if v.order_id}
        by_oid = {v.client_oid: v for v in views}
        figures.orders = len(exchange)
        known = set(self.intents) | set(self.elsewhere)
        per_oid = Counter(o.client_oid for o in exchange)
        for order in exchange:
            view = by_id.get(order.order_id) or by_oid.get(order.client_oid)
            if order.client_oid not in known or per_oid[order.client_oid] > 1:
                figures.duplicated_orders += 1
                figures.problems.append(f"unexpected exchange order {order.order_id} ({order.client_oid})")
            if view is None or view.status == OrderStatus.REJECTED:
                figures.lost_orders += 1
                figures.problems.append(f"order {order.client_oid} is {order.status} on the exchange, shown as "
                                        f"{view.status if view else 'nothing'}")
            elif view.status != _exchange_status(str(order.status)) or view.filled != order.filled_size:
                figures.stale_after_recovery += 1
                figures.problems.append(f"order {order.client_oid}: exchange {order.status} {order.filled_size}, "
                                        f"terminal {view.status} {view.filled}")
        on_exchange_ids = {o.order_id for o in exchange}
        on_exchange_oids = {o.client_oid for o in exchange}
        for view in views:
            if view.status == OrderStatus.REJECTED:
                continue  # the terminal says it does not exist; if it does, it counted as lost above
            if view.order_id not in on_exchange_ids and view.client_oid not in on_exchange_oids:
                figures.phantom_orders += 1
                figures.problems.append(f"order {view.client_oid} shown {view.status}, unknown to the exchange")
        figures.fills = len(fills)
        shown = {f.trade_id for f in tr.fills()}
        actual = {f.trade_id for f in fills}
        figures.lost_fills = len(actual - shown)
        figures.phantom_fills = len(shown - actual)
        figures.duplicated_fills = sum(n - 1 for n in self.heard.values() if n > 1)
        if figures.lost_fills or figures.phantom_fills or figures.duplicated_fills:
            figures.problems.append(f"fills: {sorted(actual - shown)[:5]} missing, {sorted(shown - actual)[:5]} "
                                    f"invented, {[t for t, n in self.heard.items() if n > 1][:5]} twice")
        del figures.problems[8:]  # enough to start from


# --- the scenarios ----------------------------------------------------------------------------------------------------


async def rest_5xx_on_place(rig: Rig) -> Figures:
    """A spot order refused with a bare 503 (not executed); a futures order executed, then answered 502."""
    rig.faults.fail_rest(503, path=V2.SPOT_PLACE_ORDER)
    rig.faults.fail_rest(502, path=V2.MIX_PLACE_ORDER, executed=True)
    rig.place(SPOT)
    rig.place(PERP)
    return await rig.settle()


async def rest_429_on_place(rig: Rig) -> Figures:
    """Both placements answered 429 (refused unseen): shown rejected, and the exchange has neither."""
    rig.faults.fail_rest(429, path=V2.SPOT_PLACE_ORDER)
    rig.faults.fail_rest(429, path=V2.MIX_PLACE_ORDER)
    rig.place(SPOT)
    rig.place(PERP)
    return await rig.settle()


async def timeout_after_accept(rig: Rig) -> Figures:
    """Both orders are placed, then the answer never comes: the spot connection is closed at once, the futures one
    held open until the client's read timeout (10 s)."""
    rig.faults.timeout_after_accept(path=V2.SPOT_PLACE_ORDER, close=True)
    rig.faults.timeout_after_accept(path=V2.MIX_PLACE_ORDER, hang_s=20.0)
    rig.place(SPOT)
    rig.place(PERP)
    await rig.until(lambda: all(rig.status(o) != OrderStatus.PENDING for o in rig.intents), 20.0,
                    "the placements to end")
    return await rig.settle()


async def timeout_then_lookup_fails(rig: Rig) -> Figures:
    """Compound: the private stream silent, the order placed but its answer lost, and the lookup by clientOid failing
    for a while (nine GETs: the client's own three tries and two of the service's retries)."""
    for conn_id in rig.connections(private=True):
        rig.faults.stall_ws(conn_id)
    rig.faults.timeout_after_accept(path=V2.SPOT_PLACE_ORDER, close=True)
    rig.faults.fail_rest(503, path=V2.SPOT_ORDER_INFO, count=9)
    oid = rig.place(SPOT)
    await rig.until(lambda: rig.status(oid) != OrderStatus.PENDING, 15.0, "the placement to end")
    await rig.until(lambda: rig.s.trading.unresolved == 0, 20.0, "the lookup to get through")
    rig.faults.resume_ws()
    return await rig.settle()


async def latency(rig: Rig) -> Figures:
    """Every REST request 1.5 s late for a while, while orders are placed and one cancelled."""
    rig.faults.delay_rest(1.5, count=None)
    rig.place(SPOT)
    rig.place(PERP)
    rig.s.trading.cancel(rig.far[SPOT])
    await rig.until(lambda: all(rig.status(o) != OrderStatus.PENDING for o in rig.intents), 20.0,
                    "the placements to end")
    rig.faults.clear()
    return await rig.settle()


async def ws_drop(rig: Rig) -> Figures:
    """Every WebSocket cut without a close frame; meanwhile an order is cancelled elsewhere and a market order fills."""
    rig.faults.drop_ws()
    rig.cancel_elsewhere(rig.far[SPOT])
    rig.market_buy_elsewhere()
    return await rig.settle(reconnect=True)


async def ws_drop_while_rest_fails(rig: Rig) -> Figures:
    """Compound: the private stream silent while an order is cancelled elsewhere, the market falls through another
    and a market order fills; then every REST request fails, every WebSocket is cut, and REST stays down for 4 s."""
    for conn_id in rig.connections(private=True):
        rig.faults.stall_ws(conn_id)
    rig.cancel_elsewhere(rig.far[SPOT])
    await rig.fall_through_near_order()
    rig.market_buy_elsewhere()
    rig.faults.fail_rest(503, count=None)
    rig.faults.drop_ws()
    await asyncio.sleep(4.0)
    rig.faults.clear()
    return await rig.settle(reconnect=True)


async def ws_stall(rig: Rig) -> Figures:
    """Every WebSocket stalls (open, nothing arrives, no pong) and stays so; meanwhile an order is cancelled elsewhere
    and the market falls through another. The heartbeat must find the sockets dead and reconnect."""
    book = rig.s.market_data.book(SPOT)
    assert book is not None
    stalled_at = time.monotonic()
    rig.faults.stall_ws()
    watch = asyncio.ensure_future(rig.until(lambda: book.silent_s is not None, 20.0, "the book to be marked stale"))
    rig.cancel_elsewhere(rig.far[SPOT])
    await rig.fall_through_near_order()
    rig.market_buy_elsewhere()
    await watch
    shown_after = round(time.monotonic() - stalled_at, 2)
    figures = await rig.settle(reconnect=True, since=stalled_at)
    figures.stale_shown_after_s = shown_after
    return figures


async def malformed_frames(rig: Rig) -> Figures:
    """Five frames that are not JSON on every connection, while an order is placed and another cancelled."""
    for _ in range(5):
        rig.faults.malformed_frame()
    rig.place(SPOT)
    rig.s.trading.cancel(rig.far[PERP])
    return await rig.settle()


async def corrupted_book(rig: Rig) -> Figures:
    """Three books updates of BTCUSDT with a wrong checksum: the book must resync from a fresh snapshot."""
    rig.faults.corrupt_checksum(SPOT.symbol, count=3)
    book = rig.s.market_data.book(SPOT)
    assert book is not None
    errors = book.checksum_errors
    await rig.until(lambda: book.checksum_errors > errors, 10.0, "the corrupted update")
    return await rig.settle()


async def clock_skew(rig: Rig) -> Figures:
    """The exchange's clock 45 s ahead (outside Bitget's ±30 s window): orders are placed, and every WebSocket is cut
    so that the logins are signed again."""
    rig.faults.shift_clock(45)
    rig.place(SPOT)
    rig.place(PERP)
    rig.faults.drop_ws()
    return await rig.settle(reconnect=True)


Scenario = Callable[[Rig], Awaitable[Figures]]
SCENARIOS: dict[str, Scenario] = {
    "rest_5xx_on_place": rest_5xx_on_place,
    "rest_429_on_place": rest_429_on_place,
    "timeout_after_accept": timeout_after_accept,
    "timeout_then_lookup_fails": timeout_then_lookup_fails,
    "latency": latency,
    "ws_drop": ws_drop,
    "ws_drop_while_rest_fails": ws_drop_while_rest_fails,
    "ws_stall": ws_stall,
    "malformed_frames": malformed_frames,
    "corrupted_book": corrupted_book,
    "clock_skew": clock_skew,
}


async def run_scenario(name: str, seed: int = SEED) -> Figures:
    runner = SimulatorRunner(seed=seed)
    info = await asyncio.get_running_loop().run_in_executor(None, runner.start)
    try:
        session = Session("Bench", ProfileKind.DEMO, SessionEndpoints(info.rest, info.ws_public, info.ws_private),
                          Credentials(info.api_key, info.secret, info.passphrase))
        services = await Services.open(session, history_pages=1)
        try:
            rig = Rig(runner, services)
            await rig.start()
            rig.mark()
            try:
                return await SCENARIOS[name](rig)
            except BenchError as exc:
                figures = Figures(problems=[str(exc)])
                rig.compare(figures)
                return figures
        finally:
            await services.close()
    finally:
        await asyncio.get_running_loop().run_in_executor(None, runner.stop)
        gc.collect()  # on this thread: Qt objects must not be collected on the simulator's


async def run(names: list[str], seed: int = SEED) -> dict[str, Any]:
    started = time.monotonic()
    results: dict[str, Figures] = {}
    for name in names:
        results[name] = await run_scenario(name, seed)
    totals = Figures(book_recovered=all(f.book_recovered for f in results.values()),
                     recovered=all(f.recovered for f in results.values()))
    for figures in results.values():
        for key in ("lost_orders", "duplicated_orders", "phantom_orders", "stale_after_recovery", "lost_fills",
                    "duplicated_fills", "phantom_fills", "orders", "fills"):
            setattr(totals, key, getattr(totals, key) + getattr(figures, key))
    total = totals.as_dict()
    del total["recovery_s"]
    return {"bench": "faults", "seed": seed, "scenarios": {n: f.as_dict() for n, f in results.items()},
            "totals": total, "all_clear": all(f.clear for f in results.values()),
            "seconds": round(time.monotonic() - started, 1)}


def main(args: argparse.Namespace | None = None) -> int:
    """Run the scenarios and print one JSON line; exit 0 when every figure is clear, 1 otherwise."""
    only: list[str] = list(getattr(args, "only", None) or [])
    seed = int(getattr(args, "seed", SEED) or SEED)
    unknown = [n for n in only if n not in SCENARIOS]
    if unknown:
        print(json.dumps({"bench": "faults", "ok": False, "reason": f"unknown scenario(s) {unknown}; "
                                                                    f"known: {sorted(SCENARIOS)}"}), flush=True)
        return 2
    logging.basicConfig(level=logging.DEBUG if getattr(args, "verbose", False) else logging.CRITICAL)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    import qasync
    from PySide6.QtCore import QCoreApplication

    app = QCoreApplication.instance() or QCoreApplication(sys.argv[:1])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    gc_was_on = gc.isenabled()
    gc.disable()  # collected between scenarios, on this thread (the simulator's thread must not free Qt objects)
    try:
        with loop:
            result = loop.run_until_complete(run(only or list(SCENARIOS), seed))
    finally:
        with contextlib.suppress(RuntimeError):
            asyncio.set_event_loop(None)
        if gc_was_on:
            gc.enable()
    print(json.dumps(result), flush=True)
    return 0 if result["all_clear"] else 1
