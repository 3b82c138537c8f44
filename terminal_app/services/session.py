"""One profile's link to one exchange: the REST client, the WebSocket streamer, the exchange clock, the trading venue
and the markets.

A plain object (no Qt). ``await Session.open()`` syncs the clock with the exchange, loads the spot symbols and the
USDT-M contracts, and (with an API key) asks what kind of account the key belongs to; ``await Session.close()`` closes
the streamer and the HTTP client. The REST client and the streamer share the one :class:`ServerClock`, so requests
and WebSocket logins carry the exchange's time even when this computer's clock is off.

One :class:`BitgetStreamer` carries both kinds of WebSocket connection: public channels go to the public URL and
private ones (which need the key) to the private URL; ``session.ws`` is that streamer.

The services trade through ``session.venue`` (:class:`terminal_app.core.venue.Venue`), never through the REST client:
this is where the account gets its venue. Every account is a classic one for now (Bitget V2: spot and USDT-M
futures); a unified account gets the V3 venue here once it exists, and the services do not change.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from terminal_app.bitget.clock import ServerClock
from terminal_app.bitget.errors import AuthError, BitgetError
from terminal_app.bitget.http import BitgetHttp
from terminal_app.bitget.rest import BitgetRestClient
from terminal_app.bitget.v2 import V2Venue
from terminal_app.bitget.ws import BitgetStreamer, StreamerConfig
from terminal_app.core.accounts import AccountMode
from terminal_app.core.credentials import Credentials
from terminal_app.core.health import ProfileKind
from terminal_app.core.instruments import MarketInfo, Product, SymbolRef
from terminal_app.core.venue import Venue

log = logging.getLogger("terminal_app.services.session")

# Every classic futures line: a coin-M or USDC-M position must be seen (and flattened by panic) like a USDT-M one.
TRADED_PRODUCTS = (Product.SPOT, Product.USDT_FUTURES, Product.COIN_FUTURES, Product.USDC_FUTURES)


@dataclass(frozen=True, slots=True)
class SessionEndpoints:
    """Where a session connects; ``paptrading`` adds Bitget's demo-trading header to every request."""

    rest_url: str
    ws_public_url: str
    ws_private_url: str
    paptrading: bool = False


class Session:
    """The connection objects of one profile.

    Attributes: ``name`` and ``kind`` of the profile, ``venue`` (the account's :class:`Venue`, what services use),
    ``rest`` (:class:`BitgetRestClient`, the venue's transport; the account probe and copy trading use it), ``ws``
    (:class:`BitgetStreamer`, public and private connections), ``clock`` (:class:`ServerClock`), ``markets`` (every
    market by ``SymbolRef.key``, filled by :meth:`open`), ``account_mode`` (None until probed, or without a key) and
    ``problem`` (one sentence when the account could not be probed).
    """

    def __init__(
        self,
        name: str,
        kind: ProfileKind,
        endpoints: SessionEndpoints,
        credentials: Credentials | None,
        *,
        rate_limits: bool | float = True,
        transport: str = "auto",
        streamer_config: StreamerConfig | None = None,
    ) -> None:
        self.name = name
        self.kind = kind
        self.endpoints = endpoints
        self.credentials = credentials
        self.clock = ServerClock()
        self.http = BitgetHttp(endpoints.rest_url, credentials, paptrading=endpoints.paptrading, clock=self.clock,
                               rate_limits=rate_limits, transport=transport)
        self.rest = BitgetRestClient(self.http)
        config = replace(streamer_config or StreamerConfig(), public_url=endpoints.ws_public_url,
                         private_url=endpoints.ws_private_url)
        self.ws = BitgetStreamer(config, credentials=credentials, clock=self.clock)
        self.venue: Venue = V2Venue(self.rest, self.ws, TRADED_PRODUCTS)
        self.markets: dict[str, MarketInfo] = {}
        self.account_mode: AccountMode | None = None
        self.problem: str | None = None
        self._opened = False
        self._closed = False

    @property
    def can_trade(self) -> bool:
        """Whether private calls can be made at all (a key is configured and the account is not a UTA one)."""
        return self.credentials is not None and (self.account_mode is None or self.account_mode.supported)

    def market(self, ref: SymbolRef) -> MarketInfo | None:
        return self.markets.get(ref.key)

    async def open(self) -> None:
        """Clock sync, markets, account probe. Raises the typed error when the exchange cannot be reached or
        refuses the key outright; an account that merely cannot be probed is reported in ``problem``."""
        await self.rest.connect()
        self.markets = {m.ref.key: m for m in await self.venue.markets()}
        if self.credentials is not None:
            try:
                self.account_mode = await self.rest.probe_account_mode()
            except AuthError:
                raise
            except BitgetError as exc:
                self.problem = f"The account could not be checked: {exc}"
                log.warning("%s: %s", self.name, self.problem)
            else:
                if not self.account_mode.supported:
                    self.problem = self.account_mode.detail
        self._opened = True

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            await self.ws.close()
        finally:
            await self.rest.aclose()
