"""The aiohttp-backed transport once closed: a request that comes late (a task still running while its profile shuts
down) is refused as not sent, and no new ``aiohttp.ClientSession`` is opened behind the close — one was, and it was
left unclosed ("Unclosed client session" at the end of a full test run)."""

from __future__ import annotations

import httpx
import pytest

from terminal_app.bitget.transport import AiohttpTransport, may_have_reached_server
from terminal_app.sim.runner import SimulatorRunner


@pytest.mark.asyncio
async def test_a_request_after_close_is_refused_without_a_new_session() -> None:
    runner = SimulatorRunner(seed=3)
    runner.start()
    transport = AiohttpTransport()
    try:
        assert runner.info is not None
        url = f"{runner.info.rest}/api/v2/public/time"
        answer = await transport.handle_async_request(httpx.Request("GET", url))
        assert answer.status_code == 200
        await transport.aclose()
        with pytest.raises(httpx.ConnectError) as caught:
            await transport.handle_async_request(httpx.Request("GET", url))
        assert not may_have_reached_server(caught.value)
        assert transport.sessions == 0
    finally:
        for leaked in transport._sessions.values():  # the old code opened one: close it so this test leaks nothing
            await leaked.close()
        runner.stop()
