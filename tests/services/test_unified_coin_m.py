"""Coin-M inside a unified (UTA) account, as Bitget names and limits it (bitget-v3-uta.md §10): the real services on
a unified simulator account trade the coin-M perpetual that V3 lists as ``BTCUSD_CM`` (the terminal keeps V2's
``BTCUSD``), and the line's unsupported actions (modify, preset TP/SL, strategy orders) are refused by the client
before anything is sent; the simulator refuses them too when asked directly."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from terminal_app.bitget.errors import ExchangeError
from terminal_app.bitget.http import BitgetHttp
from terminal_app.core.algo import AlgoIntent, AlgoKind
from terminal_app.core.credentials import Credentials
from terminal_app.core.enums import PositionSide, Side
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.core.orders import OrderTicket
from terminal_app.core.validation import round_quote
from terminal_app.services.stack import Services
from terminal_app.sim.runner import SimulatorRunner
from terminal_app.sim.server.auth import DEMO_UID
from terminal_app.sim.server.http import SimConfig

from .test_position_tools import on_sim, tools_on

D = Decimal
COIN_M = SymbolRef("BTCUSD", Product.COIN_FUTURES)
REFUSED = "Bitget's coin-M line in a unified account does not support"


@pytest.fixture
def sim() -> Iterator[SimulatorRunner]:
    runner = SimulatorRunner(config=SimConfig(seed=23, account_mode="unified"))
    runner.start()
    try:
        yield runner
    finally:
        runner.stop()


def status(s: Services, oid: str) -> str | None:
    view = s.trading.order(oid)
    return None if view is None else view.status


def record_sends(s: Services) -> list[tuple[str, Any]]:
    """Every REST request and WebSocket trade request the session sends from now on (path or topic, body)."""
    sent: list[tuple[str, Any]] = []
    http = s.session.http
    rest_request = http.request

    async def rest(method: str, path: str, params: Any = None, body: Any = None, **kw: Any) -> Any:
        sent.append((path, params if body is None else body))
        return await rest_request(method, path, params, body, **kw)

    http.request = rest  # type: ignore[method-assign]
    trader = s.session.ws_trader
    if trader is not None:
        ws_request = trader.request

        async def ws(topic: str, args: list[dict[str, Any]], cat: str | None = None) -> dict[str, Any]:
            sent.append((topic, args))
            return await ws_request(topic, args, cat)

        trader.request = ws  # type: ignore[method-assign]
    return sent


@pytest.mark.asyncio
async def test_a_unified_demo_trades_coin_m_and_is_refused_what_the_line_lacks(kit: Any) -> None:
    async with kit.open(history_pages=1) as s:
        tr, account, md = s.trading, s.account, s.market_data
        market = md.market(COIN_M)
        assert market is not None
        assert market.label == "BTCUSD PERP"
        assert md.market(SymbolRef("BTCUSDH27", Product.COIN_FUTURES)) is None   # no quarterlies named in UTA
        md.set_active(COIN_M)
        book = md.book(COIN_M)
        assert book is not None
        await kit.wait_until(md.book_changed, lambda: book.best_bid())
        bid = book.best_bid_price()
        assert bid is not None
        sent = record_sends(s)

        # place (sized in BTC here, sent as USD on this line), fill, position margined in BTC, close
        buy = tr.place(OrderTicket(COIN_M, "buy", "market", size=D("0.01")))
        position = await kit.wait_until(account.positions_changed, lambda: account.position(COIN_M, "long"))
        assert (position.margin_coin, position.total > 0) == ("BTC", True)
        await kit.wait_until(tr.order_updated, lambda: status(s, buy) == "filled")
        assert {str(body[0]["symbol"]) if isinstance(body, list) else str(body.get("symbol"))
                for path, body in sent if "place" in path} == {"BTCUSD_CM"}
        # closed whole by Bitget's close-positions (a reduce-only order sized in USD converts back to coins at the
        # mark, so it can leave a lot behind: see the report of this change)
        before = len(sent)
        tr.flash_close_all()
        await kit.wait_until(account.positions_changed, lambda: account.position(COIN_M) is None)
        assert any("close-positions" in path for path, _ in sent[before:])

        # a resting limit cannot be modified on this line: refused before sending, the order untouched
        price = (bid * D("0.9")).quantize(market.tick_size)
        limit = tr.place(OrderTicket(COIN_M, "buy", "limit", "gtc", D("0.01"), price))
        await kit.wait_until(tr.order_updated, lambda: status(s, limit) == "live")
        before = len(sent)
        moved = tr.modify(limit, price - D(5), None)
        assert moved is not None
        _, message = await kit.next(tr.order_rejected, where=lambda v, m: v.client_oid == moved)
        assert message.startswith(REFUSED)
        assert "modifying orders" in message
        assert sent[before:] == []
        (resting,) = [o for o in tr.open_orders(COIN_M)]
        assert (resting.client_oid, resting.price) == (limit, price)
        tr.cancel(limit)
        await kit.wait_until(tr.orders_changed, lambda: tr.open_orders(COIN_M) == [])

        # an order with a preset TP/SL: refused before sending
        before = len(sent)
        tpsl = tr.place(OrderTicket(COIN_M, "buy", "market", size=D("0.01"), sl=(bid * D("0.8")).quantize(D(1))))
        _, message = await kit.next(tr.order_rejected, where=lambda v, m: v.client_oid == tpsl)
        assert message.startswith(REFUSED)
        assert "preset take-profit/stop-loss" in message
        assert [p for p, _ in sent[before:]] == []

        # a stop (a strategy order): the service says why it cannot be sent, and nothing goes out
        assert s.algo is not None
        stop = AlgoIntent(COIN_M, AlgoKind.STOP, Side.BUY, (bid * D("1.2")).quantize(D(1)), D("0.01"))
        problem = s.algo.problem(stop)
        assert problem is not None
        assert problem.startswith(REFUSED)
        assert "strategy orders" in problem
        assert sent[before:] == []
        assert kit.sim.call(lambda: kit.sim.server.exchange.plans.orders(DEMO_UID, Product.COIN_FUTURES,
                                                                          pending=True)) == []


async def _refusal(http: BitgetHttp, path: str, body: dict[str, Any]) -> tuple[str | None, str]:
    with pytest.raises(ExchangeError) as caught:
        await http.post(path, body)
    return caught.value.code, caught.value.exchange_msg or ""


@pytest.mark.asyncio
async def test_the_simulator_names_coin_m_btcusd_cm_on_v3_and_refuses_the_lines_gaps(sim: SimulatorRunner) -> None:
    info = sim.info
    assert info is not None
    async with BitgetHttp(info.rest, Credentials(info.api_key, info.secret, info.passphrase)) as http:
        rows = await http.get("/api/v3/market/instruments", {"category": "COIN-FUTURES"})
        assert {r["symbol"] for r in rows} == {"BTCUSD_CM", "ETHUSD_CM"}
        with pytest.raises(ExchangeError) as bare:
            await http.get("/api/v3/market/tickers", {"category": "COIN-FUTURES", "symbol": "BTCUSD"})
        assert bare.value.code == "25100"
        (v2,) = await http.get("/api/v2/mix/market/ticker", {"productType": "COIN-FUTURES", "symbol": "BTCUSD"})
        assert v2["symbol"] == "BTCUSD"                    # V2 classic keeps its name

        base = {"category": "COIN-FUTURES", "symbol": "BTCUSD_CM", "side": "buy", "orderType": "limit",
                "qty": "500", "price": "50000"}
        code, msg = await _refusal(http, "/api/v3/trade/place-order", {**base, "stopLoss": "40000"})
        assert (code, "preset take-profit/stop-loss" in msg) == ("40017", True)
        placed = await http.post("/api/v3/trade/place-order", base)
        code, msg = await _refusal(http, "/api/v3/trade/modify-order", {"orderId": placed["orderId"], "price": "50100"})
        assert (code, "modifying orders" in msg) == ("40017", True)
        code, msg = await _refusal(http, "/api/v3/trade/place-strategy-order", {
            "category": "COIN-FUTURES", "symbol": "BTCUSD_CM", "type": "tpsl", "posSide": "long",
            "stopLoss": "40000", "qty": "500"})
        assert (code, "strategy orders" in msg) == ("40017", True)
        orders = await http.get("/api/v3/trade/unfilled-orders", {"category": "COIN-FUTURES"}, signed=True)
        assert [(o["symbol"], o["price"]) for o in orders["list"]] == [("BTCUSD_CM", "50000.0")]


@pytest.mark.asyncio
async def test_a_hedge_reverse_of_coin_m_closes_by_close_positions_then_opens(kit: Any, tmp_path: Path) -> None:
    # V3's hold mode is account-wide: every futures line turns hedge (the simulator's set-hold-mode route)
    for product in (Product.USDT_FUTURES, Product.COIN_FUTURES, Product.USDC_FUTURES):
        on_sim(kit, lambda ex, p=product: ex.set_position_mode(DEMO_UID, "hedge_mode", p))
    async with tools_on(kit, tmp_path) as (g, _asked):
        g.market_data.set_active(COIN_M)
        await kit.wait_until(g.market_data.ticker_changed, lambda: g.market_data.last_price(COIN_M))
        g.trading.submit(OrderTicket(COIN_M, Side.BUY, "market", size=D("0.01"), trade_side="open"))
        position = await kit.wait_until(g.account.positions_changed, lambda: g.account.position(COIN_M))
        sent = record_sends(g)
        said = kit.record(g.tools.said)
        g.tools.reverse(position)
        await kit.wait_until(g.account.positions_changed,
                             lambda: [p.hold_side for p in g.account.positions() if p.ref == COIN_M]
                             == [PositionSide.SHORT])
        held = on_sim(kit, lambda ex: ex.positions(DEMO_UID, "BTCUSD", Product.COIN_FUTURES))
        assert [p.hold_side for p in held] == ["short"]            # the long closed whole: no lot left behind
        closes = [body for path, body in sent if path == "/api/v3/trade/close-positions"]
        assert closes == [{"category": "COIN-FUTURES", "symbol": "BTCUSD_CM", "posSide": "long"}]
        await kit.wait_until(g.tools.said, lambda: said.calls)
        assert "opening the short" in said.calls[-1][1]


@pytest.mark.asyncio
async def test_a_partial_coin_m_close_goes_out_in_usd_at_the_entry_and_takes_off_that_many_coins(kit: Any) -> None:
    async with kit.open(history_pages=1) as s:
        tr, account, md = s.trading, s.account, s.market_data
        md.set_active(COIN_M)
        await kit.wait_until(md.ticker_changed, lambda: md.last_price(COIN_M))
        tr.place(OrderTicket(COIN_M, "buy", "market", size=D("0.02")))
        position = await kit.wait_until(account.positions_changed, lambda: account.position(COIN_M, "long"))
        market = md.market(COIN_M)
        assert market is not None
        part = (position.total / 2).quantize(market.lot_size)
        sent = record_sends(s)
        oid = tr.place(OrderTicket(COIN_M, "sell", "market", size=part, reduce_only=True))
        await kit.wait_until(tr.order_updated, lambda: status(s, oid) == "filled")
        (body,) = [b[0] if isinstance(b, list) else b for path, b in sent if path.endswith("place-order")]
        # USD at the entry (Bitget counts the position in USD contracts), not at the bid
        assert (body["reduceOnly"], D(body["qty"])) == ("yes", round_quote(part * position.open_price_avg, market))
        held = kit.sim.call(lambda: kit.sim.server.exchange.positions(DEMO_UID, "BTCUSD", Product.COIN_FUTURES))
        assert [p.total for p in held] == [position.total - part]


@pytest.mark.asyncio
async def test_flash_close_with_nothing_open_on_a_unified_account_is_not_a_failure(
        kit: Any, caplog: pytest.LogCaptureFixture) -> None:
    """V3 answers a line without positions with 25231 (V2: 22002): the log says there was nothing, not an error."""
    caplog.set_level(logging.INFO, logger="terminal_app.services.trading")
    async with kit.open(history_pages=1) as s:
        s.trading.flash_close_all()
        for _ in range(200):
            said = [r for r in caplog.records if r.getMessage().startswith("Flash close of")]
            if len(said) >= 3:
                break
            await asyncio.sleep(0.05)
        assert len(said) == 3, [r.getMessage() for r in said]
        assert all(r.levelno == logging.INFO and r.getMessage().endswith("no open position.") for r in said), \
            [r.getMessage() for r in said]


@pytest.mark.asyncio
async def test_a_fresh_unified_account_knows_the_leverage_of_a_symbol_without_a_position(kit: Any) -> None:
    """Bitget's V3 settings list every futures symbol's leverage (its sample: symbols at the default 20x); the
    ticket shows it before the first order rather than a made-up 1x (seen by hand: 1x shown, the order opened 20x)."""
    refs = (COIN_M, SymbolRef("ETHUSDT", Product.USDT_FUTURES))
    expected = {ref: on_sim(kit, lambda ex, r=ref: ex.symbol_settings(DEMO_UID, r.symbol).cross_leverage)
                for ref in refs}
    async with kit.open(history_pages=1) as s:
        for ref, lever in expected.items():
            s.account.refresh_symbol(ref)
            await kit.wait_until(s.account.leverage_changed, lambda r=ref: s.account.leverage(r) is not None)
            assert s.account.leverage(ref) == lever
