"""The simulator's synthetic elite traders: who they are, how they trade, and their track record.

Every trader's behaviour is a pure function of the seed and the time, so any window can be produced on its own:

* **history** — one trading decision per hour over the year before the copy engine started (``live_start``), at the
  trader's daily rate; entry and exit prices are the hourly candles of the simulated market, and the direction is
  right with the trader's ``skill`` probability (the synthetic path is known in advance). ROI, win rate, PnL curve,
  max drawdown, AUM and follower counts are computed from these trades plus the live ones that closed since.
* **live** — one opening every ``LIVE_SLOT_MS`` (30 s, at a seeded offset inside the slot), so a new follower sees a
  copied position within a minute of simulated time, held for a seeded 45 s – 4 min. The direction peeks at the
  synthetic price path (the engine's own path, rebuilt here from the same seed), again right with ``skill``.
  Spot-capable traders also buy spot every ``SPOT_SLOT_MS``.

Money is Decimal; the path and rates are floats only where they steer a random choice.
"""

from __future__ import annotations

import bisect
import hashlib
import heapq
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Protocol

from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.sim.market.history import Candle, Granularity
from terminal_app.sim.market.markets import SimMarket, all_markets, find_market
from terminal_app.sim.market.price import DAY_MS, HOUR_MS, UnderlyingPath, stable_seed

ZERO = Decimal(0)
HUNDRED = Decimal(100)
COPY_SYMBOLS = ("BTCUSDT", "ETHUSDT", "SOLUSDT")
SPOT_COPY_SYMBOLS = ("BTCUSDT", "ETHUSDT")
HISTORY_DAYS = 365
_OPENS_SLICE_MS = 5 * DAY_MS     # hourly opens read per warm-up slice
_DAYS_PER_SLICE = 20              # history days of one trader per warm-up slice
LIVE_SLOT_MS = 30_000
LIVE_OFFSET_MAX_MS = 25_000
LIVE_HOLD_MS = (45_000, 240_000)
SPOT_SLOT_MS = 60_000
SPOT_HOLD_MS = (60_000, 300_000)
TAKER_FEE = Decimal("0.0006")
# Tracking numbers: numeric like Bitget's, growing with time so idLessThan paging works. The low digits hold the
# trader's index; history, live futures and live spot trades use separate ranges.
HISTORY_TRACK_BASE = 1_100_000_000_000_000_000
LIVE_TRACK_BASE = 1_200_000_000_000_000_000
SPOT_TRACK_BASE = 1_250_000_000_000_000_000
_TRADER_SLOTS = 64


def max_followers(equity: Decimal) -> int:
    """Bitget's follower slots by the trader's assets: < 100 USDT none, < 1k 100, < 5k 300, else 500."""
    if equity < 100:
        return 0
    if equity < 1_000:
        return 100
    if equity < 5_000:
        return 300
    return 500


def trader_id_for(seed: int, name: str) -> str:
    """Bitget shows traders by an opaque id, not the uid; 20 hex digits here."""
    return hashlib.blake2b(f"{seed}:{name}".encode(), digest_size=10).hexdigest()


@dataclass(frozen=True, slots=True)
class TraderProfile:
    """One synthetic elite trader. Each trade puts ``margin_frac`` of the trader's equity as margin at ``leverage``
    (history: the equity at that time; live: the starting equity); ``skill`` is the probability a trade's direction
    is right; ``share_ratio`` the profit share taken from followers' profitable closes."""

    index: int
    trader_id: str
    name: str
    symbols: tuple[str, ...]
    leverage: int
    margin_frac: Decimal
    skill: float
    long_bias: float
    trades_per_day: float
    hold_hours: tuple[float, float]
    share_ratio: Decimal
    initial_equity: Decimal
    popularity: float                  # followers gained per ROI point (90 days)
    copy_capital: Decimal              # a typical follower's copy capital, USDT (for AUM)
    certified: bool
    spot_symbols: tuple[str, ...] = ()
    spot_amount: Decimal = ZERO        # USDT per spot buy


