"""The WebSocket streamer against a small Bitget-like server on 127.0.0.1 (real sockets, websockets on both sides)."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import Any

import orjson
import pytest
import pytest_asyncio
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from terminal_app.bitget.errors import AuthError, TransportError, WebSocketError
from terminal_app.bitget.signing import verify_ws_login
from terminal_app.bitget.ws import (
    BitgetStreamer,
    ChannelEvent,
    ChannelEventKind,
    ConnectionEvent,
    ConnectionState,
    StreamerConfig,
    StreamEvent,
)
from terminal_app.bitget.ws_connection import backoff_delay
from terminal_app.bitget.ws_pacing import MessagePacer
from terminal_app.core.book_checksum import book_checksum
from terminal_app.core.book_sync import BookSync
from terminal_app.core.credentials import Credentials
from terminal_app.core.orderbook import OrderBook

CREDS = Credentials("bg_test_key", "test-secret", "test-pass")
NOW_S = 1_700_000_000


class FixedClock:
    def now_ms(self) -> int:
        return NOW_S * 1000

    def now_s(self) -> int:
        return NOW_S


def ticker(inst_id: str = "BTCUSDT") -> dict[str, str]:
    return {"instType": "SPOT", "channel": "ticker", "instId": inst_id}


def books(inst_id: str) -> dict[str, str]:
    return {"instType": "SPOT", "channel": "books", "instId": inst_id}


ACCOUNT = {"instType": "SPOT", "channel": "account", "coin": "default"}
ORDERS = {"instType": "SPOT", "channel": "orders", "instId": "default"}


class FakeBitget:
    """Speaks just enough of Bitget's V2 WebSocket protocol, records every client frame with its arrival time."""

    def __init__(self) -> None:
        self.received: list[tuple[int, float, str]] = []  # (connection number, loop time, text)
        self.connections: list[ServerConnection] = []
        self.answer_pings = True
        self.login_ack = '{"event":"login","code":"0","msg":""}'
        self.after_subscribe: Callable[[ServerConnection, dict[str, Any]], Any] | None = None
        self._changed = asyncio.Condition()
        self._server: Server | None = None

    async def start(self) -> None:
        self._server = await serve(self._handle, "127.0.0.1", 0, ping_interval=None, compression=None)

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"ws://127.0.0.1:{self._server.sockets[0].getsockname()[1]}/v2/ws/public"

    async def wait_for(self, predicate: Callable[[], bool], limit_s: float = 5.0) -> None:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), limit_s)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def ops(self, op: str, connection: int | None = None) -> list[dict[str, Any]]:
        """Args of every ``op`` message received (on one connection if given), in order."""
        found: list[dict[str, Any]] = []
        for number, _, text in self.received:
            if text == "ping" or (connection is not None and number != connection):
                continue
            message = orjson.loads(text)
            if message.get("op") == op:
                found += message.get("args", [])
        return found

    def pings(self, connection: int | None = None) -> int:
        return sum(1 for n, _, t in self.received if t == "ping" and connection in (None, n))

    async def push(self, arg: dict[str, Any], data: list[Any], action: str = "snapshot", connection: int = -1) -> None:
        await self.connections[connection].send(
            orjson.dumps({"action": action, "arg": arg, "data": data, "ts": 1}).decode())

    async def _handle(self, ws: ServerConnection) -> None:
        number = len(self.connections)
        self.connections.append(ws)
        await self._notify()
        logged_in = False
        loop = asyncio.get_running_loop()
        try:
            async for text in ws:
                assert isinstance(text, str)
                self.received.append((number, loop.time(), text))
                await self._notify()
                if text == "ping":
                    if self.answer_pings:
                        await ws.send("pong")
                    continue
                message = orjson.loads(text)
                op = message.get("op")
                if op == "login":
                    login = message["args"][0]
                    ok = login["apiKey"] == CREDS.api_key and verify_ws_login(CREDS.secret, login["sign"],
                                                                              login["timestamp"])
                    if ok:
                        logged_in = True
                        await ws.send(self.login_ack)
                    else:
                        await ws.send('{"event":"error","code":30015,"msg":"Invalid sign"}')
                    continue
                for arg in message["args"]:
                    if arg.get("instId") == "NOPE":
                        text = f"instType:{arg['instType']},channel:{arg['channel']},instId:NOPE doesn't exist"
                        await ws.send(orjson.dumps({"event": "error", "code": 30001, "msg": text}).decode())
                    elif arg["channel"] in ("account", "orders") and not logged_in:
                        await ws.send('{"event":"error","code":30004,"msg":"User not logged in"}')
                    else:
                        await ws.send(orjson.dumps({"event": op, "arg": arg}).decode())
                        if op == "subscribe" and self.after_subscribe is not None:
                            await self.after_subscribe(ws, arg)
        except ConnectionClosed:
            pass


