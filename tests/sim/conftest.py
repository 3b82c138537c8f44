"""Shared by the simulator tests: typed-bitget as an independent judge of the simulator's answers (issue 12 §2).

typed-bitget (PyPI ``typed-bitget``) is a typed, validated Bitget client whose schemas are checked against the live
API, written by people who never saw this simulator. For every ``(method, path)`` its generated endpoint module names
the ``response_type`` it validates ``data`` with; :class:`TypedBitget` finds them by reading the installed sources, so
a route the simulator adds is judged without a table to keep up to date.
"""

from __future__ import annotations

import asyncio
import decimal
import importlib
import re
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pydantic
import pytest
import typed_bitget  # a test dependency (pyproject [test]): missing, the tests fail rather than skip
import websockets
from typed_core.exceptions import ValidationError
from typed_core.validation import validator

from terminal_app.bitget.signing import ws_login_message
from terminal_app.core.credentials import Credentials
from terminal_app.sim.engine.exchange import Exchange

# the response type runs to the end of its line (``cast(type, Response)`` holds a comma of its own)
_ENDPOINT = re.compile(r"method='(\w+)',\s*path='([^']+)',.*?response_type=(.+?),[ \t]*\n", re.S)


class TypedBitget:
    """typed-bitget's models of classic (V2) REST answers, by route."""

    def __init__(self, surface: str = "classic") -> None:
        """``surface``: ``classic`` (V2) or ``uta`` (V3) models."""
        package = Path(typed_bitget.__file__).parent
        self.response_types: dict[tuple[str, str], Any] = {}
        for file in sorted((package / surface).rglob("*.py")):
            text = file.read_text()
            found = _ENDPOINT.findall(text)
            if not found:
                continue
            module = importlib.import_module(
                "typed_bitget." + ".".join(file.relative_to(package).with_suffix("").parts))
            for method, path, expr in found:
                # a type name of the module, or list[...] of one: evaluated in the module's namespace
                self.response_types[(method, path)] = eval(expr.strip(), vars(module))

    def problems(self, route: tuple[str, str], data: Any) -> set[str]:
        """Where typed-bitget rejects the answer ``data`` of ``route`` (``entrustedList.*.priceAvg``)."""
        return self.rejects(self.response_types[route], data)

    @staticmethod
    def rejects(model: Any, data: Any) -> set[str]:
        """The locations pydantic rejects when ``model`` validates ``data`` (list indexes as ``*``); empty when
        valid."""
        try:
            validator(model).python(data)
        except ValidationError as exc:
            cause = exc.__cause__
            assert isinstance(cause, pydantic.ValidationError)
            return {".".join("*" if isinstance(p, int) else str(p) for p in err["loc"]) for err in cause.errors()}
        return set()

    @staticmethod
    def unexplained(found: dict[Any, set[str]], exceptions: dict[Any, dict[str, str]]) -> dict[Any, list[str]]:
        """Rejections no listed exception explains."""
        out = {key: sorted(locs - set(exceptions.get(key, {}))) for key, locs in found.items()}
        return {key: locs for key, locs in out.items() if locs}

    @staticmethod
    def report(found: dict[Any, list[str]]) -> str:
        return "\n".join(f"{key}: {', '.join(locs)}" for key, locs in sorted(found.items(), key=str))

    @staticmethod
    def stale(found: dict[Any, set[str]], exceptions: dict[Any, dict[str, str]],
              judged: set[Any]) -> dict[Any, list[str]]:
        """Listed exceptions of judged routes that no longer happen (the list must not rot)."""
        out = {key: sorted(set(locs) - found.get(key, set())) for key, locs in exceptions.items() if key in judged}
        return {key: locs for key, locs in out.items() if locs}


@pytest.fixture(scope="session")
def typed_bitget_judge() -> TypedBitget:
    return TypedBitget()


