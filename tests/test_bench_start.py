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
    for name in ("prepare", "exchange_launched", "exchange_line", "qt_app", "shell_frame", "run_app", "exchange_ready",
                 "services", "window", "window_frame", "first_frame", "live"):
        assert name in marks, name
    # the demo exchange's child is launched before the configuration is read (prepare), Qt after both
    assert marks["exchange_launched"] <= marks["prepare"] <= marks["qt_app"] <= marks["shell_frame"]
    assert marks["exchange_launched"] < marks["exchange_line"] <= marks["shell_live"]  # its ready line, then the market
    assert marks["first_frame"] == marks["shell_frame"] < marks["window_frame"]
    assert marks["shell_frame"] < marks["run_app"] < marks["exchange_ready"] <= marks["services"]
    assert marks["services"] <= marks["window"] <= marks["live"]
    assert marks["window_frame"] <= marks["live"]
    # the start-up window showed the market live from its first look, while the heavy imports ran
    assert marks["shell_frame"] < marks["shell_live"] < marks["window_frame"]
    assert marks["imported"] <= marks["run_app"]


def test_the_json_line_has_every_figure(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = bench_start.start_bench(runs=1)
    assert set(result) == {"bench", "runs", "bare_first_frame_s", "first_frame_s", "live_s", "first_live_s",
                           "shell_live_s", "first_frame_vs_bare", "window_frame_s", "marks_s", "rounds",
                           "first_frame_ok", "live_ok", "first_live_ok"}
    assert set(result["rounds"]) == {"bare", "first_frame", "window_frame", "live", "shell_live", "first_live",
                                     "ratio", "loadavg"}
    assert result["first_live_s"] == min(result["shell_live_s"], result["live_s"])
