"""``terminal-app bench start``: real processes (a bare window, the terminal with its demo exchange), offscreen.

The figures depend on the machine; this checks the plumbing: every mark is there, on one clock, in the order the
start-up promises (the exchange's child launched before Qt is up, the start-up window painted before the main window
and before the exchange is ready, live data last).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from terminal_app.bench import start as bench_start


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    worktree = str(Path(bench_start.__file__).resolve().parents[2])
    environ = bench_start._child_env(tmp_path / "home", tmp_path / "pycache")
    environ["PYTHONPATH"] = os.pathsep.join(p for p in (worktree, environ.get("PYTHONPATH")) if p)
    return environ


def test_bare_window_paints(env: dict[str, str]) -> None:
    assert 0 < bench_start.bare_run(env) < 60


def test_terminal_marks_are_ordered(env: dict[str, str]) -> None:
    marks = bench_start.terminal_run(env)
    for name in ("prepare", "exchange_launched", "qt_app", "shell_frame", "run_app", "exchange_ready", "services",
                 "window", "window_frame", "first_frame", "live"):
        assert name in marks, name
    assert marks["prepare"] <= marks["exchange_launched"] <= marks["qt_app"] <= marks["shell_frame"]
    assert marks["first_frame"] == marks["shell_frame"] < marks["window_frame"]
    assert marks["shell_frame"] < marks["run_app"] < marks["exchange_ready"] <= marks["services"]
    assert marks["services"] <= marks["window"] <= marks["live"]
    assert marks["window_frame"] <= marks["live"]
