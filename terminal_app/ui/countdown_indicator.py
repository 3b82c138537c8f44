"""The status bar's word on the dead man's switch (:mod:`terminal_app.services.countdown`): shown while the setting
is on — armed with its seconds, or why it is not (a failed re-arm, a classic account)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QLabel, QWidget

from terminal_app.config.settings import COUNTDOWN_CANCEL_ALL, Setting, Settings
from terminal_app.services.countdown import CountdownService


def seconds_of(choice: str) -> int:
    return 0 if choice == "off" else int(choice)


class CountdownIndicator(QLabel):
    def __init__(self, service: CountdownService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CountdownIndicator")
        self.service = service
        service.changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        s = self.service
        self.setVisible(s.seconds > 0)
        if not s.seconds:
            return
        if not s.supported:
            self.setText("Cancel-all timer: n/a")
            self.setToolTip("Bitget's countdown cancel-all is a unified-account (V3) feature; this account is "
                            "classic, so nothing is armed.")
            self.setProperty("level", "warn")
        elif s.failure is not None:
            self.setText(f"Cancel-all {s.seconds} s: NOT ARMED")
            self.setToolTip(f"The last re-arm failed: {s.failure}")
            self.setProperty("level", "bad")
        else:
            self.setText(f"Cancel-all {s.seconds} s" if s.armed else f"Cancel-all {s.seconds} s…")
            self.setToolTip(f"Armed: if the terminal loses contact for {s.seconds} s, Bitget cancels all your "
                            "open orders. Re-armed every few seconds while connected. Settings ▸ "
                            f"{COUNTDOWN_CANCEL_ALL.key}.")
            self.setProperty("level", "ok")
        self.style().unpolish(self)
        self.style().polish(self)


def wire_countdown(status: Any, service: CountdownService, settings: Settings) -> Callable[[], None]:
    """The indicator in ``status`` (a ``HealthStatusBar``), the service armed from the setting and following its
    changes; returns the function that stops following them."""
    status.add_indicator(CountdownIndicator(service, status))
    service.set_seconds(seconds_of(settings.get(COUNTDOWN_CANCEL_ALL)))

    def on_setting(setting: Setting[Any], value: Any) -> None:
        if setting is COUNTDOWN_CANCEL_ALL:
            service.set_seconds(seconds_of(value))

    return settings.add_listener(on_setting)
