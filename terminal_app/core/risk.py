"""The user's risk guards, checked on every order and leverage change before anything is sent.

:func:`check_order` and :func:`check_leverage` return a :class:`Verdict`: OK, REFUSED (with every reason, each naming
the rule and the ticket field to highlight), or CONFIRM (with the text of the question to ask). The guards:

* **fat-finger band** — a limit price further than ``fat_finger_pct`` % from the last price is refused; most such
  prices are typos (a zero too many or too few), and a mistyped limit on the wrong side of the book fills at once;
* **maximum order value** — an order worth more than ``max_order_notional`` (quote coin) is refused; orders that
  only reduce a position (reduce-only, hedge-mode close) are exempt, since blocking them would block getting out;
* **market-order confirmation** — a market order worth more than ``confirm_market_notional`` needs a yes from the
  user, unless the profile skips it (``skip_market_confirm``);
* **leverage cap** — leverage above ``leverage_cap`` is refused.

A guard that cannot value the order (no last price yet) refuses rather than passes: being unable to check is not the
same as being safe. This is the only model of the user's limits: the order ticket shows :func:`limit_issues` (the
same reasons, as ticket issues) while the user types, so its button is off exactly when the guard would refuse.
Exchange rules (tick, lot, minimums, balance) are :mod:`terminal_app.core.validation`'s job. Pure and Decimal-only.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from terminal_app.core.enums import OrderType, TradeSide
from terminal_app.core.validation import Issue, TicketLike


class Rule(StrEnum):
    FAT_FINGER = "fat_finger"
    MAX_NOTIONAL = "max_notional"
    LEVERAGE_CAP = "leverage_cap"
    NO_PRICE = "no_price"  # the order cannot be valued, so the limits cannot be checked


class Outcome(StrEnum):
    OK = "ok"
    REFUSED = "refused"
    CONFIRM = "confirm"


@dataclass(frozen=True, slots=True)
class Reason:
    """Why an order is refused: the rule, the ticket field to highlight, and a sentence for the user."""

    rule: Rule
    field: str
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True, slots=True)
class Verdict:
    """The guards' answer. ``reasons`` is non-empty exactly when refused; ``confirm_text`` only when CONFIRM."""

    outcome: Outcome
    reasons: tuple[Reason, ...] = ()
    confirm_text: str | None = None
    notional: Decimal | None = None

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.OK

    @property
    def refused(self) -> bool:
        return self.outcome is Outcome.REFUSED

    @property
    def needs_confirmation(self) -> bool:
        return self.outcome is Outcome.CONFIRM

    @property
    def message(self) -> str:
        """One text for a toast or status line."""
        if self.refused:
            return " ".join(r.message for r in self.reasons)
        return self.confirm_text or ""

    def confirmed(self) -> Verdict:
        """The verdict after the user said yes to the confirmation; a refusal cannot be confirmed away."""
        if self.refused:
            raise ValueError("a refused order cannot be confirmed")
        return replace(self, outcome=Outcome.OK, confirm_text=None)


@dataclass(frozen=True, slots=True)
class RiskPolicy:
    """The guards' settings (``risk.*`` in settings, ``skip_market_confirm`` from the profile); ``None`` = rule off."""

    fat_finger_pct: Decimal | None = Decimal(5)
    max_order_notional: Decimal | None = Decimal(50000)
    confirm_market_notional: Decimal | None = Decimal(1000)
    leverage_cap: int | None = 20
    skip_market_confirm: bool = False


def _num(d: Decimal) -> str:
    return f"{d.normalize():f}"


def _money(d: Decimal) -> str:
    return f"{d.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"


def _pct(d: Decimal) -> str:
    return f"{d.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}"


def _coin(quote_coin: str) -> str:
    return f" {quote_coin}" if quote_coin else ""


def order_notional(ticket: TicketLike, last_price: Decimal | None) -> Decimal | None:
    """The order's value in the quote coin: quote-sized orders as typed, else size × (limit price or last price)."""
    if ticket.size_in_quote:
        return ticket.size
    price = ticket.price if ticket.order_type == OrderType.LIMIT else last_price
    if price is None or price <= 0:
        return None
    return ticket.size * price


def _reduces(ticket: TicketLike) -> bool:
    return ticket.reduce_only or ticket.trade_side == TradeSide.CLOSE


