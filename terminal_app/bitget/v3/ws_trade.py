"""Orders over V3's private WebSocket (``op: trade``, bitget-v3-uta.md §6.4): a connection of its own, logged in
like the streamer's, that places, modifies and cancels by request id.

Request ``{"op":"trade","id","category" (lower case),"topic","args":[…]}``; answer ``{event:"trade", id, topic,
args:[{orderId, clientOid, …}], code:"0"}`` or ``{event:"error", id, code, msg}``. The answer only says Bitget took the
request (modify is asynchronous on Bitget's side); the ``order`` push and REST stay the record.

Nothing here retries: a request without an answer within ``timeout_s`` raises an ambiguous :class:`TransportError`
(the order may exist; look it up by clientOid, as after a REST timeout), and a dropped socket fails every pending
request the same way. :class:`~terminal_app.bitget.v3.lines.V3Line` uses this when it is connected and falls back to
REST otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, WebSocketException

from terminal_app.bitget.clock import system_ms
from terminal_app.bitget.errors import AuthError, ExchangeError, ProtocolError, TransportError, error_for_code
from terminal_app.bitget.models.fields import Fields
from terminal_app.bitget.signing import ws_login_message
from terminal_app.bitget.v3.mapping import category, wire_symbol
from terminal_app.bitget.v3.rest import V3OrderRequest
from terminal_app.core.credentials import Credentials
from terminal_app.core.instruments import SymbolRef
from terminal_app.core.orders import OrderAck

log = logging.getLogger("terminal_app.bitget.v3.ws_trade")
PING_EVERY_S = 20.0
RETRY_AFTER_S = 30.0


def _ack(entry: Any) -> OrderAck:
    f = Fields(entry, "WsTradeAck")
    return OrderAck(f.opt_text("orderId"), f.opt_text("clientOid"))


class V3WsTrader:
    """One private V3 socket for orders. ``await connect()`` logs in; ``place``/``modify``/``cancel`` answer with the
    order's ids; ``connected`` says whether requests can go this way now."""

    def __init__(self, url: str, creds: Credentials, *, timeout_s: float = 5.0, open_timeout_s: float = 5.0) -> None:
        self.url = url
        self.creds = creds
        self.timeout_s = timeout_s
        self.open_timeout_s = open_timeout_s
        self._ws: ClientConnection | None = None
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._ids = itertools.count(1)
        self._tasks: list[asyncio.Task[None]] = []
        self._connecting: asyncio.Task[None] | None = None
        self._last_attempt = -RETRY_AFTER_S
        self._closed = False

    @property
    def connected(self) -> bool:
        return self._ws is not None

    def ensure(self) -> None:
        """Connect in the background unless connected, connecting, closed, or tried less than
        :data:`RETRY_AFTER_S` ago; a failure only means orders keep going by REST."""
        now = time.monotonic()
        busy = self._ws is not None or self._connecting is not None
        if self._closed or busy or now - self._last_attempt < RETRY_AFTER_S:
            return
        self._last_attempt = now

        async def attempt() -> None:
            try:
                await self.connect()
            except Exception as exc:    # any failure leaves REST in charge
                log.info("trading socket unavailable (%s); orders go by REST", exc)
            finally:
                self._connecting = None

        self._connecting = asyncio.create_task(attempt(), name="v3-ws-trade-connect")

    async def connect(self) -> None:
        try:
            ws = await connect(self.url, ping_interval=None, open_timeout=self.open_timeout_s, compression=None)
        except (TimeoutError, OSError, WebSocketException) as exc:
            raise TransportError(f"Could not open the trading socket: {exc}") from exc
        try:
            await ws.send(orjson.dumps(ws_login_message(self.creds, str(system_ms() // 1000))).decode())
            while True:
                msg = orjson.loads(await asyncio.wait_for(ws.recv(), self.open_timeout_s))
                if isinstance(msg, dict) and msg.get("event") == "login":
                    break
                if isinstance(msg, dict) and msg.get("event") == "error":
                    raise error_for_code(msg.get("code", ""), str(msg.get("msg", "")))
        except (ExchangeError, AuthError):
            await ws.close()
            raise
        except (TimeoutError, OSError, WebSocketException, orjson.JSONDecodeError) as exc:
            await ws.close()
            raise TransportError(f"The trading socket did not log in: {exc}") from exc
        self._ws = ws
        self._tasks = [asyncio.create_task(self._read(ws), name="v3-ws-trade-read"),
                       asyncio.create_task(self._ping(ws), name="v3-ws-trade-ping")]

    async def close(self) -> None:
        self._closed = True
        if self._connecting is not None:
            self._connecting.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._connecting
        ws, self._ws = self._ws, None
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []
        if ws is not None:
            await ws.close()
        self._fail_all(TransportError("The trading socket closed.", ambiguous=True))

    def _fail_all(self, error: Exception) -> None:
        pending, self._pending = self._pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(error)

    async def _ping(self, ws: ClientConnection) -> None:
        with contextlib.suppress(ConnectionClosed):
            while True:
                await asyncio.sleep(PING_EVERY_S)
                await ws.send("ping")

    async def _read(self, ws: ClientConnection) -> None:
        try:
            async for raw in ws:
                if raw in ("pong", b"pong"):
                    continue
                try:
                    msg = orjson.loads(raw)
                except orjson.JSONDecodeError:
                    continue
                if not isinstance(msg, dict):
                    continue
                future = self._pending.pop(str(msg.get("id")), None)
                if future is not None and not future.done():
                    future.set_result(msg)
        except (ConnectionClosed, OSError):
            pass
        finally:
            if self._ws is ws:
                self._ws = None
            self._fail_all(TransportError("The trading socket dropped; the order may exist.", ambiguous=True))

    async def request(self, topic: str, args: list[dict[str, Any]], cat: str | None = None) -> dict[str, Any]:
        """Send one ``op: trade`` request; its ``trade`` answer (an ``error`` answer raises Bitget's typed error)."""
        ws = self._ws
        if ws is None:
            raise TransportError("The trading socket is not connected.")
        req_id = f"t{next(self._ids)}"
        frame: dict[str, Any] = {"op": "trade", "id": req_id, "topic": topic, "args": args}
        if cat is not None:
            frame["category"] = cat
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[req_id] = future
        try:
            await ws.send(orjson.dumps(frame).decode())
            answer = await asyncio.wait_for(future, self.timeout_s)
        except TimeoutError:
            raise TransportError("No answer on the trading socket; the order may exist.", ambiguous=True) from None
        except ConnectionClosed as exc:
            raise TransportError("The trading socket dropped; the order may exist.", ambiguous=True) from exc
        finally:
            self._pending.pop(req_id, None)
        if answer.get("event") == "error":
            raise error_for_code(answer.get("code", ""), str(answer.get("msg", "")))
        if answer.get("event") != "trade" or str(answer.get("code", "0")) != "0":
            raise ProtocolError(f"Unexpected trading answer: {str(answer)[:200]}")
        return answer

    @staticmethod
    def _one(answer: dict[str, Any]) -> OrderAck:
        args = answer.get("args")
        if not isinstance(args, list) or len(args) != 1:
            raise ProtocolError("A trading answer without its order.")
        return _ack(args[0])

    async def place(self, request: V3OrderRequest) -> OrderAck:
        body = request.wire()
        cat = body.pop("category").lower()
        return self._one(await self.request("place-order", [body], cat))

    async def cancel(self, ref: SymbolRef, *, order_id: str | None = None, client_oid: str | None = None
                     ) -> OrderAck:
        if not order_id and not client_oid:
            raise ValueError("cancel needs an orderId or a clientOid")
        arg = {"orderId": order_id} if order_id else {"clientOid": client_oid}
        return self._one(await self.request("cancel-order", [{**arg, "symbol": wire_symbol(ref)}],
                                            category(ref.product).lower()))
