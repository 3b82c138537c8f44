"""Connection health as plain data: what the services measure, and how bad each figure is.

The connection service builds a :class:`HealthSnapshot` whenever something changes and hands it to the status bar
(``ui.status_bar.HealthStatusBar.update_health``). :func:`assess` grades each figure against
:class:`HealthThresholds` (a figure that is too old counts as stale, whatever its value), so the colours are decided
here, testably, and not in the widget. Times are seconds on one clock chosen by the caller (``time.monotonic()`` in
the app); durations are milliseconds as floats, since they are statistics, not money.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum, StrEnum


class ProfileKind(StrEnum):
    """Which exchange a profile trades on; decides the colour band and title of the window."""

    DEMO = "demo"  # the embedded simulator
    BITGET_DEMO = "bitget-demo"  # Bitget's demo trading (paptrading: 1)
    LIVE = "live"  # real money

    @property
    def badge(self) -> str:
        return {ProfileKind.DEMO: "DEMO", ProfileKind.BITGET_DEMO: "BITGET DEMO", ProfileKind.LIVE: "LIVE"}[self]


class StreamState(StrEnum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    DISCONNECTED = "disconnected"


class Level(IntEnum):
    """Grade of one figure; higher is worse, so ``max()`` gives the overall grade."""

    UNKNOWN = 0  # not measured yet
    OK = 1
    WARN = 2  # amber
    ALERT = 3  # red


@dataclass(frozen=True, slots=True)
class HealthSnapshot:
    """Everything the status bar shows about the active connection, at time ``taken_at``.

    ``None`` means "not measured yet". ``*_at`` fields are when that figure was last refreshed; a figure older than
    the staleness limit is graded as stale even if its value looked fine.
    """

    profile: str
    kind: ProfileKind
    taken_at: float
    rest_rtt_ms: float | None = None
    rest_at: float | None = None
    ws_state: StreamState = StreamState.CONNECTING
    ws_lag_ms: float | None = None
    ws_message_at: float | None = None
    clock_offset_ms: float | None = None
    reconnects: int = 0
    reconnect_at: float | None = None
    checksum_ok: bool | None = None
    checksum_at: float | None = None
    checksum_failures: int = 0
    account: str | None = None  # "Classic account" / "Unified account" once the key's account was probed


# How often the terminal asks the exchange's clock to time a REST round trip when nothing else goes out.
REST_PROBE_S = 5.0


@dataclass(frozen=True, slots=True)
class HealthThresholds:
    """Where amber and red start. Bitget rejects requests whose timestamp is ~30 s off; the terminal corrects for
    the measured offset, so a few seconds is merely worth a look."""

    rtt_warn_ms: float = 300.0
    rtt_alert_ms: float = 1000.0
    lag_warn_ms: float = 500.0
    lag_alert_ms: float = 2000.0
    offset_warn_ms: float = 1000.0
    offset_alert_ms: float = 5000.0
    stale_warn_s: float = 5.0
    stale_alert_s: float = 15.0
    # A REST reply is only expected once per probe: graded on the streams' 5 s, the field went amber for the last
    # moments before every probe's reply on a healthy connection. Amber when two probes in a row went unanswered.
    rest_stale_warn_s: float = 2 * REST_PROBE_S + 2.0
    rest_stale_alert_s: float = 6 * REST_PROBE_S
    # Bitget recycles every connection daily, so a reconnect is news for a minute, not for the rest of the session.
    reconnect_recent_s: float = 60.0


@dataclass(frozen=True, slots=True)
class HealthAssessment:
    rest: Level = Level.UNKNOWN
    ws: Level = Level.UNKNOWN
    clock: Level = Level.UNKNOWN
    reconnects: Level = Level.UNKNOWN
    checksum: Level = Level.UNKNOWN
    reasons: dict[str, str] = field(default_factory=dict)

    @property
    def overall(self) -> Level:
        return max(self.rest, self.ws, self.clock, self.reconnects, self.checksum)


def _by_value(value: float, warn: float, alert: float) -> Level:
    if value >= alert:
        return Level.ALERT
    if value >= warn:
        return Level.WARN
    return Level.OK


def _staleness(at: float | None, now: float, t: HealthThresholds) -> Level:
    if at is None:
        return Level.UNKNOWN
    return _by_value(now - at, t.stale_warn_s, t.stale_alert_s)


def assess(s: HealthSnapshot, now: float, t: HealthThresholds | None = None) -> HealthAssessment:
    """Grade every figure of ``s`` as seen at ``now`` (same clock as the snapshot's ``*_at`` fields)."""
    t = t or HealthThresholds()
    reasons: dict[str, str] = {}

    rest = Level.UNKNOWN
    if s.rest_rtt_ms is not None:
        rest = _by_value(s.rest_rtt_ms, t.rtt_warn_ms, t.rtt_alert_ms)
        stale = Level.UNKNOWN if s.rest_at is None else _by_value(now - s.rest_at, t.rest_stale_warn_s,
                                                                   t.rest_stale_alert_s)
        if stale > rest:
            rest = stale
            reasons["rest"] = f"no REST reply for {now - (s.rest_at or now):.0f} s"
        elif rest > Level.OK:
            reasons["rest"] = f"REST round trip {s.rest_rtt_ms:.0f} ms"

    ws = Level.UNKNOWN
    if s.ws_state in (StreamState.DISCONNECTED, StreamState.RECONNECTING):
        ws = Level.ALERT
        reasons["ws"] = f"WebSocket {s.ws_state.value}"
    elif s.ws_state is StreamState.CONNECTED:
        ws = Level.OK if s.ws_lag_ms is None else _by_value(s.ws_lag_ms, t.lag_warn_ms, t.lag_alert_ms)
        if ws > Level.OK:
            reasons["ws"] = f"messages arrive {s.ws_lag_ms:.0f} ms late"
        stale = _staleness(s.ws_message_at, now, t)
        if stale > ws:
            ws = stale
            reasons["ws"] = f"no WebSocket message for {now - (s.ws_message_at or now):.0f} s"

    clock = Level.UNKNOWN
    if s.clock_offset_ms is not None:
        clock = _by_value(abs(s.clock_offset_ms), t.offset_warn_ms, t.offset_alert_ms)
        if clock > Level.OK:
            reasons["clock"] = f"computer clock is {s.clock_offset_ms / 1000:+.1f} s off the exchange"

    reconnects = Level.OK
    if s.reconnects and s.reconnect_at is not None and now - s.reconnect_at < t.reconnect_recent_s:
        reconnects = Level.WARN
        reasons["reconnects"] = f"reconnected {now - s.reconnect_at:.0f} s ago ({s.reconnects} this session)"

    checksum = Level.UNKNOWN
    if s.checksum_ok is not None:
        checksum = Level.OK if s.checksum_ok else Level.ALERT
        if not s.checksum_ok:
            reasons["checksum"] = "the last order-book checksum did not match; the book is being resynced"
        else:
            stale = _staleness(s.checksum_at, now, t)
            if stale > checksum:
                checksum = stale
                reasons["checksum"] = f"no checksum verified for {now - (s.checksum_at or now):.0f} s"

    return HealthAssessment(rest, ws, clock, reconnects, checksum, reasons)
