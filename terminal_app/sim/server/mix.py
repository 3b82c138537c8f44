"""Futures ("mix") REST endpoints of the simulator (bitget-v2.md §5) for USDT-FUTURES, COIN-FUTURES and USDC-FUTURES;
the legacy demo product types answer empty lists (their symbols do not exist: 40034). A request's ``marginCoin`` must
be the contract's (the base coin for coin-M, bitget-futures-products.md §2.3)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from terminal_app.bitget.errors import ExchangeError
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.sim.engine.orders import Order
from terminal_app.sim.market.markets import FUTURES_PRODUCTS, contracts_raw, find_futures, find_market
from terminal_app.sim.server import render
from terminal_app.sim.server.routes import Call, Route, batch, merge_depth, reject, trades_in_window

USDT = Product.USDT_FUTURES
_SIDES = ("buy", "sell")
_TYPES = ("limit", "market")
_FORCES = ("gtc", "post_only", "fok", "ioc")
_KLINE_KINDS = {"MARKET": "market", "MARK": "mark", "INDEX": "index"}


def _served(call: Call) -> bool:
    """Whether the product type has markets in the simulator (all but the legacy demo lines)."""
    return call.product_type() in FUTURES_PRODUCTS


def _symbol(call: Call) -> str:
    return find_market(call.futures_ref().symbol, call.product_type()).symbol


def _btc_price(call: Call) -> Decimal:
    return call.ex.mark_price(SymbolRef("BTCUSDT", USDT))


def _usdt_price(call: Call, coin: str) -> Decimal:
    """A margin coin's price in USDT for ``usdtEquity`` (USDC counts 1:1; a coin-M coin at its USDT-M mark)."""
    if coin in ("USDT", "USDC"):
        return Decimal(1)
    return call.ex.mark_price(SymbolRef(f"{coin}USDT", USDT))


def _margin_coin(call: Call, symbol: str) -> str:
    coin = call.req("marginCoin").upper()
    if coin != find_futures(symbol).margin_coin:
        raise reject("40017", "Parameter marginCoin error")
    return coin


def _listing(rows: list[Any], key: str, id_of: Callable[[Any], str]) -> dict[str, Any]:
    """Bitget's paged shape: ``{key: [...] | null, "endId": <id of the last row> | null}``."""
    return {key: rows or None, "endId": id_of(rows[-1]) if rows else None}


# ---- market data ---------------------------------------------------------------------------------------------


def contracts(call: Call) -> Any:
    product = call.product_type()
    symbol = call.opt("symbol")
    if symbol:
        find_market(symbol, product)
    # a delivery contract's times and status are the exchange's (a test may move them; it is "off" once delivered)
    return [{**row, **call.ex.delivery.contract_fields(row["symbol"])} for row in contracts_raw(product)
            if symbol is None or row["symbol"] == symbol.upper()]


def _mix_ticker(call: Call, t: Any) -> dict[str, Any]:
    return {**render.mix_ticker(t), **call.ex.delivery.ticker_fields(t.ref.symbol)}


def ticker(call: Call) -> Any:
    return [_mix_ticker(call, call.ex.ticker(call.ex.market(call.futures_ref()).ref))]


def tickers(call: Call) -> Any:
    product = call.product_type()
    return [_mix_ticker(call, t) for t in call.ex.tickers(product)] if product in FUTURES_PRODUCTS else []


def mix_merge_depth(call: Call) -> Any:
    return merge_depth(call, call.futures_ref())


def _candles(call: Call, maximum: int) -> Any:
    ref = call.futures_ref()
    gran, offset = call.granularity(render.FUTURES_GRANULARITIES)
    kind = _KLINE_KINDS.get((call.opt("kLineType") or "MARKET").upper())
    if kind is None:
        raise reject("40017", "Parameter kLineType error")
    rows = call.ex.candles(ref, gran, start_ms=call.integer("startTime"), end_ms=call.integer("endTime"),
                           limit=call.limit(100, maximum), offset_ms=offset, kind=kind)
    return [render.candle_row(c, spot=False) for c in rows]


def candles(call: Call) -> Any:
    return _candles(call, 1000)


def history_candles(call: Call) -> Any:
    return _candles(call, 200)


def market_fills(call: Call) -> Any:
    ref = call.futures_ref()
    symbol = call.ex.market(ref).symbol
    return [render.public_trade(symbol, t) for t in call.ex.recent_trades(ref, call.limit(100, 100))]


