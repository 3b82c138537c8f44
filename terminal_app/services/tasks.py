"""The asyncio tasks one service owns: started on the running (qasync) loop, reported when they fail, cancelled
together when the service closes. A widget calls a service method, the method spawns a task here and returns at once,
so nothing ever waits on the network inside a Qt slot."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

log = logging.getLogger("terminal_app.services")


class TaskSet:
    """``spawn`` coroutines, keep them alive until done, ``close`` cancels the rest and waits for them.

    ``on_error(text)`` hears about a task that raised (it is also logged with its traceback); cancellation is not an
    error.
    """

    def __init__(self, owner: str, on_error: Callable[[str], None] | None = None) -> None:
        self._owner = owner
        self._on_error = on_error
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any] | None:
        if self._closed:
            coro.close()
            return None
        task = asyncio.get_event_loop().create_task(coro, name=f"{self._owner}:{name}")
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            log.error("%s failed", task.get_name(), exc_info=exc)
            if self._on_error is not None:
                self._on_error(f"{task.get_name()} failed: {exc}")

    @property
    def pending(self) -> int:
        return len(self._tasks)

    async def close(self) -> None:
        self._closed = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
