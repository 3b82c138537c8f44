"""Order ticket: the Bracket section (legs as price, % or ticks, risk/reward preview, futures only) and the Scaled
section (preview table, exclusive with brackets and TP/SL), with fake services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pytestqt.qtbot import QtBot

from terminal_app.config.settings import Settings
from terminal_app.core.bracket import LegUnit
from terminal_app.core.scale import Weighting
from terminal_app.ui.docks.ticket import TicketPanel, create_ticket
from terminal_app.ui.docks.ticket_bracket import SPOT_REASON

D = Decimal


def make(qtbot: QtBot, services: Any, kit: Any, ref: Any) -> TicketPanel:
    md = services.market_data
    md.lasts[ref.key] = D("65000")
    md.active = ref
    services.account.avail.update({(kit.BTC.key, "buy"): D("100000"), (kit.BTC_PERP.key, "buy"): D("100000"),
                                   (kit.BTC_PERP.key, "sell"): D("100000")})
    panel = create_ticket(services, None, settings=Settings())
    qtbot.addWidget(panel)
    return panel


def test_bracket_in_ticks_on_a_short_with_its_preview(qtbot: QtBot, services: Any, kit: Any) -> None:
    t = make(qtbot, services, kit, kit.BTC_PERP)
    t.set_side("sell")
    t.set_price(D("65000"))
    t.set_size(D("0.1"))
    t.set_bracket(D("40"), D("20"), LegUnit.TICKS)
    tick = t.market.tick_size
    ticket = t.ticket()
    assert (ticket.tp, ticket.sl) == (D("65000") - 40 * tick, D("65000") + 20 * tick)
    assert t.issues == []
    assert "R:R 2.00" in t.bracket.preview.text()
    assert t.bracket.panel.isVisibleTo(t)
    assert not t.tpsl.isEnabled()  # one way of attaching legs at a time
    assert not t.scaled.toggle.isEnabled()


def test_bracket_legs_on_the_wrong_side_are_refused(qtbot: QtBot, services: Any, kit: Any) -> None:
    t = make(qtbot, services, kit, kit.BTC_PERP)
    t.set_price(D("65000"))
    t.set_size(D("0.1"))
    t.set_bracket(D("64000"), D("66000"))
    assert not t.submit_button.isEnabled()
    assert t.reason.text() == "A long's take-profit must be above the entry 65000."
    t.set_bracket(D("66000"), None)
    assert t.reason.text() == "A bracket needs a stop-loss."


def test_spot_bracket_needs_the_terminals_oco_service(qtbot: QtBot, services: Any, kit: Any) -> None:
    t = make(qtbot, services, kit, kit.BTC)  # fake services: no services.oco, so no spot bracket
    assert not t.bracket.toggle.isEnabled()
    assert t.bracket.toggle.toolTip() == SPOT_REASON


def test_scaled_preview_and_exclusivity(qtbot: QtBot, services: Any, kit: Any) -> None:
    t = make(qtbot, services, kit, kit.BTC)
    t.set_price(D("64000"))
    t.set_size(D("0.01"))
    t.set_scaled(D("63000"), 4, Weighting.DECREASING)
    assert t.issues == [], t.issues
    table = t.scaled.table
    assert [table.item(r, 0).text() for r in range(4)] == ["64,000.00", "63,666.67", "63,333.33", "63,000.00"]
    assert sum(D(table.item(r, 1).text()) for r in range(4)) == D("0.01")
    assert t.scaled.summary.text().startswith("4 orders · total")
    assert not t.bracket.toggle.isEnabled()
    t.set_order_type("market")  # a scaled order is limit orders
    assert not t.scaled.on
    t.set_order_type("limit")
    t.set_scaled(D("64000"), 3)
    assert t.reason.text() == "Enter two different prices: the orders are spread between them."