_ARCHETYPES: tuple[tuple[str, tuple[str, ...], int, str, float, float, float, tuple[float, float], str, str, float,
                         str, bool, tuple[str, ...], str], ...] = (
    # name, symbols, leverage, margin fraction, skill, long bias, trades/day, hold h, share, equity, popularity,
    # follower capital, certified, spot symbols, spot amount
    ("AtlasQuant", ("BTCUSDT", "ETHUSDT"), 10, "0.012", 0.60, 0.55, 4.0, (2.0, 18.0), "0.10", "25000", 2.2, "900",
     True, ("BTCUSDT",), "150"),
    ("NightOwlScalper", ("BTCUSDT", "SOLUSDT"), 25, "0.006", 0.66, 0.50, 12.0, (0.5, 3.0), "0.12", "6000", 1.6, "400",
     True, (), "0"),
    ("SteadyEddie", ("ETHUSDT", "BTCUSDT"), 5, "0.02", 0.57, 0.60, 2.0, (6.0, 48.0), "0.08", "40000", 1.2, "1500",
     True, ("ETHUSDT",), "200"),
    ("SolSurfer", ("SOLUSDT", "ETHUSDT"), 15, "0.01", 0.56, 0.55, 6.0, (1.0, 8.0), "0.10", "3000", 1.0, "300", False,
     (), "0"),
    ("MomentumMaya", ("BTCUSDT", "ETHUSDT", "SOLUSDT"), 20, "0.008", 0.59, 0.50, 5.0, (1.0, 12.0), "0.15", "12000",
     1.8, "700", True, ("BTCUSDT", "ETHUSDT"), "100"),
    ("ContrarianKai", ("BTCUSDT",), 8, "0.02", 0.52, 0.45, 3.0, (4.0, 24.0), "0.10", "900", 0.5, "250", False, (),
     "0"),
)


def build_profiles(seed: int) -> tuple[TraderProfile, ...]:
    out = []
    for index, (name, symbols, lev, frac, skill, bias, rate, hold, share, equity, pop, capital, cert, spot,
                spot_amount) in enumerate(_ARCHETYPES):
        out.append(TraderProfile(index, trader_id_for(seed, name), name, symbols, lev, Decimal(frac), skill, bias,
                                 rate, hold, Decimal(share), Decimal(equity), pop, Decimal(capital), cert, spot,
                                 Decimal(spot_amount)))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class TraderTrade:
    """A closed futures trade of a synthetic trader (from the year of history, or live and copied ``follow_count``
    times)."""

    tracking_no: str
    trader_id: str
    symbol: str
    hold_side: str
    leverage: int
    size: Decimal
    open_time: int
    open_price: Decimal
    close_time: int
    close_price: Decimal
    open_fee: Decimal                  # positive amounts paid
    close_fee: Decimal
    follow_count: int = 0

    @property
    def pnl(self) -> Decimal:
        """Gross realised PnL."""
        diff = self.close_price - self.open_price
        return (diff if self.hold_side == "long" else -diff) * self.size

    @property
    def net(self) -> Decimal:
        return self.pnl - self.open_fee - self.close_fee

    @property
    def margin(self) -> Decimal:
        return self.open_price * self.size / self.leverage


@dataclass(frozen=True, slots=True)
class LiveOpen:
    """A live opening decision: the engine fills it at the mark of ``time`` and closes it at ``time + hold_ms``.
    ``spot``: a spot buy of ``amount`` USDT instead of a futures position."""

    tracking_no: str
    profile: TraderProfile
    time: int
    symbol: str
    hold_side: str
    hold_ms: int
    spot: bool = False

    @property
    def close_time(self) -> int:
        return self.time + self.hold_ms


@dataclass(frozen=True, slots=True)
class TraderStats:
    """A trader's record over a period (``days`` None = all time). Rates in %: ``roi`` = PnL / equity at the period's
    start; ``max_drawdown`` = deepest fall of equity from a previous peak; ``win_rate`` = winning / closed trades."""

    days: int | None
    pnl: Decimal
    roi: Decimal
    trades: int
    wins: int
    losses: int
    win_rate: Decimal
    max_drawdown: Decimal
    equity: Decimal
    followers: int
    max_followers: int
    total_followers: int
    aum: Decimal


