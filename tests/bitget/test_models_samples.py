"""Every verbatim Bitget sample is parsed into the domain types and its fields are checked.

The tables below map each sample file to a check. A sample file without an entry (or an entry without a file) fails
``test_every_sample_has_a_decision``, so a new sample forces someone to model it or to say why it is out of scope.
"""

from __future__ import annotations

import json
import re
import types
import typing
from collections.abc import Callable
from dataclasses import fields, is_dataclass
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest

from terminal_app.bitget import errors
from terminal_app.bitget import models as m
from terminal_app.core.accounts import ClosedPosition, FuturesAccount, FuturesEquity, Position, SpotAsset
from terminal_app.core.enums import PositionMode
from terminal_app.core.instruments import MarketInfo, Product
from terminal_app.core.market_data import Candle, PublicTrade, Ticker
from terminal_app.core.orders import Fill, Order

SPOT = Product.SPOT
USDT = Product.USDT_FUTURES


# --- a structural check applied to every parsed object: each field holds the type its annotation declares ----------


def _matches(value: Any, hint: Any) -> bool:
    if hint is Any:
        return True
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_matches(value, h) for h in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if origin is tuple:
        args = typing.get_args(hint)
        if not isinstance(value, tuple):
            return False
        if len(args) == 2 and args[1] is Ellipsis:
            return all(_matches(v, args[0]) for v in value)
        return len(args) == len(value) and all(_matches(v, a) for v, a in zip(value, args, strict=True))
    if origin is list:
        return isinstance(value, list) and all(_matches(v, typing.get_args(hint)[0]) for v in value)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is D:
        return isinstance(value, D) and value.is_finite()
    return isinstance(value, hint)


def assert_typed(obj: Any) -> None:
    """Every dataclass field holds its declared type (Decimal money, int ms, str ids), recursively."""
    if isinstance(obj, list | tuple):
        for item in obj:
            assert_typed(item)
        return
    assert is_dataclass(obj), obj
    hints = typing.get_type_hints(type(obj))
    for f in fields(obj):
        value = getattr(obj, f.name)
        assert _matches(value, hints[f.name]), f"{type(obj).__name__}.{f.name} = {value!r} is not {hints[f.name]}"
        if is_dataclass(value) or isinstance(value, list | tuple):
            if isinstance(value, tuple) and value and not is_dataclass(value[0]):
                continue
            assert_typed(value)


def assert_timestamp(ms: int) -> None:
    assert 1_000_000_000_000 <= ms < 100_000_000_000_000, ms  # 2001 … 5138 in milliseconds


# --- REST samples: file stem → check(data) where data is the unwrapped envelope ------------------------------------


def _server_time(data: Any) -> Any:
    t = m.parse_server_time(data)
    assert t.server_time == 1688008631614
    return t


def _spot_symbols(data: Any) -> Any:
    (mk,) = m.parse_spot_symbols(data)
    assert isinstance(mk, MarketInfo)
    assert (mk.ref.symbol, mk.ref.product, mk.base_coin, mk.quote_coin) == ("BTCUSDT", SPOT, "BTC", "USDT")
    assert (mk.tick_size, mk.lot_size, mk.min_size, mk.min_notional) == (D("0.0001"), D("1e-8"), D("0.0001"), D(5))
    assert mk.tradable
    return mk


def _contracts(data: Any) -> Any:
    (mk,) = m.parse_contracts(data, USDT)
    assert (mk.ref.symbol, mk.ref.product) == ("BTCUSDT", USDT)
    assert (mk.tick_size, mk.lot_size, mk.min_size, mk.max_leverage) == (D("0.1"), D("0.01"), D("0.01"), 125)
    return mk


def _demo_contracts(data: Any) -> Any:
    (mk,) = m.parse_contracts(data, Product.DEMO_USDT_FUTURES)
    assert (mk.ref.symbol, mk.quote_coin, mk.ref.product) == ("SBTCSUSDT", "SUSDT", Product.DEMO_USDT_FUTURES)
    assert mk.tick_size == D("0.5")  # priceEndStep 5 × 10^-pricePlace 1
    assert mk.lot_size == D("0.001")
    return mk


def _spot_tickers(data: Any) -> Any:
    (t,) = m.parse_spot_tickers(data)
    assert (t.symbol, t.product, t.last, t.open_24h, t.high_24h) == ("BTCUSDT", SPOT, D("34413.1"), D("35134.2"),
                                                                        D("37775.65"))
    assert (t.bid_size, t.ask_size, t.change_24h, t.ts) == (D("0.0663"), D("0.0119"), D("0.00069"), 1625125755277)
    assert (t.mark_price, t.funding_rate) == (None, None)
    return t


def _mix_ticker(data: Any) -> Any:
    (t,) = m.parse_futures_tickers(data, Product.COIN_FUTURES)
    assert (t.symbol, t.last, t.ask, t.bid) == ("ETHUSD_231229", D("1829.3"), D("1829.8"), D("1829.3"))
    assert (t.index_price, t.holding_amount, t.delivery_time) == (D("1822.15"), D("9488.49"), 1703836799000)
    return t


def _mix_tickers(data: Any) -> Any:
    tickers = m.parse_futures_tickers(data, Product.COIN_FUTURES)
    assert [t.symbol for t in tickers] == ["BTCUSD", "ETHUSD_231229"]
    first = tickers[0]
    assert (first.funding_rate, first.index_price, first.delivery_time) == (D("-0.0007"), D("29132.353333"), None)
    return tickers


def _coin_futures_ticker(data: Any) -> Any:
    # Bitget's current Get-Ticker page: the same coin-M example as _mix_ticker's, now with markPrice.
    t = _mix_ticker(data)
    assert (t.product, t.mark_price, t.funding_rate, t.next_funding_time) == (Product.COIN_FUTURES, D(1829), D(0),
                                                                                None)
    return t


def _coin_futures_tickers(data: Any) -> Any:
    # Bitget's current Get-All-Symbol-Ticker page: _mix_tickers's coin-M example, now with markPrice.
    tickers = _mix_tickers(data)
    assert [(t.product, t.mark_price) for t in tickers] == [(Product.COIN_FUTURES, D(12345)),
                                                              (Product.COIN_FUTURES, D(1234))]
    assert (tickers[1].index_price, tickers[1].holding_amount, tickers[1].delivery_time) == (D("1822.15"),
                                                                                             D("9488.49"),
                                                                                             1703836799000)
    return tickers


def _spot_orderbook(data: Any) -> Any:
    book = m.parse_orderbook(data)
    assert book.asks == (("34567.15", "0.0131"), ("34567.25", "0.0144"))
    assert book.bids == (("34567", "0.2917"), ("34566.85", "0.0145"))
    assert (book.ts, book.checksum, book.action) == (1698303884584, None, None)
    return book


