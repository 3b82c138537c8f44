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

Coupling with the facade (it has no copy hooks): :meth:`CopyEngine.guard` wraps the exchange *instance*'s
``place_futures_order``, ``close_positions``, ``set_position_mode`` and ``place_spot_order`` with the checks above
(the engine itself calls the saved originals), and the profit share moves money with the facade's
``transfer_futures`` / ``transfer_spot``.
Closes the engine does not initiate (the user's own TP/SL plan orders, liquidation) are noticed by comparing
positions with the tracked sizes on every :meth:`CopyEngine.sync`, and the missing tracking orders are closed at
the mark price. Copy state is in memory only (not persisted with the demo account).

Time: :meth:`CopyEngine.sync` (the server calls it on its timer, and before every copy request) runs the synthetic
traders' decisions up to now, copies the simulator traders' new fills, fires tracking TP/SL and reconciles.
"""

from __future__ import annotations

import heapq
import logging
from collections import deque
from collections.abc import Callable, Iterable
from decimal import ROUND_DOWN, Decimal
from typing import Any

from terminal_app.bitget.clock import system_ms
from terminal_app.bitget.errors import ExchangeError
from terminal_app.bitget.models.copy import FollowSetting, SpotFollowSetting
from terminal_app.bitget.symbols import SymbolRef
from terminal_app.sim.copy.state import (
    DEFAULT_SHARE_RATIO,
    FOLLOWER,
    FUTURES,
    FUTURES_MARKET,
    HUNDRED,
    MAX_FOLLOW_NOTIONAL,
    MONEY,
    ORDER_INTERVAL_MS,
    REAL_TRACK_BASE,
    REFOLLOW_COOLDOWN_MS,
    SPOT,
    SPOT_MARKET,
    SYNTHETIC_FOLLOWERS,
    TPSL_INTERVAL_MS,
    TRADER,
    ZERO,
    Follow,
    ProfitRecord,
    RankedTrader,
    SymbolConfig,
    Track,
    Trader,
    check_ratio,
    check_trace,
    ratio_price,
    reject,
    round_down,
    taker_fee,
    track_from_trade,
)
from terminal_app.sim.copy.traders import (
    COPY_SYMBOLS,
    SPOT_COPY_SYMBOLS,
    ExchangePrices,
    LiveOpen,
    TraderBook,
    TraderStats,
    TraderTrade,
    max_followers,
    trader_id_for,
)
from terminal_app.sim.engine.events import Event, FillEvent
from terminal_app.sim.engine.exchange import Exchange
from terminal_app.sim.engine.orders import Order
from terminal_app.sim.market.markets import SimMarket, find_market
from terminal_app.sim.market.price import DAY_MS

log = logging.getLogger("terminal_app.sim.copy.engine")
_ORDER_MEMORY = 20_000
RECONCILE_MS = 250

# ---- the engine ----------------------------------------------------------------------------------------------------


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
        self.traders: dict[str, Trader] = {}
        for profile in self.book.profiles:
            self.traders[profile.trader_id] = Trader(
                profile.trader_id, profile.name, None, profile, profile.share_ratio,
                {s: SymbolConfig() for s in profile.symbols}, set(profile.spot_symbols), since_ms=start)
        self.trader_of_uid: dict[str, str] = {}
        self.follows: dict[tuple[str, str, str], Follow] = {}        # (uid, trader id, market) → follow
        self.tracks: dict[str, Track] = {}                          # simulator users' tracks and open ones
        self._open: dict[str, Track] = {}
        self.children: dict[str, list[str]] = {}                     # trader trackingNo → follower trackingNos
        self.by_order: dict[str, str] = {}                           # simulator trader's opening order → trackingNo
        self.failures: deque[tuple[int, str, str, str]] = deque(maxlen=200)   # (time, uid, trackingNo, error)
        self._names: dict[str, str] = {uid: name for uid, name, _ in SYNTHETIC_FOLLOWERS}
        self._due: list[tuple[int, str]] = []
        self._last = start
        self._seq = 0
        self._profit_seq = 0
        self._own_orders: set[str] = set()
        self._own_order_log: deque[str] = deque()
        self._fills: list[FillEvent] = []
        self._syncing = False
        self._next_reconcile = start
        self._raw_place_futures = exchange.place_futures_order
        self._raw_close_positions = exchange.close_positions
        self._raw_set_position_mode = exchange.set_position_mode
        self._raw_place_spot = exchange.place_spot_order
        self._guarded = False
        exchange.add_listener(self._on_event)
        if guard:
            self.guard()

    # ---- wiring ------------------------------------------------------------------------------------------------

    def guard(self) -> None:
        """Route the exchange instance's order entry through the copy rules (see the module docstring)."""
        if self._guarded:
            return
        ex: Any = self.exchange
        ex.place_futures_order = self._guarded_place_futures
        ex.close_positions = self._guarded_close_positions
        ex.set_position_mode = self._guarded_set_position_mode
        ex.place_spot_order = self._guarded_place_spot
        self._guarded = True

    def close(self) -> None:
        """Detach from the exchange (listener and guards)."""
        self.exchange.remove_listener(self._on_event)
        if self._guarded:
            ex: Any = self.exchange
            for name in ("place_futures_order", "close_positions", "set_position_mode", "place_spot_order"):
                ex.__dict__.pop(name, None)
            self._guarded = False

    def _on_event(self, event: Event) -> None:
        # Runs inside the exchange's call: only queue. Fills of simulator traders are copied on the next sync.
        if isinstance(event, FillEvent) and event.uid in self.trader_of_uid:
            self._fills.append(event)

    def _own(self, order: Order) -> Order:
        self._own_orders.add(order.order_id)
        self._own_order_log.append(order.order_id)
        if len(self._own_order_log) > _ORDER_MEMORY:
            self._own_orders.discard(self._own_order_log.popleft())
        return order

    def now(self) -> int:
        # the clock, not the exchange's step-aligned time: a decision due at t is due when the clock reaches t
        return max(self.clock(), self.exchange.now_ms())

    # ---- the guards --------------------------------------------------------------------------------------------

    def _trader(self, uid: str) -> Trader | None:
        tid = self.trader_of_uid.get(uid)
        trader = self.traders.get(tid) if tid else None
        return trader if trader is not None and trader.enabled else None

    def _order_rate(self, uid: str) -> None:
        trader = self._trader(uid)
        if trader is None:
            return
        now = self.clock()
        if now - trader.last_order_ms < ORDER_INTERVAL_MS:
            raise reject("40918", "Traders open positions with orders too frequently")
        trader.last_order_ms = now

    def tracked_size(self, uid: str, market: str, symbol: str, hold_side: str = "long") -> Decimal:
        """Size of ``uid``'s open, copy-bound tracking orders in ``symbol``/``hold_side``."""
        return sum((t.size for t in self._open_tracks(uid, market) if t.symbol == symbol
                    and t.hold_side == hold_side and not t.stopped), ZERO)

    def _position_total(self, uid: str, symbol: str, hold_side: str) -> Decimal:
        for pos in self.exchange.positions(uid, symbol):
            if pos.hold_side == hold_side:
                return pos.total
        return ZERO

    def _guarded_place_futures(self, uid: str, symbol: str, side: str, order_type: str, size: Any,
                               price: Any = None, force: str = "gtc", client_oid: str | None = None,
                               margin_mode: str | None = None, trade_side: str | None = None,
                               reduce_only: bool = False, preset_tp: Any = None, preset_sl: Any = None) -> Order:
        sym = (symbol or "").upper()
        if (trade_side or "").lower() == "close" and sym in COPY_SYMBOLS:
            hold_side = "long" if (side or "").lower() == "buy" else "short"
            tracked = self.tracked_size(uid, FUTURES_MARKET, sym, hold_side)
            if tracked > 0:
                free = self._position_total(uid, sym, hold_side) - tracked
                try:
                    wanted = Decimal(str(size))
                except ArithmeticError:
                    wanted = tracked
                if wanted > free:
                    raise reject("40866", "You are currently a trader, please close the position under the "
                                          "current order")
        self._order_rate(uid)
        return self._raw_place_futures(uid, symbol, side, order_type, size, price, force, client_oid, margin_mode,
                                       trade_side, reduce_only, preset_tp, preset_sl)

    def _guarded_close_positions(self, uid: str, symbol: str | None = None,
                                 hold_side: str | None = None) -> list[Order]:
        for t in self._open_tracks(uid, FUTURES_MARKET):
            if (symbol is None or t.symbol == symbol.upper()) and (hold_side is None or t.hold_side == hold_side):
                raise reject("40866", "You are currently a trader, please close the position under the current "
                                      "order")
        return self._raw_close_positions(uid, symbol, hold_side)

    def _guarded_set_position_mode(self, uid: str, pos_mode: str) -> str:
        if (pos_mode or "").lower() == "one_way_mode" and self.in_copy_trading(uid):
            raise reject("40731", "This product does not support copy trading")
        return self._raw_set_position_mode(uid, pos_mode)

    def _guarded_place_spot(self, uid: str, symbol: str, side: str, order_type: str, size: Any,
                            price: Any = None, force: str = "gtc", client_oid: str | None = None) -> Order:
        sym = (symbol or "").upper()
        if (side or "").lower() == "sell" and sym in SPOT_COPY_SYMBOLS:
            tracked = self.tracked_size(uid, SPOT_MARKET, sym)
            if tracked > 0:
                base = find_market(sym, SPOT).info.base_coin
                held = sum((b.available for b in self.exchange.spot_balances(uid) if b.coin == base), ZERO)
                try:
                    wanted = Decimal(str(size))
                except ArithmeticError:
                    wanted = tracked
                if wanted > held - tracked:
                    raise reject("40866", "You are currently a trader, please close the position under the "
                                          "current order")
        self._order_rate(uid)
        return self._raw_place_spot(uid, symbol, side, order_type, size, price, force, client_oid)

    def in_copy_trading(self, uid: str) -> bool:
        """An elite trader, or a futures follower (the accounts Bitget keeps in hedge mode)."""
        return self._trader(uid) is not None or any(f.follower_uid == uid and f.market == FUTURES_MARKET
                                                    for f in self.follows.values())

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
                self._synthetic_open(decision)
            self._close_due(now)
            self._last = max(self._last, now)
            self._copy_trader_fills()
            self._check_tpsl()
            if now >= self._next_reconcile:
                # position reads go through the facade's full request path; a few per second are plenty
                self._next_reconcile = now + RECONCILE_MS
                self._reconcile()
        finally:
            self._syncing = False

    def _close_due(self, upto: int) -> None:
        while self._due and self._due[0][0] <= upto:
            _, tno = heapq.heappop(self._due)
            track = self.tracks.get(tno)
            if track is not None and track.is_open:
                self._close_synthetic(track)

    # ---- synthetic traders ---------------------------------------------------------------------------------------

    def _synthetic_open(self, decision: LiveOpen) -> None:
        profile = decision.profile
        trader = self.traders[profile.trader_id]
        if decision.spot:
            market = find_market(decision.symbol, SPOT)
            price = self._spot_price(market)
            if price <= 0:
                return
            size = round_down(profile.spot_amount / price, market.lot)
            fee = (size * market.info.taker_fee).quantize(MONEY)
            if size <= 0:
                return
            track = Track(decision.tracking_no, TRADER, trader.trader_id, trader.trader_id, SPOT_MARKET,
                          decision.symbol, "long", 1, "", size - fee, price, fee * price, decision.time,
                          decision.tracking_no, due_ms=decision.close_time)
        else:
            price = self._mark(decision.symbol)
            # sized on the trader's starting equity: live trading must not wait for the year of history
            size = self.book.size_for(profile, decision.symbol, price, profile.initial_equity)
            if size <= 0:
                return
            track = Track(decision.tracking_no, TRADER, trader.trader_id, trader.trader_id, FUTURES_MARKET,
                          decision.symbol, decision.hold_side, profile.leverage, "crossed", size, price,
                          taker_fee(price * size), decision.time, decision.tracking_no, due_ms=decision.close_time)
        self._add(track)
        heapq.heappush(self._due, (decision.close_time, track.tracking_no))
        self._copy_open_to_followers(trader, track, track.size)

    def _close_synthetic(self, track: Track) -> None:
        if track.market == SPOT_MARKET:
            price = self._spot_price(find_market(track.symbol, SPOT))
        else:
            price = self._mark(track.symbol)
        track.close_time = self.now()
        track.close_price = price
        track.close_size = track.size
        track.close_fee = taker_fee(price * track.size)
        track.achieved_pl = track.unrealized(price)
        self._closed(track)
        if track.market == FUTURES_MARKET:
            self.book.add_trade(TraderTrade(
                track.tracking_no, track.trader_id, track.symbol, track.hold_side, track.leverage, track.size,
                track.open_time, track.open_price, track.close_time, price, track.open_fee, track.close_fee,
                track.follow_count))
        self._close_children(track, "trader")
        if track.tracking_no not in self.children:
            # the record lives on in the trader book; only copied tracks stay here (their copies name them)
            del self.tracks[track.tracking_no]

    # ---- simulator users as traders ------------------------------------------------------------------------------

    def _copy_trader_fills(self) -> None:
        fills, self._fills = self._fills, []
        for event in fills:
            fill = event.fill
            if fill.order_id in self._own_orders:
                continue
            trader = self._trader(event.uid)
            if trader is None:
                continue
            symbol = fill.ref.symbol
            if fill.ref.inst_type is FUTURES:
                config = trader.symbols.get(symbol)
                if config is None or not config.open or fill.trade_side != "open":
                    continue
                self._trader_fill(trader, event.uid, FUTURES_MARKET, symbol, fill.hold_side, fill.size, fill.price,
                                  fill.fee, fill.order_id, fill.ts, config)
            elif fill.ref.inst_type is SPOT and fill.side == "buy" and symbol in trader.spot_symbols:
                received = fill.size - fill.fee if fill.fee_coin != "USDT" else fill.size
                self._trader_fill(trader, event.uid, SPOT_MARKET, symbol, "long", received, fill.price,
                                  fill.fee * fill.price if fill.fee_coin != "USDT" else fill.fee, fill.order_id,
                                  fill.ts, None)

    def _trader_fill(self, trader: Trader, uid: str, market: str, symbol: str, hold_side: str, size: Decimal,
                     price: Decimal, fee: Decimal, order_id: str, ts: int, config: SymbolConfig | None) -> None:
        tno = self.by_order.get(order_id)
        track = self.tracks.get(tno) if tno else None
        if track is None:
            leverage = 1
            margin_mode = ""
            if market == FUTURES_MARKET:
                settings = self.exchange.symbol_settings(uid, symbol)
                margin_mode = settings.margin_mode
                leverage = settings.cross_leverage if margin_mode == "crossed" else (
                    settings.long_leverage if hold_side == "long" else settings.short_leverage)
            track = Track(self._next_tracking_no(), TRADER, uid, trader.trader_id, market, symbol, hold_side,
                          leverage, margin_mode, size, price, fee, ts, order_id)
            if config is not None:
                tick = find_market(symbol, FUTURES).tick
                track.tp = ratio_price(price, leverage, hold_side, config.tp_ratio, up=True, market=market, tick=tick)
                track.sl = ratio_price(price, leverage, hold_side, config.sl_ratio, up=False, market=market,
                                        tick=tick)
            self._add(track)
            self.by_order[order_id] = track.tracking_no
        else:
            total = track.size + size
            track.open_price = (track.open_price * track.size + price * size) / total
            track.size = total
            track.open_fee += fee
        self._copy_open_to_followers(trader, track, size)

    def enable_trader(self, uid: str, *, enable: bool = True, show_total_equity: bool | None = None,
                      show_tpsl: bool | None = None) -> Trader:
        """``config-settings-base``: become (or stop being) an elite trader. Needs hedge mode (40731). A new trader
        gets the synthetic followers, within the follower slots of their equity."""
        if uid in self.trader_of_uid:
            trader = self.traders[self.trader_of_uid[uid]]
        else:
            if not enable:
                raise reject("40732", "Not currently a trader")
            if any(f.follower_uid == uid for f in self.follows.values()):
                raise reject("45075", "The user already has an ongoing copy trade")
            name = f"BGU-{uid[-4:]}"
            trader = Trader(trader_id_for(self.seed, f"user:{uid}"), name, uid, None, DEFAULT_SHARE_RATIO,
                            {s: SymbolConfig() for s in COPY_SYMBOLS}, set(SPOT_COPY_SYMBOLS), enabled=False)
            self.traders[trader.trader_id] = trader
            self.trader_of_uid[uid] = trader.trader_id
        if enable and not trader.enabled:
            if self.exchange.futures_account(uid).pos_mode != "hedge_mode":
                raise reject("40731", "This product does not support copy trading")
            trader.enabled = True
            trader.since_ms = self.now()
            trader.start_equity = self.exchange.futures_account(uid).equity
            self._add_synthetic_followers(trader)
        elif not enable and trader.enabled:
            if self._open_tracks(uid, FUTURES_MARKET) or self._open_tracks(uid, SPOT_MARKET):
                raise reject("40852", "There are unfilled orders, cannot end the copy")
            for follower in list(trader.followers):
                self._drop_follow(follower, trader, FUTURES_MARKET)
            for follower in list(trader.spot_followers):
                self._drop_follow(follower, trader, SPOT_MARKET)
            trader.enabled = False
        if show_total_equity is not None:
            trader.show_total_equity = show_total_equity
        if show_tpsl is not None:
            trader.show_tpsl = show_tpsl
        return trader

    def _add_synthetic_followers(self, trader: Trader) -> None:
        slots = max_followers(self.exchange.futures_account(trader.uid or "").equity)
        for uid, _name, ratio in SYNTHETIC_FOLLOWERS:
            if len(trader.followers) >= slots or uid in trader.removed or uid in trader.followers:
                continue
            self.exchange.ensure_user(uid)
            if self.exchange.futures_account(uid).pos_mode != "hedge_mode":
                self._raw_set_position_mode(uid, "hedge_mode")
            settings = [FollowSetting(s, "percent", ratio) for s in COPY_SYMBOLS]
            self._store_follow(uid, trader, FUTURES_MARKET, settings, [], True, "advanced")
            spot = [SpotFollowSetting(s, "percent", ratio, None) for s in SPOT_COPY_SYMBOLS]
            self._store_follow(uid, trader, SPOT_MARKET, [], spot, True, "advanced")

    # ---- following ----------------------------------------------------------------------------------------------

    def trader(self, trader_id: str) -> Trader:
        trader = self.traders.get(trader_id)
        if trader is None or not trader.enabled:
            raise reject("40860", "The trader does not exist and cannot be set to follow")
        return trader

    def trader_for_uid(self, uid: str) -> Trader:
        trader = self._trader(uid)
        if trader is None:
            raise reject("40732", "Not currently a trader")
        return trader

    def follow(self, uid: str, trader_id: str, settings: Iterable[FollowSetting], *, auto_copy: bool = True,
               mode: str = "advanced") -> Follow:
        """``mix-follower/settings``: follow ``trader_id`` (or update the settings). Checks Bitget's rules."""
        trader = self._check_can_follow(uid, trader_id, FUTURES_MARKET)
        checked = [self._check_setting(s) for s in settings]
        if not checked:
            raise reject("40019", "Parameter settings cannot be empty")
        if self.exchange.futures_account(uid).pos_mode != "hedge_mode":
            raise reject("40731", "This product does not support copy trading")
        return self._store_follow(uid, trader, FUTURES_MARKET, checked, [], auto_copy, mode)

    def spot_follow(self, uid: str, trader_id: str, settings: Iterable[SpotFollowSetting], *,
                    auto_copy: bool = True, mode: str = "advanced") -> Follow:
        trader = self._check_can_follow(uid, trader_id, SPOT_MARKET)
        checked = []
        for s in settings:
            symbol = s.symbol.upper()
            if symbol not in SPOT_COPY_SYMBOLS:
                raise reject("40034", f"Parameter {s.symbol} does not exist")
            check_trace(s.trace_type, s.trace_value)
            check_ratio(s.stop_surplus_ratio, "43056")
            check_ratio(s.stop_loss_ratio, "43055")
            checked.append(SpotFollowSetting(symbol, s.trace_type.lower(), s.trace_value, s.max_hold_size,
                                             s.stop_surplus_ratio, s.stop_loss_ratio))
        if not checked:
            raise reject("40019", "Parameter settings cannot be empty")
        return self._store_follow(uid, trader, SPOT_MARKET, [], checked, auto_copy, mode)

    def _check_can_follow(self, uid: str, trader_id: str, market: str) -> Trader:
        trader = self.trader(trader_id)
        if trader.uid == uid:
            raise reject("43063", "Can not follow trade with yourself")
        if self._trader(uid) is not None:
            raise reject("31031", "You're log in as trader,can not follow trade")
        removed = trader.removed.get(uid)
        if removed is not None and self.now() - removed < REFOLLOW_COOLDOWN_MS:
            raise reject("43047", "Followers are not allowed to follow again within xx minutes after being "
                                  "removed, please try again later!")
        followers = trader.followers if market == FUTURES_MARKET else trader.spot_followers
        if uid not in followers and self.follower_count(trader) >= self.follower_slots(trader):
            raise reject("43045", "The trader is ful")
        return trader

    @staticmethod
    def _check_setting(s: FollowSetting) -> FollowSetting:
        symbol = s.symbol.upper()
        if symbol not in COPY_SYMBOLS:
            raise reject("40034", f"Parameter {s.symbol} does not exist")
        if s.product_type is not FUTURES:
            raise reject("40017", "Parameter productType error")
        check_trace(s.trace_type, s.trace_value)
        if s.lever_type.lower() not in ("trader", "specify", "position"):
            raise reject("40017", "Parameter leverType error")
        if s.margin_type.lower() not in ("trader", "specify"):
            raise reject("40017", "Parameter marginType error")
        market = find_market(symbol, FUTURES)
        if s.lever_type.lower() == "specify":
            for lev in (s.long_leverage, s.short_leverage):
                if lev is None or not market.info.min_leverage <= lev <= market.info.max_leverage:
                    raise reject("40017", "Parameter leverage error")
        if s.max_hold_size is not None and s.max_hold_size <= 0:
            raise reject("40017", "Parameter maxHoldSize error")
        check_ratio(s.stop_surplus_ratio, "43056")
        check_ratio(s.stop_loss_ratio, "43055")
        return FollowSetting(symbol, s.trace_type.lower(), s.trace_value, s.product_type, s.margin_type.lower(),
                             s.margin_coin, s.lever_type.lower(), s.long_leverage, s.short_leverage, s.max_hold_size,
                             s.stop_surplus_ratio, s.stop_loss_ratio)

    def _store_follow(self, uid: str, trader: Trader, market: str, settings: list[FollowSetting],
                      spot_settings: list[SpotFollowSetting], auto_copy: bool, mode: str) -> Follow:
        key = (uid, trader.trader_id, market)
        follow = self.follows.get(key)
        if follow is None:
            follow = Follow(uid, trader.trader_id, market, self.now(), auto_copy, mode)
            self.follows[key] = follow
            followers = trader.followers if market == FUTURES_MARKET else trader.spot_followers
            if not trader.followers.get(uid) and not trader.spot_followers.get(uid):
                trader.total_followers += 1
            followers[uid] = follow.since_ms
        follow.auto_copy = auto_copy
        follow.mode = mode
        for s in settings:
            follow.settings[s.symbol] = s
        for s in spot_settings:
            follow.spot_settings[s.symbol] = s
        return follow

    def follow_of(self, uid: str, trader_id: str, market: str = FUTURES_MARKET) -> Follow | None:
        return self.follows.get((uid, trader_id, market))

    def unfollow(self, uid: str, trader_id: str, market: str = FUTURES_MARKET) -> None:
        """``cancel-trader``: stop following; copy positions of this trader still open are closed at market."""
        trader = self.traders.get(trader_id)
        if trader is None or (uid, trader_id, market) not in self.follows:
            raise reject("43062", "not to follow")
        self._drop_follow(uid, trader, market)

    def _drop_follow(self, uid: str, trader: Trader, market: str) -> None:
        for t in self._open_tracks(uid, market):
            if t.trader_id == trader.trader_id and t.role == FOLLOWER and not t.stopped:
                self._close_follower(t, "unfollow")
        self.follows.pop((uid, trader.trader_id, market), None)
        (trader.followers if market == FUTURES_MARKET else trader.spot_followers).pop(uid, None)

    def remove_follower(self, trader_uid: str, follower_uid: str, market: str = FUTURES_MARKET) -> None:
        """The trader removes a follower: their copies of this trader are closed; they may follow again after a
        cool-down (43047)."""
        trader = self.trader_for_uid(trader_uid)
        followers = trader.followers if market == FUTURES_MARKET else trader.spot_followers
        if follower_uid not in followers:
            raise reject("43066", "The trader failed to remove the follower")
        self._drop_follow(follower_uid, trader, market)
        trader.removed[follower_uid] = self.now()

    def follower_slots(self, trader: Trader) -> int:
        return max_followers(self._trader_equity(trader))

    def follower_count(self, trader: Trader) -> int:
        real = len(set(trader.followers) | set(trader.spot_followers))
        if trader.profile is None:
            return real
        return self.book.stats(trader.trader_id, self.now(), 90, real_followers=real).followers

    def _trader_equity(self, trader: Trader) -> Decimal:
        if trader.profile is not None:
            return self.book.equity_at(trader.profile, self.now())
        return self.exchange.futures_account(trader.uid or "").equity

    # ---- copying ------------------------------------------------------------------------------------------------

    def _copy_open_to_followers(self, trader: Trader, parent: Track, fill_size: Decimal) -> None:
        followers = trader.followers if parent.market == FUTURES_MARKET else trader.spot_followers
        for uid in sorted(followers):
            follow = self.follows.get((uid, trader.trader_id, parent.market))
            if follow is None:
                continue
            try:
                if parent.market == FUTURES_MARKET:
                    self._copy_futures(follow, parent, fill_size)
                else:
                    self._copy_spot(follow, parent, fill_size)
            except ExchangeError as exc:
                self.failures.append((self.now(), uid, parent.tracking_no, str(exc)))
                log.debug("copy of %s for %s failed: %s", parent.tracking_no, uid, exc)

    def _setting_for(self, follow: Follow, symbol: str) -> FollowSetting | None:
        setting = follow.settings.get(symbol)
        if setting is None and follow.mode == "basic" and follow.auto_copy:
            setting = FollowSetting(symbol, "percent", Decimal(1))
        return setting

    def _copy_futures(self, follow: Follow, parent: Track, fill_size: Decimal) -> None:
        setting = self._setting_for(follow, parent.symbol)
        if setting is None:
            return
        uid = follow.follower_uid
        market = find_market(parent.symbol, FUTURES)
        price = self._mark(parent.symbol)
        leverage = parent.leverage
        current = self.exchange.symbol_settings(uid, parent.symbol)
        if setting.lever_type == "specify":
            chosen = setting.long_leverage if parent.hold_side == "long" else setting.short_leverage
            leverage = int(chosen or parent.leverage)
        elif setting.lever_type == "position":
            leverage = current.cross_leverage if current.margin_mode == "crossed" else (
                current.long_leverage if parent.hold_side == "long" else current.short_leverage)
        leverage = max(market.info.min_leverage, min(int(leverage), market.info.max_leverage))
        existing = next((t for t in self._open_tracks(uid, FUTURES_MARKET) if t.parent == parent.tracking_no), None)
        first = existing is None
        if setting.trace_type == "percent":
            size = fill_size * setting.trace_value
        elif not first:
            return                                  # fixed amount/count: once per trader order
        elif setting.trace_type == "amount":
            size = setting.trace_value * leverage / price
        else:
            size = setting.trace_value
        held = self.tracked_size(uid, FUTURES_MARKET, parent.symbol, parent.hold_side)
        if setting.max_hold_size is not None:
            size = min(size, setting.max_hold_size - held)
        size = min(round_down(size, market.lot), self._max_follow_size(market))
        if size < market.info.min_size or size * price < market.info.min_notional:
            return
        if (current.margin_mode == "crossed" and current.cross_leverage != leverage) or (
                current.margin_mode != "crossed"
                and (current.long_leverage if parent.hold_side == "long" else current.short_leverage) != leverage):
            self.exchange.set_leverage(uid, parent.symbol, leverage, parent.hold_side)
        order = self._own(self._raw_place_futures(uid, parent.symbol, "buy" if parent.hold_side == "long" else "sell",
                                                  "market", size, None, "gtc", None, None, "open", False, None, None))
        if order.filled_size <= 0:
            return
        if existing is not None:
            total = existing.size + order.filled_size
            existing.open_price = (existing.open_price * existing.size + order.avg_price * order.filled_size) / total
            existing.size = total
            existing.open_fee += order.fee
            return
        track = Track(self._next_tracking_no(), FOLLOWER, uid, parent.trader_id, FUTURES_MARKET, parent.symbol,
                      parent.hold_side, leverage, order.margin_mode or current.margin_mode, order.filled_size,
                      order.avg_price, order.fee, order.u_time, order.order_id, parent=parent.tracking_no,
                      trader_price=parent.open_price, delay_ms=max(0, order.u_time - parent.open_time))
        track.tp = ratio_price(track.open_price, leverage, track.hold_side, setting.stop_surplus_ratio, up=True,
                                market=FUTURES_MARKET, tick=market.tick)
        track.sl = ratio_price(track.open_price, leverage, track.hold_side, setting.stop_loss_ratio, up=False,
                                market=FUTURES_MARKET, tick=market.tick)
        self._add_child(parent, track)

    def _copy_spot(self, follow: Follow, parent: Track, fill_size: Decimal) -> None:
        setting = follow.spot_settings.get(parent.symbol)
        if setting is None:
            if follow.mode == "basic" and follow.auto_copy:
                setting = SpotFollowSetting(parent.symbol, "percent", Decimal(1), None)
            else:
                return
        uid = follow.follower_uid
        market = find_market(parent.symbol, SPOT)
        price = self._spot_price(market)
        value = setting.trace_value or Decimal(1)
        if setting.trace_type == "percent":
            quote = fill_size * parent.open_price * value
        elif setting.trace_type == "amount":
            quote = value
        else:
            quote = value * price
        if setting.max_hold_size is not None:
            room = setting.max_hold_size - self.tracked_size(uid, SPOT_MARKET, parent.symbol)
            quote = min(quote, room * price)
        quote = round_down(quote, Decimal("0.01"))
        if quote < market.info.min_notional:
            return
        order = self._own(self._raw_place_spot(uid, parent.symbol, "buy", "market", quote, None, "gtc", None))
        received = order.filled_size - order.fee
        if received <= 0:
            return
        track = Track(self._next_tracking_no(), FOLLOWER, uid, parent.trader_id, SPOT_MARKET, parent.symbol, "long",
                      1, "", received, order.avg_price, order.fee * order.avg_price, order.u_time, order.order_id,
                      parent=parent.tracking_no, trader_price=parent.open_price,
                      delay_ms=max(0, order.u_time - parent.open_time))
        track.tp = ratio_price(track.open_price, 1, "long", setting.stop_surplus_ratio, up=True, market=SPOT_MARKET,
                                tick=market.tick)
        track.sl = ratio_price(track.open_price, 1, "long", setting.stop_loss_ratio, up=False, market=SPOT_MARKET,
                                tick=market.tick)
        self._add_child(parent, track)

    def _add(self, track: Track) -> None:
        self.tracks[track.tracking_no] = track
        self._open[track.tracking_no] = track

    def _closed(self, track: Track) -> None:
        self._open.pop(track.tracking_no, None)

    def _add_child(self, parent: Track, track: Track) -> None:
        self._add(track)
        self.children.setdefault(parent.tracking_no, []).append(track.tracking_no)
        parent.follow_count += 1

    def _max_follow_size(self, market: SimMarket) -> Decimal:
        return round_down(MAX_FOLLOW_NOTIONAL / market.start_price, market.lot)

    # ---- closing -------------------------------------------------------------------------------------------------

    def _close_children(self, parent: Track, reason: str) -> None:
        for tno in self.children.get(parent.tracking_no, []):
            child = self.tracks[tno]
            if child.is_open and not child.stopped:
                self._close_follower(child, reason)

    def _close_follower(self, track: Track, reason: str, stop_type: str = "") -> list[str]:
        """Close a follower's tracking order at market; settle the profit share. Returns the closing order ids."""
        try:
            order = self._close_order(track)
        except ExchangeError as exc:
            self.failures.append((self.now(), track.owner, track.tracking_no, str(exc)))
            if track.market == FUTURES_MARKET and self._position_total(track.owner, track.symbol,
                                                                      track.hold_side) <= 0:
                self._mark_closed(track, self._mark(track.symbol), "")
            return []
        self._finish_close(track, order, stop_type)
        self._settle_share(track)
        return [order.order_id]

    def _close_order(self, track: Track) -> Order:
        if track.market == SPOT_MARKET:
            market = find_market(track.symbol, SPOT)
            size = round_down(track.size, market.lot)
            return self._own(self._raw_place_spot(track.owner, track.symbol, "sell", "market", size, None, "gtc",
                                                  None))
        side = "buy" if track.hold_side == "long" else "sell"
        return self._own(self._raw_place_futures(track.owner, track.symbol, side, "market", track.size, None, "gtc",
                                                 None, None, "close", False, None, None))

    def _finish_close(self, track: Track, order: Order, stop_type: str) -> None:
        price = order.avg_price if order.filled_size > 0 else self.price_of(track)
        track.close_time = order.u_time
        track.close_price = price
        track.close_size = order.filled_size if order.filled_size > 0 else track.size
        track.close_order_id = order.order_id
        if track.market == SPOT_MARKET:
            track.close_fee = order.fee                     # sells pay in USDT
        else:
            track.close_fee = order.fee
        track.achieved_pl = track.unrealized(price) * (track.close_size / track.size if track.size else 1)
        track.stop_type = stop_type
        self._closed(track)

    def _mark_closed(self, track: Track, price: Decimal, stop_type: str) -> None:
        """A tracking order whose position closed outside copy trading (TP/SL plan, liquidation)."""
        track.close_time = self.now()
        track.close_price = price
        track.close_size = track.size
        track.achieved_pl = track.unrealized(price)
        track.stop_type = stop_type
        self._closed(track)
        self._settle_share(track)

    def _settle_share(self, track: Track) -> None:
        if track.role != FOLLOWER:
            return
        trader = self.traders.get(track.trader_id)
        net = track.achieved_pl - track.open_fee - track.close_fee
        if trader is None or net <= 0:
            return
        share = (net * trader.share_ratio).quantize(MONEY, rounding=ROUND_DOWN)
        if share <= 0:
            return
        if track.market == FUTURES_MARKET:
            self.exchange.transfer_futures(track.owner, trader.uid, share)
        else:
            self.exchange.transfer_spot(track.owner, trader.uid, share)
        track.profit_share = share
        self._profit_seq += 1
        trader.profits.append(ProfitRecord(str(self._profit_seq), "USDT", share, self._name(track.owner),
                                           track.close_time or self.now(), trader.share_ratio, track.market))

    def trader_close(self, uid: str, *, tracking_no: str | None = None, symbol: str | None = None,
                     market: str = FUTURES_MARKET, tracking_nos: Iterable[str] | None = None) -> list[Track]:
        """``order-close-positions`` (futures) / ``order-close-tracking`` (spot): the simulator trader closes
        tracking orders at market; their followers' copies close too."""
        self.trader_for_uid(uid)
        targets = self._select(uid, market, TRADER, tracking_no, symbol, tracking_nos)
        closed = []
        for track in targets:
            try:
                order = self._close_order(track)
            except ExchangeError:
                if track.market == FUTURES_MARKET and self._position_total(uid, track.symbol, track.hold_side) > 0:
                    raise
                self._mark_closed(track, self.price_of(track), "")
            else:
                self._finish_close(track, order, "")
            self._close_children(track, "trader")
            closed.append(track)
        return closed

    def follower_close(self, uid: str, *, tracking_no: str | None = None, symbol: str | None = None,
                       hold_side: str | None = None, market: str = FUTURES_MARKET,
                       tracking_nos: Iterable[str] | None = None) -> list[str]:
        """``mix-follower/close-positions`` / ``spot-follower/order-close-tracking``: close copies at market."""
        targets = self._select(uid, market, FOLLOWER, tracking_no, symbol, tracking_nos)
        if hold_side:
            targets = [t for t in targets if t.hold_side == hold_side.lower()]
            if not targets:
                raise reject("22002", "No position to close")
        out: list[str] = []
        for track in targets:
            out.extend(self._close_follower(track, "follower"))
        return out

    def _select(self, uid: str, market: str, role: str, tracking_no: str | None, symbol: str | None,
                tracking_nos: Iterable[str] | None) -> list[Track]:
        wanted = {tracking_no} if tracking_no else set(tracking_nos or ())
        if wanted:
            out = []
            for tno in sorted(wanted):
                track = self.tracks.get(tno)
                if track is None or track.owner != uid or track.role != role or track.market != market:
                    raise reject("43065", "Tracking No does not exist")
                if not track.is_open or track.stopped:
                    raise reject("43064", "Tracking order status error")
                if symbol and track.symbol != symbol.upper():
                    raise reject("43065", "Tracking No does not exist")
                out.append(track)
            return out
        out = [t for t in self._open_tracks(uid, market) if t.role == role and not t.stopped
               and (symbol is None or t.symbol == symbol.upper())]
        if not out:
            raise reject("22002", "No position to close")
        return out

    def spot_stop(self, uid: str, tracking_nos: Iterable[str]) -> None:
        """``spot-follower/stop-order``: these buys stop following the trader (they stay in the account)."""
        for track in self._select(uid, SPOT_MARKET, FOLLOWER, None, None, tracking_nos):
            track.stopped = True

    # ---- TP/SL ---------------------------------------------------------------------------------------------------

    def set_tpsl(self, uid: str, tracking_no: str, take_profit: Decimal | None, stop_loss: Decimal | None, *,
                 role: str, market: str = FUTURES_MARKET) -> Track:
        """Tracking TP/SL: ``None`` keeps a price, 0 removes it. A trader may change it every 300 ms (43036)."""
        if take_profit is None and stop_loss is None:
            raise reject("40019", "Parameter stopSurplusPrice cannot be empty")
        (track,) = self._select(uid, market, role, tracking_no, None, None)
        now = self.clock()
        if role == TRADER and now - track.tpsl_time < TPSL_INTERVAL_MS:
            raise reject("43036", "Trader modify tpsl can only be operated once within 300ms")
        price = self.price_of(track)
        long = track.hold_side == "long"
        if take_profit and ((take_profit <= price) if long else (take_profit >= price)):
            raise reject("40917", f"Take profit price please {'>' if long else '<'} mark price {price}")
        if stop_loss and ((stop_loss >= price) if long else (stop_loss <= price)):
            raise reject("40917", f"Stop loss price please {'<' if long else '>'} mark price {price}")
        if take_profit is not None:
            track.tp = take_profit or None
        if stop_loss is not None:
            track.sl = stop_loss or None
        track.tpsl_time = now
        return track

    def _check_tpsl(self) -> None:
        prices: dict[tuple[str, str], Decimal] = {}
        for track in [t for t in self._open.values() if (t.tp or t.sl) and not t.stopped]:
            key = (track.market, track.symbol)
            price = prices.get(key)
            if price is None:
                price = prices[key] = self.price_of(track)
            long = track.hold_side == "long"
            hit_tp = track.tp is not None and (price >= track.tp if long else price <= track.tp)
            hit_sl = track.sl is not None and (price <= track.sl if long else price >= track.sl)
            if not (hit_tp or hit_sl):
                continue
            stop_type = "profit" if hit_tp else "loss"
            if track.role == FOLLOWER:
                self._close_follower(track, "tpsl", stop_type)
            elif track.owner in self.trader_of_uid:
                self.trader_close(track.owner, tracking_no=track.tracking_no, market=track.market)
                track.stop_type = stop_type

    # ---- reconciliation ------------------------------------------------------------------------------------------

    def _reconcile(self) -> None:
        """Tracked futures size above the position (closed by a TP/SL plan or liquidation): close tracks, oldest
        first, at the mark; a simulator trader's closed tracks close their followers' copies too."""
        groups: dict[tuple[str, str, str], list[Track]] = {}
        uids = self._uids()
        for t in self._open.values():
            if t.market == FUTURES_MARKET and t.owner in uids:
                groups.setdefault((t.owner, t.symbol, t.hold_side), []).append(t)
        for (uid, symbol, hold_side), tracks in groups.items():
            tracked = sum((t.size for t in tracks), ZERO)
            held = self._position_total(uid, symbol, hold_side)
            if held >= tracked:
                continue
            shortfall = tracked - held
            price = self._mark(symbol)
            for track in sorted(tracks, key=lambda t: (t.open_time, t.tracking_no)):
                if shortfall <= 0:
                    break
                shortfall -= track.size
                self._mark_closed(track, price, "")
                if track.role == TRADER:
                    self._close_children(track, "trader")

    def _uids(self) -> set[str]:
        return set(self.exchange.users())

    # ---- queries -------------------------------------------------------------------------------------------------

    def _open_tracks(self, uid: str, market: str) -> list[Track]:
        return [t for t in self._open.values() if t.owner == uid and t.market == market]

    def tracks_of(self, owner: str, *, role: str, market: str = FUTURES_MARKET, open_: bool = True,
                  symbol: str | None = None, trader_id: str | None = None) -> list[Track]:
        """Tracking orders newest first (by trackingNo)."""
        sym = symbol.upper() if symbol else None
        pool = self._open.values() if open_ else self.tracks.values()
        out = [t for t in pool if t.owner == owner and t.role == role and t.market == market
               and t.is_open == open_ and (sym is None or t.symbol == sym)
               and (trader_id is None or t.trader_id == trader_id)]
        out.sort(key=lambda t: int(t.tracking_no), reverse=True)
        return out

    def trader_history(self, trader: Trader, *, symbol: str | None = None) -> list[Track]:
        """A trader's closed tracking orders, newest first (a synthetic trader's from its trader book: the year of
        history and the live trades closed since)."""
        if trader.profile is None:
            return self.tracks_of(trader.uid or "", role=TRADER, open_=False, symbol=symbol)
        sym = symbol.upper() if symbol else None
        return [track_from_trade(t) for t in reversed(self.book.history(trader.trader_id))
                if sym is None or t.symbol == sym]

    def trader_open(self, trader: Trader, *, symbol: str | None = None, market: str = FUTURES_MARKET) -> list[Track]:
        return self.tracks_of(trader.uid or trader.trader_id, role=TRADER, market=market, symbol=symbol)

    def followed(self, uid: str, market: str = FUTURES_MARKET) -> list[Follow]:
        return sorted((f for f in self.follows.values() if f.follower_uid == uid and f.market == market),
                      key=lambda f: f.since_ms)

    def quantity_limits(self, symbol: str | None = None) -> list[tuple[str, Decimal, Decimal]]:
        out = []
        for sym in COPY_SYMBOLS:
            if symbol and sym != symbol.upper():
                continue
            market = find_market(sym, FUTURES)
            out.append((sym, market.info.min_size, self._max_follow_size(market)))
        return out

    def stats(self, trader: Trader, days: int | None = None) -> TraderStats:
        """Statistics of any trader (synthetic: from their trades; simulator user: from their tracking orders)."""
        now = self.now()
        real = len(set(trader.followers) | set(trader.spot_followers))
        aum = sum((t.margin for t in self._open.values() if t.role == FOLLOWER
                   and t.trader_id == trader.trader_id), ZERO)
        if trader.profile is not None:
            return self.book.stats(trader.trader_id, now, days, real_followers=real, real_aum=aum)
        closed = sorted((t for t in self.tracks_of(trader.uid or "", role=TRADER, open_=False)),
                        key=lambda t: t.close_time or 0)
        start = None if days is None else now - days * DAY_MS
        base = trader.start_equity or self._trader_equity(trader)
        equity = base
        peak = base
        worst = ZERO
        pnl = ZERO
        wins = losses = 0
        for t in closed:
            net = t.achieved_pl - t.open_fee - t.close_fee
            equity += net
            if start is not None and (t.close_time or 0) < start:
                peak = max(peak, equity)
                continue
            pnl += net
            wins += net > 0
            losses += net <= 0
            peak = max(peak, equity)
            if peak > 0:
                worst = max(worst, (peak - equity) / peak)
        trades = wins + losses
        current = self._trader_equity(trader)
        slots = max_followers(current)
        return TraderStats(days, pnl, (pnl / base * HUNDRED).quantize(Decimal("0.01")) if base > 0 else ZERO, trades,
                           wins, losses,
                           (Decimal(wins) / trades * HUNDRED).quantize(Decimal("0.01")) if trades else ZERO,
                           (worst * HUNDRED).quantize(Decimal("0.01")), current, real, slots,
                           trader.total_followers, aum.quantize(Decimal("0.01")))

    def followers_pnl(self, trader: Trader) -> Decimal:
        return sum((t.net_profit for t in self.tracks.values() if t.role == FOLLOWER and not t.is_open
                    and t.trader_id == trader.trader_id), ZERO)

    def ranked_traders(self, *, sort_rule: str = "composite", descending: bool = True, trader_id: str | None = None,
                       name: str | None = None, full_only: bool = False,
                       days: int | None = None) -> list[RankedTrader]:
        out = []
        for trader in self.traders.values():
            if not trader.enabled:
                continue
            if trader_id and trader.trader_id != trader_id:
                continue
            if name and name.lower() not in trader.name.lower():
                continue
            stats = self.stats(trader, days)
            if full_only and stats.followers < stats.max_followers:
                continue
            trading = tuple(sorted({t.symbol for t in self.trader_open(trader)})) or tuple(trader.symbols)
            out.append(RankedTrader(trader, stats, self.followers_pnl(trader), trading))
        keys: dict[str, Callable[[RankedTrader], Decimal]] = {
            "roi": lambda r: r.stats.roi,
            "totalpl": lambda r: r.stats.pnl,
            "aum": lambda r: r.stats.aum,
            "composite": lambda r: r.stats.roi * Decimal(max(r.stats.followers, 1)).sqrt()
            - r.stats.max_drawdown * 2,
        }
        key = keys.get(sort_rule.lower(), keys["composite"])
        out.sort(key=lambda r: (key(r), r.trader.trader_id), reverse=descending)
        return out

    def summary_series(self, trader: Trader, days: int) -> tuple[list[tuple[int, Decimal]], list[tuple[int, Decimal]]]:
        """Daily cumulative ROI (%) and profit (USDT) over the last ``days`` days, for ``order-total-detail``."""
        now = self.now()
        today = now // DAY_MS * DAY_MS
        if trader.profile is not None:
            base = self.book.equity_at(trader.profile, today - days * DAY_MS)
            rois, profits = [], []
            for d in range(days, 0, -1):
                t = today - (d - 1) * DAY_MS
                gain = self.book.equity_at(trader.profile, t) - base
                profits.append((t, gain))
                rois.append((t, (gain / base * HUNDRED).quantize(Decimal("0.01")) if base > 0 else ZERO))
            return rois, profits
        closed = self.tracks_of(trader.uid or "", role=TRADER, open_=False)
        base = trader.start_equity or Decimal(1)
        rois, profits = [], []
        for d in range(days, 0, -1):
            t = today - (d - 1) * DAY_MS
            gain = sum((x.achieved_pl - x.open_fee - x.close_fee for x in closed
                        if t - days * DAY_MS < (x.close_time or 0) <= t), ZERO)
            profits.append((t, gain))
            rois.append((t, (gain / base * HUNDRED).quantize(Decimal("0.01"))))
        return rois, profits

    def pending_profit(self, trader: Trader, market: str = FUTURES_MARKET) -> dict[str, Decimal]:
        """Profit share that open profitable copies would pay now, per follower alias (``profit-details``)."""
        out: dict[str, Decimal] = {}
        for t in self._open.values():
            if t.role == FOLLOWER and t.trader_id == trader.trader_id and t.market == market:
                net = t.unrealized(self.price_of(t)) - t.open_fee
                if net > 0:
                    name = self._name(t.owner)
                    out[name] = out.get(name, ZERO) + (net * trader.share_ratio).quantize(MONEY, ROUND_DOWN)
        return out

    def follower_name(self, uid: str) -> str:
        return self._name(uid)

    def _name(self, uid: str) -> str:
        return self._names.get(uid) or f"BGU***{uid[-4:]}"

    # ---- helpers -------------------------------------------------------------------------------------------------

    def _next_tracking_no(self) -> str:
        self._seq += 1
        return str(REAL_TRACK_BASE + self._seq)

    def _mark(self, symbol: str) -> Decimal:
        return self.exchange.mark_price(SymbolRef(symbol, FUTURES))

    def _spot_price(self, market: SimMarket) -> Decimal:
        return self.exchange.ticker(market.ref).last

    def price_of(self, track: Track) -> Decimal:
        if track.market == SPOT_MARKET:
            return self._spot_price(find_market(track.symbol, SPOT))
        return self._mark(track.symbol)
