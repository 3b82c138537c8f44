"""Chart benchmark: a million candles loaded and panned/zoomed offscreen.

Load = ``ChartWidget.set_history`` on rows shaped as the REST client's wire rows (ts int, prices and volume as
strings; ``--source rows``, the default) or ``set_history_arrays`` on columns, as a local candle cache would hand them
over (``--source arrays``), plus the first full render: the time until the newest bars are on screen. A long history
of rows shows its newest bars first and parses the older rows between frames; ``full_history_ms`` is the time until
every bar is merged in (processing events meanwhile, as the GUI would), and the pans and zooms run after that.
A frame = one view-range change plus a synchronous render of the whole chart widget into a QImage.
Memory: ``peak_rss_mb`` is the process' peak, which with ``--source rows`` includes the bench's own million
Python row tuples (``rows_mb``, ~0.5 GB, the input, not the chart); ``chart_mb`` is what the loaded chart added to
the resident set (after load, all bars merged, pans and zooms). Targets (issue 16): load < 0.5 s, every pan/zoom
frame < 16 ms, a million bars < 300 MB (``--source arrays``: no input rows in the process).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

LOAD_TARGET_MS = 500.0
FRAME_TARGET_MS = 16.0
RSS_TARGET_MB = 300.0


Row = tuple[int, str, str, str, str, str]


def synthetic_rows(n: int, seed: int = 7, start_ms: int = 1_500_000_000_000) -> list[Row]:
    """A seeded random walk of 1-minute candles, prices and volumes as Bitget sends them (decimal strings)."""
    rng = np.random.default_rng(seed)
    close = 30_000.0 + np.cumsum(rng.normal(0.0, 4.0, n))
    open_ = np.concatenate(([close[0]], close[:-1]))
    wick = np.abs(rng.normal(0.0, 3.0, (2, n)))
    high = np.maximum(open_, close) + wick[0]
    low = np.minimum(open_, close) - wick[1]
    volume = rng.gamma(2.0, 5.0, n)
    ts = start_ms + 60_000 * np.arange(n, dtype=np.int64)
    cols = [[f"{v:.1f}" for v in a.tolist()] for a in (open_, high, low, close)]
    vols = [f"{v:.4f}" for v in volume.tolist()]
    return list(zip(ts.tolist(), *cols, vols, strict=True))


def _stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {"p50": round(statistics.median(ordered), 2), "p99": round(p99, 2), "max": round(ordered[-1], 2)}


def synthetic_arrays(n: int, seed: int = 7, start_ms: int = 1_500_000_000_000) -> tuple[np.ndarray, np.ndarray]:
    """A random walk like :func:`synthetic_rows` as columns (rounded as the rows print them), built in place so the
    bench's own temporaries stay small beside the chart's memory."""
    rng = np.random.default_rng(seed)
    values = np.empty((5, n), np.float64)
    open_, high, low, close, volume = values
    np.cumsum(rng.normal(0.0, 4.0, n), out=close)
    close += 30_000.0
    open_[0] = close[0]
    open_[1:] = close[:-1]
    np.maximum(open_, close, out=high)
    high += np.abs(rng.normal(0.0, 3.0, n))
    np.minimum(open_, close, out=low)
    low -= np.abs(rng.normal(0.0, 3.0, n))
    volume[:] = rng.gamma(2.0, 5.0, n)
    np.round(values[:4], 1, out=values[:4])
    np.round(volume, 4, out=volume)
    ts = start_ms + 60_000 * np.arange(n, dtype=np.int64)
    return ts, values


def _rss_mb() -> float | None:
    try:
        with open("/proc/self/statm") as statm:
            return round(int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)
    except OSError:  # not Linux
        return None


def _peak_rss_mb() -> float | None:
    try:
        import resource
    except ImportError:  # not on Windows
        return None
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB on Linux


def chart_bench(n: int = 1_000_000, *, frames: int = 30, width: int = 1280, height: int = 720, seed: int = 7,
                source: str = "rows") -> dict[str, Any]:
    """Build ``n`` synthetic candles, time load + first render, then ``frames`` pan and ``frames`` zoom frames."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6 import QtGui, QtWidgets

    from terminal_app.core.candles import Interval
    from terminal_app.ui.chart import ChartWidget
    from terminal_app.ui.chart.none_guard import pin_none

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    pin_none()
    chart = ChartWidget(interval=Interval.M1)
    chart.resize(width, height)
    chart.show()
    app.processEvents()
    image = QtGui.QImage(chart.size(), QtGui.QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    chart.render(image)
    rss_before_input = _rss_mb()
    rows: list[Row] | None = None
    columns: tuple[np.ndarray, np.ndarray] | None = None
    if source == "rows":
        rows = synthetic_rows(n, seed)
    else:
        columns = synthetic_arrays(n, seed)
    rss_before_load = _rss_mb()

    def render() -> None:
        image.fill(0)
        chart.render(image)

    t0 = time.perf_counter()
    if rows is not None:
        chart.set_history(rows)
    else:
        assert columns is not None
        chart.set_history_arrays(*columns)
    t1 = time.perf_counter()
    render()
    t2 = time.perf_counter()
    while chart.history_pending:
        app.processEvents()
    t3 = time.perf_counter()
    rows = columns = None
    assert len(chart.series) == n

    def timed(step: Callable[[], None]) -> float:
        start = time.perf_counter()
        step()
        render()
        return (time.perf_counter() - start) * 1000

    # Pans: from the live edge into history a third of a screen per frame, so every frame shows bars never drawn
    # before (worst case for the caches): half of them where full candles are drawn, half zoomed out to 100,000
    # bars where aggregated columns are drawn.
    chart.reset_view()
    render()
    pan_ms = [timed(lambda: chart.pan(-1 / 3)) for _ in range(frames // 2)]
    right = chart.series.last_slot
    chart.set_visible_range(right - min(n, 100_000), right)
    render()
    pan_ms += [timed(lambda: chart.pan(-1 / 3)) for _ in range(frames - frames // 2)]
    # Zooms: from 150 bars out to the whole million, crossing every level of detail on the way.
    chart.reset_view()
    render()
    step = (n * 1.25 / 150) ** (1 / frames)
    zoom_ms = [timed(lambda: chart.zoom(step)) for _ in range(frames)]
    mode_at_end = chart.candles.stats.mode
    level_at_end = chart.candles.stats.level

    chart.close()
    chart.deleteLater()
    app.processEvents()
    rss_after = _rss_mb()
    pan, zoom = _stats(pan_ms), _stats(zoom_ms)
    frame_max = max(pan["max"], zoom["max"])
    peak_rss_mb = _peak_rss_mb()
    load_ms = (t2 - t0) * 1000
    return {
        "bench": "chart",
        "candles": n,
        "source": source,
        "size": f"{width}x{height}",
        "load_ms": round(load_ms, 1),
        "set_history_ms": round((t1 - t0) * 1000, 1),
        "first_render_ms": round((t2 - t1) * 1000, 1),
        "full_history_ms": round((t3 - t0) * 1000, 1),
        "pan_frames": frames,
        "pan_p50_ms": pan["p50"],
        "pan_p99_ms": pan["p99"],
        "pan_max_ms": pan["max"],
        "zoom_frames": frames,
        "zoom_p50_ms": zoom["p50"],
        "zoom_p99_ms": zoom["p99"],
        "zoom_max_ms": zoom["max"],
        "zoomed_out_mode": f"{mode_at_end} level {level_at_end}",
        "peak_rss_mb": peak_rss_mb,
        "rows_mb": round(rss_before_load - rss_before_input, 1) if rss_before_load and rss_before_input else None,
        "chart_mb": round(rss_after - rss_before_input, 1) if rss_after and rss_before_input else None,
        "load_ok": load_ms < LOAD_TARGET_MS,
        "rss_ok": peak_rss_mb < RSS_TARGET_MB if peak_rss_mb is not None and source == "arrays" else None,
        "frames_ok": frame_max < FRAME_TARGET_MS,
    }


def main(args: argparse.Namespace | None = None) -> int:
    n = getattr(args, "candles", None) or 1_000_000
    frames = getattr(args, "frames", None) or 30
    print(json.dumps(chart_bench(n, frames=frames, source=getattr(args, "source", None) or "rows")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