def _mix_merge_depth(data: Any) -> Any:
    book = m.parse_orderbook(data)
    # Levels are JSON numbers in this sample; they become canonical strings (the trailing ".0" of 26348.0 stays).
    assert book.asks == (("26347.5", "0.25"), ("26348.0", "0.16"))
    assert book.bids == (("26346.5", "0.16"), ("26346.0", "0.32"))
    assert book.ts == 1695870968804
    return book


def _mix_candles(data: Any) -> Any:
    candles = m.parse_candles(data)
    assert len(candles) == 2
    c = candles[0]
    assert (c.ts, c.open, c.high, c.low, c.close) == (1695835800000, D("26210.5"), D("26210.5"), D("26194.5"),
                                                       D("26194.5"))
    assert (c.base_volume, c.quote_volume, c.usdt_volume) == (D("26.26"), D("687897.63"), None)
    assert candles[1].close == D("26171")
    return candles


def _spot_candles(data: Any) -> Any:
    candles = m.parse_candles(data)
    c = candles[0]
    assert (c.ts, c.open, c.close, c.base_volume) == (1656604800000, D("37834.5"), D("37773.5"), D("428.3462"))
    assert c.quote_volume == c.usdt_volume == D("16198849.1079")
    return candles


def _spot_history_candles(data: Any) -> Any:
    candles = m.parse_candles(data)
    assert len(candles) == 5
    assert (candles[1].high, candles[1].low, candles[1].quote_volume) == (D("55199.6"), D("15522.1"),
                                                                           D("1726993402150.991724"))
    assert candles[2].base_volume == D(0)
    return candles


def _trades(symbol: str, trade_id: str, side: str, price: str, size: str, ts: int) -> Callable[[Any], Any]:
    def check(data: Any) -> Any:
        trades = m.parse_public_trades(data)
        assert len(trades) == 2
        t = trades[0]
        assert (t.symbol, t.trade_id, t.side, t.price, t.size, t.ts) == (symbol, trade_id, side, D(price), D(size), ts)
        return trades

    return check


def _current_fund_rate(data: Any) -> Any:
    (r,) = m.parse_funding_rates(data)
    assert (r.symbol, r.funding_rate, r.funding_time) == ("BTCUSDT", D("0.0005"), None)
    return r


def _history_fund_rate(data: Any) -> Any:
    rates = m.parse_funding_rates(data)
    assert [(r.funding_rate, r.funding_time) for r in rates] == [(D("0.0005"), 1695776400000),
                                                                  (D("0.000013"), 1695715200000)]
    return rates


def _funding_time(data: Any) -> Any:
    (t,) = m.parse_funding_times(data)
    assert (t.symbol, t.next_funding_time, t.rate_period_hours) == ("BTCUSDT", 1695801600000, 8)
    return t


def _open_interest(data: Any) -> Any:
    (oi,) = m.parse_open_interest(data)
    assert (oi.symbol, oi.size, oi.ts) == ("BTCUSDT", D("34278.06"), 1695796781616)
    return oi


def _symbol_price(data: Any) -> Any:
    (p,) = m.parse_symbol_prices(data)
    assert (p.symbol, p.price, p.index_price, p.mark_price, p.ts) == ("BTCUSDT", D(26242), D(34867), D(25555),
                                                                      1695793390482)
    return p


def _position_lever(data: Any) -> Any:
    tiers = m.parse_leverage_tiers(data)
    assert [(t.level, t.start_unit, t.end_unit, t.leverage) for t in tiers] == [
        (1, D(0), D(50000), D(125)), (2, D(50000), D(200000), D(100))]
    assert tiers[1].keep_margin_rate == D("0.005")
    return tiers


def _trade_rate(data: Any) -> Any:
    fee = m.parse_fee_rate(data)
    assert (fee.maker, fee.taker) == (D("0.0002"), D("0.0006"))
    return fee


def _spot_order_info(data: Any) -> Any:
    (o,) = m.parse_spot_orders(data)
    assert (o.product, o.symbol, o.order_id, o.client_oid) == (SPOT, "TRXUSDT", "121211212122", "1-2-1-2-1")
    assert (o.side, o.order_type, o.status, o.price) == ("buy", "market", "filled", None)
    assert (o.size, o.filled_size, o.avg_price) == (D(10), D("142.9015"), D("0.0699782527055350"))
    assert o.quote_volume == D("9.999997279")
    # feeDetail is a JSON string on spot orders; newFees.t is the total, feeCoinCode the coin.
    assert (o.fee, o.fee_coin) == (D("-0.112079256"), "TRX")
    assert (o.c_time, o.u_time) == (1690196141868, 1690196141868)
    assert (o.trade_side, o.leverage) == (None, None)
    return o


def _spot_unfilled(data: Any) -> Any:
    (o,) = m.parse_spot_orders(data)
    assert o.symbol == "BTCUSDT"  # sent as "btcusdt"
    assert o.status == "live"  # sent as the old "new"
    assert o.is_open
    # unfilled-orders has no "price": priceAvg is the limit price, basePrice the fill average (issue 12 §3)
    assert (o.order_type, o.size, o.filled_size, o.price, o.avg_price) == ("limit", D(1), D(0), D("34829.12"), D(0))
    assert o.c_time == 1622697148000  # sent in seconds
    return o


def _spot_history_orders(data: Any) -> Any:
    (o,) = m.parse_spot_orders(data)
    assert (o.symbol, o.status, o.filled_size, o.quote_volume) == ("ETHUSDT", "filled", D("0.0125"), D("19.97625"))
    assert (o.fee, o.fee_coin, o.u_time) == (D("-0.112079256"), "ETH", 1698736300363)
    return o


def _spot_fills(data: Any) -> Any:
    (f,) = m.parse_spot_fills(data)
    assert (f.product, f.trade_id, f.order_id, f.symbol, f.side) == (SPOT, "12345678910", "12345678910", "BTCUSDT",
                                                                       "buy")
    assert (f.price, f.size, f.quote_size, f.fee, f.fee_coin) == (D(13000), D("0.0007"), D("9.1"), D("-0.0000007"),
                                                                  "BTC")
    assert (f.scope, f.ts, f.profit) == ("taker", 1695865232579, None)
    return f


def _spot_plan_orders(data: Any) -> Any:
    (a,) = m.parse_spot_plan_orders(data)
    assert (a.product, a.symbol, a.order_id, a.plan_type, a.status) == (SPOT, "TRXUSDT", "121211212122", "amount",
                                                                          "not_trigger")
    assert (a.trigger_price, a.execute_price, a.size, a.trigger_type) == (D("0.041572"), D("0.041572"), D(151),
                                                                          "fill_price")
    return a


def _spot_assets(data: Any) -> Any:
    (a,) = m.parse_spot_assets(data)
    assert (a.coin, a.available, a.frozen, a.locked, a.limit_available) == ("USDT", D(0), D(0), D(0), D(0))
    assert a.u_time == 1622697148000
    return a


def _account_info(data: Any) -> Any:
    info = m.parse_account_info(data)
    assert (info.user_id, info.authorities, info.ips, info.can_trade) == ("**********", ("trade", "readonly"),
                                                                          "127.0.0.1", True)
    return info


