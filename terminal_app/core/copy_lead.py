"""A unified account's elite trader as Bitget's V3 copy API shows it (``bitget.v3.copy`` parses the wire): the lead
account's positions, trading pairs, followers, profit share and portfolio figures. V3 has no tracking orders: a lead
position is a plain position that followers copy."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from terminal_app.core.enums import MarginMode, PositionSide


@dataclass(frozen=True, slots=True)
class LeadPair:
    """A symbol the lead account may trade, with how many more long/short positions it may open (USDT margin)."""

    symbol: str
    leverage: str
    max_long: Decimal
    remaining_long: Decimal
    max_short: Decimal
    remaining_short: Decimal


@dataclass(frozen=True, slots=True)
class LeadPosition:
    """One open position of the lead account (``position-summary``); followers copy it."""

    symbol: str
    hold_side: PositionSide
    size: Decimal
    avg_price: Decimal
    mark_price: Decimal | None
    liq_price: Decimal | None
    leverage: Decimal
    margin_mode: MarginMode | None
    margin: Decimal
    value: Decimal
    unrealized_pnl: Decimal
    realized_pnl: Decimal
    roi: Decimal | None

    @property
    def key(self) -> tuple[str, PositionSide]:
        return (self.symbol, self.hold_side)


@dataclass(frozen=True, slots=True)
class LeadFollower:
    """A current (``end_time`` None) or past follower of the lead account."""

    name: str
    total_profit: Decimal
    share_profit: Decimal
    investment: Decimal
    start_time: int | None
    end_time: int | None = None
    assets: Decimal | None = None
    removable: bool | None = None
    follow_days: int | None = None


@dataclass(frozen=True, slots=True)
class LeadProfitSummary:
    total: Decimal
    allocated: Decimal
    pending: Decimal


@dataclass(frozen=True, slots=True)
class LeadProfitDetail:
    follower_name: str
    profit: Decimal
    allocated: Decimal
    pending: Decimal
    share_ratio: Decimal
    share_profit: Decimal
    reason: str
    settle_time: int | None


@dataclass(frozen=True, slots=True)
class LeadOverview:
    project_id: str
    asset: Decimal
    roi: Decimal | None
    total_profit: Decimal
    follower_profit: Decimal
    max_drawdown: Decimal | None


@dataclass(frozen=True, slots=True)
class LeadTransfer:
    transfer_id: str
    from_type: str
    to_type: str
    coin: str
    amount: Decimal
    status: str
    created_time: int | None
