"""Bitget's V2 API over the engine: the aiohttp server, REST routes (common, spot, mix, copy), the WebSocket hub, API
keys and signatures, rate limits, fault injection and the JSON rendering."""
