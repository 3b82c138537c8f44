"""Engine snapshots → Bitget V2 JSON dicts, with the keys and value types of Bitget's samples
(tests/data/bitget-samples).

Every amount is a string in plain notation (``format(d, "f")``), timestamps are strings of ms, and the few fields
Bitget sends as numbers stay numbers (WebSocket ``positions.leverage``, ticker ``symbolType``, book ``checksum``).
Book levels keep the market's decimals (``"97000.10"``, ``"0.150000"``) because the ``books`` checksum is computed
over exactly these strings. Known deviation: ``mix/market/merge-depth`` levels are strings, not the numbers of the
documentation example, so no precision is lost (tests/data/bitget-samples/README.md: the simulator emits the string
forms).

Also here: the candle granularity vocabulary of REST and WebSocket (Bitget's UTC+8 alignment for the non-``utc``
6H/12H/1D/3D/1W/1M candles).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from terminal_app.core.instruments import SymbolRef
from terminal_app.sim.engine.bills import SpotBill
from terminal_app.sim.engine.futures import AccountBill, FuturesAccount, PlanOrder, Position, SymbolSettings
from terminal_app.sim.engine.market_data import FundingInfo, Ticker
from terminal_app.sim.engine.orders import Fill, Order
from terminal_app.sim.engine.spot_accounts import Balance
from terminal_app.sim.market.history import Candle, Granularity
from terminal_app.sim.market.markets import COINS, FUTURES_BY_SYMBOL, find_market
from terminal_app.sim.market.state import Trade

ZERO = Decimal(0)
UTC8_MS = 8 * 3_600_000
Row = list[str]
Json = dict[str, Any]


def num(value: Decimal | int | None) -> str:
    """Plain-notation text of an amount ("" for None), never an exponent."""
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    if value.is_signed() and not value:
        value = -value                     # no "-0.00"
    return format(value, "f")


def neg(value: Decimal) -> str:
    """Bitget reports fees paid as negative amounts."""
    return num(-value) if value else "0"


def ms(value: int) -> str:
    return str(int(value))


# ---- granularities ------------------------------------------------------------------------------------------

G = Granularity
_UTC8 = {G.H6, G.H12, G.D1, G.D3, G.W1, G.MO1}   # Bitget aligns these to UTC+8 unless the name ends in "utc"
_UTC_SUFFIX = {"6Hutc": G.H6, "12Hutc": G.H12, "1Dutc": G.D1, "3Dutc": G.D3, "1Wutc": G.W1, "1Mutc": G.MO1}

SPOT_GRANULARITIES: dict[str, tuple[Granularity, int]] = {
    **{name: (g, UTC8_MS if g in _UTC8 else 0) for name, g in {
        "1min": G.M1, "3min": G.M3, "5min": G.M5, "15min": G.M15, "30min": G.M30, "1h": G.H1, "4h": G.H4,
        "6h": G.H6, "12h": G.H12, "1day": G.D1, "3day": G.D3, "1week": G.W1, "1M": G.MO1}.items()},
    **{name: (g, 0) for name, g in _UTC_SUFFIX.items()},
}
FUTURES_GRANULARITIES: dict[str, tuple[Granularity, int]] = {
    **{g.label: (g, UTC8_MS if g in _UTC8 else 0) for g in Granularity},
    **{name: (g, 0) for name, g in _UTC_SUFFIX.items()},
}
# WebSocket: channel "candle" + one of these (the futures REST spelling, for spot and futures alike).
WS_CANDLE_INTERVALS: dict[str, tuple[Granularity, int]] = FUTURES_GRANULARITIES


# ---- market data ------------------------------------------------------------------------------------------------


def spot_ticker(t: Ticker) -> Json:
    return {
        "symbol": t.ref.symbol, "high24h": num(t.high_24h), "open": num(t.open_24h), "low24h": num(t.low_24h),
        "lastPr": num(t.last), "quoteVolume": num(t.quote_volume), "baseVolume": num(t.base_volume),
        "usdtVolume": num(t.quote_volume), "bidPr": num(t.bid), "askPr": num(t.ask), "bidSz": num(t.bid_size),
        "askSz": num(t.ask_size), "openUtc": num(t.open_utc), "ts": ms(t.ts), "changeUtc24h": num(t.change_utc),
        "change24h": num(t.change_24h),
    }


def mix_ticker(t: Ticker) -> Json:
    return {
        "symbol": t.ref.symbol, "lastPr": num(t.last), "askPr": num(t.ask), "bidPr": num(t.bid),
        "bidSz": num(t.bid_size), "askSz": num(t.ask_size), "high24h": num(t.high_24h), "low24h": num(t.low_24h),
        "ts": ms(t.ts), "change24h": num(t.change_24h), "baseVolume": num(t.base_volume),
        "quoteVolume": num(t.quote_volume), "usdtVolume": num(t.quote_volume), "openUtc": num(t.open_utc),
        "changeUtc24h": num(t.change_utc), "indexPrice": num(t.index_price), "markPrice": num(t.mark_price),
        "fundingRate": num(t.funding_rate), "holdingAmount": num(t.holding_amount),
        "deliveryStartTime": "", "deliveryTime": "", "deliveryStatus": "", "open24h": num(t.open_24h),
    }


def ws_ticker(t: Ticker, delivery: Json | None = None) -> Json:
    """``delivery``: a delivery contract's ``symbolType``/``deliveryPrice`` (``DeliveryDesk.ws_ticker_fields``)."""
    d: Json = {
        "instId": t.ref.symbol, "lastPr": num(t.last), "open24h": num(t.open_24h), "high24h": num(t.high_24h),
        "low24h": num(t.low_24h), "change24h": num(t.change_24h), "bidPr": num(t.bid), "askPr": num(t.ask),
        "bidSz": num(t.bid_size), "askSz": num(t.ask_size), "baseVolume": num(t.base_volume),
        "quoteVolume": num(t.quote_volume), "openUtc": num(t.open_utc), "changeUtc24h": num(t.change_utc),
    }
    if t.ref.is_futures:
        d.update({
            "fundingRate": num(t.funding_rate), "nextFundingTime": ms(t.next_funding_time or 0),
            "markPrice": num(t.mark_price), "indexPrice": num(t.index_price), "holdingAmount": num(t.holding_amount),
            "symbolType": 1, "symbol": t.ref.symbol, "deliveryPrice": "0",
        })
        if delivery:
            d.update(delivery)
    d["ts"] = ms(t.ts)
    return d


