"""Algo orders in the trader's words: stops (stop-market, stop-limit), trailing stops and take-profit / stop-loss
orders, partial (a size) or for the whole position.

An :class:`AlgoIntent` is what the user asks for (from the ticket, the palette, a chart drag); an :class:`AlgoOrder`
is what the exchange holds, with its :class:`AlgoStatus`. Each exchange client maps its own words (Bitget V2
``planType`` ``normal_plan``/``track_plan``/``profit_plan``…, ``triggerType`` ``fill_price``/``mark_price``, plan
status ``not_trigger``/``executed``) to these at its edge; nothing here knows those spellings.

Direction: a stop fires when the price *reaches* its trigger from the side it was on when placed. A buy stop sits
above the reference price, a sell stop below (otherwise it would fire at once: that is a limit order's job). A
take-profit of a long sits above, its stop-loss below; the reverse for a short. A trailing stop follows the best
price since its activation price was reached and fires when the price comes back by its callback ratio.

:func:`validate_algo` checks an intent against the market's rules and the current price and returns the
:class:`~terminal_app.core.validation.Issue` list the ticket shows; :func:`trigger_fires` and :class:`TrailState`
are the firing rules the simulator uses, in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from terminal_app.core.enums import MarginMode, PositionSide, Side, TradeSide, trade_direction
from terminal_app.core.instruments import MarketInfo, Product, SymbolRef
from terminal_app.core.validation import Issue, on_step, round_to_lot, round_to_tick

# Bitget's callback ratio of a trailing stop, in percent of the best price: from 0.1 % to 10 %.
CALLBACK_MIN = Decimal("0.1")
CALLBACK_MAX = Decimal("10")
HUNDRED = Decimal(100)


class AlgoKind(StrEnum):
    STOP = "stop"                    # stop-market or stop-limit (opens or reduces; spot and futures)
    TRAILING = "trailing"            # trailing stop (futures)
    TAKE_PROFIT = "take_profit"      # partial TP of a position: a size
    STOP_LOSS = "stop_loss"          # partial SL of a position: a size
    POSITION_TP = "position_tp"      # the whole position's TP (one per position side)
    POSITION_SL = "position_sl"      # the whole position's SL

    @property
    def is_tpsl(self) -> bool:
        return self in _TPSL

    @property
    def whole_position(self) -> bool:
        return self in (AlgoKind.POSITION_TP, AlgoKind.POSITION_SL)

    @property
    def is_profit(self) -> bool:
        return self in (AlgoKind.TAKE_PROFIT, AlgoKind.POSITION_TP)

    @property
    def label(self) -> str:
        return _LABELS[self]


_TPSL = frozenset({AlgoKind.TAKE_PROFIT, AlgoKind.STOP_LOSS, AlgoKind.POSITION_TP, AlgoKind.POSITION_SL})
_LABELS = {AlgoKind.STOP: "Stop", AlgoKind.TRAILING: "Trailing stop", AlgoKind.TAKE_PROFIT: "Take profit",
           AlgoKind.STOP_LOSS: "Stop loss", AlgoKind.POSITION_TP: "Position TP", AlgoKind.POSITION_SL: "Position SL"}


class TriggerSource(StrEnum):
    """Which price fires the trigger: the last traded price or the mark price (futures)."""

    LAST = "last"
    MARK = "mark"


class AlgoStatus(StrEnum):
    """``pending`` (sent, not yet acknowledged) and ``rejected`` are the terminal's own; the exchange reports the
    rest. ``triggered``: it fired and placed its order."""

    PENDING = "pending"
    LIVE = "live"
    TRIGGERED = "triggered"
    CANCELLED = "cancelled"
    FAILED = "failed"
    REJECTED = "rejected"

    @property
    def is_open(self) -> bool:
        return self in (AlgoStatus.PENDING, AlgoStatus.LIVE)


@dataclass(frozen=True, slots=True)
class AlgoIntent:
    """What the user asks for.

    ``side`` is the side of the order the trigger places, in the terminal's one convention (``core.enums``): with a
    ``trade_side`` (hedge mode) it names the position, so "close long" is ``buy`` + ``close`` and trades a sell;
    a TP/SL's ``side`` is always the closing trade's (a long's stop-loss sells). ``size`` None: the whole
    position (``POSITION_TP``/``POSITION_SL``). ``execute_price`` None: at market when triggered (stop-market), else
    a limit at that price (stop-limit). ``trigger_price`` of a trailing stop is its activation price.
    ``callback_ratio`` is in percent (``Decimal("1")`` = 1 %). ``hold_side`` names the position a TP/SL protects and,
    in hedge mode, the side a stop opens or closes (with ``trade_side``).
    """

    ref: SymbolRef
    kind: AlgoKind
    side: Side
    trigger_price: Decimal
    size: Decimal | None
    execute_price: Decimal | None = None
    trigger_source: TriggerSource = TriggerSource.LAST
    callback_ratio: Decimal | None = None
    trade_side: TradeSide | None = None
    reduce_only: bool = False
    hold_side: PositionSide | None = None

    @property
    def is_market(self) -> bool:
        return self.execute_price is None

    @property
    def label(self) -> str:
        if self.kind is AlgoKind.STOP:
            return "Stop-market" if self.is_market else "Stop-limit"
        return self.kind.label


@dataclass(frozen=True, slots=True)
class AlgoOrder:
    """An algo order the exchange holds (or the terminal has just sent: ``PENDING``)."""

    ref: SymbolRef
    order_id: str | None
    client_oid: str
    kind: AlgoKind
    side: Side
    trigger_price: Decimal
    size: Decimal | None
    status: AlgoStatus
    execute_price: Decimal | None = None
    trigger_source: TriggerSource = TriggerSource.LAST
    callback_ratio: Decimal | None = None
    trade_side: TradeSide | None = None
    hold_side: PositionSide | None = None
    executed_order_id: str | None = None
    c_time: int = 0
    u_time: int = 0
    reason: str = ""

    @property
    def is_open(self) -> bool:
        return self.status.is_open

    @property
    def label(self) -> str:
        if self.kind is AlgoKind.STOP:
            return "Stop-market" if self.execute_price is None else "Stop-limit"
        return self.kind.label

    @property
    def key(self) -> str:
        """What identifies it in a list: the clientOid (always known, even before the exchange's id)."""
        return self.client_oid

    def moved(self, trigger_price: Decimal) -> AlgoOrder:
        return replace(self, trigger_price=trigger_price)


AlgoHandler = Callable[[list["AlgoOrder"]], None]


class AlgoVenue(Protocol):
    """The algo orders of one account's exchange, in the terminal's words (one implementation per API generation;
    Bitget V2: ``bitget.plans.V2AlgoVenue``; a session reaches it as ``Venue.algos``). Errors are the venue's typed
    errors with the exchange's code. Placing never sends twice: an unanswered placement is the caller's to look for
    (:meth:`algo_orders`)."""

    async def place_algo(self, intent: AlgoIntent, client_oid: str, *, hedge: bool, margin_mode: MarginMode,
                         margin_coin: str) -> str | None:
        """The exchange's id of the new order (None when it did not say)."""
        ...

    async def modify_algo(self, order: AlgoOrder, *, trigger_price: Decimal, size: Decimal | None = None,
                          execute_price: Decimal | None = None, callback_ratio: Decimal | None = None,
                          margin_coin: str) -> None: ...
    async def cancel_algo(self, order: AlgoOrder, *, margin_coin: str) -> None: ...
    async def cancel_algos(self, orders: list[AlgoOrder], *, margin_coin: str) -> list[AlgoOrder]: ...
    async def algo_orders(self, target: Product | SymbolRef, *, history: bool = False) -> list[AlgoOrder]: ...
    async def stream_algos(self, product: Product, handler: AlgoHandler) -> None: ...

    def unsupported(self, intent: AlgoIntent) -> str | None:
        """Why this exchange API cannot hold such an order at all (a trailing stop on Bitget V3), in words for the
        user; None when it can."""
        ...

    @property
    def products(self) -> tuple[Product, ...]:
        """The product lines whose algo orders it streams."""
        ...

    def targets(self, known: Iterable[SymbolRef] = ()) -> list[Product | SymbolRef]:
        """What :meth:`algo_orders` must read to see every algo order of the account, given the symbols ``known`` to
        have some (an exchange may list a line whole, or only symbol by symbol)."""
        ...

    def target_of(self, ref: SymbolRef) -> Product | SymbolRef:
        """The read of :meth:`targets` that lists ``ref``'s algo orders."""
        ...


def intent_of(order: AlgoOrder) -> AlgoIntent:
    """The intent that would place ``order`` again (a modify is validated as one)."""
    return AlgoIntent(order.ref, order.kind, order.side, order.trigger_price, order.size, order.execute_price,
                      order.trigger_source, order.callback_ratio, order.trade_side, hold_side=order.hold_side)


# --- direction -----------------------------------------------------------------------------------------------------

def fires_upward(kind: AlgoKind, side: Side, trade_side: TradeSide | None = None) -> bool:
    """Whether the trigger sits above the price (fires on a rise). A stop that buys sits above, one that sells
    below (a hedge-mode close long sells: ``side`` buy with ``trade_side`` close); a TP/SL's ``side`` is the closing
    trade's: a long's TP (sell) sits above, its SL (sell) below."""
    if kind.is_tpsl:
        return (side == Side.SELL) == kind.is_profit
    return trade_direction(side, trade_side) == Side.BUY


def trigger_fires(trigger: Decimal, upward: bool, price: Decimal) -> bool:
    """Whether ``price`` has reached ``trigger`` from its side: the exact crossing, the trigger itself included."""
    return price >= trigger if upward else price <= trigger


@dataclass(slots=True)
class TrailState:
    """A trailing stop in flight. ``side`` is the order it places: a sell trail protects a long, follows the highest
    price since activation and fires when the price falls ``ratio`` percent below it; a buy trail the reverse.
    Before ``activation`` is reached (from the side it was on when placed: ``upward``) nothing is tracked."""

    side: Side
    activation: Decimal
    upward: bool
    ratio: Decimal
    best: Decimal | None = None

    def stop_price(self) -> Decimal | None:
        if self.best is None:
            return None
        factor = self.ratio / HUNDRED
        return self.best * (1 - factor) if self.side == Side.SELL else self.best * (1 + factor)

    def update(self, price: Decimal) -> bool:
        """Feed one price; True when the stop fires on it."""
        if self.best is None:
            if not trigger_fires(self.activation, self.upward, price):
                return False
            self.best = price
            return False
        if (price > self.best) if self.side == Side.SELL else (price < self.best):
            self.best = price
            return False
        stop = self.stop_price()
        assert stop is not None
        return price <= stop if self.side == Side.SELL else price >= stop


# --- validation ----------------------------------------------------------------------------------------------------

def _num(d: Decimal) -> str:
    return f"{d.normalize():f}"


def validate_algo(intent: AlgoIntent, market: MarketInfo, reference: Decimal | None,
                  position_size: Decimal | None = None) -> list[Issue]:
    """Why ``intent`` cannot be sent (empty: it can). ``reference`` is the current price of the trigger's source
    (last or mark; None: not known yet, direction unchecked); ``position_size`` the size of the position a TP/SL
    protects (None: unknown, the exchange checks it)."""
    issues: list[Issue] = []
    trigger = intent.trigger_price
    if trigger <= 0:
        issues.append(Issue("trigger", "Enter a trigger price greater than 0."))
    elif not on_step(trigger, market.tick_size):
        issues.append(Issue("trigger", f"The trigger price must be a multiple of the tick {_num(market.tick_size)}: "
                                       f"try {_num(round_to_tick(trigger, market))}."))
    if intent.execute_price is not None:
        if intent.execute_price <= 0:
            issues.append(Issue("price", "Enter a limit price greater than 0, or leave it empty for market."))
        elif not on_step(intent.execute_price, market.tick_size):
            issues.append(Issue("price", f"The limit price must be a multiple of the tick "
                                         f"{_num(market.tick_size)}: try "
                                         f"{_num(round_to_tick(intent.execute_price, market))}."))
    if intent.kind.whole_position:
        if intent.size is not None:
            issues.append(Issue("size", "A position TP/SL closes the whole position: it takes no size."))
    elif intent.size is None or intent.size <= 0:
        issues.append(Issue("size", "Enter a size greater than 0."))
    else:
        if not on_step(intent.size, market.lot_size):
            issues.append(Issue("size", f"The size must be a multiple of {_num(market.lot_size)}: try "
                                        f"{_num(round_to_lot(intent.size, market))}."))
        elif intent.size < market.min_size:
            issues.append(Issue("size", f"The minimum size is {_num(market.min_size)}."))
        if intent.kind.is_tpsl and position_size is not None and intent.size > position_size:
            issues.append(Issue("size", f"The position is only {_num(position_size)}."))
    if intent.kind is AlgoKind.TRAILING:
        if not intent.ref.is_futures:
            issues.append(Issue("kind", "Trailing stops are for futures."))
        ratio = intent.callback_ratio
        if ratio is None or not CALLBACK_MIN <= ratio <= CALLBACK_MAX:
            issues.append(Issue("callback", f"The callback ratio must be between {_num(CALLBACK_MIN)} % and "
                                            f"{_num(CALLBACK_MAX)} %."))
        elif ratio != ratio.quantize(Decimal("0.01")):
            issues.append(Issue("callback", "The callback ratio takes at most two decimals."))
    elif intent.callback_ratio is not None:
        issues.append(Issue("callback", "Only a trailing stop has a callback ratio."))
    if intent.kind.is_tpsl and not intent.ref.is_futures:
        issues.append(Issue("kind", "Position TP/SL orders are for futures."))
    if intent.trigger_source is TriggerSource.MARK and not intent.ref.is_futures:
        issues.append(Issue("trigger", "Spot markets have no mark price: trigger on the last price."))
    if reference is not None and trigger > 0 and intent.kind is not AlgoKind.TRAILING:
        issues.extend(_side_issue(intent, reference))
    return issues


def _side_issue(intent: AlgoIntent, reference: Decimal) -> list[Issue]:
    upward = fires_upward(intent.kind, intent.side, intent.trade_side)
    source = "mark" if intent.trigger_source is TriggerSource.MARK else "last"
    if upward and intent.trigger_price <= reference:
        where = "above"
    elif not upward and intent.trigger_price >= reference:
        where = "below"
    else:
        return []
    direction = trade_direction(intent.side, intent.trade_side)
    what = {AlgoKind.STOP: f"A {direction} stop"}.get(intent.kind, f"This {intent.kind.label.lower()}")
    return [Issue("trigger", f"{what} must trigger {where} the {source} price {_num(reference)}; at "
                             f"{_num(intent.trigger_price)} it would fire at once.")]
