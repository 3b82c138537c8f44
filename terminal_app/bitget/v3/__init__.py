"""Bitget's V3 API for unified trading accounts (UTA): wire ↔ domain mapping (:mod:`.mapping`), parsers
(:mod:`.market`, :mod:`.trade`), the REST client (:mod:`.rest`), WebSocket subscriptions over the shared streamer
(:mod:`.stream`) and the venue (:mod:`.venue`). bitget-v3-uta.md is the reference."""
