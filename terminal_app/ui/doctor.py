"""The account doctor's findings on screen, and the hold it puts on the order ticket.

:class:`DoctorView` lists findings (``core.doctor.Finding``): a severity icon, the title, the plain-language
explanation and the fix. :class:`DoctorDialog` shows it when a Bitget profile connects, before the first order, with
"Check again". :class:`TicketHold` disables the order ticket with the reason for as long as the guarded trading
service holds orders back (``GuardedTrading.block``: the doctor has not answered yet, or found a problem that would
make orders fail), so the trader sees why instead of a rejection after the fact. :func:`install_doctor` shows the
dialog whenever the profile service reports findings (a Bitget profile connected) and adds Help ▸ Account doctor….
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QObject, QRectF, Qt, Signal
from PySide6.QtGui import QAction, QColor, QFont, QPainter, QPixmap
from PySide6.QtWidgets import (
    QBoxLayout,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from terminal_app.core.doctor import Finding, Severity, blocks_trading, worst
from terminal_app.ui.theme import current_colors

ICON_SIZE = 20
_GLYPH = {Severity.OK: "✓", Severity.WARN: "!", Severity.ERROR: "✕"}


def severity_colour(severity: Severity) -> str:
    c = current_colors()
    return {Severity.OK: c.up, Severity.WARN: c.warn, Severity.ERROR: c.alert}[severity]


def severity_icon(severity: Severity, size: int = ICON_SIZE) -> QPixmap:
    """A filled circle in the severity's colour with ✓, ! or ✕ (shape and colour both tell, for colour blindness)."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(severity_colour(severity)))
    painter.drawEllipse(QRectF(1, 1, size - 2, size - 2))
    font = QFont(painter.font())
    font.setBold(True)
    font.setPixelSize(int(size * 0.62))
    painter.setFont(font)
    painter.setPen(QColor(current_colors().bg))
    painter.drawText(QRectF(0, 0, size, size), Qt.AlignmentFlag.AlignCenter, _GLYPH[severity])
    painter.end()
    return pixmap


class FindingRow(QFrame):
    """One finding: icon, title, explanation, fix."""

    def __init__(self, finding: Finding, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"finding_{finding.key}")
        self.finding = finding
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(10)
        self.icon = QLabel(self)
        self.icon.setPixmap(severity_icon(finding.severity))
        self.icon.setToolTip(finding.severity.label)
        self.icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.icon.setFixedWidth(ICON_SIZE + 2)
        layout.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        text = QVBoxLayout()
        text.setSpacing(2)
        self.title = QLabel(finding.title, self)
        title_font = self.title.font()
        title_font.setBold(True)
        self.title.setFont(title_font)
        self.title.setWordWrap(True)
        text.addWidget(self.title)
        self.explanation = QLabel(finding.explanation, self)
        self.explanation.setWordWrap(True)
        self.explanation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        text.addWidget(self.explanation)
        self.fix = QLabel(f"Fix: {finding.fix}" if finding.fix else "", self)
        self.fix.setWordWrap(True)
        self.fix.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.fix.setStyleSheet(f"color: {severity_colour(finding.severity)};"
                               if finding.severity is not Severity.OK else "")
        self.fix.setVisible(bool(finding.fix))
        text.addWidget(self.fix)
        layout.addLayout(text, 1)


def summary_text(findings: Sequence[Finding]) -> str:
    if not findings:
        return "The account has not been checked yet."
    if blocks_trading(findings):
        n = sum(1 for f in findings if f.severity is Severity.ERROR)
        return (f"{n} problem{'s' if n > 1 else ''} found: orders would fail, so the order ticket is held until "
                "it is fixed.")
    if worst(findings) is Severity.WARN:
        n = sum(1 for f in findings if f.severity is Severity.WARN)
        return f"Ready to trade, with {n} thing{'s' if n > 1 else ''} to look at."
    return "Everything checked out: ready to trade."


