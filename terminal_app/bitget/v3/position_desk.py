"""The V3 position desk (``core.position_tools.PositionDesk``) of a unified account: isolated margin
(``set-margin``), the maximum openable size (``max-open-available``), closed positions (``history-position``) and
the account bill (``financial-records``), mapped to the same domain values as V2's ``bitget.v2.position_desk``.

Wire shapes (bitget-v3-uta.md §5.2, §5.4, §14; Bitget's pages account/Set-Margin, trade/Get-Max-Open-Available,
trade/Get-Position-History, account/Get-Financial-Records; samples ``v3/POST_api_v3_account_set-margin.json``,
``…max-open-available.json``, ``GET_api_v3_position_history-position.json``, ``…financial-records.json``):

* ``POST /api/v3/account/set-margin`` {category, symbol, posSide, operation add|remove, amount > 0 in the margin
  coin (coin-M: the base coin)} → ``"success"``;
* ``POST /api/v3/account/max-open-available`` {category, symbol, orderType, side, price} → eight strings, several
  of them ``""`` (see :func:`max_open_from`);
* ``GET /api/v3/position/history-position`` {category, limit ≤ 100, cursor} → ``{list | null, cursor | null}``;
* ``GET /api/v3/account/financial-records`` {category (futures or ``OTHER``), startTime, endTime (≤ 30 days apart,
  within 90 days), limit ≤ 100, cursor} → ``{list | null, cursor | null}``, a row ``id, category, symbol, coin,
  type, amount, fee (negative when paid, as V2's bill), balance, ts``.

A unified account's bill is per category; the pool's own rows (interest on borrowing, the pool's liquidation flows)
come under ``OTHER``, which the desk reads as the spot line (``bills(Product.SPOT)``): the pool's coins are what the
terminal shows as a unified account's spot balances. Financial-record ``type`` words map to
:class:`~terminal_app.core.position_tools.BillKind` here and nowhere else.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from terminal_app.bitget.errors import BitgetError
from terminal_app.bitget.models.fields import Fields
from terminal_app.bitget.rest_core import compact, num, opt_num
from terminal_app.bitget.v3 import trade as t
from terminal_app.bitget.v3.mapping import POS_SIDE_TO_WIRE, SIDE_TO_WIRE, category, domain_symbol, wire_symbol
from terminal_app.bitget.v3.paths import V3
from terminal_app.bitget.v3.rest import V3RestClient
from terminal_app.core.accounts import ClosedPosition, Position
from terminal_app.core.enums import Side
from terminal_app.core.instruments import MarketInfo, Product
from terminal_app.core.position_tools import Bill, BillKind, max_open_for

SET_MARGIN = "/api/v3/account/set-margin"
MAX_OPEN_AVAILABLE = "/api/v3/account/max-open-available"
PAGE = 100                               # the largest page of history-position and financial-records
DAY_MS = 86_400_000
WINDOW_MS = 30 * DAY_MS                  # financial-records: startTime to endTime at most 30 days
REACH_MS = 89 * DAY_MS                   # ... and no further back than 90 days (a day spare for clock skew)
POOL = "OTHER"                           # the financial-records category of the pool's own rows

# Financial-record ``type`` words (SG:uta/enum "type (financial records)") -> what the row is about. Trades
# carry their realised PnL and fee; liquidation rows the loss; the pool's interest is a cost of its own (shown
# apart from trading PnL); borrowing, repaying, conversions and transfers move money without making or losing any.
_TRADE = ("OPEN_LONG", "OPEN_SHORT", "CLOSE_LONG", "CLOSE_SHORT", "BUY_DEAL", "SELL_DEAL", "FORCE_CLOSE_LONG",
          "FORCE_CLOSE_SHORT", "OFFSET_REDUCE_CLOSE_LONG", "OFFSET_REDUCE_CLOSE_SHORT", "FORCE_BUY_SSM",
          "FORCE_SELL_SSM")
_LIQUIDATION = ("BURST_CLOSE_LONG", "BURST_CLOSE_SHORT", "BURST_BUY_SSM", "BURST_SELL_SSM", "RISK_LIQ_USER_IN",
                "RISK_LIQ_USER_OUT", "LIQ_FEE")
_TRANSFER = ("TRANSFER_IN", "TRANSFER_OUT", "RESERVE_TRANSFER_IN", "RESERVE_TRANSFER_OUT", "BORROW", "REPAYMENT",
             "INTEREST_REPAYMENT", "LIQ_REPAYMENT", "LIQ_CONVERT_IN", "LIQ_CONVERT_OUT", "LIQ_TRANSFER_IN",
             "LIQ_TRANSFER_OUT", "LIQ_FUND_IN", "LIQ_FUND_OUT", "EXCHANGE_SOURCE_TOKEN_USER_OUT",
             "EXCHANGE_TARGET_TOKEN_USER_IN", "ORDER_DEALT_FROZEN_OUT", "ORDER_DEALT_IN")
BILL_KINDS: dict[str, BillKind] = {
    "CONTRACT_MAIN_SETTLE_FEE_USER_IN": BillKind.FUNDING,
    "CONTRACT_MAIN_SETTLE_FEE_USER_OUT": BillKind.FUNDING,
    "INTEREST_SETTLEMENT_OUT": BillKind.INTEREST,
    **dict.fromkeys(_TRADE, BillKind.TRADE),
    **dict.fromkeys(_LIQUIDATION, BillKind.LIQUIDATION),
    **dict.fromkeys(_TRANSFER, BillKind.TRANSFER),
}


def bill_from(entry: Any, product: Product) -> Bill:
    """One financial record of ``product``'s line (``Product.SPOT``: the pool's ``OTHER`` rows)."""
    f = Fields(entry, "FinancialRecord")
    kind = f.text("type", "").strip().upper()
    return Bill(bill_id=f.text("id"), product=product, symbol=domain_symbol(f.text("symbol", "").upper()),
                coin=f.text("coin").upper(), kind=BILL_KINDS.get(kind, BillKind.OTHER), amount=f.dec("amount", "0"),
                fee=f.dec("fee", "0"), balance=f.opt_dec("balance"), ts=f.ms("ts"), detail=kind)


def parse_bills(data: Any, product: Product) -> tuple[list[Bill], str | None]:
    """A page of ``financial-records``: its rows and the next page's cursor (None on the last)."""
    return [bill_from(e, product) for e in t.wrapped_list(data, "FinancialRecord")], t.cursor_of(data)


