"""The asyncio tasks one service owns: started on the running (qasync) loop, reported when they fail, cancelled
together when the service closes. A widget calls a service method, the method spawns a task here and returns at once,
so nothing ever waits on the network inside a Qt slot.

``spawn(..., eager=True)`` runs the coroutine's first step inside the call, up to its first real wait, as Python
3.12's eager tasks do: an order's request is signed and written to the socket within the key press, instead of
waiting for the loop to reach the new task behind every stream callback already queued (bench keys: 5,000 market
data messages a second on the same GUI thread).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
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

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str, *, eager: bool = False) -> asyncio.Task[Any] | None:
        """A task running ``coro``; ``eager``: its first step runs now, before this returns (see the module's
        docstring)."""
        if self._closed:
            coro.close()
            return None
        try:
            loop = asyncio.get_event_loop()
        except RuntimeError:  # a Qt timer or signal after the loop has gone (shutdown): nothing can run it
            log.debug("%s:%s dropped: no event loop", self._owner, name)
            coro.close()
            return None
        label = f"{self._owner}:{name}"
        task = start_eagerly(loop, coro, label) if eager else loop.create_task(coro, name=label)
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




def start_eagerly(loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, Any], name: str | None = None,
                  context: contextvars.Context | None = None) -> asyncio.Task[Any]:
    """Run ``coro`` until it first waits for something, then let a task drive the rest (Python 3.12's eager start).

    The first step runs as that task (``asyncio.current_task()`` is it: aiohttp's timeouts need one, and cancel it),
    in its own context; a task the step creates starts eagerly too (aiohttp writes a request's body from a task of
    its own: only eagerly do the bytes leave inside the call). Only from outside any task, as a Qt slot (a key
    press) runs: called inside a running task it starts the usual way (the test harnesses that press keys from a
    coroutine saw such tasks never scheduled; not understood yet, so not done).
    """
    if asyncio.current_task(loop) is not None:
        return loop.create_task(coro, name=name)
    return _start_now(loop, coro, name, context)


def _start_now(loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, Any], name: str | None,
               context: contextvars.Context | None) -> asyncio.Task[Any]:
    context = context if context is not None else contextvars.copy_context()
    first = _FirstStep()
    task: asyncio.Task[Any] = asyncio.Task(_resume(coro, first), loop=loop, name=name, context=context)
    task.add_done_callback(lambda _task: coro.close())  # cancelled before it ran: the coroutine's finally runs
    outer = asyncio.current_task(loop)
    if outer is not None:
        asyncio.tasks._leave_task(loop, outer)
    asyncio.tasks._enter_task(loop, task)
    factory = loop.get_task_factory()
    loop.set_task_factory(_eager_factory)
    try:
        context.run(first.run, coro)
    finally:
        loop.set_task_factory(factory)
        asyncio.tasks._leave_task(loop, task)
        if outer is not None:
            asyncio.tasks._enter_task(loop, outer)
    return task


def _eager_factory(loop: asyncio.AbstractEventLoop, coro: Any, context: contextvars.Context | None = None
                   ) -> asyncio.Task[Any]:
    return _start_now(loop, coro, None, context)


class _FirstStep:
    def __init__(self) -> None:
        self.waiting: Any = None
        self.finished = False
        self.value: Any = None
        self.error: BaseException | None = None

    def run(self, coro: Coroutine[Any, Any, Any]) -> None:
        try:
            self.waiting = coro.send(None)
        except StopIteration as stop:
            self.finished, self.value = True, stop.value
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # raised by the task, as a lazily started coroutine's would be
            self.error = exc


async def _resume(coro: Coroutine[Any, Any, Any], first: _FirstStep) -> Any:
    """Drive ``coro`` on from where its first step left it, as ``asyncio.Task`` does: wake it when the future it
    yielded is done (None: a bare yield, next loop pass), and on cancellation cancel that future, so the coroutine
    sees ``CancelledError`` where it waits."""
    if first.error is not None:
        raise first.error
    if first.finished:
        return first.value
    waiting = first.waiting
    try:
        while True:
            if waiting is None:
                try:
                    await asyncio.sleep(0)
                except asyncio.CancelledError:
                    waiting = coro.throw(asyncio.CancelledError())
                    continue
            else:
                waiting._asyncio_future_blocking = False
                while not waiting.done():
                    try:
                        await asyncio.wait((waiting,))
                    except asyncio.CancelledError:
                        waiting.cancel()  # the coroutine sees it when the future (maybe a task) is done
            waiting = coro.send(None)
    except StopIteration as stop:
        return stop.value
