"""The secrets-leak test: a known key goes into an in-memory keyring through the keys dialog, a keyed session runs
against the simulator (doctor, an order placed and filled, journal, CSV export, settings, profiles and layout saved),
then every file under the app's config, data, cache and log folders and every captured log record (all loggers, DEBUG
and up) is searched for the secret and the passphrase; the rotating log file the terminal writes (``services.logbook``
at DEBUG, with the key's test, the doctor, the private stream's login and the order) holds neither them nor the API
key."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from terminal_app.config.settings import CONFIRM_MARKET_NOTIONAL
from terminal_app.core.credentials import Credentials
from terminal_app.core.health import ProfileKind
from terminal_app.services import logbook
from terminal_app.sim.runner import SimulatorRunner
from terminal_app.ui.dialogs.keys import KeysDialog

from .conftest import BTC, Harness, next_emission

pytestmark = pytest.mark.asyncio


def app_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def leaks(data: bytes, creds: Credentials) -> list[str]:
    found = []
    for label, secret in (("secret", creds.secret), ("passphrase", creds.passphrase)):
        for form in (secret.encode(), secret.encode("utf-16-le")):
            if form in data:
                found.append(label)
    return found


async def test_a_keyed_session_leaves_no_secret_in_files_or_logs(
        qtbot: QtBot, caplog: pytest.LogCaptureFixture, make_harness: Callable[..., Harness],
        sim: SimulatorRunner, tmp_path: Path) -> None:
    caplog.set_level(logging.DEBUG)
    key = sim.add_key()
    creds = Credentials(key.api_key, key.secret, key.passphrase)
    root = tmp_path / "app"
    h = make_harness({"Demo": sim}, root=root)
    book = logbook.install(logging.DEBUG, stream=None)  # as run_app does, at the most talkative level
    log_file = book.open_file(h.paths.log_dir)
    profile = h.add_profile("Main", ProfileKind.LIVE, runner=sim)
    try:
        dialog = KeysDialog(profile, h.store, tester=h.service.test_connection)
        qtbot.addWidget(dialog)
        QTest.keyClicks(dialog.api_key, creds.api_key)
        QTest.keyClicks(dialog.secret, creds.secret)
        QTest.keyClicks(dialog.passphrase, creds.passphrase)
        # A screenshot with the key typed: the secret parts are masked dots.
        dialog.grab().save(str(h.paths.cache_dir / "keys-dialog.png"))
        assert "The API key works" in [f.title for f in await dialog.test_connection()]
        await dialog.save()
        await dialog.idle()
        dialog.close()

        findings = asyncio.ensure_future(next_emission(h.service.findings_ready))
        await asyncio.sleep(0)
        guarded = await h.service.switch("Main")
        assert guarded is not None
        await findings
        await h.activate(BTC)
        window = h.build_window(qtbot, guarded)
        await h.show(window)
        h.settings.set(CONFIRM_MARKET_NOTIONAL, Decimal(100000))
        assert h.palette is not None
        h.palette.open_palette("b 0.001 m")
        fill = asyncio.ensure_future(next_emission(guarded.trading.fill_received))
        await asyncio.sleep(0)
        assert h.palette.run().ok
        await fill
        await h.journal.flush()
        assert await h.journal.read(lambda j, p: j.fills(p)), "the fill is in the journal"
        await h.journal.export_fills(h.paths.data_dir / "fills.csv")
        await h.journal.export_orders(h.paths.data_dir / "orders.csv")
        window.save_layout()
        h.settings.save()
        h.book.save()
    finally:
        await h.close()
        book.close()  # writes what is still queued for the file

    logged = log_file.read_text(encoding="utf-8")
    assert "Doctor: The API key works." in logged  # the key logged in (REST and the private stream)
    assert "DEBUG terminal_app.bitget.http" in logged  # written at DEBUG
    assert re.search(r"INFO terminal_app.services.trading: Filled buy [0-9.]+ BTCUSDT @", logged)  # the order
    for label, value in (("API key", creds.api_key), ("secret", creds.secret), ("passphrase", creds.passphrase)):
        assert value not in logged, f"the {label} is in {log_file}"
    files = app_files(root)
    names = {p.name for p in files}
    assert {"settings.json", "profiles.json", "layout.json", "fills.csv", "orders.csv", "keys-dialog.png",
            "terminal.log"} <= names
    assert any(p.suffix == ".sqlite3" for p in files)
    for path in files:
        assert not leaks(path.read_bytes(), creds), f"{path} holds a secret"
    records = caplog.records
    assert len(records) > 20  # the session did log (connections, doctor, orders)
    for record in records:
        text = record.getMessage() + (record.exc_text or "") + repr(record.args)
        assert creds.secret not in text, f"{record.name}: secret in a log record"
        assert creds.passphrase not in text, f"{record.name}: passphrase in a log record"