def max_open_from(data: Any, market: MarketInfo, side: Side | None, price: Decimal, leverage: int) -> Decimal:
    """The size the ticket can open, from the fields Bitget fills. ``maxOpen`` (margin trading's only) and
    ``buyOpenCost``/``sellOpenCost`` came back ``""`` on every live call typed-bitget made (its model
    ``uta/position/max_open_available.py`` types them plain strings, "confirmed live: empty string"), so nothing
    here reads them. ``maxBuyOpen``/``maxSellOpen`` (base coin, at the account's leverage) it types as numbers,
    but the doc's own sample (``POST_api_v3_account_max-open-available.json``) shows them ``""`` and
    bitget-v3-uta.md §14 lists them among the empty ones, while ``available`` (the margin the account can commit)
    is filled everywhere. So: the side's ``max*Open`` when given (``side`` None: not wanted), else the size
    ``available`` opens at ``price`` and ``leverage`` after the taker fee (``core.position_tools.max_open_for``,
    the V2 open-count rule)."""
    f = Fields(data, "MaxOpenAvailable")
    key = {Side.BUY: "maxBuyOpen", Side.SELL: "maxSellOpen"}.get(side) if side is not None else None
    stated = f.opt_dec(key) if key is not None else None
    if stated is not None:
        return stated
    return max_open_for(market, f.dec("available", "0"), price, leverage)


