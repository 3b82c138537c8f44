"""Every V3 (unified account) sample payload in tests/data/bitget-samples/v3/ parsed by the V3 client's parsers,
with fields checked; the wire ↔ domain rules of bitget.v3.mapping (category, side + posSide closing rule)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from terminal_app.bitget.errors import AccountModeMismatch, OrderNotFound, error_for_code
from terminal_app.bitget.v3 import market as m
from terminal_app.bitget.v3 import trade as t
from terminal_app.bitget.v3.mapping import category, inst_type, order_fields, product_of
from terminal_app.bitget.v3.stream import market_arg, private_arg
from terminal_app.bitget.ws_connection import arg_key
from terminal_app.core.candles import Interval
from terminal_app.core.enums import (
    Liquidity,
    MarginMode,
    OrderStatus,
    OrderType,
    PositionMode,
    PositionSide,
    Side,
    TimeInForce,
    TradeSide,
)
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.core.orders import OrderTicket
from terminal_app.core.venue import MarketChannel

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "bitget-samples" / "v3"
D = Decimal
PERP = SymbolRef("BTCUSDT", Product.USDT_FUTURES)


def data(name: str) -> Any:
    payload = json.loads((SAMPLES / name).read_text())
    assert payload["code"] == "00000"
    return payload["data"]


def push(name: str) -> Any:
    return json.loads((SAMPLES / "ws" / name).read_text())


# --- market data ---------------------------------------------------------------------------------------------------


def test_instruments_of_every_category() -> None:
    (perp,) = m.parse_instruments(data("GET_api_v3_market_instruments__usdt-futures.json"))
    assert perp.ref == PERP
    assert (perp.tick_size, perp.lot_size, perp.min_size, perp.min_notional) == (D("0.1"), D("0.0001"),
                                                                                  D("0.0001"), D("5"))
    assert (perp.price_places, perp.size_places, perp.max_leverage, perp.tradable) == (1, 4, 150, True)
    assert (perp.maker_fee, perp.taker_fee) == (D("0.0002"), D("0.0006"))
    spot = m.parse_instruments(data("GET_api_v3_market_instruments__spot.json"))
    assert spot
    assert all(s.ref.product is Product.SPOT and s.tick_size > 0 and s.lot_size > 0 for s in spot)
    margin = m.parse_instruments(data("GET_api_v3_market_instruments__margin.json"))
    assert margin
    assert all(s.ref.product is Product.SPOT for s in margin)


def test_tickers() -> None:
    (perp,) = m.parse_tickers(data("GET_api_v3_market_tickers__usdt-futures.json"))
    assert (perp.symbol, perp.product, perp.last, perp.bid, perp.ask) == ("BTCUSDT", Product.USDT_FUTURES,
                                                                          D("90216.3"), D("90216.3"), D("90216.4"))
    assert (perp.mark_price, perp.funding_rate, perp.holding_amount) == (D("90216.4"), D("0.000047"),
                                                                        D("27606.0718"))
    assert perp.change_24h == D("-0.02605")
    assert perp.ts == 1765444282230
    assert perp.delivery_time is None
    spot = m.parse_tickers(data("GET_api_v3_market_tickers__spot.json"))
    assert spot
    assert all(x.product is Product.SPOT and x.mark_price is None for x in spot)


def test_orderbook_numbers_become_exact_strings() -> None:
    book = m.parse_orderbook(data("GET_api_v3_market_orderbook.json"))
    assert book.asks[0] == ("73000.0", "0.007")
    assert book.bids[0] == ("71213.8", "1.836")
    assert book.ts == 1730969017964
    assert book.checksum is None


def test_candles_rest_rows() -> None:
    for name in ("GET_api_v3_market_candles.json", "GET_api_v3_market_history-candles.json"):
        candles = m.parse_candles(data(name))
        assert candles
        assert candles == sorted(candles, key=lambda c: c.ts)
    first = m.parse_candles(data("GET_api_v3_market_candles.json"))[0]
    assert (first.ts, first.open, first.low, first.base_volume, first.quote_volume) == (
        1687708800000, D("27176.93"), D("27166.93"), D("2990.08"), D("81246917.3294"))


def test_public_fills_funding_open_interest() -> None:
    trades = m.parse_public_trades(data("GET_api_v3_market_fills.json"), "BTCUSDT")
    assert (trades[0].trade_id, trades[0].side, trades[0].price, trades[0].size) == ("1", Side.SELL, D("29990.5"),
                                                                                      D("0.0166"))
    (rate,) = m.parse_current_funding(data("GET_api_v3_market_current-fund-rate.json"))
    assert (rate.funding_rate, rate.interval_hours, rate.next_update, rate.max_funding_rate) == (
        D("0.000071"), 8, 1743062400000, D("0.003"))
    history = m.parse_history_funding(data("GET_api_v3_market_history-fund-rate.json"))
    assert [h.funding_time for h in history] == [1754899200000, 1754870400000]
    (oi,) = m.parse_open_interest(data("GET_api_v3_market_open-interest.json"))
    assert (oi.symbol, oi.size, oi.ts) == ("BTCUSDT", D("2243.019"), 1730969652411)


def test_market_info_samples_without_a_terminal_parser_are_valid_envelopes() -> None:
    # Endpoints the terminal does not call (limits, tiers, ADL rank, account info): the envelope and key fields.
    tiers = data("GET_api_v3_market_position-tier.json")
    assert tiers
    assert {"tier", "minTierValue", "maxTierValue", "leverage", "mmr"} <= set(tiers[0])
    assert {"symbol"} <= set(data("GET_api_v3_market_oi-limit.json")[0])
    assert {"symbol", "adlRank"} <= set(data("GET_api_v3_position_adlRank.json")[0])
    assert "permType" in data("GET_api_v3_account_info.json")
    assert "maxTransfer" in data("GET_api_v3_account_max-transferable.json")
    assert "utaMaxWithdrawal" in data("GET_api_v3_account_max-withdrawal.json")
    assert "singleUserLimit" in data("GET_api_v3_account_open-interest-limit.json")
    assert "status" in data("GET_api_v3_account_switch-status.json")
    assert data("POST_api_v3_account_max-open-available.json")["available"] == "52.008255"


# --- account -------------------------------------------------------------------------------------------------------


def test_settings_assets_fees_bills() -> None:
    settings = t.parse_settings(data("GET_api_v3_account_settings.json"))
    assert (settings.uid, settings.mode, settings.level, settings.hold_mode) == ("1111111111", "hybrid", "advanced",
                                                                                PositionMode.ONE_WAY)
    btc = settings.leverage(Product.USDT_FUTURES, "BTCUSDT")
    assert btc is not None
    assert btc.leverage == D("1")
    assert btc.margin_mode is MarginMode.CROSSED
    account = t.unified_account_from(data("GET_api_v3_account_assets.json"))
    assert (account.equity, account.effective_equity, account.margin_ratio) == (D("11.13919278"), D("6.19299777"),
                                                                               D("0"))
    assert [(a.coin, a.available, a.usd_value) for a in account.assets] == [
        ("USDT", D("6.19300826"), D("6.19299777")), ("BGB", D("1.15582129"), D("4.94618029"))]
    fees = t.parse_fee_rate(data("GET_api_v3_account_fee-rate.json"))
    assert (fees.maker, fees.taker) == (D("0.0008"), D("0.0008"))
    (bill,) = t.parse_bills(data("GET_api_v3_account_financial-records.json"))
    assert (bill.product, bill.coin, bill.kind, bill.amount, bill.fee) == (Product.SPOT, "BTC", "ORDER_DEALT_IN",
                                                                          D("0.00531168"), D("-0.00000531"))
    funding = t.parse_funding_assets(data("GET_api_v3_account_funding-assets.json"))
    assert [(a.coin, a.available) for a in funding] == [("BGB", D("0.01")), ("USDT", D("0.04"))]


@pytest.mark.parametrize("name", ["POST_api_v3_account_set-hold-mode.json", "POST_api_v3_account_set-leverage.json",
                                  "POST_api_v3_account_set-margin.json",
                                  "POST_api_v3_trade_countdown-cancel-all.json"])
def test_plain_success_answers(name: str) -> None:
    assert data(name) == "success"


@pytest.mark.parametrize("name", ["POST_api_v3_account_adjust-account-mode.json",
                                  "POST_api_v3_trade_cancel-strategy-order.json"])
def test_null_answers(name: str) -> None:
    assert data(name) is None


# --- trading -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["POST_api_v3_trade_place-order.json", "POST_api_v3_trade_cancel-order.json",
                                  "POST_api_v3_trade_modify-strategy-order.json",
                                  "POST_api_v3_trade_place-strategy-order.json"])
def test_acks(name: str) -> None:
    ack = t.parse_ack(data(name))
    assert ack.order_id == "121211212122" or ack.order_id == "111111111111111111"
    assert ack.client_oid in ("121211212122",)


def test_modify_ack_keeps_a_bitget_client_oid() -> None:
    ack = t.parse_ack(data("POST_api_v3_trade_modify-order.json"))
    assert (ack.order_id, ack.client_oid) == ("121212121212", "BITGET#1627293504612")


def test_bulk_answers() -> None:
    placed = t.parse_bulk(data("POST_api_v3_trade_place-batch.json"))
    assert [a.order_id for a in placed.succeeded] == ["121211212122"]
    assert not placed.failed
    cancelled = t.parse_bulk(data("POST_api_v3_trade_cancel-batch.json"))
    assert [a.order_id for a in cancelled.succeeded] == ["111111111111111111", "111111111111111114"]
    modified = t.parse_bulk(data("POST_api_v3_trade_batch-modify-order.json"))
    assert [a.client_oid for a in modified.succeeded] == ["12312", "2321"]
    for name in ("POST_api_v3_trade_cancel-symbol-order.json", "POST_api_v3_trade_close-positions.json"):
        result = t.parse_bulk(data(name))
        assert not result.succeeded
        assert [(f.order_id, f.code, f.message) for f in result.failed] == [("111111111111111111", "24056",
                                                                             "notExisted")]


def test_open_hedge_order_reads_in_the_terminal_convention() -> None:
    (order,) = t.parse_orders(data("GET_api_v3_trade_unfilled-orders.json"))
    assert (order.product, order.symbol, order.order_id, order.status) == (Product.USDT_FUTURES, "BTCUSDT",
                                                                          "111111111111111111", OrderStatus.LIVE)
    assert (order.side, order.trade_side, order.pos_side, order.pos_mode) == (Side.BUY, TradeSide.OPEN,
                                                                              PositionSide.LONG, PositionMode.HEDGE)
    assert (order.price, order.size, order.filled_size, order.avg_price) == (D("45000"), D("0.01"), D("0"), None)
    assert (order.force, order.reduce_only, order.margin_mode, order.fee) == (TimeInForce.GTC, False,
                                                                              MarginMode.CROSSED, D("0"))


def test_spot_market_buy_order_info_is_sized_in_quote() -> None:
    order = t.order_from(data("GET_api_v3_trade_order-info.json"))
    assert (order.product, order.side, order.order_type, order.price) == (Product.SPOT, Side.BUY, OrderType.MARKET,
                                                                          None)
    assert (order.size, order.filled_size, order.avg_price) == (D("100"), D("0.0372"), D("2684.23"))
    assert (order.status, order.fee, order.fee_coin, order.pos_side) == (OrderStatus.FILLED, D("-0.00000744"),
                                                                         "ETH", None)


def test_history_orders_and_fills() -> None:
    history = t.parse_orders(data("GET_api_v3_trade_history-orders.json"))
    assert history
    assert all(o.status in (OrderStatus.FILLED, OrderStatus.CANCELLED) for o in history)
    (fill,) = t.parse_fills(data("GET_api_v3_trade_fills.json"), PositionMode.ONE_WAY)
    assert (fill.trade_id, fill.order_id, fill.side, fill.price, fill.size) == (
        "131111111111111111", "131111111111111111", Side.SELL, D("106950.1"), D("0.01"))
    assert (fill.quote_size, fill.fee, fill.fee_coin, fill.scope, fill.profit) == (
        D("1069.501"), D("-0.6417006"), "USDT", Liquidity.TAKER, D("-0.002"))
    assert fill.trade_side is None
    assert fill.ts == 1750141421721


def test_positions() -> None:
    (pos,) = t.parse_positions(data("GET_api_v3_position_current-position.json"))
    assert (pos.product, pos.symbol, pos.hold_side, pos.pos_mode) == (Product.USDT_FUTURES, "BTCUSDT",
                                                                      PositionSide.LONG, PositionMode.HEDGE)
    assert (pos.total, pos.available, pos.leverage, pos.open_price_avg) == (D("119.2068"), D("119.2068"), D("3"),
                                                                           D("108674"))
    assert (pos.liquidation_price, pos.mark_price, pos.unrealized_pl) == (D("43099.9"), D("118097"),
                                                                           D("1124573.04243999"))
    assert pos.fees == D("-2842.86603479")
    assert pos.keep_margin_rate == D("0.015")
    assert t.parse_positions({"list": None}) == []  # flat, as Bitget answers live
    (closed,) = t.parse_history_positions(data("GET_api_v3_position_history-position.json"))
    assert (closed.symbol, closed.close_size, closed.pnl, closed.net_profit) == ("EOSUSDT", D("58"), D("-0.116"),
                                                                                D("-45.588"))


def test_strategy_orders() -> None:
    (pending,) = t.parse_strategy_orders(data("GET_api_v3_trade_unfilled-strategy-orders.json"))
    assert (pending.product, pending.status, pending.take_profit, pending.stop_loss) == (
        Product.USDT_FUTURES, "pending", D("110000"), D("90000"))
    assert (pending.kind, pending.size, pending.pos_side, pending.trigger_price) == ("tpsl", D("0.01"),
                                                                                     PositionSide.LONG, D("100000"))
    (done,) = t.parse_strategy_orders(data("GET_api_v3_trade_history-strategy-orders.json"))
    assert done.status == "success"


# --- WebSocket pushes ------------------------------------------------------------------------------------------------


def test_public_pushes() -> None:
    msg = push("v3_public_ticker.json")
    ticker = m.ticker_from(msg["data"][0], product_of(msg["arg"]["instType"]), msg["arg"]["symbol"], msg["ts"])
    assert (ticker.product, ticker.last, ticker.bid, ticker.ask_size) == (Product.SPOT, D("100000"), D("99999"),
                                                                           D("188.312553"))
    books = push("v3_public_books.json")
    depth = m.depth_from(books["data"][0], action=books["action"], symbol="BTCUSDT")
    assert depth.seq == 1304314508780744705
    assert m.book_pseq(books["data"][0]) == 0
    assert depth.asks == (("99756.7", "23.9774"),)
    assert depth.bids == (("99756.6", "0.0128"),)
    kline = m.kline_from(push("v3_public_kline.json")["data"][0])
    assert (kline.ts, kline.open, kline.close, kline.base_volume) == (1710518400000, D("276670"), D("400005"),
                                                                      D("0.423"))
    trade = m.public_trade_from(push("v3_public_publicTrade.json")["data"][0], "BTCUSDT")
    assert (trade.trade_id, trade.side, trade.price, trade.size, trade.ts) == (
        "1260903622036942849", Side.BUY, D("100000"), D("0.00118"), 1736348770627)
    liquidation = push("v3_public_liquidation.json")
    assert liquidation["arg"] == {"instType": "usdt-futures", "topic": "liquidation"}


def test_private_pushes() -> None:
    (account,) = t.parse_account_push(push("v3_private_account.json"))
    assert (account.equity, account.maintenance_margin, account.initial_margin) == (D("4976919.05"), D("408.08"),
                                                                                   D("17795.97"))
    assert account.unrealized_pl == D("-10116.55")
    assert account.u_time == 1740546523244
    assert [(a.coin, a.available) for a in account.assets][-1] == ("USDT", D("344282.65536458"))
    (order,) = t.parse_orders(push("v3_private_order.json")["data"])
    assert (order.product, order.status, order.side, order.trade_side) == (Product.USDT_FUTURES, OrderStatus.FILLED,
                                                                          Side.BUY, TradeSide.OPEN)
    assert (order.filled_size, order.avg_price, order.fee, order.leverage) == (D("0.001"), D("83131.5"),
                                                                              D("-0.0332526"), D("20"))
    assert order.price is None
    assert order.margin_coin == "USDT"
    (fill,) = t.parse_fills(push("v3_private_fill.json")["data"], PositionMode.HEDGE)
    assert (fill.side, fill.trade_side, fill.price, fill.fee) == (Side.BUY, TradeSide.OPEN, D("94993"),
                                                                  D("-0.569958"))
    fast = push("v3_private_fast-fill.json")
    assert isinstance(fast["data"], dict)  # an object, not a list
    (quick,) = t.parse_fills([{**fast["data"], "feeDetail": []}])
    assert (quick.trade_id, quick.size) == ("1288888888888888888", D("0.01"))
    position_push = push("v3_private_position.json")
    assert t.parse_positions(position_push["data"]) == []  # size 0, ended: not an open position
    ended = t.position_from(position_push["data"][0])
    assert (ended.product, ended.hold_side, ended.mark_price, ended.liquidation_price) == (
        Product.USDT_FUTURES, PositionSide.LONG, D("94987.1"), None)
    (strategy,) = t.parse_strategy_orders(push("v3_private_strategy-order.json")["data"])
    assert (strategy.kind, strategy.take_profit) == ("tpsl", D("110000"))
    adl = push("v3_private_adl-notification.json")
    assert adl["data"][0]["status"] == "triggered"


def test_ws_trade_responses_read_as_bulk_answers() -> None:
    for name, ok, failed in (("v3_trade_place-order.response.json", 1, 0),
                             ("v3_trade_cancel-order.response.json", 1, 0),
                             ("v3_trade_modify-order.response.json", 1, 0),
                             ("v3_trade_batch-place.response.json", 2, 0),
                             ("v3_trade_batch-cancel.response.json", 1, 1),
                             ("v3_trade_batch-modify.response.json", 1, 1)):
        msg = push(name)
        assert msg["event"] == "trade"
        assert msg["code"] == "0"
        assert msg["connId"]
        result = t.parse_bulk(msg["args"])
        assert (len(result.succeeded), len(result.failed)) == (ok, failed), name
    failed_item = t.parse_bulk(push("v3_trade_batch-cancel.response.json")["args"]).failed[0]
    assert failed_item.code == "25204"
    assert isinstance(error_for_code(failed_item.code), OrderNotFound)


def test_request_and_ack_examples_match_our_args() -> None:
    lines = [line for line in (SAMPLES / "ws" / "v3_requests-and-acks.examples.txt").read_text().splitlines()
             if line.startswith("{")]
    requests = [json.loads(line) for line in lines if '"op"' in line]
    sent = [arg for r in requests if r["op"] == "subscribe" for arg in r["args"]]
    assert market_arg(SymbolRef("BTCUSDT", Product.SPOT), MarketChannel.TICKER) in sent
    assert market_arg(PERP, MarketChannel.BOOK) in sent
    assert market_arg(PERP, MarketChannel.TRADES) in sent
    assert market_arg(SymbolRef("BTCUSDT", Product.SPOT), MarketChannel.CANDLES, Interval.D1) in sent
    assert private_arg("order") in sent or private_arg("account") in sent
    # kline channels of two intervals are two subscriptions
    assert arg_key(market_arg(PERP, MarketChannel.CANDLES, Interval.M1)) != arg_key(
        market_arg(PERP, MarketChannel.CANDLES, Interval.H1))


# --- mapping ---------------------------------------------------------------------------------------------------------


def test_categories() -> None:
    assert category(Product.COIN_FUTURES) == "COIN-FUTURES"
    assert inst_type(Product.USDT_FUTURES) == "usdt-futures"
    assert product_of("usdc-futures") is Product.USDC_FUTURES
    assert product_of("MARGIN") is Product.SPOT


@pytest.mark.parametrize(("side", "trade_side", "reduce", "mode", "wire"), [
    (Side.BUY, TradeSide.OPEN, False, PositionMode.HEDGE, (Side.BUY, PositionSide.LONG, False)),
    (Side.SELL, TradeSide.OPEN, False, PositionMode.HEDGE, (Side.SELL, PositionSide.SHORT, False)),
    # close long: the terminal says buy + close (V2's words); V3 sells with posSide long
    (Side.BUY, TradeSide.CLOSE, False, PositionMode.HEDGE, (Side.SELL, PositionSide.LONG, False)),
    (Side.SELL, TradeSide.CLOSE, False, PositionMode.HEDGE, (Side.BUY, PositionSide.SHORT, False)),
    (Side.SELL, None, True, PositionMode.ONE_WAY, (Side.SELL, None, True)),
    (Side.BUY, None, False, None, (Side.BUY, None, False)),
])
def test_closing_rule(side: Side, trade_side: TradeSide | None, reduce: bool, mode: PositionMode | None,
                      wire: tuple[Side, PositionSide | None, bool]) -> None:
    ticket = OrderTicket(PERP, side, size=D("0.01"), trade_side=trade_side, reduce_only=reduce)
    assert order_fields(ticket, mode) == wire


def test_mode_codes() -> None:
    for code in ("40084", "40085", "25245"):
        assert isinstance(error_for_code(code), AccountModeMismatch)


def test_every_sample_is_covered() -> None:
    text = Path(__file__).read_text()
    names = [p.name for p in SAMPLES.rglob("*.json")]
    assert len(names) >= 60
    missing = [n for n in names if n not in text]
    assert not missing, missing
