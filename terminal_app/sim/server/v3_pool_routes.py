"""The unified account's pool on the simulator's V3 REST: financial records, repayment, countdown cancel-all, and the
collateral and loan tables (bitget-v3-uta.md §5.1, §5.2, §5.3; rules in :mod:`terminal_app.sim.engine.pool`).

``GET /api/v3/account/financial-records`` lists, newest first, the engine's bills of the asked category (spot: one
row per coin a fill moved; futures: fills' realised PnL and fees, and funding) and the pool's own rows (interest,
liquidation repayments) under ``OTHER``, with Bitget's ``type`` words (SG:uta/enum). ``cursor`` is the smallest id
of the page, ``null`` on the last.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from terminal_app.core.instruments import Product
from terminal_app.sim.engine import pool as rules
from terminal_app.sim.engine import unified
from terminal_app.sim.engine.bills import SpotBill
from terminal_app.sim.engine.futures import AccountBill
from terminal_app.sim.server import v3_render as r
from terminal_app.sim.server.render import num
from terminal_app.sim.server.routes import Call, Route, reject
from terminal_app.sim.server.v3_routes import v3_errors

CATEGORIES = {"SPOT": Product.SPOT, "MARGIN": Product.SPOT, "USDT-FUTURES": Product.USDT_FUTURES,
              "COIN-FUTURES": Product.COIN_FUTURES, "USDC-FUTURES": Product.USDC_FUTURES}
# The engine's futures bill words as V3's financial-record types (SG:uta/enum "type (financial records)").
_FUTURES_TYPES = {"open_long": "OPEN_LONG", "open_short": "OPEN_SHORT", "close_long": "CLOSE_LONG",
                  "close_short": "CLOSE_SHORT", "burst_long_loss_query": "BURST_CLOSE_LONG",
                  "burst_short_loss_query": "BURST_CLOSE_SHORT", "burst_buy": "BURST_BUY_SSM",
                  "burst_sell": "BURST_SELL_SSM", "contract_settle_fee": None,
                  "trans_from_exchange": "TRANSFER_IN", "trans_to_exchange": "TRANSFER_OUT"}
_SPOT_TYPES = {"buy": "BUY_DEAL", "sell": "SELL_DEAL"}
COUNTDOWN_RANGE = (5, 60)


def _futures_row(category: str, b: AccountBill) -> dict[str, Any]:
    kind = _FUTURES_TYPES.get(b.business_type, b.business_type.upper())
    if kind is None:     # funding: in when received, out when paid
        kind = "CONTRACT_MAIN_SETTLE_FEE_USER_IN" if b.amount > 0 else "CONTRACT_MAIN_SETTLE_FEE_USER_OUT"
    return {"category": category, "id": b.bill_id, "symbol": b.symbol, "coin": b.coin, "type": kind,
            "amount": num(b.amount), "fee": num(b.fee), "balance": num(b.balance), "ts": str(b.c_time)}


def _spot_row(category: str, b: SpotBill) -> dict[str, Any]:
    kind = _SPOT_TYPES.get(b.business_type, b.business_type.upper())
    return {"category": category, "id": b.bill_id, "symbol": "", "coin": b.coin, "type": kind,
            "amount": num(b.size), "fee": num(b.fees), "balance": num(b.balance), "ts": str(b.c_time)}


def _pool_row(rec: rules.Record) -> dict[str, Any]:
    return {"category": rec.category, "id": rec.record_id, "symbol": rec.symbol, "coin": rec.coin, "type": rec.kind,
            "amount": num(rec.amount), "fee": num(rec.fee), "balance": num(rec.balance), "ts": str(rec.ts)}


def financial_records(call: Call) -> Any:
    text = (call.req("category")).upper()
    if text not in CATEGORIES and text != "OTHER":
        raise reject("40017", "Parameter category error")
    coin = (call.opt("coin") or "").upper() or None
    kind = call.opt("type")
    start, end = call.integer("startTime", None), call.integer("endTime", None)
    cursor = call.opt("cursor")
    limit = call.limit(100, 100)
    uid = call.uid
    rows: list[dict[str, Any]] = []
    if text == "OTHER":
        rows = [_pool_row(rec) for rec in unified.book(call.ex).user(uid).records]
    elif text in ("SPOT", "MARGIN"):
        rows = [_spot_row(text, b) for b in call.ex.spot_bills(uid, coin, limit=500)]
    else:
        rows = [_futures_row(text, b) for b in call.ex.account_bills(uid, limit=500)
                if r.CATEGORIES.get(_product_of(b.symbol)) == text]
    rows = [row for row in rows if (coin is None or row["coin"] == coin) and (kind is None or row["type"] == kind)
            and (start is None or int(row["ts"]) >= start) and (end is None or int(row["ts"]) <= end)
            and (cursor is None or int(row["id"]) < int(cursor))]
    rows.sort(key=lambda row: (int(row["ts"]), int(row["id"])), reverse=True)
    page = rows[:limit]
    more = len(rows) > limit
    return {"list": page or None, "cursor": page[-1]["id"] if page and more else None}


def _product_of(symbol: str) -> Product:
    return r.find_futures(symbol).ref.product


def countdown_cancel_all(call: Call) -> Any:
    """Arm (5–60 s) or disarm (0) the dead man's switch; each call re-arms it from now."""
    seconds = call.integer("countdown", None)
    if seconds is None:
        raise reject("40019", "Parameter countdown cannot be empty")
    if seconds != 0 and not COUNTDOWN_RANGE[0] <= seconds <= COUNTDOWN_RANGE[1]:
        raise reject("40017", "Parameter countdown error: 0 or 5-60")
    unified.enrol(call.ex, call.uid)
    unified.arm_countdown(call.ex, call.uid, seconds, call.now_ms)
    return "success"


