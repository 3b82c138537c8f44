"""``terminal-app sim`` as a subprocess, and the background runner the app's demo mode uses."""

from __future__ import annotations

import asyncio
import json
import os
import select
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import orjson
import pytest
import websockets

from terminal_app.bitget.signing import auth_headers
from terminal_app.core.instruments import Product
from terminal_app.sim.runner import SimulatorRunner
from terminal_app.sim.server.auth import DEMO_CREDENTIALS, DEMO_UID

REPO = Path(__file__).resolve().parents[2]


def _read_line(proc: subprocess.Popen[str], timeout_s: float) -> str:
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], timeout_s)
    if not ready:
        raise AssertionError(f"no line from `terminal-app sim` within {timeout_s} s")
    return proc.stdout.readline()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_cli_prints_one_json_line_serves_and_stops(tmp_path: Path, sig: signal.Signals) -> None:
    state = tmp_path / "sim.sqlite"
    proc = subprocess.Popen(
        [sys.executable, "-m", "terminal_app", "sim", "--port", "0", "--seed", "3", "--state", str(state)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        line = _read_line(proc, 60)
        info = json.loads(line)
        assert list(info) == ["rest", "ws_public", "ws_private", "api_key", "secret", "passphrase", "account_mode",
                              "ws_public_v3", "ws_private_v3"]
        assert info["account_mode"] == "classic"
        port = info["rest"].rsplit(":", 1)[1]
        assert info["rest"] == f"http://127.0.0.1:{port}"
        assert info["ws_public"] == f"ws://127.0.0.1:{port}/v2/ws/public"
        assert info["ws_private"] == f"ws://127.0.0.1:{port}/v2/ws/private"
        assert line == json.dumps(info) + "\n"
        r = httpx.get(info["rest"] + "/api/v2/public/time", timeout=10)
        assert r.json()["code"] == "00000"
        assert int(r.json()["data"]["serverTime"]) > 0
        body = orjson.dumps({"symbol": "BTCUSDT", "side": "buy", "orderType": "limit", "price": "1000",
                             "size": "0.001"}).decode()
        path = "/api/v2/spot/trade/place-order"
        headers = auth_headers(DEMO_CREDENTIALS, r.json()["data"]["serverTime"], "POST", path, "", body)
        assert httpx.post(info["rest"] + path, headers=headers, content=body, timeout=10).json()["code"] == "00000"
        proc.send_signal(sig)
        assert proc.wait(timeout=30) == 0
        assert proc.stdout is not None
        assert proc.stdout.read() == ""                    # exactly one line
        assert state.exists()                              # the account was written to --state
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def test_cli_account_mode_unified_serves_v3_to_the_demo_key_and_refuses_v2_trading() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "terminal_app", "sim", "--port", "0", "--account-mode", "unified"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        info = json.loads(_read_line(proc, 60))
        port = info["rest"].rsplit(":", 1)[1]
        assert (info["account_mode"], info["ws_private_v3"]) == ("unified", f"ws://127.0.0.1:{port}/v3/ws/private")
        now = httpx.get(info["rest"] + "/api/v3/public/time", timeout=10).json()["data"]["serverTime"]
        path = "/api/v3/account/settings"
        headers = auth_headers(DEMO_CREDENTIALS, now, "GET", path, "", "")
        settings = httpx.get(info["rest"] + path, headers=headers, timeout=10).json()
        assert (settings["code"], settings["data"]["accountMode"]) == ("00000", "unified")
        path = "/api/v2/spot/account/assets"
        headers = auth_headers(DEMO_CREDENTIALS, now, "GET", path, "", "")
        refused = httpx.get(info["rest"] + path, headers=headers, timeout=10)
        assert (refused.status_code, refused.json()["code"]) == (400, "40085")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def test_runner_start_faults_keys_and_clean_stop(tmp_path: Path) -> None:
    runner = SimulatorRunner(seed=9, state_path=tmp_path / "demo.sqlite")
    info = runner.start()
    try:
        assert info.api_key == DEMO_CREDENTIALS.api_key
        assert info.rest.startswith("http://127.0.0.1:")
        runner.faults.fail_rest(503, path="/api/v2/public/time")       # from this (another) thread
        assert httpx.get(info.rest + "/api/v2/public/time", timeout=10).status_code == 503
        assert httpx.get(info.rest + "/api/v2/public/time", timeout=10).status_code == 200

        async def ping() -> str:
            async with websockets.connect(info.ws_public) as ws:
                await ws.send("ping")
                return str(await asyncio.wait_for(ws.recv(), 10))

        assert asyncio.run(ping()) == "pong"
        key = runner.add_key(permissions={"read"})
        assert key.uid != DEMO_UID
        assert runner.call(runner.server.keys.get, key.api_key) == key
        runner.call(runner.server.exchange.place_spot_order, DEMO_UID, "BTCUSDT", "buy", "limit", "0.001", "1000")
        assert len(runner.call(runner.server.exchange.open_orders, DEMO_UID, Product.SPOT)) == 1
        runner.reset_demo_account()
        assert runner.call(runner.server.exchange.open_orders, DEMO_UID, Product.SPOT) == []
    finally:
        runner.stop()
    runner.stop()                                                        # idempotent
    with pytest.raises(RuntimeError):
        runner.call(print)
