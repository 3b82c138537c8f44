"""The copy-trading panel of the running terminal polls Bitget's copy endpoints only while someone can see it: not
behind the Orders tab it is stacked on (Qt keeps such a dock "visible", moved off the window), not while the window is
minimised; opening its tab polls at once. Counted at the simulator, on the request path."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QTabBar

from terminal_app.services.copy_trading import CopyTradingService
from terminal_app.ui.main_window import MainWindow

from ..conftest import WaitSignal, WaitUntil

pytestmark = [pytest.mark.asyncio, pytest.mark.usefixtures("gc_on_this_thread")]


def click_tab(window: MainWindow, title: str) -> None:
    """Click the dock tab ``title`` as the trader would."""
    for bar in window.findChildren(QTabBar):
        for index in range(bar.count()):
            if bar.tabText(index) == title and bar.parent() is window:
                QTest.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
                return
    raise AssertionError(f"no dock tab {title!r}")


async def loop_turns(copy: CopyTradingService, turns: int = 3) -> None:
    """Let the poll loop go round ``turns`` times, woken as a refresh wakes it: each turn polls (to the end) if the
    service believes the panel is seen."""
    loop = asyncio.get_running_loop()
    for _ in range(turns):
        copy.refresh()
        deadline = loop.time() + 10
        while copy._wake.is_set():  # cleared by the loop once it has looked (and polled, if it did)
            assert loop.time() < deadline, "the copy poll loop did not turn"
            await asyncio.sleep(0.01)


async def test_the_copy_panel_polls_only_while_its_tab_is_in_front_of_an_open_window(
        terminals: Any, wait_signal: WaitSignal, wait_until: WaitUntil) -> None:
    async with terminals.running() as term:
        window, copy = term.window, term.copy
        assert window.pending_panels == []  # the panel is built (after the first frame), behind the Orders tab
        requests: list[str] = []

        def count(request: Any) -> None:
            if "/copy/" in request.path:
                requests.append(request.path)

        server = term.runner.server
        term.runner.call(lambda: server.request_hooks.append(count))
        copy.fast_s = 0.05
        await loop_turns(copy)
        assert not copy.visible
        assert requests == []

        # Opened: it polls everything at once. The trader list selects its first trader, whose profile loads once
        # (its own requests, not the poll's: awaited before the quiet part is counted).
        profile = asyncio.ensure_future(wait_signal(copy.profile_loaded, 15))
        click_tab(window, "Copy trading")
        await wait_until(copy.follower_current_changed, lambda: copy.visible and len(requests) >= 3)
        assert window.panel("copy-trading").on_screen()
        await profile

        click_tab(window, "Orders")  # behind again: a poll under way ends, then nothing
        await loop_turns(copy, 1)
        assert not copy.visible
        requests.clear()
        await loop_turns(copy)
        assert requests == []

        click_tab(window, "Copy trading")  # the same trader still selected: no profile to load
        await wait_until(copy.follower_current_changed, lambda: copy.visible and requests)
        window.showMinimized()  # minimised: Qt's widgets stay "visible"; nobody sees them
        await loop_turns(copy, 1)
        assert not copy.visible
        requests.clear()
        await loop_turns(copy)
        assert requests == []
        window.showNormal()
        await wait_until(copy.follower_current_changed, lambda: copy.visible and requests)