def market_fills_history(call: Call) -> Any:
    ref = call.futures_ref()
    return [render.public_trade(call.ex.market(ref).symbol, t, history=True) for t in trades_in_window(call, ref)]


def current_fund_rate(call: Call) -> Any:
    product = call.product_type()
    symbol = call.opt("symbol")
    if symbol:
        ref = call.ex.market(SymbolRef(symbol.upper(), product)).ref
        return [render.funding_rate(ref.symbol, call.ex.funding(ref))]
    return [render.funding_rate(m.symbol, call.ex.funding(m.ref)) for m in call.ex.markets(product)]


def open_interest(call: Call) -> Any:
    ref = call.ex.market(call.futures_ref()).ref
    return {"openInterestList": [{"symbol": ref.symbol, "size": render.num(call.ex.open_interest(ref))}],
            "ts": str(call.ex.now_ms())}


def symbol_price(call: Call) -> Any:
    ref = call.ex.market(call.futures_ref()).ref
    t = call.ex.ticker(ref)
    return [{"symbol": ref.symbol, "price": render.num(t.last), "indexPrice": render.num(t.index_price),
             "markPrice": render.num(t.mark_price), "ts": str(t.ts)}]


# ---- account ---------------------------------------------------------------------------------------------------


def accounts(call: Call) -> Any:
    if not _served(call):
        return []
    btc = _btc_price(call)
    positions = call.ex.positions(call.uid, product=call.product_type())
    return [render.mix_account(a, btc, _usdt_price(call, a.margin_coin),
                               [p for p in positions if find_futures(p.ref.symbol).margin_coin == a.margin_coin])
            for a in call.ex.futures_accounts(call.uid, call.product_type())]


def account(call: Call) -> Any:
    symbol = _symbol(call)
    coin = _margin_coin(call, symbol)
    acc = call.ex.futures_account(call.uid, coin)
    return render.mix_account_single(acc, call.ex.symbol_settings(call.uid, symbol), _btc_price(call),
                                     _usdt_price(call, coin), call.ex.positions(call.uid, symbol))


def set_leverage(call: Call) -> Any:
    """Isolated margin in hedge mode needs ``holdSide``, unless ``longLeverage`` and ``shortLeverage`` set both
    directions at once (SG:contract/account/Change-Leverage; the long/short pair since 2025-07-14)."""
    symbol = _symbol(call)
    coin = _margin_coin(call, symbol)
    hold_side = call.word("holdSide", ("long", "short"))
    long_lev, short_lev = call.integer("longLeverage", lo=1), call.integer("shortLeverage", lo=1)
    isolated_hedge = (call.ex.symbol_settings(call.uid, symbol).margin_mode == "isolated"
                      and call.ex.futures_account(call.uid, coin).pos_mode == "hedge_mode")
    if isolated_hedge and long_lev is not None and short_lev is not None:
        call.ex.set_leverage(call.uid, symbol, long_lev, "long")
        return render.leverage_result(call.ex.set_leverage(call.uid, symbol, short_lev, "short"))
    leverage = call.integer("leverage", lo=1)
    if leverage is None:
        raise reject("40019", "Parameter leverage cannot be empty")
    if isolated_hedge and hold_side is None:
        raise reject("40019", "Parameter holdSide cannot be empty")
    return render.leverage_result(call.ex.set_leverage(call.uid, symbol, leverage, hold_side))


def set_margin_mode(call: Call) -> Any:
    symbol = _symbol(call)
    _margin_coin(call, symbol)
    return render.margin_mode_result(call.ex.set_margin_mode(call.uid, symbol, call.req("marginMode")))


def set_margin(call: Call) -> Any:
    """Add (+) or remove (-) isolated margin; Bitget answers an empty string (sample
    rest/POST_api_v2_mix_account_set-margin.json)."""
    symbol = _symbol(call)
    coin = _margin_coin(call, symbol)
    hold_side = call.word("holdSide", ("long", "short"))
    amount = call.decimal("amount")
    if amount is None:
        raise reject("40019", "Parameter amount cannot be empty")
    if hold_side is None:
        if call.ex.futures_account(call.uid, coin).pos_mode == "hedge_mode":
            raise reject("40019", "Parameter holdSide cannot be empty")
        sides = {p.hold_side for p in call.ex.positions(call.uid, symbol)}
        hold_side = sides.pop() if len(sides) == 1 else "long"
    call.ex.adjust_margin(call.uid, symbol, hold_side, amount)
    return ""


