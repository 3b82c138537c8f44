"""The simulator's WebSocket protocol over real sockets: acks, error events, login, ping/pong, idle and flood
disconnects, books snapshot + updates whose checksums verify, depth/candle/trade channels, private pushes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import httpx
import orjson
import pytest
import pytest_asyncio
import websockets
from websockets.exceptions import ConnectionClosed

from terminal_app.bitget.signing import auth_headers, ws_login_message
from terminal_app.core.book_checksum import book_checksum
from terminal_app.core.credentials import Credentials
from terminal_app.sim.server.auth import DEMO_CREDENTIALS
from terminal_app.sim.server.http import SimConfig, SimServer
from terminal_app.sim.server.ws_protocol import WsConfig

Msg = dict[str, Any]
TIMEOUT = 10.0


async def _start(**kw: Any) -> SimServer:
    ws_config = kw.pop("ws", WsConfig())
    sim = SimServer(SimConfig(seed=4, ws=ws_config, **kw))
    await sim.start()
    return sim


@pytest_asyncio.fixture
async def sim() -> AsyncIterator[SimServer]:
    server = await _start()
    yield server
    await server.stop()


@pytest_asyncio.fixture
async def fast_sim() -> AsyncIterator[SimServer]:
    server = await _start(fast=True)
    yield server
    await server.stop()


def _urls(server: SimServer) -> tuple[str, str]:
    assert server.info is not None
    return server.info.ws_public, server.info.ws_private


async def send(ws: websockets.ClientConnection, msg: Any) -> None:
    await ws.send(msg if isinstance(msg, str) else orjson.dumps(msg).decode())


async def until(ws: websockets.ClientConnection, test: Callable[[Msg], bool]) -> Msg:
    """The next JSON message that passes ``test`` (others are skipped)."""
    return (await until_all(ws, {"it": test}))["it"]


async def until_all(ws: websockets.ClientConnection, tests: dict[str, Callable[[Msg], bool]]) -> dict[str, Msg]:
    """Read until each test has matched a message (in any order); the first match of each."""
    found: dict[str, Msg] = {}
    async with asyncio.timeout(TIMEOUT):
        while len(found) < len(tests):
            raw = await ws.recv()
            if raw == "pong":
                continue
            msg = orjson.loads(raw)
            for name, test in tests.items():
                if name not in found and test(msg):
                    found[name] = msg
    return found


def event(name: str) -> Callable[[Msg], bool]:
    return lambda m: m.get("event") == name


def push(channel: str, action: str | None = None) -> Callable[[Msg], bool]:
    return lambda m: m.get("arg", {}).get("channel") == channel and "action" in m and (
        action is None or m["action"] == action)


async def login(ws: websockets.ClientConnection, server: SimServer, creds: Credentials = DEMO_CREDENTIALS) -> Msg:
    await send(ws, ws_login_message(creds, str(server.now_ms() // 1000)))
    return await until(ws, lambda m: m.get("event") in ("login", "error"))


BTC = {"instType": "SPOT", "channel": "ticker", "instId": "BTCUSDT"}


# ---- protocol -------------------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_subscribe_ack_snapshot_and_unsubscribe(sim: SimServer) -> None:
    public, _ = _urls(sim)
    async with websockets.connect(public) as ws:
        await send(ws, {"op": "subscribe", "args": [BTC]})
        assert await until(ws, event("subscribe")) == {"event": "subscribe", "arg": BTC}
        snap = await until(ws, push("ticker"))
        assert snap["action"] == "snapshot"
        assert snap["arg"] == BTC
        assert snap["data"][0]["instId"] == "BTCUSDT"
        assert isinstance(snap["ts"], int)
        await send(ws, {"op": "unsubscribe", "args": [BTC]})
        assert await until(ws, event("unsubscribe")) == {"event": "unsubscribe", "arg": BTC}
        assert not any(sim.hub.feeds[f].subs.get("ticker") for f in sim.hub.feeds)


@pytest.mark.asyncio
async def test_error_events(sim: SimServer) -> None:
    public, private = _urls(sim)
    async with websockets.connect(public) as ws:
        bad_channel = {"instType": "SPOT", "channel": "candleNone", "instId": "BTCUSDT"}
        await send(ws, {"op": "subscribe", "args": [bad_channel]})
        err = await until(ws, event("error"))
        assert err["code"] == 30001
        assert err["arg"] == bad_channel
        assert err["msg"] == "instType:SPOT,channel:candleNone,instId:BTCUSDT doesn't exist"
        await send(ws, {"op": "subscribe", "args": [{"instType": "SPOT", "channel": "ticker", "instId": "DOGEUSDT"}]})
        assert (await until(ws, event("error")))["code"] == 30001
        await send(ws, {"op": "subscribe", "args": [{"instType": "MARGIN", "channel": "ticker", "instId": "BTCUSDT"}]})
        assert (await until(ws, event("error")))["code"] == 30001
        await send(ws, "{not json")
        assert (await until(ws, event("error")))["code"] == 30002
        await send(ws, {"op": "subscribe", "args": "ticker"})
        assert (await until(ws, event("error")))["code"] == 30002
        await send(ws, {"op": "dance", "args": [BTC]})
        assert (await until(ws, event("error")))["code"] == 30003
        await send(ws, {"op": "subscribe", "args": [{"channel": "ticker"}]})
        assert (await until(ws, event("error")))["code"] == 30016
        orders = {"instType": "SPOT", "channel": "orders", "instId": "default"}
        await send(ws, {"op": "subscribe", "args": [orders]})       # a private channel on the public URL
        assert (await until(ws, event("error")))["code"] == 30001
    async with websockets.connect(private) as ws:
        await send(ws, {"op": "subscribe", "args": [orders]})
        err = await until(ws, event("error"))
        assert (err["code"], err["arg"]) == (30004, orders)


@pytest.mark.asyncio
async def test_login(sim: SimServer) -> None:
    _, private = _urls(sim)
    async with websockets.connect(private) as ws:
        bad = Credentials(DEMO_CREDENTIALS.api_key, "wrong secret", DEMO_CREDENTIALS.passphrase)
        assert await login(ws, sim, bad) == {"event": "error", "code": 30015, "msg": "Invalid sign"}
        assert (await login(ws, sim, Credentials("nobody", "x", "y")))["code"] == 30011
        assert await login(ws, sim) == {"event": "login", "code": 0, "msg": ""}   # a number, as the live exchange sends
        account = {"instType": "SPOT", "channel": "account", "coin": "default"}
        await send(ws, {"op": "subscribe", "args": [account]})
        assert await until(ws, event("subscribe")) == {"event": "subscribe", "arg": account}
        snap = await until(ws, push("account"))
        assert {row["coin"] for row in snap["data"]} >= {"USDT", "BTC"}


@pytest.mark.asyncio
async def test_ping_pong(sim: SimServer) -> None:
    public, _ = _urls(sim)
    async with websockets.connect(public) as ws:
        await ws.send("ping")
        assert await asyncio.wait_for(ws.recv(), TIMEOUT) == "pong"


@pytest.mark.asyncio
async def test_idle_connection_is_closed() -> None:
    server = await _start(ws=WsConfig(idle_timeout_s=0.2))
    try:
        public, _ = _urls(server)
        async with websockets.connect(public) as ws:
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(ws.recv(), TIMEOUT)
            assert ws.close_code == 1000
    finally:
        await server.stop()


@pytest.mark.asyncio
async def test_flood_gets_30006_and_close(sim: SimServer) -> None:
    public, _ = _urls(sim)
    async with websockets.connect(public) as ws:
        for _ in range(11):
            await ws.send("ping")
        seen: list[Any] = []

        async def read_all() -> None:
            while True:
                seen.append(await ws.recv())

        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(read_all(), TIMEOUT)
        assert seen[:10] == ["pong"] * 10
        assert orjson.loads(seen[10])["code"] == 30006
        assert ws.close_code == 1008


async def _drain(ws: websockets.ClientConnection) -> None:
    while True:
        await ws.recv()


@pytest.mark.asyncio
async def test_subscribe_budget_and_channel_cap_per_connection() -> None:
    server = await _start(ws=WsConfig(max_subscribe_requests=3, max_channels=2))
    eth = {**BTC, "instId": "ETHUSDT"}
    sol = {**BTC, "instId": "SOLUSDT"}
    try:
        public, _ = _urls(server)
        async with websockets.connect(public) as ws:
            await send(ws, {"op": "subscribe", "args": [BTC, eth]})              # request 1: two channels
            await until_all(ws, {"btc": lambda m: m == {"event": "subscribe", "arg": BTC},
                                 "eth": lambda m: m == {"event": "subscribe", "arg": eth}})
            await send(ws, {"op": "subscribe", "args": [sol]})                  # request 2: a third channel
            err = await until(ws, event("error"))
            assert (err["code"], err["arg"]) == (30007, sol)
            await send(ws, {"op": "unsubscribe", "args": [eth]})                # request 3 (unsubscribes count)
            assert await until(ws, event("unsubscribe")) == {"event": "unsubscribe", "arg": eth}
            await send(ws, {"op": "subscribe", "args": [sol]})                  # request 4: over the budget
            err = await until(ws, event("error"))
            assert err == {"event": "error", "code": 30007, "msg": "Request over limit, connection close"}
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(_drain(ws), TIMEOUT)
            assert ws.close_code == 1008
    finally:
        await server.stop()


def test_the_client_stays_inside_the_servers_hourly_budget() -> None:
    from terminal_app.bitget.ws_pacing import MAX_SUBSCRIBES_PER_WINDOW, SUBSCRIBE_WINDOW_S

    assert WsConfig().max_subscribe_requests > MAX_SUBSCRIBES_PER_WINDOW
    assert WsConfig().subscribe_window_s <= SUBSCRIBE_WINDOW_S


# ---- market data --------------------------------------------------------------------------------------------


class RefBook:
    """An independent reference book: Decimal-keyed dicts, checksum from the plain core.book_checksum function."""

    def __init__(self, item: Msg) -> None:
        self.bids = {Decimal(p): [p, s] for p, s in item["bids"]}
        self.asks = {Decimal(p): [p, s] for p, s in item["asks"]}
        self.seq = item["seq"]

    def apply(self, item: Msg) -> None:
        assert item["pseq"] == self.seq
        self.seq = item["seq"]
        for side, levels in ((self.bids, item["bids"]), (self.asks, item["asks"])):
            for p, s in levels:
                if Decimal(s) == 0:
                    side.pop(Decimal(p), None)
                else:
                    side[Decimal(p)] = [p, s]

    def checksum(self) -> int:
        bids = [self.bids[k] for k in sorted(self.bids, reverse=True)]
        asks = [self.asks[k] for k in sorted(self.asks)]
        assert not bids or not asks or Decimal(bids[0][0]) < Decimal(asks[0][0])
        return book_checksum(bids, asks)


async def _check_books(server: SimServer, updates: int, inst_type: str = "SPOT", symbol: str = "BTCUSDT") -> None:
    public, _ = _urls(server)
    arg = {"instType": inst_type, "channel": "books", "instId": symbol}
    async with websockets.connect(public) as ws:
        await send(ws, {"op": "subscribe", "args": [arg]})
        snap = await until(ws, push("books"))
        assert snap["action"] == "snapshot"
        item = snap["data"][0]
        assert len(item["bids"]) > 100
        assert len(item["asks"]) > 100
        book = RefBook(item)
        assert item["checksum"] == book.checksum()
        for _ in range(updates):
            msg = await until(ws, push("books"))
            assert msg["action"] == "update"
            book.apply(msg["data"][0])
            assert msg["data"][0]["checksum"] == book.checksum()
        await send(ws, {"op": "subscribe", "args": [arg]})         # resubscribe: a fresh snapshot
        again = await until(ws, push("books", "snapshot"))
        assert again["data"][0]["checksum"] == RefBook(again["data"][0]).checksum()


@pytest.mark.asyncio
async def test_books_snapshot_then_updates_with_valid_checksums(sim: SimServer) -> None:
    await _check_books(sim, 5)
    await _check_books(sim, 3, "USDT-FUTURES", "ETHUSDT")


@pytest.mark.asyncio
async def test_fast_books_push_every_step(fast_sim: SimServer) -> None:
    await _check_books(fast_sim, 60, "SPOT", "SOLUSDT")


@pytest.mark.asyncio
async def test_depth_candle_and_trade_channels(sim: SimServer) -> None:
    public, _ = _urls(sim)
    args = [{"instType": "SPOT", "channel": "books1", "instId": "BTCUSDT"},
            {"instType": "USDT-FUTURES", "channel": "books15", "instId": "BTCUSDT"},
            {"instType": "SPOT", "channel": "candle1m", "instId": "BTCUSDT"},
            {"instType": "SPOT", "channel": "trade", "instId": "BTCUSDT"}]
    async with websockets.connect(public) as ws:
        await send(ws, {"op": "subscribe", "args": args})
        one = await until(ws, push("books1"))
        assert (len(one["data"][0]["bids"]), len(one["data"][0]["asks"])) == (1, 1)
        fifteen = await until(ws, push("books15"))
        assert (len(fifteen["data"][0]["bids"]), len(fifteen["data"][0]["asks"])) == (15, 15)
        assert fifteen["data"][0]["checksum"] == book_checksum(fifteen["data"][0]["bids"], fifteen["data"][0]["asks"])
        candles = await until(ws, push("candle1m", "snapshot"))
        rows = candles["data"]
        assert len(rows) == 100
        assert all(len(r) == 8 and all(isinstance(v, str) for v in r) for r in rows)
        assert [int(r[0]) for r in rows] == sorted(int(r[0]) for r in rows)
        update = await until(ws, push("candle1m", "update"))
        assert int(update["data"][0][0]) >= int(rows[-1][0])
        trades = await until(ws, push("trade", "update"))
        assert {"ts", "price", "size", "side", "tradeId"} <= set(trades["data"][0])


# ---- private pushes ---------------------------------------------------------------------------------------------


async def _post(server: SimServer, path: str, body: dict[str, Any]) -> Msg:
    assert server.info is not None
    text = orjson.dumps(body).decode()
    headers = auth_headers(DEMO_CREDENTIALS, str(server.now_ms()), "POST", path, "", text)
    async with httpx.AsyncClient(base_url=server.info.rest) as http:
        r = await http.post(path, headers=headers, content=text)
    payload: Msg = r.json()
    assert payload["code"] == "00000", payload
    return payload


@pytest.mark.asyncio
async def test_private_pushes_after_a_rest_order(sim: SimServer) -> None:
    _, private = _urls(sim)
    args = [{"instType": "SPOT", "channel": "orders", "instId": "default"},
            {"instType": "SPOT", "channel": "fill", "instId": "default"},
            {"instType": "SPOT", "channel": "account", "coin": "default"},
            {"instType": "USDT-FUTURES", "channel": "positions", "instId": "default"},
            {"instType": "USDT-FUTURES", "channel": "orders", "instId": "BTCUSDT"}]
    async with websockets.connect(private) as ws:
        assert (await login(ws, sim))["event"] == "login"
        await send(ws, {"op": "subscribe", "args": args})
        for _ in args:
            await until(ws, event("subscribe"))
        placed = await _post(sim, "/api/v2/spot/trade/place-order",
                             {"symbol": "ETHUSDT", "side": "buy", "orderType": "market", "size": "30"})
        order_id = placed["data"]["orderId"]
        got = await until_all(ws, {
            "filled": lambda m: push("orders")(m) and m["data"][0]["status"] == "filled",
            "fill": push("fill"),
            "eth": lambda m: push("account")(m) and any(r["coin"] == "ETH" for r in m["data"])})
        assert got["filled"]["data"][0]["orderId"] == order_id
        assert got["fill"]["data"][0]["orderId"] == order_id
        eth = next(r for r in got["eth"]["data"] if r["coin"] == "ETH")
        assert Decimal(eth["available"]) > 1

        await _post(sim, "/api/v2/mix/order/place-order",
                    {"symbol": "BTCUSDT", "productType": "USDT-FUTURES", "marginMode": "crossed",
                     "marginCoin": "USDT", "side": "sell", "orderType": "market", "size": "0.01"})
        got = await until_all(ws, {
            "positions": lambda m: push("positions")(m) and bool(m["data"]),
            "order": lambda m: push("orders")(m) and m["arg"]["instType"] == "USDT-FUTURES"})
        assert got["positions"]["data"][0]["holdSide"] == "short"
        assert got["positions"]["data"][0]["total"] == "0.0100"
        assert got["order"]["arg"] == {"instType": "USDT-FUTURES", "channel": "orders", "instId": "BTCUSDT"}
