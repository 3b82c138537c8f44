"""Position management of one profile: reverse, break-even stop, isolated margin, the maximum openable size, closed
positions and the futures account bill (with PnL by day). The rules are ``core.position_tools``; the calls go to the
session's :class:`~terminal_app.core.position_tools.PositionDesk` (``Session.desk``), the orders through the guarded
trading service and the algo orders service, never around them.

* :meth:`PositionTools.reverse` asks through :class:`~terminal_app.services.guards.GuardedTrading` (the terminal's
  one confirmation owner), then sends the plan with ``confirmed`` (one question, not two). One-way mode: one market
  order for twice the size. Hedge mode: the close first; the open only once the close has filled (a filled close is
  acknowledged and done). A close that is refused, rejected or cancelled stops there and says so: nothing is opened.
* :meth:`PositionTools.break_even` puts the position's stop-loss (position SL, triggered by the mark price) at the
  entry rounded to the safe side of the tick, moving the existing position SL if there is one.
* :meth:`PositionTools.set_margin` adds or removes isolated margin (checked first by the same rule the exchange
  applies), then re-reads the account so the new liquidation price shows.
* :meth:`PositionTools.want_max_open` asks for the maximum openable size, debounced, in a task.
* Closed positions and bills are read at start, after every reconnect, after fills (debounced) and every
  ``poll_s``; bills go into the journal (one row per bill, however often read) and the PnL by day is built from them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from terminal_app.bitget.errors import BitgetError
from terminal_app.core.accounts import ClosedPosition, Position
from terminal_app.core.algo import AlgoIntent, AlgoKind, AlgoStatus, TriggerSource
from terminal_app.core.enums import OrderStatus, Side
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.core.orders import OrderView
from terminal_app.core.position_tools import (
    Bill,
    DayPnl,
    PositionDesk,
    ReversePlan,
    ToolAnswer,
    break_even_possible,
    break_even_trigger,
    check_margin_change,
    pnl_by_day,
    reverse_plan,
)
from terminal_app.core.submission import Submission, SubmissionState
from terminal_app.services.stack import Services
from terminal_app.services.tasks import TaskSet

if TYPE_CHECKING:  # guards builds the tools: a runtime import would be circular
    from terminal_app.services.guards import GuardedTrading

log = logging.getLogger("terminal_app.services.position_tools")

DEBOUNCE_MS = 300          # the max-size question waits this long for the ticket to stop changing
MAX_FRESH_S = 10.0         # the same question is not asked again sooner (the ticket revalidates on every tick)
REFRESH_AFTER_FILL_MS = 1500
POLL_S = 60.0              # funding is charged without a fill: the bill is read this often too
BILLS_KEPT = 2000          # rows read per line at start (then only what is newer)
CLOSED_KEPT = 100

_FAILED = (OrderStatus.REJECTED, OrderStatus.CANCELLED)


class BillJournal(Protocol):
    """Where bills are kept across runs (``services.journal_sink.JournalSink``'s ``read``)."""

    async def read(self, what: Callable[[Any, str], Any]) -> Any: ...


class PositionTools(QObject):
    """See the module docstring.

    Signals:
        said(str, str): something to tell the user (title, text): a reverse's outcome, a refusal, a failure.
        margin_done(object, str): a margin change of the position finished; empty text: done, else why not.
        max_open_changed(object, object, object): (SymbolRef, Side, Decimal | None) the maximum openable size for
            the ticket's last question (None: it could not be told).
        closed_changed(): the closed positions were re-read; read :meth:`closed`.
        bills_changed(): the bill was re-read; read :meth:`bills` and :meth:`pnl_by_day`.
    """

    said = Signal(str, str)
    margin_done = Signal(object, str)
    max_open_changed = Signal(object, object, object)
    closed_changed = Signal()
    bills_changed = Signal()

    def __init__(self, services: Services, trading: GuardedTrading, journal: BillJournal | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._trading = trading
        self._journal = journal
        self._tasks = TaskSet("position tools", on_error=lambda text: self.said.emit("Positions", text))
        self._closed: list[ClosedPosition] = []
        self._bills: dict[tuple[str, str], Bill] = {}
        self._reversing: dict[str, ReversePlan] = {}   # close clientOid -> the plan waiting for it (hedge mode)
        self._max_key: tuple[Any, ...] | None = None
        self._max_asked_at = 0.0
        self._max_timer = QTimer(self)
        self._max_timer.setSingleShot(True)
        self._max_timer.setInterval(DEBOUNCE_MS)
        self._max_timer.timeout.connect(self._ask_max_open)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_AFTER_FILL_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        self.poll_s = POLL_S
        self.loaded = asyncio.Event()
        self._closing = False
        trading.order_updated.connect(self._on_order)
        trading.fill_received.connect(self._on_fill)

    # --- reads ------------------------------------------------------------------------------------------------

    @property
    def desk(self) -> PositionDesk | None:
        desk: PositionDesk | None = self._services.session.desk
        return desk

    @property
    def available(self) -> bool:
        """Whether the account offers the desk's tools: margin, max open size, closed positions, bills (a classic
        or unified account with a key)."""
        return self.desk is not None and self._services.session.can_trade

    @property
    def trades(self) -> bool:
        """Whether reverse and break-even can be used (any account with a key: they are plain orders and stops)."""
        can: bool = self._services.session.can_trade
        return can

    def closed(self) -> list[ClosedPosition]:
        """Closed positions, newest closing first."""
        return list(self._closed)

    def bills(self) -> list[Bill]:
        """The futures account bill, newest first."""
        return sorted(self._bills.values(), key=lambda b: (b.ts, b.bill_id), reverse=True)

    def pnl_by_day(self) -> list[DayPnl]:
        return pnl_by_day(self._bills.values())

    def usdt_price(self, coin: str) -> Decimal | None:
        """A margin coin's price in USDT (USDT and USDC count 1:1; a coin at its USDT-M last price)."""
        if coin in ("USDT", "USDC"):
            return Decimal(1)
        last: Decimal | None = self._services.market_data.last_price(SymbolRef(f"{coin}USDT", Product.USDT_FUTURES))
        return last

    # --- lifecycle --------------------------------------------------------------------------------------------

    def start(self) -> None:
        """Read closed positions and bills now, after every reconnect and every ``poll_s``."""
        if not self.available:
            self.loaded.set()
            return
        self._services.connection.add_reconciler(self.reconcile)
        self._tasks.spawn(self._first(), "first read")
        self._tasks.spawn(self._poll(), "poll")

    async def _first(self) -> None:
        try:
            await self.reconcile()
        finally:
            self.loaded.set()

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self.poll_s)
            try:
                await self.reconcile()
            except BitgetError as exc:
                log.info("closed positions / bills not read: %s", exc)

    def _on_fill(self, _fill: object) -> None:
        if not self._closing:  # fills pushed while the services close must not re-arm the timer
            self._refresh_timer.start()

    async def close(self) -> None:
        self._closing = True
        self._max_timer.stop()
        self._refresh_timer.stop()
        await self._tasks.close()

    def refresh(self) -> None:
        """Re-read closed positions and bills in a task."""
        if self.available:
            self._tasks.spawn(self.reconcile(), "refresh")

    async def reconcile(self) -> None:
        await asyncio.gather(self.read_closed(), self.read_bills())

    # --- reverse ----------------------------------------------------------------------------------------------

    def reverse(self, position: Position) -> None:
        """Ask, then reverse ``position`` (see the module docstring)."""
        plan = reverse_plan(position)
        self._trading.ask("Reverse position", f"{plan.summary}\n\nReverse now?",
                          lambda yes: self._reverse_answered(plan, yes))

    def _reverse_answered(self, plan: ReversePlan, yes: bool) -> None:
        if not yes:
            self.said.emit("Reverse", "Not reversed: not confirmed.")
            return
        position = plan.position
        if plan.then is not None and position.available >= position.total:
            # The whole side closes as the positions table closes it (a unified account: Bitget's close-positions,
            # which leaves no coin-M lot behind); the open follows its fill as below.
            oid = self._trading.close_position(position)
            if oid is None:
                self._close_failed(plan, "the close was refused")
                return
            self._reversing[oid] = plan
            view = self._trading.order(oid)
            if view is not None:
                self._on_order(view)
            return
        submission: Submission = self._trading.submit(plan.first, confirmed=True)
        if plan.then is None:
            submission.watch(lambda s: self._one_way_watch(plan, s))
            return
        if submission.state in (SubmissionState.REFUSED, SubmissionState.REJECTED):
            self._close_failed(plan, submission.message)
            return
        self._reversing[submission.client_oid] = plan
        submission.watch(lambda s: self._hedge_watch(s))
        view = self._trading.order(submission.client_oid)
        if view is not None:
            self._on_order(view)

    def _one_way_watch(self, plan: ReversePlan, s: Submission) -> None:
        if s.state in (SubmissionState.REFUSED, SubmissionState.REJECTED):
            self.said.emit("Reverse", f"Not reversed: {s.message}")
        elif s.state is SubmissionState.ACKNOWLEDGED:
            self.said.emit("Reverse", f"Reversing {plan.position.ref.display}: {plan.first.side} "
                                      f"{plan.first.size.normalize():f} at market.")

    def _hedge_watch(self, s: Submission) -> None:
        if s.state in (SubmissionState.REFUSED, SubmissionState.REJECTED):
            plan = self._reversing.pop(s.client_oid, None)
            if plan is not None:
                self._close_failed(plan, s.message)

    def _on_order(self, view: OrderView) -> None:
        plan = self._reversing.get(view.client_oid)
        if plan is None:
            return
        if view.status == OrderStatus.FILLED:
            del self._reversing[view.client_oid]
            assert plan.then is not None
            opened = self._trading.submit(plan.then, confirmed=True)
            opened.watch(lambda s: self._open_watch(plan, s))
        elif view.status in _FAILED:
            del self._reversing[view.client_oid]
            self._close_failed(plan, view.reason or view.status.value)

    def _open_watch(self, plan: ReversePlan, s: Submission) -> None:
        new = "short" if plan.then is not None and plan.then.side == Side.SELL else "long"
        if s.state in (SubmissionState.REFUSED, SubmissionState.REJECTED):
            self.said.emit("Reverse", f"The {plan.position.hold_side} was closed, but the {new} was not opened: "
                                      f"{s.message}")
        elif s.state is SubmissionState.ACKNOWLEDGED:
            self.said.emit("Reverse", f"Closed the {plan.position.hold_side} and opening the {new} on "
                                      f"{plan.position.ref.display}.")

    def _close_failed(self, plan: ReversePlan, why: str) -> None:
        self.said.emit("Reverse", f"Not reversed: the close of the {plan.position.hold_side} on "
                                  f"{plan.position.ref.display} failed ({why}), so nothing was opened.")

    # --- break-even -------------------------------------------------------------------------------------------

    def break_even(self, position: Position) -> ToolAnswer:
        """Put ``position``'s stop-loss at its entry (safe side of the tick); the answer says what was done, or
        why not (``refused``)."""
        algo = self._services.algo
        market = self._services.market_data.market(position.ref)
        if algo is None or market is None:
            return ToolAnswer("Stops are not available on this account.", refused=True)
        trigger = break_even_trigger(position, market)
        ticker = self._services.market_data.ticker(position.ref)
        mark = ticker.mark_price if ticker is not None and ticker.mark_price else position.mark_price
        problem = break_even_possible(position, trigger, mark)
        if problem:
            return ToolAnswer(problem, refused=True)
        existing = [o for o in algo.orders(position.ref) if o.kind is AlgoKind.POSITION_SL
                    and o.hold_side == position.hold_side and o.status is AlgoStatus.LIVE]
        where = f"{position.ref.display} {position.hold_side}"
        if existing:
            if not algo.modify(existing[0].client_oid, trigger):
                return ToolAnswer(f"The stop-loss of {where} could not be moved.", refused=True)
            return ToolAnswer(f"Moving the stop-loss of {where} to break-even {trigger.normalize():f}.")
        intent = AlgoIntent(position.ref, AlgoKind.POSITION_SL, position.hold_side.closing_side, trigger, None,
                            trigger_source=TriggerSource.MARK, hold_side=position.hold_side)
        problem_text: str | None = algo.problem(intent)
        if problem_text:
            return ToolAnswer(problem_text, refused=True)
        algo.place(intent)
        return ToolAnswer(f"Placing a break-even stop-loss on {where} at {trigger.normalize():f}.")

    # --- isolated margin --------------------------------------------------------------------------------------

    def margin_problem(self, position: Position, amount: Decimal) -> str:
        account = self._services.account.margin_account(position.ref)
        available = account.available if account is not None else None
        ticker = self._services.market_data.ticker(position.ref)
        mark = ticker.mark_price if ticker is not None and ticker.mark_price else position.mark_price
        return check_margin_change(position, amount, available=available, mark=mark)

    def set_margin(self, position: Position, amount: Decimal) -> str:
        """Check, then add (+) or remove (-) ``amount``; empty text when sent (``margin_done`` tells the end)."""
        desk = self.desk
        if desk is None:
            return "Margin changes are not available on this account."
        problem = self.margin_problem(position, amount)
        if problem:
            return problem
        self._tasks.spawn(self._set_margin(desk, position, amount), "set margin")
        return ""

    async def _set_margin(self, desk: PositionDesk, position: Position, amount: Decimal) -> None:
        try:
            await desk.set_margin(position, amount)
        except BitgetError as exc:
            self.margin_done.emit(position, str(exc))
            return
        try:
            await self._services.account.reload()
        except BitgetError as exc:
            log.warning("account not re-read after a margin change: %s", exc)
        self.margin_done.emit(position, "")

    # --- maximum openable size --------------------------------------------------------------------------------

    def want_max_open(self, ref: SymbolRef, side: Side, price: Decimal | None, leverage: int | None) -> None:
        """The ticket changed: ask again for the maximum openable size once it has been still for a moment."""
        key = (ref, side, price, leverage)
        if key == self._max_key and (self._max_timer.isActive()
                                     or time.monotonic() - self._max_asked_at < MAX_FRESH_S):
            return
        self._max_key = key
        self._max_timer.start()

    def _ask_max_open(self) -> None:
        if self._max_key is None:
            return
        self._max_asked_at = time.monotonic()
        self._tasks.spawn(self._max_open(*self._max_key), "max open")

    async def _max_open(self, ref: SymbolRef, side: Side, price: Decimal | None, leverage: int | None) -> None:
        desk = self.desk
        market = self._services.market_data.market(ref)
        price = price or self._services.market_data.last_price(ref)
        leverage = leverage or self._services.account.leverage(ref)
        account = self._services.account.margin_account(ref)
        size: Decimal | None = None
        if desk is not None and market is not None and price and leverage and account is not None:
            amount = self._services.account.available(ref, side)
            if amount > 0:
                try:
                    size = await desk.max_open(market, account.margin_coin, amount, price, leverage, side)
                except BitgetError as exc:
                    log.info("max open size of %s not read: %s", ref.display, exc)
            else:
                size = Decimal(0)
        # the ticket shows it only while it still shows this symbol and side
        self.max_open_changed.emit(ref, side, size)

    # --- closed positions and bills ---------------------------------------------------------------------------

    async def read_closed(self) -> None:
        desk = self.desk
        if desk is None:
            return
        products = self._services.session.venue.futures_products
        lists = await asyncio.gather(*(desk.closed_positions(p, limit=CLOSED_KEPT) for p in products))
        rows = [row for listed in lists for row in listed]
        self._closed = sorted(rows, key=lambda r: (r.u_time, r.pos_id or ""), reverse=True)
        self.closed_changed.emit()

    async def read_bills(self) -> None:
        """Read what is new since the newest bill held (all the exchange keeps at the first read), store it in the
        journal (one row per bill), and keep the journal's rows of earlier runs too."""
        desk = self.desk
        if desk is None:
            return
        products = desk.bill_lines(tuple(self._services.session.venue.futures_products))
        if not self._bills:
            await self._from_journal()
        newest = {p: max((b.ts for b in self._bills.values() if b.product == p), default=None) for p in products}
        lists = await asyncio.gather(*(desk.bills(p, since_ms=newest[p], limit=BILLS_KEPT) for p in products))
        fresh = [b for listed in lists for b in listed if b.key not in self._bills]
        for bill in fresh:
            self._bills[bill.key] = bill
        if fresh and self._journal is not None:
            try:
                await self._journal.read(lambda j, profile: j.add_bills(profile, fresh))
            except Exception as exc:  # the journal's own failure: the bill stays shown, the user told once
                log.warning("bills not written to the journal: %s", exc)
        self.bills_changed.emit()

    async def _from_journal(self) -> None:
        if self._journal is None:
            return
        try:
            stored: list[Bill] = await self._journal.read(lambda j, profile: j.bills(profile))
        except Exception as exc:
            log.info("no bills from the journal: %s", exc)
            return
        for bill in stored:
            self._bills.setdefault(bill.key, bill)
