"""The command palette (Ctrl+K): type an order or a command, see what it will do, press Enter.

The grammar is :mod:`terminal_app.core.palette` (``b 0.1 @ 65000 tp 66000 sl 64000``, ``s 25% m``, ``cancel all``,
``flat``, ``lev 10``, ``iv 15m``, ``sym ETHUSDT``). While typing, the preview line says what the command means and,
for an order, whether it would pass: the market's rules (``core.validation``, called without the user's limits,
which the guards own) and the risk guards (``GuardedTrading.check``). A text the grammar refuses is shown with the
offending part underlined and the reason. Enter executes through the active profile's guarded services, exactly the
way the ticket does: orders via ``GuardedTrading.submit`` (the same risk checks and confirmation), cancels, flatten
and leverage via :class:`~terminal_app.services.guards.TradingCommands`, interval and symbol via callbacks.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import QFrame, QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from terminal_app.config.actions import ACTIONS, BY_ID
from terminal_app.core.algo import AlgoIntent, AlgoKind, TriggerSource
from terminal_app.core.enums import PositionMode, Side, TimeInForce, TradeSide
from terminal_app.core.instruments import MarketInfo, Product, SymbolRef
from terminal_app.core.orders import OrderTicket
from terminal_app.core.palette import (
    EXAMPLES,
    CancelCommand,
    Command,
    FlattenCommand,
    IntervalCommand,
    LeverageCommand,
    OrderCommand,
    PaletteError,
    Scope,
    SizeUnit,
    SymbolCommand,
    parse,
)
from terminal_app.core.palette_protect import ProtectCommand
from terminal_app.core.scale import ScalePlan, plan_scale
from terminal_app.core.submission import SubmissionState
from terminal_app.core.validation import preset_size, round_quote, round_to_lot, validate_ticket
from terminal_app.services.guards import CommandError, GuardedServices, TradingCommands
from terminal_app.services.symbols import resolve_listed
from terminal_app.ui.actions import ActionRegistry, display_keys
from terminal_app.ui.format import fmt_fixed
from terminal_app.ui.main_window import MainWindow
from terminal_app.ui.theme import current_colors


@dataclass(frozen=True, slots=True)
class Result:
    """What Enter did: ``ok`` (done or waiting for the user's confirmation) and a sentence for the user."""

    ok: bool
    message: str
    client_oid: str | None = None


class PaletteEngine:
    """Parses, previews and executes palette lines on the active profile's services (no widgets)."""

    def __init__(self, active: Callable[[], GuardedServices | None], *,
                 on_interval: Callable[[str], object] | None = None,
                 on_symbol: Callable[[SymbolRef], object] | None = None) -> None:
        self._active = active
        self.commands = TradingCommands(active)
        self._on_interval = on_interval
        self._on_symbol = on_symbol

    def parse(self, text: str) -> Command:
        return parse(text, symbols=self._read_symbol)

    def _read_symbol(self, text: str, default: Product) -> SymbolRef:
        # As the watchlist reads names: against what the exchange lists, so BTCUSD PERP is the coin-M perpetual and
        # a bare BTCPERP the USDC-M one (the grammar alone reads every PERP as USDT-M's)
        services = self._active()
        listed = services.session.markets if services is not None else {}
        return resolve_listed(text, listed, default)

    # --- orders -----------------------------------------------------------------------------------------------

    def ticket_for(self, cmd: OrderCommand) -> OrderTicket:
        """The ticket ``cmd`` describes on the active symbol (or its own); raises :class:`CommandError` with the
        first reason it could not be sent (the market's rules; the user's limits are the guards' job)."""
        services = self._active()
        if services is None:
            raise CommandError("No account is connected.")
        md, account = services.market_data, services.account
        ref, market = self._market(services, cmd, "b 0.1 BTCUSDT @ 65000")
        last = md.last_price(ref)
        reference = cmd.price if cmd.price is not None else last
        futures = ref.is_futures
        leverage = account.leverage(ref) if futures else None
        hedge = futures and account.position_mode(ref.product) == PositionMode.HEDGE
        if not futures and (cmd.reduce_only or cmd.trade_side):
            raise CommandError("Reduce-only and open/close are for futures, not for spot orders.")
        if hedge and cmd.reduce_only:
            raise CommandError("The account is in hedge mode: say 'close' instead of reduce-only.")
        if futures and not hedge and cmd.trade_side:
            raise CommandError("The account is in one-way mode: use 'ro' (reduce-only) instead of open/close.")

        size, in_quote = cmd.size, cmd.unit is SizeUnit.QUOTE
        if cmd.unit is SizeUnit.PERCENT:
            no_price = "There is no price yet to size the order from; try again in a moment."
            size, in_quote = self._percent(services, cmd, market, reference, no_price), False
        spot_market_buy = not futures and cmd.price is None and cmd.side == Side.BUY
        if spot_market_buy and not in_quote:
            if last is None:
                raise CommandError("There is no last price yet to value the market buy; try again in a moment.")
            size, in_quote = round_quote(size * last, market), True
        elif in_quote and not spot_market_buy:
            if not reference:
                raise CommandError("There is no price yet to convert the amount; try again in a moment.")
            size, in_quote = round_to_lot(size / reference, market), False
        ticket = OrderTicket(
            ref=ref, side=cmd.side, order_type=cmd.order_type,
            force=cmd.force if cmd.price is not None else TimeInForce.GTC,
            size=size, price=cmd.price, size_in_quote=in_quote,
            reduce_only=futures and not hedge and cmd.reduce_only,
            trade_side=(cmd.trade_side or TradeSide.OPEN) if hedge else None,
            margin_mode=account.margin_mode(ref) if futures else None, tp=cmd.tp, sl=cmd.sl)
        closing = ticket.reduce_only or ticket.trade_side == TradeSide.CLOSE
        issues = validate_ticket(ticket, market, last_price=last,
                                 available=None if closing else account.available(ref, cmd.side, reference or last),
                                 leverage=leverage)
        if issues:
            raise CommandError(str(issues[0]))
        return ticket

    def scale_for(self, cmd: OrderCommand) -> tuple[ScalePlan, OrderTicket]:
        """The legs of a scaled ``cmd`` and the ticket they share (side, flags, symbol); raises
        :class:`CommandError` with the first reason it could not be sent (the market's rules)."""
        assert cmd.scale is not None
        first, last = cmd.scale
        template = self.ticket_for(replace(cmd, price=first, scale=None, count=0))
        market = self._services().market_data.market(template.ref)
        assert market is not None
        plan = plan_scale(market, cmd.side, template.size, first, last, cmd.count, cmd.weighting)
        if plan.issues:
            raise CommandError(str(plan.issues[0]))
        return plan, template

    @staticmethod
    def _market(services: GuardedServices, cmd: OrderCommand, example: str) -> tuple[SymbolRef, MarketInfo]:
        """The symbol ``cmd`` names (else the active one) and its market; CommandError when there is none."""
        ref = cmd.ref or services.market_data.active
        if ref is None:
            raise CommandError(f"No symbol is active; name one, e.g. '{example}'.")
        market = services.market_data.market(ref)
        if market is None:
            raise CommandError(f"{ref.display} ({ref.product.label}) is not a market of this exchange.")
        return ref, market

    @staticmethod
    def _percent(services: GuardedServices, cmd: OrderCommand, market: MarketInfo, reference: Decimal | None,
                 no_price: str) -> Decimal:
        """``cmd``'s percentage of what the account has for its side, in the base coin at ``reference``. A futures
        size needs the symbol's leverage: at 1x it came out a twentieth of what a 20x account opens."""
        ref, account = market.ref, services.account
        leverage = account.leverage(ref) if ref.is_futures else None
        if ref.is_futures and leverage is None:
            position = account.position(ref)
            leverage = int(position.leverage) if position is not None else None
            if leverage is None:
                raise CommandError(f"The leverage of {ref.display} is not known yet, so a % of the margin cannot be "
                                   "sized: give the size, or try again once the ticket shows the leverage.")
        sized = preset_size(market, account.available(ref, cmd.side, reference), cmd.size, side=cmd.side,
                            price=reference, in_quote=False, leverage=leverage)
        if sized is None:
            raise CommandError(no_price)
        return sized

    def intent_for(self, cmd: OrderCommand) -> AlgoIntent:
        """The stop (or trailing stop) ``cmd`` describes, sized in the base coin at its trigger price; raises
        :class:`CommandError` with the first reason it could not be sent (market rules, trigger side, guards)."""
        services = self._active()
        if services is None:
            raise CommandError("No account is connected.")
        algo = services.algo
        if algo is None or cmd.stop is None:
            raise CommandError("Stops need an account with algo orders.")
        account = services.account
        ref, market = self._market(services, cmd, "b 0.1 BTCUSDT stop 65000")
        futures = ref.is_futures
        hedge = futures and account.position_mode(ref.product) == PositionMode.HEDGE
        if not futures and (cmd.reduce_only or cmd.trade_side):
            raise CommandError("Reduce-only and open/close are for futures, not for spot orders.")
        reference = cmd.price if cmd.price is not None else cmd.stop
        size = cmd.size
        if cmd.unit is SizeUnit.PERCENT:
            size = self._percent(services, cmd, market, reference, "There is no price to size the stop from.")
        elif cmd.unit is SizeUnit.QUOTE:
            size = round_to_lot(cmd.size / reference, market)
        intent = AlgoIntent(
            ref, AlgoKind.TRAILING if cmd.trail is not None else AlgoKind.STOP, cmd.side, cmd.stop, size,
            execute_price=cmd.price, trigger_source=TriggerSource.MARK if cmd.mark else TriggerSource.LAST,
            callback_ratio=cmd.trail, trade_side=(cmd.trade_side or TradeSide.OPEN) if hedge else None,
            reduce_only=futures and not hedge and cmd.reduce_only)
        problem = algo.problem(intent)
        if problem:
            raise CommandError(problem)
        return intent

    def protect_intent(self, cmd: ProtectCommand) -> AlgoIntent:
        """The take-profit / stop-loss ``cmd`` describes on its position; raises :class:`CommandError` when there is
        no such position (or two, in hedge mode, without 'long'/'short') or the exchange's rules refuse it."""
        services = self._active()
        if services is None or services.algo is None:
            raise CommandError("No account is connected.")
        ref = cmd.ref or services.market_data.active
        if ref is None or not ref.is_futures:
            raise CommandError("TP/SL orders protect a futures position: switch to a perpetual or name one.")
        positions = [p for p in services.account.positions()
                     if p.ref == ref and p.total > 0 and (cmd.side is None or p.hold_side == cmd.side)]
        if not positions:
            which = f"{cmd.side} " if cmd.side is not None else ""
            raise CommandError(f"There is no {which}position on {ref.display} to protect.")
        if len(positions) > 1:
            raise CommandError("Both sides are open (hedge mode): say 'long' or 'short'.")
        hold = positions[0].hold_side
        if cmd.size is None:
            kind = AlgoKind.POSITION_TP if cmd.profit else AlgoKind.POSITION_SL
        else:
            kind = AlgoKind.TAKE_PROFIT if cmd.profit else AlgoKind.STOP_LOSS
        intent = AlgoIntent(ref, kind, hold.closing_side, cmd.trigger, cmd.size,
                            trigger_source=TriggerSource.MARK if cmd.mark else TriggerSource.LAST, hold_side=hold)
        problem = services.algo.problem(intent)
        if problem:
            raise CommandError(problem)
        return intent

    def describe(self, cmd: Command) -> str:
        """The preview sentence (naming the active symbol where the command leaves it out), with the verdict for
        an order."""
        services = self._active()
        active = services.market_data.active if services is not None else None
        named = cmd
        if isinstance(cmd, ProtectCommand):
            named_protect = replace(cmd, ref=cmd.ref or active)
            try:
                self.protect_intent(named_protect)
            except CommandError as exc:
                return f"{named_protect.describe()}\nCannot send: {exc}"
            return f"{named_protect.describe()}\nEnter sends it."
        if isinstance(cmd, OrderCommand | LeverageCommand | CancelCommand | FlattenCommand) and cmd.ref is None \
                and active is not None \
                and (not isinstance(cmd, CancelCommand | FlattenCommand) or cmd.scope is Scope.SYMBOL):
            named = replace(cmd, ref=active)
        if not isinstance(named, OrderCommand):
            return named.describe()
        ref = named.ref
        market = services.market_data.market(ref) if services is not None and ref is not None else None
        text = named.describe(market.base_coin if market else "", market.quote_coin if market else "")
        if services is not None and services.trading.blocked_reason:
            return f"{text}\nTrading is held: {services.trading.blocked_reason}"
        if named.stop is not None:
            try:
                self.intent_for(named)
            except CommandError as exc:
                return f"{text}\nCannot send: {exc}"
            return f"{text}\nEnter sends it."
        if named.scale is not None:
            try:
                plan, _template = self.scale_for(named)
            except CommandError as exc:
                return f"{text}\nCannot send: {exc}"
            assert market is not None
            legs = ", ".join(f"{leg.size.normalize():f} @ {leg.price.normalize():f}" for leg in plan.legs[:6])
            more = f" and {len(plan.legs) - 6} more" if len(plan.legs) > 6 else ""
            return (f"{text}\n{legs}{more}; average {fmt_fixed(plan.average_price, market.price_places)}."
                    "\nEnter sends them (one confirmation above your threshold).")
        try:
            ticket = self.ticket_for(named)
        except CommandError as exc:
            return f"{text}\nCannot send: {exc}"
        assert services is not None
        verdict = services.trading.check(ticket)
        if verdict.refused:
            return f"{text}\nRefused by your limits: {verdict.message}"
        if verdict.needs_confirmation:
            return f"{text}\nEnter asks for confirmation first (above your threshold)."
        return f"{text}\nEnter sends it."

    # --- execution --------------------------------------------------------------------------------------------

    def execute(self, text: str) -> Result:
        try:
            cmd = self.parse(text)
        except PaletteError as exc:
            return Result(False, str(exc))
        try:
            return self._run(cmd)
        except CommandError as exc:
            return Result(False, str(exc))

    def _run(self, cmd: Command) -> Result:
        if isinstance(cmd, IntervalCommand):
            if self._on_interval is not None:
                self._on_interval(cmd.interval.value)
            else:
                self._services().market_data.set_interval(cmd.interval)
            return Result(True, cmd.describe())
        if isinstance(cmd, SymbolCommand):
            services = self._services()
            if services.market_data.market(cmd.ref) is None:
                raise CommandError(f"{cmd.ref.display} ({cmd.ref.product.label}) is not listed on this exchange.")
            if self._on_symbol is not None:
                self._on_symbol(cmd.ref)
            else:
                services.market_data.set_active(cmd.ref)
            return Result(True, cmd.describe())
        if isinstance(cmd, CancelCommand):
            if cmd.scope is Scope.LAST:
                return Result(True, self.commands.cancel_last())
            return Result(True, self.commands.cancel_all(cmd.ref, account=cmd.scope is Scope.ACCOUNT))
        if isinstance(cmd, FlattenCommand):
            return Result(True, self.commands.flatten(cmd.ref, account=cmd.scope is Scope.ACCOUNT))
        if isinstance(cmd, LeverageCommand):
            return Result(True, self.commands.set_leverage(cmd.leverage, cmd.ref))
        if isinstance(cmd, ProtectCommand):
            services = self._services()
            intent = self.protect_intent(cmd)
            assert services.algo is not None
            oid = services.algo.place(intent)
            placed = services.algo.get(oid)
            if placed is not None and placed.reason:
                return Result(False, placed.reason, oid)
            return Result(True, f"Sent: {cmd.preview}", oid)
        held = self._services().trading.blocked_reason
        if held:
            return Result(False, f"Trading is held: {held}")
        if cmd.stop is not None:
            # the pipeline's: a large stop-market waits for the same confirmation as a market order
            submission = self._services().trading.submit_algo(self.intent_for(cmd))
        elif cmd.scale is not None:
            plan, template = self.scale_for(cmd)
            submission = self._services().trading.submit_scaled(plan, template)
        else:
            submission = self._services().trading.submit(self.ticket_for(cmd))
        if submission.state in (SubmissionState.REFUSED, SubmissionState.REJECTED):
            return Result(False, submission.message, submission.client_oid)
        if submission.state is SubmissionState.AWAITING_CONFIRMATION:
            return Result(True, "Waiting for your confirmation…", submission.client_oid)
        return Result(True, f"Sent: {cmd.preview}", submission.client_oid)

    def _services(self) -> GuardedServices:
        services = self._active()
        if services is None:
            raise CommandError("No account is connected.")
        return services


def highlight(text: str, start: int, end: int, colour: str) -> str:
    """``text`` as rich text with ``text[start:end]`` underlined (a caret when the span is empty: "missing here")."""
    before, span, after = text[:start], text[start:end], text[end:]
    if not span:
        span_html = f'<span style="color:{colour}; font-weight:bold;">▲</span>'
    else:
        span_html = (f'<span style="color:{colour}; text-decoration: underline; font-weight:bold;">'
                     f"{html.escape(span)}</span>")
    return (f'<span style="font-family: monospace; white-space: pre;">{html.escape(before)}{span_html}'
            f"{html.escape(after)}</span>")


def _words(text: str) -> list[str]:
    return text.lower().replace(".", " ").replace("_", " ").replace("/", " ").split()


def match_actions(registry: ActionRegistry, text: str, limit: int = 8) -> list[str]:
    """Ids of the table's actions that ``text`` names, best first: every typed word must appear in the action's
    label, menu path or id. The label starting with the text ranks first, then words starting the label's words,
    then words inside the label, then the rest; ties keep the table's order. Only actions the window can run now
    (enabled and shown) are offered, and never the palette itself."""
    needle = text.strip().lower()
    words = _words(needle)
    if not words:
        return []
    ranked: list[tuple[int, int, str]] = []
    for order, spec in enumerate(ACTIONS):
        qa = registry.qaction(spec.id)
        if spec.id == "palette.open" or not qa.isEnabled() or not qa.isVisible():
            continue
        label = spec.label.lower()
        label_words = _words(label)
        hay = " ".join([label, *(_words(spec.menu or "")), *_words(spec.id)])
        if not all(w in hay for w in words):
            continue
        if label.startswith(needle):
            rank = 0
        elif all(any(lw.startswith(w) for lw in label_words) for w in words):
            rank = 1
        elif all(w in label for w in words):
            rank = 2
        else:
            rank = 3
        ranked.append((rank, order, spec.id))
    return [action_id for _rank, _order, action_id in sorted(ranked)[:limit]]


class CommandPalette(QFrame):
    """The popup. ``open_palette()`` shows it over ``parent`` with the focus in the line.

    Besides the grammar, the line finds the table's actions by name (with ``registry``): the matches are listed under
    the preview. When the first word is no command of the grammar (``settings``, ``export``, ``zoom in``), Enter runs
    the first match; otherwise Enter runs the command, and an action runs only when picked with the arrow keys or a
    click, so a half-typed order never fires "Buy (ticket)". Leaving the line for another widget closes the palette.
    While it is open no trading key fires, and Esc closes it.

    Signals:
        executed(bool ok, str message): Enter ran a command; what happened.
        action_triggered(str action_id): an action of the table was run from the palette.
    """

    executed = Signal(bool, str)
    action_triggered = Signal(str)

    def __init__(self, engine: PaletteEngine, parent: QWidget | None = None,
                 registry: ActionRegistry | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CommandPalette")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.engine = engine
        self.registry = registry
        self.command: Command | None = None
        self.error: PaletteError | None = None
        self.action_ids: list[str] = []
        self._picked = False  # the user chose an action with the arrow keys
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        self.input = QLineEdit(self)
        self.input.setObjectName("PaletteInput")
        self.input.setPlaceholderText("b 0.1 @ 65000 tp 66000 sl 64000 · s 25% m · cancel all · flat · lev 10 · "
                                      "iv 15m · sym ETHUSDT · or an action: settings, export…")
        self.input.textChanged.connect(self._on_text)
        self.input.returnPressed.connect(self.run)
        self.input.installEventFilter(self)
        layout.addWidget(self.input)
        self.echo = QLabel(self)
        self.echo.setObjectName("PaletteEcho")
        self.echo.setTextFormat(Qt.TextFormat.RichText)
        self.echo.hide()
        layout.addWidget(self.echo)
        self.preview = QLabel(self)
        self.preview.setObjectName("PalettePreview")
        self.preview.setWordWrap(True)
        layout.addWidget(self.preview)
        self.actions_list = QListWidget(self)
        self.actions_list.setObjectName("PaletteActions")
        self.actions_list.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # typing stays in the line
        self.actions_list.setUniformItemSizes(True)
        self.actions_list.itemClicked.connect(lambda item: self.run_action(str(item.data(Qt.ItemDataRole.UserRole))))
        self.actions_list.hide()
        layout.addWidget(self.actions_list)
        self.setFixedWidth(640)
        self.hide()
        self._on_text("")

    def open_palette(self, text: str = "") -> None:
        parent = self.parentWidget()
        self.input.setText(text)
        self._on_text(text)
        if parent is not None:
            self.move(max(0, (parent.width() - self.width()) // 2), 60)
        self.show()
        self.raise_()
        self.input.setFocus(Qt.FocusReason.PopupFocusReason)

    def close_palette(self) -> None:
        self.hide()
        parent = self.parentWidget()
        if parent is not None:
            parent.setFocus()

    def _on_text(self, text: str) -> None:
        self.command, self.error = None, None
        self._show_actions(match_actions(self.registry, text) if self.registry is not None else [])
        c = current_colors()
        if not text.strip():
            self.echo.hide()
            self.preview.setStyleSheet(f"color: {c.muted};")
            self.preview.setText("Examples:  " + "   ·   ".join(e for e, _ in EXAMPLES[:6]))
            self.adjustSize()
            return
        try:
            self.command = self.engine.parse(text)
        except PaletteError as exc:
            self.error = exc
            if self.runs_action_on_enter():
                self.echo.hide()
                self.preview.setStyleSheet(f"color: {c.text};")
                self.preview.setText(f"Enter runs '{self._label(self.action_ids[0])}'; ↑ ↓ choose another.")
            else:
                self.echo.setText(highlight(text, exc.start, exc.end, c.alert))
                self.echo.show()
                self.preview.setStyleSheet(f"color: {c.alert};")
                self.preview.setText(exc.message + (f"  Expected: {', '.join(exc.expected)}." if exc.expected else ""))
            self.adjustSize()
            return
        self.echo.hide()
        description = self.engine.describe(self.command)
        problem = "\nCannot send" in description or "\nRefused" in description or "\nTrading is held" in description
        self.preview.setStyleSheet(f"color: {c.alert if problem else c.text};")
        self.preview.setText(f"{self.command.preview}  —  {description}")
        self.adjustSize()

    # --- actions of the table ---------------------------------------------------------------------------------

    def _label(self, action_id: str) -> str:
        return BY_ID[action_id].label

    def _show_actions(self, action_ids: list[str]) -> None:
        self.action_ids = action_ids
        self._picked = False
        self.actions_list.clear()
        registry = self.registry
        for action_id in action_ids:
            spec = BY_ID[action_id]
            assert registry is not None
            qa = registry.qaction(action_id)
            state = (" (on)" if qa.isChecked() else " (off)") if spec.checkable else ""
            where = (spec.menu or "").replace("/", " ▸ ")
            keys = display_keys(registry.keys_for(action_id))
            item = QListWidgetItem(f"{spec.label}{state}    {where}" + (f"    {keys}" if keys else ""))
            item.setData(Qt.ItemDataRole.UserRole, action_id)
            item.setToolTip(spec.description)
            self.actions_list.addItem(item)
        self.actions_list.setVisible(bool(action_ids))
        if action_ids:
            self.actions_list.setCurrentRow(0)
            rows = min(len(action_ids), 8)
            self.actions_list.setFixedHeight(rows * self.actions_list.sizeHintForRow(0) + 4)

    def runs_action_on_enter(self) -> bool:
        """Enter runs the highlighted action: it was picked, or the first word is no command of the grammar."""
        if not self.action_ids:
            return False
        return self._picked or (self.command is None and self.error is not None and self.error.start == 0)

    def selected_action(self) -> str | None:
        item = self.actions_list.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item is not None and self.action_ids else None

    def run_action(self, action_id: str) -> None:
        """Close the palette, then run the action as its menu entry would (the focus goes back first, so a dialog
        the action opens keeps it)."""
        assert self.registry is not None
        self.input.clear()
        self.close_palette()
        self.registry.trigger(action_id)
        self.action_triggered.emit(action_id)

    def _move_selection(self, step: int) -> None:
        if not self.action_ids:
            return
        row = (self.actions_list.currentRow() + step) % len(self.action_ids)
        self.actions_list.setCurrentRow(row)
        self._picked = True
        self.preview.setStyleSheet(f"color: {current_colors().text};")
        self.preview.setText(f"Enter runs '{self._label(self.action_ids[row])}'.")

    def run(self) -> Result:
        action_id = self.selected_action() if self.runs_action_on_enter() else None
        if action_id is not None:
            self.run_action(action_id)
            return Result(True, f"Ran '{self._label(action_id)}'.")
        result = self.engine.execute(self.input.text())
        if result.ok:
            self.input.clear()
            self.close_palette()
        else:
            c = current_colors()
            self.preview.setStyleSheet(f"color: {c.alert};")
            self.preview.setText(result.message)
        self.executed.emit(result.ok, result.message)
        return result

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is not self.input:
            return False
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if event.key() == Qt.Key.Key_Escape:
                self.close_palette()
                return True
            if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.action_ids:
                self._move_selection(1 if event.key() == Qt.Key.Key_Down else -1)
                return True
        if event.type() == QEvent.Type.FocusOut and isinstance(event, QFocusEvent) and self.isVisible() \
                and event.reason() not in (Qt.FocusReason.ActiveWindowFocusReason, Qt.FocusReason.PopupFocusReason):
            self.hide()  # the user went elsewhere (click, Tab): the preview goes, the focus stays where it went
        return False


def install_palette(window: MainWindow, engine: PaletteEngine) -> CommandPalette:
    """Put the palette over ``window`` and bind it to the ``palette.open`` action (Ctrl+K), with the window's
    actions to find by name; results of commands go to the window's toasts."""
    palette = CommandPalette(engine, window, window.registry)
    window.registry.on("palette.open", lambda: palette.open_palette())
    window.registry.add_overlay(palette)

    def told(ok: bool, message: str) -> None:
        # Failures stay in the open palette; what was done is told once the palette has closed. An action speaks
        # for itself (a dialog, or its own toast).
        if ok:
            window.toasts.show_toast("Command", message)

    palette.executed.connect(told)
    return palette


__all__ = ["CommandPalette", "PaletteEngine", "Result", "highlight", "install_palette", "match_actions"]
