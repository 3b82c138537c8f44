"""A user's records as the facade lists them, newest first: open orders, order history, fills, USDT-M account bills
and plan orders, with Bitget's filters (symbol, time window, ``idLessThan``, limit)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from terminal_app.core.instruments import Product
from terminal_app.sim.engine.bills import SpotBill
from terminal_app.sim.engine.engine import Engine
from terminal_app.sim.engine.futures import AccountBill, PlanOrder
from terminal_app.sim.engine.orders import Fill, Order
from terminal_app.sim.market.markets import margin_product

R = TypeVar("R")


def page(rows: Iterable[R], time_and_id: Callable[[R], tuple[int, str] | None], start_ms: int | None,
          end_ms: int | None, id_less_than: str | None, limit: int) -> list[R]:
    """Rows (newest first) whose time is in [start_ms, end_ms] and id below ``id_less_than``, at most ``limit``;
    ``time_and_id`` returns None for a row the caller's own filter drops."""
    below = int(id_less_than) if id_less_than else None
    out: list[R] = []
    for row in rows:
        keyed = time_and_id(row)
        if keyed is None:
            continue
        ts, row_id = keyed
        if (start_ms is not None and ts < start_ms) or (end_ms is not None and ts > end_ms):
            continue
        if below is not None and int(row_id) >= below:
            continue
        out.append(row)
        if len(out) >= limit:
            break
    return out


class AccountQueries:
    """Read-only listings of one engine's per-user records."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def open_orders(self, uid: str, product: Product, symbol: str | None = None) -> list[Order]:
        sym = symbol.upper() if symbol else None
        return [st.snapshot() for st in sorted(self.engine.state.open_by_user.get(uid, {}).values(),
                                               key=lambda s: -s.seq)
                if st.market.ref.product is product and (sym is None or st.market.symbol == sym)]

    def order_history(self, uid: str, product: Product, symbol: str | None, start_ms: int | None,
                      end_ms: int | None, id_less_than: str | None, limit: int) -> list[Order]:
        sym = symbol.upper() if symbol else None
        rows = sorted(self.engine.state.done.get(uid, ()), key=lambda s: -int(s.order_id))
        picked = page(rows, lambda st: None if st.market.ref.product is not product
                       or (sym and st.market.symbol != sym) else (st.c_time, st.order_id),
                       start_ms, end_ms, id_less_than, limit)
        return [st.snapshot() for st in picked]

    def fills(self, uid: str, product: Product, symbol: str | None, order_id: str | None, start_ms: int | None,
              end_ms: int | None, id_less_than: str | None, limit: int) -> list[Fill]:
        sym = symbol.upper() if symbol else None
        return page(reversed(self.engine.state.user_fills.get(uid, ())),
                     lambda f: None if f.ref.product is not product or (sym and f.ref.symbol != sym)
                     or (order_id and f.order_id != order_id) else (f.ts, f.trade_id),
                     start_ms, end_ms, id_less_than, limit)

    def account_bills(self, uid: str, symbol: str | None, business_type: str | None, start_ms: int | None,
                      end_ms: int | None, id_less_than: str | None, limit: int, *, product: Product | None = None,
                      coin: str | None = None) -> list[AccountBill]:
        """``product``: that futures line's rows only (a row without a symbol goes by its margin coin)."""
        return page(reversed(self.engine.state.bills.futures.get(uid, ())),
                    lambda b: None if (symbol and b.symbol != symbol) or (coin and b.coin != coin)
                    or (business_type and b.business_type != business_type)
                    or (product is not None and margin_product(b.coin) is not product) else (b.c_time, b.bill_id),
                    start_ms, end_ms, id_less_than, limit)

    def spot_bills(self, uid: str, coin: str | None, group_type: str | None, business_type: str | None,
                   start_ms: int | None, end_ms: int | None, id_less_than: str | None, limit: int) -> list[SpotBill]:
        word = coin.upper() if coin else None
        return page(reversed(self.engine.state.bills.spot.get(uid, ())),
                     lambda b: None if (word and b.coin != word) or (group_type and b.group_type != group_type)
                     or (business_type and b.business_type != business_type) else (b.c_time, b.bill_id),
                     start_ms, end_ms, id_less_than, limit)

    def plan_orders(self, uid: str, symbol: str | None, pending: bool) -> list[PlanOrder]:
        triggers = self.engine.triggers
        sym = symbol.upper() if symbol else None
        return [triggers.view(p) for p in sorted(triggers.plans.values(), key=lambda p: -int(p.order_id))
                if p.uid == uid and (sym is None or p.symbol == sym) and (p.status == "live") == pending]
