"""The client's sliding-window limiter against the simulator's own per-endpoint limits, over loopback sockets.

The simulator refuses more than the documented rate (HTTP 429, as Bitget does). A burst of concurrent requests through
the client's limiter goes out at the full documented rate and is never refused; the same burst without it is.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from terminal_app.bitget.errors import RateLimited
from terminal_app.bitget.http import BitgetHttp
from terminal_app.bitget.ratelimit import ENDPOINT_RATES, WINDOW_S
from terminal_app.bitget.rest import BitgetRestClient
from terminal_app.core.credentials import Credentials
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.sim.server.http import SimConfig, SimServer

PERP = SymbolRef("BTCUSDT", Product.USDT_FUTURES)
PLAN_PENDING = "/api/v2/mix/order/orders-plan-pending"


@pytest_asyncio.fixture
async def server() -> AsyncIterator[SimServer]:
    sim = SimServer(SimConfig(seed=4, quiet=True, rate_limits=True))
    await sim.start()
    try:
        yield sim
    finally:
        await sim.stop()


async def _client(server: SimServer, *, limits: bool) -> BitgetRestClient:
    info = server.info
    assert info is not None
    key = server.keys.create()  # a fresh uid: its own server-side buckets
    http = BitgetHttp(info.rest, Credentials(key.api_key, key.secret, key.passphrase), rate_limits=limits,
                      get_attempts=1)  # a 429 must surface, not be retried away
    await http.sync_time()
    return BitgetRestClient(http)


async def _burst(client: BitgetRestClient, n: int) -> list[BaseException | None]:
    async def one() -> None:
        assert await client.mix_plan_orders_pending(PERP, plan_type="profit_loss") == []

    results = await asyncio.gather(*(one() for _ in range(n)), return_exceptions=True)
    return [r if isinstance(r, BaseException) else None for r in results]


@pytest.mark.asyncio
async def test_a_burst_through_the_limiter_uses_the_full_rate_and_is_never_refused(server: SimServer) -> None:
    rate = int(ENDPOINT_RATES[PLAN_PENDING])
    assert server.limiter.rate_for(PLAN_PENDING, True) == rate
    client = await _client(server, limits=True)
    began = time.monotonic()
    errors = await _burst(client, 2 * rate + 5)  # three windows: rate, rate, 5
    took = time.monotonic() - began
    await client.aclose()
    assert errors == [None] * (2 * rate + 5)
    assert took >= 2 * WINDOW_S - 0.01
    assert took < 3.5  # the half-rate bucket needed 4 s for the same burst


@pytest.mark.asyncio
async def test_the_same_burst_without_the_limiter_is_refused(server: SimServer) -> None:
    rate = int(ENDPOINT_RATES[PLAN_PENDING])
    client = await _client(server, limits=False)
    errors = await _burst(client, 2 * rate + 5)
    await client.aclose()
    refused = [e for e in errors if e is not None]
    assert refused
    assert all(isinstance(e, RateLimited) for e in refused)
