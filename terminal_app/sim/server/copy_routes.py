"""Every copy-trading REST path of the simulator (V2's ``/api/v2/copy/...`` and the unified elite trader's
``/api/v3/copy/futures/...``), in Bitget's envelope and shapes, over the
:class:`terminal_app.sim.copy.engine.CopyEngine`: the trader's (``copy_trader_routes``), the follower's and the
broker's (``copy_follower_routes``), rendered by ``copy_render``; V3's in ``v3_copy_routes``.

Wiring: :func:`register_copy_routes` adds the routes to a :class:`terminal_app.sim.server.http.SimServer` (its
``routes`` table), sets the copy endpoints' rates in its rate limiter (5 req/s, 1 req/s for the spot copy writes) and
hooks ``CopyEngine.sync`` into its timer; every copy request also syncs first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from terminal_app.bitget.paths import COPY_RATES
from terminal_app.bitget.v3.paths import V3_COPY_RATES
from terminal_app.sim.copy.engine import CopyEngine
from terminal_app.sim.server.copy_follower_routes import BrokerRoutes, FollowerRoutes
from terminal_app.sim.server.copy_trader_routes import TraderRoutes
from terminal_app.sim.server.v3_copy_routes import V3CopyRoutes

if TYPE_CHECKING:
    from terminal_app.sim.server.http import SimServer


def register_copy_routes(server: SimServer, engine: CopyEngine | None = None) -> CopyEngine:
    """Serve copy trading from ``server``: its routes table, its rate limits, its timer. Returns the engine."""
    engine = engine or CopyEngine(server.exchange, clock=server.now_ms)
    for handlers in (TraderRoutes(engine), FollowerRoutes(engine), BrokerRoutes(engine), V3CopyRoutes(engine)):
        for route in handlers.routes():
            server.routes[(route.method, route.path)] = route
    server.limiter.rates.update({path: rate for path, rate in COPY_RATES.items() if path.startswith("/api/")})
    server.limiter.rates.update(V3_COPY_RATES)
    hooks = getattr(server, "tick_hooks", None)
    if isinstance(hooks, list):
        hooks.append(engine.sync)
    return engine