def _all_account_balance(data: Any) -> Any:
    balances = m.parse_account_balances(data)
    assert [b.account_type for b in balances] == ["spot", "futures", "funding", "earn", "bots", "margin"]
    assert balances[1].usdt_balance == D("280108.503808983783")
    return balances


def _mix_account(data: Any) -> Any:
    a = m.parse_futures_account(data)
    assert (a.margin_coin, a.available, a.locked, a.equity) == ("USDT", D("13168.86110692"), D(0), D("13178.86110692"))
    assert (a.usdt_equity, a.unrealized_pl) == (D("13178.861106922"), None)  # unrealizedPL is "" → unknown
    assert (a.margin_mode, a.pos_mode, a.crossed_leverage, a.isolated_long_leverage) == ("crossed", PositionMode.HEDGE,
                                                                                         D(20), D(20))
    return a


def _mix_accounts(data: Any) -> Any:
    (a,) = m.parse_futures_accounts(data)
    assert (a.margin_coin, a.locked, a.crossed_max_available, a.isolated_max_available) == (
        "USDT", D("0.31876482"), D("10580.56434289"), D("10580.56434289"))
    assert (a.max_transfer_out, a.btc_equity, a.margin_mode) == (D("10572.92904289"), D("0.204885807029"), None)
    return a


def _set_leverage(data: Any) -> Any:
    r = m.parse_leverage_result(data)
    assert (r.symbol, r.margin_coin, r.long_leverage, r.short_leverage) == ("BTCUSDT", "USDT", D(25), D(20))
    assert (r.cross_margin_leverage, r.margin_mode) == (D(20), "crossed")
    return r


def _set_margin_mode(data: Any) -> Any:
    r = m.parse_margin_mode_result(data)
    assert (r.symbol, r.margin_mode, r.long_leverage, r.short_leverage) == ("BTCUSDT", "isolated", D(25), D(20))
    return r


def _set_position_mode(data: Any) -> Any:
    r = m.parse_position_mode_result(data)
    assert (r.pos_mode, r.hedged) == (PositionMode.ONE_WAY, False)
    return r


def _mix_detail(data: Any) -> Any:
    o = m.parse_futures_order(data, USDT)
    assert (o.product, o.symbol, o.order_id, o.client_oid, o.status) == (USDT, "ETHUSDT", "123456", "77777",
                                                                           "filled")  # "state" on this endpoint
    assert (o.price, o.size, o.filled_size, o.avg_price, o.fee) == (D(1900), D(2), D(2), D(1900), D(0))  # fee ""
    assert (o.margin_mode, o.margin_coin, o.reduce_only, o.trade_side) == ("crossed", "USDT", True, None)
    assert (o.preset_tp, o.preset_sl, o.pnl, o.leverage, o.force) == (D(1910), D(1890), D(2112), D(20), "gtc")
    return o


def _mix_orders(data: Any) -> Any:
    (o,) = m.parse_futures_orders(data, USDT)
    assert (o.symbol, o.order_id, o.client_oid, o.status, o.is_open) == ("ETHUSDT", "123", "12321",
                                                                         "partially_filled", True)
    assert (o.size, o.filled_size, o.price, o.avg_price) == (D(100), D("12.1"), D(1900), D(1903))
    assert (o.trade_side, o.pos_side, o.pos_mode, o.reduce_only) == ("open", "long", PositionMode.HEDGE, None)
    assert (o.c_time, o.u_time, o.preset_tp, o.preset_sl) == (1627293504612, 1627293505612, D(2001), D(1800))
    assert m.end_id(data) == "123"
    return o


def _mix_open_orders2(data: Any) -> Any:
    (o,) = m.parse_futures_orders(data, USDT)
    assert (o.symbol, o.status, o.avg_price, o.reduce_only) == ("BLURUSDT", "live", None, False)  # priceAvg ""
    assert (o.preset_tp, o.preset_sl, o.margin_mode, o.trade_side) == (None, None, "crossed", None)
    return o


def _mix_fills(data: Any) -> Any:
    (f,) = m.parse_futures_fills(data, USDT)
    assert (f.trade_id, f.order_id, f.symbol, f.side, f.trade_side) == ("123", "121212", "ETHUSDT", "buy", "close")
    assert (f.price, f.size, f.quote_size, f.profit) == (D(1900), D(1), D(1902), D(102))
    assert (f.fee, f.fee_coin, f.scope, f.ts) == (D("-0.017118519726"), "BGB", "taker", 1627293509612)
    return f


def _mix_fill_history(data: Any) -> Any:
    (f,) = m.parse_futures_fills(data, USDT)
    assert (f.trade_id, f.price, f.size, f.fee, f.fee_coin) == ("1103122437840805890", D("1801.33"), D("0.02"),
                                                                D("-0.02161596"), "USDT")
    assert m.end_id(data) == "1095254722472030209"
    return f


def _mix_plan_pending(data: Any) -> Any:
    (a,) = m.parse_futures_plan_orders(data, USDT)
    assert (a.symbol, a.plan_type, a.status, a.trigger_price, a.trigger_type) == ("ETHUSDT", "normal_plan",
                                                                                  "not_trigger", D(1901), "mark_price")
    assert (a.price, a.size, a.side, a.trade_side, a.pos_side) == (D(1900), D(1), "buy", "open", "long")
    assert (a.tp_trigger_price, a.sl_trigger_price, a.margin_mode) == (D(2002), D(1820), "crossed")
    assert a.u_time == a.c_time == 1627293504612  # uTime ""
    return a


def _mix_plan_history(data: Any) -> Any:
    (a,) = m.parse_futures_plan_orders(data, USDT)
    assert (a.status, a.execute_order_id, a.client_oid, a.callback_ratio) == ("executed", "123456", None, None)
    return a


def _mix_plan_pending2(data: Any) -> Any:
    (a,) = m.parse_futures_plan_orders(data, USDT)
    assert (a.symbol, a.plan_type, a.status, a.size, a.execute_price) == ("BNBUSDT", "pos_profit", "live", D(0),
                                                                          D("634.59"))
    assert (a.margin_mode, a.sl_trigger_price, a.sl_trigger_type) == (None, None, None)  # "" and null
    return a


def _positions(data: Any) -> Any:
    (p,) = m.parse_positions(data, USDT)
    assert (p.symbol, p.margin_coin, p.hold_side, p.pos_mode, p.margin_mode) == ("BTCUSDT", "USDT", "long",
                                                                                 PositionMode.HEDGE, "isolated")
    assert (p.total, p.available, p.locked, p.leverage, p.open_price_avg) == (D("0.01"), D("0.01"), D("0.09"),
                                                                              D(20), D(25000))
    assert (p.mark_price, p.liquidation_price, p.unrealized_pl) == (D(25100), D("24144.1124161806977798"), D(1))
    assert (p.margin_size, p.margin_ratio, p.break_even_price, p.fees) == (D("9.6695050093373343"),
                                                                           D("0.1082149545822005"), D("24778.97"),
                                                                           D("1.45"))
    assert p.u_time == p.c_time == 1691382137448  # only cTime on REST
    return p


