"""The connection service: the session's state machine, its health figures, and the reconciliation of orders,
positions and balances after the private stream reconnects.

Health (``core.health.HealthSnapshot``, published once a second): REST round trip from a light ``/public/time``
probe every few seconds (which also refreshes the clock offset), WebSocket lag = exchange-corrected now − the push's
``ts`` (the worst of the last second, reported by the market-data handlers through :meth:`record_push`), reconnect
count from the streamer, and the last order-book checksum result (:meth:`record_checksum`).

After a private connection comes back (logged in again), the streamer resubscribes its channels; once Bitget has
acknowledged them (or after a short timeout) every registered reconciler (:meth:`add_reconciler`; the trading and
account services register theirs) re-reads its state from REST, then ``reconciled`` is emitted. Reading REST only
after the resubscription means nothing that happened while the stream was down can slip between the two. A reconciler
whose reads fail (REST down for a while) is retried with backoff until it succeeds; ``reconciled`` waits for it.

What happens to the connection (state changes, losses and reconnects, refused subscriptions, REST outages) is logged
through ``logging`` under ``terminal_app.services.connection``; the Log panel and the log file read that.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from time import monotonic

from PySide6.QtCore import QObject, QTimer, Signal

from terminal_app.bitget.errors import BitgetError
from terminal_app.bitget.ws import (
    PRIVATE_CHANNELS,
    ChannelEvent,
    ChannelEventKind,
    ChannelKey,
    ConnectionEvent,
    ConnectionState,
    StreamEvent,
    arg_key,
)
from terminal_app.core.health import REST_PROBE_S, HealthSnapshot, StreamState
from terminal_app.services.retry import Backoff
from terminal_app.services.session import Session
from terminal_app.services.tasks import TaskSet

log = logging.getLogger("terminal_app.services.connection")

Reconciler = Callable[[], Awaitable[None]]

_STREAM_STATE = {
    "connecting": StreamState.CONNECTING,
    "connected": StreamState.CONNECTED,
    "reconnecting": StreamState.RECONNECTING,
}


def _is_private(connection: str) -> bool:
    return connection.startswith("private")  # the streamer names them public-N / private-N


def _up_state(connection: str) -> ConnectionState:
    return ConnectionState.LOGGED_IN if _is_private(connection) else ConnectionState.CONNECTED


class ConnectionService(QObject):
    """Owns the :class:`Session` of the active profile.

    Signals:
        health_changed(HealthSnapshot): once a second, and at once when the stream state changes.
        state_changed(str): ``connecting``, ``connected``, ``reconnecting``, ``failed`` (a key the exchange refuses),
            ``closed``.
        reconciled(): orders, positions and balances were re-read from REST after a reconnect (every read succeeded;
            failed reads are retried until they do).
    """

    health_changed = Signal(object)
    state_changed = Signal(str)
    reconciled = Signal()

    def __init__(self, session: Session, *, health_interval_ms: int = 1000, rest_probe_s: float = REST_PROBE_S,
                 resubscribe_timeout_s: float = 3.0, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._rest_probe_s = rest_probe_s
        self._resubscribe_timeout_s = resubscribe_timeout_s
        self._tasks = TaskSet("connection")  # logs a task that failed
        self._state = "connecting"
        self._conn_states: dict[str, ConnectionState] = {}
        self._was_up: set[str] = set()
        self._down: set[str] = set()
        self._reconcilers: list[Reconciler] = []
        self._awaiting: set[ChannelKey] = set()
        self._resubscribed = asyncio.Event()
        self._reconcile_running = False
        self._reconcile_again = False
        self.reconciles = 0
        # The reconciliation's retry policy (tests shorten it); 30 s at most between attempts during an outage.
        self.reconcile_backoff = Backoff(initial_s=0.5, max_s=30.0)
        self._rng = random.Random()
        self._rest_rtt: float | None = None
        self._rest_at: float | None = None
        self._rest_failing = False
        self._lag_window: float | None = None
        self._lag_shown: float | None = None
        self._msg_at: float | None = None
        self._reconnect_at: float | None = None
        self._checksum_ok: bool | None = None
        self._checksum_at: float | None = None
        self._checksum_failures = 0
        self._unlisten: Callable[[], object] | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(health_interval_ms)
        self._timer.timeout.connect(self._publish)
        self._closed = False

    # --- API --------------------------------------------------------------------------------------------------

    @property
    def session(self) -> Session:
        return self._session

    @property
    def state(self) -> str:
        return self._state

    def add_reconciler(self, reconciler: Reconciler) -> None:
        """``await reconciler()`` re-reads one service's state from REST after a reconnect."""
        self._reconcilers.append(reconciler)

    async def open(self) -> None:
        """Open the session (clock, markets, account probe) and start watching it; raises what ``Session.open``
        raises, after logging it and moving to ``failed``."""
        where = self._session.endpoints.rest_url
        log.info(f"Connecting to {where} ({self._session.kind.badge} profile {self._session.name!r})…")
        try:
            await self._session.open()
        except BitgetError as exc:
            self._set_state("failed")
            log.error(f"Could not open the session: {exc}")
            raise
        self._rest_rtt = self._session.clock.last_rtt_ms
        self._rest_at = monotonic()
        offset = self._session.clock.offset_ms
        log.info(f"Exchange reached: {len(self._session.markets)} markets, clock offset {offset:+d} ms.")
        if self._session.problem:
            log.warning(self._session.problem)
        self._recompute_state()
        self.start()

    def start(self) -> None:
        """Watch the streamer, publish health every interval, probe REST in the background."""
        if self._unlisten is None:
            self._unlisten = self._session.ws.add_listener(self._on_stream_event)
        self._timer.start()
        self._tasks.spawn(self._probe_rest_loop(), "rest-probe")
        self._publish()

    def record_push(self, ts: int | str | None) -> None:
        """A public push arrived with exchange timestamp ``ts`` (called on the receive path: keep it cheap)."""
        if ts is None:
            return
        try:
            lag = float(self._session.clock.now_ms() - int(ts))
        except (TypeError, ValueError):
            return
        self._msg_at = monotonic()
        if self._lag_window is None or lag > self._lag_window:
            self._lag_window = lag

    def record_checksum(self, ok: bool) -> None:
        self._checksum_ok = ok
        self._checksum_at = monotonic()
        if not ok:
            self._checksum_failures += 1

    def snapshot(self) -> HealthSnapshot:
        stats = self._session.ws.stats()
        clock = self._session.clock
        return HealthSnapshot(
            profile=self._session.name,
            kind=self._session.kind,
            taken_at=monotonic(),
            rest_rtt_ms=self._rest_rtt,
            rest_at=self._rest_at,
            ws_state=_STREAM_STATE.get(self._state, StreamState.DISCONNECTED),
            ws_lag_ms=self._lag_shown,
            ws_message_at=self._msg_at,
            clock_offset_ms=float(clock.offset_ms) if clock.synced else None,
            reconnects=stats.reconnects,
            reconnect_at=self._reconnect_at,
            checksum_ok=self._checksum_ok,
            checksum_at=self._checksum_at,
            checksum_failures=self._checksum_failures,
            account=mode.label if (mode := self._session.account_mode) is not None else None,
        )

    async def reconcile(self) -> None:
        """Run every reconciler (concurrently) until each has succeeded, then emit ``reconciled``.

        A reconciler that fails (a REST read refused, rate-limited or timed out) runs again after an exponential
        backoff with jitter (:attr:`reconcile_backoff`) for as long as it takes; closing the service cancels it.
        ``reconciled`` therefore never announces a state that was not read: it is emitted once every reconciler has
        succeeded since the last ask. A reconcile asked for while one runs makes every reconciler run once more
        afterwards, so the last reconnect is always covered."""
        if self._reconcile_running:
            self._reconcile_again = True
            return
        self._reconcile_running = True
        try:
            todo: list[Reconciler] = []
            failures = 0
            self._reconcile_again = True
            while True:
                if self._reconcile_again:
                    self._reconcile_again = False
                    todo = list(self._reconcilers)
                results = await asyncio.gather(*(r() for r in todo), return_exceptions=True)
                for result in results:
                    if isinstance(result, asyncio.CancelledError):
                        raise result
                failed = [(r, result) for r, result in zip(todo, results, strict=True)
                          if isinstance(result, BaseException)]
                if not failed:
                    if self._reconcile_again:
                        continue
                    break
                failures += 1
                delay = self.reconcile_backoff.delay(failures, self._rng)
                log.warning(f"Re-reading orders, positions and balances after the reconnect failed "
                            f"({failed[0][1]}); retrying in {delay:.1f} s (attempt {failures + 1}).")
                todo = [r for r, _ in failed]
                await asyncio.sleep(delay)
        finally:
            self._reconcile_running = False
        self.reconciles += 1
        log.info("Orders, positions and balances were re-read from the exchange after the reconnect.")
        self.reconciled.emit()

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._timer.stop()
        if self._unlisten is not None:
            self._unlisten()
            self._unlisten = None
        await self._tasks.close()
        await self._session.close()
        self._set_state("closed")

    # --- stream events ----------------------------------------------------------------------------------------

    def _on_stream_event(self, event: StreamEvent) -> None:
        if isinstance(event, ConnectionEvent):
            self._on_connection_event(event)
        elif isinstance(event, ChannelEvent):
            self._on_channel_event(event)

    def _on_connection_event(self, event: ConnectionEvent) -> None:
        name = event.connection
        private = _is_private(name)
        self._conn_states[name] = event.state
        if event.state is _up_state(name):
            if name in self._down:
                self._down.discard(name)
                log.info(f"WebSocket {name} reconnected.")
                if private:
                    self._tasks.spawn(self._reconcile_after_resubscribe(), "reconcile")
            self._was_up.add(name)
        elif event.state is ConnectionState.DISCONNECTED:
            if name in self._was_up and name not in self._down:
                self._down.add(name)
                self._reconnect_at = monotonic()
                log.warning(f"WebSocket {name} lost: {event.reason}.")
        elif event.state is ConnectionState.CLOSED and event.error is not None:
            log.error(f"WebSocket {name} gave up: {event.error}")
        self._recompute_state()

    def _on_channel_event(self, event: ChannelEvent) -> None:
        if event.kind is ChannelEventKind.ERROR:
            what = "/".join(str(v) for v in event.arg.values()) if event.arg else "a channel"
            log.warning(f"Subscription to {what} refused: {event.error}")
        elif event.kind is ChannelEventKind.SUBSCRIBED and event.arg is not None and self._awaiting:
            self._awaiting.discard(arg_key(event.arg))
            if not self._awaiting:
                self._resubscribed.set()

    async def _reconcile_after_resubscribe(self) -> None:
        self._awaiting = {k for k in self._session.ws.subscriptions() if k[1] in PRIVATE_CHANNELS}
        self._resubscribed.clear()
        if self._awaiting:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._resubscribed.wait(), self._resubscribe_timeout_s)
        self._awaiting = set()
        await self.reconcile()

    def _recompute_state(self) -> None:
        if self._state in ("failed", "closed"):
            return
        states = self._conn_states
        if any(s is ConnectionState.CLOSED for s in states.values()):
            new = "failed"  # the streamer only gives up on a connection when the exchange refuses the key
        elif any(s in (ConnectionState.DISCONNECTED, ConnectionState.RECONNECTING) for s in states.values()):
            new = "reconnecting"
        elif all(s is _up_state(name) for name, s in states.items()):
            new = "connected"
        else:
            new = "reconnecting" if self._down else "connecting"
        self._set_state(new)

    def _set_state(self, state: str) -> None:
        if state == self._state:
            return
        self._state = state
        log.info("Connection %s.", state)
        self.state_changed.emit(state)
        if not self._closed:
            self._publish()

    # --- health -----------------------------------------------------------------------------------------------

    async def _probe_rest_loop(self) -> None:
        http = self._session.http
        clock = self._session.clock
        while True:
            await asyncio.sleep(self._rest_probe_s)
            try:
                await http.sync_time()
            except BitgetError as exc:
                if not self._rest_failing:
                    self._rest_failing = True
                    log.warning(f"The exchange's REST API does not answer: {exc}")
                continue
            self._rest_rtt = clock.last_rtt_ms
            self._rest_at = monotonic()
            if self._rest_failing:
                self._rest_failing = False
                log.info("The exchange's REST API answers again.")

    def _publish(self) -> None:
        if self._lag_window is not None:
            self._lag_shown = max(0.0, self._lag_window)
            self._lag_window = None
        self.health_changed.emit(self.snapshot())
