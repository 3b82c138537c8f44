"""The trading service: place, cancel, modify and close, with every order visible from the moment it is sent.

``place(ticket)`` gives the order a clientOid, shows it as *pending* at once (``order_updated`` + ``orders_changed``)
and sends it in a task. The REST reply or the private ``orders`` channel, whichever comes first, makes it *live*
(``core.orders.OrderTracker`` merges the two so neither can undo the other). A refusal becomes ``order_rejected``
with Bitget's code and the plain-language reason. The REST client never sends an order twice: after an ambiguous
failure it looks the order up by clientOid first, and an order whose fate stays unknown is shown as rejected until
the exchange says otherwise. Own trades come from the ``fill`` channel (``fill_received``).

After the private stream reconnects, :meth:`reconcile` re-reads the open orders from REST, looks up every order
that disappeared meanwhile (filled or cancelled while the stream was down) and the recent fills; the connection service
retries it until every read and lookup succeeded. While connected, a periodic check does the same for the product
types that have open orders (nothing open: no request), so a stream that is silently missing pushes cannot leave an
order shown wrongly for longer than ``check_interval_s``. A lookup that fails (REST down, or the lookup by clientOid
after an ambiguous placement) is not dropped: the order is looked up again with backoff until the exchange answers.

Every exchange call goes through the session's venue (:class:`terminal_app.core.venue.Venue`), which routes it by
product to its spot or futures adapter: this service speaks domain types only and has no product fork.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import replace
from decimal import Decimal
from functools import partial
from typing import TypeVar

from PySide6.QtCore import QObject, QTimer, Signal

from terminal_app.bitget.errors import BitgetError, InvalidOrder, OrderNotFound, RateLimited, TransportError
from terminal_app.bitget.rest_core import new_client_oid
from terminal_app.core.accounts import Position
from terminal_app.core.cancels import unasked_cancel_reason
from terminal_app.core.enums import MarginMode, OrderStatus, OrderType, PositionSide, Side, TradeSide
from terminal_app.core.instruments import MarketInfo, Product, SymbolRef
from terminal_app.core.orders import Fill, Order, OrderTicket, OrderTracker, OrderView, Update, closing_ticket
from terminal_app.core.scale import batches
from terminal_app.core.validation import round_quote, round_to_lot
from terminal_app.core.venue import BulkResult, OrderKey, PlaceOrder, Venue
from terminal_app.services.account import AccountService
from terminal_app.services.connection import ConnectionService
from terminal_app.services.market_data import MarketDataService
from terminal_app.services.retry import Backoff, periodic_wait, until_done
from terminal_app.services.tasks import TaskSet

# Bitget's "No position to close" (V2 22002, V3 25231): nothing to flatten on that line, not a failure
NO_POSITION_CODES = frozenset({"22002", "25231"})

T = TypeVar("T")
log = logging.getLogger("terminal_app.services.trading")

FILLS_KEPT = 500
RECENT_ROWS = 50  # history orders and fills read at start and after a reconnect, per product line
# The periodic check of open orders while connected: often enough that an order cancelled or filled behind a silent
# stream is not shown wrongly for long, rarely enough to be noise next to Bitget's 20 req/s per endpoint (two reads
# per product type with open orders, once a minute at most).
CHECK_INTERVAL_S = 45.0
# An order whose placement got no answer and that the exchange cannot find is taken as not placed only this long after
# it was sent: longer than the client's read timeout (10 s), so the request itself cannot still be on its way.
NOT_PLACED_AFTER_S = 15.0
BATCH_429_RETRIES = 3  # a batch refused with 429 (nothing placed) is sent again this many times at most


class ReconcileIncomplete(Exception):
    """A reconciliation pass read every list but could not look some orders up; they are retried."""


class TradingService(QObject):
    """Orders of the session's account (services-contract.md).

    Signals:
        orders_changed(): the set of open orders changed; read :meth:`open_orders`.
        order_updated(OrderView): one order's view changed (pending, live, filled, …).
        history_changed(): finished orders or fills were added in bulk; read :meth:`order_history`, :meth:`fills`.
        fill_received(Fill): one own trade.
        order_rejected(OrderView, str): the order was refused; the text has Bitget's code and the reason.
    """

    orders_changed = Signal()
    order_updated = Signal(object)
    history_changed = Signal()
    fill_received = Signal(object)
    order_rejected = Signal(object, str)
    cancelled_unasked = Signal(object)  # OrderView: the exchange cancelled it on its own; view.reason says why

    def __init__(self, connection: ConnectionService, market_data: MarketDataService, account: AccountService,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._connection = connection
        self._session = connection.session
        self._md = market_data
        self._account = account
        self._tracker = OrderTracker()
        self._fills: OrderedDict[str, Fill] = OrderedDict()
        self._sending: set[str] = set()
        self._unannounced: set[str] = set()  # placed, its request on its way, its pending view not yet emitted
        self._cancel_when_placed: set[str] = set()
        self._cancels_asked: set[str] = set()  # orders the user (or a modify) asked to cancel
        self._tasks = TaskSet("trading")  # logs a task that failed
        self.loaded = asyncio.Event()
        # Orders whose fate only a lookup can tell (the lookup failed, or a placement's outcome stayed unknown);
        # an insertion-ordered set, retried with backoff until the exchange answers.
        self._suspects: dict[str, None] = {}
        self._resolving = False
        self._reconcile_lock = asyncio.Lock()
        self.retry = Backoff(initial_s=0.5, max_s=30.0)  # tests shorten it
        self.check_interval_s = CHECK_INTERVAL_S
        self._check_wake = asyncio.Event()
        self._rng = random.Random()
        self.checks = 0  # periodic checks that read REST (skipped ones are not counted)
        self.not_placed_after_s = NOT_PLACED_AFTER_S  # tests shorten it
        self._strangers_read: set[str] = set()  # ids of orders placed elsewhere, read once from their fills

    # --- reads ------------------------------------------------------------------------------------------------

    def open_orders(self, ref: SymbolRef | None = None) -> list[OrderView]:
        return self._tracker.open_orders(ref)

    def order(self, client_oid: str) -> OrderView | None:
        return self._tracker.get(client_oid)

    def order_history(self) -> list[OrderView]:
        """Finished orders (filled, cancelled, rejected), newest first."""
        return self._tracker.history()

    def fills(self) -> list[Fill]:
        """Own trades, newest first."""
        return sorted(self._fills.values(), key=lambda f: (f.ts, f.trade_id), reverse=True)

    def rejection_provisional(self, client_oid: str) -> bool:
        """The order was reported rejected only because the exchange did not answer (see ``OrderTracker``)."""
        return self._tracker.provisional(client_oid)

    @property
    def unresolved(self) -> int:
        """Orders being looked up again because a lookup failed or a placement's outcome stayed unknown."""
        return len(self._suspects)

    # --- lifecycle --------------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Subscribe the order and fill streams of every product line the venue trades, then read open orders,
        recent history and fills from REST; register for reconciliation."""
        if not self._session.can_trade:
            self.loaded.set()
            return
        venue = self._venue
        subs = [(f"{kind.label} {what}", stream)
                for kind in venue.products
                for what, stream in (("orders", venue.stream_orders(kind, self._on_orders)),
                                     ("fills", venue.stream_fills(kind, self._on_fills)))]
        subscribed = await asyncio.gather(*(stream for _, stream in subs), return_exceptions=True)
        for (what, _), result in zip(subs, subscribed, strict=True):
            if isinstance(result, BitgetError):
                log.warning(f"Private stream of {what}: {result}")
        loads = await asyncio.gather(self._read_history(), self.reconcile(announce_fills=False), return_exceptions=True)
        for load in loads:
            if isinstance(load, BaseException) and not isinstance(load, ReconcileIncomplete):
                raise load
        if isinstance(loads[1], ReconcileIncomplete):
            # Every list was read; only some lookups failed: no reason to refuse the start, they are retried.
            log.warning(f"Some orders could not be read at start ({loads[1]}); retrying.")
            self._tasks.spawn(until_done(self.reconcile, self.retry, self._rng), "reconcile after start")
        self._connection.add_reconciler(self.reconcile)
        self._tasks.spawn(self._watch(), "open-order check")
        self.loaded.set()

    async def close(self) -> None:
        await self._tasks.close()

    # --- commands ---------------------------------------------------------------------------------------------

    def place(self, ticket: OrderTicket) -> str:
        """Send ``ticket``; returns its clientOid at once (the order is already listed as pending).

        The request is written to the socket first (an eager task: within the key press), and only then is the
        pending order announced: the panels that redraw on ``order_updated``/``orders_changed`` (orders, ladder,
        chart, algo legs) cost milliseconds of the GUI thread that used to stand between the key and the wire."""
        oid = new_client_oid()
        wired, problem = self._wire(ticket)
        view = self._tracker.add_pending(wired, oid, self._now())
        if problem is None:
            self._unannounced.add(oid)
            try:
                self._tasks.spawn(self._send(wired, oid), f"place {oid}", eager=True)
            finally:
                self._unannounced.discard(oid)
        self.order_updated.emit(view)
        if problem is not None:
            self._rejected(oid, problem)
        self.orders_changed.emit()
        return oid

    def _wire(self, ticket: OrderTicket) -> tuple[OrderTicket, InvalidOrder | None]:
        """The ticket in the wire's units, and why it cannot be sent (None: it can): a conversion that failed, a
        profile that cannot trade."""
        try:
            ticket = self._wire_ticket(ticket)
        except InvalidOrder as exc:
            return ticket, exc
        if not self._session.can_trade:
            return ticket, InvalidOrder(self._session.problem or "This profile has no API key: trading is off.")
        return ticket, None

    def _admit(self, ticket: OrderTicket, oid: str) -> OrderTicket | None:
        """List ``ticket`` as pending under ``oid``; the ticket in the wire's units to send, or None when it was
        rejected here (a conversion that failed, a profile that cannot trade)."""
        wired, problem = self._wire(ticket)
        view = self._tracker.add_pending(wired, oid, self._now())
        self.order_updated.emit(view)
        if problem is not None:
            self._rejected(oid, problem)
            return None
        return wired

    def place_batch(self, tickets: list[OrderTicket]) -> list[str]:
        """Send limit orders of one symbol with the venue's batch call, cut into batches of the exchange's limit
        (``core.scale.BATCH_LIMIT``); returns their clientOids at once (each already listed as pending). Each order's
        fate is its own: the batch answer's failure list rejects the orders it names, with Bitget's code."""
        oids: list[str] = []
        wired: list[tuple[OrderTicket, str]] = []
        for ticket in tickets:
            oid = new_client_oid()
            oids.append(oid)
            admitted = self._admit(ticket, oid)
            if admitted is not None:
                wired.append((admitted, oid))
        self.orders_changed.emit()
        if wired:
            self._tasks.spawn(self._send_batches(wired), f"place batch of {len(wired)}")
        return oids

    async def _send_batches(self, orders: list[tuple[OrderTicket, str]]) -> None:
        """One batch call after the other (Bitget allows one a second; the client paces them)."""
        ref = orders[0][0].ref
        margin_mode = orders[0][0].margin_mode or self._account.margin_mode(ref) or MarginMode.CROSSED
        position_mode = self._account.position_mode(ref.product) if ref.is_futures else None
        for part in batches(len(orders)):
            chunk = [PlaceOrder(orders[i][0], orders[i][1], position_mode, margin_mode) for i in part]
            oids = [p.client_oid for p in chunk]
            self._sending.update(oids)
            try:
                result = await self._place_chunk(ref, chunk)
            except BitgetError as exc:
                for oid in oids:
                    self._rejected(oid, exc)
                continue
            finally:
                self._sending.difference_update(oids)
            answered: set[str] = set()
            for ack in result.succeeded:
                if ack.client_oid in oids:
                    answered.add(ack.client_oid)
                    self._emit(self._tracker.acknowledge(ack.client_oid, ack.order_id, self._now()))
            for failure in result.failed:
                if failure.client_oid in oids:
                    answered.add(failure.client_oid)
                    self._rejected(failure.client_oid, InvalidOrder(failure.message, code=failure.code))
            for oid in oids:
                if oid not in answered:  # the answer named neither: only a lookup can tell
                    self._suspect(oid)

    async def _place_chunk(self, ref: SymbolRef, chunk: list[PlaceOrder]) -> BulkResult:
        """One batch call. A 429 means Bitget processed nothing (it counts requests on arrival, so a call our limiter
        spaced by its send time can still land in the previous window when the network or the host is slow): the
        same orders, same clientOids, are sent again once the limiter's block has passed, a few times at most."""
        return await self._again_after_429(lambda: self._venue.place_batch(ref, chunk),
                                           f"Batch of {len(chunk)} orders on {ref.display}")

    async def _again_after_429(self, call: Callable[[], Awaitable[T]], what: str) -> T:
        """``call`` sent again after a 429, which Bitget answers having processed nothing, a few times at most."""
        for attempt in range(BATCH_429_RETRIES + 1):
            try:
                return await call()
            except RateLimited:
                if attempt == BATCH_429_RETRIES:
                    raise
                log.info(f"{what} refused with 429; sending it again.")
                await asyncio.sleep(self.retry.initial_s)
        raise AssertionError("unreachable")

    def cancel(self, view_or_client_oid: OrderView | str) -> None:
        oid = view_or_client_oid if isinstance(view_or_client_oid, str) else view_or_client_oid.client_oid
        self._cancels_asked.add(oid)
        view = self._tracker.get(oid)
        if view is None or not view.is_open:
            log.warning(f"Order {oid} is not open; nothing to cancel.")
            return
        if view.status == OrderStatus.PENDING and view.order_id is None and oid in self._sending:
            self._cancel_when_placed.add(oid)  # the exchange may not know it yet: cancel once it answers
            return
        self._tasks.spawn(self._cancel(view), f"cancel {oid}", eager=True)

    def cancel_all(self, ref: SymbolRef | None) -> None:
        """Cancel every open order of ``ref`` (None: of every symbol with open orders)."""
        refs = [ref] if ref is not None else sorted({v.ref for v in self._tracker.open_orders()})
        self._cancels_asked.update(v.client_oid for r in refs for v in self._tracker.open_orders(r))
        for target in refs:
            self._tasks.spawn(self._cancel_all(target), f"cancel all {target.key}", eager=True)

    def modify(self, client_oid: str, new_price: Decimal | None, new_size: Decimal | None) -> str | None:
        """Change an open limit order's price and/or size. Bitget does it as a replacement (futures
        ``modify-order``, spot ``cancel-replace-order``); the replacement is listed as pending at once and its
        clientOid returned."""
        view = self._tracker.get(client_oid)
        if view is None or not view.is_open or view.type != OrderType.LIMIT:
            log.warning(f"Order {client_oid} cannot be modified (not an open limit order).")
            return None
        price = new_price if new_price is not None else view.price
        size = new_size if new_size is not None else view.size
        if price is None or (price == view.price and size == view.size):
            return None
        new_oid = new_client_oid()
        self._cancels_asked.add(client_oid)  # the replacement retires it (spot cancel-replace cancels it outright)
        ticket = OrderTicket(view.ref, view.side, OrderType.LIMIT, view.force, size, price,
                             reduce_only=view.reduce_only, trade_side=view.trade_side)
        pending = self._tracker.add_pending(ticket, new_oid, self._now())
        self.order_updated.emit(pending)
        self.orders_changed.emit()
        self._tasks.spawn(self._modify(view, new_oid, price, size), f"modify {client_oid}")
        return new_oid

    def close_position(self, position: Position, price: Decimal | None = None) -> str:
        """Close a whole position side: at market (``price`` None) or with a limit order at ``price``.

        On a unified account a whole side closes at market through Bitget's ``close-positions`` (no size to get
        wrong: a coin-M size is USD there, and a sized order converted at a moving price can leave a lot behind);
        a limit close is a sized order, a coin-M one sized by the position's own USD count (:meth:`_wire_ticket`).
        Returns the clientOid the close is listed under."""
        ticket = closing_ticket(position, price)
        if self._whole_by_endpoint(position, ticket):
            return self._close_by_endpoint(position, ticket)
        return self.place(ticket)

    @property
    def _unified(self) -> bool:
        mode = self._session.account_mode
        return mode is not None and mode.uta is True

    def _whole_by_endpoint(self, position: Position, ticket: OrderTicket) -> bool:
        """A market close of the whole side on a unified account (a part reserved by resting closes stays sized)."""
        return (self._unified and position.product.is_futures and ticket.order_type == OrderType.MARKET
                and ticket.size >= position.total)

    def _close_by_endpoint(self, position: Position, ticket: OrderTicket) -> str:
        oid = new_client_oid()
        self.order_updated.emit(self._tracker.add_pending(ticket, oid, self._now()))
        self.orders_changed.emit()
        if not self._session.can_trade:
            self._rejected(oid, InvalidOrder(self._session.problem or "This profile has no API key: trading is off."))
            return oid
        self._tasks.spawn(self._close_whole(position, oid), f"close {position.ref.key} {oid}", eager=True)
        return oid

    async def _close_whole(self, position: Position, oid: str) -> None:
        """``close-positions`` for one symbol and side; its answer names the exchange's order, adopted by ``oid``."""
        self._sending.add(oid)
        try:
            result = await self._venue.close_positions(position.ref, position.hold_side)
        except BitgetError as exc:
            self._rejected(oid, exc)
            return
        finally:
            self._sending.discard(oid)
            self._cancel_when_placed.discard(oid)  # a market close: nothing rests to cancel
        if not result.succeeded:
            failure = result.failed[0] if result.failed else None
            self._rejected(oid, InvalidOrder(failure.message if failure else "Bitget closed nothing.",
                                             code=failure.code if failure else ""))
            return
        ack = result.succeeded[0]
        if ack.order_id is None:
            self._suspect(oid)
            return
        for update in self._tracker.adopt(oid, ack.order_id, ack.client_oid, self._now()):
            self._emit(update)
        self.history_changed.emit()

    def flash_close_all(self) -> None:
        """Close every futures position at market (Bitget's ``close-positions``), line by line."""
        self._tasks.spawn(self._flash_close(), "flash close", eager=True)

    # --- sending ----------------------------------------------------------------------------------------------

    @property
    def _venue(self) -> Venue:
        return self._session.venue

    def _now(self) -> int:
        return self._session.clock.now_ms()

    def _market(self, ref: SymbolRef) -> MarketInfo:
        market = self._session.market(ref)
        if market is None:
            raise InvalidOrder(f"{ref.display} is not a market of this exchange.")
        return market

    def _reference_price(self, ticket: OrderTicket) -> Decimal:
        price = ticket.price if ticket.order_type == OrderType.LIMIT else None
        if price is None:
            ticker = self._md.ticker(ticket.ref)
            if ticker is not None:
                price = ticker.ask if ticket.side == Side.BUY else ticker.bid
            price = price or self._md.last_price(ticket.ref)
        if not price:
            raise InvalidOrder(f"No price for {ticket.ref.display} yet to convert the size; try again in a moment.")
        return price

    def _wire_ticket(self, ticket: OrderTicket) -> OrderTicket:
        """The ticket with its size in the unit the venue wants for it (V2: the quote coin for a spot market buy,
        the base coin for everything else). The one size conversion of an order's trip."""
        if ticket.size <= 0:
            raise InvalidOrder("Enter a size greater than 0.")
        if ticket.order_type == OrderType.LIMIT and (ticket.price is None or ticket.price <= 0):
            raise InvalidOrder("A limit order needs a price greater than 0.")
        market = self._market(ticket.ref)
        quote_wanted = self._venue.wants_quote_size(ticket)
        if quote_wanted and not ticket.size_in_quote:
            size = round_quote(ticket.size * (self._entry_closed(ticket) or self._reference_price(ticket)), market)
            return replace(ticket, size=size, size_in_quote=True)
        if not quote_wanted and ticket.size_in_quote:
            size = round_to_lot(ticket.size / self._reference_price(ticket), market)
            if size <= 0:
                raise InvalidOrder("The amount buys less than one lot of this market.")
            return replace(ticket, size=size, size_in_quote=False)
        return ticket

    def _entry_closed(self, ticket: OrderTicket) -> Decimal | None:
        """The entry price of the position ``ticket`` closes, for a close the venue wants sized in the quote coin
        (only an inverse line does that: coin-M on a unified account); else None. Bitget counts such a position in
        USD contracts, so the coins to close are worth their share of it at the entry, not at the market
        (``sim.server.v3_names.close_size``): closing the whole size this way leaves nothing."""
        if ticket.trade_side == TradeSide.CLOSE:          # hedge: the side names the position
            held = PositionSide.LONG if ticket.side == Side.BUY else PositionSide.SHORT
        elif ticket.reduce_only:                           # one-way: the trade goes against it
            held = PositionSide.SHORT if ticket.side == Side.BUY else PositionSide.LONG
        else:
            return None
        position = self._account.position(ticket.ref, held)
        return position.open_price_avg if position is not None and position.open_price_avg > 0 else None

    async def _send(self, ticket: OrderTicket, oid: str) -> None:
        """Hand the order to the venue with the account facts its product line words it by (the closing rule of
        the position mode lives in the venue's futures adapter); the answer, or the failure, updates the view."""
        margin_mode = ticket.margin_mode or self._account.margin_mode(ticket.ref) or MarginMode.CROSSED
        order = PlaceOrder(ticket, oid, self._account.position_mode(ticket.ref.product) if ticket.ref.is_futures
                           else None, margin_mode)
        self._sending.add(oid)
        try:
            ack = await self._venue.place(order)
        except BitgetError as exc:
            await self._announced(oid)
            self._cancel_when_placed.discard(oid)
            self._rejected(oid, exc)
            return
        finally:
            self._sending.discard(oid)
        await self._announced(oid)
        self._emit(self._tracker.acknowledge(oid, ack.order_id, self._now()))
        if oid in self._cancel_when_placed:
            self._cancel_when_placed.discard(oid)
            self.cancel(oid)

    async def _announced(self, oid: str) -> None:
        """Wait until :meth:`place` has announced ``oid`` as pending: an answer that came within the eager first
        step (a refusal raised before anything was sent) must not reach the panels before the order itself."""
        if oid in self._unannounced:
            await asyncio.sleep(0)

    def _rejected(self, oid: str, exc: BitgetError) -> None:
        definitive = not (isinstance(exc, TransportError) and exc.ambiguous)
        message = str(exc)
        update = self._tracker.reject(oid, message, exc.code, definitive=definitive, now_ms=self._now())
        if update is None:
            return
        self._emit(update)
        self.order_rejected.emit(update.view, message)
        if not definitive:
            self._suspect(oid)  # the exchange may have it after all: keep asking until it says

    async def _cancel(self, view: OrderView) -> None:
        try:
            await self._venue.cancel(view.ref, OrderKey.of(view.order_id, view.client_oid))
        except OrderNotFound:
            # Filled or cancelled meanwhile (or still being placed): ask the exchange what became of it.
            await self._look_up(self._tracker.get(view.client_oid) or view)
        except BitgetError as exc:
            log.warning(f"Cancel of {view.side} {view.ref.display} failed: {exc}")

    async def _cancel_all(self, ref: SymbolRef) -> None:
        try:
            result = await self._venue.cancel_all(ref)
            for failure in result.failed:
                log.warning(f"Cancel of order {failure.order_id} failed: [{failure.code}] {failure.message}")
        except BitgetError as exc:
            log.warning(f"Cancel all {ref.display} failed: {exc}")
            return
        log.info(f"Cancel all {ref.display} sent.")

    async def _modify(self, view: OrderView, new_oid: str, price: Decimal, size: Decimal) -> None:
        try:
            ack = await self._venue.modify(view.ref, OrderKey.of(view.order_id, view.client_oid), new_oid, price, size)
        except BitgetError as exc:
            self._rejected(new_oid, exc)
            return
        self._emit(self._tracker.acknowledge(new_oid, ack.order_id, self._now()))
        if ack.client_oid:
            # V3 modifies in place and keeps the order's clientOid: its pushes now describe the replacement.
            self._tracker.modified_in_place(ack.client_oid, new_oid)
        else:
            # V2 cancels and replaces: its answer says the old order is cancelled, whenever that push arrives
            self._emit(self._tracker.replaced(view.client_oid, new_oid, self._now()))

    async def _flash_close(self) -> None:
        """Every line at once (a slow line must not hold the others' closes back); one line per product says what
        was done there."""
        products = self._venue.futures_products
        # A 429 is sent again (Bitget's V2 close-positions allows one call a second per account, and a call our
        # limiter spaced can still land in the previous second when the host is slow): a panic must not leave a
        # line open because of it
        results = await asyncio.gather(*(self._again_after_429(partial(self._venue.close_positions, p),
                                                               f"Flash close of {p.label}") for p in products),
                                       return_exceptions=True)
        for product, result in zip(products, results, strict=True):
            if isinstance(result, BitgetError) and result.code in NO_POSITION_CODES:
                log.info(f"Flash close of {product.label}: no open position.")
            elif isinstance(result, BaseException):
                if not isinstance(result, BitgetError):
                    raise result
                log.error(f"Flash close of {product.label} failed: {result}")
            else:
                for failure in result.failed:
                    log.error(f"Flash close of {product.label} failed for one position: "
                              f"[{failure.code}] {failure.message}")
                log.info(f"Flash close of {product.label} sent: {len(result.succeeded)} market order(s).")

    # --- private channels -------------------------------------------------------------------------------------

    def _on_orders(self, orders: list[Order]) -> None:
        changed = False
        for order in orders:
            update = self._explained(self._tracker.apply(order))
            if update is not None:
                if update.replaced is not None:
                    self.order_updated.emit(update.replaced)
                self.order_updated.emit(update.view)
                changed = changed or update.open_set_changed
        if changed:
            self.orders_changed.emit()

    def _on_fills(self, fills: list[Fill]) -> None:
        for fill in fills:
            if self._add_fill(fill):
                self.fill_received.emit(fill)

    def _add_fill(self, fill: Fill) -> bool:
        if fill.trade_id in self._fills:
            return False
        self._fills[fill.trade_id] = fill
        while len(self._fills) > FILLS_KEPT:
            self._fills.popitem(last=False)
        return True

    # --- reconciliation ---------------------------------------------------------------------------------------

    async def reconcile(self, *, announce_fills: bool = True) -> None:
        """One pass: re-read open orders and recent fills (every product line of the venue) from REST and look up
        every order that vanished meanwhile, or whose fate is still unknown.

        Raises when any read failed (``BitgetError``) or an order could not be looked up (:class:`ReconcileIncomplete`)
        so that the caller retries: the connection service runs this after every reconnect until it succeeds, and
        only then says ``reconciled``. Whatever was read is applied either way."""
        async with self._reconcile_lock:
            await self._reconcile_pass(self._venue.products, announce_fills=announce_fills, always_emit=True)

    def set_check_interval(self, seconds: float) -> None:
        """How often open orders are re-read while connected (:meth:`_watch`); takes effect at once."""
        self.check_interval_s = seconds
        self._check_wake.set()

    async def _reconcile_pass(self, kinds: tuple[Product, ...], *, announce_fills: bool, always_emit: bool) -> None:
        venue = self._venue
        # Every read finishes before a failure is raised, so no read of a failed pass is still running when the next
        # pass starts.
        order_lists, fill_lists = await asyncio.gather(
            asyncio.gather(*(venue.open_orders(kind) for kind in kinds), return_exceptions=True),
            asyncio.gather(*(venue.fills(kind, limit=RECENT_ROWS) for kind in kinds), return_exceptions=True))
        for result in (*order_lists, *fill_lists):
            if isinstance(result, BaseException):
                raise result
        open_orders = [order for listed in order_lists if not isinstance(listed, BaseException) for order in listed]
        fills = [fill for listed in fill_lists if not isinstance(listed, BaseException) for fill in listed]
        updates, missing = self._tracker.reconcile(open_orders, kinds)
        for update in updates:
            if update.replaced is not None:
                self.order_updated.emit(update.replaced)
            self.order_updated.emit(update.view)
        lookups = {view.client_oid: view for view in missing}
        for oid in list(self._suspects):
            view = self._tracker.get(oid)
            if view is None:
                del self._suspects[oid]
            elif view.ref.product in kinds:
                lookups.setdefault(oid, view)
        # An order placed and finished elsewhere while the stream was down is in no open list, only in the fills:
        # read it so that it is listed with its fills (by id; orders the tracker knows are not asked again).
        strangers = {f.order_id: SymbolRef(f.symbol, f.product) for f in fills
                     if f.order_id not in self._strangers_read and self._tracker.by_order_id(f.order_id) is None}
        answered = await asyncio.gather(*(self._look_up(view) for view in lookups.values()),
                                        *(self._look_up_by_id(ref, order_id) for order_id, ref in strangers.items()))
        new_fills = [f for f in sorted(fills, key=lambda f: f.ts) if self._add_fill(f)]
        if announce_fills:
            for fill in new_fills:
                self.fill_received.emit(fill)
        if always_emit or updates or lookups or new_fills:
            self.orders_changed.emit()
            self.history_changed.emit()
        unanswered = [oid for oid, ok in zip([*lookups, *strangers], answered, strict=True) if not ok]
        if unanswered:
            raise ReconcileIncomplete(f"{len(unanswered)} order(s) could not be looked up "
                                      f"({', '.join(unanswered[:3])}{'…' if len(unanswered) > 3 else ''})")

    async def _watch(self) -> None:
        """The periodic check: every ``check_interval_s`` (±10 % jitter), while the connection is up and an order
        is open or unresolved, re-read the product types concerned. It catches what a live-looking but silent
        private stream missed (a stall the heartbeat has not noticed yet, a push the exchange never sent) without
        waiting for a reconnect; with nothing open it costs nothing."""
        while True:
            if await periodic_wait(self._check_wake, self.check_interval_s, self._rng):
                continue  # the interval changed: wait the new one
            if self._check_kinds():
                self.checks += 1
                await until_done(self._periodic_pass, self.retry, self._rng, self._check_failed)

    def _check_kinds(self) -> tuple[Product, ...]:
        """The product types the periodic check must read now (none: skip it)."""
        if self._connection.state != "connected":
            return ()  # down: the reconciliation after the reconnect covers it
        views = [*self._tracker.open_orders(), *filter(None, map(self._tracker.get, self._suspects))]
        present = {view.ref.product for view in views}
        return tuple(kind for kind in self._venue.products if kind in present)

    async def _periodic_pass(self) -> None:
        kinds = self._check_kinds()
        if kinds:
            async with self._reconcile_lock:
                await self._reconcile_pass(kinds, announce_fills=True, always_emit=False)

    def _check_failed(self, attempt: int, exc: Exception, delay: float) -> None:
        level = logging.WARNING if attempt == 1 else logging.INFO
        log.log(level, f"Checking the open orders failed ({exc}); retrying in {delay:.1f} s.")

    async def _look_up(self, view: OrderView) -> bool:
        """Ask the exchange what became of ``view`` (by order id, else clientOid) and apply the answer; True once the
        exchange answered. When the lookup itself fails the order becomes a *suspect*: it stays as shown and is
        looked up again, with backoff, until the exchange answers (:meth:`_resolve_suspects`)."""
        try:
            order = await self._venue.order(view.ref, OrderKey.of(view.order_id, view.client_oid))
        except OrderNotFound:
            if view.status == OrderStatus.PENDING and view.order_id is None:
                self._suspects.pop(view.client_oid, None)
                return True  # not on the exchange yet: its placement is still under way
            if self._tracker.provisional(view.client_oid):
                # Shown rejected because the placement got no answer. Not found now, it was not placed, unless the
                # request may still be on its way (in flight, or not yet visible to lookups): ask again later then.
                if self._now() - view.c_time < self.not_placed_after_s * 1000:
                    self._suspect(view.client_oid)
                    return True
                self._suspects.pop(view.client_oid, None)
                self._emit(self._tracker.confirm_rejection(
                    view.client_oid, "Not placed: the exchange has no such order.", self._now()))
                return True
            self._suspects.pop(view.client_oid, None)
            self._emit(self._tracker.cancel_missing(view.client_oid, "No longer on the exchange.", self._now()))
            return True
        except BitgetError as exc:
            if view.client_oid not in self._suspects:
                log.warning(f"Order {view.client_oid} could not be looked up ({exc}); "
                            "trying again until the exchange answers.")
            self._suspect(view.client_oid)
            return False
        self._suspects.pop(view.client_oid, None)
        self._emit(self._tracker.apply(order))
        return True

    async def _look_up_by_id(self, ref: SymbolRef, order_id: str) -> bool:
        """Read an order this session has not seen (placed elsewhere) and list it; True once the exchange answered."""
        try:
            order = await self._venue.order(ref, OrderKey(order_id=order_id))
        except OrderNotFound:
            self._strangers_read.add(order_id)  # too old for the exchange to tell: its fills are listed all the same
            return True
        except BitgetError as exc:
            log.warning(f"Order {order_id} (placed elsewhere) could not be read: {exc}")
            return False
        self._strangers_read.add(order_id)  # asked once: the tracker may forget it later (history limit)
        self._emit(self._tracker.apply(order))
        return True

    def _suspect(self, client_oid: str) -> None:
        """Look ``client_oid`` up again (and again) until the exchange says what became of it."""
        self._suspects[client_oid] = None
        if not self._resolving:
            self._resolving = True
            self._tasks.spawn(self._resolve_suspects(), "look up unresolved orders")

    async def _resolve_suspects(self) -> None:
        failures = 0
        try:
            while self._suspects:
                failures += 1
                await asyncio.sleep(self.retry.delay(failures, self._rng))  # each one has just failed once
                views = [v for v in map(self._tracker.get, list(self._suspects)) if v is not None]
                self._suspects = {v.client_oid: None for v in views}
                await asyncio.gather(*(self._look_up(view) for view in views))
        finally:
            self._resolving = False

    async def _read_history(self) -> None:
        venue = self._venue
        lists = await asyncio.gather(*(venue.order_history(kind, limit=RECENT_ROWS) for kind in venue.products))
        for order in sorted([order for listed in lists for order in listed], key=lambda o: o.u_time):
            self._tracker.apply(order)

    def _explained(self, update: Update | None) -> Update | None:
        """A cancel nobody here asked for gets its likely reason (core.cancels) and is announced
        (``cancelled_unasked``): V2 pushes say no why, and an exit order must never vanish without a word."""
        if update is None or not update.became_final:
            return update
        view = update.view
        if view.status != OrderStatus.CANCELLED:  # filled or rejected after all: a cancel asked for it is moot
            self._cancels_asked.discard(view.client_oid)
            return update
        if view.client_oid in self._cancels_asked:
            self._cancels_asked.discard(view.client_oid)
            return update
        if view.reason:
            return update
        explained = self._tracker.explain(view.client_oid, unasked_cancel_reason(view))
        if explained is None:
            return update
        result = replace(update, view=explained.view)
        QTimer.singleShot(0, self, lambda v=explained.view: self.cancelled_unasked.emit(v))
        return result

    def _emit(self, update: Update | None) -> None:
        update = self._explained(update)
        if update is None:
            return
        if update.replaced is not None:
            self.order_updated.emit(update.replaced)
        self.order_updated.emit(update.view)
        if update.open_set_changed:
            self.orders_changed.emit()
