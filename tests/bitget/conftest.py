"""What the V3 (unified account) client tests set up against the simulator: a unified key of a new user, and a V3
venue on it over real loopback sockets."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

from terminal_app.bitget.http import BitgetHttp
from terminal_app.bitget.v3.rest import V3RestClient
from terminal_app.bitget.v3.venue import DEFAULT_PRODUCTS, V3Venue
from terminal_app.bitget.ws import BitgetStreamer, StreamerConfig
from terminal_app.core.credentials import Credentials
from terminal_app.core.instruments import MarketInfo, Product
from terminal_app.sim.runner import SimulatorRunner
from terminal_app.sim.server.http import SimInfo


@dataclass(frozen=True)
class UtaUser:
    """A new user of the simulator with a unified-account key: the URLs, the key and the user id."""

    info: SimInfo
    creds: Credentials
    uid: str


def uta_user(runner: SimulatorRunner) -> UtaUser:
    info = runner.info
    assert info is not None
    key = runner.add_key(uta=True)
    return UtaUser(info, Credentials(key.api_key, key.secret, key.passphrase), key.uid)


@dataclass(frozen=True)
class V3Session:
    user: UtaUser
    venue: V3Venue
    markets: dict[str, MarketInfo]


@contextlib.asynccontextmanager
async def v3_session(runner: SimulatorRunner,
                     products: Sequence[Product] = DEFAULT_PRODUCTS) -> AsyncIterator[V3Session]:
    """A V3 venue (REST connected, streamer on the V3 sockets) of a new unified user, with its markets; closed
    after."""
    user = uta_user(runner)
    rest = V3RestClient(BitgetHttp(user.info.rest, user.creds))
    streamer = BitgetStreamer(StreamerConfig(public_url=user.info.ws_public_v3, private_url=user.info.ws_private_v3,
                                             backoff_initial_s=0.05), credentials=user.creds)
    await rest.connect()
    venue = V3Venue(rest, streamer, products)
    try:
        yield V3Session(user, venue, {m.ref.key: m for m in await venue.markets()})
    finally:
        await streamer.close()
        await rest.aclose()
