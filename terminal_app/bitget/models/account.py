"""Accounts and positions: spot assets, futures accounts, positions, and the futures account-setting answers.

REST parsers take the unwrapped ``data``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from terminal_app.bitget.models.fields import Fields, fail, inner_list, parse_list
from terminal_app.bitget.models.mapping import MARGIN_MODE_FROM_WIRE, POSITION_MODE_FROM_WIRE, POSITION_SIDE_FROM_WIRE
from terminal_app.core.accounts import (
    ClosedPosition,
    FuturesAccount,
    FuturesEquity,
    LeverageResult,
    MarginModeResult,
    Position,
    PositionModeResult,
    SpotAsset,
)
from terminal_app.core.enums import PositionSide
from terminal_app.core.instruments import Product


def _hold_side(f: Fields) -> PositionSide:
    side = f.enum("holdSide", POSITION_SIDE_FROM_WIRE)
    if side is None:
        fail(f.kind, "field 'holdSide' names no side")
    return side


def _coin(f: Fields, key: str | tuple[str, ...]) -> str:
    return f.text(key).strip().upper()


@dataclass(frozen=True, slots=True)
class AccountInfo:
    """``GET /api/v2/spot/account/info``: what the account doctor needs (permissions, IP binding)."""

    user_id: str
    authorities: tuple[str, ...]
    ips: str
    trader_type: str | None
    regis_time: int | None

    @property
    def can_trade(self) -> bool:
        return any(a.endswith("trade") for a in self.authorities)


@dataclass(frozen=True, slots=True)
class AccountBalance:
    """``GET /api/v2/account/all-account-balance``: the USDT value of one account type (spot, futures, …)."""

    account_type: str
    usdt_balance: Decimal


# --- spot ----------------------------------------------------------------------------------------------------------


def spot_asset_from(entry: Any) -> SpotAsset:
    f = Fields(entry, "SpotAsset")
    return SpotAsset(
        coin=_coin(f, "coin"),
        available=f.dec("available"),
        frozen=f.dec("frozen", "0"),
        locked=f.dec("locked", "0"),
        u_time=f.opt_ms("uTime"),
        limit_available=f.opt_dec("limitAvailable"),
    )


def parse_spot_assets(data: Any) -> list[SpotAsset]:
    """``GET /api/v2/spot/account/assets``."""
    return parse_list(data, "SpotAsset", spot_asset_from)


def parse_account_info(data: Any) -> AccountInfo:
    """``GET /api/v2/spot/account/info``."""
    f = Fields(data, "AccountInfo")
    return AccountInfo(
        user_id=f.text("userId"),
        authorities=tuple(str(a).lower() for a in f.seq("authorities")),
        ips=f.text("ips", ""),
        trader_type=f.opt_word("traderType"),
        regis_time=f.opt_ms("regisTime"),
    )


def _account_balance(entry: Any) -> AccountBalance:
    f = Fields(entry, "AccountBalance")
    return AccountBalance(account_type=f.word("accountType"), usdt_balance=f.dec("usdtBalance"))


def parse_account_balances(data: Any) -> list[AccountBalance]:
    """``GET /api/v2/account/all-account-balance``."""
    return parse_list(data, "AccountBalance", _account_balance)


# --- futures -------------------------------------------------------------------------------------------------------


def futures_account_from(entry: Any) -> FuturesAccount:
    """One futures account object from REST ``accounts``/``account`` or the ``account`` channel."""
    f = Fields(entry, "FuturesAccount")
    return FuturesAccount(
        margin_coin=_coin(f, "marginCoin"),
        available=f.dec("available"),
        locked=f.dec(("locked", "frozen"), "0"),
        equity=f.dec(("accountEquity", "equity")),
        usdt_equity=f.dec("usdtEquity"),
        unrealized_pl=f.opt_dec(("unrealizedPL", "unrealizedPl")),
        crossed_max_available=f.opt_dec("crossedMaxAvailable"),
        isolated_max_available=f.opt_dec("isolatedMaxAvailable"),
        max_transfer_out=f.opt_dec("maxTransferOut"),
        max_open_pos_available=f.opt_dec("maxOpenPosAvailable"),
        btc_equity=f.opt_dec("btcEquity"),
        crossed_risk_rate=f.opt_dec("crossedRiskRate"),
        margin_mode=f.opt_enum("marginMode", MARGIN_MODE_FROM_WIRE),
        crossed_leverage=f.opt_dec("crossedMarginLeverage"),
        isolated_long_leverage=f.opt_dec("isolatedLongLever"),
        isolated_short_leverage=f.opt_dec("isolatedShortLever"),
        pos_mode=f.opt_enum("posMode", POSITION_MODE_FROM_WIRE),
    )


def parse_futures_accounts(data: Any) -> list[FuturesAccount]:
    """``GET /api/v2/mix/account/accounts``."""
    return parse_list(data, "FuturesAccount", futures_account_from)


def parse_futures_account(data: Any) -> FuturesAccount:
    """``GET /api/v2/mix/account/account`` (one margin coin, with the symbol's leverage settings)."""
    return futures_account_from(data)


def futures_equity_from(entry: Any) -> FuturesEquity:
    f = Fields(entry, "FuturesEquity")
    return FuturesEquity(
        usdt_equity=f.dec("usdtEquity"),
        btc_equity=f.opt_dec("btcEquity"),
        unrealized_pl=f.opt_dec("unrealizedPL"),
        union_total_margin=f.opt_dec("unionTotalMargin"),
        union_available=f.opt_dec("unionAvailable"),
        union_mm=f.opt_dec("unionMm"),
    )


def position_from(entry: Any, product: Product) -> Position:
    """One position from REST ``all-position``/``single-position`` or the ``positions`` channel."""
    f = Fields(entry, "Position")
    c_time = f.ms("cTime")
    liquidation = f.opt_dec("liquidationPrice")
    return Position(
        product=product,
        symbol=f.symbol(("symbol", "instId")),
        margin_coin=_coin(f, "marginCoin"),
        hold_side=_hold_side(f),
        pos_mode=f.enum("posMode", POSITION_MODE_FROM_WIRE),
        margin_mode=f.opt_enum("marginMode", MARGIN_MODE_FROM_WIRE),
        total=f.dec("total"),
        available=f.dec("available"),
        locked=f.dec(("locked", "frozen"), "0"),
        leverage=f.dec("leverage"),
        open_price_avg=f.dec("openPriceAvg"),
        mark_price=f.opt_dec("markPrice"),
        # Bitget reports 0 (or "") when a position cannot be liquidated (fully collateralised).
        liquidation_price=liquidation if liquidation else None,
        unrealized_pl=f.dec("unrealizedPL"),
        achieved_profits=f.dec("achievedProfits", "0"),
        margin_size=f.dec("marginSize"),
        margin_ratio=f.opt_dec(("marginRatio", "marginRate")),
        break_even_price=f.opt_dec("breakEvenPrice"),
        fees=f.dec("totalFee", "0"),
        c_time=c_time,
        u_time=f.opt_ms("uTime") or c_time,
        pos_id=f.opt_text("posId"),
        keep_margin_rate=f.opt_dec("keepMarginRate"),
        unrealized_plr=f.opt_dec("unrealizedPLR"),
        deducted_fee=f.opt_dec("deductedFee"),
        open_delegate_size=f.opt_dec("openDelegateSize"),
        auto_margin=f.opt_word("autoMargin"),
    )


def parse_positions(data: Any, product: Product = Product.USDT_FUTURES) -> list[Position]:
    """``GET /api/v2/mix/position/all-position`` and ``single-position`` (both answer a list)."""
    return parse_list(data, "Position", lambda e: position_from(e, product))


def closed_position_from(entry: Any, product: Product) -> ClosedPosition:
    """REST ``history-position`` (``openAvgPrice``, ``ctime``) or the ``positions-history`` channel
    (``openPriceAvg``, ``cTime``)."""
    f = Fields(entry, "ClosedPosition")
    c_time = f.ms(("cTime", "ctime"))
    return ClosedPosition(
        product=product,
        symbol=f.symbol(("symbol", "instId")),
        margin_coin=_coin(f, "marginCoin"),
        hold_side=_hold_side(f),
        margin_mode=f.opt_enum("marginMode", MARGIN_MODE_FROM_WIRE),
        open_price_avg=f.dec(("openAvgPrice", "openPriceAvg")),
        close_price_avg=f.dec(("closeAvgPrice", "closePriceAvg")),
        open_size=f.dec(("openTotalPos", "openSize")),
        close_size=f.dec(("closeTotalPos", "closeSize")),
        pnl=f.dec(("pnl", "achievedProfits")),
        open_fee=f.dec("openFee", "0"),
        close_fee=f.dec("closeFee", "0"),
        c_time=c_time,
        u_time=f.opt_ms(("uTime", "utime")) or c_time,
        net_profit=f.opt_dec("netProfit"),
        total_funding=f.opt_dec("totalFunding"),
        pos_mode=f.opt_enum("posMode", POSITION_MODE_FROM_WIRE),
        pos_id=f.opt_text(("positionId", "posId")),
    )


def parse_closed_positions(data: Any, product: Product = Product.USDT_FUTURES) -> list[ClosedPosition]:
    """``GET /api/v2/mix/position/history-position``: ``{"list": [...], "endId"}``."""
    return [closed_position_from(e, product) for e in inner_list(data, "list", "ClosedPosition")]


# --- futures settings ----------------------------------------------------------------------------------------------


def parse_leverage_result(data: Any) -> LeverageResult:
    """``POST /api/v2/mix/account/set-leverage``."""
    f = Fields(data, "LeverageResult")
    return LeverageResult(
        symbol=f.symbol("symbol"),
        margin_coin=_coin(f, "marginCoin"),
        long_leverage=f.dec("longLeverage"),
        short_leverage=f.dec("shortLeverage"),
        cross_margin_leverage=f.opt_dec("crossMarginLeverage"),
        margin_mode=f.opt_enum("marginMode", MARGIN_MODE_FROM_WIRE),
    )


def parse_margin_mode_result(data: Any) -> MarginModeResult:
    """``POST /api/v2/mix/account/set-margin-mode``."""
    f = Fields(data, "MarginModeResult")
    return MarginModeResult(
        symbol=f.symbol("symbol"),
        margin_coin=_coin(f, "marginCoin"),
        long_leverage=f.opt_dec("longLeverage"),
        short_leverage=f.opt_dec("shortLeverage"),
        margin_mode=f.opt_enum("marginMode", MARGIN_MODE_FROM_WIRE),
    )


def parse_position_mode_result(data: Any) -> PositionModeResult:
    """``POST /api/v2/mix/account/set-position-mode``."""
    return PositionModeResult(pos_mode=Fields(data, "PositionModeResult").enum("posMode", POSITION_MODE_FROM_WIRE))


__all__ = [
    "AccountBalance",
    "AccountInfo",
    "closed_position_from",
    "futures_account_from",
    "futures_equity_from",
    "parse_account_balances",
    "parse_account_info",
    "parse_closed_positions",
    "parse_futures_account",
    "parse_futures_accounts",
    "parse_leverage_result",
    "parse_margin_mode_result",
    "parse_position_mode_result",
    "parse_positions",
    "parse_spot_assets",
    "position_from",
    "spot_asset_from",
]
