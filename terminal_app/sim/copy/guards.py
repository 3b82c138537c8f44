"""Bitget's copy-trading rules on the exchange's own order entry. The facade has no copy hooks, so
:meth:`CopyGuards.install` wraps the exchange *instance*'s ``place_futures_order``, ``close_positions``,
``set_position_mode`` and ``place_spot_order``; the copy engine itself uses the saved originals
(:class:`~terminal_app.sim.copy.desk.CopyDesk`).

* copy positions close through copy trading: an ordinary futures close (or spot sell) that would take tracked size,
  and a flash close of a symbol with tracking orders, are refused (40866) — except on a unified account, whose
  lead positions close with the V3 trade endpoints (V3 has no tracking orders; the engine's reconciliation then
  closes the tracks and the followers' copies);
* copy trading needs hedge mode: a copy account cannot switch to one-way (40731);
* an elite trader places at most one order a second (40918).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from terminal_app.core.instruments import Product
from terminal_app.sim.copy.desk import CopyDesk
from terminal_app.sim.copy.registry import CopyRegistry
from terminal_app.sim.copy.state import FUTURES_MARKET, ORDER_INTERVAL_MS, SPOT, SPOT_MARKET, ZERO, reject
from terminal_app.sim.copy.traders import COPY_SYMBOLS, SPOT_COPY_SYMBOLS
from terminal_app.sim.engine import unified
from terminal_app.sim.engine.orders import Order
from terminal_app.sim.market.markets import find_market

_GUARDED = ("place_futures_order", "close_positions", "set_position_mode", "place_spot_order")


class CopyGuards:
    """The copy rules around one exchange's order entry, while installed."""

    def __init__(self, reg: CopyRegistry, desk: CopyDesk) -> None:
        self.reg = reg
        self.desk = desk
        self.installed = False

    def install(self) -> None:
        if self.installed:
            return
        ex: Any = self.desk.exchange
        ex.place_futures_order = self.place_futures
        ex.close_positions = self.close_positions
        ex.set_position_mode = self.set_position_mode
        ex.place_spot_order = self.place_spot
        self.installed = True

    def remove(self) -> None:
        if self.installed:
            ex: Any = self.desk.exchange
            for name in _GUARDED:
                ex.__dict__.pop(name, None)
            self.installed = False

    def _leads_on_v3(self, uid: str) -> bool:
        return uid in unified.book(self.desk.exchange).users

    def _order_rate(self, uid: str) -> None:
        trader = self.reg.active_trader(uid)
        if trader is None:
            return
        now = self.desk.clock()
        if now - trader.last_order_ms < ORDER_INTERVAL_MS:
            raise reject("40918", "Traders open positions with orders too frequently")
        trader.last_order_ms = now

    def place_futures(self, uid: str, symbol: str, side: str, order_type: str, size: Any, price: Any = None,
                      force: str = "gtc", client_oid: str | None = None, margin_mode: str | None = None,
                      trade_side: str | None = None, reduce_only: bool = False, preset_tp: Any = None,
                      preset_sl: Any = None) -> Order:
        sym = (symbol or "").upper()
        if (trade_side or "").lower() == "close" and sym in COPY_SYMBOLS and not self._leads_on_v3(uid):
            hold_side = "long" if (side or "").lower() == "buy" else "short"
            tracked = self.reg.tracked_size(uid, FUTURES_MARKET, sym, hold_side)
            if tracked > 0:
                free = self.desk.position_total(uid, sym, hold_side) - tracked
                try:
                    wanted = Decimal(str(size))
                except ArithmeticError:
                    wanted = tracked
                if wanted > free:
                    raise reject("40866", "You are currently a trader, please close the position under the "
                                          "current order")
        self._order_rate(uid)
        return self.desk.place_futures(uid, symbol, side, order_type, size, price, force, client_oid, margin_mode,
                                       trade_side, reduce_only, preset_tp, preset_sl)

    def close_positions(self, uid: str, symbol: str | None = None, hold_side: str | None = None,
                        product: Product = Product.USDT_FUTURES) -> list[Order]:
        # copy trading is USDT-M only: the other lines close as usual
        v2 = product is Product.USDT_FUTURES and not self._leads_on_v3(uid)
        for t in self.reg.open_tracks(uid, FUTURES_MARKET) if v2 else ():
            if (symbol is None or t.symbol == symbol.upper()) and (hold_side is None or t.hold_side == hold_side):
                raise reject("40866", "You are currently a trader, please close the position under the current "
                                      "order")
        return self.desk.close_positions(uid, symbol, hold_side, product)

    def set_position_mode(self, uid: str, pos_mode: str, product: Product = Product.USDT_FUTURES) -> str:
        if (product is Product.USDT_FUTURES and (pos_mode or "").lower() == "one_way_mode"
                and self.reg.in_copy_trading(uid)):
            raise reject("40731", "This product does not support copy trading")
        return self.desk.set_position_mode(uid, pos_mode, product)

    def place_spot(self, uid: str, symbol: str, side: str, order_type: str, size: Any, price: Any = None,
                   force: str = "gtc", client_oid: str | None = None, preset_tp: Any = None,
                   preset_sl: Any = None) -> Order:
        sym = (symbol or "").upper()
        if (side or "").lower() == "sell" and sym in SPOT_COPY_SYMBOLS:
            tracked = self.reg.tracked_size(uid, SPOT_MARKET, sym)
            if tracked > 0:
                base = find_market(sym, SPOT).info.base_coin
                held = sum((b.available for b in self.desk.exchange.spot_balances(uid) if b.coin == base), ZERO)
                try:
                    wanted = Decimal(str(size))
                except ArithmeticError:
                    wanted = tracked
                if wanted > held - tracked:
                    raise reject("40866", "You are currently a trader, please close the position under the "
                                          "current order")
        self._order_rate(uid)
        return self.desk.place_spot(uid, symbol, side, order_type, size, price, force, client_oid, preset_tp,
                                    preset_sl)