def candle_row(c: Candle, *, spot: bool) -> Row:
    """REST row: spot ``[ts,o,h,l,c,baseVol,usdtVol,quoteVol]``, futures ``[ts,o,h,l,c,baseVol,quoteVol]``."""
    row = [ms(c.ts), num(c.open), num(c.high), num(c.low), num(c.close), num(c.base_volume), num(c.quote_volume)]
    if spot:
        row.append(num(c.quote_volume))
    return row


def ws_candle_row(c: Candle) -> Row:
    return [ms(c.ts), num(c.open), num(c.high), num(c.low), num(c.close), num(c.base_volume), num(c.quote_volume),
            num(c.quote_volume)]


def public_trade(symbol: str, t: Trade, *, history: bool = False) -> Json:
    """``market/fills`` says ``buy``/``sell``; ``fills-history`` capitalises them (``Buy``/``Sell``: the samples
    rest/GET_api_v2_*_market_fills-history.json, and typed-bitget saw it live)."""
    side = t.side.capitalize() if history else t.side
    return {"symbol": symbol, "tradeId": t.trade_id, "side": side, "price": num(t.price), "size": num(t.size),
            "ts": ms(t.ts)}


def ws_trade(t: Trade) -> Json:
    return {"ts": ms(t.ts), "price": num(t.price), "size": num(t.size), "side": t.side, "tradeId": t.trade_id}


def levels(side: Iterable[tuple[Decimal, Decimal]]) -> list[list[str]]:
    return [[num(p), num(q)] for p, q in side]


