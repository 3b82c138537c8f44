"""services.symbols.resolve_listed: a name that does not say its line finds the line that lists it."""

from __future__ import annotations

import pytest

from terminal_app.core.instruments import Product, SymbolRef, UnknownSymbol
from terminal_app.services.symbols import resolve_listed

LISTED = {SymbolRef(s, p).key for s, p in (
    ("BTCUSDT", Product.SPOT), ("BTCUSDT", Product.USDT_FUTURES), ("BTCUSD", Product.COIN_FUTURES),
    ("BTCUSDH27", Product.COIN_FUTURES), ("BTCPERP", Product.USDC_FUTURES))}


@pytest.mark.parametrize(("typed", "symbol", "product"), [
    ("BTCUSDT", "BTCUSDT", Product.SPOT),                 # listed as typed: spot first
    ("BTCUSDT.P", "BTCUSDT", Product.USDT_FUTURES),
    ("BTCUSD", "BTCUSD", Product.COIN_FUTURES),
    ("btc/usd", "BTCUSD", Product.COIN_FUTURES),
    ("BTCUSD PERP", "BTCUSD", Product.COIN_FUTURES),
    ("BTCUSD_DMCBL", "BTCUSD", Product.COIN_FUTURES),
    ("BTCPERP", "BTCPERP", Product.USDC_FUTURES),
    ("BTCPERP_CMCBL", "BTCPERP", Product.USDC_FUTURES),
    ("BTCUSDH27", "BTCUSDH27", Product.COIN_FUTURES),
    ("BTCUSD_UMCBL", "BTCUSD", Product.USDT_FUTURES),     # the line was named: kept, the caller says unlisted
    ("BTCUSD:usdt_futures", "BTCUSD", Product.USDT_FUTURES),
    ("NOPEUSD", "NOPEUSD", Product.SPOT),                 # listed nowhere: as parsed
])
def test_resolve_listed(typed: str, symbol: str, product: Product) -> None:
    assert resolve_listed(typed, LISTED) == SymbolRef(symbol, product)


def test_without_a_market_list_it_is_the_parse() -> None:
    assert resolve_listed("BTCUSD", set()) == SymbolRef("BTCUSD", Product.SPOT)
    with pytest.raises(UnknownSymbol):
        resolve_listed("BTC_XYZ", LISTED)
