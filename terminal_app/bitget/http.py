"""The signed transport core: one keep-alive ``httpx.AsyncClient`` per profile, Bitget's envelope, retries, time sync.

What one request does (:meth:`BitgetHttp.request`):

1. waits for its endpoint's rate-limit slot (:mod:`terminal_app.bitget.ratelimit`);
2. builds the query once — signed as :func:`signing.canonical_query`, sent as :func:`signing.encoded_query`, same
   order — and the body once as orjson bytes, which are both sent as-is and signed;
3. signs with the exchange-corrected clock (:class:`ServerClock`); adds ``paptrading: 1`` on every call of a
   Bitget demo profile but the server-time one (as ccxt);
4. decodes the envelope: ``code == "00000"`` → ``data``; otherwise the typed error from ``errors.error_for_code``;
   HTTP 429 → ``RateLimited`` (with ``Retry-After``); a non-JSON answer → ``ProtocolError`` (or an ambiguous
   ``TransportError`` for a 5xx gateway page, since the request may have been executed).

Retries: idempotent requests (GETs) are retried with jittered exponential back-off on transport failures, 5xx and
429 (the 429 also blocks the endpoint's bucket). Non-idempotent ones (POSTs) are never re-sent here, with one exception
that is always safe: a ``TimestampError`` means Bitget rejected the request unseen, so the clock is re-synced once and
the request re-sent once. Deciding whether an order POST that failed ambiguously may be re-sent is the REST client's
job (it looks the order up by ``clientOid``).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal
from enum import Enum
from types import TracebackType
from typing import Any

import httpx
import orjson

from terminal_app.bitget.clock import ServerClock
from terminal_app.bitget.endpoints import BITGET_REST_URL  # re-exported: its historic home
from terminal_app.bitget.errors import (
    AuthError,
    BitgetError,
    ExchangeError,
    ProtocolError,
    RateLimited,
    TimestampError,
    TransportError,
    error_for_code,
)
from terminal_app.bitget.ratelimit import RateLimiter
from terminal_app.bitget.signing import canonical_query, encoded_query, rest_signature
from terminal_app.bitget.transport import (
    DEFAULT_TIMEOUT,
    TransportName,
    build_client,
    make_transport,
    may_have_reached_server,
    transport_name,
)
from terminal_app.core.credentials import Credentials

log = logging.getLogger("terminal_app.bitget.http")

TIME_PATH = "/api/v2/public/time"
SUCCESS = "00000"
TIME_SYNC_INTERVAL_S = 300.0
# A Bitget demo profile sends ``paptrading: 1`` on every call, public market data included, so REST books and
# candles come from the same (demo) market as the wspap stream; like ccxt (bitget.ts sign(), issue #25252) it leaves
# the header off the server-time call only.
PAPTRADING_EXEMPT = frozenset({TIME_PATH})
USER_AGENT = "bitget-terminal"

Params = Mapping[str, Any]


def wire_text(value: Any) -> str:
    """A parameter as Bitget expects it: Decimals in plain notation (never ``1E-7``), booleans lower-case."""
    if type(value) is str:
        return value
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    raise TypeError(f"cannot send {type(value).__name__} to Bitget")


def encode_body(body: Any) -> bytes:
    """The exact JSON bytes sent and signed; Decimals become plain-notation strings."""
    return orjson.dumps(body, default=_json_default)


def _retry_after(headers: httpx.Headers) -> float | None:
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:  # an HTTP date; Bitget sends seconds, so fall back to our own back-off
        return None


class BitgetHttp:
    """Signed Bitget REST transport for one profile (one connection pool, one clock, one set of rate buckets).

    ``credentials=None`` gives a public-only client (signed calls raise ``AuthError``). ``rate_limits`` is ``True``
    (Bitget's figures), ``False`` (off), a scale factor for every rate, or a ready :class:`RateLimiter`.
    ``transport`` is a name from :mod:`terminal_app.bitget.transport` or an ``httpx`` transport (tests pass
    ``httpx.MockTransport``). ``sleep`` and ``rng`` are injectable so tests never wait for real.
    """

    def __init__(
        self,
        base_url: str = BITGET_REST_URL,
        credentials: Credentials | None = None,
        *,
        paptrading: bool = False,
        locale: str = "en-US",
        clock: ServerClock | None = None,
        rate_limits: bool | float | RateLimiter = True,
        transport: TransportName | str | httpx.AsyncBaseTransport = "auto",
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        get_attempts: int = 3,
        retry_base_s: float = 0.25,
        retry_cap_s: float = 4.0,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self.paptrading = paptrading
        self.locale = locale
        self.clock = clock or ServerClock()
        self.sleep = sleep
        self._rng = rng or random.Random()
        if isinstance(rate_limits, RateLimiter):
            self.limiter = rate_limits
        elif isinstance(rate_limits, bool):
            self.limiter = RateLimiter(enabled=rate_limits, sleep=sleep, rng=self._rng)
        else:
            self.limiter = RateLimiter(scale=float(rate_limits), sleep=sleep, rng=self._rng)
        self.transport_name = (
            type(transport).__name__ if isinstance(transport, httpx.AsyncBaseTransport) else transport_name(transport)
        )
        self._transport = transport if isinstance(transport, httpx.AsyncBaseTransport) else make_transport(transport)
        # The profile's AsyncClient owns the connection pool (and serves any ad-hoc httpx call), but requests are
        # built here and handed straight to its transport: AsyncClient.build_request/send merge defaults, parse a
        # relative URL and run auth/redirect/cookie/hook machinery the Bitget API never uses: with a no-op transport
        # that was about 60 of the 100 µs of CPU per order (cProfile); the direct path costs about 40 µs.
        self.client = build_client(self.base_url, transport=self._transport, timeout=timeout)
        self._base_headers = [("Accept", "application/json"), ("Content-Type", "application/json"),
                              ("locale", locale), ("User-Agent", USER_AGENT)]
        self._urls: dict[str, httpx.URL] = {}
        self._closed = False
        self._extensions = {"timeout": timeout.as_dict()}
        self.get_attempts = max(1, get_attempts)
        self._retry_base_s = retry_base_s
        self._retry_cap_s = retry_cap_s
        self._sync_lock = asyncio.Lock()
        self._sync_generation = 0
        self._sync_task: asyncio.Task[None] | None = None

    # --- lifecycle -------------------------------------------------------------------------------------------

    async def __aenter__(self) -> BitgetHttp:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.aclose()

    async def connect(self, *, periodic_sync: bool = True, interval_s: float = TIME_SYNC_INTERVAL_S) -> None:
        """Measure the clock offset now and, by default, keep re-measuring it in the background."""
        await self.sync_time()
        if periodic_sync:
            self.start_time_sync(interval_s)

    async def aclose(self) -> None:
        self._closed = True
        await self.stop_time_sync()
        await self.client.aclose()

    # --- requests --------------------------------------------------------------------------------------------

    async def get(self, path: str, params: Params | None = None, *, signed: bool = False) -> Any:
        return await self.request("GET", path, params, signed=signed)

    async def post(self, path: str, body: Any = None, *, signed: bool = True) -> Any:
        return await self.request("POST", path, body=body, signed=signed)

    async def request(self, method: str, path: str, params: Params | None = None, body: Any = None, *,
                      signed: bool, idempotent: bool | None = None) -> Any:
        """Send one logical request and return the envelope's ``data``; see the module docstring for retries."""
        if self._closed:
            raise RuntimeError("BitgetHttp is closed")
        retryable = method == "GET" if idempotent is None else idempotent
        attempts = self.get_attempts if retryable else 1
        attempt = 0
        resynced = False
        while True:
            attempt += 1
            generation = self._sync_generation
            try:
                return await self._send(method, path, params, body, signed)
            except TimestampError:
                if resynced or not signed:
                    raise
                resynced = True
                attempt -= 1
                await self._resync(generation)
            except RateLimited as exc:
                delay = self.limiter.penalize(path, exc.retry_after, signed)
                if attempt >= attempts:
                    raise
                log.info("429 on %s %s; retrying after %.2f s", method, path, delay)
                if not self.limiter.enabled:
                    await self.sleep(delay)
            except TransportError as exc:
                if attempt >= attempts:
                    raise
                log.info("%s %s failed (%s); retry %d", method, path, exc, attempt)
                await self.sleep(self._backoff(attempt))
            except ExchangeError as exc:
                if exc.http_status is None or exc.http_status < 500 or attempt >= attempts:
                    raise
                log.info("%s %s got HTTP %s; retry %d", method, path, exc.http_status, attempt)
                await self.sleep(self._backoff(attempt))

    def _backoff(self, attempt: int) -> float:
        delay = min(self._retry_cap_s, self._retry_base_s * 2.0 ** (attempt - 1))
        return delay * (0.5 + self._rng.random() / 2)

    async def _send(self, method: str, path: str, params: Params | None, body: Any, signed: bool) -> Any:
        """One attempt: rate slot, sign, send, decode. The hot path of order placement; keep it lean."""
        limiter = self.limiter
        if limiter.enabled:
            await limiter.acquire(path, signed)
        if params:
            texts = {k: wire_text(v) for k, v in params.items() if v is not None}
            query = canonical_query(texts)
            url = path + "?" + encoded_query(texts) if query else path
        else:
            query = ""
            url = path
        content = b"" if body is None else encode_body(body)
        headers = self._base_headers
        if signed:
            creds = self.credentials
            if creds is None:
                raise AuthError("This profile has no API key; private requests need one.")
            timestamp = str(self.clock.now_ms())
            headers = [
                *headers,
                ("ACCESS-KEY", creds.api_key),
                ("ACCESS-SIGN", rest_signature(creds.secret, timestamp, method, path, query, content.decode())),
                ("ACCESS-TIMESTAMP", timestamp),
                ("ACCESS-PASSPHRASE", creds.passphrase),
            ]
        if self.paptrading and path not in PAPTRADING_EXEMPT:
            headers = [*headers, ("paptrading", "1")]
        request = httpx.Request(method, self._absolute(url), headers=headers, content=content or None,
                                extensions=self._extensions)
        try:
            response = await self._transport.handle_async_request(request)
        except httpx.HTTPError as exc:
            raise self._transport_error(exc) from exc
        try:
            await response.aread()
        except httpx.HTTPError as exc:
            await response.aclose()
            raise self._transport_error(exc) from exc
        except BaseException:
            await response.aclose()
            raise
        return self._decode(response)

    @staticmethod
    def _transport_error(exc: httpx.HTTPError) -> TransportError:
        ambiguous = may_have_reached_server(exc)
        return TransportError(
            "The connection to the exchange failed; the request may have been executed."
            if ambiguous else "Could not reach the exchange.",
            ambiguous=ambiguous,
            exchange_msg=f"{type(exc).__name__}: {exc}",
        )

    def _absolute(self, url: str) -> httpx.URL:
        cached = self._urls.get(url)
        if cached is not None:
            return cached
        absolute = httpx.URL(self.base_url + url)
        if "?" not in url and len(self._urls) < 256:  # fixed paths repeat; queries mostly do not
            self._urls[url] = absolute
        return absolute

    @staticmethod
    def _decode(response: httpx.Response) -> Any:
        status = response.status_code
        if status == 429:
            raise RateLimited(code="429", http_status=429, retry_after=_retry_after(response.headers),
                              exchange_msg=response.text[:200])
        try:
            payload = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            if status >= 500:
                raise TransportError(f"The exchange answered HTTP {status}; the request may have been executed.",
                                     ambiguous=True, http_status=status) from None
            raise ProtocolError(f"The exchange answered HTTP {status} with something that is not JSON.",
                                http_status=status, exchange_msg=response.text[:200]) from None
        if type(payload) is dict:
            code = payload.get("code")
            if code == SUCCESS:
                return payload.get("data")
            return BitgetHttp._envelope_error(payload, code, status)
        raise ProtocolError(f"The exchange answered HTTP {status} with JSON that is not Bitget's envelope.",
                            http_status=status)

    @staticmethod
    def _envelope_error(payload: dict[str, Any], code: Any, status: int) -> Any:
        if code == 0 and not isinstance(code, bool):  # a numeric 0 from some gateways means success too
            return payload.get("data")
        if code is None or code == "":
            if status >= 500:
                raise TransportError(f"The exchange answered HTTP {status}; the request may have been executed.",
                                     ambiguous=True, http_status=status)
            raise ProtocolError(f"The exchange answered HTTP {status} without a Bitget code.", http_status=status)
        msg = payload.get("msg")
        if msg is None:
            msg = payload.get("message")
        raise error_for_code(code, str(msg or ""), http_status=status)

    # --- clock -----------------------------------------------------------------------------------------------

    async def sync_time(self) -> int:
        """Measure the exchange clock (``/api/v2/public/time``, RTT midpoint); return the offset in ms.

        Each attempt is timed on its own, so a retried request cannot inflate the measured round trip.
        """
        attempt = 0
        while True:
            attempt += 1
            sent = self.clock.local_ms()
            try:
                data = await self.request("GET", TIME_PATH, signed=False, idempotent=False)
            except (TransportError, RateLimited):
                if attempt >= self.get_attempts:
                    raise
                await self.sleep(self._backoff(attempt))
                continue
            received = self.clock.local_ms()
            try:
                server_ms = int(data["serverTime"])
            except (KeyError, TypeError, ValueError):
                raise ProtocolError(f"Unexpected Bitget data for server time: {data!r:.120}.") from None
            self.clock.update(sent, server_ms, received)
            self._sync_generation += 1
            log.debug("clock offset %+d ms (rtt %.1f ms)", self.clock.offset_ms, received - sent)
            return self.clock.offset_ms

    async def _resync(self, generation: int) -> None:
        # Concurrent requests that all hit a timestamp error share one re-sync.
        async with self._sync_lock:
            if self._sync_generation == generation:
                log.warning("request timestamp rejected; re-syncing the clock")
                await self.sync_time()

    def start_time_sync(self, interval_s: float = TIME_SYNC_INTERVAL_S) -> None:
        """Re-measure the clock every ``interval_s`` in a background task (idempotent)."""
        if self._sync_task is not None and not self._sync_task.done():
            return
        self._sync_task = asyncio.get_running_loop().create_task(self._sync_loop(interval_s), name="bitget-time-sync")

    async def stop_time_sync(self) -> None:
        task, self._sync_task = self._sync_task, None
        if task is not None and not task.done():
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                if not task.cancelled():  # we were cancelled ourselves, not just the task
                    raise

    @property
    def time_sync_running(self) -> bool:
        return self._sync_task is not None and not self._sync_task.done()

    async def _sync_loop(self, interval_s: float) -> None:
        while True:
            await self.sleep(interval_s)
            try:
                await self.sync_time()
            except BitgetError as exc:
                log.warning("periodic clock sync failed: %s", exc)