def funding_rate(symbol: str, f: FundingInfo) -> Json:
    return {"symbol": symbol, "fundingRate": num(f.rate), "fundingRateInterval": str(f.interval_hours),
            "nextUpdate": ms(f.next_time), "minFundingRate": num(f.min_rate), "maxFundingRate": num(f.max_rate)}


def coin_row(index: int, coin: str) -> Json:
    chain = coin if coin in ("BTC", "ETH", "SOL", "XRP") else "ERC20"
    return {
        "coinId": str(index + 1), "coin": coin, "transfer": "true",
        "chains": [{
            "chain": chain, "needTag": "true" if coin == "XRP" else "false", "withdrawable": "false",
            "rechargeable": "false", "withdrawFee": "0", "extraWithdrawFee": "0", "depositConfirm": "1",
            "withdrawConfirm": "1", "minDepositAmount": "0", "minWithdrawAmount": "0", "browserUrl": "",
            "contractAddress": "", "withdrawStep": "0", "withdrawMinScale": "8", "congestion": "normal",
        }],
    }


def coins(selected: str | None = None) -> list[Json]:
    return [coin_row(i, c) for i, c in enumerate(COINS) if selected is None or c == selected.upper()]


# ---- spot trading -----------------------------------------------------------------------------------------------


def _spot_fee_detail(o: Order) -> str:
    """Spot REST orders carry ``feeDetail`` as a JSON *string*; ``newFees.t`` is the total (negative = paid)."""
    if not o.fee:
        return ""
    fee = neg(o.fee)
    coin = o.fee_coin or ""
    # numbers, not strings, inside this JSON text, as Bitget writes them
    new_fees = f'"newFees":{{"c":0,"d":0,"deduction":false,"r":{fee},"t":{fee},"totalDeductionFee":0}}'
    per_coin = f'"{coin}":{{"deduction":false,"feeCoinCode":"{coin}","totalDeductionFee":0,"totalFee":{fee}}}'
    return "{" + new_fees + "," + per_coin + "}"


def _spot_presets(o: Order) -> Json:
    """The preset TP/SL a spot order was placed with ("" without; the execute prices are always "", at market: the
    simulator refuses limit exits). SG:spot/trade/Get-Unfilled-Orders."""
    return {"presetTakeProfitPrice": num(o.preset_tp) if o.preset_tp is not None else "",
            "executeTakeProfitPrice": "",
            "presetStopLossPrice": num(o.preset_sl) if o.preset_sl is not None else "",
            "executeStopLossPrice": ""}


def _coins(o: Order) -> Json:
    info = find_market(o.ref.symbol, o.ref.product).info
    return {"baseCoin": info.base_coin, "quoteCoin": info.quote_coin}


def cancel_reason(o: Order) -> str:
    """``cancelReason``: ``normal_cancel`` for a cancel the user asked for, ``""`` otherwise (V2 documents only
    ``normal_cancel`` and ``stp_cancel``: SG:contract/trade/Get-Order-Details)."""
    return "normal_cancel" if o.status.value == "cancelled" and o.cancel_reason == "user" else ""


def spot_order(o: Order, uid: str) -> Json:
    """``orderInfo`` and ``history-orders``: ``price`` is the limit price, ``priceAvg`` the fill average."""
    return {
        "userId": uid, "symbol": o.ref.symbol, "orderId": o.order_id, "clientOid": o.client_oid,
        "price": num(o.price) if o.price is not None else "0", "size": num(o.size), "orderType": o.order_type,
        "side": o.side, "status": o.status.value, "priceAvg": num(o.avg_price), "basePrice": num(o.avg_price),
        "baseVolume": num(o.filled_size), "quoteVolume": num(o.filled_quote), "enterPointSource": "API",
        "feeDetail": _spot_fee_detail(o), "orderSource": "market" if o.order_type == "market" else "normal",
        "cTime": ms(o.c_time), "uTime": ms(o.u_time), "tpslType": "normal", "triggerPrice": None,
        **_spot_presets(o), "cancelReason": cancel_reason(o), **_coins(o),
    }


