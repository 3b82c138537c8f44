"""Copy trading's records: traders (synthetic and simulator users), follows, tracking orders (open ones apart) and
their copies, with the small lookups every part of the copy engine makes on them."""

from __future__ import annotations

from collections import deque
from decimal import Decimal

from terminal_app.sim.copy.state import (
    FUTURES_MARKET,
    REAL_TRACK_BASE,
    SYNTHETIC_FOLLOWERS,
    ZERO,
    Follow,
    Track,
    Trader,
    reject,
)


class CopyRegistry:
    """Saved with the demo accounts by :mod:`terminal_app.sim.copy.persistence`."""

    def __init__(self) -> None:
        self.traders: dict[str, Trader] = {}
        self.trader_of_uid: dict[str, str] = {}
        self.follows: dict[tuple[str, str, str], Follow] = {}        # (uid, trader id, market) → follow
        self.tracks: dict[str, Track] = {}                          # simulator users' tracks and open ones
        self.open: dict[str, Track] = {}
        self.children: dict[str, list[str]] = {}                     # trader trackingNo → follower trackingNos
        self.by_order: dict[str, str] = {}                           # simulator trader's opening order → trackingNo
        self.failures: deque[tuple[int, str, str, str]] = deque(maxlen=200)   # (time, uid, trackingNo, error)
        self._names: dict[str, str] = {uid: name for uid, name, _ in SYNTHETIC_FOLLOWERS}
        self._seq = 0
        self._profit_seq = 0

    def active_trader(self, uid: str) -> Trader | None:
        """The enabled elite trader a simulator user is, if any."""
        tid = self.trader_of_uid.get(uid)
        trader = self.traders.get(tid) if tid else None
        return trader if trader is not None and trader.enabled else None

    def trader(self, trader_id: str) -> Trader:
        """An enabled trader by id (40860 otherwise)."""
        trader = self.traders.get(trader_id)
        if trader is None or not trader.enabled:
            raise reject("40860", "The trader does not exist and cannot be set to follow")
        return trader

    def trader_for_uid(self, uid: str) -> Trader:
        """The simulator user as an enabled trader (40732 otherwise)."""
        trader = self.active_trader(uid)
        if trader is None:
            raise reject("40732", "Not currently a trader")
        return trader

    def in_copy_trading(self, uid: str) -> bool:
        """An elite trader, or a futures follower (the accounts Bitget keeps in hedge mode)."""
        return self.active_trader(uid) is not None or any(f.follower_uid == uid and f.market == FUTURES_MARKET
                                                          for f in self.follows.values())

    def open_tracks(self, uid: str, market: str) -> list[Track]:
        return [t for t in self.open.values() if t.owner == uid and t.market == market]

    def tracked_size(self, uid: str, market: str, symbol: str, hold_side: str = "long") -> Decimal:
        """Size of ``uid``'s open, copy-bound tracking orders in ``symbol``/``hold_side``."""
        return sum((t.size for t in self.open_tracks(uid, market) if t.symbol == symbol
                    and t.hold_side == hold_side and not t.stopped), ZERO)

    def add(self, track: Track) -> None:
        self.tracks[track.tracking_no] = track
        self.open[track.tracking_no] = track

    def closed(self, track: Track) -> None:
        self.open.pop(track.tracking_no, None)

    def add_child(self, parent: Track, track: Track) -> None:
        self.add(track)
        self.children.setdefault(parent.tracking_no, []).append(track.tracking_no)
        parent.follow_count += 1

    def next_tracking_no(self) -> str:
        self._seq += 1
        return str(REAL_TRACK_BASE + self._seq)

    def next_profit_id(self) -> str:
        self._profit_seq += 1
        return str(self._profit_seq)

    def name(self, uid: str) -> str:
        return self._names.get(uid) or f"BGU***{uid[-4:]}"
