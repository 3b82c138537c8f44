"""Spot REST endpoints of the simulator (bitget-v2.md §5): public market data, trading, orders, fills, assets."""

from __future__ import annotations

from typing import Any

from terminal_app.bitget.errors import ExchangeError
from terminal_app.core.instruments import Product
from terminal_app.sim.market.markets import find_market, spot_symbols_raw
from terminal_app.sim.server import render
from terminal_app.sim.server.routes import Call, Route, batch, merge_depth, reject, trades_in_window

SPOT = Product.SPOT
_SIDES = ("buy", "sell")
_TYPES = ("limit", "market")
_FORCES = ("gtc", "post_only", "fok", "ioc")


# ---- public ------------------------------------------------------------------------------------------------------


def symbols(call: Call) -> Any:
    symbol = call.opt("symbol")
    if symbol:
        find_market(symbol, SPOT)
    return [row for row in spot_symbols_raw() if symbol is None or row["symbol"] == symbol.upper()]


def coins(call: Call) -> Any:
    return render.coins(call.opt("coin"))


def tickers(call: Call) -> Any:
    symbol = call.opt("symbol")
    if symbol:
        return [render.spot_ticker(call.ex.ticker(find_market(symbol, SPOT).ref))]
    return [render.spot_ticker(t) for t in call.ex.tickers(SPOT)]


def orderbook(call: Call) -> Any:
    ref = call.spot_ref()
    call.word("type", ("step0", "step1", "step2", "step3", "step4", "step5"))
    depth = call.ex.depth(ref, call.limit(150, 200))
    return {"asks": render.levels(depth.asks), "bids": render.levels(depth.bids), "ts": str(depth.ts)}


def spot_merge_depth(call: Call) -> Any:
    return merge_depth(call, call.spot_ref())


def candles(call: Call) -> Any:
    ref = call.spot_ref()
    gran, offset = call.granularity(render.SPOT_GRANULARITIES)
    rows = call.ex.candles(ref, gran, start_ms=call.integer("startTime"), end_ms=call.integer("endTime"),
                           limit=call.limit(100, 1000), offset_ms=offset)
    return [render.candle_row(c, spot=True) for c in rows]


def history_candles(call: Call) -> Any:
    ref = call.spot_ref()
    gran, offset = call.granularity(render.SPOT_GRANULARITIES)
    end = call.integer("endTime")
    if end is None:
        raise reject("40019", "Parameter endTime cannot be empty")
    rows = call.ex.candles(ref, gran, end_ms=end, limit=call.limit(100, 200), offset_ms=offset)
    return [render.candle_row(c, spot=True) for c in rows]


def market_fills(call: Call) -> Any:
    ref = call.spot_ref()
    symbol = call.ex.market(ref).symbol
    return [render.public_trade(symbol, t) for t in call.ex.recent_trades(ref, call.limit(100, 500))]


def market_fills_history(call: Call) -> Any:
    ref = call.spot_ref()
    return [render.public_trade(call.ex.market(ref).symbol, t, history=True) for t in trades_in_window(call, ref)]


# ---- trading -----------------------------------------------------------------------------------------------------


def _place(call: Call, params: dict[str, Any], symbol: str) -> Any:
    sub = Call(call.ex, params, call.key, call.now_ms)
    order_type = sub.word("orderType", _TYPES)
    side = sub.word("side", _SIDES)
    if order_type is None:
        raise reject("40019", "Parameter orderType cannot be empty")
    if side is None:
        raise reject("40019", "Parameter side cannot be empty")
    force = sub.word("force", _FORCES, "gtc") or "gtc"
    price = sub.opt("price")
    if order_type == "limit" and price is None:
        raise reject("40019", "Parameter price cannot be empty")
    tpsl = sub.word("tpslType", ("normal", "tpsl"), "normal")
    if tpsl == "tpsl":
        raise reject("40019", "The simulator has no spot TP/SL orders (tpslType=tpsl): use a spot plan order")
    for field in ("executeTakeProfitPrice", "executeStopLossPrice"):
        if sub.opt(field) not in (None, "", "0"):  # a limit exit: not simulated
            raise reject("40019", f"The simulator does not support {field}: leave it empty (market)")
    order = call.ex.place_spot_order(call.uid, symbol, side, order_type, sub.req("size"),
                                     price if order_type == "limit" else None, force, sub.opt("clientOid"),
                                     sub.opt("presetTakeProfitPrice"), sub.opt("presetStopLossPrice"))
    return render.ack(order.order_id, order.client_oid)