def spot_open_order(o: Order, uid: str) -> Json:
    """``unfilled-orders`` in Bitget's own shape: no ``price``; ``priceAvg`` is the order (limit) price and
    ``basePrice`` the fill average (SG:spot/trade/Get-Unfilled-Orders; sample
    rest/GET_api_v2_spot_trade_unfilled-orders.json; ccxt parseOrder relies on it)."""
    return {
        "userId": uid, "symbol": o.ref.symbol, "orderId": o.order_id, "clientOid": o.client_oid,
        "priceAvg": num(o.price) if o.price is not None else "0", "size": num(o.size), "orderType": o.order_type,
        "side": o.side, "status": o.status.value, "basePrice": num(o.avg_price), "baseVolume": num(o.filled_size),
        "quoteVolume": num(o.filled_quote), "enterPointSource": "API",
        "orderSource": "market" if o.order_type == "market" else "normal", **_spot_presets(o),
        "cTime": ms(o.c_time), "uTime": ms(o.u_time), "tpslType": "normal", "triggerPrice": None,
    }




def spot_fill(f: Fill, uid: str) -> Json:
    return {
        "userId": uid, "symbol": f.ref.symbol, "orderId": f.order_id, "tradeId": f.trade_id,
        "orderType": f.order_type, "side": f.side, "priceAvg": num(f.price), "size": num(f.size),
        "amount": num(f.quote),
        "feeDetail": {"deduction": "no", "feeCoin": f.fee_coin, "totalDeductionFee": "", "totalFee": neg(f.fee)},
        "tradeScope": f.scope, "cTime": ms(f.ts), "uTime": ms(f.ts),
    }


def spot_asset(b: Balance) -> Json:
    return {"coin": b.coin, "available": num(b.available), "frozen": num(b.frozen), "locked": "0",
            "limitAvailable": "0", "uTime": ms(b.u_time)}


def spot_bill(b: SpotBill) -> Json:
    """A row of ``/api/v2/spot/account/bills`` (sample rest/GET_api_v2_spot_account_bills.json, with the
    ``bizOrderId`` typed-bitget saw live)."""
    return {"cTime": ms(b.c_time), "coin": b.coin, "groupType": b.group_type, "businessType": b.business_type,
            "size": num(b.size), "balance": num(b.balance), "fees": num(b.fees), "billId": b.bill_id,
            "bizOrderId": b.order_id}


def mix_bill(b: AccountBill) -> Json:
    """A row of ``/api/v2/mix/account/bill`` (sample rest/GET_api_v2_mix_account_bill.json)."""
    return {"billId": b.bill_id, "symbol": b.symbol, "amount": num(b.amount), "fee": num(b.fee),
            "feeByCoupon": "", "businessType": b.business_type, "coin": b.coin, "balance": num(b.balance),
            "cTime": ms(b.c_time)}


def ack(order_id: str, client_oid: str) -> Json:
    return {"orderId": order_id, "clientOid": client_oid}


# ---- futures trading --------------------------------------------------------------------------------------------


def futures_status(o: Order) -> str:
    """Futures orders spell the state ``canceled`` (spot and plan orders: ``cancelled``) in order detail,
    orders-history and the ``orders`` push (SG:contract/trade/Get-Order-Details, contract/websocket/private/
    Order-Channel)."""
    return "canceled" if o.status.value == "cancelled" else o.status.value


def _trade_side(o: Order) -> str:
    return o.trade_side or f"{o.side}_single"


def _order_source(o: Order) -> str:
    if o.origin == "liquidation" or o.origin.startswith("delivery_close_"):
        return o.origin
    return "market" if o.order_type == "market" else "normal"


def margin_coin(ref: SymbolRef) -> str:
    """The ``marginCoin`` of a futures symbol: the quote coin of linear lines, the base coin of coin-M."""
    return FUTURES_BY_SYMBOL[ref.symbol].margin_coin


