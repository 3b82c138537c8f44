"""Spot brackets: one-cancels-the-other managed by the terminal, because Bitget V2 spot has no OCO order.

On futures a bracket is the exchange's (the entry's preset TP/SL, see ``core.bracket``). Bitget V2 spot offers no
order that cancels another (ccxt lists ``oco: false`` for Bitget), and its two exits cannot both rest on the exchange:
a take-profit limit sell freezes the coins the stop-loss would need when it fires. So a spot bracket is split:

* the **stop-loss** rests on the exchange as a spot plan order (stop-market sell at the SL), placed as soon as the
  entry has filled: the protection does not depend on the terminal staying open;
* the **take-profit** is watched here: when the last price reaches it, the stop-loss is cancelled first and, once the
  exchange confirms that, the coins are sold at market. If the stop-loss fired instead, the watch ends.

Anything else that ends the stop-loss (the panic, cancel-all, a cancel in the Algo orders tab) dissolves the bracket:
nothing is ever sold without the user's TP being reached. The state lives in this session (in memory): it survives a
reconnect (the algo orders service re-reads the stop-loss after every reconnect, and the watch resumes with the next
ticker), not a restart of the terminal, after which the stop-loss stays on the exchange on its own.

Signals:
    changed(): a bracket was armed, protected, or ended.
    ended(SpotBracket, str): a bracket ended; the text says how (take-profit sold, stop-loss fired, dissolved).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from PySide6.QtCore import QObject, Signal

from terminal_app.core.algo import AlgoIntent, AlgoKind, AlgoOrder, AlgoStatus
from terminal_app.core.enums import OrderStatus, OrderType, Side
from terminal_app.core.instruments import SymbolRef
from terminal_app.core.market_data import Ticker
from terminal_app.core.orders import OrderTicket, OrderView
from terminal_app.core.validation import round_to_lot
from terminal_app.services.algo_orders import AlgoOrdersService
from terminal_app.services.market_data import MarketDataService
from terminal_app.services.trading import TradingService

log = logging.getLogger("terminal_app.services.oco")

_ONE = Decimal(1)


class Stage(StrEnum):
    ENTRY = "entry"          # waiting for the entry to fill
    ARMED = "armed"          # stop-loss on the exchange, take-profit watched
    TAKING = "taking"        # the take-profit was reached: cancelling the stop-loss, then selling
    DONE = "done"


@dataclass(slots=True)
class SpotBracket:
    entry_oid: str
    ref: SymbolRef
    tp: Decimal
    sl: Decimal
    size: Decimal = Decimal(0)       # the coins protected (the entry's fill, net of the fee)
    sl_oid: str | None = None
    exit_oid: str | None = None      # the market sell at the take-profit
    stage: Stage = Stage.ENTRY
    outcome: str = ""


class SpotOcoService(QObject):
    """Spot brackets of one session (see the module docstring)."""

    changed = Signal()
    ended = Signal(object, str)

    def __init__(self, trading: TradingService, algo: AlgoOrdersService, md: MarketDataService,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._trading = trading
        self._algo = algo
        self._md = md
        self._brackets: dict[str, SpotBracket] = {}  # by the entry's clientOid
        trading.order_updated.connect(self._on_order)
        algo.order_updated.connect(self._on_algo)
        md.ticker_changed.connect(self._on_ticker)

    def brackets(self) -> list[SpotBracket]:
        return list(self._brackets.values())

    def get(self, entry_oid: str) -> SpotBracket | None:
        return self._brackets.get(entry_oid)

    def arm(self, entry_oid: str, ref: SymbolRef, tp: Decimal, sl: Decimal) -> SpotBracket:
        """Protect the spot buy ``entry_oid`` (already sent) with ``tp``/``sl`` once it fills."""
        bracket = SpotBracket(entry_oid, ref, tp, sl)
        self._brackets[entry_oid] = bracket
        self.changed.emit()
        view = self._trading.order(entry_oid)
        if view is not None:
            self._on_order(view)
        return bracket

    # --- the entry ----------------------------------------------------------------------------------------------

    def _on_order(self, view: OrderView) -> None:
        bracket = self._brackets.get(view.client_oid)
        if bracket is not None and bracket.stage is Stage.ENTRY and not view.is_open:
            if view.filled > 0:
                self._protect(bracket, view.filled)
            else:
                self._end(bracket, "the entry did not fill")
            return
        for b in list(self._brackets.values()):  # the market sell at the take-profit
            if b.exit_oid == view.client_oid and b.stage is Stage.TAKING and not view.is_open:
                if view.status is OrderStatus.FILLED:
                    self._end(b, "take-profit reached: sold at market")
                else:
                    log.error(f"The take-profit sell of {b.ref.display} ended {view.status}: {view.reason}")
                    self._end(b, f"take-profit sell {view.status}: {view.reason}")

    def _protect(self, bracket: SpotBracket, filled: Decimal) -> None:
        market = self._md.market(bracket.ref)
        if market is None:
            self._end(bracket, "the market is unknown")
            return
        # a spot buy's fee is taken from the coins bought: protect what the account received
        bracket.size = round_to_lot(filled * (_ONE - market.taker_fee), market)
        if bracket.size < market.min_size or bracket.size <= 0:
            self._end(bracket, "the fill is below the market's minimum size")
            return
        bracket.sl_oid = self._algo.place(AlgoIntent(bracket.ref, AlgoKind.STOP, Side.SELL, bracket.sl, bracket.size))
        bracket.stage = Stage.ARMED
        log.info(f"Spot bracket on {bracket.ref.display}: stop-loss {bracket.sl.normalize():f} on the exchange, "
                 f"take-profit {bracket.tp.normalize():f} watched, {bracket.size.normalize():f} protected")
        self.changed.emit()
        placed = self._algo.get(bracket.sl_oid)
        if placed is not None:
            self._on_algo(placed)

    # --- the legs -----------------------------------------------------------------------------------------------

    def _on_algo(self, order: AlgoOrder) -> None:
        bracket = next((b for b in list(self._brackets.values()) if b.sl_oid == order.client_oid), None)
        if bracket is None or bracket.stage not in (Stage.ARMED, Stage.TAKING):
            return
        if order.status is AlgoStatus.TRIGGERED:
            self._end(bracket, "stop-loss fired on the exchange")
        elif order.status is AlgoStatus.CANCELLED and bracket.stage is Stage.TAKING:
            self._sell(bracket)
        elif not order.is_open:
            self._end(bracket, f"stop-loss {order.status}{': ' + order.reason if order.reason else ''}; "
                               "the bracket is dissolved")

    def _on_ticker(self, ticker: Ticker) -> None:
        for bracket in list(self._brackets.values()):
            if bracket.stage is Stage.ARMED and ticker.ref == bracket.ref and ticker.last >= bracket.tp:
                sl = self._algo.get(bracket.sl_oid) if bracket.sl_oid else None
                if sl is None or sl.status is not AlgoStatus.LIVE:
                    continue  # the stop-loss is not acknowledged yet: the next ticker tries again
                bracket.stage = Stage.TAKING
                log.info(f"Spot bracket on {bracket.ref.display}: take-profit {bracket.tp.normalize():f} reached "
                         f"(last {ticker.last.normalize():f}); cancelling the stop-loss before selling")
                self._algo.cancel(sl.client_oid)
                self.changed.emit()

    def _sell(self, bracket: SpotBracket) -> None:
        """The stop-loss is cancelled: sell the protected coins at market (unguarded: the user approved the
        bracket, and a limit on getting out would leave the coins unprotected)."""
        ticket = OrderTicket(bracket.ref, Side.SELL, OrderType.MARKET, size=bracket.size)
        bracket.exit_oid = self._trading.place(ticket)
        self.changed.emit()

    def _end(self, bracket: SpotBracket, outcome: str) -> None:
        bracket.stage = Stage.DONE
        bracket.outcome = outcome
        log.info(f"Spot bracket on {bracket.ref.display} ended: {outcome}")
        self._brackets.pop(bracket.entry_oid, None)
        self.ended.emit(bracket, outcome)
        self.changed.emit()
