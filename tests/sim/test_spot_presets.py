"""Spot preset TP/SL on ``place-order`` (api-doc/spot/trade/Place-Order): the simulator checks them and lists them
back on the order as Bitget documents (Get-Unfilled-Orders), read here by ccxt, a third-party client, and by the
terminal's own parser. What Bitget does with them once the entry fills is unverified (``services.oco``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest

ccxt = pytest.importorskip("ccxt", reason="ccxt is a test dependency (pip install -e '.[test]')")

from terminal_app.bitget.models.trade import parse_spot_orders  # noqa: E402
from terminal_app.sim.runner import SimulatorRunner  # noqa: E402
from terminal_app.sim.server.http import SimInfo  # noqa: E402


@pytest.fixture(scope="module")
def sim(running_sim: Callable[..., Iterator[SimulatorRunner]]) -> Iterator[SimInfo]:
    for runner in running_sim(seed=11):     # started here, stopped when the module's tests are done
        assert runner.info is not None
        yield runner.info


def _client(info: SimInfo) -> Any:
    ex = ccxt.bitget({"apiKey": info.api_key, "secret": info.secret, "password": info.passphrase,
                      "options": {"uta": False}, "timeout": 10_000})
    ex.urls["api"] = {k: ({"public": info.ws_public, "private": info.ws_private} if k == "ws" else info.rest)
                      for k in ex.urls["api"]}
    ex.load_markets()
    return ex


def _resting_buy(ex: Any) -> tuple[float, str, str]:
    bid = ex.fetch_order_book("ETH/USDT")["bids"][0][0]
    price = round(bid * 0.9, 2)
    return price, f"{price * 1.2:.2f}", f"{price * 0.9:.2f}"


def test_presets_are_listed_back_on_the_open_order_and_its_info(sim: SimInfo) -> None:
    ex = _client(sim)
    price, tp, sl = _resting_buy(ex)
    # ccxt refuses its own stopLoss/takeProfit on spot; Bitget's raw fields pass through as they are
    placed = ex.create_order("ETH/USDT", "limit", "buy", 0.05, price,
                             {"presetTakeProfitPrice": tp, "presetStopLossPrice": sl})
    (seen,) = [o for o in ex.fetch_open_orders("ETH/USDT") if o["id"] == placed["id"]]
    assert (seen["info"]["presetTakeProfitPrice"], seen["info"]["presetStopLossPrice"]) == (tp, sl)
    assert (seen["info"]["executeTakeProfitPrice"], seen["info"]["executeStopLossPrice"]) == ("", "")
    assert seen["stopLossPrice"] == float(sl)  # ccxt's parser reads presetStopLossPrice
    info = ex.fetch_order(placed["id"], "ETH/USDT")
    assert (info["info"]["presetTakeProfitPrice"], info["info"]["presetStopLossPrice"]) == (tp, sl)
    # the terminal's parser reads both (spot says presetTakeProfitPrice where futures say presetStopSurplusPrice)
    [order] = parse_spot_orders([seen["info"]])
    assert (order.preset_tp, order.preset_sl) == (Decimal(tp), Decimal(sl))
    plain = ex.create_order("ETH/USDT", "limit", "buy", 0.05, price)
    (other,) = [o for o in ex.fetch_open_orders("ETH/USDT") if o["id"] == plain["id"]]
    assert (other["info"]["presetTakeProfitPrice"], other["info"]["presetStopLossPrice"]) == ("", "")
    ex.cancel_all_orders("ETH/USDT")


@pytest.mark.parametrize(("field", "wrong"), [("presetTakeProfitPrice", 0.95), ("presetStopLossPrice", 1.05)])
def test_a_preset_on_the_wrong_side_of_the_price_is_refused(sim: SimInfo, field: str, wrong: float) -> None:
    ex = _client(sim)
    price, _tp, _sl = _resting_buy(ex)
    with pytest.raises(ccxt.BaseError, match="40917"):
        ex.create_order("ETH/USDT", "limit", "buy", 0.05, price, {field: f"{price * wrong:.2f}"})
    assert ex.fetch_open_orders("ETH/USDT") == []


@pytest.mark.parametrize("params", [{"tpslType": "tpsl"},
                                    {"presetTakeProfitPrice": "99999", "executeTakeProfitPrice": "99998"}])
def test_what_the_simulator_does_not_model_is_refused_not_ignored(sim: SimInfo, params: dict[str, str]) -> None:
    ex = _client(sim)
    price, _tp, _sl = _resting_buy(ex)
    with pytest.raises(ccxt.BaseError, match="40019"):
        ex.create_order("ETH/USDT", "limit", "buy", 0.05, price, params)
    assert ex.fetch_open_orders("ETH/USDT") == []
