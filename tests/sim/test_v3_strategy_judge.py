"""The simulator's V3 strategy-order answers judged by typed-bitget's UTA models (an independent schema, checked by
its authors against the live API): place/modify acks, ``unfilled-strategy-orders``, ``history-strategy-orders`` and
the ``strategy-order`` push frame, for a trigger order and for TP/SL orders of one and of two legs.

Where typed-bitget is narrower than what the simulator serves on purpose, the test says so: its unfilled-list model
allows futures categories only, while ccxt reads spot trigger orders there (``fetchOpenOrders`` with ``trigger`` on a
UTA spot market) and typed-bitget itself saw SPOT rows in the history; so the spot list is judged with the history's
row model. And a strategy order of two legs is still one order after a restart of the simulator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
import pytest_asyncio
from typed_bitget.uta.strategy import history, modify, place, unfilled
from typed_bitget.uta_streams.strategy_orders import StrategyOrderPush

from terminal_app.bitget.http import BitgetHttp
from terminal_app.bitget.v3.paths import V3
from terminal_app.bitget.v3.rest import V3RestClient
from terminal_app.bitget.v3.stream import private_arg
from terminal_app.bitget.ws import BitgetStreamer, StreamerConfig
from terminal_app.core.credentials import Credentials
from terminal_app.core.enums import PositionMode
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.sim.runner import SimulatorRunner
from terminal_app.sim.server.http import SimConfig

D = Decimal
PERP = SymbolRef("BTCUSDT", Product.USDT_FUTURES)


@pytest.fixture(scope="module")
def runner(running_sim: Callable[..., Iterator[SimulatorRunner]]) -> Iterator[SimulatorRunner]:
    yield from running_sim(seed=43, rate_limits=False)


@pytest_asyncio.fixture
async def clients(runner: SimulatorRunner) -> AsyncIterator[tuple[V3RestClient, BitgetStreamer]]:
    info = runner.info
    assert info is not None
    key = runner.add_key(uta=True)
    creds = Credentials(key.api_key, key.secret, key.passphrase)
    rest = V3RestClient(BitgetHttp(info.rest, creds))
    ws = BitgetStreamer(StreamerConfig(public_url=info.ws_public_v3, private_url=info.ws_private_v3),
                        credentials=creds)
    await rest.connect()
    try:
        yield rest, ws
    finally:
        await ws.close()
        await rest.aclose()


@pytest.mark.asyncio
async def test_strategy_answers_pass_typed_bitget(clients: tuple[V3RestClient, BitgetStreamer],
                                                  typed_bitget_judge: Any) -> None:
    def ok(model: Any, data: Any) -> None:
        assert typed_bitget_judge.rejects(model, data) == set(), data

    rest, ws = clients
    frames: list[dict[str, Any]] = []
    await ws.subscribe(private_arg("strategy-order"), frames.append, private=True)
    http = rest.http
    [ticker] = await rest.tickers(Product.USDT_FUTURES, "BTCUSDT")
    last = ticker.last
    await rest.set_hold_mode(PositionMode.ONE_WAY)
    await http.post(V3.PLACE_ORDER, {"category": "USDT-FUTURES", "symbol": "BTCUSDT", "qty": "0.02", "side": "buy",
                                     "orderType": "market"})
    trigger = {"category": "USDT-FUTURES", "symbol": "BTCUSDT", "type": "trigger", "qty": "0.01", "side": "buy",
               "triggerBy": "mark", "triggerPrice": str((last * D("1.3")).quantize(D("0.1"))),
               "triggerOrderType": "limit", "triggerOrderPrice": str((last * D("1.31")).quantize(D("0.1"))),
               "clientOid": "judge-trigger"}
    one_leg = {"category": "USDT-FUTURES", "symbol": "BTCUSDT", "posSide": "long", "tpslMode": "partial",
               "qty": "0.01", "stopLoss": str((last * D("0.7")).quantize(D("0.1"))), "clientOid": "judge-sl"}
    two_legs = {"category": "USDT-FUTURES", "symbol": "BTCUSDT", "posSide": "long",
                "takeProfit": str((last * D("1.4")).quantize(D("0.1"))),
                "stopLoss": str((last * D("0.6")).quantize(D("0.1"))), "tpOrderType": "limit",
                "tpLimitPrice": str((last * D("1.39")).quantize(D("0.1")))}
    spot = {"category": "SPOT", "symbol": "BTCUSDT", "type": "trigger", "qty": "0.001", "side": "buy",
            "triggerPrice": str((last * D("1.3")).quantize(D("0.01"))), "clientOid": "judge-spot"}
    acks = [await http.post(V3.PLACE_STRATEGY, body) for body in (trigger, one_leg, two_legs, spot)]
    for ack in acks:
        ok(place.PlaceStrategyOrderResponse, ack)
    ok(modify.ModifyStrategyOrderResponse, await http.post(V3.MODIFY_STRATEGY, {
        "orderId": acks[0]["orderId"], "qty": "0.02", "triggerPrice": str((last * D("1.25")).quantize(D("0.1")))}))

    live = await http.get(V3.UNFILLED_STRATEGY, {"category": "USDT-FUTURES"}, signed=True)
    assert {r["type"] for r in live} == {"trigger", "tpsl"}
    assert len(live) == 3
    ok(unfilled.Response, live)
    for kind in ("tpsl", "trigger"):
        ok(unfilled.Response, await http.get(V3.UNFILLED_STRATEGY, {"category": "USDT-FUTURES", "type": kind},
                                             signed=True))
    spot_live = await http.get(V3.UNFILLED_STRATEGY, {"category": "SPOT"}, signed=True)
    assert [r["clientOid"] for r in spot_live] == ["judge-spot"]
    ok(list[history.StrategyOrderV3], spot_live)

    for ack in acks:
        await http.post(V3.CANCEL_STRATEGY, {"orderId": ack["orderId"]})
    for category in ("USDT-FUTURES", "SPOT"):
        done = await http.get(V3.HISTORY_STRATEGY, {"category": category}, signed=True)
        assert {r["status"] for r in done["list"]} == {"cancelled"}
        ok(history.StrategyOrderHistoryList, done)
    await http.post(V3.CLOSE_POSITIONS, {"category": "USDT-FUTURES"})

    for _ in range(100):
        if {r["clientOid"] for f in frames for r in f["data"]} >= {"judge-trigger", "judge-sl", "judge-spot"}:
            break
        await asyncio.sleep(0.05)
    assert frames
    for frame in frames:
        ok(StrategyOrderPush, frame)


@pytest.mark.asyncio
async def test_a_two_leg_strategy_order_survives_a_restart(tmp_path: Any) -> None:
    """The legs of a V3 TP/SL order are linked in the simulator's saved state: after a restart it is still one
    order, and cancelling it still cancels both."""
    state = tmp_path / "uta.sqlite3"

    async def session(work: Any) -> Any:
        sim = SimulatorRunner(config=SimConfig(seed=44, account_mode="unified", state_path=state))
        info = sim.start()
        rest = V3RestClient(BitgetHttp(info.rest, Credentials(info.api_key, info.secret, info.passphrase)))
        await rest.connect()
        try:
            return await work(rest)
        finally:
            await rest.aclose()
            sim.stop()

    async def place(rest: V3RestClient) -> tuple[str, list[Any]]:
        await rest.set_hold_mode(PositionMode.ONE_WAY)
        [ticker] = await rest.tickers(Product.USDT_FUTURES, "BTCUSDT")
        await rest.http.post(V3.PLACE_ORDER, {"category": "USDT-FUTURES", "symbol": "BTCUSDT", "qty": "0.01",
                                              "side": "buy", "orderType": "market"})
        ack = await rest.place_tpsl(PERP, None, take_profit=(ticker.last * D("1.3")).quantize(D("0.1")),
                                    stop_loss=(ticker.last * D("0.7")).quantize(D("0.1")), qty="0.01",
                                    client_oid="keeps")
        rows = await rest.http.get(V3.UNFILLED_STRATEGY, {"category": "USDT-FUTURES"}, signed=True)
        return str(ack.order_id), rows

    async def after(rest: V3RestClient) -> tuple[list[Any], list[Any]]:
        rows = await rest.http.get(V3.UNFILLED_STRATEGY, {"category": "USDT-FUTURES"}, signed=True)
        await rest.cancel_strategy(client_oid="keeps")
        left = await rest.http.get(V3.UNFILLED_STRATEGY, {"category": "USDT-FUTURES"}, signed=True)
        return rows, left

    order_id, before = await session(place)
    rows, left = await session(after)
    assert [(r["orderId"], r["clientOid"], r["takeProfit"], r["stopLoss"]) for r in rows] == [
        (order_id, "keeps", before[0]["takeProfit"], before[0]["stopLoss"])]
    assert left == []
