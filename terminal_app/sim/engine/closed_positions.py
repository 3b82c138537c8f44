"""Closed positions: when a position side reaches zero (closed by orders, flash-closed, or liquidated) the exchange
keeps a row of its whole life, as Bitget's ``/api/v2/mix/position/history-position`` lists it: sizes and average
prices opened and closed (partial closes add up), realised PnL, opening and closing fees, funding, net profit.

Kept per user, newest last and capped like order history, and written to SQLite with the bills (the ``bills`` table
holds both append-only ledgers; a row's ``kind`` is ``position``), so a restart keeps them.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from terminal_app.sim.engine.futures import PositionState

RECORD_KIND = "position"
_DECIMALS = ("open_avg", "close_avg", "open_total", "close_total", "pnl", "open_fee", "close_fee", "funding")


@dataclass(frozen=True, slots=True)
class ClosedPosition:
    """One closed position side. Fees are negative when paid (Bitget's sign in history-position); ``funding`` is
    what funding paid (+) or cost (-) over its life; ``net`` = pnl + fees + funding."""

    position_id: str
    uid: str
    symbol: str
    margin_coin: str
    hold_side: str
    margin_mode: str
    pos_mode: str
    open_avg: Decimal
    close_avg: Decimal
    open_total: Decimal
    close_total: Decimal
    pnl: Decimal
    open_fee: Decimal
    close_fee: Decimal
    funding: Decimal
    c_time: int
    u_time: int

    @property
    def net(self) -> Decimal:
        return self.pnl + self.open_fee + self.close_fee + self.funding


def closed_from(pos: PositionState, margin_coin: str, pos_mode: str, lot: Decimal, now: int) -> ClosedPosition:
    """The row of ``pos``, which has just reached zero lots."""
    opened = pos.open_lots_total * lot
    closed = pos.close_lots_total * lot
    return ClosedPosition(
        position_id=pos.pos_id, uid=pos.uid, symbol=pos.symbol, margin_coin=margin_coin, hold_side=pos.hold_side,
        margin_mode=pos.margin_mode, pos_mode=pos_mode,
        open_avg=pos.open_value / opened if opened else Decimal(0),
        close_avg=pos.close_value / closed if closed else Decimal(0),
        open_total=opened, close_total=closed, pnl=pos.achieved, open_fee=-pos.open_fee, close_fee=-pos.close_fee,
        funding=pos.funding, c_time=pos.c_time, u_time=now)


class ClosedBook:
    """Every user's closed positions. ``new`` holds the rows not yet written to SQLite."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.rows: dict[str, deque[ClosedPosition]] = {}
        self.new: list[ClosedPosition] = []

    def add(self, row: ClosedPosition) -> None:
        self.restore(row)
        self.new.append(row)

    def restore(self, row: ClosedPosition) -> None:
        rows = self.rows.get(row.uid)
        if rows is None:
            rows = self.rows[row.uid] = deque(maxlen=self.cap)
        rows.append(row)

    def of(self, uid: str) -> list[ClosedPosition]:
        """Newest first."""
        return list(reversed(self.rows.get(uid, ())))

    def forget(self, uid: str) -> None:
        self.rows.pop(uid, None)
        self.new = [r for r in self.new if r.uid != uid]


def closed_record(row: ClosedPosition) -> dict[str, Any]:
    """As the bills table stores a row: ``bill_id`` (the position id) and ``c_time`` (the closing time) for its
    keys, ``kind`` ``position``."""
    d: dict[str, Any] = {f: getattr(row, f) for f in ClosedPosition.__dataclass_fields__}
    for f in _DECIMALS:
        d[f] = str(d[f])
    d.update(kind=RECORD_KIND, bill_id=f"position-{row.position_id}", c_time_open=row.c_time, c_time=row.u_time)
    return d


def closed_from_record(d: dict[str, Any]) -> ClosedPosition:
    values = {k: v for k, v in d.items() if k in ClosedPosition.__dataclass_fields__}
    values["c_time"] = d["c_time_open"]
    for f in _DECIMALS:
        values[f] = Decimal(values[f])
    return ClosedPosition(**values)