@pytest_asyncio.fixture
async def server() -> AsyncIterator[FakeBitget]:
    fake = FakeBitget()
    await fake.start()
    yield fake
    await fake.stop()


def config(url: str, **overrides: Any) -> StreamerConfig:
    base = StreamerConfig(public_url=url, private_url=url.replace("public", "private"), ping_interval_s=30.0,
                          backoff_initial_s=0.01, backoff_max_s=0.05, ack_timeout_s=5.0, login_timeout_s=5.0)
    return replace(base, **overrides)


class Recorder:
    """Collects streamer events and lets a test await one that matches."""

    def __init__(self, streamer: BitgetStreamer) -> None:
        self.events: list[StreamEvent] = []
        self._changed = asyncio.Event()
        streamer.add_listener(self._on_event)

    def _on_event(self, event: StreamEvent) -> None:
        self.events.append(event)
        self._changed.set()

    async def wait_for(self, predicate: Callable[[StreamEvent], bool], limit_s: float = 5.0) -> StreamEvent:
        async def scan() -> StreamEvent:
            seen = 0
            while True:
                for event in self.events[seen:]:
                    if predicate(event):
                        return event
                seen = len(self.events)
                self._changed.clear()
                await self._changed.wait()

        return await asyncio.wait_for(scan(), limit_s)

    def states(self, connection: str | None = None) -> list[ConnectionState]:
        return [e.state for e in self.events
                if isinstance(e, ConnectionEvent) and connection in (None, e.connection)]


def state_is(state: ConnectionState, attempt: int | None = None) -> Callable[[StreamEvent], bool]:
    return lambda e: isinstance(e, ConnectionEvent) and e.state is state and attempt in (None, e.attempt)


def assert_no_streamer_tasks() -> None:
    leftovers = [t for t in asyncio.all_tasks() if t.get_name().startswith("bitget-ws")]
    assert not leftovers, leftovers


# ----- unit: pacing and backoff -----------------------------------------------------------------------------------


def test_pacer_allows_ten_per_window_then_waits() -> None:
    now = [100.0]
    pacer = MessagePacer(max_msgs=10, window_s=1.0, clock=lambda: now[0])
    for _ in range(10):
        assert pacer.delay() == 0.0
        pacer.record()
        now[0] += 0.01
    assert pacer.delay() == pytest.approx(1.0 - 0.1)
    now[0] = 101.0
    assert pacer.delay() == 0.0


def test_pacer_subscribe_budget_per_hour() -> None:
    now = [0.0]
    pacer = MessagePacer(max_msgs=10, window_s=1.0, max_subscribes=3, subscribe_window_s=3600.0,
                         clock=lambda: now[0])
    for _ in range(3):
        now[0] += 2.0
        assert pacer.delay(subscribe=True) == 0.0
        pacer.record(subscribe=True)
    assert pacer.delay() == 0.0  # pings still go out
    assert pacer.delay(subscribe=True) == pytest.approx(3600.0 + 2.0 - 6.0)
    now[0] = 3602.0
    assert pacer.delay(subscribe=True) == 0.0


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    cfg = StreamerConfig(backoff_initial_s=0.5, backoff_max_s=8.0, backoff_jitter=0.5)
    rng = random.Random(7)
    for attempt, base in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (5, 8.0), (9, 8.0)]:
        delays = [backoff_delay(attempt, cfg, rng) for _ in range(50)]
        assert all(base * 0.5 <= d <= base for d in delays)
        assert len(set(delays)) > 1


