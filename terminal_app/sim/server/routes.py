"""REST plumbing shared by the spot and futures handlers: the route type, the request view handlers read parameters
from (with Bitget's 40019/40017 errors), and the endpoints that are neither spot nor futures.

A handler takes a :class:`Call` and returns the ``data`` of Bitget's envelope, or raises an ``ExchangeError`` whose
``code``/``exchange_msg`` the server puts in the error envelope.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from terminal_app.bitget.errors import ExchangeError, error_for_code
from terminal_app.bitget.models.mapping import product_from_wire
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.sim.engine.exchange import Exchange
from terminal_app.sim.market.history import Granularity
from terminal_app.sim.server.auth import ApiKey
from terminal_app.sim.server.render import levels, num

Handler = Callable[["Call"], Any]


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    path: str
    handler: Handler
    private: bool = False
    trade: bool = False              # needs the key's trade permission (40014 otherwise)


def reject(code: str, msg: str) -> ExchangeError:
    return error_for_code(code, msg)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)           # a JSON number sent by a client; repr keeps its shortest exact digits
    return str(value)


def list_items(items: Any, name: str, maximum: int | None = None) -> list[Any]:
    """``items`` as the list parameter ``name``: 40019 when it is missing or empty, 40017 beyond ``maximum``."""
    if not isinstance(items, list) or not items:
        raise reject("40019", f"Parameter {name} cannot be empty")
    if maximum is not None and len(items) > maximum:
        raise reject("40017", f"Parameter {name} exceeds {maximum} entries")
    return items


@dataclass(slots=True)
class Call:
    """One request as a handler sees it: parameters (query for GET, JSON body for POST), the caller's key, the
    exchange and its clock."""

    ex: Exchange
    params: Mapping[str, Any]
    key: ApiKey | None
    now_ms: int

    @property
    def uid(self) -> str:
        if self.key is None:
            raise reject("40001", "ACCESS_KEY cannot be empty")
        return self.key.uid

    def opt(self, name: str) -> str | None:
        value = self.params.get(name)
        if value is None or value == "":
            return None
        return _text(value).strip()

    def req(self, name: str) -> str:
        value = self.opt(name)
        if value is None:
            raise reject("40019", f"Parameter {name} cannot be empty")
        return value

    def integer(self, name: str, default: int | None = None, *, lo: int = 0, hi: int | None = None) -> int | None:
        text = self.opt(name)
        if text is None:
            return default
        try:
            value = int(text)
        except ValueError:
            raise reject("40017", f"Parameter {name} error") from None
        if value < lo:
            raise reject("40017", f"Parameter {name} error")
        return min(value, hi) if hi is not None else value

    def limit(self, default: int, maximum: int) -> int:
        value = self.integer("limit", default, lo=1, hi=maximum)
        assert value is not None
        return value

    def decimal(self, name: str) -> Decimal | None:
        text = self.opt(name)
        if text is None:
            return None
        try:
            return Decimal(text)
        except InvalidOperation:
            raise reject("40017", f"Parameter {name} error") from None

    def items(self, name: str, maximum: int | None = None) -> list[Any]:
        """A list parameter (a JSON array in the body): see :func:`list_items`."""
        return list_items(self.params.get(name), name, maximum)

    def word(self, name: str, allowed: tuple[str, ...], default: str | None = None) -> str | None:
        value = self.opt(name)
        if value is None:
            return default
        # Bitget takes enum words in any case (ccxt sends force "GTC"); the engine uses the documented lower case.
        if value not in allowed and value.lower() in allowed:
            value = value.lower()
        if value not in allowed:
            raise reject("40017", f"Parameter {name} error")
        return value

    def spot_ref(self, name: str = "symbol") -> SymbolRef:
        return SymbolRef(self.req(name).upper(), Product.SPOT)

    def product_type(self) -> Product:
        text = self.req("productType")
        try:
            product = product_from_wire(text)
        except ValueError:
            raise reject("40017", "Parameter productType error") from None
        if not product.is_futures:
            raise reject("40017", "Parameter productType error")
        return product

    def futures_ref(self) -> SymbolRef:
        product = self.product_type()
        return SymbolRef(self.req("symbol").upper(), product)

    def granularity(self, table: Mapping[str, tuple[Granularity, int]]) -> tuple[Granularity, int]:
        text = self.req("granularity")
        found = table.get(text)
        if found is None:
            raise reject("40017", "Parameter granularity error")
        return found


# ---- merged depth (spot and futures merge-depth) ----------------------------------------------------------------

_SCALES = {"scale0": 0, "scale1": 1, "scale2": 2, "scale3": 3}
_MERGE_LIMITS = {"1": 1, "5": 5, "15": 15, "50": 50, "max": 150}


def merge_depth(call: Call, ref: SymbolRef) -> Any:
    """``precision`` scale0..3 groups prices in steps of tick·10^n (bids down, asks up); ``limit`` 1/5/15/50/max."""
    precision = call.opt("precision") or "scale0"
    power = _SCALES.get(precision)
    if power is None:
        raise reject("40017", "Parameter precision error")
    limit_text = call.opt("limit") or "100"
    limit = _MERGE_LIMITS.get(limit_text)
    if limit is None:
        if not limit_text.isdigit():
            raise reject("40017", "Parameter limit error")
        limit = min(int(limit_text), 150)
    market = call.ex.market(ref)
    tick = market.tick
    if power == 0:
        depth = call.ex.depth(ref, limit)
        return {"asks": levels(depth.asks), "bids": levels(depth.bids), "ts": str(depth.ts), "scale": num(tick),
                "precision": precision, "isMaxPrecision": "YES"}
    step = tick.scaleb(power)
    depth = call.ex.depth(ref, limit * 10**power)
    bids = _merge(depth.bids, step, down=True)[:limit]
    asks = _merge(depth.asks, step, down=False)[:limit]
    return {"asks": levels(asks), "bids": levels(bids), "ts": str(depth.ts), "scale": num(step),
            "precision": precision, "isMaxPrecision": "NO"}


def _merge(side: tuple[tuple[Decimal, Decimal], ...], step: Decimal, *, down: bool) -> list[tuple[Decimal, Decimal]]:
    out: list[tuple[Decimal, Decimal]] = []
    for price, size in side:
        units = price / step
        whole = units.to_integral_value(rounding="ROUND_FLOOR" if down else "ROUND_CEILING")
        bucket = (whole * step).quantize(step)
        if out and out[-1][0] == bucket:
            out[-1] = (bucket, out[-1][1] + size)
        else:
            out.append((bucket, size))
    return out


# ---- endpoints that are neither spot nor futures ---------------------------------------------------------------


def server_time(call: Call) -> Any:
    return {"serverTime": str(call.now_ms)}


def margin_currencies(call: Call) -> Any:
    """The simulator has no margin trading: a valid, empty list (third-party clients call this loading markets)."""
    return []


COMMON_ROUTES: tuple[Route, ...] = (
    Route("GET", "/api/v2/public/time", server_time),
    Route("GET", "/api/v2/margin/currencies", margin_currencies),
)


def trades_in_window(call: Call, ref: SymbolRef) -> list[Any]:
    """``fills-history``: trades in [startTime, endTime] below ``idLessThan``, newest first. The simulator keeps the
    recent tape, which is what it can serve."""
    start = call.integer("startTime", None, lo=0)
    end = call.integer("endTime", None, lo=0)
    before = call.integer("idLessThan", None, lo=0)
    trades = [
        t for t in call.ex.recent_trades(ref, 10_000)
        if (start is None or t.ts >= start) and (end is None or t.ts <= end)
        and (before is None or int(t.trade_id) < before)
    ]
    return trades[: call.limit(500, 1000)]


# ---- batch endpoints ----------------------------------------------------------------------------------------------


def batch(entries: list[Any], name: str, each: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    """Bitget's batch answer: what ``each`` returns for an entry goes to ``successList``; an entry it refuses (or one
    that is not an object: 40017 "Parameter ``name`` error") to ``failureList`` with its ids and the error."""
    success, failure = [], []
    for entry in entries:
        try:
            if not isinstance(entry, dict):
                raise reject("40017", f"Parameter {name} error")
            success.append(each(entry))
        except ExchangeError as exc:
            get = entry.get if isinstance(entry, dict) else (lambda _k: None)
            failure.append({"orderId": get("orderId") or "", "clientOid": get("clientOid") or "",
                            "errorMsg": exc.exchange_msg or str(exc), "errorCode": exc.code})
    return {"successList": success, "failureList": failure}
