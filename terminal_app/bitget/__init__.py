"""Bitget V2 protocol layer: signing, REST client, WebSocket streamer, symbols, wire parsing, errors. No Qt."""
