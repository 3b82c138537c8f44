"""Scaled orders: one total size spread over N limit orders between two prices, evenly or weighted.

:func:`plan_scale` turns what the trader typed (side, total size, the first and the last price, how many orders and
how the size is weighted) into exact, exchange-valid legs: each price on the tick, each size on the lot and at least
the market's minimum, the sizes adding up to exactly the total. The preview the ticket shows and the orders the
pipeline sends are the same :class:`ScalePlan`, so what the user confirmed is what goes out.

Rounding: the prices are spaced evenly from the first to the last and rounded to the nearest tick (two legs that
round to the same price are refused: the range is too narrow for that many orders). The sizes are worked out in
whole lots: each leg gets the floor of its share, and the lots left over by the flooring go one each to the legs
with the largest cut-off fractions (the earliest leg first on a tie), so the total is exact. A leg under the minimum
size is raised to it with lots taken from the largest legs; when the total cannot give every leg its minimum the plan
says how many orders it can. Pure, Decimal-only.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from enum import StrEnum

from terminal_app.core.enums import OrderType, Side
from terminal_app.core.instruments import MarketInfo
from terminal_app.core.orders import OrderTicket
from terminal_app.core.risk import Outcome, Reason, RiskPolicy, Verdict, check_order
from terminal_app.core.validation import Issue, on_step, round_to_step, step_places

MAX_LEGS = 100  # a sanity bound for a ticket; the batch endpoint's own limit is handled by splitting (BATCH_LIMIT)
BATCH_LIMIT = 50  # Bitget V2: spot batch-orders and futures batch-place-order take at most 50 orders per call


class Weighting(StrEnum):
    """How the total is shared, from the first price typed to the last."""

    EVEN = "even"              # the same size at every price
    INCREASING = "increasing"  # sizes grow linearly: 1, 2, … N parts from the first price to the last
    DECREASING = "decreasing"  # sizes shrink linearly: N, N-1, … 1 parts

    @property
    def label(self) -> str:
        return {Weighting.EVEN: "Even", Weighting.INCREASING: "Increasing",
                Weighting.DECREASING: "Decreasing"}[self]


@dataclass(frozen=True, slots=True)
class ScaleLeg:
    price: Decimal
    size: Decimal


@dataclass(frozen=True, slots=True)
class ScalePlan:
    """The legs (first price to last), their total and size-weighted average price; ``issues`` non-empty means the
    plan cannot be sent (and ``legs`` may be empty)."""

    side: Side
    legs: tuple[ScaleLeg, ...]
    issues: tuple[Issue, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.issues and bool(self.legs)

    @property
    def total(self) -> Decimal:
        return sum((leg.size for leg in self.legs), Decimal(0))

    @property
    def notional(self) -> Decimal:
        return sum((leg.size * leg.price for leg in self.legs), Decimal(0))

    @property
    def average_price(self) -> Decimal | None:
        total = self.total
        return self.notional / total if total else None


def weights(count: int, weighting: Weighting) -> list[int]:
    if weighting is Weighting.EVEN:
        return [1] * count
    rising = list(range(1, count + 1))
    return rising if weighting is Weighting.INCREASING else rising[::-1]


def spread_prices(first: Decimal, last: Decimal, count: int, tick: Decimal) -> list[Decimal]:
    """``count`` prices evenly from ``first`` to ``last`` (both included), each rounded to the nearest tick."""
    if count == 1:
        return [round_to_step(first, tick)]
    step = (last - first) / (count - 1)
    return [round_to_step(first + step * i, tick) for i in range(count)]


def split_lots(lots: int, parts: list[int]) -> list[int]:
    """``lots`` shared in proportion to ``parts``: floors, then the leftover lots to the largest remainders (earliest
    first on a tie). The result always adds up to ``lots``."""
    whole = sum(parts)
    shares = [lots * p // whole for p in parts]
    remainders = [lots * p % whole for p in parts]
    left = lots - sum(shares)
    for i in sorted(range(len(parts)), key=lambda i: (-remainders[i], i))[:left]:
        shares[i] += 1
    return shares


def lift_to_minimum(shares: list[int], minimum: int) -> list[int] | None:
    """Raise every share under ``minimum`` to it with lots taken from the largest shares (keeping the total); None
    when the total is too small for every share to reach it."""
    if sum(shares) < minimum * len(shares):
        return None
    out = list(shares)
    for i, share in enumerate(out):
        need = minimum - share
        while need > 0:
            donor = max((j for j in range(len(out)) if out[j] > minimum), key=lambda j: (out[j], -j))
            take = min(need, out[donor] - minimum)
            out[donor] -= take
            out[i] += take
            need -= take
    return out


def plan_scale(market: MarketInfo, side: Side, total: Decimal, first: Decimal, last: Decimal, count: int,
               weighting: Weighting = Weighting.EVEN) -> ScalePlan:
    """The legs of a scaled order (see the module docstring); ``total`` is in the base coin."""
    issues: list[Issue] = []
    if count < 2 or count > MAX_LEGS:
        issues.append(Issue("count", f"A scaled order has 2 to {MAX_LEGS} orders."))
    if first <= 0 or last <= 0:
        issues.append(Issue("price", "Enter two prices greater than 0."))
    elif first == last:
        issues.append(Issue("price", "Enter two different prices: the orders are spread between them."))
    if total <= 0:
        issues.append(Issue("size", "Enter a total size greater than 0."))
    elif not on_step(total, market.lot_size):
        places = step_places(market.lot_size)
        issues.append(Issue("size", f"The total must be a multiple of {market.lot_size:.{places}f}."))
    if issues:
        return ScalePlan(side, (), tuple(issues))
    prices = spread_prices(first, last, count, market.tick_size)
    if len(set(prices)) < count:
        return ScalePlan(side, (), (Issue("price", f"The range is too narrow for {count} orders at the tick "
                                                   f"{market.tick_size.normalize():f}; use fewer orders or a "
                                                   "wider range."),))
    lots = int(total / market.lot_size)
    min_lots = max(1, int((market.min_size / market.lot_size).to_integral_value(rounding=ROUND_CEILING)))
    shares = lift_to_minimum(split_lots(lots, weights(count, weighting)), min_lots)
    if shares is None:
        most = lots // min_lots
        min_total = (market.min_size * count).normalize()
        return ScalePlan(side, (), (Issue("size", f"{count} orders need at least {min_total:f} in all (the minimum "
                                                  f"size is {market.min_size.normalize():f} each); this total makes "
                                                  f"{most} at most."),))
    places = step_places(market.lot_size)
    legs = tuple(ScaleLeg(price, (market.lot_size * n).quantize(Decimal(1).scaleb(-places), rounding=ROUND_FLOOR))
                 for price, n in zip(prices, shares, strict=True))
    issues += _notional_issues(legs, market)
    return ScalePlan(side, legs, tuple(issues))


def _notional_issues(legs: tuple[ScaleLeg, ...], market: MarketInfo) -> list[Issue]:
    if market.min_notional <= 0:
        return []
    small = [leg for leg in legs if leg.size * leg.price < market.min_notional]
    if not small:
        return []
    worst = min(small, key=lambda leg: leg.size * leg.price)
    return [Issue("size", f"{len(small)} of the orders are worth less than the minimum "
                          f"{market.min_notional.normalize():f} {market.quote_coin} (the smallest: "
                          f"{worst.size.normalize():f} at {worst.price.normalize():f}); use fewer orders or a "
                          "larger total.")]


def batches(count: int, limit: int = BATCH_LIMIT) -> list[range]:
    """Index ranges of ``count`` orders cut into batches of at most ``limit``."""
    return [range(i, min(i + limit, count)) for i in range(0, count, limit)]


# --- through the guards ----------------------------------------------------------------------------------------------

def leg_tickets(plan: ScalePlan, template: OrderTicket) -> list[OrderTicket]:
    """One limit order per leg, with everything else (side, force, reduce-only, hedge open/close, margin mode) from
    ``template``; no TP/SL (each leg would carry its own)."""
    return [replace(template, side=plan.side, order_type=OrderType.LIMIT, price=leg.price, size=leg.size,
                    size_in_quote=False, tp=None, sl=None) for leg in plan.legs]


def _money(d: Decimal) -> str:
    return f"{d.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"


def describe_scale(plan: ScalePlan, ref_display: str, base_coin: str = "") -> str:
    """"5 buy limit orders of BTCUSDT PERP from 63000 to 64000, 1 BTC in all (average 63500)"."""
    first, last = plan.legs[0].price, plan.legs[-1].price
    avg = plan.average_price or Decimal(0)
    exponent = first.as_tuple().exponent
    places = first if isinstance(exponent, int) and exponent < 0 else Decimal(1)
    unit = f" {base_coin}" if base_coin else ""
    return (f"{len(plan.legs)} {plan.side} limit orders of {ref_display} from {first.normalize():f} to "
            f"{last.normalize():f}, {plan.total.normalize():f}{unit} in all (average "
            f"{avg.quantize(places).normalize():f})")


def check_scaled(plan: ScalePlan, template: OrderTicket, policy: RiskPolicy, *, last_price: Decimal | None,
                 leverage: int | None = None, quote_coin: str = "", base_coin: str = "") -> Verdict:
    """The guards on a scaled order as one: every leg's price within the fat-finger band, the maximum order value
    and the leverage cap on the total (the set is one decision), and one confirmation for the whole set when its
    value is above the confirmation threshold."""
    tickets = leg_tickets(plan, template)
    per_leg = replace(policy, max_order_notional=None, confirm_market_notional=None)
    reasons: list[Reason] = []
    for ticket in tickets:
        verdict = check_order(ticket, per_leg, last_price=last_price, leverage=None, quote_coin=quote_coin)
        if verdict.refused:
            reasons.extend(verdict.reasons)
            break  # one leg out of the band says it for all: the others are further along the same range
    whole = replace(template, side=plan.side, order_type=OrderType.LIMIT, size=plan.total,
                    price=plan.average_price, size_in_quote=False, tp=None, sl=None)
    total = check_order(whole, replace(policy, fat_finger_pct=None, confirm_market_notional=None),
                        last_price=last_price, leverage=leverage, quote_coin=quote_coin)
    reasons.extend(total.reasons)
    notional = plan.notional
    if reasons:
        return Verdict(Outcome.REFUSED, tuple(reasons), notional=notional)
    threshold = policy.confirm_market_notional
    if threshold is not None and not policy.skip_market_confirm and notional > threshold:
        coin = f" {quote_coin}" if quote_coin else ""
        text = (f"Scaled order: {describe_scale(plan, template.ref.display, base_coin)}, worth about "
                f"{_money(notional)}{coin}. This is above your confirmation threshold of {_money(threshold)}{coin}. "
                f"Send all {len(plan.legs)}?")
        return Verdict(Outcome.CONFIRM, confirm_text=text, notional=notional)
    return Verdict(Outcome.OK, notional=notional)