def bill(call: Call) -> Any:
    """``/api/v2/mix/account/bill``: ``{bills, endId}``, newest first (fills, funding, liquidations) of the
    ``productType``'s accounts (and of one margin ``coin`` when given)."""
    if not _served(call):
        return {"bills": [], "endId": None}
    coin = call.opt("coin")
    rows = call.ex.account_bills(call.uid, call.opt("symbol"), business_type=call.opt("businessType"),
                                 start_ms=call.integer("startTime"), end_ms=call.integer("endTime"),
                                 id_less_than=call.opt("idLessThan"), limit=call.limit(20, 100),
                                 product=call.product_type(), coin=coin.upper() if coin else None)
    return {"bills": [render.mix_bill(b) for b in rows], "endId": rows[-1].bill_id if rows else None}


def history_fund_rate(call: Call) -> Any:
    """Past funding settlements, newest first (``pageSize`` ≤ 100, ``pageNo``): the simulator charges a steady
    rate, so every past settlement shows the current one."""
    ref = call.ex.market(call.futures_ref()).ref
    info = call.ex.funding(ref)
    size = call.integer("pageSize", 20, lo=1, hi=100) or 20
    page = call.integer("pageNo", 1, lo=1) or 1
    step = info.interval_hours * 3_600_000
    last = info.next_time - step
    return [{"symbol": ref.symbol, "fundingRate": render.num(info.rate), "fundingTime": str(last - k * step)}
            for k in range((page - 1) * size, page * size)]


def set_position_mode(call: Call) -> Any:
    if not _served(call):
        raise reject("40017", "Parameter productType error")
    return {"posMode": call.ex.set_position_mode(call.uid, call.req("posMode"), call.product_type())}


# ---- trading -----------------------------------------------------------------------------------------------------


def _yes(value: str | None) -> bool:
    return (value or "").upper() in ("YES", "TRUE")


def _place(call: Call, params: dict[str, Any], symbol: str, margin_mode: str | None) -> Order:
    sub = Call(call.ex, params, call.key, call.now_ms)
    side = sub.word("side", _SIDES)
    order_type = sub.word("orderType", _TYPES)
    if side is None:
        raise reject("40019", "Parameter side cannot be empty")
    if order_type is None:
        raise reject("40019", "Parameter orderType cannot be empty")
    mode = sub.opt("marginMode") or margin_mode
    if mode is None:
        raise reject("40019", "Parameter marginMode cannot be empty")
    price = sub.opt("price") if order_type == "limit" else None
    return call.ex.place_futures_order(
        call.uid, symbol, side, order_type, sub.req("size"), price, sub.word("force", _FORCES, "gtc") or "gtc",
        sub.opt("clientOid"), mode, sub.opt("tradeSide"), _yes(sub.opt("reduceOnly")),
        sub.opt("presetStopSurplusPrice"), sub.opt("presetStopLossPrice"))


def place_order(call: Call) -> Any:
    symbol = _symbol(call)
    _margin_coin(call, symbol)
    order = _place(call, dict(call.params), symbol, None)
    return {"clientOid": order.client_oid, "orderId": order.order_id}


def batch_place_order(call: Call) -> Any:
    symbol = _symbol(call)
    _margin_coin(call, symbol)
    mode = call.opt("marginMode")

    def place(entry: dict[str, Any]) -> Any:
        order = _place(call, entry, symbol, mode)
        return render.ack(order.order_id, order.client_oid)

    return batch(call.items("orderList", 50), "orderList", place)


def cancel_order(call: Call) -> Any:
    symbol = _symbol(call)
    order = call.ex.cancel_futures_order(call.uid, symbol, call.opt("orderId"), call.opt("clientOid"))
    return render.ack(order.order_id, order.client_oid)


def batch_cancel_orders(call: Call) -> Any:
    """Without ``orderIdList`` Bitget cancels every open order of the symbol (ccxt's ``cancel_all_orders`` for swaps
    sends exactly that: ts/src/bitget.ts cancelAllOrders)."""
    symbol = _symbol(call)
    if not call.params.get("orderIdList"):
        cancelled = call.ex.cancel_all_futures(call.uid, symbol)
        return {"successList": [render.ack(o.order_id, o.client_oid) for o in cancelled], "failureList": []}

    def cancel(entry: dict[str, Any]) -> Any:
        order = call.ex.cancel_futures_order(call.uid, symbol, entry.get("orderId") or None,
                                             entry.get("clientOid") or None)
        return render.ack(order.order_id, order.client_oid)

    return batch(call.items("orderIdList", 50), "orderIdList", cancel)