def _history_position(data: Any) -> Any:
    closed = m.parse_closed_positions(data, USDT)
    assert len(closed) == 2
    c = closed[0]
    assert (c.symbol, c.hold_side, c.open_price_avg, c.close_price_avg, c.pnl) == ("ETHUSDT", "long", D("3495.34"),
                                                                                   D("3494.99"), D("-0.0035"))
    assert (c.net_profit, c.c_time, c.u_time) == (D("-0.04544198"), 1719143618195, 1719143618543)
    return closed


def _ack(order_id: str | None, client_oid: str | None) -> Callable[[Any], Any]:
    def check(data: Any) -> Any:
        ack = m.parse_order_ack(data)
        assert (ack.order_id, ack.client_oid) == (order_id, client_oid)
        return ack

    return check


def _plan_ack(order_id: str, client_oid: str) -> Callable[[Any], Any]:
    def check(data: Any) -> Any:
        ack = m.parse_plan_order_ack(data)
        assert (ack.order_id, ack.client_oid) == (order_id, client_oid)
        return ack

    return check


def _batch(successes: list[tuple[str, str | None]], failures: list[tuple[str, str | None, str | None, str]]
           ) -> Callable[[Any], Any]:
    def check(data: Any) -> Any:
        r = m.parse_batch_result(data)
        assert [(s.order_id, s.client_oid) for s in r.successes] == successes
        assert [(f.order_id, f.client_oid, f.code, f.message) for f in r.failures] == failures
        assert r.ok is (not failures)
        return r

    return check


def _close_positions(data: Any) -> Any:
    r = m.parse_close_result(data)
    assert isinstance(r, m.CloseResult)
    assert [(s.order_id, s.client_oid) for s in r.successes] == [("123", "xxxxx")]
    assert [(f.order_id, f.code, f.message) for f in r.failures] == [("1234", "43118", "clientOrderId duplicate")]
    return r


def _pos_tpsl(data: Any) -> Any:
    acks = m.parse_pos_tpsl_acks(data)
    assert len(acks) == 2
    assert (acks[0].order_id, acks[0].stop_surplus_client_oid, acks[0].stop_loss_client_oid) == ("xxxxxxxx",) * 3
    return acks


def _cancel_replace(data: Any) -> Any:
    r = m.parse_cancel_replace(data)
    assert (r.order_id, r.client_oid, r.success, r.message) == ("xxxxxxxxxxxxxxx", None, True, None)
    return r


def _batch_cancel_replace(data: Any) -> Any:
    (r,) = m.parse_batch_cancel_replace(data)
    assert (r.order_id, r.success, r.message) == ("xxxxxxxxxxxxxxxxxxxxxx", False, "xxxxxx")
    return r


def _cancel_symbol(data: Any) -> Any:
    r = m.parse_cancel_symbol(data)
    assert r.symbol == "BGBUSDT"
    return r


def _cancel_plan(data: Any) -> Any:
    assert m.parse_cancel_plan_result(data) is True
    return None


def _set_margin(data: Any) -> Any:
    # Adding/removing isolated margin answers nothing but the envelope: success is the code, data is "".
    assert data == ""
    return None


