"""Order ticket: live validation with the reason shown, % presets, spot vs futures controls, exact OrderTicket sent."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from terminal_app.config.settings import Settings
from terminal_app.core.enums import PositionMode
from terminal_app.core.orders import OrderTicket
from terminal_app.core.submission import SubmissionState
from terminal_app.ui.docks import links_for
from terminal_app.ui.docks.ticket import TicketPanel, create_ticket
from terminal_app.ui.theme import current_colors

D = Decimal


def make(qtbot: QtBot, services: Any, kit: Any, ref: Any = None, *, last: str = "65000",
         settings: Settings | None = None) -> TicketPanel:
    ref = ref or kit.BTC
    md = services.market_data
    md.lasts[ref.key] = D(last)
    md.active = ref
    acct = services.account
    acct.avail.update({(kit.BTC.key, "buy"): D("1000"), (kit.BTC.key, "sell"): D("0.5"),
                       (kit.BTC_PERP.key, "buy"): D("650"), (kit.BTC_PERP.key, "sell"): D("650")})
    panel = create_ticket(services, None, settings=settings if settings is not None else Settings())
    qtbot.addWidget(panel)
    return panel


def placed(services: Any) -> list[OrderTicket]:
    return [c[1] for c in services.trading.calls if c[0] == "place"]


def test_spot_limit_buy_sends_the_exact_ticket(qtbot: QtBot, services: Any, kit: Any) -> None:
    t = make(qtbot, services, kit)
    assert t.title.text() == "BTCUSDT"
    assert t.price.text() == "65000.00"  # prefilled with the last price on the tick
    assert not t.submit_button.isEnabled()
    assert t.reason.text() == "Enter a size greater than 0."
    colors = current_colors()
    assert colors.muted in t.reason.styleSheet()  # an empty size is the next thing to type, not an error yet
    t.set_size(D("0"))
    assert t.reason.text() == "Enter a size greater than 0."
    assert colors.alert in t.reason.styleSheet()  # a typed 0 is a mistake
    t.set_size(D("0.01"))
    assert t.submit_button.isEnabled()
    assert t.submit_button.text() == "Buy BTC"
    assert t.info.text() == "Value ≈ 650.00 USDT · Available 1,000.00 USDT"
    with qtbot.waitSignal(t.submitted) as blocker:
        submission = t.submit("buy")
    assert submission is not None
    assert submission.client_oid == "oid-1"
    assert blocker.args == ["oid-1"]
    assert placed(services) == [OrderTicket(ref=kit.BTC, side="buy", order_type="limit", force="gtc", size=D("0.01"),
                                            price=D("65000.00"))]
    assert t.status.text() == "Sent Buy 0.01 BTCUSDT @ 65,000.00"


def test_invalid_ticket_disables_the_button_with_the_reason(qtbot: QtBot, services: Any, kit: Any) -> None:
    t = make(qtbot, services, kit)
    t.set_size(D("0.01"))
    t.set_price(D("65000.005"))
    reason = "The price must be a multiple of the tick size 0.01: use 65000 or 65000.01."
    assert t.reason.text() == reason
    assert not t.submit_button.isEnabled()
    assert t.submit_button.toolTip() == reason
    assert t.submit("buy") is None
    assert t.status.text() == reason
    assert placed(services) == []
    t.set_price(D("65000"))
    t.set_size(D("0.02"))  # 1,300 USDT > 1,000 available
    assert t.reason.text() == "Not enough USDT: the order needs 1,300.00 and 1,000.00 is available."
    t.set_side("sell")  # selling 0.02 of 0.5 BTC is fine
    assert t.submit_button.isEnabled()
    assert t.submit_button.text() == "Sell BTC"
    assert t.info.text() == "Value ≈ 1,300.00 USDT · Available 0.5000 BTC"


def test_typing_revalidates(qtbot: QtBot, services: Any, kit: Any) -> None:
    t = make(qtbot, services, kit)
    qtbot.keyClicks(t.size_edit, "0.00001")
    qtbot.waitUntil(lambda: t.reason.text() == "The size must be a multiple of 0.0001 BTC: use 0.0001.")
    t.size_edit.clear()
    qtbot.keyClicks(t.size_edit, "0.001")
    qtbot.waitUntil(t.submit_button.isEnabled)


def test_risk_limits_from_settings(qtbot: QtBot, services: Any, kit: Any) -> None:
    t = make(qtbot, services, kit)
    t.set_size(D("0.001"))
    t.set_price(D("70000"))
    assert t.reason.text() == (
        "The price 70000 is 7.7 % above the last price 65000; your limit is 5 % (Settings, risk). Check for a typo.")


def test_size_presets(qtbot: QtBot, services: Any, kit: Any) -> None:
    t = make(qtbot, services, kit)
    assert t.apply_size_preset(25) == D("0.0038")  # 250 USDT at 65,000, floored to the lot
    assert t.size_edit.value() == D("0.0038")
    t.set_side("sell")
    assert t.apply_size_preset(50) == D("0.25")
    t.set_side("buy")
    t.set_size_unit("quote")
    assert t.apply_size_preset(100) == D("1000.000000")
    assert t.ticket() == OrderTicket(ref=kit.BTC, side="buy", size=D("0.0153"), price=D("65000.00"))
    t.price.clear()
    t.set_size_unit("base")
    assert t.apply_size_preset(75) is None
    assert t.status.text() == "Enter a price first: the size is worked out from it."


def test_preset_buttons(qtbot: QtBot, services: Any, kit: Any) -> None:
    t = make(qtbot, services, kit)
    t.preset_buttons[1].click()
    assert t.size_edit.value() == D("0.0076")


def test_spot_market_orders(qtbot: QtBot, services: Any, kit: Any) -> None:
    t = make(qtbot, services, kit)
    t.set_order_type("market")
    assert t.unit.currentData() == "quote"
    assert not t.unit.isEnabled()
    assert not t.price.isEnabled()
    t.set_size(D("100"))
    assert t.submit("buy") is not None
    t.set_side("sell")
    assert t.unit.currentData() == "base"
    t.set_size(D("0.01"))
    t.submit()
    assert placed(services) == [
        OrderTicket(ref=kit.BTC, side="buy", order_type="market", size=D("100"), size_in_quote=True),
        OrderTicket(ref=kit.BTC, side="sell", order_type="market", size=D("0.01")),
    ]


def test_the_ticket_never_asks_itself(qtbot: QtBot, services: Any, kit: Any) -> None:
    # The large-market-order question is the pipeline's (services.guards; tests/ui/safety): the ticket hands the
    # order over and shows what the pipeline says.
    t = make(qtbot, services, kit)
    t.set_order_type("market")
    services.account.avail[(kit.BTC.key, "buy")] = D("5000")
    t.set_size(D("2000"))
    submission = t.submit("buy")
    assert submission is not None
    assert submission.sent
    assert [p.size for p in placed(services)] == [D("2000")]
    assert not t.findChildren(QMessageBox)


def test_quote_sized_limit_converts_to_base(qtbot: QtBot, services: Any, kit: Any) -> None:
    t = make(qtbot, services, kit)
    t.set_size_unit("quote")
    t.set_size(D("650"))
    t.set_price(D("64999"))
    assert t.ticket() == OrderTicket(ref=kit.BTC, side="buy", size=D("0.01"), price=D("64999"))


def test_post_only_and_reduce_only_toggles(qtbot: QtBot, services: Any, kit: Any) -> None:
    t = make(qtbot, services, kit)
    t.set_order_type("market")
    t.toggle_post_only()
    assert t.force_value() == "post_only"
    assert t.order_type() == "limit"
    t.toggle_post_only()
    assert t.force_value() == "gtc"
    t.toggle_reduce_only()
    assert t.status.text() == "Reduce-only applies to futures in one-way mode."
    services.market_data.set_active(kit.BTC_PERP)
    t.toggle_reduce_only()
    assert t.reduce_only.isChecked()
    assert t.ticket().reduce_only is True  # type: ignore[union-attr]


def test_spot_hides_futures_controls(qtbot: QtBot, services: Any, kit: Any) -> None:
    t = make(qtbot, services, kit)
    for w in (t.leverage_box, t.margin_mode, t.reduce_only, t.open_button, t.close_button):
        assert w.isHidden()


def test_futures_one_way_controls_leverage_and_margin_mode(qtbot: QtBot, services: Any, kit: Any) -> None:
    acct = services.account
    acct.open_positions = [kit.position(leverage="10")]
    t = make(qtbot, services, kit, kit.BTC_PERP, last="65000.5")
    assert not t.leverage_box.isHidden()
    assert not t.reduce_only.isHidden()
    assert t.open_button.isHidden()
    assert t.leverage_box.value() == 10
    assert t.buy_button.text() == "Buy / Long"
    t.leverage_box.setValue(15)
    assert acct.calls == [("set_leverage", kit.BTC_PERP, 15)]
    t.leverage_box.setValue(50)  # above the default cap of 20
    assert acct.calls == [("set_leverage", kit.BTC_PERP, 15)]
    assert t.leverage_box.value() == 15
    assert t.status.text() == "Leverage 50x is above your cap of 20x (Settings, risk). Not set."
    t.margin_mode.setCurrentIndex(1)
    t.margin_mode.activated.emit(1)
    assert acct.calls[-1] == ("set_margin_mode", kit.BTC_PERP, "isolated")
    acct.leverage_changed.emit(kit.BTC_PERP, 12)
    assert t.leverage_box.value() == 12
    assert t.leverage == 12
    # 100 % of 650 USDT at 12x = 7,800 USDT → 0.11999… BTC at 65,000.5, floored to the 0.001 lot
    assert t.apply_size_preset(100) == D("0.119")
    t.set_side("sell")
    t.toggle_reduce_only()
    assert t.apply_size_preset(50) == D("0.25")  # half of the 0.5 BTC long
    assert t.submit_button.text() == "Sell / Short (reduce-only)"
    t.submit()
    assert placed(services) == [OrderTicket(ref=kit.BTC_PERP, side="sell", size=D("0.25"), price=D("65000.5"),
                                            reduce_only=True, margin_mode="isolated")]


def test_futures_hedge_mode_opens_and_closes(qtbot: QtBot, services: Any, kit: Any) -> None:
    acct = services.account
    acct.mode = PositionMode.HEDGE
    acct.open_positions = [kit.position(side="long", total="0.3", pos_mode=PositionMode.HEDGE)]
    t = make(qtbot, services, kit, kit.BTC_PERP, last="65000.5")
    assert t.reduce_only.isHidden()
    assert not t.open_button.isHidden()
    assert t.buy_button.text() == "Long"
    t.set_size(D("0.01"))
    t.set_tpsl(D("66000"), D("64000"))
    assert t.submit_button.text() == "Open long"
    t.submit("long")
    t.set_trade_side("close")
    assert not t.tpsl.isEnabled()
    t.set_tpsl(None, None)
    assert t.submit_button.text() == "Close long"
    assert t.apply_size_preset(100) == D("0.3")
    t.submit("buy")
    t.set_side("sell")
    assert t.apply_size_preset(100) is None
    assert t.status.text() == "There is no position to close on this side."
    assert placed(services) == [
        OrderTicket(ref=kit.BTC_PERP, side="buy", size=D("0.01"), price=D("65000.5"), trade_side="open",
                    margin_mode="crossed", tp=D("66000"), sl=D("64000")),
        OrderTicket(ref=kit.BTC_PERP, side="buy", size=D("0.3"), price=D("65000.5"), trade_side="close",
                    margin_mode="crossed"),
    ]


def test_tpsl_is_checked(qtbot: QtBot, services: Any, kit: Any) -> None:
    t = make(qtbot, services, kit)
    t.set_size(D("0.01"))
    t.tpsl.setChecked(True)
    t.revalidate()
    assert t.reason.text() == "Enter a take-profit or a stop-loss price, or switch TP/SL off."
    t.set_tpsl(D("64000"), None)
    assert t.reason.text() == "For a buy the take-profit must be above the order price 65000."


def test_links_and_symbol_changes(qtbot: QtBot, services: Any, kit: Any) -> None:
    t = make(qtbot, services, kit)
    t.set_order_type("market")
    links_for(services).price_picked.emit(D("64321.5"))
    assert t.order_type() == "limit"
    assert t.price.value() == D("64321.5")
    links_for(services).size_picked.emit(D("0.5"))
    assert t.size_edit.value() == D("0.5")
    services.market_data.lasts[kit.ETH.key] = D("3000.123")
    services.market_data.set_active(kit.ETH)
    assert t.title.text() == "ETHUSDT"
    assert t.price.value() == D("3000.12")
    assert t.size_edit.text() == ""
    assert t.unit.itemText(0) == "ETH"
    services.market_data.ticker_changed.emit(kit.ticker(kit.ETH, "3001.5"))
    assert t.last_label.text() == "Last 3,001.50"


def test_the_status_line_follows_the_submission(qtbot: QtBot, services: Any, kit: Any) -> None:
    t = make(qtbot, services, kit)
    t.set_size(D("0.01"))
    first = t.submit("buy")
    assert first is not None
    assert t.status.text() == "Sent Buy 0.01 BTCUSDT @ 65,000.00"
    first.move(SubmissionState.REJECTED, message="Insufficient balance for this order.", code="43012")
    assert t.status.text() == "Rejected by the exchange: [43012] Insufficient balance for this order."
    second = t.submit("buy")
    assert second is not None
    second.move(SubmissionState.UNKNOWN, message="The exchange did not answer in 10 s.")
    assert t.status.text().startswith("No answer for Buy 0.01 BTCUSDT @ 65,000.00 yet: looking it up")
    first.move(SubmissionState.ACKNOWLEDGED, message="live")  # an older order's news does not take the line
    assert t.status.text().startswith("No answer for")
    second.move(SubmissionState.ACKNOWLEDGED, message="live")
    assert t.status.text() == "Buy 0.01 BTCUSDT @ 65,000.00: live on the exchange"


def test_unknown_side_is_an_error(qtbot: QtBot, services: Any, kit: Any) -> None:
    t = make(qtbot, services, kit)
    with pytest.raises(ValueError, match="buy or sell"):
        t.set_side("up")


def test_screenshots(qtbot: QtBot, services: Any, kit: Any) -> None:
    t = make(qtbot, services, kit)
    t.set_size(D("0.01"))
    assert kit.shot(t, "ticket-spot", (320, 440)).exists()
    t.set_price(D("65000.001"))
    assert kit.shot(t, "ticket-spot-invalid", (320, 440)).exists()
    services.account.mode = PositionMode.HEDGE
    services.account.open_positions = [kit.position(leverage="10", pos_mode=PositionMode.HEDGE)]
    services.market_data.lasts[kit.BTC_PERP.key] = D("65000.5")
    services.market_data.set_active(kit.BTC_PERP)
    t.set_size(D("0.05"))
    t.set_tpsl(D("67000"), D("63000"))
    assert kit.shot(t, "ticket-futures", (320, 480)).exists()


def test_the_button_never_moves_as_messages_come_and_go(qtbot: QtBot, services: Any, kit: Any) -> None:
    t = make(qtbot, services, kit)
    t.resize(300, 600)
    t.show()
    qtbot.waitExposed(t)
    top = t.submit_button.mapTo(t, t.submit_button.rect().topLeft())
    t.set_size(D("0.01"))
    t.set_price(D("65000.005"))  # a long reason that wraps in a narrow panel
    qtbot.waitUntil(lambda: t.reason.isVisible())
    assert t.submit_button.mapTo(t, t.submit_button.rect().topLeft()) == top
    t.set_price(D("65000"))
    t.submit("buy")  # a status line below
    assert t.status.isVisible()
    assert t.submit_button.mapTo(t, t.submit_button.rect().topLeft()) == top


def test_a_unit_change_converts_the_size_visibly(qtbot: QtBot, services: Any, kit: Any) -> None:
    t = make(qtbot, services, kit)
    t.set_size(D("0.01"))
    t.set_order_type("market")  # a spot market buy is sized in USDT: 0.01 BTC becomes its value at the last price
    assert t.unit.currentData() == "quote"
    assert t.size_edit.value() == D("650")
    assert t.status.text() == "Size converted: 0.0100 BTC → 650.00 USDT at 65,000.00"
    t.set_side("sell")  # and a market sell in BTC again
    assert t.unit.currentData() == "base"
    assert t.size_edit.value() == D("0.01")
    t.set_order_type("limit")
    t.price.clear()
    t.set_size_unit("quote")  # no price to convert at: cleared, and said so
    assert t.size_edit.value() is None
    assert t.status.text().startswith("Size cleared: the unit is now USDT")


def test_the_messages_follow_a_hotkey_that_changes_the_side(qtbot: QtBot, services: Any, kit: Any) -> None:
    """submit(side) checks before sending and shows the checks after: the reason line, the button, the info line and
    the status line all end up as a revalidation would leave them, in their colours."""
    t = make(qtbot, services, kit)
    colors = current_colors()
    t.set_size(D("0.02"))  # 1,300 USDT > 1,000 available: a buy cannot go, a sell of 0.02 of 0.5 BTC can
    need = "Not enough USDT: the order needs 1,300.00 and 1,000.00 is available."
    assert (t.reason.text(), t.submit_button.isEnabled()) == (need, False)
    validity: list[bool] = []
    t.validity_changed.connect(validity.append)
    sent = t.submit("sell")
    assert sent is not None
    assert placed(services)[-1].side == "sell"
    assert t.status.text() == "Sent Sell 0.02 BTCUSDT @ 65,000.00"
    assert colors.muted in t.status.styleSheet()
    assert (t.reason.text(), t.reason.isVisibleTo(t), t.submit_button.isEnabled()) == ("", False, True)
    assert t.submit_button.text() == "Sell BTC"
    assert t.info.text() == "Value ≈ 1,300.00 USDT · Available 0.5000 BTC"
    assert validity == [True]
    assert t.submit("buy") is None  # back to the side that cannot go: refused, and said on both lines
    assert len(placed(services)) == 1
    assert t.status.text() == need
    assert colors.alert in t.status.styleSheet()
    assert (t.reason.text(), t.reason.isVisibleTo(t), t.submit_button.isEnabled()) == (need, True, False)
    assert colors.alert in t.reason.styleSheet()
    assert validity == [True, False]


def test_show_message_sets_the_colour_only_when_it_changes(qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QWidget

    from terminal_app.ui.docks.common import message_label, show_message

    parent = QWidget()
    qtbot.addWidget(parent)
    label = message_label(parent)
    show_message(label, "first", "#ff0000")
    assert (label.text(), label.isVisibleTo(parent), label.styleSheet()) == ("first", True, "color: #ff0000;")
    label.setStyleSheet("color: #ff0000; /* marker */")  # not set again for the same colour
    show_message(label, "second", "#ff0000")
    assert (label.text(), label.styleSheet()) == ("second", "color: #ff0000; /* marker */")
    show_message(label, "", "")
    assert (label.text(), label.isVisibleTo(parent)) == ("", False)
    show_message(label, "third", "#00ff00")
    assert (label.text(), label.isVisibleTo(parent), label.styleSheet()) == ("third", True, "color: #00ff00;")
