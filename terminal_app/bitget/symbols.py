"""Bitget's names of instruments on top of the terminal's symbol grammar (``terminal_app.core.instruments``).

Users of Bitget know two more spellings: the legacy V1 ids (``BTCUSDT_SPBL``, ``BTCUSDT_UMCBL``, ``BTCUSD_DMCBL``,
``BTCPERP_CMCBL`` and the demo ``S…`` forms) and V2's product types after a colon (``SBTCSUSDT:SUSDT-FUTURES``).
:func:`parse_symbol` reads both into core :class:`SymbolRef`s; V1 endpoints themselves are never called (Bitget
switched them off).
"""

from __future__ import annotations

from terminal_app.bitget.models.mapping import PRODUCT_FROM_WIRE
from terminal_app.core.instruments import (
    Product,
    SymbolRef,
    UnknownSymbol,
    checked_ref,
    normalise_name,
)
from terminal_app.core.instruments import parse_symbol as parse_terminal_symbol

_V1_SUFFIX: dict[str, Product] = {
    "SPBL": Product.SPOT,
    "UMCBL": Product.USDT_FUTURES,
    "DMCBL": Product.COIN_FUTURES,
    "CMCBL": Product.USDC_FUTURES,
    "SUMCBL": Product.DEMO_USDT_FUTURES,
    "SDMCBL": Product.DEMO_COIN_FUTURES,
    "SCMCBL": Product.DEMO_USDC_FUTURES,
}


def parse_symbol(text: str, default: Product = Product.SPOT) -> SymbolRef:
    """Turn what a user typed into a :class:`SymbolRef`: the terminal's grammar (``BTCUSDT``, ``btc/usdt``,
    ``BTCUSDT PERP``, ``BTCUSDT.P``, ``BTCUSDT:usdt_futures``) plus Bitget's V1 ids (``BTCUSDT_SPBL``,
    ``BTCUSDT_UMCBL``, ``BTCUSD_DMCBL``, ``BTCPERP_CMCBL``, ``SBTCSUSDT_SUMCBL``) and V2 product types
    (``BTCUSDT:USDT-FUTURES``, ``SBTCSUSDT:SUSDT-FUTURES``). ``default`` is the product a bare name means.
    """
    text = text or ""
    if ":" in text:
        sym, _, kind = text.partition(":")
        product = PRODUCT_FROM_WIRE.get(kind.strip().upper())
        if product is not None:
            return checked_ref(normalise_name(sym), product, text)
    elif "_" in text:
        sym, _, suffix = normalise_name(text).rpartition("_")
        product = _V1_SUFFIX.get(suffix)
        if product is None:
            raise UnknownSymbol(f"Unknown symbol {text!r}: {suffix!r} is not a Bitget V1 suffix.")
        return checked_ref(sym, product, text)
    return parse_terminal_symbol(text, default)


def v1_id(ref: SymbolRef) -> str:
    """The legacy V1 id of a symbol (for display to users who know the old names)."""
    for suffix, product in _V1_SUFFIX.items():
        if product is ref.product:
            return f"{ref.symbol}_{suffix}"
    raise AssertionError(ref)  # every Product has a suffix