class PriceSource(Protocol):
    def hourly_opens(self, symbol: str, start_ms: int, end_ms: int) -> dict[int, Decimal]: ...


class ExchangePrices:
    """Hourly candle opens of the simulated futures market (``Exchange.candles``), fetched once per symbol."""

    def __init__(self, candles: Callable[..., list[Candle]]) -> None:
        self._candles = candles

    def hourly_opens(self, symbol: str, start_ms: int, end_ms: int) -> dict[int, Decimal]:
        ref = SymbolRef(symbol, Product.USDT_FUTURES)
        hours = (end_ms - start_ms) // HOUR_MS + 2
        rows = self._candles(ref, Granularity.H1, start_ms=start_ms, end_ms=end_ms, limit=hours, kind="mark")
        return {c.ts // HOUR_MS: c.open for c in rows}


class _Record:
    """One trader's closed trades as sorted arrays with prefix sums, for period statistics by bisection."""

    __slots__ = ("close_times", "cum_losses", "cum_pnl", "cum_wins")

    def __init__(self) -> None:
        self.close_times: list[int] = []
        self.cum_pnl: list[Decimal] = [ZERO]
        self.cum_wins: list[int] = [0]
        self.cum_losses: list[int] = [0]

    def add(self, close_time: int, net: Decimal) -> None:
        if self.close_times and close_time < self.close_times[-1]:
            close_time = self.close_times[-1]           # keep the arrays sorted; a few ms of reordering is harmless
        self.close_times.append(close_time)
        self.cum_pnl.append(self.cum_pnl[-1] + net)
        self.cum_wins.append(self.cum_wins[-1] + (1 if net > 0 else 0))
        self.cum_losses.append(self.cum_losses[-1] + (1 if net <= 0 else 0))

    def upto(self, t: int) -> int:
        """Number of trades closed at or before ``t``."""
        return bisect.bisect_right(self.close_times, t)


class TraderBook:
    """The synthetic traders of one simulator: profiles, history (built lazily), live decisions and statistics.

    ``prices`` gives hourly prices for the history (the exchange's candles); ``market_of`` the futures market of a
    symbol (lot sizes).
    """

    def __init__(self, seed: int, live_start_ms: int, prices: PriceSource) -> None:
        self.seed = seed
        self.live_start = live_start_ms
        self.history_start = (live_start_ms - HISTORY_DAYS * DAY_MS) // HOUR_MS * HOUR_MS
        self.profiles = build_profiles(seed)
        self.by_id = {p.trader_id: p for p in self.profiles}
        self._prices = prices
        self._history: dict[str, list[TraderTrade]] | None = None
        self._builder: Iterator[None] | None = None  # the history's build, while it runs (warm_up)
        self._records: dict[str, _Record] = {}
        self._paths: dict[str, UnderlyingPath] = {}
        self._slots: dict[tuple[int, int, bool], LiveOpen] = {}   # recent slot decisions (sync runs every tick)

    # ---- history -------------------------------------------------------------------------------------------------

    def _history_steps(self) -> Iterator[None]:
        """Build the year of history, yielding after each slice of work (a few milliseconds): :meth:`warm_up`
        runs it between other work, :meth:`_ensure_history` finishes whatever is left. The slices give the same
        history as one pass: the hourly opens are read a month at a time (each hour's candle is the same whatever
        the range asked), and each trader's days run in the same order with the same seeds."""
        opens: dict[str, dict[int, Decimal]] = {}
        for symbol in COPY_SYMBOLS:
            got: dict[int, Decimal] = {}
            start = self.history_start
            while start < self.live_start:
                end = min(start + _OPENS_SLICE_MS, self.live_start)
                # [start, end): the last slice ends at the live start itself, as one read of the year did
                got.update(self._prices.hourly_opens(symbol, start, end if end == self.live_start else end - 1))
                start = end
                yield
            opens[symbol] = got
        history: dict[str, list[TraderTrade]] = {}
        for profile in self.profiles:
            closed: list[TraderTrade] = []
            pending: list[tuple[int, str, TraderTrade]] = []       # open trades by close time
            realised = ZERO
            first_day = self.history_start // DAY_MS
            for day in range(first_day, (self.live_start - 1) // DAY_MS + 1):
                if (day - first_day) % _DAYS_PER_SLICE == _DAYS_PER_SLICE - 1:
                    yield
                rng = random.Random(stable_seed(self.seed, profile.trader_id, "history", day))
                for hour in range(day * 24, day * 24 + 24):
                    decide = rng.random()
                    if not self.history_start <= hour * HOUR_MS < self.live_start:
                        continue
                    if decide >= profile.trades_per_day / 24.0:
                        continue
                    while pending and pending[0][0] <= hour * HOUR_MS:
                        done = heapq.heappop(pending)[2]
                        realised += done.net
                        closed.append(done)
                    trade = self._history_trade(profile, rng, hour, opens, profile.initial_equity + realised)
                    if trade is not None:
                        heapq.heappush(pending, (trade.close_time, trade.tracking_no, trade))
            closed.extend(trade for _, _, trade in pending)
            closed.sort(key=lambda t: t.close_time)
            record = _Record()
            for trade in closed:
                record.add(trade.close_time, trade.net)
            history[profile.trader_id] = closed
            self._records[profile.trader_id] = record
        self._history = history

    def warm_up(self) -> Iterator[None]:
        """The history's build, one slice per ``next()``: a server runs it in the background after it started, so
        the first copy-trading request does not stop every other request (an order among them) for the ~0.7 s a
        whole build takes. Finished (or not) by whoever needs the history first."""
        if self._builder is None:
            self._builder = self._history_steps()
        return self._builder

    def _history_trade(self, profile: TraderProfile, rng: random.Random, hour: int,
                       opens: dict[str, dict[int, Decimal]], equity: Decimal) -> TraderTrade | None:
        symbol = profile.symbols[rng.randrange(len(profile.symbols))]
        open_time = hour * HOUR_MS + rng.randrange(HOUR_MS)
        hold_ms = int(rng.uniform(*profile.hold_hours) * HOUR_MS)
        right = rng.random() < profile.skill
        bias = rng.random()
        # a trade that would still be open at the live start is closed at the last hour before it, so synthetic
        # traders start the live market flat and every live position is one the copy engine opened
        close_time = min(open_time + hold_ms, self.live_start // HOUR_MS * HOUR_MS - 1)
        open_price = opens[symbol].get(hour)
        close_price = opens[symbol].get(close_time // HOUR_MS)
        if open_price is None or close_price is None or equity <= 0 or close_time <= open_time:
            return None
        if close_price == open_price:
            hold_side = "long" if bias < profile.long_bias else "short"
        else:
            up = close_price > open_price
            hold_side = "long" if up == right else "short"
        size = self.size_for(profile, symbol, open_price, equity)
        if size <= 0:
            return None
        tracking_no = str(HISTORY_TRACK_BASE + hour * _TRADER_SLOTS + profile.index)
        open_fee = _fee(open_price * size)
        close_fee = _fee(close_price * size)
        return TraderTrade(tracking_no, profile.trader_id, symbol, hold_side, profile.leverage, size, open_time,
                           open_price, close_time, close_price, open_fee, close_fee)

    @property
    def built(self) -> bool:
        """The history is there (built by :meth:`warm_up` or by the first request that needed it)."""
        return self._history is not None

    def _ensure_history(self) -> dict[str, list[TraderTrade]]:
        if self._history is None:
            for _ in self.warm_up():
                pass
        assert self._history is not None  # the build's last step sets it
        return self._history

    def history(self, trader_id: str) -> list[TraderTrade]:
        """Trades closed before the live start, oldest first."""
        return self._ensure_history().get(trader_id, [])

    def add_trade(self, trade: TraderTrade) -> None:
        """A live trade of a synthetic trader closed: it joins the history and counts in the statistics."""
        history = self._ensure_history()
        history.setdefault(trade.trader_id, []).append(trade)
        self._records.setdefault(trade.trader_id, _Record()).add(trade.close_time, trade.net)

    # ---- live decisions ------------------------------------------------------------------------------------------

    def _path(self, symbol: str) -> UnderlyingPath:
        market = find_market(symbol, Product.USDT_FUTURES)
        path = self._paths.get(market.underlying)
        if path is None:
            # the engine builds one path per coin from the first market of that coin in the catalogue
            first = next(m for m in all_markets() if m.underlying == market.underlying)
            path = UnderlyingPath(self.seed, first.underlying, float(first.start_price), first.params.annual_vol)
            self._paths[market.underlying] = path
        return path

    def live_opens(self, after_ms: int, upto_ms: int) -> list[LiveOpen]:
        """Opening decisions with ``after_ms < time <= upto_ms``, in time order (only times after the live start)."""
        after = max(after_ms, self.live_start - 1)
        out: list[LiveOpen] = []
        if upto_ms <= after:
            return out
        for profile in self.profiles:
            for slot in range(after // LIVE_SLOT_MS, upto_ms // LIVE_SLOT_MS + 1):
                decision = self._decision(profile, slot, False)
                if after < decision.time <= upto_ms:
                    out.append(decision)
            if profile.spot_symbols:
                for slot in range(after // SPOT_SLOT_MS, upto_ms // SPOT_SLOT_MS + 1):
                    decision = self._decision(profile, slot, True)
                    if after < decision.time <= upto_ms:
                        out.append(decision)
        if len(self._slots) > 256:
            keep = upto_ms // LIVE_SLOT_MS - 4
            self._slots = {k: v for k, v in self._slots.items() if k[1] >= (keep if not k[2] else keep // 2)}
        out.sort(key=lambda d: (d.time, d.profile.index, d.spot))
        return out

    def _decision(self, profile: TraderProfile, slot: int, spot: bool) -> LiveOpen:
        key = (profile.index, slot, spot)
        decision = self._slots.get(key)
        if decision is None:
            decision = self._spot_slot(profile, slot) if spot else self._live_slot(profile, slot)
            self._slots[key] = decision
        return decision

    def _live_slot(self, profile: TraderProfile, slot: int) -> LiveOpen:
        rng = random.Random(stable_seed(self.seed, profile.trader_id, "live", slot))
        time = slot * LIVE_SLOT_MS + rng.randrange(LIVE_OFFSET_MAX_MS)
        symbol = profile.symbols[rng.randrange(len(profile.symbols))]
        hold_ms = rng.randrange(*LIVE_HOLD_MS)
        path = self._path(symbol)
        up = path.price_at(time + hold_ms) > path.price_at(time)
        hold_side = "long" if up == (rng.random() < profile.skill) else "short"
        tracking_no = str(LIVE_TRACK_BASE + slot * _TRADER_SLOTS + profile.index)
        return LiveOpen(tracking_no, profile, time, symbol, hold_side, hold_ms)

    def _spot_slot(self, profile: TraderProfile, slot: int) -> LiveOpen:
        rng = random.Random(stable_seed(self.seed, profile.trader_id, "spot", slot))
        time = slot * SPOT_SLOT_MS + rng.randrange(SPOT_SLOT_MS - 5_000)
        symbol = profile.spot_symbols[rng.randrange(len(profile.spot_symbols))]
        hold_ms = rng.randrange(*SPOT_HOLD_MS)
        tracking_no = str(SPOT_TRACK_BASE + slot * _TRADER_SLOTS + profile.index)
        return LiveOpen(tracking_no, profile, time, symbol, "long", hold_ms, spot=True)

    @staticmethod
    def size_for(profile: TraderProfile, symbol: str, price: Decimal, equity: Decimal) -> Decimal:
        """The futures size of one trade of ``profile`` at ``price`` with ``equity``: margin_frac × equity as margin at
        the trader's leverage, rounded down to the contract's lot."""
        notional = equity * profile.margin_frac * profile.leverage
        return _size(notional / price, find_market(symbol, Product.USDT_FUTURES))

    # ---- statistics ----------------------------------------------------------------------------------------------

    def _record(self, trader_id: str) -> _Record:
        self._ensure_history()
        return self._records.setdefault(trader_id, _Record())

    def equity_at(self, profile: TraderProfile, t: int) -> Decimal:
        record = self._record(profile.trader_id)
        return profile.initial_equity + record.cum_pnl[record.upto(t)]

    def curve(self, trader_id: str, now_ms: int, days: int | None = None,
              step_ms: int = DAY_MS) -> list[tuple[int, Decimal]]:
        """Equity at the end of each step (default daily) over the period, oldest first, ending at ``now_ms``."""
        profile = self.by_id[trader_id]
        start = self.history_start if days is None else max(self.history_start, now_ms - days * DAY_MS)
        points = []
        t = start // step_ms * step_ms + step_ms
        while t < now_ms:
            points.append((t, self.equity_at(profile, t)))
            t += step_ms
        points.append((now_ms, self.equity_at(profile, now_ms)))
        return points

    def stats(self, trader_id: str, now_ms: int, days: int | None = None, *, real_followers: int = 0,
              real_aum: Decimal = ZERO) -> TraderStats:
        profile = self.by_id[trader_id]
        record = self._record(trader_id)
        start = self.history_start if days is None else now_ms - days * DAY_MS
        lo, hi = record.upto(start), record.upto(now_ms)
        pnl = record.cum_pnl[hi] - record.cum_pnl[lo]
        wins = record.cum_wins[hi] - record.cum_wins[lo]
        losses = record.cum_losses[hi] - record.cum_losses[lo]
        base = profile.initial_equity + record.cum_pnl[lo]
        equity = profile.initial_equity + record.cum_pnl[hi]
        roi = (pnl / base * HUNDRED).quantize(Decimal("0.01")) if base > 0 else ZERO
        trades = wins + losses
        win_rate = (Decimal(wins) / trades * HUNDRED).quantize(Decimal("0.01")) if trades else ZERO
        drawdown = _max_drawdown([e for _, e in self.curve(trader_id, now_ms, days)])
        slots = max_followers(equity)
        followers = min(slots, self._synthetic_followers(profile, now_ms) + real_followers)
        return TraderStats(days, pnl, roi, trades, wins, losses, win_rate, drawdown, equity, followers, slots,
                           followers * 3 + record.upto(now_ms) // 40 + real_followers,
                           (profile.copy_capital * (followers - real_followers) + real_aum).quantize(Decimal("0.01")))

    def _synthetic_followers(self, profile: TraderProfile, now_ms: int) -> int:
        """Followers grow with the trader's 90-day ROI (people follow recent winners)."""
        record = self._record(profile.trader_id)
        lo, hi = record.upto(now_ms - 90 * DAY_MS), record.upto(now_ms)
        base = profile.initial_equity + record.cum_pnl[lo]
        roi = float((record.cum_pnl[hi] - record.cum_pnl[lo]) / base * HUNDRED) if base > 0 else 0.0
        return max(0, int(10 + profile.popularity * max(roi, 0.0) * 3))


def _size(raw: Decimal, market: SimMarket) -> Decimal:
    lot = market.lot
    return (raw / lot).to_integral_value(rounding=ROUND_DOWN) * lot


def _fee(notional: Decimal) -> Decimal:
    return (notional * TAKER_FEE).quantize(Decimal("0.00000001"))


def _max_drawdown(equity: list[Decimal]) -> Decimal:
    peak = ZERO
    worst = ZERO
    for value in equity:
        if value > peak:
            peak = value
        elif peak > 0:
            fall = (peak - value) / peak
            if fall > worst:
                worst = fall
    return (worst * HUNDRED).quantize(Decimal("0.01"))
