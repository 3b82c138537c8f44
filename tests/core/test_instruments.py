"""core.instruments: products, refs and their keys, and the terminal's own symbol grammar."""

from __future__ import annotations

import pytest

from terminal_app.core.instruments import Product, SymbolRef, UnknownSymbol, parse_symbol


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("BTCUSDT", SymbolRef("BTCUSDT", Product.SPOT)),
        ("  btc/usdt ", SymbolRef("BTCUSDT", Product.SPOT)),
        ("eth-usdt", SymbolRef("ETHUSDT", Product.SPOT)),
        ("ETHUSDT PERP", SymbolRef("ETHUSDT", Product.USDT_FUTURES)),
        ("ETHUSDT.P", SymbolRef("ETHUSDT", Product.USDT_FUTURES)),
        ("ETHUSDT SPOT", SymbolRef("ETHUSDT", Product.SPOT)),
        ("BTCUSDT:usdt_futures", SymbolRef("BTCUSDT", Product.USDT_FUTURES)),
        ("BTCUSD:coin_futures", SymbolRef("BTCUSD", Product.COIN_FUTURES)),
        ("BTCUSDT:PERP", SymbolRef("BTCUSDT", Product.USDT_FUTURES)),
        # keys as settings files of earlier versions hold them: the product's name, in capitals and with dashes
        ("BTCUSDT:SPOT", SymbolRef("BTCUSDT", Product.SPOT)),
        ("BTCPERP:USDC-FUTURES", SymbolRef("BTCPERP", Product.USDC_FUTURES)),
    ],
)
def test_the_terminal_grammar(typed: str, expected: SymbolRef) -> None:
    assert parse_symbol(typed) == expected


def test_keys_read_back_for_every_product() -> None:
    for product in Product:
        ref = SymbolRef("BTCUSDT", product)
        assert parse_symbol(ref.key) == ref
        assert ref.key == f"BTCUSDT:{product.value}"


def test_a_bare_name_takes_the_default_product() -> None:
    assert parse_symbol("ETHUSDT", Product.USDT_FUTURES) == SymbolRef("ETHUSDT", Product.USDT_FUTURES)
    assert parse_symbol("ETHUSDT SPOT", Product.USDT_FUTURES).product is Product.SPOT


@pytest.mark.parametrize("typed", ["", "   ", "BTCUSDT_UMCBL", "BTC USDT", "B", "BTCUSDT:NOPE", "BTC$USDT"])
def test_unknown_symbols_get_a_sentence(typed: str) -> None:
    # Exchange names (Bitget's V1 ids) are the exchange parser's business, not the terminal grammar's.
    with pytest.raises(UnknownSymbol) as err:
        parse_symbol(typed)
    text = err.value.user_message.lower()
    assert "symbol" in text or "product type" in text


def test_products_speak_the_traders_words() -> None:
    assert [p.label for p in (Product.SPOT, Product.USDT_FUTURES, Product.COIN_FUTURES, Product.USDC_FUTURES)] == [
        "spot", "USDT-M futures", "coin-M futures", "USDC-M futures"]
    assert (Product.USDT_FUTURES.settle_coin, Product.USDC_FUTURES.settle_coin) == ("USDT", "USDC")
    assert Product.COIN_FUTURES.settle_coin is None
    assert Product.SPOT.settle_coin is None
    assert not Product.SPOT.is_futures
    assert all(p.is_futures for p in Product if p is not Product.SPOT)
    assert SymbolRef("BTCUSDT", Product.USDT_FUTURES).display == "BTCUSDT PERP"


@pytest.mark.parametrize(
    ("symbol", "product", "display"),
    [
        ("BTCUSDH27", Product.COIN_FUTURES, "BTCUSD Mar 27"),       # 2025+ V2 names: month code + yy
        ("ETHUSDZ26", Product.COIN_FUTURES, "ETHUSD Dec 26"),
        ("ETHUSD_231229", Product.COIN_FUTURES, "ETHUSD 29 Dec 23"),  # the V2 docs' response example
        ("BTCUSD1226", Product.COIN_FUTURES, "BTCUSD 26 Dec"),       # Bitget's 2025 support article's code
        ("BTCUSD", Product.COIN_FUTURES, "BTCUSD PERP"),
        ("BTCPERP", Product.USDC_FUTURES, "BTCPERP PERP"),
        ("BTCUSDT", Product.USDT_FUTURES, "BTCUSDT PERP"),
        ("BTCUSDH27", Product.USDT_FUTURES, "BTCUSDH27 PERP"),       # only coin-M lists delivery contracts
    ],
)
def test_delivery_contracts_never_display_as_perp(symbol: str, product: Product, display: str) -> None:
    ref = SymbolRef(symbol, product)
    assert ref.display == display
    assert ref.is_delivery == ("PERP" not in display)


def test_market_label_has_the_exchanges_delivery_day() -> None:
    from decimal import Decimal

    from terminal_app.core.instruments import MarketInfo, expiry_text

    def info(symbol: str, delivery: int | None) -> MarketInfo:
        return MarketInfo(SymbolRef(symbol, Product.COIN_FUTURES), "BTC", "USD", Decimal("0.1"), Decimal("0.001"),
                          Decimal("0.001"), Decimal(5), 1, 3, Decimal(0), Decimal(0), delivery_time=delivery)

    assert expiry_text(1_806_048_000_000) == "26 Mar 27"             # Friday 2027-03-26 08:00 UTC
    assert info("BTCUSDH27", 1_806_048_000_000).label == "BTCUSD 26 Mar 27"
    assert info("BTCUSD", None).label == "BTCUSD PERP"
