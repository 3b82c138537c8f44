"""Orders as the terminal sees them: the ticket a trader fills in, the view of one order, and the bookkeeping that
merges every source of order news into one consistent view.

An order placed from the terminal is known before the exchange knows it: :meth:`OrderTracker.add_pending` shows it
as ``pending`` the moment it is sent. News then arrives from three places in any order: the REST reply to the
placement, the private ``orders`` channel, and REST reads after a reconnect (:meth:`OrderTracker.reconcile`). The
tracker applies each piece only if it moves the order forward (``pending`` → ``live`` → ``partially_filled`` →
``filled``/``cancelled``/``rejected``; the filled size never shrinks), so a late REST reply cannot undo what the stream
already said. A rejection the terminal decided itself (the exchange could not be asked) is the one final state that
later exchange news may overturn.

Pure: no Qt, no I/O; times are milliseconds passed in by the caller.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal

from terminal_app.core.accounts import Position
from terminal_app.core.enums import (
    ExchangeClose,
    Liquidity,
    MarginMode,
    OrderStatus,
    OrderType,
    PositionMode,
    PositionSide,
    Side,
    TimeInForce,
    TradeSide,
)
from terminal_app.core.instruments import Product, SymbolRef

OPEN_STATUSES = frozenset({OrderStatus.PENDING, OrderStatus.LIVE, OrderStatus.PARTIALLY_FILLED})
FINAL_STATUSES = frozenset({OrderStatus.FILLED, OrderStatus.CANCELLED, OrderStatus.REJECTED})
_RANK = {OrderStatus.PENDING: 0, OrderStatus.LIVE: 1, OrderStatus.PARTIALLY_FILLED: 2, OrderStatus.FILLED: 3,
         OrderStatus.CANCELLED: 3, OrderStatus.REJECTED: 3}
_ZERO = Decimal(0)


def _age(view: OrderView) -> tuple[int, str]:
    return view.c_time, view.client_oid


# --- what the exchange reports ---------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class OrderAck:
    """The exchange accepted an order. ``order_id`` may be ``None``: some exchanges accept a reduce-only order
    without one (Bitget, one-way mode); look it up by ``client_oid`` then."""

    order_id: str | None
    client_oid: str | None


@dataclass(frozen=True, slots=True)
class Order:
    """A spot or futures order as the exchange reports it (``status`` never ``pending``/``rejected``: those are the
    terminal's own states).

    ``price`` is ``None`` for a market order reported without a price; ``filled_size`` is cumulative. ``fee`` keeps
    the exchange's sign (negative = paid). The ``fill_*`` fields describe the trade that caused a streamed update
    (``trade_id`` present); they are ``None`` otherwise. Hedge-mode ``side``/``trade_side``: see
    :mod:`terminal_app.core.enums`. ``source`` is the exchange's word for where the order was entered (API, web…).
    """

    product: Product
    symbol: str
    order_id: str
    client_oid: str | None
    side: Side
    order_type: OrderType
    force: TimeInForce | None
    price: Decimal | None
    size: Decimal
    filled_size: Decimal
    avg_price: Decimal | None
    quote_volume: Decimal | None
    status: OrderStatus
    fee: Decimal
    c_time: int
    u_time: int
    fee_coin: str | None = None
    notional: Decimal | None = None
    trade_side: TradeSide | None = None
    pos_side: PositionSide | None = None
    pos_mode: PositionMode | None = None
    reduce_only: bool | None = None
    margin_mode: MarginMode | None = None
    margin_coin: str | None = None
    leverage: Decimal | None = None
    preset_tp: Decimal | None = None
    preset_sl: Decimal | None = None
    pnl: Decimal | None = None
    source: str | None = None
    trade_id: str | None = None
    fill_price: Decimal | None = None
    fill_size: Decimal | None = None
    fill_fee: Decimal | None = None
    fill_fee_coin: str | None = None
    fill_time: int | None = None
    trade_scope: Liquidity | None = None

    @property
    def ref(self) -> SymbolRef:
        return SymbolRef(self.symbol, self.product)

    @property
    def is_open(self) -> bool:
        return self.status in (OrderStatus.LIVE, OrderStatus.PARTIALLY_FILLED)


@dataclass(frozen=True, slots=True)
class Fill:
    """One own trade. ``fee`` is the first fee entry's amount in ``fee_coin`` (the exchange's sign); ``fees`` lists
    all entries when part of the fee was paid in another coin (e.g. a fee-token deduction). ``trade_side`` is set for
    hedge-mode futures fills (and for liquidations and other closes the exchange made)."""

    product: Product
    trade_id: str
    order_id: str
    symbol: str
    side: Side
    price: Decimal
    size: Decimal
    quote_size: Decimal
    fee: Decimal
    fee_coin: str | None
    scope: Liquidity | None
    trade_side: TradeSide | None
    profit: Decimal | None
    ts: int
    order_type: OrderType | None = None
    pos_mode: PositionMode | None = None
    fees: tuple[tuple[str, Decimal], ...] = ()
    exchange_close: ExchangeClose | None = None     # the exchange closed the position itself (e.g. delivery)

    @property
    def ref(self) -> SymbolRef:
        return SymbolRef(self.symbol, self.product)


# --- what the terminal asks for and shows ----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class OrderTicket:
    """What the trader asked for, before it is sent (services-contract.md).

    ``size`` is in the base coin unless ``size_in_quote`` (then in the quote coin; a spot market buy is always sent
    that way, as the exchange wants). ``trade_side`` (open/close) is for hedge-mode futures, with ``side`` naming the
    position (see :mod:`terminal_app.core.enums`); ``reduce_only`` is for one-way futures. ``margin_mode`` None: the
    symbol's current mode. ``tp``/``sl`` are preset take-profit / stop-loss trigger prices.
    """

    ref: SymbolRef
    side: Side
    order_type: OrderType = OrderType.LIMIT
    force: TimeInForce = TimeInForce.GTC
    size: Decimal = _ZERO
    price: Decimal | None = None
    size_in_quote: bool = False
    reduce_only: bool = False
    trade_side: TradeSide | None = None
    margin_mode: MarginMode | None = None
    tp: Decimal | None = None
    sl: Decimal | None = None


@dataclass(frozen=True, slots=True)
class OrderView:
    """One order as the panels show it.

    ``reason`` says why an order was rejected or cancelled (with the exchange's error ``code`` when it gave one).
    ``price`` is None for a market order; ``size`` is in the quote coin when ``size_in_quote``.
    """

    client_oid: str
    order_id: str | None
    ref: SymbolRef
    side: Side
    type: OrderType
    force: TimeInForce
    price: Decimal | None
    size: Decimal
    filled: Decimal = _ZERO
    avg_price: Decimal | None = None
    status: OrderStatus = OrderStatus.PENDING
    reason: str = ""
    c_time: int = 0
    u_time: int = 0
    code: str = ""
    size_in_quote: bool = False
    trade_side: TradeSide | None = None
    reduce_only: bool = False
    tp: Decimal | None = None  # the TP/SL attached to it (a bracket's legs, placed by the exchange on its fill)
    sl: Decimal | None = None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def remaining(self) -> Decimal:
        return max(_ZERO, self.size - self.filled)


def closing_ticket(position: Position, price: Decimal | None = None) -> OrderTicket:
    """The order that closes a whole position side: at market (``price`` None) or a limit at ``price``.

    Hedge mode names the position's side and says close; one-way mode trades against the position, reduce-only.
    """
    hedge = position.pos_mode == PositionMode.HEDGE
    held = Side.BUY if position.hold_side == PositionSide.LONG else Side.SELL
    side, trade_side = (held, TradeSide.CLOSE) if hedge else (held.opposite, None)
    size = position.available if position.available > 0 else position.total
    return OrderTicket(position.ref, side, OrderType.MARKET if price is None else OrderType.LIMIT, TimeInForce.GTC,
                       size, price, reduce_only=not hedge, trade_side=trade_side, margin_mode=position.margin_mode)


def view_key(client_oid: str | None, order_id: str) -> str:
    """The tracker's key: the clientOid, or the order id for orders that carry none (placed elsewhere)."""
    return client_oid or f"id:{order_id}"


def view_from_order(order: Order) -> OrderView:
    return OrderView(
        client_oid=view_key(order.client_oid, order.order_id),
        order_id=order.order_id,
        ref=order.ref,
        side=order.side,
        type=order.order_type,
        force=order.force or TimeInForce.GTC,
        price=order.price,
        size=order.size,
        filled=order.filled_size,
        avg_price=order.avg_price or None,
        status=order.status if order.status in _RANK else OrderStatus.LIVE,
        c_time=order.c_time,
        u_time=order.u_time,
        trade_side=order.trade_side,
        reduce_only=bool(order.reduce_only),
        tp=order.preset_tp,
        sl=order.preset_sl,
    )


@dataclass(frozen=True, slots=True)
class Update:
    """What one piece of news did: the view after it, and whether the set of open orders changed.

    ``replaced`` is an order this news retired: a modification that kept the exchange's order id under a new
    clientOid (futures ``modify-order`` may do that) leaves the old clientOid's view behind, now ``cancelled``.
    """

    view: OrderView
    open_set_changed: bool
    became_final: bool
    replaced: OrderView | None = None


class OrderTracker:
    """Every order this session knows, keyed by clientOid; see the module docstring for the merge rules."""

    def __init__(self, history_limit: int = 500) -> None:
        self._views: dict[str, OrderView] = {}
        # The open views by symbol (clientOid → view), kept by _put: the panels read the open orders of a symbol
        # several times per order sent, and the views also hold up to ``history_limit`` finished orders.
        self._open: dict[SymbolRef, dict[str, OrderView]] = {}
        self._sorted: dict[SymbolRef | None, tuple[OrderView, ...]] = {}  # open_orders' answers until a change
        self._by_order_id: dict[str, str] = {}
        self._local_reject: set[str] = set()
        self._history: OrderedDict[str, OrderView] = OrderedDict()
        self._history_limit = history_limit
        # An exchange that modifies in place keeps reporting the order under its first clientOid (Bitget V3):
        # that clientOid → the replacement's view, which owns the order from the acknowledgement on.
        self._aliases: dict[str, str] = {}

    # --- queries ---------------------------------------------------------------------------------------------

    def get(self, client_oid: str) -> OrderView | None:
        return self._views.get(client_oid)

    def provisional(self, client_oid: str) -> bool:
        """The order's rejection was made up here (no answer from the exchange): a later report may overturn it."""
        return client_oid in self._local_reject

    def by_order_id(self, order_id: str) -> OrderView | None:
        key = self._by_order_id.get(order_id)
        return None if key is None else self._views.get(key)

    def open_orders(self, ref: SymbolRef | None = None) -> list[OrderView]:
        """Open orders (pending included), oldest first; only ``ref``'s when given."""
        cached = self._sorted.get(ref)
        if cached is None:
            if ref is None:
                views = [v for by_oid in self._open.values() for v in by_oid.values()]
            else:
                by_oid = self._open.get(ref)
                views = list(by_oid.values()) if by_oid else []
            cached = self._sorted[ref] = tuple(sorted(views, key=_age))
        return list(cached)

    def history(self) -> list[OrderView]:
        """Finished orders, newest first (at most ``history_limit``)."""
        return list(reversed(self._history.values()))

    # --- news --------------------------------------------------------------------------------------------------

    def add_pending(self, ticket: OrderTicket, client_oid: str, now_ms: int) -> OrderView:
        view = OrderView(
            client_oid=client_oid,
            order_id=None,
            ref=ticket.ref,
            side=ticket.side,
            type=ticket.order_type,
            force=ticket.force if ticket.order_type == OrderType.LIMIT else TimeInForce.GTC,
            price=ticket.price if ticket.order_type == OrderType.LIMIT else None,
            size=ticket.size,
            c_time=now_ms,
            u_time=now_ms,
            size_in_quote=ticket.size_in_quote,
            trade_side=ticket.trade_side,
            reduce_only=ticket.reduce_only,
            tp=ticket.tp,
            sl=ticket.sl,
        )
        self._put(client_oid, view)
        return view

    def acknowledge(self, client_oid: str, order_id: str | None, now_ms: int) -> Update | None:
        """The REST reply to a placement: the exchange accepted the order (``order_id`` may be None, see OrderAck)."""
        view = self._views.get(client_oid)
        if view is None:
            return None
        replaced = self._link(order_id, client_oid, now_ms) if order_id else None
        update = None
        if view.status == OrderStatus.PENDING:
            update = self._store(view, replace(view, order_id=order_id or view.order_id, status=OrderStatus.LIVE,
                                               u_time=now_ms))
        elif view.order_id is None and order_id:
            update = self._store(view, replace(view, order_id=order_id))
        return self._with_replaced(update, replaced, client_oid)

    def adopt(self, client_oid: str, order_id: str, exchange_client_oid: str | None, now_ms: int) -> list[Update]:
        """The exchange placed the order of the pending view ``client_oid`` under ids of its own (Bitget V3's
        ``close-positions`` answers an orderId and a clientOid it made up): its news belongs to that view from now on.
        A report that beat this answer here (listed meanwhile as an order placed elsewhere) is folded into the view."""
        if exchange_client_oid and exchange_client_oid != client_oid:
            self._aliases[exchange_client_oid] = client_oid
        early_key = self._by_order_id.get(order_id)
        early = None
        if early_key is not None and early_key != client_oid:
            early = self._views.get(early_key)
            self._put(early_key, None)  # through _put: the open-orders index must forget it too
            self._history.pop(early_key, None)
            del self._by_order_id[order_id]
        updates = [u for u in (self.acknowledge(client_oid, order_id, now_ms),) if u is not None]
        view = self._views.get(client_oid)
        if early is not None and view is not None:
            status = early.status if _RANK.get(early.status, 0) > _RANK.get(view.status, 0) else view.status
            merged = replace(view, status=status, filled=max(view.filled, early.filled),
                             avg_price=early.avg_price or view.avg_price, u_time=max(view.u_time, early.u_time))
            updates.append(self._store(view, merged))
        return updates

    def modified_in_place(self, exchange_client_oid: str, client_oid: str) -> None:
        """The exchange modified an order in place and keeps its clientOid ``exchange_client_oid``; from now on
        its news belongs to the replacement view ``client_oid`` (acknowledged with the same order id)."""
        if exchange_client_oid != client_oid:
            self._aliases[exchange_client_oid] = client_oid

    def reject(self, client_oid: str, message: str, code: str = "", *, definitive: bool = True,
               now_ms: int = 0) -> Update | None:
        """The placement failed. ``definitive=False`` when the terminal could not learn the outcome (the exchange
        may still report the order later, which then wins)."""
        view = self._views.get(client_oid)
        if view is None or (view.status in FINAL_STATUSES and client_oid not in self._local_reject):
            return None
        if view.status != OrderStatus.PENDING:
            return None  # the stream already reported the order: the exchange has it
        if definitive:
            self._local_reject.discard(client_oid)
        else:
            self._local_reject.add(client_oid)
        return self._store(view, replace(view, status=OrderStatus.REJECTED, reason=message, code=code, u_time=now_ms))

    def apply(self, order: Order) -> Update | None:
        """An order as the exchange reports it (stream or REST); None when it tells nothing new."""
        key = None
        if order.client_oid and order.client_oid in self._aliases:
            key = self._aliases[order.client_oid]
        elif order.client_oid and order.client_oid in self._views:
            key = order.client_oid
        elif order.order_id in self._by_order_id:
            key = self._by_order_id[order.order_id]
        if key is None:
            incoming = view_from_order(order)
            self._by_order_id[order.order_id] = incoming.client_oid
            return self._store(None, incoming)
        replaced = self._link(order.order_id, key, order.u_time)
        view = self._views[key]
        status = order.status if order.status in _RANK else view.status
        overturn = key in self._local_reject
        if view.status in FINAL_STATUSES and not overturn:
            if view.order_id != order.order_id and self._by_order_id.get(order.order_id) == key:
                # the ignored report's id must not outlive the view: _forget only unlinks the view's own id, and a
                # later report of that id would look up a view that was forgotten
                del self._by_order_id[order.order_id]
            return self._with_replaced(None, replaced, key)
        if _RANK[status] < _RANK[view.status] and not overturn:
            status = view.status
        filled = max(view.filled, order.filled_size)
        new = replace(
            view,
            order_id=order.order_id,
            status=status,
            filled=filled,
            avg_price=order.avg_price or view.avg_price,
            price=view.price if order.price is None else order.price,
            u_time=max(view.u_time, order.u_time),
            reason="" if overturn else view.reason,
            code="" if overturn else view.code,
            tp=order.preset_tp or view.tp,
            sl=order.preset_sl or view.sl,
        )
        self._local_reject.discard(key)
        return self._with_replaced(None if new == view else self._store(view, new), replaced, key)

    def confirm_rejection(self, client_oid: str, reason: str, now_ms: int) -> Update | None:
        """A rejection made up here (no answer) turns out right: the exchange does not have the order. It is final
        from now on; None when the rejection was not provisional."""
        view = self._views.get(client_oid)
        if view is None or client_oid not in self._local_reject:
            return None
        self._local_reject.discard(client_oid)
        return self._store(view, replace(view, reason=reason, u_time=max(view.u_time, now_ms)))

    def explain(self, client_oid: str, reason: str) -> Update | None:
        """Give a finished order the reason it ended (a cancel the exchange made on its own); None when unknown."""
        view = self._views.get(client_oid)
        if view is None or view.reason == reason:
            return None
        return self._store(view, replace(view, reason=reason))

    def cancel_missing(self, client_oid: str, reason: str, now_ms: int) -> Update | None:
        """An order the exchange no longer lists and cannot find: it is gone (cancelled)."""
        view = self._views.get(client_oid)
        if view is None or not view.is_open:
            return None
        return self._store(view, replace(view, status=OrderStatus.CANCELLED, reason=reason, u_time=now_ms))

    def reconcile(self, open_orders: Iterable[Order],
                  scope: Iterable[Product]) -> tuple[list[Update], list[OrderView]]:
        """Bring the book in line with a REST list of open orders for the product types in ``scope``.

        Returns the updates applied and the orders that were open here but are missing from the list: they were
        filled or cancelled while the stream was down, and the caller looks each one up (then :meth:`apply`, or
        :meth:`cancel_missing` when the exchange cannot find it). Pending orders that have no order id yet are
        still being placed and are left alone.
        """
        kinds = set(scope)
        updates: list[Update] = []
        listed: set[str] = set()
        for order in open_orders:
            update = self.apply(order)
            if update is not None:
                updates.append(update)
            key = self._by_order_id.get(order.order_id)
            if key is not None:
                listed.add(key)
        missing = [
            v for v in self._views.values()
            if v.is_open and v.ref.product in kinds and v.client_oid not in listed
            and not (v.status == OrderStatus.PENDING and v.order_id is None)
        ]
        return updates, missing

    # --- internals ---------------------------------------------------------------------------------------------

    def _link(self, order_id: str, key: str, now_ms: int) -> Update | None:
        """Point ``order_id`` at ``key``; an open view that held the id before is retired (it was modified)."""
        old_key = self._by_order_id.get(order_id)
        self._by_order_id[order_id] = key
        if old_key is None or old_key == key:
            return None
        return self.replaced(old_key, key, now_ms)

    def replaced(self, client_oid: str, by: str, now_ms: int) -> Update | None:
        """The open order ``client_oid`` was cancelled and replaced by the order ``by`` (a modify); None when it is
        not open (any more)."""
        old = self._views.get(client_oid)
        if old is None or not old.is_open:
            return None
        return self._store(old, replace(old, status=OrderStatus.CANCELLED, reason=f"Modified: replaced by order {by}.",
                                        u_time=max(old.u_time, now_ms)))

    def _with_replaced(self, update: Update | None, replaced: Update | None, key: str) -> Update | None:
        if replaced is None:
            return update
        if update is None:
            view = self._views[key]
            return Update(view, open_set_changed=True, became_final=False, replaced=replaced.view)
        return replace(update, open_set_changed=True, replaced=replaced.view)

    def _store(self, old: OrderView | None, new: OrderView) -> Update:
        key = new.client_oid
        self._put(key, new)
        was_open = old is not None and old.is_open
        final = new.status in FINAL_STATUSES
        if final:
            self._history[key] = new
            self._history.move_to_end(key)
            while len(self._history) > self._history_limit:
                gone, _ = self._history.popitem(last=False)
                if gone not in self._local_reject and not self._views[gone].is_open:
                    self._forget(gone)
        elif key in self._history:
            del self._history[key]  # overturned: the order is open after all
        return Update(new, open_set_changed=was_open != new.is_open,
                      became_final=final and (old is None or old.status != new.status))

    def _put(self, key: str, view: OrderView | None) -> None:
        """Store (None: drop) the view under ``key``, keeping the index of open views in step."""
        old = self._views.pop(key, None) if view is None else self._views.get(key)
        if view is not None:
            self._views[key] = view
        if old is not None and old.is_open:
            by_oid = self._open[old.ref]
            del by_oid[key]
            if not by_oid:
                del self._open[old.ref]
            self._changed(old.ref)
        if view is not None and view.is_open:
            self._open.setdefault(view.ref, {})[key] = view
            self._changed(view.ref)

    def _changed(self, ref: SymbolRef) -> None:
        self._sorted.pop(ref, None)
        self._sorted.pop(None, None)

    def _forget(self, key: str) -> None:
        for alias in [a for a, k in self._aliases.items() if k == key]:
            del self._aliases[alias]
        view = self._views.get(key)
        if view is not None:
            self._put(key, None)
        if view is not None and view.order_id is not None and self._by_order_id.get(view.order_id) == key:
            del self._by_order_id[view.order_id]
