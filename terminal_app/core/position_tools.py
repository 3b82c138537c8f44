"""Position management in the trader's words: reverse, break-even stop, isolated margin changes, the maximum
openable size, and the account bill read as profit and loss per day.

* :func:`reverse_plan`: how to turn a position around. One-way mode: one market order the other way for twice the
  size (the first half closes, the second opens). Hedge mode keeps the two sides apart, so it is a market close and
  then a market open of the other side for the same size, the open sent only once the close was filled.
* :func:`break_even_trigger`: the stop-loss trigger at the entry price, rounded to the tick on the side that cannot
  lose money: a long's stop rounds up, a short's down.
* :func:`removable_margin` / :func:`check_margin_change`: how much isolated margin may come out of a position (the
  simulator applies the same rule, so the dialog and the exchange agree).
* :func:`max_open_size`: the size a margin amount opens at a price and leverage, after the opening fee.
* :class:`Bill`, :class:`BillKind` and :func:`pnl_by_day`: the futures account bill (realised PnL, fees, funding,
  liquidations) summed per UTC day and margin coin, with its USDT value.

Pure: no Qt, no I/O, no wire spelling (each exchange client maps its bill types to :class:`BillKind`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum
from typing import Protocol

from terminal_app.core.accounts import ClosedPosition, Position
from terminal_app.core.enums import MarginMode, OrderType, PositionMode, PositionSide, Side, TimeInForce, TradeSide
from terminal_app.core.instruments import MarketInfo, Product
from terminal_app.core.orders import OrderTicket, closing_ticket
from terminal_app.core.validation import round_to_lot, round_to_tick

ZERO = Decimal(0)
# What must stay in an isolated position after margin is taken out: twice its maintenance margin, so one ordinary
# tick cannot liquidate it. Unrealised profit does not count as margin that can be taken out.
SAFETY_MULTIPLE = Decimal(2)


@dataclass(frozen=True, slots=True)
class ToolAnswer:
    """What a position tool did, or why it did nothing, in one sentence for the trader. A refusal (``refused``) is
    an error the trader must see, not a passing note: it is shown in the error style."""

    text: str
    refused: bool = False

    def __str__(self) -> str:
        return self.text


# --- reverse -----------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ReversePlan:
    """The orders that reverse one position: ``first`` now; ``then`` (hedge mode) once ``first`` has filled."""

    position: Position
    first: OrderTicket
    then: OrderTicket | None

    @property
    def summary(self) -> str:
        held = self.position.hold_side
        new = "short" if held == PositionSide.LONG else "long"
        size = f"{self.position.total.normalize():f}"
        if self.then is None:
            return (f"Reverse {self.position.ref.display} {held} {size} to {new} {size}: one market "
                    f"{self.first.side} of {self.first.size.normalize():f}.")
        return (f"Reverse {self.position.ref.display} {held} {size} to {new} {size}: close the {held} at market, "
                f"then open the {new} at market once the close has filled.")


def reverse_plan(position: Position) -> ReversePlan:
    """The orders that turn ``position`` into the same size the other way (see the module docstring)."""
    if position.total <= 0:
        raise ValueError("there is no position to reverse")
    opposite = PositionSide.SHORT if position.hold_side == PositionSide.LONG else PositionSide.LONG
    new_side = Side.BUY if opposite == PositionSide.LONG else Side.SELL
    if position.pos_mode == PositionMode.HEDGE:
        close = closing_ticket(position)
        close = OrderTicket(close.ref, close.side, OrderType.MARKET, TimeInForce.GTC, position.total,
                            trade_side=TradeSide.CLOSE, margin_mode=position.margin_mode)
        open_ = OrderTicket(position.ref, new_side, OrderType.MARKET, TimeInForce.GTC, position.total,
                            trade_side=TradeSide.OPEN, margin_mode=position.margin_mode)
        return ReversePlan(position, close, open_)
    flip = OrderTicket(position.ref, new_side, OrderType.MARKET, TimeInForce.GTC, position.total * 2,
                       margin_mode=position.margin_mode)
    return ReversePlan(position, flip, None)


# --- break-even --------------------------------------------------------------------------------------------------

def break_even_trigger(position: Position, market: MarketInfo) -> Decimal:
    """The stop-loss trigger at the entry price, on the tick grid, never on the losing side of the entry: a long's
    stop rounds up (selling at or above what was paid), a short's rounds down."""
    entry = position.open_price_avg
    if entry <= 0:
        raise ValueError("the position has no entry price")
    return round_to_tick(entry, market, "up" if position.hold_side == PositionSide.LONG else "down")


def break_even_possible(position: Position, trigger: Decimal, mark: Decimal | None) -> str:
    """Why a break-even stop at ``trigger`` cannot be placed now (empty: it can). A long's stop must sit below the
    current mark and a short's above it, or it would fire at once: that is a market close, not a stop."""
    if mark is None or mark <= 0:
        return ""
    if position.hold_side == PositionSide.LONG and trigger >= mark:
        return (f"The long is not above its entry yet (mark {mark.normalize():f}, break-even "
                f"{trigger.normalize():f}): a stop there would fire at once.")
    if position.hold_side == PositionSide.SHORT and trigger <= mark:
        return (f"The short is not below its entry yet (mark {mark.normalize():f}, break-even "
                f"{trigger.normalize():f}): a stop there would fire at once.")
    return ""


