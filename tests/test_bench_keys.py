"""``terminal-app bench keys``: hotkey presses in the real window under the gui load print one sane JSON line (no
timing targets here: the figures depend on the machine; the benchmark itself reports ``p99_ok``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = str(Path(__file__).resolve().parents[1])
KEYS = {"bench", "journal_delay_ms", "ok", "presses", "p50_ms", "p99_ms", "max_ms", "min_ms", "mean_ms", "stages",
        "lag_p99_ms", "lag_max_ms", "msgs_per_s", "sim_ticks_per_s", "seconds", "cancels", "symbols", "sim", "clock",
        "loadavg_1m", "journal", "target_p99_ms", "p99_ok", "sent_in_key_event", "slowest", "gc", "shutdown_s",
        "taker_rate"}
# in the order an order goes through them
STAGES = ("key_event", "send_task", "transport", "wire", "tap_read", "sim_handler", "acknowledged")


def _run(tmp_path: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    # PYTHONPATH: this checkout's terminal_app, not whichever one the venv has installed (the run's cwd is tmp_path)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", BITGET_TERMINAL_HOME=str(tmp_path / "home"), PYTHONPATH=REPO)
    env.pop("TERMINAL_BENCH_SIM", None)
    env.pop("TERMINAL_BENCH_PROFILE", None)
    done = subprocess.run([sys.executable, "-m", "terminal_app", "bench", "keys", *args], env=env,
                          capture_output=True, text=True, timeout=170, cwd=tmp_path, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert len(lines) == 1, done.stdout + done.stderr
    return done.returncode, json.loads(lines[0]), done.stdout + done.stderr


@pytest.mark.timeout(180)
def test_bench_keys_prints_one_sane_json_line_with_a_slow_journal(tmp_path: Path) -> None:
    # A light load (one symbol, few takers): this checks the plumbing, and a busy test machine starves the simulator
    status, out, text = _run(tmp_path, "--presses", "6", "--symbols", "1", "--taker-rate", "20", "--cancel-every", "3",
                             "--journal-delay-ms", "20")
    assert status == 0, text
    assert set(out) == KEYS
    assert (out["bench"], out["ok"], out["presses"], out["symbols"], out["sim"]) == ("keys", True, 6, 1, "process")
    assert out["journal_delay_ms"] == 20
    assert 0 < out["min_ms"] <= out["p50_ms"] <= out["p99_ms"] <= out["max_ms"]
    stages = out["stages"]
    assert list(stages) == list(STAGES)
    for figures in stages.values():
        assert 0 < figures["p50_ms"] <= figures["p99_ms"] <= figures["max_ms"]
    # the headline is the order's bytes at the exchange's door
    assert {k: out[k] for k in ("p50_ms", "p99_ms", "max_ms")} == stages["wire"]
    # each order passes the stages in turn; a key event is only where the key press ends, not a stage on the way
    assert [stages[s]["p50_ms"] for s in STAGES[1:]] == sorted(stages[s]["p50_ms"] for s in STAGES[1:])
    assert 0 <= out["sent_in_key_event"] <= 6
    assert out["gc"]["collections"] >= 0
    assert out["gc"]["max_ms"] >= 0
    slowest = out["slowest"]
    assert len(slowest) == 5
    assert slowest[0]["wire"] == out["max_ms"]
    assert [s["wire"] for s in slowest] == sorted((s["wire"] for s in slowest), reverse=True)
    for press in slowest:
        assert set(press) == {"press", *STAGES, "runq_ms", "switches", "gc_ms", "journal_ms", "in_handler"}
        assert 1 <= press["press"] <= 6
        assert [press[s] for s in STAGES[1:]] == sorted(press[s] for s in STAGES[1:])
        assert min(press["runq_ms"], press["switches"], press["gc_ms"], press["journal_ms"]) >= 0
    assert out["cancels"] == 2  # after the third press, and at the end
    assert out["msgs_per_s"] > 100  # the load was on
    assert out["journal"]["jobs"] >= 6  # every order was journaled (at least its pending record)
    assert out["journal"]["transactions"] >= 1
    assert out["p99_ok"] == (out["p99_ms"] < out["target_p99_ms"] == 5.0)
    assert not any(tmp_path.glob("*.json"))


def test_bench_keys_refuses_bad_arguments(tmp_path: Path) -> None:
    status, out, _text = _run(tmp_path, "--presses", "0")
    assert status == 2
    assert out == {"bench": "keys", "journal_delay_ms": 0.0, "ok": False,
                   "reason": "--presses and --cancel-every must be positive, --journal-delay-ms and --taker-rate not "
                             "negative"}