REST: dict[str, Callable[[Any], Any]] = {
    "rest/GET_api_v2_public_time.json": _server_time,
    "rest/GET_api_v2_common_trade-rate.json": _trade_rate,
    "rest/GET_api_v2_spot_public_symbols.json": _spot_symbols,
    "rest/GET_api_v2_mix_market_contracts.json": _contracts,
    "docs/GET_api_v2_mix_market_contracts__demo_susdt-futures.json": _demo_contracts,
    "rest/GET_api_v2_spot_market_tickers.json": _spot_tickers,
    "rest/GET_api_v2_mix_market_ticker.json": _mix_ticker,
    "rest/GET_api_v2_mix_market_tickers.json": _mix_tickers,
    "rest/GET_api_v2_mix_market_ticker__coin-futures.json": _coin_futures_ticker,
    "rest/GET_api_v2_mix_market_tickers__coin-futures.json": _coin_futures_tickers,
    "rest/GET_api_v2_spot_market_orderbook.json": _spot_orderbook,
    "rest/GET_api_v2_mix_market_merge-depth.json": _mix_merge_depth,
    "rest/GET_api_v2_spot_market_candles.json": _spot_candles,
    "rest/GET_api_v2_spot_market_history-candles.json": _spot_history_candles,
    "rest/GET_api_v2_mix_market_candles.json": _mix_candles,
    "rest/GET_api_v2_mix_market_history-candles.json": _mix_candles,
    "rest/GET_api_v2_mix_market_history-index-candles.json": _mix_candles,
    "rest/GET_api_v2_mix_market_history-mark-candles.json": _mix_candles,
    "rest/GET_api_v2_spot_market_fills.json": _trades("BFTUSDT", "1", "buy", "2.38735", "2470.6224", 1622097282536),
    "rest/GET_api_v2_spot_market_fills-history.json": _trades("BTCUSDT", "1", "buy", "2.38735", "2470.6224",
                                                              1622097282536),
    "rest/GET_api_v2_mix_market_fills.json": _trades("BTCUSDT", "1", "sell", "29990.5", "0.0166", 1627116776464),
    # "Sell" with a capital S in this sample
    "rest/GET_api_v2_mix_market_fills-history.json": _trades("BTCUSDT", "1", "sell", "26372.5", "9.25",
                                                             1695865151000),
    "rest/GET_api_v2_mix_market_current-fund-rate.json": _current_fund_rate,
    "rest/GET_api_v2_mix_market_history-fund-rate.json": _history_fund_rate,
    "rest/GET_api_v2_mix_market_funding-time.json": _funding_time,
    "rest/GET_api_v2_mix_market_open-interest.json": _open_interest,
    "rest/GET_api_v2_mix_market_symbol-price.json": _symbol_price,
    "rest/GET_api_v2_mix_market_query-position-lever.json": _position_lever,
    "rest/GET_api_v2_spot_trade_orderInfo.json": _spot_order_info,
    "rest/GET_api_v2_spot_trade_unfilled-orders.json": _spot_unfilled,
    "rest/GET_api_v2_spot_trade_history-orders.json": _spot_history_orders,
    "rest/GET_api_v2_spot_trade_fills.json": _spot_fills,
    "rest/GET_api_v2_spot_trade_current-plan-order.json": _spot_plan_orders,
    "rest/GET_api_v2_spot_trade_history-plan-order.json": _spot_plan_orders,
    "rest/GET_api_v2_spot_account_assets.json": _spot_assets,
    "rest/GET_api_v2_spot_account_info.json": _account_info,
    "rest/GET_api_v2_account_all-account-balance.json": _all_account_balance,
    "rest/GET_api_v2_mix_account_account.json": _mix_account,
    "rest/GET_api_v2_mix_account_accounts.json": _mix_accounts,
    "rest/POST_api_v2_mix_account_set-leverage.json": _set_leverage,
    "rest/POST_api_v2_mix_account_set-margin-mode.json": _set_margin_mode,
    "rest/POST_api_v2_mix_account_set-position-mode.json": _set_position_mode,
    "rest/POST_api_v2_mix_account_set-margin.json": _set_margin,
    "rest/GET_api_v2_mix_order_detail.json": _mix_detail,
    "rest/GET_api_v2_mix_order_orders-pending.json": _mix_orders,
    "rest/GET_api_v2_mix_order_orders-history.json": _mix_orders,
    "rest/GET_api_v2_mix_order_orders-pending__GetOpenOrders2.json": _mix_open_orders2,
    "rest/GET_api_v2_mix_order_fills.json": _mix_fills,
    "rest/GET_api_v2_mix_order_fill-history.json": _mix_fill_history,
    "rest/GET_api_v2_mix_order_orders-plan-pending.json": _mix_plan_pending,
    "rest/GET_api_v2_mix_order_orders-plan-history.json": _mix_plan_history,
    "rest/GET_api_v2_mix_order_orders-plan-pending__GetOpenTriggerOrders2.json": _mix_plan_pending2,
    "rest/GET_api_v2_mix_position_all-position.json": _positions,
    "rest/GET_api_v2_mix_position_single-position.json": _positions,
    "rest/GET_api_v2_mix_position_history-position.json": _history_position,
    "rest/POST_api_v2_spot_trade_place-order.json": _ack("1001", "121211212122"),
    "rest/POST_api_v2_spot_trade_cancel-order.json": _ack("121211212122", "xx001"),
    "rest/POST_api_v2_mix_order_place-order.json": _ack("121211212122", "121211212122"),
    "rest/POST_api_v2_mix_order_cancel-order.json": _ack("123", None),  # clientOid ""
    "rest/POST_api_v2_mix_order_modify-order.json": _ack("121212121212", "BITGET#121212121212"),
    "rest/POST_api_v2_spot_trade_place-plan-order.json": _plan_ack("121211212122", "121211212122"),
    "rest/POST_api_v2_spot_trade_modify-plan-order.json": _plan_ack("121211212122", "121211212122"),
    "rest/POST_api_v2_mix_order_place-plan-order.json": _plan_ack("121212121212", "BITGET#1627293504612"),
    "rest/POST_api_v2_mix_order_modify-plan-order.json": _plan_ack("21627293504612", "BITGET#1627293504612"),
    "rest/POST_api_v2_mix_order_place-tpsl-order.json": _plan_ack("121212121212", "BITGET#1627293504612"),
    "rest/POST_api_v2_mix_order_modify-tpsl-order.json": _plan_ack("121212121212", "BITGET#1627293504612"),
    "rest/POST_api_v2_mix_order_place-pos-tpsl.json": _pos_tpsl,
    "rest/POST_api_v2_spot_trade_batch-orders.json": _batch(
        [("121211212122", "1")], [("121211212122", "1", None, "clientOrderId duplicate")]),
    "rest/POST_api_v2_spot_trade_batch-cancel-order.json": _batch(
        [("121211212122", "121211212122")], [("121211212122", "xxx001", None, "duplicate clientOrderId")]),
    "rest/POST_api_v2_spot_trade_batch-cancel-plan-order.json": _batch(
        [("121211212122", "121211212122")], [("121211212122", "121211212122", None, "failure")]),
    "rest/POST_api_v2_mix_order_batch-place-order.json": _batch([("121211212122", "BITGET#121211212122")], []),
    "rest/POST_api_v2_mix_order_batch-cancel-orders.json": _batch(
        [("121211212122", "BITGET#121211212122")], [("232", "321342", None, "notExistend")]),
    "rest/POST_api_v2_mix_order_cancel-all-orders.json": _batch(
        [("121211212122", "BITGET#121211212122")], [("232", "321342", None, "notExistend")]),
    "rest/POST_api_v2_mix_order_cancel-plan-order.json": _batch(
        [("121212121212", "123"), ("123", None)],
        [("3", "123", None, "notExistend"), ("21221", None, None, "notExistend")]),
    "rest/POST_api_v2_mix_order_close-positions.json": _close_positions,
    "rest/POST_api_v2_spot_trade_cancel-replace-order.json": _cancel_replace,
    "rest/POST_api_v2_spot_trade_batch-cancel-replace-order.json": _batch_cancel_replace,
    "rest/POST_api_v2_spot_trade_cancel-symbol-order.json": _cancel_symbol,
    "rest/POST_api_v2_spot_trade_cancel-plan-order.json": _cancel_plan,
}

