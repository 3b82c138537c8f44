"""How the Algo orders tab groups its rows: a bracket's legs under their entry, TP/SL under their position.

A bracket's legs live in two places over its life. While the entry waits to fill they are attached to it (the
entry order's preset TP/SL, ``OrderView.tp``/``sl``): :func:`attached_legs` shows them as rows of their own, grouped
under the entry, status "on entry" (nothing to move or cancel on the exchange but the entry itself: cancelling such
a row cancels the entry). Once the entry fills, the exchange holds them as TP/SL orders of the position; those, and
every other TP/SL, are grouped under the position they protect. Stops and trailing stops stand alone.

A spot bracket (``services.oco``) is two rows under "Spot bracket …": its stop-loss, the exchange's plan order, and
its take-profit, which the terminal watches (:func:`watched_legs`, status "watched"; cancelling it ends the watch and
leaves the stop-loss on the exchange).
"""

from __future__ import annotations

from collections.abc import Iterable

from terminal_app.core.algo import AlgoKind, AlgoOrder, AlgoStatus
from terminal_app.core.bracket import SpotBracket, Stage
from terminal_app.core.enums import PositionSide, Side, TradeSide
from terminal_app.core.orders import OrderView

LEG_PREFIX = "leg:"
ON_ENTRY = "on entry"
WATCH_PREFIX = "watch:"
WATCHED = "watched"


def is_leg(client_oid: str) -> bool:
    return client_oid.startswith(LEG_PREFIX)


def is_watched(client_oid: str) -> bool:
    return client_oid.startswith(WATCH_PREFIX)


def bracket_of(client_oid: str) -> str:
    """The entry's clientOid (the bracket's key) of a watched take-profit row."""
    return client_oid.removeprefix(WATCH_PREFIX)


_WATCHED = ("Watched by the terminal (Bitget spot has no OCO): at this price it cancels the stop-loss, then sells at "
            "market. Kept across restarts; it fires only while the terminal runs.")


def watched_legs(brackets: Iterable[SpotBracket], times: dict[str, int] | None = None) -> list[AlgoOrder]:
    """The take-profits the terminal watches for spot brackets whose stop-loss is on the exchange; ``times``: the
    creation time of the stop-losses by clientOid (the watch began with its stop-loss)."""
    known = times or {}
    return [AlgoOrder(b.ref, None, f"{WATCH_PREFIX}{b.entry_oid}", AlgoKind.TAKE_PROFIT, Side.SELL, b.tp, b.size,
                      AlgoStatus.LIVE, c_time=known.get(b.sl_oid or "", 0), reason=_WATCHED)
            for b in brackets if b.stage in (Stage.ARMED, Stage.TAKING)]


def bracket_groups(brackets: Iterable[SpotBracket]) -> dict[str, str]:
    """The group of each spot bracket's rows (its stop-loss plan and its watched take-profit), by clientOid."""
    groups: dict[str, str] = {}
    for b in brackets:
        if b.stage in (Stage.ARMED, Stage.TAKING):
            name = f"Spot bracket {b.ref.display} {b.size.normalize():f}"
            groups[f"{WATCH_PREFIX}{b.entry_oid}"] = name
            if b.sl_oid is not None:
                groups[b.sl_oid] = name
    return groups


def entry_of(client_oid: str) -> str:
    """The entry order's clientOid of an attached-leg row."""
    return client_oid.removeprefix(LEG_PREFIX).rsplit(":", 1)[0]


def _held(view: OrderView) -> PositionSide:
    """The position the entry opens (hedge: ``side`` names it; one-way: buy opens a long)."""
    return PositionSide.LONG if view.side == Side.BUY else PositionSide.SHORT


_ATTACHED = ("Attached to the entry: the exchange places it when the entry fills, and cancels it when its sibling "
             "fires. Cancelling it cancels the entry.")
# Bitget's spot presets (placed elsewhere: the terminal sends none, see services.oco): what Bitget does with them
# once the entry fills is not documented
_SPOT_ATTACHED = ("Attached to the entry as Bitget's spot preset (placed outside the terminal); Bitget acts on it once "
                  "the entry fills. Cancelling it cancels the entry.")


def attached_legs(views: Iterable[OrderView]) -> list[AlgoOrder]:
    """The TP/SL attached to open entries, as rows of the tab (status pending, shown "on entry")."""
    rows: list[AlgoOrder] = []
    for view in views:
        if not view.is_open or (view.tp is None and view.sl is None) or view.trade_side == TradeSide.CLOSE:
            continue
        held = _held(view)
        closing = Side.SELL if held == PositionSide.LONG else Side.BUY
        for tag, kind, price in (("tp", AlgoKind.TAKE_PROFIT, view.tp), ("sl", AlgoKind.STOP_LOSS, view.sl)):
            if price is not None:
                rows.append(AlgoOrder(view.ref, None, f"{LEG_PREFIX}{view.client_oid}:{tag}", kind, closing, price,
                                      view.remaining, AlgoStatus.PENDING, hold_side=held, c_time=view.c_time,
                                      u_time=view.u_time,
                                      reason=_ATTACHED if view.ref.product.is_futures else _SPOT_ATTACHED))
    return rows


def group_of(order: AlgoOrder, entries: dict[str, OrderView]) -> str:
    """The group a row is shown under ("" for a stop or trailing stop on its own)."""
    if is_leg(order.client_oid):
        entry = entries.get(entry_of(order.client_oid))
        if entry is not None and entry.price is not None:
            return f"Entry {entry.side} {entry.size.normalize():f} @ {entry.price.normalize():f}"
        return "Entry at market"
    if order.kind.is_tpsl and order.hold_side is not None:
        return f"Position {order.ref.display} {order.hold_side}"
    return ""


_ROLE = {AlgoKind.TAKE_PROFIT: 0, AlgoKind.POSITION_TP: 0, AlgoKind.STOP_LOSS: 1, AlgoKind.POSITION_SL: 1,
         AlgoKind.STOP: 1}


def grouped(orders: Iterable[AlgoOrder], entries: dict[str, OrderView],
            brackets: dict[str, str] | None = None) -> list[tuple[str, AlgoOrder]]:
    """Rows with their group, a group's rows together (TP before SL), groups in the order of their newest row;
    stand-alone orders newest first after them. ``brackets``: the spot brackets' groups (:func:`bracket_groups`)."""
    named = brackets or {}
    rows = [(named.get(o.client_oid) or group_of(o, entries), o) for o in orders]
    newest: dict[str, int] = {}
    for group, o in rows:
        if group:
            newest[group] = max(newest.get(group, 0), o.c_time)
    return sorted(rows, key=lambda r: (r[0] == "", -newest.get(r[0], r[1].c_time), r[0],
                                       _ROLE.get(r[1].kind, 2), -r[1].c_time, r[1].client_oid))
