"""The API-key dialog: echo off for the secret parts, saving to the keyring, the plain message and "this run only"
when there is no keyring, "Test connection" against the simulator, and the dialog a switch opens for a missing key."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import pytest
from keyring.backends import fail
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit
from pytestqt.qtbot import QtBot

from terminal_app.config.profiles import Profile
from terminal_app.config.secrets import SERVICE, CredentialStore, Storage
from terminal_app.core.credentials import Credentials
from terminal_app.core.health import ProfileKind
from terminal_app.sim.runner import SimulatorRunner
from terminal_app.ui.dialogs.keys import KeysDialog, ask_for_key

from .conftest import Harness, MemoryKeyring, next_emission, until

pytestmark = pytest.mark.asyncio

FAKE = Credentials("bg_0123456789abcdef0123456789abcdef", "fake-secret-for-tests-only", "fake-passphrase")


def type_key(dialog: KeysDialog, creds: Credentials) -> None:
    QTest.keyClicks(dialog.api_key, creds.api_key)
    QTest.keyClicks(dialog.secret, creds.secret)
    QTest.keyClicks(dialog.passphrase, creds.passphrase)


def visible_text(dialog: KeysDialog) -> str:
    return " ".join([*(w.text() for w in dialog.findChildren(QLabel)),
                     *(w.text() for w in dialog.findChildren(QLineEdit))])


@pytest.fixture
def live() -> Profile:
    return Profile("Main", ProfileKind.LIVE)


@pytest.fixture
def sim_key(sim: SimulatorRunner) -> Credentials:
    k = sim.add_key()
    return Credentials(k.api_key, k.secret, k.passphrase)


async def test_secret_and_passphrase_are_typed_blind_and_saved_to_the_keyring(qtbot: QtBot, live: Profile) -> None:
    keyring = MemoryKeyring()
    store = CredentialStore(keyring)
    dialog = KeysDialog(live, store)
    qtbot.addWidget(dialog)
    await dialog.idle()
    assert dialog.secret.echoMode() is QLineEdit.EchoMode.Password
    assert dialog.passphrase.echoMode() is QLineEdit.EchoMode.Password
    assert dialog.api_key.echoMode() is QLineEdit.EchoMode.Normal
    assert "No key is stored for this profile yet." in dialog.keyring_label.text()
    assert not dialog.save_button.isEnabled()
    type_key(dialog, FAKE)
    assert dialog.save_button.isEnabled()
    stored = asyncio.ensure_future(next_emission(dialog.stored))
    await asyncio.sleep(0)
    dialog.save_button.click()
    assert await stored == ("Main", "keyring")
    await dialog.idle()
    assert json.loads(keyring.entries[(SERVICE, "Main")])["secret"] == FAKE.secret
    assert store.load("Main") == FAKE
    # Nothing of the key is left on screen.
    assert [f.text() for f in (dialog.api_key, dialog.secret, dialog.passphrase)] == ["", "", ""]
    shown = visible_text(dialog)
    assert FAKE.secret not in shown
    assert FAKE.passphrase not in shown
    assert FAKE.api_key not in shown
    assert "Saved in the system password store. The key is not shown again." in shown
    assert "A key is stored for this profile in the system password store." in dialog.keyring_label.text()


async def test_no_keyring_says_so_and_offers_this_run_only(qtbot: QtBot, live: Profile) -> None:
    store = CredentialStore(fail.Keyring())
    dialog = KeysDialog(live, store)
    qtbot.addWidget(dialog)
    await dialog.idle()
    assert "No password store (keyring) is available on this computer" in dialog.keyring_label.text()
    type_key(dialog, FAKE)
    assert await dialog.save() is None
    assert "No password store (keyring) is available" in dialog.message.text()
    assert not dialog.session_button.isHidden()
    dialog.session_button.click()
    await dialog.idle()
    assert store.where("Main") is Storage.SESSION
    assert store.load("Main") == FAKE
    assert "Kept in memory for this run only" in dialog.message.text()
    assert dialog.secret.text() == ""


async def test_incomplete_or_pasted_junk_is_refused_without_echoing_it(qtbot: QtBot, live: Profile) -> None:
    dialog = KeysDialog(live, CredentialStore(MemoryKeyring()))
    qtbot.addWidget(dialog)
    dialog.api_key.setText(FAKE.api_key)
    dialog.secret.setText("two words")
    dialog.passphrase.setText(FAKE.passphrase)
    assert await dialog.save() is None
    assert dialog.message.text() == "The secret contains spaces or invisible characters; paste it again."
    dialog.reject()
    assert dialog.passphrase.text() == ""


async def test_test_connection_runs_the_doctor_against_the_simulator(
        qtbot: QtBot, make_harness: Callable[..., Harness], sim: SimulatorRunner, sim_key: Credentials) -> None:
    h = make_harness({"Demo": sim})
    profile = h.add_profile("Main", ProfileKind.LIVE, runner=sim)
    dialog = KeysDialog(profile, h.store, tester=h.service.test_connection)
    qtbot.addWidget(dialog)
    type_key(dialog, sim_key)
    findings = await dialog.test_connection()
    titles = dialog.results.titles()
    assert "The API key works" in titles
    assert [f.title for f in findings] == titles
    assert not dialog.results.isHidden()
    # A key the exchange does not know.
    dialog.secret.clear()
    QTest.keyClicks(dialog.secret, "not-the-secret")
    await dialog.test_connection()
    assert "The API key was rejected" in dialog.results.titles()
    assert h.store.where("Main") is None  # testing stores nothing
    await dialog.idle()


async def test_switching_to_a_profile_without_a_key_opens_the_dialog(
        qtbot: QtBot, make_harness: Callable[..., Harness], sim: SimulatorRunner, sim_key: Credentials) -> None:
    h = make_harness({"Demo": sim})
    h.add_profile("Main", ProfileKind.LIVE, runner=sim)

    async def ask(profile: Profile, reason: str) -> bool:
        return await ask_for_key(profile, reason, store=h.store, tester=h.service.test_connection)

    h.service.ask_credentials = ask
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    quits = app.quitOnLastWindowClosed()
    app.setQuitOnLastWindowClosed(False)  # as the terminal runs: the loop ends on shutdown, not with a dialog
    try:
        switch = asyncio.ensure_future(h.service.switch("Main"))
        dialog = await until(lambda: next((w for w in QApplication.topLevelWidgets()
                                           if isinstance(w, KeysDialog) and w.isVisible()), None), what="dialog")
        assert "No API key is stored for profile 'Main'" in dialog.intro.text()
        type_key(dialog, sim_key)
        dialog.save_button.click()
        await until(lambda: h.store.where("Main") is Storage.KEYRING, what="key saved")
        QTest.keyClick(dialog, Qt.Key.Key_Escape)
        guarded = await switch
        assert guarded is not None
        assert guarded.session.credentials == sim_key
        await until(lambda: h.service.findings, what="doctor")
        assert guarded.trading.blocked_reason == ""
    finally:
        app.setQuitOnLastWindowClosed(quits)
        await h.close()
