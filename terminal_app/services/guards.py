"""The one place orders pass the user's risk guards before ``TradingService.place``, and the panic key.

:class:`GuardedTrading` stands in front of one profile's :class:`~terminal_app.services.trading.TradingService`
with the same signals and methods, so the trading panels, the hotkeys and the command palette all reach the exchange
through it. ``submit(ticket)`` is the one way a new order goes out; it returns a
:class:`~terminal_app.core.submission.Submission` at once, whose state the caller watches until the exchange has
the order or said no. It runs :func:`terminal_app.core.risk.check_order` with the active profile's
:class:`~terminal_app.core.risk.RiskPolicy` (read at call time, so a changed setting or profile flag counts at once):

* refused → nothing is sent; the submission says why, ``refused(ticket, reason)`` is emitted and, on the next loop
  turn, ``order_rejected`` with a local view (status ``rejected``, code ``risk``) so the orders panel and the log
  show the reason;
* a market order above the confirmation threshold (unless the profile skips it) → the question goes to ``ask`` and
  the submission waits (``awaiting_confirmation``); a yes sends the order under the same submission (checked again,
  since the market moved while the user read the question), a no refuses it. This is the only market-order
  confirmation in the terminal;
* a trading block (the account doctor found a problem, or has not finished) refuses every new order with its reason;
  cancels and closes always pass, since getting out must never be blocked.

:class:`GuardedServices` is the services set the panels receive (``ui.docks.DockServices``) with the guarded
trading service.

:class:`PanicController` is the F12 handler: a :class:`~terminal_app.core.panic.PanicSwitch` bound to the active
profile's account and services. The first press cancels every order of that account, a second press within 1.5 s
closes every position; a press while the window shows another account is refused, and nothing else is ever touched.
It outlives the windows: each profile switch rebinds it (``bind``/``unbind``, by the profile service) and the new
window replaces the previous one's listener (``listen``, by :func:`install_trading_actions`), so however many switches
happened, a press acts once, on the current account, and is told once, to the window shown.

:class:`TradingCommands` is what "cancel last", "cancel all", "flatten" and "leverage" mean, shared by the hotkeys
and the palette, always on the active profile's services.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from terminal_app.bitget.errors import BitgetError
from terminal_app.config.settings import Settings
from terminal_app.core.accounts import Position
from terminal_app.core.algo import AlgoIntent, AlgoKind, AlgoOrder, AlgoStatus
from terminal_app.core.enums import OrderStatus, OrderType
from terminal_app.core.health import ProfileKind
from terminal_app.core.instruments import SymbolRef
from terminal_app.core.orders import FINAL_STATUSES, Fill, OrderTicket, OrderView, closing_ticket
from terminal_app.core.panic import PanicAction, PanicRefused, PanicStep, PanicSwitch
from terminal_app.core.risk import RiskPolicy, Verdict, check_leverage, check_order
from terminal_app.core.scale import ScalePlan, check_scaled, leg_tickets
from terminal_app.core.submission import Submission, SubmissionState
from terminal_app.services.account import AccountService
from terminal_app.services.algo_orders import AlgoOrdersService, describe_cancelled
from terminal_app.services.connection import ConnectionService
from terminal_app.services.market_data import MarketDataService
from terminal_app.services.oco import BracketJournal, SpotOcoService
from terminal_app.services.position_tools import BillJournal, PositionTools
from terminal_app.services.session import Session
from terminal_app.services.stack import Services
from terminal_app.services.tasks import TaskSet
from terminal_app.services.trading import TradingService

log = logging.getLogger("terminal_app.services.guards")


def _refuse_to_ask(_title: str, _text: str, answer: Callable[[bool], None]) -> None:
    """With no one to ask (no window yet), a question is answered no."""
    answer(False)

RISK_CODE = "risk"  # the code of an order the guards refused (never sent, so Bitget gave none)
NOT_CONFIRMED = "Not sent: the market order was not confirmed."

# (title, question, answer): the UI asks (ui.confirm.MessageBoxAsk), then calls answer(True) for yes and
# answer(False) for no.
Ask = Callable[[str, str, Callable[[bool], None]], None]
PolicyProvider = Callable[[], RiskPolicy]


class HistorySource(Protocol):
    """Finished orders and fills from before this run (the journal)."""

    def orders(self) -> list[OrderView]: ...
    def fills(self) -> list[Fill]: ...


class GuardedTrading(QObject):
    """One profile's trading service behind the risk guards (see the module docstring).

    Signals (those of ``TradingService``, relayed, plus):
        refused(OrderTicket, str): an order was not sent; the reason.
        block_changed(str): trading was held back with this reason, or released (empty text).
    """

    orders_changed = Signal()
    order_updated = Signal(object)
    history_changed = Signal()
    fill_received = Signal(object)
    order_rejected = Signal(object, str)
    cancelled_unasked = Signal(object)
    refused = Signal(object, str)
    block_changed = Signal(str)

    def __init__(self, services: Services, policy: PolicyProvider, *, ask: Ask | None = None,
                 history: HistorySource | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._inner = services.trading
        self._md = services.market_data
        self._account = services.account
        self._connection = services.connection
        self._policy = policy
        self.ask: Ask = ask or _refuse_to_ask
        self._history = history
        self._blocked = ""
        self._ids = itertools.count(1)
        self._watching: dict[str, Submission] = {}  # clientOid → a sent submission not yet settled
        self._batches: dict[str, list[str]] = {}  # a scaled submission's clientOid (its first leg's) → every leg's
        self._batch_of: dict[str, Submission] = {}  # a leg not yet answered → its scaled submission
        self._algo = services.algo
        inner = self._inner
        inner.orders_changed.connect(self.orders_changed)
        inner.order_updated.connect(self._follow)
        inner.order_updated.connect(self.order_updated)
        inner.history_changed.connect(self.history_changed)
        inner.fill_received.connect(self.fill_received)
        inner.order_rejected.connect(self.order_rejected)
        inner.cancelled_unasked.connect(self.cancelled_unasked)

    @property
    def inner(self) -> TradingService:
        """The unguarded trading service (the journal listens to it)."""
        return self._inner

    # --- checks -----------------------------------------------------------------------------------------------

    def policy(self) -> RiskPolicy:
        return self._policy()

    def check(self, ticket: OrderTicket) -> Verdict:
        """The guards' verdict on ``ticket`` now (last price, the symbol's leverage, the policy)."""
        market = self._md.market(ticket.ref)
        leverage = self._account.leverage(ticket.ref) if ticket.ref.is_futures else None
        return check_order(ticket, self.policy(), last_price=self._md.last_price(ticket.ref), leverage=leverage,
                           quote_coin=market.quote_coin if market is not None else "",
                           base_coin=market.base_coin if market is not None else "")

    @property
    def blocked_reason(self) -> str:
        return self._blocked

    def block(self, reason: str) -> None:
        """Refuse every new order with ``reason`` until :meth:`unblock` (cancels and closes still pass)."""
        if reason != self._blocked:
            self._blocked = reason
            self.block_changed.emit(reason)

    def unblock(self) -> None:
        self.block("")

    # --- orders -----------------------------------------------------------------------------------------------

    def submit(self, ticket: OrderTicket, *, confirmed: bool = False) -> Submission:
        """Guard ``ticket`` and send it if allowed (see the module docstring); ``confirmed`` means the user already
        said yes to this very order. Watch the returned submission for what becomes of it."""
        submission = Submission(ticket, SubmissionState.SENT, "")
        refusal = self._refusal(submission)
        if refusal is not None:
            return self._refuse(submission, refusal)
        verdict = submission.verdict
        if verdict is not None and verdict.needs_confirmation and not confirmed:
            submission.move(SubmissionState.AWAITING_CONFIRMATION, client_oid=self._local_id("confirm"),
                            message=verdict.message)
            self.ask("Confirm market order", verdict.message, lambda yes: self._answered(submission, yes))
            return submission
        self._send(submission)
        return submission

    def submit_scaled(self, plan: ScalePlan, template: OrderTicket, *, confirmed: bool = False) -> Submission:
        """A scaled order (``core.scale``) as one decision: the guards on the whole set, one confirmation, then every
        leg placed with the batch call (``TradingService.place_batch``). The submission stands for the set (its
        ticket: the total at the average price); once sent, ``client_oids`` of :meth:`batch_oids` names the legs,
        whose own fates (a failure of the batch's failure list included) the orders panel shows."""
        whole = replace(template, side=plan.side, order_type=OrderType.LIMIT, size=plan.total,
                        price=plan.average_price, size_in_quote=False, tp=None, sl=None)
        submission = Submission(whole, SubmissionState.SENT, "")
        if not plan.ok:
            return self._refuse(submission, str(plan.issues[0]) if plan.issues else "There is nothing to place.")
        if self._blocked:
            return self._refuse(submission, f"Trading is held: {self._blocked}")
        market = self._md.market(template.ref)
        leverage = self._account.leverage(template.ref) if template.ref.is_futures else None
        verdict = check_scaled(plan, template, self.policy(), last_price=self._md.last_price(template.ref),
                               leverage=leverage, quote_coin=market.quote_coin if market is not None else "",
                               base_coin=market.base_coin if market is not None else "")
        submission.verdict = verdict
        if verdict.refused:
            return self._refuse(submission, verdict.message)

        def send() -> None:
            oids = self._inner.place_batch(leg_tickets(plan, template))
            self._batches[oids[0]] = oids
            for oid in oids:
                self._batch_of[oid] = submission
            submission.move(SubmissionState.SENT, client_oid=oids[0], message=f"{len(oids)} orders")
            self._settle_batch(submission)

        if verdict.needs_confirmation and not confirmed:
            submission.move(SubmissionState.AWAITING_CONFIRMATION, client_oid=self._local_id("confirm"),
                            message=verdict.message)

            def answered(yes: bool) -> None:
                if not yes:
                    self._refuse(submission, "Not sent: the scaled order was not confirmed.")
                    return
                if self._blocked:
                    self._refuse(submission, f"Trading is held: {self._blocked}")
                    return
                again = check_scaled(plan, template, self.policy(), last_price=self._md.last_price(template.ref),
                                     leverage=leverage)  # the market moved while the question was open
                if again.refused:
                    self._refuse(submission, again.message)
                else:
                    send()

            self.ask("Confirm scaled order", verdict.message, answered)
            return submission
        send()
        return submission

    def _settle_batch(self, submission: Submission) -> None:
        """Once every leg has the exchange's answer: ACKNOWLEDGED with how many were placed (and why the others
        were not, from the batch's failure list), or REJECTED when none was."""
        oids = self._batches.get(submission.client_oid, [])
        views = [self._inner.order(oid) for oid in oids]
        if not oids or any(v is None or v.status is OrderStatus.PENDING for v in views):
            return
        refused = [v for v in views if v is not None and v.status is OrderStatus.REJECTED]
        placed = len(oids) - len(refused)
        reasons = sorted({f"{v.reason}" for v in refused})
        why = f"; {len(refused)} refused: {' · '.join(reasons)}" if refused else ""
        for oid in oids:
            self._batch_of.pop(oid, None)
        if placed == 0:
            submission.move(SubmissionState.REJECTED, message=f"none of the {len(oids)} orders was placed{why}",
                            code=refused[0].code if refused else "")
        else:
            submission.move(SubmissionState.ACKNOWLEDGED, message=f"{placed} of {len(oids)} orders live{why}")

    def batch_oids(self, submission: Submission) -> list[str]:
        """The clientOids of the legs a sent scaled submission placed (empty before it was sent)."""
        return list(self._batches.get(submission.client_oid, ()))

    def submit_algo(self, intent: AlgoIntent, *, confirmed: bool = False) -> Submission:
        """A stop or trailing stop through the same one confirmation as market orders: one that places a market
        order when it fires (stop-market, trailing) and is worth more than the confirmation threshold at its
        trigger price waits for the user's yes; the algo orders service then checks and sends it (its own guards:
        market rules, the risk limits, the trading block). The submission is SENT with the algo order's clientOid,
        then ACKNOWLEDGED when the exchange lists it, or REJECTED with the reason."""
        algo = self._algo
        ticket = OrderTicket(intent.ref, intent.side, OrderType.MARKET if intent.is_market else OrderType.LIMIT,
                             size=intent.size or Decimal(0), price=intent.execute_price,
                             reduce_only=intent.reduce_only, trade_side=intent.trade_side)
        submission = Submission(ticket, SubmissionState.SENT, "")
        if algo is None:
            return self._refuse(submission, "Stops are not available on this account.")
        fires_market = intent.is_market and intent.kind in (AlgoKind.STOP, AlgoKind.TRAILING)
        if fires_market and intent.size is not None and not confirmed:
            market = self._md.market(intent.ref)
            leverage = self._account.leverage(intent.ref) if intent.ref.is_futures else None
            verdict = check_order(ticket, self.policy(), last_price=intent.trigger_price, leverage=leverage,
                                  quote_coin=market.quote_coin if market is not None else "",
                                  base_coin=market.base_coin if market is not None else "")
            submission.verdict = verdict
            if verdict.needs_confirmation:
                text = f"{intent.label} at {intent.trigger_price.normalize():f}: {verdict.message}"
                submission.move(SubmissionState.AWAITING_CONFIRMATION, client_oid=self._local_id("confirm"),
                                message=text)
                def answered(yes: bool) -> None:
                    if yes:
                        self._place_algo(algo, submission, intent)
                    else:
                        self._refuse(submission, f"Not sent: the {intent.label.lower()} was not confirmed.")

                self.ask(f"Confirm {intent.label.lower()}", text, answered)
                return submission
        self._place_algo(algo, submission, intent)
        return submission

    def _place_algo(self, algo: AlgoOrdersService, submission: Submission, intent: AlgoIntent) -> None:
        oid = algo.place(intent)
        placed = algo.get(oid)
        if placed is not None and placed.status is AlgoStatus.REJECTED:
            submission.move(SubmissionState.REFUSED, client_oid=oid, message=placed.reason, code=RISK_CODE)
            return
        submission.move(SubmissionState.SENT, client_oid=oid, message="")

        def follow(order: AlgoOrder) -> None:
            if order.client_oid != oid:
                return
            if order.status is AlgoStatus.REJECTED:
                submission.move(SubmissionState.REJECTED, message=order.reason)
            elif order.status is not AlgoStatus.PENDING:
                submission.order_id = order.order_id
                submission.move(SubmissionState.ACKNOWLEDGED, message=str(order.status))
            if submission.done:
                algo.order_updated.disconnect(follow)

        algo.order_updated.connect(follow)

    def _refusal(self, submission: Submission) -> str | None:
        """Why the guards would not send ``submission``'s order now (None: they would)."""
        if self._blocked:
            return f"Trading is held: {self._blocked}"
        verdict = self.check(submission.ticket)
        submission.verdict = verdict
        return verdict.message if verdict.refused else None

    def _answered(self, submission: Submission, yes: bool) -> None:
        if not yes:
            self._refuse(submission, NOT_CONFIRMED)
            return
        refusal = self._refusal(submission)  # the market and the account moved while the question was open
        if refusal is not None:
            self._refuse(submission, refusal)
            return
        self._send(submission)

    def _send(self, submission: Submission) -> None:
        oid = self._inner.place(submission.ticket)
        self._watching[oid] = submission
        submission.move(SubmissionState.SENT, client_oid=oid, message="")
        view = self._inner.order(oid)  # place() may already have settled it (a profile with no key)
        if view is not None:
            self._follow(view)

    def _follow(self, view: OrderView) -> None:
        batch = self._batch_of.get(view.client_oid)
        if batch is not None:
            self._settle_batch(batch)
        submission = self._watching.get(view.client_oid)
        if submission is None:
            return
        submission.follow(view, provisional=self._inner.rejection_provisional(view.client_oid))
        if submission.done:
            del self._watching[view.client_oid]

    def modify(self, client_oid: str, new_price: Decimal | None, new_size: Decimal | None) -> str | None:
        """Guard the order as it would be after the change (a new price may be a fat finger too)."""
        view = self._inner.order(client_oid)
        if view is not None and view.is_open and view.type == OrderType.LIMIT:
            ticket = OrderTicket(view.ref, view.side, OrderType.LIMIT, view.force,
                                 new_size if new_size is not None else view.size,
                                 new_price if new_price is not None else view.price,
                                 reduce_only=view.reduce_only, trade_side=view.trade_side)
            verdict = self.check(ticket)
            if verdict.refused:
                self._tell_refused(ticket, f"Order not modified: {verdict.message}")
                return None
        result: str | None = self._inner.modify(client_oid, new_price, new_size)
        return result

    def close_position(self, position: Position, price: Decimal | None = None) -> str | None:
        """A close is never held back, but a close at a limit price still passes the fat-finger band."""
        if price is not None:
            ticket = closing_ticket(position, price)
            verdict = self.check(ticket)
            if verdict.refused:
                self._tell_refused(ticket, f"Position not closed: {verdict.message}")
                return None
        oid: str = self._inner.close_position(position, price)
        return oid

    def cancel(self, view_or_client_oid: OrderView | str) -> None:
        self._inner.cancel(view_or_client_oid)

    def cancel_all(self, ref: SymbolRef | None) -> None:
        self._inner.cancel_all(ref)

    def flash_close_all(self) -> None:
        self._inner.flash_close_all()

    # --- reads (history reaches back into the journal) --------------------------------------------------------

    def open_orders(self, ref: SymbolRef | None = None) -> list[OrderView]:
        views: list[OrderView] = self._inner.open_orders(ref)
        return views

    def order(self, client_oid: str) -> OrderView | None:
        view: OrderView | None = self._inner.order(client_oid)
        return view

    def order_history(self) -> list[OrderView]:
        """Finished orders, newest first: this run's, then the journal's from earlier runs."""
        live: list[OrderView] = self._inner.order_history()
        if self._history is None:
            return live
        seen = {v.client_oid for v in live} | {v.order_id for v in live if v.order_id}
        seen |= {v.client_oid for v in self._inner.open_orders(None)}
        older = [v for v in self._history.orders() if v.status in FINAL_STATUSES
                 and v.client_oid not in seen and (v.order_id is None or v.order_id not in seen)]
        return sorted([*live, *older], key=lambda v: (v.c_time, v.client_oid), reverse=True)

    def fills(self) -> list[Fill]:
        live: list[Fill] = self._inner.fills()
        if self._history is None:
            return live
        seen = {(f.product, f.trade_id) for f in live}
        older = [f for f in self._history.fills() if (f.product, f.trade_id) not in seen]
        return sorted([*live, *older], key=lambda f: (f.ts, f.trade_id), reverse=True)

    # --- refusals ---------------------------------------------------------------------------------------------

    def _local_id(self, what: str) -> str:
        return f"{what}-{next(self._ids)}"

    def _refuse(self, submission: Submission, message: str) -> Submission:
        local = submission.client_oid or self._local_id("refused")
        self._report_refusal(submission.ticket, local, message)
        submission.move(SubmissionState.REFUSED, client_oid=local, message=message, code=RISK_CODE)
        return submission

    def _tell_refused(self, ticket: OrderTicket, message: str) -> None:
        log.warning("Refused %s %s %s: %s", ticket.side, ticket.order_type, ticket.ref.display, message)
        self.refused.emit(ticket, message)

    def _report_refusal(self, ticket: OrderTicket, local: str, message: str) -> None:
        self._tell_refused(ticket, message)
        now = int(time.time() * 1000)
        view = OrderView(client_oid=local, order_id=None, ref=ticket.ref, side=ticket.side, type=ticket.order_type,
                         force=ticket.force, price=ticket.price, size=ticket.size, status=OrderStatus.REJECTED,
                         reason=message, c_time=now, u_time=now, code=RISK_CODE, size_in_quote=ticket.size_in_quote,
                         trade_side=ticket.trade_side, reduce_only=ticket.reduce_only)
        # Next loop turn: the caller has its submission (and its id) before the orders panel hears the rejection.
        QTimer.singleShot(0, self, lambda: self.order_rejected.emit(view, message))


# --- the services set the panels get -------------------------------------------------------------------------------

@dataclass(slots=True)
class GuardedServices:
    """One profile's services as the panels, hotkeys and palette use them (``ui.docks.DockServices``)."""

    raw: Services
    trading: GuardedTrading
    panel_settings: Settings  # the user's settings, as the panels read and change them
    oco: SpotOcoService | None = None  # spot brackets, managed by the terminal (services.oco)
    tools: PositionTools | None = None  # reverse, break-even, margin, max size, closed positions, bills
    _closed: bool = False

    @classmethod
    def wrap(cls, services: Services, settings: Settings, policy: PolicyProvider, *, ask: Ask | None = None,
             history: HistorySource | None = None, journal: BillJournal | None = None,
             brackets: BracketJournal | None = None) -> GuardedServices:
        """``journal``: where the bills read are kept; ``brackets``: where spot brackets are kept across restarts
        (the caller starts both: ``tools.start()``, ``oco.start()``)."""
        trading = GuardedTrading(services, policy, ask=ask, history=history)
        oco = None
        if services.algo is not None:  # stops that open a position pass the same guards and block
            services.algo.set_guard(policy, lambda: trading.blocked_reason)
            oco = SpotOcoService(services.trading, services.algo, services.market_data, journal=brackets)
        return cls(services, trading, settings, oco=oco, tools=PositionTools(services, trading, journal))

    @property
    def algo(self) -> AlgoOrdersService | None:
        return self.raw.algo

    @property
    def connection(self) -> ConnectionService:
        return self.raw.connection

    @property
    def market_data(self) -> MarketDataService:
        return self.raw.market_data

    @property
    def account(self) -> AccountService:
        return self.raw.account

    @property
    def session(self) -> Session:
        return self.raw.session

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self.tools is not None:
            await self.tools.close()
        if self.oco is not None:
            await self.oco.close()
        await self.raw.close()


# --- panic ---------------------------------------------------------------------------------------------------------

class PanicController(QObject):
    """The panic key of the active profile (see the module docstring).

    ``shown_account`` returns the account the window shows now (the title and band); a press acts only when it is
    the bound one.

    Signals:
        acted(PanicStep): a stage was carried out on the bound account.
        refused(str): the press did nothing (no account bound, or the window shows another account).
    """

    acted = Signal(object)
    refused = Signal(str)

    def __init__(self, shown_account: Callable[[], str | None], *, clock: Callable[[], float] = time.monotonic,
                 window_s: float | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._shown = shown_account
        self._clock = clock
        self._window_s = window_s
        self._switch: PanicSwitch | None = None
        self._services: GuardedServices | None = None
        self._listener: _PanicListener | None = None
        self._algo_tasks = TaskSet("panic")

    @property
    def account_id(self) -> str | None:
        return self._switch.account_id if self._switch is not None and self._services is not None else None

    def bind(self, account_id: str, services: GuardedServices) -> None:
        """Act on ``services`` (the account ``account_id``) from now on; disarms a half-done panic."""
        if self._switch is None:
            kw = {} if self._window_s is None else {"window_s": self._window_s}
            self._switch = PanicSwitch(account_id, self._clock, **kw)
        else:
            self._switch.bind(account_id)
        self._services = services

    def unbind(self) -> None:
        """No account (during a profile switch): presses are refused."""
        self._services = None
        if self._switch is not None:
            self._switch.disarm()

    def listen(self, on_acted: Callable[[PanicStep], object],
               on_refused: Callable[[str], object]) -> Callable[[], None]:
        """Tell ``on_acted``/``on_refused`` of every press from now on, in place of the previous listener.

        One listener at a time: the controller outlives the window, and a window built on each profile switch that
        only added its own would leave every earlier window's connections (and the windows, through them) behind.
        The listener stays across ``unbind`` (a press during a switch is still told to the window shown). Returns a
        function that stops this listener; it does nothing once another has replaced it.
        """
        self._stop_listening()
        listener = _PanicListener(on_acted, on_refused)
        self.acted.connect(listener.on_acted)
        self.refused.connect(listener.on_refused)
        self._listener = listener

        def stop() -> None:
            if self._listener is listener:
                self._stop_listening()

        return stop

    def _stop_listening(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            self.acted.disconnect(listener.on_acted)
            self.refused.disconnect(listener.on_refused)

    def armed(self) -> bool:
        return self._switch is not None and self._services is not None and self._switch.armed()

    def press(self) -> PanicStep | None:
        services, switch = self._services, self._switch
        if services is None or switch is None:
            self._refuse("Panic: no account is connected, so there is nothing to cancel or close.")
            return None
        shown = self._shown()
        if shown is None:
            self._refuse("Panic refused: the window does not show which account is active.")
            return None
        try:
            step = switch.press(shown)
        except PanicRefused as exc:
            self._refuse(str(exc))
            return None
        trading = services.trading
        trading.cancel_all(None)
        if services.algo is not None:
            self._cancel_algos(services.algo, step.account_id)
        if step.action is PanicAction.FLATTEN_ALL_POSITIONS:
            trading.flash_close_all()
        log.warning(step.message)
        log.warning("panic on %s: %s", step.account_id, step.action.value)
        self.acted.emit(step)
        return step

    def _cancel_algos(self, algo: AlgoOrdersService, account_id: str) -> None:
        """Every plan order the exchange lists (stops, trailing, TP/SL), read and cancelled in a task; what was
        cancelled is reported as a further ``acted`` step (a toast and the log)."""

        async def run() -> None:
            try:
                cancelled = await algo.cancel_everything()
            except BitgetError as exc:
                text = f"PANIC: the stop, trailing and TP/SL orders could not be read to cancel them: {exc}"
                log.error(text)
            else:
                text = f"PANIC: cancelled {describe_cancelled(cancelled)}."
                log.warning(text)
            self.acted.emit(PanicStep(PanicAction.CANCEL_ALL_ORDERS, account_id, text))

        self._algo_tasks.spawn(run(), "panic: cancel algo orders")

    def _refuse(self, text: str) -> None:
        log.warning("%s", text)
        self.refused.emit(text)
        return None


@dataclass(frozen=True, slots=True)
class _PanicListener:
    on_acted: Callable[[PanicStep], object]
    on_refused: Callable[[str], object]


# --- commands shared by hotkeys and the palette --------------------------------------------------------------------

class TradingCommands:
    """Cancel, flatten and leverage on the active profile's services (``active()``; None: nothing connected).

    Each returns a sentence saying what was done (or why nothing was), for a toast or the palette.
    """

    def __init__(self, active: Callable[[], GuardedServices | None]) -> None:
        self._active = active

    def _services(self) -> GuardedServices:
        services = self._active()
        if services is None:
            raise CommandError("No account is connected.")
        return services

    def _target(self, services: GuardedServices, ref: SymbolRef | None) -> SymbolRef:
        target = ref or services.market_data.active
        if target is None:
            raise CommandError("No symbol is active.")
        return target

    def cancel_last(self, ref: SymbolRef | None = None, *, active_symbol: bool = False) -> str:
        """Cancel the most recently placed open order: of ``ref``, of the active symbol (``active_symbol``, the
        Esc key), else of any symbol (the palette's "cancel last")."""
        services = self._services()
        if active_symbol and ref is None:
            ref = self._target(services, None)
        views = services.trading.open_orders(ref)
        if not views:
            raise CommandError("There is no open order to cancel.")
        last = max(views, key=lambda v: (v.c_time, v.client_oid))
        services.trading.cancel(last)
        return f"Cancelling {last.side} {last.ref.display} {last.remaining.normalize():f}."

    def cancel_all(self, ref: SymbolRef | None = None, *, account: bool = False) -> str:
        services = self._services()
        if account:
            services.trading.cancel_all(None)
            self._cancel_algos(services, None)
            return "Cancelling every open order of this account."
        target = self._target(services, ref)
        services.trading.cancel_all(target)
        self._cancel_algos(services, target)
        return f"Cancelling every open order on {target.display}."

    @staticmethod
    def _cancel_algos(services: GuardedServices, ref: SymbolRef | None) -> None:
        if services.algo is not None:
            services.algo.cancel_all(ref)

    def flatten(self, ref: SymbolRef | None = None, *, account: bool = False) -> str:
        """Cancel the orders, then close the position(s) at market."""
        services = self._services()
        trading = services.trading
        if account:
            trading.cancel_all(None)
            self._cancel_algos(services, None)
            trading.flash_close_all()
            return "Cancelling every order and closing every position at market."
        target = self._target(services, ref)
        trading.cancel_all(target)
        self._cancel_algos(services, target)
        closing = [p for p in services.account.positions() if p.ref == target]
        for position in closing:
            trading.close_position(position)
        if not closing:
            return f"Cancelling the orders on {target.display}; there is no position to close."
        return f"Cancelling the orders on {target.display} and closing its position at market."

    def _position(self, services: GuardedServices, what: str) -> Position:
        """The active symbol's one open position (``what`` names the command in the refusals)."""
        target = self._target(services, None)
        positions = [p for p in services.account.positions() if p.ref == target and p.total > 0]
        if not positions:
            raise CommandError(f"There is no position on {target.display} to {what}.")
        if len(positions) > 1:
            raise CommandError(f"Both sides of {target.display} are open: {what} one from the Positions panel.")
        return positions[0]

    def reverse(self, position: Position | None = None) -> str:
        """Ask, then reverse the position (``services.position_tools``); the question comes first."""
        services = self._services()
        if services.tools is None or not services.tools.trades:
            raise CommandError("Reversing is not available on this account.")
        position = position or self._position(services, "reverse")
        services.tools.reverse(position)
        return f"Reversing {position.ref.display} {position.hold_side}? Confirm to send."

    def break_even(self, position: Position | None = None) -> str:
        services = self._services()
        if services.tools is None:
            raise CommandError("Stops are not available on this account.")
        position = position or self._position(services, "protect")
        answer = services.tools.break_even(position)
        if answer.refused:
            raise CommandError(answer.text)
        return answer.text

    def set_leverage(self, leverage: int, ref: SymbolRef | None = None) -> str:
        services = self._services()
        target = self._target(services, ref)
        if not target.is_futures:
            raise CommandError(f"{target.display} is a spot market; leverage applies to futures.")
        verdict = check_leverage(leverage, services.trading.policy())
        if verdict.refused:
            raise CommandError(verdict.message)
        services.account.set_leverage(target, leverage)
        return f"Setting the leverage of {target.display} to {leverage}x."


class CommandError(RuntimeError):
    """A command that cannot be carried out; the message is for the user."""


class ShowsAccount(Protocol):
    """What the panic wiring reads from a ``MainWindow``: the profile its title and band show."""

    @property
    def profile_name(self) -> str: ...
    @property
    def profile_kind(self) -> ProfileKind: ...


def window_account(window: ShowsAccount | None) -> str | None:
    """The account a ``MainWindow`` shows in its title and band (``Profile.account_id`` of what it shows); None
    before the first window."""
    if window is None or not window.profile_name:
        return None
    return f"{window.profile_kind.value}:{window.profile_name}"


Notify = Callable[[str, str], object]  # (title, text)


def install_trading_actions(registry: Any, commands: TradingCommands, panic: PanicController,
                            notify: Notify | None = None, refuse: Notify | None = None) -> None:
    """Bind the cancel, flatten and panic actions of the ACTIONS table (``registry.on``) to the active profile's
    services; ``notify(title, text)`` hears what each did (a toast), ``refuse(title, text)`` why one did nothing (an
    error the trader must see; ``notify`` when not given). Called for each new window: the panic's listeners
    replace the previous window's (:meth:`PanicController.listen`)."""
    tell: Notify = notify or (lambda _t, _x: None)
    refused: Notify = refuse or tell

    def run(title: str, command: Callable[[], str]) -> None:
        try:
            tell(title, command())
        except CommandError as exc:
            refused(title, str(exc))

    registry.on("order.cancel_last", lambda: run("Cancel last", lambda: commands.cancel_last(active_symbol=True)))
    registry.on("order.cancel_all_symbol", lambda: run("Cancel all", commands.cancel_all))
    registry.on("order.cancel_all_account", lambda: run("Cancel all", lambda: commands.cancel_all(account=True)))
    registry.on("position.flatten_symbol", lambda: run("Flatten", commands.flatten))
    registry.on("position.reverse", lambda: run("Reverse", commands.reverse))
    registry.on("position.break_even", lambda: run("Break-even", commands.break_even))
    registry.on("panic", panic.press)
    panic.listen(lambda step: tell("PANIC", step.message), lambda text: refused("Panic refused", text))
