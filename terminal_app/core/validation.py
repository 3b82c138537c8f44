"""Order-ticket checks against a market's rules, in plain language, before anything is sent.

:func:`validate_ticket` returns every problem it finds as an :class:`Issue` (the ticket field it concerns and a
sentence a trader understands); an empty list means the exchange should accept the order's shape. The rules are the
ones the exchange enforces (tick and lot multiples, minimum size and value, spot market buys sized in the quote coin,
futures leverage bounds, hedge/one-way order shapes) and the obvious balance check. The user's own limits (fat-finger
band, maximum order value, leverage cap) are :mod:`terminal_app.core.risk`'s, the one model the guards and the ticket
share. The rounding helpers and :func:`preset_size` give the ticket exact, exchange-valid numbers.
Decimal only: a float here would turn 0.1 + 0.2 into a size the exchange rejects.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Literal, Protocol

from terminal_app.core.enums import MarginMode, OrderType, Side, TimeInForce, TradeSide
from terminal_app.core.instruments import MarketInfo, SymbolRef

Rounding = Literal["nearest", "down", "up"]
_MODES = {"nearest": ROUND_HALF_UP, "down": ROUND_FLOOR, "up": ROUND_CEILING}

SIDES = tuple(Side)
ORDER_TYPES = tuple(OrderType)
FORCES = tuple(TimeInForce)
TRADE_SIDES = tuple(TradeSide)
MARGIN_MODES = tuple(MarginMode)


class TicketLike(Protocol):
    """The fields of ``core.orders.OrderTicket`` that validation reads (services-contract.md)."""

    @property
    def ref(self) -> SymbolRef: ...
    @property
    def side(self) -> Side: ...
    @property
    def order_type(self) -> OrderType: ...
    @property
    def force(self) -> TimeInForce: ...
    @property
    def size(self) -> Decimal: ...
    @property
    def price(self) -> Decimal | None: ...
    @property
    def size_in_quote(self) -> bool: ...
    @property
    def reduce_only(self) -> bool: ...
    @property
    def trade_side(self) -> TradeSide | None: ...
    @property
    def margin_mode(self) -> MarginMode | None: ...
    @property
    def tp(self) -> Decimal | None: ...
    @property
    def sl(self) -> Decimal | None: ...


@dataclass(frozen=True, slots=True)
class Issue:
    """One reason the ticket cannot be sent; ``field`` names the ticket input to highlight."""

    field: str
    message: str

    def __str__(self) -> str:
        return self.message


# --- rounding ------------------------------------------------------------------------------------------------------

def step_places(step: Decimal) -> int:
    """Decimals a step needs: 0.01 → 2, 0.5 → 1, 1 → 0, 10 → 0."""
    exponent = step.normalize().as_tuple().exponent
    assert isinstance(exponent, int), step
    return max(0, -exponent)


def round_to_step(value: Decimal, step: Decimal, rounding: Rounding = "nearest") -> Decimal:
    """``value`` on the grid of ``step`` (a tick or a lot), written with the step's decimals."""
    if step <= 0:
        raise ValueError(f"step must be positive, got {step}")
    units = (value / step).to_integral_value(rounding=_MODES[rounding])
    return (units * step).quantize(Decimal(1).scaleb(-step_places(step)))


def round_to_tick(price: Decimal, market: MarketInfo, rounding: Rounding = "nearest") -> Decimal:
    return round_to_step(price, market.tick_size, rounding)


def round_to_lot(size: Decimal, market: MarketInfo, rounding: Rounding = "down") -> Decimal:
    """Sizes round down by default: never more than the trader asked for or can afford."""
    return round_to_step(size, market.lot_size, rounding)


def round_quote(amount: Decimal, market: MarketInfo) -> Decimal:
    """A quote-coin amount (spot market buy) cut to the decimals the market accepts."""
    return amount.quantize(Decimal(1).scaleb(-market.quote_places), rounding=ROUND_FLOOR)


def on_step(value: Decimal, step: Decimal) -> bool:
    return step > 0 and value % step == 0


# --- presets -------------------------------------------------------------------------------------------------------

def is_inverse(ref: SymbolRef) -> bool:
    """Coin-M contracts: priced in USD, margined and settled in the base coin (no fixed settle coin)."""
    return ref.is_futures and ref.product.settle_coin is None


