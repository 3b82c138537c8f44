"""Themes: style sheets render with every token filled, palettes differ where they must, apply() reaches the app."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from terminal_app.ui.theme import (
    STYLES_DIR,
    PaletteName,
    ThemeManager,
    ThemeName,
    colors_for,
    current_colors,
    number_font,
    render_stylesheet,
)


@pytest.mark.parametrize("theme", list(ThemeName))
@pytest.mark.parametrize("palette", list(PaletteName))
def test_stylesheets_render_completely(theme: ThemeName, palette: PaletteName) -> None:
    colors = colors_for(theme, palette)
    qss = render_stylesheet(theme, colors)
    assert "@" not in qss
    assert colors.band_demo in qss
    assert colors.up in qss
    assert (STYLES_DIR / "base.qss").exists()


def test_unknown_token_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "base.qss").write_text("QWidget { color: @nope; }")
    with pytest.raises(ValueError, match="@nope"):
        render_stylesheet(ThemeName.DARK, colors_for(ThemeName.DARK, PaletteName.GREEN_RED), tmp_path)


def _hue(hex_colour: str) -> int:
    return QColor(hex_colour).hsvHue()


def test_colour_blind_palette_swaps_green_red_for_blue_orange() -> None:
    for theme in ThemeName:
        std = colors_for(theme, PaletteName.GREEN_RED)
        cb = colors_for(theme, PaletteName.BLUE_ORANGE)
        assert 90 <= _hue(std.up) <= 170  # green
        assert _hue(std.down) < 15 or _hue(std.down) > 340  # red
        assert 195 <= _hue(cb.up) <= 225  # blue
        assert 20 <= _hue(cb.down) <= 40  # orange
        assert cb.bg == std.bg  # only the market colours change


def test_light_and_dark_differ_in_lightness() -> None:
    dark = colors_for(ThemeName.DARK, PaletteName.GREEN_RED)
    light = colors_for(ThemeName.LIGHT, PaletteName.GREEN_RED)
    assert QColor(dark.bg).lightness() < 60
    assert QColor(light.bg).lightness() > 200
    assert QColor(dark.text).lightness() > 180
    assert QColor(light.text).lightness() < 60


def test_apply_switches_the_whole_application(qtbot: QtBot, qapp: QApplication) -> None:
    manager = ThemeManager()
    with qtbot.waitSignal(manager.changed) as blocker:
        manager.apply("light", "blue-orange")
    light = colors_for(ThemeName.LIGHT, PaletteName.BLUE_ORANGE)
    assert blocker.args == [light]
    assert current_colors() == light
    assert qapp.palette().color(QPalette.ColorRole.Window) == QColor(light.bg)
    assert light.surface in qapp.styleSheet()
    manager.apply(ThemeName.DARK, PaletteName.GREEN_RED)
    dark = colors_for(ThemeName.DARK, PaletteName.GREEN_RED)
    assert qapp.palette().color(QPalette.ColorRole.Window) == QColor(dark.bg)
    assert dark.surface in qapp.styleSheet()


def test_number_font_uses_tabular_digits(qapp: QApplication) -> None:
    font = number_font(QFont("DejaVu Sans", 10))
    assert font.featureValue(QFont.Tag("tnum")) == 1
    assert font.pointSize() == 10
