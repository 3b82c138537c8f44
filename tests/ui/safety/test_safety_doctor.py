"""The account doctor on connecting a Bitget profile, against a simulator that presents each condition: a healthy
key, a read-only key, a UTA account, a demo key in a Live profile (40099), a Bitget demo profile, clock skew. Orders
are held until the doctor has answered, and for as long as a finding would make them fail."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

import terminal_app.services.profiles as profiles_module
from terminal_app.core.credentials import Credentials
from terminal_app.core.doctor import Finding, Severity, blocks_trading
from terminal_app.core.health import ProfileKind
from terminal_app.core.orders import OrderTicket
from terminal_app.services.profiles import DOCTOR_PENDING
from terminal_app.sim.runner import SimulatorRunner
from terminal_app.sim.server.http import SimConfig
from terminal_app.ui.doctor import DoctorDialog

from .conftest import BTC, Harness, next_emission, sim_open_orders, sim_orders, until

pytestmark = pytest.mark.asyncio


@pytest.fixture(scope="module")
def bitget_sim() -> Iterator[SimulatorRunner]:
    """A simulator that, like Bitget, wants ``paptrading: 1`` with a demo key."""
    runner = SimulatorRunner(config=SimConfig(seed=3, require_paptrading=True))
    runner.start()
    try:
        yield runner
    finally:
        runner.stop()


def key(sim: SimulatorRunner, **kw: Any) -> Credentials:
    k = sim.add_key(**kw)
    return Credentials(k.api_key, k.secret, k.passphrase)


async def connect_keyed(h: Harness, sim: SimulatorRunner, name: str, kind: ProfileKind, creds: Credentials
                        ) -> tuple[Any, list[Finding]]:
    h.add_profile(name, kind, runner=sim)
    h.store.save(name, creds)
    findings = asyncio.ensure_future(next_emission(h.service.findings_ready))
    await asyncio.sleep(0)
    guarded = await h.service.switch(name)
    profile, found = await findings
    assert profile.name == name
    return guarded, found


def by_key(findings: list[Finding]) -> dict[str, Finding]:
    return {f.key: f for f in findings}


def shown(qtbot: QtBot, name: str, findings: list[Finding]) -> DoctorDialog:
    dialog = DoctorDialog()
    qtbot.addWidget(dialog)
    dialog.show_findings(name, "LIVE", findings)
    return dialog


async def test_a_healthy_key_releases_trading_after_the_check(
        qtbot: QtBot, make_harness: Callable[..., Harness], bitget_sim: SimulatorRunner) -> None:
    h = make_harness({})
    try:
        held: list[str] = []
        h.service.switched.connect(lambda _p, g: held.append(g.trading.blocked_reason))
        guarded, findings = await connect_keyed(h, bitget_sim, "Main", ProfileKind.LIVE, key(bitget_sim))
        assert held == [f"{DOCTOR_PENDING}"]  # before the doctor answered, orders were held
        assert guarded.trading.blocked_reason == ""
        assert by_key(findings)["api_key"].title == "The API key works"
        assert by_key(findings)["account_type"].title == "Classic account"
        assert by_key(findings)["permissions"].title == "The key can read and trade"
        dialog = shown(qtbot, "Main", findings)
        assert dialog.view.titles() == [f.title for f in findings]
        assert dialog.view.summary.text() == "Everything checked out: ready to trade."
        assert all(row.icon.pixmap() is not None for row in dialog.view.rows)
    finally:
        await h.close()


async def test_a_read_only_key_is_reported_with_its_fix(
        qtbot: QtBot, make_harness: Callable[..., Harness], bitget_sim: SimulatorRunner) -> None:
    h = make_harness({})
    try:
        guarded, findings = await connect_keyed(h, bitget_sim, "Watcher", ProfileKind.LIVE,
                                                key(bitget_sim, permissions={"read"}))
        permissions = by_key(findings)["permissions"]
        assert permissions.severity is Severity.WARN
        assert permissions.title == "Read-only key: watching only"
        assert "enable 'Trade'" in permissions.fix
        dialog = shown(qtbot, "Watcher", findings)
        row = next(r for r in dialog.view.rows if r.finding.key == "permissions")
        assert row.fix.text().startswith("Fix: If you mean to trade")
        assert dialog.view.summary.text().startswith("Ready to trade, with 1 thing")
        assert guarded.trading.blocked_reason == ""
    finally:
        await h.close()


async def test_a_uta_account_is_explained_and_trades(
        qtbot: QtBot, make_harness: Callable[..., Harness], bitget_sim: SimulatorRunner) -> None:
    h = make_harness({})
    try:
        uta = bitget_sim.add_key(uta=True)
        guarded, findings = await connect_keyed(h, bitget_sim, "Unified", ProfileKind.LIVE,
                                                Credentials(uta.api_key, uta.secret, uta.passphrase))
        account = by_key(findings)["account_type"]
        assert (account.severity, account.title) == (Severity.OK, "Unified Trading Account (UTA)")
        assert "margin pool" in account.explanation
        assert by_key(findings)["permissions"].severity is Severity.OK  # probed through V3
        assert "account-wide" in by_key(findings)["position_mode"].explanation
        assert not blocks_trading(findings)
        assert guarded.trading.blocked_reason == ""
        assert type(guarded.session.venue).__name__ == "V3Venue"
        await h.activate(BTC)
        window = h.build_window(qtbot, guarded)
        ticket = window.panel("ticket")
        assert h.ticket_hold is not None
        assert not h.ticket_hold.held
        assert ticket.isEnabled()
        dialog = shown(qtbot, "Unified", findings)
        assert "orders would fail" not in dialog.view.summary.text()
        last = guarded.market_data.last_price(BTC)
        assert last is not None
        price = (last * Decimal("0.98")).quantize(Decimal("0.01"))  # within the fat-finger limit, resting
        submission = guarded.trading.submit(OrderTicket(BTC, "buy", "limit", size=Decimal("0.001"), price=price))
        assert submission.sent, submission
        await until(lambda: sim_open_orders(bitget_sim, uta.uid), what="the UTA order on the exchange")

        # A hold (any ERROR finding) reaches the ticket, the palette and the order path alike.
        guarded.trading.block("Trading is held for this test. Fix it and run the doctor again.")
        assert h.ticket_hold.held
        assert not ticket.isEnabled()
        assert h.ticket_hold.banner.text().startswith("Trading is held: Trading is held for this test")
        assert h.palette is not None
        h.palette.open_palette("b 0.001 @ 90000")
        assert "Trading is held" in h.palette.preview.text()
        held = guarded.trading.submit(OrderTicket(BTC, "buy", "limit", size=Decimal("0.001"),
                                                  price=Decimal("90000")))
        assert not held.sent
        guarded.trading.unblock()
        assert ticket.isEnabled()
        assert not h.ticket_hold.banner.isVisibleTo(ticket)
    finally:
        await h.close()


async def test_a_demo_key_in_a_live_profile_is_explained(
        make_harness: Callable[..., Harness], bitget_sim: SimulatorRunner) -> None:
    h = make_harness({})
    try:
        failed: list[str] = []
        h.service.switch_failed.connect(lambda _p, text: failed.append(text))
        demo_key = key(bitget_sim, demo=True)
        guarded, findings = await connect_keyed(h, bitget_sim, "Main", ProfileKind.LIVE, demo_key)
        environment = by_key(findings)["environment"]
        assert environment.title == "A demo-trading key in a Live profile"
        assert "40099" in environment.explanation
        assert guarded is None  # the exchange refuses every private call: nothing half-connected is left
        assert failed[0].startswith("Could not connect the LIVE profile 'Main': [40099]")
        assert h.service.current is None
        # The same key in a Bitget demo profile (paptrading: 1) is fine, and that profile's band says so.
        guarded, findings = await connect_keyed(h, bitget_sim, "Paper", ProfileKind.BITGET_DEMO, demo_key)
        assert guarded is not None
        assert "environment" not in by_key(findings)
        assert by_key(findings)["api_key"].severity is Severity.OK
        assert guarded.session.endpoints.paptrading
        assert guarded.trading.blocked_reason == ""
    finally:
        await h.close()


async def test_clock_skew_is_a_warning_that_does_not_block(
        make_harness: Callable[..., Harness], bitget_sim: SimulatorRunner) -> None:
    h = make_harness({})
    bitget_sim.faults.shift_clock(45)
    try:
        guarded, findings = await connect_keyed(h, bitget_sim, "Main", ProfileKind.LIVE, key(bitget_sim))
        clock = by_key(findings)["clock"]
        assert clock.severity is Severity.WARN
        assert clock.title == "This computer's clock is far off"
        assert "45 s behind" in clock.explanation
        assert guarded.trading.blocked_reason == ""
    finally:
        bitget_sim.faults.shift_clock(0)
        await h.close()


async def test_no_key_asks_for_one_and_connects_without_trading(
        make_harness: Callable[..., Harness], bitget_sim: SimulatorRunner) -> None:
    h = make_harness({})
    asked: list[str] = []

    async def ask(profile: Any, reason: str) -> bool:
        asked.append(reason)
        return False  # the user closed the dialog

    h.service.ask_credentials = ask
    h.add_profile("Keyless", ProfileKind.LIVE, runner=bitget_sim)
    try:
        before = sim_orders(bitget_sim)
        findings = asyncio.ensure_future(next_emission(h.service.findings_ready))
        await asyncio.sleep(0)
        guarded = await h.service.switch("Keyless")
        _, found = await findings
        assert asked == ["No API key is stored for profile 'Keyless'. Enter it to trade."]
        assert guarded is not None
        assert by_key(found)["api_key"].title == "No API key for this profile"
        assert guarded.trading.blocked_reason.startswith("No API key for this profile")
        assert sim_orders(bitget_sim) == before
    finally:
        await h.close()


async def test_a_doctor_that_cannot_finish_keeps_orders_held(
        monkeypatch: pytest.MonkeyPatch, make_harness: Callable[..., Harness], sim: SimulatorRunner) -> None:
    async def broken(*_a: Any, **_k: Any) -> Any:
        raise RuntimeError("probe exploded")

    h = make_harness({"Demo": sim})
    h.service.doctor_on_demo = True
    real = profiles_module.gather_facts
    monkeypatch.setattr(profiles_module, "gather_facts", broken)
    try:
        guarded = await h.connect("Demo", symbol=None)
        await until(lambda: "could not finish" in guarded.trading.blocked_reason, what="hold with the reason")
        assert "RuntimeError: probe exploded" in guarded.trading.blocked_reason
        monkeypatch.setattr(profiles_module, "gather_facts", real)
        findings = await h.service.run_doctor()  # "Check again"
        assert findings
        assert guarded.trading.blocked_reason == ""
    finally:
        await h.close()