def place_order(call: Call) -> Any:
    return _place(call, dict(call.params), call.req("symbol"))


def batch_orders(call: Call) -> Any:
    outer = call.opt("symbol")
    mode = call.word("batchMode", ("single", "multiple"), "single")

    def place(entry: dict[str, Any]) -> Any:
        symbol = (entry.get("symbol") if mode == "multiple" else None) or outer or entry.get("symbol")
        if not symbol:
            raise reject("40019", "Parameter symbol cannot be empty")
        return _place(call, entry, str(symbol))

    return batch(call.items("orderList", 50), "orderList", place)


def cancel_order(call: Call) -> Any:
    order = call.ex.cancel_spot_order(call.uid, call.req("symbol"), call.opt("orderId"), call.opt("clientOid"))
    return render.ack(order.order_id, order.client_oid)


def batch_cancel_order(call: Call) -> Any:
    outer = call.opt("symbol")

    def cancel(entry: dict[str, Any]) -> Any:
        symbol = entry.get("symbol") or outer
        if not symbol:
            raise reject("40019", "Parameter symbol cannot be empty")
        order = call.ex.cancel_spot_order(call.uid, str(symbol), entry.get("orderId") or None,
                                          entry.get("clientOid") or None)
        return render.ack(order.order_id, order.client_oid)

    return batch(call.items("orderList", 50), "orderList", cancel)


def cancel_symbol_order(call: Call) -> Any:
    symbol = call.req("symbol")
    call.ex.cancel_spot_symbol(call.uid, symbol)
    return {"symbol": find_market(symbol, SPOT).symbol}


def cancel_replace_order(call: Call) -> Any:
    order = call.ex.replace_spot_order(call.uid, call.req("symbol"), call.req("price"), call.req("size"),
                                       call.opt("orderId"), call.opt("clientOid"), call.opt("newClientOid"))
    return {"orderId": order.order_id, "clientOid": order.client_oid, "success": "success", "msg": None}


# ---- orders, fills, assets ---------------------------------------------------------------------------------------


def order_info(call: Call) -> Any:
    order_id, client_oid = call.opt("orderId"), call.opt("clientOid")
    if not order_id and not client_oid:
        raise reject("40019", "Parameter orderId or clientOid cannot be empty")
    try:
        order = call.ex.get_order(call.uid, SPOT, order_id, client_oid)
    except ExchangeError as exc:
        if exc.code == "43001":
            return []                # Bitget answers an unknown order with an empty list
        raise
    return [render.spot_order(order, call.uid)]


def _window(call: Call) -> tuple[int | None, int | None, str | None]:
    return call.integer("startTime"), call.integer("endTime"), call.opt("idLessThan")


def unfilled_orders(call: Call) -> Any:
    start, end, below = _window(call)
    order_id = call.opt("orderId")
    out = []
    for o in call.ex.open_orders(call.uid, SPOT, call.opt("symbol")):
        if ((order_id and o.order_id != order_id) or (start is not None and o.c_time < start)
                or (end is not None and o.c_time > end) or (below and int(o.order_id) >= int(below))):
            continue
        out.append(render.spot_open_order(o, call.uid))
    return out[:call.limit(100, 100)]


