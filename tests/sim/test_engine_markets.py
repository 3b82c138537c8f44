"""The market catalogue: Bitget-shaped symbol/contract rows (same keys and value types as the samples) that parse back
into the MarketInfo the engine uses, with realistic parameters."""

from __future__ import annotations

import json
from decimal import Decimal as D
from pathlib import Path

import pytest

from terminal_app.bitget.errors import ExchangeError
from terminal_app.bitget.models.market import contract_market_from, spot_market_from
from terminal_app.core.instruments import Product
from terminal_app.sim.market.markets import COINS, MARKETS, all_markets, contracts_raw, find_market, spot_symbols_raw


def _shape(row: dict[str, object]) -> dict[str, str]:
    return {k: type(v).__name__ for k, v in row.items()}


def test_spot_rows_look_like_bitget(samples: Path) -> None:
    sample = json.loads((samples / "rest" / "GET_api_v2_spot_public_symbols.json").read_text())["data"][0]
    rows = spot_symbols_raw()
    assert [r["symbol"] for r in rows] == ["BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT", "BGBUSDT", "LINKUSDT",
                                           "LTCUSDT", "ADAUSDT"]
    for row in rows:
        # every key of the (older) doc sample, same types; newer documented fields beside them (issue 12 §2)
        assert {k: v for k, v in _shape(row).items() if k in sample} == _shape(sample)
        assert spot_market_from(row) == find_market(row["symbol"], Product.SPOT).info


def test_contract_rows_look_like_bitget(samples: Path) -> None:
    sample = json.loads((samples / "rest" / "GET_api_v2_mix_market_contracts.json").read_text())["data"][0]
    rows = contracts_raw()
    assert [r["symbol"] for r in rows] == ["BTCUSDT", "ETHUSDT", "SOLUSDT"]
    for row in rows:
        assert {k: v for k, v in _shape(row).items() if k in sample} == _shape(sample)
        assert contract_market_from(row, Product.USDT_FUTURES) == find_market(row["symbol"],
                                                                              Product.USDT_FUTURES).info
    coin_m = contracts_raw(Product.COIN_FUTURES)
    assert [r["symbol"] for r in coin_m] == ["BTCUSD", "ETHUSD", "BTCUSDH27", "ETHUSDH27"]
    for row in coin_m:
        # the delivery contracts add Bitget's deliveryPeriod; every field of the sample is there with its type
        assert {k: v for k, v in _shape(row).items() if k in sample} == _shape(sample)
        assert row["quoteCoin"] == "USD"
        assert row["supportMarginCoins"] == [row["baseCoin"]]
        assert contract_market_from(row, Product.COIN_FUTURES) == find_market(row["symbol"],
                                                                              Product.COIN_FUTURES).info
    delivery = find_market("BTCUSDH27", Product.COIN_FUTURES)
    assert delivery.is_delivery
    assert delivery.raw["deliveryTime"] == "1806048000000"
    assert delivery.raw["fundInterval"] == "0"
    usdc = contracts_raw(Product.USDC_FUTURES)
    assert [(r["symbol"], r["quoteCoin"], r["supportMarginCoins"]) for r in usdc] == [
        ("BTCPERP", "USDC", ["USDC"]), ("ETHPERP", "USDC", ["USDC"])]


def test_parameters_are_the_realistic_ones() -> None:
    btc = find_market("btcusdt", Product.SPOT).info
    assert (btc.tick_size, btc.lot_size, btc.min_notional) == (D("0.01"), D("0.000001"), D("1"))
    perp = find_market("BTCUSDT", Product.USDT_FUTURES)
    info = perp.info
    assert (info.tick_size, info.lot_size, info.min_size) == (D("0.1"), D("0.0001"), D("0.0001"))
    assert (info.maker_fee, info.taker_fee, info.max_leverage) == (D("0.0002"), D("0.0006"), 125)
    assert perp.keep_margin_rate < D(1) / info.max_leverage
    starts = {m.ref.key: m.start_price for m in all_markets()}
    assert starts["BTCUSDT:spot"] == D("97000")
    assert starts["ETHUSDT:usdt_futures"] == D("3400")
    assert len(MARKETS) == 17
    assert COINS == ("USDT", "USDC", "ADA", "BGB", "BTC", "ETH", "LINK", "LTC", "SOL", "XRP")
    inverse = find_market("BTCUSD", Product.COIN_FUTURES)
    assert inverse.inverse
    assert inverse.margin_coin == "BTC"
    assert (inverse.info.lot_size, inverse.info.min_size) == (D("0.001"), D("0.001"))   # coins (products §2.2)
    assert find_market("ETHPERP", Product.USDC_FUTURES).margin_coin == "USDC"
    ada = find_market("ADAUSDT", Product.SPOT).info
    assert (ada.tick_size, ada.lot_size) == (D("0.0001"), D("0.01"))


def test_unknown_symbol_is_bitgets_40034() -> None:
    with pytest.raises(ExchangeError) as err:
        find_market("BTCUSD", Product.USDT_FUTURES)
    assert err.value.code == "40034"