_WALLET = "wallet (deposits, withdrawals, transfers): not part of the trading terminal's scope"
_V3 = "UTA (API v3) payloads: for the V3 unified-account client, issue 14"
OUT_OF_SCOPE: dict[str, str] = {
    "rest/GET_api_v2_account_funding-assets.json": "funding account balances: the terminal trades spot and futures",
    "rest/GET_api_v2_mix_account_bill.json": "futures account ledger (bills): no bills view yet",
    "rest/GET_api_v2_spot_account_bills.json": "spot account ledger (bills): no bills view yet",
    "rest/GET_api_v2_spot_account_transferRecords.json": _WALLET,
    "rest/GET_api_v2_spot_account_deduct-info.json": "BGB fee-deduction switch: not used by the terminal",
    "rest/POST_api_v2_spot_account_switch-deduct.json": "BGB fee-deduction switch: not used by the terminal",
    "rest/GET_api_v2_mix_market_vip-fee-rate.json": "VIP fee tiers table: the account's own rate is trade-rate",
    "rest/GET_api_v2_spot_market_vip-fee-rate.json": "VIP fee tiers table: the account's own rate is trade-rate",
    "rest/GET_api_v2_mix_order_plan-sub-order.json": "sub-orders of executed plan orders: no view for them yet",
    "rest/GET_api_v2_spot_trade_plan-sub-order.json": "sub-orders of executed plan orders: no view for them yet",
    "rest/GET_api_v2_mix_position_adlRank.json": "auto-deleveraging rank: not shown yet",
    "rest/GET_api_v2_public_annoucements.json": "exchange announcements: not shown in the terminal",
    "rest/GET_api_v2_spot_public_coins.json": "coin/chain deposit and withdrawal info: " + _WALLET,
    "rest/GET_api_v2_spot_wallet_deposit-address.json": _WALLET,
    "rest/GET_api_v2_spot_wallet_deposit-records.json": _WALLET,
    "rest/GET_api_v2_spot_wallet_transfer-coin-info.json": _WALLET,
    "rest/GET_api_v2_spot_wallet_withdrawal-records.json": _WALLET,
    "rest/POST_api_v2_spot_wallet_cancel-withdrawal.json": _WALLET,
    "rest/POST_api_v2_spot_wallet_modify-deposit-account.json": _WALLET,
    "rest/POST_api_v2_spot_wallet_transfer.json": _WALLET,
    "rest/POST_api_v2_spot_wallet_withdrawal.json": _WALLET,
    "copy/GET_api_v2_copy_mix-broker_query-current-traces.json": "copy trading: a later issue",
    "copy/GET_api_v2_copy_mix-follower_query-traders.json": "copy trading: a later issue",
    "copy/GET_api_v2_copy_mix-trader_order-current-track.json": "copy trading: a later issue",
    "copy/GET_api_v2_copy_spot-follower_query-current-orders.json": "copy trading: a later issue",
    "copy/GET_api_v2_copy_spot-follower_query-traders.json": "copy trading: a later issue",
    # UTA (API v3): other paths, other field names (category, qty, topic); no parser here reads them yet.
    **{f"v3/{name}": _V3 for name in (
        "GET_api_v3_account_assets.json", "GET_api_v3_account_fee-rate.json",
        "GET_api_v3_account_financial-records.json", "GET_api_v3_account_funding-assets.json",
        "GET_api_v3_account_info.json", "GET_api_v3_account_max-transferable.json",
        "GET_api_v3_account_max-withdrawal.json", "GET_api_v3_account_open-interest-limit.json",
        "GET_api_v3_account_settings.json", "GET_api_v3_account_switch-status.json", "GET_api_v3_market_candles.json",
        "GET_api_v3_market_current-fund-rate.json", "GET_api_v3_market_fills.json",
        "GET_api_v3_market_history-candles.json", "GET_api_v3_market_history-fund-rate.json",
        "GET_api_v3_market_instruments__margin.json", "GET_api_v3_market_instruments__spot.json",
        "GET_api_v3_market_instruments__usdt-futures.json", "GET_api_v3_market_oi-limit.json",
        "GET_api_v3_market_open-interest.json", "GET_api_v3_market_orderbook.json",
        "GET_api_v3_market_position-tier.json", "GET_api_v3_market_tickers__spot.json",
        "GET_api_v3_market_tickers__usdt-futures.json", "GET_api_v3_position_adlRank.json",
        "GET_api_v3_position_current-position.json", "GET_api_v3_position_history-position.json",
        "GET_api_v3_trade_fills.json", "GET_api_v3_trade_history-orders.json",
        "GET_api_v3_trade_history-strategy-orders.json", "GET_api_v3_trade_order-info.json",
        "GET_api_v3_trade_unfilled-orders.json", "GET_api_v3_trade_unfilled-strategy-orders.json",
        "POST_api_v3_account_adjust-account-mode.json", "POST_api_v3_account_max-open-available.json",
        "POST_api_v3_account_set-hold-mode.json", "POST_api_v3_account_set-leverage.json",
        "POST_api_v3_account_set-margin.json", "POST_api_v3_trade_batch-modify-order.json",
        "POST_api_v3_trade_cancel-batch.json", "POST_api_v3_trade_cancel-order.json",
        "POST_api_v3_trade_cancel-strategy-order.json", "POST_api_v3_trade_cancel-symbol-order.json",
        "POST_api_v3_trade_close-positions.json", "POST_api_v3_trade_countdown-cancel-all.json",
        "POST_api_v3_trade_modify-order.json", "POST_api_v3_trade_modify-strategy-order.json",
        "POST_api_v3_trade_place-batch.json", "POST_api_v3_trade_place-order.json",
        "POST_api_v3_trade_place-strategy-order.json", "REST_request-bodies.examples.txt",
    )},
    **{f"v3/{name}": _V3 for name in (
        "ws/v3_private_account.json", "ws/v3_private_adl-notification.json", "ws/v3_private_fast-fill.json",
        "ws/v3_private_fill.json", "ws/v3_private_order.json", "ws/v3_private_position.json",
        "ws/v3_private_strategy-order.json", "ws/v3_public_books.json", "ws/v3_public_kline.json",
        "ws/v3_public_liquidation.json", "ws/v3_public_publicTrade.json", "ws/v3_public_ticker.json",
        "ws/v3_requests-and-acks.examples.txt", "ws/v3_trade_batch-cancel.response.json",
        "ws/v3_trade_batch-modify.response.json", "ws/v3_trade_batch-place.response.json",
        "ws/v3_trade_cancel-order.response.json", "ws/v3_trade_modify-order.response.json",
        "ws/v3_trade_place-order.response.json",
    )},
}


# --- WebSocket pushes: file → (channel parser, check(items)) -------------------------------------------------------


def _ws_spot_account(items: list[Any]) -> None:
    (a,) = items
    assert isinstance(a, SpotAsset)
    assert (a.coin, a.available, a.frozen, a.u_time) == ("USDT", D(100000), D(0), 1697092295506)


def _ws_books(bids: list[tuple[str, str]], asks: list[tuple[str, str]], checksum: int, symbol: str,
              inst: Product) -> Callable[[list[Any]], None]:
    def check(items: list[Any]) -> None:
        (book,) = items
        assert isinstance(book, m.Depth)
        assert (book.bids[: len(bids)], book.asks[: len(asks)]) == (tuple(bids), tuple(asks))
        assert (book.checksum, book.action, book.symbol, book.product) == (checksum, "snapshot", symbol, inst)

    return check


def _ws_candle(ts: int, close: str, quote: str) -> Callable[[list[Any]], None]:
    def check(items: list[Any]) -> None:
        (c,) = items
        assert isinstance(c, Candle)
        assert (c.ts, c.close, c.quote_volume) == (ts, D(close), D(quote))

    return check


def _ws_spot_fill(items: list[Any]) -> None:
    first, second = items
    assert isinstance(first, Fill)
    assert (first.trade_id, first.order_id, first.symbol, first.price, first.size) == ("111", "111", "BTCUSDT",
                                                                                       D("42740.41"), D("0.0006"))
    assert (first.quote_size, first.fee, first.fee_coin, first.scope) == (D("25.644246"), D("0.01538655"), "USDT",
                                                                          "maker")
    assert second.trade_id == "222"


def _ws_spot_algo(items: list[Any]) -> None:
    (a,) = items
    assert isinstance(a, m.AlgoOrder)
    assert (a.product, a.symbol, a.plan_type, a.status, a.trigger_price) == (SPOT, "BTCUSDT", "amount", "live",
                                                                               D(27000))
    assert (a.size, a.actual_size, a.execute_price) == (D("0.02"), D(0), D("0.1"))


