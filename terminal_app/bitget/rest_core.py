"""Shared pieces of the V2 REST client: endpoint paths (one place), parameter formatting, and the
no-duplicate rules for placing and cancelling orders.

Symbol convention (every endpoint method): a method about one market takes a :class:`SymbolRef` (spot methods
require ``Product.SPOT``; futures methods take the ``productType`` from the ref). A futures method whose endpoint
takes a ``productType`` and an *optional* symbol takes ``Product | SymbolRef``: a ``Product`` means every symbol of
that product type. Prices and sizes are ``Decimal`` (or Bitget's exact strings) and go on the wire in plain notation.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from terminal_app.bitget.errors import (
    BitgetError,
    DuplicateClientOid,
    ExchangeError,
    InvalidOrder,
    OrderNotFound,
    TransportError,
)
from terminal_app.bitget.http import BitgetHttp
from terminal_app.bitget.models import parse_order_ack
from terminal_app.bitget.models.mapping import wire_product
from terminal_app.bitget.paths import V2 as V2  # its historic home: the client's modules import it from here
from terminal_app.core.enums import OrderStatus
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.core.orders import Order, OrderAck

log = logging.getLogger("terminal_app.bitget.rest")

CLIENT_OID_MAX = 40
CLIENT_OID_PREFIX = "bt"


def new_client_oid() -> str:
    """``bt`` + 20 random hex digits: unique enough to look an order up by it, well under Bitget's 40 chars."""
    return CLIENT_OID_PREFIX + secrets.token_hex(10)


def checked_client_oid(client_oid: str | None) -> str:
    if client_oid is None or client_oid == "":
        return new_client_oid()
    if len(client_oid) > CLIENT_OID_MAX:
        raise InvalidOrder(f"The client order id is longer than {CLIENT_OID_MAX} characters.")
    return client_oid


def num(value: Decimal | int | str) -> str:
    """A price/size/amount for the wire: plain notation, never an exponent; floats are refused (money is exact)."""
    if type(value) is str:
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise InvalidOrder(f"{value} is not a valid amount.")
        return format(value, "f")
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise TypeError(f"amounts must be Decimal, int or Bitget's string form, not {type(value).__name__}")


def opt_num(value: Decimal | int | str | None) -> str | None:
    return None if value is None else num(value)


def compact(**params: Any) -> dict[str, Any]:
    """Keyword arguments with the ``None`` ones left out (Bitget wants absent, not null)."""
    return {k: v for k, v in params.items() if v is not None}


def spot_ref(ref: SymbolRef) -> SymbolRef:
    if ref.product is not Product.SPOT:
        raise ValueError(f"{ref} is not a spot symbol")
    return ref


def futures_ref(ref: SymbolRef) -> SymbolRef:
    if not ref.product.is_futures:
        raise ValueError(f"{ref} is not a futures symbol")
    return ref


def product_params(target: Product | SymbolRef) -> dict[str, str]:
    """``productType`` (+ ``symbol`` for a ref) for endpoints where the symbol is optional."""
    if isinstance(target, SymbolRef):
        futures_ref(target)
        return {"productType": wire_product(target.product), "symbol": target.symbol}
    if not target.is_futures:
        raise ValueError(f"{target} is not a futures product type")
    return {"productType": wire_product(target)}


def product_type_of(target: Product | SymbolRef) -> Product:
    return target.product if isinstance(target, SymbolRef) else target


def is_ambiguous(exc: BitgetError) -> bool:
    """Did this failure leave it unknown whether the exchange executed the request?

    A transport failure after the request may have been written, or a 5xx answer without a recognised business
    code. A typed rejection (balance, precision, …) is definitive even when it arrives with a 5xx status.
    """
    if isinstance(exc, TransportError):
        return exc.ambiguous
    return type(exc) is ExchangeError and exc.http_status is not None and exc.http_status >= 500


Lookup = Callable[[], Awaitable[Order]]


class RestCore:
    """What the endpoint mixins share: the transport and the duplicate-free order rules."""

    http: BitgetHttp
    lookup_delay_s: float

    async def _pause_before_lookup(self) -> None:
        # An order whose connection broke a moment ago may need a beat to become visible to orderInfo/detail.
        if self.lookup_delay_s > 0:
            await self.http.sleep(self.lookup_delay_s)

    async def _find(self, lookup: Lookup, what: str) -> Order | None:
        """The order if it exists, ``None`` if Bitget says it does not; ambiguity if the lookup itself fails."""
        try:
            return await lookup()
        except OrderNotFound:
            return None
        except BitgetError as exc:
            raise TransportError(
                f"The {what} may or may not have reached the exchange, and looking it up failed: {exc.user_message}",
                ambiguous=True,
            ) from exc

    async def _place_safely(self, path: str, body: dict[str, Any], lookup: Lookup) -> OrderAck:
        """POST an order that carries a clientOid; never create a duplicate.

        On an ambiguous failure the order is looked up by clientOid: found → its ack; definitely absent → re-sent
        once with the same clientOid; still unknown → ``TransportError(ambiguous=True)``.
        """
        http = self.http
        client_oid = body["clientOid"]
        try:
            return parse_order_ack(await http.post(path, body))
        except BitgetError as exc:
            if not is_ambiguous(exc):
                raise
            log.warning("order %s: ambiguous failure (%s); looking it up", client_oid, exc)
        await self._pause_before_lookup()
        found = await self._find(lookup, "order")
        if found is not None:
            log.info("order %s exists (%s); not re-sending", client_oid, found.order_id)
            return OrderAck(found.order_id, found.client_oid or client_oid)
        log.info("order %s is definitely absent; re-sending once", client_oid)
        try:
            return parse_order_ack(await http.post(path, body))
        except DuplicateClientOid:
            pass  # the first attempt landed after our lookup: fall through to read it
        except BitgetError as exc:
            if not is_ambiguous(exc):
                raise
        await self._pause_before_lookup()
        found = await self._find(lookup, "order")
        if found is not None:
            return OrderAck(found.order_id, found.client_oid or client_oid)
        raise TransportError(
            "The order could not be confirmed: two attempts failed and the exchange does not know the order. "
            "It was most likely not placed.",
            ambiguous=True,
        )

    async def _cancel_safely(self, path: str, body: dict[str, Any], lookup: Lookup) -> OrderAck:
        """POST a cancel; after an ambiguous failure re-send it only if a lookup shows the order still open.

        A lookup showing ``cancelled`` returns that order's ack; ``filled`` raises ``OrderNotFound`` (nothing left
        to cancel).
        """
        try:
            return parse_order_ack(await self.http.post(path, body))
        except BitgetError as exc:
            if not is_ambiguous(exc):
                raise
            log.warning("cancel %s: ambiguous failure (%s); looking the order up", body, exc)
        await self._pause_before_lookup()
        found = await self._find(lookup, "cancel request")
        if found is None:
            raise OrderNotFound()
        if found.is_open:
            try:
                return parse_order_ack(await self.http.post(path, body))
            except BitgetError as exc:
                if is_ambiguous(exc):
                    raise TransportError("The cancel request could not be confirmed; check the open orders.",
                                         ambiguous=True) from exc
                raise
        if found.status == OrderStatus.CANCELLED:
            return OrderAck(found.order_id, found.client_oid)
        raise OrderNotFound(f"The order is already {found.status}; there is nothing left to cancel.")
