"""Settings schema as data: defaults, validation, JSON round trip, and never silently losing a user's file."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from terminal_app.config.settings import (
    BY_KEY,
    CHART_INTERVAL,
    FAT_FINGER_PCT,
    HOTKEYS_ENABLED,
    KEY_BINDINGS,
    LAST_PROFILE,
    LEVERAGE_CAP,
    MAX_ORDER_NOTIONAL,
    PALETTE,
    SCHEMA,
    SCHEMA_VERSION,
    THEME,
    WATCHLIST,
    Setting,
    SettingError,
    Settings,
)


def test_schema_is_complete_data() -> None:
    assert len({s.key for s in SCHEMA}) == len(SCHEMA)
    for s in SCHEMA:
        assert s.description
        assert s.key.count(".") == 1
        # every default survives its own check, so a fresh install never reports problems
        assert s.parse(s.dump(s.default)) == s.default
    assert Settings().get(HOTKEYS_ENABLED) is False  # traders.md §4: hotkeys off until the user turns them on
    assert Settings().get(THEME) == "dark"


def test_missing_file_means_defaults(tmp_path: Path) -> None:
    s = Settings.load(tmp_path / "settings.json")
    assert s.problems == []
    assert all(s.is_default(x) for x in SCHEMA)


def test_round_trip_keeps_only_changed_values(tmp_path: Path) -> None:
    path = tmp_path / "cfg" / "settings.json"
    s = Settings.load(path)
    s.set(THEME, "light")
    s.set(FAT_FINGER_PCT, Decimal("2.5"))
    s.set(LEVERAGE_CAP, 10)
    s.set(WATCHLIST, ("BTCUSDT:SPOT", "ETHUSDT:USDT-FUTURES"))  # keys as older versions wrote them
    s.set(KEY_BINDINGS, {"order.buy": ("Ctrl+Shift+B",)})
    s.save()
    doc = json.loads(path.read_text())
    assert doc["version"] == SCHEMA_VERSION
    assert doc["values"] == {
        "hotkeys.bindings": {"order.buy": ["Ctrl+Shift+B"]},
        "risk.fat_finger_pct": "2.5",
        "risk.leverage_cap": 10,
        "ui.theme": "light",
        "watchlist.symbols": ["BTCUSDT:spot", "ETHUSDT:usdt_futures"],
    }
    again = Settings.load(path)
    assert again.problems == []
    assert again.values() == s.values()
    assert again.get(FAT_FINGER_PCT) == Decimal("2.5")
    assert isinstance(again.get(FAT_FINGER_PCT), Decimal)


@given(st.decimals(min_value=Decimal("0"), max_value=Decimal("1e12"), places=8, allow_nan=False))
def test_money_settings_round_trip_exactly(value: Decimal) -> None:
    s = Settings()
    s.set(MAX_ORDER_NOTIONAL, value)
    doc = json.loads(json.dumps(s.to_document()))
    again = Settings()
    again.set_from_text(MAX_ORDER_NOTIONAL.key, doc["values"].get(MAX_ORDER_NOTIONAL.key, "50000"))
    assert again.get(MAX_ORDER_NOTIONAL) == value


def _write(path: Path, values: dict[str, Any], version: int = SCHEMA_VERSION) -> None:
    path.write_text(json.dumps({"version": version, "values": values}))


def test_bad_values_fall_back_to_defaults_with_a_reason(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    _write(path, {"ui.theme": "purple", "risk.leverage_cap": 500, "risk.fat_finger_pct": "abc",
                  "hotkeys.enabled": "yes", "ui.palette": "blue-orange"})
    s = Settings.load(path)
    assert s.get(THEME) == "dark"
    assert s.get(LEVERAGE_CAP) == 20
    assert s.get(FAT_FINGER_PCT) == Decimal("5")
    assert s.get(HOTKEYS_ENABLED) is False
    assert s.get(PALETTE) == "blue-orange"  # the good value next to bad ones is kept
    text = "\n".join(s.problems)
    for key in ("ui.theme", "risk.leverage_cap", "risk.fat_finger_pct", "hotkeys.enabled"):
        assert key in text
    assert "above the maximum 125" in text


def test_broken_file_is_moved_aside_not_lost(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text("{ not json")
    s = Settings.load(path)
    assert all(s.is_default(x) for x in SCHEMA)
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("settings.json.broken-")]
    assert len(aside) == 1
    assert aside[0].read_text() == "{ not json"
    assert str(aside[0]) in s.problems[0]


def test_unknown_keys_survive_a_save(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    _write(path, {"future.option": {"a": 1}, "ui.theme": "light"}, version=SCHEMA_VERSION + 1)
    s = Settings.load(path)
    assert any("newer version" in p for p in s.problems)
    s.set(LAST_PROFILE, "Main")
    s.save()
    values = json.loads(path.read_text())["values"]
    assert values == {"future.option": {"a": 1}, "profile.last": "Main", "ui.theme": "light"}


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        (THEME, "purple", "one of dark, light"),
        (FAT_FINGER_PCT, Decimal("0"), "below the minimum"),
        (LEVERAGE_CAP, 0, "below the minimum"),
        (LEVERAGE_CAP, True, "whole number"),
        (CHART_INTERVAL, "2m", "one of"),
        (LAST_PROFILE, "  ", "non-empty"),
        (WATCHLIST, ("BTC-USDT_XYZ",), "Unknown symbol"),
        (KEY_BINDINGS, {"order.buy": [""]}, "key sequences"),
    ],
)
def test_set_refuses_values_that_do_not_fit(setting: Setting[Any], value: Any, message: str) -> None:
    s = Settings()
    with pytest.raises(SettingError, match=message):
        s.set(setting, value)
    assert s.is_default(setting)


def test_watchlist_takes_symbol_spellings_and_drops_duplicates() -> None:
    s = Settings()
    s.set(WATCHLIST, ("btcusdt:usdt-futures", "BTCUSDT", "BTCUSDT:SPOT", "eth/usdt", "ETHUSDT.P"))
    assert s.get(WATCHLIST) == ("BTCUSDT:usdt_futures", "BTCUSDT:spot", "ETHUSDT:spot", "ETHUSDT:usdt_futures")


def test_listeners_hear_real_changes_only() -> None:
    s = Settings()
    heard: list[tuple[str, Any]] = []
    remove = s.add_listener(lambda setting, value: heard.append((setting.key, value)))
    s.set(THEME, "light")
    s.set(THEME, "light")
    s.set_from_text("ui.palette", "blue-orange")
    remove()
    s.reset(THEME)
    assert heard == [("ui.theme", "light"), ("ui.palette", "blue-orange")]
    with pytest.raises(SettingError, match="no setting"):
        s.set_from_text("nope.nope", 1)


def test_unbound_settings_cannot_be_saved() -> None:
    with pytest.raises(SettingError, match="not bound"):
        Settings().save()
    assert set(BY_KEY) == {s.key for s in SCHEMA}
