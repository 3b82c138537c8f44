"""A signed REST client for tests that talk to a simulator on their own event loop over loopback sockets."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import orjson

from terminal_app.bitget.signing import auth_headers, canonical_query, encoded_query
from terminal_app.core.credentials import Credentials
from terminal_app.sim.server.http import SimConfig, SimServer


class Api:
    """``await api(method, path, params)`` → the ``data`` of a ``00000`` answer (asserted); ``raw`` → the whole
    answer, whatever its code. Signed with the demo key at the simulator's clock."""

    def __init__(self, server: SimServer, http: httpx.AsyncClient) -> None:
        info = server.info
        assert info is not None
        self.server = server
        self.http = http
        self.creds = Credentials(info.api_key, info.secret, info.passphrase)

    async def raw(self, method: str, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        query = canonical_query(params) if method == "GET" and params else ""
        body = orjson.dumps(params).decode() if method == "POST" and params else ""
        headers = auth_headers(self.creds, str(self.server.now_ms()), method, path, query, body)
        url = path + ("?" + encoded_query(params) if query else "")
        response = await self.http.request(method, url, headers=headers, content=body)
        payload: dict[str, Any] = response.json()
        return payload

    async def __call__(self, method: str, path: str, params: dict[str, Any] | None = None) -> Any:
        payload = await self.raw(method, path, params)
        assert payload["code"] == "00000", (path, params, payload)
        return payload["data"]


@asynccontextmanager
async def serving(config: SimConfig, clock_ms: Callable[[], int] | None = None) -> AsyncIterator[Api]:
    """A simulator started on the running loop and a signed client of it; both closed at the end."""
    server = SimServer(config) if clock_ms is None else SimServer(config, clock_ms=clock_ms)
    info = await server.start()
    try:
        async with httpx.AsyncClient(base_url=info.rest, timeout=10) as http:
            yield Api(server, http)
    finally:
        await server.stop()
