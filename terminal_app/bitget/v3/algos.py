"""Algo orders (stops, TP/SL) of a unified account: ``core.algo.AlgoVenue`` over Bitget's V3 strategy orders.

Requests and rows are mapped in :mod:`terminal_app.bitget.v3.strategy`. V3 lists a category's strategy orders whole
(no symbol needed), so every read is per product line; the live list is read in its two types (``tpsl`` and
``trigger``) side by side, as the V2 venue reads its three plan families. The private ``strategy-order`` topic is one
subscription for the whole account (``UnifiedAccountState.listen``); each line's handler gets its own rows.

V3 has no trailing stop: :meth:`V3AlgoVenue.unsupported` names the reason before anything is sent, and a trailing
stop that reaches :meth:`V3AlgoVenue.place_algo` anyway is refused with the same words.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from terminal_app.bitget.errors import BitgetError, InvalidOrder
from terminal_app.bitget.rest_core import compact
from terminal_app.bitget.v3 import strategy as s
from terminal_app.bitget.v3.account import UnifiedAccountState
from terminal_app.bitget.v3.mapping import category, is_coin_m_line
from terminal_app.bitget.v3.paths import V3
from terminal_app.bitget.v3.trade import parse_ack
from terminal_app.core.algo import AlgoHandler, AlgoIntent, AlgoKind, AlgoOrder
from terminal_app.core.enums import MarginMode
from terminal_app.core.instruments import Product, SymbolRef

log = logging.getLogger("terminal_app.bitget.v3.algos")
HISTORY_LIMIT = 100  # Bitget's maximum page


class V3AlgoVenue:
    """The strategy orders of one unified account, on the product lines ``products``."""

    def __init__(self, account: UnifiedAccountState, products: Sequence[Product]) -> None:
        self._account = account
        self._products = tuple(products)

    @property
    def products(self) -> tuple[Product, ...]:
        return self._products

    def unsupported(self, intent: AlgoIntent) -> str | None:
        if is_coin_m_line(intent.ref):
            return s.NO_COIN_M
        return s.NO_TRAILING if intent.kind is AlgoKind.TRAILING else None

    def targets(self, known: Iterable[SymbolRef] = ()) -> list[Product | SymbolRef]:
        return list(self._products)

    def target_of(self, ref: SymbolRef) -> Product | SymbolRef:
        return ref.product

    async def place_algo(self, intent: AlgoIntent, client_oid: str, *, hedge: bool, margin_mode: MarginMode,
                         margin_coin: str) -> str | None:
        """V3 has no margin coin or margin mode on a strategy order: the position's apply."""
        try:
            body = s.place_body(intent, client_oid, hedge=hedge)
        except ValueError as exc:
            raise InvalidOrder(str(exc)) from None
        return parse_ack(await self._account.rest.http.post(V3.PLACE_STRATEGY, body)).order_id

    async def modify_algo(self, order: AlgoOrder, *, trigger_price: Decimal, size: Decimal | None = None,
                          execute_price: Decimal | None = None, callback_ratio: Decimal | None = None,
                          margin_coin: str) -> None:
        try:
            body = s.modify_body(order, trigger_price=trigger_price, size=size, execute_price=execute_price)
        except ValueError as exc:
            raise InvalidOrder(str(exc)) from None
        await self._account.rest.http.post(V3.MODIFY_STRATEGY, body)

    async def cancel_algo(self, order: AlgoOrder, *, margin_coin: str) -> None:
        """The whole strategy order (both legs of a TP/SL order placed with two); ``OrderNotFound`` when gone."""
        body = compact(orderId=order.order_id, clientOid=None if order.order_id else order.client_oid)
        await self._account.rest.http.post(V3.CANCEL_STRATEGY, body)

    async def cancel_algos(self, orders: list[AlgoOrder], *, margin_coin: str) -> list[AlgoOrder]:
        """One request per strategy order (V3 has no batch cancel of them); those cancelled. A refusal is logged and
        left out, so the caller can tell what is still there."""
        by_order: dict[str, list[AlgoOrder]] = {}
        for order in orders:
            by_order.setdefault(order.order_id or order.client_oid, []).append(order)
        done: list[AlgoOrder] = []
        for legs in by_order.values():
            try:
                await self.cancel_algo(legs[0], margin_coin=margin_coin)
            except BitgetError as exc:
                log.warning("cancel of strategy order %s failed: %s", legs[0].order_id or legs[0].client_oid, exc)
                continue
            done += legs
        return done

    async def algo_orders(self, target: Product | SymbolRef, *, history: bool = False) -> list[AlgoOrder]:
        """Live (or, ``history``, finished: the newest page) strategy orders of a line (or of one symbol), newest
        first."""
        ref = target if isinstance(target, SymbolRef) else None
        product = target.product if isinstance(target, SymbolRef) else target
        path = V3.HISTORY_STRATEGY if history else V3.UNFILLED_STRATEGY
        params: dict[str, Any] = {"category": category(product)}
        if history:
            params["limit"] = str(HISTORY_LIMIT)
        http = self._account.rest.http
        answers = await asyncio.gather(*(http.get(path, {**params, "type": kind}, signed=True) for kind in s.TYPES))
        mode = self._account.hold_mode
        found = [o for data in answers for o in s.parse_rows(data, mode) if ref is None or o.ref == ref]
        return sorted(found, key=lambda o: (o.c_time, o.order_id or ""), reverse=True)

    async def stream_algos(self, product: Product, handler: AlgoHandler) -> None:
        def on_push(msg: dict[str, Any]) -> None:
            mine = [o for o in s.parse_push(msg, self._account.hold_mode) if o.ref.product is product]
            if mine:
                handler(mine)
        await self._account.listen("strategy-order", on_push)
