"""``python -m terminal_app --smoke-test``: the whole GUI offscreen against the demo exchange, as users run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.timeout(120)
def test_smoke_test_places_and_cancels_an_order_and_exits_0(tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", BITGET_TERMINAL_HOME=str(tmp_path / "home"))
    done = subprocess.run([sys.executable, "-m", "terminal_app", "--smoke-test"], env=env, capture_output=True,
                          text=True, timeout=90, cwd=tmp_path, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert len(lines) == 1, done.stdout
    summary = json.loads(lines[0])
    assert summary["ok"] is True
    assert summary["entry"] == "ticket"  # the trader's path, not a shortcut into the service
    assert summary["candles"] > 1000
    for key in ("book_ms", "chart_ms", "ticker_ms", "order_live_ms", "cancel_ms", "total_ms"):
        assert summary[key] >= 0
    assert summary["total_ms"] < 30_000
    assert not any(tmp_path.glob("*.json"))  # nothing written next to where it ran
    assert (tmp_path / "home" / "config").is_dir()
