"""Each fault of sim/faults.py over real sockets, and the real client surviving the ones it is built for."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import orjson
import pytest
import pytest_asyncio
import websockets
from websockets.exceptions import ConnectionClosed

from terminal_app.bitget.http import BitgetHttp
from terminal_app.bitget.rest import BitgetRestClient
from terminal_app.bitget.signing import auth_headers, ws_login_message
from terminal_app.bitget.ws import BitgetStreamer, StreamerConfig
from terminal_app.core.book_checksum import book_checksum
from terminal_app.core.book_sync import BookSync
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.core.orderbook import OrderBook
from terminal_app.sim.server.auth import DEMO_CREDENTIALS, DEMO_UID
from terminal_app.sim.server.http import SimConfig, SimServer

TIMEOUT = 10.0
PLACE = "/api/v2/spot/trade/place-order"
ORDER = {"symbol": "BTCUSDT", "side": "buy", "orderType": "limit", "force": "gtc", "price": "1000", "size": "0.001"}
BOOKS = {"instType": "SPOT", "channel": "books", "instId": "BTCUSDT"}


@pytest_asyncio.fixture
async def sim() -> AsyncIterator[SimServer]:
    server = SimServer(SimConfig(seed=6))
    await server.start()
    yield server
    await server.stop()


def _info(server: SimServer) -> Any:
    assert server.info is not None
    return server.info


def _signed(server: SimServer, method: str, path: str, body: dict[str, Any] | None = None,
            ts_ms: int | None = None) -> tuple[dict[str, str], str]:
    text = orjson.dumps(body).decode() if body else ""
    ts = server.now_ms() if ts_ms is None else ts_ms
    return auth_headers(DEMO_CREDENTIALS, str(ts), method, path, "", text), text


async def _place(server: SimServer, http: httpx.AsyncClient, body: dict[str, Any] = ORDER) -> httpx.Response:
    headers, text = _signed(server, "POST", PLACE, body)
    return await http.post(PLACE, headers=headers, content=text)


def _open_orders(server: SimServer) -> int:
    return len(server.exchange.open_orders(DEMO_UID, Product.SPOT))


# ---- REST --------------------------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_delay_rest(sim: SimServer) -> None:
    sim.faults.delay_rest(0.3, path="/api/v2/public/time")
    async with httpx.AsyncClient(base_url=_info(sim).rest) as http:
        t0 = time.monotonic()
        assert (await http.get("/api/v2/public/time")).status_code == 200
        slow = time.monotonic() - t0
        t0 = time.monotonic()
        assert (await http.get("/api/v2/public/time")).status_code == 200
        fast = time.monotonic() - t0
    assert slow >= 0.3
    assert fast < 0.3


@pytest.mark.asyncio
async def test_fail_rest_before_and_after_execution(sim: SimServer) -> None:
    async with httpx.AsyncClient(base_url=_info(sim).rest) as http:
        sim.faults.fail_rest(503, path=PLACE)
        r = await _place(sim, http)
        assert (r.status_code, r.text) == (503, "Service Temporarily Unavailable")
        assert _open_orders(sim) == 0                                   # refused unseen

        sim.faults.fail_rest(429, path=PLACE)
        r = await _place(sim, http)
        assert (r.status_code, r.json()["code"], r.json()["msg"]) == (429, "429", "Too Many Requests")
        assert _open_orders(sim) == 0

        sim.faults.fail_rest(502, path=PLACE, executed=True)
        r = await _place(sim, http)
        assert r.status_code == 502
        assert _open_orders(sim) == 1                                   # executed, then the answer was lost

        sim.faults.fail_rest(500, code="40200", msg="server upgrade")
        r = await http.get("/api/v2/public/time")
        assert (r.status_code, r.json()["code"]) == (500, "40200")
        assert (await _place(sim, http)).status_code == 200            # count=1: the faults are used up


@pytest.mark.asyncio
async def test_timeout_after_accept_close_and_hang(sim: SimServer) -> None:
    async with httpx.AsyncClient(base_url=_info(sim).rest) as http:
        sim.faults.timeout_after_accept(path=PLACE, close=True)
        with pytest.raises(httpx.RemoteProtocolError):
            await _place(sim, http)
        assert _open_orders(sim) == 1

        sim.faults.timeout_after_accept(path=PLACE)
        headers, text = _signed(sim, "POST", PLACE, ORDER)
        with pytest.raises(httpx.ReadTimeout):
            await http.post(PLACE, headers=headers, content=text, timeout=0.5)
        assert _open_orders(sim) == 2
    t0 = time.monotonic()
    await sim.stop()                                   # a hanging answer does not hold the shutdown
    assert time.monotonic() - t0 < 5


@pytest.mark.asyncio
async def test_client_never_duplicates_an_order_after_an_ambiguous_timeout(sim: SimServer) -> None:
    info = _info(sim)
    sim.faults.timeout_after_accept(path=PLACE, close=True)
    http = BitgetHttp(info.rest, DEMO_CREDENTIALS)
    async with BitgetRestClient(http) as client:
        client.lookup_delay_s = 0.0
        ack = await client.spot_place_order(SymbolRef("BTCUSDT", Product.SPOT), "buy", "limit", Decimal("0.001"),
                                            price=Decimal("1000"), client_oid="dup-check-1")
    orders = sim.exchange.open_orders(DEMO_UID, Product.SPOT)
    assert [(o.order_id, o.client_oid) for o in orders] == [(ack.order_id, "dup-check-1")]


@pytest.mark.asyncio
async def test_shift_clock(sim: SimServer) -> None:
    machine = time.time_ns() // 1_000_000
    sim.faults.shift_clock(60)
    async with httpx.AsyncClient(base_url=_info(sim).rest) as http:
        server_time = int((await http.get("/api/v2/public/time")).json()["data"]["serverTime"])
        assert 59_000 < server_time - machine < 65_000
        headers, text = _signed(sim, "POST", PLACE, ORDER, ts_ms=time.time_ns() // 1_000_000)
        r = await http.post(PLACE, headers=headers, content=text)
        assert (r.status_code, r.json()["code"]) == (400, "40008")    # signed with the machine's clock
    async with websockets.connect(_info(sim).ws_private) as ws:
        await ws.send(orjson.dumps(ws_login_message(DEMO_CREDENTIALS, str(int(time.time())))).decode())
        assert orjson.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))["code"] == 30014
    # the terminal's client syncs to serverTime and signs with the exchange's clock
    http_client = BitgetHttp(_info(sim).rest, DEMO_CREDENTIALS)
    async with BitgetRestClient(http_client) as client:
        await client.connect()
        await client.spot_place_order(SymbolRef("BTCUSDT", Product.SPOT), "buy", "limit", Decimal("0.001"),
                                      price=Decimal("1000"))
    assert _open_orders(sim) == 1
    sim.faults.shift_clock(0)
    assert abs(sim.now_ms() - time.time_ns() // 1_000_000) < 1000


# ---- WebSocket ---------------------------------------------------------------------------------------------------


async def _recv(ws: websockets.ClientConnection) -> str:
    return str(await asyncio.wait_for(ws.recv(), TIMEOUT))


@pytest.mark.asyncio
async def test_drop_one_or_all_connections(sim: SimServer) -> None:
    url = _info(sim).ws_public
    async with websockets.connect(url) as a, websockets.connect(url) as b:
        await a.send("ping")
        await b.send("ping")
        assert await _recv(a) == await _recv(b) == "pong"
        first, second = sim.faults.ws_connections()
        assert sim.faults.drop_ws(first) == 1
        with pytest.raises(ConnectionClosed):
            await _recv(a)
        assert a.close_code == 1006                                    # cut, no close frame
        await b.send("ping")
        assert await _recv(b) == "pong"
        assert sim.faults.drop_ws() == 1
        with pytest.raises(ConnectionClosed):
            await _recv(b)
        assert second not in sim.faults.ws_connections()


@pytest.mark.asyncio
async def test_stall_and_resume(sim: SimServer) -> None:
    async with websockets.connect(_info(sim).ws_public) as ws:
        await ws.send("ping")
        assert await _recv(ws) == "pong"
        assert sim.faults.stall_ws() == 1
        await ws.send("ping")                        # swallowed: a stalled server answers nothing
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(ws.recv(), 0.3)
        assert sim.faults.resume_ws() == 1
        ticker = {"instType": "SPOT", "channel": "ticker", "instId": "BTCUSDT"}
        await ws.send(orjson.dumps({"op": "subscribe", "args": [ticker]}).decode())
        assert orjson.loads(await _recv(ws)) == {"event": "subscribe", "arg": ticker}   # not the stalled pong


@pytest.mark.asyncio
async def test_malformed_frame(sim: SimServer) -> None:
    async with websockets.connect(_info(sim).ws_public) as ws:
        await ws.send("ping")
        assert await _recv(ws) == "pong"
        assert sim.faults.malformed_frame() == 1
        frame = await _recv(ws)
        with pytest.raises(orjson.JSONDecodeError):
            orjson.loads(frame)


@pytest.mark.asyncio
async def test_corrupt_checksum_hits_exactly_one_update(sim: SimServer) -> None:
    async with websockets.connect(_info(sim).ws_public) as ws:
        await ws.send(orjson.dumps({"op": "subscribe", "args": [BOOKS]}).decode())
        assert orjson.loads(await _recv(ws))["event"] == "subscribe"
        snap = orjson.loads(await _recv(ws))["data"][0]
        bids = {Decimal(p): [p, s] for p, s in snap["bids"]}
        asks = {Decimal(p): [p, s] for p, s in snap["asks"]}
        sim.faults.corrupt_checksum("BTCUSDT")
        verdicts = []
        while len(verdicts) < 6 and (False in verdicts or len(verdicts) < 4):
            item = orjson.loads(await _recv(ws))["data"][0]
            for side, levels in ((bids, item["bids"]), (asks, item["asks"])):
                for p, s in levels:
                    if Decimal(s):
                        side[Decimal(p)] = [p, s]
                    else:
                        side.pop(Decimal(p), None)
            expected = book_checksum([bids[k] for k in sorted(bids, reverse=True)], [asks[k] for k in sorted(asks)])
            verdicts.append(item["checksum"] == expected)
        assert verdicts.count(False) == 1


@pytest.mark.asyncio
async def test_streamer_rebuilds_the_book_after_a_bad_checksum_and_a_drop(sim: SimServer) -> None:
    info = _info(sim)
    config = StreamerConfig(public_url=info.ws_public, private_url=info.ws_private, backoff_initial_s=0.05)
    book = OrderBook("BTCUSDT")
    healed = asyncio.Event()
    streamer = BitgetStreamer(config)
    sync = BookSync(book, lambda: streamer.resubscribe(BOOKS))
    state = {"updates_after": 0}

    def handler(msg: dict[str, Any]) -> None:
        sync(msg)
        if sync.resyncs and not book.stale and msg["action"] == "update":
            state["updates_after"] += 1
            if state["updates_after"] >= 3:
                healed.set()

    async with streamer:
        await streamer.subscribe(BOOKS, handler)
        sim.faults.corrupt_checksum("BTCUSDT")
        await asyncio.wait_for(healed.wait(), TIMEOUT)
        assert (sync.resyncs, book.checksum_errors) == (1, 1)
        healed.clear()
        state["updates_after"] = 0
        before = sync.resyncs
        sim.faults.drop_ws()
        sync.connection_lost()
        await asyncio.wait_for(healed.wait(), TIMEOUT)        # reconnected, resubscribed, snapshot, updates verify
        assert sync.resyncs == before
        assert not book.stale
