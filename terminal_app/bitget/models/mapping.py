"""Bitget V2's spellings of the terminal's domain words, in one place: wire text ↔ ``terminal_app.core`` enums.

Every V2 parser reads wire words through these tables and every V2 request writes them through them, so nothing
above ``terminal_app.bitget`` sees a V2 spelling. A V3 (UTA) client keeps its own tables beside these (``category``
``usdt-futures``, ``qty``, ``posSide``), mapping to the same enums.
"""

from __future__ import annotations

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
from terminal_app.core.instruments import Product, UnknownSymbol

# productType (REST) and instType (WebSocket) of each product line; the S… lines are the old demo-coin futures.
PRODUCT_TO_WIRE: dict[Product, str] = {
    Product.SPOT: "SPOT",
    Product.USDT_FUTURES: "USDT-FUTURES",
    Product.COIN_FUTURES: "COIN-FUTURES",
    Product.USDC_FUTURES: "USDC-FUTURES",
    Product.DEMO_USDT_FUTURES: "SUSDT-FUTURES",
    Product.DEMO_COIN_FUTURES: "SCOIN-FUTURES",
    Product.DEMO_USDC_FUTURES: "SUSDC-FUTURES",
}
PRODUCT_FROM_WIRE: dict[str, Product] = {wire: product for product, wire in PRODUCT_TO_WIRE.items()}


def wire_product(product: Product) -> str:
    """V2's ``productType``/``instType`` of ``product``: ``USDT-FUTURES``."""
    return PRODUCT_TO_WIRE[product]


def product_from_wire(text: str) -> Product:
    """The product of a V2 ``productType``/``instType`` in any case; :class:`UnknownSymbol` (a ``ValueError``) for
    a type V2 does not have."""
    product = PRODUCT_FROM_WIRE.get(text.strip().upper())
    if product is None:
        raise UnknownSymbol(f"Unknown product type {text!r}.")
    return product


# --- trading words ------------------------------------------------------------------------------------------------
# V2 sends side/orderType/force/… in mixed case (``Sell``); parsers lower-case before looking a word up.

SIDE_TO_WIRE: dict[Side, str] = {Side.BUY: "buy", Side.SELL: "sell"}
SIDE_FROM_WIRE: dict[str, Side] = {wire: side for side, wire in SIDE_TO_WIRE.items()}

ORDER_TYPE_TO_WIRE: dict[OrderType, str] = {OrderType.LIMIT: "limit", OrderType.MARKET: "market"}
ORDER_TYPE_FROM_WIRE: dict[str, OrderType] = {wire: kind for kind, wire in ORDER_TYPE_TO_WIRE.items()}

# ``force`` (V3 calls it ``timeInForce``).
FORCE_TO_WIRE: dict[TimeInForce, str] = {
    TimeInForce.GTC: "gtc", TimeInForce.POST_ONLY: "post_only", TimeInForce.IOC: "ioc", TimeInForce.FOK: "fok",
}
FORCE_FROM_WIRE: dict[str, TimeInForce] = {wire: force for force, wire in FORCE_TO_WIRE.items()}

# ``tradeSide`` of a hedge-mode order; V2 never takes it on one-way orders (reduceOnly there).
TRADE_SIDE_TO_WIRE: dict[TradeSide, str] = {TradeSide.OPEN: "open", TradeSide.CLOSE: "close"}

# ``holdSide`` (positions, TP/SL) and ``posSide`` (orders); one-way orders say ``net``: no side of their own.
POSITION_SIDE_TO_WIRE: dict[PositionSide, str] = {PositionSide.LONG: "long", PositionSide.SHORT: "short"}
POSITION_SIDE_FROM_WIRE: dict[str, PositionSide | None] = {"long": PositionSide.LONG, "short": PositionSide.SHORT,
                                                           "net": None}

# ``posMode``: per product type in V2 (V3's ``holdMode`` is account-wide).
POSITION_MODE_TO_WIRE: dict[PositionMode, str] = {PositionMode.ONE_WAY: "one_way_mode",
                                                  PositionMode.HEDGE: "hedge_mode"}
POSITION_MODE_FROM_WIRE: dict[str, PositionMode] = {wire: mode for mode, wire in POSITION_MODE_TO_WIRE.items()}

# ``marginMode``: requests say ``crossed``; some futures answers say ``cross``.
MARGIN_MODE_TO_WIRE: dict[MarginMode, str] = {MarginMode.CROSSED: "crossed", MarginMode.ISOLATED: "isolated"}
MARGIN_MODE_FROM_WIRE: dict[str, MarginMode] = {"crossed": MarginMode.CROSSED, "cross": MarginMode.CROSSED,
                                                "isolated": MarginMode.ISOLATED}

# Order ``status``/``state``: older answers say ``new``/``init`` for a resting order, futures say ``canceled``.
ORDER_STATUS_FROM_WIRE: dict[str, OrderStatus] = {
    "live": OrderStatus.LIVE, "new": OrderStatus.LIVE, "init": OrderStatus.LIVE,
    "partially_filled": OrderStatus.PARTIALLY_FILLED, "filled": OrderStatus.FILLED,
    "cancelled": OrderStatus.CANCELLED, "canceled": OrderStatus.CANCELLED,
}

# ``tradeScope``; streamed orders abbreviate it.
LIQUIDITY_FROM_WIRE: dict[str, Liquidity] = {"maker": Liquidity.MAKER, "taker": Liquidity.TAKER,
                                             "m": Liquidity.MAKER, "t": Liquidity.TAKER}


def exchange_close_from_wire(word: str | None) -> ExchangeClose | None:
    """Whether a futures ``tradeSide`` is a close the exchange made: ``burst_*`` (liquidation), ``delivery_*``
    (delivery at expiry), ``dte_sys_adl_*`` (auto-deleverage); typed-bitget's ``MixTradeSide`` lists them all."""
    word = (word or "").lower()
    if word.startswith("burst_"):
        return ExchangeClose.LIQUIDATION
    if word.startswith("delivery_"):
        return ExchangeClose.DELIVERY
    if "_adl_" in word:
        return ExchangeClose.ADL
    return None


def trade_side_from_wire(word: str | None) -> TradeSide | None:
    """A fill's or order's ``tradeSide``: ``open``/``close`` in hedge mode; ``buy_single``/``sell_single`` (one-way:
    neither); and the exchange's own closes and opens, e.g. ``burst_close_long`` (liquidation),
    ``reduce_close_long``, ``offset_close_long``, ``delivery_close_long``, ``open_long``."""
    if not word:
        return None
    word = word.lower()
    if word.startswith("open"):
        return TradeSide.OPEN
    if "close" in word:
        return TradeSide.CLOSE
    return None