def _ws_spot_orders(items: list[Any]) -> None:
    (o,) = items
    assert isinstance(o, Order)
    assert (o.product, o.symbol, o.order_id, o.status, o.price) == (SPOT, "BTCUSDT", "1", "partially_filled", None)
    assert (o.size, o.notional, o.filled_size, o.avg_price) == (D(8), D(8), D("0.0003"), D(26256))
    assert (o.trade_id, o.fill_price, o.fill_size, o.fill_fee, o.fill_fee_coin) == ("1", D(26256), D("0.0003"),
                                                                                    D("-0.00000018"), "BTC")
    assert (o.trade_scope, o.fill_time, o.fee, o.fee_coin) == ("taker", 1695797773286, D("-0.00000018"), "BTC")


def _ws_spot_ticker(items: list[Any]) -> None:
    (t,) = items
    assert isinstance(t, Ticker)
    assert (t.symbol, t.product, t.last, t.bid, t.ask, t.ask_size) == ("ETHUSDT", SPOT, D("2200.10"), D(1792),
                                                                         D("2200.1"), D("19740.8811"))
    assert t.ts == 1695702438018


def _ws_trades(symbol: str, price: str, side: str, count: int) -> Callable[[list[Any]], None]:
    def check(items: list[Any]) -> None:
        assert len(items) == count
        t = items[0]
        assert isinstance(t, PublicTrade)
        assert (t.symbol, t.price, t.side) == (symbol, D(price), side)

    return check


def _ws_futures_account(items: list[Any]) -> None:
    (a,) = items
    assert isinstance(a, FuturesAccount)
    assert (a.margin_coin, a.available, a.locked, a.equity) == ("USDT", D("11490.16841069"), D(0), D("11489.96841069"))
    assert (a.usdt_equity, a.max_open_pos_available, a.crossed_max_available) == (D("11489.968410691679"),
                                                                                  D("10940.45841069"), None)


def _ws_equity(items: list[Any]) -> None:
    (e,) = items
    assert isinstance(e, FuturesEquity)
    assert (e.usdt_equity, e.btc_equity, e.unrealized_pl, e.union_total_margin) == (D("13.98545761766"), D("0.0021"),
                                                                                    D(0), D(100))


def _ws_futures_fill(items: list[Any]) -> None:
    (f,) = items
    assert isinstance(f, Fill)
    assert (f.product, f.trade_id, f.price, f.size, f.quote_size) == (USDT, "222", D("51000.5"), D("0.01"),
                                                                        D("510.005"))
    assert (f.trade_side, f.profit, f.fee, f.scope, f.pos_mode) == ("open", D(0), D("-0.183717"), "taker",
                                                                    PositionMode.ONE_WAY)


def _ws_futures_algo(items: list[Any]) -> None:
    (a,) = items
    assert isinstance(a, m.AlgoOrder)
    # the push says "pl"; parsed into the REST spelling (Plan-Order-Channel page)
    assert (a.product, a.plan_type, a.trade_side, a.pos_side, a.margin_coin) == (USDT, "normal_plan", "open", "long",
                                                                               "USDT")
    assert (a.trigger_time, a.tp_trigger_type, a.sl_trigger_type) == (1695719197612, "fill_price", "fill_price")


def _ws_futures_orders(items: list[Any]) -> None:
    (o,) = items
    assert isinstance(o, Order)
    assert (o.product, o.symbol, o.status, o.price, o.filled_size) == (USDT, "BTCUSDT", "filled", None, D("0.01"))
    assert (o.leverage, o.margin_mode, o.pos_mode, o.pos_side, o.trade_side) == (D(20), "crossed", PositionMode.HEDGE,
                                                                                 "long", "open")
    assert (o.reduce_only, o.pnl, o.fee, o.trade_id, o.fill_price) == (False, D(0), D("-0.162003"), "1111111111",
                                                                       D("27000.5"))


def _ws_positions_history(items: list[Any]) -> None:
    (c,) = items
    assert isinstance(c, ClosedPosition)
    assert (c.pos_id, c.symbol, c.pnl, c.open_size, c.close_price_avg) == ("1188739982370652163", "ETHUSDT",
                                                                           D("-0.0035"), D("0.01"), D("3494.99"))


def _ws_positions(items: list[Any]) -> None:
    (p,) = items
    assert isinstance(p, Position)
    assert (p.symbol, p.hold_side, p.leverage, p.mark_price, p.margin_ratio) == ("ETHUSDT", "short", D(20), None,
                                                                                 D("0.004416374196"))
    assert (p.locked, p.c_time, p.u_time, p.pos_id) == (D(0), 1695649246169, 1695711602568, "1")


def _ws_futures_ticker(items: list[Any]) -> None:
    (t,) = items
    assert isinstance(t, Ticker)
    assert (t.symbol, t.product, t.last, t.mark_price, t.index_price) == ("BTCUSDT", USDT, D("27000.5"), D(27000),
                                                                            D("25702.4"))
    assert (t.funding_rate, t.next_funding_time, t.holding_amount) == (D("0.00001"), 1695722400000, D("929.502"))


WS: dict[str, tuple[Callable[[Any], list[Any]], Callable[[list[Any]], None]]] = {
    "ws/ws-spot-account.push.json": (m.parse_ws_spot_account, _ws_spot_account),
    "ws/ws-spot-books5.push.json": (m.parse_ws_books, _ws_books(
        [("26274.8", "0.0009"), ("26274.7", "0.0027")], [("26274.9", "0.0009"), ("26275.0", "0.0500")], 0,
        "BTCUSDT", SPOT)),
    "ws/ws-spot-books5.ccxt-comment.push.json": (m.parse_ws_books, _ws_books(
        [("21040.76", "0.0417")], [("21041.11", "0.0445")], -1367582038, "BTCUSDT", SPOT)),
    "ws/ws-spot-candle1W.push.json": (m.parse_ws_candles, _ws_candle(1695672780000, "2200.1", "0")),
    "ws/ws-spot-fill.push.json": (m.parse_ws_fills, _ws_spot_fill),
    "ws/ws-spot-orders-algo.push.json": (m.parse_ws_algo_orders, _ws_spot_algo),
    "ws/ws-spot-orders.push.json": (m.parse_ws_orders, _ws_spot_orders),
    "ws/ws-spot-ticker.push.json": (m.parse_ws_ticker, _ws_spot_ticker),
    "ws/ws-spot-trade.push.json": (m.parse_ws_trades, _ws_trades("BTCUSDT", "26293.4", "buy", 1)),
    "ws/ws-usdt-futures-account.push.json": (m.parse_ws_futures_account, _ws_futures_account),
    "ws/ws-usdt-futures-books5.push.json": (m.parse_ws_books, _ws_books(
        [("27000.0", "2.710"), ("26999.5", "1.460")], [("27000.5", "8.760"), ("27001.0", "0.400")], 0, "BTCUSDT",
        USDT)),
    "ws/ws-usdt-futures-candle12H.push.json": (m.parse_ws_candles, _ws_candle(1695685500000, "27000.5",
                                                                              "1539.0155")),
    "ws/ws-usdt-futures-equity.push.json": (m.parse_ws_equity, _ws_equity),
    "ws/ws-usdt-futures-fill.push.json": (m.parse_ws_fills, _ws_futures_fill),
    "ws/ws-usdt-futures-orders-algo.push.json": (m.parse_ws_algo_orders, _ws_futures_algo),
    "ws/ws-usdt-futures-orders.push.json": (m.parse_ws_orders, _ws_futures_orders),
    "ws/ws-usdt-futures-positions-history.push.json": (m.parse_ws_positions_history, _ws_positions_history),
    "ws/ws-usdt-futures-positions.push.json": (m.parse_ws_positions, _ws_positions),
    "ws/ws-usdt-futures-ticker.push.json": (m.parse_ws_ticker, _ws_futures_ticker),
    "ws/ws-usdt-futures-trade.push.json": (m.parse_ws_trades, _ws_trades("BTCUSDT", "27000.5", "buy", 2)),
}