def cancel_all_orders(call: Call) -> Any:
    if not _served(call):
        return {"successList": [], "failureList": []}
    product = call.product_type()
    symbol = call.opt("symbol")
    if symbol:
        find_market(symbol, product)
    cancelled = call.ex.cancel_all_futures(call.uid, symbol, product, call.opt("marginCoin"))
    return {"successList": [render.ack(o.order_id, o.client_oid) for o in cancelled], "failureList": []}


def modify_order(call: Call) -> Any:
    symbol = _symbol(call)
    new_client_oid = call.req("newClientOid")
    order = call.ex.modify_futures_order(call.uid, symbol, call.opt("orderId"), call.opt("clientOid"),
                                         new_client_oid, call.opt("newSize"), call.opt("newPrice"),
                                         call.opt("newPresetStopSurplusPrice"), call.opt("newPresetStopLossPrice"))
    return render.ack(order.order_id, order.client_oid)


def close_positions(call: Call) -> Any:
    if not _served(call):
        return {"successList": [], "failureList": []}
    product = call.product_type()
    symbol = call.opt("symbol")
    if symbol:
        find_market(symbol, product)
    hold_side = call.word("holdSide", ("long", "short"))
    orders = call.ex.close_positions(call.uid, symbol, hold_side, product)
    # successList carries the symbol (SG:contract/trade/Flash-Close-Position; ccxt reads it)
    return {"successList": [{**render.ack(o.order_id, o.client_oid), "symbol": o.ref.symbol} for o in orders],
            "failureList": []}


_PLAN_TYPES = ("profit_plan", "loss_plan", "moving_plan", "pos_profit", "pos_loss")
_TRIGGER_TYPES = ("fill_price", "mark_price")


def place_tpsl_order(call: Call) -> Any:
    symbol = _symbol(call)
    _margin_coin(call, symbol)
    plan_type = call.word("planType", _PLAN_TYPES)
    if plan_type is None:
        raise reject("40019", "Parameter planType cannot be empty")
    plan = call.ex.place_tpsl_order(call.uid, symbol, plan_type, call.req("triggerPrice"), call.req("holdSide"),
                                    call.opt("size"), call.word("triggerType", _TRIGGER_TYPES, "mark_price")
                                    or "mark_price", call.opt("executePrice"), call.opt("clientOid"))
    return render.ack(plan.order_id, plan.client_oid)


def place_pos_tpsl(call: Call) -> Any:
    symbol = _symbol(call)
    _margin_coin(call, symbol)
    plans = call.ex.place_pos_tpsl(call.uid, symbol, call.req("holdSide"), call.opt("stopSurplusTriggerPrice"),
                                   call.opt("stopLossTriggerPrice"))
    return [{"orderId": p.order_id,
             "stopSurplusClientOid": p.client_oid if p.plan_type == "pos_profit" else "",
             "stopLossClientOid": p.client_oid if p.plan_type == "pos_loss" else ""} for p in plans]


# ---- orders, fills, positions ------------------------------------------------------------------------------------


def detail(call: Call) -> Any:
    _symbol(call)
    order_id, client_oid = call.opt("orderId"), call.opt("clientOid")
    if not order_id and not client_oid:
        raise reject("40019", "Parameter orderId or clientOid cannot be empty")
    try:
        order = call.ex.get_order(call.uid, call.product_type(), order_id, client_oid)
    except ExchangeError as exc:
        if exc.code == "40768":
            raise reject("40109", "The data of the order cannot be found, please confirm the order number") from None
        raise
    return render.mix_order(order, detail=True)


def _order_filter(call: Call, orders: list[Order]) -> list[Order]:
    order_id, client_oid = call.opt("orderId"), call.opt("clientOid")
    status = call.word("status", ("live", "partially_filled"))
    start, end, below = call.integer("startTime"), call.integer("endTime"), call.opt("idLessThan")
    out = []
    for o in orders:
        if ((order_id and o.order_id != order_id) or (client_oid and o.client_oid != client_oid)
                or (status and o.status.value != status) or (start is not None and o.c_time < start)
                or (end is not None and o.c_time > end) or (below and int(o.order_id) >= int(below))):
            continue
        out.append(o)
    return out


def orders_pending(call: Call) -> Any:
    if not _served(call):
        return _listing([], "entrustedList", lambda r: "")
    orders = _order_filter(call, call.ex.open_orders(call.uid, call.product_type(), call.opt("symbol")))
    rows = [render.mix_order(o) for o in orders[:call.limit(100, 100)]]
    return _listing(rows, "entrustedList", lambda r: r["orderId"])


