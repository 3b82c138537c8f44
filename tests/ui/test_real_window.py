"""Keys pressed by a hand (xdotool) on the real terminal in a real X window: on a bare X server and under a light
window manager (openbox). The window takes the keyboard at start, F1 opens the cheat-sheet, a trading key does
nothing while it is open, Esc closes it, and the keyboard is the window's again — Ctrl+K opens the palette with no
click (issue: after a dialog closed, Ctrl+K, Esc and even F12 did nothing until a click)."""

from __future__ import annotations

import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

PROBE = Path(__file__).parent / "real" / "window_probe.py"
TOOLS = ("Xvfb", "xdotool", "openbox")


@pytest.fixture(params=["bare X", "openbox"])
def display(request: pytest.FixtureRequest) -> Iterator[str]:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    assert not missing, f"{missing} not installed: packaging/setup.sh installs them"
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-nolisten", "tcp", "-screen", "0", "1600x900x24"],
                            pass_fds=[write_fd], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    procs = [xvfb]
    try:
        with os.fdopen(read_fd) as r:
            name = f":{r.readline().strip()}"
        if request.param == "openbox":
            procs.append(subprocess.Popen(["openbox"], env={**os.environ, "DISPLAY": name},
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            time.sleep(0.5)
        yield name
    finally:
        for p in reversed(procs):
            p.terminate()
            p.wait(timeout=10)


class Probe:
    def __init__(self, display: str, home: Path) -> None:
        env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
        self.display = display
        self.proc = subprocess.Popen([sys.executable, str(PROBE), str(home)], env=env, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.strip())

    def expect(self, wanted: str, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            self.seen.append(line)
            if line == wanted:
                return
        raise AssertionError(f"no {wanted!r} within {timeout} s; saw {self.seen}")

    def quiet(self, unwanted: str, seconds: float = 0.8) -> None:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                return
            self.seen.append(line)
            assert line != unwanted, f"{unwanted!r} happened; saw {self.seen}"

    def key(self, *keys: str) -> None:
        subprocess.run(["xdotool", "key", "--delay", "60", *keys], env={**os.environ, "DISPLAY": self.display},
                       check=True, timeout=10)

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def test_keys_from_a_real_keyboard_reach_the_window_and_dialogs_give_it_back(display: str, tmp_path: Path) -> None:
    probe = Probe(display, tmp_path)
    try:
        probe.expect("ready", timeout=60)
        probe.key("F1")  # no click first: the window has the keyboard from the start
        probe.expect("shown CheatSheet")
        probe.key("ctrl+alt+z")  # cancel last, with a dialog open: nothing
        probe.quiet("cancel_last")
        probe.key("Escape")
        probe.expect("hidden CheatSheet")
        probe.key("ctrl+k")  # the keyboard came back to the window by itself
        probe.expect("palette")
        probe.key("Escape", "ctrl+alt+z")  # the palette closes; now the trading key works
        probe.expect("cancel_last")
    finally:
        probe.close()
