"""config.peek: the kind of profile that will open, read from the two JSON files alone, agrees with the real reading
(config.profiles.active_profile) wherever it answers, and says UNSURE where only the real reading can settle it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from terminal_app.config import peek
from terminal_app.config.paths import AppPaths
from terminal_app.config.profiles import (
    DEFAULT_PROFILE,
    NAME_MAX,
    PROFILES_FILE,
    ProfileBook,
    ProfileError,
    active_profile,
    profiles_path,
)
from terminal_app.config.settings import LAST_PROFILE, Settings
from terminal_app.core.health import ProfileKind


def test_the_spellings_are_the_configurations() -> None:
    assert peek.PROFILES_FILE == PROFILES_FILE
    assert LAST_PROFILE.key == peek.LAST_PROFILE_KEY
    assert peek.DEFAULT_PROFILE == DEFAULT_PROFILE == LAST_PROFILE.default
    assert set(peek.KINDS) == {k.value for k in ProfileKind}
    assert ProfileKind.DEMO.value == peek.DEMO_KIND
    assert peek.NAME_MAX == NAME_MAX
    assert AppPaths.under(Path("x")).settings_file.name == peek.SETTINGS_FILE


LIVE = {"name": "Main", "kind": "live"}
PAPER = {"name": "Paper", "kind": "bitget-demo"}
DEMO2 = {"name": "Scalp", "kind": "demo", "account_mode": "unified"}
POINTED = {"name": "Standalone", "kind": "demo", "rest_url": "http://127.0.0.1:9000",
           "ws_public_url": "ws://127.0.0.1:9000/v2/ws/public", "ws_private_url": "ws://127.0.0.1:9000/v2/ws/private"}
NAMED_DEMO = {"name": "Demo", "kind": "live"}  # a Bitget profile called Demo: the book adds "Demo 2"

PROFILE_DOCS: list[Any] = [
    None,  # no file
    {"version": 1, "profiles": []},
    {"version": 1, "profiles": [LIVE]},
    {"version": 1, "profiles": [{"name": "Demo", "kind": "demo"}, LIVE, PAPER, DEMO2, POINTED]},
    {"version": 1, "profiles": [NAMED_DEMO, PAPER]},
    {"version": 1, "profiles": [POINTED, LIVE]},
    {"version": 1, "profiles": [{"name": "main", "kind": "demo"}, LIVE]},  # same name but for case: ignored
    {"version": 1, "profiles": [{"name": " padded", "kind": "live"}, LIVE]},
    {"version": 1, "profiles": [{"name": "Odd", "kind": "live", "account_mode": "unified"}]},
    {"version": 1, "profiles": [{"name": "Bad URL", "kind": "demo", "rest_url": "ftp://x"}]},
    {"version": 1, "profiles": "nope"},
    "not json",
]
LAST = [None, "Main", "main", "Paper", "Scalp", "Standalone", "Demo", "Demo 2", "nobody", "", 7]
REQUESTED = [None, "Main", "scalp", "Standalone", "Demo", "nobody"]


def _write(home: Path, profiles: Any, last: Any) -> Path:
    config = home / "config"
    config.mkdir(parents=True, exist_ok=True)
    if profiles == "not json":
        (config / PROFILES_FILE).write_text("{not json", encoding="utf-8")
    elif profiles is not None:
        (config / PROFILES_FILE).write_text(json.dumps(profiles), encoding="utf-8")
    if last is not None:
        (config / peek.SETTINGS_FILE).write_text(json.dumps({"version": 1, "values": {LAST_PROFILE.key: last}}),
                                                 encoding="utf-8")
    return config


def _real(config: Path, requested: str | None, smoke_test: bool) -> peek.Opening:
    """What startup.prepare decides with the real reading: a Demo profile on the embedded exchange, or not."""
    book = ProfileBook.load(profiles_path(config))
    settings = Settings.load(config / peek.SETTINGS_FILE)
    try:
        chosen = book.first_demo() if smoke_test else active_profile(book, settings, requested)
    except ProfileError:
        return peek.Opening.OTHER
    if chosen.kind is ProfileKind.DEMO and not chosen.has_overrides:
        return peek.Opening.DEMO
    return peek.Opening.OTHER


@pytest.mark.parametrize("profiles", PROFILE_DOCS)
def test_the_peek_agrees_with_the_real_reading(tmp_path: Path, profiles: Any) -> None:
    answered = 0
    for index, (last, requested, smoke) in enumerate(
            [(last, None, False) for last in LAST] + [(None, r, False) for r in REQUESTED] + [(None, None, True)]):
        config = _write(tmp_path / str(index), profiles, last)
        seen = peek.opening(config, requested, smoke_test=smoke)  # before the real reading moves a bad file aside
        real = _real(config, requested, smoke)
        if seen is not peek.UNSURE:
            answered += 1
            assert seen is real, (profiles, last, requested, smoke)
    if profiles in (None, {"version": 1, "profiles": []}) or profiles == PROFILE_DOCS[3]:
        assert answered >= 10  # well-formed files are answered, not left to the real reading


def test_a_live_profile_last_used_is_told_apart_from_demo(tmp_path: Path) -> None:
    config = _write(tmp_path, {"version": 1, "profiles": [LIVE]}, "Main")
    assert peek.opening(config) is peek.Opening.OTHER
    assert peek.opening(config, "Demo") is peek.Opening.DEMO
    assert peek.opening(config, smoke_test=True) is peek.Opening.DEMO
    assert peek.opening(tmp_path / "nothing here") is peek.Opening.DEMO  # a first start
