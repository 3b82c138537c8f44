"""Algo orders (stops, trailing stops, TP/SL orders of their own) on a unified account: not mapped yet.

Bitget's V3 strategy orders (``/api/v3/trade/place-strategy-order``…) are in :mod:`terminal_app.bitget.v3.rest`,
but their mapping to the terminal's algo orders is not built: this venue says so in plain words on every request
instead of letting a unified account's stop go somewhere it cannot be listed, moved or cancelled from. It lists
nothing and streams nothing, so the algo orders panel and panic have nothing to act on here (TP/SL attached to an
order still work through the order itself).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from terminal_app.bitget.errors import InvalidOrder
from terminal_app.core.algo import AlgoHandler, AlgoIntent, AlgoOrder
from terminal_app.core.enums import MarginMode
from terminal_app.core.instruments import Product, SymbolRef

NOT_ON_UNIFIED = ("Stop, trailing and stand-alone TP/SL orders are not available on a unified (UTA) account in this "
                  "version of the terminal; use TP/SL attached to the order.")


class V3AlgoVenue:
    @property
    def products(self) -> tuple[Product, ...]:
        return ()

    def targets(self, known: Iterable[SymbolRef] = ()) -> list[Product | SymbolRef]:
        return []

    def target_of(self, ref: SymbolRef) -> Product | SymbolRef:
        return ref

    async def place_algo(self, intent: AlgoIntent, client_oid: str, *, hedge: bool, margin_mode: MarginMode,
                         margin_coin: str) -> str | None:
        raise InvalidOrder(NOT_ON_UNIFIED)

    async def modify_algo(self, order: AlgoOrder, *, trigger_price: Decimal, size: Decimal | None = None,
                          execute_price: Decimal | None = None, callback_ratio: Decimal | None = None,
                          margin_coin: str) -> None:
        raise InvalidOrder(NOT_ON_UNIFIED)

    async def cancel_algo(self, order: AlgoOrder, *, margin_coin: str) -> None:
        raise InvalidOrder(NOT_ON_UNIFIED)

    async def cancel_algos(self, orders: list[AlgoOrder], *, margin_coin: str) -> list[AlgoOrder]:
        if orders:
            raise InvalidOrder(NOT_ON_UNIFIED)
        return []

    async def algo_orders(self, target: Product | SymbolRef, *, history: bool = False) -> list[AlgoOrder]:
        return []

    async def stream_algos(self, product: Product, handler: AlgoHandler) -> None:
        return None
