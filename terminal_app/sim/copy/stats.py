"""What copy trading shows: tracking orders newest first, trader statistics (synthetic traders from their trader
book, simulator traders from their closed tracking orders), rankings, daily series, pending profit share, follower
slots and counts."""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_DOWN, Decimal

from terminal_app.sim.copy.desk import CopyDesk
from terminal_app.sim.copy.registry import CopyRegistry
from terminal_app.sim.copy.state import (
    FOLLOWER,
    FUTURES,
    FUTURES_MARKET,
    HUNDRED,
    MONEY,
    TRADER,
    ZERO,
    Follow,
    RankedTrader,
    Track,
    Trader,
    max_follow_size,
    track_from_trade,
)
from terminal_app.sim.copy.traders import COPY_SYMBOLS, TraderBook, TraderStats, max_followers
from terminal_app.sim.market.markets import find_market
from terminal_app.sim.market.price import DAY_MS


class CopyStats:
    """Read-only views of copy trading."""

    def __init__(self, reg: CopyRegistry, desk: CopyDesk, book: TraderBook) -> None:
        self.reg = reg
        self.desk = desk
        self.book = book

    def tracks_of(self, owner: str, *, role: str, market: str = FUTURES_MARKET, open_: bool = True,
                  symbol: str | None = None, trader_id: str | None = None) -> list[Track]:
        """Tracking orders newest first (by trackingNo)."""
        sym = symbol.upper() if symbol else None
        pool = self.reg.open.values() if open_ else self.reg.tracks.values()
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
        return sorted((f for f in self.reg.follows.values() if f.follower_uid == uid and f.market == market),
                      key=lambda f: f.since_ms)

    def quantity_limits(self, symbol: str | None = None) -> list[tuple[str, Decimal, Decimal]]:
        out = []
        for sym in COPY_SYMBOLS:
            if symbol and sym != symbol.upper():
                continue
            market = find_market(sym, FUTURES)
            out.append((sym, market.info.min_size, max_follow_size(market)))
        return out

    def follower_slots(self, trader: Trader) -> int:
        return max_followers(self.trader_equity(trader))

    def follower_count(self, trader: Trader) -> int:
        real = len(set(trader.followers) | set(trader.spot_followers))
        if trader.profile is None:
            return real
        return self.book.stats(trader.trader_id, self.desk.now(), 90, real_followers=real).followers

    def trader_equity(self, trader: Trader) -> Decimal:
        if trader.profile is not None:
            return self.book.equity_at(trader.profile, self.desk.now())
        return self.desk.exchange.futures_account(trader.uid or "").equity

    def trader_stats(self, trader: Trader, days: int | None = None) -> TraderStats:
        """Statistics of any trader (synthetic: from their trades; simulator user: from their tracking orders)."""
        now = self.desk.now()
        real = len(set(trader.followers) | set(trader.spot_followers))
        aum = sum((t.margin for t in self.reg.open.values() if t.role == FOLLOWER
                   and t.trader_id == trader.trader_id), ZERO)
        if trader.profile is not None:
            return self.book.stats(trader.trader_id, now, days, real_followers=real, real_aum=aum)
        closed = sorted((t for t in self.tracks_of(trader.uid or "", role=TRADER, open_=False)),
                        key=lambda t: t.close_time or 0)
        start = None if days is None else now - days * DAY_MS
        base = trader.start_equity or self.trader_equity(trader)
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
        current = self.trader_equity(trader)
        slots = max_followers(current)
        return TraderStats(days, pnl, (pnl / base * HUNDRED).quantize(Decimal("0.01")) if base > 0 else ZERO, trades,
                           wins, losses,
                           (Decimal(wins) / trades * HUNDRED).quantize(Decimal("0.01")) if trades else ZERO,
                           (worst * HUNDRED).quantize(Decimal("0.01")), current, real, slots,
                           trader.total_followers, aum.quantize(Decimal("0.01")))

    def followers_pnl(self, trader: Trader) -> Decimal:
        return sum((t.net_profit for t in self.reg.tracks.values() if t.role == FOLLOWER and not t.is_open
                    and t.trader_id == trader.trader_id), ZERO)

    def ranked_traders(self, *, sort_rule: str = "composite", descending: bool = True, trader_id: str | None = None,
                       name: str | None = None, full_only: bool = False,
                       days: int | None = None) -> list[RankedTrader]:
        out = []
        for trader in self.reg.traders.values():
            if not trader.enabled:
                continue
            if trader_id and trader.trader_id != trader_id:
                continue
            if name and name.lower() not in trader.name.lower():
                continue
            stats = self.trader_stats(trader, days)
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
        now = self.desk.now()
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
        for t in self.reg.open.values():
            if t.role == FOLLOWER and t.trader_id == trader.trader_id and t.market == market:
                net = t.unrealized(self.desk.price_of(t)) - t.open_fee
                if net > 0:
                    name = self.reg.name(t.owner)
                    out[name] = out.get(name, ZERO) + (net * trader.share_ratio).quantize(MONEY, ROUND_DOWN)
        return out

    def follower_name(self, uid: str) -> str:
        return self.reg.name(uid)
