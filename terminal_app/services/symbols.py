"""How a user may name an instrument: the terminal's grammar plus the exchange's own vocabulary.

Widgets and the palette parse what the user types through :func:`parse_symbol` (a ``core.instruments.SymbolParser``)
instead of importing the protocol layer: the exchange's names are Bitget's (legacy V1 ids such as ``BTCUSDT_UMCBL``,
V2 product types such as ``BTCUSDT:USDT-FUTURES``), read by ``terminal_app.bitget.symbols`` into core refs.
"""

from __future__ import annotations

from collections.abc import Collection

from terminal_app.bitget import symbols as bitget_symbols
from terminal_app.core import instruments
from terminal_app.core.instruments import Product, SymbolRef


def parse_symbol(text: str, default: Product = Product.SPOT) -> SymbolRef:
    """``text`` as a :class:`SymbolRef`; ``default`` is the product a bare name (``BTCUSDT``) means. Raises
    ``core.instruments.UnknownSymbol`` with a sentence for the user."""
    return bitget_symbols.parse_symbol(text, default)


def resolve_listed(text: str, listed: Collection[str], default: Product = Product.SPOT) -> SymbolRef:
    """``text`` as the instrument the exchange lists (``listed``: ``SymbolRef.key`` s). What :func:`parse_symbol`
    reads, when listed or when the text names its line (``BTCUSD_DMCBL``, ``BTCUSD:coin_futures``); otherwise the
    first line that lists the symbol: a bare ``BTCUSD`` is coin-M's, ``BTCPERP`` USDC-M's, ``BTCUSD PERP`` the
    coin-M perpetual. Unlisted everywhere: the parsed ref (the caller says so). Raises ``UnknownSymbol`` like
    :func:`parse_symbol`."""
    return instruments.resolve_listed(text, listed, parse_symbol, default)
