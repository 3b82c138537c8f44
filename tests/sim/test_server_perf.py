"""The simulator benchmark (``terminal-app bench sim``) runs end to end; its figures are reported, not asserted."""

from __future__ import annotations

from pathlib import Path

import pytest

from terminal_app.bench.sim import run

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc for the CPU figures")


def test_bench_sim_runs_and_reports() -> None:
    result = run(connections=2, window_s=0.5, orders_count=50)
    book, rest = result["book"], result["rest"]
    assert book["connections"] == 2
    assert book["channels_per_connection"] == 8
    assert book["updates_per_s"] > 0, "the fast simulator pushes book updates"
    assert book["server_cpu_percent"] >= 0
    assert rest["count"] == 50
    assert rest["orders_per_s"] > 0
    assert 0 < rest["p50_ms"] <= rest["p99_ms"]
    assert set(result["history"]) == {"m1_1000_ms", "d1_200_ms"}
    assert all(ms > 0 for ms in result["history"].values())
