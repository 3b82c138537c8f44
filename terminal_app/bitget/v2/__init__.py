"""Bitget's V2 (classic account) API as a trading venue: :class:`V2Venue` routes each call by product to the spot
adapter or to the one futures adapter of that futures line (:mod:`.lines` holds what differs between lines, as data).

The REST client (``terminal_app.bitget.rest``), its wire models (``terminal_app.bitget.models``) and the streamer
(``terminal_app.bitget.ws``) stay where they are: they are V2's transport, which this package puts to use.
"""

from terminal_app.bitget.v2.futures import V2FuturesVenue
from terminal_app.bitget.v2.lines import FUTURES_LINES, FuturesLine
from terminal_app.bitget.v2.spot import V2SpotVenue
from terminal_app.bitget.v2.venue import V2Venue

__all__ = ["FUTURES_LINES", "FuturesLine", "V2FuturesVenue", "V2SpotVenue", "V2Venue"]
