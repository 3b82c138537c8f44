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

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFrame, QLabel, QLineEdit, QVBoxLayout, QWidget

from terminal_app.bitget.symbols import InstType, SymbolRef
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
from terminal_app.core.validation import preset_size, round_quote, round_to_lot, validate_ticket
from terminal_app.services.guards import CommandError, GuardedServices, Outcome, TradingCommands
from terminal_app.ui.theme import current_colors

HEDGE = "hedge_mode"


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

    def default_inst(self) -> InstType:
        services = self._active()
        ref = services.market_data.active if services is not None else None
        return ref.inst_type if ref is not None else InstType.SPOT

    def parse(self, text: str) -> Command:
        return parse(text, default_inst=self.default_inst())

    # --- orders -----------------------------------------------------------------------------------------------

    def ticket_for(self, cmd: OrderCommand) -> OrderTicket:
        """The ticket ``cmd`` describes on the active symbol (or its own); raises :class:`CommandError` with the
        first reason it could not be sent (the market's rules; the user's limits are the guards' job)."""
        services = self._active()
        if services is None:
            raise CommandError("No account is connected.")
        md, account = services.market_data, services.account
        ref = cmd.ref or md.active
        if ref is None:
            raise CommandError("No symbol is active; name one, e.g. 'b 0.1 BTCUSDT @ 65000'.")
        market = md.market(ref)
        if market is None:
            raise CommandError(f"{ref.display} ({ref.product_type}) is not a market of this exchange.")
        last = md.last_price(ref)
        reference = cmd.price if cmd.price is not None else last
        futures = ref.is_futures
        leverage = account.leverage(ref) if futures else None
        hedge = futures and account.position_mode() == HEDGE
        if not futures and (cmd.reduce_only or cmd.trade_side):
            raise CommandError("Reduce-only and open/close are for futures, not for spot orders.")
        if hedge and cmd.reduce_only:
            raise CommandError("The account is in hedge mode: say 'close' instead of reduce-only.")
        if futures and not hedge and cmd.trade_side:
            raise CommandError("The account is in one-way mode: use 'ro' (reduce-only) instead of open/close.")

        size, in_quote = cmd.size, cmd.unit is SizeUnit.QUOTE
        if cmd.unit is SizeUnit.PERCENT:
            available = account.available(ref, cmd.side)
            sized = preset_size(market, available, cmd.size, side=cmd.side, price=reference, in_quote=False,
                                leverage=leverage)
            if sized is None:
                raise CommandError("There is no price yet to size the order from; try again in a moment.")
            size, in_quote = sized, False
        spot_market_buy = not futures and cmd.price is None and cmd.side == "buy"
        if spot_market_buy and not in_quote:
            if last is None:
                raise CommandError("There is no last price yet to value the market buy; try again in a moment.")
            size, in_quote = round_quote(size * last, market), True
        elif in_quote and not spot_market_buy:
            if not reference:
                raise CommandError("There is no price yet to convert the amount; try again in a moment.")
            size, in_quote = round_to_lot(size / reference, market), False
        ticket = OrderTicket(
            ref=ref, side=cmd.side, order_type=cmd.order_type, force=cmd.force if cmd.price is not None else "gtc",
            size=size, price=cmd.price, size_in_quote=in_quote,
            reduce_only=futures and not hedge and cmd.reduce_only,
            trade_side=(cmd.trade_side or "open") if hedge else None,
            margin_mode=account.margin_mode(ref) if futures else None, tp=cmd.tp, sl=cmd.sl)
        closing = ticket.reduce_only or ticket.trade_side == "close"
        issues = validate_ticket(ticket, market, last_price=last,
                                 available=None if closing else account.available(ref, cmd.side),
                                 leverage=leverage)
        if issues:
            raise CommandError(str(issues[0]))
        return ticket

    def describe(self, cmd: Command) -> str:
        """The preview sentence (naming the active symbol where the command leaves it out), with the verdict for
        an order."""
        services = self._active()
        active = services.market_data.active if services is not None else None
        named = cmd
        if isinstance(cmd, OrderCommand | LeverageCommand | CancelCommand | FlattenCommand) and cmd.ref is None \
                and active is not None and getattr(cmd, "scope", Scope.SYMBOL) is Scope.SYMBOL:
            named = replace(cmd, ref=active)
        if not isinstance(named, OrderCommand):
            return named.describe()
        ref = named.ref
        market = services.market_data.market(ref) if services is not None and ref is not None else None
        text = named.describe(market.base_coin if market else "", market.quote_coin if market else "")
        if services is not None and services.trading.blocked_reason:
            return f"{text}\nTrading is held: {services.trading.blocked_reason}"
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
                raise CommandError(f"{cmd.ref.display} ({cmd.ref.product_type}) is not listed on this exchange.")
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
        held = self._services().trading.blocked_reason
        if held:
            return Result(False, f"Trading is held: {held}")
        ticket = self.ticket_for(cmd)
        submission = self._services().trading.submit(ticket)
        if submission.outcome is Outcome.REFUSED:
            return Result(False, submission.message, submission.client_oid)
        if submission.outcome is Outcome.AWAITING_CONFIRMATION:
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


