"""BitgetHttp: signing on the wire, envelope → typed errors, retries, 429 back-off, clock sync, transports.

Most tests use httpx.MockTransport with a small Bitget-like handler; the transport tests use real loopback sockets.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import random
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import orjson
import pytest

from terminal_app.bitget.clock import ServerClock
from terminal_app.bitget.errors import (
    AuthError,
    EnvironmentMismatch,
    ExchangeError,
    InsufficientBalance,
    OrderNotFound,
    PositionModeMismatch,
    ProtocolError,
    RateLimited,
    TimestampError,
    TransportError,
)
from terminal_app.bitget.http import BitgetHttp, encode_body, wire_text
from terminal_app.bitget.signing import canonical_query, verify_rest_signature
from terminal_app.bitget.transport import TRANSPORTS, may_have_reached_server
from terminal_app.core.credentials import Credentials

CREDS = Credentials("bg_key_1", "s3cret", "phrase")
TRUE_T0 = 1_700_000_000_000

Handler = Callable[[httpx.Request], httpx.Response | Awaitable[httpx.Response]]


def envelope(data: Any, code: str = "00000", msg: str = "success", status: int = 200) -> httpx.Response:
    return httpx.Response(status, json={"code": code, "msg": msg, "requestTime": TRUE_T0, "data": data})


class Sleeps:
    """Injected sleep: records the delays and returns at once."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


