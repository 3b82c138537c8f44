"""The profile manager: list, add (Demo, Bitget demo trading, Live), remove, per-profile market-order confirmation,
the API-key dialog, and switching.

Every change is saved to ``profiles.json`` at once (``ProfileBook.save``); removing a profile also deletes its API
key from the keyring. The active profile cannot be removed (switch away first), and the last Demo profile never can.
Choosing "Switch to" emits :attr:`ProfilesDialog.profile_chosen`; the profile service does the switch.
:func:`install_profiles_menu` puts the manager and the API-key dialog in the File menu.
"""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from terminal_app.config.profiles import BANDS, Profile, ProfileBook, ProfileError
from terminal_app.config.secrets import CredentialStore, SecretsUnavailable
from terminal_app.core.health import ProfileKind
from terminal_app.ui.dialogs.keys import KeysDialog
from terminal_app.ui.theme import current_colors

UNIFIED_SUFFIX = ":unified"
# (kind, label, unified account): the embedded simulator's account is classic or unified, as the user picks.
KIND_CHOICES = (
    (ProfileKind.DEMO, "Demo (simulated exchange on this computer)", False),
    (ProfileKind.DEMO, "Demo (unified account)", True),
    (ProfileKind.BITGET_DEMO, "Bitget demo trading (demo API key)", False),
    (ProfileKind.LIVE, "Live (real money)", False),
)


def band_icon(kind: ProfileKind) -> QIcon:
    c = current_colors()
    pixmap = QPixmap(14, 14)
    pixmap.fill(QColor(getattr(c, BANDS[kind].colour_role)))
    return QIcon(pixmap)


