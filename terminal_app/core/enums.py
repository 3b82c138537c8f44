"""The trading vocabulary as enums: sides, order types, time in force, open/close, position sides and modes, margin
modes, order states, liquidity.

Values are the terminal's own words and StrEnums, so ``side == "buy"`` and ``f"{side}"`` read naturally. Each
exchange client spells them its own way at its edge (Bitget V2: ``posMode`` ``hedge_mode``, futures status
``canceled``, ``marginMode`` ``cross``; V3: ``holdMode``, ``posSide``, ``timeInForce``); nothing in ``core`` knows
those spellings.

Hedge-mode orders follow one convention throughout the terminal: ``side`` names the position the order is about
(``buy`` = long, ``sell`` = short) and ``trade_side`` says whether it opens or closes it, so "close long" is
``side=buy, trade_side=close``. :func:`trade_direction` and :func:`position_side` give the trade's real direction and
the position it acts on, for an exchange whose ``side`` is always the trade direction.
"""

from __future__ import annotations

from enum import StrEnum


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"

    @property
    def opposite(self) -> Side:
        return Side.SELL if self == Side.BUY else Side.BUY


class OrderType(StrEnum):
    LIMIT = "limit"
    MARKET = "market"


class TimeInForce(StrEnum):
    GTC = "gtc"  # good till cancelled
    POST_ONLY = "post_only"  # maker only: cancelled instead of taking liquidity
    IOC = "ioc"  # immediate or cancel
    FOK = "fok"  # fill or kill


class TradeSide(StrEnum):
    """Whether a hedge-mode order opens or closes its position (one-way orders have none; they may reduce only)."""

    OPEN = "open"
    CLOSE = "close"


class PositionSide(StrEnum):
    LONG = "long"
    SHORT = "short"

    @property
    def closing_side(self) -> Side:
        """The direction of a trade that reduces this position."""
        return Side.SELL if self == PositionSide.LONG else Side.BUY


class PositionMode(StrEnum):
    """One-way: one net position per symbol. Hedge: a long and a short side held at once."""

    ONE_WAY = "one_way"
    HEDGE = "hedge"


class MarginMode(StrEnum):
    CROSSED = "crossed"
    ISOLATED = "isolated"


class OrderStatus(StrEnum):
    """Where an order is in its life. ``pending`` (sent, not yet acknowledged) and ``rejected`` (refused) are the
    terminal's own states; the exchange reports the others."""

    PENDING = "pending"
    LIVE = "live"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELLED = "cancelled"
    REJECTED = "rejected"

    @property
    def is_open(self) -> bool:
        return self in _OPEN


_OPEN = frozenset({OrderStatus.PENDING, OrderStatus.LIVE, OrderStatus.PARTIALLY_FILLED})


class Liquidity(StrEnum):
    """Whether a fill added liquidity to the book (maker) or took it (taker)."""

    MAKER = "maker"
    TAKER = "taker"


class ExchangeClose(StrEnum):
    """A close the exchange made on its own, not an order of the trader: a liquidation, the delivery of a dated
    contract at expiry, an auto-deleverage."""

    LIQUIDATION = "liquidation"
    DELIVERY = "delivery"
    ADL = "adl"


def position_side(side: Side, trade_side: TradeSide | None) -> PositionSide | None:
    """The position a hedge-mode order opens or closes (see the module docstring); ``None`` for one-way orders."""
    if trade_side is None:
        return None
    return PositionSide.LONG if side == Side.BUY else PositionSide.SHORT


def trade_direction(side: Side, trade_side: TradeSide | None) -> Side:
    """Whether the order buys or sells: a hedge-mode close trades against its position (close long sells)."""
    return Side(side).opposite if trade_side == TradeSide.CLOSE else Side(side)