# ----- integration with the fake server -------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_subscribe_ack_and_dispatch_to_sync_and_async_handlers(server: FakeBitget) -> None:
    got_sync: list[dict[str, Any]] = []
    got_async: list[dict[str, Any]] = []
    both = asyncio.Event()

    def on_btc(msg: dict[str, Any]) -> None:
        got_sync.append(msg)
        both.set()

    async def on_eth(msg: dict[str, Any]) -> None:
        got_async.append(msg)

    async with BitgetStreamer(config(server.url), clock=FixedClock()) as streamer:
        events = Recorder(streamer)
        await streamer.subscribe(ticker("BTCUSDT"), on_btc)
        await streamer.subscribe(ticker("ETHUSDT"), on_eth)
        assert [a["instId"] for a in server.ops("subscribe")] == ["BTCUSDT", "ETHUSDT"]
        acks = [e for e in events.events if isinstance(e, ChannelEvent) and e.kind is ChannelEventKind.SUBSCRIBED]
        assert len(acks) == 2
        await server.push(ticker("ETHUSDT"), [{"lastPr": "1"}])
        await server.push(ticker("XRPUSDT"), [{"lastPr": "3"}])  # not subscribed: dropped
        await server.push(ticker("BTCUSDT"), [{"lastPr": "2"}])
        await asyncio.wait_for(both.wait(), 5)  # pushes are handled in order: ETH's came first
        assert [m["data"] for m in got_async] == [[{"lastPr": "1"}]]
        assert [m["data"] for m in got_sync] == [[{"lastPr": "2"}]]
        assert got_sync[0]["arg"] == ticker("BTCUSDT")
        await streamer.unsubscribe(ticker("BTCUSDT"))
        assert server.ops("unsubscribe") == [ticker("BTCUSDT")]
        assert streamer.subscriptions() == [("SPOT", "ticker", "ETHUSDT")]
    assert streamer.stats().messages >= 5
    assert state_is(ConnectionState.CLOSED)(events.events[-1])
    assert_no_streamer_tasks()


@pytest.mark.asyncio
async def test_push_order_is_preserved(server: FakeBitget) -> None:
    seen: list[str] = []
    done = asyncio.Event()

    def on_ticker(msg: dict[str, Any]) -> None:
        seen.append(msg["data"][0]["lastPr"])
        if len(seen) == 50:
            done.set()

    async with BitgetStreamer(config(server.url), clock=FixedClock()) as streamer:
        await streamer.subscribe(ticker(), on_ticker)
        for i in range(50):
            await server.push(ticker(), [{"lastPr": str(i)}])
        await asyncio.wait_for(done.wait(), 5)
    assert seen == [str(i) for i in range(50)]


@pytest.mark.asyncio
async def test_malformed_frames_and_failing_handlers_do_not_break_the_stream(server: FakeBitget) -> None:
    seen: list[int] = []
    third = asyncio.Event()

    def flaky(msg: dict[str, Any]) -> None:
        seen.append(msg["data"][0]["n"])
        if len(seen) == 3:
            third.set()
        if msg["data"][0]["n"] == 1:
            raise RuntimeError("handler bug")

    async with BitgetStreamer(config(server.url), clock=FixedClock()) as streamer:
        await streamer.subscribe(ticker(), flaky)
        await server.push(ticker(), [{"n": 1}])
        await server.connections[0].send("{not json")
        await server.connections[0].send('{"action":"snapshot","data":[]}')  # no arg
        await server.push(ticker(), [{"n": 2}])
        await server.push(ticker(), [{"n": 3}])
        await asyncio.wait_for(third.wait(), 5)
        stats = streamer.connection_stats()[0]
        assert seen == [1, 2, 3]
        assert stats.malformed == 2
        assert stats.handler_errors == 1
        assert stats.reconnects == 0


@pytest.mark.asyncio
async def test_error_event_raises_typed_error_and_is_surfaced(server: FakeBitget) -> None:
    async with BitgetStreamer(config(server.url), clock=FixedClock()) as streamer:
        events = Recorder(streamer)
        with pytest.raises(WebSocketError) as caught:
            await streamer.subscribe(ticker("NOPE"), lambda m: None)
        assert caught.value.code == "30001"
        error_event = await events.wait_for(lambda e: isinstance(e, ChannelEvent) and e.kind is ChannelEventKind.ERROR)
        assert isinstance(error_event, ChannelEvent)
        assert error_event.arg is not None
        assert error_event.arg["instId"] == "NOPE"
        assert streamer.subscriptions() == []
        # the connection is still fine for other channels
        await streamer.subscribe(ticker("BTCUSDT"), lambda m: None)


