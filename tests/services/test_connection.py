"""Connection health, the state machine and its log events, reconnect recovery, and a refused key."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

import pytest

from terminal_app.bitget.errors import AuthError
from terminal_app.core.credentials import Credentials
from terminal_app.core.health import HealthSnapshot, ProfileKind, StreamState
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.services.session import Session, SessionEndpoints
from terminal_app.services.stack import Services

BTC = SymbolRef("BTCUSDT", Product.SPOT)


def measured(snapshot: HealthSnapshot) -> bool:
    return (snapshot.rest_rtt_ms is not None and snapshot.ws_lag_ms is not None and snapshot.checksum_ok is True
            and snapshot.ws_state is StreamState.CONNECTED)


@pytest.mark.asyncio
async def test_health_has_rest_rtt_ws_lag_clock_offset_and_checksum(kit: Any) -> None:
    async with kit.open(history_pages=1, health_interval_ms=100, rest_probe_s=0.1) as s:
        conn = s.connection
        published = kit.record(conn.health_changed)
        s.market_data.set_active(BTC)
        await kit.wait_until(conn.health_changed, lambda: measured(conn.snapshot()))
        snap = published.calls[-1][0]
        assert (snap.profile, snap.kind, snap.reconnects, snap.checksum_failures) == ("Demo", ProfileKind.DEMO, 0, 0)
        assert 0 <= snap.rest_rtt_ms < 1000
        assert 0 <= snap.ws_lag_ms < 2000
        assert snap.clock_offset_ms is not None
        assert abs(snap.clock_offset_ms) < 500
        kit.sim.faults.shift_clock(3)  # the exchange's clock is 3 s ahead of this machine's
        await kit.wait_until(conn.health_changed, lambda: conn.snapshot().clock_offset_ms > 2500)
        assert s.session.clock.offset_ms > 2500
        await kit.wait_until(conn.health_changed, lambda: conn.snapshot().ws_message_at is not None)
        assert conn.snapshot().ws_lag_ms < 2000  # lag is measured on the exchange's clock, not the machine's


@pytest.mark.asyncio
async def test_reconnect_is_logged_resyncs_the_book_and_reconciles_balances(
        kit: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="terminal_app.services.connection")
    async with kit.open(history_pages=1) as s:
        md, conn, account = s.market_data, s.connection, s.account
        md.set_active(BTC)
        book = md.book(BTC)
        assert book is not None
        await kit.wait_until(md.book_changed, lambda: book.has_snapshot and book.updates > 0)
        btc_before = account.asset("BTC").available
        caplog.clear()
        states = kit.record(conn.state_changed)
        reconciled = kit.record(conn.reconciled)
        kit.sim.faults.stall_ws()
        await s.session.rest.spot_place_order(BTC, "buy", "market", Decimal("50"))  # its pushes are lost
        assert account.asset("BTC").available == btc_before
        kit.sim.faults.drop_ws()
        await kit.wait_until(conn.reconciled, lambda: reconciled.calls)
        assert account.asset("BTC").available > btc_before
        await kit.wait_until(md.book_changed, lambda: book.has_snapshot and not book.stale)
        assert states.calls[0] == ("reconnecting",)
        await kit.wait_until(conn.state_changed, lambda: conn.state == "connected")
        logged = [r for r in caplog.records if r.name == "terminal_app.services.connection"]
        warnings = [r.getMessage() for r in logged if r.levelno == logging.WARNING]
        assert any("lost" in text for text in warnings)
        infos = [r.getMessage() for r in logged if r.levelno == logging.INFO]
        assert any("reconnected" in text for text in infos)
        assert any("re-read" in text for text in infos)
        assert conn.reconciles == 1


@pytest.mark.asyncio
async def test_a_refused_key_stops_the_start_with_bitgets_reason(kit: Any) -> None:
    info = kit.sim.info
    endpoints = SessionEndpoints(info.rest, info.ws_public, info.ws_private)
    session = Session("Bad", ProfileKind.DEMO, endpoints, Credentials(info.api_key, "not-the-secret", info.passphrase))
    with pytest.raises(AuthError) as raised:
        await Services.open(session)
    assert raised.value.code
    assert "secret" in str(raised.value).lower() or "key" in str(raised.value).lower()