class CommandPalette(QFrame):
    """The popup. ``open_palette()`` shows it over ``parent`` with the focus in the line.

    Signals:
        executed(bool ok, str message): Enter was pressed; what happened.
    """

    executed = Signal(bool, str)

    def __init__(self, engine: PaletteEngine, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CommandPalette")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.engine = engine
        self.command: Command | None = None
        self.error: PaletteError | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        self.input = QLineEdit(self)
        self.input.setObjectName("PaletteInput")
        self.input.setPlaceholderText("b 0.1 @ 65000 tp 66000 sl 64000 · s 25% m · cancel all · flat · lev 10 · "
                                      "iv 15m · sym ETHUSDT")
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
        self.setFixedWidth(640)
        self.hide()
        self._on_text("")

    def open_palette(self, text: str = "") -> None:
        parent = self.parentWidget()
        self.input.setText(text)
        self._on_text(text)
        self.adjustSize()
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
        c = current_colors()
        if not text.strip():
            self.echo.hide()
            self.preview.setStyleSheet(f"color: {c.muted};")
            self.preview.setText("Examples:  " + "   ·   ".join(e for e, _ in EXAMPLES[:6]))
            return
        try:
            self.command = self.engine.parse(text)
        except PaletteError as exc:
            self.error = exc
            self.echo.setText(highlight(text, exc.start, exc.end, c.alert))
            self.echo.show()
            self.preview.setStyleSheet(f"color: {c.alert};")
            self.preview.setText(exc.message + (f"  Expected: {', '.join(exc.expected)}." if exc.expected else ""))
            return
        self.echo.hide()
        description = self.engine.describe(self.command)
        problem = "\nCannot send" in description or "\nRefused" in description or "\nTrading is held" in description
        self.preview.setStyleSheet(f"color: {c.alert if problem else c.text};")
        self.preview.setText(f"{self.command.preview}  —  {description}")

    def run(self) -> Result:
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
        if watched is self.input and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) \
                and event.key() == Qt.Key.Key_Escape:
            self.close_palette()
            return True
        return False


def install_palette(window: QWidget, engine: PaletteEngine) -> CommandPalette:
    """Put the palette over ``window`` (a ``MainWindow``) and bind it to the ``palette.open`` action (Ctrl+K);
    results go to the window's toasts."""
    palette = CommandPalette(engine, window)
    registry = getattr(window, "registry", None)
    if registry is not None:
        registry.on("palette.open", lambda: palette.open_palette())
    toasts = getattr(window, "toasts", None)
    if toasts is not None:
        # Failures stay in the open palette; what was done is told once the palette has closed.
        palette.executed.connect(lambda ok, msg: ok and toasts.show_toast("Command", msg))
    return palette


__all__ = ["CommandPalette", "PaletteEngine", "Result", "highlight", "install_palette"]
