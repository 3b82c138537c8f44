"""Bitget's public hosts, in a module that imports nothing: the configuration reads them before the start-up has
loaded the HTTP and WebSocket stacks (``terminal_app.startup`` resolves the profile first thing)."""

from __future__ import annotations

BITGET_REST_URL = "https://api.bitget.com"
LIVE_PUBLIC_URL = "wss://ws.bitget.com/v2/ws/public"
LIVE_PRIVATE_URL = "wss://ws.bitget.com/v2/ws/private"
DEMO_PUBLIC_URL = "wss://wspap.bitget.com/v2/ws/public"  # Bitget demo keys (paptrading) use these hosts
DEMO_PRIVATE_URL = "wss://wspap.bitget.com/v2/ws/private"