class Server:
    """A MockTransport handler that records every request."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[httpx.Request] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        result = self.handler(request)
        if not isinstance(result, httpx.Response):
            result = await result
        return result

    def paths(self) -> list[str]:
        return [r.url.path for r in self.requests]


def make_http(handler: Handler, **kw: Any) -> tuple[BitgetHttp, Server, Sleeps]:
    server = Server(handler)
    sleeps = Sleeps()
    kw.setdefault("credentials", CREDS)
    http = BitgetHttp("https://api.example", transport=httpx.MockTransport(server), sleep=sleeps,
                      rng=random.Random(3), **kw)
    return http, server, sleeps


def signature_by_hand(secret: str, message: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()).decode()


# --- what goes on the wire -------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_signed_get_headers_query_order_and_signature() -> None:
    http, server, _ = make_http(lambda r: envelope({"ok": True}))
    params = {"symbol": "BTCUSDT", "productType": "USDT-FUTURES", "limit": 5, "note": "a b/c,d", "skip": None,
              "startTime": 1699999999000}
    assert await http.get("/api/v2/mix/order/orders-pending", params, signed=True) == {"ok": True}
    request = server.requests[0]
    sent_query = request.url.query.decode()
    assert sent_query == "limit=5&note=a%20b%2Fc%2Cd&productType=USDT-FUTURES&startTime=1699999999000&symbol=BTCUSDT"
    h = request.headers
    raw_query = "limit=5&note=a b/c,d&productType=USDT-FUTURES&startTime=1699999999000&symbol=BTCUSDT"
    expected = signature_by_hand("s3cret", h["ACCESS-TIMESTAMP"] + "GET/api/v2/mix/order/orders-pending?" + raw_query)
    assert h["ACCESS-SIGN"] == expected
    assert h["ACCESS-KEY"] == "bg_key_1"
    assert h["ACCESS-PASSPHRASE"] == "phrase"
    assert h["Content-Type"] == "application/json"
    assert h["locale"] == "en-US"
    assert "paptrading" not in h
    assert request.content == b""
    await http.aclose()


@pytest.mark.asyncio
async def test_demo_profile_sends_paptrading_on_every_call_but_server_time() -> None:
    """Public REST market data must come from the demo market the wspap stream shows: ccxt sends the header on every
    request except v2/public/time (bitget.ts sign()); the terminal sent it on signed calls only (issue 12 §3)."""
    http, server, _ = make_http(lambda r: envelope({"serverTime": str(TRUE_T0)} if "time" in r.url.path else []),
                                paptrading=True, credentials=None)
    await http.get("/api/v2/spot/market/orderbook", {"symbol": "BTCUSDT"})
    await http.get("/api/v2/mix/market/candles", {"symbol": "BTCUSDT", "productType": "USDT-FUTURES",
                                                  "granularity": "1m"})
    await http.get("/api/v2/public/time")
    assert [(r.url.path, r.headers.get("paptrading")) for r in server.requests] == [
        ("/api/v2/spot/market/orderbook", "1"), ("/api/v2/mix/market/candles", "1"), ("/api/v2/public/time", None)]
    live, live_server, _ = make_http(lambda r: envelope([]), credentials=None)
    await live.get("/api/v2/spot/market/orderbook", {"symbol": "BTCUSDT"})
    assert "paptrading" not in live_server.requests[0].headers
    await http.aclose()
    await live.aclose()


@pytest.mark.asyncio
async def test_post_body_is_sent_exactly_as_signed_with_plain_decimals() -> None:
    http, server, _ = make_http(lambda r: envelope({"orderId": "1", "clientOid": "c"}), paptrading=True,
                                locale="zh-CN")
    body = {"symbol": "BTCUSDT", "price": Decimal("6E+4"), "size": Decimal("1E-7"), "note": "ордер ✓"}
    await http.post("/api/v2/spot/trade/place-order", body)
    request = server.requests[0]
    assert request.content == encode_body(body)
    assert orjson.loads(request.content) == {"symbol": "BTCUSDT", "price": "60000", "size": "0.0000001",
                                             "note": "ордер ✓"}
    h = request.headers
    message = h["ACCESS-TIMESTAMP"] + "POST/api/v2/spot/trade/place-order" + request.content.decode()
    assert h["ACCESS-SIGN"] == signature_by_hand("s3cret", message)
    assert h["paptrading"] == "1"
    assert h["locale"] == "zh-CN"
    await http.aclose()


@pytest.mark.asyncio
async def test_public_calls_are_unsigned_even_on_a_demo_profile() -> None:
    http, server, _ = make_http(lambda r: envelope([]), paptrading=True, credentials=None)
    await http.get("/api/v2/spot/market/tickers", {"symbol": "BTCUSDT"})
    h = server.requests[0].headers
    assert not any(k.lower().startswith("access-") for k in h)
    assert h["paptrading"] == "1"          # unsigned, but still the demo market
    with pytest.raises(AuthError, match="no API key"):
        await http.get("/api/v2/spot/account/assets", signed=True)
    assert len(server.requests) == 1
    await http.aclose()
    with pytest.raises(RuntimeError, match="closed"):
        await http.get("/api/v2/spot/market/tickers")


def test_wire_text_formats() -> None:
    assert wire_text(Decimal("1.50")) == "1.50"
    assert wire_text(Decimal("2.5E-8")) == "0.000000025"
    assert wire_text(True) == "true"
    assert wire_text(7) == "7"
    assert wire_text("x") == "x"
    with pytest.raises(TypeError):
        encode_body({"bad": object()})


# --- envelope and typed errors --------------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("code", "status", "cls"),
    [
        ("40762", 400, InsufficientBalance),
        ("40009", 400, AuthError),
        ("40774", 400, PositionModeMismatch),
        ("43001", 400, OrderNotFound),
        ("40099", 400, EnvironmentMismatch),
        ("49999", 400, ExchangeError),
    ],
)
async def test_envelope_errors_become_typed_errors(code: str, status: int, cls: type[ExchangeError]) -> None:
    http, _, _ = make_http(lambda r: envelope(None, code=code, msg="Bitget says no", status=status))
    with pytest.raises(cls) as info:
        await http.post("/api/v2/spot/trade/place-order", {"symbol": "BTCUSDT"})
    assert type(info.value) is cls
    assert info.value.code == code
    assert info.value.http_status == status
    assert info.value.exchange_msg == "Bitget says no"
    await http.aclose()


@pytest.mark.asyncio
async def test_numeric_success_code_and_malformed_answers() -> None:
    answers = iter([
        httpx.Response(200, json={"code": 0, "msg": "", "data": [1]}),
        httpx.Response(404, text="<html>Not Found</html>"),
        httpx.Response(200, json=[1, 2]),
        httpx.Response(200, json={"msg": "no code"}),
    ])
    http, _, _ = make_http(lambda r: next(answers))
    assert await http.get("/a") == [1]
    with pytest.raises(ProtocolError) as info:
        await http.get("/a")
    assert info.value.http_status == 404
    with pytest.raises(ProtocolError):
        await http.get("/a")
    with pytest.raises(ProtocolError):
        await http.get("/a")
    await http.aclose()


# --- retries ---------------------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_get_is_retried_on_5xx_and_timeouts() -> None:
    answers: list[Any] = [httpx.Response(503, text="<html>busy</html>"), httpx.ReadTimeout("slow"),
                          envelope({"fine": 1})]

    def handler(request: httpx.Request) -> httpx.Response:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    http, server, sleeps = make_http(handler)
    assert await http.get("/api/v2/spot/market/tickers") == {"fine": 1}
    assert len(server.requests) == 3
    assert len(sleeps.delays) == 2
    assert sleeps.delays[1] > sleeps.delays[0] * 0.9
    await http.aclose()


@pytest.mark.asyncio
async def test_get_gives_up_after_bounded_attempts() -> None:
    http, server, _ = make_http(lambda r: envelope(None, code="50001", msg="internal", status=500), get_attempts=3)
    with pytest.raises(ExchangeError) as info:
        await http.get("/api/v2/spot/market/tickers")
    assert info.value.http_status == 500
    assert len(server.requests) == 3
    await http.aclose()


@pytest.mark.asyncio
async def test_post_is_never_retried_on_5xx_or_timeout() -> None:
    http, server, _ = make_http(lambda r: httpx.Response(502, text="<html>Bad gateway</html>"))
    with pytest.raises(TransportError) as info:
        await http.post("/api/v2/spot/trade/place-order", {"symbol": "BTCUSDT"})
    assert info.value.ambiguous
    assert info.value.http_status == 502
    assert len(server.requests) == 1

    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("no answer")

    http2, server2, _ = make_http(timeout)
    with pytest.raises(TransportError) as info:
        await http2.post("/api/v2/spot/trade/place-order", {"symbol": "BTCUSDT"})
    assert info.value.ambiguous
    assert len(server2.requests) == 1
    await http.aclose()
    await http2.aclose()


@pytest.mark.asyncio
async def test_connect_failure_is_not_ambiguous() -> None:
    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    http, _, _ = make_http(refused, get_attempts=1)
    with pytest.raises(TransportError) as info:
        await http.post("/api/v2/spot/trade/place-order", {"symbol": "BTCUSDT"})
    assert not info.value.ambiguous
    await http.aclose()


@pytest.mark.asyncio
async def test_429_backs_off_then_succeeds() -> None:
    answers = [httpx.Response(429, headers={"Retry-After": "2"}, json={"code": "429", "msg": "Too Many Requests"}),
               httpx.Response(429, text="slow down"), envelope({"done": True})]
    http, server, sleeps = make_http(lambda r: answers.pop(0), get_attempts=3)
    assert await http.get("/api/v2/spot/market/candles", {"symbol": "BTCUSDT"}) == {"done": True}
    assert len(server.requests) == 3
    # the limiter waited out Retry-After (2 s) and then a second, longer back-off before the last attempt
    assert sleeps.delays[0] == pytest.approx(2.0, abs=0.05)
    assert len(sleeps.delays) == 2
    assert sleeps.delays[1] > 0
    assert http.limiter.bucket("/api/v2/spot/market/candles").strikes == 2
    await http.aclose()


@pytest.mark.asyncio
async def test_429_on_post_raises_after_penalising_the_bucket() -> None:
    http, server, _ = make_http(lambda r: httpx.Response(429, headers={"Retry-After": "1.5"}, text=""))
    with pytest.raises(RateLimited) as info:
        await http.post("/api/v2/spot/trade/place-order", {"symbol": "BTCUSDT"})
    assert info.value.retry_after == 1.5
    assert len(server.requests) == 1
    assert http.limiter.bucket("/api/v2/spot/trade/place-order").blocked_until > 0
    await http.aclose()


# --- clock skew ------------------------------------------------------------------------------------------------


class SkewedExchange:
    """Bitget's clock is ``true_ms``; it refuses timestamps more than 30 s away (40008) and checks signatures."""

    def __init__(self) -> None:
        self.true_ms = TRUE_T0
        self.time_calls = 0
        self.rejected = 0

    def tick(self, ms: int = 3) -> None:
        self.true_ms += ms

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.tick()
        if request.url.path == "/api/v2/public/time":
            self.time_calls += 1
            return envelope({"serverTime": str(self.true_ms)})
        stamp = request.headers["ACCESS-TIMESTAMP"]
        if abs(int(stamp) - self.true_ms) > 30_000:
            self.rejected += 1
            return envelope(None, code="40008", msg="Request timestamp expired", status=400)
        parts = urlsplit(str(request.url))
        query = canonical_query(dict(parse_qsl(parts.query)))
        if not verify_rest_signature(CREDS.secret, request.headers["ACCESS-SIGN"], stamp, request.method,
                                     parts.path, query, request.content.decode()):
            return envelope(None, code="40009", msg="sign signature error", status=400)
        return envelope({"stamp": int(stamp), "server": self.true_ms})


