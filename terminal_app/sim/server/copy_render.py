"""Copy trading's Bitget JSON: tracking orders as traders, followers and brokers see them (futures and spot), and
the display forms the copy endpoints use.

Shapes follow Bitget's copy-trading pages and ``bitget-samples/copy/``: amounts are plain strings, fees negative,
timestamps strings of ms, ``"0"`` close times while open. Simulator extensions (extra fields a Bitget client
ignores): follower tracking orders carry ``traderTrackingNo``, ``traderOpenPriceAvg`` and ``copyDelayMs`` (the copy
slippage view).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from terminal_app.bitget.models.mapping import wire_product
from terminal_app.core.instruments import Product
from terminal_app.sim.copy.engine import CopyEngine
from terminal_app.sim.copy.state import Track
from terminal_app.sim.server.render import neg, num

Json = dict[str, Any]
USDT_FUTURES = wire_product(Product.USDT_FUTURES)


def time_text(value: int | None) -> str:
    return str(int(value)) if value else "0"


def opt(value: Decimal | None) -> str | None:
    return None if value is None else num(value)


def yes(flag: bool, *, upper: bool = True) -> str:
    word = "YES" if flag else "NO"
    return word if upper else word.lower()


def money(value: Decimal) -> str:
    """Bitget's display form of a USD amount: ``$12,376.16``."""
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"


def pct(value: Decimal) -> str:
    return num(value.quantize(Decimal("0.01")))


def trader_current(t: Track) -> Json:
    return {"trackingNo": t.tracking_no, "openOrderId": t.open_order_id, "symbol": t.symbol, "posSide": t.hold_side,
            "openLeverage": str(t.leverage), "openPriceAvg": num(t.open_price), "openTime": time_text(t.open_time),
            "openSize": num(t.size), "presetStopSurplusPrice": opt(t.tp) or "",
            "presetStopLossPrice": opt(t.sl) or "", "openFee": neg(t.open_fee), "followCount": str(t.follow_count)}


def trader_history(t: Track) -> Json:
    return {"trackingNo": t.tracking_no, "symbol": t.symbol, "openOrderId": t.open_order_id,
            "closeOrderId": t.close_order_id, "productType": USDT_FUTURES, "posSide": t.hold_side,
            "openLeverage": str(t.leverage), "openPriceAvg": num(t.open_price), "openTime": time_text(t.open_time),
            "openSize": num(t.size), "closeSize": num(t.close_size), "closeTime": time_text(t.close_time),
            "closePriceAvg": opt(t.close_price) or "0", "stopType": t.stop_type, "achievedPL": num(t.achieved_pl),
            "openFee": neg(t.open_fee), "closeFee": neg(t.close_fee), "cTime": time_text(t.open_time)}


def _copy_extras(t: Track) -> Json:
    return {"traderTrackingNo": t.parent, "traderOpenPriceAvg": opt(t.trader_price) or "",
            "copyDelayMs": str(t.delay_ms)}


def follower_current(engine: CopyEngine, t: Track) -> Json:
    return {"trackingNo": t.tracking_no, "traderName": engine.traders[t.trader_id].name,
            "openOrderId": t.open_order_id, "closeOrderId": "", "traderId": t.trader_id, "symbol": t.symbol,
            "posSide": t.hold_side, "openLeverage": str(t.leverage), "openAvgPrice": num(t.open_price),
            "openTime": time_text(t.open_time), "openSize": num(t.size), "closeAvgPrice": "0", "closeSize": "0",
            "openMarginSz": num(t.margin.quantize(Decimal("0.0001"))), "closeTime": "0", "openFee": neg(t.open_fee),
            "stopSurplusPrice": opt(t.tp) or "", "stopLossPrice": opt(t.sl) or "", **_copy_extras(t)}


