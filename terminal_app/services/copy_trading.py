"""Copy trading for the GUI: one :class:`CopyTradingService` per session polls the V2 copy endpoints and runs the
follower's and the elite trader's actions.

Bitget pushes nothing for copy trading, so the service polls: open copy positions and open tracking orders every
``fast_s`` (1.5 s) while the workspace is visible, the lists (traders, my traders, histories, followers, profit
share) every ``slow_s``. Each copy endpoint has its own 5 req/s budget (``CopyClient`` enforces it), and one poll
round asks each endpoint at most once, so the budget is never the bottleneck. Nothing is polled while the workspace
is hidden.

Widgets call the action methods; each spawns a task and returns at once. Results arrive as signals; failures arrive
on ``error`` as one plain sentence with Bitget's code (``[40731] Not allowed for copy trading: …``).

A unified (UTA) account's elite trader leads through Bitget's V3 copy API (``bitget.v3.copy``): there are no tracking
orders there, so the trader side polls the lead account's positions (``position-summary``), followers, trading pairs
and profit share, and acts on the positions with the V3 trade API (close the position, a position TP/SL) — the
``lead_*`` signals. The follower side keeps the V2 follower endpoints (Bitget's V3 follower API needs a copy
project's id that no endpoint lists).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import QObject, Signal

from terminal_app.bitget.errors import BitgetError, ExchangeError
from terminal_app.bitget.models.copy import parse_broker_traders
from terminal_app.bitget.paths import CopyPaths
from terminal_app.bitget.rest_copy import BrokerAccessDenied, CopyClient
from terminal_app.bitget.v3.copy import NOT_ELITE, V3CopyClient
from terminal_app.bitget.v3.rest import V3RestClient
from terminal_app.core.copy_lead import LeadPosition
from terminal_app.core.copy_trading import BrokerTrader, FollowSetting, FollowSettings, FuturesTrack, QuantityLimit
from terminal_app.core.enums import PositionMode, PositionSide
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.services.session import Session
from terminal_app.services.tasks import TaskSet

log = logging.getLogger("terminal_app.services.copy_trading")

FUTURES = Product.USDT_FUTURES
PERIODS = ("7d", "30d", "90d", "all")
# Bitget's answers for "this account is not an elite trader" / "not a broker": not failures, just a role the key lacks.
NOT_TRADER = "40732"
NOT_BROKER = "40029"


def plain_error(exc: BaseException) -> str:
    """One sentence for the user: Bitget's code and plain-language message for exchange errors."""
    if isinstance(exc, BitgetError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


@dataclass(frozen=True, slots=True)
class TraderProfile:
    """What the profile view shows for one trader: the list entry, the open and recent tracking orders, and the
    cumulative-PnL curve built from the closed ones (``(close time ms, cumulative net PnL)``, oldest first)."""

    trader: BrokerTrader
    current: tuple[FuturesTrack, ...]
    recent: tuple[FuturesTrack, ...]
    curve: tuple[tuple[int, Decimal], ...]


def pnl_curve(closed: Sequence[FuturesTrack]) -> tuple[tuple[int, Decimal], ...]:
    """Cumulative realised PnL (after fees where known) over the closed tracking orders, by close time."""
    points: list[tuple[int, Decimal]] = []
    total = Decimal(0)
    for t in sorted((t for t in closed if t.close_time is not None), key=lambda t: t.close_time or 0):
        if t.net_profit is not None:
            total += t.net_profit
        else:
            total += (t.achieved_pl or 0) + (t.open_fee or 0) + (t.close_fee or 0)
        points.append((t.close_time or 0, total))
    return tuple(points)


@dataclass(frozen=True, slots=True)
class CopyFill:
    """One copied fill next to the trader's fill it follows (the copy-slippage view). ``slippage_bps`` is signed
    against the follower: positive means the copy got a worse price than the trader."""

    tracking_no: str
    trader_name: str
    symbol: str
    pos_side: PositionSide
    trader_price: Decimal | None
    copy_price: Decimal
    copy_size: Decimal
    trader_size: Decimal | None
    delay_ms: int | None
    open_time: int | None

    @property
    def slippage(self) -> Decimal | None:
        if self.trader_price is None or not self.trader_price:
            return None
        diff = self.copy_price - self.trader_price
        return diff if self.pos_side == PositionSide.LONG else -diff

    @property
    def slippage_bps(self) -> Decimal | None:
        slip = self.slippage
        if slip is None or self.trader_price is None:
            return None
        return (slip / self.trader_price * 10_000).quantize(Decimal("0.01"))


def copy_fill(track: FuturesTrack, trader_sizes: dict[str, Decimal] | None = None) -> CopyFill:
    sizes = trader_sizes or {}
    return CopyFill(track.tracking_no, track.trader_name or track.trader_id or "", track.symbol, track.pos_side,
                    track.trader_price, track.open_price, track.open_size,
                    sizes.get(track.trader_tracking_no or ""), track.copy_delay_ms, track.open_time)


class CopyTradingService(QObject):
    """Copy-trading state and actions over the session's REST client.

    Signals (payloads are lists/tuples of the ``bitget.models.copy`` dataclasses):
        traders_changed(str, list): the elite-trader list for a period (``7d``/``30d``/``90d``/``all``).
        discover_unavailable(str): the key cannot list traders (no broker access), with the reason.
        profile_loaded(object): a :class:`TraderProfile`.
        my_traders_changed(list), follower_current_changed(list), follower_history_changed(list).
        fills_changed(list): :class:`CopyFill` rows, one per copy position (open or closed).
        role_changed(bool): whether this account is an elite trader.
        trader_current_changed(list), trader_history_changed(list), followers_changed(list),
        trader_symbols_changed(list), profit_summary_changed(object), profit_history_changed(list),
        trader_summary_changed(object).
        lead_positions_changed(list), lead_followers_changed(list), lead_pairs_changed(list),
        lead_profit_summary_changed(object), lead_profit_details_changed(list), lead_overview_changed(object): a
        unified account's elite trader (V3, ``bitget.v3.copy`` dataclasses).
        done(str): an action succeeded (a sentence for the status line).
        error(str): an action or a poll failed (Bitget's code and a plain sentence).
    """

    traders_changed = Signal(str, list)
    discover_unavailable = Signal(str)
    profile_loaded = Signal(object)
    my_traders_changed = Signal(list)
    follower_current_changed = Signal(list)
    follower_history_changed = Signal(list)
    fills_changed = Signal(list)
    role_changed = Signal(bool)
    trader_current_changed = Signal(list)
    trader_history_changed = Signal(list)
    followers_changed = Signal(list)
    trader_symbols_changed = Signal(list)
    profit_summary_changed = Signal(object)
    profit_history_changed = Signal(list)
    trader_summary_changed = Signal(object)
    lead_positions_changed = Signal(list)
    lead_followers_changed = Signal(list)
    lead_pairs_changed = Signal(list)
    lead_profit_summary_changed = Signal(object)
    lead_profit_details_changed = Signal(list)
    lead_overview_changed = Signal(object)
    done = Signal(str)
    error = Signal(str)

    def __init__(self, session: Session, *, client: CopyClient | None = None, fast_s: float = 1.5,
                 slow_s: float = 10.0, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.client = client or CopyClient(session.rest)
        self.fast_s = fast_s
        self.slow_s = slow_s
        self.period = "30d"
        self.is_trader: bool | None = None
        self.visible = False
        self.traders: list[BrokerTrader] = []
        self.follower_current: list[FuturesTrack] = []
        self.follower_history: list[FuturesTrack] = []
        self.trader_current: list[FuturesTrack] = []
        self.lead_positions: list[LeadPosition] = []
        self._v3: V3CopyClient | None = None
        self._tasks = TaskSet("copy-trading", on_error=self.error.emit)
        self._poller: asyncio.Task[Any] | None = None
        self._wake = asyncio.Event()
        self._closing = False
        self._last_slow = 0.0
        self._trader_sizes: dict[str, Decimal] = {}
        self.profit_shares: dict[str, Decimal] = {}
        self.trader_names: dict[str, str] = {}

    @property
    def unified(self) -> bool:
        """The session's account is unified: the trader side goes through V3 (known once the session is open)."""
        mode = self.session.account_mode
        return mode is not None and mode.uta is True

    @property
    def v3(self) -> V3CopyClient:
        if self._v3 is None:
            self._v3 = V3CopyClient(self.session.http)
        return self._v3

    # --- lifecycle --------------------------------------------------------------------------------------------

    def start(self) -> None:
        """Start polling (on the running loop); it polls only while :attr:`visible`."""
        if self._poller is None:
            self._poller = self._tasks.spawn(self._poll_loop(), "poll")

    def set_visible(self, visible: bool) -> None:
        """The workspace is on screen (poll) or not (stay quiet); showing it polls everything at once."""
        if visible and not self.visible:
            self._last_slow = 0.0
            self._wake.set()
        self.visible = visible

    async def close(self) -> None:
        self._closing = True
        await self._tasks.close()
        self._poller = None

    async def _poll_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while not self._closing:
            if self.visible:
                slow = loop.time() - self._last_slow >= self.slow_s
                if slow:
                    self._last_slow = loop.time()
                await self.poll(lists=slow)
            self._wake.clear()
            # asyncio.timeout, not wait_for: 3.11's wait_for can swallow a cancellation that races its timeout,
            # and close() would then wait for this loop forever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.fast_s):
                    await self._wake.wait()

    def refresh(self) -> None:
        """Poll everything now (after an action, or on the user's request)."""
        self._last_slow = 0.0
        self._wake.set()

    # --- polling ------------------------------------------------------------------------------------------------

    async def poll(self, *, lists: bool = True) -> None:
        """One round: the open positions of both roles, and with ``lists`` everything else. A failing endpoint is
        reported on ``error`` and does not stop the others."""
        # The loaders are passed uncalled: a coroutine made before gather starts it is never awaited when the round is
        # cancelled first (a shutdown right after a poll began), and Python warns about each one.
        loaders: list[Callable[[], Awaitable[object]]] = [self.load_follower_current]
        if self.is_trader is not False or lists:
            loaders.append(self.load_lead_positions if self.unified else self.load_trader_current)
        if lists:
            loaders += [self.load_traders, self.load_my_traders, self.load_follower_history, self.load_trader_sizes]
            if self.is_trader:
                loaders.append(self.load_lead_lists if self.unified else self.load_trader_lists)
        await asyncio.gather(*(self._guard(load) for load in loaders))

    async def _guard(self, load: Callable[[], Awaitable[object]]) -> None:
        try:
            await load()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # one endpoint failing must not stop the round
            log.warning("copy poll failed: %s", exc)
            self.error.emit(plain_error(exc))

    async def load_traders(self, period: str | None = None) -> list[BrokerTrader]:
        period = period or self.period
        try:
            traders = await self._broker_traders(period)
        except ExchangeError as exc:
            if exc.code == NOT_BROKER or isinstance(exc, BrokerAccessDenied):
                self.discover_unavailable.emit(plain_error(exc))
                return []
            raise
        self.traders = traders
        self.trader_names.update({t.trader_id: t.trader_name for t in traders})
        self.traders_changed.emit(period, traders)
        return traders

    async def _broker_traders(self, period: str) -> list[BrokerTrader]:
        # The client's broker_traders has no period; the simulator (not Bitget) accepts one for its columns.
        path = CopyPaths.MIX_BROKER_QUERY_TRADERS
        params: dict[str, Any] = {"pageNo": 1, "pageSize": 20, "sortRule": "roi", "sortFlag": "desc"}
        if period != "all":
            params["period"] = period
        try:
            data = await self._signed_get(path, params)
        except ExchangeError as exc:
            if exc.code != "40017" or "period" not in params:
                raise
            params.pop("period")  # a real Bitget refuses the simulator's extension: ask without it
            data = await self._signed_get(path, params)
        self._note_profit_shares(data)
        return parse_broker_traders(data)

    async def _signed_get(self, path: str, params: dict[str, Any]) -> Any:
        # Within the copy client's own 5 req/s bucket for this path, on the session's signed transport.
        await self.client.limiter.acquire(path)
        return await self.client.http.get(path, params, signed=True)

    def _note_profit_shares(self, data: Any) -> None:
        # BrokerTrader does not keep profitShareRatio; read it from the raw rows (a list or {resultList: [...]}).
        rows = data.get("resultList", []) if isinstance(data, dict) else data
        for row in rows if isinstance(rows, list) else ():
            if not isinstance(row, dict) or "traderId" not in row:
                continue
            with contextlib.suppress(InvalidOperation):
                raw = str(row.get("profitShareRatio", "")).replace("%", "").strip()
                if raw:
                    self.profit_shares[str(row["traderId"])] = Decimal(raw)

    async def load_my_traders(self) -> None:
        traders = await self.client.follower_traders(page_size=50)
        self.trader_names.update({t.trader_id: t.trader_name for t in traders})
        self.my_traders_changed.emit(traders)

    def _named(self, tracks: Sequence[FuturesTrack]) -> list[FuturesTrack]:
        # History pages carry the trader's id only; show the name the lists gave us.
        return [t if t.trader_name or not t.trader_id or t.trader_id not in self.trader_names
                else replace(t, trader_name=self.trader_names[t.trader_id]) for t in tracks]

    async def load_follower_current(self) -> None:
        page = await self.client.follower_current_tracks(FUTURES, limit=100)
        self.follower_current = self._named(page.items)
        self.follower_current_changed.emit(self.follower_current)
        self._emit_fills()

    async def load_follower_history(self) -> None:
        page = await self.client.follower_history_tracks(FUTURES, limit=100)
        self.follower_history = self._named(page.items)
        self.follower_history_changed.emit(self.follower_history)
        self._emit_fills()

    async def load_trader_sizes(self) -> None:
        """The trader's own size of each tracking order our open copies follow (the broker traces; quietly
        skipped for keys without broker access, the rest of the slippage view still works)."""
        ids = {t.trader_id for t in self.follower_current if t.trader_id}
        for trader_id in ids:
            try:
                page = await self.client.broker_current_traces(trader_id, FUTURES, limit=100)
            except ExchangeError:
                return
            self._trader_sizes.update({t.tracking_no: t.open_size for t in page.items})
        self._emit_fills()

    def _emit_fills(self) -> None:
        rows = [copy_fill(t, self._trader_sizes) for t in (*self.follower_current, *self.follower_history)
                if t.trader_price is not None]
        self.fills_changed.emit(rows)

    async def load_trader_current(self) -> None:
        try:
            page = await self.client.trader_current_tracks(FUTURES, limit=50)
        except ExchangeError as exc:
            if exc.code == NOT_TRADER:
                self._set_role(False)
                return
            raise
        self._set_role(True)
        self.trader_current = list(page.items)
        self.trader_current_changed.emit(self.trader_current)

    def _set_role(self, trader: bool) -> None:
        if trader != self.is_trader:
            self.is_trader = trader
            self.role_changed.emit(trader)

    async def load_trader_lists(self) -> None:
        history, followers, symbols, summary, profits, detail = await asyncio.gather(
            self.client.trader_history_tracks(FUTURES, limit=100), self.client.trader_followers(page_size=50),
            self.client.trader_symbol_settings(FUTURES), self.client.trader_profit_summary(),
            self.client.trader_profit_history(limit=100), self.client.trader_summary())
        self.trader_history_changed.emit(list(history.items))
        self.followers_changed.emit(followers)
        self.trader_symbols_changed.emit(symbols)
        self.profit_summary_changed.emit(summary)
        self.profit_history_changed.emit(list(profits.items))
        self.trader_summary_changed.emit(detail)

    async def load_lead_positions(self) -> None:
        """A unified elite trader's open lead positions (V3 ``position-summary``)."""
        try:
            positions = await self.v3.position_summary()
        except ExchangeError as exc:
            if exc.code == NOT_ELITE:
                self._set_role(False)
                return
            raise
        self._set_role(True)
        self.lead_positions = positions
        self.lead_positions_changed.emit(positions)

    async def load_lead_lists(self) -> None:
        followers, pairs, summary, (details, _cursor), overview = await asyncio.gather(
            self.v3.current_followers(), self.v3.trading_pairs(), self.v3.profit_summary(),
            self.v3.profit_details(), self.v3.portfolio_overview())
        self.lead_followers_changed.emit(followers)
        self.lead_pairs_changed.emit(pairs)
        self.lead_profit_summary_changed.emit(summary)
        self.lead_profit_details_changed.emit(details)
        self.lead_overview_changed.emit(overview)

    async def load_profile(self, trader_id: str) -> TraderProfile | None:
        trader = next((t for t in self.traders if t.trader_id == trader_id), None)
        if trader is None:
            found = [t for t in await self._broker_traders("all") if t.trader_id == trader_id]
            if not found:
                return None
            trader = found[0]
        current, history = await asyncio.gather(self.client.broker_current_traces(trader_id, FUTURES, limit=50),
                                                self._all_history(trader_id))
        profile = TraderProfile(trader, current.items, tuple(history[:50]), pnl_curve(history))
        self.profile_loaded.emit(profile)
        return profile

    async def _all_history(self, trader_id: str, pages: int = 5) -> list[FuturesTrack]:
        # Newest first, 100 a page; a few pages draw the recent curve without spending the 5 req/s budget.
        out: list[FuturesTrack] = []
        end: str | None = None
        for _ in range(pages):
            page = await self.client.broker_history_traces(trader_id, FUTURES, id_less_than=end, limit=100)
            out.extend(page.items)
            if not page.items or page.end_id is None or page.end_id == end:
                break
            end = page.end_id
        return out

    # --- queries the dialogs await ----------------------------------------------------------------------------

    async def quantity_limits(self) -> list[QuantityLimit]:
        return await self.client.follower_quantity_limits(FUTURES)

    async def follow_settings(self, trader_id: str) -> FollowSettings:
        return await self.client.follower_settings(trader_id)

    # --- actions -----------------------------------------------------------------------------------------------

    def run(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any] | None:
        """Run a widget's coroutine (a dialog that first loads data) among this service's tasks."""
        return self._tasks.spawn(self._report(coro, name), name)

    async def _report(self, coro: Coroutine[Any, Any, Any], name: str) -> Any:
        try:
            return await coro
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # shown to the user
            log.warning("%s failed: %s", name, exc)
            self.error.emit(plain_error(exc))
            return None

    def _act(self, coro: Callable[[], Awaitable[Any]], success: str, name: str) -> asyncio.Task[Any] | None:
        async def run() -> bool:
            try:
                await coro()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # reported to the user, not a crash
                log.warning("%s failed: %s", name, exc)
                self.error.emit(plain_error(exc))
                return False
            self.done.emit(success)
            self.refresh()
            return True

        return self._tasks.spawn(run(), name)

    def follow(self, trader_id: str, settings: Sequence[FollowSetting], *, trader_name: str = "") -> Any:
        who = trader_name or trader_id
        return self._act(lambda: self.client.follower_set_settings(trader_id, settings, auto_copy=True,
                                                                   mode="advanced"),
                         f"Copying {who}", "follow")

    def unfollow(self, trader_id: str, *, trader_name: str = "") -> Any:
        return self._act(lambda: self.client.follower_unfollow(trader_id),
                         f"Stopped copying {trader_name or trader_id}", "unfollow")

    def set_copy_tpsl(self, track: FuturesTrack, take_profit: Decimal | None, stop_loss: Decimal | None) -> Any:
        """TP/SL of one copy position: ``None`` keeps a price, 0 removes it."""
        ref = SymbolRef(track.symbol, FUTURES)
        return self._act(lambda: self.client.follower_set_tpsl(track.tracking_no, ref, take_profit=take_profit,
                                                               stop_loss=stop_loss),
                         f"TP/SL set on copy {track.tracking_no}", "copy-tpsl")

    def close_copy(self, track: FuturesTrack) -> Any:
        return self._act(lambda: self.client.follower_close_positions(FUTURES, tracking_no=track.tracking_no),
                         f"Copy position {track.symbol} {track.pos_side} closed", "copy-close")

    def set_track_tpsl(self, track: FuturesTrack, take_profit: Decimal | None, stop_loss: Decimal | None) -> Any:
        return self._act(lambda: self.client.trader_modify_tpsl(track.tracking_no, FUTURES, take_profit=take_profit,
                                                                stop_loss=stop_loss),
                         f"TP/SL set on tracking order {track.tracking_no}", "track-tpsl")

    def close_track(self, tracking_no: str) -> Any:
        return self._act(lambda: self.client.trader_close_tracks(FUTURES, tracking_no=tracking_no),
                         f"Tracking order {tracking_no} closed", "track-close")

    def close_lead(self, position: LeadPosition) -> Any:
        """Close a unified trader's lead position with V3's close (no tracking numbers on V3): the copies follow."""
        ref = SymbolRef(position.symbol, FUTURES)
        return self._act(lambda: self.session.venue.close_positions(ref, position.hold_side),
                         f"Lead position {position.symbol} {position.hold_side} closed", "lead-close")

    def set_lead_tpsl(self, position: LeadPosition, take_profit: Decimal | None, stop_loss: Decimal | None) -> Any:
        """A whole-position TP/SL on a lead position (V3 strategy order; followers' copies close with it)."""
        ref = SymbolRef(position.symbol, FUTURES)
        client = V3RestClient(self.session.http)
        return self._act(lambda: client.place_tpsl(ref, position.hold_side, take_profit=take_profit or None,
                                                   stop_loss=stop_loss or None),
                         f"TP/SL set on lead position {position.symbol} {position.hold_side}", "lead-tpsl")

    def remove_follower(self, follower_uid: str, *, name: str = "") -> Any:
        return self._act(lambda: self.client.trader_remove_follower(follower_uid),
                         f"Follower {name or follower_uid} removed", "remove-follower")

    def set_elite_trading(self, enable: bool) -> Any:
        return self._act(lambda: self.client.trader_set_base(enable=enable),
                         "Elite trading " + ("enabled" if enable else "disabled"), "elite")

    async def position_mode(self) -> PositionMode | None:
        """The USDT-M futures position mode: copy trading needs hedge mode."""
        account = await self.session.venue.futures_settings(SymbolRef("BTCUSDT", FUTURES))
        return account.pos_mode

    def use_hedge_mode(self) -> Any:
        """Copy trading needs hedge (two-way) mode; Bitget refuses the switch while positions are open."""
        return self._act(lambda: self.session.venue.set_position_mode(FUTURES, PositionMode.HEDGE),
                         "Futures position mode set to hedge", "hedge-mode")
