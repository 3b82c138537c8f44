"""Which HTTP transport sits under the ``httpx.AsyncClient``, and how to tell whether a failed request was sent.

httpx stays the API everywhere; only the transport changes. Three are available:

``aiohttp`` (default)
    :class:`AiohttpTransport` below: aiohttp's HTTP/1.1 connection pool, reading each (small) Bitget answer in one
    piece. Measured fastest by ``terminal-app bench order --compare`` on the 2-core reference machine.
``httpx-aiohttp``
    The ``httpx_aiohttp`` package's transport (streams the body in 16 KiB chunks; maps every aiohttp connection
    error, even a disconnect after the request was written, to ``httpx.ConnectTimeout``).
``httpx``
    httpx's own httpcore transport (slowest here, but no aiohttp involved).

The distinction that matters for safety is :func:`may_have_reached_server`: an order POST that failed *before*
anything was written can be retried freely; one that failed after writing is ambiguous and must be looked up.
"""

from __future__ import annotations

import ssl
from typing import Any, Literal

import aiohttp
import httpx

TransportName = Literal["aiohttp", "httpx-aiohttp", "httpx"]
TRANSPORTS: tuple[TransportName, ...] = ("aiohttp", "httpx-aiohttp", "httpx")
DEFAULT_TRANSPORT: TransportName = "aiohttp"

DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=10.0, write=10.0, pool=5.0)
DEFAULT_LIMITS = httpx.Limits(max_connections=20, max_keepalive_connections=10, keepalive_expiry=30.0)


def _mapped(exc: BaseException) -> httpx.TransportError:
    """The httpx exception that says the same thing as an aiohttp one, keeping 'sent or not' exact."""
    message = str(exc) or type(exc).__name__
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return httpx.ConnectTimeout(message)
    if isinstance(exc, aiohttp.ClientConnectorError):
        return httpx.ConnectError(message)
    if isinstance(exc, aiohttp.SocketTimeoutError | TimeoutError):
        return httpx.ReadTimeout(message)
    if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError):
        return httpx.RemoteProtocolError(message)
    if isinstance(exc, aiohttp.InvalidURL | aiohttp.NonHttpUrlClientError):
        return httpx.UnsupportedProtocol(message)
    return httpx.ReadError(message)


class AiohttpTransport(httpx.AsyncBaseTransport):
    """An httpx transport on one ``aiohttp.ClientSession`` (keep-alive pool), created lazily inside the loop.

    Bitget answers are small JSON documents, so the body is read at once instead of streamed; that and the exact
    error mapping are why this exists beside ``httpx_aiohttp.AiohttpTransport``. Once closed it stays closed: a
    request that comes after :meth:`aclose` (a task still running while its profile shuts down) is refused with
    ``httpx.ConnectError`` (nothing was sent) instead of opening a session nobody would close again.
    """

    def __init__(self, *, limits: httpx.Limits = DEFAULT_LIMITS, verify: bool = True) -> None:
        self._limits = limits
        self._verify = verify
        self._sessions: dict[bool, aiohttp.ClientSession] = {}  # keyed by TLS: https, or plain http
        self._closed = False

    def _new_session(self, tls: bool) -> aiohttp.ClientSession:
        """A session for https (``tls``) or for plain http. Only the first https request builds the TLS context
        (httpx's, from certifi's ~150 authorities: 25-50 ms): the Demo profile's exchange is plain HTTP on the
        loopback, and its first request is on the start-up's path (bench start). A plain session never carries an
        https request, so it needs no context at all."""
        ssl_context: ssl.SSLContext | bool = False
        if tls:
            from terminal_app.bitget.tls import restore_aiohttp_authorities

            restore_aiohttp_authorities()  # whatever else in this process relies on aiohttp's own default context
            ssl_context = httpx.create_ssl_context(verify=self._verify)
        keepalive = self._limits.keepalive_expiry
        connector = aiohttp.TCPConnector(
            limit=self._limits.max_connections or 0,
            keepalive_timeout=keepalive if keepalive is not None else 30.0,
            ssl=ssl_context,
        )
        # httpx decodes Content-Encoding itself from the headers we pass on, so aiohttp must hand over raw bytes.
        return aiohttp.ClientSession(connector=connector, auto_decompress=False, skip_auto_headers=("User-Agent",))

    @property
    def sessions(self) -> int:
        """How many aiohttp sessions are open (one per scheme used: https, plain http)."""
        return len(self._sessions)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        tls = request.url.scheme == "https"
        session = self._sessions.get(tls)
        if session is None:
            if self._closed:
                raise httpx.ConnectError("the HTTP transport is closed", request=request)
            session = self._sessions[tls] = self._new_session(tls)
        timeout: dict[str, Any] = request.extensions.get("timeout", {})
        client_timeout = aiohttp.ClientTimeout(
            total=None, connect=timeout.get("pool"), sock_connect=timeout.get("connect"), sock_read=timeout.get("read")
        )
        try:
            async with session.request(
                request.method,
                str(request.url),
                headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw],
                data=request.content or None,
                allow_redirects=False,
                timeout=client_timeout,
            ) as resp:
                content = await resp.read()
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise _mapped(exc) from exc
        return httpx.Response(
            resp.status,
            headers=resp.raw_headers,
            content=content,
            request=request,
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": (resp.reason or "").encode()},
        )

    async def aclose(self) -> None:
        self._closed = True
        sessions, self._sessions = list(self._sessions.values()), {}
        for session in sessions:
            await session.close()


