"""TLS only where it is used: the transport builds its certificate-loaded context for its first https request, never
for the Demo profile's plain-HTTP exchange; the start-up imports aiohttp without the system's authorities and gives
them back to aiohttp's own default context when an https session opens (bitget.tls)."""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
import textwrap
from typing import Any

import httpx
import pytest

from terminal_app.bitget import transport as transport_module
from terminal_app.bitget.transport import AiohttpTransport, may_have_reached_server
from terminal_app.sim.runner import SimulatorRunner


@pytest.mark.asyncio
async def test_plain_http_builds_no_tls_context_and_https_builds_it_once(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[Any] = []
    real = httpx.create_ssl_context

    def counting(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        context = real(*args, **kwargs)
        made.append(context)
        return context

    monkeypatch.setattr(transport_module.httpx, "create_ssl_context", counting)
    runner = SimulatorRunner(seed=3)
    runner.start()
    transport = AiohttpTransport()
    try:
        assert runner.info is not None
        url = f"{runner.info.rest}/api/v2/public/time"
        for _ in range(2):
            answer = await transport.handle_async_request(httpx.Request("GET", url))
            assert answer.status_code == 200
        assert made == []  # the demo exchange's path: no context, no certificates read
        assert transport.sessions == 1
        closed_port = _free_port()
        for _ in range(2):  # nothing listens there: refused at connect, after the context was built (once)
            with pytest.raises(httpx.ConnectError) as caught:
                await transport.handle_async_request(httpx.Request("GET", f"https://127.0.0.1:{closed_port}/x"))
            assert not may_have_reached_server(caught.value)
        assert len(made) == 1
        assert made[0].verify_mode == ssl.CERT_REQUIRED
        assert made[0].check_hostname
        assert transport.sessions == 2
    finally:
        await transport.aclose()
        runner.stop()
    assert transport.sessions == 0


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


STARTUP_IMPORT = textwrap.dedent("""
    import json, os, ssl, sys
    from terminal_app.startup import Prepared, import_in_steps
    from terminal_app.bitget import tls
    before = {name: os.environ.get(name) for name in tls.CA_VARIABLES}
    import_in_steps(Prepared())  # the terminal's own import steps (no start-up window to paint here)
    after = {name: os.environ.get(name) for name in tls.CA_VARIABLES}
    seen = {"empty": tls.aiohttp_authorities(), "env_kept": before == after,
            "system": ssl.create_default_context().cert_store_stats()["x509_ca"]}

    async def https_session():
        from terminal_app.bitget.transport import AiohttpTransport
        import httpx
        transport = AiohttpTransport()
        try:
            await transport.handle_async_request(httpx.Request("GET", "https://127.0.0.1:1/"))
        except httpx.TransportError:
            pass
        await transport.aclose()

    import asyncio
    asyncio.run(https_session())
    seen["restored"] = tls.aiohttp_authorities()
    print(json.dumps(seen))
""")


def test_the_start_up_imports_aiohttp_without_the_system_authorities_and_gives_them_back() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("SSL_CERT_FILE", "SSL_CERT_DIR")}
    done = subprocess.run([sys.executable, "-c", STARTUP_IMPORT], env=env, capture_output=True, text=True,
                          timeout=180, check=True)
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    if not seen["system"]:
        pytest.skip("this system has no certificate authorities to leave out")
    assert seen["empty"] == 0  # aiohttp's verified default context read no certificate at import
    assert seen["env_kept"]  # and the variables are as they were (absent here) once the import is done
    assert seen["restored"] == seen["system"]  # the first https session gave aiohttp the system's authorities back