def mix_order(o: Order, *, detail: bool = False, history: bool = False) -> Json:
    d: Json = {
        "symbol": o.ref.symbol, "size": num(o.size), "orderId": o.order_id, "clientOid": o.client_oid,
        "baseVolume": num(o.filled_size), "fee": neg(o.fee), "price": num(o.price) if o.price is not None else "0",
        "priceAvg": num(o.avg_price) if o.avg_price else "",
        ("state" if detail else "status"): futures_status(o),
        "side": o.side, "force": o.force, "totalProfits": num(o.profit), "posSide": o.pos_side or "net",
        "marginCoin": margin_coin(o.ref), "quoteVolume": num(o.filled_quote), "leverage": str(o.leverage),
        "marginMode": o.margin_mode, "enterPointSource": "API", "tradeSide": _trade_side(o), "posMode": o.pos_mode,
        "orderType": o.order_type, "orderSource": _order_source(o),
        "presetStopSurplusPrice": num(o.preset_tp), "presetStopLossPrice": num(o.preset_sl),
        "reduceOnly": "YES" if o.reduce_only else "NO", "cancelReason": cancel_reason(o),
        # preset TP/SL execution (the simulator's presets trigger on the mark price and close at market)
        "presetStopSurplusType": "mark_price" if o.preset_tp else "", "presetStopSurplusExecutePrice": "",
        "presetStopLossType": "mark_price" if o.preset_sl else "", "presetStopLossExecutePrice": "",
        "cTime": ms(o.c_time), "uTime": ms(o.u_time),
    }
    if detail:
        d["newTradeSide"] = None          # undocumented, null on every answer typed-bitget captured
    if history:
        d["liqPrice"] = "0"               # 2025-11-27; the simulator does not keep the estimate per order
    return d


def _fee_list(fee: Decimal, coin: str) -> list[Json]:
    return [{"deduction": "no", "feeCoin": coin, "totalDeductionFee": "0", "totalFee": neg(fee)}]


def mix_fill(f: Fill) -> Json:
    return {
        "tradeId": f.trade_id, "symbol": f.ref.symbol, "orderId": f.order_id, "price": num(f.price),
        "baseVolume": num(f.size), "feeDetail": _fee_list(f.fee, f.fee_coin), "side": f.side,
        "quoteVolume": num(f.quote), "profit": num(f.profit), "enterPointSource": "API", "tradeSide": f.trade_side,
        "posMode": f.pos_mode, "tradeScope": f.scope, "cTime": ms(f.ts),
    }


def mix_account(a: FuturesAccount, btc_price: Decimal, usdt_price: Decimal = Decimal(1),
                positions: Iterable[Position] = ()) -> Json:
    """With the 2025 fields of SG:contract/account/Get-Account-List (margin and unrealised PnL per margin mode,
    ``assetMode``: the simulator's accounts are single-asset) and ``grant``, which typed-bitget saw live.
    ``usdt_price``: the margin coin's price in USDT (1 for USDT; the coin's mark for coin-M accounts)."""
    usdt = a.equity * usdt_price
    btc = (usdt / btc_price).quantize(Decimal("0.000000000001")) if btc_price else ZERO
    upl = {"crossed": ZERO, "isolated": ZERO}
    for p in positions:
        upl[p.margin_mode] = upl.get(p.margin_mode, ZERO) + p.unrealized_pl
    return {
        "marginCoin": a.margin_coin, "locked": num(a.locked), "available": num(a.available),
        "crossedMaxAvailable": num(a.crossed_max_available), "isolatedMaxAvailable": num(a.isolated_max_available),
        "maxTransferOut": num(a.max_transfer_out), "accountEquity": num(a.equity), "usdtEquity": num(usdt),
        "btcEquity": num(btc), "crossedRiskRate": num(a.crossed_risk_rate), "unrealizedPL": num(a.unrealized_pl),
        "coupon": "0", "grant": "", "isolatedMargin": num(a.isolated_margin), "crossedMargin": num(a.crossed_margin),
        "crossedUnrealizedPL": num(upl["crossed"]), "isolatedUnrealizedPL": num(upl["isolated"]),
        "assetMode": "single",
    }


