"""Toasts: fill notes, expiry, click to dismiss, at most N, stacked above the status bar."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from terminal_app.ui.main_window import MainWindow
from terminal_app.ui.toast import ToastKind


def test_fill_toast_reads_like_a_fill(make_window: Callable[..., MainWindow]) -> None:
    w = make_window(show=True)
    buy = w.toasts.show_fill("buy", "BTCUSDT", "0.010", "65,012.5")
    sell = w.toasts.show_fill("SELL", "ETHUSDT", "1.5", "3,120.07", detail="fee 0.47 USDT")
    assert (buy.kind, buy.title_label.text(), buy.body_label.text()) == (ToastKind.BUY, "Bought 0.010 BTCUSDT",
                                                                          "@ 65,012.5")
    assert (sell.kind, sell.title_label.text()) == (ToastKind.SELL, "Sold 1.5 ETHUSDT")
    assert sell.body_label.text() == "@ 3,120.07 · fee 0.47 USDT"
    assert buy.property("kind") == "buy"
    assert buy.focusPolicy() == Qt.FocusPolicy.NoFocus  # never steals the keyboard from the ticket


@pytest.mark.asyncio
async def test_toasts_expire(make_window: Callable[..., MainWindow], wait_signal: Any) -> None:
    w = make_window(show=True)
    toast = w.toasts.show_toast("Order filled", timeout_ms=50)
    await wait_signal(toast.closed, 2.0)
    assert w.toasts.toasts == []


def test_click_dismisses(qtbot: QtBot, make_window: Callable[..., MainWindow]) -> None:
    w = make_window(show=True)
    toast = w.toasts.show_toast("Rejected", "[43012] Insufficient balance", ToastKind.ERROR)
    with qtbot.waitSignal(toast.closed):
        qtbot.mouseClick(toast, Qt.MouseButton.LeftButton)
    assert w.toasts.toasts == []


def test_at_most_n_stacked_above_the_status_bar(qtbot: QtBot, make_window: Callable[..., MainWindow]) -> None:
    w = make_window(show=True)
    for i in range(6):
        w.toasts.show_toast(f"note {i}", "body")
    toasts = w.toasts.toasts
    assert [t.title_label.text() for t in toasts] == ["note 2", "note 3", "note 4", "note 5"]
    qtbot.waitUntil(lambda: toasts[-1].geometry().bottom() < w.status.y())
    for upper, lower in itertools.pairwise(toasts):
        assert upper.geometry().bottom() < lower.geometry().top()  # newest at the bottom, no overlap
    w.resize(900, 700)
    qtbot.waitUntil(lambda: toasts[-1].geometry().right() < 900)
    assert toasts[-1].geometry().bottom() < w.status.y()
