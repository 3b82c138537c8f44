"""Symbols: what users type (V2 names, V1 ids, perp spellings) maps to V2 symbol + instType; bad input is refused."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from terminal_app.bitget.symbols import InstType, MarketInfo, SymbolRef, UnknownSymbol, parse_symbol, v1_id


@pytest.mark.parametrize(
    ("typed", "symbol", "inst"),
    [
        ("BTCUSDT", "BTCUSDT", InstType.SPOT),
        ("  btc/usdt ", "BTCUSDT", InstType.SPOT),
        ("eth-usdt", "ETHUSDT", InstType.SPOT),
        ("BTCUSDT_SPBL", "BTCUSDT", InstType.SPOT),
        ("BTCUSDT_UMCBL", "BTCUSDT", InstType.USDT_FUTURES),
        ("btcusdt_umcbl", "BTCUSDT", InstType.USDT_FUTURES),
        ("BTCUSD_DMCBL", "BTCUSD", InstType.COIN_FUTURES),
        ("BTCPERP_CMCBL", "BTCPERP", InstType.USDC_FUTURES),
        ("SBTCSUSDT_SUMCBL", "SBTCSUSDT", InstType.SUSDT_FUTURES),
        ("SBTCSUSD_SDMCBL", "SBTCSUSD", InstType.SCOIN_FUTURES),
        ("SBTCSPERP_SCMCBL", "SBTCSPERP", InstType.SUSDC_FUTURES),
        ("BTCUSDT:USDT-FUTURES", "BTCUSDT", InstType.USDT_FUTURES),
        ("btcusdt:usdt-futures", "BTCUSDT", InstType.USDT_FUTURES),
        ("ETHUSDT:SPOT", "ETHUSDT", InstType.SPOT),
        ("ETHUSDT PERP", "ETHUSDT", InstType.USDT_FUTURES),
        ("ETHUSDT.P", "ETHUSDT", InstType.USDT_FUTURES),
    ],
)
def test_parse_symbol_accepts_v2_v1_and_perp_spellings(typed: str, symbol: str, inst: InstType) -> None:
    assert parse_symbol(typed) == SymbolRef(symbol, inst)


def test_default_inst_type_applies_to_bare_names_only() -> None:
    assert parse_symbol("BTCUSDT", InstType.USDT_FUTURES).inst_type is InstType.USDT_FUTURES
    assert parse_symbol("BTCUSDT_SPBL", InstType.USDT_FUTURES).inst_type is InstType.SPOT


@pytest.mark.parametrize("typed", ["", "   ", "BTCUSDT_XYZ", "BTC USDT", "B", "BTCUSDT:NOPE", "BTC$USDT", "龙虾USDT"])
def test_unknown_symbols_get_a_clear_error(typed: str) -> None:
    with pytest.raises(UnknownSymbol) as err:
        parse_symbol(typed)
    assert err.value.user_message  # a sentence for the UI, not a traceback
    assert "symbol" in err.value.user_message.lower() or "product type" in err.value.user_message.lower()


def test_v1_ids_round_trip() -> None:
    for inst in InstType:
        ref = SymbolRef("BTCUSDT", inst)
        assert parse_symbol(v1_id(ref)) == ref


def test_keys_and_display() -> None:
    ref = SymbolRef("BTCUSDT", InstType.USDT_FUTURES)
    assert ref.key == "BTCUSDT:USDT-FUTURES"
    assert parse_symbol(ref.key) == ref
    assert ref.product_type == "USDT-FUTURES"
    assert ref.is_futures
    assert not SymbolRef("BTCUSDT", InstType.SPOT).is_futures


def test_market_info_from_spot_sample(samples: Path) -> None:
    data = json.loads((samples / "rest" / "GET_api_v2_spot_public_symbols.json").read_text())["data"][0]
    info = MarketInfo.from_spot(data)
    places = int(data["pricePrecision"])
    assert info.ref == SymbolRef(data["symbol"], InstType.SPOT)
    assert info.tick_size == Decimal(1).scaleb(-places)
    assert info.lot_size == Decimal(1).scaleb(-int(data["quantityPrecision"]))
    assert info.min_size == Decimal(data["minTradeAmount"])
    assert info.taker_fee == Decimal(data["takerFeeRate"])


def test_market_info_from_contract_sample_uses_price_end_step(samples: Path) -> None:
    data = json.loads((samples / "rest" / "GET_api_v2_mix_market_contracts.json").read_text())["data"][0]
    info = MarketInfo.from_contract(data, InstType.USDT_FUTURES)
    expected_tick = Decimal(str(data["priceEndStep"])) * Decimal(1).scaleb(-int(data["pricePlace"]))
    assert info.tick_size == expected_tick
    assert info.lot_size == Decimal(str(data["sizeMultiplier"]))
    assert info.min_size == Decimal(str(data["minTradeNum"]))
    assert info.max_leverage == int(Decimal(str(data["maxLever"])))
    assert info.ref.inst_type is InstType.USDT_FUTURES
