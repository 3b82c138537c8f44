"""Following: simulator users become elite traders (and get the synthetic followers), users follow traders with
per-symbol settings under Bitget's rules (hedge mode, follower slots, no self-follow, the cool-down after a
removal), unfollow, and traders remove followers; a follow that ends closes its open copies."""

from __future__ import annotations

from collections.abc import Iterable

from terminal_app.core.copy_trading import FollowSetting, SpotFollowSetting
from terminal_app.sim.copy.closer import Closer
from terminal_app.sim.copy.desk import CopyDesk
from terminal_app.sim.copy.registry import CopyRegistry
from terminal_app.sim.copy.state import (
    DEFAULT_SHARE_RATIO,
    FOLLOWER,
    FUTURES,
    FUTURES_MARKET,
    REFOLLOW_COOLDOWN_MS,
    SPOT_MARKET,
    SYNTHETIC_FOLLOWERS,
    Follow,
    SymbolConfig,
    Trader,
    check_ratio,
    check_trace,
    reject,
)
from terminal_app.sim.copy.stats import CopyStats
from terminal_app.sim.copy.traders import COPY_SYMBOLS, SPOT_COPY_SYMBOLS, max_followers, trader_id_for
from terminal_app.sim.market.markets import find_market


class Following:
    """Who trades, who follows whom, with which settings."""

    def __init__(self, reg: CopyRegistry, desk: CopyDesk, closer: Closer, stats: CopyStats, seed: int) -> None:
        self.reg = reg
        self.desk = desk
        self.closer = closer
        self.stats = stats
        self.seed = seed

    def enable_trader(self, uid: str, *, enable: bool = True, show_total_equity: bool | None = None,
                      show_tpsl: bool | None = None) -> Trader:
        """``config-settings-base``: become (or stop being) an elite trader. Needs hedge mode (40731). A new trader
        gets the synthetic followers, within the follower slots of their equity."""
        if uid in self.reg.trader_of_uid:
            trader = self.reg.traders[self.reg.trader_of_uid[uid]]
        else:
            if not enable:
                raise reject("40732", "Not currently a trader")
            if any(f.follower_uid == uid for f in self.reg.follows.values()):
                raise reject("45075", "The user already has an ongoing copy trade")
            name = f"BGU-{uid[-4:]}"
            trader = Trader(trader_id_for(self.seed, f"user:{uid}"), name, uid, None, DEFAULT_SHARE_RATIO,
                            {s: SymbolConfig() for s in COPY_SYMBOLS}, set(SPOT_COPY_SYMBOLS), enabled=False)
            self.reg.traders[trader.trader_id] = trader
            self.reg.trader_of_uid[uid] = trader.trader_id
        if enable and not trader.enabled:
            if self.desk.exchange.futures_account(uid).pos_mode != "hedge_mode":
                raise reject("40731", "This product does not support copy trading")
            trader.enabled = True
            trader.since_ms = self.desk.now()
            trader.start_equity = self.desk.exchange.futures_account(uid).equity
            self._add_synthetic_followers(trader)
        elif not enable and trader.enabled:
            if self.reg.open_tracks(uid, FUTURES_MARKET) or self.reg.open_tracks(uid, SPOT_MARKET):
                raise reject("40852", "There are unfilled orders, cannot end the copy")
            for follower in list(trader.followers):
                self.drop_follow(follower, trader, FUTURES_MARKET)
            for follower in list(trader.spot_followers):
                self.drop_follow(follower, trader, SPOT_MARKET)
            trader.enabled = False
        if show_total_equity is not None:
            trader.show_total_equity = show_total_equity
        if show_tpsl is not None:
            trader.show_tpsl = show_tpsl
        return trader

    def _add_synthetic_followers(self, trader: Trader) -> None:
        slots = max_followers(self.desk.exchange.futures_account(trader.uid or "").equity)
        for uid, _name, ratio in SYNTHETIC_FOLLOWERS:
            if len(trader.followers) >= slots or uid in trader.removed or uid in trader.followers:
                continue
            self.desk.exchange.ensure_user(uid)
            if self.desk.exchange.futures_account(uid).pos_mode != "hedge_mode":
                self.desk.set_position_mode(uid, "hedge_mode")
            settings = [FollowSetting(s, "percent", ratio) for s in COPY_SYMBOLS]
            self._store_follow(uid, trader, FUTURES_MARKET, settings, [], True, "advanced")
            spot = [SpotFollowSetting(s, "percent", ratio, None) for s in SPOT_COPY_SYMBOLS]
            self._store_follow(uid, trader, SPOT_MARKET, [], spot, True, "advanced")

    def follow(self, uid: str, trader_id: str, settings: Iterable[FollowSetting], *, auto_copy: bool = True,
               mode: str = "advanced") -> Follow:
        """``mix-follower/settings``: follow ``trader_id`` (or update the settings). Checks Bitget's rules."""
        trader = self._check_can_follow(uid, trader_id, FUTURES_MARKET)
        checked = [self._check_setting(s) for s in settings]
        if not checked:
            raise reject("40019", "Parameter settings cannot be empty")
        if self.desk.exchange.futures_account(uid).pos_mode != "hedge_mode":
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
        trader = self.reg.trader(trader_id)
        if trader.uid == uid:
            raise reject("43063", "Can not follow trade with yourself")
        if self.reg.active_trader(uid) is not None:
            raise reject("31031", "You're log in as trader,can not follow trade")
        removed = trader.removed.get(uid)
        if removed is not None and self.desk.now() - removed < REFOLLOW_COOLDOWN_MS:
            raise reject("43047", "Followers are not allowed to follow again within xx minutes after being "
                                  "removed, please try again later!")
        followers = trader.followers if market == FUTURES_MARKET else trader.spot_followers
        if uid not in followers and self.stats.follower_count(trader) >= self.stats.follower_slots(trader):
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
        follow = self.reg.follows.get(key)
        if follow is None:
            follow = Follow(uid, trader.trader_id, market, self.desk.now(), auto_copy, mode)
            self.reg.follows[key] = follow
            followers = trader.followers if market == FUTURES_MARKET else trader.spot_followers
            if not trader.followers.get(uid) and not trader.spot_followers.get(uid):
                trader.total_followers += 1
            followers[uid] = follow.since_ms
        follow.auto_copy = auto_copy
        follow.mode = mode
        for s in settings:
            follow.settings[s.symbol] = s
        for spot in spot_settings:
            follow.spot_settings[spot.symbol] = spot
        return follow

    def follow_of(self, uid: str, trader_id: str, market: str = FUTURES_MARKET) -> Follow | None:
        return self.reg.follows.get((uid, trader_id, market))

    def unfollow(self, uid: str, trader_id: str, market: str = FUTURES_MARKET) -> None:
        """``cancel-trader``: stop following; copy positions of this trader still open are closed at market."""
        trader = self.reg.traders.get(trader_id)
        if trader is None or (uid, trader_id, market) not in self.reg.follows:
            raise reject("43062", "not to follow")
        self.drop_follow(uid, trader, market)

    def drop_follow(self, uid: str, trader: Trader, market: str) -> None:
        for t in self.reg.open_tracks(uid, market):
            if t.trader_id == trader.trader_id and t.role == FOLLOWER and not t.stopped:
                self.closer.close_follower(t, "unfollow")
        self.reg.follows.pop((uid, trader.trader_id, market), None)
        (trader.followers if market == FUTURES_MARKET else trader.spot_followers).pop(uid, None)

    def remove_follower(self, trader_uid: str, follower_uid: str, market: str = FUTURES_MARKET) -> None:
        """The trader removes a follower: their copies of this trader are closed; they may follow again after a
        cool-down (43047)."""
        trader = self.reg.trader_for_uid(trader_uid)
        followers = trader.followers if market == FUTURES_MARKET else trader.spot_followers
        if follower_uid not in followers:
            raise reject("43066", "The trader failed to remove the follower")
        self.drop_follow(follower_uid, trader, market)
        trader.removed[follower_uid] = self.desk.now()
