"""The window shown while the terminal starts: up within a few tenths of a second, replaced by the main window.

Building the main window needs the services connected (its panels are built on them) and pyqtgraph, numpy and
aiohttp imported: a second or more after the process started. The shell is a plain ``QMainWindow`` that needs only
Qt: it says which profile is opening and what the start-up is waiting for, at the size the main window will have, and
closes once the main window is shown (``terminal_app.app.Terminal``).

Given a first look at the market (``bitget.first_look``, wired by ``terminal_app.startup``), it also shows the
opening symbol live before the main window exists: the last price and 24 h change, the 15 best levels each side and
the recent candles, repainted when something new arrived (polled 30 times a second until it first showed all three —
the start-up pumps Qt's events between the modules it imports, see ``startup.import_in_steps``; at ten a second the
market was shown 50 ms late on average —, then ten times a second, which leaves the imports their time).
``live_at`` is when it first painted all three.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, Protocol

from PySide6 import QtCore, QtGui, QtWidgets

SHELL_SIZE = QtCore.QSize(1280, 800)
POLL_MS = 33
LIVE_POLL_MS = 100
BOOK_ROWS = 15
UP = QtGui.QColor(38, 166, 154)
DOWN = QtGui.QColor(239, 83, 80)
TEXT = QtGui.QColor(200, 200, 200)


class LookLike(Protocol):
    """What the shell reads of ``bitget.first_look.Look`` (core values and Bitget's level strings)."""

    @property
    def ref(self) -> Any: ...

    @property
    def ticker(self) -> Any: ...
    @property
    def bids(self) -> Sequence[tuple[str, str]]: ...
    @property
    def asks(self) -> Sequence[tuple[str, str]]: ...
    @property
    def candles(self) -> Sequence[Any]: ...
    @property
    def complete(self) -> bool: ...


class FirstLookView(QtWidgets.QWidget):
    """Ticker line on top; candles on the left, the book on the right. Paints whatever ``source()`` returns."""

    def __init__(self, source: Callable[[], LookLike | None], parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("first_look")
        self._source = source
        self._shown: LookLike | None = None
        self.live_at: float | None = None  # CLOCK_MONOTONIC of the first paint with ticker, book and candles
        self.timer = QtCore.QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)
        self.timer.start()

    def poll(self) -> None:
        look = self._source()
        if look is not self._shown:
            self._shown = look
            self.update()

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        look = self._shown
        painter = QtGui.QPainter(self)
        try:
            painter.fillRect(self.rect(), self.palette().window())
            if look is None:
                return
            rect = self.rect().adjusted(16, 12, -16, -12)
            header = QtCore.QRect(rect.left(), rect.top(), rect.width(), 28)
            self._paint_ticker(painter, header, look)
            body = rect.adjusted(0, 40, 0, 0)
            book_w = min(360, body.width() // 3)
            self._paint_candles(painter, body.adjusted(0, 0, -book_w - 16, 0), look.candles)
            self._paint_book(painter, QtCore.QRect(body.right() - book_w, body.top(), book_w, body.height()), look)
        finally:
            painter.end()
        if self.live_at is None and look is not None and look.complete:
            self.live_at = time.monotonic()
            self.timer.setInterval(LIVE_POLL_MS)  # shown: moving prices need no more, the imports get the time

    def _paint_ticker(self, painter: QtGui.QPainter, rect: QtCore.QRect, look: LookLike) -> None:
        ticker = look.ticker
        font = painter.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        painter.setFont(font)
        painter.setPen(TEXT)
        title = look.ref.display
        text = title
        if ticker is not None:
            change = Decimal(ticker.change_24h) * 100
            painter.setPen(UP if change >= 0 else DOWN)
            text = f"{title}   {ticker.last}   {change:+.2f} %"
        painter.drawText(rect, QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignVCenter, text)

    def _paint_candles(self, painter: QtGui.QPainter, rect: QtCore.QRect, candles: Sequence[Any]) -> None:
        if not candles or rect.width() < 20:
            return
        highs = [float(c.high) for c in candles]
        lows = [float(c.low) for c in candles]
        top, bottom = max(highs), min(lows)
        span = (top - bottom) or 1.0
        step = rect.width() / len(candles)

        def y(price: Any) -> float:  # floats only for drawing
            return rect.bottom() - (float(price) - bottom) / span * rect.height()

        for i, candle in enumerate(candles):
            colour = UP if candle.close >= candle.open else DOWN
            x = rect.left() + (i + 0.5) * step
            painter.setPen(colour)
            painter.drawLine(QtCore.QPointF(x, y(candle.high)), QtCore.QPointF(x, y(candle.low)))
            body_top, body_bottom = y(max(candle.open, candle.close)), y(min(candle.open, candle.close))
            painter.fillRect(QtCore.QRectF(x - step * 0.35, body_top, step * 0.7, max(1.0, body_bottom - body_top)),
                             colour)

    def _paint_book(self, painter: QtGui.QPainter, rect: QtCore.QRect, look: LookLike) -> None:
        font = painter.font()
        font.setPointSizeF(max(7.0, font.pointSizeF() / 1.4))
        painter.setFont(font)
        row = max(12, min(20, rect.height() // (2 * BOOK_ROWS + 1)))
        asks = list(look.asks[:BOOK_ROWS])[::-1]  # the best ask next to the best bid, in the middle
        bids = list(look.bids[:BOOK_ROWS])
        middle = rect.top() + BOOK_ROWS * row
        right = QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter
        for rows, colour, first_y in ((asks, DOWN, middle - len(asks) * row), (bids, UP, middle + row)):
            painter.setPen(colour)
            for i, (price, size) in enumerate(rows):
                line = QtCore.QRect(rect.left(), first_y + i * row, rect.width(), row)
                painter.drawText(line.adjusted(0, 0, -rect.width() // 2, 0), right, price)
                painter.setPen(TEXT)
                painter.drawText(line, right, size)
                painter.setPen(colour)


class StartupShell(QtWidgets.QMainWindow):
    def __init__(self, profile: str | None = None) -> None:
        super().__init__()
        self.setObjectName("StartupShell")
        self.setWindowTitle(f"Bitget Terminal — {profile}" if profile else "Bitget Terminal")
        central = QtWidgets.QWidget(self)
        layout = QtWidgets.QVBoxLayout(central)
        self.message = QtWidgets.QLabel(central)
        self.message.setObjectName("startup_message")
        self.message.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.message)
        self.setCentralWidget(central)
        self.set_message(f"Opening {profile}…" if profile else "Starting…")
        self.resize(SHELL_SIZE)
        self.painted_at: float | None = None  # CLOCK_MONOTONIC of the first paint (bench start reads it)
        self.look: FirstLookView | None = None
        self._on_close: Callable[[], None] | None = None

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        if self.painted_at is None:
            self.painted_at = time.monotonic()
        super().paintEvent(event)

    def set_message(self, text: str) -> None:
        self.message.setText(text)

    def show_market(self, source: Callable[[], LookLike | None], on_close: Callable[[], None]) -> FirstLookView:
        """Show ``source``'s market under the message (None: nothing yet); ``on_close`` runs when the shell closes
        (the feed stops)."""
        central = self.centralWidget()
        assert central is not None
        layout = central.layout()
        assert isinstance(layout, QtWidgets.QBoxLayout)
        self.look = FirstLookView(source, central)
        layout.addWidget(self.look, 1)
        self.message.setAlignment(QtCore.Qt.AlignmentFlag.AlignLeft)
        self._on_close = on_close
        return self.look

    @property
    def live_at(self) -> float | None:
        return self.look.live_at if self.look is not None else None

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        if self.look is not None:
            self.look.timer.stop()
        on_close, self._on_close = self._on_close, None
        if on_close is not None:
            on_close()
        super().closeEvent(event)