def history_orders(call: Call) -> Any:
    start, end, below = _window(call)
    order_id = call.opt("orderId")
    orders = call.ex.order_history(call.uid, SPOT, call.opt("symbol"), start_ms=start, end_ms=end,
                                   id_less_than=below, limit=call.limit(100, 100))
    return [render.spot_order(o, call.uid) for o in orders if not order_id or o.order_id == order_id]


def fills(call: Call) -> Any:
    start, end, below = _window(call)
    rows = call.ex.fills(call.uid, SPOT, call.opt("symbol"), order_id=call.opt("orderId"), start_ms=start,
                         end_ms=end, id_less_than=below, limit=call.limit(100, 100))
    return [render.spot_fill(f, call.uid) for f in rows]


def assets(call: Call) -> Any:
    coin = call.opt("coin")
    asset_type = call.word("assetType", ("hold_only", "all"), "hold_only")
    out = []
    for b in call.ex.spot_balances(call.uid):
        if coin and b.coin != coin.upper():
            continue
        if not coin and asset_type == "hold_only" and not b.available and not b.frozen:
            continue
        out.append(render.spot_asset(b))
    return out


def bills(call: Call) -> Any:
    """``/api/v2/spot/account/bills``: newest first, ``limit`` ≤ 500."""
    start, end, below = _window(call)
    rows = call.ex.spot_bills(call.uid, call.opt("coin"), group_type=call.opt("groupType"),
                              business_type=call.opt("businessType"), start_ms=start, end_ms=end, id_less_than=below,
                              limit=call.limit(100, 500))
    return [render.spot_bill(b) for b in rows]


def wallet_transfer(call: Call) -> Any:
    """Between the spot account and a futures account (``fromType``/``toType`` spot, usdt_futures, usdc_futures,
    coin_futures); the sample's ``{"transferId", "clientOid"}``."""
    transfer_id = call.ex.transfer(call.uid, call.req("fromType"), call.req("toType"), call.req("coin"),
                                   call.req("amount"))
    return {"transferId": transfer_id, "clientOid": call.opt("clientOid") or ""}


SPOT_ROUTES: tuple[Route, ...] = (
    Route("GET", "/api/v2/spot/public/symbols", symbols),
    Route("GET", "/api/v2/spot/public/coins", coins),
    Route("GET", "/api/v2/spot/market/tickers", tickers),
    Route("GET", "/api/v2/spot/market/orderbook", orderbook),
    Route("GET", "/api/v2/spot/market/merge-depth", spot_merge_depth),
    Route("GET", "/api/v2/spot/market/candles", candles),
    Route("GET", "/api/v2/spot/market/history-candles", history_candles),
    Route("GET", "/api/v2/spot/market/fills", market_fills),
    Route("GET", "/api/v2/spot/market/fills-history", market_fills_history),
    Route("POST", "/api/v2/spot/trade/place-order", place_order, private=True, trade=True),
    Route("POST", "/api/v2/spot/trade/batch-orders", batch_orders, private=True, trade=True),
    Route("POST", "/api/v2/spot/trade/cancel-order", cancel_order, private=True, trade=True),
    Route("POST", "/api/v2/spot/trade/batch-cancel-order", batch_cancel_order, private=True, trade=True),
    Route("POST", "/api/v2/spot/trade/cancel-symbol-order", cancel_symbol_order, private=True, trade=True),
    Route("POST", "/api/v2/spot/trade/cancel-replace-order", cancel_replace_order, private=True, trade=True),
    Route("GET", "/api/v2/spot/trade/orderInfo", order_info, private=True),
    Route("GET", "/api/v2/spot/trade/unfilled-orders", unfilled_orders, private=True),
    Route("GET", "/api/v2/spot/trade/history-orders", history_orders, private=True),
    Route("GET", "/api/v2/spot/trade/fills", fills, private=True),
    Route("GET", "/api/v2/spot/account/assets", assets, private=True),
    Route("GET", "/api/v2/spot/account/bills", bills, private=True),
    Route("POST", "/api/v2/spot/wallet/transfer", wallet_transfer, private=True, trade=True),
)