class V3Caller:
    """Signed REST calls of one unified (V3) key to a running :class:`SimServer` over loopback sockets; each answer's
    ``data`` is kept in :attr:`answers` by route (the V3 schema judge reads them)."""

    def __init__(self, server: Any, http: Any, creds: Any) -> None:
        self.server = server
        self.http = http
        self.creds = creds
        self.answers: list[tuple[tuple[str, str], Any]] = []

    async def raw(self, method: str, path: str, params: Any = None) -> dict[str, Any]:
        """The whole envelope (error answers too)."""
        import orjson

        from terminal_app.bitget.signing import auth_headers, canonical_query, encoded_query

        query = canonical_query(params) if method == "GET" and params else ""
        body = orjson.dumps(params).decode() if method == "POST" and params is not None else ""
        headers = auth_headers(self.creds, str(self.server.now_ms()), method, path, query, body)
        url = path + ("?" + encoded_query(params) if query else "")
        response = await self.http.request(method, url, headers=headers, content=body)
        payload: dict[str, Any] = response.json()
        return payload

    async def __call__(self, method: str, path: str, params: Any = None) -> Any:
        payload = await self.raw(method, path, params)
        assert payload["code"] == "00000", (path, params, payload)
        self.answers.append(((method, path), payload["data"]))
        return payload["data"]


# --- the engine tests' rig ------------------------------------------------------------------------------------------

T0 = 1_780_000_000_000


class Clock:
    """The engine's clock in the tests: milliseconds, moved by hand (``clock.t += …``)."""

    def __init__(self) -> None:
        self.t = T0

    def __call__(self) -> int:
        return self.t


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ex(clock: Clock) -> Iterator[Exchange]:
    """An engine on ``clock`` (seed 5, quiet); a module that wants another seed defines its own ``ex``."""
    exchange = Exchange(seed=5, clock=clock, quiet=True)
    yield exchange
    exchange.close()


# --- the typed-bitget judges' WebSocket rig -------------------------------------------------------------------------

Frames = dict[tuple[str, str], list[dict[str, Any]]]


async def pushes_while(public_url: str, private_url: str, creds: Credentials, now_s: int,
                       args: tuple[list[dict[str, str]], list[dict[str, str]]], name: str,
                       trade: Callable[[], Awaitable[object]], *, rounds: int = 200) -> Frames:
    """What the simulator pushes on ``args`` (public, private) while ``trade()`` moves orders, fills, balances and
    positions: logs in on the private socket, subscribes both, and collects by (instType, ``name``: channel or topic)
    until every subscribed one has pushed (or ``rounds`` × 50 ms)."""
    frames: Frames = {}
    stop = asyncio.Event()

    async def collect(ws: websockets.ClientConnection) -> None:
        while not stop.is_set():
            msg = orjson.loads(await ws.recv())
            if isinstance(msg, dict) and "data" in msg:
                frames.setdefault((msg["arg"]["instType"], msg["arg"][name]), []).append(msg)

    async with websockets.connect(public_url) as pub, websockets.connect(private_url) as priv:
        await priv.send(orjson.dumps(ws_login_message(creds, str(now_s))).decode())
        assert orjson.loads(await priv.recv())["event"] == "login"
        for ws, wanted_args in ((pub, args[0]), (priv, args[1])):
            await ws.send(orjson.dumps({"op": "subscribe", "args": wanted_args}).decode())
        readers = [asyncio.create_task(collect(ws)) for ws in (pub, priv)]
        await trade()
        wanted = {(a["instType"], a[name]) for a in (*args[0], *args[1])}
        for _ in range(rounds):
            if wanted <= set(frames):
                break
            await asyncio.sleep(0.05)
        stop.set()
        for task in readers:
            task.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
    assert wanted - set(frames) == set(), f"{name}s that pushed nothing"
    return frames


@pytest.fixture(autouse=True)
def _keep_decimal_context() -> Iterator[None]:
    """ccxt (an independent judge here) changes the thread's decimal context (rounding); no later test inherits it."""
    saved = decimal.getcontext().copy()
    try:
        yield
    finally:
        decimal.setcontext(saved)
