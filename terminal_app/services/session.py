"""One profile's link to one exchange: the REST client, the WebSocket streamer, the exchange clock, the trading venue
and the markets.

A plain object (no Qt). ``await Session.open()`` syncs the clock with the exchange, loads the spot symbols and the
USDT-M contracts, and (with an API key) asks what kind of account the key belongs to; ``await Session.close()`` closes
the streamer and the HTTP client. The REST client and the streamer share the one :class:`ServerClock`, so requests
and WebSocket logins carry the exchange's time even when this computer's clock is off.

One :class:`BitgetStreamer` carries both kinds of WebSocket connection: public channels go to the public URL and
private ones (which need the key) to the private URL; ``session.ws`` is that streamer.

The services trade through ``session.venue`` (:class:`terminal_app.core.venue.Venue`), never through the REST client:
this is where the account gets its venue. :meth:`Session.open` asks what kind of account the key belongs to: a
classic account trades through the V2 venue (``bitget.v2``), a unified trading account (UTA) through the V3 venue
(``bitget.v3``) with a streamer on the V3 WebSocket URLs; the services do not change.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from terminal_app.bitget.clock import ServerClock
from terminal_app.bitget.errors import AuthError, BitgetError
from terminal_app.bitget.http import BitgetHttp
from terminal_app.bitget.rest import BitgetRestClient
from terminal_app.bitget.v2 import V2Venue
from terminal_app.bitget.v2.position_desk import V2PositionDesk
from terminal_app.bitget.v3.position_desk import V3PositionDesk
from terminal_app.bitget.v3.rest import V3RestClient
from terminal_app.bitget.v3.venue import V3Venue
from terminal_app.bitget.v3.ws_trade import V3WsTrader
from terminal_app.bitget.ws import BitgetStreamer, StreamerConfig
from terminal_app.core.accounts import AccountMode
from terminal_app.core.credentials import Credentials
from terminal_app.core.health import ProfileKind
from terminal_app.core.instruments import MarketInfo, Product, SymbolRef
from terminal_app.core.position_tools import PositionDesk
from terminal_app.core.venue import Venue

log = logging.getLogger("terminal_app.services.session")

# Every classic futures line: a coin-M or USDC-M position must be seen (and flattened by panic) like a USDT-M one.
TRADED_PRODUCTS = (Product.SPOT, Product.USDT_FUTURES, Product.COIN_FUTURES, Product.USDC_FUTURES)


def v3_ws_url(url: str) -> str:
    """The V3 (unified account) WebSocket beside a V2 one: Bitget, its demo hosts and the simulator all serve
    ``/v3/ws/public`` and ``/v3/ws/private`` next to ``/v2/ws/...``."""
    return url.replace("/v2/ws/", "/v3/ws/")


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
        # position management (set-margin, max open size, closed positions, bills): V2's, or V3's on a unified
        # account (_use_v3)
        self.desk: PositionDesk | None = V2PositionDesk(self.rest)
        self.markets: dict[str, MarketInfo] = {}
        self.account_mode: AccountMode | None = None
        self.ws_trader: V3WsTrader | None = None
        self.problem: str | None = None
        self._opened = False
        self._closed = False

    @property
    def can_trade(self) -> bool:
        """Whether private calls can be made at all (a key is configured; classic and unified accounts both trade)."""
        return self.credentials is not None and (self.account_mode is None or self.account_mode.supported)

    def market(self, ref: SymbolRef) -> MarketInfo | None:
        return self.markets.get(ref.key)

    async def open(self) -> None:
        """Clock sync, account probe (which picks the venue), markets. Raises the typed error when the exchange
        cannot be reached or refuses the key outright; an account that merely cannot be probed is reported in
        ``problem`` (and trades through the V2 venue)."""
        await self.rest.connect()
        if self.credentials is not None:
            try:
                self.account_mode = await self.rest.probe_account_mode()
            except AuthError:
                raise
            except BitgetError as exc:
                self.problem = f"The account could not be checked: {exc}"
                log.warning("%s: %s", self.name, self.problem)
            else:
                if self.account_mode.uta:
                    await self._use_v3()
        self.markets = {m.ref.key: m for m in await self.venue.markets()}
        self._opened = True

    async def _use_v3(self) -> None:
        """A unified account: the V3 venue over the same signed HTTP client, and a streamer on the V3 URLs (the V2
        one has no connection yet: nothing has subscribed before ``open``)."""
        unused = self.ws
        config = replace(unused.config, public_url=v3_ws_url(self.endpoints.ws_public_url),
                         private_url=v3_ws_url(self.endpoints.ws_private_url))
        self.ws = BitgetStreamer(config, credentials=self.credentials, clock=self.clock)
        # Orders go over a private socket of their own when it is up (a round trip measured 3-4x faster than REST
        # on the simulator, tests/bitget/test_v3_ws_trade.py); REST whenever it is not.
        self.ws_trader = V3WsTrader(config.private_url, self.credentials) if self.credentials else None
        v3_rest = V3RestClient(self.http)
        self.venue = V3Venue(v3_rest, self.ws, TRADED_PRODUCTS, ws_trader=self.ws_trader)
        self.desk = V3PositionDesk(v3_rest)
        await unused.close()
        if self.ws_trader is not None:
            self.ws_trader.ensure()
        log.info("%s: unified trading account; trading through Bitget's V3 API", self.name)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            if self.ws_trader is not None:
                await self.ws_trader.close()
            await self.ws.close()
        finally:
            await self.rest.aclose()
