"""TaskSet's eager start: the first step runs inside ``spawn``, as the task; the rest behaves as an asyncio task
(waits, timeouts, cancellation, errors). And an order placed with it is on the wire before the loop runs again."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from typing import Any

import pytest

from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.core.orders import OrderTicket
from terminal_app.services.tasks import TaskSet


def _spawn_from_callback(tasks: TaskSet, coro: Any) -> asyncio.Future[asyncio.Task[Any]]:
    loop = asyncio.get_running_loop()
    out: asyncio.Future[asyncio.Task[Any]] = loop.create_future()

    def spawn() -> None:
        task = tasks.spawn(coro, "job", eager=True)
        assert task is not None
        out.set_result(task)

    loop.call_soon(spawn)
    return out


@pytest.mark.asyncio
async def test_the_first_step_runs_inside_spawn_as_the_task() -> None:
    steps: list[Any] = []
    gate = asyncio.get_running_loop().create_future()

    async def job() -> str:
        steps.append(("first", asyncio.current_task()))
        value = await gate
        steps.append(("second", value))
        return "done"

    tasks = TaskSet("test")
    # spawn is called from a loop callback (as a Qt slot is), not from inside a task
    spawned: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().call_soon(lambda: spawned.set_result((tasks.spawn(job(), "job", eager=True),
                                                                     list(steps))))
    task, seen = await spawned
    assert seen == [("first", task)]  # before spawn returned
    gate.set_result(7)
    assert await task == "done"
    assert steps[1] == ("second", 7)


@pytest.mark.asyncio
async def test_inside_a_task_spawn_starts_the_usual_way() -> None:
    ran: list[str] = []

    async def job() -> None:
        ran.append("ran")

    task = TaskSet("test").spawn(job(), "job", eager=True)
    assert ran == []
    assert task is not None
    await task
    assert ran == ["ran"]


@pytest.mark.asyncio
async def test_tasks_the_first_step_creates_start_eagerly_too() -> None:
    order: list[str] = []

    async def inner() -> None:
        order.append("inner")

    async def job() -> None:
        asyncio.get_running_loop().create_task(inner())
        order.append("after create_task")
        await asyncio.sleep(0)

    await _spawn_from_callback(TaskSet("test"), job())
    assert order == ["inner", "after create_task"]
    assert asyncio.get_running_loop().get_task_factory() is None


@pytest.mark.asyncio
async def test_a_timeout_entered_in_the_first_step_fires() -> None:
    seen: list[str] = []

    async def job() -> None:
        try:
            async with asyncio.timeout(0.05):
                await asyncio.sleep(5)
        except TimeoutError:
            seen.append("timeout")

    task = await _spawn_from_callback(TaskSet("test"), job())
    await asyncio.wait_for(task, 5)
    assert seen == ["timeout"]


@pytest.mark.asyncio
async def test_cancelling_reaches_the_coroutine_where_it_waits() -> None:
    seen: list[str] = []
    never = asyncio.get_running_loop().create_future()

    async def job() -> None:
        try:
            await never
        except asyncio.CancelledError:
            seen.append("cancelled")
            raise
        finally:
            seen.append("finally")

    tasks = TaskSet("test")
    task = await _spawn_from_callback(tasks, job())
    await asyncio.sleep(0.01)
    await tasks.close()
    assert task.cancelled()
    assert never.cancelled()
    assert seen == ["cancelled", "finally"]


@pytest.mark.asyncio
async def test_closed_before_the_task_ran_the_coroutine_still_ends() -> None:
    seen: list[str] = []

    async def job() -> None:
        try:
            await asyncio.sleep(5)
        finally:
            seen.append("finally")

    tasks = TaskSet("test")
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()

    def spawn_and_close() -> None:
        tasks.spawn(job(), "job", eager=True)
        done.set_result(None)

    loop.call_soon(spawn_and_close)
    await done
    await tasks.close()
    assert seen == ["finally"]


@pytest.mark.asyncio
async def test_errors_before_and_after_the_first_wait_are_reported() -> None:
    errors: list[str] = []
    tasks = TaskSet("test", on_error=errors.append)

    async def early() -> None:
        raise ValueError("early")

    async def late() -> None:
        await asyncio.sleep(0)
        raise ValueError("late")

    for coro in (early(), late()):
        task = await _spawn_from_callback(tasks, coro)
        with pytest.raises(ValueError):
            await task
    await asyncio.sleep(0)
    assert errors == ["test:job failed: early", "test:job failed: late"]


@pytest.mark.asyncio
async def test_an_order_is_on_the_wire_before_the_loop_runs_again(kit: Any) -> None:
    """The order's request reaches the simulator (its own thread) while this thread is blocked right after
    ``place``: the bytes left inside the call, not when the loop got round to a new task."""
    ref = SymbolRef("BTCUSDT", Product.SPOT)
    arrivals: list[float] = []
    server = kit.sim.server

    def hook(request: Any) -> None:
        if request.path.endswith("/place-order"):
            arrivals.append(time.monotonic())

    kit.sim.call(lambda: server.request_hooks.append(hook))
    async with kit.open(history_pages=1) as s:
        s.market_data.set_active(ref)
        book = s.market_data.book(ref)
        await kit.wait_until(s.market_data.book_changed, lambda: book is not None and book.best_bid())
        price = (book.best_bid_price() * Decimal("0.9")).quantize(s.market_data.market(ref).tick_size)
        await s.session.rest.server_time()  # a pooled connection, as a trading session has
        loop = asyncio.get_running_loop()
        placed: asyncio.Future[tuple[str, bool]] = loop.create_future()

        def press() -> None:  # a Qt slot: not inside a task
            oid = s.trading.place(OrderTicket(ref, "buy", "limit", "gtc", Decimal("0.001"), price))
            deadline = time.monotonic() + 5
            while not kit.sim.call(lambda: list(arrivals)) and time.monotonic() < deadline:
                time.sleep(0.005)  # this thread, and so the loop, stays blocked
            placed.set_result((oid, bool(kit.sim.call(lambda: list(arrivals)))))

        loop.call_soon(press)
        oid, arrived = await placed
        assert arrived
        await kit.wait_until(s.trading.order_updated, lambda: (v := s.trading.order(oid)) and v.order_id)


def test_a_spawn_after_the_loop_has_gone_is_dropped_quietly() -> None:
    """A Qt timer firing during shutdown (PositionTools' refresh after a late fill) raised "There is no current
    event loop" inside Qt's event processing and left the coroutine never awaited."""
    ran: list[str] = []

    async def work() -> None:
        ran.append("ran")

    asyncio.set_event_loop(None)  # as qasync leaves it once its loop has closed
    coro = work()
    assert TaskSet("test").spawn(coro, "late") is None
    assert coro.cr_frame is None  # closed, not left to warn "never awaited"
    assert ran == []
