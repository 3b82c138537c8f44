"""A coin-M quarterly held through its expiry, through the real path (services -> V2 venue -> simulator over loopback
sockets): the contract loads with its delivery time and a dated label (never "PERP"), the position disappears at
delivery, the log says it was delivered at the simulator's delivery price, and the fill carries the delivery."""

from __future__ import annotations

import logging
from decimal import Decimal as D
from typing import Any

import pytest

from terminal_app.core.enums import ExchangeClose, PositionSide
from terminal_app.core.instruments import Product, SymbolRef, expiry_text
from terminal_app.services.order_log import price_text
from terminal_app.sim.server.auth import DEMO_UID

QUARTER = SymbolRef("BTCUSDH27", Product.COIN_FUTURES)


def on_exchange(kit: Any, fn: Any) -> Any:
    return kit.sim.call(lambda: fn(kit.sim.server.exchange))


@pytest.mark.asyncio
async def test_position_on_a_quarterly_is_delivered_at_expiry(kit: Any, caplog: pytest.LogCaptureFixture) -> None:
    now = on_exchange(kit, lambda ex: ex.now_ms())
    delivery = now + 6_000
    on_exchange(kit, lambda ex: ex.delivery.schedule("BTCUSDH27", delivery, window_ms=2_000))
    with caplog.at_level(logging.INFO, logger="terminal_app.services.trading"):
        async with kit.open(history_pages=1) as s:
            market = s.market_data.market(QUARTER)
            assert market is not None
            assert market.delivery_time == delivery
            label = f"BTCUSD {expiry_text(delivery)}"
            assert market.label == label
            assert "PERP" not in QUARTER.display
            on_exchange(kit, lambda ex: ex.place_futures_order(DEMO_UID, "BTCUSDH27", "buy", "market", "0.02"))
            await kit.wait_until(s.account.positions_changed,
                                 lambda: s.account.position(QUARTER, PositionSide.LONG))
            fills = kit.record(s.trading.fill_received)

            await kit.wait_until(s.account.positions_changed, lambda: s.account.position(QUARTER) is None,
                                 timeout=20.0)
            done = on_exchange(kit, lambda ex: ex.delivery.delivered("BTCUSDH27"))
            assert done is not None
            assert done.time >= delivery
            delivered = await kit.wait_until(
                s.trading.fill_received,
                lambda: next((c[0] for c in fills.calls if c[0].exchange_close is ExchangeClose.DELIVERY), None))
            assert (delivered.price, delivered.size, delivered.fee_coin) == (done.price, D("0.02"), "BTC")
    text = f"{label} delivered at {price_text(done.price, market.price_places)}"
    assert any(text in r.getMessage() for r in caplog.records), [r.getMessage() for r in caplog.records]
    assert on_exchange(kit, lambda ex: ex.positions(DEMO_UID, product=Product.COIN_FUTURES)) == []
