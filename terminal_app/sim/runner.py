"""Run the simulator in the background: its own thread, its own asyncio loop, a free loopback port.

The GUI's demo mode and tests use it::

    runner = SimulatorRunner(seed=7)
    info = runner.start()          # SimInfo: rest, ws_public, ws_private, api_key, secret, passphrase
    runner.faults.drop_ws()        # fault injection (thread-safe), see sim/server/faults.py
    key = runner.add_key(permissions={"read"})   # a read-only key (40014 on trade endpoints)
    runner.stop()

The engine (and its SQLite state) lives on the runner's thread only; reach it with :meth:`SimulatorRunner.call`.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

from terminal_app.sim.server.auth import ALL_PERMISSIONS, DEMO_UID, ApiKey
from terminal_app.sim.server.faults import FaultInjector
from terminal_app.sim.server.http import SimConfig, SimInfo, SimServer

T = TypeVar("T")

# The simulator's thread shares the GIL with the host's (the GUI thread in Demo mode). With Python's default 5 ms
# switch interval a busy simulator keeps the GIL up to 5 ms every time the GUI thread asks for it back, and the GUI
# thread asks for it at every Qt callback. bench gui --sim thread (10 symbols, ~4,500 msgs/s, quiet 2-core machine,
# 15 s runs): event-loop lag p50/p99 27/110 ms at 5 ms, 3-7/24-39 ms at 0.5 ms, 1.1-1.4/13-19 ms at 0.1 ms, for
# ~6 % of a core more on the GUI thread. Lowered while any runner runs; the host's value is restored after.
GIL_SWITCH_INTERVAL_S = 0.0001
_switch_lock = threading.Lock()
_switch_users = 0
_switch_saved = 0.0


def _share_gil(running: bool) -> None:
    global _switch_users, _switch_saved
    with _switch_lock:
        if running:
            if _switch_users == 0:
                _switch_saved = sys.getswitchinterval()
                sys.setswitchinterval(min(_switch_saved, GIL_SWITCH_INTERVAL_S))
            _switch_users += 1
        elif _switch_users > 0:
            _switch_users -= 1
            if _switch_users == 0:
                sys.setswitchinterval(_switch_saved)


class SimulatorRunner:
    def __init__(self, seed: int = 1, state_path: str | Path | None = None, fast: bool = False,
                 host: str = "127.0.0.1", port: int = 0, *, config: SimConfig | None = None) -> None:
        self.config = config or SimConfig(seed=seed, state_path=state_path, fast=fast, host=host, port=port)
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._server: SimServer | None = None
        self.info: SimInfo | None = None

    @property
    def server(self) -> SimServer:
        if self._server is None:
            raise RuntimeError("the simulator is not running")
        return self._server

    @property
    def faults(self) -> FaultInjector:
        return self.server.faults

    def start(self, timeout_s: float = 60.0) -> SimInfo:
        if self._thread is not None:
            raise RuntimeError("the simulator is already running")
        ready: Future[SimInfo] = Future()
        self._thread = threading.Thread(target=self._run, args=(ready,), name="bitget-simulator", daemon=True)
        _share_gil(True)
        self._thread.start()
        try:
            self.info = ready.result(timeout=timeout_s)
        except BaseException:
            self.stop()
            raise
        return self.info

    def _run(self, ready: Future[SimInfo]) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve(ready))
        except BaseException as exc:
            if not ready.done():
                ready.set_exception(exc)
        finally:
            try:
                pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
                for task in pending:
                    task.cancel()
                if pending:
                    loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.run_until_complete(loop.shutdown_default_executor())
            finally:
                loop.close()

    async def _serve(self, ready: Future[SimInfo]) -> None:
        self._stop = asyncio.Event()
        server = SimServer(self.config)
        self._server = server
        try:
            info = await server.start()
        except BaseException:
            await server.stop()
            raise
        ready.set_result(info)
        try:
            await self._stop.wait()
        finally:
            await server.stop()

    def stop(self, timeout_s: float = 30.0) -> None:
        """Close every connection, stop the server and its thread (idempotent)."""
        thread, loop, stop = self._thread, self._loop, self._stop
        if thread is None:
            return
        if loop is not None and stop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stop.set)
        thread.join(timeout_s)
        if thread.is_alive():
            raise RuntimeError("the simulator thread did not stop")
        self._thread = None
        _share_gil(False)
        self._loop = None
        self._server = None

    def __enter__(self) -> SimulatorRunner:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- calls into the simulator's thread ---------------------------------------------------------------------

    def call(self, fn: Callable[..., T], *args: Any, timeout_s: float = 30.0) -> T:
        """Run ``fn(*args)`` on the simulator's loop (where the engine lives) and return its result."""
        loop = self._loop
        if loop is None or self._server is None:
            raise RuntimeError("the simulator is not running")
        if threading.current_thread() is self._thread:
            return fn(*args)
        result: Future[T] = Future()

        def run() -> None:
            try:
                result.set_result(fn(*args))
            except BaseException as exc:  # handed to the calling thread
                result.set_exception(exc)

        loop.call_soon_threadsafe(run)
        return result.result(timeout=timeout_s)

    def add_key(self, uid: str | None = None, *, permissions: Iterable[str] = ALL_PERMISSIONS, demo: bool = False,
                uta: bool = False) -> ApiKey:
        """A new random API key (for a new user unless ``uid`` is given)."""
        perms = frozenset(permissions)
        return self.call(lambda: self.server.keys.create(uid, permissions=perms, demo=demo, uta=uta))

    def reset_demo_account(self, uid: str = DEMO_UID) -> None:
        self.call(self.server.reset_user, uid)