@pytest.mark.parametrize("ack", ['{"event":"login","code":"0","msg":""}', '{"event":"login","code":0}'])
@pytest.mark.asyncio
async def test_login_then_private_subscribes(server: FakeBitget, ack: str) -> None:
    server.login_ack = ack  # both shapes appear in Bitget's docs and SDK fixtures
    async with BitgetStreamer(config(server.url), credentials=CREDS, clock=FixedClock()) as streamer:
        events = Recorder(streamer)
        await streamer.subscribe(ACCOUNT, lambda m: None)
        await streamer.subscribe(ORDERS, lambda m: None)
        texts = [orjson.loads(t) for _, _, t in server.received if t != "ping"]
        assert texts[0]["op"] == "login"
        login = texts[0]["args"][0]
        assert login["timestamp"] == str(NOW_S)  # seconds, from the injected clock
        assert verify_ws_login(CREDS.secret, login["sign"], login["timestamp"])
        assert server.ops("subscribe") == [ACCOUNT, ORDERS]
        assert events.states("private-1")[:3] == [ConnectionState.CONNECTING, ConnectionState.CONNECTED,
                                                 ConnectionState.LOGGED_IN]
        assert server.url.endswith("/v2/ws/public")
        assert len(server.connections) == 1


@pytest.mark.asyncio
async def test_login_failure_is_a_typed_error_not_a_crash_loop(server: FakeBitget) -> None:
    wrong = Credentials(CREDS.api_key, "wrong-secret", CREDS.passphrase)
    async with BitgetStreamer(config(server.url), credentials=wrong, clock=FixedClock()) as streamer:
        events = Recorder(streamer)
        with pytest.raises(AuthError) as caught:
            await streamer.subscribe(ACCOUNT, lambda m: None)
        assert caught.value.code == "30015"
        closed = await events.wait_for(state_is(ConnectionState.CLOSED))
        assert isinstance(closed, ConnectionEvent)
        assert isinstance(closed.error, AuthError)
        assert "login refused" in closed.reason
        # no retry loop: the connection task has ended after one attempt
        assert len(server.connections) == 1
        assert server.ops("subscribe") == []
        with pytest.raises(AuthError):
            await streamer.subscribe(ORDERS, lambda m: None)


@pytest.mark.asyncio
async def test_ping_pong_measures_rtt(server: FakeBitget) -> None:
    async with BitgetStreamer(config(server.url, ping_interval_s=0.05, pong_timeout_s=0.04),
                              clock=FixedClock()) as streamer:
        marker = asyncio.Event()
        await streamer.subscribe(ticker(), lambda m: marker.set())
        await server.wait_for(lambda: server.pings() >= 2)
        # frames arrive in order: once this push is handled, the pong sent before it was handled too
        await server.push(ticker(), [{}])
        await asyncio.wait_for(marker.wait(), 5)
        stats = streamer.stats()
        assert stats.ping_rtt_ms is not None
        assert 0 <= stats.ping_rtt_ms < 1000
        assert stats.last_message_ms is not None
        assert stats.reconnects == 0


@pytest.mark.parametrize("how", ["abort", "close"])
@pytest.mark.asyncio
async def test_server_drop_reconnects_relogs_in_and_resubscribes(server: FakeBitget, how: str) -> None:
    got: list[int] = []
    second = asyncio.Event()

    def on_orders(msg: dict[str, Any]) -> None:
        got.append(msg["data"][0]["n"])
        if len(got) == 2:
            second.set()

    async with BitgetStreamer(config(server.url), credentials=CREDS, clock=FixedClock()) as streamer:
        events = Recorder(streamer)
        await streamer.subscribe(ACCOUNT, lambda m: None)
        await streamer.subscribe(ORDERS, on_orders)
        await server.push(ORDERS, [{"n": 1}])
        first = server.connections[0]
        if how == "abort":
            first.transport.abort()
        else:  # what Bitget's 24 h recycle looks like
            await first.close(1000, "recycle")
        await server.wait_for(lambda: len(server.ops("subscribe", connection=1)) == 2)
        again = server.ops("login", connection=1)
        assert len(again) == 1
        assert server.ops("subscribe", connection=1) == [ACCOUNT, ORDERS]
        await server.push(ORDERS, [{"n": 2}], connection=1)
        await asyncio.wait_for(second.wait(), 5)
        states = events.states()
        assert ConnectionState.DISCONNECTED in states
        reconnecting = [e for e in events.events if isinstance(e, ConnectionEvent)
                        and e.state is ConnectionState.RECONNECTING]
        assert reconnecting
        assert reconnecting[0].attempt == 1
        assert states[-1] is ConnectionState.LOGGED_IN
        assert streamer.stats().reconnects == 1
    assert got == [1, 2]