def orders_history(call: Call) -> Any:
    if not _served(call):
        return _listing([], "entrustedList", lambda r: "")
    orders = _order_filter(call, call.ex.order_history(call.uid, call.product_type(), call.opt("symbol"),
                                                       limit=1000))
    rows = [render.mix_order(o, history=True) for o in orders[:call.limit(100, 100)]]
    return _listing(rows, "entrustedList", lambda r: r["orderId"])


def fills(call: Call) -> Any:
    if not _served(call):
        return _listing([], "fillList", lambda r: "")
    rows = call.ex.fills(call.uid, call.product_type(), call.opt("symbol"), order_id=call.opt("orderId"),
                         start_ms=call.integer("startTime"), end_ms=call.integer("endTime"),
                         id_less_than=call.opt("idLessThan"), limit=call.limit(100, 100))
    return _listing([render.mix_fill(f) for f in rows], "fillList", lambda r: r["tradeId"])


def all_position(call: Call) -> Any:
    if not _served(call):
        return []
    coin = (call.opt("marginCoin") or "").upper()
    return [render.position(p) for p in call.ex.positions(call.uid, product=call.product_type())
            if not coin or render.margin_coin(p.ref) == coin]


def single_position(call: Call) -> Any:
    symbol = _symbol(call)
    _margin_coin(call, symbol)
    return [render.position(p) for p in call.ex.positions(call.uid, symbol)]


MIX_ROUTES: tuple[Route, ...] = (
    Route("GET", "/api/v2/mix/market/contracts", contracts),
    Route("GET", "/api/v2/mix/market/ticker", ticker),
    Route("GET", "/api/v2/mix/market/tickers", tickers),
    Route("GET", "/api/v2/mix/market/merge-depth", mix_merge_depth),
    Route("GET", "/api/v2/mix/market/candles", candles),
    Route("GET", "/api/v2/mix/market/history-candles", history_candles),
    Route("GET", "/api/v2/mix/market/fills", market_fills),
    Route("GET", "/api/v2/mix/market/fills-history", market_fills_history),
    Route("GET", "/api/v2/mix/market/current-fund-rate", current_fund_rate),
    Route("GET", "/api/v2/mix/market/open-interest", open_interest),
    Route("GET", "/api/v2/mix/market/symbol-price", symbol_price),
    Route("GET", "/api/v2/mix/market/history-fund-rate", history_fund_rate),
    Route("POST", "/api/v2/mix/account/set-margin", set_margin, private=True, trade=True),
    Route("GET", "/api/v2/mix/account/bill", bill, private=True),
    Route("GET", "/api/v2/mix/account/accounts", accounts, private=True),
    Route("GET", "/api/v2/mix/account/account", account, private=True),
    Route("POST", "/api/v2/mix/account/set-leverage", set_leverage, private=True, trade=True),
    Route("POST", "/api/v2/mix/account/set-margin-mode", set_margin_mode, private=True, trade=True),
    Route("POST", "/api/v2/mix/account/set-position-mode", set_position_mode, private=True, trade=True),
    Route("POST", "/api/v2/mix/order/place-order", place_order, private=True, trade=True),
    Route("POST", "/api/v2/mix/order/batch-place-order", batch_place_order, private=True, trade=True),
    Route("POST", "/api/v2/mix/order/cancel-order", cancel_order, private=True, trade=True),
    Route("POST", "/api/v2/mix/order/batch-cancel-orders", batch_cancel_orders, private=True, trade=True),
    Route("POST", "/api/v2/mix/order/cancel-all-orders", cancel_all_orders, private=True, trade=True),
    Route("POST", "/api/v2/mix/order/modify-order", modify_order, private=True, trade=True),
    Route("POST", "/api/v2/mix/order/close-positions", close_positions, private=True, trade=True),
    Route("POST", "/api/v2/mix/order/place-pos-tpsl", place_pos_tpsl, private=True, trade=True),
    Route("GET", "/api/v2/mix/order/detail", detail, private=True),
    Route("GET", "/api/v2/mix/order/orders-pending", orders_pending, private=True),
    Route("GET", "/api/v2/mix/order/orders-history", orders_history, private=True),
    Route("GET", "/api/v2/mix/order/fills", fills, private=True),
    Route("GET", "/api/v2/mix/position/all-position", all_position, private=True),
    Route("GET", "/api/v2/mix/position/single-position", single_position, private=True),
)