def mix_account_single(a: FuturesAccount, s: SymbolSettings, btc_price: Decimal,
                       usdt_price: Decimal = Decimal(1), positions: Iterable[Position] = ()) -> Json:
    d = mix_account(a, btc_price, usdt_price, positions)
    coupon = d.pop("coupon")
    unrealized = d.pop("unrealizedPL")
    d.update({"crossedMarginLeverage": str(s.cross_leverage), "isolatedLongLever": str(s.long_leverage),
              "isolatedShortLever": str(s.short_leverage), "marginMode": s.margin_mode, "posMode": a.pos_mode,
              "unrealizedPL": unrealized, "coupon": coupon})
    for key in ("crossedUnrealizedPL", "isolatedUnrealizedPL", "assetMode", "grant", "isolatedMargin",
                "crossedMargin"):
        d[key] = d.pop(key)
    return d


def leverage_result(s: SymbolSettings) -> Json:
    return {"symbol": s.symbol, "marginCoin": FUTURES_BY_SYMBOL[s.symbol].margin_coin,
            "longLeverage": str(s.long_leverage),
            "shortLeverage": str(s.short_leverage), "crossMarginLeverage": str(s.cross_leverage),
            "marginMode": s.margin_mode}


def margin_mode_result(s: SymbolSettings) -> Json:
    return {"symbol": s.symbol, "marginCoin": FUTURES_BY_SYMBOL[s.symbol].margin_coin,
            "longLeverage": str(s.long_leverage),
            "shortLeverage": str(s.short_leverage), "marginMode": s.margin_mode}


def position(p: Position) -> Json:
    return {
        "marginCoin": margin_coin(p.ref), "symbol": p.ref.symbol, "holdSide": p.hold_side,
        "openDelegateSize": num(p.open_delegate_size), "marginSize": num(p.margin), "available": num(p.available),
        "locked": num(p.locked), "total": num(p.total), "leverage": str(p.leverage),
        "achievedProfits": num(p.achieved_profits), "openPriceAvg": num(p.open_price_avg),
        "marginMode": p.margin_mode, "posMode": p.pos_mode, "unrealizedPL": num(p.unrealized_pl),
        "liquidationPrice": num(p.liquidation_price), "keepMarginRate": num(p.keep_margin_rate),
        "markPrice": num(p.mark_price), "breakEvenPrice": num(p.break_even_price), "totalFee": neg(p.total_fee),
        "deductedFee": "0", "marginRatio": num(p.margin_ratio), "takeProfit": num(p.take_profit),
        "stopLoss": num(p.stop_loss), "cTime": ms(p.c_time), "uTime": ms(p.u_time),
        "assetMode": "single", "autoMargin": "off",     # SG:contract/position/get-all-position (2025)
    }


def _plan_trade_side(p: PlanOrder) -> str:
    return "close" if p.pos_mode == "hedge_mode" else f"{p.side}_single"


def plan_pending(p: PlanOrder, margin_mode: str = "crossed") -> Json:
    profit = p.plan_type in ("profit_plan", "pos_profit")
    trigger = num(p.trigger_price)
    execute = num(p.execute_price) if p.execute_price is not None else "0"
    return {
        "planType": p.plan_type, "symbol": p.ref.symbol, "size": num(p.size) if p.size is not None else "0",
        "orderId": p.order_id, "clientOid": p.client_oid, "price": execute, "executePrice": execute,
        "callbackRatio": "", "triggerPrice": trigger, "triggerType": p.trigger_type, "planStatus": p.status,
        "side": p.side, "posSide": p.hold_side, "marginCoin": margin_coin(p.ref), "marginMode": margin_mode,
        "enterPointSource": "API",
        "tradeSide": _plan_trade_side(p), "posMode": p.pos_mode,
        "orderType": "market" if p.execute_price is None else "limit", "orderSource": "normal",
        "presetStopSurplusPrice": "", "presetStopLossPrice": "",
        "stopSurplusTriggerPrice": trigger if profit else "", "stopSurplusExecutePrice": execute if profit else "",
        "stopSurplusTriggerType": p.trigger_type if profit else "",
        "stopLossTriggerPrice": "" if profit else trigger, "stopLossExecutePrice": "" if profit else execute,
        "stopLossTriggerType": "" if profit else p.trigger_type,
        "cTime": ms(p.c_time), "uTime": ms(p.u_time),
    }


