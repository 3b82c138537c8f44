"""The follow / edit-settings dialog: per-symbol copy settings checked against Bitget's quantity limits before they are
sent (``traceType`` amount/percent/count, leverage type, max hold size, TP/SL ratios).

Opened with :meth:`QDialog.open` (never ``exec`` from a coroutine: a nested loop would stall qasync); the caller
connects ``accepted`` and reads :meth:`FollowDialog.settings`.

Copy trading on Bitget works only in hedge (two-way) position mode (code 40731 otherwise), and a new account starts
in one-way mode: the caller tells the dialog the account's mode (:meth:`FollowDialog.set_position_mode`), and in
one-way mode the dialog says so, explains what the switch changes and offers it (``hedge_requested``) before Follow
can be pressed.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from terminal_app.core.copy_trading import FollowSetting, QuantityLimit
from terminal_app.core.enums import PositionMode
from terminal_app.ui.dialogs.checked import CheckedDialog

TRACE_TYPES = (("percent", "Ratio of the trader's size"), ("amount", "Fixed margin (USDT) per order"),
               ("count", "Fixed size per order"))
LEVER_TYPES = (("trader", "Trader's leverage"), ("specify", "Specified leverage"), ("position", "My leverage"))
MAX_LEVERAGE = Decimal(125)


def _number(text: str, what: str, *, optional: bool = False) -> Decimal | None:
    text = text.strip().replace(",", "")
    if not text:
        if optional:
            return None
        raise ValueError(f"{what}: enter a value")
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(f"{what}: {text!r} is not a number") from exc
    if not value.is_finite():
        raise ValueError(f"{what}: {text!r} is not a number")
    return value


def validate(symbol: str, trace_type: str, trace_value: Decimal, lever_type: str, leverage: Decimal | None,
             max_hold: Decimal | None, tp_ratio: Decimal | None, sl_ratio: Decimal | None,
             limit: QuantityLimit | None) -> FollowSetting:
    """One symbol's settings, or ValueError with the reason in plain words (Bitget's own limits)."""
    if trace_value <= 0:
        raise ValueError(f"{symbol}: the copy value must be above 0")
    if trace_type == "percent" and not Decimal("0.01") <= trace_value <= 10:
        raise ValueError(f"{symbol}: the copy ratio must be between 0.01 and 10 (1 = the trader's size)")
    in_limits = limit is None or limit.min_follow_size <= trace_value <= limit.max_follow_size
    if trace_type == "count" and not in_limits:
        assert limit is not None
        raise ValueError(f"{symbol}: the size per order must be between {limit.min_follow_size} and "
                         f"{limit.max_follow_size}")
    bad_leverage = leverage is None or not 1 <= leverage <= MAX_LEVERAGE or leverage != leverage.to_integral_value()
    if lever_type == "specify" and bad_leverage:
        raise ValueError(f"{symbol}: the leverage must be a whole number from 1 to {MAX_LEVERAGE}")
    if max_hold is not None:
        if max_hold <= 0:
            raise ValueError(f"{symbol}: the maximum held size must be above 0")
        if limit is not None and max_hold > limit.max_follow_size:
            raise ValueError(f"{symbol}: the maximum held size can be at most {limit.max_follow_size}")
        if limit is not None and max_hold < limit.min_follow_size:
            raise ValueError(f"{symbol}: the maximum held size must be at least {limit.min_follow_size}")
    for ratio, what in ((tp_ratio, "take-profit"), (sl_ratio, "stop-loss")):
        if ratio is not None and ratio != 0 and not 1 <= ratio <= 400:
            raise ValueError(f"{symbol}: the {what} ratio must be between 1 and 400 % (0 or empty: none)")
    return FollowSetting(symbol, trace_type, trace_value, lever_type=lever_type,
                         long_leverage=leverage if lever_type == "specify" else None,
                         short_leverage=leverage if lever_type == "specify" else None, max_hold_size=max_hold,
                         stop_surplus_ratio=tp_ratio or None, stop_loss_ratio=sl_ratio or None)


HEDGE_NEEDED = (
    "Copy trading works only in hedge (two-way) position mode, and your USDT-M futures account is in one-way mode. "
    "Switching lets every futures symbol hold a long and a short position at the same time: your own orders then "
    "open or close a side (the ticket shows Open/Close), and reduce-only no longer applies. Bitget refuses the "
    "switch while USDT-M positions or orders are open."
)


class FollowDialog(CheckedDialog):
    """Settings for ``trader_name``: the symbols to copy (from the quantity limits), how much, at what leverage, the
    size cap and the TP/SL ratios; ``current`` prefills an edit. OK (Follow / Save) checks them first and shows the
    problem in ``error``.

    Signals:
        hedge_requested(): the user asked to switch the futures account to hedge mode.
    """

    hedge_requested = Signal()

    def __init__(self, trader_name: str, limits: Sequence[QuantityLimit],
                 current: Sequence[FollowSetting] = (), parent: QWidget | None = None) -> None:
        super().__init__("copy-follow-dialog", ("Edit copy settings · " if current else "Follow · ") + trader_name,
                         parent, ok_text="Save" if current else "Follow")
        self.limits = {q.symbol: q for q in limits}
        existing = {s.symbol: s for s in current}
        first = current[0] if current else None
        form = self.form

        self.mode_box = QGroupBox("Position mode", self)
        mode_layout = QVBoxLayout(self.mode_box)
        self.mode_text = QLabel(HEDGE_NEEDED, self.mode_box)
        self.mode_text.setWordWrap(True)
        self.hedge_button = QPushButton("Switch to hedge mode", self.mode_box)
        self.hedge_button.clicked.connect(self._ask_hedge)
        mode_layout.addWidget(self.mode_text)
        mode_layout.addWidget(self.hedge_button)
        self.mode_box.hide()
        form.addRow(self.mode_box)

        box = QGroupBox("Symbols to copy", self)
        row = QHBoxLayout(box)
        self.symbols: dict[str, QCheckBox] = {}
        for q in limits:
            check = QCheckBox(q.symbol, box)
            check.setChecked(not existing or q.symbol in existing)
            check.setToolTip(f"Size per order {q.min_follow_size} – {q.max_follow_size}")
            row.addWidget(check)
            self.symbols[q.symbol] = check
        form.addRow(box)

        self.trace_type = QComboBox(self)
        for value, label in TRACE_TYPES:
            self.trace_type.addItem(label, value)
        self.trace_value = QLineEdit(self)
        self.lever_type = QComboBox(self)
        for value, label in LEVER_TYPES:
            self.lever_type.addItem(label, value)
        self.leverage = QLineEdit(self)
        self.max_hold = QLineEdit(self)
        self.max_hold.setPlaceholderText("no cap")
        self.tp_ratio = QLineEdit(self)
        self.tp_ratio.setPlaceholderText("none (1–400 % of margin)")
        self.sl_ratio = QLineEdit(self)
        self.sl_ratio.setPlaceholderText("none (1–400 % of margin)")
        form.addRow("Copy &mode", self.trace_type)
        form.addRow("&Value", self.trace_value)
        form.addRow("&Leverage", self.lever_type)
        form.addRow("Specified le&verage", self.leverage)
        form.addRow("Max &held size", self.max_hold)
        form.addRow("&Take profit ratio %", self.tp_ratio)
        form.addRow("&Stop loss ratio %", self.sl_ratio)
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        self.add_note(self.hint)

        self.trace_type.currentIndexChanged.connect(self._update_hint)
        self.lever_type.currentIndexChanged.connect(self._update_hint)
        if first is not None:
            self.trace_type.setCurrentIndex(max(0, self.trace_type.findData(first.trace_type)))
            self.trace_value.setText(str(first.trace_value))
            self.lever_type.setCurrentIndex(max(0, self.lever_type.findData(first.lever_type)))
            self.leverage.setText(str(first.long_leverage or ""))
            self.max_hold.setText(str(first.max_hold_size or ""))
            self.tp_ratio.setText(str(first.stop_surplus_ratio or ""))
            self.sl_ratio.setText(str(first.stop_loss_ratio or ""))
        else:
            self.trace_value.setText("1")
        self._update_hint()
        self._settings: list[FollowSetting] = []

    def set_position_mode(self, mode: PositionMode | None, problem: str = "") -> None:
        """The futures account's position mode as the exchange reports it (None: not known); ``problem`` is why a
        switch just failed."""
        one_way = mode == PositionMode.ONE_WAY
        self.mode_box.setVisible(one_way or bool(problem))
        self.hedge_button.setEnabled(one_way)
        self.hedge_button.setText("Switch to hedge mode")
        self.mode_text.setText(f"{HEDGE_NEEDED}\n\n{problem}" if problem else HEDGE_NEEDED)
        self.ok_button.setEnabled(not one_way)
        self.ok_button.setToolTip("Switch to hedge mode first." if one_way else "")

    def _ask_hedge(self) -> None:
        self.hedge_button.setEnabled(False)
        self.hedge_button.setText("Switching…")
        self.hedge_requested.emit()

    def _update_hint(self) -> None:
        kind = self.trace_type.currentData()
        hints = {"percent": "Each copy is this multiple of the trader's size (0.01–10).",
                 "amount": "Each copy puts this much USDT of margin.",
                 "count": "Each copy has this size; limits per symbol: " + ", ".join(
                     f"{s} {q.min_follow_size}–{q.max_follow_size}" for s, q in self.limits.items())}
        self.hint.setText(hints.get(kind, ""))
        self.leverage.setEnabled(self.lever_type.currentData() == "specify")

    def collect(self) -> list[FollowSetting]:
        """The settings as entered, or ValueError with the first problem."""
        chosen = [s for s, check in self.symbols.items() if check.isChecked()]
        if not chosen:
            raise ValueError("Choose at least one symbol to copy")
        trace_type = str(self.trace_type.currentData())
        lever_type = str(self.lever_type.currentData())
        value = _number(self.trace_value.text(), "Value")
        leverage = _number(self.leverage.text(), "Leverage", optional=lever_type != "specify")
        max_hold = _number(self.max_hold.text(), "Max held size", optional=True)
        tp = _number(self.tp_ratio.text(), "Take profit ratio", optional=True)
        sl = _number(self.sl_ratio.text(), "Stop loss ratio", optional=True)
        assert value is not None
        return [validate(s, trace_type, value, lever_type, leverage, max_hold, tp, sl, self.limits.get(s))
                for s in chosen]

    def problem(self) -> str | None:
        if self.hedge_button.isVisibleTo(self) and self.mode_box.isVisibleTo(self) and not self.ok_button.isEnabled():
            return "Switch to hedge mode first: copy trading works only in hedge mode."
        try:
            self.collect()
        except ValueError as exc:
            return str(exc)
        return None

    def submit(self) -> None:
        self._settings = self.collect()
        self.accept()

    def settings(self) -> list[FollowSetting]:
        return list(self._settings)
