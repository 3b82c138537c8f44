"""terminal_app.startup: the demo exchange's child launched before the heavy imports, taken over by the terminal."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from terminal_app import startup


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BITGET_TERMINAL_HOME", str(tmp_path))
    return tmp_path


def test_demo_profile_gets_its_exchange_launched_on_its_state_file(home: Path) -> None:
    prepared = startup.prepare()
    exchange = prepared.exchange
    try:
        assert prepared.profile_name == "Demo"
        assert prepared.exchange_profile == "Demo"
        assert exchange is not None
        assert exchange.running()  # launched, not waited for
        assert str(exchange.config.state_path) == str(home / "data" / startup.DEMO_STATE_FILE)
        # the first look's thread waits for the same ready line; both get the one answer
        info = exchange.start(timeout_s=60)  # what the terminal does when it opens the profile
        assert info.rest.startswith("http://127.0.0.1:")
        look = prepared.first_look
        assert look is not None
        look.start()  # open_shell does, once the start-up window has painted
        deadline = time.monotonic() + 30
        while not ((seen := look.latest()) is not None and seen.complete) and time.monotonic() < deadline:
            time.sleep(0.02)
        seen = look.latest()
        assert seen is not None, look.error
        assert seen.complete, look.error  # the watchlist's first symbol, live from the child's stream
        assert seen.ref.display == "BTCUSDT"
        assert exchange.start() is info
    finally:
        if prepared.first_look is not None:
            prepared.first_look.stop()
        if exchange is not None:
            exchange.stop()


def test_smoke_test_exchange_keeps_no_state(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BITGET_TERMINAL_HOME", raising=False)
    prepared = startup.prepare(smoke_test=True)
    try:
        assert prepared.tmp is not None
        assert prepared.exchange is not None
        assert prepared.exchange.config.state_path is None
    finally:
        if prepared.first_look is not None:
            prepared.first_look.stop()
        if prepared.exchange is not None:
            prepared.exchange.stop()
        prepared.tmp.cleanup()


def test_an_unknown_profile_launches_nothing(home: Path) -> None:
    prepared = startup.prepare("no such profile")
    assert prepared.exchange is None  # the terminal's own start says the profile does not exist
    assert prepared.paths is not None


def test_demo_state_file_names() -> None:
    assert startup.demo_state_file("Demo") == "demo-exchange.sqlite3"
    assert startup.demo_state_file("My demo 2") == "demo-exchange-My-demo-2.sqlite3"


def test_the_simulator_child_does_not_load_the_terminals_client_stack() -> None:
    """The demo exchange's child is on the start-up's critical path: it imports what serves, not the terminal's
    HTTP and WebSocket clients (httpx, websockets, the bitget client modules)."""
    import subprocess
    import sys

    code = ("import sys, terminal_app.sim.cli; print(' '.join(m for m in ('httpx', 'websockets', "
            "'terminal_app.bitget.http', 'terminal_app.bitget.ws', 'terminal_app.bitget.rest', 'PySide6') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == ""


def test_without_a_screen_the_early_child_stops_with_the_terminal(tmp_path: Path) -> None:
    """__main__ launches the demo exchange's child before it checks for a screen (the check loads Qt); with no
    screen the terminal still says why and exits 3, and stops that child on its way out: the state file is free the
    moment the terminal has exited, and no process of it is left (a child left to notice its parent's end would
    still be importing then)."""
    import os
    import subprocess
    import sys

    from terminal_app import frozen
    from terminal_app.store.file_lock import ExclusiveFileLock

    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["BITGET_TERMINAL_HOME"] = str(tmp_path)
    done = subprocess.run([sys.executable, "-m", "terminal_app"], env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == frozen.EXIT_NO_GUI, done.stderr
    assert "No display was found" in done.stderr
    state = tmp_path / "data" / startup.DEMO_STATE_FILE
    ExclusiveFileLock(f"{state}.lock").acquire().release()
    left = []
    for proc in Path("/proc").iterdir():  # the child's command line names the state file, under tmp_path
        try:
            if str(tmp_path).encode() in (proc / "cmdline").read_bytes():
                left.append(proc.name)
        except OSError:
            continue
    assert not left, f"still running: {left}"


def test_qt_runs_between_the_modules_of_one_import_on_the_gui_thread_only(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """import_in_steps lets the start-up window paint while one step imports many modules (pyqtgraph alone is
    0.1-0.2 s): at most every PAINT_EVERY_S, at the start of a module's import, and never on another thread (the first
    look imports its parsers on its own)."""
    import importlib
    import threading

    for package, count in (("slowpkg_gui", 20), ("slowpkg_thread", 20)):
        folder = tmp_path / package
        folder.mkdir()
        (folder / "__init__.py").write_text("".join(f"from {package} import m{i}\n" for i in range(count)))
        for i in range(count):
            (folder / f"m{i}.py").write_text("import time\ntime.sleep(0.01)\n")
    monkeypatch.syspath_prepend(str(tmp_path))

    class App:
        def __init__(self) -> None:
            self.calls: list[tuple[int, float]] = []

        def processEvents(self) -> None:  # Qt's name
            self.calls.append((threading.get_ident(), time.monotonic()))

    app = App()
    other = threading.Thread(target=importlib.import_module, args=("slowpkg_thread",))
    with startup.painting_between_modules(app, every_s=0.015):
        other.start()
        importlib.import_module("slowpkg_gui")
        other.join()
    assert "slowpkg_thread.m19" in sys.modules
    assert len(app.calls) >= 5  # a 0.2 s import let Qt run several times
    assert {thread for thread, _ in app.calls} == {threading.get_ident()}
    gaps = [b - a for (_, a), (_, b) in zip(app.calls, app.calls[1:], strict=False)]
    assert min(gaps) >= 0.015
    assert not any(isinstance(f, startup._PaintBetweenModules) for f in sys.meta_path)  # gone after the block
    calls = len(app.calls)
    importlib.import_module("slowpkg_gui.m0")  # outside the block: nothing
    with startup.painting_between_modules(None):
        importlib.reload(sys.modules["slowpkg_gui.m1"])
    assert len(app.calls) == calls


def test_a_child_launched_before_the_configuration_is_read_is_the_demo_profiles(home: Path) -> None:
    from terminal_app.sim.process import SimulatorProcess

    early = SimulatorProcess.launch_unconfigured()
    prepared = startup.prepare(early=early)
    try:
        assert prepared.exchange is early  # configured for the Demo profile, not a second child
        assert str(early.config.state_path) == str(home / "data" / startup.DEMO_STATE_FILE)
        assert prepared.marks["exchange_launched"] == early.launched_at
        assert early.start(timeout_s=60).rest.startswith("http://127.0.0.1:")
    finally:
        prepared.stop_exchange()


def test_a_child_launched_early_is_let_go_when_no_demo_profile_opens(home: Path) -> None:
    from terminal_app.sim.process import SimulatorProcess

    early = SimulatorProcess.launch_unconfigured()
    prepared = startup.prepare("no such profile", early=early)
    assert prepared.exchange is None
    assert early.pid is None  # let go, not waited for


EARLY_PROBE = """
import json, os, sys, time
from terminal_app.__main__ import launch_early_exchange
child = launch_early_exchange(sys.argv[1] or None)
seen = {"child": child is not None, "qt": any(m.startswith("PySide6") for m in sys.modules),
        "launcher": "terminal_app.sim.process" in sys.modules,
        "config": [m for m in ("terminal_app.config.profiles", "terminal_app.config.settings") if m in sys.modules]}
