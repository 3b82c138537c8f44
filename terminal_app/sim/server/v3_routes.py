"""Bitget's V3 (unified account) REST API on the simulator: market data, account, trading and positions under
``/api/v3/...`` with V3 shapes (:mod:`.v3_render`) over the same engine as V2.

A unified account's key (``ApiKey.uta``) trades here; a classic key gets Bitget's 40084 on every private V3 path
(the server's generation check, ``http.SimServer``). V3 speaks the trade direction (``side``) plus ``posSide`` in
hedge mode; the engine speaks V2's hedge convention, translated here. The engine's V2 error codes are answered as
V3's (``25204`` order missing, ``25202`` balance, …). Batch endpoints take a bare JSON array, which the server hands
over as the ``_items`` parameter.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from terminal_app.bitget.errors import ExchangeError
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.sim.engine import unified
from terminal_app.sim.engine.orders import Order
from terminal_app.sim.market.markets import find_futures, find_market
from terminal_app.sim.server import v3_names, v3_strategy
from terminal_app.sim.server import v3_render as r
from terminal_app.sim.server.render import FUTURES_GRANULARITIES, levels, num
from terminal_app.sim.server.routes import Call, Route, reject

FUTURES = (Product.USDT_FUTURES, Product.COIN_FUTURES, Product.USDC_FUTURES)
ALL_PRODUCTS = (Product.SPOT, *FUTURES)
PRODUCTS = {"SPOT": Product.SPOT, "MARGIN": Product.SPOT, "USDT-FUTURES": Product.USDT_FUTURES,
            "COIN-FUTURES": Product.COIN_FUTURES, "USDC-FUTURES": Product.USDC_FUTURES}
INTERVALS = ("1m", "3m", "5m", "15m", "30m", "1H", "4H", "6H", "12H", "1D", "1W")
# The engine answers with V2's codes; V3 has its own for the same rejections (bitget-v3-uta.md §7).
V2_TO_V3 = {"43001": "25204", "40768": "25204", "43012": "25202", "40762": "25203", "41103": "25244",
            "40808": "25244", "45110": "25207", "45111": "25207", "43118": "25212", "40774": "25236",
            "22002": "25231", "40757": "25225", "45117": "25241", "40917": "25579", "45122": "25580",
            "40837": "25231"}


def v3_errors(handler: Callable[[Call], Any]) -> Callable[[Call], Any]:
    def wrapped(call: Call) -> Any:
        try:
            return handler(call)
        except ExchangeError as exc:
            code = V2_TO_V3.get(exc.code or "")
            if code is None:
                raise
            raise reject(code, exc.exchange_msg or str(exc)) from None
    return wrapped


def _product(call: Call, *, required: bool = True) -> Product | None:
    text = call.opt("category")
    if text is None:
        if required:
            raise reject("40019", "Parameter category cannot be empty")
        return None
    product = PRODUCTS.get(text.upper())
    if product is None:
        raise reject("40017", "Parameter category error")
    return product


def _ref(call: Call) -> SymbolRef:
    product = _product(call)
    assert product is not None
    ref = SymbolRef(call.req("symbol").upper(), product)
    try:
        find_market(ref.symbol, product)
    except ExchangeError:
        raise reject("25100", f"The symbol {ref.symbol} does not exist") from None
    return ref


# ---- market -----------------------------------------------------------------------------------------------------

def time(call: Call) -> Any:
    return {"serverTime": str(call.now_ms)}


def instruments(call: Call) -> Any:
    """Every category answers; one without markets in the simulator (coin-M, USDC-M so far) is an empty list."""
    product = _product(call)
    symbol = (call.opt("symbol") or "").upper()
    return [r.instrument(m) for m in v3_names.v3_markets(product) if not symbol or m.symbol == symbol]


def tickers(call: Call) -> Any:
    product = _product(call)
    assert product is not None
    if call.opt("symbol"):
        return [r.ticker(call.ex.ticker(_ref(call)))]
    listed = {m.ref for m in v3_names.v3_markets(product)}
    return [r.ticker(t) for t in call.ex.tickers(product) if t.ref in listed]


def orderbook(call: Call) -> Any:
    depth = call.ex.depth(_ref(call), call.limit(5, 200))
    # V3 sends the levels as numbers on REST; the simulator keeps the exact strings (Bitget's SDKs read both).
    return {"a": levels(depth.asks), "b": levels(depth.bids), "ts": str(depth.ts)}


def _candles(call: Call, *, history: bool) -> Any:
    ref = _ref(call)
    interval = call.req("interval")
    if interval not in INTERVALS:
        raise reject("40017", "Parameter interval error")
    gran, offset = FUTURES_GRANULARITIES[interval]
    kind = (call.opt("type") or "market").lower()
    if kind not in ("market", "mark", "index", "premium"):
        raise reject("40017", "Parameter type error")
    rows = call.ex.candles(ref, gran, start_ms=call.integer("startTime", None), end_ms=call.integer("endTime", None),
                           limit=call.limit(100, 100 if history else 1000), offset_ms=offset,
                           kind="market" if kind == "premium" else kind)
    return [r.candle_row(c) for c in rows]


def market_fills(call: Call) -> Any:
    ref = _ref(call)
    return [{"execId": t.trade_id, "execLinkId": t.trade_id, "price": r.num(t.price), "size": r.num(t.size),
             "side": t.side, "ts": str(t.ts), "isRPI": "no"} for t in call.ex.recent_trades(ref, call.limit(100, 100))]


def current_fund_rate(call: Call) -> Any:
    try:
        ref = find_futures(call.req("symbol").upper()).ref
    except ExchangeError:
        raise reject("25100", "The symbol does not exist") from None
    f = call.ex.funding(ref)
    return [{"symbol": ref.symbol, "fundingRate": r.num(f.rate), "fundingRateInterval": str(f.interval_hours),
             "nextUpdate": str(f.next_time), "minFundingRate": r.num(f.min_rate), "maxFundingRate": r.num(f.max_rate),
             "cashDividend": "0", "cashDividendNextUpdate": "0"}]


def open_interest(call: Call) -> Any:
    ref = _ref(call)
    return {"list": [{"symbol": ref.symbol, "openInterest": r.num(call.ex.open_interest(ref))}], "ts": str(call.now_ms)}


# ---- account ----------------------------------------------------------------------------------------------------

def settings(call: Call) -> Any:
    uid = call.uid
    fut = call.ex.futures_account(uid)
    # Every futures symbol with its leverage and margin mode, set or default, as Bitget's sample lists symbols at
    # the default 20x (GET_api_v3_account_settings.json): listing only symbols that hold a position left a client
    # without the leverage an order would open at
    symbols = []
    for m in v3_names.v3_markets(None):
        if not m.ref.product.is_futures:
            continue
        s = call.ex.symbol_settings(uid, m.symbol)
        lever = s.cross_leverage if s.margin_mode == "crossed" else s.long_leverage
        symbols.append({"category": r.CATEGORIES[m.ref.product], "symbol": m.symbol, "marginMode": s.margin_mode,
                        "leverage": str(lever)})
    return {"uid": uid, "accountMode": "unified", "assetMode": "union", "accountLevel": "advanced",
            "holdMode": fut.pos_mode, "stpMode": "none", "symbolConfigList": symbols, "coinConfigList": []}


def assets(call: Call) -> Any:
    return r.assets(unified.unified_view(call.ex, call.uid))


def fee_rate(call: Call) -> Any:
    info = call.ex.market(_ref(call)).info
    return {"makerFeeRate": r.num(info.maker_fee), "takerFeeRate": r.num(info.taker_fee)}


def set_leverage(call: Call) -> Any:
    ref = _ref(call)
    if not ref.product.is_futures:
        raise reject("40017", "Parameter category error")
    leverage = call.integer("leverage", None, lo=1)
    if leverage is None:
        raise reject("40019", "Parameter leverage cannot be empty")
    call.ex.set_leverage(call.uid, ref.symbol, leverage, call.opt("posSide"))
    return "success"


def set_hold_mode(call: Call) -> Any:
    mode = call.word("holdMode", ("one_way_mode", "hedge_mode"))
    if mode is None:
        raise reject("40019", "Parameter holdMode cannot be empty")
    # account-wide in V3 (D:account/Change-Position-Mode): every futures line or none (a line holding anything
    # refuses, and the lines already switched go back)
    was = {p: call.ex.futures_accounts(call.uid, p)[0].pos_mode for p in FUTURES}
    done: list[Product] = []
    try:
        for product in FUTURES:
            call.ex.set_position_mode(call.uid, mode, product)
            done.append(product)
    except ExchangeError:
        for product in done:
            call.ex.set_position_mode(call.uid, was[product], product)
        raise
    return "success"


# ---- trading ----------------------------------------------------------------------------------------------------

def _place(call: Call, p: Any) -> Order:
    """One V3 order (``p`` a mapping of its fields) through the engine, the pool funded first."""
    one = Call(call.ex, p, call.key, call.now_ms)
    ref = _ref(one)
    side = one.word("side", ("buy", "sell"))
    order_type = one.word("orderType", ("limit", "market"))
    if side is None or order_type is None:
        raise reject("40019", "Parameter side/orderType cannot be empty")
    force = one.word("timeInForce", ("gtc", "ioc", "fok", "post_only"), "gtc") or "gtc"
    price = one.opt("price") if order_type == "limit" else None
    if v3_names.is_coin_m_line(ref.symbol) and (one.opt("takeProfit") or one.opt("stopLoss")):
        raise v3_names.refuse("preset take-profit/stop-loss orders")
    qty_text = one.req("qty")
    unified.enrol(call.ex, call.uid)
    if ref.product is Product.SPOT:
        qty = _qty(call, ref, qty_text, price)
        margin = (one.opt("category") or "").upper() == "MARGIN"
        unified.fund_spot(call.ex, call.uid, ref, side, order_type, qty, price, call.now_ms, margin=margin)
        return call.ex.place_spot_order(call.uid, ref.symbol, side, order_type, qty, price, force,
                                        one.opt("clientOid"))
    pos_side = one.word("posSide", ("long", "short"))
    reduce_only = (one.opt("reduceOnly") or "no").lower() in ("yes", "true")
    hedge = call.ex.futures_account(call.uid).pos_mode == "hedge_mode"
    trade_side = None
    if hedge:
        if pos_side is None:
            raise reject("25236", "posSide is required in hedge mode")
        opens = (side == "buy") == (pos_side == "long")
        trade_side = "open" if opens else "close"
        side = "buy" if pos_side == "long" else "sell"    # the engine's hedge convention names the position
        reduce_only = False
    closing = reduce_only or trade_side == "close"
    held = None
    if closing and v3_names.is_coin_m_line(ref.symbol):
        # one-way: a reduce-only sell closes the long; hedge: posSide names it (side is the engine's by now)
        held = pos_side if hedge else ("long" if side == "sell" else "short")
    qty = _qty(call, ref, qty_text, price, closing=held)
    unified.fund_futures(call.ex, call.uid, ref, qty, price, call.now_ms, closing=closing)
    return call.ex.place_futures_order(call.uid, ref.symbol, side, order_type, qty, price, force,
                                       one.opt("clientOid"), one.opt("marginMode"), trade_side, reduce_only,
                                       one.opt("takeProfit"), one.opt("stopLoss"))


def _qty(call: Call, ref: SymbolRef, text: str, price: str | None, *, closing: str | None = None) -> Decimal:
    """The engine's size of a V3 ``qty``: coin-M's is in USD (bitget-v3-uta.md §4.2), converted to the base coin at
    the order's price (market orders: the mark) and cut to the lot; every other line's is the engine's already. A
    close of a coin-M position (``closing``: the side it closes) counts USD contracts of that position instead
    (:func:`v3_names.close_size`)."""
    try:
        qty = Decimal(text)
    except ArithmeticError:
        raise reject("40017", "Parameter qty error") from None
    if not qty.is_finite() or qty <= 0:
        raise reject("40017", "Parameter qty error")
    if ref.product is not Product.COIN_FUTURES:
        return qty
    market = call.ex.market(ref)
    lot = market.info.lot_size
    if closing is not None:
        held = [p for p in call.ex.positions(call.uid, ref.symbol, ref.product) if p.hold_side == closing]
        if held:
            size = v3_names.close_size(qty, held[0].total, held[0].open_price_avg, lot)
            if size <= 0:
                raise reject("25207", f"The order value is below one lot ({lot} {market.info.base_coin})")
            return size
    px = Decimal(price) if price else call.ex.mark_price(ref)
    # To the nearest lot, as closes are (v3_names.close_size): Bitget counts this line in USD contracts, so its coin
    # figure is never cut down; rounding down made a 0.01 BTC market order converted at the touch open 0.009 when
    # the mark stood a little above the touch.
    base = (qty / px / lot).to_integral_value(ROUND_HALF_UP) * lot
    if base <= 0:
        raise reject("25207", f"The order value is below one lot ({lot} {market.info.base_coin})")
    return base


def place_order(call: Call) -> Any:
    o = _place(call, call.params)
    return {"orderId": o.order_id, "clientOid": o.client_oid}


def _items(call: Call, maximum: int = 20) -> list[Any]:
    return call.items("_items", maximum)


def _per_item(call: Call, each: Callable[[dict[str, Any]], Any]) -> list[Any]:
    out = []
    for item in _items(call):
        try:
            if not isinstance(item, dict):
                raise reject("40017", "Parameter error")
            out.append({**each(item), "code": "0", "msg": "success"})
        except ExchangeError as exc:
            code = V2_TO_V3.get(exc.code or "", exc.code)
            get = item.get if isinstance(item, dict) else (lambda _k: None)
            out.append({"orderId": get("orderId") or "", "clientOid": get("clientOid") or "", "code": code,
                        "msg": exc.exchange_msg or str(exc)})
    return out


def place_batch(call: Call) -> Any:
    def each(item: dict[str, Any]) -> Any:
        o = _place(call, item)
        return {"orderId": o.order_id, "clientOid": o.client_oid}
    return _per_item(call, each)


def _find_open(call: Call, p: Any) -> Order:
    one = Call(call.ex, p, call.key, call.now_ms)
    order_id, client_oid = one.opt("orderId"), one.opt("clientOid")
    if not order_id and not client_oid:
        raise reject("40019", "Parameter orderId or clientOid cannot be empty")
    for product in ALL_PRODUCTS:
        for o in call.ex.open_orders(call.uid, product):
            if (order_id and o.order_id == order_id) or (not order_id and o.client_oid == client_oid):
                return o
    raise reject("25204", "Order does not exist")


def _cancel(call: Call, p: Any) -> Order:
    o = _find_open(call, p)
    if o.ref.product is Product.SPOT:
        return call.ex.cancel_spot_order(call.uid, o.ref.symbol, o.order_id)
    return call.ex.cancel_futures_order(call.uid, o.ref.symbol, o.order_id)


def cancel_order(call: Call) -> Any:
    o = _cancel(call, call.params)
    return {"orderId": o.order_id, "clientOid": o.client_oid}


def cancel_batch(call: Call) -> Any:
    def each(item: dict[str, Any]) -> Any:
        o = _cancel(call, item)
        return {"orderId": o.order_id, "clientOid": o.client_oid}
    return _per_item(call, each)


def modify_order(call: Call) -> Any:
    o = _find_open(call, call.params)
    if v3_names.is_coin_m_line(o.ref.symbol):
        raise v3_names.refuse("modifying orders")
    qty, price = call.opt("qty"), call.opt("price")
    if o.ref.product is Product.SPOT:
        # V3 modifies in place; the engine's spot book can only cancel-replace, under a fresh id and clientOid.
        new = call.ex.replace_spot_order(call.uid, o.ref.symbol, price or o.price or "0", qty or o.size,
                                         o.order_id)
    else:
        size = _qty(call, o.ref, qty, price or (num(o.price) if o.price else None)) if qty else None
        new = call.ex.modify_futures_order(call.uid, o.ref.symbol, o.order_id, new_size=size, new_price=price)
    return {"orderId": new.order_id, "clientOid": new.client_oid}


def cancel_symbol_order(call: Call) -> Any:
    product = _product(call)
    symbol = call.opt("symbol")
    if product is Product.SPOT:
        if symbol:
            done = call.ex.cancel_spot_symbol(call.uid, _ref(call).symbol)
        else:
            done = [o for s in {x.ref.symbol for x in call.ex.open_orders(call.uid, Product.SPOT)}
                    for o in call.ex.cancel_spot_symbol(call.uid, s)]
    else:
        assert product is not None
        done = call.ex.cancel_all_futures(call.uid, _ref(call).symbol if symbol else None, product)
    return {"list": [{"orderId": o.order_id, "clientOid": o.client_oid, "code": "0", "msg": "success"}
                     for o in done]}


def close_positions(call: Call) -> Any:
    product = _product(call)
    if product is None or not product.is_futures:
        raise reject("40017", "Parameter category error")
    symbol = _ref(call).symbol if call.opt("symbol") else None
    done = call.ex.close_positions(call.uid, symbol, call.opt("posSide"), product)
    return {"list": [{"orderId": o.order_id, "clientOid": o.client_oid, "code": "0", "msg": "success"}
                     for o in done]}


# ---- queries ----------------------------------------------------------------------------------------------------

def order_info(call: Call) -> Any:
    order_id, client_oid = call.opt("orderId"), call.opt("clientOid")
    if not order_id and not client_oid:
        raise reject("40019", "Parameter orderId or clientOid cannot be empty")
    for product in ALL_PRODUCTS:
        try:
            return r.order(call.ex.get_order(call.uid, product, order_id, client_oid))
        except ExchangeError:
            continue
    raise reject("25204", "Order does not exist")


def _scope(call: Call) -> tuple[list[Product], str | None]:
    product = _product(call, required=False)
    symbol = call.opt("symbol")
    return ([product] if product else list(ALL_PRODUCTS)), symbol.upper() if symbol else None


def unfilled_orders(call: Call) -> Any:
    products, symbol = _scope(call)
    rows = [r.order(o) for p in products for o in call.ex.open_orders(call.uid, p, symbol)]
    return r.listed(rows[: call.limit(100, 100)])


def history_orders(call: Call) -> Any:
    products, symbol = _scope(call)
    limit = call.limit(100, 100)
    rows = [r.order(o) for p in products for o in call.ex.order_history(call.uid, p, symbol, limit=limit)]
    return r.listed(rows[:limit])


def fills(call: Call) -> Any:
    products, symbol = _scope(call)
    limit = call.limit(100, 100)
    rows = [r.fill(f) for p in products
            for f in call.ex.fills(call.uid, p, symbol, order_id=call.opt("orderId"), limit=limit)]
    return r.listed(rows[:limit])


def current_position(call: Call) -> Any:
    product = _product(call)
    if product is None or not product.is_futures:
        return {"list": None}
    symbol = call.opt("symbol")
    rows = [r.position(p) for p in call.ex.positions(call.uid, symbol.upper() if symbol else None, product)
            if not call.opt("posSide") or p.hold_side == call.opt("posSide")]
    return {"list": rows or None}


def _routes() -> tuple[Route, ...]:
    pub = [("/api/v3/public/time", time), ("/api/v3/market/instruments", instruments),
           ("/api/v3/market/tickers", tickers), ("/api/v3/market/orderbook", orderbook),
           ("/api/v3/market/candles", lambda c: _candles(c, history=False)),
           ("/api/v3/market/history-candles", lambda c: _candles(c, history=True)),
           ("/api/v3/market/fills", market_fills), ("/api/v3/market/current-fund-rate", current_fund_rate),
           ("/api/v3/market/open-interest", open_interest)]
    reads = [("/api/v3/trade/unfilled-strategy-orders", v3_strategy.unfilled),
             ("/api/v3/trade/history-strategy-orders", v3_strategy.history),
             ("/api/v3/account/settings", settings), ("/api/v3/account/assets", assets),
             ("/api/v3/account/fee-rate", fee_rate), ("/api/v3/trade/order-info", order_info),
             ("/api/v3/trade/unfilled-orders", unfilled_orders), ("/api/v3/trade/history-orders", history_orders),
             ("/api/v3/trade/fills", fills), ("/api/v3/position/current-position", current_position)]
    writes = [("/api/v3/account/set-leverage", set_leverage), ("/api/v3/account/set-hold-mode", set_hold_mode),
              ("/api/v3/trade/place-order", place_order), ("/api/v3/trade/place-batch", place_batch),
              ("/api/v3/trade/modify-order", modify_order), ("/api/v3/trade/cancel-order", cancel_order),
              ("/api/v3/trade/cancel-batch", cancel_batch),
              ("/api/v3/trade/cancel-symbol-order", cancel_symbol_order),
              ("/api/v3/trade/close-positions", close_positions),
              ("/api/v3/trade/place-strategy-order", v3_strategy.place),
              ("/api/v3/trade/modify-strategy-order", v3_strategy.modify),
              ("/api/v3/trade/cancel-strategy-order", v3_strategy.cancel)]
    return (*(Route("GET", p, v3_errors(h)) for p, h in pub),
            *(Route("GET", p, v3_errors(h), private=True) for p, h in reads),
            *(Route("POST", p, v3_errors(h), private=True, trade=True) for p, h in writes))


V3_ROUTES: tuple[Route, ...] = _routes()
