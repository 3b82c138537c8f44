"""How a user may name an instrument: the terminal's grammar plus the exchange's own vocabulary.

Widgets and the palette parse what the user types through :func:`parse_symbol` (a ``core.instruments.SymbolParser``)
instead of importing the protocol layer: the exchange's names are Bitget's (legacy V1 ids such as ``BTCUSDT_UMCBL``,
V2 product types such as ``BTCUSDT:USDT-FUTURES``), read by ``terminal_app.bitget.symbols`` into core refs.
"""

from __future__ import annotations

from terminal_app.bitget import symbols as bitget_symbols
from terminal_app.core.instruments import Product, SymbolRef


def parse_symbol(text: str, default: Product = Product.SPOT) -> SymbolRef:
    """``text`` as a :class:`SymbolRef`; ``default`` is the product a bare name (``BTCUSDT``) means. Raises
    ``core.instruments.UnknownSymbol`` with a sentence for the user."""
    return bitget_symbols.parse_symbol(text, default)
