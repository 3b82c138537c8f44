"""``terminal-app bench sim``: throughput of the standalone simulator (``terminal-app sim --fast``, own process).

* Book stream: N WebSocket clients each subscribe to the ``books`` channel of all eight markets; the update frames they
  receive per second (all connections together) while the server's CPU time is sampled from /proc. "Not saturated"
  means the server's CPU share stays below one core and the clients end at the server's current ``seq``.
* REST: sequential signed spot orders over one keep-alive connection: orders per second and p50/p99 latency.
* History: how long the engine takes to make a page of candles from its deterministic path (1,000 one-minute bars,
  200 daily bars; target well under 50 ms each), in this process: every chart opening waits for one.

Prints one JSON line with both measurements.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import select
import statistics
import subprocess
import sys
import time
from typing import Any

import aiohttp
import orjson

from terminal_app.bitget.signing import auth_headers
from terminal_app.sim.server.auth import DEMO_CREDENTIALS

CONNECTIONS = 16
WINDOW_S = 3.0
MARKETS = [("SPOT", s) for s in ("BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT", "BGBUSDT")] + [
    ("USDT-FUTURES", s) for s in ("BTCUSDT", "ETHUSDT", "SOLUSDT")]


def _cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_fast_sim() -> tuple[subprocess.Popen[str], dict[str, str]]:
    proc = subprocess.Popen([sys.executable, "-m", "terminal_app", "sim", "--fast", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], 60)
    if not ready:
        proc.kill()
        raise RuntimeError("the simulator did not start within 60 s")
    return proc, json.loads(proc.stdout.readline())


def stop_sim(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    proc.wait(timeout=30)
    if proc.stdout is not None:
        proc.stdout.close()


async def book_stream(url: str, pid: int, connections: int = CONNECTIONS, window_s: float = WINDOW_S) -> dict[str, Any]:
    args = [{"instType": it, "channel": "books", "instId": sym} for it, sym in MARKETS]
    counts = [0] * connections
    last_seq: list[dict[str, int]] = [{} for _ in range(connections)]
    measuring = asyncio.Event()
    stop = asyncio.Event()

    async def client(i: int, session: aiohttp.ClientSession, ready: asyncio.Event) -> None:
        async with session.ws_connect(url, compress=0, max_msg_size=0) as ws:
            await ws.send_str(orjson.dumps({"op": "subscribe", "args": args}).decode())
            snapshots = 0
            seqs = last_seq[i]
            async for msg in ws:
                data = msg.data
                if '"action":"snapshot"' in data:
                    snapshots += 1
                    if snapshots == len(args):
                        ready.set()
                    continue
                if '"action":"update"' not in data:
                    continue
                if measuring.is_set():
                    counts[i] += 1
                if stop.is_set():
                    push = orjson.loads(data)
                    seqs[push["arg"]["instType"] + push["arg"]["instId"]] = push["data"][0]["seq"]
                    if len(seqs) == len(args):
                        return

    async with aiohttp.ClientSession() as session:
        readies = [asyncio.Event() for _ in range(connections)]
        tasks = [asyncio.create_task(client(i, session, readies[i])) for i in range(connections)]
        await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 60)
        cpu0, t0 = _cpu_s(pid), time.monotonic()
        measuring.set()
        await asyncio.sleep(window_s)          # a measurement window: time passing is the point
        measuring.clear()
        cpu1, t1 = _cpu_s(pid), time.monotonic()
        frames = sum(counts)
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks), 30)
        # a fresh subscriber's snapshot carries the server's current seq: the old ones must be right behind it
        server_seq: int | None = None
        async with session.ws_connect(url) as probe:
            await probe.send_str(orjson.dumps({"op": "subscribe", "args": [args[0]]}).decode())
            async for msg in probe:
                if '"action":"snapshot"' in msg.data:
                    server_seq = orjson.loads(msg.data)["data"][0]["seq"]
                    break
        if server_seq is None:
            raise RuntimeError("the probe subscriber's connection closed before its snapshot")
    key = args[0]["instType"] + args[0]["instId"]
    behind = [server_seq - seqs[key] for seqs in last_seq]
    elapsed = t1 - t0
    return {"bench": "sim book stream (fast)", "connections": connections, "channels_per_connection": len(args),
            "updates_per_s": round(frames / elapsed), "per_connection_per_s": round(frames / elapsed / connections),
            "server_cpu_percent": round(100 * (cpu1 - cpu0) / elapsed, 1),
            "max_seq_behind_after_window": max(behind)}


async def orders(rest: str, count: int) -> dict[str, Any]:
    path = "/api/v2/spot/trade/place-order"
    latencies: list[float] = []
    async with aiohttp.ClientSession(base_url=rest) as session:
        async with session.get("/api/v2/public/time") as r:
            offset = int((await r.json())["data"]["serverTime"]) - time.time_ns() // 1_000_000
        start = time.perf_counter()
        for i in range(count):
            body = orjson.dumps({"symbol": "BTCUSDT", "side": "buy", "orderType": "limit", "force": "gtc",
                                 "price": "1000", "size": "0.001", "clientOid": f"perf-{i}"}).decode()
            ts = str(time.time_ns() // 1_000_000 + offset)
            t0 = time.perf_counter()
            async with session.post(path, data=body, headers=auth_headers(DEMO_CREDENTIALS, ts, "POST", path, "",
                                                                            body)) as r:
                payload = await r.json()
            latencies.append(time.perf_counter() - t0)
            if payload["code"] != "00000":
                raise RuntimeError(f"order refused: {payload}")
        elapsed = time.perf_counter() - start
    ordered = sorted(latencies)
    return {"bench": "sim REST place-order (sequential, signed)", "count": count,
            "orders_per_s": round(count / elapsed), "p50_ms": round(statistics.median(ordered) * 1e3, 3),
            "p99_ms": round(ordered[int(0.99 * (len(ordered) - 1))] * 1e3, 3)}


def history() -> dict[str, Any]:
    from terminal_app.core.instruments import Product, SymbolRef
    from terminal_app.sim.engine.exchange import Exchange
    from terminal_app.sim.market.history import Granularity

    btc = SymbolRef("BTCUSDT", Product.SPOT)
    out: dict[str, Any] = {}
    for name, gran, limit in (("m1_1000_ms", Granularity.M1, 1000), ("d1_200_ms", Granularity.D1, 200)):
        ex = Exchange(seed=99, quiet=True)  # a fresh engine: nothing cached from an earlier page
        start = time.perf_counter()
        candles = ex.candles(btc, gran, limit=limit)
        out[name] = round((time.perf_counter() - start) * 1e3, 2)
        if len(candles) != limit:
            raise RuntimeError(f"{len(candles)} candles where {limit} were asked for")
    return out


def run(connections: int = CONNECTIONS, window_s: float = WINDOW_S, orders_count: int = 1500) -> dict[str, Any]:
    proc, info = start_fast_sim()
    try:
        book = asyncio.run(book_stream(info["ws_public"], proc.pid, connections, window_s))
        rest = asyncio.run(orders(info["rest"], orders_count))
    finally:
        stop_sim(proc)
    return {"bench": "sim", "book": book, "rest": rest, "history": history()}


def main(args: argparse.Namespace) -> int:
    print(json.dumps(run(args.connections, args.seconds, args.orders)))
    return 0