# ---- WebSocket private pushes ------------------------------------------------------------------------------------


def ws_spot_account(b: Balance) -> Json:
    return spot_asset(b)


def ws_futures_account(a: FuturesAccount, usdt_price: Decimal = Decimal(1)) -> Json:
    return {"marginCoin": a.margin_coin, "frozen": num(a.locked), "available": num(a.available),
            "maxOpenPosAvailable": num(a.crossed_max_available), "maxTransferOut": num(a.max_transfer_out),
            "equity": num(a.equity), "usdtEquity": num(a.equity * usdt_price),
            "crossedRiskRate": num(a.crossed_risk_rate), "unrealizedPL": num(a.unrealized_pl),
            # union-margin fields of 2025-09-11 (SG:common/changelog); the simulator's accounts are single-asset.
            # The push spells the mode "assetsMode" (SG:contract/websocket/private/Account-Channel; typed-bitget).
            "unionTotalMargin": "0", "unionAvailable": "0", "unionMm": "0", "assetsMode": "single"}


def _ws_fill_fields(d: Json, o: Order, fill: Fill | None) -> None:
    if fill is None:
        return
    d.update({"fillPrice": num(fill.price), "tradeId": fill.trade_id, "baseVolume": num(fill.size),
              "fillTime": ms(fill.ts), "fillFee": neg(fill.fee), "fillFeeCoin": fill.fee_coin,
              "tradeScope": "M" if fill.scope == "maker" else "T"})
    if o.ref.is_futures:
        d["fillNotionalUsd"] = num(fill.quote)


def ws_spot_order(o: Order, fill: Fill | None) -> Json:
    notional = o.size if o.size_in_quote else (o.price or ZERO) * o.size
    d: Json = {"instId": o.ref.symbol, "orderId": o.order_id, "clientOid": o.client_oid,
               "price": num(o.price) if o.price is not None else "0", "size": num(o.size), "newSize": num(o.size),
               "notional": num(notional), "orderType": o.order_type, "force": o.force, "side": o.side}
    _ws_fill_fields(d, o, fill)
    d.update({"accBaseVolume": num(o.filled_size), "priceAvg": num(o.avg_price), "status": o.status.value,
              "stpMode": "none", "cTime": ms(o.c_time), "uTime": ms(o.u_time),
              "feeDetail": [{"feeCoin": o.fee_coin, "fee": neg(o.fee)}] if o.fee_coin else [],
              "enterPointSource": "API"})
    return d


def ws_futures_order(o: Order, fill: Fill | None) -> Json:
    d: Json = {"accBaseVolume": num(o.filled_size), "cTime": ms(o.c_time), "clientOid": o.client_oid,
               "feeDetail": [{"feeCoin": o.fee_coin or margin_coin(o.ref), "fee": neg(o.fee)}], "force": o.force,
               "instId": o.ref.symbol, "leverage": str(o.leverage), "marginCoin": margin_coin(o.ref),
               "marginMode": o.margin_mode, "notionalUsd": num((o.price or o.avg_price) * o.size),
               "orderId": o.order_id, "orderType": o.order_type, "pnl": num(o.profit), "posMode": o.pos_mode,
               "posSide": o.pos_side or "net", "price": num(o.price) if o.price is not None else "0",
               "priceAvg": num(o.avg_price), "reduceOnly": "yes" if o.reduce_only else "no", "side": o.side,
               "size": num(o.size), "enterPointSource": "API", "status": futures_status(o),
               "tradeSide": _trade_side(o), "presetStopSurplusPrice": num(o.preset_tp),
               "presetStopLossPrice": num(o.preset_sl), "stpMode": "none", "totalProfits": num(o.profit),
               "uTime": ms(o.u_time)}
    if cancel_reason(o):      # the push carries cancelReason only for a cancelled order
        d["cancelReason"] = cancel_reason(o)
    _ws_fill_fields(d, o, fill)
    return d


