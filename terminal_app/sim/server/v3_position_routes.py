"""A unified account's position tools on the simulator's V3 REST (bitget-v3-uta.md §5.2, §5.4), over the engine's
position desk as V2's ``server.position_routes``:

* ``POST /api/v3/account/set-margin`` {category, symbol, posSide, operation add|remove, amount (margin coin; coin-M:
  the base coin)} → ``"success"`` (sample POST_api_v3_account_set-margin.json; D:account/Set-Margin). Taking out more
  than the position can give is Bitget's ``25242`` "The maximum reducible amount is {0}{1}." (SG:uta/error-code/
  restapi); too little in the pool to add, ``25203`` Insufficient margin; no position, ``25227``; a crossed position
  ``25240`` "{0} does not support this operation".
* ``POST /api/v3/account/max-open-available`` {category, symbol, orderType, side, price (limit), size} → the eight
  documented strings (D:trade/Get-Max-Open-Available): futures fill ``available`` (margin), ``maxBuyOpen`` /
  ``maxSellOpen`` (base coin at the account's leverage) and, with a ``size``, ``buyOpenCost``/``sellOpenCost``;
  ``maxOpen`` is margin's only and stays ``""``, as do the futures fields on spot.
* ``GET /api/v3/position/history-position`` {category*, symbol, startTime, endTime, limit ≤ 100 (default 100),
  cursor} → ``{list, cursor}``: newest position first, ``cursor`` the last row's ``positionId`` while more remain (the
  sample's cursor is its row's id), ``list: null`` / ``cursor: null`` when nothing is left (§14).
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal
from typing import Any

from terminal_app.sim.engine import unified
from terminal_app.sim.engine.closed_positions import ClosedPosition
from terminal_app.sim.market.markets import find_futures
from terminal_app.sim.server import v3_render as r
from terminal_app.sim.server.render import num
from terminal_app.sim.server.routes import Call, Route, reject
from terminal_app.sim.server.v3_routes import _product, _ref, v3_errors

ZERO = Decimal(0)

EMPTY = ""
ALL = 1_000_000
PLACES = Decimal("0.00000001")   # the figure in the refusal: the margin coin's 8 places, rounded down


def _futures_ref(call: Call) -> Any:
    ref = _ref(call)
    if not ref.product.is_futures:
        raise reject("40017", "Parameter category error")
    return ref


def _amount(call: Call) -> Decimal:
    amount = call.decimal("amount")
    if amount is None:
        raise reject("40019", "Parameter amount cannot be empty")
    if not amount.is_finite() or amount <= 0:
        raise reject("40017", "Parameter amount error")
    return amount


def _required_word(call: Call, name: str, allowed: tuple[str, ...]) -> str:
    word = call.word(name, allowed)
    if word is None:
        raise reject("40019", f"Parameter {name} cannot be empty")
    return word


def set_margin(call: Call) -> Any:
    ref = _futures_ref(call)
    pos_side = _required_word(call, "posSide", ("long", "short"))
    operation = _required_word(call, "operation", ("add", "remove"))
    amount = _amount(call)
    held = [p for p in call.ex.positions(call.uid, ref.symbol, ref.product) if p.hold_side == pos_side and p.total]
    if not held:
        raise reject("25227", "No position available to close")
    desk = call.ex.position_desk
    removable = desk.removable_margin(call.uid, ref.symbol, pos_side)
    if removable is None:
        raise reject("25240", "Crossed margin does not support this operation")
    coin = find_futures(ref.symbol).margin_coin
    if operation == "remove" and amount > removable:
        most = removable.quantize(PLACES, rounding=ROUND_DOWN).normalize()
        raise reject("25242", f"The maximum reducible amount is {most:f}{coin}.")
    call.ex.adjust_margin(call.uid, ref.symbol, pos_side, amount if operation == "add" else -amount)
    return "success"


def max_open_available(call: Call) -> Any:
    ref = _ref(call)
    order_type = _required_word(call, "orderType", ("limit", "market"))
    side = _required_word(call, "side", ("buy", "sell"))
    price = call.decimal("price")
    if order_type == "limit" and (price is None or not price.is_finite() or price <= 0):
        raise reject("40019", "Parameter price cannot be empty")
    size = call.decimal("size")
    out = dict.fromkeys(("available", "maxOpen", "buyOpenCost", "sellOpenCost", "maxBuyOpen", "maxSellOpen",
                         "maxBuyAvailable", "maxSellAvailable"), EMPTY)
    if not ref.product.is_futures:
        # spot: buy spends the quote coin, sell the base coin (the page's wording of ``available``), from the pool
        market = call.ex.market(ref)
        coin = market.info.quote_coin if side == "buy" else market.info.base_coin
        held = next((c for c in unified.unified_view(call.ex, call.uid).coins if c.coin == coin), None)
        out["available"] = num(held.available) if held is not None else "0"
        return out
    coin = find_futures(ref.symbol).margin_coin
    held = next((c for c in unified.unified_view(call.ex, call.uid).coins if c.coin == coin), None)
    got = call.ex.position_desk.max_open_available(call.uid, ref.symbol, price, size,
                                                   held.available if held is not None else ZERO)
    out.update(available=num(got.available), maxBuyOpen=num(got.max_buy), maxSellOpen=num(got.max_sell))
    if got.buy_cost is not None and got.sell_cost is not None:
        out.update(buyOpenCost=num(got.buy_cost), sellOpenCost=num(got.sell_cost))
    return out


def closed_row(c: ClosedPosition) -> dict[str, Any]:
    product = find_futures(c.symbol).ref.product
    return {"positionId": c.position_id, "category": r.CATEGORIES[product], "symbol": c.symbol,
            "marginCoin": c.margin_coin, "holdMode": c.pos_mode, "posSide": c.hold_side,
            "marginMode": c.margin_mode, "openPriceAvg": num(c.open_avg), "closePriceAvg": num(c.close_avg),
            "openTotalPos": num(c.open_total), "closeTotalPos": num(c.close_total), "cumRealisedPnl": num(c.pnl),
            "netProfit": num(c.net), "totalFunding": num(c.funding), "openFeeTotal": num(c.open_fee),
            "closeFeeTotal": num(c.close_fee), "createdTime": str(c.c_time), "updatedTime": str(c.u_time)}


def history_position(call: Call) -> Any:
    product = _product(call)
    if product is None or not product.is_futures:
        raise reject("40017", "Parameter category error")
    symbol = _ref(call).symbol if call.opt("symbol") else None
    limit = call.limit(100, 100)
    cursor = call.opt("cursor")
    rows = call.ex.position_desk.closed_positions(
        call.uid, product, symbol, start_ms=call.integer("startTime", None), end_ms=call.integer("endTime", None),
        limit=ALL)
    # by position id, newest first: the cursor (the last id shown) then splits the pages exactly, even when an older
    # position closed after a newer one
    rows = sorted((c for c in rows if cursor is None or int(c.position_id) < int(cursor)),
                  key=lambda c: int(c.position_id), reverse=True)
    page, more = rows[:limit], len(rows) > limit
    return r.listed([closed_row(c) for c in page], page[-1].position_id if page and more else None)


def _routes() -> tuple[Route, ...]:
    return (Route("POST", "/api/v3/account/set-margin", v3_errors(set_margin), private=True, trade=True),
            Route("POST", "/api/v3/account/max-open-available", v3_errors(max_open_available), private=True),
            Route("GET", "/api/v3/position/history-position", v3_errors(history_position), private=True))


V3_POSITION_ROUTES: tuple[Route, ...] = _routes()
