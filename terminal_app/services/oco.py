"""Spot brackets: one-cancels-the-other managed by the terminal, because Bitget V2 spot has no OCO of its own legs.

On futures a bracket is the exchange's (the entry's preset TP/SL, see ``core.bracket``). Bitget V2 spot offers no
order that cancels another through the API (ccxt lists ``oco: false`` for Bitget and refuses stop-loss/take-profit on
spot: "does not support stop loss/take profit orders on spot markets"), and its two exits cannot both rest on the
exchange as plain orders: a take-profit limit sell freezes the coins the stop-loss would need when it fires. So a spot
bracket is split:

* the **stop-loss** rests on the exchange as a spot plan order (stop-market sell at the SL), placed as soon as the
  entry has filled: the protection does not depend on the terminal staying open;
* the **take-profit** is watched here: when the last price reaches it, the stop-loss is cancelled first and, once the
  exchange confirms that, the coins are sold at market. If the stop-loss fired instead, the watch ends.

Anything else that ends the stop-loss (the panic, cancel-all, a cancel in the Algo orders tab) dissolves the bracket:
nothing is ever sold without the user's TP being reached.

**Across restarts.** With a journal (``services.journal_sink``) every change of a bracket is written to it (the
``spot_brackets`` table, ``store.journal``) and :meth:`SpotOcoService.start` reads them back after a restart and
reconciles each with the exchange: an entry still waiting waits on; an armed bracket whose stop-loss is still live on
the exchange is watched again (its take-profit fires as before); a stop-loss no longer live (it fired or was cancelled
while the terminal was closed) ends the bracket, nothing is sold; a take-profit caught half way (stop-loss cancelled,
no sell placed yet) sells, because the user's take-profit was reached and the coins are no longer protected.

**Why not Bitget's spot presets** (``presetTakeProfitPrice``/``presetStopLossPrice`` on ``spot/trade/place-order``;
what was found, Dec 2026):

* documented (api-doc/spot/trade/Place-Order, mirrored in rosssaunders/coincise docs/bitget/spot/trade_Place-Order.md):
  the four fields ``presetTakeProfitPrice``, ``executeTakeProfitPrice``, ``presetStopLossPrice``,
  ``executeStopLossPrice`` on a normal spot order ("invalid when tpslType is tpsl"); ``tpslType=tpsl`` is a separate
  single-trigger spot TP/SL order with ``triggerPrice`` and no clientOid;
* documented (api-doc/spot/trade/Get-Unfilled-Orders): the open entry lists the four fields back ("execute… empty
  means at market"), and ``orderSource`` has ``strategy_oco_limit`` ("OCO orders"; presumably the web's OCO order
  type, not these presets — unverified);
* **not documented, not verified**: what is created when the entry fills (plan orders? a ``tpsl`` pair?), whether one
  leg cancels the other, whether the legs freeze the coins, whether a market entry accepts them, and how the legs are
  listed. Bitget's help centre (support article 12560603884156, "smart spot trading order features") describes the
  web's spot "OCO" (one side filled cancels the other) and "TP/SL" order types, not the API presets. ccxt 4.5.90 refuses
  stop-loss/take-profit on spot and parses only ``presetStopLossPrice`` back (its take-profit key is futures'
  ``presetStopSurplusPrice``); the pipedream Bitget action passes the four fields through and says nothing of the legs;
  none of the verbatim samples (tests/data/bitget-samples) holds a spot preset.

Until that is verified on a live account the terminal does not rely on them: a bracket whose exits the terminal cannot
see would be worse than this one, which it can. The embedded simulator accepts and echoes the fields as documented.

Signals:
    changed(): a bracket was armed, protected, or ended.
    ended(SpotBracket, str): a bracket ended; the text says how (take-profit sold, stop-loss fired, dissolved).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Protocol

from PySide6.QtCore import QObject, Signal

from terminal_app.bitget.errors import BitgetError
from terminal_app.core.algo import AlgoIntent, AlgoKind, AlgoOrder, AlgoStatus
from terminal_app.core.bracket import SpotBracket, Stage
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
RESTORE_TRIES = 5  # reads of a symbol's plan orders at a restore before its brackets wait for the next start
RESTORE_PAUSE_S = 2.0
_WATCHER = "spot brackets"  # the market data owner name of the take-profit price watch


def _report_failure(done: asyncio.Future[list[SpotBracket]]) -> None:
    if not done.cancelled() and done.exception() is not None:
        # the journal could not be read: those brackets stay in it, and their stop-losses on the exchange
        log.error("The spot brackets of the last run could not be resumed", exc_info=done.exception())


class BracketJournal(Protocol):
    """Where brackets are kept across runs (``services.journal_sink.JournalSink``): jobs run with the journal
    (``store.journal.Journal``) and the profile's name, on the journal's thread."""

    def write(self, what: Callable[[Any, str], object]) -> None: ...

    async def read(self, what: Callable[[Any, str], Any]) -> Any: ...


class SpotOcoService(QObject):
    """Spot brackets of one session (see the module docstring)."""

    changed = Signal()
    ended = Signal(object, str)

    def __init__(self, trading: TradingService, algo: AlgoOrdersService, md: MarketDataService,
                 parent: QObject | None = None, *, journal: BracketJournal | None = None) -> None:
        super().__init__(parent)
        self._trading = trading
        self._algo = algo
        self._md = md
        self._journal = journal
        self._brackets: dict[str, SpotBracket] = {}  # by the entry's clientOid
        self._restoring: asyncio.Future[list[SpotBracket]] | None = None
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
        self._save(bracket)
        self.changed.emit()
        view = self._trading.order(entry_oid)
        if view is not None:
            self._on_order(view)
        return bracket

    def stop_watching(self, entry_oid: str) -> None:
        """The user cancelled the watched take-profit: the bracket ends, its stop-loss stays on the exchange."""
        bracket = self._brackets.get(entry_oid)
        if bracket is not None and bracket.stage is Stage.ARMED:
            self._end(bracket, "take-profit watch cancelled; the stop-loss stays on the exchange")

    # --- across restarts ---------------------------------------------------------------------------------------

    def start(self) -> None:
        """Read the brackets an earlier run left in the journal and resume them (see the module docstring)."""
        if self._journal is not None and self._restoring is None:
            self._restoring = asyncio.ensure_future(self.restore())
            self._restoring.add_done_callback(_report_failure)

    async def restore(self) -> list[SpotBracket]:
        """Resume the journal's brackets against what the exchange says now; the ones resumed."""
        if self._journal is None:
            return []
        stored: list[SpotBracket] = await self._journal.read(lambda j, profile: j.brackets(profile))
        for ref in {b.ref for b in stored if b.sl_oid is not None}:
            # spot plans are listed per symbol: read this one's, and what became of stop-losses no longer live
            oids = [b.sl_oid for b in stored if b.ref == ref and b.sl_oid is not None]
            for attempt in range(RESTORE_TRIES):
                try:
                    await self._algo.watch(ref, ended=oids)
                    break
                except BitgetError as exc:
                    if attempt == RESTORE_TRIES - 1:
                        # Not knowing whether a stop-loss is live, nothing may be sold or dissolved: leave them
                        # in the journal for the next start.
                        log.error(f"The spot brackets on {ref.display} could not be resumed: {exc}")
                        stored = [b for b in stored if b.ref != ref]
                    else:
                        await asyncio.sleep(RESTORE_PAUSE_S)
        resumed = []
        for bracket in stored:
            if bracket.entry_oid in self._brackets:
                continue
            self._brackets[bracket.entry_oid] = bracket
            self._resume(bracket)
            if bracket.stage is not Stage.DONE:
                resumed.append(bracket)
                log.info(f"Spot bracket on {bracket.ref.display} resumed ({bracket.stage.value}): take-profit "
                         f"{bracket.tp.normalize():f}, stop-loss {bracket.sl.normalize():f}")
        self._watch_prices()
        self.changed.emit()
        return resumed

    def _resume(self, bracket: SpotBracket) -> None:
        if bracket.stage is Stage.ENTRY:
            view = self._trading.order(bracket.entry_oid)
            if view is not None:  # else it is still on its way, or unknown: the next update of it decides
                self._on_order(view)
            return
        if bracket.stage is Stage.TAKING and bracket.exit_oid is not None:
            view = self._trading.order(bracket.exit_oid)
            if view is not None:  # else its next update ends the bracket
                self._on_order(view)
            return
        sl = self._algo.get(bracket.sl_oid) if bracket.sl_oid else None
        if sl is not None and sl.is_open:
            if bracket.stage is Stage.TAKING:
                bracket.stage = Stage.ARMED  # the cancel did not go through: the next ticker at the TP sends it again
                self._save(bracket)
            return
        if sl is not None and sl.status is AlgoStatus.CANCELLED and bracket.stage is Stage.TAKING:
            self._sell(bracket)  # the take-profit was reached and its cancel of the stop-loss went through
        elif sl is not None and sl.status is AlgoStatus.TRIGGERED:
            self._end(bracket, "stop-loss fired on the exchange while the terminal was closed")
        else:
            self._end(bracket, "the stop-loss is no longer on the exchange; the bracket is dissolved")

    def _save(self, bracket: SpotBracket) -> None:
        if self._journal is not None:
            copy = SpotBracket(bracket.entry_oid, bracket.ref, bracket.tp, bracket.sl, bracket.size, bracket.sl_oid,
                               bracket.exit_oid, bracket.stage)  # the writer thread gets a snapshot
            self._journal.write(lambda j, profile: j.save_bracket(profile, copy))
        self._watch_prices()

    def _watch_prices(self) -> None:
        """Keep the last price of every watched take-profit live, whichever symbol the window shows."""
        refs = [b.ref for b in self._brackets.values() if b.stage in (Stage.ARMED, Stage.TAKING)]
        self._md.watch_prices(_WATCHER, refs)

    async def close(self) -> None:
        task, self._restoring = self._restoring, None
        if task is not None and not task.done():
            task.cancel()

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
        self._save(bracket)
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
            if bracket.exit_oid is None:  # the cancel is reported by the push and by REST reads: sell once
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
                self._save(bracket)
                log.info(f"Spot bracket on {bracket.ref.display}: take-profit {bracket.tp.normalize():f} reached "
                         f"(last {ticker.last.normalize():f}); cancelling the stop-loss before selling")
                self._algo.cancel(sl.client_oid)
                self.changed.emit()

    def _sell(self, bracket: SpotBracket) -> None:
        """The stop-loss is cancelled: sell the protected coins at market (unguarded: the user approved the
        bracket, and a limit on getting out would leave the coins unprotected)."""
        ticket = OrderTicket(bracket.ref, Side.SELL, OrderType.MARKET, size=bracket.size)
        bracket.exit_oid = self._trading.place(ticket)
        self._save(bracket)
        self.changed.emit()

    def _end(self, bracket: SpotBracket, outcome: str) -> None:
        bracket.stage = Stage.DONE
        bracket.outcome = outcome
        log.info(f"Spot bracket on {bracket.ref.display} ended: {outcome}")
        self._brackets.pop(bracket.entry_oid, None)
        if self._journal is not None:
            oid = bracket.entry_oid
            self._journal.write(lambda j, profile: j.drop_bracket(profile, oid))
        self._watch_prices()
        self.ended.emit(bracket, outcome)
        self.changed.emit()