class ProfilesDialog(QDialog):
    """Profiles of ``book``; ``active`` is the name of the connected profile.

    Signals:
        profile_chosen(Profile): the user wants to switch to this profile.
        keys_requested(Profile): open the API-key dialog for this profile.
        changed(): the profiles changed (and were saved).
    """

    profile_chosen = Signal(object)
    keys_requested = Signal(object)
    changed = Signal()

    def __init__(self, book: ProfileBook, store: CredentialStore, *, active: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ProfilesDialog")
        self.setWindowTitle("Profiles")
        self.book = book
        self.store = store
        self.active = active
        self._tasks: set[asyncio.Future[Any]] = set()

        layout = QVBoxLayout(self)
        body = QHBoxLayout()
        self.list = QListWidget(self)
        self.list.setObjectName("ProfileList")
        self.list.currentRowChanged.connect(lambda _r: self._show_selected())
        self.list.itemDoubleClicked.connect(lambda _i: self.choose_selected())
        body.addWidget(self.list, 1)

        details = QVBoxLayout()
        self.details = QLabel(self)
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        details.addWidget(self.details)
        self.skip_confirm = QCheckBox("Skip the market-order confirmation for this profile", self)
        self.skip_confirm.setObjectName("SkipMarketConfirm")
        self.skip_confirm.toggled.connect(self._on_skip_toggled)
        details.addWidget(self.skip_confirm)
        row = QHBoxLayout()
        self.keys_button = QPushButton("API key…", self)
        self.keys_button.clicked.connect(lambda: self._emit_selected(self.keys_requested))
        self.remove_button = QPushButton("Remove", self)
        self.remove_button.setObjectName("RemoveProfile")
        self.remove_button.clicked.connect(self.remove_selected)
        self.switch_button = QPushButton("Switch to", self)
        self.switch_button.setObjectName("SwitchProfile")
        self.switch_button.clicked.connect(self.choose_selected)
        for button in (self.keys_button, self.remove_button, self.switch_button):
            row.addWidget(button)
        details.addLayout(row)
        details.addStretch(1)
        body.addLayout(details, 1)
        layout.addLayout(body, 1)

        add = QGridLayout()
        add.addWidget(QLabel("New profile:", self), 0, 0)
        self.new_name = QLineEdit(self)
        self.new_name.setObjectName("NewProfileName")
        self.new_name.setPlaceholderText("Name, e.g. Main account")
        self.new_name.returnPressed.connect(self.add_profile)
        add.addWidget(self.new_name, 0, 1)
        self.new_kind = QComboBox(self)
        self.new_kind.setObjectName("NewProfileKind")
        for kind, label, unified in KIND_CHOICES:
            self.new_kind.addItem(band_icon(kind), label, f"{kind.value}{UNIFIED_SUFFIX if unified else ''}")
        self.new_kind.setCurrentIndex(2)
        add.addWidget(self.new_kind, 0, 2)
        self.add_button = QPushButton("Add", self)
        self.add_button.setObjectName("AddProfile")
        self.add_button.clicked.connect(self.add_profile)
        add.addWidget(self.add_button, 0, 3)
        layout.addLayout(add)

        self.message = QLabel(self)
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        close = QPushButton("Close", self)
        close.clicked.connect(self.accept)
        end = QHBoxLayout()
        end.addStretch(1)
        end.addWidget(close)
        layout.addLayout(end)
        self.resize(720, 420)
        self.refresh()

    # --- list ---------------------------------------------------------------------------------------------------

    def refresh(self, select: str | None = None) -> None:
        selected = self.selected()
        keep = select or (selected.name if selected is not None else self.active)
        self.list.blockSignals(True)
        self.list.clear()
        for profile in self.book:
            marker = "   (active)" if self.active and profile.name.casefold() == self.active.casefold() else ""
            item = QListWidgetItem(band_icon(profile.kind), f"{profile.band.label} · {profile.name}{marker}")
            item.setData(Qt.ItemDataRole.UserRole, profile.name)
            self.list.addItem(item)
        self.list.blockSignals(False)
        names = [n.casefold() for n in self.book.names()]
        row = names.index(keep.casefold()) if keep and keep.casefold() in names else 0
        self.list.setCurrentRow(row)
        self._show_selected()

    def selected(self) -> Profile | None:
        item = self.list.currentItem()
        if item is None:
            return None
        return self.book.find(str(item.data(Qt.ItemDataRole.UserRole)))

    def select(self, name: str) -> None:
        self.refresh(select=name)

    def _show_selected(self) -> None:
        profile = self.selected()
        has = profile is not None
        for w in (self.keys_button, self.remove_button, self.switch_button, self.skip_confirm):
            w.setEnabled(has)
        if profile is None:
            self.details.setText("")
            return
        try:
            hosts = profile.endpoints().rest_url
        except ProfileError:  # a Demo profile: its simulator's address exists only while it runs
            hosts = "the embedded simulator"
        account = "<br>Account: unified trading account (one margin pool, Bitget's V3 API)" if profile.unified else ""
        self.details.setText(f"<b>{profile.name}</b><br>{profile.band.description}{account}<br>Connects to: {hosts}")
        self.keys_button.setEnabled(profile.needs_api_key or profile.has_overrides)
        self.skip_confirm.blockSignals(True)
        self.skip_confirm.setChecked(profile.skip_market_confirm)
        self.skip_confirm.blockSignals(False)

    # --- changes ------------------------------------------------------------------------------------------------

    def add_profile(self) -> Profile | None:
        choice = str(self.new_kind.currentData())
        kind_value, unified = choice.removesuffix(UNIFIED_SUFFIX), choice.endswith(UNIFIED_SUFFIX)
        try:
            profile = self.book.add(Profile(self.new_name.text(), ProfileKind(kind_value), unified=unified))
        except ProfileError as exc:
            self._say(str(exc), error=True)
            return None
        self._save()
        self.new_name.clear()
        self.refresh(select=profile.name)
        self._say(f"Profile {profile.name!r} added." + (" Enter its API key next." if profile.needs_api_key else ""))
        return profile

    def remove_selected(self) -> Profile | None:
        profile = self.selected()
        if profile is None:
            return None
        if self.active and profile.name.casefold() == self.active.casefold():
            self._say("This profile is connected; switch to another profile before removing it.", error=True)
            return None
        try:
            self.book.remove(profile.name)
        except ProfileError as exc:
            self._say(str(exc), error=True)
            return None
        self._save()
        if profile.needs_api_key:
            self._spawn(self._forget_key(profile))
        self.refresh()
        self._say(f"Profile {profile.name!r} removed.")
        return profile

    async def _forget_key(self, profile: Profile) -> None:
        try:
            await self.store.delete_async(profile.name)
        except SecretsUnavailable as exc:
            self._say(f"Profile {profile.name!r} removed, but its key could not be deleted: {exc.user_message}",
                      error=True)

    def _on_skip_toggled(self, skip: bool) -> None:
        profile = self.selected()
        if profile is None:
            return
        self.book.set_skip_market_confirm(profile.name, skip)
        self._save()
        self._say(f"{profile.name}: market orders above your threshold are sent without asking." if skip else
                  f"{profile.name}: market orders above your threshold ask for confirmation.")

    def choose_selected(self) -> None:
        self._emit_selected(self.profile_chosen)

    def _emit_selected(self, signal: Any) -> None:
        profile = self.selected()
        if profile is not None:
            signal.emit(profile)

    def _save(self) -> None:
        if self.book.path is not None:
            try:
                self.book.save()
            except (OSError, ProfileError) as exc:
                self._say(f"The profiles could not be saved: {exc}", error=True)
                return
        self.changed.emit()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def idle(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _say(self, text: str, *, error: bool = False) -> None:
        colour = current_colors().alert if error else current_colors().muted
        self.message.setStyleSheet(f"color: {colour};")
        self.message.setText(text)


class ProfilesMenu(QObject):
    """File ▸ Profiles… and File ▸ API key…: the manager switches through ``profiles`` (the ``ProfileService``),
    the keys dialog tests with it and stores in ``store``."""

    def __init__(self, window: Any, profiles: Any, store: CredentialStore) -> None:
        super().__init__(window)
        self._window = window
        self._profiles = profiles
        self._store = store
        self.dialog: ProfilesDialog | None = None
        self.keys: KeysDialog | None = None
        self.switching: asyncio.Future[Any] | None = None
        menu = window.registry.menu("File")
        first = menu.actions()[0] if menu.actions() else None
        self.actions: dict[str, QAction] = {}
        for key, label, slot in (("profiles", "Profiles…", self.show_profiles),
                                 ("api_key", "API key of this profile…", self.show_keys)):
            action = QAction(label, window)
            action.setObjectName(f"action_{key}")
            action.triggered.connect(slot)
            menu.insertAction(first, action)
            self.actions[key] = action

    def show_profiles(self) -> ProfilesDialog:
        active = self._profiles.profile.name if self._profiles.profile is not None else None
        if self.dialog is None:
            self.dialog = ProfilesDialog(self._profiles.book, self._store, active=active, parent=self._window)
            self.dialog.profile_chosen.connect(self.switch_to)
            self.dialog.keys_requested.connect(self.show_keys)
        else:
            self.dialog.active = active
            self.dialog.refresh()
        self.dialog.show()
        return self.dialog

    def show_keys(self, profile: Profile | None = None) -> KeysDialog | None:
        target = profile if isinstance(profile, Profile) else self._profiles.profile
        if target is None:
            return None
        if self.keys is not None and not self.keys.isVisible():
            self.keys.deleteLater()  # the previous one (closed; its keyring calls have long finished)
        self.keys = KeysDialog(target, self._store, tester=self._profiles.test_connection, parent=self._window)
        self.keys.open()
        return self.keys

    def switch_to(self, profile: Profile) -> None:
        if self.dialog is not None:
            self.dialog.accept()
        self.switching = asyncio.ensure_future(self._profiles.switch(profile))


def install_profiles_menu(window: Any, profiles: Any, store: CredentialStore) -> ProfilesMenu:
    return ProfilesMenu(window, profiles, store)
