"""Offscreen screenshots of the keys dialog, the account doctor and the cheat-sheet (fake key values, secret fields
masked). They are always rendered and checked here; with ``BITGET_TERMINAL_SCREENSHOTS=<dir>`` they are also written
there (``resources/screenshots`` holds the committed ones)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from terminal_app.config.paths import AppPaths
from terminal_app.config.profiles import Profile
from terminal_app.config.secrets import CredentialStore
from terminal_app.config.settings import Settings
from terminal_app.core.doctor import DoctorFacts, ProbeError, diagnose
from terminal_app.core.enums import PositionMode
from terminal_app.core.health import ProfileKind
from terminal_app.ui.dialogs.keys import KeysDialog
from terminal_app.ui.doctor import DoctorDialog
from terminal_app.ui.main_window import MainWindow

from .conftest import MemoryKeyring

FAKE_KEY = "bg_EXAMPLE0000000000000000000000"
FAKE_SECRET = "fake-secret-not-a-real-key"
FAKE_PASSPHRASE = "fake-passphrase"


def save(widget: QWidget, name: str, tmp_path: Path) -> QImage:
    pixmap = widget.grab()
    out = tmp_path / name
    assert pixmap.save(str(out))
    target = os.environ.get("BITGET_TERMINAL_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        assert pixmap.save(str(Path(target) / name))
    image = QImage(str(out))
    assert image.width() >= 400
    assert image.height() >= 250
    # Not a blank grab: many distinct colours (text, icons, fields).
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    assert len(colours) > 20
    return image


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path) -> MainWindow:
    paths = AppPaths.under(tmp_path / "home").ensure()
    w = MainWindow(Settings.load(paths.settings_file), paths, profile="Main", kind=ProfileKind.LIVE)
    qtbot.addWidget(w)
    return w


def sample_findings() -> list:
    facts = DoctorFacts(profile_kind="live", rest_url="https://api.bitget.com", clock_offset_ms=2_400,
                        rest_rtt_ms=41.0, key_accepted=True, can_read=True, can_trade_spot=True,
                        can_trade_futures=False, uta=False, position_mode=PositionMode.HEDGE,
                        errors=(ProbeError("futures trade permission", "40014", "Incorrect permissions"),))
    return diagnose(facts)


def test_keys_dialog_screenshot(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    dialog = KeysDialog(Profile("Main", ProfileKind.LIVE), CredentialStore(MemoryKeyring()), parent=window)
    qtbot.addWidget(dialog)
    dialog.keyring_label.setText("API keys are saved in the system password store (SecretService). "
                                 "No key is stored for this profile yet.")
    dialog.api_key.setText(FAKE_KEY)
    dialog.secret.setText(FAKE_SECRET)
    dialog.passphrase.setText(FAKE_PASSPHRASE)
    dialog.test_button.show()
    dialog.results.set_findings(sample_findings())
    dialog.results.show()
    dialog.resize(640, 590)
    save(dialog, "keys-dialog.png", tmp_path)
    # The secret parts are masked on screen.
    assert dialog.secret.displayText() == "●" * len(FAKE_SECRET) or FAKE_SECRET not in dialog.secret.displayText()
    assert FAKE_PASSPHRASE not in dialog.passphrase.displayText()


def test_doctor_screenshot(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    dialog = DoctorDialog(window)
    qtbot.addWidget(dialog)
    dialog.show_findings("Main", "LIVE", sample_findings())
    dialog.resize(660, 600)
    save(dialog, "doctor.png", tmp_path)
    assert len(dialog.view.rows) == 5


def test_cheatsheet_screenshot(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    sheet = window.show_cheatsheet()
    sheet.resize(1000, 700)
    save(sheet, "cheatsheet.png", tmp_path)
    assert sheet.rows()
