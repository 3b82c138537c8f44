"""Order ticket: builds an ``OrderTicket`` from the form, checks it live with ``core.validation`` and sends it with
``TradingService.place``.

Spot: buy/sell, limit/market, GTC/post-only/IOC/FOK, size in the base or the quote coin, 25/50/75/100 % of what is
available (the quote coin for buys, the base coin for sells). A spot market buy is always sent in the quote coin, as
Bitget requires; the unit switches by itself. Futures: leverage and margin mode are set on the exchange as soon as
they are changed (``AccountService``); in hedge mode the ticket opens or closes long/short (Bitget's ``side`` is then
the position's direction: close long = buy + close), in one-way mode it has reduce-only. TP/SL prices attach to orders
that open a position. The submit button is disabled with the reason whenever the ticket is invalid, so nothing
invalid is sent. Quote-sized limit (and futures) orders are converted to a base size, rounded down to the lot.

Stop-limit, Stop-market and (futures) Trailing send an algo order (``ui.docks.ticket_algo``) to the algo orders
service: the trigger price (on the last or the mark price) and the trailing callback are checked live like the rest.

Keyboard actions and the smoke test drive it through :meth:`set_price`, :meth:`set_size`, :meth:`set_side`,
:meth:`submit`, :meth:`apply_size_preset`, :meth:`toggle_post_only` and :meth:`toggle_reduce_only`.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from terminal_app.config.settings import (
    FAT_FINGER_PCT,
    LEVERAGE_CAP,
    MAX_ORDER_NOTIONAL,
    Settings,
)
from terminal_app.core.accounts import Position
from terminal_app.core.algo import AlgoIntent, validate_algo
from terminal_app.core.bracket import LegUnit
from terminal_app.core.enums import MarginMode, OrderType, PositionMode, PositionSide, Side, TimeInForce, TradeSide
from terminal_app.core.instruments import MarketInfo, Product, SymbolRef
from terminal_app.core.market_data import Ticker
from terminal_app.core.orders import OrderTicket
from terminal_app.core.risk import RiskPolicy, check_leverage, limit_issues
from terminal_app.core.scale import Weighting
from terminal_app.core.submission import Submission, SubmissionState
from terminal_app.core.validation import (
    Issue,
    preset_size,
    round_quote,
    round_to_lot,
    round_to_tick,
    validate_ticket,
)
from terminal_app.services.oco import SpotOcoService
from terminal_app.ui.docks import DockServices, active_ref, algo_service, links_for
from terminal_app.ui.docks.closed_positions import tools_service
from terminal_app.ui.docks.common import DecimalEdit, ThemeWatcher, message_label, show_message
from terminal_app.ui.docks.ticket_algo import MODES, AlgoFields
from terminal_app.ui.docks.ticket_bracket import BracketFields
from terminal_app.ui.docks.ticket_max_open import MaxOpenLabel
from terminal_app.ui.docks.ticket_scaled import ScaledFields
from terminal_app.ui.format import fmt_amount, fmt_fixed
from terminal_app.ui.theme import ThemeColors, current_colors, set_style_property

PRESETS = (25, 50, 75, 100)
LEVERAGE_UNKNOWN = "—"  # the leverage box until the account's leverage for the symbol arrives
# The futures lines as the position-mode control names them (Bitget keeps one position mode per line).
_LINE_NAMES = {Product.USDT_FUTURES: "USDT-M", Product.COIN_FUTURES: "coin-M", Product.USDC_FUTURES: "USDC-M"}
FORCES = ((TimeInForce.GTC, "GTC"), (TimeInForce.POST_ONLY, "Post-only"), (TimeInForce.IOC, "IOC"),
          (TimeInForce.FOK, "FOK"))
_SIDE_WORDS = {"buy": Side.BUY, "long": Side.BUY, "b": Side.BUY, "sell": Side.SELL, "short": Side.SELL,
               "s": Side.SELL}


def _side(side: str) -> Side:
    try:
        return _SIDE_WORDS[side.strip().lower()]
    except KeyError:
        raise ValueError(f"side must be buy or sell, not {side!r}") from None


class TicketPanel(QWidget):
    """The order-entry panel.

    Signals:
        submitted(str): an order was sent to the exchange; its client order id.
        validity_changed(bool): the ticket turned valid (True) or invalid for the current side.
    """

    submitted = Signal(str)
    validity_changed = Signal(bool)

    def __init__(self, services: DockServices, parent: QWidget | None = None, *,
                 settings: Settings | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("TicketPanel")
        self.md = services.market_data
        self.trading = services.trading
        self.algo = algo_service(services)  # stops, trailing, TP/SL (services.algo_orders)
        # spot brackets (services.oco), with the real pipeline only
        self.oco: SpotOcoService | None = getattr(services, "oco", None)
        self.tools = tools_service(services)  # the max open size (services.position_tools)
        self.account = services.account
        self.settings = settings
        self.links = links_for(services)
        self.ref: SymbolRef | None = None
        self.market: MarketInfo | None = None
        self.side = Side.BUY
        self.leverage: int | None = None
        self.issues: list[Issue] = []
        self.last_submission: Submission | None = None
        self._last: dict[str, Decimal] = {}
        self._valid: bool | None = None
        self._loading = False

        # Edits revalidate on the next event-loop turn: one check per burst of keystrokes and signals.
        self._revalidate_timer = QTimer(self)
        self._revalidate_timer.setObjectName("ticket-revalidate")
        self._revalidate_timer.setSingleShot(True)
        self._revalidate_timer.setInterval(0)
        self._revalidate_timer.timeout.connect(self.revalidate)
        self._build()
        self.theme = ThemeWatcher(self, self._apply_theme)

        self.md.active_changed.connect(self.set_symbol)
        self.md.ticker_changed.connect(self._on_ticker)
        self.md.markets_loaded.connect(lambda _m: self.set_symbol(self.ref) if self.ref is not None else None)
        self.account.balances_changed.connect(self._schedule)
        self.account.futures_account_changed.connect(self._on_account_changed)
        self.account.positions_changed.connect(self._on_account_changed)
        self.account.leverage_changed.connect(self._on_leverage_changed)
        self.account.margin_mode_changed.connect(lambda *_a: self._on_account_changed())
        self.account.line_position_mode_changed.connect(self._on_position_mode_changed)
        self.account.error.connect(self._on_account_error)
        self.links.price_picked.connect(self.set_price)
        self.links.size_picked.connect(self.set_size)
        ref = active_ref(services)
        if ref is not None:
            self.set_symbol(ref)
        else:
            self.revalidate()

    # --- layout -----------------------------------------------------------------------------------------------------

    def _build(self) -> None:
        self.title = QLabel("—", self)
        self.title.setObjectName("TicketSymbol")
        self.last_label = QLabel(self)
        self.last_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

        self.buy_button = QPushButton("Buy", self)
        self.buy_button.setObjectName("TicketBuy")
        self.sell_button = QPushButton("Sell", self)
        self.sell_button.setObjectName("TicketSell")
        self.side_group = QButtonGroup(self)
        for button, side in ((self.buy_button, "buy"), (self.sell_button, "sell")):
            button.setCheckable(True)
            button.clicked.connect(lambda _c=False, s=side: self.set_side(s))
            self.side_group.addButton(button)
        self.buy_button.setChecked(True)

        self.limit_button = QPushButton("Limit", self)
        self.market_button = QPushButton("Market", self)
        self.type_group = QButtonGroup(self)
        for button, kind in ((self.limit_button, "limit"), (self.market_button, "market")):
            button.setObjectName(f"Ticket{kind.capitalize()}")
            button.setCheckable(True)
            button.clicked.connect(lambda _c=False, k=kind: self.set_order_type(k))
            self.type_group.addButton(button)
        self.limit_button.setChecked(True)
        self.algo_fields = AlgoFields(self)
        self.type_group.addButton(self.algo_fields.button)
        self.algo_fields.kind.activated.connect(
            lambda _i: self.set_order_type(self.algo_fields.kind.currentData() or "limit"))
        self.algo_fields.trigger.textChanged.connect(lambda _t: self._changed())
        self.algo_fields.callback.textChanged.connect(lambda _t: self._changed())
        self.algo_fields.source.activated.connect(lambda _i: self._changed())

        self.margin_mode = QComboBox(self)
        self.margin_mode.setObjectName("TicketMarginMode")
        self.margin_mode.addItem("Cross", MarginMode.CROSSED.value)
        self.margin_mode.addItem("Isolated", MarginMode.ISOLATED.value)
        self.margin_mode.activated.connect(self._on_margin_mode_chosen)
        self.leverage_box = QSpinBox(self)
        self.leverage_box.setObjectName("TicketLeverage")
        self.leverage_box.setSuffix("x")
        self.leverage_box.setRange(1, 125)
        self.leverage_box.setKeyboardTracking(False)  # set on the exchange once, not per keystroke
        self.leverage_box.valueChanged.connect(self._on_leverage_chosen)
        self._show_leverage(None)
        self.open_button = QPushButton("Open", self)
        self.close_button = QPushButton("Close", self)
        self.action_group = QButtonGroup(self)
        for button, action in ((self.open_button, "open"), (self.close_button, "close")):
            button.setObjectName(f"Ticket{action.capitalize()}")
            button.setCheckable(True)
            button.clicked.connect(lambda _c=False: self._changed())
            self.action_group.addButton(button)
        self.open_button.setChecked(True)
        self.reduce_only = QCheckBox("Reduce-only", self)
        self.reduce_only.setObjectName("TicketReduceOnly")
        self.reduce_only.toggled.connect(lambda _c: self._changed())
        self.position_mode = QComboBox(self)
        self.position_mode.setObjectName("TicketPositionMode")
        self.position_mode.addItem("One-way", PositionMode.ONE_WAY.value)
        self.position_mode.addItem("Hedge", PositionMode.HEDGE.value)
        self.position_mode.setToolTip("Bitget's position mode for every symbol of this market's futures line "
                                      "(USDT-M, coin-M or USDC-M, one mode per line): one position per symbol "
                                      "(one-way) or a long and a short side by side (hedge). It can only change "
                                      "while no position or order of that line is open.")
        self.position_mode.activated.connect(self._on_position_mode_chosen)

        self.price = DecimalEdit("price", self)
        self.price.setObjectName("TicketPrice")
        self.price.textChanged.connect(lambda _t: self._changed())
        self.last_button = QPushButton("Last", self)
        self.last_button.setToolTip("Use the last traded price")
        self.last_button.clicked.connect(self._use_last)
        self.size_edit = DecimalEdit("size", self)
        self.size_edit.setObjectName("TicketSize")
        self.size_edit.textChanged.connect(lambda _t: self._changed())
        self.unit = QComboBox(self)
        self.unit.setObjectName("TicketUnit")
        self.unit.addItem("BASE", "base")
        self.unit.addItem("QUOTE", "quote")
        self.unit.activated.connect(lambda _i: self._changed())
        self._unit_shown = "base"  # the unit the size field's number is in
        self.unit.currentIndexChanged.connect(lambda _i: self._convert_size_to_unit())
        self.preset_buttons: list[QPushButton] = []
        for pct in PRESETS:
            button = QPushButton(f"{pct} %", self)
            button.setObjectName(f"TicketPreset{pct}")
            button.clicked.connect(lambda _c=False, p=pct: self.apply_size_preset(p))
            self.preset_buttons.append(button)
        self.force = QComboBox(self)
        self.force.setObjectName("TicketForce")
        for value, label in FORCES:
            self.force.addItem(label, value.value)
        self.force.activated.connect(lambda _i: self._changed())
        self.tpsl = QCheckBox("TP/SL", self)
        self.tpsl.setObjectName("TicketTpSl")
        self.tpsl.toggled.connect(self._on_tpsl_toggled)
        self.tp = DecimalEdit("take profit", self)
        self.tp.setObjectName("TicketTp")
        self.tp.textChanged.connect(lambda _t: self._changed())
        self.sl = DecimalEdit("stop loss", self)
        self.sl.setObjectName("TicketSl")
        self.sl.textChanged.connect(lambda _t: self._changed())
        self.bracket = BracketFields(self)
        self.bracket.toggle.toggled.connect(lambda _c: self._changed())
        self.scaled = ScaledFields(self)
        self.scaled.toggle.toggled.connect(lambda _c: self._changed())
        for edit in (self.bracket.tp, self.bracket.sl, self.scaled.to_price):
            edit.textChanged.connect(lambda _t: self._changed())
        for combo in (self.bracket.unit, self.scaled.weighting):
            combo.activated.connect(lambda _i: self._changed())
        self.scaled.count.valueChanged.connect(lambda _v: self._changed())
        self.info = QLabel(self)
        self.info.setObjectName("TicketInfo")
        self.info.setWordWrap(True)
        self.reason = message_label(self)
        self.reason.setObjectName("TicketReason")
        self.submit_button = QPushButton("Buy", self)
        self.submit_button.setObjectName("TicketSubmit")
        self.submit_button.setMinimumHeight(32)
        self.submit_button.clicked.connect(lambda: self.submit(self.side))
        self.status = message_label(self)
        self.status.setObjectName("TicketStatus")

        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(4)
        row = 0
        grid.addWidget(self.buy_button, row, 0, 1, 2)
        grid.addWidget(self.sell_button, row, 2, 1, 2)
        row += 1
        if self.algo is not None:  # Limit · Market · Stop… on one row
            grid.addWidget(self.limit_button, row, 0)
            grid.addWidget(self.market_button, row, 1)
            grid.addWidget(self.algo_fields.kind, row, 2, 1, 2)
        else:
            grid.addWidget(self.limit_button, row, 0, 1, 2)
            grid.addWidget(self.market_button, row, 2, 1, 2)
        row += 1
        self.futures_row = row
        self.margin_label = QLabel("Margin", self)
        grid.addWidget(self.margin_label, row, 0)
        grid.addWidget(self.margin_mode, row, 1)
        self.leverage_label = QLabel("Leverage", self)
        grid.addWidget(self.leverage_label, row, 2)
        grid.addWidget(self.leverage_box, row, 3)
        row += 1
        grid.addWidget(self.open_button, row, 0, 1, 2)
        grid.addWidget(self.close_button, row, 2, 1, 2)
        row += 1
        grid.addWidget(self.reduce_only, row, 0, 1, 2)
        self.position_mode_label = QLabel("Mode", self)
        self.position_mode_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        grid.addWidget(self.position_mode_label, row, 2)
        grid.addWidget(self.position_mode, row, 3)
        row += 1
        self.price_label = QLabel("Price", self)
        grid.addWidget(self.price_label, row, 0)
        grid.addWidget(self.price, row, 1, 1, 2)
        grid.addWidget(self.last_button, row, 3)
        row += 1
        grid.addWidget(self.algo_fields.trigger_label, row, 0)
        grid.addWidget(self.algo_fields.trigger, row, 1, 1, 2)
        grid.addWidget(self.algo_fields.source, row, 3)
        row += 1
        grid.addWidget(self.algo_fields.callback_label, row, 0)
        grid.addWidget(self.algo_fields.callback, row, 1, 1, 2)
        row += 1
        grid.addWidget(QLabel("Size", self), row, 0)
        grid.addWidget(self.size_edit, row, 1, 1, 2)
        grid.addWidget(self.unit, row, 3)
        row += 1
        presets = QHBoxLayout()
        presets.setSpacing(4)
        for button in self.preset_buttons:
            presets.addWidget(button)
        grid.addLayout(presets, row, 0, 1, 4)
        row += 1
        self.force_label = QLabel("Time in force", self)
        grid.addWidget(self.force_label, row, 0, 1, 2)
        grid.addWidget(self.force, row, 2, 1, 2)
        row += 1
        # the three switches share one row: each row more pushed the Buy button below a 900-pixel window's fold
        switches = QHBoxLayout()
        switches.setSpacing(12)
        for switch in (self.tpsl, self.bracket.toggle, self.scaled.toggle):
            switches.addWidget(switch)
        switches.addStretch(1)
        grid.addLayout(switches, row, 0, 1, 4)
        row += 1
        self.tp_label = QLabel("TP", self)
        self.sl_label = QLabel("SL", self)
        self.tp_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.sl_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        grid.addWidget(self.tp_label, row, 0)
        grid.addWidget(self.tp, row, 1)
        grid.addWidget(self.sl_label, row, 2)
        grid.addWidget(self.sl, row, 3)
        row += 1
        grid.addWidget(self.bracket.panel, row, 0, 1, 4)
        row += 1
        grid.addWidget(self.scaled.panel, row, 0, 1, 4)
        for col in range(4):
            grid.setColumnStretch(col, 1)

        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.last_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        layout.addLayout(head)
        layout.addLayout(grid)
        # The button right under the form, the texts that come and go (and wrap) below it: a reason appearing
        # while the pointer is on its way must never move the button under it (a missed Buy landed on Open long).
        layout.addWidget(self.submit_button)
        layout.addWidget(self.info)
        self.max_open = MaxOpenLabel(self, self.tools, self)
        layout.addWidget(self.max_open)
        layout.addWidget(self.reason)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self._on_tpsl_toggled(False)

    # --- public API ---------------------------------------------------------------------------------------------

    def set_symbol(self, ref: SymbolRef) -> None:
        changed = ref != self.ref
        self.ref = ref
        self.market = self.md.market(ref)
        self.title.setText(ref.display)
        self._loading = True
        try:
            market = self.market
            if market is not None:
                self.unit.setItemText(0, market.base_coin)
                self.unit.setItemText(1, market.quote_coin)
                self.leverage_box.blockSignals(True)
                self.leverage_box.setMaximum(max(market.max_leverage, market.min_leverage))
                self.leverage_box.blockSignals(False)
            # another symbol's leverage is not this one's: unknown until the account says (the minimum is set here)
            self._show_leverage(None if changed else self.leverage)
            if changed:
                last = self._last_price()
                self.price.set_value(round_to_tick(last, market) if last is not None and market is not None else None)
                self.size_edit.clear()
                self.tp.clear()
                self.sl.clear()
                self.algo_fields.trigger.clear()
                self.algo_fields.callback.clear()
                self.bracket.clear()
                self.scaled.clear()
                self.status.hide()
            self._sync_account_state()
        finally:
            self._loading = False
        self._update_controls()
        self.revalidate()

    def set_price(self, price: Decimal) -> None:
        """Put ``price`` in the ticket (a limit order; a market ticket switches to limit)."""
        if self.order_type() != OrderType.LIMIT:
            self.set_order_type("limit")
        self.price.set_value(price)
        self.revalidate()

    def set_size(self, size: Decimal) -> None:
        """Put ``size`` in the size field, in the unit the field shows."""
        self.size_edit.set_value(size)
        self.revalidate()

    def set_side(self, side: str) -> None:
        """"buy"/"sell" ("long"/"short" too): which side the presets, checks and the submit button are for."""
        self._choose_side(_side(side))
        self.revalidate()

    def _choose_side(self, side: Side) -> None:
        self.side = side
        (self.buy_button if side == "buy" else self.sell_button).setChecked(True)
        self._update_controls()

    def set_order_type(self, order_type: str) -> None:
        """"limit", "market", or an algo type: "stop_limit", "stop_market", "trailing"."""
        if order_type in MODES and self.algo is not None:
            self.algo_fields.choose(order_type)
            if self.algo_fields.trigger.value() is None and self.market is not None:
                last = self._last_price()
                self.algo_fields.trigger.set_value(round_to_tick(last, self.market) if last is not None else None)
        elif order_type not in ("limit", "market"):
            raise ValueError(f"order type must be limit, market, stop_limit, stop_market or trailing, "
                             f"not {order_type!r}")
        else:
            (self.limit_button if order_type == "limit" else self.market_button).setChecked(True)
            self.algo_fields.choose(None)
        self._update_controls()
        self.revalidate()

    def set_force(self, force: TimeInForce) -> None:
        index = self.force.findData(force)
        if index < 0:
            raise ValueError(f"unknown time in force {force!r}")
        self.force.setCurrentIndex(index)
        self.revalidate()

    def set_trade_side(self, trade_side: TradeSide) -> None:
        """Hedge mode: open or close the position on the current side."""
        (self.open_button if trade_side == TradeSide.OPEN else self.close_button).setChecked(True)
        self._update_controls()
        self.revalidate()

    def set_tpsl(self, tp: Decimal | None, sl: Decimal | None) -> None:
        self.tpsl.setChecked(tp is not None or sl is not None)
        self.tp.set_value(tp)
        self.sl.set_value(sl)
        self.revalidate()

    def set_bracket(self, tp: Decimal | None, sl: Decimal | None, unit: LegUnit = LegUnit.PRICE) -> None:
        """Bracket on with these legs (prices, or distances from the entry in % or ticks); both None: off."""
        on = tp is not None or sl is not None
        if on:
            self.tpsl.setChecked(False)
            self.scaled.toggle.setChecked(False)
        self.bracket.toggle.setChecked(on)
        self.bracket.set_unit(unit)
        self.bracket.tp.set_value(tp)
        self.bracket.sl.set_value(sl)
        self._update_controls()
        self.revalidate()

    def set_scaled(self, to_price: Decimal | None, count: int = 5, weighting: Weighting = Weighting.EVEN) -> None:
        """Scaled on, from the ticket's price to ``to_price`` in ``count`` orders; ``to_price`` None: off."""
        on = to_price is not None
        if on:
            if self.order_type() != OrderType.LIMIT:
                self.set_order_type("limit")
            self.tpsl.setChecked(False)
            self.bracket.toggle.setChecked(False)
        self.scaled.toggle.setChecked(on)
        self.scaled.to_price.set_value(to_price)
        self.scaled.count.setValue(count)
        self.scaled.set_weighting(weighting)
        self._update_controls()
        self.revalidate()

    def set_size_unit(self, unit: str) -> None:
        """"base" or "quote"."""
        self.unit.setCurrentIndex(self.unit.findData(unit))
        self._update_controls()
        self.revalidate()

    def toggle_post_only(self) -> None:
        self.set_force(TimeInForce.GTC if self.force_value() == TimeInForce.POST_ONLY else TimeInForce.POST_ONLY)
        if self.force_value() == TimeInForce.POST_ONLY and self.order_type() == OrderType.MARKET:
            self.set_order_type("limit")

    def toggle_reduce_only(self) -> None:
        if not self._one_way_futures():
            self._status("Reduce-only applies to futures in one-way mode.", current_colors().warn)
            return
        self.reduce_only.setChecked(not self.reduce_only.isChecked())
        self.revalidate()

    def apply_size_preset(self, pct: int) -> Decimal | None:
        """Size = ``pct`` % of what is available for the current side (of the position, for a closing order)."""
        if self.ref is None or self.market is None:
            return None
        closing = self._closing()
        size: Decimal | None
        if closing:
            position = self._position_to_close()
            if position is None:
                self._status("There is no position to close on this side.", current_colors().warn)
                return None
            size = round_to_lot(position.available * Decimal(pct) / 100, self.market)
            self.set_size_unit("base")
        else:
            price = self.price.value() if self.order_type() == "limit" else self._last_price()
            available = self.account.available(self.ref, self.side, price)
            if self.ref.is_futures and self.leverage is None:  # 1x would size a twentieth of what 20x can carry
                self._status(f"The leverage of {self.ref.display} is not known yet: a % of the margin is sized "
                             "once it arrives.", current_colors().warn)
                return None
            size = preset_size(self.market, available, pct, side=self.side, price=price, in_quote=self._in_quote(),
                               leverage=self.leverage if self.ref.is_futures else None)
            if size is None:
                self._status("Enter a price first: the size is worked out from it.", current_colors().warn)
                return None
        self.size_edit.set_value(size)
        self.revalidate()
        return size

    def submit(self, side: str | None = None) -> Submission | None:
        """Send the ticket on ``side`` through the one order pipeline; the submission (the status line follows it
        from refused / awaiting confirmation / sent to acknowledged or rejected), or None when the form itself is
        not valid (the reason is shown). The large-market-order question is the pipeline's, not the ticket's."""
        if side is not None and _side(side) != self.side:
            self._choose_side(_side(side))  # the controls follow the side (a spot market order's size unit)
        # The checks now, their display (reason line, button, info) once the order is on its way: a hotkey's
        # bytes should not wait for widgets to be redrawn.
        self._revalidate_timer.stop()
        ticket = self.ticket()
        self.issues = self._issues(ticket)
        if ticket is None or self.issues:
            self._show_issues(ticket)
            reason = str(self.issues[0]) if self.issues else "Choose a symbol first."
            self._status(reason, current_colors().alert)
            return None
        intent = self.algo_intent(ticket)
        if intent is not None and self.algo is not None:
            # through the pipeline: a large stop-market waits for the same confirmation as a market order
            submission = self.trading.submit_algo(intent)
            what = f"{intent.label.lower()} {self._describe(ticket)} (trigger {intent.trigger_price.normalize():f})"
        elif self.scaled.on and self.scaled.plan is not None:
            submission = self.trading.submit_scaled(self.scaled.plan, ticket)
            what = f"scaled {self._describe(ticket)} in {len(self.scaled.plan.legs)} orders"
        elif self.bracket.on and not ticket.ref.is_futures and self.oco is not None:
            submission = self._submit_spot_bracket(ticket)
            what = f"{self._describe(ticket)} with a bracket"
        else:
            submission = self.trading.submit(ticket)
            what = self._describe(ticket)
        self._show_issues(ticket)
        self.last_submission = submission
        submission.watch(lambda sub: self._show_submission(sub, what))
        return submission

    def _submit_spot_bracket(self, ticket: OrderTicket) -> Submission:
        """A spot buy sent plain, its legs handed to the terminal's OCO service once the buy is sent."""
        oco, tp, sl = self.oco, ticket.tp, ticket.sl
        assert oco is not None
        assert tp is not None
        assert sl is not None
        submission: Submission = self.trading.submit(replace(ticket, tp=None, sl=None))
        armed: list[str] = []

        def arm(sub: Submission) -> None:
            if sub.sent and not armed and sub.state is not SubmissionState.REJECTED:
                armed.append(sub.client_oid)
                oco.arm(sub.client_oid, ticket.ref, tp, sl)

        submission.watch(arm)
        return submission

    def submit_stop(self, side: str) -> Submission | None:
        """The stop hotkeys: a stop-market on ``side`` at the ticket's trigger price with its size (the ticket
        switches to Stop-market, so what was sent stays on screen)."""
        if self.algo is None:
            self._status("Stops are not available on this account.", current_colors().warn)
            return None
        self.set_order_type("stop_market")
        return self.submit(side)

    def _show_submission(self, submission: Submission, what: str) -> None:
        if submission is not self.last_submission:
            return  # an older order's news: the status line belongs to the latest one
        c = current_colors()
        state = submission.state
        if state is SubmissionState.REFUSED:
            self._status(f"Not sent: {submission.message}", c.alert)
        elif state is SubmissionState.AWAITING_CONFIRMATION:
            self._status(f"Confirm {what}…", c.warn)
        elif state is SubmissionState.SENT:
            self._status(f"Sent {what}", c.muted)
            self.submitted.emit(submission.client_oid)
        elif state is SubmissionState.ACKNOWLEDGED:
            self._status(f"{what}: {submission.message} on the exchange", c.muted)
        elif state is SubmissionState.REJECTED:
            code = f"[{submission.code}] " if submission.code else ""
            self._status(f"Rejected by the exchange: {code}{submission.message}", c.alert)
        elif state is SubmissionState.UNKNOWN:
            self._status(f"No answer for {what} yet: looking it up by its id ({submission.message})", c.warn)

    def ticket(self, side: str | None = None) -> OrderTicket | None:
        """The order the form describes now, for ``side`` (default: the current side); None without a market."""
        if self.ref is None or self.market is None:
            return None
        market = self.market
        side = _side(side) if side is not None else self.side
        order_type = self.order_type()
        is_limit = order_type == OrderType.LIMIT
        price = self.price.value() if is_limit else None
        amount = self.size_edit.value() or Decimal(0)
        spot_market_buy = not self.ref.is_futures and not is_limit and side == Side.BUY
        size, in_quote = amount, False
        if spot_market_buy:
            in_quote = True
            if not self._in_quote() and amount > 0:  # unit is forced to quote; convert a base amount anyway
                last = self._last_price()
                size = round_quote(amount * last, market) if last is not None else Decimal(0)
        elif self._in_quote() and amount > 0:
            reference = price if is_limit else self._last_price()
            size = round_to_lot(amount / reference, market) if reference else Decimal(0)
        futures = self.ref.is_futures
        hedge = futures and self._hedge()
        tp = self.tp.value() if self.tpsl.isChecked() else None
        sl = self.sl.value() if self.tpsl.isChecked() else None
        if self.bracket.on:
            tp, sl = self.bracket.prices(side, price if is_limit else self._last_price(), market)
        return OrderTicket(
            ref=self.ref, side=side, order_type=order_type,
            force=self.force_value() if is_limit else TimeInForce.GTC,
            size=size, price=price, size_in_quote=in_quote,
            reduce_only=futures and not hedge and self.reduce_only.isChecked(),
            trade_side=(TradeSide.CLOSE if self.close_button.isChecked() else TradeSide.OPEN) if hedge else None,
            margin_mode=MarginMode(self.margin_mode.currentData()) if futures else None,
            tp=tp, sl=sl,
        )

    def order_type(self) -> OrderType:
        """The order the ticket sends (for a stop, the order its trigger places)."""
        algo = self.algo_fields.order_type()
        if algo is not None:
            return algo
        return OrderType.LIMIT if self.limit_button.isChecked() else OrderType.MARKET

    def algo_intent(self, ticket: OrderTicket | None = None) -> AlgoIntent | None:
        """The stop / trailing stop the form describes (None for a plain order), sized in the base coin."""
        ticket = ticket or self.ticket()
        if ticket is None or self.market is None or self.algo_fields.mode() is None:
            return None
        size = ticket.size
        if ticket.size_in_quote:  # a spot market buy is sized in quote; a stop's size is in the base coin
            reference = self.algo_fields.trigger.value()
            size = round_to_lot(ticket.size / reference, self.market) if reference else Decimal(0)
        return self.algo_fields.intent(ticket, size)

    def force_value(self) -> TimeInForce:
        return TimeInForce(self.force.currentData())

    def revalidate(self) -> list[Issue]:
        """Check the ticket now; updates the reason line and the submit button."""
        self._revalidate_timer.stop()
        ticket = self.ticket()
        self.issues = self._issues(ticket)
        self._show_issues(ticket)
        return self.issues

    def _issues(self, ticket: OrderTicket | None) -> list[Issue]:
        """What is wrong with ``ticket`` (the form's order now); empty when it can be sent."""
        issues: list[Issue]
        if ticket is None or self.market is None:
            issues = [Issue("market", "Waiting for the symbol's market rules…")] if self.ref else \
                [Issue("market", "Choose a symbol in the watchlist.")]
        else:
            closing = ticket.reduce_only or ticket.trade_side == TradeSide.CLOSE
            last, leverage = self._last_price(), self.leverage if ticket.ref.is_futures else None
            intent = self.algo_intent(ticket)
            if intent is not None:  # the order meets the trigger price, not today's last price
                last = intent.trigger_price if intent.trigger_price > 0 else last
            issues = self._form_issues(ticket) + validate_ticket(
                ticket, self.market, last_price=last,
                available=None if closing or self.ref is None else self.account.available(self.ref, ticket.side, last),
                leverage=leverage) + limit_issues(ticket, self._policy(), last_price=last, leverage=leverage,
                                                  quote_coin=self.market.quote_coin)
            if intent is not None:
                reference = self.algo.reference_price(intent.ref, intent.trigger_source) if self.algo else None
                issues = validate_algo(intent, self.market, reference) + issues
            entry = ticket.price if ticket.order_type == OrderType.LIMIT else self._last_price()
            if self.bracket.on:
                issues = self.bracket.issues(ticket.side, entry, self.market) + [
                    i for i in issues if i.field not in ("tp", "sl")]
                self.bracket.show_preview(ticket.side, entry, ticket.size, self.market)
            if self.scaled.on:
                plan = self.scaled.make_plan(self.market, ticket.side, ticket.size, ticket.price)
                if self._in_quote():
                    issues.insert(0, Issue("size", f"A scaled order's total is in {self.market.base_coin}."))
                issues = list(plan.issues) + issues
        return issues

    def _show_issues(self, ticket: OrderTicket | None) -> None:
        """The reason line, the submit button and the info line for :attr:`issues`."""
        valid = not self.issues
        self.submit_button.setEnabled(valid)
        self.submit_button.setToolTip("" if valid else str(self.issues[0]))
        # an empty size on a fresh ticket is the next thing to type, not a mistake: said in the muted colour
        prompt = not valid and self.issues[0].field == "size" and not self.size_edit.text().strip()
        show_message(self.reason, "" if valid else str(self.issues[0]),
                     current_colors().muted if prompt else current_colors().alert)
        self._update_info(ticket)
        if valid != self._valid:
            self._valid = valid
            self.validity_changed.emit(valid)

    # --- helpers --------------------------------------------------------------------------------------------------

    def _form_issues(self, ticket: OrderTicket) -> list[Issue]:
        """Problems of the form itself, which the ticket alone cannot show (a conversion that had no price, an algo
        type the account cannot hold)."""
        intent = self.algo_intent(ticket)
        refused = self.algo.unsupported(intent) if intent is not None and self.algo is not None else None
        if refused:  # a trailing stop on a unified account: V3 has none
            return [Issue("kind", refused)]
        amount = self.size_edit.value()
        if amount and amount > 0 and ticket.size == 0:
            return [Issue("size", "The size cannot be converted without a price yet.")]
        if self.tpsl.isChecked() and ticket.tp is None and ticket.sl is None:
            return [Issue("tp", "Enter a take-profit or a stop-loss price, or switch TP/SL off.")]
        return []

    def _policy(self) -> RiskPolicy:
        """The guard's limits from the settings; the market-order confirmation is the guard's alone (not asked here)."""
        if self.settings is None:
            return RiskPolicy(None, None, None, None)
        return RiskPolicy(fat_finger_pct=self.settings.get(FAT_FINGER_PCT),
                          max_order_notional=self.settings.get(MAX_ORDER_NOTIONAL),
                          confirm_market_notional=None, leverage_cap=self.settings.get(LEVERAGE_CAP))

    def _last_price(self) -> Decimal | None:
        if self.ref is None:
            return None
        last = self.md.last_price(self.ref)
        return last if last is not None else self._last.get(self.ref.key)

    def _in_quote(self) -> bool:
        return str(self.unit.currentData()) == "quote"

    def _hedge(self) -> bool:
        # the mode of this market's line: Bitget keeps one per product type
        line = self.ref.product if self.ref is not None and self.ref.is_futures else Product.USDT_FUTURES
        return self.account.position_mode(line) == PositionMode.HEDGE

    def _one_way_futures(self) -> bool:
        return self.ref is not None and self.ref.is_futures and not self._hedge()

    def _closing(self) -> bool:
        if self.ref is None or not self.ref.is_futures:
            return False
        return self.close_button.isChecked() if self._hedge() else self.reduce_only.isChecked()

    def _position_to_close(self) -> Position | None:
        if self.ref is None:
            return None
        hedge = self._hedge()
        for p in self.account.positions():
            if p.ref != self.ref or p.total == 0:
                continue
            if hedge:
                # hedge: Bitget's side names the position, so "close long" is side buy
                if (p.hold_side == PositionSide.LONG) == (self.side == Side.BUY):
                    return p
            elif (p.hold_side == PositionSide.LONG) != (self.side == Side.BUY):
                return p  # one-way: reduce a long by selling, a short by buying
        return None

    def _notional(self, ticket: OrderTicket) -> Decimal | None:
        if ticket.size_in_quote:
            return ticket.size
        price = ticket.price if ticket.order_type == OrderType.LIMIT else self._last_price()
        return ticket.size * price if price is not None else None

    def _notional_price(self, ticket: OrderTicket) -> Decimal | None:
        return ticket.price if ticket.order_type == OrderType.LIMIT else self._last_price()

    def _describe(self, ticket: OrderTicket) -> str:
        places = self.market.price_places if self.market is not None else 2
        unit = f" {self.market.quote_coin}" if ticket.size_in_quote and self.market is not None else ""
        at = f" @ {fmt_fixed(ticket.price, places)}" if ticket.price is not None else " at market"
        action = self._action_word(ticket.side)
        return f"{action} {ticket.size.normalize():f}{unit} {ticket.ref.display}{at}"

    def _action_word(self, side: str) -> str:
        if self.ref is not None and self.ref.is_futures:
            direction = "long" if side == "buy" else "short"
            if self._hedge():
                return f"{'Close' if self.close_button.isChecked() else 'Open'} {direction}"
            word = "Buy / Long" if side == "buy" else "Sell / Short"
            return f"{word} (reduce-only)" if self.reduce_only.isChecked() else word
        return "Buy" if side == "buy" else "Sell"

    def _status(self, text: str, colour: str) -> None:
        show_message(self.status, text, colour)

    def _changed(self) -> None:
        if not self._loading:
            self._update_controls()
            self._schedule()

    def _schedule(self) -> None:
        self._revalidate_timer.start()

    def _sync_account_state(self) -> None:
        """Leverage and margin mode as the exchange has them for the symbol: the account service's per-symbol
        reading once it has one, else the symbol's position, else the futures account's settings."""
        if self.ref is None or not self.ref.is_futures:
            return
        account = self.account.margin_account(self.ref)
        positions = [p for p in self.account.positions() if p.ref == self.ref]
        mode = self.account.margin_mode(self.ref) or (positions[0].margin_mode if positions else None) \
            or (account.margin_mode if account else None)
        if mode in ("crossed", "isolated"):
            self.margin_mode.setCurrentIndex(self.margin_mode.findData(mode))
        leverage: int | Decimal | None = self.account.leverage(self.ref)
        if leverage is None and positions:
            leverage = positions[0].leverage
        if leverage is None and account is not None:
            leverage = account.crossed_leverage if self.margin_mode.currentData() == "crossed" else \
                account.isolated_long_leverage
        if leverage is not None:
            self._show_leverage(int(leverage))

    def _show_leverage(self, leverage: int | None) -> None:
        """The symbol's leverage on the exchange, or None: not known yet. Unknown reads "—", never the box's minimum:
        a trader who read "1x" sent an order that opened at the 20x the exchange had."""
        self.leverage = leverage
        box = self.leverage_box
        low = self.market.min_leverage if self.market is not None else 1
        box.blockSignals(True)
        if leverage is None:  # one step under the minimum holds the "—"; stepping up from it chooses the minimum
            box.setMinimum(low - 1)
            box.setSpecialValueText(LEVERAGE_UNKNOWN)
            box.setValue(low - 1)
            box.setToolTip("The leverage is not known yet: it shows once the account's setting for this symbol "
                           "arrives. Choosing one here sets it on the exchange.")
        else:
            box.setSpecialValueText("")
            box.setMinimum(low)
            box.setValue(leverage)
            box.setToolTip("")
        box.blockSignals(False)

    def _update_controls(self) -> None:
        futures = self.ref is not None and self.ref.is_futures
        hedge = futures and self._hedge()
        is_limit = self.order_type() == OrderType.LIMIT
        for w in (self.margin_label, self.margin_mode, self.leverage_label, self.leverage_box,
                  self.position_mode_label, self.position_mode):
            w.setVisible(futures)
        mode = PositionMode.HEDGE if hedge else PositionMode.ONE_WAY
        self.position_mode.setCurrentIndex(self.position_mode.findData(mode.value))
        self.open_button.setVisible(hedge)
        self.close_button.setVisible(hedge)
        self.reduce_only.setVisible(futures and not hedge)
        for limit_only in (self.price_label, self.price, self.last_button, self.force_label, self.force):
            limit_only.setEnabled(is_limit)
        self.algo_fields.update(futures, available=self.algo is not None,
                                refused=self.algo_fields.refusal(self.algo, self.ref))
        spot_market = not futures and not is_limit
        if spot_market:  # Bitget: market buys are sized in the quote coin, market sells in the base coin
            self.unit.setCurrentIndex(self.unit.findData("quote" if self.side == "buy" else "base"))
        self.unit.setEnabled(not spot_market)
        plain = self.algo_fields.mode() is None
        self.tpsl.setEnabled(not self._closing() and plain and not self.bracket.on and not self.scaled.on)
        self.bracket.update(futures, allowed=not self._closing() and plain and not self.scaled.on
                            and not self.tpsl.isChecked(), spot_buy=self.oco is not None and self.side == Side.BUY)
        self.scaled.update(allowed=is_limit and plain and not self.bracket.on and not self.tpsl.isChecked())
        if futures:
            long = self.side == "buy"
            self.buy_button.setText("Long" if hedge else "Buy / Long")
            self.sell_button.setText("Short" if hedge else "Sell / Short")
            self.submit_button.setText(self._action_word("buy" if long else "sell"))
        else:
            base = self.market.base_coin if self.market is not None else ""
            self.buy_button.setText("Buy")
            self.sell_button.setText("Sell")
            self.submit_button.setText(f"{'Buy' if self.side == 'buy' else 'Sell'} {base}".strip())
        set_style_property(self.submit_button, "side", self.side)

    def _convert_size_to_unit(self) -> None:
        """The unit changed (by the user, or forced: Bitget sizes a spot market buy in the quote coin): the number
        in the size field follows it, converted at the order's price, or is cleared when there is no price to
        convert at — never left standing under a different unit. Says what it did."""
        old, new = self._unit_shown, str(self.unit.currentData())
        self._unit_shown = new
        amount = self.size_edit.value()
        if self._loading or old == new or self.market is None or not amount:
            return
        market = self.market
        reference = self.price.value() if self.order_type() == "limit" else self._last_price()
        coin = {"base": market.base_coin, "quote": market.quote_coin}
        places = {"base": market.size_places, "quote": 2}  # as the value and the balance are shown above
        if not reference:
            self.size_edit.set_value(None)
            self._status(f"Size cleared: the unit is now {coin[new]} and there is no price to convert "
                         f"{fmt_amount(amount, coin[old], places[old])} at.", current_colors().warn)
            return
        converted = round_quote(amount * reference, market) if new == "quote" else round_to_lot(amount / reference,
                                                                                                  market)
        self.size_edit.set_value(converted if converted > 0 else None)
        self._status(f"Size converted: {fmt_amount(amount, coin[old], places[old])} → "
                     f"{fmt_amount(converted, coin[new], places[new])} at "
                     f"{fmt_fixed(reference, market.price_places)}", current_colors().muted)

    def _update_info(self, ticket: OrderTicket | None) -> None:
        if ticket is None or self.ref is None or self.market is None:
            self.info.setText("")
            return
        market = self.market
        parts = []
        value = self._notional(ticket)
        # coin-M contracts are margined in their base coin (inverse): margin and balance are shown in it
        inverse = ticket.ref.is_futures and market.quote_coin == "USD"
        margin_coin = market.base_coin if inverse else market.quote_coin
        margin_places = 8 if inverse else 2
        if value is not None and value > 0:
            parts.append(f"Value ≈ {fmt_fixed(value, 2)} {market.quote_coin}")
            reference = self._notional_price(ticket)
            if ticket.ref.is_futures and self.leverage is None:
                parts.append("margin: leverage not known yet")
            elif ticket.ref.is_futures and self.leverage and (not inverse or reference):
                margin = value / self.leverage / reference if inverse and reference else value / self.leverage
                parts.append(f"margin ≈ {fmt_fixed(margin, margin_places)} {margin_coin}")
        if self._closing():
            position = self._position_to_close()
            parts.append(f"Position {fmt_fixed(position.available, market.size_places)} {market.base_coin}"
                         if position is not None else "No position on this side")
        else:
            available = self.account.available(self.ref, self.side, self._last_price())
            if self.ref.is_futures:
                coin, places = margin_coin, margin_places
            else:
                coin = market.base_coin if self.side == "sell" else market.quote_coin
                places = market.size_places if coin == market.base_coin else 2
            parts.append(f"Available {fmt_fixed(available, places)} {coin}")
        self.info.setText(" · ".join(parts))
        self.max_open.update_for(None if self._closing() else ticket)

    def _use_last(self) -> None:
        last = self._last_price()
        if last is not None and self.market is not None:
            self.set_price(round_to_tick(last, self.market))

    # --- reactions ----------------------------------------------------------------------------------------------

    def _on_ticker(self, ticker: Ticker) -> None:
        if self.ref is None or ticker.ref != self.ref:
            return
        self._last[ticker.ref.key] = ticker.last
        places = self.market.price_places if self.market is not None else 2
        self.last_label.setText(f"Last {fmt_fixed(ticker.last, places)}")
        if self.price.value() is None and not self.price.hasFocus() and self.market is not None:
            self.price.set_value(round_to_tick(ticker.last, self.market))  # a first price to start from
        self._schedule()

    def _on_account_changed(self) -> None:
        self._sync_account_state()
        self._update_controls()
        self._schedule()

    def _on_position_mode_chosen(self, _index: int) -> None:
        mode = PositionMode(self.position_mode.currentData())
        current = PositionMode.HEDGE if self._hedge() else PositionMode.ONE_WAY
        if mode == current:
            return
        self._update_controls()  # shows the mode the exchange has until it confirms the change
        word = "hedge" if mode == PositionMode.HEDGE else "one-way"
        if self.ref is None or not self.ref.is_futures:
            return
        line = self.ref.product
        busy = [p for p in self.account.positions() if p.ref.product is line and p.total != 0]
        orders = [o for o in self.trading.open_orders() if o.ref.product is line]
        if busy or orders:
            what = " and ".join(x for x, n in (("position", len(busy)), ("order", len(orders))) if n)
            self._status(f"Close every {_LINE_NAMES.get(line, line.label)} {what} before switching to {word} mode; "
                         "Bitget refuses otherwise.", current_colors().alert)
            return
        self._status(f"Switching {line.label} to {word} mode…", current_colors().muted)
        self.account.set_position_mode(mode, line)

    def _on_position_mode_changed(self, product: Product, mode: PositionMode) -> None:
        self._on_account_changed()
        if self.ref is None or self.ref.product is not product:
            return  # another line's mode: the control shows this market's
        text = ("Hedge mode: longs and shorts are separate positions; Open/Close choose what an order does."
                if mode == PositionMode.HEDGE
                else "One-way mode: one position per symbol; Reduce-only orders only shrink it.")
        self._status(text, current_colors().muted)

    def _on_account_error(self, text: str) -> None:
        if text.startswith("Position mode"):  # the exchange refused the switch: the combo shows the old mode
            self._update_controls()
            self._status(text, current_colors().alert)

    def _on_leverage_changed(self, ref: SymbolRef, leverage: int) -> None:
        if ref == self.ref:
            self._show_leverage(int(leverage))
            self._schedule()

    def _on_leverage_chosen(self, leverage: int) -> None:
        if self.ref is None or not self.ref.is_futures:
            return
        if self.leverage_box.specialValueText() and leverage == self.leverage_box.minimum():
            return  # back on the "—": nothing to set
        verdict = check_leverage(leverage, self._policy())
        if verdict.refused:
            self._status(f"{verdict.message} Not set.", current_colors().alert)
            self._show_leverage(self.leverage)
            return
        self._show_leverage(leverage)  # chosen: the "—" is gone
        self.account.set_leverage(self.ref, leverage)
        self._status(f"Setting leverage {leverage}x on {self.ref.display}…", current_colors().muted)
        self._schedule()

    def _on_margin_mode_chosen(self, _index: int) -> None:
        if self.ref is not None and self.ref.is_futures:
            self.account.set_margin_mode(self.ref, MarginMode(self.margin_mode.currentData()))
            self._schedule()

    def _on_tpsl_toggled(self, on: bool) -> None:
        for w in (self.tp_label, self.tp, self.sl_label, self.sl):
            w.setVisible(on)
        self._changed()

    def _apply_theme(self, c: ThemeColors) -> None:
        self.setStyleSheet(
            f"QPushButton#TicketBuy:checked {{ background: {c.up}; color: {c.bg}; font-weight: bold; }}"
            f"QPushButton#TicketSell:checked {{ background: {c.down}; color: {c.bg}; font-weight: bold; }}"
            f"QPushButton#TicketLimit:checked, QPushButton#TicketMarket:checked, QPushButton#TicketOpen:checked,"
            f" QPushButton#TicketClose:checked {{ background: {c.selection}; border: 1px solid {c.accent}; }}"
            f"QPushButton#TicketSubmit {{ font-weight: bold; font-size: 11pt; border-radius: 3px; color: {c.bg}; }}"
            f"QPushButton#TicketSubmit[side=\"buy\"] {{ background: {c.up}; }}"
            f"QPushButton#TicketSubmit[side=\"sell\"] {{ background: {c.down}; }}"
            f"QPushButton#TicketSubmit:disabled {{ background: {c.raised}; color: {c.muted}; }}"
            f"QLabel#TicketSymbol {{ font-weight: bold; font-size: 11pt; }}"
            f"QLabel#TicketInfo {{ color: {c.muted}; }}"
        )


def create_ticket(services: DockServices, parent: QWidget | None = None, *,
                  settings: Settings | None = None) -> TicketPanel:
    return TicketPanel(services, parent, settings=settings)
