"""Request plumbing of the copy endpoints: the handler base (every copy request syncs copy trading first), Bitget's
paging of tracking orders and lists, and the parameters the copy endpoints read (tracking lists, follow settings,
switches)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from terminal_app.bitget.models.mapping import product_from_wire
from terminal_app.core.copy_trading import FollowSetting, SpotFollowSetting
from terminal_app.core.instruments import Product
from terminal_app.sim.copy.engine import CopyEngine
from terminal_app.sim.copy.state import Track
from terminal_app.sim.market.markets import find_market
from terminal_app.sim.market.price import DAY_MS
from terminal_app.sim.server.routes import Call, Handler, Route, list_items, reject

WINDOW_MS = 90 * DAY_MS


class CopyHandlers:
    """Handlers over one copy engine (bound methods: ``Route(handler=routes.x)``)."""

    def __init__(self, engine: CopyEngine) -> None:
        self.engine = engine

    def _e(self) -> CopyEngine:
        self.engine.sync()
        return self.engine

    def table(self) -> tuple[list[tuple[str, Handler]], list[tuple[str, Handler]]]:
        """(GET, POST) paths and their handlers."""
        raise NotImplementedError

    def routes(self) -> tuple[Route, ...]:
        """The table as private routes; the POST ones need the key's trade permission."""
        get, post = self.table()
        return (*(Route("GET", path, handler, private=True) for path, handler in get),
                *(Route("POST", path, handler, private=True, trade=True) for path, handler in post))


def futures_symbol(call: Call) -> str | None:
    """Checks ``productType`` (only USDT-FUTURES has copy trading here) and returns the optional symbol."""
    if call.product_type() is not Product.USDT_FUTURES:
        raise reject("40854", "This product does not support copy trading")
    symbol = call.opt("symbol")
    if symbol is not None:
        find_market(symbol, Product.USDT_FUTURES)
    return symbol.upper() if symbol else None


def page_tracks(call: Call, tracks: list[Track], *, default: int, maximum: int,
                 time_of: Callable[[Track], int | None] = lambda t: t.open_time) -> tuple[list[Track], str]:
    """Bitget's id/time paging over tracks sorted newest first: idLessThan (older), idGreaterThan (newer),
    startTime/endTime (a window of at most 3 months), limit."""
    below = call.integer("idLessThan")
    above = call.integer("idGreaterThan")
    start = call.integer("startTime")
    end = call.integer("endTime")
    if start is not None and end is not None and end - start > WINDOW_MS:
        raise reject("40705", "The start and end time cannot exceed 90 days")
    limit = call.limit(default, maximum)
    out = []
    for t in tracks:
        n = int(t.tracking_no)
        ts = time_of(t) or 0
        if (below is not None and n >= below) or (above is not None and n <= above):
            continue
        if (start is not None and ts < start) or (end is not None and ts > end):
            continue
        out.append(t)
        if len(out) >= limit:
            break
    return out, (out[-1].tracking_no if out else "")


def spot_symbol(call: Call) -> str | None:
    """The optional spot ``symbol`` (40034 when it does not exist)."""
    symbol = call.opt("symbol")
    if symbol is not None:
        find_market(symbol, Product.SPOT)
    return symbol.upper() if symbol else None


def page_rows(call: Call, rows: list[Any], default: int, maximum: int) -> list[Any]:
    page = call.integer("pageNo", 1, lo=1) or 1
    size = call.integer("pageSize", default, lo=1, hi=maximum) or default
    return rows[(page - 1) * size:page * size]


def tpsl(call: Call) -> tuple[Decimal | None, Decimal | None]:
    return call.decimal("stopSurplusPrice"), call.decimal("stopLossPrice")


def tracking_list(call: Call) -> list[str]:
    items = call.params.get("trackingNoList")
    if isinstance(items, str):
        items = [x for x in items.split(",") if x]
    return [str(x) for x in list_items(items, "trackingNoList", 50)]


def decimal_field(entry: dict[str, Any], name: str) -> Decimal | None:
    value = entry.get(name)
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        raise reject("40017", f"Parameter {name} error") from None


def settings_list(call: Call, maximum: int) -> list[dict[str, Any]]:
    items = call.items("settings", maximum)
    if not all(isinstance(e, dict) for e in items):
        raise reject("40017", "Parameter settings error")
    return items


def follow_setting(entry: dict[str, Any]) -> FollowSetting:
    for name in ("symbol", "productType", "traceType", "traceValue"):
        if entry.get(name) in (None, ""):
            raise reject("40019", f"Parameter {name} cannot be empty")
    try:
        product = product_from_wire(str(entry["productType"]))
    except ValueError:
        raise reject("40017", "Parameter productType error") from None
    trace_value = decimal_field(entry, "traceValue")
    assert trace_value is not None
    return FollowSetting(
        symbol=str(entry["symbol"]).upper(), trace_type=str(entry["traceType"]).lower(), trace_value=trace_value,
        product_type=product, margin_type=str(entry.get("marginType") or "trader").lower(),
        margin_coin=str(entry.get("marginCoin") or "USDT").upper(),
        lever_type=str(entry.get("leverType") or "trader").lower(),
        long_leverage=decimal_field(entry, "longLeverage"), short_leverage=decimal_field(entry, "shortLeverage"),
        max_hold_size=decimal_field(entry, "maxHoldSize"), stop_surplus_ratio=decimal_field(entry, "stopSurplusRatio"),
        stop_loss_ratio=decimal_field(entry, "stopLossRatio"))


def spot_setting(entry: dict[str, Any]) -> SpotFollowSetting:
    for name in ("symbol", "traceType", "traceValue"):
        if entry.get(name) in (None, ""):
            raise reject("40019", f"Parameter {name} cannot be empty")
    return SpotFollowSetting(str(entry["symbol"]).upper(), str(entry["traceType"]).lower(),
                             decimal_field(entry, "traceValue"), decimal_field(entry, "maxHoldSize"),
                             decimal_field(entry, "stopSurplusRatio"), decimal_field(entry, "stopLossRatio"))


def switch_on(value: str | None, default: bool = True) -> bool:
    if value is None:
        return default
    return value.lower() in ("on", "yes", "true")


def yes_no(value: str | None) -> bool | None:
    if value is None:
        return None
    word = value.lower()
    if word not in ("yes", "no"):
        raise reject("40017", "Parameter error: YES or NO")
    return word == "yes"
