"""Orders over the private V3 WebSocket (``op: trade``) against the simulator over loopback sockets: the trader
places, cancels and is refused with Bitget's codes; the simulator's answers have the samples' shapes
(``ws/v3_trade_*.response.json``); batches answer per item; a classic key cannot log in; the V3 venue places through
the socket when it has one and falls back to REST when the socket is gone. Figures: REST vs WebSocket round trips."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import AsyncIterator, Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import pytest_asyncio

from terminal_app.bitget.errors import AccountModeMismatch, ExchangeError, InsufficientBalance, TransportError
from terminal_app.bitget.http import BitgetHttp
from terminal_app.bitget.v3.rest import V3OrderRequest, V3RestClient
from terminal_app.bitget.v3.venue import V3Venue
from terminal_app.bitget.v3.ws_trade import V3WsTrader
from terminal_app.bitget.ws import BitgetStreamer, StreamerConfig
from terminal_app.core.credentials import Credentials
from terminal_app.core.enums import OrderType, Side
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.core.orders import OrderTicket
from terminal_app.core.venue import PlaceOrder
from terminal_app.sim.runner import SimulatorRunner

from .conftest import uta_user

pytestmark = pytest.mark.asyncio
SPOT = SymbolRef("BTCUSDT", Product.SPOT)
PERP = SymbolRef("BTCUSDT", Product.USDT_FUTURES)
SAMPLES = Path(__file__).parents[1] / "data" / "bitget-samples" / "v3" / "ws"


@pytest.fixture(scope="module")
def runner(running_sim: Callable[..., Iterator[SimulatorRunner]]) -> Iterator[SimulatorRunner]:
    yield from running_sim(seed=31, quiet=True, rate_limits=False)


class Rig:
    def __init__(self, runner: SimulatorRunner, trader: V3WsTrader, rest: V3RestClient, uid: str,
                 creds: Credentials) -> None:
        self.runner = runner
        self.trader = trader
        self.rest = rest
        self.uid = uid
        self.creds = creds


@pytest_asyncio.fixture
async def rig(runner: SimulatorRunner) -> AsyncIterator[Rig]:
    user = uta_user(runner)
    trader = V3WsTrader(user.info.ws_private_v3, user.creds)
    rest = V3RestClient(BitgetHttp(user.info.rest, user.creds))
    await rest.connect()
    await trader.connect()
    try:
        yield Rig(runner, trader, rest, user.uid, user.creds)
    finally:
        await trader.close()
        await rest.aclose()


def _price(rig: Rig, ref: SymbolRef, factor: str) -> Decimal:
    last = rig.runner.call(lambda: rig.runner.server.exchange.ticker(ref).last)
    return (last * Decimal(factor)).quantize(Decimal("0.1"))


def _open(rig: Rig, product: Product) -> list[str]:
    ex = rig.runner.server.exchange
    return rig.runner.call(lambda: [o.order_id for o in ex.open_orders(rig.uid, product)])


async def test_place_and_cancel_over_the_socket(rig: Rig) -> None:
    price = _price(rig, SPOT, "0.8")
    ack = await rig.trader.place(V3OrderRequest(SPOT, Side.BUY, OrderType.LIMIT, "0.001", price, client_oid="ws-1"))
    assert ack.client_oid == "ws-1"
    assert _open(rig, Product.SPOT) == [ack.order_id]
    order = await rig.rest.order_info(order_id=ack.order_id)
    assert (order.price, order.size) == (price, Decimal("0.001"))
    gone = await rig.trader.cancel(SPOT, order_id=ack.order_id)
    assert gone.order_id == ack.order_id
    assert _open(rig, Product.SPOT) == []
    futures = await rig.trader.place(V3OrderRequest(PERP, Side.BUY, OrderType.LIMIT, "0.01", _price(rig, PERP, "0.8"),
                                                    client_oid="ws-2"))
    assert _open(rig, Product.USDT_FUTURES) == [futures.order_id]
    await rig.trader.cancel(PERP, client_oid="ws-2")
    assert _open(rig, Product.USDT_FUTURES) == []


async def test_refusals_carry_bitgets_codes(rig: Rig) -> None:
    with pytest.raises(InsufficientBalance):
        await rig.trader.place(V3OrderRequest(SPOT, Side.BUY, OrderType.LIMIT, "100", _price(rig, SPOT, "0.9"),
                                              client_oid="ws-3"))
    with pytest.raises(ExchangeError) as missing:
        await rig.trader.cancel(SPOT, order_id="42")
    assert missing.value.code == "25204"
    with pytest.raises(ExchangeError) as no_category:
        await rig.trader.request("place-order", [{"symbol": "BTCUSDT", "side": "buy", "orderType": "limit",
                                                  "qty": "0.001", "price": "1"}])
    assert no_category.value.code == "40019"


async def test_the_simulators_answers_have_the_samples_shapes(rig: Rig) -> None:
    price = str(_price(rig, SPOT, "0.8"))
    item = {"symbol": "BTCUSDT", "side": "buy", "orderType": "limit", "qty": "0.001", "price": price,
            "timeInForce": "gtc"}
    placed = await rig.trader.request("place-order", [{**item, "clientOid": "shape-1"}], "spot")
    batch = await rig.trader.request("batch-place", [{**item, "clientOid": "shape-2"},
                                                     {**item, "qty": "1000", "clientOid": "shape-3"}], "spot")
    cancelled = await rig.trader.request("cancel-order", [{"orderId": placed["args"][0]["orderId"]}])
    for answer, sample in ((placed, "place-order"), (batch, "batch-place"), (cancelled, "cancel-order")):
        expected = json.loads((SAMPLES / f"v3_trade_{sample}.response.json").read_text())
        assert answer.keys() == expected.keys(), sample
        assert answer["args"][0].keys() == expected["args"][0].keys(), sample
        assert answer["code"] == "0"
    ok, refused = batch["args"]
    assert ok["code"] == "0"
    assert refused["code"] == "25202"
    assert refused["clientOid"] == "shape-3"


async def test_a_classic_key_cannot_trade_over_the_v3_socket(runner: SimulatorRunner) -> None:
    info = runner.info
    assert info is not None
    key = runner.add_key()
    trader = V3WsTrader(info.ws_private_v3, Credentials(key.api_key, key.secret, key.passphrase))
    with pytest.raises(AccountModeMismatch):
        await trader.connect()
    assert not trader.connected


async def test_the_venue_places_over_the_socket_and_falls_back_to_rest(rig: Rig) -> None:
    info = rig.runner.info
    assert info is not None
    streamer = BitgetStreamer(StreamerConfig(public_url=info.ws_public_v3, private_url=info.ws_private_v3),
                              credentials=rig.creds)
    venue = V3Venue(rig.rest, streamer, ws_trader=rig.trader)
    requests: list[str] = []
    hooks = rig.runner.server.request_hooks
    rig.runner.call(lambda: hooks.append(lambda request: requests.append(request.path)))
    try:
        ticket = OrderTicket(SPOT, Side.BUY, OrderType.LIMIT, size=Decimal("0.001"), price=_price(rig, SPOT, "0.8"))
        ack = await venue.line(Product.SPOT).place(PlaceOrder(ticket, "venue-ws-1"))
        assert "/api/v3/trade/place-order" not in requests        # it went over the socket
        assert _open(rig, Product.SPOT) == [ack.order_id]
        await rig.trader.close()                                  # the socket is gone: REST takes over
        again = await venue.line(Product.SPOT).place(PlaceOrder(ticket, "venue-ws-2"))
        assert "/api/v3/trade/place-order" in requests
        assert sorted(_open(rig, Product.SPOT)) == sorted([ack.order_id, again.order_id])
    finally:
        rig.runner.call(hooks.clear)
        await streamer.close()


async def test_rest_and_websocket_round_trips(rig: Rig, record_property: object) -> None:
    """Place and cancel N orders each way; the medians are printed (the figures in the report)."""
    price = _price(rig, SPOT, "0.8")
    timings: dict[str, list[float]] = {"rest": [], "ws": []}
    for i in range(20):
        for way in ("rest", "ws"):
            request = V3OrderRequest(SPOT, Side.BUY, OrderType.LIMIT, "0.001", price, client_oid=f"rt-{way}-{i}")
            t0 = time.perf_counter()
            if way == "ws":
                ack = await rig.trader.place(request)
                await rig.trader.cancel(SPOT, order_id=ack.order_id)
            else:
                ack = await rig.rest.place_order(request)
                await rig.rest.cancel_order(SPOT, order_id=ack.order_id)
            timings[way].append((time.perf_counter() - t0) * 1000)
    medians = {way: statistics.median(values) for way, values in timings.items()}
    print(f"\nplace+cancel round trip, median of 20: REST {medians['rest']:.2f} ms, WebSocket {medians['ws']:.2f} ms")
    assert _open(rig, Product.SPOT) == []
    await rig.trader.close()
    with pytest.raises(TransportError):
        await rig.trader.place(V3OrderRequest(SPOT, Side.BUY, OrderType.LIMIT, "0.001", price, client_oid="x"))
