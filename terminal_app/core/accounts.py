"""Accounts as the terminal sees them: spot balances, futures accounts and positions, the answers to futures
settings changes, and what kind of account a key belongs to.

Each exchange client maps its wire format to these (Bitget V2: ``terminal_app.bitget.models.account``). Money is
``Decimal``; fees keep the exchange's sign (negative = paid); times are epoch milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

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
    """A futures account per margin coin (``accounts``/``account`` REST, ``account`` channel).

    The single-account answer also carries the symbol's margin mode, leverages and position mode; the WebSocket
    push lacks the crossed/isolated maxima and says ``frozen`` and ``equity`` where REST says ``locked`` and
    ``accountEquity``.
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
    margin_mode: str | None = None
    crossed_leverage: Decimal | None = None
    isolated_long_leverage: Decimal | None = None
    isolated_short_leverage: Decimal | None = None
    pos_mode: str | None = None


@dataclass(frozen=True, slots=True)
class FuturesEquity:
    """The futures ``equity`` channel: account-wide equity across margin coins."""

    usdt_equity: Decimal
    btc_equity: Decimal | None
    unrealized_pl: Decimal | None
    union_total_margin: Decimal | None = None
    union_available: Decimal | None = None
    union_mm: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Position:
    """An open futures position side. ``hold_side`` is ``long``/``short`` (the net direction in one-way mode).

    ``locked`` is what closing orders hold (REST ``locked``, WebSocket ``frozen``); ``mark_price`` is absent from
    the WebSocket push; ``margin_ratio`` is REST ``marginRatio`` / WebSocket ``marginRate``; ``fees`` is
    ``totalFee``. ``u_time`` falls back to ``c_time`` where Bitget sends only ``cTime``.
    """

    product: Product
    symbol: str
    margin_coin: str
    hold_side: str
    pos_mode: str
    margin_mode: str
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
    """A closed position (REST ``history-position``, WebSocket ``positions-history``). ``pnl`` is gross of fees."""

    product: Product
    symbol: str
    margin_coin: str
    hold_side: str
    margin_mode: str | None
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
    pos_mode: str | None = None
    pos_id: str | None = None


@dataclass(frozen=True, slots=True)
class LeverageResult:
    """``set-leverage``: the symbol's leverages after the change (cross leverage only on some answers)."""

    symbol: str
    margin_coin: str
    long_leverage: Decimal
    short_leverage: Decimal
    cross_margin_leverage: Decimal | None
    margin_mode: str | None


@dataclass(frozen=True, slots=True)
class MarginModeResult:
    symbol: str
    margin_coin: str
    long_leverage: Decimal | None
    short_leverage: Decimal | None
    margin_mode: str


@dataclass(frozen=True, slots=True)
class PositionModeResult:
    """``set-position-mode``: ``one_way_mode`` or ``hedge_mode`` (applies to the whole product type)."""

    pos_mode: str

    @property
    def hedged(self) -> bool:
        return self.pos_mode == "hedge_mode"


@dataclass(frozen=True, slots=True)
class AccountMode:
    """What kind of account the key belongs to.

    ``uta``: a Unified Trading Account (V3 API); the V2 client cannot trade it. ``position_mode``: the futures
    ``posMode`` (``one_way_mode``/``hedge_mode``) or ``None`` when it could not be read. ``detail``: one sentence
    for the user.
    """

    uta: bool
    position_mode: str | None
    detail: str

    @property
    def supported(self) -> bool:
        return not self.uta
