"""The V2 position desk's parsers against Bitget's samples: the account bill (businessType to the terminal's bill
kinds) and history-position (with the ``positionId`` the current page documents)."""

from __future__ import annotations

import json
from decimal import Decimal as D
from pathlib import Path
from typing import Any

from terminal_app.bitget.models.account import parse_closed_positions
from terminal_app.bitget.v2.position_desk import BILL_KINDS, parse_bills
from terminal_app.core.enums import MarginMode, PositionSide
from terminal_app.core.instruments import Product
from terminal_app.core.position_tools import BillKind

USDT = Product.USDT_FUTURES


def rest(samples: Path, name: str) -> Any:
    return json.loads((samples / "rest" / name).read_text())["data"]


def test_account_bill_sample(samples: Path) -> None:
    rows, end = parse_bills(rest(samples, "GET_api_v2_mix_account_bill.json"), USDT)
    assert end == "2"
    funding, trade = rows
    assert (funding.bill_id, funding.kind, funding.amount, funding.fee, funding.coin, funding.ts) == (
        "1", BillKind.FUNDING, D("-0.004992"), D(0), "USDT", 1695715200654)
    assert (trade.kind, trade.detail, trade.fee, trade.balance) == (BillKind.TRADE, "open_long", D("-0.222012"),
                                                                     D("232.21"))
    assert funding.key != trade.key


def test_bill_kinds_cover_the_documented_business_types() -> None:
    assert BILL_KINDS["contract_settle_fee"] is BillKind.FUNDING
    assert BILL_KINDS["burst_long_loss_query"] is BillKind.LIQUIDATION
    assert BILL_KINDS["burst_sell"] is BillKind.LIQUIDATION
    assert BILL_KINDS["close_short"] is BillKind.TRADE
    assert BILL_KINDS["trans_from_exchange"] is BillKind.TRANSFER
    assert BILL_KINDS["append_margin"] is BillKind.MARGIN
    assert not BillKind.TRANSFER.is_pnl
    assert not BillKind.MARGIN.is_pnl


def test_empty_bill_page() -> None:
    assert parse_bills({"bills": None, "endId": None}, USDT) == ([], None)


def test_history_position_sample(samples: Path) -> None:
    first, _second = parse_closed_positions(rest(samples, "GET_api_v2_mix_position_history-position.json"), USDT)
    assert (first.symbol, first.hold_side, first.margin_mode) == ("ETHUSDT", PositionSide.LONG, MarginMode.CROSSED)
    assert (first.open_price_avg, first.close_price_avg, first.open_size, first.close_size) == (
        D("3495.34"), D("3494.99"), D("0.01"), D("0.01"))
    assert (first.pnl, first.net_profit, first.total_funding) == (D("-0.0035"), D("-0.04544198"), D(0))
    assert (first.open_fee, first.close_fee, first.c_time, first.u_time) == (
        D("-0.02097204"), D("-0.02096994"), 1719143618195, 1719143618543)
    documented = {**rest(samples, "GET_api_v2_mix_position_history-position.json")["list"][0], "positionId": "77"}
    (with_id,) = parse_closed_positions({"list": [documented], "endId": "77"}, USDT)
    assert with_id.pos_id == "77"
