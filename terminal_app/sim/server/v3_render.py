"""The simulator's objects as Bitget V3 (unified account) JSON, field for field as in the V3 samples
(bitget-v3-uta.md §5, §6): ``category`` upper case on REST, ``qty``, ``timeInForce``, ``orderStatus`` with
``cancelled``, trade-direction ``side`` with ``posSide``, fees positive in ``feeDetail``, ``list: null`` when empty."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from terminal_app.core.instruments import Product
from terminal_app.sim.engine.futures import Position
from terminal_app.sim.engine.market_data import Ticker
from terminal_app.sim.engine.orders import Fill, Order
from terminal_app.sim.engine.unified import PoolView
from terminal_app.sim.market.history import Candle
from terminal_app.sim.market.markets import SimMarket, find_futures
from terminal_app.sim.server.render import num

Json = dict[str, Any]
CATEGORIES = {Product.SPOT: "SPOT", Product.USDT_FUTURES: "USDT-FUTURES", Product.COIN_FUTURES: "COIN-FUTURES",
              Product.USDC_FUTURES: "USDC-FUTURES"}
_STATUS = {"live": "live", "new": "live", "partially_filled": "partially_filled", "filled": "filled",
           "cancelled": "cancelled", "canceled": "cancelled"}
_CANCEL_REASON = {"": "", "user": "normal_cancel", "ioc": "ioc_not_full_cancel", "fok": "fok_not_full_cancel",
                  "market_remainder": "normal_cancel", "liquidation": "burst_cancel",
                  "reduce_only": "normal_cancel", "post_only": "post_only_fill_cancel"}


def instrument(m: SimMarket) -> Json:
    """The key sets of the samples ``GET_api_v3_market_instruments__{spot,usdt-futures}.json``: spot rows carry no
    futures keys at all; ``priceMultiplier``/``quantityMultiplier`` are added to a spot row only where the tick or lot
    is not 10^-precision (the client derives them from the precisions otherwise); fee rates on every row."""
    i = m.info
    d: Json = {
        "symbol": m.symbol, "category": CATEGORIES[m.ref.product], "baseCoin": i.base_coin,
        "quoteCoin": i.quote_coin, "buyLimitPriceRatio": "0.05" if m.is_futures else "0.02",
        "sellLimitPriceRatio": "0.05" if m.is_futures else "0.02", "makerFeeRate": num(i.maker_fee),
        "takerFeeRate": num(i.taker_fee), "minOrderQty": num(i.min_size), "maxOrderQty": "0",
        "pricePrecision": str(i.price_places), "quantityPrecision": str(i.size_places),
        "quotePrecision": str(i.quote_places), "minOrderAmount": num(i.min_notional), "maxSymbolOrderNum": "",
        "maxProductOrderNum": "400", "maxPositionNum": "200", "status": "online" if i.tradable else "offline",
        "maintainTime": "", "symbolType": "crypto", "launchTime": "0",
    }
    if not m.is_futures:
        if i.tick_size != Decimal(1).scaleb(-i.price_places) or i.lot_size != Decimal(1).scaleb(-i.size_places):
            d.update(priceMultiplier=num(i.tick_size), quantityMultiplier=num(i.lot_size))
        return d
    d.update(isRwa="NO", isReality="no", feeRateUpRatio="0.005", openCostUpRatio="0.01",
             priceMultiplier=num(i.tick_size), quantityMultiplier=num(i.lot_size), type="perpetual", offTime="-1",
             limitOpenTime="-1", deliveryTime="", deliveryStartTime="", deliveryPeriod="", fundInterval="8",
             minLeverage=str(i.min_leverage), maxLeverage=str(i.max_leverage), maxMarketOrderQty="0")
    if m.is_delivery:     # a dated contract: no funding; its delivery time (bitget-futures-products §2.1)
        d.update(type="delivery", deliveryTime=str(m.raw.get("deliveryTime", "")), deliveryPeriod="this_quarter",
                 fundInterval="")
    return d


def ticker(t: Ticker, *, rest: bool = True) -> Json:
    d: Json = {
        "lastPrice": num(t.last), "openPrice24h": num(t.open_24h), "highPrice24h": num(t.high_24h),
        "lowPrice24h": num(t.low_24h), "ask1Price": num(t.ask), "bid1Price": num(t.bid), "bid1Size": num(t.bid_size),
        "ask1Size": num(t.ask_size), "price24hPcnt": num(t.change_24h), "volume24h": num(t.base_volume),
        "turnover24h": num(t.quote_volume),
    }
    if rest:
        d = {"category": CATEGORIES[t.ref.product], "symbol": t.ref.symbol, "ts": str(t.ts), **d}
    if t.ref.product.is_futures:
        d.update(indexPrice=num(t.index_price), markPrice=num(t.mark_price), fundingRate=num(t.funding_rate),
                 openInterest=num(t.holding_amount), deliveryStartTime="", deliveryTime="", deliveryStatus="")
        if not rest:
            d["nextFundingTime"] = str(t.next_funding_time or "")
    return d


def candle_row(c: Candle) -> list[str]:
    return [str(c.ts), num(c.open), num(c.high), num(c.low), num(c.close), num(c.base_volume), num(c.quote_volume)]


def kline(c: Candle) -> Json:
    return {"start": str(c.ts), "open": num(c.open), "high": num(c.high), "low": num(c.low), "close": num(c.close),
            "volume": num(c.base_volume), "turnover": num(c.quote_volume)}


def _fee_detail(fee: Decimal, coin: str) -> list[Json]:
    if not fee:
        return [{"feeCoin": None, "fee": None}]
    return [{"feeCoin": coin, "fee": num(fee)}]


def _wire_side(o: Order | Fill, trade_side: str, pos_mode: str) -> tuple[str, str]:
    """The engine speaks V2's hedge convention (side = the position, tradeSide open/close); V3's side is the trade
    direction and ``posSide`` names the position."""
    if pos_mode == "hedge_mode" and trade_side in ("open", "close"):
        held = "long" if o.side == "buy" else "short"
        direction = o.side if trade_side == "open" else ("sell" if o.side == "buy" else "buy")
        return direction, held
    return o.side, ""


def order(o: Order, *, ws: bool = False) -> Json:
    futures = o.ref.product.is_futures
    side, pos_side = _wire_side(o, o.trade_side, o.pos_mode) if futures else (o.side, "")
    if futures and not pos_side and o.pos_side in ("long", "short"):
        pos_side = o.pos_side
    market_buy_quote = o.size_in_quote
    d: Json = {
        "orderId": o.order_id, "clientOid": o.client_oid, "category": CATEGORIES[o.ref.product],
        "symbol": o.ref.symbol, "orderType": o.order_type, "side": side,
        "price": num(o.price) if o.price is not None else "0",
        "qty": "0" if market_buy_quote else num(o.size), "amount": num(o.size) if market_buy_quote else "0",
        "cumExecQty": num(o.filled_size), "cumExecValue": num(o.filled_quote), "avgPrice": num(o.avg_price),
        "timeInForce": o.force, "orderStatus": _STATUS[str(o.status)], "posSide": pos_side,
        "holdMode": o.pos_mode if futures else "", "tradeSide": o.trade_side or ("" if not futures else "open"),
        "delegateType": "normal", "reduceOnly": "YES" if o.reduce_only else "NO",
        "marginMode": o.margin_mode or "crossed", "stpMode": "none",
        "takeProfit": num(o.preset_tp), "stopLoss": num(o.preset_sl), "tpTriggerBy": "", "slTriggerBy": "",
        "tpOrderType": "", "slOrderType": "", "tpLimitPrice": "", "slLimitPrice": "",
        "feeDetail": _fee_detail(o.fee, o.fee_coin), "cancelReason": _CANCEL_REASON.get(o.cancel_reason, ""),
        "execType": "normal", "createdTime": str(o.c_time), "updatedTime": str(o.u_time),
    }
    if ws:
        d["category"] = d["category"].lower()
        d["holdSide"] = d.pop("posSide")
        d["reduceOnly"] = d["reduceOnly"].lower()
        # the push says "new" where REST says "live"; TP/SL keys are lower case, "" when none; matchType "0"
        # (typed-bitget, confirmed live; bitget-v3-uta.md §6.3, §14)
        if d["orderStatus"] == "live":
            d["orderStatus"] = "new"
        d["takeprofit"] = d.pop("takeProfit")
        d["stoploss"] = d.pop("stopLoss")
        d["matchType"] = "0"
        d.update(leverage=str(o.leverage or ""), marginCoin=margin_coin(o.ref.symbol) if futures else "",
                 totalProfit=num(o.profit))
    return d


def fill(f: Fill, *, ws: bool = False) -> Json:
    futures = f.ref.product.is_futures
    side, _ = _wire_side(f, f.trade_side, f.pos_mode) if futures else (f.side, "")
    d: Json = {
        "execId": f.trade_id, "execLinkId": f.trade_id, "orderId": f.order_id, "clientOid": f.client_oid,
        "category": CATEGORIES[f.ref.product], "symbol": f.ref.symbol, "orderType": f.order_type, "side": side,
        "execPrice": num(f.price), "execQty": num(f.size), "execValue": num(f.quote), "tradeScope": f.scope,
        "tradeSide": f.trade_side if f.trade_side in ("open", "close") else "",
        "posSide": f.hold_side if futures and f.pos_mode == "hedge_mode" else "", "feeDetail":
        [{"feeCoin": f.fee_coin, "fee": num(f.fee)}], "execPnl": num(f.profit), "isRPI": "no",
        "createdTime": str(f.ts), "updatedTime": str(f.ts),
    }
    if ws:
        d["category"] = d["category"].lower()
        d.update(holdSide=f.hold_side, execTime=str(f.ts))
        del d["createdTime"]
    return d


def margin_coin(symbol: str) -> str:
    return find_futures(symbol).margin_coin


def position(p: Position, *, ws: bool = False) -> Json:
    fees = num(-p.total_fee) if p.total_fee else "0"
    coin = margin_coin(p.ref.symbol)
    if ws:
        return {
            "symbol": p.ref.symbol, "marginCoin": coin, "marginSize": num(p.margin), "marginMode": p.margin_mode,
            "posSide": p.hold_side, "holdMode": p.pos_mode, "positionStatus": "opening" if p.total else "ended",
            "size": num(p.total), "available": num(p.available), "frozen": num(p.locked),
            "avgPrice": num(p.open_price_avg), "leverage": str(p.leverage), "curRealisedPnl": num(p.achieved_profits),
            "unrealisedPnl": num(p.unrealized_pl), "liqPrice": num(p.liquidation_price), "mmr": num(p.keep_margin_rate),
            "marginRate": num(p.margin_ratio), "markPrice": num(p.mark_price), "openFeeTotal": fees,
            "closeFeeTotal": "0", "breakEvenPrice": num(p.break_even_price), "profitRate": num(p.unrealized_plr),
            "totalFundingFee": "0", "cashDividend": "0", "createdTime": str(p.c_time), "updatedTime": str(p.u_time),
        }
    return {
        "category": CATEGORIES[p.ref.product], "symbol": p.ref.symbol, "marginCoin": coin, "holdMode": p.pos_mode,
        "posSide": p.hold_side, "marginMode": p.margin_mode, "positionBalance": num(p.margin),
        "available": num(p.available), "frozen": num(p.locked), "total": num(p.total), "leverage": str(p.leverage),
        "curRealisedPnl": num(p.achieved_profits), "avgPrice": num(p.open_price_avg), "positionStatus": "normal",
        "unrealisedPnl": num(p.unrealized_pl), "liquidationPrice": num(p.liquidation_price) or "0",
        "mmr": num(p.keep_margin_rate), "profitRate": num(p.unrealized_plr), "markPrice": num(p.mark_price),
        "breakEvenPrice": num(p.break_even_price), "totalFunding": "0", "openFeeTotal": fees, "closeFeeTotal": "0",
        "createdTime": str(p.c_time), "updatedTime": str(p.u_time),
    }


def assets(v: PoolView, *, ws: bool = False) -> Json:
    """``GET /api/v3/account/assets`` (or the ``account`` push: ``totalEquity``, ``unrealisedPnL``, ``coin`` with
    ``debts`` and ``borrow``); the sample's key set, coins with nothing in them left out."""
    coins = [{"coin": c.coin, "equity": num(c.equity), "usdValue": num(c.usd_value), "balance": num(c.balance),
              "available": num(c.available), ("debts" if ws else "debt"): num(c.debt), "locked": num(c.locked),
              "bonus": "0"} for c in v.coins]
    head: Json = {("totalEquity" if ws else "accountEquity"): num(v.equity), "effEquity": num(v.effective_equity),
                  ("unrealisedPnL" if ws else "unrealisedPnl"): num(v.unrealized_pl), "mmr": num(v.maintenance_margin),
                  "imr": num(v.initial_margin), "mgnRatio": num(v.margin_ratio),
                  "positionMgnRatio": num(v.margin_ratio)}
    if ws:
        for c, pool_coin in zip(coins, v.coins, strict=True):
            c["borrow"] = num(pool_coin.debt)
        return {**head, "coin": coins}
    btc = v.btc_price
    btc_equity = num((v.equity / btc).quantize(Decimal("0.00000001"))) if btc > 0 else "0"
    btc_upl = num((v.unrealized_pl / btc).quantize(Decimal("0.00000001"))) if btc > 0 else "0"
    leverage = (v.position_value / v.equity).quantize(Decimal("0.01")) if v.equity > 0 else Decimal(0)
    return {**head, "usdtEquity": num(v.equity), "btcEquity": btc_equity, "usdtUnrealisedPnl": num(v.unrealized_pl),
            "btcUnrealizedPnl": btc_upl, "positionValue": num(v.position_value), "leverage": num(leverage),
            "assets": coins}


def listed(items: list[Json], cursor: str | None = None) -> Json:
    """Bitget's page: ``list: null`` and ``cursor: null`` when empty (live behaviour)."""
    return {"list": items or None, "cursor": cursor if items else None}
