"""Orders over the simulator's private V3 WebSocket (``op: trade``, bitget-v3-uta.md §6.4).

A request ``{"op":"trade","id","category","topic","args":[…]}`` with topic ``place-order``, ``batch-place`` (≤20),
``cancel-order``, ``batch-cancel``, ``modify-order`` or ``batch-modify`` runs through the same engine calls as the REST
routes (:mod:`.v3_routes`) and is answered ``{event:"trade", id, category, topic, args, code:"0", msg, connId, ts}``
as the samples ``ws/v3_trade_*.response.json`` show. A single order that fails answers ``{event:"error", id, code,
msg}`` (D:websocket/private/Place-Order-Channel); a batch answers per item (``code``/``msg`` in each ``args`` entry).
``category`` is required to place and optional to cancel or modify (the cancel example omits it).
"""

from __future__ import annotations

from typing import Any

import orjson

from terminal_app.bitget.errors import ExchangeError
from terminal_app.sim.engine.exchange import Exchange
from terminal_app.sim.server import v3_names, v3_routes
from terminal_app.sim.server.auth import TRADE, ApiKey, require
from terminal_app.sim.server.routes import Call, reject

SINGLE = {"place-order": "place", "cancel-order": "cancel", "modify-order": "modify"}
BATCH = {"batch-place": "place", "batch-cancel": "cancel", "batch-modify": "modify"}
MAX_BATCH = 20


def _code(exc: ExchangeError) -> str:
    return v3_routes.V2_TO_V3.get(exc.code or "", exc.code or "40000")


def _act(ex: Exchange, key: ApiKey, now_ms: int, action: str, category: str | None,
         item: dict[str, Any]) -> dict[str, Any]:
    item = v3_names.engine_params(item)
    params = {**item, "category": item.get("category") or category} if category or item.get("category") else item
    call = Call(ex, params, key, now_ms)
    if action == "place":
        if not params.get("category"):
            raise reject("40019", "Parameter category cannot be empty")
        o = v3_routes._place(call, params)
        return {"symbol": v3_names.wire_symbol(o.ref.symbol), "orderId": o.order_id, "clientOid": o.client_oid,
                "cTime": str(o.c_time)}
    if action == "cancel":
        o = v3_routes._cancel(call, params)
        return {"orderId": o.order_id, "clientOid": o.client_oid}
    answer = v3_routes.modify_order(call)
    return {"orderId": answer["orderId"], "clientOid": answer["clientOid"]}


def answer(ex: Exchange, key: ApiKey | None, msg: dict[str, Any], now_ms: int, conn_id: str) -> bytes:
    """The frame answering one ``op: trade`` request."""
    req_id = msg.get("id")
    topic = msg.get("topic")
    category = msg.get("category")
    args = msg.get("args")

    def error(code: str, text: str) -> bytes:
        return orjson.dumps({"event": "error", "id": req_id, "code": code, "msg": text, "connId": conn_id,
                             "ts": str(now_ms)})

    if key is None:
        return error("30004", "User not logged in")
    try:
        require(key, TRADE)
    except ExchangeError as exc:
        return error(exc.code or "40014", exc.exchange_msg or "Incorrect permissions")
    action = SINGLE.get(topic or "") or BATCH.get(topic or "")
    if action is None or not isinstance(args, list) or not args or not all(isinstance(a, dict) for a in args):
        return error("40017", f"Parameter verification failed: topic {topic!r} or args")
    if category is not None and not isinstance(category, str):
        return error("40017", "Parameter category error")
    if topic in SINGLE and len(args) != 1:
        return error("40017", "Parameter verification failed: one order per request")
    if len(args) > MAX_BATCH:
        return error("40017", f"Parameter verification failed: at most {MAX_BATCH} orders")
    results: list[dict[str, Any]] = []
    for item in args:
        try:
            done = _act(ex, key, now_ms, action, category, item)
            if topic in BATCH:
                done.pop("cTime", None)      # the batch sample's entries have no cTime
            results.append({"code": "0", "msg": "Success", **done})
        except ExchangeError as exc:
            if topic in SINGLE:
                return error(_code(exc), exc.exchange_msg or str(exc))
            results.append({"code": _code(exc), "msg": exc.exchange_msg or str(exc),
                            "orderId": item.get("orderId") or "", "clientOid": item.get("clientOid") or ""})
    if topic in SINGLE:
        results = [{k: v for k, v in results[0].items() if k not in ("code", "msg")}]
    frame: dict[str, Any] = {"event": "trade", "id": req_id}
    if category:
        frame["category"] = category
    frame.update(topic=topic, args=results, code="0", msg="success", connId=conn_id, ts=str(now_ms))
    return orjson.dumps(frame)
