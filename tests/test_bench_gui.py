"""``terminal-app bench gui``: the real window under a market-data load prints one sane JSON line (no timing targets
here: the figures depend on the machine); its pieces (symbol choice, percentile, the exchange-side taker)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from terminal_app.bench.gui import BENCH_SYMBOLS, BenchError, TakerFlow, TakerPurse, bench_symbols, percentile
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.sim.engine.exchange import Exchange
from terminal_app.sim.market.markets import MARKETS

KEYS = {"bench", "ok", "symbols", "seconds", "sim", "lag_p50_ms", "lag_p99_ms", "lag_max_ms", "lag_samples",
        "msgs_per_s", "sim_per_s", "repaints_per_s", "md_flushes_per_s", "md_signals_per_s", "cpu_pct",
        "gui_cpu_pct", "peak_rss_mb", "sim_peak_rss_mb", "checksum_errors", "window", "platform", "lag_ok",
        "repaint_ok", "rss_ok", "taker_rate",
        # the long-session figures (meaningful from --seconds 120 on; every run reports them)
        "lag_p99_end_ms", "rss_start_mb", "rss_end_mb", "rss_growth_pct", "sim_rss_start_mb", "sim_rss_end_mb",
        "sim_rss_growth_pct", "rss_series_mb", "growth_ok", "lag_end_ok",
        "heap_series_mb", "py_blocks_series_k", "rss_trimmed_mb", "sim_rss_trimmed_mb", "heap_trims",
        # streams the simulator cut off for not reading, the terminal's reconnects, market time the simulator skipped
        "sim_slow_closes", "reconnects", "sim_skipped_pct"}


def _run(tmp_path: Path, *args: str, module: str = "terminal_app") -> tuple[int, dict[str, Any], str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", BITGET_TERMINAL_HOME=str(tmp_path / "home"))
    env.pop("TERMINAL_BENCH_SIM", None)
    env.pop("TERMINAL_BENCH_PROFILE", None)
    env.pop("TERMINAL_BENCH_TRACEMALLOC", None)
    done = subprocess.run([sys.executable, "-m", module, *args], env=env, capture_output=True, text=True,
                          timeout=150, cwd=tmp_path, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert len(lines) == 1, done.stdout + done.stderr
    return done.returncode, json.loads(lines[0]), done.stdout + done.stderr


def _check_line(out: dict[str, Any], symbols: int, sim: str) -> None:
    assert set(out) == KEYS
    assert (out["bench"], out["ok"], out["symbols"], out["sim"]) == ("gui", True, symbols, sim)
    assert 2.5 < out["seconds"] < 30
    assert 0 <= out["lag_p50_ms"] <= out["lag_p99_ms"] <= out["lag_max_ms"]
    assert out["lag_samples"] > 50  # a 10 ms probe over 3 s, however loaded the machine
    # three symbols' books at the simulator's 5 ms steps plus the taker: hundreds of messages a second at least
    assert out["msgs_per_s"] > 300
    assert out["sim_per_s"]["steps"] > 50
    assert out["sim_per_s"]["taker_orders"] > 0
    assert set(out["repaints_per_s"]) == {"ladder", "tape", "chart", "watchlist"}
    assert out["repaints_per_s"]["ladder"] > 0
    assert out["repaints_per_s"]["tape"] > 0
    assert out["md_flushes_per_s"] > 0
    assert out["md_signals_per_s"]["book"] > 0
    assert out["cpu_pct"] >= out["gui_cpu_pct"] > 0
    assert 50 < out["peak_rss_mb"] < 4000
    if sim == "process":
        assert 20 < out["sim_peak_rss_mb"] < 4000
    else:
        assert out["sim_peak_rss_mb"] is None  # inside peak_rss_mb
    assert out["checksum_errors"] == 0
    assert out["platform"] == "offscreen"
    assert out["window"] == "1600x1000"
    # a short run samples no long-session series and trims nothing
    assert out["rss_series_mb"] == out["heap_series_mb"] == out["py_blocks_series_k"] == []
    assert out["rss_trimmed_mb"] is None
    assert out["sim_rss_trimmed_mb"] is None
    assert out["heap_trims"] == {"count": 0, "p50_ms": None, "max_ms": None}  # the terminal's: once a minute


@pytest.mark.timeout(180)
def test_bench_gui_prints_one_sane_json_line(tmp_path: Path) -> None:
    status, out, text = _run(tmp_path, "bench", "gui", "--symbols", "3", "--seconds", "3")
    assert status == 0, text
    _check_line(out, 3, "process")  # the default: the simulator in a child process, as Demo runs it
    assert not any(tmp_path.glob("*.json"))  # nothing written next to where it ran


@pytest.mark.timeout(180)
def test_bench_gui_with_the_simulator_on_a_thread(tmp_path: Path) -> None:
    status, out, text = _run(tmp_path, "--symbols", "2", "--seconds", "3", "--sim", "thread",
                             module="terminal_app.bench.gui")
    assert status == 0, text
    _check_line(out, 2, "thread")


def test_bad_symbol_count_is_a_json_refusal(tmp_path: Path) -> None:
    status, out, _text = _run(tmp_path, "bench", "gui", "--symbols", "99", "--seconds", "1")
    assert status == 2
    assert out["ok"] is False
    assert "--symbols" in out["reason"]


def test_bench_symbols_are_listed_markets_active_first_and_spot_and_futures() -> None:
    assert all(ref in MARKETS for ref in BENCH_SYMBOLS)
    assert len(set(BENCH_SYMBOLS)) == len(BENCH_SYMBOLS) >= 10
    ten = bench_symbols(10)
    assert ten[0] == SymbolRef("BTCUSDT", Product.SPOT)
    assert {r.product for r in ten} == {Product.SPOT, Product.USDT_FUTURES}
    with pytest.raises(BenchError):
        bench_symbols(0)
    with pytest.raises(BenchError):
        bench_symbols(len(BENCH_SYMBOLS) + 1)


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.5) == 51.0  # round(0.5 * 99) = 50 → the 51st value
    assert percentile(values, 0.99) == 99.0
    assert percentile(values, 1.0) == 100.0
    assert percentile([], 0.99) == 0.0


def _fire(flow: TakerFlow, orders: int) -> None:
    flow._last = time.monotonic() - orders / flow.rate  # as if that much time had passed since the last tick
    flow()


@pytest.mark.parametrize("ref", [SymbolRef("ETHUSDT", Product.SPOT), SymbolRef("BTCUSDT", Product.USDT_FUTURES)])
def test_taker_alternates_and_ends_flat(ref: SymbolRef) -> None:
    ex = Exchange(seed=3)
    trades_before = ex.stats()["trades"]
    flow = TakerFlow(ex, MARKETS[ref].info, rate=100.0, quote=Decimal(25), uid="taker")
    _fire(flow, 6)
    assert flow.orders >= 6
    assert flow.refused == 0
    assert ex.stats()["trades"] - trades_before >= flow.orders  # every market order traded
    if flow.orders % 2:
        _fire(flow, 1)
    if ref.is_futures:
        assert all(p.total == 0 for p in ex.positions("taker"))
    else:
        base = {b.coin: b.total for b in ex.spot_balances("taker")}.get("ETH", Decimal(0))
        assert base - Decimal(1) < MARKETS[ref].info.lot_size  # the starting 1 ETH, plus at most a lot of dust


def test_a_taker_out_of_money_is_funded_again_and_keeps_trading() -> None:
    # fees drained the demo funding within minutes at the bench's rate, and most orders were refused from then on
    ex = Exchange(seed=3)
    ref = SymbolRef("BTCUSDT", Product.USDT_FUTURES)
    purse = TakerPurse(ex, uid="taker")
    flow = TakerFlow(ex, MARKETS[ref].info, rate=100.0, quote=Decimal(25), uid="taker", purse=purse)
    purse.flows.append(flow)
    ex.ensure_user("taker")
    account = ex.futures_account("taker")
    ex.transfer_futures("taker", None, account.available)  # every USDT to the house: nothing to margin with
    _fire(flow, 4)
    assert (flow.refused, purse.refills) == (1, 1)           # refused once, funded again, then it traded
    assert flow.orders >= 4
    _fire(flow, 2)
    assert purse.refills == 1                                # no refill while orders go through


def test_in_process_simulator_shortens_the_gil_switch_interval_while_it_runs() -> None:
    from terminal_app.sim.runner import GIL_SWITCH_INTERVAL_S, SimulatorRunner

    before = sys.getswitchinterval()
    assert before > GIL_SWITCH_INTERVAL_S  # Python's default (5 ms) in this test process
    lowered = pytest.approx(GIL_SWITCH_INTERVAL_S, rel=0.01)  # Python keeps it in whole microseconds
    first, second = SimulatorRunner(seed=1), SimulatorRunner(seed=2)
    with first:
        assert sys.getswitchinterval() == lowered
        with second:
            assert sys.getswitchinterval() == lowered
        assert sys.getswitchinterval() == lowered  # the first one still runs
    assert sys.getswitchinterval() == before


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallinfo2 and malloc_trim")
def test_heap_figures_see_memory_held_and_given_back() -> None:
    from terminal_app.bench import gui

    before = gui._heap_kb()
    assert before is not None
    block = bytearray(64 * 1024 * 1024)  # above the mmap threshold: a block of its own, counted as in use
    held = gui._heap_kb()
    assert held is not None
    assert held[0] - before[0] >= 60 * 1024
    del block
    after = gui._heap_kb()
    assert after is not None
    assert held[0] - after[0] >= 60 * 1024
    trimmed = gui._trimmed_kb()
    assert trimmed is not None
    assert 0 < trimmed <= (gui._rss_now_kb() or 0) + 1024


def test_long_session_warms_up_until_the_traded_volume_window_is_full() -> None:
    from terminal_app.bench import gui
    from terminal_app.core.traded_volume import DEFAULT_WINDOW_MS

    assert gui.LONG_WARMUP_S > DEFAULT_WINDOW_MS / 1000