def skewed_clock(exchange: SkewedExchange, skew_ms: int) -> ServerClock:
    def local_ms() -> int:
        exchange.tick(1)
        return exchange.true_ms + skew_ms

    return ServerClock(local_ms)


@pytest.mark.asyncio
@pytest.mark.parametrize("skew_ms", [60_000, -60_000, 3_600_000])
async def test_skewed_machine_clock_works_after_sync(skew_ms: int) -> None:
    exchange = SkewedExchange()
    http, _, _ = make_http(exchange, clock=skewed_clock(exchange, skew_ms))
    await http.connect(periodic_sync=False)
    assert abs(http.clock.offset_ms + skew_ms) < 20
    for _ in range(3):
        data = await http.get("/api/v2/spot/account/assets", signed=True)
        assert abs(data["stamp"] - data["server"]) < 30_000
    assert exchange.rejected == 0
    await http.aclose()


@pytest.mark.asyncio
@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_timestamp_rejection_resyncs_once_and_retries_once(method: str) -> None:
    exchange = SkewedExchange()
    http, server, _ = make_http(exchange, clock=skewed_clock(exchange, -60_000))
    data = await http.request(method, "/api/v2/spot/trade/place-order", body={"x": 1} if method == "POST" else None,
                              signed=True)
    assert abs(data["stamp"] - data["server"]) < 30_000
    assert exchange.rejected == 1
    assert exchange.time_calls == 1
    assert server.paths() == ["/api/v2/spot/trade/place-order", "/api/v2/public/time",
                              "/api/v2/spot/trade/place-order"]
    await http.aclose()