def _coins(call: Call, name: str) -> list[str]:
    value = call.params.get(name)
    if not isinstance(value, list) or not value or not all(isinstance(c, str) and c for c in value):
        raise reject("40019", f"Parameter {name} cannot be empty")
    return [c.upper() for c in value]


def repay(call: Call) -> Any:
    """``{repayableCoinList, paymentCoinList}`` → ``{result: "YES", repayAmount}`` (USD), typed-bitget's shape."""
    owed, paying = _coins(call, "repayableCoinList"), _coins(call, "paymentCoinList")
    book = unified.book(call.ex).user(call.uid)
    if not any(book.debt(c) > 0 for c in owed):
        raise reject("25202", "No debt to repay in those coins")
    usd = unified.repay_with(call.ex, call.uid, owed, paying)
    return {"result": "YES", "repayAmount": num(usd.quantize(Decimal("0.00000001")))}


def discount_rate(call: Call) -> Any:
    coins = sorted({*rules.COLLATERAL_TIERS, *call.ex.coins()})
    return [{"coin": c, "list": [{"tierStartValue": num(start), "discountRate": num(rate)}
                                 for start, rate in rules.tiers(c)]} for c in coins]


def margin_loans(call: Call) -> Any:
    coin = call.req("coin").upper()
    annual = rules.ANNUAL_RATE.get(coin, rules.OTHER_RATE)
    daily = (annual / 365).quantize(Decimal("0.0000000001"))
    return {"dailyInterest": num(daily), "annualInterest": num(annual), "limit": "1000000",
            "masterSubLimit": "1000000", "platformRemaingQuota": "100000000"}


def _routes() -> tuple[Route, ...]:
    return (Route("GET", "/api/v3/market/discount-rate", v3_errors(discount_rate)),
            Route("GET", "/api/v3/market/margin-loans", v3_errors(margin_loans)),
            Route("GET", "/api/v3/account/financial-records", v3_errors(financial_records), private=True),
            Route("POST", "/api/v3/account/repay", v3_errors(repay), private=True, trade=True),
            Route("POST", "/api/v3/trade/countdown-cancel-all", v3_errors(countdown_cancel_all), private=True,
                  trade=True))


V3_POOL_ROUTES: tuple[Route, ...] = _routes()
