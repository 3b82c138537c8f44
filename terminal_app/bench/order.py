"""``terminal-app bench order``: sequential signed spot limit orders through the real REST client.

Each order goes through :class:`BitgetRestClient.spot_place_order` exactly as the terminal sends it — clientOid,
Decimal formatting, orjson body, HMAC signature with the server-corrected clock, rate-limit bookkeeping, envelope
and ack parsing — over one keep-alive connection, one at a time. One JSON line is printed:
``{"orders_per_s", "p50_ms", "p99_ms", "transport", "count", …}``; with ``--compare`` one line with a key per
transport.

Without ``--url`` a minimal Bitget-shaped order server is started in a *separate process* (a raw asyncio HTTP/1.1
server that checks every signature with :mod:`terminal_app.bitget.signing` and answers Bitget's envelope), so its
work runs on the other core instead of competing with the client. The line then also carries ``baseline_p50_ms``:
a bare aiohttp loop posting a fixed pre-signed request to the same server, and ``overhead_p50_ms`` (client p50
minus baseline p50), the cost the client adds per order.

The local server is not Bitget, so the client's limiter runs with rates scaled by 10^6: its bookkeeping is on
every request, its waits never are.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import sys
import time
from decimal import Decimal
from multiprocessing.connection import Connection
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson

from terminal_app.bitget.errors import BitgetError
from terminal_app.bitget.http import BitgetHttp
from terminal_app.bitget.rest import BitgetRestClient
from terminal_app.bitget.signing import canonical_query, verify_rest_signature
from terminal_app.bitget.transport import TRANSPORTS, transport_name
from terminal_app.core.credentials import Credentials
from terminal_app.core.enums import OrderType, Side
from terminal_app.core.instruments import Product, SymbolRef

BENCH_CREDENTIALS = Credentials("bench-key", "bench-secret", "bench-passphrase")
LIMITER_SCALE = 1e6
WARMUP = 200
SYMBOL = SymbolRef("BTCUSDT", Product.SPOT)
PLACE_ORDER_PATH = "/api/v2/spot/trade/place-order"


# --- the local order server (runs in its own process) ------------------------------------------------------------


class _OrderServerProtocol(asyncio.Protocol):
    """HTTP/1.1 keep-alive, just enough of Bitget for place-order and server time."""

    def __init__(self, secret: str) -> None:
        self._secret = secret
        self._buffer = b""
        self._transport: asyncio.Transport | None = None
        self._order_id = 1_000_000

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while True:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self._buffer[:end].decode("latin-1").split("\r\n")
            headers = {}
            for line in head[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0"))
            if len(self._buffer) < end + 4 + length:
                return
            body = self._buffer[end + 4 : end + 4 + length]
            self._buffer = self._buffer[end + 4 + length :]
            method, target, _ = head[0].split(" ", 2)
            status, payload = self._answer(method, target, headers, body)
            self._write(status, payload)

    def _answer(self, method: str, target: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        now = time.time_ns() // 1_000_000
        parts = urlsplit(target)
        if parts.path == "/api/v2/public/time":
            return 200, {"code": "00000", "msg": "success", "requestTime": now, "data": {"serverTime": str(now)}}
        query = canonical_query(dict(parse_qsl(parts.query, keep_blank_values=True)))
        if not verify_rest_signature(self._secret, headers.get("access-sign", ""), headers.get("access-timestamp", ""),
                                     method, parts.path, query, body.decode()):
            return 400, {"code": "40009", "msg": "sign signature error", "requestTime": now, "data": None}
        if parts.path != PLACE_ORDER_PATH:
            return 404, {"code": "40404", "msg": "Request URL NOT FOUND", "requestTime": now, "data": None}
        order = orjson.loads(body)
        self._order_id += 1
        return 200, {"code": "00000", "msg": "success", "requestTime": now,
                     "data": {"orderId": str(self._order_id), "clientOid": order.get("clientOid")}}

    def _write(self, status: int, payload: dict[str, Any]) -> None:
        content = orjson.dumps(payload)
        reason = b"OK" if status == 200 else b"Error"
        assert self._transport is not None
        self._transport.write(b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                              % (status, reason, len(content), content))


def _serve(conn: Connection, secret: str) -> None:
    async def run() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(lambda: _OrderServerProtocol(secret), "127.0.0.1", 0)
        conn.send(server.sockets[0].getsockname()[1])
        await loop.run_in_executor(None, conn.recv)  # any message (or EOF) from the parent stops the server
        server.close()

    try:
        asyncio.run(run())
    except EOFError:
        pass


class LocalOrderServer:
    """The order server in a child process; ``url`` is valid between ``start()`` and ``stop()``."""

    def __init__(self, secret: str) -> None:
        self._secret = secret
        self._process: multiprocessing.process.BaseProcess | None = None
        self._conn: Connection | None = None
        self.url = ""

    def start(self, timeout_s: float = 30.0) -> str:
        # fork on Linux: nothing runs yet in this process, and spawn would re-import the caller's __main__.
        ctx = multiprocessing.get_context("fork") if sys.platform.startswith("linux") else \
            multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe()
        self._process = ctx.Process(target=_serve, args=(child, self._secret), daemon=True, name="bench-order-server")
        self._process.start()
        child.close()
        self._conn = parent
        try:
            if not parent.poll(timeout_s):
                raise EOFError
            self.url = f"http://127.0.0.1:{parent.recv()}"
        except EOFError:
            self.stop()
            raise RuntimeError("the local order server did not start") from None
        return self.url

    def stop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.send("stop")
            except OSError:
                pass
            self._conn.close()
            self._conn = None
        if self._process is not None:
            self._process.join(5)
            if self._process.is_alive():
                self._process.terminate()
                self._process.join(5)
            self._process = None


# --- measurements -----------------------------------------------------------------------------------------------


def _summary(latencies_ns: list[int], elapsed_s: float) -> dict[str, float]:
    ordered = sorted(latencies_ns)
    p99_index = min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))
    return {
        "orders_per_s": round(len(ordered) / elapsed_s, 1),
        "p50_ms": round(statistics.median(ordered) / 1e6, 4),
        "p99_ms": round(ordered[p99_index] / 1e6, 4),
    }


async def measure_client(url: str, creds: Credentials, transport: str, count: int) -> dict[str, Any]:
    """N sequential place-order calls through the real client (after a warm-up on the same connection)."""
    http = BitgetHttp(url, creds, rate_limits=LIMITER_SCALE, transport=transport)
    async with BitgetRestClient(http) as client:
        await http.sync_time()
        price, size = Decimal("60000.5"), Decimal("0.0001")
        for _ in range(min(WARMUP, count)):
            await client.spot_place_order(SYMBOL, Side.BUY, OrderType.LIMIT, size, price=price)
        latencies: list[int] = []
        clock = time.perf_counter_ns
        start = clock()
        for _ in range(count):
            t0 = clock()
            await client.spot_place_order(SYMBOL, Side.BUY, OrderType.LIMIT, size, price=price)
            latencies.append(clock() - t0)
        elapsed = (clock() - start) / 1e9
    return {**_summary(latencies, elapsed), "transport": http.transport_name, "count": count}


async def measure_baseline(url: str, creds: Credentials, count: int) -> dict[str, float]:
    """A bare aiohttp loop re-posting one pre-signed request: the floor any client on this machine starts from."""
    import aiohttp

    from terminal_app.bitget.signing import auth_headers

    body = orjson.dumps({"symbol": "BTCUSDT", "side": "buy", "orderType": "limit", "force": "gtc",
                         "price": "60000.5", "size": "0.0001", "clientOid": "bench-baseline"})
    headers = auth_headers(creds, str(time.time_ns() // 1_000_000), "POST", PLACE_ORDER_PATH, "", body.decode())
    async with aiohttp.ClientSession(base_url=url) as session:

        async def post() -> None:
            async with session.post(PLACE_ORDER_PATH, data=body, headers=headers) as resp:
                await resp.read()

        for _ in range(min(WARMUP, count)):
            await post()
        latencies: list[int] = []
        clock = time.perf_counter_ns
        start = clock()
        for _ in range(count):
            t0 = clock()
            await post()
            latencies.append(clock() - t0)
        elapsed = (clock() - start) / 1e9
    return _summary(latencies, elapsed)


async def _run(args: argparse.Namespace, url: str, creds: Credentials, local: bool) -> dict[str, Any]:
    count = max(1, int(args.count))
    if args.compare:
        line: dict[str, Any] = {"count": count, "default": transport_name("auto")}
        for name in TRANSPORTS:
            line[name] = await measure_client(url, creds, name, count)
    else:
        line = await measure_client(url, creds, args.transport, count)
    if local:
        baseline = await measure_baseline(url, creds, count)
        line["baseline_p50_ms"] = baseline["p50_ms"]
        line["baseline_orders_per_s"] = baseline["orders_per_s"]
        if not args.compare:
            line["overhead_p50_ms"] = round(line["p50_ms"] - baseline["p50_ms"], 4)
        line["server"] = "local order server in a separate process"
    else:
        line["server"] = url
    line["rate_limiter"] = f"on, rates x{LIMITER_SCALE:g} (bookkeeping only)"
    return line


def main(args: argparse.Namespace) -> int:
    given = (args.api_key, args.secret, args.passphrase)
    if args.url and not all(given):
        print("bench order: --url needs --api-key, --secret and --passphrase", file=sys.stderr)
        return 2
    creds = Credentials(*given) if all(given) else BENCH_CREDENTIALS
    server: LocalOrderServer | None = None
    url = args.url
    try:
        if not url:
            server = LocalOrderServer(creds.secret)
            url = server.start()
        line = asyncio.run(_run(args, url, creds, local=server is not None))
    except BitgetError as exc:
        print(f"bench order failed: {exc}", file=sys.stderr)
        return 1
    finally:
        if server is not None:
            server.stop()
    print(orjson.dumps(line).decode(), flush=True)
    return 0
