"""bitget.plans: Bitget's plan rows and ``orders-algo`` pushes (the samples) as core.algo orders."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from terminal_app.bitget.models import parse_futures_plan_orders, parse_spot_plan_orders
from terminal_app.bitget.plans import parse_ws_algos, to_domain, wire_plan_type
from terminal_app.core.algo import AlgoKind, AlgoStatus, TriggerSource
from terminal_app.core.enums import PositionSide, Side, TradeSide
from terminal_app.core.instruments import Product, SymbolRef


def _load(samples: Path, name: str) -> dict:  # type: ignore[type-arg]
    return json.loads((samples / name).read_text())


def test_futures_trigger_order_push(samples: Path) -> None:
    [order] = parse_ws_algos(_load(samples, "ws/ws-usdt-futures-orders-algo.push.json"))
    assert order.ref == SymbolRef("BTCUSDT", Product.USDT_FUTURES)
    assert (order.kind, order.side, order.trade_side, order.status) == (AlgoKind.STOP, Side.BUY, TradeSide.OPEN,
                                                                        AlgoStatus.LIVE)
    assert (order.trigger_price, order.size, order.execute_price) == (Decimal("27000"), Decimal("0.02"), None)
    assert order.trigger_source is TriggerSource.LAST
    assert wire_plan_type(order) == "normal_plan"


def test_spot_push_and_lists(samples: Path) -> None:
    [pushed] = parse_ws_algos(_load(samples, "ws/ws-spot-orders-algo.push.json"))
    assert (pushed.ref.product, pushed.kind, pushed.status, pushed.execute_price) == (
        Product.SPOT, AlgoKind.STOP, AlgoStatus.LIVE, None)  # a market order: its executePrice means nothing
    [row] = parse_spot_plan_orders(_load(samples, "rest/GET_api_v2_spot_trade_current-plan-order.json")["data"])
    listed = to_domain(row)
    assert listed is not None
    assert (listed.status, listed.execute_price, listed.size) == (AlgoStatus.LIVE, Decimal("0.041572"),
                                                                  Decimal("151"))


def test_position_take_profit_row_is_the_closing_side(samples: Path) -> None:
    data = _load(samples, "rest/GET_api_v2_mix_order_orders-plan-pending__GetOpenTriggerOrders2.json")["data"]
    [row] = parse_futures_plan_orders(data)
    order = to_domain(row)
    assert order is not None
    # hedge mode: Bitget's side "buy" names the long; the TP sells it, for the whole position
    assert (order.kind, order.hold_side, order.side, order.size) == (AlgoKind.POSITION_TP, PositionSide.LONG,
                                                                     Side.SELL, None)
    assert order.execute_price == Decimal("634.59")
    assert wire_plan_type(order) == "pos_profit"


def test_history_row_and_unknown_plan_types(samples: Path) -> None:
    data = _load(samples, "rest/GET_api_v2_mix_order_orders-plan-history.json")["data"]
    [row] = parse_futures_plan_orders(data)
    order = to_domain(row)
    assert order is not None
    assert (order.status, order.executed_order_id) == (AlgoStatus.TRIGGERED, "123456")
    msg = _load(samples, "ws/ws-usdt-futures-orders-algo.push.json")
    msg["data"][0]["planType"] = "something_new"
    assert parse_ws_algos(msg) == []
    msg["data"][0]["planType"] = "mtpsl"
    msg["data"][0]["posSide"] = "short"
    [trail] = parse_ws_algos(msg)
    assert (trail.kind, trail.hold_side, trail.side, wire_plan_type(trail)) == (
        AlgoKind.TRAILING, PositionSide.SHORT, Side.BUY, "moving_plan")
