"""The V2 position desk (``core.position_tools.PositionDesk``): isolated margin (``set-margin``), the estimated
open size (``open-count``), closed positions (``history-position``) and the futures account bill (``bill``).

Wire shapes (bitget-v2.md §5, Bitget's api-doc pages contract/account/Change-Margin, Est-Open-Count, Get-Account-Bill,
contract/position/Get-History-Position, and ccxt's bitget ``add_margin``/``fetch_positions_history``/``fetch_ledger``):

* ``POST /api/v2/mix/account/set-margin`` {symbol, productType, marginCoin, holdSide, amount (+ add, - remove)} →
  ``""``;
* ``GET /api/v2/mix/account/open-count`` {symbol, productType, marginCoin, openAmount (margin), openPrice,
  leverage} → ``{"size"}``;
* ``GET /api/v2/mix/position/history-position`` {productType, idLessThan, limit ≤ 100} → ``{"list", "endId"}``;
* ``GET /api/v2/mix/account/bill`` {productType, idLessThan, startTime, limit ≤ 100} → ``{"bills", "endId"}``, a
  row ``billId, symbol, amount, fee, businessType, coin, balance, cTime``.

Bill ``businessType`` words map to :class:`~terminal_app.core.position_tools.BillKind` here and nowhere else.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from terminal_app.bitget.models.account import parse_closed_positions
from terminal_app.bitget.models.fields import Fields, as_mapping, inner_list
from terminal_app.bitget.models.mapping import POSITION_SIDE_TO_WIRE, wire_product
from terminal_app.bitget.rest import BitgetRestClient
from terminal_app.bitget.rest_core import compact, num
from terminal_app.core.accounts import ClosedPosition, Position
from terminal_app.core.enums import Side
from terminal_app.core.instruments import MarketInfo, Product
from terminal_app.core.position_tools import Bill, BillKind

SET_MARGIN = "/api/v2/mix/account/set-margin"
OPEN_COUNT = "/api/v2/mix/account/open-count"
HISTORY_POSITION = "/api/v2/mix/position/history-position"
BILL = "/api/v2/mix/account/bill"
PAGE = 100  # Bitget's largest page of history-position and bill

# businessType of the mix account bill (api-doc contract/account/Get-Account-Bill) -> what the row is about
_TRADE = ("open_long", "open_short", "close_long", "close_short", "buy", "sell", "force_close_long",
          "force_close_short", "force_buy", "force_sell", "adl_close_long", "adl_close_short",
          "adl_buy_in_single_side_mode", "adl_sell_in_single_side_mode", "delivery_long", "delivery_short")
_LIQUIDATION = ("burst_long_loss_query", "burst_short_loss_query", "burst_buy", "burst_sell",
                "risk_captital_user_transfer")
_TRANSFER = ("trans_from_exchange", "trans_to_exchange", "trans_from_contract", "trans_to_contract",
             "trans_from_otc", "trans_to_otc", "trans_from_cross", "trans_to_cross", "trans_from_isolated",
             "trans_to_isolated", "trans_from_strategy", "trans_to_strategy")
_MARGIN = ("append_margin", "adjust_down_lever_append_margin", "reduce_margin", "auto_append_margin")
BILL_KINDS: dict[str, BillKind] = {
    "contract_settle_fee": BillKind.FUNDING,
    **dict.fromkeys(_TRADE, BillKind.TRADE),
    **dict.fromkeys(_LIQUIDATION, BillKind.LIQUIDATION),
    **dict.fromkeys(_TRANSFER, BillKind.TRANSFER),
    **dict.fromkeys(_MARGIN, BillKind.MARGIN),
}


def bill_from(entry: Any, product: Product) -> Bill:
    f = Fields(entry, "Bill")
    business = f.word("businessType", "")
    return Bill(bill_id=f.text("billId"), product=product, symbol=f.text("symbol", "").upper(),
                coin=f.text("coin").upper(), kind=BILL_KINDS.get(business, BillKind.OTHER),
                amount=f.dec("amount", "0"), fee=f.dec("fee", "0"), balance=f.opt_dec("balance"), ts=f.ms("cTime"),
                detail=business)


def parse_bills(data: Any, product: Product) -> tuple[list[Bill], str | None]:
    """A page of ``/api/v2/mix/account/bill``: its rows and ``endId`` (None on the last page)."""
    rows = [bill_from(e, product) for e in inner_list(data, "bills", "Bill")]
    end = as_mapping(data, "Bill").get("endId") if isinstance(data, dict) else None
    return rows, (str(end) if end else None)


class V2PositionDesk:
    """One V2 account's position management calls (``core.position_tools.PositionDesk``)."""

    def __init__(self, rest: BitgetRestClient) -> None:
        self._http = rest.http

    async def set_margin(self, position: Position, amount: Decimal) -> None:
        # holdSide always: hedge mode requires it, and a one-way position is named by its net direction (ccxt's
        # reduce_margin requires it too)
        body = {"symbol": position.symbol, "productType": wire_product(position.product),
                "marginCoin": position.margin_coin, "amount": num(amount),
                "holdSide": POSITION_SIDE_TO_WIRE[position.hold_side]}
        await self._http.post(SET_MARGIN, body)

    def bill_lines(self, futures: tuple[Product, ...]) -> tuple[Product, ...]:
        return futures

    async def max_open(self, market: MarketInfo, margin_coin: str, amount: Decimal, price: Decimal,
                       leverage: int, side: Side | None = None) -> Decimal:
        # open-count is side-blind: a margin amount opens the same size either way
        params = {"symbol": market.ref.symbol, "productType": wire_product(market.ref.product),
                  "marginCoin": margin_coin, "openAmount": num(amount), "openPrice": num(price),
                  "leverage": str(leverage)}
        data = await self._http.get(OPEN_COUNT, params, signed=True)
        return Fields(data, "OpenCount").dec("size")

    async def closed_positions(self, product: Product, *, limit: int) -> list[ClosedPosition]:
        params = {"productType": wire_product(product), "limit": str(min(limit, PAGE))}
        return parse_closed_positions(await self._http.get(HISTORY_POSITION, params, signed=True), product)

    async def bills(self, product: Product, *, since_ms: int | None, limit: int) -> list[Bill]:
        out: list[Bill] = []
        below: str | None = None
        while len(out) < limit:
            params = compact(productType=wire_product(product), limit=str(min(PAGE, limit - len(out))),
                             idLessThan=below, startTime=str(since_ms) if since_ms is not None else None)
            rows, end = parse_bills(await self._http.get(BILL, params, signed=True), product)
            out.extend(rows)
            if not rows or end is None or end == below or len(rows) < min(PAGE, limit):
                break
            below = end
        return out[:limit]
