"""Bitget's symbol names: what users type (V2 names and product types, V1 ids, perp spellings) maps to core refs;
bad input is refused; market rows map to core MarketInfo."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from terminal_app.bitget.models.mapping import wire_product
from terminal_app.bitget.models.market import contract_market_from, spot_market_from
from terminal_app.bitget.symbols import parse_symbol, v1_id
from terminal_app.core.instruments import Product, SymbolRef, UnknownSymbol


@pytest.mark.parametrize(
    ("typed", "symbol", "inst"),
    [
        ("BTCUSDT", "BTCUSDT", Product.SPOT),
        ("  btc/usdt ", "BTCUSDT", Product.SPOT),
        ("eth-usdt", "ETHUSDT", Product.SPOT),
        ("BTCUSDT_SPBL", "BTCUSDT", Product.SPOT),
        ("BTCUSDT_UMCBL", "BTCUSDT", Product.USDT_FUTURES),
        ("btcusdt_umcbl", "BTCUSDT", Product.USDT_FUTURES),
        ("BTCUSD_DMCBL", "BTCUSD", Product.COIN_FUTURES),
        ("BTCPERP_CMCBL", "BTCPERP", Product.USDC_FUTURES),
        ("SBTCSUSDT_SUMCBL", "SBTCSUSDT", Product.DEMO_USDT_FUTURES),
        ("SBTCSUSD_SDMCBL", "SBTCSUSD", Product.DEMO_COIN_FUTURES),
        ("SBTCSPERP_SCMCBL", "SBTCSPERP", Product.DEMO_USDC_FUTURES),
        ("BTCUSDT:USDT-FUTURES", "BTCUSDT", Product.USDT_FUTURES),
        ("btcusdt:usdt-futures", "BTCUSDT", Product.USDT_FUTURES),
        ("ETHUSDT:SPOT", "ETHUSDT", Product.SPOT),
        ("ETHUSDT PERP", "ETHUSDT", Product.USDT_FUTURES),
        ("ETHUSDT.P", "ETHUSDT", Product.USDT_FUTURES),
    ],
)
def test_parse_symbol_accepts_v2_v1_and_perp_spellings(typed: str, symbol: str, inst: Product) -> None:
    assert parse_symbol(typed) == SymbolRef(symbol, inst)


def test_default_inst_type_applies_to_bare_names_only() -> None:
    assert parse_symbol("BTCUSDT", Product.USDT_FUTURES).product is Product.USDT_FUTURES
    assert parse_symbol("BTCUSDT_SPBL", Product.USDT_FUTURES).product is Product.SPOT


@pytest.mark.parametrize("typed", ["", "   ", "BTCUSDT_XYZ", "BTC USDT", "B", "BTCUSDT:NOPE", "BTC$USDT", "龙虾USDT"])
def test_unknown_symbols_get_a_clear_error(typed: str) -> None:
    with pytest.raises(UnknownSymbol) as err:
        parse_symbol(typed)
    assert err.value.user_message  # a sentence for the UI, not a traceback
    assert "symbol" in err.value.user_message.lower() or "product type" in err.value.user_message.lower()


def test_v1_ids_round_trip() -> None:
    for inst in Product:
        ref = SymbolRef("BTCUSDT", inst)
        assert parse_symbol(v1_id(ref)) == ref


def test_keys_and_display() -> None:
    ref = SymbolRef("BTCUSDT", Product.USDT_FUTURES)
    assert ref.key == "BTCUSDT:usdt_futures"
    assert parse_symbol(ref.key) == ref
    assert wire_product(ref.product) == "USDT-FUTURES"
    assert ref.display == "BTCUSDT PERP"
    assert ref.is_futures
    assert not SymbolRef("BTCUSDT", Product.SPOT).is_futures


def test_market_info_from_spot_sample(samples: Path) -> None:
    data = json.loads((samples / "rest" / "GET_api_v2_spot_public_symbols.json").read_text())["data"][0]
    info = spot_market_from(data)
    places = int(data["pricePrecision"])
    assert info.ref == SymbolRef(data["symbol"], Product.SPOT)
    assert info.tick_size == Decimal(1).scaleb(-places)
    assert info.lot_size == Decimal(1).scaleb(-int(data["quantityPrecision"]))
    assert info.min_size == Decimal(data["minTradeAmount"])
    assert info.taker_fee == Decimal(data["takerFeeRate"])
    assert info.tradable
    assert info.status == data["status"]


def test_market_info_from_contract_sample_uses_price_end_step(samples: Path) -> None:
    data = json.loads((samples / "rest" / "GET_api_v2_mix_market_contracts.json").read_text())["data"][0]
    info = contract_market_from(data, Product.USDT_FUTURES)
    expected_tick = Decimal(str(data["priceEndStep"])) * Decimal(1).scaleb(-int(data["pricePlace"]))
    assert info.tick_size == expected_tick
    assert info.lot_size == Decimal(str(data["sizeMultiplier"]))
    assert info.min_size == Decimal(str(data["minTradeNum"]))
    assert info.max_leverage == int(Decimal(str(data["maxLever"])))
    assert info.ref.product is Product.USDT_FUTURES


def test_contract_delivery_time_is_read_for_delivery_contracts_only(samples: Path) -> None:
    data = json.loads((samples / "rest" / "GET_api_v2_mix_market_contracts.json").read_text())["data"][0]
    assert data["deliveryTime"] == ""                        # a perpetual says "" (typed-bitget saw it live)
    assert contract_market_from(data, Product.USDT_FUTURES).delivery_time is None
    quarter = dict(data, symbol="BTCUSDH27", baseCoin="BTC", quoteCoin="USD", symbolType="delivery",
                   deliveryTime="1806048000000", deliveryStartTime="1806044400000", symbolStatus="off")
    info = contract_market_from(quarter, Product.COIN_FUTURES)
    assert info.delivery_time == 1_806_048_000_000
    assert info.label == "BTCUSD 26 Mar 27"
    assert not info.tradable                                  # delivered: "off"
