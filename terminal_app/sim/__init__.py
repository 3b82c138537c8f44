"""Embedded Bitget-compatible exchange: REST + WebSocket on loopback, matching engine, synthetic market."""
