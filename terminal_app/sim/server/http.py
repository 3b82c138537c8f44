"""The simulator's server: one aiohttp app on one port serving Bitget's V2 REST API and the WebSockets
``/v2/ws/public`` and ``/v2/ws/private`` (bitget-v2.md), around the engine facade ``sim.engine.exchange.Exchange``.

A REST request goes: fault injection (delay / fail) → route lookup (404 with Bitget's body if unknown) → signature
check for private routes (``server.auth``) → trade permission (40014) → per-endpoint rate limit (HTTP 429) → handler
(``server.spot`` / ``server.mix`` / ``server.routes``) → Bitget's envelope. Business errors are HTTP 400 with
``{"code", "msg", "requestTime", "data": null}``.

The market only moves in ``Exchange.advance``; a timer task calls it every ``tick_ms`` and then lets the WebSocket hub
push what changed. Everything runs on the one event loop that runs the server, so the engine needs no locks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from aiohttp import web

from terminal_app.bitget.clock import system_ms
from terminal_app.bitget.errors import ExchangeError
from terminal_app.sim.engine import unified
from terminal_app.sim.engine.catch_up import FAST_STEP_BUDGET_S
from terminal_app.sim.engine.exchange import Exchange
from terminal_app.sim.server import v3_names
from terminal_app.sim.server.auth import DEMO_CREDENTIALS, DEMO_UID, TRADE, Authenticator, KeyStore, require
from terminal_app.sim.server.copy_routes import register_copy_routes
from terminal_app.sim.server.faults import FaultInjector, RestFault
from terminal_app.sim.server.info import SimInfo  # re-exported: its historic home
from terminal_app.sim.server.mix import MIX_ROUTES
from terminal_app.sim.server.plan_routes import PLAN_ROUTES
from terminal_app.sim.server.position_routes import POSITION_ROUTES
from terminal_app.sim.server.ratelimits import RateLimiter
from terminal_app.sim.server.routes import COMMON_ROUTES, Call, Route
from terminal_app.sim.server.spot import SPOT_ROUTES
from terminal_app.sim.server.tick_slices import Slices, advance_in_slices
from terminal_app.sim.server.v3_pool_routes import V3_POOL_ROUTES
from terminal_app.sim.server.v3_position_routes import V3_POSITION_ROUTES
from terminal_app.sim.server.v3_routes import V3_ROUTES
from terminal_app.sim.server.v3_ws import V3_PRIVATE_PATH, V3_PUBLIC_PATH, BothHubs, V3WsHub
from terminal_app.sim.server.ws import WsHub
from terminal_app.sim.server.ws_protocol import PRIVATE_PATH, PUBLIC_PATH, WsConfig
from terminal_app.store.file_lock import ExclusiveFileLock, FileLockedError

log = logging.getLogger("terminal_app.sim.server.http")


class StateInUseError(OSError):
    """Another simulator holds the state file."""

# PLAN_ROUTES after MIX_ROUTES: they answer the plan paths server.mix also knows (every plan type; server.plan_routes)
ALL_ROUTES: tuple[Route, ...] = (*COMMON_ROUTES, *SPOT_ROUTES, *MIX_ROUTES, *PLAN_ROUTES, *POSITION_ROUTES,
                                 *V3_ROUTES, *V3_POOL_ROUTES, *V3_POSITION_ROUTES)
# A key works only against its account's generation (bitget-v3-uta.md §1): Bitget's answers, HTTP 400.
CLASSIC_ON_V3 = ("40084", "You are in Classic Account mode, and the Unified Account API is not supported at this time")
# A unified elite trader leads through V3 (/api/v3/copy/futures/..., no tracking orders: bitget/v3/copy.py), so the
# V2 trader copy endpoints answer it as every V2 trading endpoint does; the V2 follower and broker copy endpoints stay
# open to unified keys (Bitget's V3 follower API needs a copy project's id no endpoint lists; unverified).
COPY_PREFIX = "/api/v2/copy/"
V2_TRADER_COPY = ("/api/v2/copy/mix-trader/", "/api/v2/copy/spot-trader/")
UNIFIED_ON_V2 = ("40085", "You are in Unified Account mode, and the Classic Account API is not supported at this time")


@dataclass(slots=True)
class SimConfig:
    """``fast``: the engine steps every 5 ms, every step's book change is pushed at once, and REST rate limits are
    off (benchmarks). ``quiet``: no market makers nor synthetic trades (exact matching tests)."""

    seed: int = 1
    state_path: str | Path | None = None
    fast: bool = False
    host: str = "127.0.0.1"
    port: int = 0
    rate_limits: bool | None = None          # None: on, except in fast mode
    rate_limit_scale: float = 1.0
    require_paptrading: bool = False
    tick_ms: float | None = None             # None: 25 ms, 5 ms in fast mode
    quiet: bool = False
    account_mode: str = "classic"            # the demo key's account: "classic" (V2) or "unified" (V3, UTA)
    ws: WsConfig = field(default_factory=WsConfig)


def _envelope(code: str, msg: str, now: int, data: Any) -> bytes:
    return orjson.dumps({"code": code, "msg": msg, "requestTime": now, "data": data})


class SimServer:
    """The simulated Bitget. ``await start()`` binds and returns the URLs and demo credentials; ``await stop()``."""

    def __init__(self, config: SimConfig | None = None, *, clock_ms: Callable[[], int] = system_ms,
                 exchange: Exchange | None = None) -> None:
        cfg = config or SimConfig()
        self.config = cfg
        cfg.ws.fast = cfg.fast
        self._clock = clock_ms
        self.faults = FaultInjector()
        self.keys = KeyStore()
        if cfg.account_mode not in ("classic", "unified"):
            raise ValueError(f"unknown account mode {cfg.account_mode!r} (classic or unified)")
        if cfg.account_mode == "unified":
            c = DEMO_CREDENTIALS
            self.keys.add(c.api_key, c.secret, c.passphrase, DEMO_UID, demo=True, uta=True)
        # One simulator per state file: a second one would overwrite the first one's accounts.
        self._state_lock: ExclusiveFileLock | None = None
        if exchange is None and cfg.state_path is not None:
            lock = ExclusiveFileLock(f"{cfg.state_path}.lock")
            try:
                lock.acquire()
            except FileLockedError:
                raise StateInUseError(f"another simulator is using {cfg.state_path} (is Bitget Terminal already "
                                      "open with this profile?)") from None
            self._state_lock = lock
        try:
            self.exchange = exchange or Exchange(cfg.seed, clock=clock_ms, state_path=cfg.state_path, fast=cfg.fast,
                                                 quiet=cfg.quiet)
        except BaseException:
            self._release_state()
            raise
        if cfg.fast:   # on the wall clock, a fast market that falls behind skips ahead rather than block the loop
            self.exchange.catch_up.step_budget_s = FAST_STEP_BUDGET_S
        self.auth = Authenticator(self.keys, self.now_ms, require_paptrading=cfg.require_paptrading)
        limits_on = (not cfg.fast) if cfg.rate_limits is None else cfg.rate_limits
        self.limiter = RateLimiter(scale=cfg.rate_limit_scale, enabled=limits_on)
        self.hub = WsHub(self.exchange, self.auth, self.faults, self.now_ms, cfg.ws)
        self.v3_hub = V3WsHub(self.exchange, self.auth, self.now_ms, cfg.ws)
        self.routes: dict[tuple[str, str], Route] = {(r.method, r.path): r for r in ALL_ROUTES}
        self.tick_s = (cfg.tick_ms if cfg.tick_ms is not None else (5.0 if cfg.fast else 25.0)) / 1000.0
        self.requests = 0
        self._runner: web.AppRunner | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._hanging: set[asyncio.Task[Any]] = set()
        self.info: SimInfo | None = None
        self.tick_hooks: list[Callable[[], None]] = []     # run on the timer after each advance (copy trading)
        # Called first thing for every REST request, on the server's loop (``bench keys`` times order arrivals).
        self.request_hooks: list[Callable[[web.Request], None]] = []
        self.copy = register_copy_routes(self)               # /api/v2/copy/... (server.copy_routes)
        # unified accounts' pools: interest, repayment, countdown cancel-all, liquidation (engine.unified)
        self.tick_hooks.append(lambda: unified.check(self.exchange, self.exchange.now_ms()))
        if cfg.account_mode == "unified":
            unified.enrol(self.exchange, DEMO_UID)

    def now_ms(self) -> int:
        """The exchange clock: the machine's, shifted by the clock fault."""
        return self._clock() + self.faults.clock_offset_ms

    # ---- lifecycle ---------------------------------------------------------------------------------------------

    def build_app(self) -> web.Application:
        app = web.Application(client_max_size=1 << 20)
        app.router.add_get(PUBLIC_PATH, self.hub.handle)
        app.router.add_get(PRIVATE_PATH, self.hub.handle)
        app.router.add_get(V3_PUBLIC_PATH, self.v3_hub.handle)
        app.router.add_get(V3_PRIVATE_PATH, self.v3_hub.handle)
        app.router.add_route("*", "/{tail:.*}", self._handle_rest)
        return app

    async def start(self) -> SimInfo:
        cfg = self.config
        self._stopping = asyncio.Event()
        runner = web.AppRunner(self.build_app(), access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, cfg.host, cfg.port)
        await site.start()
        self._runner = runner
        host, port = runner.addresses[0][:2]
        self.faults.attach(BothHubs(self.hub, self.v3_hub), asyncio.get_running_loop())
        self._ticker = asyncio.create_task(self._tick(), name="sim-tick")
        shown = host if ":" not in host else f"[{host}]"
        c = DEMO_CREDENTIALS
        self.info = SimInfo(f"http://{shown}:{port}", f"ws://{shown}:{port}{PUBLIC_PATH}",
                            f"ws://{shown}:{port}{PRIVATE_PATH}", c.api_key, c.secret, c.passphrase,
                            cfg.account_mode, f"ws://{shown}:{port}{V3_PUBLIC_PATH}",
                            f"ws://{shown}:{port}{V3_PRIVATE_PATH}")
        log.info("simulator listening on %s", self.info.rest)
        return self.info

    async def stop(self) -> None:
        self._stopping.set()
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None
        await self.hub.close_all()
        await self.v3_hub.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        for task in list(self._hanging):
            task.cancel()
        self.copy.persistence.save(force=True)         # follows and tracking orders outlive a restart
        self.exchange.close()
        self._release_state()

    def _release_state(self) -> None:
        if self._state_lock is not None:
            self._state_lock.release()
            self._state_lock = None

    async def _tick(self) -> None:
        ex, hub = self.exchange, self.hub
        loop = asyncio.get_running_loop()
        next_idle_check = loop.time() + 1.0
        while True:
            try:
                # In slices (server.tick_slices): REST requests and WebSocket reads get the loop between them.
                slices = Slices()
                await advance_in_slices(ex, slices, ex.catch_up.step_budget_s)
                for hook in self.tick_hooks:
                    await slices.pause_if_due()
                    hook()
                hub.flush()
                self.v3_hub.flush()
                if loop.time() >= next_idle_check:
                    next_idle_check = loop.time() + 1.0
                    hub.idle_check()
                    self.v3_hub.idle_check()
            except Exception:
                log.exception("simulator tick failed")
            await asyncio.sleep(self.tick_s)

    def reset_user(self, uid: str = DEMO_UID) -> None:
        """"Reset demo account": cancel everything, drop positions and history, fund again."""
        self.exchange.reset_user(uid)

    # ---- REST ----------------------------------------------------------------------------------------------------

    def _answer(self, status: int, code: str, msg: str, data: Any = None) -> web.Response:
        return web.Response(status=status, body=_envelope(code, msg, self.now_ms(), data),
                            content_type="application/json")

    def _failure(self, fault: RestFault) -> web.Response:
        if fault.code is not None:
            return self._answer(fault.status, fault.code, fault.msg or "fault injected")
        return web.Response(status=fault.status, text=fault.msg or "Service Temporarily Unavailable")

    async def _handle_rest(self, request: web.Request) -> web.StreamResponse:
        self.requests += 1
        for hook in self.request_hooks:
            hook(request)
        path = request.path
        faults = self.faults.take_rest(path)
        fail_after: RestFault | None = None
        timeout: RestFault | None = None
        for fault in faults:
            if fault.kind == "delay":
                await asyncio.sleep(fault.delay_s)
        for fault in faults:
            if fault.kind == "fail":
                if not fault.executed:
                    return self._failure(fault)
                fail_after = fault
            elif fault.kind == "timeout":
                timeout = fault
        response = await self._execute(request, path)
        if timeout is not None:
            return await self._never_answer(request, timeout)
        if fail_after is not None:
            return self._failure(fail_after)
        return response

    async def _execute(self, request: web.Request, path: str) -> web.Response:
        route = self.routes.get((request.method, path))
        if route is None:
            return self._answer(404, "40404", "Request URL NOT FOUND")
        body = await request.text() if request.method == "POST" else ""
        if body:
            try:
                params = orjson.loads(body)
            except orjson.JSONDecodeError:
                return self._answer(400, "40017", "Parameter verification failed: the body is not JSON")
            if isinstance(params, list) and path.startswith("/api/v3/"):
                params = {"_items": params}      # V3's batch endpoints take a bare array
            if not isinstance(params, dict):
                return self._answer(400, "40017", "Parameter verification failed: the body is not a JSON object")
        else:
            params = dict(request.query)
        try:
            key = None
            if route.private:
                key = self.auth.check_rest(request.method, path, request.rel_url.raw_query_string, request.headers,
                                           body)
                if path.startswith("/api/v3/") and not key.uta:
                    return self._answer(400, *CLASSIC_ON_V3)
                if key.uta:
                    unified.enrol(self.exchange, key.uid)
                if path.startswith("/api/v2/") and key.uta and (not path.startswith(COPY_PREFIX)
                                                                or path.startswith(V2_TRADER_COPY)):
                    return self._answer(400, *UNIFIED_ON_V2)
                if route.trade:
                    require(key, TRADE)
            caller = key.uid if key is not None else (request.remote or "?")
            if not self.limiter.allow(path, caller, private=route.private):
                return self._answer(429, "429", "Too Many Requests")
            v3 = path.startswith("/api/v3/")
            if v3:
                params = v3_names.engine_params(params)     # coin-M's V3 names (BTCUSD_CM) to the engine's
            data = route.handler(Call(self.exchange, params, key, self.now_ms()))
            if v3:
                data = v3_names.wire(data)
        except ExchangeError as exc:
            return self._answer(400, exc.code, exc.exchange_msg or exc.user_message)
        return self._answer(200, "00000", "success", data)

    async def _never_answer(self, request: web.Request, fault: RestFault) -> web.StreamResponse:
        """The request was executed; the client never gets the answer."""
        transport = request.transport
        if not fault.close:
            task = asyncio.current_task()
            if task is not None:
                self._hanging.add(task)
            try:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), fault.hang_s)
            finally:
                if task is not None:
                    self._hanging.discard(task)
        if transport is not None:
            transport.abort()
        # aiohttp drops a response for a connection that is already gone
        return web.Response(status=504)
