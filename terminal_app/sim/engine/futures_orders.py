"""Futures (USDT-M) orders: placing with Bitget's rules (hedge/one-way trade sides, reduce-only, position locks, the
margin a new order freezes, preset TP/SL), modifying (re-queued), and market closes of positions."""

from __future__ import annotations

from decimal import Decimal

from terminal_app.core.instruments import Product
from terminal_app.sim.engine.account_settings import AccountSettings
from terminal_app.sim.engine.futures import HEDGE, ONE_WAY, in_margin_coin, money
from terminal_app.sim.engine.lifecycle import OrderLifecycle
from terminal_app.sim.engine.margin import max_available
from terminal_app.sim.engine.matcher import Matcher, sweep_cost
from terminal_app.sim.engine.orders import (
    OrderState,
    OrderStatus,
    parse_decimal,
    reject,
    to_lots,
    to_ticks,
)
from terminal_app.sim.engine.state import EngineState
from terminal_app.sim.market.markets import SimMarket

ZERO = Decimal(0)


def preset_price(raw: object, tick: Decimal) -> Decimal | None:
    """A preset TP/SL price from a request field ("" and "0" mean none)."""
    if raw is None or str(raw).strip() in ("", "0"):
        return None
    price = parse_decimal(raw, "presetPrice")
    to_ticks(price, tick)
    return price


