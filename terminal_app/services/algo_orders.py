"""Algo orders of the session's account: stops, trailing stops and TP/SL, live from ``orders-algo`` and REST.

``place(intent)`` checks the intent against the market (``core.algo.validate_algo``: tick, lot, the trigger's side
of the last or mark price, the callback range) and, for an order that opens or grows a position, the user's risk
guards (the same ``core.risk.check_order`` and trading block as every other order, valued at the trigger price the
order will meet); it is listed as *pending* at once and sent in a task. The REST reply or the ``orders-algo`` push,
whichever comes first, makes it *live*; a refusal is ``rejected`` with Bitget's code. A placement that got no answer
is never sent again: the order is looked for in the exchange's lists by its clientOid until found, or shown as not
placed once the request cannot still be on its way. Modify and cancel go to the
exchange and the change is shown when the exchange reports it. Closing orders (TP/SL, reduce-only, close) are never
held back: getting out must not be blocked.

While connected, a periodic check (every ``check_interval_s``, only while an algo order is live) does the same, so a
stream that is silently missing pushes cannot leave a fired stop shown as waiting for long.

After the private stream reconnects (and at start) :meth:`reconcile` re-reads the live plan orders from REST — the
lines the venue lists whole and every symbol the session knows algo orders on (lines listed per symbol) — so a
plan that fired, was cancelled elsewhere or was placed elsewhere while the stream was down is shown as it is.

:meth:`cancel_everything` is the panic's: it reads the exchange's lists (not only what this session knows), cancels
every plan order found and returns what was cancelled.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Iterable
from dataclasses import replace
from decimal import Decimal

from PySide6.QtCore import QObject, Signal

from terminal_app.bitget.errors import BitgetError, OrderNotFound
from terminal_app.bitget.rest_core import is_ambiguous, new_client_oid
from terminal_app.core.algo import AlgoIntent, AlgoKind, AlgoOrder, AlgoStatus, AlgoVenue, TriggerSource, validate_algo
from terminal_app.core.enums import MarginMode, OrderType, PositionMode, TradeSide
from terminal_app.core.instruments import SymbolRef
from terminal_app.core.orders import OrderTicket
from terminal_app.core.risk import RiskPolicy, check_order
from terminal_app.services.account import MARGIN_COIN, AccountService
from terminal_app.services.connection import ConnectionService
from terminal_app.services.market_data import MarketDataService
from terminal_app.services.retry import periodic_wait
from terminal_app.services.tasks import TaskSet

log = logging.getLogger("terminal_app.services.algo_orders")

HISTORY_KEPT = 200
# As the trading service's check of open orders: often enough that a silent stream cannot hide a fired stop for long,
# rarely enough to be noise next to Bitget's 10 req/s of the plan lists (three reads per check).
CHECK_INTERVAL_S = 45.0


class AlgoOrdersService(QObject):
    """Stops, trailing stops and TP/SL orders of the session's account (see the module docstring).

    Signals:
        changed(): the list changed (an order added, moved, finished); read :meth:`orders` / :meth:`history`.
        order_updated(AlgoOrder): one order's state changed.
        rejected(AlgoOrder, str): an order (or a modify/cancel of it) was refused; the text says why.
        triggered(AlgoOrder): an order fired and placed its order (``executed_order_id``).
    """

    changed = Signal()
    order_updated = Signal(object)
    rejected = Signal(object, str)
    triggered = Signal(object)

    def __init__(self, connection: ConnectionService, market_data: MarketDataService, account: AccountService,
                 parent: QObject | None = None, *, venue: AlgoVenue | None = None) -> None:
        super().__init__(parent)
        self._connection = connection
        self._session = connection.session
        self._md = market_data
        self._account = account
        self._own_venue = venue  # tests hand one in; otherwise the session's, read when used (see _venue)
        self._orders: dict[str, AlgoOrder] = {}             # by clientOid: open ones and recent finished ones
        self._refs: set[SymbolRef] = set()  # symbols known to have algo orders (some lines list per symbol)
        # exchange time of this terminal's last accepted move of an order: a report older than it (the placement's
        # push arriving late, a list read before the move) must not put the old trigger back
        self._moved_at: dict[str, int] = {}
        self._tasks = TaskSet("algo orders")
        self._policy: Callable[[], RiskPolicy] | None = None
        self._blocked: Callable[[], str] = lambda: ""
        self.loaded = asyncio.Event()
        # An unanswered placement is looked for this long (longer than the client's read timeout, so the request
        # itself cannot still be on its way) before it is shown as not placed; tests shorten both.
        self.not_placed_after_s = 15.0
        self.retry_s = 1.0
        self.check_interval_s = CHECK_INTERVAL_S
        self._check_wake = asyncio.Event()
        self._rng = random.Random()

    # --- reads ------------------------------------------------------------------------------------------------

    def orders(self, ref: SymbolRef | None = None) -> list[AlgoOrder]:
        """Open algo orders (pending or live), newest first."""
        return sorted((o for o in self._orders.values() if o.is_open and (ref is None or o.ref == ref)),
                      key=lambda o: (o.c_time, o.client_oid), reverse=True)

    def history(self) -> list[AlgoOrder]:
        """Finished ones (triggered, cancelled, failed, rejected), newest first."""
        return sorted((o for o in self._orders.values() if not o.is_open), key=lambda o: (o.u_time, o.client_oid),
                      reverse=True)

    def get(self, client_oid: str) -> AlgoOrder | None:
        return self._orders.get(client_oid)

    def reference_price(self, ref: SymbolRef, source: TriggerSource) -> Decimal | None:
        """The price a trigger of ``source`` is compared with now: the mark (futures) or the last price."""
        if source is TriggerSource.MARK:
            ticker = self._md.ticker(ref)
            if ticker is not None and ticker.mark_price:
                return ticker.mark_price
        return self._md.last_price(ref)

    # --- lifecycle --------------------------------------------------------------------------------------------

    def set_guard(self, policy: Callable[[], RiskPolicy], blocked: Callable[[], str]) -> None:
        """The user's risk policy and the trading block (``services.guards``) that opening orders must pass."""
        self._policy = policy
        self._blocked = blocked

    async def start(self) -> None:
        """Subscribe ``orders-algo`` (spot and USDT-M), read the live plan orders, register for reconciliation."""
        if not self._session.can_trade:
            self.loaded.set()
            return
        results = await asyncio.gather(*(self._venue.stream_algos(product, self._on_push)
                                         for product in self._venue.products), return_exceptions=True)
        for result in results:
            if isinstance(result, BitgetError):
                log.warning(f"Private channel orders-algo: {result}")
        active = self._md.active
        if active is not None:
            self._refs.add(active)
        try:
            await self.reconcile()
        except BitgetError as exc:
            log.warning(f"The algo orders could not be read at start ({exc}); they are read after the next reconnect.")
        self._connection.add_reconciler(self.reconcile)
        self._tasks.spawn(self._watch(), "algo order check")
        self.loaded.set()

    async def watch(self, ref: SymbolRef, *, ended: Iterable[str] = ()) -> None:
        """Read ``ref``'s algo orders now and at every reconcile (spot lists them per symbol only); the clientOids
        in ``ended`` not live any more are looked for in the history, so :meth:`get` tells how they ended. Raises
        when a read failed."""
        self._refs.add(ref)
        await self.reconcile()
        wanted = [oid for oid in ended if self.get(oid) is None]
        if wanted:
            found = await self._ended([ref])
            for oid in wanted:
                if oid in found:
                    self._apply(found[oid])

    def set_check_interval(self, seconds: float) -> None:
        """How often live algo orders are re-read while connected; takes effect at once."""
        self.check_interval_s = seconds
        self._check_wake.set()

    async def _watch(self) -> None:
        while True:
            if await periodic_wait(self._check_wake, self.check_interval_s, self._rng):
                continue  # the interval changed: wait the new one
            if self._connection.state != "connected" or not any(o.status is AlgoStatus.LIVE
                                                                  for o in self._orders.values()):
                continue  # down: the reconnect's reconciliation covers it; nothing live: nothing to check
            try:
                await self.reconcile()
            except BitgetError as exc:
                log.info(f"Checking the algo orders failed ({exc}); trying again at the next check.")

    async def close(self) -> None:
        await self._tasks.close()

    # --- commands ---------------------------------------------------------------------------------------------

    def _now(self) -> int:
        return self._session.clock.now_ms()

    def _opens(self, intent: AlgoIntent) -> bool:
        return not (intent.kind.is_tpsl or intent.reduce_only or intent.trade_side == TradeSide.CLOSE)

    def problem(self, intent: AlgoIntent) -> str | None:
        """Why ``intent`` cannot be sent now (market rules, trigger side, risk guards), or None."""
        market = self._session.market(intent.ref)
        if market is None:
            return f"{intent.ref.display} is not a market of this exchange."
        if not self._session.can_trade:
            return self._session.problem or "This profile has no API key: trading is off."
        unsupported = self.unsupported(intent)
        if unsupported:
            return unsupported
        position = None
        if intent.kind.is_tpsl and intent.hold_side is not None:
            position = next((p.total for p in self._account.positions()
                             if p.ref == intent.ref and p.hold_side == intent.hold_side), None)
        issues = validate_algo(intent, market, self.reference_price(intent.ref, intent.trigger_source), position)
        if issues:
            return " ".join(str(i) for i in issues)
        if self._opens(intent):
            blocked = self._blocked()
            if blocked:
                return f"Trading is held: {blocked}"
            if self._policy is not None and intent.size is not None:
                ticket = OrderTicket(intent.ref, intent.side, OrderType.MARKET if intent.is_market else OrderType.LIMIT,
                                     size=intent.size, price=intent.execute_price, trade_side=intent.trade_side)
                leverage = self._account.leverage(intent.ref) if intent.ref.is_futures else None
                verdict = check_order(ticket, self._policy(), last_price=intent.trigger_price, leverage=leverage,
                                      quote_coin=market.quote_coin, base_coin=market.base_coin)
                if verdict.refused:
                    return verdict.message
        return None

    def unsupported(self, intent: AlgoIntent) -> str | None:
        """Why the account's exchange API cannot hold such an order at all (a trailing stop on a unified account),
        or None."""
        return self._venue.unsupported(intent)

    def place(self, intent: AlgoIntent) -> str:
        """Send ``intent``; returns its clientOid at once (listed as pending, or rejected with the reason)."""
        oid = new_client_oid()
        order = AlgoOrder(intent.ref, None, oid, intent.kind, intent.side, intent.trigger_price, intent.size,
                          AlgoStatus.PENDING, intent.execute_price, intent.trigger_source, intent.callback_ratio,
                          intent.trade_side, intent.hold_side, c_time=self._now(), u_time=self._now())
        self._put(order)
        self._refs.add(intent.ref)
        reason = self.problem(intent)
        if reason is not None:
            self._reject(oid, reason)
        else:
            self._tasks.spawn(self._send(intent, oid), f"place algo {oid}")
        return oid

    def modify(self, client_oid: str, trigger_price: Decimal, *, execute_price: Decimal | None = None,
               size: Decimal | None = None, callback_ratio: Decimal | None = None) -> bool:
        """Move a live order's trigger (and optionally more); False when it cannot be (not live, or invalid)."""
        order = self._orders.get(client_oid)
        if order is None or order.status is not AlgoStatus.LIVE:
            log.warning(f"Algo order {client_oid} is not live; it cannot be moved.")
            return False
        market = self._session.market(order.ref)
        moved = AlgoIntent(order.ref, order.kind, order.side, trigger_price, size or order.size,
                           execute_price or order.execute_price, order.trigger_source,
                           callback_ratio or order.callback_ratio, order.trade_side, hold_side=order.hold_side)
        issues = [] if market is None else validate_algo(moved, market,
                                                         self.reference_price(order.ref, order.trigger_source))
        if issues:
            self.rejected.emit(order, " ".join(str(i) for i in issues))
            return False
        self._tasks.spawn(self._modify(order, trigger_price, execute_price, size, callback_ratio),
                          f"modify algo {client_oid}")
        return True

    def cancel(self, client_oid: str) -> None:
        order = self._orders.get(client_oid)
        if order is None or order.status is not AlgoStatus.LIVE:
            log.warning(f"Algo order {client_oid} is not live; nothing to cancel.")
            return
        self._tasks.spawn(self._cancel(order), f"cancel algo {client_oid}")

    def cancel_all(self, ref: SymbolRef | None = None) -> list[AlgoOrder]:
        """Cancel every live algo order this session shows (of ``ref``); returns those asked."""
        live = [o for o in self.orders(ref) if o.status is AlgoStatus.LIVE]
        if live:
            self._tasks.spawn(self._cancel_many(live), "cancel all algo orders")
        return live

    async def cancel_everything(self) -> list[AlgoOrder]:
        """Read every live plan order from the exchange (futures, and the spot symbols known) and cancel them all;
        the cancelled ones. Raises the error of a read that failed (the caller says so: nothing is assumed)."""
        venue = self._venue
        reads = [venue.algo_orders(target) for target in venue.targets(self._refs)]
        found = [o for listed in await asyncio.gather(*reads) for o in listed if o.status is AlgoStatus.LIVE]
        for order in found:
            self._apply(order)
        return await self._cancel_many(found)

    # --- sending ----------------------------------------------------------------------------------------------

    async def _send(self, intent: AlgoIntent, oid: str) -> None:
        hedge = self._account.position_mode(intent.ref.product) == PositionMode.HEDGE
        mode = self._account.margin_mode(intent.ref) or MarginMode.CROSSED
        try:
            order_id = await self._venue.place_algo(intent, oid, hedge=hedge, margin_mode=mode,
                                                    margin_coin=self._coin(intent.ref))
        except BitgetError as exc:
            if not is_ambiguous(exc):
                self._reject(oid, str(exc))
                return
            # The request may have reached the exchange: never send it again, look for it by its clientOid.
            log.warning(f"No answer placing {intent.label.lower()} {oid} ({exc}); looking for it on the exchange.")
            await self._find_placed(oid)
            return
        order = self._orders.get(oid)
        if order is not None and order.status is AlgoStatus.PENDING:
            self._put(replace(order, order_id=order_id, status=AlgoStatus.LIVE, u_time=self._now()))

    async def _find_placed(self, oid: str) -> None:
        """After an unanswered placement: the exchange's lists (live, then finished) say whether it exists; an order
        still unknown after ``not_placed_after_s`` is shown as not placed."""
        deadline = asyncio.get_running_loop().time() + self.not_placed_after_s
        while True:
            order = self._orders.get(oid)
            if order is None or order.status is not AlgoStatus.PENDING:
                return  # a push or a reconciliation told already
            try:
                await self.reconcile()
                if (found := self._orders.get(oid)) is not None and found.status is AlgoStatus.PENDING:
                    ended = (await self._ended([found.ref])).get(oid)
                    if ended is not None:
                        self._apply(ended)
            except BitgetError as exc:
                log.info(f"Looking for algo order {oid} failed ({exc}); trying again.")
            order = self._orders.get(oid)
            if order is None or order.status is not AlgoStatus.PENDING:
                return
            if asyncio.get_running_loop().time() >= deadline:
                self._reject(oid, "Not placed: the exchange has no such order.")
                return
            await asyncio.sleep(self.retry_s)

    def _coin(self, ref: SymbolRef) -> str:
        """The ``marginCoin`` of a plan: the line's settle coin (USDT, USDC), coin-M's base coin."""
        market = self._session.market(ref)
        if ref.product.settle_coin:
            return ref.product.settle_coin
        if ref.is_futures and market is not None:
            return market.base_coin
        return (market.quote_coin if market is not None else "") or MARGIN_COIN

    async def _modify(self, order: AlgoOrder, trigger: Decimal, execute: Decimal | None, size: Decimal | None,
                      ratio: Decimal | None) -> None:
        try:
            await self._venue.modify_algo(order, trigger_price=trigger, execute_price=execute, size=size,
                                                 callback_ratio=ratio, margin_coin=self._coin(order.ref))
        except BitgetError as exc:
            self.rejected.emit(order, f"Moving the {order.label.lower()} failed: {exc}")
            return
        current = self._orders.get(order.client_oid)
        if current is not None and current.status is AlgoStatus.LIVE:
            self._moved_at[order.client_oid] = self._now()
            self._put(replace(current, trigger_price=trigger, execute_price=execute or current.execute_price,
                              size=size or current.size, callback_ratio=ratio or current.callback_ratio,
                              u_time=self._now()))

    async def _cancel(self, order: AlgoOrder) -> None:
        try:
            await self._venue.cancel_algo(order, margin_coin=self._coin(order.ref))
        except OrderNotFound:
            await self.reconcile()  # fired or cancelled meanwhile: show what the exchange has
            return
        except BitgetError as exc:
            self.rejected.emit(order, f"Cancelling the {order.label.lower()} failed: {exc}")
            return
        self._finish(order.client_oid, AlgoStatus.CANCELLED)

    async def _cancel_many(self, orders: list[AlgoOrder]) -> list[AlgoOrder]:
        venue = self._venue
        done: list[AlgoOrder] = []
        for coin in sorted({self._coin(o.ref) for o in orders}):
            try:
                done += await venue.cancel_algos([o for o in orders if self._coin(o.ref) == coin], margin_coin=coin)
            except BitgetError as exc:
                log.warning(f"Cancelling algo orders failed: {exc}")
        for order in done:
            self._finish(order.client_oid, AlgoStatus.CANCELLED)
        return done

    # --- state ------------------------------------------------------------------------------------------------

    def _put(self, order: AlgoOrder) -> None:
        old = self._orders.get(order.client_oid)
        if old == order:
            return
        self._orders[order.client_oid] = order
        self._trim()
        self.order_updated.emit(order)
        if order.status is AlgoStatus.TRIGGERED and (old is None or old.status is not AlgoStatus.TRIGGERED):
            log.info(f"{order.label} {order.side} {order.ref.display} triggered at "
                     f"{order.trigger_price.normalize():f} ({order.trigger_source.value} price)")
            if order.executed_order_id:
                self.triggered.emit(order)
            else:  # the push does not name the order it placed; the plan history may
                self._tasks.spawn(self._execution(order), f"execution of {order.client_oid}")
        self.changed.emit()

    async def _execution(self, order: AlgoOrder) -> None:
        try:
            ended = await self._ended([order.ref])
        except BitgetError as exc:
            log.warning(f"The order placed by {order.label.lower()} {order.client_oid} could not be read: {exc}")
            ended = {}
        found = ended.get(order.client_oid)
        current = self._orders.get(order.client_oid) or order
        if found is not None and found.executed_order_id:
            current = replace(current, executed_order_id=found.executed_order_id)
            self._orders[current.client_oid] = current
            self.order_updated.emit(current)
            self.changed.emit()
        self.triggered.emit(current)

    def _trim(self) -> None:
        done = [o for o in self._orders.values() if not o.is_open]
        if len(done) > HISTORY_KEPT:
            for order in sorted(done, key=lambda o: o.u_time)[:len(done) - HISTORY_KEPT]:
                del self._orders[order.client_oid]
        for oid in [oid for oid in self._moved_at if oid not in self._orders or not self._orders[oid].is_open]:
            del self._moved_at[oid]

    def _finish(self, client_oid: str, status: AlgoStatus) -> None:
        order = self._orders.get(client_oid)
        if order is not None and order.is_open:
            self._put(replace(order, status=status, u_time=self._now()))

    def _reject(self, client_oid: str, reason: str) -> None:
        order = self._orders.get(client_oid)
        if order is None:
            return
        rejected = replace(order, status=AlgoStatus.REJECTED, reason=reason, u_time=self._now())
        self._put(rejected)
        log.warning(f"{order.label} {order.ref.display} refused: {reason}")
        self.rejected.emit(rejected, reason)

    def _apply(self, order: AlgoOrder) -> None:
        """An order as the exchange reports it; a final state is never undone by an older report."""
        self._refs.add(order.ref)
        old = self._orders.get(order.client_oid)
        if old is not None and not old.is_open and order.is_open:
            return
        moved = self._moved_at.get(order.client_oid)
        if moved is not None:
            if order.is_open and order.u_time < moved:
                return
            if not order.is_open:
                del self._moved_at[order.client_oid]
        if old is not None and old.status is AlgoStatus.PENDING:
            order = replace(order, c_time=old.c_time)
        self._put(order)

    def _on_push(self, orders: list[AlgoOrder]) -> None:
        for order in orders:
            self._apply(order)

    @property
    def _venue(self) -> AlgoVenue:
        """The account's algo orders on its exchange, through the session's venue: read on each use, because the
        session picks its venue (V2 classic or V3 unified) from the account mode when it connects."""
        return self._own_venue or self._session.venue.algos

    async def reconcile(self) -> None:
        """Re-read the live plan orders from REST; an order shown live that the exchange no longer lists is looked
        for in the history (fired or cancelled) and shown as it ended. Raises when a read failed (retried by the
        connection service)."""
        venue = self._venue
        targets = venue.targets(self._refs)
        results = await asyncio.gather(*(venue.algo_orders(target) for target in targets))
        live = {o.client_oid: o for listed in results for o in listed}
        for order in live.values():
            self._apply(order)
        gone = [o for o in self._orders.values() if o.status is AlgoStatus.LIVE and o.client_oid not in live
                and venue.target_of(o.ref) in targets]
        if gone:
            ended = await self._ended({o.ref for o in gone})
            for order in gone:
                final = ended.get(order.client_oid)
                if final is not None:
                    self._apply(final)
                else:
                    self._finish(order.client_oid, AlgoStatus.CANCELLED)
        self.changed.emit()

    async def _ended(self, refs: Iterable[SymbolRef]) -> dict[str, AlgoOrder]:
        venue = self._venue
        targets = list(dict.fromkeys(venue.target_of(ref) for ref in refs))
        results = await asyncio.gather(*(venue.algo_orders(t, history=True) for t in targets))
        return {o.client_oid: o for listed in results for o in listed}


def describe_cancelled(orders: list[AlgoOrder]) -> str:
    """"2 stops, 1 trailing stop and 1 position TP" — what the panic cancelled, for its report."""
    if not orders:
        return "no stop, trailing or TP/SL order"
    counts: dict[AlgoKind, int] = {}
    for order in orders:
        counts[order.kind] = counts.get(order.kind, 0) + 1
    parts = [f"{n} {kind.label[0].lower()}{kind.label[1:]}{'s' if n > 1 else ''}" for kind, n in counts.items()]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
