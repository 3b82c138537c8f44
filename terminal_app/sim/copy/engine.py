"""The simulator's copy-trading engine: elite traders, followers and tracking orders on top of the exchange facade.

What it does (bitget-v2.md §6, Bitget's copy-trading rules):

* **Followers** follow an elite trader with per-symbol settings (``traceType`` percent/amount/count, leverage type,
  max hold size, TP/SL ratios). Every trader open is mirrored into the follower's USDT-M futures account as a market
  order through the exchange (so with the book's slippage and the taker fee), tracked by its own ``trackingNo``;
  every trader close closes it. The follower sets TP/SL per tracking, closes copy positions through the copy API and
  unfollows (which closes what is still open). Spot copy works the same way with market buys and sells.
* **Elite traders** are the synthetic ones of :mod:`terminal_app.sim.copy.traders`, and any simulator user who
  enables elite trading (``config-settings-base enable=YES``): that user's futures opens (and spot buys) in copy
  symbols become tracking orders which synthetic followers copy; the trader sees and removes followers, modifies
  TP/SL and closes by trackingNo, and receives the profit share of every profitable follower close
  (net profit × ``share_ratio``, moved from the follower's account to the trader's when the copy closes).
* **Bitget's rules**: copy trading needs hedge mode (40731, also when switching a copy account to one-way); an
  ordinary futures close (or spot sell) that would take tracked size is refused (40866: copy positions close through
  copy trading); follower slots by trader equity (43045); an elite trader places at most one order a second (40918);
  a trader's tracking TP/SL changes at most every 300 ms (43036); removed followers wait before following again.

The parts, one job each: :class:`~terminal_app.sim.copy.registry.CopyRegistry` (the records),
:class:`~terminal_app.sim.copy.desk.CopyDesk` (the unguarded order entry, prices, positions),
:class:`~terminal_app.sim.copy.guards.CopyGuards` (the rules on the exchange's own order entry),
:class:`~terminal_app.sim.copy.copier.Copier` (opening and copying), :class:`~terminal_app.sim.copy.closer.Closer`
(closing, TP/SL, reconciliation, profit share), :class:`~terminal_app.sim.copy.following.Following` (traders and
follows) and :class:`~terminal_app.sim.copy.stats.CopyStats` (what it shows). :class:`CopyEngine` composes them and
is the one entry the routes and tests use. Closes the engine does not initiate (the user's own TP/SL plan orders,
liquidation) are noticed by comparing positions with the tracked sizes on every :meth:`CopyEngine.sync`, and the
missing tracking orders are closed at the mark price. Copy state is in memory only (not persisted with the demo
account).

Time: :meth:`CopyEngine.sync` (the server calls it on its timer, and before every copy request) runs the synthetic
traders' decisions up to now, copies the simulator traders' new fills, fires tracking TP/SL and reconciles.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from decimal import Decimal

from terminal_app.bitget.clock import system_ms
from terminal_app.core.copy_trading import FollowSetting, SpotFollowSetting
from terminal_app.sim.copy.closer import Closer
from terminal_app.sim.copy.copier import Copier
from terminal_app.sim.copy.desk import CopyDesk
from terminal_app.sim.copy.following import Following
from terminal_app.sim.copy.guards import CopyGuards
from terminal_app.sim.copy.persistence import CopyPersistence
from terminal_app.sim.copy.registry import CopyRegistry
from terminal_app.sim.copy.state import FUTURES_MARKET, Follow, RankedTrader, SymbolConfig, Track, Trader
from terminal_app.sim.copy.stats import CopyStats
from terminal_app.sim.copy.traders import ExchangePrices, TraderBook, TraderStats
from terminal_app.sim.engine.events import Event, FillEvent
from terminal_app.sim.engine.exchange import Exchange

RECONCILE_MS = 250


class CopyEngine:
    """Copy trading inside one :class:`Exchange`. ``clock`` must be the exchange's clock (tests inject one).

    ``broker_uids``: the uids whose keys may call the broker endpoints (``None``: everyone — the simulator's default,
    so trader discovery works in the demo).
    """

    def __init__(self, exchange: Exchange, *, seed: int | None = None, clock: Callable[[], int] = system_ms,
                 guard: bool = True, broker_uids: set[str] | None = None) -> None:
        self.exchange = exchange
        self.clock = clock
        self.seed = exchange.seed if seed is None else seed
        exchange.advance()
        start = exchange.now_ms()
        self.book = TraderBook(self.seed, start, ExchangePrices(exchange.candles))
        self.broker_uids = broker_uids
        reg = self.registry = CopyRegistry()
        for profile in self.book.profiles:
            reg.traders[profile.trader_id] = Trader(
                profile.trader_id, profile.name, None, profile, profile.share_ratio,
                {s: SymbolConfig() for s in profile.symbols}, set(profile.spot_symbols), since_ms=start)
        desk = self.desk = CopyDesk(exchange, clock)
        self.closer = Closer(reg, desk, self.book)
        self.copier = Copier(reg, desk, self.book)
        self.queries = CopyStats(reg, desk, self.book)
        self.following = Following(reg, desk, self.closer, self.queries, self.seed)
        self.guards = CopyGuards(reg, desk)
        self._due: list[tuple[int, str]] = []
        self._last = start
        self._fills: list[FillEvent] = []
        self._syncing = False
        self._next_reconcile = start
        self.persistence = CopyPersistence(self)
        self.persistence.load()
        exchange.add_listener(self._on_event)
        if guard:
            self.guard()

    @property
    def traders(self) -> dict[str, Trader]:
        return self.registry.traders

    @property
    def tracks(self) -> dict[str, Track]:
        """Simulator users' tracking orders (and every open one) by trackingNo."""
        return self.registry.tracks

    @property
    def children(self) -> dict[str, list[str]]:
        """A trader trackingNo → its followers' trackingNos."""
        return self.registry.children

    # ---- wiring ------------------------------------------------------------------------------------------------

    def guard(self) -> None:
        """Route the exchange instance's order entry through the copy rules (``copy.guards``)."""
        self.guards.install()

    def close(self) -> None:
        """Detach from the exchange (listener and guards)."""
        self.exchange.remove_listener(self._on_event)
        self.guards.remove()

    def _on_event(self, event: Event) -> None:
        # Runs inside the exchange's call: only queue. Fills of simulator traders are copied on the next sync.
        if isinstance(event, FillEvent) and event.uid in self.registry.trader_of_uid:
            self._fills.append(event)

    def now(self) -> int:
        return self.desk.now()

    # ---- time ---------------------------------------------------------------------------------------------------

    def sync(self) -> None:
        """Bring copy trading up to the exchange clock (idempotent, cheap when nothing happened)."""
        if self._syncing:
            return
        self._syncing = True
        try:
            self.exchange.advance()
            now = self.now()
            for decision in self.book.live_opens(self._last, now):
                self._close_due(decision.time)
                track = self.copier.synthetic_open(decision)
                if track is not None:
                    heapq.heappush(self._due, (decision.close_time, track.tracking_no))
            self._close_due(now)
            self._last = max(self._last, now)
            fills, self._fills = self._fills, []
            self.copier.copy_trader_fills(fills)
            self.closer.check_tpsl()
            # a trader's own close (a unified lead account closes with V3's trade endpoints, no tracking numbers)
            # closes the copies at once rather than at the next throttled reconcile
            closing = any(f.fill.trade_side == "close" and self.registry.active_trader(f.uid) for f in fills)
            if now >= self._next_reconcile or closing:
                # position reads go through the facade's full request path; a few per second are plenty
                self._next_reconcile = now + RECONCILE_MS
                self.closer.reconcile()
            self.persistence.save()
        finally:
            self._syncing = False

    def _close_due(self, upto: int) -> None:
        while self._due and self._due[0][0] <= upto:
            _, tno = heapq.heappop(self._due)
            track = self.tracks.get(tno)
            if track is not None and track.is_open:
                self.closer.close_synthetic(track)

    # ---- traders and follows (copy.following) -------------------------------------------------------------------

    def in_copy_trading(self, uid: str) -> bool:
        """An elite trader, or a futures follower (the accounts Bitget keeps in hedge mode)."""
        return self.registry.in_copy_trading(uid)

    def tracked_size(self, uid: str, market: str, symbol: str, hold_side: str = "long") -> Decimal:
        """Size of ``uid``'s open, copy-bound tracking orders in ``symbol``/``hold_side``."""
        return self.registry.tracked_size(uid, market, symbol, hold_side)

    def enable_trader(self, uid: str, *, enable: bool = True, show_total_equity: bool | None = None,
                      show_tpsl: bool | None = None) -> Trader:
        """``config-settings-base``: become (or stop being) an elite trader. Needs hedge mode (40731). A new trader
        gets the synthetic followers, within the follower slots of their equity."""
        return self.following.enable_trader(uid, enable=enable, show_total_equity=show_total_equity,
                                            show_tpsl=show_tpsl)

    def trader(self, trader_id: str) -> Trader:
        return self.registry.trader(trader_id)

    def trader_for_uid(self, uid: str) -> Trader:
        return self.registry.trader_for_uid(uid)

    def follow(self, uid: str, trader_id: str, settings: Iterable[FollowSetting], *, auto_copy: bool = True,
               mode: str = "advanced") -> Follow:
        """``mix-follower/settings``: follow ``trader_id`` (or update the settings). Checks Bitget's rules."""
        return self.following.follow(uid, trader_id, settings, auto_copy=auto_copy, mode=mode)

    def spot_follow(self, uid: str, trader_id: str, settings: Iterable[SpotFollowSetting], *,
                    auto_copy: bool = True, mode: str = "advanced") -> Follow:
        return self.following.spot_follow(uid, trader_id, settings, auto_copy=auto_copy, mode=mode)

    def follow_of(self, uid: str, trader_id: str, market: str = FUTURES_MARKET) -> Follow | None:
        return self.following.follow_of(uid, trader_id, market)

    def unfollow(self, uid: str, trader_id: str, market: str = FUTURES_MARKET) -> None:
        """``cancel-trader``: stop following; copy positions of this trader still open are closed at market."""
        self.following.unfollow(uid, trader_id, market)

    def remove_follower(self, trader_uid: str, follower_uid: str, market: str = FUTURES_MARKET) -> None:
        """The trader removes a follower: their copies of this trader are closed; they may follow again after a
        cool-down (43047)."""
        self.following.remove_follower(trader_uid, follower_uid, market)

    # ---- closing and TP/SL (copy.closer) -------------------------------------------------------------------------

    def trader_close(self, uid: str, *, tracking_no: str | None = None, symbol: str | None = None,
                     market: str = FUTURES_MARKET, tracking_nos: Iterable[str] | None = None) -> list[Track]:
        """``order-close-positions`` (futures) / ``order-close-tracking`` (spot): the simulator trader closes
        tracking orders at market; their followers' copies close too."""
        return self.closer.trader_close(uid, tracking_no=tracking_no, symbol=symbol, market=market,
                                        tracking_nos=tracking_nos)

    def follower_close(self, uid: str, *, tracking_no: str | None = None, symbol: str | None = None,
                       hold_side: str | None = None, market: str = FUTURES_MARKET,
                       tracking_nos: Iterable[str] | None = None) -> list[str]:
        """``mix-follower/close-positions`` / ``spot-follower/order-close-tracking``: close copies at market."""
        return self.closer.follower_close(uid, tracking_no=tracking_no, symbol=symbol, hold_side=hold_side,
                                          market=market, tracking_nos=tracking_nos)

    def spot_stop(self, uid: str, tracking_nos: Iterable[str]) -> None:
        """``spot-follower/stop-order``: these buys stop following the trader (they stay in the account)."""
        self.closer.spot_stop(uid, tracking_nos)

    def set_tpsl(self, uid: str, tracking_no: str, take_profit: Decimal | None, stop_loss: Decimal | None, *,
                 role: str, market: str = FUTURES_MARKET) -> Track:
        """Tracking TP/SL: ``None`` keeps a price, 0 removes it. A trader may change it every 300 ms (43036)."""
        return self.closer.set_tpsl(uid, tracking_no, take_profit, stop_loss, role=role, market=market)

    # ---- queries (copy.stats) ------------------------------------------------------------------------------------

    def tracks_of(self, owner: str, *, role: str, market: str = FUTURES_MARKET, open_: bool = True,
                  symbol: str | None = None, trader_id: str | None = None) -> list[Track]:
        """Tracking orders newest first (by trackingNo)."""
        return self.queries.tracks_of(owner, role=role, market=market, open_=open_, symbol=symbol,
                                      trader_id=trader_id)

    def trader_history(self, trader: Trader, *, symbol: str | None = None) -> list[Track]:
        return self.queries.trader_history(trader, symbol=symbol)

    def trader_open(self, trader: Trader, *, symbol: str | None = None, market: str = FUTURES_MARKET) -> list[Track]:
        return self.queries.trader_open(trader, symbol=symbol, market=market)

    def followed(self, uid: str, market: str = FUTURES_MARKET) -> list[Follow]:
        return self.queries.followed(uid, market)

    def quantity_limits(self, symbol: str | None = None) -> list[tuple[str, Decimal, Decimal]]:
        return self.queries.quantity_limits(symbol)

    def follower_slots(self, trader: Trader) -> int:
        return self.queries.follower_slots(trader)

    def follower_count(self, trader: Trader) -> int:
        return self.queries.follower_count(trader)

    def stats(self, trader: Trader, days: int | None = None) -> TraderStats:
        """Statistics of any trader (synthetic: from their trades; simulator user: from their tracking orders)."""
        return self.queries.trader_stats(trader, days)

    def followers_pnl(self, trader: Trader) -> Decimal:
        return self.queries.followers_pnl(trader)

    def ranked_traders(self, *, sort_rule: str = "composite", descending: bool = True, trader_id: str | None = None,
                       name: str | None = None, full_only: bool = False,
                       days: int | None = None) -> list[RankedTrader]:
        return self.queries.ranked_traders(sort_rule=sort_rule, descending=descending, trader_id=trader_id,
                                           name=name, full_only=full_only, days=days)

    def summary_series(self, trader: Trader, days: int) -> tuple[list[tuple[int, Decimal]], list[tuple[int, Decimal]]]:
        """Daily cumulative ROI (%) and profit (USDT) over the last ``days`` days, for ``order-total-detail``."""
        return self.queries.summary_series(trader, days)

    def pending_profit(self, trader: Trader, market: str = FUTURES_MARKET) -> dict[str, Decimal]:
        """Profit share that open profitable copies would pay now, per follower alias (``profit-details``)."""
        return self.queries.pending_profit(trader, market)

    def follower_name(self, uid: str) -> str:
        return self.registry.name(uid)

    def price_of(self, track: Track) -> Decimal:
        return self.desk.price_of(track)
