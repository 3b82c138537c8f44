"""ccxt with ``uta: True`` and the simulator's V3 strategy orders: a position's stop-loss and take-profit created
with ``stopLossPrice``/``takeProfitPrice`` (ccxt sends them to ``place-strategy-order``), listed with
``trigger: True`` (``unfilled-strategy-orders``), moved with ``editOrder`` (``modify-strategy-order``), cancelled
(``cancel-strategy-order``) and read back as canceled (``history-strategy-orders``) — ccxt, written without this
simulator, works unchanged (issue 14). ccxt sends no trigger orders to V3 (its UTA createOrder puts a plain
``triggerPrice`` on place-order), so those are covered by the terminal's own client tests."""

from __future__ import annotations

import decimal
from collections.abc import Iterator

import pytest

ccxt = pytest.importorskip("ccxt", reason="ccxt is a test dependency (pip install -e '.[test]')")

from terminal_app.core.instruments import Product  # noqa: E402
from terminal_app.sim.engine.exchange import Exchange  # noqa: E402
from terminal_app.sim.runner import SimulatorRunner  # noqa: E402
from terminal_app.sim.server.auth import DEMO_UID  # noqa: E402
from terminal_app.sim.server.http import SimConfig, SimInfo  # noqa: E402

PERP = "BTC/USDT:USDT"
PATHS: list[str] = []


@pytest.fixture(scope="module")
def runner() -> Iterator[SimulatorRunner]:
    sim = SimulatorRunner(config=SimConfig(seed=47, account_mode="unified"))
    sim.start()
    sim.server.request_hooks.append(lambda request: PATHS.append(request.path))
    try:
        yield sim
    finally:
        sim.stop()


def _client(info: SimInfo) -> ccxt.bitget:
    ex = ccxt.bitget({"apiKey": info.api_key, "secret": info.secret, "password": info.passphrase,
                      "options": {"uta": True}, "timeout": 10_000})
    ex.urls["api"] = {k: ({"public": info.ws_public_v3, "private": info.ws_private_v3} if k == "ws" else info.rest)
                      for k in ex.urls["api"]}
    return ex


def test_ccxt_uta_stop_loss_and_take_profit_orders(runner: SimulatorRunner) -> None:
    info = runner.info
    assert info is not None
    ex = _client(info)
    ex.load_markets()

    def plans() -> list[tuple[str, decimal.Decimal]]:
        def read(exchange: Exchange) -> list[tuple[str, decimal.Decimal]]:
            return [(p.plan_type, p.trigger_price) for p in exchange.plans.orders(DEMO_UID, Product.USDT_FUTURES)]
        return sorted(runner.call(lambda: read(runner.server.exchange)))

    ex.create_order(PERP, "market", "buy", 0.01)
    last = ex.fetch_ticker(PERP)["last"]
    sl_price, tp_price = round(last * 0.8, 1), round(last * 1.2, 1)
    sl = ex.create_order(PERP, "market", "sell", 0.01, params={"stopLossPrice": sl_price})
    tp = ex.create_order(PERP, "market", "sell", 0.01, params={"takeProfitPrice": tp_price})
    assert sl["id"]
    assert tp["id"]
    assert plans() == sorted([("pos_loss", decimal.Decimal(str(sl_price))), ("pos_profit",
                                                                             decimal.Decimal(str(tp_price)))])

    listed = {o["id"]: o for o in ex.fetch_open_orders(PERP, params={"trigger": True})}
    assert set(listed) == {sl["id"], tp["id"]}
    assert listed[sl["id"]]["stopLossPrice"] == sl_price
    assert listed[tp["id"]]["takeProfitPrice"] == tp_price

    moved = round(last * 0.85, 1)
    ex.edit_order(sl["id"], PERP, "market", "sell", 0.01, params={"stopLossPrice": moved})
    assert ("pos_loss", decimal.Decimal(str(moved))) in plans()

    for order in (sl, tp):
        ex.cancel_order(order["id"], PERP, params={"trigger": True})
    assert plans() == []
    canceled = ex.fetch_canceled_orders(PERP, params={"trigger": True})
    assert {sl["id"], tp["id"]} <= {o["id"] for o in canceled}
    assert {"/api/v3/trade/place-strategy-order", "/api/v3/trade/unfilled-strategy-orders",
            "/api/v3/trade/modify-strategy-order", "/api/v3/trade/cancel-strategy-order",
            "/api/v3/trade/history-strategy-orders"} <= set(PATHS)
