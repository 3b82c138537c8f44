"""Closing tracking orders: the trader's close (synthetic or a simulator user's) closes the followers' copies too; a
follower closes its copies, unfollows or is removed; tracking TP/SL fire; and copies whose position closed outside
copy trading (a TP/SL plan, liquidation) are noticed and closed at the mark. A follower's profitable close pays the
trader's profit share."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_DOWN, Decimal

from terminal_app.bitget.errors import ExchangeError
from terminal_app.sim.copy.desk import CopyDesk
from terminal_app.sim.copy.registry import CopyRegistry
from terminal_app.sim.copy.state import (
    FOLLOWER,
    FUTURES_MARKET,
    MONEY,
    SPOT,
    SPOT_MARKET,
    TPSL_INTERVAL_MS,
    TRADER,
    ZERO,
    ProfitRecord,
    Track,
    reject,
    round_down,
    taker_fee,
)
from terminal_app.sim.copy.traders import TraderBook, TraderTrade
from terminal_app.sim.engine.orders import Order
from terminal_app.sim.market.markets import find_market


class Closer:
    """Closes tracking orders at market and settles what they made."""

    def __init__(self, reg: CopyRegistry, desk: CopyDesk, book: TraderBook) -> None:
        self.reg = reg
        self.desk = desk
        self.book = book

    def close_synthetic(self, track: Track) -> None:
        price = self.desk.price_of(track)
        track.close_time = self.desk.now()
        track.close_price = price
        track.close_size = track.size
        track.close_fee = taker_fee(price * track.size)
        track.achieved_pl = track.unrealized(price)
        self.reg.closed(track)
        if track.market == FUTURES_MARKET:
            self.book.add_trade(TraderTrade(
                track.tracking_no, track.trader_id, track.symbol, track.hold_side, track.leverage, track.size,
                track.open_time, track.open_price, track.close_time, price, track.open_fee, track.close_fee,
                track.follow_count))
        self.close_children(track, "trader")
        if track.tracking_no not in self.reg.children:
            # the record lives on in the trader book; only copied tracks stay here (their copies name them)
            del self.reg.tracks[track.tracking_no]

    def close_children(self, parent: Track, reason: str) -> None:
        for tno in self.reg.children.get(parent.tracking_no, []):
            child = self.reg.tracks[tno]
            if child.is_open and not child.stopped:
                self.close_follower(child, reason)

    def close_follower(self, track: Track, reason: str, stop_type: str = "") -> list[str]:
        """Close a follower's tracking order at market; settle the profit share. Returns the closing order ids."""
        try:
            order = self._close_order(track)
        except ExchangeError as exc:
            self.reg.failures.append((self.desk.now(), track.owner, track.tracking_no, str(exc)))
            if track.market == FUTURES_MARKET and self.desk.position_total(track.owner, track.symbol,
                                                                           track.hold_side) <= 0:
                self._mark_closed(track, self.desk.mark(track.symbol), "")
            return []
        self._finish_close(track, order, stop_type)
        self._settle_share(track)
        return [order.order_id]

    def _close_order(self, track: Track) -> Order:
        if track.market == SPOT_MARKET:
            market = find_market(track.symbol, SPOT)
            size = round_down(track.size, market.lot)
            return self.desk.own(self.desk.place_spot(track.owner, track.symbol, "sell", "market", size, None,
                                                      "gtc", None))
        side = "buy" if track.hold_side == "long" else "sell"
        return self.desk.own(self.desk.place_futures(track.owner, track.symbol, side, "market", track.size, None,
                                                     "gtc", None, None, "close", False, None, None))

    def _finish_close(self, track: Track, order: Order, stop_type: str) -> None:
        price = order.avg_price if order.filled_size > 0 else self.desk.price_of(track)
        track.close_time = order.u_time
        track.close_price = price
        track.close_size = order.filled_size if order.filled_size > 0 else track.size
        track.close_order_id = order.order_id
        track.close_fee = order.fee                         # spot sells pay it in USDT too
        track.achieved_pl = track.unrealized(price) * (track.close_size / track.size if track.size else 1)
        track.stop_type = stop_type
        self.reg.closed(track)

    def _mark_closed(self, track: Track, price: Decimal, stop_type: str) -> None:
        """A tracking order whose position closed outside copy trading (TP/SL plan, liquidation)."""
        track.close_time = self.desk.now()
        track.close_price = price
        track.close_size = track.size
        track.achieved_pl = track.unrealized(price)
        track.stop_type = stop_type
        self.reg.closed(track)
        self._settle_share(track)

    def _settle_share(self, track: Track) -> None:
        if track.role != FOLLOWER:
            return
        trader = self.reg.traders.get(track.trader_id)
        net = track.achieved_pl - track.open_fee - track.close_fee
        if trader is None or net <= 0:
            return
        share = (net * trader.share_ratio).quantize(MONEY, rounding=ROUND_DOWN)
        if share <= 0:
            return
        if track.market == FUTURES_MARKET:
            self.desk.exchange.transfer_futures(track.owner, trader.uid, share)
        else:
            self.desk.exchange.transfer_spot(track.owner, trader.uid, share)
        track.profit_share = share
        trader.profits.append(ProfitRecord(self.reg.next_profit_id(), "USDT", share, self.reg.name(track.owner),
                                           track.close_time or self.desk.now(), trader.share_ratio, track.market))

    def trader_close(self, uid: str, *, tracking_no: str | None = None, symbol: str | None = None,
                     market: str = FUTURES_MARKET, tracking_nos: Iterable[str] | None = None) -> list[Track]:
        """``order-close-positions`` (futures) / ``order-close-tracking`` (spot): the simulator trader closes
        tracking orders at market; their followers' copies close too."""
        self.reg.trader_for_uid(uid)
        targets = self.select(uid, market, TRADER, tracking_no, symbol, tracking_nos)
        closed = []
        for track in targets:
            try:
                order = self._close_order(track)
            except ExchangeError:
                if track.market == FUTURES_MARKET and self.desk.position_total(uid, track.symbol, track.hold_side) > 0:
                    raise
                self._mark_closed(track, self.desk.price_of(track), "")
            else:
                self._finish_close(track, order, "")
            self.close_children(track, "trader")
            closed.append(track)
        return closed

    def follower_close(self, uid: str, *, tracking_no: str | None = None, symbol: str | None = None,
                       hold_side: str | None = None, market: str = FUTURES_MARKET,
                       tracking_nos: Iterable[str] | None = None) -> list[str]:
        """``mix-follower/close-positions`` / ``spot-follower/order-close-tracking``: close copies at market."""
        targets = self.select(uid, market, FOLLOWER, tracking_no, symbol, tracking_nos)
        if hold_side:
            targets = [t for t in targets if t.hold_side == hold_side.lower()]
            if not targets:
                raise reject("22002", "No position to close")
        out: list[str] = []
        for track in targets:
            out.extend(self.close_follower(track, "follower"))
        return out

    def select(self, uid: str, market: str, role: str, tracking_no: str | None, symbol: str | None,
                tracking_nos: Iterable[str] | None) -> list[Track]:
        wanted = {tracking_no} if tracking_no else set(tracking_nos or ())
        if wanted:
            out = []
            for tno in sorted(wanted):
                track = self.reg.tracks.get(tno)
                if track is None or track.owner != uid or track.role != role or track.market != market:
                    raise reject("43065", "Tracking No does not exist")
                if not track.is_open or track.stopped:
                    raise reject("43064", "Tracking order status error")
                if symbol and track.symbol != symbol.upper():
                    raise reject("43065", "Tracking No does not exist")
                out.append(track)
            return out
        out = [t for t in self.reg.open_tracks(uid, market) if t.role == role and not t.stopped
               and (symbol is None or t.symbol == symbol.upper())]
        if not out:
            raise reject("22002", "No position to close")
        return out

    def spot_stop(self, uid: str, tracking_nos: Iterable[str]) -> None:
        """``spot-follower/stop-order``: these buys stop following the trader (they stay in the account)."""
        for track in self.select(uid, SPOT_MARKET, FOLLOWER, None, None, tracking_nos):
            track.stopped = True

    def set_tpsl(self, uid: str, tracking_no: str, take_profit: Decimal | None, stop_loss: Decimal | None, *,
                 role: str, market: str = FUTURES_MARKET) -> Track:
        """Tracking TP/SL: ``None`` keeps a price, 0 removes it. A trader may change it every 300 ms (43036)."""
        if take_profit is None and stop_loss is None:
            raise reject("40019", "Parameter stopSurplusPrice cannot be empty")
        (track,) = self.select(uid, market, role, tracking_no, None, None)
        now = self.desk.clock()
        if role == TRADER and now - track.tpsl_time < TPSL_INTERVAL_MS:
            raise reject("43036", "Trader modify tpsl can only be operated once within 300ms")
        price = self.desk.price_of(track)
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

    def check_tpsl(self) -> None:
        prices: dict[tuple[str, str], Decimal] = {}
        for track in [t for t in self.reg.open.values() if (t.tp or t.sl) and not t.stopped]:
            key = (track.market, track.symbol)
            price = prices.get(key)
            if price is None:
                price = prices[key] = self.desk.price_of(track)
            long = track.hold_side == "long"
            hit_tp = track.tp is not None and (price >= track.tp if long else price <= track.tp)
            hit_sl = track.sl is not None and (price <= track.sl if long else price >= track.sl)
            if not (hit_tp or hit_sl):
                continue
            stop_type = "profit" if hit_tp else "loss"
            if track.role == FOLLOWER:
                self.close_follower(track, "tpsl", stop_type)
            elif track.owner in self.reg.trader_of_uid:
                self.trader_close(track.owner, tracking_no=track.tracking_no, market=track.market)
                track.stop_type = stop_type

    def reconcile(self) -> None:
        """Tracked futures size above the position (closed by a TP/SL plan or liquidation): close tracks, oldest
        first, at the mark; a simulator trader's closed tracks close their followers' copies too."""
        groups: dict[tuple[str, str, str], list[Track]] = {}
        uids = self._uids()
        for t in self.reg.open.values():
            if t.market == FUTURES_MARKET and t.owner in uids:
                groups.setdefault((t.owner, t.symbol, t.hold_side), []).append(t)
        for (uid, symbol, hold_side), grouped in groups.items():
            # a trader's close earlier in this pass closed its followers' copies: those are settled already
            tracks = [t for t in grouped if t.is_open]
            tracked = sum((t.size for t in tracks), ZERO)
            held = self.desk.position_total(uid, symbol, hold_side)
            if held >= tracked:
                continue
            shortfall = tracked - held
            price = self.desk.mark(symbol)
            for track in sorted(tracks, key=lambda t: (t.open_time, t.tracking_no)):
                if shortfall <= 0:
                    break
                shortfall -= track.size
                self._mark_closed(track, price, "")
                if track.role == TRADER:
                    self.close_children(track, "trader")

    def _uids(self) -> set[str]:
        return set(self.desk.exchange.users())