def follower_history(t: Track) -> Json:
    margin = t.margin
    rate = (t.net_profit / margin * 100).quantize(Decimal("0.01")) if margin else Decimal(0)
    return {"trackingNo": t.tracking_no, "posSide": t.hold_side, "openLeverage": str(t.leverage),
            "openSize": num(t.size), "closeSize": num(t.close_size), "openPriceAvg": num(t.open_price),
            "closePriceAvg": opt(t.close_price) or "0", "achievedPL": num(t.achieved_pl),
            "openFee": neg(t.open_fee), "closeFee": neg(t.close_fee), "symbol": t.symbol, "profitRate": num(rate),
            "netProfit": num(t.net_profit), "openOrderId": t.open_order_id, "closeOrderId": t.close_order_id,
            "openTime": time_text(t.open_time), "closeTime": time_text(t.close_time), "traderId": t.trader_id,
            "productType": USDT_FUTURES, "stopType": t.stop_type, "profitShare": num(t.profit_share),
            **_copy_extras(t)}


def broker_trace(t: Track) -> Json:
    out = {"trackingNo": t.tracking_no, "openOrderId": t.open_order_id,
           # "crossed"/"isolated" (typed-bitget's live captures; the doc's request enum also says crossed)
           "marginMode": "crossed" if t.margin_mode in ("crossed", "cross", "") else t.margin_mode,
           "posSide": t.hold_side,
           "symbol": t.symbol, "openLeverage": str(t.leverage), "openPriceAvg": num(t.open_price),
           "openTime": time_text(t.open_time), "openSize": num(t.size), "openFee": neg(t.open_fee),
           "marginAmount": num(t.margin.quantize(Decimal("0.0001"))), "followCount": str(t.follow_count),
           "stopSurplusPrice": opt(t.tp) or "", "stopLossPrice": opt(t.sl) or "", "cTime": time_text(t.open_time)}
    if not t.is_open:
        out.update({"closeOrderId": t.close_order_id, "closePriceAvg": opt(t.close_price) or "0",
                    "closeSize": num(t.close_size), "closeTime": time_text(t.close_time), "closeFee": neg(t.close_fee),
                    "achievedPL": num(t.achieved_pl)})
    return out


def _base_fee(t: Track) -> str:
    return neg((t.open_fee / t.open_price).quantize(Decimal("0.00000001"))) if t.open_price else "0"


def spot_current(engine: CopyEngine, t: Track, *, trader_view: bool) -> Json:
    price = engine.price_of(t)
    pnl = t.unrealized(price) - t.open_fee
    cost = t.open_price * t.size
    out = {"trackingNo": t.tracking_no, "buyFillSize": num(t.size), "buyDelegateSize": num(t.size),
           "buyPrice": num(t.open_price), "unrealizedPL": num(pnl.quantize(Decimal("0.00000001"))),
           "buyTime": time_text(t.open_time), "buyFee": _base_fee(t),
           "unrealizedPLR": num((pnl / cost * 100).quantize(Decimal("0.01")) if cost else Decimal(0)),
           "symbol": t.symbol, "stopSurplusPrice": opt(t.tp), "stopLossPrice": opt(t.sl)}
    if trader_view:
        out.update({"orderId": t.open_order_id, "followCount": str(t.follow_count)})
    else:
        out.update({"traderId": t.trader_id, **_copy_extras(t)})
    return out


def spot_history(t: Track, *, trader_view: bool) -> Json:
    cost = t.open_price * t.size
    out = {"trackingNo": t.tracking_no, "fillSize": num(t.close_size), "buyPrice": num(t.open_price),
           "sellPrice": opt(t.close_price) or "0", "buyFee": _base_fee(t), "sellFee": neg(t.close_fee),
           "achievedPL": num(t.achieved_pl),
           "achievedPLR": num((t.achieved_pl / cost * 100).quantize(Decimal("0.01")) if cost else Decimal(0)),
           "symbol": t.symbol, "buyTime": time_text(t.open_time), "sellTime": time_text(t.close_time),
           "netProfit": num(t.net_profit)}
    if trader_view:
        out["followCount"] = str(t.follow_count)
    else:
        out.update({"traderId": t.trader_id, **_copy_extras(t)})
    return out
