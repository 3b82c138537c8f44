"""Bitget's V3 copy-trading API (``/api/v3/copy/futures/…``) for a unified account's elite trader: the lead account's
positions, trading pairs, followers, profit share, portfolio figures and transfers.

What the V3 copy API is (research of 2026-12, sources below)
-----------------------------------------------------------
Last session assumed the V3 copy API covers only the lead account's money (pairs, summaries, transfers) and that a
unified account keeps V2's tracking orders. The sources say otherwise:

* **There are no tracking orders on V3.** A unified elite trader's copy trading runs in a separate *lead account*
  (a wallet beside the unified pool, filled by ``transfer``); the trader trades it with the ordinary V3 trade
  endpoints (``/api/v3/trade/place-order``, ``close-positions``, ``place-strategy-order`` for TP/SL), and the V3
  copy API reads the lead account's *positions* (``position-summary``) — no trackingNo, no per-order close or TP/SL
  endpoint. [S2][S3][S4]
* **Trader side** (all GET unless said; 5 req/s/UID; permission "Unified Account — Futures Copy-Trading Positions"
  read-only for the reads [S1]): ``trading-pairs`` → ``[{symbol, leverage, marginDetails[{marginCoin,
  maxLongCount, remainingLongCount, maxShortCount, remainingShortCount}]}]``; ``position-summary`` →
  ``[{symbol, holdSide long/short, holdSize, avgPrice, markPrice, liqPrice, leverage, marginMode (isolated/cross,
  the doc's sample prints "crossed"), margin, positionValue, unrealizedPnl, realizedPnl, roi}]`` [S1];
  ``max-transferable`` (coin) → ``{maxTransferable, available}``; POST ``transfer`` (type in/out, coin, amount,
  inAccountType funding/uta/otc) → ``{transferId}``; ``transfer-record`` (startTime, endTime, limit, cursor) →
  ``{list[{transferId, fromType, toType, coin, amount, status Successful/Failed/Processing, createdTime}]}``;
  ``current-follower`` (limit ≤100, cursor) → ``{list[{followerName, estimateAssets, totalAssets, totalProfit,
  totalShareProfit, totalInvestment, canRemove yes/no, followDays, startTime}]}``; ``history-follower`` →
  ``{list[{followerName, totalProfit, totalShareProfit, totalInvestment, startTime, endTime}]}``;
  ``profit-summary`` → ``{totalProfit, totalAllocatedProfit, totalPendingProfit}``; ``profit-details``
  (startTime, endTime, limit, cursor) → ``{list[{followerName, profit, allocatedPnl, pendingPnl, shareRatio,
  shareProfit, reason period/unfollow, settleTime}], nextCursor}``; ``portfolio-overview`` (period, e.g. 30D) →
  ``{projectId, asset, roi, totalProfit, followerProfit, maxDrawdown}``. [S2][S3]
* **Not on V3 for the trader**: removing a follower (``canRemove`` is shown, but no endpoint removes one),
  switching elite trading on, per-symbol copy settings, tracking-order history. [S2][S3]
* **Follower side exists on V3 too, per copy *project*** (``projectId``): POST ``follower-settings`` (follow),
  ``modify-follower-settings``, ``unfollow``, ``copy-transfer``, ``close-positions``, ``close-all``,
  ``place-tpsl``/``modify-tpsl``/``cancel-tpsl``; GET ``copy-settings``, ``current-copy``,
  ``copy-transfer-record``, ``copy-profit-details``, ``current-positions``, ``current-tpsl-orders``,
  ``tpsl-order-history``. Bitget offers no endpoint that lists lead traders or the projects one follows: the
  projectId comes from Bitget's app. [S2][S3] The terminal does not drive this side yet (the panel says so).
* **V2 copy endpoints for a unified key**: third-party clients report the classic copy-trading endpoints disabled
  for a unified account ("mutually exclusive with the classic v2/mix API") [S4][S5]; Bitget's pages do not say it
  in so many words. The simulator answers V2 *trader* copy endpoints to a unified key with 40085 (as Bitget does
  for the other V2 trading endpoints) and leaves the V2 follower endpoints open, as before — unverified.
* The code a non-elite unified key gets from these endpoints is not documented; the simulator answers 40732
  ("not an elite trader", V2's code) and the terminal treats that as "not a trader".

Sources: [S1] Bitget API docs, uta/copy/futures-public/Get-Position-Summary (fields, sample, rate limit,
permission); [S2] sieblyio/tiagosiebler bitget-api ``docs/endpointFunctionList.md`` (rest-client-v3.ts
getCopyFutures*/copyFutures*) and its ``types/response/v3`` copy types; [S3] UnipayFI/go-bitget ``uta/copy.go``,
``uta/copy_follower.go`` and their live-checked tests (``assertCovers``); [S4] enarjord/passivbot PR #601 (Bitget
UTA / Elite account support: elite trading on the V3 trade API); [S5] a public TypeScript client's elite reader
("classic copy-trading endpoints are disabled for Unified Account mode; dedicated Elite Trading API key");
[S6] typed-bitget (PyPI) ``typed_bitget/uta/copytrading/*`` models (every endpoint above but portfolio-overview;
``current-follower`` pages may carry ``endId``), which judge the simulator's answers in
tests/sim/test_v3_copy_typed.py.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from terminal_app.bitget.http import BitgetHttp
from terminal_app.bitget.models.fields import Fields, as_list, as_mapping
from terminal_app.bitget.ratelimit import RateLimiter
from terminal_app.bitget.rest_core import compact
from terminal_app.bitget.v3.mapping import MARGIN_MODE_FROM_WIRE, POS_SIDE_FROM_WIRE
from terminal_app.bitget.v3.paths import V3_COPY_RATES, V3CopyPaths
from terminal_app.core.copy_lead import (
    LeadFollower,
    LeadOverview,
    LeadPair,
    LeadPosition,
    LeadProfitDetail,
    LeadProfitSummary,
    LeadTransfer,
)

NOT_ELITE = "40732"   # the simulator's (and V2's) answer to a key that is no elite trader


def _rows(data: Any, kind: str) -> list[Any]:
    """``{list: [...] | null}`` or a bare list."""
    if data is None or isinstance(data, list):
        return as_list(data, kind)
    return as_list(as_mapping(data, kind).get("list"), kind)


def parse_trading_pairs(data: Any) -> list[LeadPair]:
    out = []
    for entry in as_list(data, "CopyTradingPair"):
        f = Fields(entry, "CopyTradingPair")
        details = [Fields(d, "CopyMarginDetail") for d in as_list(f.data.get("marginDetails"), "CopyMarginDetail")]
        usdt = next((d for d in details if d.text("marginCoin").upper() == "USDT"), details[0] if details else None)
        zero = Decimal(0)
        out.append(LeadPair(
            f.text("symbol").upper(), f.text("leverage", ""),
            usdt.dec("maxLongCount") if usdt else zero, usdt.dec("remainingLongCount") if usdt else zero,
            usdt.dec("maxShortCount") if usdt else zero, usdt.dec("remainingShortCount") if usdt else zero))
    return out


def lead_position_from(entry: Any) -> LeadPosition:
    f = Fields(entry, "CopyPositionSummary")
    return LeadPosition(
        symbol=f.text("symbol").upper(), hold_side=f.enum("holdSide", POS_SIDE_FROM_WIRE),
        size=f.dec("holdSize"), avg_price=f.dec("avgPrice"), mark_price=f.opt_dec("markPrice"),
        liq_price=f.opt_dec("liqPrice"), leverage=f.dec("leverage"),
        margin_mode=f.opt_enum("marginMode", MARGIN_MODE_FROM_WIRE), margin=f.dec("margin"),
        value=f.dec("positionValue"), unrealized_pnl=f.dec("unrealizedPnl"), realized_pnl=f.dec("realizedPnl"),
        roi=f.opt_dec("roi"))


def parse_position_summary(data: Any) -> list[LeadPosition]:
    """Open positions only: a closed row (size 0) is not a position."""
    return [p for p in (lead_position_from(e) for e in as_list(data, "CopyPositionSummary")) if p.size > 0]


def _follow_days(f: Fields) -> int | None:
    raw = f.opt_text("followDays")
    return int(raw) if raw and raw.isdigit() else None


def parse_current_followers(data: Any) -> list[LeadFollower]:
    out = []
    for entry in _rows(data, "CopyCurrentFollower"):
        f = Fields(entry, "CopyCurrentFollower")
        removable = f.opt_word("canRemove")
        out.append(LeadFollower(
            f.text("followerName"), f.dec("totalProfit"), f.dec("totalShareProfit"), f.dec("totalInvestment"),
            f.opt_ms("startTime"), None, f.opt_dec("totalAssets"),
            None if removable is None else removable == "yes", _follow_days(f)))
    return out


def parse_history_followers(data: Any) -> list[LeadFollower]:
    out = []
    for entry in _rows(data, "CopyHistoryFollower"):
        f = Fields(entry, "CopyHistoryFollower")
        out.append(LeadFollower(f.text("followerName"), f.dec("totalProfit"), f.dec("totalShareProfit"),
                                f.dec("totalInvestment"), f.opt_ms("startTime"), f.opt_ms("endTime")))
    return out


def parse_profit_summary(data: Any) -> LeadProfitSummary:
    f = Fields(data, "CopyProfitSummary")
    return LeadProfitSummary(f.dec("totalProfit"), f.dec("totalAllocatedProfit"), f.dec("totalPendingProfit"))


def parse_profit_details(data: Any) -> tuple[list[LeadProfitDetail], str | None]:
    out = []
    for entry in _rows(data, "CopyProfitDetail"):
        f = Fields(entry, "CopyProfitDetail")
        out.append(LeadProfitDetail(f.text("followerName"), f.dec("profit"), f.dec("allocatedPnl"),
                                    f.dec("pendingPnl"), f.dec("shareRatio"), f.dec("shareProfit"),
                                    f.word("reason", ""), f.opt_ms("settleTime")))
    cursor = as_mapping(data, "CopyProfitDetails").get("nextCursor") if isinstance(data, dict) else None
    return out, (str(cursor) if cursor not in (None, "") else None)


def parse_overview(data: Any) -> LeadOverview:
    f = Fields(data, "CopyPortfolioOverview")
    return LeadOverview(f.text("projectId", ""), f.dec("asset"), f.opt_dec("roi"), f.dec("totalProfit"),
                        f.dec("followerProfit"), f.opt_dec("maxDrawdown"))


def parse_max_transferable(data: Any) -> tuple[Decimal, Decimal]:
    f = Fields(data, "CopyMaxTransferable")
    return f.dec("maxTransferable"), f.dec("available")


def parse_transfer_records(data: Any) -> list[LeadTransfer]:
    out = []
    for entry in _rows(data, "CopyTransferRecord"):
        f = Fields(entry, "CopyTransferRecord")
        out.append(LeadTransfer(f.text("transferId"), f.text("fromType"), f.text("toType"), f.text("coin").upper(),
                                f.dec("amount"), f.text("status"), f.opt_ms("createdTime")))
    return out


class V3CopyClient:
    """The elite trader's V3 copy endpoints over a profile's signed transport, within their own 5 req/s buckets
    (``limiter`` replaces them; by default they follow the transport's on/off and scale)."""

    def __init__(self, http: BitgetHttp, *, limiter: RateLimiter | None = None) -> None:
        self.http = http
        base = http.limiter
        self.limiter = limiter or RateLimiter(V3_COPY_RATES, scale=base.scale, enabled=base.enabled)

    async def _get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        await self.limiter.acquire(path)
        return await self.http.get(path, params or {}, signed=True)

    async def trading_pairs(self) -> list[LeadPair]:
        return parse_trading_pairs(await self._get(V3CopyPaths.TRADING_PAIRS))

    async def position_summary(self) -> list[LeadPosition]:
        return parse_position_summary(await self._get(V3CopyPaths.POSITION_SUMMARY))

    async def current_followers(self, *, limit: int = 100, cursor: str | None = None) -> list[LeadFollower]:
        return parse_current_followers(await self._get(V3CopyPaths.CURRENT_FOLLOWER,
                                                       compact(limit=str(limit), cursor=cursor)))

    async def history_followers(self, *, limit: int = 100, cursor: str | None = None) -> list[LeadFollower]:
        return parse_history_followers(await self._get(V3CopyPaths.HISTORY_FOLLOWER,
                                                       compact(limit=str(limit), cursor=cursor)))

    async def profit_summary(self) -> LeadProfitSummary:
        return parse_profit_summary(await self._get(V3CopyPaths.PROFIT_SUMMARY))

    async def profit_details(self, *, limit: int = 100, cursor: str | None = None,
                             start_time: int | None = None, end_time: int | None = None
                             ) -> tuple[list[LeadProfitDetail], str | None]:
        params = compact(limit=str(limit), cursor=cursor, startTime=start_time, endTime=end_time)
        return parse_profit_details(await self._get(V3CopyPaths.PROFIT_DETAILS, params))

    async def portfolio_overview(self, period: str = "30D") -> LeadOverview:
        return parse_overview(await self._get(V3CopyPaths.PORTFOLIO_OVERVIEW, {"period": period}))

    async def max_transferable(self, coin: str = "USDT") -> tuple[Decimal, Decimal]:
        """``(maxTransferable, available)`` of the lead account."""
        return parse_max_transferable(await self._get(V3CopyPaths.MAX_TRANSFERABLE, {"coin": coin.upper()}))

    async def transfer_records(self, *, limit: int = 20, cursor: str | None = None) -> list[LeadTransfer]:
        return parse_transfer_records(await self._get(V3CopyPaths.TRANSFER_RECORD,
                                                      compact(limit=str(limit), cursor=cursor)))