@pytest.mark.asyncio
async def test_timestamp_rejection_is_not_retried_twice() -> None:
    http, server, _ = make_http(
        lambda r: envelope({"serverTime": str(TRUE_T0)}) if r.url.path.endswith("/time")
        else envelope(None, code="40004", msg="expired", status=400)
    )
    with pytest.raises(TimestampError):
        await http.post("/api/v2/spot/trade/place-order", {"x": 1})
    assert server.paths().count("/api/v2/spot/trade/place-order") == 2
    await http.aclose()


@pytest.mark.asyncio
async def test_sync_uses_the_round_trip_midpoint() -> None:
    local = iter([1_000, 1_200])  # sent at 1000, received at 1200 (local ms)
    http, _, _ = make_http(lambda r: envelope({"serverTime": "61100"}), clock=ServerClock(lambda: next(local)))
    assert await http.sync_time() == 60_000  # 61100 - (1000 + 1200) / 2
    assert http.clock.last_rtt_ms == 200
    await http.aclose()


@pytest.mark.asyncio
async def test_periodic_sync_runs_until_stopped() -> None:
    ticks: asyncio.Queue[None] = asyncio.Queue()
    synced = asyncio.Event()
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 3:
            synced.set()
        return envelope({"serverTime": str(TRUE_T0 + calls)})

    async def tick_sleep(seconds: float) -> None:
        assert seconds == 300.0
        await ticks.get()

    http = BitgetHttp("https://api.example", CREDS, transport=httpx.MockTransport(handler), sleep=tick_sleep)
    await http.connect()
    assert calls == 1
    assert http.time_sync_running
    ticks.put_nowait(None)
    ticks.put_nowait(None)
    await synced.wait()
    await http.stop_time_sync()
    assert not http.time_sync_running
    await http.aclose()


