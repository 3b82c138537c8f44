"""The copy workspace's pure pieces: the follow-settings validation, the PnL curve, the slippage arithmetic, the
TP/SL price parsing and the follow dialog's checks (no network)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from pytestqt.qtbot import QtBot

from terminal_app.bitget.errors import error_for_code
from terminal_app.core.copy_lead import LeadPosition
from terminal_app.core.copy_trading import FollowSetting, FuturesTrack, QuantityLimit
from terminal_app.core.enums import PositionSide
from terminal_app.services.copy_trading import copy_fill, plain_error, pnl_curve
from terminal_app.ui.copy.common import TpSlDialog, parse_price
from terminal_app.ui.copy.follow_dialog import FollowDialog, validate
from terminal_app.ui.copy.follower import unrealized
from terminal_app.ui.copy.lead import LeadTpSlDialog

LIMIT = QuantityLimit("BTCUSDT", D("0.001"), D("5"))


def track(no: str, side: str = "long", *, price: str = "100", trader_price: str | None = "99.5", size: str = "2",
          close_time: int | None = None, net: str | None = None) -> FuturesTrack:
    return FuturesTrack(no, "BTCUSDT", side, D(10), D(price), D(size), 1_000, close_time=close_time,
                        net_profit=D(net) if net is not None else None, trader_id="t1", trader_name="Maya",
                        trader_tracking_no="p" + no, trader_price=D(trader_price) if trader_price else None,
                        copy_delay_ms=120)


@pytest.mark.parametrize(("trace_type", "value", "message"), [
    ("percent", "0.001", "between 0.01 and 10"),
    ("percent", "11", "between 0.01 and 10"),
    ("count", "6", "between 0.001 and 5"),
    ("count", "0.0001", "between 0.001 and 5"),
    ("amount", "0", "above 0"),
])
def test_trace_values_outside_bitgets_limits_are_refused(trace_type: str, value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate("BTCUSDT", trace_type, D(value), "trader", None, None, None, None, LIMIT)


def test_leverage_hold_size_and_ratios_are_checked() -> None:
    with pytest.raises(ValueError, match="whole number from 1 to 125"):
        validate("BTCUSDT", "percent", D(1), "specify", D("2.5"), None, None, None, LIMIT)
    with pytest.raises(ValueError, match="at most 5"):
        validate("BTCUSDT", "percent", D(1), "trader", None, D(6), None, None, LIMIT)
    with pytest.raises(ValueError, match="stop-loss ratio"):
        validate("BTCUSDT", "percent", D(1), "trader", None, None, None, D(401), LIMIT)
    ok = validate("BTCUSDT", "count", D("0.01"), "specify", D(20), D(1), D(150), D(0), LIMIT)
    assert ok == FollowSetting("BTCUSDT", "count", D("0.01"), lever_type="specify", long_leverage=D(20),
                               short_leverage=D(20), max_hold_size=D(1), stop_surplus_ratio=D(150))


def test_pnl_curve_accumulates_closed_trades_by_close_time() -> None:
    closed = [track("2", close_time=3_000, net="-1.5"), track("1", close_time=2_000, net="4"),
              track("3", close_time=None, net="100")]
    assert pnl_curve(closed) == ((2_000, D(4)), (3_000, D("2.5")))


def test_slippage_is_signed_against_the_follower() -> None:
    long_fill = copy_fill(track("1", "long", price="100", trader_price="99.5"), {"p1": D(4)})
    assert long_fill.slippage == D("0.5")
    assert long_fill.slippage_bps == D("50.25")
    assert long_fill.trader_size == D(4)
    assert long_fill.delay_ms == 120
    short_fill = copy_fill(track("2", "short", price="100", trader_price="99.5"))
    assert short_fill.slippage == D("-0.5")              # sold higher than the trader: better
    assert short_fill.trader_size is None
    assert copy_fill(track("3", trader_price=None)).slippage_bps is None


def test_unrealized_pnl_follows_the_side() -> None:
    assert unrealized(track("1", "long", price="100", size="2"), D(103)) == D("6.0000")
    assert unrealized(track("1", "short", price="100", size="2"), D(103)) == D("-6.0000")
    assert unrealized(track("1"), None) is None


def test_prices_typed_by_the_user() -> None:
    assert parse_price(" 65,000.5 ") == D("65000.5")
    assert parse_price("") is None
    assert parse_price("0") == D(0)
    for bad in ("abc", "-1", "inf"):
        with pytest.raises(ValueError):
            parse_price(bad)


def test_errors_read_as_bitgets_code_and_a_sentence() -> None:
    text = plain_error(error_for_code("40731", "This product does not support copy trading"))
    assert text.startswith("[40731] ")
    assert "hedge" in text


def test_follow_dialog_refuses_then_accepts(qtbot: QtBot) -> None:
    limits = [LIMIT, QuantityLimit("ETHUSDT", D("0.01"), D("50"))]
    dialog = FollowDialog("Maya", limits)
    qtbot.addWidget(dialog)
    dialog.trace_value.setText("abc")
    dialog.try_accept()
    assert "not a number" in dialog.error.text()
    for check in dialog.symbols.values():
        check.setChecked(False)
    dialog.trace_value.setText("1")
    dialog.try_accept()
    assert "at least one symbol" in dialog.error.text()
    dialog.symbols["ETHUSDT"].setChecked(True)
    dialog.lever_type.setCurrentIndex(dialog.lever_type.findData("specify"))
    assert dialog.leverage.isEnabled()
    dialog.leverage.setText("10")
    dialog.max_hold.setText("20")
    accepted: list[bool] = []
    dialog.accepted.connect(lambda: accepted.append(True))
    dialog.try_accept()
    assert accepted == [True]
    (setting,) = dialog.settings()
    assert (setting.symbol, setting.trace_type, setting.long_leverage, setting.max_hold_size) == (
        "ETHUSDT", "percent", D(10), D(20))


def test_edit_dialog_is_prefilled(qtbot: QtBot) -> None:
    current = [FollowSetting("BTCUSDT", "amount", D(50), stop_loss_ratio=D(30))]
    dialog = FollowDialog("Maya", [LIMIT, QuantityLimit("ETHUSDT", D("0.01"), D("50"))], current)
    qtbot.addWidget(dialog)
    assert dialog.trace_type.currentData() == "amount"
    assert dialog.trace_value.text() == "50"
    assert dialog.sl_ratio.text() == "30"
    assert dialog.symbols["BTCUSDT"].isChecked()
    assert not dialog.symbols["ETHUSDT"].isChecked()
    assert dialog.ok_button.text() == "Save"


def test_tpsl_dialog_says_what_is_wrong_then_gives_the_prices(qtbot: QtBot) -> None:
    dialog = TpSlDialog(track("1"))
    qtbot.addWidget(dialog)
    assert dialog.try_accept() is False                 # neither price: said in the dialog, which stays
    assert dialog.error.text() == "Give a take-profit or a stop-loss price."
    dialog.tp.setText("abc")
    assert dialog.try_accept() is False
    assert "not a number" in dialog.error.text()
    dialog.tp.setText("120")
    dialog.sl.setText("0")
    assert dialog.try_accept() is True
    assert dialog.result() == TpSlDialog.DialogCode.Accepted
    assert dialog.value == (D("120"), D("0"))


def test_lead_tpsl_dialog_says_what_is_wrong_then_gives_the_prices(qtbot: QtBot) -> None:
    position = LeadPosition("BTCUSDT", PositionSide.LONG, D("0.5"), D(100), D(101), None, D(10), None, D(5), D(50),
                            D("0.5"), D(0), None)
    dialog = LeadTpSlDialog(position)
    qtbot.addWidget(dialog)
    assert dialog.try_accept() is False                 # neither price (0 is none here): said, the dialog stays
    assert dialog.error.text() == "Give a take-profit or a stop-loss price."
    dialog.sl.setText("-1")
    assert dialog.try_accept() is False
    assert "is not a price" in dialog.error.text()
    dialog.sl.setText("95")
    assert dialog.try_accept() is True
    assert dialog.value == (None, D(95))
