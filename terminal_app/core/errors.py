"""The errors the upper layers see from a venue (an exchange, through whichever API generation).

Services and widgets catch :class:`VenueError` and show :attr:`~VenueError.user_message`; they need no protocol
package to do so. Each client's own error tree derives from it (Bitget's ``terminal_app.bitget.errors.BitgetError``,
with a class per code family), so one exception object carries the exchange's code, its typed kind for the
services that act on it (retry, look the order up) and the sentence for people, from the socket to the screen.
The name differs from Bitget's ``ExchangeError`` (Bitget answered with an error code) on purpose: a ``VenueError``
is any failure of the venue, the network included.
"""

from __future__ import annotations


class VenueError(Exception):
    """A request to the venue failed. ``code`` is the exchange's error code (``""`` when there is none, e.g. the
    network failed); ``user_message`` is a plain sentence safe to show (it never contains secrets)."""

    code: str = ""
    user_message: str = "The exchange request failed."
