"""RSI and MACD for the chart's indicator panes (numpy only, floats for drawing).

Both are recursive (Wilder's average, exponential averages), so a live tick only recomputes the bars from the first
changed one: :meth:`Oscillator.update_tail` continues each average from its value on the bar before. A whole series
(new history, an older page, which moves every seed) is computed vectorised with ``core.candles.ema``, which takes
a million bars in a few milliseconds.

Arrays are aligned with the series (index 0 = the oldest bar) and NaN where the indicator is not defined yet. They
live in buffers with spare room, so a bar appended every minute does not copy a million-value array each time.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from terminal_app.core.candles import FloatArray, SeriesChange, ema


class _Columns:
    """Named float64 columns of one length, grown in place with spare room."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self._names = names
        self._buffer = np.empty((len(names), 0))
        self.length = 0

    def resize(self, m: int, keep: int) -> None:
        """Length ``m``; values before ``keep`` are kept, the rest is undefined until written."""
        if m > self._buffer.shape[1]:
            grown = np.empty((len(self._names), m + max(64, m // 8)))
            grown[:, :keep] = self._buffer[:, :keep]
            self._buffer = grown
        self.length = m

    def __getitem__(self, name: str) -> FloatArray:
        return self._buffer[self._names.index(name), : self.length]


class Oscillator:
    """Base: output ``lines`` (views, in a fixed order) kept up to date with a close series."""

    names: ClassVar[tuple[str, ...]] = ()
    lines: ClassVar[tuple[str, ...]] = ()

    def __init__(self) -> None:
        self._cols = _Columns(self.names)

    def __len__(self) -> int:
        return self._cols.length

    def values(self) -> tuple[FloatArray, ...]:
        return tuple(self._cols[n] for n in self.lines)

    def column(self, name: str) -> FloatArray:
        return self._cols[name]

    def clear(self) -> None:
        self._cols.resize(0, 0)

    def update(self, close: FloatArray, change: SeriesChange | None, origin: int) -> int:
        """Bring the values in line with ``close`` after ``change`` (None: compute everything); returns the first
        index that changed (0 after a full computation)."""
        if change is None or change.reset or change.prepended or len(self) == 0:
            self.compute(close)
            return 0
        if change.first_changed is None:
            return len(close)
        start = change.first_changed - origin
        if not self.update_tail(close, start):
            self.compute(close)
            return 0
        return start

    def compute(self, close: FloatArray) -> None:
        raise NotImplementedError

    def update_tail(self, close: FloatArray, start: int) -> bool:
        """Recompute from index ``start`` on; False if the tail cannot be continued (then :meth:`compute`)."""
        raise NotImplementedError


class Rsi(Oscillator):
    """Wilder's RSI: 100 · avg gain / (avg gain + avg loss), averages seeded with the mean of the first ``period``
    changes and then smoothed with alpha = 1 / period (50 when the price did not move at all)."""

    names = ("rsi", "gain", "loss")
    lines = ("rsi",)

    def __init__(self, period: int = 14) -> None:
        super().__init__()
        self.period = period

    def compute(self, close: FloatArray) -> None:
        m, n = len(close), self.period
        self._cols.resize(m, 0)
        for name in self.names:
            self._cols[name][:] = np.nan
        if m <= n:
            return
        diff = np.diff(close)
        gains, losses = np.maximum(diff, 0.0), np.maximum(-diff, 0.0)
        gain, loss = self._cols["gain"], self._cols["loss"]
        gain[n] = gains[:n].mean()
        loss[n] = losses[:n].mean()
        self._smooth(gains[n:], losses[n:], n + 1)
        self._rsi(n)

    def update_tail(self, close: FloatArray, start: int) -> bool:
        m, n = len(close), self.period
        if start <= n or start > len(self) or m < start:
            return False
        self._cols.resize(m, start)
        diff = close[start:] - close[start - 1 : -1]
        self._smooth(np.maximum(diff, 0.0), np.maximum(-diff, 0.0), start)
        self._rsi(start)
        return True

    def _smooth(self, gains: FloatArray, losses: FloatArray, start: int) -> None:
        if not len(gains):
            return
        # Wilder's smoothing is an EMA with alpha 1/n, i.e. ema's period 2n - 1, continued from the bar before.
        gain, loss = self._cols["gain"], self._cols["loss"]
        span = 2 * self.period - 1
        gain[start:] = ema(gains, span, prev=float(gain[start - 1]))
        loss[start:] = ema(losses, span, prev=float(loss[start - 1]))

    def _rsi(self, start: int) -> None:
        gain, loss = self._cols["gain"][start:], self._cols["loss"][start:]
        total = gain + loss
        out = self._cols["rsi"]
        with np.errstate(invalid="ignore", divide="ignore"):
            out[start:] = np.where(total > 0, 100.0 * gain / total, 50.0)


class Macd(Oscillator):
    """MACD = EMA(fast) − EMA(slow) of the close; signal = EMA(signal) of MACD (seeded with the mean of its first
    ``signal`` values); histogram = MACD − signal."""

    names = ("fast", "slow", "macd", "signal", "histogram")
    lines = ("macd", "signal", "histogram")

    def __init__(self, fast: int = 12, slow: int = 26, signal: int = 9) -> None:
        super().__init__()
        self.fast, self.slow, self.signal = fast, slow, signal

    @property
    def _macd_from(self) -> int:
        return max(self.fast, self.slow) - 1

    @property
    def _signal_from(self) -> int:
        return self._macd_from + self.signal - 1

    def compute(self, close: FloatArray) -> None:
        m = len(close)
        self._cols.resize(m, 0)
        cols = self._cols
        cols["fast"][:] = ema(close, self.fast)
        cols["slow"][:] = ema(close, self.slow)
        np.subtract(cols["fast"], cols["slow"], out=cols["macd"])
        cols["signal"][:] = np.nan
        s0 = self._signal_from
        if m > s0:
            macd = cols["macd"]
            cols["signal"][s0] = macd[self._macd_from : s0 + 1].mean()
            cols["signal"][s0 + 1 :] = ema(macd[s0 + 1 :], self.signal, prev=float(cols["signal"][s0]))
        np.subtract(cols["macd"], cols["signal"], out=cols["histogram"])

    def update_tail(self, close: FloatArray, start: int) -> bool:
        m = len(close)
        if start <= self._signal_from + 1 or start > len(self) or m < start:
            return False
        self._cols.resize(m, start)
        cols = self._cols
        tail = close[start:]
        for name, period in (("fast", self.fast), ("slow", self.slow)):
            col = cols[name]
            col[start:] = ema(tail, period, prev=float(col[start - 1]))
        macd, signal = cols["macd"], cols["signal"]
        np.subtract(cols["fast"][start:], cols["slow"][start:], out=macd[start:])
        signal[start:] = ema(macd[start:], self.signal, prev=float(signal[start - 1]))
        np.subtract(macd[start:], signal[start:], out=cols["histogram"][start:])
        return True
