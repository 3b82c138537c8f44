"""Transient notifications in the bottom-right corner of the main window (fills, rejections, connection events).

Toasts are child widgets laid over the window, not top-level windows: they never steal the keyboard focus from the
ticket or the book, and they move with the window. A click dismisses one early; at most ``max_visible`` are shown,
the oldest giving way.
"""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from terminal_app.ui.theme import set_style_property


class ToastKind(StrEnum):
    INFO = "info"
    BUY = "buy"
    SELL = "sell"
    ERROR = "error"


class Toast(QFrame):
    """One notification.

    Signals:
        closed(): the toast timed out or was clicked away.
    """

    closed = Signal()

    def __init__(self, title: str, body: str, kind: ToastKind, timeout_ms: int, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("Toast")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.kind = kind
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(2)
        self.title_label = QLabel(title, self)
        self.title_label.setObjectName("ToastTitle")
        layout.addWidget(self.title_label)
        self.body_label = QLabel(body, self)
        self.body_label.setObjectName("ToastBody")
        self.body_label.setWordWrap(True)
        self.body_label.setVisible(bool(body))
        layout.addWidget(self.body_label)
        self.setFixedWidth(320)
        set_style_property(self, "kind", kind.value)
        self._timer = QTimer(self)
        self._timer.setObjectName("toast-expiry")
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.dismiss)
        self._timer.start(timeout_ms)
        self._done = False

    def dismiss(self) -> None:
        if self._done:
            return
        self._done = True
        self._timer.stop()
        self.hide()
        self.closed.emit()
        self.deleteLater()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.dismiss()
        event.accept()


class ToastHost(QObject):
    """Stacks toasts upwards from the bottom-right corner of ``window``, above the widget ``above`` (the status bar).

    Signals:
        shown(Toast): a toast appeared.
    """

    shown = Signal(object)
    MARGIN = 12
    SPACING = 8

    def __init__(
        self, window: QWidget, above: QWidget | None = None, max_visible: int = 4, timeout_ms: int = 4000
    ) -> None:
        super().__init__(window)
        self._window = window
        self._above = above
        self.max_visible = max_visible
        self.timeout_ms = timeout_ms
        self._toasts: list[Toast] = []
        window.installEventFilter(self)

    @property
    def toasts(self) -> list[Toast]:
        return list(self._toasts)

    def show_toast(self, title: str, body: str = "", kind: ToastKind = ToastKind.INFO,
                   timeout_ms: int | None = None) -> Toast:
        toast = Toast(title, body, kind, self.timeout_ms if timeout_ms is None else timeout_ms, self._window)
        toast.closed.connect(lambda t=toast: self._forget(t))
        toast.installEventFilter(self)  # its height settles only after the first layout pass
        self._toasts.append(toast)
        while len(self._toasts) > self.max_visible:
            self._toasts[0].dismiss()
        toast.adjustSize()
        toast.show()
        toast.raise_()
        self._place()
        self.shown.emit(toast)
        return toast

    def show_fill(self, side: str, symbol: str, size: str, price: str, detail: str = "") -> Toast:
        """A fill: ``side`` is Bitget's ``buy``/``sell``; size and price come preformatted (Decimal → text)."""
        buy = side.lower() == "buy"
        title = f"{'Bought' if buy else 'Sold'} {size} {symbol}"
        body = f"@ {price}" + (f" · {detail}" if detail else "")
        return self.show_toast(title, body, ToastKind.BUY if buy else ToastKind.SELL)

    def _forget(self, toast: Toast) -> None:
        if toast in self._toasts:
            self._toasts.remove(toast)
            self._place()

    def _place(self) -> None:
        rect = self._window.rect()
        bottom = rect.bottom()
        if self._above is not None and self._above.isVisible():
            bottom = self._above.y()
        bottom -= self.MARGIN
        for toast in reversed(self._toasts):
            y = bottom - toast.height()
            toast.move(QPoint(rect.right() - self.MARGIN - toast.width(), y))
            bottom = y - self.SPACING

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Show and LayoutRequest too: a toast raised while the window is still being laid out must move once the
        # status bar has its final place.
        if (
            self._toasts
            and event.type() in (QEvent.Type.Resize, QEvent.Type.Show, QEvent.Type.LayoutRequest)
            and (watched is self._window or watched in self._toasts)
        ):
            self._place()
        return False
