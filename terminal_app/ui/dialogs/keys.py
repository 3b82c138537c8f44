"""The API-key dialog of one profile: key, secret and passphrase, a connection test, and saving to the keyring.

The secret and the passphrase are typed with echo off. "Test connection" runs the account doctor with the typed key
against the profile's exchange (for a Demo profile, the embedded simulator) and shows its findings. "Save" puts the
key in the OS keyring (``CredentialStore.save``, on a worker thread); when no usable keyring exists the dialog says
so in plain words and offers "Keep for this run only" (``CredentialStore.keep_for_session``). After saving, the
fields are emptied and the key is never shown again; nothing here logs or displays a secret.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from terminal_app.config.profiles import Profile
from terminal_app.config.secrets import (
    CredentialStore,
    InvalidCredentials,
    SecretsUnavailable,
    Storage,
    credentials_from_input,
)
from terminal_app.core.credentials import Credentials
from terminal_app.core.doctor import Finding
from terminal_app.core.errors import VenueError
from terminal_app.ui.doctor import DoctorView
from terminal_app.ui.theme import current_colors

Tester = Callable[[Profile, Credentials], Awaitable[list[Finding]]]

_WHERE = {
    Storage.KEYRING: "A key is stored for this profile in the system password store.",
    Storage.SESSION: "A key is held in memory for this run only; it is forgotten when the terminal closes.",
}


class KeysDialog(QDialog):
    """API key, secret and passphrase of ``profile``.

    Signals:
        stored(str profile, str storage): a key was saved (``keyring``) or kept for this run (``session``).
    """

    stored = Signal(str, str)

    def __init__(self, profile: Profile, store: CredentialStore, *, tester: Tester | None = None,
                 reason: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("KeysDialog")
        self.setWindowTitle(f"API key — {profile.name}")
        self.profile = profile
        self.store = store
        self._tester = tester
        self._tasks: set[asyncio.Future[Any]] = set()
        self._pending: Credentials | None = None  # typed, refused by the keyring, waiting for "this run only"
        self._closed = False
        self.findings: list[Finding] = []

        layout = QVBoxLayout(self)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        band = profile.band
        self.intro.setText(
            (f"<b>{reason}</b><br>" if reason else "")
            + f"Profile <b>{profile.name}</b> ({band.label}): {band.description} "
            + ("Use a Bitget <b>demo</b> API key (created in Bitget's demo mode)." if not band.real_money else
               "Use a Bitget API key. Give it only the permissions you need; never allow withdrawals.")
        )
        layout.addWidget(self.intro)

        form = QFormLayout()
        self.api_key = QLineEdit(self)
        self.api_key.setObjectName("ApiKey")
        self.api_key.setPlaceholderText("bg_…")
        self.secret = QLineEdit(self)
        self.secret.setObjectName("ApiSecret")
        self.passphrase = QLineEdit(self)
        self.passphrase.setObjectName("ApiPassphrase")
        for field in (self.secret, self.passphrase):
            field.setEchoMode(QLineEdit.EchoMode.Password)
        for field in (self.api_key, self.secret, self.passphrase):
            field.setClearButtonEnabled(True)
            field.textChanged.connect(self._on_typed)
        form.addRow("API key", self.api_key)
        form.addRow("Secret", self.secret)
        form.addRow("Passphrase", self.passphrase)
        layout.addLayout(form)

        self.keyring_label = QLabel(self)
        self.keyring_label.setObjectName("KeyringStatus")
        self.keyring_label.setWordWrap(True)
        layout.addWidget(self.keyring_label)
        self.message = QLabel(self)
        self.message.setObjectName("KeysMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)

        self.results = DoctorView(self)
        self.results.hide()
        layout.addWidget(self.results, 1)

        buttons = QHBoxLayout()
        self.test_button = QPushButton("Test connection", self)
        self.test_button.setObjectName("TestConnection")
        self.test_button.clicked.connect(lambda: self._spawn(self.test_connection()))
        self.test_button.setVisible(tester is not None)
        self.delete_button = QPushButton("Delete stored key", self)
        self.delete_button.setObjectName("DeleteKey")
        self.delete_button.clicked.connect(lambda: self._spawn(self.delete_key()))
        self.session_button = QPushButton("Keep for this run only", self)
        self.session_button.setObjectName("KeepForSession")
        self.session_button.clicked.connect(self.keep_for_session)
        self.session_button.hide()
        self.save_button = QPushButton("Save", self)
        self.save_button.setObjectName("SaveKey")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(lambda: self._spawn(self.save()))
        self.close_button = QPushButton("Close", self)
        self.close_button.clicked.connect(self.reject)
        buttons.addWidget(self.test_button)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        buttons.addWidget(self.session_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)
        self.resize(560, 420)
        self._on_typed()
        self._spawn(self.refresh_status())

    # --- async work ---------------------------------------------------------------------------------------------

    def _spawn(self, coro: Awaitable[Any]) -> None:
        try:
            task = asyncio.ensure_future(coro)
        except RuntimeError:  # no event loop (a dialog shown outside the app): the caller drives it instead
            if asyncio.iscoroutine(coro):
                coro.close()
            return
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def idle(self) -> None:
        """Wait until every started check, test and save has finished."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def refresh_status(self) -> None:
        status = await self.store.status_async()
        where = await asyncio.to_thread(self.store.where, self.profile.name)
        if self._closed:  # the dialog went away while the keyring answered
            return
        stored = _WHERE[where] if where is not None else "No key is stored for this profile yet."
        colour = current_colors().muted if status.available else current_colors().warn
        self.keyring_label.setStyleSheet(f"color: {colour};")
        self.keyring_label.setText(f"{status.message} {stored}")
        self.delete_button.setEnabled(where is not None)

    # --- actions ------------------------------------------------------------------------------------------------

    def typed(self) -> Credentials | None:
        """The typed key, or None with the reason shown (the reason never repeats what was typed)."""
        try:
            return credentials_from_input(self.api_key.text(), self.secret.text(), self.passphrase.text())
        except InvalidCredentials as exc:
            self._say(str(exc), error=True)
            return None

    async def test_connection(self) -> list[Finding]:
        creds = self.typed()
        if creds is None or self._tester is None:
            return []
        self.test_button.setEnabled(False)
        self._say("Testing the key against the exchange…")
        try:
            findings = await self._tester(self.profile, creds)
        except VenueError as exc:
            self._say(f"The test could not run: {exc.user_message}", error=True)
            return []
        finally:
            if not self._closed:
                self.test_button.setEnabled(True)
        if self._closed:
            return findings
        self.findings = findings
        self.results.set_findings(findings)
        self.results.show()
        self._say("")
        return findings

    async def save(self) -> Storage | None:
        creds = self.typed()
        if creds is None:
            return None
        self.save_button.setEnabled(False)
        try:
            storage = await self.store.save_async(self.profile.name, creds)
        except SecretsUnavailable as exc:
            self._pending = creds
            self.session_button.show()
            self._say(exc.user_message, error=True)
            return None
        finally:
            if not self._closed:
                self.save_button.setEnabled(True)
        self._stored(storage)
        return storage

    def keep_for_session(self) -> Storage | None:
        creds = self._pending or self.typed()
        if creds is None:
            return None
        storage = self.store.keep_for_session(self.profile.name, creds)
        self._stored(storage)
        return storage

    async def delete_key(self) -> None:
        try:
            await self.store.delete_async(self.profile.name)
        except SecretsUnavailable as exc:
            self._say(exc.user_message, error=True)
            return
        self._say("The stored key was deleted.")
        await self.refresh_status()

    def _stored(self, storage: Storage) -> None:
        self._pending = None
        if self._closed:  # saved after the dialog closed: the key is kept all the same
            self.stored.emit(self.profile.name, storage.value)
            return
        self._clear_fields()
        self.session_button.hide()
        self._say("Saved in the system password store. The key is not shown again." if storage is Storage.KEYRING
                  else "Kept in memory for this run only. The key is not shown again.")
        self.stored.emit(self.profile.name, storage.value)
        self._spawn(self.refresh_status())

    def _clear_fields(self) -> None:
        for field in (self.api_key, self.secret, self.passphrase):
            field.clear()

    def _on_typed(self) -> None:
        complete = all(f.text().strip() for f in (self.api_key, self.secret, self.passphrase))
        self.save_button.setEnabled(complete)
        self.test_button.setEnabled(complete)
        self.session_button.setEnabled(complete or self._pending is not None)

    def _say(self, text: str, *, error: bool = False) -> None:
        if self._closed:
            return
        colour = current_colors().alert if error else current_colors().muted
        self.message.setStyleSheet(f"color: {colour};")
        self.message.setText(text)

    def done(self, result: int) -> None:
        # Whatever was typed and not saved leaves with the dialog.
        self._closed = True
        self._pending = None
        self._clear_fields()
        super().done(result)


async def ask_for_key(profile: Profile, reason: str, *, store: CredentialStore, tester: Tester | None = None,
                      parent: QWidget | None = None) -> bool:
    """Show the keys dialog for ``profile`` and wait until it closes; True when a key was stored or kept."""
    dialog = KeysDialog(profile, store, tester=tester, reason=reason, parent=parent)
    closed: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
    kept = {"yes": False}
    dialog.stored.connect(lambda *_a: kept.__setitem__("yes", True))

    def on_finished(_result: int) -> None:
        if not closed.done():
            closed.set_result(kept["yes"])

    dialog.finished.connect(on_finished)
    dialog.open()
    try:
        return await closed
    finally:
        await dialog.idle()
        dialog.deleteLater()
