"""The simulator's rule for closing coin-M on a unified account (``v3_names.close_size``): a close's USD ``qty``
counts USD contracts of the position (its coin size at its entry), so closing the position's own USD count leaves
nothing, in one-way (reduce-only) and hedge (posSide) mode; a part takes that part; ``close-positions`` takes one
side whole. Over raw signed REST against the simulator's sockets."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from terminal_app.bitget.errors import ExchangeError
from terminal_app.bitget.http import BitgetHttp
from terminal_app.core.credentials import Credentials
from terminal_app.sim.runner import SimulatorRunner
from terminal_app.sim.server.http import SimConfig
from terminal_app.sim.server.v3_names import close_size

D = Decimal
CM = {"category": "COIN-FUTURES", "symbol": "BTCUSD_CM"}


@pytest.fixture
def sim() -> Iterator[SimulatorRunner]:
    runner = SimulatorRunner(config=SimConfig(seed=29, account_mode="unified"))
    runner.start()
    try:
        yield runner
    finally:
        runner.stop()


def http_of(sim: SimulatorRunner) -> BitgetHttp:
    info = sim.info
    assert info is not None
    return BitgetHttp(info.rest, Credentials(info.api_key, info.secret, info.passphrase))


async def positions(http: BitgetHttp) -> list[dict[str, Any]]:
    data = await http.get("/api/v3/position/current-position", {"category": "COIN-FUTURES"}, signed=True)
    return list(data["list"] or [])


async def market(http: BitgetHttp, side: str, qty: str, **extra: str) -> None:
    await http.post("/api/v3/trade/place-order", {**CM, "side": side, "orderType": "market", "qty": qty, **extra})


def usd_count(row: dict[str, Any]) -> str:
    return str((D(row["total"]) * D(row["avgPrice"])).quantize(D("0.01")))


def test_close_size_counts_usd_contracts_at_the_entry() -> None:
    lot = D("0.001")
    assert close_size(D("850.00"), D("0.01"), D("85000"), lot) == D("0.01")      # its own USD count: whole
    assert close_size(D("849.99"), D("0.01"), D("85000"), lot) == D("0.01")      # a cent short: still whole
    assert close_size(D("5000"), D("0.01"), D("85000"), lot) == D("0.01")        # never past the position
    assert close_size(D("425"), D("0.01"), D("85000"), lot) == D("0.005")        # half
    assert close_size(D("30"), D("0.01"), D("85000"), lot) == D(0)               # under half a lot: nothing
    assert close_size(D("850"), D(0), D("85000"), lot) == D(0)


@pytest.mark.asyncio
async def test_closing_a_coin_m_positions_own_usd_count_leaves_nothing(sim: SimulatorRunner) -> None:
    async with http_of(sim) as http:
        # one-way: reduce-only sell of the long's USD count
        await market(http, "buy", "1700")
        (long,) = await positions(http)
        assert (long["symbol"], long["posSide"], D(long["total"]) > 0) == ("BTCUSD_CM", "long", True)
        await market(http, "sell", usd_count(long), reduceOnly="yes")
        assert await positions(http) == []

        # one-way short, half of it, then the rest
        await market(http, "sell", "1700")
        (short,) = await positions(http)
        whole = D(short["total"])
        half = str((D(usd_count(short)) / 2).quantize(D("0.01")))
        await market(http, "buy", half, reduceOnly="yes")
        (rest,) = await positions(http)
        assert D(0) < D(rest["total"]) < whole
        assert abs(D(rest["total"]) - whole / 2) <= D("0.0005")        # half, to the nearest lot
        await market(http, "buy", usd_count(rest), reduceOnly="yes")
        assert await positions(http) == []

        # hedge: posSide names the position, side is the trade
        await http.post("/api/v3/account/set-hold-mode", {"holdMode": "hedge_mode"})
        await market(http, "sell", "1700", posSide="short")
        await market(http, "buy", "1700", posSide="long")
        rows = {r["posSide"]: r for r in await positions(http)}
        assert set(rows) == {"long", "short"}
        await market(http, "buy", usd_count(rows["short"]), posSide="short")
        assert [r["posSide"] for r in await positions(http)] == ["long"]
        done = await http.post("/api/v3/trade/close-positions", {**CM, "posSide": "long"})
        assert len(done["list"]) == 1
        assert await positions(http) == []


@pytest.mark.asyncio
async def test_the_hold_mode_turns_on_every_futures_line_or_none(sim: SimulatorRunner) -> None:
    async with http_of(sim) as http:
        await market(http, "buy", "1700")                     # a coin-M position: that line cannot switch
        with pytest.raises(ExchangeError) as refused:
            await http.post("/api/v3/account/set-hold-mode", {"holdMode": "hedge_mode"})
        assert refused.value.code == "25241"
        settings = await http.get("/api/v3/account/settings", signed=True)
        assert settings["holdMode"] == "one_way_mode"         # the USDT-M line, switched first, went back
        (long,) = await positions(http)
        await market(http, "sell", usd_count(long), reduceOnly="yes")
        await http.post("/api/v3/account/set-hold-mode", {"holdMode": "hedge_mode"})
        assert (await http.get("/api/v3/account/settings", signed=True))["holdMode"] == "hedge_mode"
        await market(http, "buy", "1700", posSide="long")     # coin-M takes hedge orders now
        assert [r["posSide"] for r in await positions(http)] == ["long"]


@pytest.mark.asyncio
async def test_an_opening_coin_m_order_a_little_under_its_coin_size_opens_the_whole_lot(sim: SimulatorRunner) -> None:
    """A terminal converts its coin size to USD at the touch; the simulator converts back at the mark. A USD qty a
    hair under 0.01 BTC at the mark (the touch a little below the mark) opens 0.01, not 0.009."""
    async with http_of(sim) as http:
        ticker = await http.get("/api/v3/market/tickers", {**CM})
        mark = D(ticker[0]["markPrice"])
        qty = (D("0.01") * mark * D("0.9995")).quantize(D("0.01"))
        await market(http, "buy", str(qty))
        (long,) = await positions(http)
        assert D(long["total"]) == D("0.01")
