"""A header label with its text in several forms, longest first, that shows the longest one its width holds: the
chart header's mark price and funding countdown ("Mark 65,000.1 · Funding 0.0100 % in 03:12:44") become
"F 0.0100% 3h12m" in a narrow window instead of being cut, and the full text is in the tooltip. The label takes only
the room the layout leaves (its size policy ignores its text), so it never widens the window."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6 import QtCore, QtGui, QtWidgets


def short_countdown(ms: int) -> str:
    """A duration in the fewest characters a trader still reads at a glance: ``3h12m``, ``12m05s``, ``45s``."""
    seconds = max(0, ms) // 1000
    hours, minutes, secs = seconds // 3600, seconds // 60 % 60, seconds % 60
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


class FitLabel(QtWidgets.QLabel):
    """Shows the longest of its forms (plain text, rich text) that fits its width; the last one when none does."""

    def __init__(self, about: str, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._about = about          # what the label is, said above the full text in the tooltip
        self._forms: list[tuple[str, str]] = []
        self._shown = ""
        self.setAlignment(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred)
        self.setToolTip(about)

    def set_forms(self, forms: Sequence[tuple[str, str]]) -> None:
        """``forms``: (plain, rich) pairs, longest first; empty clears the label."""
        self._forms = list(forms)
        self.setToolTip(f"{self._about}\n{self._forms[0][0]}" if self._forms else self._about)
        self._fit()

    def shown(self) -> str:
        """The plain text of the form on show ("" when empty)."""
        return self._shown

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        if not self._forms:
            self._shown = ""
            self.clear()
            return
        room = self.contentsRect().width() - 2 * self.margin()
        metrics = self.fontMetrics()
        plain, rich = next(((p, r) for p, r in self._forms if metrics.horizontalAdvance(p) <= room), self._forms[-1])
        self._shown = plain
        if rich != self.text():
            self.setText(rich)
