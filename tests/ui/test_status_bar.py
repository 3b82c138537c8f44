"""The health status bar: texts, amber/red by level, and figures going stale with no new snapshot."""

from __future__ import annotations

from PySide6.QtGui import QColor
from pytestqt.qtbot import QtBot

from terminal_app.core.health import HealthSnapshot, Level, ProfileKind, StreamState
from terminal_app.ui.status_bar import FIELDS, HealthStatusBar
from terminal_app.ui.theme import PaletteName, ThemeManager, ThemeName, colors_for


class Clock:
    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


def healthy(now: float, **kw: object) -> HealthSnapshot:
    values: dict[str, object] = {
        "rest_rtt_ms": 42.0, "rest_at": now, "ws_state": StreamState.CONNECTED, "ws_lag_ms": 8.0,
        "ws_message_at": now, "clock_offset_ms": -35.0, "checksum_ok": True, "checksum_at": now,
    }
    values.update(kw)
    return HealthSnapshot("Demo", ProfileKind.DEMO, now, **values)  # type: ignore[arg-type]


def make(qtbot: QtBot) -> tuple[HealthStatusBar, Clock]:
    ThemeManager().apply(ThemeName.DARK, PaletteName.GREEN_RED)
    clock = Clock()
    bar = HealthStatusBar(clock=clock)
    qtbot.addWidget(bar)
    bar.resize(1200, 26)
    bar.show()
    return bar, clock


def test_before_any_snapshot_everything_is_unknown(qtbot: QtBot) -> None:
    bar, _ = make(qtbot)
    assert [bar.level(f) for f in FIELDS] == [Level.UNKNOWN] * len(FIELDS)
    assert bar.field("rest").text() == "REST –"


def test_fresh_figures_are_shown_plainly(qtbot: QtBot) -> None:
    bar, clock = make(qtbot)
    bar.update_health(healthy(clock.now, reconnects=1))
    assert [bar.level(f) for f in FIELDS] == [Level.OK] * len(FIELDS)
    texts = [bar.field(f).text() for f in FIELDS]
    assert texts == ["REST 42 ms", "WS 8 ms", "Clock -0.04 s", "Reconn 1", "Book ✓"]
    assert bar.badge.text() == "DEMO · Demo"
    assert bar.badge.property("kind") == "demo"


def test_stale_figures_turn_amber_then_red_on_their_own(qtbot: QtBot) -> None:
    bar, clock = make(qtbot)
    bar.update_health(healthy(clock.now))
    clock.now += 6
    bar.regrade()
    assert bar.level("ws") is Level.WARN
    assert bar.level("rest") is Level.OK  # the next REST probe is only due now
    assert "No WebSocket message for 6 s." in bar.field("ws").toolTip()
    clock.now += 10
    bar.regrade()
    assert bar.level("ws") is Level.ALERT
    assert bar.level("rest") is Level.WARN
    assert "No REST reply for 16 s." in bar.field("rest").toolTip()
    assert bar.level("clock") is Level.OK
    assert bar.assessment.overall is Level.ALERT


def test_the_timer_regrades_without_help(qtbot: QtBot) -> None:
    bar, clock = make(qtbot)
    bar.update_health(healthy(clock.now))
    clock.now += 20
    qtbot.waitUntil(lambda: bar.level("ws") is Level.ALERT, timeout=3000)


def test_bad_news_is_red(qtbot: QtBot) -> None:
    bar, clock = make(qtbot)
    bar.update_health(healthy(clock.now, ws_state=StreamState.RECONNECTING, checksum_ok=False, checksum_failures=2,
                              reconnects=3, reconnect_at=clock.now))
    assert bar.field("ws").text() == "WS reconnecting"
    assert bar.level("ws") is Level.ALERT
    assert bar.field("checksum").text() == "Book ✗ checksum (2 fail)"
    assert bar.level("checksum") is Level.ALERT
    assert bar.level("reconnects") is Level.WARN


def _background(bar: HealthStatusBar, name: str) -> str:
    image = bar.field(name).grab().toImage()
    return QColor(image.pixelColor(1, image.height() // 2)).name()


def test_levels_paint_amber_and_red(qtbot: QtBot) -> None:
    bar, clock = make(qtbot)
    c = colors_for(ThemeName.DARK, PaletteName.GREEN_RED)
    bar.update_health(healthy(clock.now, rest_rtt_ms=450.0, ws_state=StreamState.DISCONNECTED))
    assert _background(bar, "rest") == c.warn
    assert _background(bar, "ws") == c.alert
    bar.update_health(healthy(clock.now))
    assert _background(bar, "rest") != c.warn  # back to normal once it recovers


def test_the_account_mode_shows_once_known(qtbot: QtBot) -> None:
    bar, clock = make(qtbot)
    bar.update_health(healthy(clock.now))
    assert not bar.account.isVisible()
    bar.update_health(healthy(clock.now, account="Unified account"))
    assert bar.account.isVisible()
    assert bar.account.text() == "Unified account"
    assert "one margin pool" in bar.account.toolTip()
    bar.update_health(healthy(clock.now, account="Classic account"))
    assert "V2" in bar.account.toolTip()


def test_a_temporary_message_is_not_drawn_over_by_the_account_mode(qtbot: QtBot) -> None:
    """Seen on Xvfb: the palette's hint in the status bar had "Classic account" painted over it, because the
    once-a-second health update showed the label again while Qt had hidden it for the message."""
    bar, clock = make(qtbot)
    bar.update_health(healthy(clock.now, account="Classic account"))
    assert bar.account.isVisible()
    bar.showMessage("Find a symbol by name, or type an order")
    assert not bar.account.isVisible()
    bar.update_health(healthy(clock.now, account="Classic account"))
    assert not bar.account.isVisible()
    bar.clearMessage()
    assert bar.account.isVisible()
    bar.showMessage("a status tip")
    bar.clearMessage()
    assert bar.account.isVisible()


def test_the_account_mode_learnt_during_a_message_shows_when_it_clears(qtbot: QtBot) -> None:
    bar, clock = make(qtbot)
    bar.showMessage("starting")
    bar.update_health(healthy(clock.now, account="Unified account"))
    assert not bar.account.isVisible()
    bar.clearMessage()
    assert bar.account.isVisible()
