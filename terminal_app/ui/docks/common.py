"""Pieces every trading panel uses: a configured table view, a Decimal input field, theme-aware colouring."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import QEvent, QObject, QRegularExpression, Qt, QTimer
from PySide6.QtGui import QFontMetrics, QRegularExpressionValidator
from PySide6.QtWidgets import QAbstractItemView, QDialog, QHeaderView, QLabel, QLineEdit, QTableView, QWidget

from terminal_app.ui.models.table import StreamingTableModel
from terminal_app.ui.theme import ThemeColors, current_colors

ROW_HEIGHT = 22


def make_table(model: StreamingTableModel[Any], parent: QWidget | None = None, *, stretch: int | None = None,
               widths: dict[str, int] | None = None) -> QTableView:
    """A compact, row-selecting, read-only view over one of H7's streaming models.

    ``stretch`` is the column that takes the spare width (else the last one); ``widths`` sets columns by header.
    """
    view = QTableView(parent)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setShowGrid(False)
    view.setWordWrap(False)
    view.setAlternatingRowColors(False)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    view.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
    header = view.horizontalHeader()
    header.setHighlightSections(False)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setMinimumSectionSize(40)
    header.setStretchLastSection(stretch is None)
    if stretch is not None:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    for col, spec in enumerate(model.columns):
        if spec.numeric:
            header.resizeSection(col, 90)
    for name, width in (widths or {}).items():
        header.resizeSection(model.column_of(name), width)
    return view


def parse_decimal(text: str) -> Decimal | None:
    """What a trader typed as a number ("65,000.5", " 0.1 ") → Decimal; None for empty or nonsense."""
    cleaned = text.replace(",", "").replace(" ", "").replace("\u202f", "")
    if not cleaned or cleaned == ".":
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


class DecimalEdit(QLineEdit):
    """A line edit for prices and sizes: digits and one decimal point only, read as an exact Decimal."""

    _PATTERN = QRegularExpression(r"^[0-9][0-9,]*(\.[0-9]*)?$|^\.[0-9]*$|^$")

    def __init__(self, placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setValidator(QRegularExpressionValidator(self._PATTERN, self))
        self.setPlaceholderText(placeholder)
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def value(self) -> Decimal | None:
        return parse_decimal(self.text())

    def set_value(self, value: Decimal | None) -> None:
        text = "" if value is None else f"{value:f}"
        if text != self.text():
            self.setText(text)


class ThemeWatcher(QObject):
    """Calls ``apply(colors)`` now and again whenever the application's theme changes.

    Panels that paint or style with theme colours themselves (not through the application style sheet) use it; the
    theme manager swaps the application palette, which every widget hears as a palette change.
    """

    def __init__(self, widget: QWidget, apply: Callable[[ThemeColors], None]) -> None:
        super().__init__(widget)
        self._apply = apply
        self._colors: ThemeColors | None = None
        widget.installEventFilter(self)
        self.refresh()

    def refresh(self) -> None:
        colors = current_colors()
        if colors != self._colors:
            self._colors = colors
            self._apply(colors)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange, QEvent.Type.StyleChange):
            self.refresh()
        return False


def message_label(parent: QWidget | None = None) -> QLabel:
    """A one-line, word-wrapping label for a panel's reason/error text (hidden while empty)."""
    label = QLabel(parent)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.hide()
    return label


_COLOUR = "message-colour"  # the colour show_message last gave the label (a dynamic property)


def show_message(label: QLabel, text: str, colour: str, *, clear_after_ms: int | None = None) -> None:
    """Show ``text`` in ``label`` (empty hides it). With ``clear_after_ms`` the text goes by itself after that long:
    a panel's notice about something that is over (an unknown symbol typed a minute ago) must not look current."""
    # A style sheet set again re-polishes the label even when it is the same (a third of a millisecond each, three
    # times per order sent from the ticket): set only when the colour changes. An empty text keeps the old colour.
    if text and label.property(_COLOUR) != colour:
        label.setProperty(_COLOUR, colour)
        label.setStyleSheet(f"color: {colour};")
    label.setText(text)
    label.setVisible(bool(text))
    timer = label.findChild(QTimer, "message-expiry")
    if clear_after_ms is None or not text:
        if timer is not None:
            timer.stop()
        return
    if timer is None:
        timer = QTimer(label)
        timer.setObjectName("message-expiry")
        timer.setSingleShot(True)
        timer.timeout.connect(lambda: show_message(label, "", ""))
    timer.start(clear_after_ms)


TITLE_CHROME = 150  # the window manager's icon and buttons around a title bar's text


def titled(dialog: QDialog, title: str) -> None:
    """Set ``title`` and make the dialog wide enough for it: a small dialog sized by its form had its title elided
    by the window manager ("Move Stop-… CUSDT PERP"), hiding which order it acts on."""
    dialog.setWindowTitle(title)
    dialog.setMinimumWidth(QFontMetrics(dialog.font()).horizontalAdvance(title) + TITLE_CHROME)