if child is not None:
    seen["running"] = child.running()
    from terminal_app.startup import prepare
    prepared = prepare(sys.argv[1] or None, early=child)
    seen["taken"] = prepared.exchange is child
    seen["ready"] = child.start(timeout_s=60).rest.startswith("http://127.0.0.1:")
    prepared.stop_exchange()
print(json.dumps(seen))
"""


def _early(home: Path, profile: str = "") -> dict[str, object]:
    import json
    import os
    import subprocess

    env = {**os.environ, "BITGET_TERMINAL_HOME": str(home)}
    done = subprocess.run([sys.executable, "-c", EARLY_PROBE, profile], env=env, capture_output=True, text=True,
                          timeout=120, check=True)
    seen: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return seen


def test_a_live_profile_launches_no_child_and_demo_launches_it_before_qt(tmp_path: Path) -> None:
    """__main__ peeks at the two configuration files (json alone: no Qt, no configuration modules) before it
    launches the Demo exchange's child: a Bitget profile, last used or asked for, gets none; a Demo one gets it
    before Qt is imported, and the terminal's preparation takes that child over."""
    import json

    config = tmp_path / "config"
    config.mkdir(parents=True)
    (config / "profiles.json").write_text(json.dumps({"version": 1, "profiles": [
        {"name": "Demo", "kind": "demo"}, {"name": "Main", "kind": "live"}]}), encoding="utf-8")
    (config / "settings.json").write_text(json.dumps({"version": 1, "values": {"profile.last": "Main"}}),
                                          encoding="utf-8")
    live = _early(tmp_path)
    assert live == {"child": False, "qt": False, "launcher": False, "config": []}
    demo = _early(tmp_path, "Demo")
    assert demo == {"child": True, "qt": False, "launcher": True, "config": [], "running": True, "taken": True,
                    "ready": True}
    fresh = _early(tmp_path / "first start")
    assert fresh["child"] is True
    assert fresh["qt"] is False
    assert fresh["ready"] is True
