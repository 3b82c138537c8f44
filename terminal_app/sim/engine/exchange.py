"""The simulated exchange's facade: markets, market data, spot and futures trading, accounts, events.

Pure Python, no network, no Qt. Deterministic: the same ``seed``, the same clock readings and the same sequence of
``advance()`` and trading calls give the same results. The server (``sim/server/``) is the only caller in the app;
it maps API keys to ``uid`` strings and renders the returned snapshots as Bitget JSON.

Time: the market only moves inside :meth:`Exchange.advance` (the server calls it on a timer); every trading call
first advances the market to ``clock()`` so an order always meets the current book. Funding is charged there too, at
each futures market's funding time on that clock (see ``funding`` and ``account_bills``), so a test drives it by
moving its clock.

Errors: every rejection raises the typed error of ``terminal_app.bitget.errors`` built with ``error_for_code(code,
msg)``; ``err.code`` and ``err.exchange_msg`` are what Bitget would answer.

Events (``engine.events``): listeners receive frozen event objects. ``BookChanged`` is emitted once per market per
market step, and after a request that changed a book, with every level that changed since the previous one (size 0 =
level removed): a server may forward each as a ``books`` update or accumulate them and push on its own cadence.
``TickerChanged`` follows every step that moved the top of book or traded; ``CandleTick`` (the forming 1-minute
candle) every step with trades; accounts and positions of holders are refreshed once a simulated second (the mark
moves their PnL).

Numbers: prices carry the market's decimals and sizes its lot's; money amounts are exact Decimals (quotients cut to
12 decimals), so render them with ``format(x, "f")`` (a zero may be ``0E-12``).

Threading: not thread-safe; call everything from one thread (the server's loop).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from terminal_app.bitget.clock import system_ms
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.sim.engine.bills import SpotBill
from terminal_app.sim.engine.catch_up import CatchUp
from terminal_app.sim.engine.delivery import DeliveryDesk
from terminal_app.sim.engine.engine import Engine
from terminal_app.sim.engine.events import EventPump, Listener
from terminal_app.sim.engine.futures import AccountBill, FuturesAccount, PlanOrder, Position, SymbolSettings
from terminal_app.sim.engine.market_data import Depth, FundingInfo, MarketData, Ticker
from terminal_app.sim.engine.orders import Fill, Order, OrderState, reject
from terminal_app.sim.engine.persistence import Persistence
from terminal_app.sim.engine.plan_desk import PlanDesk
from terminal_app.sim.engine.pool_desk import PoolDesk
from terminal_app.sim.engine.position_desk import PositionDesk
from terminal_app.sim.engine.queries import AccountQueries
from terminal_app.sim.engine.spot_accounts import Balance
from terminal_app.sim.market.history import Candle, Granularity
from terminal_app.sim.market.markets import COINS, SimMarket, all_markets, find_futures, find_market
from terminal_app.sim.market.state import Trade

DecimalLike = Decimal | str | int


class Exchange:
    """The whole simulated exchange.

    ``clock`` returns the exchange time in ms. ``state_path`` (SQLite) keeps users, balances, positions, open orders
    and order/fill history across restarts; None keeps everything in memory. ``fast`` makes the market step every
    5 ms with many more book changes per step (benchmarks). ``step_ms`` overrides the market step (default 100 ms).
    ``quiet`` removes the market makers and the synthetic trades (prices, marks and candle history still move):
    the books then hold user orders only, for tests that need exact matching.
    """

    def __init__(self, seed: int = 1, clock: Callable[[], int] = system_ms, state_path: str | Path | None = None,
                 *, fast: bool = False, step_ms: int | None = None, quiet: bool = False) -> None:
        self.seed = seed
        self.fast = fast
        self.step_ms = step_ms or (5 if fast else 100)
        self.catch_up = CatchUp(self.step_ms, fast=fast)     # skipped_ms: market time jumped over when behind
        self._clock = clock
        engine = self._engine = Engine(seed, step_ms=self.step_ms, churn=12 if fast else 2, quiet=quiet)
        self._store = Persistence(engine, state_path)
        t0 = clock() // self.step_ms * self.step_ms
        engine.state.now = t0
        self._store.load()
        engine.start(t0)
        self._t = t0
        self._data = MarketData(engine, self.now_ms)
        self._events = EventPump(engine, self.now_ms, self._data.ticker)
        self._queries = AccountQueries(engine)
        self.plans = PlanDesk(self._user, self._done)  # trigger orders, trailing stops, TP/SL (sim.engine.plan_desk)
        self.position_desk = PositionDesk(self._user, self._done)  # closed positions, open count
        self.pool = PoolDesk(self._user, self._done, self._store)  # unified pools (sim.engine.pool_desk)
        engine.state.outbox.clear()
        engine.state.spot.drain_touched()
        engine.state.touched_futures.clear()

    # ---- time and lifecycle ----------------------------------------------------------------------------------

    def now_ms(self) -> int:
        """The time the market has been advanced to."""
        return self._t

    def advance(self, now_ms: int | None = None, *, pause_at: float | None = None,
                give_up: float | None = None) -> bool:
        """Run the market up to ``now_ms`` (default ``clock()``) in fixed steps, within ``catch_up``'s limits (a gap
        over a minute is skipped; fast mode skips sooner, see ``sim.engine.catch_up``). ``pause_at``/``give_up``: a
        catch-up in slices (``CatchUp.run``); False when it paused before reaching ``now_ms``."""
        now = self._clock() if now_ms is None else now_ms
        self._t = self.catch_up.run(self._t, now, self._step, pause_at=pause_at, give_up=give_up)
        self._events.dispatch()
        self._store.save()
        return self._t + self.step_ms > now or self.catch_up.held_now

    def _step(self, t: int) -> None:
        self._t = t          # the time events and queries of this step see
        self._engine.step(t)
        self._events.after_step()

    def flush(self) -> None:
        """Write pending state to SQLite (also done after every call that changed something)."""
        self._store.save()

    def close(self) -> None:
        self._store.close()

    def save_copy_state(self, parts: dict[str, Any]) -> bool:
        """Write copy trading's records (``sim.copy.persistence``) to the state file; False without one."""
        store = self._store.store
        if store is None:
            return False
        store.save_copy(parts)
        return True

    def load_copy_state(self) -> dict[str, Any]:
        store = self._store.store
        return store.load_copy() if store is not None else {}

    def add_listener(self, listener: Listener) -> None:
        self._events.add(listener)

    def remove_listener(self, listener: Listener) -> None:
        self._events.remove(listener)

    def _sync(self) -> Engine:
        """Bring the market to the clock before a request, as the real exchange is always current."""
        self.advance()
        return self._engine

    def _done(self) -> None:
        """After a request: the book levels it changed, its order/fill/account events, then SQLite."""
        self._events.changed_books()
        self._events.dispatch()
        self._store.save()

    # ---- markets and market data (engine.market_data) --------------------------------------------------------

    def markets(self, product: Product | None = None) -> list[SimMarket]:
        return all_markets(product)

    def market(self, ref: SymbolRef) -> SimMarket:
        """Raises 40034 for an unknown symbol."""
        return self._data.market(ref)

    def coins(self) -> list[str]:
        return list(COINS)

    def depth(self, ref: SymbolRef, limit: int = 150) -> Depth:
        return self._data.depth(ref, limit)

    def ticker(self, ref: SymbolRef) -> Ticker:
        return self._data.ticker(ref)

    def tickers(self, product: Product) -> list[Ticker]:
        return self._data.tickers(product)

    def recent_trades(self, ref: SymbolRef, limit: int = 100) -> list[Trade]:
        """Newest first."""
        return self._data.recent_trades(ref, limit)

    def candles(self, ref: SymbolRef, granularity: Granularity, *, start_ms: int | None = None,
                end_ms: int | None = None, limit: int = 100, offset_ms: int = 0, kind: str = "market") -> list[Candle]:
        """Candles oldest first, at most ``limit``, the newest ones whose open time is in [start_ms, end_ms] (end
        defaults to now).

        History before the live market is deterministic; minutes with live trades are built from those trades;
        coarser candles aggregate the 1-minute ones. ``offset_ms`` shifts the candle boundaries (e.g. +8 h for
        Bitget's UTC+8 daily candles: a 1D candle then opens at 16:00 UTC). ``kind``: "market", "mark" or "index"
        (futures; mark and index follow the fair price without the trades' bid/ask bounce).
        """
        return self._data.candles(ref, granularity, start_ms=start_ms, end_ms=end_ms, limit=limit,
                                  offset_ms=offset_ms, kind=kind)

    def mark_price(self, ref: SymbolRef) -> Decimal:
        return self._data.mark_price(ref)

    def index_price(self, ref: SymbolRef) -> Decimal:
        return self._data.index_price(ref)

    def funding(self, ref: SymbolRef) -> FundingInfo:
        """The rate the next funding time (``next_time``) will charge; every open position pays or receives it
        then (an account bill ``contract_settle_fee`` per position, see ``account_bills``)."""
        return self._data.funding(ref)

    def open_interest(self, ref: SymbolRef) -> Decimal:
        return self._data.open_interest(ref)

    # ---- users -----------------------------------------------------------------------------------------------

    def ensure_user(self, uid: str) -> None:
        """Create a funded demo user (10,000 USDT + 0.1 BTC + 1 ETH spot, 10,000 USDT futures) if unknown."""
        if not self._engine.state.spot.has(uid):
            self._engine.accounts.ensure(uid)
            self._store.created[uid] = self._t
            self._done()

    def _user(self, uid: str) -> Engine:
        engine = self._sync()
        if not engine.state.spot.has(uid):
            engine.accounts.ensure(uid)
            self._store.created[uid] = self._t
        return engine

    def reset_user(self, uid: str) -> None:
        """"Reset demo account": cancel everything, drop positions and history, fund again."""
        engine = self._sync()
        engine.accounts.remove(uid)
        self._store.forget_user(uid)
        engine.accounts.ensure(uid)
        self._store.created[uid] = self._t
        self._done()

    def users(self) -> list[str]:
        return sorted(self._engine.state.spot.accounts)

    def transfer_futures(self, src: str, dst: str | None, amount: Decimal) -> None:
        """Move USDT between two users' futures accounts (``dst`` None or unknown: to the house); copy trading's
        profit share. Saved and pushed with the next request or step."""
        self._engine.accounts.transfer_futures(src, dst, amount)

    def transfer_spot(self, src: str, dst: str | None, amount: Decimal) -> None:
        """Like :meth:`transfer_futures`, between spot accounts."""
        self._engine.accounts.transfer_spot(src, dst, amount)

    def shift_usdt(self, uid: str, amount: Decimal) -> None:
        """Move USDT from one user's spot wallet to its USDT-M wallet (negative: back); see ``Exchange.pool``."""
        self.pool.shift(uid, "USDT", amount)

    # ---- spot ------------------------------------------------------------------------------------------------

    def spot_balances(self, uid: str) -> list[Balance]:
        engine = self._user(uid)
        self._done()
        return engine.state.spot.balances(uid)

    def place_spot_order(self, uid: str, symbol: str, side: str, order_type: str, size: DecimalLike,
                         price: DecimalLike | None = None, force: str = "gtc",
                         client_oid: str | None = None, preset_tp: DecimalLike | None = None,
                         preset_sl: DecimalLike | None = None) -> Order:
        """Market buys are sized in quote. Codes: 40034, 40017, 41103, 40808, 45110, 45111, 43012, 43118, 40917 (a
        preset TP/SL on the wrong side); a post-only order that would take is accepted, then cancelled."""
        engine = self._user(uid)
        try:
            market = find_market(symbol, Product.SPOT)
            return engine.spot_orders.place(uid, market, side, order_type, size, price, force, client_oid,
                                            preset_tp, preset_sl).snapshot()
        finally:
            self._done()

    def _open_order(self, uid: str, product: Product, symbol: str | None, order_id: str | None,
                    client_oid: str | None) -> OrderState:
        code = "43001" if product is Product.SPOT else "40768"
        if not order_id and not client_oid:
            raise reject("40019", "Parameter orderId or clientOid cannot be empty")
        st = self._engine.orders.find(uid, order_id, client_oid)
        if (st is None or not st.status.is_open or st.market.ref.product is not product
                or (symbol and st.market.symbol != symbol.upper())):
            raise reject(code, "The order does not exist")
        return st

    def _cancel(self, uid: str, product: Product | None, symbol: str, order_id: str | None,
                client_oid: str | None) -> Order:
        """``product`` None: the futures line that lists ``symbol``."""
        engine = self._user(uid)
        try:
            product = find_market(symbol, product).ref.product if product else find_futures(symbol).ref.product
            st = self._open_order(uid, product, symbol, order_id, client_oid)
            engine.orders.cancel(st)
            return st.snapshot()
        finally:
            self._done()

    def cancel_spot_order(self, uid: str, symbol: str, order_id: str | None = None,
                          client_oid: str | None = None) -> Order:
        """43001 when the order is not open."""
        return self._cancel(uid, Product.SPOT, symbol, order_id, client_oid)

    def cancel_spot_symbol(self, uid: str, symbol: str) -> list[Order]:
        engine = self._user(uid)
        try:
            market = find_market(symbol, Product.SPOT)
            return [st.snapshot() for st in engine.orders.cancel_where(uid, lambda st: st.market is market)]
        finally:
            self._done()

    def replace_spot_order(self, uid: str, symbol: str, price: DecimalLike, size: DecimalLike,
                           order_id: str | None = None, client_oid: str | None = None,
                           new_client_oid: str | None = None) -> Order:
        """Cancel-replace: cancels the open order and places a limit order with the same side and force."""
        engine = self._user(uid)
        try:
            market = find_market(symbol, Product.SPOT)
            st = self._open_order(uid, Product.SPOT, symbol, order_id, client_oid)
            if new_client_oid and (uid, new_client_oid) in engine.state.client_ids:
                raise reject("43118", "clientOrderId duplicate")
            engine.orders.cancel(st)
            return engine.spot_orders.place(uid, market, st.side, "limit", size, price, st.force,
                                            new_client_oid).snapshot()
        finally:
            self._done()

    # ---- orders common to spot and futures (engine.queries) --------------------------------------------------

    def get_order(self, uid: str, product: Product, order_id: str | None = None,
                  client_oid: str | None = None) -> Order:
        engine = self._user(uid)
        self._done()
        st = engine.orders.find(uid, order_id, client_oid)
        if st is None or st.market.ref.product is not product:
            raise reject("43001" if product is Product.SPOT else "40768", "The order does not exist")
        return st.snapshot()

    def open_orders(self, uid: str, product: Product, symbol: str | None = None) -> list[Order]:
        """Newest first."""
        self._user(uid)
        self._done()
        return self._queries.open_orders(uid, product, symbol)

    def order_history(self, uid: str, product: Product, symbol: str | None = None, *,
                      start_ms: int | None = None, end_ms: int | None = None, id_less_than: str | None = None,
                      limit: int = 100) -> list[Order]:
        """Finished orders (filled or cancelled), newest first."""
        self._user(uid)
        self._done()
        return self._queries.order_history(uid, product, symbol, start_ms, end_ms, id_less_than, limit)

    def fills(self, uid: str, product: Product, symbol: str | None = None, *, order_id: str | None = None,
              start_ms: int | None = None, end_ms: int | None = None, id_less_than: str | None = None,
              limit: int = 100) -> list[Fill]:
        """Newest first."""
        self._user(uid)
        self._done()
        return self._queries.fills(uid, product, symbol, order_id, start_ms, end_ms, id_less_than, limit)

    # ---- futures (every line; a symbol names its line, accounts are per margin coin) ---------------------------

    def futures_account(self, uid: str, coin: str = "USDT") -> FuturesAccount:
        """The futures account of one margin coin (40017 when no futures line margins in ``coin``)."""
        engine = self._user(uid)
        self._done()
        if coin.upper() not in engine.state.futs:
            raise reject("40017", "Parameter marginCoin error")
        return engine.views.account(uid, coin.upper())

    def futures_accounts(self, uid: str, product: Product = Product.USDT_FUTURES) -> list[FuturesAccount]:
        """One account per margin coin of a futures line (coin-M: one per coin)."""
        engine = self._user(uid)
        self._done()
        return [engine.views.account(uid, led.coin) for led in engine.state.ledgers(product)]

    def transfer(self, uid: str, from_type: str, to_type: str, coin: str, amount: DecimalLike) -> str:
        """Bitget's wallet transfer between the spot account and a futures account; the transfer id."""
        engine = self._user(uid)
        try:
            return engine.transfers.transfer(uid, from_type, to_type, coin, amount)
        finally:
            self._done()

    def symbol_settings(self, uid: str, symbol: str) -> SymbolSettings:
        engine = self._user(uid)
        self._done()
        return engine.views.settings(uid, find_futures(symbol).symbol)

    def set_leverage(self, uid: str, symbol: str, leverage: int, hold_side: str | None = None) -> SymbolSettings:
        """``hold_side`` (long/short) only for isolated margin in hedge mode; otherwise both sides change."""
        engine = self._user(uid)
        try:
            market = find_futures(symbol)
            try:
                lev = int(str(leverage))
            except ValueError:
                raise reject("40017", "Parameter leverage error") from None
            engine.settings.set_leverage(uid, market, lev, hold_side)
            return engine.views.settings(uid, market.symbol)
        finally:
            self._done()

    def adjust_margin(self, uid: str, symbol: str, hold_side: str, amount: DecimalLike) -> Position:
        """Add (+) or remove (-) margin of an isolated position; returns the position as it is now."""
        engine = self._user(uid)
        try:
            market = find_futures(symbol)
            value = Decimal(str(amount))
            if not value.is_finite() or not value:
                raise reject("40017", "Parameter amount error")
            engine.settings.adjust_margin(uid, market, hold_side, value)
            (pos,) = [p for p in engine.views.positions(uid, market.symbol) if p.hold_side == hold_side]
            return pos
        finally:
            self._done()

    def set_margin_mode(self, uid: str, symbol: str, margin_mode: str) -> SymbolSettings:
        """45117 with an open position or order on the symbol."""
        engine = self._user(uid)
        try:
            market = find_futures(symbol)
            engine.settings.set_margin_mode(uid, market, margin_mode)
            return engine.views.settings(uid, market.symbol)
        finally:
            self._done()

    def set_position_mode(self, uid: str, pos_mode: str, product: Product = Product.USDT_FUTURES) -> str:
        """45117 with any open position or order of the line."""
        engine = self._user(uid)
        try:
            return engine.settings.set_position_mode(uid, pos_mode, product)
        finally:
            self._done()

    def place_futures_order(self, uid: str, symbol: str, side: str, order_type: str, size: DecimalLike,
                            price: DecimalLike | None = None, force: str = "gtc", client_oid: str | None = None,
                            margin_mode: str | None = None, trade_side: str | None = None,
                            reduce_only: bool = False, preset_tp: DecimalLike | None = None,
                            preset_sl: DecimalLike | None = None) -> Order:
        """Bitget semantics: hedge mode needs ``trade_side`` (open/close; ``side`` names the position: buy=long),
        one-way mode refuses it (40774); ``reduce_only`` is one-way only. Codes: 40774, 40762, 22002, 40757, plus
        the spot ones."""
        engine = self._user(uid)
        try:
            market = find_futures(symbol)
            return engine.futures_orders.place(uid, market, side, order_type, size, price, force, client_oid,
                                               margin_mode, trade_side, reduce_only, preset_tp, preset_sl).snapshot()
        finally:
            self._done()

    def cancel_futures_order(self, uid: str, symbol: str, order_id: str | None = None,
                             client_oid: str | None = None) -> Order:
        return self._cancel(uid, None, symbol, order_id, client_oid)

    def cancel_all_futures(self, uid: str, symbol: str | None = None, product: Product = Product.USDT_FUTURES,
                           margin_coin: str | None = None) -> list[Order]:
        """Every open order of a futures line (or of one symbol; or of one margin coin of the line)."""
        engine = self._user(uid)
        try:
            sym = find_futures(symbol).symbol if symbol else None
            coin = margin_coin.upper() if margin_coin else None
            return [st.snapshot() for st in engine.orders.cancel_where(
                uid, lambda st: st.market.ref.product is product and (sym is None or st.market.symbol == sym)
                and (coin is None or st.market.margin_coin == coin))]
        finally:
            self._done()

    def modify_futures_order(self, uid: str, symbol: str, order_id: str | None = None,
                             client_oid: str | None = None, new_client_oid: str | None = None,
                             new_size: DecimalLike | None = None, new_price: DecimalLike | None = None,
                             new_preset_tp: DecimalLike | None = None,
                             new_preset_sl: DecimalLike | None = None) -> Order:
        """New price/size re-queues the order (it keeps its orderId; ``new_client_oid`` replaces the clientOid)."""
        engine = self._user(uid)
        try:
            market = find_futures(symbol)
            st = self._open_order(uid, market.ref.product, symbol, order_id, client_oid)
            return engine.futures_orders.modify(st, new_client_oid, new_size, new_price, new_preset_tp,
                                                new_preset_sl).snapshot()
        finally:
            self._done()

    def close_positions(self, uid: str, symbol: str | None = None, hold_side: str | None = None,
                        product: Product = Product.USDT_FUTURES) -> list[Order]:
        """Flash close at market: every position of a futures line (or one symbol, or one side)."""
        engine = self._user(uid)
        try:
            sym = find_futures(symbol).symbol if symbol else None
            side = (hold_side or "").lower() or None
            return [st.snapshot() for st in engine.futures_orders.close_positions(uid, sym, side, product)]
        finally:
            self._done()

    def account_bills(self, uid: str, symbol: str | None = None, *, business_type: str | None = None,
                      start_ms: int | None = None, end_ms: int | None = None, id_less_than: str | None = None,
                      limit: int = 100, product: Product | None = None, coin: str | None = None
                      ) -> list[AccountBill]:
        """Futures account bills, newest first: a row per fill (realised PnL and fee), per funding payment and
        per liquidation; of one futures line (``product``) and margin ``coin`` when given."""
        self._user(uid)
        self._done()
        sym = find_futures(symbol).symbol if symbol else None
        return self._queries.account_bills(uid, sym, business_type, start_ms, end_ms, id_less_than, limit,
                                           product=product, coin=coin)

    def spot_bills(self, uid: str, coin: str | None = None, *, group_type: str | None = None,
                   business_type: str | None = None, start_ms: int | None = None, end_ms: int | None = None,
                   id_less_than: str | None = None, limit: int = 100) -> list[SpotBill]:
        """Spot bills, newest first: one row per coin each fill moved."""
        self._user(uid)
        self._done()
        return self._queries.spot_bills(uid, coin, group_type, business_type, start_ms, end_ms, id_less_than, limit)

    def positions(self, uid: str, symbol: str | None = None,
                  product: Product | None = Product.USDT_FUTURES) -> list[Position]:
        """Open positions of a futures line (every line when ``product`` is None), or of one symbol."""
        engine = self._user(uid)
        self._done()
        sym = find_futures(symbol).symbol if symbol else None
        return engine.views.positions(uid, sym, product)

    def place_tpsl_order(self, uid: str, symbol: str, plan_type: str, trigger_price: DecimalLike,
                         hold_side: str, size: DecimalLike | None = None, trigger_type: str = "mark_price",
                         execute_price: DecimalLike | None = None, client_oid: str | None = None) -> PlanOrder:
        """plan_type profit_plan/loss_plan (sized) or pos_profit/pos_loss (whole position, replaces the previous
        one). ``hold_side`` long/short (one-way accounts may also say buy=long, sell=short). 40917 when the
        trigger is on the wrong side of the mark; 22002 without a position. Executes at market."""
        engine = self._user(uid)
        try:
            market = find_futures(symbol)
            plan = engine.triggers.place_tpsl(uid, market, plan_type, trigger_price, hold_side, size, trigger_type,
                                              execute_price, client_oid)
            return engine.triggers.view(plan)
        finally:
            self._done()

    def place_pos_tpsl(self, uid: str, symbol: str, hold_side: str, take_profit: DecimalLike | None = None,
                       stop_loss: DecimalLike | None = None) -> list[PlanOrder]:
        engine = self._user(uid)
        try:
            market = find_futures(symbol)
            out = []
            for plan_type, trigger in (("pos_profit", take_profit), ("pos_loss", stop_loss)):
                if trigger not in (None, ""):
                    plan = engine.triggers.place_tpsl(uid, market, plan_type, trigger, hold_side, None,
                                                      "mark_price", None, None)
                    out.append(engine.triggers.view(plan))
            if not out:
                raise reject("40019", "Parameter stopSurplusTriggerPrice or stopLossTriggerPrice cannot be empty")
            return out
        finally:
            self._done()

    def cancel_plan_order(self, uid: str, symbol: str, order_id: str | None = None,
                          client_oid: str | None = None) -> PlanOrder:
        engine = self._user(uid)
        try:
            find_futures(symbol)
            triggers = engine.triggers
            pid = order_id or triggers.plan_client_ids.get((uid, client_oid or ""))
            plan = triggers.plans.get(pid or "")
            if plan is None or plan.uid != uid or plan.status != "live" or plan.symbol != symbol.upper():
                raise reject("40768", "The order does not exist")
            triggers.cancel(plan)
            return triggers.view(plan)
        finally:
            self._done()

    def plan_orders(self, uid: str, symbol: str | None = None, *, pending: bool = True) -> list[PlanOrder]:
        """Newest first; ``pending`` False lists the finished ones."""
        self._user(uid)
        self._done()
        return self._queries.plan_orders(uid, symbol, pending)

    # ---- test hooks ------------------------------------------------------------------------------------------

    def shock(self, underlying: str, factor: DecimalLike) -> None:
        """Multiply the fair price of one underlying (e.g. "BTC") by ``factor`` from the next step on (tests,
        demos). Candles of minutes with trades follow; mark/index candles and history keep the plain path."""
        shocks = self._sync().flow.shocks
        key = underlying.upper()
        shocks[key] = shocks.get(key, 1.0) * float(Decimal(str(factor)))

    @property
    def delivery(self) -> DeliveryDesk:
        """Delivery contracts: their times, what was delivered at what price, ``schedule`` (tests, demos)."""
        return self._engine.delivery

    def set_funding_rate(self, symbol: str, rate: DecimalLike) -> None:
        """Fix a futures market's funding rate (tests, demos); it is quoted and charged from now on."""
        market = find_futures(symbol)
        self._engine.funding.funding_rates[market.symbol] = Decimal(str(rate))

    def stats(self) -> dict[str, int]:
        """Counters: steps, book_changes (levels), trades, user_fills."""
        return dict(self._engine.state.counters)

    def audit(self) -> dict[str, Decimal]:
        """Money created or destroyed per ledger (spot coins, "futures:USDT"): all zero unless there is a bug."""
        out = dict(self._engine.spot.imbalance())
        for coin, ledger in self._engine.state.futs.items():
            out[f"futures:{coin}"] = ledger.imbalance()
        return out
