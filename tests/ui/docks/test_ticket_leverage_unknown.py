"""The ticket never shows a leverage it does not know. On a unified account the symbol's leverage comes from Bitget's
account settings (nothing in the balances carries it): until they arrive the leverage box reads "—" (it read "1x",
its minimum, while the exchange held 20x), the info line says the margin waits for the leverage, the % buttons (and
the palette's "b 50% m") do not size at 1x and the "Max open" line does not ask Bitget at 1x; once the settings arrive
every figure follows. A switch to another symbol forgets the previous symbol's leverage. The whole terminal against
the Demo exchange, the settings endpoint failing (fault injection) while the leverage is unknown."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from terminal_app.bitget.v3.paths import V3
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.services.guards import CommandError
from terminal_app.ui.docks.ticket import LEVERAGE_UNKNOWN

from ..conftest import WaitUntil

pytestmark = [pytest.mark.asyncio, pytest.mark.usefixtures("gc_on_this_thread")]
PERP = SymbolRef("BTCUSDT", Product.USDT_FUTURES)
ETH_PERP = SymbolRef("ETHUSDT", Product.USDT_FUTURES)


def unknown(ticket: Any) -> bool:
    return ticket.leverage is None and ticket.leverage_box.text() == LEVERAGE_UNKNOWN


async def test_the_ticket_says_the_leverage_is_unknown_until_the_account_says_it(
        terminals: Any, wait_until: WaitUntil) -> None:
    async with terminals.running("unified") as term:
        services = term.services
        account, md = services.account, services.market_data
        faults = term.runner.faults
        faults.fail_rest(503, path=V3.SETTINGS, count=None, code="40010")
        services, ticket, _last = await terminals.ready(term, PERP, wait_until)
        assert account.leverage(PERP) is None
        assert unknown(ticket), ticket.leverage_box.text()
        assert "not known" in ticket.leverage_box.toolTip()
        ticket.set_order_type("market")
        ticket.size_edit.set_value(Decimal("0.01"))
        ticket.revalidate()
        assert "margin: leverage not known yet" in ticket.info.text()
        assert "margin ≈" not in ticket.info.text()
        assert ticket.max_open.text() == "Max open: leverage not known yet"
        assert ticket.apply_size_preset(100) is None  # not a size at 1x
        assert "leverage of BTCUSDT PERP is not known yet" in ticket.status.text()
        assert ticket.size_edit.value() == Decimal("0.01")
        ticket.leverage_box.stepDown()  # already on the "—": nothing is set on the exchange
        assert unknown(ticket)
        palette = term.palette.engine  # "b 50%" is the same figure as the ticket's 50 % button
        with pytest.raises(CommandError, match="leverage of BTCUSDT PERP is not known yet"):
            palette.ticket_for(palette.parse("b 50% m"))

        faults.clear()
        account.refresh_symbol(PERP)
        lever = await wait_until(account.leverage_changed, lambda: account.leverage(PERP))
        await wait_until(md.ticker_changed, lambda: ticket.leverage == lever)
        assert ticket.leverage_box.text() == f"{lever}x"
        assert ticket.leverage_box.toolTip() == ""
        assert ticket.leverage_box.minimum() == ticket.market.min_leverage
        ticket.revalidate()
        assert "margin ≈" in ticket.info.text()
        await wait_until(services.tools.max_open_changed, lambda: f"at {lever}x" in ticket.max_open.text())
        full = ticket.apply_size_preset(100)
        assert full is not None
        assert full > 0
        half = palette.ticket_for(palette.parse("b 50% m"))
        assert half.size == ticket.apply_size_preset(50)

        faults.fail_rest(503, path=V3.SETTINGS, count=None, code="40010")
        md.set_active(ETH_PERP)  # BTC's leverage is not ETH's
        await wait_until(md.ticker_changed, lambda: ticket.ref == ETH_PERP and ticket.market is not None)
        assert unknown(ticket), ticket.leverage_box.text()
