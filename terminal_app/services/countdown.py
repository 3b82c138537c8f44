"""The dead man's switch: Bitget's countdown cancel-all (``POST /api/v3/trade/countdown-cancel-all``, unified
accounts only, bitget-v3-uta.md §5.3), kept armed while the terminal is in contact.

With the setting at N seconds the service arms the countdown and re-arms it every N/3 seconds (at least every
second); if the terminal loses contact (network, crash, frozen machine), no re-arm arrives and Bitget cancels every
open order of the account N seconds after the last one. Setting 0 (or closing the profile cleanly) disarms it. A
classic account has no such endpoint: the service says so and does nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from PySide6.QtCore import QObject, Signal

from terminal_app.bitget.errors import BitgetError, RateLimited
from terminal_app.services.session import Session

log = logging.getLogger("terminal_app.services.countdown")
MIN_S, MAX_S = 5, 60                # Bitget accepts 5-60 s, or 0 to disarm
DISARM_ATTEMPTS = 4                 # a disarm refused with 429 is sent again, a second apart


class CountdownService(QObject):
    """Signals: ``changed`` after every arm, re-arm, failure and disarm (the status bar redraws)."""

    changed = Signal()

    def __init__(self, session: Session, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self.seconds = 0
        self.last_armed: float | None = None      # monotonic time of the last accepted (re-)arm
        self.failure: str | None = None           # why the last (re-)arm failed, None when it did not
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    @property
    def supported(self) -> bool:
        return hasattr(self._session.venue, "countdown_cancel_all")

    @property
    def armed(self) -> bool:
        """Bitget holds a countdown (the last arm was accepted and not disarmed since)."""
        return self.seconds > 0 and self.last_armed is not None

    def set_seconds(self, seconds: int) -> None:
        """Arm for ``seconds`` (clamped to Bitget's 5-60) or disarm with 0."""
        if self._closed:
            return
        seconds = 0 if seconds <= 0 else min(max(seconds, MIN_S), MAX_S)
        was = self.seconds
        self.seconds = seconds
        if self._task is not None:
            self._task.cancel()
            self._task = None
        if seconds and self.supported:
            self._task = asyncio.ensure_future(self._keep_armed(seconds))
        elif was and self.last_armed is not None:
            self._task = asyncio.ensure_future(self._disarm())
        self.changed.emit()

    async def _call(self, seconds: int) -> None:
        venue: Any = self._session.venue
        await venue.countdown_cancel_all(seconds)

    async def _keep_armed(self, seconds: int) -> None:
        period = max(1.0, seconds / 3)
        while True:
            try:
                await self._call(seconds)
            except BitgetError as exc:
                if self.failure is None:
                    log.warning("countdown cancel-all not re-armed: %s", exc)
                self.failure = str(exc)
            else:
                self.last_armed = time.monotonic()
                self.failure = None
            self.changed.emit()
            await asyncio.sleep(period)

    async def _disarm(self) -> None:
        # A refused disarm leaves Bitget's countdown running, and it cancels every order when it ends though the
        # trader switched it off: a 429 (Bitget allows one call a second, and the last re-arm may be a moment ago)
        # is sent again after that second, a few times
        for attempt in range(DISARM_ATTEMPTS):
            try:
                await self._call(0)
            except RateLimited as exc:
                if attempt + 1 < DISARM_ATTEMPTS:
                    await asyncio.sleep(1.0)
                    continue
                self.failure = str(exc)
                log.warning("countdown cancel-all not disarmed: %s", exc)
            except BitgetError as exc:
                self.failure = str(exc)
                log.warning("countdown cancel-all not disarmed: %s", exc)
            else:
                self.last_armed = None
                self.failure = None
            break
        self.changed.emit()

    async def close(self) -> None:
        """Stop re-arming and disarm (a clean exit must not cancel the orders); a failure to disarm is logged."""
        self._closed = True
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self.seconds and self.last_armed is not None:
            with contextlib.suppress(asyncio.TimeoutError, BitgetError):
                await asyncio.wait_for(self._call(0), 3.0)
        self.seconds = 0
        self.last_armed = None
