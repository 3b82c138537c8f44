"""Position REST endpoints of the simulator beside ``server.mix``: closed positions
(``GET /api/v2/mix/position/history-position``) and the estimated open size (``GET /api/v2/mix/account/open-count``).

Shapes: history-position as Bitget's page (api-doc contract/position/Get-History-Position; sample
rest/GET_api_v2_mix_position_history-position.json): the doc page's ``positionId`` and the live answer's lowercase
``ctime``/``utime``, ``posMode`` and ``cashDividend`` (as typed-bitget saw them live and ccxt's comment shows);
open-count answers ``{"size"}`` (api-doc contract/account/Est-Open-Count).
"""

from __future__ import annotations

from typing import Any

from terminal_app.sim.engine.closed_positions import ClosedPosition
from terminal_app.sim.market.markets import FUTURES_PRODUCTS, find_futures
from terminal_app.sim.server import render
from terminal_app.sim.server.routes import Call, Route, reject


def closed_row(r: ClosedPosition) -> dict[str, Any]:
    return {"positionId": r.position_id, "marginCoin": r.margin_coin, "symbol": r.symbol, "holdSide": r.hold_side,
            "openAvgPrice": render.num(r.open_avg), "closeAvgPrice": render.num(r.close_avg),
            "marginMode": r.margin_mode, "openTotalPos": render.num(r.open_total),
            "closeTotalPos": render.num(r.close_total), "pnl": render.num(r.pnl), "netProfit": render.num(r.net),
            "totalFunding": render.num(r.funding), "openFee": render.num(r.open_fee),
            "closeFee": render.num(r.close_fee), "ctime": render.ms(r.c_time), "utime": render.ms(r.u_time),
            "posMode": r.pos_mode, "cashDividend": "0"}


def history_position(call: Call) -> Any:
    """``productType`` defaults to USDT-FUTURES and a ``symbol`` decides it (the page says so); limit ≤ 100."""
    symbol = call.opt("symbol")
    if symbol:
        product = find_futures(symbol).ref.product
    elif call.opt("productType"):
        product = call.product_type()
    else:
        product = FUTURES_PRODUCTS[0]
    if product not in FUTURES_PRODUCTS:
        return {"list": [], "endId": None}
    rows = call.ex.position_desk.closed_positions(
        call.uid, product, symbol, start_ms=call.integer("startTime"), end_ms=call.integer("endTime"),
        id_less_than=call.opt("idLessThan"), limit=call.limit(20, 100))
    return {"list": [closed_row(r) for r in rows], "endId": rows[-1].position_id if rows else None}


def open_count(call: Call) -> Any:
    ref = call.futures_ref()
    market = find_futures(ref.symbol)
    if market.ref.product is not ref.product:
        raise reject("40034", "Parameter symbol does not exist")
    if call.req("marginCoin").upper() != market.margin_coin:
        raise reject("40017", "Parameter marginCoin error")
    amount, price = call.decimal("openAmount"), call.decimal("openPrice")
    if amount is None:
        raise reject("40019", "Parameter openAmount cannot be empty")
    if price is None:
        raise reject("40019", "Parameter openPrice cannot be empty")
    leverage = call.integer("leverage", 20, lo=1) or 20
    size = call.ex.position_desk.open_count(call.uid, market.symbol, amount, price, leverage)
    return {"size": render.num(size)}


POSITION_ROUTES: tuple[Route, ...] = (
    Route("GET", "/api/v2/mix/position/history-position", history_position, private=True),
    Route("GET", "/api/v2/mix/account/open-count", open_count, private=True),
)
