"""The status bar: profile badge and connection health (REST RTT, WS lag, clock offset, reconnects, checksum).

Fed by one plain call, :meth:`HealthStatusBar.update_health`, with a :class:`~terminal_app.core.health.HealthSnapshot`.
Grading lives in ``core.health.assess``; this widget only shows it. A one-second timer re-grades the last snapshot,
so a figure that stops being refreshed turns amber and then red on its own, without any new snapshot.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from terminal_app.core.health import (
    HealthAssessment,
    HealthSnapshot,
    HealthThresholds,
    Level,
    ProfileKind,
    StreamState,
    assess,
)
from terminal_app.ui.theme import set_style_property

FIELDS: tuple[str, ...] = ("rest", "ws", "clock", "reconnects", "checksum")

_HELP = {
    "rest": "REST round-trip time of the last request to the exchange.",
    "ws": "WebSocket lag: how late market-data messages arrive (exchange timestamp to now).",
    "clock": "Offset of this computer's clock from the exchange's; requests are timestamped with the corrected time.",
    "reconnects": "WebSocket reconnects this session (Bitget also recycles connections once a day).",
    "checksum": "Result of the last order-book CRC32 check; a mismatch resyncs the book from a fresh snapshot.",
}


_ACCOUNT_HELP = {
    "Classic account": "A classic Bitget account (V2 API): spot and each futures line have wallets of their own.",
    "Unified account": "A unified trading account (UTA, V3 API): one margin pool in USD backs spot and futures; "
                       "the position mode is account-wide.",
}


def _fmt_ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f} ms"


class HealthStatusBar(QStatusBar):
    """Profile badge + one label per health figure, coloured by level (style property ``level``)."""

    def __init__(
        self,
        parent: QWidget | None = None,
        thresholds: HealthThresholds | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("HealthStatusBar")
        self.setSizeGripEnabled(False)
        self._thresholds = thresholds or HealthThresholds()
        self._clock = clock
        self._snapshot: HealthSnapshot | None = None
        self._assessment = HealthAssessment()

        self.badge = QLabel(self)
        self.badge.setObjectName("ProfileBadge")
        self.addWidget(self.badge)
        self.account = QLabel(self)
        self.account.setObjectName("AccountMode")
        self.account.hide()
        self.addWidget(self.account)
        self._fields: dict[str, QLabel] = {}
        for name in FIELDS:
            label = QLabel(self)
            label.setObjectName("HealthField")
            self._fields[name] = label
            self.addPermanentWidget(label)
        self.messageChanged.connect(self._message_changed)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setObjectName("health-regrade")
        self._refresh_timer.setInterval(1000)
        self._refresh_timer.timeout.connect(self._render)
        self._render()

    # --- public API ---------------------------------------------------------------------------------------------

    def update_health(self, snapshot: HealthSnapshot) -> None:
        """Show ``snapshot``; its ``*_at`` times must come from the same clock as this bar's (monotonic by default)."""
        self._snapshot = snapshot
        self.set_profile(snapshot.profile, snapshot.kind)
        self.set_account(snapshot.account)
        if not self._refresh_timer.isActive():
            self._refresh_timer.start()
        self._render()

    def set_profile(self, name: str, kind: ProfileKind) -> None:
        self.badge.setText(f"{kind.badge} · {name}")
        self.badge.setToolTip(f"Orders and hotkeys act on the account of profile “{name}” ({kind.badge}).")
        set_style_property(self.badge, "kind", kind.value)

    def set_account(self, account: str | None) -> None:
        """The account's mode beside the badge (classic or unified), once the exchange said which."""
        if account is None:
            self.account.hide()
            return
        self.account.setText(account)
        self.account.setToolTip(_ACCOUNT_HELP.get(account, account))
        # While a temporary message (a status tip, the palette's hint) covers the left side, Qt hides the normal
        # widgets; showing the label then drew it over the message's text every second.
        if not self.currentMessage():
            self.account.show()

    def _message_changed(self, text: str) -> None:
        if not text and self.account.text() and self._snapshot is not None and self._snapshot.account:
            self.account.show()

    def add_indicator(self, widget: QWidget) -> None:
        """A permanent widget at the right end (the HOTKEYS indicator)."""
        self.addPermanentWidget(widget)

    def field(self, name: str) -> QLabel:
        return self._fields[name]

    def level(self, name: str) -> Level:
        return Level[str(self._fields[name].property("level")).upper()]

    @property
    def assessment(self) -> HealthAssessment:
        return self._assessment

    def regrade(self) -> None:
        """Re-grade the last snapshot now (the timer does this every second)."""
        self._render()

    # --- rendering ----------------------------------------------------------------------------------------------

    def _render(self) -> None:
        s = self._snapshot
        if s is None:
            for name, label in self._fields.items():
                label.setText({"rest": "REST –", "ws": "WS –", "clock": "Clock –", "reconnects": "Reconn –",
                               "checksum": "Book –"}[name])
                label.setToolTip(_HELP[name])
                set_style_property(label, "level", Level.UNKNOWN.name.lower())
            return
        a = assess(s, self._clock(), self._thresholds)
        self._assessment = a
        ws_text = f"WS {_fmt_ms(s.ws_lag_ms)}" if s.ws_state is StreamState.CONNECTED else f"WS {s.ws_state.value}"
        offset = "–" if s.clock_offset_ms is None else f"{s.clock_offset_ms / 1000:+.2f} s"
        book = {None: "Book –", True: "Book ✓", False: "Book ✗ checksum"}[s.checksum_ok]
        texts = {
            "rest": f"REST {_fmt_ms(s.rest_rtt_ms)}",
            "ws": ws_text,
            "clock": f"Clock {offset}",
            "reconnects": f"Reconn {s.reconnects}",
            "checksum": book + (f" ({s.checksum_failures} fail)" if s.checksum_failures else ""),
        }
        levels = {"rest": a.rest, "ws": a.ws, "clock": a.clock, "reconnects": a.reconnects, "checksum": a.checksum}
        for name, label in self._fields.items():
            label.setText(texts[name])
            reason = a.reasons.get(name)
            label.setToolTip(_HELP[name] + (f"\n\n{reason[0].upper()}{reason[1:]}." if reason else ""))
            set_style_property(label, "level", levels[name].name.lower())
