"""Accounts as the terminal sees them: spot balances, futures accounts and positions, the answers to futures
settings changes, and what kind of account a key belongs to.

Each exchange client maps its wire format to these (Bitget V2: ``terminal_app.bitget.models.account``). Money is
``Decimal``; fees keep the exchange's sign (negative = paid); times are epoch milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from terminal_app.core.enums import MarginMode, PositionMode, PositionSide
from terminal_app.core.instruments import Product, SymbolRef


@dataclass(frozen=True, slots=True)
class SpotAsset:
    """One coin of the spot account. ``frozen`` is held by open orders; ``locked`` by other features (earn…)."""

    coin: str
    available: Decimal
    frozen: Decimal
    locked: Decimal
    u_time: int | None
    limit_available: Decimal | None = None

    @property
    def total(self) -> Decimal:
        return self.available + self.frozen + self.locked


@dataclass(frozen=True, slots=True)
class FuturesAccount:
    """A futures account per margin coin.

    Read for one symbol, it also carries that symbol's margin mode, leverages and the position mode; a streamed
    update may lack the crossed/isolated maxima and those settings (``None``).
    """

    margin_coin: str
    available: Decimal
    locked: Decimal
    equity: Decimal
    usdt_equity: Decimal
    unrealized_pl: Decimal | None
    crossed_max_available: Decimal | None
    isolated_max_available: Decimal | None
    max_transfer_out: Decimal | None = None
    max_open_pos_available: Decimal | None = None
    btc_equity: Decimal | None = None
    crossed_risk_rate: Decimal | None = None
    margin_mode: MarginMode | None = None
    crossed_leverage: Decimal | None = None
    isolated_long_leverage: Decimal | None = None
    isolated_short_leverage: Decimal | None = None
    pos_mode: PositionMode | None = None


@dataclass(frozen=True, slots=True)
class FuturesEquity:
    """Account-wide futures equity across margin coins."""

    usdt_equity: Decimal
    btc_equity: Decimal | None
    unrealized_pl: Decimal | None
    union_total_margin: Decimal | None = None
    union_available: Decimal | None = None
    union_mm: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Position:
    """An open futures position side. ``hold_side`` is the net direction in one-way mode.

    ``locked`` is what closing orders hold; ``mark_price`` may be unknown (a streamed update without it);
    ``fees`` are the fees paid so far (the exchange's sign). ``u_time`` is ``c_time`` when the exchange gave no
    update time. ``margin_mode`` is ``None`` when the exchange did not say.
    """

    product: Product
    symbol: str
    margin_coin: str
    hold_side: PositionSide
    pos_mode: PositionMode
    margin_mode: MarginMode | None
    total: Decimal
    available: Decimal
    locked: Decimal
    leverage: Decimal
    open_price_avg: Decimal
    mark_price: Decimal | None
    liquidation_price: Decimal | None
    unrealized_pl: Decimal
    achieved_profits: Decimal
    margin_size: Decimal
    margin_ratio: Decimal | None
    break_even_price: Decimal | None
    fees: Decimal
    c_time: int
    u_time: int
    pos_id: str | None = None
    keep_margin_rate: Decimal | None = None
    unrealized_plr: Decimal | None = None
    deducted_fee: Decimal | None = None
    open_delegate_size: Decimal | None = None
    auto_margin: str | None = None

    @property
    def ref(self) -> SymbolRef:
        return SymbolRef(self.symbol, self.product)


@dataclass(frozen=True, slots=True)
class ClosedPosition:
    """A closed position. ``pnl`` is gross of fees."""

    product: Product
    symbol: str
    margin_coin: str
    hold_side: PositionSide
    margin_mode: MarginMode | None
    open_price_avg: Decimal
    close_price_avg: Decimal
    open_size: Decimal
    close_size: Decimal
    pnl: Decimal
    open_fee: Decimal
    close_fee: Decimal
    c_time: int
    u_time: int
    net_profit: Decimal | None = None
    total_funding: Decimal | None = None
    pos_mode: PositionMode | None = None
    pos_id: str | None = None


@dataclass(frozen=True, slots=True)
class LeverageResult:
    """A leverage change: the symbol's leverages after it (the crossed leverage only when the exchange says)."""

    symbol: str
    margin_coin: str
    long_leverage: Decimal
    short_leverage: Decimal
    cross_margin_leverage: Decimal | None
    margin_mode: MarginMode | None


@dataclass(frozen=True, slots=True)
class MarginModeResult:
    """A margin-mode change: the symbol's mode and leverages after it."""

    symbol: str
    margin_coin: str
    long_leverage: Decimal | None
    short_leverage: Decimal | None
    margin_mode: MarginMode | None


@dataclass(frozen=True, slots=True)
class PositionModeResult:
    """A position-mode change: the mode after it (for the whole product line, or the account, per exchange)."""

    pos_mode: PositionMode

    @property
    def hedged(self) -> bool:
        return self.pos_mode == PositionMode.HEDGE


@dataclass(frozen=True, slots=True)
class UnifiedAsset:
    """One coin of a unified account's pool. ``equity`` = balance + frozen margin + unrealised PnL; ``debt`` is
    what the coin owes (borrowed), positive."""

    coin: str
    equity: Decimal
    balance: Decimal
    available: Decimal
    locked: Decimal
    debt: Decimal
    usd_value: Decimal | None = None


@dataclass(frozen=True, slots=True)
class UnifiedAccount:
    """A unified trading account: one margin pool for spot and every futures line, valued in USD.

    ``margin_ratio`` is the maintenance margin over the equity (the account is liquidated as it nears 1);
    ``effective_equity`` is the equity usable as cross margin after each coin's discount.
    """

    equity: Decimal
    effective_equity: Decimal | None
    unrealized_pl: Decimal | None
    maintenance_margin: Decimal | None
    initial_margin: Decimal | None
    margin_ratio: Decimal | None
    assets: tuple[UnifiedAsset, ...] = ()
    u_time: int | None = None

    @property
    def available_usd(self) -> Decimal | None:
        """Equity not tied up as initial margin, in USD (``None`` when the exchange did not say)."""
        if self.initial_margin is None:
            return None
        return self.equity - self.initial_margin


@dataclass(frozen=True, slots=True)
class AccountMode:
    """What kind of account the key belongs to.

    ``uta``: a unified trading account (Bitget's V3 API, one margin pool); otherwise classic (V2); ``None`` when
    the exchange's answer did not tell (e.g. a permission error or a 429 on the check). ``position_mode``: the
    futures position mode (account-wide on a UTA), or ``None`` when it could not be read. ``detail``: one sentence
    for the user.
    """

    uta: bool | None
    position_mode: PositionMode | None
    detail: str

    @property
    def label(self) -> str:
        """How the status bar names it."""
        if self.uta is None:
            return "Account type unknown"
        return "Unified account" if self.uta else "Classic account"

    @property
    def supported(self) -> bool:
        """Both kinds trade: a classic account through V2, a unified one through V3; an unknown account is tried
        through V2 (its V2 calls tell soon enough)."""
        return True
