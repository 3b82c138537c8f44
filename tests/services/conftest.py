"""Services tests: coroutines on a qasync loop against the real simulator over loopback sockets.

Each test starts its own simulator (``sim``: a ``SimulatorRunner`` on a thread of its own, port 0) and opens the four
services on it with the ``open_services`` fixture. Waiting is event-driven: ``wait_until`` re-checks a condition
whenever a signal is emitted (never ``qtbot.waitSignal`` inside a coroutine: it deadlocks qasync, environment.md
pitfall 3). The helpers are fixtures because test modules cannot import this file.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
import qasync
from PySide6.QtCore import SignalInstance
from PySide6.QtWidgets import QApplication

from terminal_app.bitget.ws import StreamerConfig
from terminal_app.core.credentials import Credentials
from terminal_app.core.health import ProfileKind
from terminal_app.services.session import Session, SessionEndpoints
from terminal_app.services.stack import Services
from terminal_app.sim.runner import SimulatorRunner
from terminal_app.sim.server.http import SimInfo

TIMEOUT = 10.0


def _qasync_loop() -> asyncio.AbstractEventLoop:
    app = QApplication.instance() or QApplication([])
    return qasync.QEventLoop(app)


def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item) -> dict[str, Callable[[], Any]]:
    return {"qasync": _qasync_loop}


@pytest.fixture(autouse=True)
def gc_on_this_thread() -> Iterator[None]:
    """Cyclic garbage (Qt objects among it) must not be collected on the simulator's thread: Qt objects may only be
    destroyed on their own thread. Automatic collection is off while a test runs and done here instead."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect()


@pytest.fixture
def sim() -> Iterator[SimulatorRunner]:
    runner = SimulatorRunner(seed=11)
    runner.start()
    try:
        yield runner
    finally:
        runner.stop()


def session_for(info: SimInfo, *, credentials: bool = True) -> Session:
    endpoints = SessionEndpoints(info.rest, info.ws_public, info.ws_private)
    creds = Credentials(info.api_key, info.secret, info.passphrase) if credentials else None
    # Quick reconnects keep the reconnect tests short; everything else is the streamer's default.
    config = StreamerConfig(backoff_initial_s=0.05, backoff_max_s=0.2)
    return Session("Demo", ProfileKind.DEMO, endpoints, creds, streamer_config=config)


@contextlib.asynccontextmanager
async def _open_services(runner: SimulatorRunner, **kw: Any) -> AsyncIterator[Services]:
    assert runner.info is not None
    services = await Services.open(session_for(runner.info, credentials=kw.pop("credentials", True)), **kw)
    try:
        yield services
    finally:
        await services.close()


async def wait_until(signal: SignalInstance, condition: Callable[[], Any], timeout: float = TIMEOUT) -> Any:  # noqa: ASYNC109
    """Return ``condition()`` once it is truthy, re-checking after each emission of ``signal``."""
    value = condition()
    if value:
        return value
    loop = asyncio.get_running_loop()
    done: asyncio.Future[Any] = loop.create_future()

    def check(*_args: Any) -> None:
        if done.done():
            return
        result = condition()
        if result:
            done.set_result(result)

    signal.connect(check)
    try:
        return await asyncio.wait_for(done, timeout)
    finally:
        with contextlib.suppress(RuntimeError):
            signal.disconnect(check)


async def next_emission(signal: SignalInstance, timeout: float = TIMEOUT,  # noqa: ASYNC109
                        where: Callable[..., bool] | None = None) -> tuple[Any, ...]:
    """The arguments of the next emission of ``signal`` (that satisfies ``where``, if given)."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[tuple[Any, ...]] = loop.create_future()

    def slot(*args: Any) -> None:
        if not done.done() and (where is None or where(*args)):
            done.set_result(args)

    signal.connect(slot)
    try:
        return await asyncio.wait_for(done, timeout)
    finally:
        with contextlib.suppress(RuntimeError):
            signal.disconnect(slot)


class Recorder:
    """Every emission of one signal, in order."""

    def __init__(self, signal: SignalInstance) -> None:
        self.calls: list[tuple[Any, ...]] = []
        signal.connect(self._record)

    def _record(self, *args: Any) -> None:
        self.calls.append(args)

    def __len__(self) -> int:
        return len(self.calls)


class Kit:
    """What a services test needs, as one fixture: ``kit.sim``, ``async with kit.open(**kw) as s``,
    ``await kit.wait_until(signal, condition)``, ``await kit.next(signal)``, ``kit.record(signal)``."""

    def __init__(self, sim: SimulatorRunner) -> None:
        self.sim = sim
        self.wait_until = wait_until
        self.next = next_emission
        self.record = Recorder

    def open(self, **kw: Any) -> contextlib.AbstractAsyncContextManager[Services]:
        """Services on this test's simulator; ``kw`` go to ``Services.open`` (``credentials=False``: no key)."""
        return _open_services(self.sim, **kw)


@pytest.fixture
def kit(sim: SimulatorRunner) -> Kit:
    return Kit(sim)


class Signals:
    """The waiting helpers without a simulator (for tests that start their own)."""

    wait_until = staticmethod(wait_until)
    next = staticmethod(next_emission)
    record = Recorder


@pytest.fixture
def signals() -> type[Signals]:
    return Signals