class DoctorView(QWidget):
    """The findings, worst first within the doctor's own order of topics."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DoctorView")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.summary = QLabel(self)
        self.summary.setObjectName("DoctorSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.body = QWidget(self.scroll_area)
        self.rows_layout = QVBoxLayout(self.body)
        self.rows_layout.setContentsMargins(0, 0, 0, 0)
        self.rows_layout.setSpacing(2)
        self.rows_layout.addStretch(1)
        self.scroll_area.setWidget(self.body)
        layout.addWidget(self.scroll_area, 1)
        self.rows: list[FindingRow] = []
        self.findings: list[Finding] = []
        self.set_findings([])

    def set_findings(self, findings: Sequence[Finding]) -> None:
        for row in self.rows:
            self.rows_layout.removeWidget(row)
            row.deleteLater()
        self.findings = list(findings)
        self.rows = []
        for finding in self.findings:
            row = FindingRow(finding, self.body)
            self.rows_layout.insertWidget(self.rows_layout.count() - 1, row)
            self.rows.append(row)
        self.summary.setText(summary_text(self.findings))
        colour = severity_colour(worst(self.findings)) if self.findings else current_colors().muted
        self.summary.setStyleSheet(f"font-weight: bold; color: {colour}; padding: 4px 2px;")

    def titles(self) -> list[str]:
        return [f.title for f in self.findings]


class DoctorDialog(QDialog):
    """Account doctor: the findings for one profile, and "Check again".

    Signals:
        recheck_requested(): the user wants the doctor to run again.
    """

    recheck_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DoctorDialog")
        self.setWindowTitle("Account doctor")
        layout = QVBoxLayout(self)
        self.heading = QLabel(self)
        self.heading.setWordWrap(True)
        heading_font = self.heading.font()
        heading_font.setPointSizeF(heading_font.pointSizeF() * 1.15)
        self.heading.setFont(heading_font)
        layout.addWidget(self.heading)
        self.view = DoctorView(self)
        layout.addWidget(self.view, 1)
        buttons = QDialogButtonBox(self)
        self.recheck_button = QPushButton("Check again", self)
        self.recheck_button.clicked.connect(self.recheck_requested)
        buttons.addButton(self.recheck_button, QDialogButtonBox.ButtonRole.ActionRole)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.clicked.connect(self.accept)
        layout.addWidget(buttons)
        self.resize(620, 520)

    def show_findings(self, profile_name: str, kind_badge: str, findings: Sequence[Finding]) -> None:
        self.heading.setText(f"<b>{kind_badge} · {profile_name}</b> — what the terminal found about this account "
                             "and its API key:")
        self.view.set_findings(findings)


class TicketHold(QObject):
    """Disables ``ticket`` (the order-entry panel) with the reason while ``trading`` holds orders back."""

    def __init__(self, ticket: QWidget, trading: Any) -> None:
        super().__init__(ticket)
        self.ticket = ticket
        self.banner = QLabel(ticket)
        self.banner.setObjectName("TradingHeld")
        self.banner.setWordWrap(True)
        self.banner.hide()
        layout = ticket.layout()
        if isinstance(layout, QBoxLayout):
            layout.insertWidget(0, self.banner)
        self._original_tip = ticket.toolTip()
        trading.block_changed.connect(self.apply)
        self.apply(trading.blocked_reason)

    @property
    def held(self) -> bool:
        return not self.ticket.isEnabled()

    def apply(self, reason: str) -> None:
        held = bool(reason)
        c = current_colors()
        # The banner stays readable while its disabled parent greys everything else out.
        self.banner.setText(f"Trading is held: {reason}" if held else "")
        self.banner.setStyleSheet(f"background: {c.alert}; color: #ffffff; padding: 6px; font-weight: bold;")
        self.banner.setVisible(held)
        self.ticket.setEnabled(not held)
        self.ticket.setToolTip(f"Trading is held: {reason}" if held else self._original_tip)


class DoctorPresenter(QObject):
    """Shows the account doctor's findings when a profile connects (``ProfileService.findings_ready``), before the
    first order, and offers Help ▸ Account doctor… and "Check again" (``ProfileService.run_doctor``)."""

    def __init__(self, window: Any, profiles: Any) -> None:
        super().__init__(window)
        self._window = window
        self._profiles = profiles
        self.dialog = DoctorDialog(window)
        self.dialog.recheck_requested.connect(self.recheck)
        self._task: Any = None
        profiles.findings_ready.connect(self.present)
        menu = window.registry.menu("Help")
        self.action = QAction("Account doctor…", window)
        self.action.setObjectName("action_account_doctor")
        self.action.triggered.connect(self.show_dialog)
        menu.addAction(self.action)

    def present(self, profile: Any, findings: Sequence[Finding]) -> None:
        """The findings go into the dialog; it opens by itself for a Bitget profile (its key and account are what
        the user must know about before trading), for anything worth a look, and after "Check again". A Demo
        profile that checked out clean does not interrupt the start."""
        self.dialog.show_findings(profile.name, profile.kind.badge, findings)
        asked = self.dialog.isVisible()
        if asked or profile.needs_api_key or worst(findings) is not Severity.OK:
            self.show_dialog()

    def show_dialog(self) -> None:
        profile = self._profiles.profile
        if profile is not None and not self.dialog.view.findings:
            self.dialog.show_findings(profile.name, profile.kind.badge, self._profiles.findings)
        if self.dialog.isVisible():
            self.dialog.activateWindow()
        else:
            self.dialog.show()

    def recheck(self) -> None:
        self.dialog.recheck_button.setEnabled(False)
        self._task = asyncio.ensure_future(self._profiles.run_doctor())
        self._task.add_done_callback(lambda _t: self.dialog.recheck_button.setEnabled(True))


def install_doctor(window: Any, profiles: Any) -> DoctorPresenter:
    """Wire the doctor dialog to ``window`` (a ``MainWindow``) and ``profiles`` (the ``ProfileService``)."""
    return DoctorPresenter(window, profiles)
