"""The simulator's V3 copy-trading endpoints (``/api/v3/copy/futures/…``) for a unified account's elite trader, in the
shapes of :mod:`terminal_app.bitget.v3.copy` (whose docstring has the research and sources).

The simulator keeps no separate lead wallet: a unified elite trader's lead positions are its USDT-M positions in the
symbols it leads (the copy engine's copy symbols), traded with the ordinary V3 trade endpoints; the copy engine
mirrors their opens to the followers and, when the trader closes with V3 (no tracking numbers on V3), closes the
copies by reconciliation. Followers, profit share and the portfolio figures come from the same engine as V2's. A key
that is not an elite trader gets 40732 (V2's code; V3's is undocumented).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from terminal_app.bitget.v3.paths import V3CopyPaths as P
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.sim.copy.state import FOLLOWER, FUTURES_MARKET, ZERO, Trader
from terminal_app.sim.copy.traders import COPY_SYMBOLS
from terminal_app.sim.market.markets import find_market
from terminal_app.sim.server.copy_params import CopyHandlers
from terminal_app.sim.server.render import num
from terminal_app.sim.server.routes import Call, Handler, reject

Json = dict[str, Any]
EIGHT = Decimal("0.00000001")
_PERIOD = re.compile(r"^(\d{1,3})D$")


def _ms(value: int | None) -> str:
    return "" if value is None else str(value)


def _cents(value: Decimal) -> str:
    return num(value.quantize(Decimal("0.0001")))


class V3CopyRoutes(CopyHandlers):
    """The elite trader's V3 copy reads over the copy engine."""

    def _trader(self, call: Call) -> Trader:
        return self._e().trader_for_uid(call.uid)

    def _lead_symbols(self, trader: Trader) -> list[str]:
        return [s for s, c in trader.symbols.items() if c.open and s in COPY_SYMBOLS]

    def trading_pairs(self, call: Call) -> Any:
        trader = self._trader(call)
        e = self.engine
        rows = []
        for symbol in self._lead_symbols(trader):
            market = find_market(symbol, Product.USDT_FUTURES)
            positions = {p.hold_side for p in e.exchange.positions(call.uid, symbol) if p.total > 0}
            # one lead position per side and symbol here: a side that holds one has no room for another
            rows.append({"symbol": symbol, "leverage": str(market.info.max_leverage), "marginDetails": [{
                "marginCoin": "USDT", "maxLongCount": "1", "remainingLongCount": "0" if "long" in positions else "1",
                "maxShortCount": "1", "remainingShortCount": "0" if "short" in positions else "1"}]})
        return rows

    def position_summary(self, call: Call) -> Any:
        trader = self._trader(call)
        symbols = set(self._lead_symbols(trader))
        rows = []
        for p in self.engine.exchange.positions(call.uid):
            if p.ref.symbol not in symbols or p.total <= 0:
                continue
            mark = self.engine.exchange.mark_price(SymbolRef(p.ref.symbol, Product.USDT_FUTURES))
            value = (p.total * mark).quantize(Decimal("0.0001"))
            roi = p.unrealized_pl / p.margin if p.margin else ZERO
            rows.append({"unrealizedPnl": _cents(p.unrealized_pl), "realizedPnl": num(p.achieved_profits),
                         "holdSize": num(p.total), "avgPrice": num(p.open_price_avg), "symbol": p.ref.symbol,
                         "leverage": str(p.leverage), "marginMode": p.margin_mode,
                         "liqPrice": num(p.liquidation_price) or "0", "margin": num(p.margin.quantize(EIGHT)),
                         "holdSide": p.hold_side, "roi": num(roi.quantize(Decimal("0.0000000001"))),
                         "markPrice": num(mark), "positionValue": num(value)})
        return rows

    def _follower_totals(self, trader: Trader, uid: str) -> tuple[Decimal, Decimal, Decimal]:
        """(net profit, profit share paid, margin invested) of ``uid``'s copies of ``trader``."""
        profit = share = invested = ZERO
        for t in self.engine.registry.tracks.values():
            mine = t.role == FOLLOWER and t.owner == uid and t.trader_id == trader.trader_id
            if not mine or t.market != FUTURES_MARKET:
                continue
            invested += t.open_price * t.size / (t.leverage or 1)
            if t.close_time is not None:
                profit += t.achieved_pl - t.open_fee - t.close_fee - t.profit_share
                share += t.profit_share
        return profit, share, invested

    def current_follower(self, call: Call) -> Any:
        trader = self._trader(call)
        e = self.engine
        now = e.now()
        rows = []
        for uid, since in sorted(trader.followers.items(), key=lambda kv: (-kv[1], kv[0])):
            profit, share, invested = self._follower_totals(trader, uid)
            equity = e.exchange.futures_account(uid).equity
            rows.append({"followerName": e.follower_name(uid), "estimateAssets": _cents(equity),
                         "totalAssets": _cents(equity), "totalProfit": _cents(profit),
                         "totalShareProfit": _cents(share), "totalInvestment": _cents(invested), "canRemove": "no",
                         "followDays": str(max(0, (now - since) // 86_400_000)), "startTime": _ms(since)})
        return {"list": rows[:call.limit(20, 100)]}

    def history_follower(self, call: Call) -> Any:
        trader = self._trader(call)
        e = self.engine
        rows = []
        for uid, removed in sorted(trader.removed.items(), key=lambda kv: (-kv[1], kv[0])):
            profit, share, invested = self._follower_totals(trader, uid)
            starts = [t.open_time for t in e.registry.tracks.values()
                      if t.role == FOLLOWER and t.owner == uid and t.trader_id == trader.trader_id]
            rows.append({"followerName": e.follower_name(uid), "totalProfit": _cents(profit),
                         "totalShareProfit": _cents(share), "totalInvestment": _cents(invested),
                         "startTime": _ms(min(starts) if starts else removed), "endTime": _ms(removed)})
        return {"list": rows[:call.limit(20, 100)]}

    def profit_summary(self, call: Call) -> Any:
        trader = self._trader(call)
        allocated = sum((r.profit for r in trader.profits if r.market == FUTURES_MARKET), ZERO)
        pending = sum(self.engine.pending_profit(trader, FUTURES_MARKET).values(), ZERO)
        return {"totalProfit": num(allocated + pending), "totalAllocatedProfit": num(allocated),
                "totalPendingProfit": num(pending)}

    def profit_details(self, call: Call) -> Any:
        trader = self._trader(call)
        start, end = call.integer("startTime"), call.integer("endTime")
        cursor = call.integer("cursor")
        limit = call.limit(20, 100)
        rows: list[Json] = []
        next_cursor = ""
        for r in reversed(trader.profits):
            n = int(r.profit_id)
            if r.market != FUTURES_MARKET or (cursor is not None and n >= cursor):
                continue
            if (start is not None and r.time < start) or (end is not None and r.time > end):
                continue
            if len(rows) == limit:
                next_cursor = rows[-1]["_id"]
                break
            pnl = (r.profit / r.ratio).quantize(Decimal("0.00000001")) if r.ratio else ZERO
            rows.append({"_id": r.profit_id, "followerName": r.name, "profit": num(pnl), "allocatedPnl": num(pnl),
                         "pendingPnl": "0", "shareRatio": num(r.ratio), "shareProfit": num(r.profit),
                         "reason": "period", "settleTime": _ms(r.time)})
        for row in rows:
            row.pop("_id")
        return {"list": rows, "nextCursor": next_cursor}

    def portfolio_overview(self, call: Call) -> Any:
        trader = self._trader(call)
        found = _PERIOD.match((call.opt("period") or "30D").upper())
        if found is None:
            raise reject("40017", "Parameter period error")
        stats = self.engine.stats(trader, int(found.group(1)))
        return {"projectId": trader.trader_id, "asset": _cents(stats.equity), "roi": num(stats.roi),
                "totalProfit": _cents(stats.pnl), "followerProfit": _cents(self.engine.followers_pnl(trader)),
                "maxDrawdown": num(stats.max_drawdown)}

    def max_transferable(self, call: Call) -> Any:
        self._trader(call)
        coin = (call.opt("coin") or "").upper()
        if not coin:
            raise reject("40019", "Parameter coin cannot be empty")
        account = self.engine.exchange.futures_account(call.uid)
        free = max(account.available, ZERO) if coin == "USDT" else ZERO
        return {"maxTransferable": _cents(free), "available": _cents(free)}

    def transfer_record(self, call: Call) -> Any:
        self._trader(call)
        return {"list": []}   # the simulator's lead account is the unified pool: nothing moves in or out

    def table(self) -> tuple[list[tuple[str, Handler]], list[tuple[str, Handler]]]:
        get: list[tuple[str, Handler]] = [
            (P.TRADING_PAIRS, self.trading_pairs), (P.POSITION_SUMMARY, self.position_summary),
            (P.CURRENT_FOLLOWER, self.current_follower), (P.HISTORY_FOLLOWER, self.history_follower),
            (P.PROFIT_SUMMARY, self.profit_summary), (P.PROFIT_DETAILS, self.profit_details),
            (P.PORTFOLIO_OVERVIEW, self.portfolio_overview), (P.MAX_TRANSFERABLE, self.max_transferable),
            (P.TRANSFER_RECORD, self.transfer_record),
        ]
        return get, []
