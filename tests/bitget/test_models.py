"""Wire-model quirks (numbers vs strings, empty strings, seconds vs ms, old status words), malformed input →
ProtocolError naming the field and the type, and envelope errors → the typed errors of errors.py."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal as D
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from terminal_app.bitget import errors
from terminal_app.bitget import models as m
from terminal_app.core.accounts import FuturesAccount, SpotAsset
from terminal_app.core.instruments import Product, SymbolRef

USDT = Product.USDT_FUTURES


def envelope(data: Any, code: Any = "00000", msg: str = "success", request_time: Any = 1695808949356) -> dict[str, Any]:
    return {"code": code, "msg": msg, "requestTime": request_time, "data": data}


def spot_order(**changes: Any) -> dict[str, Any]:
    order = {"userId": "1", "symbol": "BTCUSDT", "orderId": "11", "clientOid": "c-1", "price": "30000.10",
             "size": "0.5", "orderType": "limit", "side": "buy", "status": "live", "priceAvg": "",
             "baseVolume": "0", "quoteVolume": "0", "enterPointSource": "API", "cTime": "1695808949356",
             "uTime": "1695808949400"}
    order.update(changes)
    return {k: v for k, v in order.items() if v is not ...}


def position(**changes: Any) -> dict[str, Any]:
    pos = {"marginCoin": "USDT", "symbol": "BTCUSDT", "holdSide": "long", "marginSize": "9.6", "available": "0.01",
           "locked": "0", "total": "0.01", "leverage": "20", "achievedProfits": "0", "openPriceAvg": "25000",
           "marginMode": "isolated", "posMode": "hedge_mode", "unrealizedPL": "1", "liquidationPrice": "24144.1",
           "markPrice": "25100", "cTime": "1691382137448"}
    pos.update(changes)
    return {k: v for k, v in pos.items() if v is not ...}


def ws_push(channel: str, data: list[Any], product: str = "SPOT", inst_id: str = "BTCUSDT",
            action: str = "snapshot") -> dict[str, Any]:
    return {"action": action, "arg": {"instType": product, "channel": channel, "instId": inst_id}, "data": data,
            "ts": 1695715383039}


# --- value helpers -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "expected"), [
    ("1.50", D("1.50")), ("0", D(0)), (" 2 ", D(2)), (7, D(7)), (0.1, D("0.1")), (26348.0, D("26348.0")),
    (None, D(0)), ("", D(0)), (D("3.3"), D("3.3")),
])
def test_dec_accepts_bitget_forms(raw: Any, expected: D) -> None:
    value = m.dec(raw)
    assert isinstance(value, D)
    assert value == expected
    assert str(value) == str(expected)  # no binary float expansion, trailing zeros kept


@pytest.mark.parametrize("raw", ["abc", "1,5", "NaN", "inf", True, float("nan"), [], {}])
def test_dec_rejects_garbage(raw: Any) -> None:
    with pytest.raises(m.BadValue):
        m.dec(raw)


def test_opt_dec_keeps_unknown_apart_from_zero() -> None:
    assert m.opt_dec("") is None
    assert m.opt_dec(None) is None
    assert m.opt_dec("0") == D(0)
    assert m.opt_dec(20) == D(20)


@pytest.mark.parametrize(("raw", "expected"), [
    ("1688008631614", 1688008631614), (1688008631614, 1688008631614), ("1622697148", 1622697148000),
    (1622697148, 1622697148000), (1.688008631614e12, 1688008631614),
])
def test_int_ms_accepts_strings_numbers_and_seconds(raw: Any, expected: int) -> None:
    assert m.int_ms(raw) == expected


@pytest.mark.parametrize("raw", ["", None, "soon", True, "12.5.1"])
def test_int_ms_rejects_garbage(raw: Any) -> None:
    with pytest.raises(m.BadValue):
        m.int_ms(raw)


@pytest.mark.parametrize("raw", ["", None, "-1", -1, "0"])
def test_opt_ms_treats_empty_and_never_as_none(raw: Any) -> None:
    assert m.opt_ms(raw) is None


@pytest.mark.parametrize(("raw", "expected"), [
    ("YES", True), ("yes", True), ("true", True), (True, True), ("NO", False), ("no", False), (False, False),
    ("", None), (None, None),
])
def test_yes_no(raw: Any, expected: bool | None) -> None:
    assert m.yes_no(raw) is expected


def test_yes_no_rejects_other_words() -> None:
    with pytest.raises(m.BadValue):
        m.yes_no("maybe")


def test_text_and_num_str() -> None:
    assert m.text(None) == ""
    assert m.text(123456789012345678) == "123456789012345678"  # ids sent as numbers
    assert m.opt_text("") is None
    assert m.num_str("0.10") == "0.10"  # strings untouched: the checksum needs them as sent
    assert m.num_str(26348.0) == "26348.0"
    assert m.num_str(1e-05) == "0.00001"
    assert m.num_str(5) == "5"
    with pytest.raises(m.BadValue):
        m.num_str(None)


@given(st.decimals(allow_nan=False, allow_infinity=False, places=8, min_value=-10**12, max_value=10**12))
def test_dec_round_trips_decimal_strings(value: D) -> None:
    assert m.dec(str(value)) == value
    assert str(m.dec(str(value))) == str(value)


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15))
def test_num_str_of_a_float_reads_back_as_the_same_float(value: float) -> None:
    text = m.num_str(value)
    assert "e" not in text.lower()
    assert float(text) == value


# --- envelope ------------------------------------------------------------------------------------------------------


def test_unwrap_success_with_request_time_as_string_or_number() -> None:
    assert m.unwrap(envelope({"serverTime": "1"}, request_time="1695808949356")) == {"serverTime": "1"}
    env = m.parse_envelope(envelope([], request_time="1695808949356"))
    assert env.request_time == 1695808949356
    assert m.parse_envelope(envelope([])).request_time == 1695808949356
    assert m.parse_envelope({"code": "00000", "data": 1}).request_time is None


def test_unwrap_accepts_numeric_zero_code_and_message_key() -> None:
    assert m.unwrap({"code": 0, "data": [1]}) == [1]
    env = m.parse_envelope({"code": "00000", "message": "success", "requestTime": 1, "data": None})
    assert (env.ok, env.msg) == (True, "success")


@pytest.mark.parametrize(("code", "cls"), [
    ("40762", errors.InsufficientBalance),
    ("43012", errors.InsufficientBalance),
    (40774, errors.PositionModeMismatch),  # code sent as a number
    ("43118", errors.DuplicateClientOid),
    ("40099", errors.EnvironmentMismatch),
    ("40009", errors.AuthError),
    ("40014", errors.PermissionDenied),
    ("40008", errors.TimestampError),
    ("43001", errors.OrderNotFound),
    ("45110", errors.MinimumSizeError),
    ("40808", errors.PrecisionError),
])
def test_unwrap_raises_the_typed_error(code: Any, cls: type[errors.ExchangeError]) -> None:
    payload = envelope(None, code=code, msg="The order amount exceeds the balance", request_time=1716572156622)
    with pytest.raises(cls) as info:
        m.unwrap(payload)
    assert info.value.code == str(code)
    assert info.value.exchange_msg == "The order amount exceeds the balance"


def test_unwrap_unknown_code_and_429() -> None:
    with pytest.raises(errors.ExchangeError) as info:
        m.unwrap(envelope(None, code="99999", msg="strange"))
    assert type(info.value) is errors.ExchangeError
    assert "strange" in str(info.value)
    with pytest.raises(errors.RateLimited):
        m.unwrap(envelope(None, code="99999", msg="slow down"), http_status=429)


@pytest.mark.parametrize("payload", [None, [], "00000", {"msg": "success", "data": 1}, {"code": None, "data": 1},
                                     {"code": "00000", "requestTime": "yesterday", "data": 1}])
def test_malformed_envelope_is_a_protocol_error(payload: Any) -> None:
    with pytest.raises(errors.ProtocolError) as info:
        m.unwrap(payload)
    assert "envelope" in str(info.value)


# --- malformed input names the field and the type ------------------------------------------------------------------


@pytest.mark.parametrize(("call", "kind", "field"), [
    (lambda: m.parse_spot_orders([spot_order(orderId=...)]), "Order", "'orderId'"),
    (lambda: m.parse_spot_orders([spot_order(size="lots")]), "Order", "'size'"),
    (lambda: m.parse_spot_orders([spot_order(cTime="")]), "Order", "'cTime'"),
    (lambda: m.parse_spot_orders([spot_order(feeDetail="{not json")]), "Order", "'feeDetail'"),
    (lambda: m.parse_spot_tickers([{"symbol": "BTCUSDT", "lastPr": "abc"}]), "Ticker", "'lastPr'"),
    (lambda: m.parse_spot_tickers([{"symbol": "BTCUSDT"}]), "Ticker", "'lastPr'"),
    (lambda: m.parse_candles([["1695835800000", "1", "2"]]), "Candle", "row"),
    (lambda: m.parse_candles([["1695835800000", "1", "2", "x", "1", "1", "1"]]), "Candle", "row"),
    (lambda: m.parse_orderbook({"bids": [["1"]], "asks": [], "ts": "1"}), "Depth", "'bids'"),
    (lambda: m.parse_orderbook({"bids": [], "asks": "none", "ts": "1"}), "Depth", "'asks'"),
    (lambda: m.parse_positions([position(leverage=None)]), "Position", "'leverage' is null"),
    (lambda: m.parse_positions([position(marginCoin=...)]), "Position", "'marginCoin' is missing"),
    (lambda: m.parse_contracts([{"symbol": "BTCUSDT", "volumePlace": "2"}]), "MarketInfo (contract)",
     "'pricePlace'"),
    (lambda: m.parse_spot_symbols([{"symbol": "BTCUSDT", "baseCoin": "BTC", "quoteCoin": "USDT",
                                    "pricePrecision": "two", "quantityPrecision": "4"}]), "MarketInfo (spot)",
     "malformed"),
    (lambda: m.parse_order_ack("1001"), "OrderAck", "object"),
    (lambda: m.parse_batch_result({"orders": []}), "BatchResult", "'successList'"),
    (lambda: m.parse_spot_tickers({"symbol": "BTCUSDT"}), "Ticker", "list"),
    (lambda: m.parse_server_time({"serverTime": None}), "ServerTime", "'serverTime' is null"),
    (lambda: m.parse_futures_fills({"fillList": [{"tradeId": "1"}]}), "Fill", "'orderId'"),
    (lambda: m.parse_ws_event({"op": "login"}), "WebSocket event", "'event'"),
    (lambda: m.parse_ws_push({"arg": {"instType": "SPOT", "channel": "ticker"}}), "WebSocket push", "'data'"),
    (lambda: m.parse_ws_push(ws_push("account-crossed", [{}])), "WebSocket push", "'account-crossed'"),
    (lambda: m.parse_ws_push(ws_push("ticker", [], product="sp")), "WebSocket arg", "'sp'"),
    (lambda: m.parse_push_arg({"instType": ["SPOT"], "channel": "books"}), "WebSocket arg", "instType"),
    (lambda: m.parse_ws_books({"arg": {"instType": "SPOT", "channel": "books"}, "data": {"asks": []}}), "Depth",
     "list"),
    (lambda: m.parse_ws_orders(ws_push("orders", [{"orderId": "1"}], product="")), "Order", "'instType'"),
])
def test_malformed_input_raises_protocol_error_naming_field_and_type(call: Any, kind: str, field: str) -> None:
    with pytest.raises(errors.ProtocolError) as info:
        call()
    message = str(info.value)
    assert kind in message
    assert field in message
    assert isinstance(info.value, errors.BitgetError)


# --- quirks --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("wire", "status"), [("new", "live"), ("init", "live"), ("live", "live"),
                                              ("partially_filled", "partially_filled"), ("canceled", "cancelled"),
                                              ("cancelled", "cancelled"), ("FILLED", "filled")])
def test_order_status_is_normalised(wire: str, status: str) -> None:
    (order,) = m.parse_spot_orders([spot_order(status=wire)])
    assert order.status == status


def test_spot_order_empty_strings_and_market_price() -> None:
    (limit,) = m.parse_spot_orders([spot_order()])
    assert (limit.price, limit.avg_price, limit.fee, limit.fee_coin) == (D("30000.10"), None, D(0), None)
    (market,) = m.parse_spot_orders([spot_order(orderType="market", price="0", clientOid="")])
    assert (market.price, market.client_oid) == (None, None)
    (no_update,) = m.parse_spot_orders([spot_order(uTime=...)])
    assert no_update.u_time == no_update.c_time


def test_order_info_answer_may_be_a_bare_object() -> None:
    (order,) = m.parse_spot_orders(spot_order(symbol="ethusdt"))
    assert order.symbol == "ETHUSDT"


def test_futures_order_quirks() -> None:
    raw = {"symbol": "ethusdt", "size": "1", "orderId": 1190384645049036801, "clientOid": "", "baseVolume": "",
           "fee": "-0.01", "price": "1900", "priceAvg": "", "state": "canceled", "side": "Sell", "force": "GTC",
           "totalProfits": "", "posSide": "net", "marginCoin": "usdt", "quoteVolume": "0", "leverage": 20,
           "marginMode": "cross", "tradeSide": "", "posMode": "one_way_mode", "orderType": "limit",
           "reduceOnly": "YES", "presetStopSurplusPrice": "", "cTime": 1627300098776, "uTime": ""}
    order = m.parse_futures_order(raw, Product.COIN_FUTURES)
    assert order.product is Product.COIN_FUTURES
    assert order.order_id == "1190384645049036801"  # id sent as a number keeps all digits
    assert (order.status, order.side, order.force, order.margin_mode, order.margin_coin) == (
        "cancelled", "sell", "gtc", "crossed", "USDT")
    assert (order.filled_size, order.fee, order.pnl, order.leverage) == (D(0), D("-0.01"), None, D(20))
    assert (order.trade_side, order.reduce_only, order.preset_tp, order.u_time) == (None, True, None, 1627300098776)
    assert order.ref == SymbolRef("ETHUSDT", Product.COIN_FUTURES)


def test_futures_lists_may_be_null() -> None:
    assert m.parse_futures_orders({"entrustedList": None, "endId": None}) == []
    assert m.parse_futures_fills({"fillList": None, "endId": None}) == []
    assert m.parse_futures_plan_orders({"entrustedList": None}) == []
    assert m.parse_spot_plan_orders({"nextFlag": False, "idLessThan": "1", "orderList": None}) == []
    assert m.parse_futures_orders(None) == []
    assert m.end_id({"entrustedList": None, "endId": None}) is None
    assert m.end_id({"entrustedList": [], "endId": "123"}) == "123"


def _ws_order(**changes: Any) -> dict[str, Any]:
    order = {"instId": "BTCUSDT", "orderId": "1", "clientOid": "c", "size": "0.03", "orderType": "limit",
             "force": "post_only", "side": "buy", "price": "27000", "status": "partially_filled",
             "cTime": "1695797773257", "uTime": "1695797773326"}
    order.update(changes)
    return order


def test_ws_order_fill_fields_are_the_last_fill_and_filled_size_is_cumulative() -> None:
    msg = ws_push("orders", [_ws_order(tradeId="t9", fillPrice="27000", baseVolume="0.01", accBaseVolume="0.02",
                                       fillFee="-0.0000001", fillFeeCoin="btc", tradeScope="M",
                                       fillTime="1695797773286",
                                       feeDetail=[{"feeCoin": "BTC", "fee": "-0.0000002"}])], inst_id="default")
    (order,) = m.parse_ws_orders(msg)
    assert (order.filled_size, order.fill_size, order.fill_price) == (D("0.02"), D("0.01"), D(27000))
    assert (order.trade_scope, order.fill_fee_coin, order.fee, order.fee_coin) == ("maker", "BTC",
                                                                                  D("-0.0000002"), "BTC")
    (resting,) = m.parse_ws_orders(ws_push("orders", [_ws_order(status="live")]))
    assert (resting.trade_id, resting.fill_price, resting.fill_size, resting.filled_size) == (None, None, None, D(0))


def test_fee_detail_shapes() -> None:
    as_string = json.dumps({"newFees": {"c": 0, "d": 0, "deduction": False, "r": -0.1, "t": -0.1},
                            "USDT": {"deduction": False, "feeCoinCode": "ETH", "totalFee": -0.1}})
    assert m.fee_entries(as_string, "Order") == (("ETH", D("-0.1")),)
    assert m.fee_entries({"feeCoin": "BTC", "totalFee": "-0.0000007"}, "Fill") == (("BTC", D("-0.0000007")),)
    both = [{"feeCoin": "BGB", "totalFee": "-0.01"}, {"feeCoin": "USDT", "totalFee": "-0.02"}]
    assert m.fee_entries(both, "Fill") == (("BGB", D("-0.01")), ("USDT", D("-0.02")))
    assert m.fee_entries("", "Order") == ()
    assert m.fee_entries(None, "Order") == ()
    fill = m.fill_from({"tradeId": "1", "orderId": "2", "symbol": "BTCUSDT", "side": "buy", "price": "1",
                        "baseVolume": "1", "quoteVolume": "1", "feeDetail": both, "cTime": "1627293509612"}, USDT)
    assert (fill.fee, fill.fee_coin, fill.fees) == (D("-0.01"), "BGB", (("BGB", D("-0.01")), ("USDT", D("-0.02"))))


def test_ws_books_update_with_numbers_checksum_and_seq() -> None:
    msg = ws_push("books", [{"asks": [[27000.5, 0.25]], "bids": [["27000.0", "0"]], "checksum": "-1504501796",
                             "seq": 123, "ts": "1695716059516"}], product="USDT-FUTURES", action="update")
    (book,) = m.parse_ws_books(msg)
    assert (book.asks, book.bids) == ((("27000.5", "0.25"),), (("27000.0", "0"),))
    assert (book.checksum, book.seq, book.action, book.symbol, book.product) == (-1504501796, 123, "update",
                                                                                   "BTCUSDT", USDT)
    push = m.parse_ws_push(msg)
    assert push.items == (book,)
    assert push.ts == 1695715383039


def test_ws_positions_leverage_number_and_zero_liquidation_price() -> None:
    pos = {"posId": "1", "instId": "ETHUSDT", "marginCoin": "USDT", "marginSize": "9.5", "marginMode": "crossed",
           "holdSide": "short", "posMode": "hedge_mode", "total": "0.1", "available": "0.1", "frozen": "0",
           "openPriceAvg": "1900", "leverage": 20, "achievedProfits": "0", "unrealizedPL": "0",
           "liquidationPrice": "0", "marginRate": "", "cTime": "1695649246169", "uTime": "1695711602568"}
    (position,) = m.parse_ws_positions(ws_push("positions", [pos], product="USDT-FUTURES", inst_id="default"))
    assert (position.leverage, position.liquidation_price, position.margin_ratio) == (D(20), None, None)
    assert position.ref == SymbolRef("ETHUSDT", Product.USDT_FUTURES)


def test_ws_ticker_ignores_unmodelled_numeric_fields() -> None:
    raw = {"instId": "BTCUSDT", "lastPr": "27000.5", "bidPr": "27000", "askPr": "27000.5", "bidSz": "2.71",
           "askSz": "8.76", "open24h": "27000.5", "high24h": "30668.5", "low24h": "26999.0", "change24h": "-0.00002",
           "fundingRate": "", "nextFundingTime": "0", "markPrice": "27000.0", "indexPrice": "25702.4",
           "holdingAmount": "929.502", "baseVolume": "368.900", "quoteVolume": "10152429.961", "symbolType": 1,
           "ts": "1695715383021"}
    (ticker,) = m.parse_ws_ticker(ws_push("ticker", [raw], product="USDT-FUTURES"))
    assert (ticker.funding_rate, ticker.next_funding_time, ticker.mark_price) == (None, None, D("27000.0"))
    (spot,) = m.parse_ws_ticker(ws_push("ticker", [raw]))
    assert (spot.mark_price, spot.funding_rate, spot.holding_amount) == (None, None, None)


def test_candle_volume_columns_per_source() -> None:
    row = ["1695672780000", "1", "2", "0.5", "1.5", "10", "15", "16"]
    rest = m.parse_candles([row])[0]
    assert (rest.quote_volume, rest.usdt_volume) == (D(16), D(15))  # spot REST: […, usdtVol, quoteVol]
    (ws,) = m.parse_ws_candles(ws_push("candle1m", [row]))
    assert (ws.quote_volume, ws.usdt_volume) == (D(15), D(16))  # WebSocket: […, quoteVol, usdtVol]
    assert m.parse_ws_push(ws_push("candle1m", [row])).arg.candle_interval == "1m"


def test_ws_events_and_their_errors() -> None:
    login = m.parse_ws_event({"event": "login", "code": 0})
    assert (login.code, login.ok, login.error()) == ("0", True, None)
    sub = m.parse_ws_event({"event": "subscribe", "arg": {"instType": "SPOT", "channel": "books", "instId": "btcusdt"}})
    assert sub.ok
    assert sub.arg == m.PushArg(Product.SPOT, "books", "BTCUSDT", None)
    err = m.parse_ws_event({"event": "error", "code": 30006, "msg": "request too many"})
    assert (err.ok, err.code) == (False, "30006")
    assert isinstance(err.error(), errors.RateLimited)
    failed_login = m.parse_ws_event({"event": "login", "code": "30005", "msg": "login failed"})
    assert isinstance(failed_login.error(), errors.AuthError)
    assert m.is_event({"event": "unsubscribe"})
    assert not m.is_event({"action": "snapshot", "arg": {}, "data": []})


def test_spot_and_futures_account_pushes_are_dispatched_by_inst_type() -> None:
    spot = m.parse_ws_push({"action": "snapshot", "arg": {"instType": "SPOT", "channel": "account", "coin": "default"},
                            "data": [{"coin": "btc", "available": "1", "frozen": "", "locked": "0",
                                      "uTime": "1697092295506"}], "ts": 1})
    assert spot.items == (SpotAsset("BTC", D(1), D(0), D(0), 1697092295506),)
    assert spot.arg.coin is None
    futures = m.parse_ws_push({"arg": {"instType": "USDT-FUTURES", "channel": "account", "coin": "default"},
                               "data": [{"marginCoin": "USDT", "frozen": "1", "available": "2", "equity": "3",
                                         "usdtEquity": "3", "unrealizedPL": ""}]})
    (account,) = futures.items
    assert isinstance(account, FuturesAccount)
    assert (account.locked, account.unrealized_pl, futures.action, futures.ts) == (D(1), None, None, None)


def test_batch_failure_code_may_be_missing_or_numeric() -> None:
    result = m.parse_batch_result({"successList": None, "failureList": [
        {"orderId": "", "clientOid": "a", "errorMsg": "x", "errorCode": 43118}, {"clientOid": "b", "errorMsg": "y"}]})
    assert result.successes == ()
    assert [(f.order_id, f.client_oid, f.code) for f in result.failures] == [(None, "a", "43118"), (None, "b", None)]


def test_models_are_frozen_and_slotted() -> None:
    ack = m.parse_order_ack({"orderId": "1", "clientOid": None})
    with pytest.raises(dataclasses.FrozenInstanceError):
        ack.order_id = "2"  # type: ignore[misc]
    assert not hasattr(ack, "__dict__")
    close = m.parse_close_result({"successList": [], "failureList": []})
    assert isinstance(close, m.BatchResult)
    assert close.ok