def _sample_files(samples: Path) -> set[str]:
    found = {f"{folder}/{p.name}" for folder in ("rest", "docs", "copy") for p in (samples / folder).glob("*")
             if p.is_file() and not p.name.startswith(".")}
    found |= {f"ws/{p.name}" for p in (samples / "ws").glob("*.push.json")}
    found |= {f"v3/{p.relative_to(samples / 'v3').as_posix()}" for p in (samples / "v3").rglob("*")
              if p.is_file() and not p.name.startswith(".")}
    return found


def _load(samples: Path, rel: str) -> Any:
    return json.loads((samples / rel).read_text(encoding="utf-8"))


def test_every_sample_has_a_decision(samples: Path) -> None:
    decided = set(REST) | set(OUT_OF_SCOPE) | set(WS)
    assert not set(REST) & set(OUT_OF_SCOPE)
    files = _sample_files(samples)
    assert sorted(files - decided) == [], "new sample files: add a parser check to REST/WS or a reason to OUT_OF_SCOPE"
    assert sorted(decided - files) == [], "table entries without a sample file"


@pytest.mark.parametrize("rel", sorted(REST))
def test_rest_sample(samples: Path, rel: str) -> None:
    payload = _load(samples, rel)
    envelope = m.parse_envelope(payload)
    assert (envelope.ok, envelope.code) == (True, "00000")
    assert envelope.request_time is None or isinstance(envelope.request_time, int)
    parsed = REST[rel](m.unwrap(payload))
    if parsed is not None:
        assert_typed(parsed)


@pytest.mark.parametrize("rel", sorted(rel for rel in OUT_OF_SCOPE if not rel.startswith("v3/")))
def test_out_of_scope_samples_are_still_valid_envelopes(samples: Path, rel: str) -> None:
    payload = _load(samples, rel)
    assert m.parse_envelope(payload).ok
    assert m.unwrap(payload) is not None


@pytest.mark.parametrize("rel", sorted(rel for rel in OUT_OF_SCOPE if rel.startswith("v3/")))
def test_v3_samples_are_well_formed(samples: Path, rel: str) -> None:
    """Not modelled yet (issue 14), but each file is what its name says: a successful REST envelope, a WS push, a WS
    trade response, or a text file of JSON messages under comment lines."""
    if rel.endswith(".txt"):
        lines = [ln for ln in (samples / rel).read_text(encoding="utf-8").splitlines() if ln.strip()]
        messages = [json.loads(ln) for ln in lines if not ln.startswith("#")]
        assert messages
        assert all(isinstance(msg, dict | list) for msg in messages)
        return
    payload = _load(samples, rel)
    if not rel.startswith("v3/ws/"):
        envelope = m.parse_envelope(payload)
        assert (envelope.ok, envelope.code) == (True, "00000")
        assert "data" in payload  # null for some POST answers (adjust-account-mode, cancel-strategy-order)
    elif rel.endswith(".response.json"):
        assert m.is_event(payload)
        event = m.parse_ws_event(payload)
        assert (event.event, event.code, event.ok) == ("trade", "0", True)
        assert payload["topic"]
        assert payload["args"]
    else:
        assert payload["action"] in {"snapshot", "update"}
        assert payload["arg"]["topic"]
        assert payload["arg"]["instType"]
        assert payload["data"]


@pytest.mark.parametrize("rel", sorted(WS))
def test_ws_push_sample(samples: Path, rel: str) -> None:
    msg = _load(samples, rel)
    parse, check = WS[rel]
    items = parse(msg)
    assert items, "a push carries at least one item"
    check(items)
    assert_typed(items)
    # The channel dispatcher picks the same parser and yields the same values.
    push = m.parse_ws_push(msg)
    assert list(push.items) == items
    assert push.action == "snapshot"
    assert push.arg.channel == msg["arg"]["channel"]
    assert push.ts is None or isinstance(push.ts, int)
    assert not m.is_event(msg)


def _transcript(path: Path, direction: str) -> list[Any]:
    prefix = direction + " "
    return [json.loads(line[2:]) for line in path.read_text(encoding="utf-8").splitlines() if line.startswith(prefix)]


def test_ws_exchange_acks(samples: Path) -> None:
    """The server lines of every ``*.exchange.txt`` transcript are successful login/subscribe acks, and each
    subscribe ack names the arg the client asked for (that is how the streamer matches acks to requests)."""
    seen: set[str] = set()
    for path in sorted((samples / "ws").glob("*.exchange.txt")):
        requested = [m.parse_push_arg(arg) for msg in _transcript(path, ">") if msg["op"] == "subscribe"
                     for arg in msg["args"]]
        push = m.parse_ws_push(_load(samples, f"ws/{path.name.replace('.exchange.txt', '.push.json')}"))
        for msg in _transcript(path, "<"):
            assert m.is_event(msg)
            event = m.parse_ws_event(msg)
            assert (event.ok, event.error()) == (True, None), (path.name, msg)
            seen.add(event.event)
            if event.event == "subscribe":
                assert event.arg in requested
                assert event.arg is not None
                assert (event.arg.channel, event.arg.product) == (push.arg.channel, push.arg.product)
    assert seen == {"login", "subscribe"}


def _decode_example(line: str) -> Any:
    try:
        return json.loads(line)
    except ValueError:
        # ccxt's comments quote some messages as JavaScript object literals: bare keys, single quotes.
        return json.loads(re.sub(r"([{,]\s*)(\w+)\s*:", r'\1"\2":', line).replace("'", '"'))


def test_ws_error_and_login_examples(samples: Path) -> None:
    lines = [ln for ln in (samples / "ws" / "ws-error-and-login-acks.examples.txt").read_text().splitlines()
             if ln.startswith("{")]
    events = [m.parse_ws_event(_decode_example(ln)) for ln in lines]
    assert [(e.event, e.code, e.ok) for e in events] == [
        ("login", "0", True), ("login", "0", True), ("error", "30001", False), ("error", "30015", False),
        ("error", "30016", False)]
    assert isinstance(events[2].error(), errors.WebSocketError)
    assert isinstance(events[3].error(), errors.AuthError)
    assert "Invalid sign" in str(events[3].error())