# --- real sockets: every transport, and whether a failure counts as "sent" ----------------------------------------


async def start_raw_server(on_request: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
                           ) -> tuple[asyncio.Server, str]:
    server = await asyncio.start_server(on_request, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}"


async def read_request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return head + await reader.readexactly(length)


@pytest.mark.asyncio
@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_transports_over_real_sockets(transport: str) -> None:
    seen: list[bytes] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for _ in range(2):  # two requests on one keep-alive connection
            seen.append(await read_request(reader))
            body = orjson.dumps({"code": "00000", "msg": "success", "requestTime": 1, "data": {"n": len(seen)}})
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                         % (len(body), body))
            await writer.drain()
        writer.close()

    server, url = await start_raw_server(answer)
    async with server, BitgetHttp(url, CREDS, transport=transport) as http:
        assert await http.post("/api/v2/spot/trade/place-order", {"price": Decimal("1.5")}) == {"n": 1}
        assert await http.get("/api/v2/spot/trade/orderInfo", {"clientOid": "x y"}, signed=True) == {"n": 2}
        assert http.transport_name == transport
    assert seen[0].startswith(b"POST /api/v2/spot/trade/place-order HTTP/1.1")
    assert seen[0].endswith(b'{"price":"1.5"}')
    assert seen[1].startswith(b"GET /api/v2/spot/trade/orderInfo?clientOid=x%20y HTTP/1.1")


@pytest.mark.asyncio
@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_disconnect_after_sending_is_ambiguous(transport: str) -> None:
    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.close()

    server, url = await start_raw_server(hang_up)
    async with server, BitgetHttp(url, CREDS, transport=transport) as http:
        with pytest.raises(TransportError) as info:
            await http.post("/api/v2/spot/trade/place-order", {"symbol": "BTCUSDT"})
    assert info.value.ambiguous


@pytest.mark.asyncio
@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_read_timeout_is_ambiguous(transport: str) -> None:
    release = asyncio.Event()

    async def stall(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await release.wait()
        writer.close()

    server, url = await start_raw_server(stall)
    timeout = httpx.Timeout(connect=2.0, read=0.2, write=2.0, pool=2.0)
    async with server, BitgetHttp(url, CREDS, transport=transport, timeout=timeout) as http:
        with pytest.raises(TransportError) as info:
            await http.post("/api/v2/spot/trade/place-order", {"symbol": "BTCUSDT"})
        release.set()
    assert info.value.ambiguous


@pytest.mark.asyncio
@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_refused_connection_is_not_ambiguous(transport: str) -> None:
    server, url = await start_raw_server(lambda r, w: asyncio.sleep(0))
    server.close()
    await server.wait_closed()
    async with BitgetHttp(url, CREDS, transport=transport, get_attempts=1) as http:
        with pytest.raises(TransportError) as info:
            await http.post("/api/v2/spot/trade/place-order", {"symbol": "BTCUSDT"})
    assert not info.value.ambiguous


def test_sent_or_not_classification() -> None:
    assert not may_have_reached_server(httpx.ConnectError("x"))
    assert not may_have_reached_server(httpx.PoolTimeout("x"))
    assert may_have_reached_server(httpx.ReadTimeout("x"))
    assert may_have_reached_server(httpx.RemoteProtocolError("x"))
    assert may_have_reached_server(httpx.WriteError("x"))