class FuturesOrders:
    """Places, modifies and closes futures orders and positions (every line; money in the market's margin coin)."""

    def __init__(self, state: EngineState, orders: OrderLifecycle, matcher: Matcher,
                 settings: AccountSettings) -> None:
        self.state = state
        self.orders = orders
        self.matcher = matcher
        self.settings = settings

    def place(self, uid: str, market: SimMarket, side: str, order_type: str, size_raw: object,
              price_raw: object = None, force: str | None = None, client_oid: str | None = None,
              margin_mode: str | None = None, trade_side: str | None = None, reduce_only: bool = False,
              preset_tp: object = None, preset_sl: object = None, origin: str = "api") -> OrderState:
        side, order_type, force, client_oid = self.orders.common_checks(uid, side, order_type, force, client_oid)
        state = self.state
        if market.symbol in state.delivered:
            raise reject("40309", "The contract has been removed")
        user = state.fut_user(uid, market.symbol)
        info = market.info
        ms = state.markets[market.ref]
        symbol = market.symbol
        settings = user.setting(symbol)
        size = parse_decimal(size_raw, "size")
        lots = to_lots(size, info.lot_size, info.size_places)
        if size < info.min_size or lots == 0:
            raise reject("45111", "less than the minimum order quantity")
        price_ticks: int | None = None
        if order_type == "limit":
            if price_raw is None or str(price_raw).strip() == "":
                raise reject("40019", "Parameter price cannot be empty")
            price_ticks = to_ticks(parse_decimal(price_raw, "price"), info.tick_size)
        if margin_mode:
            self.settings.set_margin_mode(uid, market, margin_mode)
        ts = (trade_side or "").lower()
        if user.pos_mode == HEDGE:
            if ts not in ("open", "close"):
                raise reject("40774", "The order type for hedge position must also be the hedge position type")
            hold_side = "long" if side == "buy" else "short"
            is_close = ts == "close"
            is_buy = (side == "buy") != is_close
        else:
            if ts:
                raise reject("40774", "The order type for unilateral position must also be the unilateral "
                                      "position type.")
            is_buy = side == "buy"
            is_close = bool(reduce_only)
            hold_side = ("short" if is_buy else "long") if is_close else ""
        if is_close:
            pos = user.positions.get((symbol, hold_side))
            if pos is None or pos.lots == 0:
                raise reject("22002", "No position to close")
            free = pos.lots - pos.locked_lots
            if lots > free:
                if order_type == "market" and free > 0:
                    lots = free
                    size = lots * info.lot_size
                else:
                    raise reject("40757", "Not enough position is available.")
        opposite_best = ms.book.side(not is_buy).best()
        ref_ticks = price_ticks if price_ticks is not None else (opposite_best or int(ms.fair_ticks + 0.5))
        ref_price = ref_ticks * info.tick_size
        if not is_close and ref_price * size < info.min_notional:
            raise reject("45110", f"less than the minimum amount {info.min_notional} {info.quote_coin}")
        open_side = hold_side if user.pos_mode == HEDGE else ("long" if is_buy else "short")
        leverage = settings.leverage(open_side)
        frozen = per_lot = ZERO
        if not is_close:
            est_open = lots
            if user.pos_mode == ONE_WAY:
                opp = user.positions.get((symbol, "short" if is_buy else "long"))
                if opp is not None:
                    est_open = max(0, lots - opp.lots)
            if order_type == "market":
                got, cost_ticks = sweep_cost(ms.book.side(not is_buy), est_open)
                est_value = (cost_ticks + (est_open - got) * ref_ticks) * info.tick_size * info.lot_size
            else:
                est_value = ref_price * est_open * info.lot_size
            need = in_margin_coin(est_value / leverage + ref_price * size * info.taker_fee, ref_price, market.inverse)
            if need > max_available(state, user):
                raise reject("40762", "The order size is greater than the max open size")
            if order_type == "limit":
                per_lot = in_margin_coin(money(ref_price * info.lot_size / leverage), ref_price, market.inverse)
                frozen = per_lot * est_open
        tp = preset_price(preset_tp, info.tick_size)
        sl = preset_price(preset_sl, info.tick_size)
        if not is_close and (tp is not None or sl is not None):
            long = open_side == "long"
            if tp is not None and (tp <= ref_price if long else tp >= ref_price):
                raise reject("40917", "The take-profit price is on the wrong side of the order price")
            if sl is not None and (sl >= ref_price if long else sl <= ref_price):
                raise reject("40917", "The stop-loss price is on the wrong side of the order price")
        if order_type == "market":
            force = "gtc"
        st = self.orders.new_state(uid, market, side, order_type, force, price_ticks, size, lots, ZERO, client_oid)
        st.is_buy = is_buy
        st.trade_side = ts
        st.pos_mode = user.pos_mode
        st.hold_side = hold_side
        st.is_close = is_close
        st.reduce_only = bool(reduce_only) and user.pos_mode == ONE_WAY
        st.margin_mode = settings.margin_mode
        st.leverage = leverage
        st.preset_tp = tp
        st.preset_sl = sl
        st.fee_coin = market.margin_coin
        st.origin = origin
        if is_close:
            user.positions[(symbol, hold_side)].locked_lots += lots
        if frozen:
            user.cash -= frozen
            user.frozen += frozen
            st.frozen = frozen
            st.frozen_per_lot = per_lot
        state.touched_futures.add(uid)
        self.orders.register(st)
        self.matcher.execute(st)
        return st

    def close_market(self, uid: str, symbol: str, hold_side: str, lots: int, origin: str) -> OrderState:
        """A market order that closes ``lots`` of a position (TP/SL, flash close)."""
        user = self.state.fut_user(uid, symbol)
        ms = self.state.futures_market(symbol)
        size = lots * ms.market.lot
        if user.pos_mode == HEDGE:
            return self.place(uid, ms.market, "buy" if hold_side == "long" else "sell", "market", size,
                              trade_side="close", origin=origin)
        return self.place(uid, ms.market, "sell" if hold_side == "long" else "buy", "market", size,
                          reduce_only=True, origin=origin)

    def close_positions(self, uid: str, symbol: str | None, hold_side: str | None,
                        product: Product = Product.USDT_FUTURES) -> list[OrderState]:
        """Flash close at market: every position of a futures line (or one symbol, or one side); 22002 when there
        is none. The positions' pending close orders are cancelled first."""
        ledgers = [self.state.ledger(symbol)] if symbol else self.state.ledgers(product)
        targets = [p for led in ledgers if uid in led.users
                   for (s, hs), p in sorted(led.users[uid].positions.items())
                   if p.lots and (symbol is None or s == symbol) and (hold_side is None or hs == hold_side)]
        if not targets:
            raise reject("22002", "No position to close")
        out = []
        for pos in targets:
            for st in self.orders.close_orders(uid, pos):
                self.orders.finish(st, OrderStatus.CANCELLED, "close_positions")
            if pos.lots:
                out.append(self.close_market(uid, pos.symbol, pos.hold_side, pos.lots, "close_positions"))
        return out

    def modify(self, st: OrderState, new_client_oid: str | None, new_size: object, new_price: object,
               new_tp: object, new_sl: object) -> OrderState:
        """New price/size re-queues the order (it keeps its orderId); a new clientOid replaces the old one."""
        state = self.state
        uid = st.uid
        market = st.market
        info = market.info
        user = state.fut_user(uid, market.symbol)
        ms = state.markets[market.ref]
        if new_client_oid and new_client_oid != st.client_oid and (uid, new_client_oid) in state.client_ids:
            raise reject("43118", "clientOrderId duplicate")
        reprice = new_size not in (None, "") or new_price not in (None, "")
        if reprice and st.order_type != "limit":
            raise reject("40017", "Only limit orders can change price or size")
        lots = st.lots or 0
        price_ticks = st.price_ticks
        if new_size not in (None, ""):
            size = parse_decimal(new_size, "newSize")
            lots = to_lots(size, info.lot_size, info.size_places)
            if lots <= st.filled_lots:
                raise reject("40017", "Parameter newSize must be larger than the filled size")
        if new_price not in (None, ""):
            price_ticks = to_ticks(parse_decimal(new_price, "newPrice"), info.tick_size)
        tp = preset_price(new_tp, info.tick_size) if new_tp not in (None, "") else st.preset_tp
        sl = preset_price(new_sl, info.tick_size) if new_sl not in (None, "") else st.preset_sl
        remaining = lots - st.filled_lots
        if reprice:
            price = (price_ticks or 0) * info.tick_size
            if st.is_close:
                pos = user.positions.get((market.symbol, st.hold_side))
                free = (pos.lots - pos.locked_lots + st.remaining_lots) if pos is not None else 0
                if remaining > free:
                    raise reject("40757", "Not enough position is available.")
                new_frozen = per_lot = ZERO
            else:
                per_lot = in_margin_coin(money(price * info.lot_size / st.leverage), price, market.inverse)
                est_open = remaining
                if st.pos_mode == ONE_WAY:
                    opp = user.positions.get((market.symbol, "short" if st.is_buy else "long"))
                    if opp is not None:
                        est_open = max(0, remaining - opp.lots)
                new_frozen = per_lot * est_open
                fee_est = in_margin_coin(price * remaining * info.lot_size * info.taker_fee, price, market.inverse)
                if new_frozen + fee_est > max_available(state, user) + st.frozen:
                    raise reject("40762", "The order size is greater than the max open size")
            # re-queue: leave the book, swap what the order holds, then match like a new order
            if st.entry is not None:
                ms.book.side(st.is_buy).remove(st.entry)
                st.entry = None
            if st.is_close:
                pos = user.positions[(market.symbol, st.hold_side)]
                pos.locked_lots += remaining - st.remaining_lots
            else:
                user.frozen += new_frozen - st.frozen
                user.cash -= new_frozen - st.frozen
                st.frozen = new_frozen
                st.frozen_per_lot = per_lot
            st.lots = lots
            st.size = lots * info.lot_size
            st.price_ticks = price_ticks
            st.seq = state.next_entry_key()
        if new_client_oid and new_client_oid != st.client_oid:
            state.client_ids.pop((uid, st.client_oid), None)
            st.client_oid = new_client_oid
            state.client_ids[(uid, new_client_oid)] = st.order_id
        st.preset_tp, st.preset_sl = tp, sl
        st.u_time = state.now
        state.dirty_users.add(uid)
        state.touched_futures.add(uid)
        state.order_changed(st)
        if reprice:
            if self.matcher.post_only_takes(ms, st):
                self.orders.finish(st, OrderStatus.CANCELLED, "post_only")
                return st
            self.matcher.match(ms, st, st.price_ticks)
            if st.status.is_open:
                self.matcher.rest(ms, st)
        return st
