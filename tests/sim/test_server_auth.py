"""The simulator's gateway: signature checks with Bitget's codes, permissions, demo/UTA flags, rate limits, 404."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest
import pytest_asyncio
from multidict import CIMultiDict

from terminal_app.bitget.errors import ExchangeError
from terminal_app.bitget.signing import auth_headers, canonical_query, encoded_query, ws_login_message
from terminal_app.core.credentials import Credentials
from terminal_app.core.instruments import Product
from terminal_app.sim.server.auth import DEMO_CREDENTIALS, Authenticator, KeyStore
from terminal_app.sim.server.http import SimConfig, SimServer
from terminal_app.sim.server.ratelimits import RateLimiter

NOW = 1_780_000_000_000
PATH = "/api/v2/spot/account/assets"


# ---- the authenticator alone ---------------------------------------------------------------------------------


def _auth(**kw: Any) -> Authenticator:
    return Authenticator(KeyStore(), lambda: NOW, **kw)


def _headers(creds: Credentials = DEMO_CREDENTIALS, ts: int = NOW, query: str = "", body: str = "",
             method: str = "GET", path: str = PATH) -> CIMultiDict[str]:
    return CIMultiDict(auth_headers(creds, str(ts), method, path, query, body))


def _code(auth: Authenticator, headers: CIMultiDict[str], query: str = "", body: str = "",
          method: str = "GET") -> str:
    try:
        auth.check_rest(method, PATH, query, headers, body)
    except ExchangeError as exc:
        return exc.code
    return "ok"


@pytest.mark.parametrize(("header", "code"), [
    ("ACCESS-KEY", "40001"), ("ACCESS-SIGN", "40003"), ("ACCESS-TIMESTAMP", "40005"), ("ACCESS-PASSPHRASE", "40011"),
])
def test_missing_header_codes(header: str, code: str) -> None:
    headers = _headers()
    del headers[header]
    assert _code(_auth(), headers) == code


def test_key_timestamp_passphrase_and_signature_codes() -> None:
    auth = _auth()
    assert _code(auth, _headers()) == "ok"
    assert _code(auth, _headers(Credentials("nobody", "s", "p"))) == "40006"
    assert _code(auth, _headers(ts=NOW - 30_001)) == "40008"
    assert _code(auth, _headers(ts=NOW + 30_001)) == "40008"
    assert _code(auth, _headers(ts=NOW + 29_999)) == "ok"
    wrong_pass = Credentials(DEMO_CREDENTIALS.api_key, DEMO_CREDENTIALS.secret, "nope")
    assert _code(auth, _headers(wrong_pass)) == "40012"
    wrong_secret = Credentials(DEMO_CREDENTIALS.api_key, "other", DEMO_CREDENTIALS.passphrase)
    assert _code(auth, _headers(wrong_secret)) == "40009"
    headers = _headers(body='{"a":1}', method="POST")
    assert _code(auth, headers, body='{"a":2}', method="POST") == "40009"     # the body is signed
    headers = _headers()
    headers["ACCESS-TIMESTAMP"] = "yesterday"
    assert _code(auth, headers) == "40005"


def test_query_signed_exactly_as_bitget_signs_it() -> None:
    """Bitget signs the query as sent, in URL order, percent-decoded (JKorf/Bitget.Net#48, ccxt PR #28890/#29094):
    that one form passes; signing the encoded text, or another order than the one sent, is 40009 as on Bitget."""
    auth = _auth()
    params = {"symbol": "BTCUSDT", "clientOid": "a:b/c"}
    sent = encoded_query(params)                     # clientOid=a%3Ab%2Fc&symbol=BTCUSDT
    assert sent != canonical_query(params)
    assert _code(auth, _headers(query=canonical_query(params)), sent) == "ok"
    assert _code(auth, _headers(query=sent), sent) == "40009"                  # signed the percent-encoded text
    unsorted = "symbol=BTCUSDT&clientOid=a%3Ab%2Fc"   # sent in its own order, signed decoded in that order
    assert _code(auth, _headers(query="symbol=BTCUSDT&clientOid=a:b/c"), unsorted) == "ok"
    assert _code(auth, _headers(query=canonical_query(params)), unsorted) == "40009"  # signed sorted, sent unsorted
    assert _code(auth, _headers(query="symbol=ETHUSDT"), sent) == "40009"


def test_demo_key_needs_paptrading_only_when_required() -> None:
    assert _code(_auth(), _headers()) == "ok"
    strict = _auth(require_paptrading=True)
    assert _code(strict, _headers()) == "40099"
    headers = _headers()
    headers["paptrading"] = "1"
    assert _code(strict, headers) == "ok"
    live_key = strict.keys.create()
    assert _code(strict, _headers(live_key.credentials)) == "ok"          # a live key needs no header


def test_ws_login_codes() -> None:
    auth = _auth()
    ts = str(NOW // 1000)

    def code(creds: Credentials, timestamp: str = ts, **override: str) -> str:
        arg = ws_login_message(creds, timestamp)["args"][0] | override
        try:
            auth.check_ws_login(arg)
        except ExchangeError as exc:
            return exc.code
        return "ok"

    assert code(DEMO_CREDENTIALS) == "ok"
    assert code(Credentials("nobody", "s", "p")) == "30011"
    assert code(DEMO_CREDENTIALS, str(NOW // 1000 - 31)) == "30014"
    assert code(DEMO_CREDENTIALS, "soon") == "30013"
    assert code(Credentials(DEMO_CREDENTIALS.api_key, DEMO_CREDENTIALS.secret, "x")) == "30012"
    assert code(Credentials(DEMO_CREDENTIALS.api_key, "other", DEMO_CREDENTIALS.passphrase)) == "30015"
    assert code(DEMO_CREDENTIALS, sign="") == "30005"


def test_token_bucket_refills_at_the_rate() -> None:
    now = [0.0]
    limiter = RateLimiter({"/p": 10}, clock=lambda: now[0])
    assert sum(limiter.allow("/p", "u1", private=True) for _ in range(15)) == 10
    assert limiter.allow("/p", "u2", private=True)                 # per caller
    now[0] = 0.5
    assert sum(limiter.allow("/p", "u1", private=True) for _ in range(10)) == 5
    now[0] = 10.0
    assert sum(limiter.allow("/p", "u1", private=True) for _ in range(20)) == 10   # never more than one second's worth
    scaled = RateLimiter({"/p": 10}, scale=3, clock=lambda: 0.0)
    assert sum(scaled.allow("/p", "u", private=True) for _ in range(40)) == 30
    off = RateLimiter({"/p": 10}, enabled=False, clock=lambda: 0.0)
    assert all(off.allow("/p", "u", private=True) for _ in range(100))


# ---- over loopback sockets -------------------------------------------------------------------------------------


@pytest_asyncio.fixture
async def server() -> AsyncIterator[SimServer]:
    sim = SimServer(SimConfig(seed=2))
    await sim.start()
    yield sim
    await sim.stop()


async def _request(sim: SimServer, method: str, path: str, params: dict[str, Any] | None = None,
                   creds: Credentials | None = DEMO_CREDENTIALS, extra: dict[str, str] | None = None
                   ) -> tuple[int, dict[str, Any]]:
    assert sim.info is not None
    query = canonical_query(params) if method == "GET" else ""
    body = orjson.dumps(params).decode() if method == "POST" and params else ""
    headers = auth_headers(creds, str(sim.now_ms()), method, path, query, body) if creds else {}
    headers.update(extra or {})
    async with httpx.AsyncClient(base_url=sim.info.rest) as http:
        r = await http.request(method, path + ("?" + encoded_query(params) if query else ""), headers=headers,
                               content=body)
    return r.status_code, r.json()


@pytest.mark.asyncio
async def test_public_needs_no_auth_private_does(server: SimServer) -> None:
    status, payload = await _request(server, "GET", "/api/v2/spot/market/tickers", {"symbol": "BTCUSDT"}, None)
    assert status == 200
    assert payload["code"] == "00000"
    status, payload = await _request(server, "GET", PATH, None, None)
    assert status == 400
    assert payload["code"] == "40001"
    assert payload["data"] is None
    assert isinstance(payload["requestTime"], int)
    bad = Credentials(DEMO_CREDENTIALS.api_key, "wrong", DEMO_CREDENTIALS.passphrase)
    assert (await _request(server, "GET", PATH, None, bad))[1]["code"] == "40009"


@pytest.mark.asyncio
async def test_read_only_key_cannot_trade(server: SimServer) -> None:
    key = server.keys.create(permissions={"read"})
    status, payload = await _request(server, "GET", PATH, None, key.credentials)
    assert (status, payload["code"]) == (200, "00000")
    order = {"symbol": "BTCUSDT", "side": "buy", "orderType": "limit", "price": "1000", "size": "0.001"}
    status, payload = await _request(server, "POST", "/api/v2/spot/trade/place-order", order, key.credentials)
    assert (status, payload["code"]) == (400, "40014")
    assert server.exchange.open_orders(key.uid, Product.SPOT) == []


@pytest.mark.asyncio
async def test_uta_probe(server: SimServer) -> None:
    status, payload = await _request(server, "GET", "/api/v3/account/settings")
    assert (status, payload["code"]) == (400, "40084")
    uta = server.keys.create(uta=True)
    status, payload = await _request(server, "GET", "/api/v3/account/settings", None, uta.credentials)
    assert (status, payload["code"]) == (200, "00000")


@pytest.mark.asyncio
async def test_unknown_path_and_bad_body(server: SimServer) -> None:
    status, payload = await _request(server, "GET", "/api/v2/spot/market/nothing", None, None)
    assert (status, payload["code"], payload["data"]) == (404, "40404", None)
    status, payload = await _request(server, "GET", "/api/v2/spot/trade/place-order", None, None)
    assert status == 404                                                  # POST-only path
    assert server.info is not None
    body = "{not json"
    headers = auth_headers(DEMO_CREDENTIALS, str(server.now_ms()), "POST", "/api/v2/spot/trade/place-order", "",
                           body)
    async with httpx.AsyncClient(base_url=server.info.rest) as http:
        r = await http.post("/api/v2/spot/trade/place-order", headers=headers, content=body)
    assert (r.status_code, r.json()["code"]) == (400, "40017")


@pytest.mark.asyncio
async def test_missing_parameter_is_40019(server: SimServer) -> None:
    status, payload = await _request(server, "GET", "/api/v2/spot/market/orderbook", None, None)
    assert (status, payload["code"]) == (400, "40019")
    assert "symbol" in payload["msg"]


@pytest.mark.asyncio
async def test_burst_gets_429(server: SimServer) -> None:
    """20/s per IP on public time, 10/s per uid on place-order; each user has its own buckets."""
    assert server.info is not None
    async with httpx.AsyncClient(base_url=server.info.rest) as http:
        answers = await asyncio.gather(*(http.get("/api/v2/public/time") for _ in range(30)))
    limited = [r for r in answers if r.status_code == 429]
    assert 10 <= len(limited) <= 10 + 2          # the bucket refills a little while the burst is in flight
    assert limited[0].json()["code"] == "429"
    assert limited[0].json()["msg"] == "Too Many Requests"

    order = {"symbol": "BTCUSDT", "side": "buy", "orderType": "limit", "price": "1000", "size": "0.001"}
    codes = [payload["code"] for _, payload in await asyncio.gather(
        *(_request(server, "POST", "/api/v2/spot/trade/place-order", order) for _ in range(20)))]
    assert 10 <= codes.count("00000") <= 12
    assert codes.count("429") == 20 - codes.count("00000")
    other = server.keys.create()
    status, _ = await _request(server, "POST", "/api/v2/spot/trade/place-order", order, other.credentials)
    assert status == 200

