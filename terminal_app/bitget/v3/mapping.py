"""Bitget V3's (unified account, UTA) spellings of the terminal's domain words, and V3's closing rule.

V3 names a product line by ``category`` (REST: ``USDT-FUTURES``; WebSocket pushes and public ``instType``: lower
case), sizes by ``qty``, time in force by ``timeInForce``, the position mode by the account-wide ``holdMode``, and an
order's position by ``posSide``. Its ``side`` is always the trade direction, unlike V2's hedge mode where ``side``
names the position. Nothing outside ``terminal_app.bitget.v3`` sees these words (bitget-v3-uta.md §3, §4).
"""

from __future__ import annotations

from terminal_app.core.enums import (
    Liquidity,
    MarginMode,
    OrderStatus,
    OrderType,
    PositionMode,
    PositionSide,
    Side,
    TimeInForce,
    TradeSide,
    position_side,
    trade_direction,
)
from terminal_app.core.instruments import Product, SymbolRef, UnknownSymbol
from terminal_app.core.orders import OrderTicket

CATEGORY_TO_WIRE: dict[Product, str] = {
    Product.SPOT: "SPOT",
    Product.USDT_FUTURES: "USDT-FUTURES",
    Product.COIN_FUTURES: "COIN-FUTURES",
    Product.USDC_FUTURES: "USDC-FUTURES",
}
# MARGIN trades spot pairs with borrowing: the terminal shows those orders as spot.
CATEGORY_FROM_WIRE: dict[str, Product] = {**{w: p for p, w in CATEGORY_TO_WIRE.items()}, "MARGIN": Product.SPOT}
FUTURES_CATEGORIES = (Product.USDT_FUTURES, Product.COIN_FUTURES, Product.USDC_FUTURES)
# A unified account's coin-M line names its perpetuals XXXUSD_CM (bitget-v3-uta.md §10, D:trade/Place-Order); the
# terminal keeps V2's name (BTCUSD) so one contract is one market in both account modes, renamed here at the wire.
COIN_M_SUFFIX = "_CM"
COIN_M_UNSUPPORTED = "Bitget's coin-M line in a unified account does not support {what}."


def is_coin_m_line(ref: SymbolRef) -> bool:
    """A contract of the unified account's coin-M line (its perpetuals: Bitget names no dated contract there)."""
    return ref.product is Product.COIN_FUTURES and not ref.is_delivery


def wire_symbol(ref: SymbolRef) -> str:
    """``ref``'s V3 ``symbol``: ``BTCUSD_CM`` for coin-M's ``BTCUSD``, else the symbol itself."""
    if is_coin_m_line(ref) and not ref.symbol.endswith(COIN_M_SUFFIX):
        return ref.symbol + COIN_M_SUFFIX
    return ref.symbol


def domain_symbol(text: str) -> str:
    """The terminal's name of a V3 ``symbol`` (``BTCUSD_CM`` -> ``BTCUSD``)."""
    return text.removesuffix(COIN_M_SUFFIX)


def category(product: Product) -> str:
    """The REST ``category`` of ``product`` (``USDT-FUTURES``)."""
    wire = CATEGORY_TO_WIRE.get(product)
    if wire is None:
        raise UnknownSymbol(f"{product} has no unified-account category.")
    return wire


def inst_type(product: Product) -> str:
    """The public WebSocket ``instType`` of ``product`` (``usdt-futures``)."""
    return category(product).lower()


def product_of(text: str) -> Product:
    """The product of a ``category``/``instType`` in either case; :class:`UnknownSymbol` for anything else."""
    product = CATEGORY_FROM_WIRE.get(text.strip().upper())
    if product is None:
        raise UnknownSymbol(f"Unknown category {text!r}.")
    return product


SIDE_TO_WIRE: dict[Side, str] = {Side.BUY: "buy", Side.SELL: "sell"}
SIDE_FROM_WIRE: dict[str, Side] = {w: s for s, w in SIDE_TO_WIRE.items()}
ORDER_TYPE_TO_WIRE: dict[OrderType, str] = {OrderType.LIMIT: "limit", OrderType.MARKET: "market"}
ORDER_TYPE_FROM_WIRE: dict[str, OrderType] = {w: t for t, w in ORDER_TYPE_TO_WIRE.items()}
TIF_TO_WIRE: dict[TimeInForce, str] = {TimeInForce.GTC: "gtc", TimeInForce.POST_ONLY: "post_only",
                                       TimeInForce.IOC: "ioc", TimeInForce.FOK: "fok"}
