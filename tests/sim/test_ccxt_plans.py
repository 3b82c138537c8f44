"""ccxt (an independent Bitget client), pointed at the simulator, places, lists, edits and cancels trigger orders and
trailing stops with its own requests: the plan endpoints speak Bitget's wire as a real client sends it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

ccxt = pytest.importorskip("ccxt", reason="ccxt is a test dependency (pip install -e '.[test]')")

from terminal_app.sim.runner import SimulatorRunner  # noqa: E402
from terminal_app.sim.server.http import SimInfo  # noqa: E402


@pytest.fixture(scope="module")
def sim() -> Iterator[SimInfo]:
    runner = SimulatorRunner(seed=12)
    info = runner.start()
    try:
        yield info
    finally:
        runner.stop()


def _client(info: SimInfo) -> ccxt.bitget:
    ex = ccxt.bitget({"apiKey": info.api_key, "secret": info.secret, "password": info.passphrase,
                      "options": {"uta": False}, "timeout": 10_000})
    ex.urls["api"] = {k: ({"public": info.ws_public, "private": info.ws_private} if k == "ws" else info.rest)
                      for k in ex.urls["api"]}
    return ex


def test_ccxt_futures_trigger_and_trailing_orders(sim: SimInfo) -> None:
    ex = _client(sim)
    ex.load_markets()
    symbol = "BTC/USDT:USDT"
    last = ex.fetch_ticker(symbol)["last"]
    trigger = round(last * 1.2, 1)
    stop = ex.create_order(symbol, "limit", "buy", 0.01, round(trigger + 5, 1), {"triggerPrice": trigger})
    trail = ex.create_order(symbol, "market", "sell", 0.01, None,
                            {"trailingPercent": 1.5, "trailingTriggerPrice": trigger})
    listed = ex.fetch_open_orders(symbol, params={"trigger": True})
    assert stop["id"] in {o["id"] for o in listed}
    [mine] = [o for o in listed if o["id"] == stop["id"]]
    assert (mine["triggerPrice"], mine["price"], mine["side"]) == (trigger, round(trigger + 5, 1), "buy")
    trails = ex.fetch_open_orders(symbol, params={"trigger": True, "planType": "track_plan"})
    assert [o["id"] for o in trails] == [trail["id"]]
    ex.edit_order(stop["id"], symbol, "limit", "buy", 0.02, round(trigger + 15, 1),
                  {"triggerPrice": round(trigger + 10, 1)})
    [edited] = [o for o in ex.fetch_open_orders(symbol, params={"trigger": True}) if o["id"] == stop["id"]]
    assert (edited["triggerPrice"], edited["amount"]) == (round(trigger + 10, 1), 0.02)
    ex.cancel_order(stop["id"], symbol, {"trigger": True})
    ex.cancel_order(trail["id"], symbol, {"trigger": True, "planType": "track_plan"})
    assert ex.fetch_open_orders(symbol, params={"trigger": True}) == []
    assert ex.fetch_open_orders(symbol, params={"trigger": True, "planType": "track_plan"}) == []


def test_ccxt_spot_trigger_order(sim: SimInfo) -> None:
    ex = _client(sim)
    ex.load_markets()
    symbol = "BTC/USDT"
    last = ex.fetch_ticker(symbol)["last"]
    trigger = round(last * 0.8, 2)
    order = ex.create_order(symbol, "limit", "sell", 0.001, round(trigger - 1, 2), {"triggerPrice": trigger})
    [listed] = ex.fetch_open_orders(symbol, params={"trigger": True})
    assert (listed["id"], listed["triggerPrice"], listed["side"]) == (order["id"], trigger, "sell")
    ex.cancel_order(order["id"], symbol, {"trigger": True})
    assert ex.fetch_open_orders(symbol, params={"trigger": True}) == []
