"""The simulator in a child process (``sim.process.SimulatorProcess``), as the Demo profile runs it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from decimal import Decimal
from pathlib import Path

import pytest

from terminal_app.bitget.http import BitgetHttp
from terminal_app.bitget.rest import BitgetRestClient
from terminal_app.core.credentials import Credentials
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.sim.process import SimulatorProcess, SimulatorProcessError
from terminal_app.sim.server.http import SimConfig, SimInfo

BTC = SymbolRef("BTCUSDT", Product.SPOT)


def _client(info: SimInfo) -> BitgetRestClient:
    return BitgetRestClient(BitgetHttp(info.rest, Credentials(info.api_key, info.secret, info.passphrase)))


async def _usdt_available(info: SimInfo) -> Decimal:
    client = _client(info)
    try:
        return next(a.available for a in await client.spot_assets() if a.coin == "USDT")
    finally:
        await client.aclose()


def _gone(pid: int, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.asyncio
async def test_child_serves_the_api_stops_on_request_and_keeps_its_accounts(tmp_path: Path) -> None:
    state = tmp_path / "demo.sqlite3"
    sim = SimulatorProcess(state_path=state)
    info = sim.start()
    pid = sim.pid
    assert pid is not None
    assert pid != os.getpid()
    try:
        assert info.rest.startswith("http://127.0.0.1:")
        before = await _usdt_available(info)
        client = _client(info)
        try:
            await client.spot_place_order(BTC, "buy", "market", Decimal("20"))  # 20 USDT of BTC
        finally:
            await client.aclose()
        after = await _usdt_available(info)
        assert before - Decimal("20") <= after < before
    finally:
        sim.stop()
    assert not sim.running()
    assert _gone(pid, 10)
    sim.stop()  # idempotent

    again = SimulatorProcess(state_path=state)
    info = again.start()
    try:
        assert await _usdt_available(info) == after  # the child saved its state when its stdin closed
    finally:
        again.stop()


def test_child_ends_when_its_parent_is_killed(tmp_path: Path) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent("""
            import sys, time
            from terminal_app.sim.process import SimulatorProcess
            sim = SimulatorProcess()
            sim.start()
            print(sim.pid, flush=True)
            time.sleep(600)
        """)], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        os.kill(child, 0)  # alive
        parent.send_signal(signal.SIGKILL)  # no clean-up code runs in the parent
        parent.wait(10)
        assert _gone(child, 15), "the simulator outlived its parent"
    finally:
        if parent.poll() is None:
            parent.kill()


def test_a_start_that_fails_says_why(tmp_path: Path) -> None:
    not_a_file = tmp_path / "folder.sqlite3"
    not_a_file.mkdir()
    sim = SimulatorProcess(state_path=not_a_file)
    with pytest.raises(SimulatorProcessError, match="unable to open database file"):
        sim.start()
    assert not sim.running()


def test_a_child_that_dies_before_it_is_ready_is_reported_with_its_last_words(
        monkeypatch: pytest.MonkeyPatch) -> None:
    sim = SimulatorProcess()
    crash = "import sys; sys.stderr.write('first\\nModuleNotFoundError: aiohttp\\n'); sys.exit(3)"
    monkeypatch.setattr(sim, "command", lambda: [sys.executable, "-c", crash])
    with pytest.raises(SimulatorProcessError, match=r"ended with status 3: first / ModuleNotFoundError: aiohttp"):
        sim.start()
    assert not sim.running()


def test_one_state_file_serves_one_simulator(tmp_path: Path) -> None:
    state = tmp_path / "demo.sqlite3"
    with SimulatorProcess(state_path=state), pytest.raises(SimulatorProcessError, match="another simulator is using"):
        SimulatorProcess(state_path=state).start()
    with SimulatorProcess(state_path=state):  # free again once the first one stopped
        pass


def test_only_the_demo_settings_cross_the_process_boundary(tmp_path: Path) -> None:
    cmd = SimulatorProcess(seed=5, state_path=tmp_path / "s.db").command()
    assert cmd[:4] == [sys.executable, "-m", "terminal_app", "sim"]
    assert "--watch-stdin" in cmd
    assert cmd[cmd.index("--seed") + 1] == "5"
    assert "--account-mode" not in cmd  # classic is the default
    unified = SimulatorProcess(config=SimConfig(account_mode="unified")).command()
    assert unified[unified.index("--account-mode") + 1] == "unified"
    with pytest.raises(ValueError):
        SimulatorProcess(config=SimConfig(fast=True)).command()


def test_the_cli_watching_stdin_stops_cleanly_at_eof() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "terminal_app", "sim", "--watch-stdin", "--log-level", "WARNING"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdin is not None
    info = json.loads(proc.stdout.readline())
    assert set(info) == set(SimInfo.__dataclass_fields__)
    proc.stdin.close()
    assert proc.wait(30) == 0
    assert proc.stderr is not None
    assert proc.stderr.read() == ""


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="reads the child's environment from /proc")
def test_the_child_starts_without_the_systems_certificate_authorities(tmp_path: Path) -> None:
    """Importing aiohttp builds client TLS contexts from every system CA (30-50 ms of the child's start); the child
    opens no TLS connection, so it is started with OpenSSL's variables on an empty file — and still serves."""
    child = SimulatorProcess(seed=2, state_path=tmp_path / "s.db")
    try:
        info = child.start(timeout_s=60)
        assert child.pid is not None
        env = dict(item.split(b"=", 1) for item in Path(f"/proc/{child.pid}/environ").read_bytes().split(b"\0")
                   if b"=" in item)
        assert env[b"SSL_CERT_FILE"] == os.devnull.encode()
        assert env[b"SSL_CERT_DIR"] == os.devnull.encode()
        assert env[b"PATH"] == os.environ["PATH"].encode()  # the rest of this process's environment
        code = ("import ssl; print(ssl.create_default_context().cert_store_stats()['x509_ca'])")
        seen = subprocess.run([sys.executable, "-c", code], env={k.decode(): v.decode() for k, v in env.items()},
                              capture_output=True, text=True, timeout=60, check=True)
        assert seen.stdout.strip() == "0"  # what aiohttp's contexts load in that environment
        assert info.rest.startswith("http://127.0.0.1:")
    finally:
        child.stop()


def test_a_child_launched_before_its_settings_gets_them_on_stdin(tmp_path: Path) -> None:
    """The terminal launches the demo exchange's child before it has read which profile opens (the child imports
    meanwhile), then sends the settings; it serves on them: its state file, its account mode."""
    from terminal_app.sim.process import ChildConfig

    child = SimulatorProcess.launch_unconfigured()
    try:
        assert child.running()
        with pytest.raises(RuntimeError, match="configure"):
            child.start(timeout_s=5)  # it would wait for ever
        state = tmp_path / "early.sqlite3"
        child.configure(ChildConfig(seed=4, state_path=state, account_mode="unified"))
        with pytest.raises(RuntimeError):
            child.configure(ChildConfig())  # once
        info = child.start(timeout_s=60)
        assert info.account_mode == "unified"
        assert state.exists()
        assert child.config.state_path == state
    finally:
        child.stop()
    assert not child.running()


def test_a_child_launched_early_and_not_needed_goes_by_itself() -> None:
    child = SimulatorProcess.launch_unconfigured()
    pid = child.pid
    assert pid is not None
    started = time.monotonic()
    child.discard()  # a Bitget profile opens: no simulator, and no wait for this one
    assert time.monotonic() - started < 0.5
    assert child.pid is None
    assert _gone(pid, 60)  # it ends once its imports are done and it reads the end of its stdin


def test_settings_that_are_not_a_childs_are_refused(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "terminal_app", "sim", "--watch-stdin", "--config-on-stdin"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, _err = proc.communicate(b'{"seed": "one", "state": 3}\n', timeout=60)
    assert proc.returncode == 2
    assert json.loads(out)["error"].startswith("bad settings from the parent")


def _nice_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])  # field 19: nice


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the child's nice value from /proc")
@pytest.mark.parametrize("early", [False, True])
def test_the_child_runs_nicer_than_the_terminal_once_it_is_ready(tmp_path: Path, early: bool) -> None:
    """The Demo exchange's child imports and builds its markets at the terminal's priority (that start is on the
    terminal's), then lowers its own by CHILD_NICE, so a GUI thread wins a core over it on a busy machine."""
    from terminal_app.sim.process import CHILD_NICE, ChildConfig

    assert CHILD_NICE > 0
    config = ChildConfig(seed=5, state_path=tmp_path / "n.db")
    if early:
        child = SimulatorProcess.launch_unconfigured()
        child.configure(config)
    else:
        child = SimulatorProcess(config=config)
    try:
        child.start(timeout_s=60)
        assert child.pid is not None
        expected = min(19, _nice_of(os.getpid()) + CHILD_NICE)
        deadline = time.monotonic() + 10
        while _nice_of(child.pid) != expected and time.monotonic() < deadline:  # set right after the ready line
            time.sleep(0.01)
        assert _nice_of(child.pid) == expected
    finally:
        child.stop()


def test_a_standalone_simulator_keeps_its_priority() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "terminal_app", "sim", "--watch-stdin", "--log-level", "WARNING"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        assert json.loads(proc.stdout.readline())["rest"].startswith("http://")
        time.sleep(0.2)
        assert _nice_of(proc.pid) == _nice_of(os.getpid())
    finally:
        proc.communicate(timeout=60)