# ``rpi`` (retail price improvement) is a maker-only order of RPI market makers: post-only to the terminal.
TIF_FROM_WIRE: dict[str, TimeInForce] = {**{w: t for t, w in TIF_TO_WIRE.items()}, "rpi": TimeInForce.POST_ONLY}
POS_SIDE_TO_WIRE: dict[PositionSide, str] = {PositionSide.LONG: "long", PositionSide.SHORT: "short"}
POS_SIDE_FROM_WIRE: dict[str, PositionSide] = {w: s for s, w in POS_SIDE_TO_WIRE.items()}
HOLD_MODE_TO_WIRE: dict[PositionMode, str] = {PositionMode.ONE_WAY: "one_way_mode", PositionMode.HEDGE: "hedge_mode"}
HOLD_MODE_FROM_WIRE: dict[str, PositionMode] = {w: m for m, w in HOLD_MODE_TO_WIRE.items()}
MARGIN_MODE_TO_WIRE: dict[MarginMode, str] = {MarginMode.CROSSED: "crossed", MarginMode.ISOLATED: "isolated"}
MARGIN_MODE_FROM_WIRE: dict[str, MarginMode] = {"crossed": MarginMode.CROSSED, "cross": MarginMode.CROSSED,
                                                "isolated": MarginMode.ISOLATED}
# ``new`` (in matching, 2025-06) is still resting to the terminal; V3 spells cancelled with two l's.
STATUS_FROM_WIRE: dict[str, OrderStatus] = {
    "live": OrderStatus.LIVE, "new": OrderStatus.LIVE, "partially_filled": OrderStatus.PARTIALLY_FILLED,
    "filled": OrderStatus.FILLED, "cancelled": OrderStatus.CANCELLED, "canceled": OrderStatus.CANCELLED,
}
LIQUIDITY_FROM_WIRE: dict[str, Liquidity] = {"maker": Liquidity.MAKER, "taker": Liquidity.TAKER}


def trade_side_from_wire(word: str | None) -> TradeSide | None:
    """``tradeSide`` of an order or fill: ``open``/``close`` in the samples, ``open_long``, ``close_short``,
    ``burst_close_long``… on the enum page; ``buy_single``/``sell_single`` (one-way) are neither."""
    if not word:
        return None
    word = word.lower()
    if word.startswith("open"):
        return TradeSide.OPEN
    if "close" in word:
        return TradeSide.CLOSE
    return None


def reduce_only_from_wire(word: str | None) -> bool | None:
    """``yes``/``no`` on REST requests, ``NO`` in answers, ``YES``/``NO`` on the WebSocket: compare lower-cased."""
    if not word:
        return None
    return word.strip().lower() in ("yes", "true")


def order_fields(ticket: OrderTicket, mode: PositionMode | None) -> tuple[Side, PositionSide | None, bool]:
    """V3's ``side``, ``posSide`` and ``reduceOnly`` of a futures ``ticket`` in position ``mode`` (None: one-way).

    The terminal's hedge-mode ticket names the position by ``side`` and says open/close (V2's words, see
    ``core.enums``); V3 wants the trade direction with the position named by ``posSide``: close long is
    ``sell`` + ``long``. One-way orders carry no ``posSide`` and close by ``reduceOnly``.
    """
    if mode == PositionMode.HEDGE:
        trade_side = ticket.trade_side or TradeSide.OPEN
        held = position_side(ticket.side, trade_side)
        return trade_direction(ticket.side, trade_side), held, False
    return ticket.side, None, ticket.reduce_only


def ticket_side(side: Side, pos_side: PositionSide | None, trade_side: TradeSide | None,
                mode: PositionMode | None) -> Side:
    """The reverse of :func:`order_fields` for an order V3 reports: the terminal's hedge-mode ``side`` names the
    position (buy = long), so a V3 ``sell`` that closes a long reads as ``buy`` + close."""
    if mode == PositionMode.HEDGE and pos_side is not None:
        return Side.BUY if pos_side == PositionSide.LONG else Side.SELL
    return side
