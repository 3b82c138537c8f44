"""The account service: spot balances, the futures accounts (one per margin coin of every futures line the venue
trades: USDT-M, USDC-M, and coin-M's one per coin) and the positions of every line in one list, and the futures
settings of a symbol (leverage, margin mode, position mode per line), read from REST at start and after a reconnect,
live from the private ``account`` (spot and futures) and ``positions`` channels of each line in between. Leverage and
margin mode are set on the exchange; the service reports the exchange's answer, never an assumed value. Every call
goes through the session's venue (:class:`terminal_app.core.venue.Venue`), which words it for the product line.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import fields, replace
from decimal import Decimal

from PySide6.QtCore import QObject, Signal

from terminal_app.bitget.errors import BitgetError
from terminal_app.core.accounts import FuturesAccount, Position, SpotAsset, UnifiedAccount
from terminal_app.core.enums import MarginMode, PositionMode, PositionSide, Side
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.core.venue import FuturesAccountsHandler, PositionsHandler, Venue
from terminal_app.services.connection import ConnectionService
from terminal_app.services.market_data import MarketDataService
from terminal_app.services.tasks import TaskSet

log = logging.getLogger("terminal_app.services.account")

FUTURES = Product.USDT_FUTURES  # the line whose account :meth:`AccountService.futures_account` answers
MARGIN_COIN = FUTURES.settle_coin or "USDT"
_ZERO = Decimal(0)


def merge_account(old: FuturesAccount | None, new: FuturesAccount) -> FuturesAccount:
    """A ``account`` push lacks fields REST has (the crossed/isolated maxima, leverage settings): keep those."""
    if old is None:
        return new
    changes = {f.name: getattr(new, f.name) for f in fields(new) if getattr(new, f.name) is not None}
    return replace(old, **changes)


class AccountService(QObject):
    """Balances, positions and futures settings of the session's account (services-contract.md).

    Signals:
        balances_changed(): spot assets changed; read :meth:`spot_assets`.
        positions_changed(): the open positions changed; read :meth:`positions`.
        futures_account_changed(): a futures account changed; read :meth:`futures_account` (USDT-M) or
            :meth:`futures_accounts` (every margin coin of every line).
        leverage_changed(SymbolRef, int): the exchange reports this leverage for the symbol.
        margin_mode_changed(SymbolRef, MarginMode): the exchange reports this margin mode.
        position_mode_changed(PositionMode): the position mode of USDT-M futures.
        line_position_mode_changed(Product, PositionMode): the position mode of a futures line (every line,
            USDT-M included); Bitget keeps one mode per line.
        transferred(str): a transfer between spot and a futures account was done (Bitget's transfer id).
        error(str): a request failed (Bitget's code and the plain-language reason).
    """

    balances_changed = Signal()
    positions_changed = Signal()
    futures_account_changed = Signal()
    leverage_changed = Signal(object, int)
    margin_mode_changed = Signal(object, object)
    position_mode_changed = Signal(object)
    line_position_mode_changed = Signal(object, object)
    transferred = Signal(str)
    error = Signal(str)

    def __init__(self, connection: ConnectionService, market_data: MarketDataService | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._connection = connection
        self._session = connection.session
        self._tasks = TaskSet("account", on_error=self._fail)
        self._assets: dict[str, SpotAsset] = {}
        self._unified: UnifiedAccount | None = None
        self._accounts: dict[tuple[Product, str], FuturesAccount] = {}    # (line, margin coin) → account
        self._positions: list[Position] = []
        self._line_positions: dict[Product, list[Position]] = {}
        self._line_modes: dict[Product, PositionMode] = {}
        self._leverage: dict[str, int] = {}
        self._margin_mode: dict[str, MarginMode] = {}
        self._market_data = market_data
        self.loaded = asyncio.Event()
        if market_data is not None:
            market_data.active_changed.connect(self._on_active_changed)

    # --- reads ------------------------------------------------------------------------------------------------

    def unified_account(self) -> UnifiedAccount | None:
        """A unified account's whole pool (equity, margin ratio, every coin with its debt); None on a classic one
        or before the first answer."""
        return self._unified

    def spot_assets(self) -> list[SpotAsset]:
        return sorted(self._assets.values(), key=lambda a: a.coin)

    def asset(self, coin: str) -> SpotAsset | None:
        return self._assets.get(coin.upper())

    def futures_account(self) -> FuturesAccount | None:
        """The USDT-M account."""
        return self._accounts.get((FUTURES, MARGIN_COIN))

    def futures_accounts(self) -> list[tuple[Product, FuturesAccount]]:
        """Every futures account: each line the venue trades, one per margin coin, in the venue's line order."""
        order = {p: i for i, p in enumerate(self._futures_products)}
        return [(product, account) for (product, _), account in
                sorted(self._accounts.items(), key=lambda kv: (order.get(kv[0][0], 99), kv[0][1]))]

    def margin_account(self, ref: SymbolRef) -> FuturesAccount | None:
        """The account that margins a futures symbol (its line, its margin coin)."""
        coin = self._margin_coin(ref)
        return self._accounts.get((ref.product, coin)) if coin else None

    def _margin_coin(self, ref: SymbolRef) -> str | None:
        market = self._session.market(ref)
        if ref.product.settle_coin:
            return ref.product.settle_coin
        return market.base_coin if market is not None else None

    @property
    def unified(self) -> bool:
        """A unified trading account: one margin pool (the futures account's ``usdt_equity`` is the pool's equity in
        USD, its ``crossed_risk_rate`` the pool's margin ratio; the spot assets are the pool's coins)."""
        mode = self._session.account_mode
        return mode is not None and mode.uta is True

    def positions(self) -> list[Position]:
        return list(self._positions)

    def position(self, ref: SymbolRef, hold_side: PositionSide | None = None) -> Position | None:
        for p in self._positions:
            if p.ref == ref and (hold_side is None or p.hold_side == hold_side):
                return p
        return None

    def position_mode(self, product: Product = FUTURES) -> PositionMode | None:
        """The position mode of a futures line (Bitget keeps one per line)."""
        return self._line_modes.get(product)

    def leverage(self, ref: SymbolRef) -> int | None:
        return self._leverage.get(ref.key)

    def margin_mode(self, ref: SymbolRef) -> MarginMode | None:
        return self._margin_mode.get(ref.key)

    def available(self, ref: SymbolRef, side: Side, price: Decimal | None = None) -> Decimal:
        """What a ticket's % buttons size against: spot buys spend the quote coin, sells the base coin; futures use
        the available margin of the account that margins the contract (coin-M: in its base coin). On a unified
        account futures draw on the whole pool (every coin's discounted value, in USD): a coin-M line's figure is
        that USD at ``price`` (the contract's, USD per coin), not the coin's own balance, which is 0 for a pool
        held in USDT though Bitget opens the position."""
        if ref.is_futures:
            account = self.margin_account(ref)
            own = account.available if account is not None else _ZERO
            pool = self._unified.available_usd if self._unified is not None and self.unified else None
            if pool is None:
                return own
            pool = max(pool, _ZERO)
            if ref.product.settle_coin:       # USDT-M, USDC-M: the pool's USD as the stablecoin, 1:1
                return max(own, pool)
            return max(own, pool / price) if price else own
        market = self._session.market(ref)
        if market is None:
            return _ZERO
        asset = self._assets.get(market.quote_coin if side == Side.BUY else market.base_coin)
        return asset.available if asset is not None else _ZERO

    # --- lifecycle --------------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Subscribe the private channels, then read everything from REST (in that order, so no change falls
        between the two); register for reconciliation."""
        if not self._session.can_trade:
            self.loaded.set()
            return
        mode = self._session.account_mode
        if mode is not None and mode.position_mode:
            self._note_mode(FUTURES, mode.position_mode)
        venue = self._venue
        subs = [("spot balances", venue.stream_balances(self._on_spot_account))]
        stream_unified = getattr(venue, "stream_unified", None)     # the V3 venue's pool, with debts
        if stream_unified is not None:
            subs.append(("unified account", stream_unified(self._on_unified)))
        for product in self._futures_products:
            subs += [
                (f"{product.label} account", venue.stream_futures_accounts(product, self._account_handler(product))),
                (f"{product.label} positions", venue.stream_positions(product, self._line_handler(product)))]
        results = await asyncio.gather(*(stream for _, stream in subs), return_exceptions=True)
        for (what, _), result in zip(subs, results, strict=True):
            if isinstance(result, BitgetError):
                log.warning(f"Private stream of {what}: {result}")
        await self.reload()
        self._connection.add_reconciler(self.reload)
        self.loaded.set()
        active = self._market_data.active if self._market_data is not None else None
        if active is not None:
            self._on_active_changed(active)

    async def reload(self) -> None:
        """Read balances, every futures line's accounts and positions from REST."""
        venue = self._venue
        products = self._futures_products
        assets, account_lists, position_lists = await asyncio.gather(
            venue.balances(), asyncio.gather(*(venue.futures_accounts(p) for p in products)),
            asyncio.gather(*(venue.positions(p) for p in products)))
        self._assets = {a.coin: a for a in assets}
        read_unified = getattr(venue, "unified_account", None)
        if read_unified is not None:
            self._unified = await read_unified()
        accounts: dict[tuple[Product, str], FuturesAccount] = {}
        for product, listed in zip(products, account_lists, strict=True):
            for account in listed:
                key = (product, account.margin_coin)
                accounts[key] = merge_account(self._accounts.get(key), account)
        self._accounts = accounts
        for product, positions in zip(products, position_lists, strict=True):
            self._line_positions[product] = positions
        self._set_positions(keep_marks=False)
        self.balances_changed.emit()
        self.futures_account_changed.emit()

    @property
    def _futures_products(self) -> tuple[Product, ...]:
        return tuple(self._venue.futures_products)

    async def close(self) -> None:
        await self._tasks.close()

    @property
    def _venue(self) -> Venue:
        return self._session.venue

    # --- settings on the exchange -----------------------------------------------------------------------------

    def set_leverage(self, ref: SymbolRef, leverage: int) -> None:
        self._tasks.spawn(self._set_leverage(ref, leverage), f"leverage {ref.key}")

    def set_margin_mode(self, ref: SymbolRef, mode: MarginMode) -> None:
        self._tasks.spawn(self._set_margin_mode(ref, mode), f"margin mode {ref.key}")

    def set_position_mode(self, mode: PositionMode, product: Product = FUTURES) -> None:
        """For every symbol of one futures line (Bitget keeps one mode per line and refuses the change while a
        position or order of that line is open)."""
        self._tasks.spawn(self._set_position_mode(mode, product), f"position mode {product.value}")

    def transfer(self, from_account: Product, to_account: Product, coin: str, amount: Decimal) -> None:
        """Move ``coin`` between the spot account and a futures line's account; the balances are read again after
        (the pushes bring them too). A refusal is reported on :attr:`error`."""
        self._tasks.spawn(self._transfer(from_account, to_account, coin.upper(), amount), f"transfer {coin}")

    async def _transfer(self, from_account: Product, to_account: Product, coin: str, amount: Decimal) -> None:
        try:
            transfer_id = await self._venue.transfer(from_account, to_account, coin, amount)
        except BitgetError as exc:
            self._fail(f"Transfer of {amount} {coin} from {from_account.label} to {to_account.label} refused: {exc}")
            return
        log.info(f"Transferred {amount} {coin} from {from_account.label} to {to_account.label} "
                 f"(transfer {transfer_id}).")
        await self.reload()  # the balances show the moved coins by the time the dialog says it is done
        self.transferred.emit(transfer_id)

    def refresh_symbol(self, ref: SymbolRef) -> None:
        """Re-read the symbol's leverage and margin mode from the exchange."""
        if ref.is_futures and self._session.can_trade:
            self._tasks.spawn(self._load_symbol(ref), f"settings {ref.key}")

    async def _set_leverage(self, ref: SymbolRef, leverage: int) -> None:
        try:
            if (self._margin_mode.get(ref.key) == MarginMode.ISOLATED
                    and self.position_mode(ref.product) == PositionMode.HEDGE):
                # Bitget needs the side for isolated margin in hedge mode; the terminal sets both sides alike
                await self._venue.set_leverage(ref, int(leverage), side=PositionSide.LONG)
                result = await self._venue.set_leverage(ref, int(leverage), side=PositionSide.SHORT)
            else:
                result = await self._venue.set_leverage(ref, int(leverage))
        except BitgetError as exc:
            self._fail(f"Leverage of {ref.display} not changed: {exc}")
            return
        mode = result.margin_mode or self._margin_mode.get(ref.key)
        value = result.cross_margin_leverage if mode == MarginMode.CROSSED and result.cross_margin_leverage else \
            result.long_leverage
        self._leverage[ref.key] = int(value)
        log.info(f"Leverage of {ref.display} set to {int(value)}x on the exchange.")
        self.leverage_changed.emit(ref, int(value))

    async def _set_margin_mode(self, ref: SymbolRef, mode: MarginMode) -> None:
        try:
            result = await self._venue.set_margin_mode(ref, mode)
        except BitgetError as exc:
            self._fail(f"Margin mode of {ref.display} not changed: {exc}")
            return
        done = result.margin_mode or mode
        self._margin_mode[ref.key] = done
        log.info(f"Margin mode of {ref.display} set to {done} on the exchange.")
        self.margin_mode_changed.emit(ref, done)

    async def _set_position_mode(self, mode: PositionMode, product: Product) -> None:
        # set-position-mode takes the productType: the other lines keep theirs
        try:
            result = await self._venue.set_position_mode(product, mode)
        except BitgetError as exc:
            self._fail(f"Position mode of {product.label} not changed: {exc}")
            return
        word = "hedge" if result.pos_mode == PositionMode.HEDGE else "one-way"
        log.info(f"Position mode of {product.label} set to {word} on the exchange.")
        self._note_mode(product, result.pos_mode, announce=True)

    async def _load_symbol(self, ref: SymbolRef) -> None:
        try:
            account = await self._venue.futures_settings(ref)
        except BitgetError as exc:
            log.warning(f"Futures settings of {ref.display} could not be read: {exc}")
            return
        mode = account.margin_mode or MarginMode.CROSSED
        lever = account.crossed_leverage if mode == MarginMode.CROSSED else account.isolated_long_leverage
        self._margin_mode[ref.key] = mode
        self.margin_mode_changed.emit(ref, mode)
        if lever is not None:
            self._leverage[ref.key] = int(lever)
            self.leverage_changed.emit(ref, int(lever))
        if account.pos_mode:
            self._note_mode(ref.product, account.pos_mode)

    def _on_active_changed(self, ref: SymbolRef) -> None:
        if self.loaded.is_set():
            self.refresh_symbol(ref)

    def _fail(self, text: str) -> None:
        log.error(text)
        self.error.emit(text)

    # --- private channels -------------------------------------------------------------------------------------

    def _on_unified(self, account: UnifiedAccount) -> None:
        self._unified = account
        self.balances_changed.emit()

    def _on_spot_account(self, assets: list[SpotAsset]) -> None:
        for asset in assets:
            self._assets[asset.coin] = asset
        self.balances_changed.emit()

    def _account_handler(self, product: Product) -> FuturesAccountsHandler:
        def on_accounts(accounts: list[FuturesAccount]) -> None:
            for account in accounts:
                key = (product, account.margin_coin)
                self._accounts[key] = merge_account(self._accounts.get(key), account)
            if accounts:
                self.futures_account_changed.emit()
        return on_accounts

    def _on_futures_account(self, accounts: list[FuturesAccount]) -> None:
        """A push of USDT-M accounts (kept for callers that feed pushes directly)."""
        self._account_handler(FUTURES)(accounts)

    def _line_handler(self, product: Product) -> PositionsHandler:
        def on_positions(positions: list[Position]) -> None:
            # Each push is the full list of the line's open positions.
            self._line_positions[product] = positions
            self._set_positions(keep_marks=True)
        return on_positions

    def _on_positions(self, positions: list[Position]) -> None:
        """A full list of open positions of USDT-M (kept for callers that feed pushes directly)."""
        self._line_handler(FUTURES)(positions)

    def _note_mode(self, product: Product, mode: PositionMode, *, announce: bool = False) -> None:
        """A line's mode as the exchange reports it; the signals tell when it changed (``announce``: also when
        the exchange confirmed a change the user asked for)."""
        before = self._line_modes.get(product)
        usdt_before = self._line_modes.get(FUTURES)
        self._line_modes[product] = mode
        if mode != before or announce:
            self.line_position_mode_changed.emit(product, mode)
        usdt_m = self._line_modes.get(FUTURES)
        if usdt_m is not None and usdt_m != usdt_before:
            self.position_mode_changed.emit(usdt_m)

    def _mark(self, position: Position, before: Position | None) -> Decimal | None:
        ticker = self._market_data.ticker(position.ref) if self._market_data is not None else None
        if ticker is not None and ticker.mark_price is not None:
            return ticker.mark_price
        return before.mark_price if before is not None else None

    def _set_positions(self, *, keep_marks: bool) -> None:
        """One list across every line, from each line's last full list."""
        old = {(p.symbol, p.hold_side): p for p in self._positions}
        fresh: list[Position] = []
        for p in (p for listed in self._line_positions.values() for p in listed):
            if p.total <= 0:
                continue
            if p.mark_price is None:  # the push carries none: the ticker's, else the last one known
                p = replace(p, mark_price=self._mark(p, old.get((p.symbol, p.hold_side)) if keep_marks else None))
            fresh.append(p)
            if p.pos_mode:
                self._note_mode(p.product, p.pos_mode)
        fresh.sort(key=lambda p: (p.symbol, p.hold_side))
        self._positions = fresh
        self.positions_changed.emit()
