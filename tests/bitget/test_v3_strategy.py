"""V3 strategy orders ↔ ``core.algo`` without a network: Bitget's verbatim samples of ``unfilled-strategy-orders``,
``history-strategy-orders`` and the ``strategy-order`` push read as algo orders with every field checked, and the
request bodies the terminal sends, against the documented parameters (bitget-v3-uta.md §5.5, §12)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest

from terminal_app.bitget.v3 import strategy as s
from terminal_app.core.algo import AlgoIntent, AlgoKind, AlgoOrder, AlgoStatus, TriggerSource
from terminal_app.core.enums import PositionMode, PositionSide, Side, TradeSide
from terminal_app.core.instruments import Product, SymbolRef

D = Decimal
SAMPLES = Path(__file__).resolve().parents[1] / "data" / "bitget-samples" / "v3"
PERP = SymbolRef("BTCUSDT", Product.USDT_FUTURES)
SPOT = SymbolRef("BTCUSDT", Product.SPOT)


def sample(name: str) -> Any:
    return orjson.loads((SAMPLES / name).read_bytes())


def test_unfilled_sample_is_a_take_profit_and_a_stop_loss_of_part_of_a_long() -> None:
    tp, sl = s.parse_rows(sample("GET_api_v3_trade_unfilled-strategy-orders.json")["data"])
    for leg in (tp, sl):
        assert (leg.ref, leg.order_id, leg.status, leg.size, leg.hold_side, leg.side, leg.c_time, leg.u_time) == (
            PERP, "111111111111111111", AlgoStatus.LIVE, D("0.01"), PositionSide.LONG, Side.SELL, 1730186725663,
            1730186725691)
        assert leg.execute_price is None  # the legs are market orders; their limit prices are ignored
        assert leg.trigger_source is TriggerSource.LAST
    assert (tp.kind, tp.trigger_price, tp.client_oid) == (AlgoKind.TAKE_PROFIT, D("110000"), "111111111111111111")
    assert (sl.kind, sl.trigger_price, sl.client_oid) == (AlgoKind.STOP_LOSS, D("90000"), "111111111111111111#sl")


def test_history_sample_ended_with_success() -> None:
    tp, sl = s.parse_rows(sample("GET_api_v3_trade_history-strategy-orders.json")["data"])
    assert (tp.status, sl.status) == (AlgoStatus.TRIGGERED, AlgoStatus.TRIGGERED)  # the row names no leg
    assert (tp.kind, sl.kind, tp.trigger_price, sl.trigger_price) == (
        AlgoKind.TAKE_PROFIT, AlgoKind.STOP_LOSS, D("110000"), D("90000"))


def test_strategy_order_push_sample() -> None:
    push = sample("ws/v3_private_strategy-order.json")
    tp, sl = s.parse_push(push)
    # posSide names the position (the sample's side "buy" is the long's opening side); the legs close it
    assert (tp.ref, tp.client_oid, tp.hold_side, tp.side, tp.status, tp.kind) == (
        PERP, "myorder001", PositionSide.LONG, Side.SELL, AlgoStatus.LIVE, AlgoKind.TAKE_PROFIT)
    assert (sl.client_oid, sl.trigger_price, sl.size) == ("myorder001#sl", D("90000"), D("0.01"))


def _row(**fields: Any) -> dict[str, Any]:
    base = {"orderId": "7", "clientOid": "c7", "category": "USDT-FUTURES", "symbol": "BTCUSDT", "qty": "0.02",
            "side": "sell", "posSide": "long", "reduceOnly": "no", "type": "trigger", "status": "pending",
            "tpTriggerBy": None, "slTriggerBy": None, "takeProfit": "", "stopLoss": "", "tpOrderType": None,
            "slOrderType": None, "tpLimitPrice": "", "slLimitPrice": "", "triggerBy": "mark",
            "triggerPrice": "60000", "triggerOrderType": "limit", "triggerOrderPrice": "59900",
            "createdTime": "1", "updatedTime": "2"}
    return {**base, **fields}


def test_trigger_rows_read_with_the_hold_mode() -> None:
    [hedge] = s.parse_rows([_row()], PositionMode.HEDGE)
    # V3 sell + long closes the long; the terminal's hedge-mode side names the position: buy + close
    assert (hedge.kind, hedge.side, hedge.trade_side, hedge.trigger_source, hedge.execute_price, hedge.size) == (
        AlgoKind.STOP, Side.BUY, TradeSide.CLOSE, TriggerSource.MARK, D("59900"), D("0.02"))
    [one_way] = s.parse_rows([_row(posSide=None, reduceOnly="yes")], PositionMode.ONE_WAY)
    assert (one_way.side, one_way.trade_side) == (Side.SELL, None)
    [spot] = s.parse_rows([_row(category="SPOT", posSide=None, triggerBy="market", triggerOrderType="market",
                                triggerOrderPrice="")])
    assert (spot.ref, spot.side, spot.execute_price, spot.trigger_source) == (SPOT, Side.SELL, None,
                                                                              TriggerSource.LAST)
    assert s.parse_rows([_row(status="unheard-of")]) == []
    assert s.parse_rows({"list": None, "cursor": None}) == []


def test_a_whole_position_row_and_the_leg_that_fired() -> None:
    row = _row(type="tpsl", qty="0", takeProfit="70000", stopLoss="50000", tpTriggerBy="market", slTriggerBy="mark",
               tpOrderType="limit", tpLimitPrice="69900", slOrderType="market", status="success",
               triggerType="stopLoss")
    tp, sl = s.parse_rows([row])
    assert (tp.kind, tp.size, tp.execute_price, tp.status) == (AlgoKind.POSITION_TP, None, D("69900"),
                                                               AlgoStatus.CANCELLED)
    assert (sl.kind, sl.trigger_source, sl.status) == (AlgoKind.POSITION_SL, TriggerSource.MARK,
                                                       AlgoStatus.TRIGGERED)


def test_bodies_as_bitget_documents_them() -> None:
    stop = AlgoIntent(PERP, AlgoKind.STOP, Side.SELL, D("60000"), D("0.01"), D("59900"), TriggerSource.MARK,
                      reduce_only=True)
    assert s.place_body(stop, "c1", hedge=False) == {
        "category": "USDT-FUTURES", "symbol": "BTCUSDT", "clientOid": "c1", "type": "trigger", "qty": "0.01",
        "side": "sell", "reduceOnly": "yes", "triggerBy": "mark", "triggerPrice": "60000",
        "triggerOrderType": "limit", "triggerOrderPrice": "59900"}
    opening = AlgoIntent(PERP, AlgoKind.STOP, Side.SELL, D("60000"), D("0.01"), trade_side=TradeSide.OPEN)
    assert {k: v for k, v in s.place_body(opening, "c2", hedge=True).items() if k in ("side", "posSide")} == {
        "side": "sell", "posSide": "short"}
    whole = AlgoIntent(PERP, AlgoKind.POSITION_SL, Side.BUY, D("70000"), None, hold_side=PositionSide.SHORT)
    assert s.place_body(whole, "c3", hedge=False) == {
        "category": "USDT-FUTURES", "symbol": "BTCUSDT", "clientOid": "c3", "type": "tpsl", "tpslMode": "full",
        "side": "buy", "posSide": "short", "stopLoss": "70000", "slTriggerBy": "market", "slOrderType": "market"}
    order = AlgoOrder(PERP, "9", "c4", AlgoKind.TAKE_PROFIT, Side.SELL, D("70000"), D("0.01"), AlgoStatus.LIVE,
                      D("69950"), hold_side=PositionSide.LONG)
    # the documented example: {"orderId", "qty", "tpTriggerBy", "takeProfit", "tpOrderType"}
    assert s.modify_body(order, trigger_price=D("71000")) == {
        "orderId": "9", "qty": "0.01", "takeProfit": "71000", "tpTriggerBy": "market", "tpOrderType": "limit",
        "tpLimitPrice": "69950"}
    with pytest.raises(ValueError, match="Trailing stops"):
        s.place_body(AlgoIntent(SPOT, AlgoKind.TRAILING, Side.SELL, D("1"), D("1"), callback_ratio=D("1")), "c5",
                     hedge=False)
