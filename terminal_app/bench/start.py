"""``terminal-app bench start``: process start to the terminal's first painted frame and to live data.

Each run starts a fresh process, offscreen, with the Demo profile in a temporary home (so the demo exchange's child
process starts too, as it does for a user): ``python -m terminal_app --start-probe``. Times are CLOCK_MONOTONIC
(``time.monotonic`` is system-wide on Linux, so the parent's spawn time and the child's marks compare):

* ``first_frame_s``: spawn to the first paint event of a main window;
* ``live_s``: spawn to live data in the main window: the book's best bid and ask, the chart's bars and the ticker;
* ``shell_live_s``: spawn to live data in the start-up window (its first look at the opening symbol: ticker, 15
  levels each side and the recent candles from the demo exchange's public stream, see ``terminal_app.startup``);
  ``first_live_s`` is the earlier of the two: when the user first sees the market live;
* the child's own marks: ``imports_s`` (interpreter start to ``run_app``), ``exchange_launched`` (the demo
  exchange's child process started), ``exchange_line`` (its ready line, as the first look read it),
  ``exchange_ready_s`` (the terminal's services got it), ``services_s``, ``window_s`` (the terminal's ``marks``, from
  spawn).

The peer, in the same run, is a bare PySide6 ``QMainWindow`` shown offscreen by a process of its own (spawn to its
first paint event). Runs alternate bare and terminal; ``--runs N`` (default 3) keeps every figure and the medians.
Python normally writes its bytecode cache once and starts from it afterwards (an installed app ships it); this
environment may forbid that (``PYTHONDONTWRITEBYTECODE``), which would make every start compile ~400 modules. The
children therefore get a bytecode cache of their own (``PYTHONPYCACHEPREFIX`` under the temporary folder) and one
untimed warm-up start of each kind fills it.
Targets (issue 16): first frame <= 3x the bare window; live data <= 1.0 s (``first_live_ok``; ``live_ok`` keeps
the main window's). Every run also reports the 1-minute load average (``loadavg``): others on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

FIRST_FRAME_RATIO_TARGET = 3.0
LIVE_TARGET_S = 1.0
RUN_TIMEOUT_S = 60.0

BARE_WINDOW = """
import json, sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.setWindowTitle("bare")
window.resize(1280, 800)
marks = {}
class Painted(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and "first_frame" not in marks:
            marks["first_frame"] = time.monotonic()
            QTimer.singleShot(0, app.quit)
        return False
painted = Painted()
window.installEventFilter(painted)
window.show()
app.exec()
print(json.dumps(marks), flush=True)
"""


def _child_env(home: Path, cache: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update({"QT_QPA_PLATFORM": "offscreen", "PYTHONPYCACHEPREFIX": str(cache), "BITGET_TERMINAL_HOME": str(home)})
    return env


def _spawn(command: list[str], env: dict[str, str]) -> tuple[float, dict[str, Any]]:
    started = time.monotonic()
    done = subprocess.run(command, env=env, capture_output=True, timeout=RUN_TIMEOUT_S, check=False)
    lines = done.stdout.decode("utf-8", "replace").strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-5:]
        raise RuntimeError(f"{command[-1]} exited with {done.returncode}: {' / '.join(tail)}")
    return started, json.loads(lines[-1])


def bare_run(env: dict[str, str]) -> float:
    started, marks = _spawn([sys.executable, "-c", BARE_WINDOW], env)
    return float(marks["first_frame"]) - started


def terminal_run(env: dict[str, str]) -> dict[str, float]:
    started, marks = _spawn([sys.executable, "-m", "terminal_app", "--start-probe"], env)
    if not marks.get("ok"):
        raise RuntimeError(f"the terminal did not show live data: {marks.get('reason')}")
    return {name: round(value - started, 3) for name, value in marks.items() if isinstance(value, float)}


def _loadavg() -> float | None:
    return round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 3)


def start_bench(runs: int = 3) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bitget-terminal-bench-start-") as tmp:
        cache = Path(tmp) / "pycache"
        bare: list[float] = []
        terminal: list[dict[str, float]] = []
        loads: list[float | None] = []
        for index in range(runs + 1):
            home = Path(tmp) / f"home{index}"  # a new user each time: nothing carried over but the bytecode
            env = _child_env(home, cache)
            load = _loadavg()
            b = bare_run(env)
            t = terminal_run(env)
            if index:  # the first of each fills the bytecode cache
                bare.append(round(b, 3))
                terminal.append(t)
                loads.append(load)
    first = [t["first_frame"] for t in terminal]
    window = [t["window_frame"] for t in terminal]
    live = [t["live"] for t in terminal]
    shell_live = [t.get("shell_live") for t in terminal]
    first_live = [min(x for x in (s, w) if x is not None) for s, w in zip(shell_live, live, strict=True)]
    ratios = [round(f / b, 2) for f, b in zip(first, bare, strict=True)]
    result: dict[str, Any] = {
        "bench": "start",
        "runs": runs,
        "bare_first_frame_s": _median(bare),
        "first_frame_s": _median(first),
        "live_s": _median(live),
        "first_live_s": _median(first_live),
        "shell_live_s": _median([x for x in shell_live if x is not None]) if None not in shell_live else None,
        "first_frame_vs_bare": round(statistics.median(ratios), 2),
        "window_frame_s": _median(window),
        "marks_s": {name: _median([t[name] for t in terminal if name in t]) for name in terminal[-1]},
        "rounds": {"bare": bare, "first_frame": first, "window_frame": window, "live": live,
                   "shell_live": shell_live, "first_live": first_live, "ratio": ratios, "loadavg": loads},
    }
    result["first_frame_ok"] = result["first_frame_vs_bare"] <= FIRST_FRAME_RATIO_TARGET
    result["live_ok"] = result["live_s"] <= LIVE_TARGET_S
    result["first_live_ok"] = result["first_live_s"] <= LIVE_TARGET_S
    return result


def main(args: argparse.Namespace) -> int:
    print(json.dumps(start_bench(max(1, int(getattr(args, "runs", 3) or 3)))), flush=True)
    return 0