def preset_size(
    market: MarketInfo,
    available: Decimal,
    pct: int | Decimal,
    *,
    side: Side,
    price: Decimal | None,
    in_quote: bool,
    leverage: int | None = None,
) -> Decimal | None:
    """The size for "``pct`` % of available", in the unit the ticket shows, or None when a price is needed but unknown.

    ``available`` is what ``AccountService.available(ref, side)`` returns: the quote coin for spot buys, the base coin
    for spot sells, the margin coin for futures (times ``leverage`` gives the buying power).
    """
    share = available * Decimal(pct) / 100
    if share <= 0:
        return Decimal(0)
    if market.ref.is_futures:
        power = share * (leverage or 1)  # quote value the margin can carry
        if is_inverse(market.ref):
            # coin-M: the margin is in the base coin, so it carries ``power`` coins of contracts
            if not in_quote:
                return round_to_lot(power, market)
            if price is None or price <= 0:
                return None
            return round_quote(power * price, market)
        if in_quote:
            return round_quote(power, market)
        if price is None or price <= 0:
            return None
        return round_to_lot(power / price, market)
    if side == Side.BUY:  # share is in the quote coin
        if in_quote:
            return round_quote(share, market)
        if price is None or price <= 0:
            return None
        return round_to_lot(share / price, market)
    # spot sell: share is in the base coin
    if in_quote:
        if price is None or price <= 0:
            return None
        return round_quote(round_to_lot(share, market) * price, market)
    return round_to_lot(share, market)


# --- validation ----------------------------------------------------------------------------------------------------

def _num(d: Decimal) -> str:
    """A Decimal as a person writes it: no exponent, no trailing zeros (1E+1 → 10, 0.50 → 0.5)."""
    n = d.normalize()
    return f"{n:f}"


def _money(d: Decimal) -> str:
    return f"{d.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"


def _suggest(value: Decimal, step: Decimal) -> str:
    down = round_to_step(value, step, "down")
    up = round_to_step(value, step, "up")
    return f"use {_num(up)}" if down <= 0 else f"use {_num(down)} or {_num(up)}"


def _is_close(ticket: TicketLike) -> bool:
    return ticket.reduce_only or ticket.trade_side == TradeSide.CLOSE


