"""The WebSocket ``ticker`` of a delivery (quarterly) contract says what Bitget documents for it
(api-doc/contract/websocket/public/Tickers-Channel): ``symbolType`` 2 (1 is a perpetual) and ``deliveryPrice``, "0"
until it is "pushed 1 hour before delivery", here the mean index of the averaging window so far, then the price
delivered at."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal as D
from typing import Any

import orjson
import pytest
import pytest_asyncio
import websockets

from terminal_app.sim.engine.exchange import Exchange
from terminal_app.sim.server.http import SimConfig, SimServer

from .conftest import Clock

QUARTER = "BTCUSDH27"


def test_delivery_fields_of_the_ticker_follow_the_window(ex: Exchange, clock: Clock) -> None:
    desk = ex.delivery
    assert desk.ws_ticker_fields("BTCUSD") == {}  # a perpetual keeps symbolType 1, deliveryPrice "0"
    assert desk.ws_ticker_fields(QUARTER) == {"symbolType": 2, "deliveryPrice": "0"}
    delivery = clock.t + 2_000
    desk.schedule(QUARTER, delivery, window_ms=1_000)
    seen = []
    while clock.t < delivery - 500:
        clock.t += 100
        ex.advance()
        if clock.t >= delivery - 1_000:
            seen.append(desk.schedules[QUARTER].total / desk.schedules[QUARTER].count)
    fields = desk.ws_ticker_fields(QUARTER)
    assert fields["symbolType"] == 2
    assert D(str(fields["deliveryPrice"])) == seen[-1].quantize(D("0.1"))  # the mean so far, to the tick
    while clock.t < delivery:
        clock.t += 100
        ex.advance()
    done = desk.delivered(QUARTER)
    assert done is not None
    assert desk.ws_ticker_fields(QUARTER) == {"symbolType": 2, "deliveryPrice": format(done.price.normalize(), "f")}


@pytest_asyncio.fixture
async def sim() -> AsyncIterator[SimServer]:
    server = SimServer(SimConfig(seed=4))
    await server.start()
    yield server
    await server.stop()


async def _ticker(ws: Any, symbol: str, where: Any = None) -> dict[str, Any]:
    async with asyncio.timeout(10):
        while True:
            raw = await ws.recv()
            if raw == "pong":
                continue
            msg = orjson.loads(raw)
            if msg.get("arg", {}).get("channel") == "ticker" and "data" in msg:
                data = msg["data"][0]
                if data["instId"] == symbol and (where is None or where(data)):
                    return dict(data)


@pytest.mark.asyncio
async def test_the_quarterly_ticker_push_carries_its_delivery_fields(sim: SimServer) -> None:
    assert sim.info is not None
    args = [{"instType": "COIN-FUTURES", "channel": "ticker", "instId": s} for s in (QUARTER, "BTCUSD")]
    async with websockets.connect(sim.info.ws_public) as ws:
        await ws.send(orjson.dumps({"op": "subscribe", "args": args}).decode())
        quarter = await _ticker(ws, QUARTER)
        perpetual = await _ticker(ws, "BTCUSD")
        assert (quarter["symbolType"], quarter["deliveryPrice"]) == (2, "0")
        assert (perpetual["symbolType"], perpetual["deliveryPrice"]) == (1, "0")
        # the last hour before delivery: the estimated delivery price is pushed
        sim.exchange.delivery.schedule(QUARTER, sim.now_ms() + 3_600_000, window_ms=3_600_000 + 60_000)
        pushed = await _ticker(ws, QUARTER, lambda d: d["deliveryPrice"] != "0")
        assert D(pushed["deliveryPrice"]) > 0
        assert pushed["symbolType"] == 2