@pytest.mark.asyncio
async def test_dead_connection_is_detected_and_replaced(server: FakeBitget) -> None:
    server.answer_pings = False
    cfg = config(server.url, ping_interval_s=0.05, pong_timeout_s=0.1)
    async with BitgetStreamer(cfg, clock=FixedClock()) as streamer:
        events = Recorder(streamer)
        await streamer.subscribe(ticker(), lambda m: None)
        down = await events.wait_for(state_is(ConnectionState.DISCONNECTED))
        assert isinstance(down, ConnectionEvent)
        assert "no pong" in down.reason
        server.answer_pings = True
        await server.wait_for(lambda: server.ops("subscribe", connection=1) == [ticker()])


@pytest.mark.asyncio
async def test_unreachable_server_backs_off_with_growing_attempts() -> None:
    with contextlib.closing(__import__("socket").socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"ws://127.0.0.1:{port}/v2/ws/public"  # nothing listens here any more
    async with BitgetStreamer(config(url, ack_timeout_s=0.2), clock=FixedClock(), rng=random.Random(1)) as streamer:
        events = Recorder(streamer)
        with pytest.raises(TransportError, match="No subscribe acknowledgement"):
            await streamer.subscribe(ticker(), lambda m: None)
        await events.wait_for(state_is(ConnectionState.RECONNECTING, attempt=3))
        # still wanted: it would be subscribed as soon as a connection succeeds
        assert streamer.connection_stats()[0].channels == 1
    reconnecting = [e for e in events.events
                    if isinstance(e, ConnectionEvent) and e.state is ConnectionState.RECONNECTING]
    assert [e.attempt for e in reconnecting[:3]] == [1, 2, 3]
    assert all("retry in" in e.reason for e in reconnecting)


@pytest.mark.asyncio
async def test_checksum_mismatch_resubscribes_only_that_channel(server: FakeBitget) -> None:
    snapshot = {"bids": [["100.0", "1"], ["99.5", "2"]], "asks": [["100.5", "1"]], "ts": "1"}
    btc, eth = OrderBook("BTCUSDT"), OrderBook("ETHUSDT")
    stale_when_resubscribed: list[bool] = []

    async def send_snapshot(ws: ServerConnection, arg: dict[str, Any]) -> None:
        if arg["channel"] != "books":
            return
        if arg["instId"] == "BTCUSDT" and btc.has_snapshot:
            stale_when_resubscribed.append(btc.stale)
            # an update still in flight before the new snapshot: the stale book must ignore it
            await ws.send(orjson.dumps({"action": "update", "arg": arg, "data": [
                {"bids": [["50", "1"]], "asks": [], "checksum": 0}], "ts": 1}).decode())
        await ws.send(orjson.dumps({"action": "snapshot", "arg": arg, "data": [snapshot], "ts": 1}).decode())

    server.after_subscribe = send_snapshot
    handled: dict[str, list[str]] = {"BTCUSDT": [], "ETHUSDT": []}
    progress = asyncio.Event()
    async with BitgetStreamer(config(server.url), clock=FixedClock()) as streamer:
        syncs = {"BTCUSDT": BookSync(btc, lambda: streamer.resubscribe(books("BTCUSDT"))),
                 "ETHUSDT": BookSync(eth, lambda: streamer.resubscribe(books("ETHUSDT")))}

        def handler(inst: str) -> Callable[[dict[str, Any]], None]:
            def on_books(msg: dict[str, Any]) -> None:
                syncs[inst](msg)
                handled[inst].append(msg["action"])
                progress.set()
            return on_books

        async def until(predicate: Callable[[], bool]) -> None:
            while not predicate():
                progress.clear()
                await asyncio.wait_for(progress.wait(), 5)

        await streamer.subscribe(books("BTCUSDT"), handler("BTCUSDT"))
        await streamer.subscribe(books("ETHUSDT"), handler("ETHUSDT"))
        await streamer.subscribe(ticker(), lambda m: None)
        await until(lambda: len(handled["BTCUSDT"]) == 1 and len(handled["ETHUSDT"]) == 1)
        good = book_checksum([["100.0", "3"], ["99.5", "2"]], [["100.5", "1"]])
        await server.push(books("ETHUSDT"), [{"bids": [["100.0", "3"]], "asks": [], "checksum": good}], "update")
        await server.push(books("BTCUSDT"), [{"bids": [["100.0", "3"]], "asks": [], "checksum": good + 1}],
                          "update")
        # snapshot, bad update, the ignored in-flight update, the new snapshot
        await until(lambda: handled["BTCUSDT"] == ["snapshot", "update", "update", "snapshot"])
        assert stale_when_resubscribed == [True]
        assert server.ops("unsubscribe") == [books("BTCUSDT")]
        assert [a["instId"] for a in server.ops("subscribe")] == ["BTCUSDT", "ETHUSDT", "BTCUSDT", "BTCUSDT"]
        assert not btc.stale
        assert btc.bids() == [("100.0", "1"), ("99.5", "2")]
        assert eth.bids() == [("100.0", "3"), ("99.5", "2")]
        assert btc.checksum_errors == 1
        assert eth.checksum_errors == 0
        assert streamer.stats().resubscribes == 1
        assert len(server.connections) == 1


@pytest.mark.asyncio
async def test_batches_up_to_fifteen_args_per_message(server: FakeBitget) -> None:
    async with BitgetStreamer(config(server.url), clock=FixedClock()) as streamer:
        # queued before the socket is up: the connection sends them together once it is
        for i in range(20):
            await streamer.subscribe(ticker(f"C{i}USDT"), lambda m: None, wait=False)
        await server.wait_for(lambda: len(server.ops("subscribe")) == 20)
        messages = [orjson.loads(t) for _, _, t in server.received if t != "ping"]
        assert [len(m["args"]) for m in messages] == [15, 5]
        assert [a["instId"] for a in server.ops("subscribe")] == [f"C{i}USDT" for i in range(20)]


@pytest.mark.asyncio
async def test_pacing_keeps_client_messages_within_the_window(server: FakeBitget) -> None:
    limit, window = 5, 0.25
    cfg = config(server.url, max_msgs_per_window=limit, msg_window_s=window, max_args_per_message=1,
                 ping_interval_s=0.05, pong_timeout_s=0.05)
    async with BitgetStreamer(cfg, clock=FixedClock()) as streamer:
        await asyncio.gather(*(streamer.subscribe(ticker(f"C{i}USDT"), lambda m: None) for i in range(16)))
    times = sorted(t for _, t, _ in server.received)
    assert len(times) >= 16 + 1  # the subscribes plus at least one ping, all paced together
    tolerance = 0.02  # scheduling jitter between the client's send and the server's receive
    for i in range(len(times) - limit):
        assert times[i + limit] - times[i] >= window - tolerance, (i, times)


@pytest.mark.asyncio
async def test_hourly_subscribe_budget_holds_subscribes_but_not_pings(server: FakeBitget) -> None:
    cfg = config(server.url, max_subscribes_per_hour=1, ping_interval_s=0.05, pong_timeout_s=0.04)
    async with BitgetStreamer(cfg, clock=FixedClock()) as streamer:
        await streamer.subscribe(ticker("BTCUSDT"), lambda m: None)
        await streamer.subscribe(ticker("ETHUSDT"), lambda m: None, wait=False)
        await server.wait_for(lambda: server.pings() >= 3)
        assert server.ops("subscribe") == [ticker("BTCUSDT")]
        assert streamer.stats().reconnects == 0


@pytest.mark.asyncio
async def test_channels_spread_over_connections(server: FakeBitget) -> None:
    async with BitgetStreamer(config(server.url, channels_per_connection=3), clock=FixedClock()) as streamer:
        for i in range(7):
            await streamer.subscribe(ticker(f"C{i}USDT"), lambda m: None)
        assert len(server.connections) == 3
        assert [len(server.ops("subscribe", connection=n)) for n in range(3)] == [3, 3, 1]
        assert streamer.stats().connections == 3
        assert [s.channels for s in streamer.connection_stats()] == [3, 3, 1]


@pytest.mark.asyncio
async def test_event_iterator_ends_on_close(server: FakeBitget) -> None:
    streamer = BitgetStreamer(config(server.url), clock=FixedClock())
    stream = streamer.events()
    await streamer.subscribe(ticker(), lambda m: None)
    await streamer.close()
    seen = [event async for event in stream]
    states = [e.state for e in seen if isinstance(e, ConnectionEvent)]
    assert states[0] is ConnectionState.CONNECTING
    assert states[-1] is ConnectionState.CLOSED
    await streamer.close()  # idempotent
    assert_no_streamer_tasks()