def validate_ticket(
    ticket: TicketLike,
    market: MarketInfo,
    *,
    last_price: Decimal | None = None,
    available: Decimal | None = None,
    leverage: int | None = None,
) -> list[Issue]:
    """Every reason ``ticket`` cannot be sent to ``market``, most basic first; empty when it can.

    ``last_price`` values market orders; ``available`` (as in :func:`preset_size`) and
    ``leverage`` (futures) enable the balance check. Checks that need a missing input are skipped, not failed.
    """
    if ticket.ref != market.ref:
        raise ValueError(f"ticket for {ticket.ref} checked against the rules of {market.ref}")
    issues: list[Issue] = []
    add = issues.append
    ref = market.ref
    base, quote = market.base_coin, market.quote_coin

    if not market.tradable:
        add(Issue("market", f"{ref.display} is not trading now (status: {market.status})."))
    if ticket.side not in SIDES:
        add(Issue("side", f"Unknown side {ticket.side!r}: choose buy or sell."))
    if ticket.order_type not in ORDER_TYPES:
        add(Issue("order_type", f"Unknown order type {ticket.order_type!r}: choose limit or market."))
    if ticket.force not in FORCES:
        add(Issue("force", f"Unknown time in force {ticket.force!r}: choose GTC, post-only, IOC or FOK."))
    is_limit = ticket.order_type == OrderType.LIMIT
    is_market = ticket.order_type == OrderType.MARKET
    if is_market and ticket.force == TimeInForce.POST_ONLY:
        add(Issue("force", "Post-only needs a limit order: a market order always takes liquidity."))

    # --- price
    price_ok = False
    if is_limit:
        if ticket.price is None or ticket.price <= 0:
            add(Issue("price", "Enter a price greater than 0."))
        elif not on_step(ticket.price, market.tick_size):
            add(Issue("price", f"The price must be a multiple of the tick size {_num(market.tick_size)}: "
                               f"{_suggest(ticket.price, market.tick_size)}."))
        else:
            price_ok = True
    ref_price = ticket.price if price_ok else (last_price if is_market else None)

    # --- order shape per market kind
    market_buy = is_market and ticket.side == Side.BUY
    if not ref.is_futures:
        if ticket.reduce_only:
            add(Issue("reduce_only", "Reduce-only is for futures: a spot order cannot reduce a position."))
        if ticket.trade_side is not None:
            add(Issue("trade_side", "Open/close is for futures in hedge mode, not for spot orders."))
        if market_buy and not ticket.size_in_quote:
            add(Issue("size", f"A spot market buy is sized in {quote}: enter the amount of {quote} to spend."))
        elif ticket.size_in_quote and not market_buy:
            add(Issue("size", f"Only a spot market buy is sized in {quote}; enter the size in {base}."))
    else:
        if ticket.size_in_quote:
            add(Issue("size", f"Futures orders are sized in {base}; enter the size in {base}."))
        if ticket.trade_side not in (None, *TRADE_SIDES):
            add(Issue("trade_side", f"Unknown trade side {ticket.trade_side!r}: choose open or close."))
        if ticket.reduce_only and ticket.trade_side is not None:
            add(Issue("reduce_only", "Reduce-only is for one-way mode; in hedge mode use a close order instead."))
        if ticket.margin_mode not in (None, *MARGIN_MODES):
            add(Issue("margin_mode", f"Unknown margin mode {ticket.margin_mode!r}: choose crossed or isolated."))
        if leverage is not None and not market.min_leverage <= leverage <= market.max_leverage:
            add(Issue("leverage", f"Leverage must be between {market.min_leverage}x and {market.max_leverage}x "
                                  f"for {ref.display}."))

    # --- size
    closing = _is_close(ticket)
    notional: Decimal | None = None
    if ticket.size <= 0:
        add(Issue("size", "Enter a size greater than 0."))
    elif ticket.size_in_quote:
        if ticket.size != ticket.size.quantize(Decimal(1).scaleb(-market.quote_places), rounding=ROUND_FLOOR):
            add(Issue("size", f"The amount has more than {market.quote_places} decimals for {quote}."))
        notional = ticket.size
    else:
        if not on_step(ticket.size, market.lot_size):
            add(Issue("size", f"The size must be a multiple of {_num(market.lot_size)} {base}: "
                              f"{_suggest(ticket.size, market.lot_size)}."))
        elif not closing and ticket.size < market.min_size:
            add(Issue("size", f"The minimum size is {_num(market.min_size)} {base}."))
        if ref_price is not None and ref_price > 0:
            notional = ticket.size * ref_price
    if notional is not None and 0 < notional < market.min_notional and not closing:
        add(Issue("size", f"The order value {_money(notional)} {quote} is below the minimum of "
                          f"{_num(market.min_notional)} {quote}."))

    # --- balance (the exchange has the last word; this catches the obvious)
    if available is not None and notional is not None and ticket.side in SIDES:
        if not ref.is_futures:
            if ticket.side == Side.BUY and notional > available:
                add(Issue("size", f"Not enough {quote}: the order needs {_money(notional)} and "
                                  f"{_money(available)} is available."))
            elif ticket.side == Side.SELL and not ticket.size_in_quote and ticket.size > available:
                add(Issue("size", f"Not enough {base}: the order sells {_num(ticket.size)} and "
                                  f"{_num(available)} is available."))
        elif not closing and leverage:
            margin = notional / leverage
            coin = quote
            if is_inverse(ref) and ref_price:
                # coin-M is margined in the base coin: the USD notional at the price, in coins
                margin, coin = margin / ref_price, base
            if margin > available:
                amount = _num(margin.quantize(Decimal("1e-8"), ROUND_CEILING)) if coin == base else _money(margin)
                have = _num(available) if coin == base else _money(available)
                add(Issue("size", f"Not enough margin: the order needs about {amount} {coin} at {leverage}x "
                                  f"and {have} is available."))

    # --- TP/SL
    if ticket.tp is not None or ticket.sl is not None:
        if closing:
            add(Issue("tp", "TP/SL attaches to an order that opens a position; this order closes one."))
        else:
            issues += _check_tpsl(ticket, market, ref_price, "order" if is_limit else "last")
    return issues


def _check_tpsl(ticket: TicketLike, market: MarketInfo, anchor: Decimal | None, anchor_name: str) -> list[Issue]:
    out: list[Issue] = []
    long = ticket.side == Side.BUY
    for field, label, value in (("tp", "take-profit", ticket.tp), ("sl", "stop-loss", ticket.sl)):
        if value is None:
            continue
        if value <= 0:
            out.append(Issue(field, f"The {label} price must be greater than 0."))
            continue
        if not on_step(value, market.tick_size):
            out.append(Issue(field, f"The {label} price must be a multiple of the tick size "
                                    f"{_num(market.tick_size)}: {_suggest(value, market.tick_size)}."))
            continue
        if anchor is None:
            continue
        above = (field == "tp") == long
        if above and value <= anchor:
            out.append(Issue(field, f"For a {ticket.side} the {label} must be above the {anchor_name} price "
                                    f"{_num(anchor)}."))
        elif not above and value >= anchor:
            out.append(Issue(field, f"For a {ticket.side} the {label} must be below the {anchor_name} price "
                                    f"{_num(anchor)}."))
    return out
