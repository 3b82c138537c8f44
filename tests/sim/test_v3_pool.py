"""A unified account's margin pool on the simulator's V3 REST over loopback sockets: every coin valued and discounted
as collateral, borrowing (margin orders; futures margin against other coins), hourly interest in the financial
records, repayment (automatic and with other coins), liquidation on the pool's margin ratio, and the countdown
cancel-all. Figures are checked against the simulator's own wallets and Bitget's documented discount tiers
(D:public/Get-Discount-Rate: 0.99 from 0 USD, 0.98 from 40,000 USD)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from decimal import Decimal as D
from typing import Any

import httpx
import pytest
import pytest_asyncio

from terminal_app.bitget.clock import system_ms
from terminal_app.core.credentials import Credentials
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.sim.engine import unified
from terminal_app.sim.server.auth import DEMO_UID
from terminal_app.sim.server.http import SimConfig, SimServer

from .conftest import V3Caller

pytestmark = pytest.mark.asyncio
HOUR = 3_600_000
SPOT = SymbolRef("BTCUSDT", Product.SPOT)


class Clock:
    def __init__(self) -> None:
        self.offset = 0

    def __call__(self) -> int:
        return system_ms() + self.offset


class Rig:
    def __init__(self, server: SimServer, call: V3Caller, clock: Clock) -> None:
        self.server = server
        self.call = call
        self.clock = clock
        self.ex = server.exchange

    def coin(self, data: dict[str, Any], name: str) -> dict[str, Any]:
        return next(a for a in data["assets"] if a["coin"] == name)


@pytest_asyncio.fixture
async def rig() -> AsyncIterator[Rig]:
    clock = Clock()
    server = SimServer(SimConfig(seed=5, rate_limits=False, account_mode="unified"), clock_ms=clock)
    info = await server.start()
    creds = Credentials(info.api_key, info.secret, info.passphrase)
    async with httpx.AsyncClient(base_url=info.rest, timeout=10) as http:
        yield Rig(server, V3Caller(server, http, creds), clock)
    await server.stop()


async def until(cond: Callable[[], bool], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not cond():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


def discounted(usd: D, tiers: tuple[tuple[D, D], ...]) -> D:
    out = D(0)
    for i, (start, rate) in enumerate(tiers):
        end = tiers[i + 1][0] if i + 1 < len(tiers) else None
        if usd > start:
            out += ((min(usd, end) if end is not None else usd) - start) * rate
    return out


DOC_TIERS = ((D(0), D("0.99")), (D(40_000), D("0.98")))


async def test_the_pool_holds_every_coin_of_every_wallet_valued_and_discounted(rig: Rig) -> None:
    data = await rig.call("GET", "/api/v3/account/assets")
    ex = rig.ex
    spot = {b.coin: b.total for b in ex.spot_balances(DEMO_UID)}
    for name in ("USDT", "USDC", "BTC", "ETH"):
        row = rig.coin(data, name)
        wallet = spot.get(name, D(0)) + ex.futures_account(DEMO_UID, name).equity
        assert D(row["equity"]) == wallet, name
        assert D(row["balance"]) == wallet, name
        assert D(row["debt"]) == 0
    btc = ex.ticker(SPOT).last
    eth = ex.ticker(SymbolRef("ETHUSDT", Product.SPOT)).last
    values = {c: D(rig.coin(data, c)["usdValue"]) for c in ("USDT", "USDC", "BTC", "ETH")}
    assert values["BTC"] == D(rig.coin(data, "BTC")["equity"]) * btc
    assert values["ETH"] == D(rig.coin(data, "ETH")["equity"]) * eth
    assert D(data["accountEquity"]) == sum(D(a["usdValue"]) for a in data["assets"])
    expected_eff = values["USDT"] + values["USDC"] + discounted(values["BTC"], DOC_TIERS) + discounted(
        values["ETH"], DOC_TIERS)
    assert D(data["effEquity"]) == expected_eff
    assert D(data["effEquity"]) < D(data["accountEquity"])
    assert (data["mmr"], data["mgnRatio"]) == ("0", "0")
    assert D(data["btcEquity"]) == (D(data["accountEquity"]) / btc).quantize(D("0.00000001"))
    tiers = await rig.call("GET", "/api/v3/market/discount-rate")
    eth_tiers = next(t for t in tiers if t["coin"] == "ETH")
    assert eth_tiers["list"] == [{"tierStartValue": "0", "discountRate": "0.99"},
                                 {"tierStartValue": "40000", "discountRate": "0.98"}]


async def test_a_margin_buy_beyond_the_usdt_borrows_pays_interest_hourly_and_repays_itself(rig: Rig) -> None:
    before = await rig.call("GET", "/api/v3/account/assets")
    usdt = D(rig.coin(before, "USDT")["balance"])
    bid = rig.ex.depth(SPOT, 1).bids[0][0]
    price = (bid * D("0.9")).quantize(D("0.01"))
    qty = (usdt * D("1.2") / price).quantize(D("0.0001"))      # 20% more than the pool's USDT
    order = {"category": "SPOT", "symbol": "BTCUSDT", "side": "buy", "orderType": "limit", "qty": str(qty),
             "price": str(price)}
    refused = await rig.call.raw("POST", "/api/v3/trade/place-order", order)
    assert refused["code"] == "25202"                        # spot does not borrow
    placed = await rig.call("POST", "/api/v3/trade/place-order", {**order, "category": "MARGIN"})
    book = unified.book(rig.ex).user(DEMO_UID)
    loan = book.debt("USDT")
    assert loan == qty * price - usdt                         # the engine holds qty × price of a limit buy
    after = await rig.call("GET", "/api/v3/account/assets")
    row = rig.coin(after, "USDT")
    assert D(row["debt"]) == loan
    assert D(row["available"]) == 0
    assert D(row["balance"]) == usdt                          # borrowed coin in, debt out: the balance nets them
    assert D(after["imr"]) >= loan * D("0.2")
    # two hours of a resting buy: the balance is not negative, so nothing bears interest (pool.py)
    rig.clock.offset += 2 * HOUR + 5_000
    await asyncio.sleep(1.2)
    assert list(book.records) == []
    # cancelling frees the USDT: the loan is repaid from it
    await rig.call("POST", "/api/v3/trade/cancel-order", {"orderId": placed["orderId"]})
    await until(lambda: book.debt("USDT") == 0)

    # a margin market buy spends beyond the USDT: the coin's balance is negative, and pays by the hour
    spend = (usdt + 2000).quantize(D("1"))
    await rig.call("POST", "/api/v3/trade/place-order", {"category": "MARGIN", "symbol": "BTCUSDT", "side": "buy",
                                                          "orderType": "market", "qty": str(spend)})
    loan = book.debt("USDT")
    assert D(1999) <= loan <= D(2001)


    def usdt_balance() -> D:
        found = unified.unified_view(rig.ex, DEMO_UID).coin("USDT")
        return found.balance if found is not None else D(0)

    # the timer starts the interest clock, and nets the buy's remainder of USDT against the loan
    await until(lambda: book.loans["USDT"].accrued_to is not None and -usdt_balance() == book.debt("USDT"))
    below = book.debt("USDT")
    assert loan - 1 < below <= loan
    rig.clock.offset += HOUR + 5_000
    await until(lambda: bool(book.records))
    (rec,) = book.records
    assert (rec.kind, rec.coin) == ("INTEREST_SETTLEMENT_OUT", "USDT")
    assert -rec.amount == (below * D("0.1095") / 8760).quantize(D("0.00000001"))
    records = await rig.call("GET", "/api/v3/account/financial-records", {"category": "OTHER"})
    assert [(r["type"], D(r["amount"])) for r in records["list"]] == [("INTEREST_SETTLEMENT_OUT", rec.amount)]
    assert book.debt("USDT") == below - rec.amount
    # selling the BTC brings USDT back: the loan, interest included, is repaid from it
    btc = D(rig.coin(await rig.call("GET", "/api/v3/account/assets"), "BTC")["available"])
    await rig.call("POST", "/api/v3/trade/place-order", {"category": "SPOT", "symbol": "BTCUSDT", "side": "sell",
                                                          "orderType": "market", "qty": str(btc.quantize(D("0.0001"),
                                                                                                       "ROUND_DOWN"))})
    await until(lambda: book.debt("USDT") == 0)
    final = await rig.call("GET", "/api/v3/account/assets")
    assert D(rig.coin(final, "USDT")["debt"]) == 0


async def test_repaying_a_usdt_loan_with_btc(rig: Rig) -> None:
    before = await rig.call("GET", "/api/v3/account/assets")
    usdt = D(rig.coin(before, "USDT")["balance"])
    spend = (usdt + 3000).quantize(D("1"))
    await rig.call("POST", "/api/v3/trade/place-order", {"category": "MARGIN", "symbol": "BTCUSDT", "side": "buy",
                                                          "orderType": "market", "qty": str(spend)})
    book = unified.book(rig.ex).user(DEMO_UID)
    debt = book.debt("USDT")
    assert D(2999) <= debt <= D(3001)
    btc_before = D(rig.coin(await rig.call("GET", "/api/v3/account/assets"), "BTC")["balance"])
    answer = await rig.call("POST", "/api/v3/account/repay", {"repayableCoinList": ["USDT"],
                                                               "paymentCoinList": ["BTC"]})
    assert answer["result"] == "YES"
    assert book.debt("USDT") < D("0.01")
    price = rig.ex.ticker(SPOT).last
    btc_after = D(rig.coin(await rig.call("GET", "/api/v3/account/assets"), "BTC")["balance"])
    sold = btc_before - btc_after
    assert abs(sold * price - debt) < debt * D("0.002")      # at the spot price of the moment
    assert abs(D(answer["repayAmount"]) - (debt - book.debt("USDT"))) < D("0.00000001")
    again = await rig.call.raw("POST", "/api/v3/account/repay", {"repayableCoinList": ["USDT"],
                                                                  "paymentCoinList": ["BTC"]})
    assert again["code"] in ("25202", "00000")


async def test_futures_margin_beyond_the_usdt_borrows_against_the_other_coins(rig: Rig) -> None:
    # spend almost all USDT on BTC first, then open a USDT-M position whose margin exceeds what is left
    pool = await rig.call("GET", "/api/v3/account/assets")
    usdt = D(rig.coin(pool, "USDT")["balance"])
    await rig.call("POST", "/api/v3/trade/place-order", {"category": "SPOT", "symbol": "BTCUSDT", "side": "buy",
                                                          "orderType": "market", "qty": str(usdt - 100)})
    await rig.call("POST", "/api/v3/account/set-leverage", {"category": "USDT-FUTURES", "symbol": "BTCUSDT",
                                                             "leverage": "10"})
    await rig.call("POST", "/api/v3/trade/place-order", {"category": "USDT-FUTURES", "symbol": "BTCUSDT",
                                                          "side": "buy", "orderType": "market", "qty": "0.1"})
    book = unified.book(rig.ex).user(DEMO_UID)
    await until(lambda: book.debt("USDT") > 0)
    (pos,) = rig.ex.positions(DEMO_UID, "BTCUSDT")
    assert pos.total == D("0.1")
    after = await rig.call("GET", "/api/v3/account/assets")
    assert D(rig.coin(after, "USDT")["debt"]) == book.debt("USDT")
    assert D(after["mmr"]) > 0
    assert D(after["mgnRatio"]) > 0


async def test_the_pool_is_liquidated_when_its_margin_ratio_reaches_one(rig: Rig) -> None:
    await rig.call("POST", "/api/v3/account/set-leverage", {"category": "USDT-FUTURES", "symbol": "BTCUSDT",
                                                             "leverage": "50"})
    await rig.call("POST", "/api/v3/trade/place-order", {"category": "USDT-FUTURES", "symbol": "BTCUSDT",
                                                          "side": "buy", "orderType": "market", "qty": "3"})
    first = await rig.call("GET", "/api/v3/account/assets")
    assert D(first["mgnRatio"]) < 1
    # a crash: the classic engine alone would liquidate the USDT wallet long before; the pool's BTC, ETH and USDC
    # carry the position until the pool itself runs out
    rig.ex.shock("BTC", D("0.6"))
    await until(lambda: not rig.ex.positions(DEMO_UID, "BTCUSDT"), within=30)
    history = await rig.call("GET", "/api/v3/trade/history-orders", {"category": "USDT-FUTURES"})
    assert any(o["tradeSide"] == "close" or o["orderType"] == "market" for o in history["list"])
    final = await rig.call("GET", "/api/v3/account/assets")
    assert all(D(a["debt"]) == 0 for a in final["assets"])    # repaid from the pool, the rest written off
    assert D(final["mmr"]) == 0
    assert D(final["accountEquity"]) < D(first["accountEquity"])
    liquidations = [o for o in rig.ex.order_history(DEMO_UID, Product.USDT_FUTURES) if o.origin == "liquidation"]
    assert liquidations


async def test_countdown_cancel_all_fires_unless_rearmed(rig: Rig) -> None:
    bid = rig.ex.depth(SPOT, 1).bids[0][0]
    price = str((bid * D("0.8")).quantize(D("0.01")))
    await rig.call("POST", "/api/v3/trade/place-order", {"category": "SPOT", "symbol": "BTCUSDT", "side": "buy",
                                                          "orderType": "limit", "qty": "0.001", "price": price})
    assert (await rig.call.raw("POST", "/api/v3/trade/countdown-cancel-all", {"countdown": "70"}))["code"] == "40017"
    assert await rig.call("POST", "/api/v3/trade/countdown-cancel-all", {"countdown": "5"}) == "success"
    rig.clock.offset += 3_000
    await asyncio.sleep(0.2)
    await rig.call("POST", "/api/v3/trade/countdown-cancel-all", {"countdown": "5"})     # re-armed: 5 s from now
    rig.clock.offset += 3_000
    await asyncio.sleep(0.2)
    assert len(rig.ex.open_orders(DEMO_UID, Product.SPOT)) == 1
    rig.clock.offset += 3_000
    await until(lambda: not rig.ex.open_orders(DEMO_UID, Product.SPOT))
    # disarmed: nothing fires
    await rig.call("POST", "/api/v3/trade/place-order", {"category": "SPOT", "symbol": "BTCUSDT", "side": "buy",
                                                          "orderType": "limit", "qty": "0.001", "price": price})
    await rig.call("POST", "/api/v3/trade/countdown-cancel-all", {"countdown": "5"})
    await rig.call("POST", "/api/v3/trade/countdown-cancel-all", {"countdown": "0"})
    rig.clock.offset += 10_000
    await asyncio.sleep(0.3)
    assert len(rig.ex.open_orders(DEMO_UID, Product.SPOT)) == 1


@pytest.mark.parametrize("category", ["SPOT", "USDT-FUTURES", "OTHER"])
async def test_financial_records_list_the_category_newest_first(rig: Rig, category: str) -> None:
    empty = await rig.call("GET", "/api/v3/account/financial-records", {"category": category})
    assert empty == {"list": None, "cursor": None}
    if category == "OTHER":
        return
    for _ in range(3):
        await rig.call("POST", "/api/v3/trade/place-order", {"category": category, "symbol": "BTCUSDT",
                                                              "side": "buy", "orderType": "market",
                                                              "qty": "100" if category == "SPOT" else "0.01"})
    page = await rig.call("GET", "/api/v3/account/financial-records", {"category": category, "limit": "2"})
    assert len(page["list"]) == 2
    assert page["cursor"] == page["list"][-1]["id"]
    rest = await rig.call("GET", "/api/v3/account/financial-records", {"category": category,
                                                                        "cursor": page["cursor"]})
    rows = page["list"] + rest["list"]
    assert all(r["category"] == category for r in rows)
    assert [int(r["ts"]) for r in rows] == sorted((int(r["ts"]) for r in rows), reverse=True)
    # a row per fill (per fill and coin on spot): three orders write three fills or more, if one takes two levels
    if category == "SPOT":
        fills = rig.ex.fills(DEMO_UID, Product.SPOT)
        assert len({f.order_id for f in fills}) == 3
        assert {r["type"] for r in rows} == {"BUY_DEAL"}
        assert sorted(r["coin"] for r in rows) == sorted(["BTC", "USDT"] * len(fills))
    else:
        fills = rig.ex.fills(DEMO_UID, Product.USDT_FUTURES)
        assert len({f.order_id for f in fills}) == 3
        assert [r["type"] for r in rows] == ["OPEN_LONG"] * len(fills)
        assert sorted(D(r["fee"]) for r in rows) == sorted(-f.fee for f in fills)