def check_order(
    ticket: TicketLike,
    policy: RiskPolicy,
    *,
    last_price: Decimal | None,
    leverage: int | None = None,
    quote_coin: str = "",
    base_coin: str = "",
) -> Verdict:
    """Apply every guard to ``ticket``; ``last_price`` anchors the fat-finger band and values market orders.

    ``leverage`` is the leverage the order will trade at (futures), checked against the cap; ``quote_coin`` and
    ``base_coin`` only make the messages read better ("32,500.00 USDT", "0.5 BTC").
    """
    reasons: list[Reason] = []
    coin = _coin(quote_coin)
    is_limit = ticket.order_type == OrderType.LIMIT
    is_market = ticket.order_type == OrderType.MARKET
    has_last = last_price is not None and last_price > 0

    if is_limit and policy.fat_finger_pct is not None and ticket.price is not None and ticket.price > 0:
        if not has_last:
            reasons.append(Reason(Rule.NO_PRICE, "price", "There is no last price yet, so the price band cannot be "
                                                          "checked; wait for the first trade and try again."))
        else:
            assert last_price is not None
            deviation = abs(ticket.price - last_price) / last_price * 100
            if deviation > policy.fat_finger_pct:
                where = "above" if ticket.price > last_price else "below"
                reasons.append(Reason(
                    Rule.FAT_FINGER, "price",
                    f"The price {_num(ticket.price)} is {_pct(deviation)} % {where} the last price {_num(last_price)}; "
                    f"your limit is {_num(policy.fat_finger_pct)} % (Settings, risk). Check for a typo.",
                ))

    notional = order_notional(ticket, last_price)
    wants_value = (policy.max_order_notional is not None and not _reduces(ticket)) or (
        is_market and policy.confirm_market_notional is not None and not policy.skip_market_confirm
    )
    if notional is None and wants_value and not any(r.rule is Rule.NO_PRICE for r in reasons):
        reasons.append(Reason(Rule.NO_PRICE, "size", "The order's value cannot be worked out without a last price, "
                                                     "so your limits cannot be checked; wait for the first trade."))
    cap = policy.max_order_notional
    if notional is not None and cap is not None and not _reduces(ticket) and notional > cap:
        reasons.append(Reason(
            Rule.MAX_NOTIONAL, "size",
            f"The order is worth {_money(notional)}{coin}, above your maximum of {_money(cap)}{coin} per order "
            "(Settings, risk).",
        ))

    if leverage is not None and policy.leverage_cap is not None and leverage > policy.leverage_cap:
        reasons.append(_leverage_reason(leverage, policy.leverage_cap))

    if reasons:
        return Verdict(Outcome.REFUSED, tuple(reasons), notional=notional)

    threshold = policy.confirm_market_notional
    if (is_market and threshold is not None and not policy.skip_market_confirm and notional is not None
            and notional > threshold):
        text = (f"{order_sentence(ticket, quote_coin=quote_coin, base_coin=base_coin, leverage=leverage)}, "
                f"worth about {_money(notional)}{coin}. "
                f"This is above your confirmation threshold of {_money(threshold)}{coin}. Send it?")
        return Verdict(Outcome.CONFIRM, confirm_text=text, notional=notional)
    return Verdict(Outcome.OK, notional=notional)


def order_sentence(ticket: TicketLike, *, quote_coin: str = "", base_coin: str = "",
                   leverage: int | None = None) -> str:
    """The order in words a confirmation can be answered on: kind, side, what it does to a position, size with its
    unit, the instrument by its one name (spot ``BTCUSDT``, perpetual ``BTCUSDT PERP``) and the leverage, e.g.
    "Market sell 0.5 BTC of BTCUSDT PERP, closing long (reduce-only), at 10x"."""
    kind = "Market" if ticket.order_type == "market" else "Limit"
    unit = quote_coin if ticket.size_in_quote else base_coin
    size = f"{_num(ticket.size)} {unit}".rstrip()
    words = [f"{kind} {ticket.side} {size} of {ticket.ref.display}"]
    if ticket.order_type == "limit" and ticket.price is not None:
        words[0] += f" at {_num(ticket.price)}"
    if ticket.ref.is_futures:
        if ticket.trade_side == "close":
            words.append(f"closing {'short' if ticket.side == 'buy' else 'long'}")
        elif ticket.trade_side == "open":
            words.append(f"opening {'long' if ticket.side == 'buy' else 'short'}")
        elif ticket.reduce_only:
            words.append(f"closing {'short' if ticket.side == 'buy' else 'long'} (reduce-only)")
        else:
            words.append(f"{'long' if ticket.side == 'buy' else 'short'} (one-way: reduces an opposite position "
                         "first)")
        if leverage is not None:
            words.append(f"at {leverage}x")
    return ", ".join(words)


def limit_issues(
    ticket: TicketLike,
    policy: RiskPolicy,
    *,
    last_price: Decimal | None,
    leverage: int | None = None,
    quote_coin: str = "",
) -> list[Issue]:
    """The reasons :func:`check_order` refuses ``ticket`` with, as issues the order ticket shows beside the exchange
    rules' (:func:`terminal_app.core.validation.validate_ticket`); empty when the limits let it pass."""
    verdict = check_order(ticket, policy, last_price=last_price, leverage=leverage, quote_coin=quote_coin)
    return [Issue(r.field, r.message) for r in verdict.reasons]


def _leverage_reason(leverage: int, cap: int) -> Reason:
    return Reason(Rule.LEVERAGE_CAP, "leverage",
                  f"Leverage {leverage}x is above your cap of {cap}x (Settings, risk).")


def check_leverage(leverage: int, policy: RiskPolicy) -> Verdict:
    """The guard for a leverage change (``lev 10``, the leverage control)."""
    if leverage < 1:
        return Verdict(Outcome.REFUSED, (Reason(Rule.LEVERAGE_CAP, "leverage", "Leverage must be at least 1x."),))
    if policy.leverage_cap is not None and leverage > policy.leverage_cap:
        return Verdict(Outcome.REFUSED, (_leverage_reason(leverage, policy.leverage_cap),))
    return Verdict(Outcome.OK)
