"""Dark (default) and light themes, green/red or colour-blind-safe blue/orange market colours, tabular digits.

Colours live in :class:`ThemeColors` (one instance per theme × palette); the look of widgets lives in Qt style sheets
under ``terminal_app/resources/styles/``: ``base.qss`` for both themes, then ``<theme>.qss``. Style sheets name
colours as ``@token`` (a :class:`ThemeColors` field), filled in when the theme is applied. Widgets that change look
with state (health fields, the environment band, toasts) carry a dynamic property that the style sheet selects on;
set it with :func:`set_style_property` so Qt re-polishes the widget.
"""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

log = logging.getLogger("terminal_app.ui.theme")

STYLES_DIR = Path(__file__).resolve().parents[1] / "resources" / "styles"


class ThemeName(StrEnum):
    DARK = "dark"
    LIGHT = "light"


class PaletteName(StrEnum):
    """Market colours. The values match the ``ui.palette`` setting."""

    GREEN_RED = "green-red"
    BLUE_ORANGE = "blue-orange"  # distinct for deuteranopia/protanopia, the common red-green blindness


@dataclass(frozen=True, slots=True)
class ThemeColors:
    """Every colour the terminal draws with, as ``#rrggbb`` text (what style sheets and QColor both take)."""

    bg: str
    surface: str
    surface_alt: str
    raised: str
    border: str
    text: str
    muted: str
    accent: str
    selection: str
    up: str
    down: str
    up_soft: str  # backgrounds of buy rows/depth bars: the up colour, dimmed
    down_soft: str
    ok: str
    warn: str
    alert: str
    band_demo: str
    band_demo_text: str
    band_paper: str
    band_paper_text: str
    band_live: str
    band_live_text: str

    def qcolor(self, name: str) -> QColor:
        return QColor(getattr(self, name))


_DARK = ThemeColors(
    bg="#101317", surface="#171b21", surface_alt="#1c2128", raised="#222831", border="#2d343e", text="#d8dde4",
    muted="#8b949f", accent="#4c8dff", selection="#27436e",
    up="#2ebd85", down="#f6465d", up_soft="#153a2c", down_soft="#43202a",
    ok="#8b949f", warn="#f0a020", alert="#ff4d4f",
    band_demo="#f0b90b", band_demo_text="#111111", band_paper="#8a5cf5", band_paper_text="#ffffff",
    band_live="#d92b2b", band_live_text="#ffffff",
)
_LIGHT = ThemeColors(
    bg="#eef0f3", surface="#ffffff", surface_alt="#f4f6f8", raised="#e6e9ee", border="#cfd5dc", text="#1a1e24",
    muted="#5d6671", accent="#1f6feb", selection="#cfe0fb",
    up="#0b8a4b", down="#d32f2f", up_soft="#d7f0e2", down_soft="#f9dcdc",
    ok="#5d6671", warn="#b26a00", alert="#c62828",
    band_demo="#f0b90b", band_demo_text="#111111", band_paper="#6e3fe0", band_paper_text="#ffffff",
    band_live="#c62020", band_live_text="#ffffff",
)
_BLUE_ORANGE = {
    ThemeName.DARK: {"up": "#3d9df5", "down": "#f5922b", "up_soft": "#16304a", "down_soft": "#45301a"},
    ThemeName.LIGHT: {"up": "#1565c0", "down": "#d35400", "up_soft": "#d6e6f8", "down_soft": "#f8e3cf"},
}


def colors_for(theme: ThemeName, palette: PaletteName) -> ThemeColors:
    base = _DARK if theme is ThemeName.DARK else _LIGHT
    if palette is PaletteName.BLUE_ORANGE:
        return replace(base, **_BLUE_ORANGE[theme])
    return base


_current = colors_for(ThemeName.DARK, PaletteName.GREEN_RED)


def current_colors() -> ThemeColors:
    """The colours of the theme applied last (dark, green/red before any is applied)."""
    return _current


_TOKEN = re.compile(r"@([a-z_]+)")


def render_stylesheet(theme: ThemeName, colors: ThemeColors, styles_dir: Path = STYLES_DIR) -> str:
    """``base.qss`` + ``<theme>.qss`` with every ``@token`` replaced; an unknown token is an error, not a black hole."""
    values = asdict(colors)
    parts = []
    for name in ("base.qss", f"{theme.value}.qss"):
        path = styles_dir / name
        if path.exists():
            parts.append(path.read_text(encoding="utf-8"))

    def sub(m: re.Match[str]) -> str:
        try:
            return str(values[m.group(1)])
        except KeyError:
            raise ValueError(f"unknown colour token @{m.group(1)} in {styles_dir}") from None

    return _TOKEN.sub(sub, "\n".join(parts))


def number_font(base: QFont | None = None) -> QFont:
    """The font for prices and sizes: the UI font with tabular (equal-width) digits, so columns of numbers line up
    and a changing price does not jitter."""
    font = QFont(base if base is not None else QGuiApplication.font())
    font.setFeature(QFont.Tag("tnum"), 1)
    return font


def set_style_property(widget: QWidget, name: str, value: object) -> None:
    """Set a dynamic property the style sheet selects on, and re-polish so the new look shows at once."""
    if widget.property(name) == value:
        return
    widget.setProperty(name, value)
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
    widget.update()


def _qpalette(c: ThemeColors) -> QPalette:
    p = QPalette()
    roles = {
        QPalette.ColorRole.Window: c.bg,
        QPalette.ColorRole.WindowText: c.text,
        QPalette.ColorRole.Base: c.surface,
        QPalette.ColorRole.AlternateBase: c.surface_alt,
        QPalette.ColorRole.Text: c.text,
        QPalette.ColorRole.Button: c.raised,
        QPalette.ColorRole.ButtonText: c.text,
        QPalette.ColorRole.Highlight: c.selection,
        QPalette.ColorRole.HighlightedText: c.text,
        QPalette.ColorRole.ToolTipBase: c.raised,
        QPalette.ColorRole.ToolTipText: c.text,
        QPalette.ColorRole.PlaceholderText: c.muted,
        QPalette.ColorRole.Link: c.accent,
        QPalette.ColorRole.Mid: c.border,
        QPalette.ColorRole.Dark: c.bg,
    }
    for role, colour in roles.items():
        p.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor(c.muted))
    return p


class ThemeManager(QObject):
    """Applies a theme to the whole application and tells listeners (charts, custom painters) when it changes.

    Signals:
        changed(ThemeColors): after a new theme or palette was applied.
    """

    changed = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.theme = ThemeName.DARK
        self.palette = PaletteName.GREEN_RED
        self.colors = colors_for(self.theme, self.palette)
        self._fusion_set = False

    def apply(self, theme: ThemeName | str, palette: PaletteName | str) -> ThemeColors:
        global _current
        app = QApplication.instance()
        assert isinstance(app, QApplication), "a QApplication must exist before a theme is applied"
        self.theme, self.palette = ThemeName(theme), PaletteName(palette)
        self.colors = colors_for(self.theme, self.palette)
        _current = self.colors
        # Fusion draws the same on every platform and honours the palette fully, which the native styles do not.
        # (style().name() cannot tell: with a style sheet set, the application's style is Qt's style-sheet wrapper.)
        if not self._fusion_set:
            app.setStyle("Fusion")
            self._fusion_set = True
        app.setPalette(_qpalette(self.colors))
        app.setStyleSheet(render_stylesheet(self.theme, self.colors))
        log.debug("theme %s / %s applied", self.theme, self.palette)
        self.changed.emit(self.colors)
        return self.colors
