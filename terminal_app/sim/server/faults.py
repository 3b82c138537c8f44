"""Fault injection for tests: an explicit API, nothing is ever on by default.

Reach it as ``SimServer.faults`` (in-process) or ``SimulatorRunner.faults`` (the simulator on its own thread; every
method here may be called from any thread). What each fault does:

REST (matched by exact path, or every path when ``path`` is None; ``count`` requests are affected, None = until
:meth:`FaultInjector.clear`):

* ``delay_rest(seconds)``: the request waits ``seconds`` before it is handled.
* ``fail_rest(status=503)``: answered with ``status`` without being executed (``executed=True``: executed first,
  then answered with the failure, the ambiguous case). A 5xx body is plain text unless ``code`` is given (then
  Bitget's envelope with that code); ``status=429`` answers Bitget's ``{"code":"429","msg":"Too Many Requests"}``.
* ``timeout_after_accept()``: the request is executed (an order *is* placed), then the answer never comes: the
  connection is held open without a byte (``close=False``, released by ``stop()`` or after ``hang_s``) or closed
  at once without an answer (``close=True``).

WebSocket (``conn_id`` from ``ws_connections()``; None = every open connection):

* ``drop_ws()``: the TCP connection is cut without a close frame.
* ``stall_ws()`` / ``resume_ws()``: the server stops sending anything (pushes are discarded, ``ping`` gets no
  ``pong``) while the socket stays open.
* ``malformed_frame(text)``: one text frame that is not JSON is sent.
* ``corrupt_checksum(symbol)``: the next ``count`` ``books`` updates of that symbol (any, if None) carry a wrong
  checksum.

Clock: ``shift_clock(seconds)`` moves the exchange's clock (``serverTime``, ``requestTime``, the ±30 s timestamp
windows of REST and WebSocket login) by ``seconds`` relative to the machine's. The market keeps its own continuous
time so candles and books do not jump.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Protocol, TypeVar

T = TypeVar("T")


@dataclass(slots=True)
class RestFault:
    kind: str                        # "delay" | "fail" | "timeout"
    path: str | None
    remaining: int | None
    delay_s: float = 0.0
    status: int = 503
    code: str | None = None
    msg: str = ""
    executed: bool = False
    close: bool = False
    hang_s: float = 300.0


class WsControl(Protocol):
    """What the WebSocket hub offers the injector (runs on the server's loop)."""

    def connection_ids(self) -> list[int]: ...

    def drop(self, conn_id: int | None) -> int: ...

    def stall(self, conn_id: int | None, stalled: bool) -> int: ...

    def send_raw(self, conn_id: int | None, text: str) -> int: ...


class FaultInjector:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rest: list[RestFault] = []
        self._corrupt: dict[str | None, int] = {}
        self.clock_offset_ms = 0
        self._ws: WsControl | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None

    def attach(self, ws: WsControl, loop: asyncio.AbstractEventLoop) -> None:
        """Called by the server once it runs."""
        self._ws = ws
        self._loop = loop
        self._loop_thread = threading.get_ident()

    # ---- REST -------------------------------------------------------------------------------------------------

    def _add(self, fault: RestFault) -> RestFault:
        with self._lock:
            self._rest.append(fault)
        return fault

    def delay_rest(self, seconds: float, *, path: str | None = None, count: int | None = 1) -> RestFault:
        return self._add(RestFault("delay", path, count, delay_s=seconds))

    def fail_rest(self, status: int = 503, *, path: str | None = None, count: int | None = 1,
                  code: str | None = None, msg: str = "", executed: bool = False) -> RestFault:
        if status == 429 and code is None:
            code, msg = "429", msg or "Too Many Requests"
        return self._add(RestFault("fail", path, count, status=status, code=code, msg=msg, executed=executed))

    def timeout_after_accept(self, *, path: str | None = None, count: int | None = 1, close: bool = False,
                             hang_s: float = 300.0) -> RestFault:
        return self._add(RestFault("timeout", path, count, close=close, hang_s=hang_s))

    def take_rest(self, path: str) -> list[RestFault]:
        """The faults that apply to one request to ``path`` (consumed; at most one of each kind)."""
        with self._lock:
            if not self._rest:
                return []
            taken: list[RestFault] = []
            kinds: set[str] = set()
            for fault in list(self._rest):
                if fault.kind in kinds or (fault.path is not None and fault.path != path):
                    continue
                kinds.add(fault.kind)
                taken.append(fault)
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._rest.remove(fault)
            return taken

    # ---- WebSocket -----------------------------------------------------------------------------------------------

    def _on_loop(self, fn: Callable[[], T]) -> T:
        if self._ws is None or self._loop is None:
            raise RuntimeError("the simulator server is not running")
        if threading.get_ident() == self._loop_thread:
            return fn()
        result: Future[T] = Future()

        def run() -> None:
            try:
                result.set_result(fn())
            except BaseException as exc:  # handed to the calling thread
                result.set_exception(exc)

        self._loop.call_soon_threadsafe(run)
        return result.result(timeout=10)

    def ws_connections(self) -> list[int]:
        return self._on_loop(lambda: self._require_ws().connection_ids())

    def drop_ws(self, conn_id: int | None = None) -> int:
        return self._on_loop(lambda: self._require_ws().drop(conn_id))

    def stall_ws(self, conn_id: int | None = None) -> int:
        return self._on_loop(lambda: self._require_ws().stall(conn_id, True))

    def resume_ws(self, conn_id: int | None = None) -> int:
        return self._on_loop(lambda: self._require_ws().stall(conn_id, False))

    def malformed_frame(self, conn_id: int | None = None, text: str = '{"action":"update","arg":') -> int:
        return self._on_loop(lambda: self._require_ws().send_raw(conn_id, text))

    def _require_ws(self) -> WsControl:
        assert self._ws is not None
        return self._ws

    def corrupt_checksum(self, symbol: str | None = None, count: int = 1) -> None:
        with self._lock:
            key = symbol.upper() if symbol else None
            self._corrupt[key] = self._corrupt.get(key, 0) + count

    def take_corrupt(self, symbol: str) -> bool:
        """Should this ``books`` update of ``symbol`` carry a wrong checksum? (consumes one)"""
        if not self._corrupt:
            return False
        with self._lock:
            for key in (symbol, None):
                left = self._corrupt.get(key, 0)
                if left > 0:
                    if left == 1:
                        del self._corrupt[key]
                    else:
                        self._corrupt[key] = left - 1
                    return True
        return False

    # ---- clock -----------------------------------------------------------------------------------------------

    def shift_clock(self, seconds: float) -> None:
        """Set the exchange clock's offset from the machine clock (not cumulative; 0 restores it)."""
        self.clock_offset_ms = int(seconds * 1000)

    def clear(self) -> None:
        """Remove every REST and checksum fault, restore the clock and resume stalled connections."""
        with self._lock:
            self._rest.clear()
            self._corrupt.clear()
        self.clock_offset_ms = 0
        if self._ws is not None:
            self.resume_ws()