class V3PositionDesk:
    """One unified account's position management calls (``core.position_tools.PositionDesk``). ``page``: the
    rows asked per request (Bitget's largest by default)."""

    def __init__(self, rest: V3RestClient, *, page: int = PAGE, clock_ms: Callable[[], int] | None = None) -> None:
        self._rest = rest
        self._http = rest.http
        self.page = page
        self._now = clock_ms or (lambda: int(time.time() * 1000))

    def bill_lines(self, futures: tuple[Product, ...]) -> tuple[Product, ...]:
        """Every futures category, and the pool's ``OTHER`` rows (as ``Product.SPOT``)."""
        return (*futures, Product.SPOT)

    async def set_margin(self, position: Position, amount: Decimal) -> None:
        body = {"category": category(position.product), "symbol": wire_symbol(position.ref),
                "posSide": POS_SIDE_TO_WIRE[position.hold_side], "operation": "add" if amount > 0 else "remove",
                "amount": num(abs(amount))}
        await self._http.post(SET_MARGIN, body)

    async def max_open(self, market: MarketInfo, margin_coin: str, amount: Decimal, price: Decimal,
                       leverage: int, side: Side | None = None) -> Decimal:
        """Bitget answers from the account's own balance and leverage (``amount``, the terminal's view of the same
        balance, is not sent). Its ``max*Open`` is the ticket's figure only when the ticket's ``leverage`` is the
        one the account has set for the symbol (read from the settings beside it); at any other leverage the size
        is the one ``available`` opens at the ticket's leverage, as the ticket's "at Nx" says."""
        body = compact(category=category(market.ref.product), symbol=wire_symbol(market.ref), orderType="limit",
                       side=SIDE_TO_WIRE[side or Side.BUY], price=opt_num(price))
        data, set_at = await asyncio.gather(self._http.post(MAX_OPEN_AVAILABLE, body), self._leverage_of(market))
        return max_open_from(data, market, side if set_at == leverage else None, price, leverage)

    async def _leverage_of(self, market: MarketInfo) -> Decimal | None:
        try:
            settings = await self._rest.settings()
        except BitgetError:                   # no management permission: Bitget's figure is not used then
            return None
        config = settings.leverage(market.ref.product, market.ref.symbol)
        return config.leverage if config is not None else None

    async def closed_positions(self, product: Product, *, limit: int) -> list[ClosedPosition]:
        """Newest first, page by page (``cursor``) until ``limit`` rows or the last page."""
        out: list[ClosedPosition] = []
        cursor: str | None = None
        while len(out) < limit:
            params = compact(category=category(product), limit=str(min(self.page, limit - len(out))), cursor=cursor)
            data = await self._http.get(V3.HISTORY_POSITION, params, signed=True)
            rows = t.parse_history_positions(data)
            out.extend(rows)
            following = t.cursor_of(data)
            if not rows or following is None or following == cursor:
                break
            cursor = following
        return out[:limit]

    async def bills(self, product: Product, *, since_ms: int | None, limit: int) -> list[Bill]:
        """The line's records since ``since_ms`` (the last 90 days at most), newest first. With ``since_ms`` the
        span is read in windows of 30 days, newest window first (Bitget's limits on startTime/endTime); without
        it, what Bitget gives by default, page by page."""
        if since_ms is None:
            return await self._pages(product, None, None, limit)
        now = self._now()
        start = max(since_ms, now - REACH_MS)
        # the newest window ends at the exchange's own now (no endTime: a server clock ahead of ours loses nothing)
        begin = max(start, now - WINDOW_MS + 1)
        out = await self._pages(product, begin, None, limit)
        while begin > start and len(out) < limit:
            end = begin - 1
            begin = max(start, end - WINDOW_MS + 1)
            out.extend(await self._pages(product, begin, end, limit - len(out)))
        return out[:limit]

    async def _pages(self, product: Product, start: int | None, end: int | None, limit: int) -> list[Bill]:
        out: list[Bill] = []
        cursor: str | None = None
        wire = POOL if product == Product.SPOT else category(product)
        while len(out) < limit:
            params = compact(category=wire, limit=str(min(self.page, limit - len(out))), cursor=cursor,
                             startTime=str(start) if start is not None else None,
                             endTime=str(end) if end is not None else None)
            rows, following = parse_bills(await self._http.get(V3.FINANCIAL_RECORDS, params, signed=True), product)
            out.extend(rows)
            if not rows or following is None or following == cursor:
                break
            cursor = following
        return out[:limit]
