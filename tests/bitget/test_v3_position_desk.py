"""The V3 position desk (``bitget.v3.position_desk``) against the real simulator over loopback sockets, a unified key:
isolated margin added and removed (over-removal refused with Bitget's 25242), the maximum openable size, closed
positions paged by cursor, and financial records (trades, funding) as the domain's bill, paged by cursor and read in
30-day windows. The simulator's raw answers are checked key for key against Bitget's samples
(tests/data/bitget-samples/v3/), ``list: null`` on empty pages included; the samples themselves parse too."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator, Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from terminal_app.bitget.errors import BitgetError
from terminal_app.bitget.http import BitgetHttp
from terminal_app.bitget.v3 import trade as t
from terminal_app.bitget.v3.position_desk import (
    BILL_KINDS,
    MAX_OPEN_AVAILABLE,
    SET_MARGIN,
    V3PositionDesk,
    max_open_from,
    parse_bills,
)
from terminal_app.bitget.v3.rest import V3OrderRequest, V3RestClient
from terminal_app.core.accounts import Position
from terminal_app.core.credentials import Credentials
from terminal_app.core.enums import MarginMode, OrderType, PositionSide, Side
from terminal_app.core.instruments import MarketInfo, Product, SymbolRef
from terminal_app.core.position_tools import BillKind, max_open_for
from terminal_app.sim.engine import unified
from terminal_app.sim.runner import SimulatorRunner
from terminal_app.sim.server.http import SimConfig

D = Decimal
PERP = SymbolRef("BTCUSDT", Product.USDT_FUTURES)
ETH_PERP = SymbolRef("ETHUSDT", Product.USDT_FUTURES)
SAMPLES = Path(__file__).parents[1] / "data" / "bitget-samples" / "v3"


def sample(name: str) -> Any:
    return json.loads((SAMPLES / name).read_text())["data"]


@pytest.fixture(scope="module")
def runner() -> Iterator[SimulatorRunner]:
    sim = SimulatorRunner(config=SimConfig(seed=41, rate_limits=False))
    sim.start()
    try:
        yield sim
    finally:
        sim.stop()


class Rig:
    def __init__(self, rest: V3RestClient, desk: V3PositionDesk, uid: str, runner: SimulatorRunner,
                 markets: dict[str, MarketInfo]) -> None:
        self.rest = rest
        self.desk = desk
        self.uid = uid
        self.runner = runner
        self.markets = markets

    def on_sim(self, fn: Callable[[Any], Any]) -> Any:
        return self.runner.call(lambda: fn(self.runner.server.exchange))

    async def open(self, ref: SymbolRef, side: Side, qty: str, margin_mode: MarginMode | None = None) -> Position:
        await self.rest.place_order(V3OrderRequest(ref, side, OrderType.MARKET, qty, margin_mode=margin_mode,
                                                   client_oid=f"t{time.monotonic_ns()}"))
        held: list[Position] = await until(lambda: self.rest.positions(ref), lambda ps: bool(ps))
        return held[0]

    async def close(self, ref: SymbolRef) -> None:
        await self.rest.close_positions(ref)
        await until(lambda: self.rest.positions(ref), lambda ps: not ps)


async def until(read: Callable[[], Any], ok: Callable[[Any], bool], within: float = 10.0) -> Any:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        value = await read()
        if ok(value):
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not reached: {value!r}")
        await asyncio.sleep(0.05)


@pytest_asyncio.fixture
async def rig(runner: SimulatorRunner) -> AsyncIterator[Rig]:
    info = runner.info
    assert info is not None
    key = runner.add_key(uta=True)
    rest = V3RestClient(BitgetHttp(info.rest, Credentials(key.api_key, key.secret, key.passphrase)))
    await rest.connect()
    try:
        markets = {mk.ref.key: mk for mk in await rest.instruments(Product.USDT_FUTURES)}
        yield Rig(rest, V3PositionDesk(rest), key.uid, runner, markets)
    finally:
        await rest.aclose()


# --- the samples --------------------------------------------------------------------------------------------------


def test_the_samples_parse_to_the_domain() -> None:
    (closed,) = t.parse_history_positions(sample("GET_api_v3_position_history-position.json"))
    assert (closed.product, closed.symbol, closed.hold_side, closed.pos_id) == (
        Product.USDT_FUTURES, "EOSUSDT", PositionSide.LONG, "1111111111111111111")
    assert (closed.open_size, closed.pnl, closed.net_profit, closed.open_fee) == (
        D("58"), D("-0.116"), D("-45.588"), D("-22.7360116"))
    rows, cursor = parse_bills(sample("GET_api_v3_account_financial-records.json"), Product.SPOT)
    (bill,) = rows
    assert (bill.bill_id, bill.coin, bill.symbol, bill.detail, bill.kind) == (
        "13111111111111111", "BTC", "BTCUSDT", "ORDER_DEALT_IN", BillKind.TRANSFER)
    assert (bill.amount, bill.fee, bill.balance, bill.ts) == (D("0.00531168"), D("-0.00000531"), D("55.10017801"),
                                                              1745853486185)
    assert cursor == "122222222222222222"
    assert parse_bills({"list": None, "cursor": None}, Product.USDT_FUTURES) == ([], None)


def test_the_documented_max_open_answer_with_empty_fields_falls_back_to_available() -> None:
    """The sample (and typed-bitget's live calls) leave maxBuyOpen/maxSellOpen empty: the size comes from
    ``available``; a filled maxSellOpen is taken as Bitget's own figure."""
    data = sample("POST_api_v3_account_max-open-available.json")
    market = MarketInfo(ref=PERP, base_coin="BTC", quote_coin="USDT", tick_size=D("0.1"), lot_size=D("0.0001"),
                        min_size=D("0.0001"), min_notional=D("5"), price_places=1, size_places=4,
                        maker_fee=D("0.0002"), taker_fee=D("0.0006"))
    derived = max_open_from(data, market, Side.BUY, D("50000"), 10)
    assert derived == max_open_for(market, D("52.008255"), D("50000"), 10) > 0
    assert max_open_from({**data, "maxSellOpen": "0.0123"}, market, Side.SELL, D("50000"), 10) == D("0.0123")


def test_every_documented_futures_record_type_has_its_kind() -> None:
    assert BILL_KINDS["OPEN_LONG"] is BillKind.TRADE
    assert BILL_KINDS["CLOSE_SHORT"] is BillKind.TRADE
    assert BILL_KINDS["CONTRACT_MAIN_SETTLE_FEE_USER_IN"] is BillKind.FUNDING
    assert BILL_KINDS["CONTRACT_MAIN_SETTLE_FEE_USER_OUT"] is BillKind.FUNDING
    assert BILL_KINDS["BURST_CLOSE_LONG"] is BillKind.LIQUIDATION
    assert BILL_KINDS["TRANSFER_IN"] is BillKind.TRANSFER
    assert not BILL_KINDS["BORROW"].is_pnl
    assert BILL_KINDS["INTEREST_SETTLEMENT_OUT"].is_pnl


# --- against the simulator ----------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_isolated_margin_added_and_removed_and_over_removal_refused(rig: Rig) -> None:
    position = await rig.open(PERP, Side.BUY, "0.01", MarginMode.ISOLATED)
    assert position.margin_mode == MarginMode.ISOLATED
    raw = await rig.rest.http.post(SET_MARGIN, {"category": "USDT-FUTURES", "symbol": "BTCUSDT", "posSide": "long",
                                                "operation": "add", "amount": "10"})
    assert raw == sample("POST_api_v3_account_set-margin.json") == "success"
    await rig.desk.set_margin(position, D("5"))
    (sim_pos,) = rig.on_sim(lambda ex: ex.positions(rig.uid, "BTCUSDT"))
    assert sim_pos.margin == position.margin_size + 15
    removable = rig.on_sim(lambda ex: ex.position_desk.removable_margin(rig.uid, "BTCUSDT", "long"))
    assert removable is not None
    assert removable > 0
    with pytest.raises(BitgetError) as refused:
        await rig.desk.set_margin(position, -(removable + 1))
    assert refused.value.code == "25242"
    said = re.fullmatch(r"The maximum reducible amount is ([0-9.]+)USDT\.", refused.value.exchange_msg)
    assert said is not None, refused.value.exchange_msg
    assert abs(D(said.group(1)) - removable) < 1           # the mark may have moved a little in between
    await rig.desk.set_margin(position, D("-12"))
    (sim_pos,) = rig.on_sim(lambda ex: ex.positions(rig.uid, "BTCUSDT"))
    assert sim_pos.margin == position.margin_size + 3
    with pytest.raises(BitgetError) as no_short:
        await rig.desk.set_margin(Position(**{**_fields(position), "hold_side": PositionSide.SHORT}), D("1"))
    assert no_short.value.code == "25227"
    await rig.close(PERP)


def _fields(p: Position) -> dict[str, Any]:
    return {name: getattr(p, name) for name in p.__dataclass_fields__}


@pytest.mark.asyncio
async def test_a_crossed_position_has_no_margin_to_move(rig: Rig) -> None:
    position = await rig.open(ETH_PERP, Side.SELL, "0.1")
    with pytest.raises(BitgetError) as refused:
        await rig.desk.set_margin(position, D("1"))
    assert refused.value.code == "25240"
    await rig.close(ETH_PERP)


@pytest.mark.asyncio
async def test_max_open_available_has_the_documented_fields_and_the_desk_reads_its_side(rig: Rig) -> None:
    market = rig.markets[PERP.key]
    price = D("50000")
    raw = await rig.rest.http.post(MAX_OPEN_AVAILABLE, {"category": "USDT-FUTURES", "symbol": "BTCUSDT",
                                                         "orderType": "limit", "side": "buy", "price": "50000",
                                                         "size": "0.01"})
    assert set(raw) == set(sample("POST_api_v3_account_max-open-available.json"))
    assert raw["maxOpen"] == ""                            # margin trading's only
    def pool_usdt(ex: Any) -> D:  # what an order can draw on: the pool's free USDT, spot and futures wallets
        return next(c.available for c in unified.unified_view(ex, rig.uid).coins if c.coin == "USDT")

    expected = rig.on_sim(lambda ex: ex.position_desk.max_open_available(rig.uid, "BTCUSDT", price, None,
                                                                         pool_usdt(ex)))
    assert (D(raw["available"]), D(raw["maxBuyOpen"]), D(raw["maxSellOpen"])) == (
        expected.available, expected.max_buy, expected.max_sell)
    assert expected.max_buy > 0
    assert D(raw["buyOpenCost"]) > 0
    # no leverage set for the symbol yet: the ticket's 10x applied to Bitget's ``available``
    at_ten = rig.on_sim(lambda ex: ex.position_desk.open_count(rig.uid, "BTCUSDT", expected.available, price, 10))
    assert await rig.desk.max_open(market, "USDT", expected.available, price, 10, Side.SELL) == at_ten
    # at the account's own leverage (the settings list it once a position holds it), Bitget's maxSellOpen
    held = await rig.open(PERP, Side.BUY, "0.01")
    now = rig.on_sim(lambda ex: ex.position_desk.max_open_available(rig.uid, "BTCUSDT", price, None, pool_usdt(ex)))
    assert now.max_sell != expected.max_sell                  # the position's margin is no longer available
    assert await rig.desk.max_open(market, "USDT", now.available, price, int(held.leverage), Side.SELL) == (
        now.max_sell)
    await rig.close(PERP)
    spot = await rig.rest.http.post(MAX_OPEN_AVAILABLE, {"category": "SPOT", "symbol": "BTCUSDT",
                                                          "orderType": "market", "side": "buy"})
    assert spot["maxBuyOpen"] == ""
    assert D(spot["available"]) > 0


@pytest.mark.asyncio
async def test_closed_positions_page_by_cursor_on_every_futures_category(rig: Rig) -> None:
    for ref in (PERP, ETH_PERP, PERP):
        await rig.open(ref, Side.BUY, "0.01" if ref == PERP else "0.1")
        await rig.close(ref)
    first = await rig.rest.http.get("/api/v3/position/history-position",
                                    {"category": "USDT-FUTURES", "limit": "2"}, signed=True)
    assert set(first["list"][0]) == set(sample("GET_api_v3_position_history-position.json")["list"][0])
    assert first["cursor"] == first["list"][-1]["positionId"]
    last = await rig.rest.http.get("/api/v3/position/history-position",
                                   {"category": "USDT-FUTURES", "limit": "2", "cursor": first["cursor"]},
                                   signed=True)
    assert last["cursor"] is None
    assert len(last["list"]) >= 1
    for empty in ("USDC-FUTURES", "COIN-FUTURES"):
        assert await rig.rest.http.get("/api/v3/position/history-position", {"category": empty},
                                       signed=True) == {"list": None, "cursor": None}
    whole = await rig.desk.closed_positions(Product.USDT_FUTURES, limit=100)
    rig.desk.page = 1                                       # one row a request: the cursor carries the rest
    paged = await rig.desk.closed_positions(Product.USDT_FUTURES, limit=100)
    assert paged == whole
    assert [(c.symbol, c.hold_side) for c in whole].count(("BTCUSDT", PositionSide.LONG)) >= 2
    assert "ETHUSDT" in {c.symbol for c in whole}
    assert len({c.pos_id for c in whole}) == len(whole)
    assert await rig.desk.closed_positions(Product.USDC_FUTURES, limit=100) == []


@pytest.mark.asyncio
async def test_financial_records_become_bills_with_funding_paged_and_windowed(rig: Rig) -> None:
    await rig.open(PERP, Side.BUY, "0.01")

    def fund(ex: Any) -> None:
        ex._engine.funding.next_funding["BTCUSDT"] = ex.now_ms()   # white box: funding time is now
    rig.on_sim(fund)

    async def records() -> list[Any]:
        data = await rig.rest.http.get("/api/v3/account/financial-records", {"category": "USDT-FUTURES"},
                                       signed=True)
        return t.wrapped_list(data, "FinancialRecord")
    rows = await until(records, lambda rs: any(r["type"].startswith("CONTRACT_MAIN_SETTLE_FEE_USER_") for r in rs))
    assert set(rows[0]) == set(sample("GET_api_v3_account_financial-records.json")["list"][0])
    await rig.close(PERP)
    bills = await rig.desk.bills(Product.USDT_FUTURES, since_ms=None, limit=100)
    assert [b.detail for b in bills if b.kind is BillKind.TRADE] == ["CLOSE_LONG", "OPEN_LONG"]
    funding = [b for b in bills if b.kind is BillKind.FUNDING]
    assert len(funding) == 1
    assert funding[0].amount != 0
    assert funding[0].symbol == "BTCUSDT"
    assert all(b.product is Product.USDT_FUTURES and b.coin == "USDT" for b in bills)
    rig.desk.page = 1
    assert await rig.desk.bills(Product.USDT_FUTURES, since_ms=None, limit=100) == bills
    month_and_more = int(time.time() * 1000) - 40 * 86_400_000     # two 30-day windows, newest first
    assert await rig.desk.bills(Product.USDT_FUTURES, since_ms=month_and_more, limit=100) == bills
    newest = bills[0].ts
    assert await rig.desk.bills(Product.USDT_FUTURES, since_ms=newest, limit=100) == [
        b for b in bills if b.ts >= newest]
    behind = V3PositionDesk(rig.rest, clock_ms=lambda: int(time.time() * 1000) - 3_600_000)   # our clock 1 h late
    assert await behind.bills(Product.USDT_FUTURES, since_ms=newest, limit=100) == [b for b in bills if b.ts >= newest]
    assert await rig.desk.bills(Product.USDC_FUTURES, since_ms=None, limit=100) == []
    # the pool's own rows (interest, its liquidation) are category OTHER, read as the spot line
    assert rig.desk.bill_lines((Product.USDT_FUTURES,)) == (Product.USDT_FUTURES, Product.SPOT)
    assert await rig.rest.http.get("/api/v3/account/financial-records", {"category": "OTHER"},
                                   signed=True) == {"list": None, "cursor": None}
    assert await rig.desk.bills(Product.SPOT, since_ms=None, limit=100) == []


@pytest.mark.asyncio
async def test_coin_m_margin_in_the_base_coin_and_its_closed_position_under_the_unified_name(rig: Rig) -> None:
    coin_m = SymbolRef("BTCUSD", Product.COIN_FUTURES)
    position = await rig.open(coin_m, Side.BUY, "1000", MarginMode.ISOLATED)     # coin-M qty: USD
    assert (position.margin_coin, position.margin_mode) == ("BTC", MarginMode.ISOLATED)
    await rig.desk.set_margin(position, D("0.0001"))                              # BTC, the base coin
    (sim_pos,) = rig.on_sim(lambda ex: ex.positions(rig.uid, "BTCUSD", Product.COIN_FUTURES))
    assert sim_pos.margin == position.margin_size + D("0.0001")
    await rig.close(coin_m)
    raw = await rig.rest.http.get("/api/v3/position/history-position", {"category": "COIN-FUTURES"}, signed=True)
    assert [(row["symbol"], row["marginCoin"]) for row in raw["list"]] == [("BTCUSD_CM", "BTC")]
    (closed,) = await rig.desk.closed_positions(Product.COIN_FUTURES, limit=100)
    assert (closed.product, closed.symbol, closed.margin_coin) == (Product.COIN_FUTURES, "BTCUSD", "BTC")
    assert closed.close_size == sim_pos.total
    bills = await rig.desk.bills(Product.COIN_FUTURES, since_ms=None, limit=100)
    assert {(b.symbol, b.coin, b.detail) for b in bills} == {("BTCUSD", "BTC", "OPEN_LONG"),
                                                             ("BTCUSD", "BTC", "CLOSE_LONG")}


@pytest.mark.asyncio
async def test_a_liquidation_is_a_liquidation_bill(rig: Rig) -> None:
    await rig.rest.set_leverage(ETH_PERP, 50, margin_mode=MarginMode.ISOLATED)
    await rig.open(ETH_PERP, Side.BUY, "0.1", MarginMode.ISOLATED)
    rig.on_sim(lambda ex: ex.shock("ETH", "0.9"))                 # 10% down at 50x: liquidated
    await until(lambda: rig.rest.positions(ETH_PERP), lambda ps: not ps)
    bills = await until(lambda: rig.desk.bills(Product.USDT_FUTURES, since_ms=None, limit=100),
                        lambda bs: any(b.kind is BillKind.LIQUIDATION for b in bs))
    burst = [b for b in bills if b.kind is BillKind.LIQUIDATION]
    assert {b.detail for b in burst} <= {"BURST_SELL_SSM", "RISK_LIQ_USER_OUT"}
    assert "BURST_SELL_SSM" in {b.detail for b in burst}            # one-way: the trade that closed the long
    assert all(b.amount <= 0 for b in burst)