# --- isolated margin ---------------------------------------------------------------------------------------------

def maintenance_margin(position: Position, mark: Decimal) -> Decimal:
    """The position's maintenance margin at ``mark``, in its margin coin (coin-M: the size is in USD of base)."""
    rate = position.keep_margin_rate or ZERO
    if position.product == Product.COIN_FUTURES:
        return position.total * rate
    return mark * position.total * rate


def removable_margin(position: Position, mark: Decimal | None = None) -> Decimal:
    """How much margin may come out of an isolated position now: what it holds, less any unrealised loss, less twice
    its maintenance margin (``SAFETY_MULTIPLE``); zero for a crossed position (its margin is the account's)."""
    if position.margin_mode != MarginMode.ISOLATED:
        return ZERO
    price = mark if mark is not None else position.mark_price
    if price is None or price <= 0:
        return ZERO
    left = position.margin_size + min(position.unrealized_pl, ZERO) - SAFETY_MULTIPLE * maintenance_margin(
        position, price)
    return max(left, ZERO)


def check_margin_change(position: Position, amount: Decimal, *, available: Decimal | None,
                        mark: Decimal | None = None) -> str:
    """Why adding (+) or removing (-) ``amount`` of margin cannot be done (empty: it can)."""
    if position.margin_mode != MarginMode.ISOLATED:
        return "Margin can be added or removed on isolated positions only."
    if not amount.is_finite() or amount == 0:
        return "Enter an amount other than zero."
    coin = position.margin_coin
    if amount > 0 and available is not None and amount > available:
        return f"Only {available.normalize():f} {coin} is available to add."
    if amount < 0:
        most = removable_margin(position, mark)
        if -amount > most:
            return f"At most {most.normalize():f} {coin} can be removed without putting the position at risk."
    return ""


def estimated_liquidation(position: Position, margin_delta: Decimal) -> Decimal | None:
    """The isolated position's liquidation price once ``margin_delta`` is added (or removed when negative), for the
    dialog's preview; ``None`` when it cannot be told (a crossed position, or no entry or maintenance rate).

    Linear only: long ``(cost - margin) / (size (1 - kmr))``, short ``(cost + margin) / (size (1 + kmr))`` (the
    simulator's rule, ``sim.engine.futures``); coin-M previews show the exchange's figure after the change instead."""
    if position.margin_mode != MarginMode.ISOLATED or position.product == Product.COIN_FUTURES:
        return None
    kmr = position.keep_margin_rate
    if kmr is None or position.total <= 0 or position.open_price_avg <= 0:
        return None
    cost = position.open_price_avg * position.total
    margin = position.margin_size + margin_delta
    if position.hold_side == PositionSide.LONG:
        price = (cost - margin) / (position.total * (1 - kmr))
    else:
        price = (cost + margin) / (position.total * (1 + kmr))
    return max(price, ZERO)


# --- maximum openable size ---------------------------------------------------------------------------------------

def max_open_size(amount: Decimal, price: Decimal, leverage: int, taker_fee: Decimal, lot: Decimal, *,
                  inverse: bool = False) -> Decimal:
    """The size ``amount`` of margin opens at ``price`` and ``leverage``, the opening fee paid from it, cut to the
    lot. Linear: ``amount / (price (1/lev + fee))``; inverse (coin-M, margin in coin): ``amount / (1/lev + fee)``
    USD of base, i.e. that many coins' worth at the price."""
    if amount <= 0 or price <= 0 or leverage < 1 or lot <= 0:
        return ZERO
    per_unit = Decimal(1) / leverage + taker_fee
    size = amount / per_unit if inverse else amount / (price * per_unit)
    return (size / lot).to_integral_value(rounding=ROUND_FLOOR) * lot


def max_open_for(market: MarketInfo, amount: Decimal, price: Decimal, leverage: int) -> Decimal:
    """:func:`max_open_size` for ``market`` (its fee, lot and kind), on the lot grid."""
    size = max_open_size(amount, price, leverage, market.taker_fee, market.lot_size,
                         inverse=market.ref.product == Product.COIN_FUTURES)
    return round_to_lot(size, market)


# --- the account bill and PnL by day -----------------------------------------------------------------------------

class BillKind(StrEnum):
    """What one row of the futures account bill is about."""

    TRADE = "trade"              # a fill: realised PnL (closing) and its fee
    FUNDING = "funding"
    LIQUIDATION = "liquidation"
    TRANSFER = "transfer"        # money in or out of the futures account
    MARGIN = "margin"            # isolated margin moved (no profit or loss)
    INTEREST = "interest"        # interest on borrowed coins (a unified account's pool): a cost, not trading PnL
    OTHER = "other"

    @property
    def label(self) -> str:
        return _BILL_LABELS[self]

    @property
    def is_pnl(self) -> bool:
        """Whether the row's amount is profit or loss (transfers and margin moves are not)."""
        return self in (BillKind.TRADE, BillKind.FUNDING, BillKind.LIQUIDATION, BillKind.INTEREST, BillKind.OTHER)