def ws_spot_fill(f: Fill) -> Json:
    return {"orderId": f.order_id, "tradeId": f.trade_id, "symbol": f.ref.symbol, "orderType": f.order_type,
            "side": f.side, "priceAvg": num(f.price), "size": num(f.size), "amount": num(f.quote),
            "tradeScope": f.scope, "feeDetail": _fee_list(f.fee, f.fee_coin), "cTime": ms(f.ts), "uTime": ms(f.ts)}


def ws_futures_fill(f: Fill) -> Json:
    # clientOid since 2025-04-30 (SG:common/changelog)
    return {"orderId": f.order_id, "clientOid": f.client_oid, "tradeId": f.trade_id, "symbol": f.ref.symbol,
            "side": f.side, "orderType": f.order_type, "posMode": f.pos_mode, "price": num(f.price),
            "baseVolume": num(f.size),
            "quoteVolume": num(f.quote), "profit": num(f.profit), "tradeSide": f.trade_side, "tradeScope": f.scope,
            "feeDetail": _fee_list(f.fee, f.fee_coin), "cTime": ms(f.ts), "uTime": ms(f.ts)}


def ws_position(p: Position) -> Json:
    return {
        "posId": p.pos_id, "instId": p.ref.symbol, "marginCoin": margin_coin(p.ref), "marginSize": num(p.margin),
        "marginMode": p.margin_mode, "holdSide": p.hold_side, "posMode": p.pos_mode, "total": num(p.total),
        "available": num(p.available), "frozen": num(p.locked), "openPriceAvg": num(p.open_price_avg),
        "leverage": p.leverage, "achievedProfits": num(p.achieved_profits), "unrealizedPL": num(p.unrealized_pl),
        "unrealizedPLR": num(p.unrealized_plr), "liquidationPrice": num(p.liquidation_price),
        "keepMarginRate": num(p.keep_margin_rate), "marginRate": num(p.margin_ratio), "cTime": ms(p.c_time),
        "breakEvenPrice": num(p.break_even_price), "totalFee": neg(p.total_fee), "deductedFee": "0",
        "uTime": ms(p.u_time), "autoMargin": "off",
    }


# The orders-algo push names plan types with short codes, unlike REST (SG:contract/websocket/private/
# Plan-Order-Channel: pl trigger order, tp/sl partial TP/SL, ptp/psl position TP/SL, track trailing stop, mtpsl
# trailing TP/SL; typed-bitget's PlanOrdersPush agrees).
WS_PLAN_TYPES = {"normal_plan": "pl", "profit_plan": "tp", "loss_plan": "sl", "pos_profit": "ptp",
                 "pos_loss": "psl", "track_plan": "track", "moving_plan": "mtpsl"}


def ws_plan_order(p: PlanOrder) -> Json:
    execute = num(p.execute_price) if p.execute_price is not None else "0"
    return {
        "instId": p.ref.symbol, "orderId": p.order_id, "clientOid": p.client_oid,
        "triggerPrice": num(p.trigger_price), "triggerType": p.trigger_type, "triggerTime": ms(p.u_time),
        "planType": WS_PLAN_TYPES.get(p.plan_type, p.plan_type), "price": execute, "executePrice": execute,
        "stpMode": "none",
        "size": num(p.size) if p.size is not None else "0",
        "actualSize": num(p.size) if p.status == "executed" and p.size is not None else "0",
        "orderType": "market" if p.execute_price is None else "limit", "side": p.side,
        "tradeSide": _plan_trade_side(p), "posSide": p.hold_side, "marginCoin": margin_coin(p.ref), "status": p.status,
        "posMode": p.pos_mode, "enterPointSource": "API", "stopSurplusTriggerType": p.trigger_type,
        "stopLossTriggerType": p.trigger_type, "cTime": ms(p.c_time), "uTime": ms(p.u_time),
    }