def make_transport(name: TransportName | str = "auto", *, limits: httpx.Limits = DEFAULT_LIMITS,
                   verify: bool = True) -> httpx.AsyncBaseTransport:
    if name in ("auto", DEFAULT_TRANSPORT):
        return AiohttpTransport(limits=limits, verify=verify)
    if name == "httpx-aiohttp":
        from httpx_aiohttp import AiohttpTransport as PackageTransport

        return PackageTransport(verify=verify, limits=limits)
    if name == "httpx":
        return httpx.AsyncHTTPTransport(verify=verify, limits=limits)
    raise ValueError(f"unknown transport {name!r}; choose one of {', '.join(TRANSPORTS)}")


def transport_name(name: TransportName | str) -> TransportName:
    """Resolve ``auto`` to the default and validate the name."""
    if name == "auto":
        return DEFAULT_TRANSPORT
    if name not in TRANSPORTS:
        raise ValueError(f"unknown transport {name!r}; choose one of {', '.join(TRANSPORTS)}")
    return name


def build_client(base_url: str, *, transport: TransportName | str | httpx.AsyncBaseTransport = "auto",
                 timeout: httpx.Timeout = DEFAULT_TIMEOUT, limits: httpx.Limits = DEFAULT_LIMITS,
                 headers: dict[str, str] | None = None) -> httpx.AsyncClient:
    """One keep-alive ``httpx.AsyncClient`` for one profile."""
    chosen = transport if isinstance(transport, httpx.AsyncBaseTransport) else make_transport(transport, limits=limits)
    return httpx.AsyncClient(base_url=base_url, transport=chosen, timeout=timeout, headers=headers,
                             follow_redirects=False, trust_env=False)


def may_have_reached_server(exc: httpx.HTTPError) -> bool:
    """False only when the request certainly was not written (connect failure, pool wait, bad URL)."""
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        cause = exc.__cause__
        # httpx_aiohttp maps *every* aiohttp connection error to ConnectTimeout, a disconnect after sending too.
        unsent = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)
        return isinstance(cause, aiohttp.ClientError) and not isinstance(cause, unsent)
    if isinstance(exc, httpx.PoolTimeout | httpx.UnsupportedProtocol | httpx.LocalProtocolError):
        return False
    return isinstance(exc, httpx.TransportError)