_BILL_LABELS = {BillKind.TRADE: "Trade", BillKind.FUNDING: "Funding", BillKind.LIQUIDATION: "Liquidation",
                BillKind.TRANSFER: "Transfer", BillKind.MARGIN: "Margin", BillKind.INTEREST: "Interest",
                BillKind.OTHER: "Other"}


@dataclass(frozen=True, slots=True)
class Bill:
    """One row of a futures account bill. ``amount`` is realised PnL or funding (money in +, out -), ``fee`` the
    trading fee (negative when paid), both in ``coin``; ``detail`` is the exchange's own word for the row, shown
    as is; ``balance`` the account's balance after it."""

    bill_id: str
    product: Product
    symbol: str
    coin: str
    kind: BillKind
    amount: Decimal
    fee: Decimal
    balance: Decimal | None
    ts: int
    detail: str = ""

    @property
    def key(self) -> tuple[str, str]:
        """Unique per account: bill ids are unique per product line."""
        return (self.product.value, self.bill_id)

    @property
    def day(self) -> date:
        return datetime.fromtimestamp(self.ts / 1000, UTC).date()


@dataclass(frozen=True, slots=True)
class DayPnl:
    """One UTC day of one margin coin: realised trading PnL, fees, funding, liquidation losses and interest paid on
    borrowing, their sum, and the sum in USDT (``None`` when the coin's price is not known)."""

    day: date
    coin: str
    realized: Decimal
    fees: Decimal
    funding: Decimal
    liquidation: Decimal
    rows: int
    interest: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        return self.realized + self.fees + self.funding + self.liquidation + self.interest

    def usdt(self, price: Decimal | None) -> Decimal | None:
        return None if price is None else self.net * price


def pnl_by_day(bills: Iterable[Bill]) -> list[DayPnl]:
    """The bill summed per UTC day and margin coin, newest day first (coins alphabetical within a day); transfers
    and margin moves are left out, they are not profit or loss. Each bill counts once (by :attr:`Bill.key`)."""
    seen: set[tuple[str, str]] = set()
    sums: dict[tuple[date, str], list[Decimal]] = {}
    counts: dict[tuple[date, str], int] = {}
    for bill in bills:
        if bill.key in seen or not bill.kind.is_pnl:
            continue
        seen.add(bill.key)
        k = (bill.day, bill.coin)
        row = sums.setdefault(k, [ZERO, ZERO, ZERO, ZERO, ZERO])
        if bill.kind == BillKind.FUNDING:
            row[2] += bill.amount
        elif bill.kind == BillKind.LIQUIDATION:
            row[3] += bill.amount
        elif bill.kind == BillKind.INTEREST:
            row[4] += bill.amount
        else:
            row[0] += bill.amount
        row[1] += bill.fee
        counts[k] = counts.get(k, 0) + 1
    days = [DayPnl(d, coin, realized, fees, funding, liquidation, counts[(d, coin)], interest)
            for (d, coin), (realized, fees, funding, liquidation, interest) in sums.items()]
    return sorted(days, key=lambda r: (-r.day.toordinal(), r.coin))


def usdt_values(days: Iterable[DayPnl], price_of: Callable[[str], Decimal | None]) -> list[Decimal | None]:
    """Each day's net in USDT, ``price_of(coin)`` giving a coin's USDT price (1 for USDT)."""
    return [d.usdt(price_of(d.coin)) for d in days]


# --- what a venue offers for it ----------------------------------------------------------------------------------

class PositionDesk(Protocol):
    """An account's position management calls (Bitget V2: ``bitget.v2.position_desk``; a unified account, V3:
    ``bitget.v3.position_desk``). Domain in, domain out; failures raise
    :class:`~terminal_app.core.errors.VenueError` subclasses with the exchange's code."""

    def bill_lines(self, futures: tuple[Product, ...]) -> tuple[Product, ...]:
        """The lines whose bills are read, given the account's futures lines."""
        ...

    async def set_margin(self, position: Position, amount: Decimal) -> None:
        """Add (+) or remove (-) isolated margin of ``position``."""
        ...

    async def max_open(self, market: MarketInfo, margin_coin: str, amount: Decimal, price: Decimal,
                       leverage: int, side: Side | None = None) -> Decimal:
        """The size ``amount`` of margin opens at ``price`` and ``leverage`` for ``side`` (the exchange's
        estimate)."""
        ...

    async def closed_positions(self, product: Product, *, limit: int) -> list[ClosedPosition]:
        """The line's closed positions, newest first."""
        ...

    async def bills(self, product: Product, *, since_ms: int | None, limit: int) -> list[Bill]:
        """The line's futures account bill since ``since_ms`` (all the exchange keeps when None), newest first,
        at most ``limit`` rows (read page by page)."""
        ...
