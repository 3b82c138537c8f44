"""Opening tracking orders and copying them: a synthetic trader's decision or a simulator trader's opening fill
becomes a trader tracking order, and every follower gets a copy sized by its settings (percent of the trader's
size, a fixed amount or count, capped by max hold size) as a market order in its own account."""

from __future__ import annotations

import logging
from decimal import Decimal

from terminal_app.bitget.errors import ExchangeError
from terminal_app.core.copy_trading import FollowSetting, SpotFollowSetting
from terminal_app.sim.copy.desk import CopyDesk
from terminal_app.sim.copy.registry import CopyRegistry
from terminal_app.sim.copy.state import (
    FOLLOWER,
    FUTURES,
    FUTURES_MARKET,
    MONEY,
    SPOT,
    SPOT_MARKET,
    TRADER,
    Follow,
    SymbolConfig,
    Track,
    Trader,
    max_follow_size,
    ratio_price,
    round_down,
    taker_fee,
)
from terminal_app.sim.copy.traders import LiveOpen, TraderBook
from terminal_app.sim.engine.events import FillEvent
from terminal_app.sim.market.markets import find_market

log = logging.getLogger("terminal_app.sim.copy.copier")


class Copier:
    """Creates trader tracking orders and their followers' copies."""

    def __init__(self, reg: CopyRegistry, desk: CopyDesk, book: TraderBook) -> None:
        self.reg = reg
        self.desk = desk
        self.book = book

    def synthetic_open(self, decision: LiveOpen) -> Track | None:
        """A synthetic trader's live open, copied to its followers; the track is due to close at
        ``decision.close_time``."""
        profile = decision.profile
        trader = self.reg.traders[profile.trader_id]
        if decision.spot:
            market = find_market(decision.symbol, SPOT)
            price = self.desk.spot_price(market)
            if price <= 0:
                return None
            size = round_down(profile.spot_amount / price, market.lot)
            fee = (size * market.info.taker_fee).quantize(MONEY)
            if size <= 0:
                return None
            track = Track(decision.tracking_no, TRADER, trader.trader_id, trader.trader_id, SPOT_MARKET,
                          decision.symbol, "long", 1, "", size - fee, price, fee * price, decision.time,
                          decision.tracking_no, due_ms=decision.close_time)
        else:
            price = self.desk.mark(decision.symbol)
            # sized on the trader's starting equity: live trading must not wait for the year of history
            size = self.book.size_for(profile, decision.symbol, price, profile.initial_equity)
            if size <= 0:
                return None
            track = Track(decision.tracking_no, TRADER, trader.trader_id, trader.trader_id, FUTURES_MARKET,
                          decision.symbol, decision.hold_side, profile.leverage, "crossed", size, price,
                          taker_fee(price * size), decision.time, decision.tracking_no, due_ms=decision.close_time)
        self.reg.add(track)
        self.copy_open_to_followers(trader, track, track.size)
        return track

    def copy_trader_fills(self, fills: list[FillEvent]) -> None:
        """Simulator traders' opening fills become tracking orders (or grow the one of their order)."""
        for event in fills:
            fill = event.fill
            if self.desk.is_own(fill.order_id):
                continue
            trader = self.reg.active_trader(event.uid)
            if trader is None:
                continue
            symbol = fill.ref.symbol
            if fill.ref.product is FUTURES:
                config = trader.symbols.get(symbol)
                if config is None or not config.open or fill.trade_side != "open":
                    continue
                self._trader_fill(trader, event.uid, FUTURES_MARKET, symbol, fill.hold_side, fill.size, fill.price,
                                  fill.fee, fill.order_id, fill.ts, config)
            elif fill.ref.product is SPOT and fill.side == "buy" and symbol in trader.spot_symbols:
                received = fill.size - fill.fee if fill.fee_coin != "USDT" else fill.size
                self._trader_fill(trader, event.uid, SPOT_MARKET, symbol, "long", received, fill.price,
                                  fill.fee * fill.price if fill.fee_coin != "USDT" else fill.fee, fill.order_id,
                                  fill.ts, None)

    def _trader_fill(self, trader: Trader, uid: str, market: str, symbol: str, hold_side: str, size: Decimal,
                     price: Decimal, fee: Decimal, order_id: str, ts: int, config: SymbolConfig | None) -> None:
        tno = self.reg.by_order.get(order_id)
        track = self.reg.tracks.get(tno) if tno else None
        if track is None:
            leverage = 1
            margin_mode = ""
            if market == FUTURES_MARKET:
                settings = self.desk.exchange.symbol_settings(uid, symbol)
                margin_mode = settings.margin_mode
                leverage = settings.cross_leverage if margin_mode == "crossed" else (
                    settings.long_leverage if hold_side == "long" else settings.short_leverage)
            track = Track(self.reg.next_tracking_no(), TRADER, uid, trader.trader_id, market, symbol, hold_side,
                          leverage, margin_mode, size, price, fee, ts, order_id)
            if config is not None:
                tick = find_market(symbol, FUTURES).tick
                track.tp = ratio_price(price, leverage, hold_side, config.tp_ratio, up=True, market=market, tick=tick)
                track.sl = ratio_price(price, leverage, hold_side, config.sl_ratio, up=False, market=market,
                                        tick=tick)
            self.reg.add(track)
            self.reg.by_order[order_id] = track.tracking_no
        else:
            total = track.size + size
            track.open_price = (track.open_price * track.size + price * size) / total
            track.size = total
            track.open_fee += fee
        self.copy_open_to_followers(trader, track, size)

    def copy_open_to_followers(self, trader: Trader, parent: Track, fill_size: Decimal) -> None:
        followers = trader.followers if parent.market == FUTURES_MARKET else trader.spot_followers
        for uid in sorted(followers):
            follow = self.reg.follows.get((uid, trader.trader_id, parent.market))
            if follow is None:
                continue
            try:
                if parent.market == FUTURES_MARKET:
                    self._copy_futures(follow, parent, fill_size)
                else:
                    self._copy_spot(follow, parent, fill_size)
            except ExchangeError as exc:
                self.reg.failures.append((self.desk.now(), uid, parent.tracking_no, str(exc)))
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
        price = self.desk.mark(parent.symbol)
        leverage = parent.leverage
        current = self.desk.exchange.symbol_settings(uid, parent.symbol)
        if setting.lever_type == "specify":
            chosen = setting.long_leverage if parent.hold_side == "long" else setting.short_leverage
            leverage = int(chosen or parent.leverage)
        elif setting.lever_type == "position":
            leverage = current.cross_leverage if current.margin_mode == "crossed" else (
                current.long_leverage if parent.hold_side == "long" else current.short_leverage)
        leverage = max(market.info.min_leverage, min(int(leverage), market.info.max_leverage))
        existing = next((t for t in self.reg.open_tracks(uid, FUTURES_MARKET) if t.parent == parent.tracking_no), None)
        first = existing is None
        if setting.trace_type == "percent":
            size = fill_size * setting.trace_value
        elif not first:
            return                                  # fixed amount/count: once per trader order
        elif setting.trace_type == "amount":
            size = setting.trace_value * leverage / price
        else:
            size = setting.trace_value
        held = self.reg.tracked_size(uid, FUTURES_MARKET, parent.symbol, parent.hold_side)
        if setting.max_hold_size is not None:
            size = min(size, setting.max_hold_size - held)
        size = min(round_down(size, market.lot), max_follow_size(market))
        if size < market.info.min_size or size * price < market.info.min_notional:
            return
        if (current.margin_mode == "crossed" and current.cross_leverage != leverage) or (
                current.margin_mode != "crossed"
                and (current.long_leverage if parent.hold_side == "long" else current.short_leverage) != leverage):
            self.desk.exchange.set_leverage(uid, parent.symbol, leverage, parent.hold_side)
        side = "buy" if parent.hold_side == "long" else "sell"
        order = self.desk.own(self.desk.place_futures(uid, parent.symbol, side, "market", size, None, "gtc", None, None,
                                                      "open", False, None, None))
        if order.filled_size <= 0:
            return
        if existing is not None:
            total = existing.size + order.filled_size
            existing.open_price = (existing.open_price * existing.size + order.avg_price * order.filled_size) / total
            existing.size = total
            existing.open_fee += order.fee
            return
        track = Track(self.reg.next_tracking_no(), FOLLOWER, uid, parent.trader_id, FUTURES_MARKET, parent.symbol,
                      parent.hold_side, leverage, order.margin_mode or current.margin_mode, order.filled_size,
                      order.avg_price, order.fee, order.u_time, order.order_id, parent=parent.tracking_no,
                      trader_price=parent.open_price, delay_ms=max(0, order.u_time - parent.open_time))
        track.tp = ratio_price(track.open_price, leverage, track.hold_side, setting.stop_surplus_ratio, up=True,
                                market=FUTURES_MARKET, tick=market.tick)
        track.sl = ratio_price(track.open_price, leverage, track.hold_side, setting.stop_loss_ratio, up=False,
                                market=FUTURES_MARKET, tick=market.tick)
        self.reg.add_child(parent, track)

    def _copy_spot(self, follow: Follow, parent: Track, fill_size: Decimal) -> None:
        setting = follow.spot_settings.get(parent.symbol)
        if setting is None:
            if follow.mode == "basic" and follow.auto_copy:
                setting = SpotFollowSetting(parent.symbol, "percent", Decimal(1), None)
            else:
                return
        uid = follow.follower_uid
        market = find_market(parent.symbol, SPOT)
        price = self.desk.spot_price(market)
        value = setting.trace_value or Decimal(1)
        if setting.trace_type == "percent":
            quote = fill_size * parent.open_price * value
        elif setting.trace_type == "amount":
            quote = value
        else:
            quote = value * price
        if setting.max_hold_size is not None:
            room = setting.max_hold_size - self.reg.tracked_size(uid, SPOT_MARKET, parent.symbol)
            quote = min(quote, room * price)
        quote = round_down(quote, Decimal("0.01"))
        if quote < market.info.min_notional:
            return
        order = self.desk.own(self.desk.place_spot(uid, parent.symbol, "buy", "market", quote, None, "gtc", None))
        received = order.filled_size - order.fee
        if received <= 0:
            return
        track = Track(self.reg.next_tracking_no(), FOLLOWER, uid, parent.trader_id, SPOT_MARKET, parent.symbol, "long",
                      1, "", received, order.avg_price, order.fee * order.avg_price, order.u_time, order.order_id,
                      parent=parent.tracking_no, trader_price=parent.open_price,
                      delay_ms=max(0, order.u_time - parent.open_time))
        track.tp = ratio_price(track.open_price, 1, "long", setting.stop_surplus_ratio, up=True, market=SPOT_MARKET,
                                tick=market.tick)
        track.sl = ratio_price(track.open_price, 1, "long", setting.stop_loss_ratio, up=False, market=SPOT_MARKET,
                                tick=market.tick)
        self.reg.add_child(parent, track)
