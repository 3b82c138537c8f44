"""How a user may name an instrument: the terminal's grammar plus the exchange's own vocabulary.

Widgets and the palette parse what the user types through :func:`parse_symbol` (a ``core.instruments.SymbolParser``)
instead of importing the protocol layer: the exchange's names are Bitget's (legacy V1 ids such as ``BTCUSDT_UMCBL``,
V2 product types such as ``BTCUSDT:USDT-FUTURES``), read by ``terminal_app.bitget.symbols`` into core refs.
"""

from __future__ import annotations

from collections.abc import Collection

from terminal_app.bitget import symbols as bitget_symbols
from terminal_app.core.instruments import Product, SymbolRef

# Where a name that does not say its line is looked for: spot first (a bare BTCUSDT is the spot pair), then the
# futures lines; a perpetual word (BTCUSD PERP, BTCUSD.P) looks in the futures lines only.
_SEARCH = (Product.SPOT, Product.USDT_FUTURES, Product.COIN_FUTURES, Product.USDC_FUTURES)


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
    ref = parse_symbol(text, default)
    if not listed or ref.key in listed or ":" in text or "_" in text:
        return ref
    bare = parse_symbol(text, Product.USDT_FUTURES if default is Product.SPOT else Product.SPOT) != ref
    lines = _SEARCH if bare else tuple(p for p in _SEARCH if p.is_futures)
    return next((SymbolRef(ref.symbol, p) for p in lines if SymbolRef(ref.symbol, p).key in listed), ref)
