"""Grading connection health: thresholds, staleness on a caller's clock, and the reasons shown to the user."""

from __future__ import annotations

import pytest

from terminal_app.core.health import (
    REST_PROBE_S,
    HealthSnapshot,
    HealthThresholds,
    Level,
    ProfileKind,
    StreamState,
    assess,
)

NOW = 1000.0


def snap(**kw: object) -> HealthSnapshot:
    base: dict[str, object] = {
        "profile": "Demo", "kind": ProfileKind.DEMO, "taken_at": NOW, "rest_rtt_ms": 40.0, "rest_at": NOW,
        "ws_state": StreamState.CONNECTED, "ws_lag_ms": 20.0, "ws_message_at": NOW, "clock_offset_ms": 12.0,
        "checksum_ok": True, "checksum_at": NOW,
    }
    base.update(kw)
    return HealthSnapshot(**base)  # type: ignore[arg-type]


def test_fresh_good_figures_are_ok() -> None:
    a = assess(snap(), NOW)
    assert (a.rest, a.ws, a.clock, a.reconnects, a.checksum) == (Level.OK,) * 5
    assert a.overall is Level.OK
    assert a.reasons == {}


def test_nothing_measured_yet_is_unknown() -> None:
    a = assess(HealthSnapshot("Demo", ProfileKind.DEMO, NOW), NOW)
    assert (a.rest, a.ws, a.clock, a.checksum) == (Level.UNKNOWN,) * 4


@pytest.mark.parametrize(
    ("field", "value", "level"),
    [
        ("rest_rtt_ms", 299.0, Level.OK),
        ("rest_rtt_ms", 300.0, Level.WARN),
        ("rest_rtt_ms", 1000.0, Level.ALERT),
        ("ws_lag_ms", 600.0, Level.WARN),
        ("ws_lag_ms", 2500.0, Level.ALERT),
        ("clock_offset_ms", -1500.0, Level.WARN),
        ("clock_offset_ms", 6000.0, Level.ALERT),
    ],
)
def test_value_thresholds(field: str, value: float, level: Level) -> None:
    a = assess(snap(**{field: value}), NOW)
    graded = {"rest_rtt_ms": a.rest, "ws_lag_ms": a.ws, "clock_offset_ms": a.clock}[field]
    assert graded is level
    assert a.overall is level


def test_figures_that_stop_arriving_turn_amber_then_red() -> None:
    s = snap()
    assert assess(s, NOW + 4.9).ws is Level.OK
    warn = assess(s, NOW + 6)
    assert warn.ws is Level.WARN
    assert warn.checksum is Level.WARN
    assert warn.reasons["ws"] == "no WebSocket message for 6 s"
    alert = assess(s, NOW + 20)
    assert (alert.ws, alert.checksum) == (Level.ALERT,) * 2
    assert alert.clock is Level.OK  # an offset does not go stale: it is a property of the two clocks


def test_rest_goes_stale_only_when_probes_go_unanswered() -> None:
    """REST is timed by a probe every REST_PROBE_S: the next reply is due just after that, so a healthy connection
    stays green through the whole interval (it flickered amber before each reply), and amber means two probes in a
    row went unanswered."""
    s = snap()
    assert assess(s, NOW + REST_PROBE_S + 1.5).rest is Level.OK
    assert assess(s, NOW + 2 * REST_PROBE_S + 1.0).rest is Level.OK
    warn = assess(s, NOW + 2 * REST_PROBE_S + 2.5)
    assert warn.rest is Level.WARN
    assert warn.reasons["rest"] == "no REST reply for 12 s"
    assert assess(s, NOW + 6 * REST_PROBE_S).rest is Level.ALERT


def test_a_lost_stream_is_red_whatever_its_last_lag() -> None:
    for state in (StreamState.DISCONNECTED, StreamState.RECONNECTING):
        a = assess(snap(ws_state=state), NOW)
        assert a.ws is Level.ALERT
        assert a.reasons["ws"] == f"WebSocket {state.value}"


def test_checksum_mismatch_is_red() -> None:
    a = assess(snap(checksum_ok=False, checksum_failures=3), NOW)
    assert a.checksum is Level.ALERT
    assert "checksum did not match" in a.reasons["checksum"]


def test_reconnects_are_news_for_a_minute() -> None:
    s = snap(reconnects=2, reconnect_at=NOW)
    assert assess(s, NOW + 10).reconnects is Level.WARN
    assert assess(s, NOW + 61).reconnects is Level.OK
    assert assess(snap(reconnects=2), NOW).reconnects is Level.OK  # time unknown: not treated as recent


def test_thresholds_are_configurable() -> None:
    strict = HealthThresholds(rtt_warn_ms=10, rtt_alert_ms=20)
    assert assess(snap(), NOW, strict).rest is Level.ALERT


def test_profile_badges() -> None:
    assert [k.badge for k in ProfileKind] == ["DEMO", "BITGET DEMO", "LIVE"]
