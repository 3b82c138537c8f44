"""The engine's state in SQLite (``store.sim_state``): loaded at start, and what changed (users, orders, plans, new
fills, the ledgers' totals and id counters) written after every call that changed something. Without a path
everything stays in memory and the change marks are just dropped."""

from __future__ import annotations

import json
from collections import deque
from decimal import Decimal
from pathlib import Path
from typing import Any

from terminal_app.bitget.models.mapping import product_from_wire
from terminal_app.core.instruments import SymbolRef
from terminal_app.sim.engine.accounts import DEMO_OTHER_FUTURES
from terminal_app.sim.engine.bills import SpotBill
from terminal_app.sim.engine.closed_positions import RECORD_KIND as CLOSED_KIND
from terminal_app.sim.engine.closed_positions import closed_from_record, closed_record
from terminal_app.sim.engine.engine import Engine
from terminal_app.sim.engine.futures import AccountBill, FuturesUser, SettingsState
from terminal_app.sim.engine.orders import OrderState
from terminal_app.sim.engine.pool import PoolBook
from terminal_app.sim.engine.records import (
    bill_from_record,
    bill_record,
    fill_from_record,
    fill_record,
    order_from_record,
    order_record,
    plan_from_record,
    plan_record,
    position_from_record,
    position_record,
)
from terminal_app.sim.market.markets import FUTURES_BY_SYMBOL, MARKETS
from terminal_app.store.sim_state import SimStateStore, UserRecord


class Persistence:
    """``created`` remembers when each user was created (kept with the user)."""

    def __init__(self, engine: Engine, path: str | Path | None) -> None:
        self.engine = engine
        self.store = SimStateStore(path) if path is not None else None
        self.created: dict[str, int] = {}
        # the unified pools (loans, interest, financial records): one kv document, read at load for the pool desk,
        # which hands its book back here to be saved whenever it changed
        self.pool_doc: dict[str, Any] | None = None
        self.pool: PoolBook | None = None

    def load(self) -> None:
        if self.store is not None:
            self._load(self.store)

    def save(self) -> None:
        state = self.engine.state
        pool_dirty = self.pool is not None and self.pool.dirty
        if self.store is None:
            if self.pool is not None:
                self.pool.dirty = False
            state.dirty_users.clear()
            state.dirty_orders.clear()
            state.dirty_plans.clear()
            state.new_fills.clear()
            state.bills.new_futures.clear()
            state.bills.new_spot.clear()
            state.closed.new.clear()
            return
        bills = state.bills
        if (state.dirty_users or state.dirty_orders or state.dirty_plans or state.new_fills or bills.new_futures
                or bills.new_spot or state.closed.new or pool_dirty):
            self._save(self.store)

    def forget_user(self, uid: str) -> None:
        """A user the engine removed leaves SQLite too, with whatever of it was still waiting to be written."""
        self.created.pop(uid, None)
        if self.store is not None:
            state = self.engine.state
            self.store.delete_user(uid)
            state.dirty_orders = {k: v for k, v in state.dirty_orders.items() if v.uid != uid}
            state.dirty_plans = {k: v for k, v in state.dirty_plans.items() if v.uid != uid}
            state.new_fills = [f for f in state.new_fills if f.uid != uid]

    def close(self) -> None:
        self.save()
        if self.store is not None:
            self.store.close()
            self.store = None

    def _save(self, store: SimStateStore) -> None:
        engine = self.engine
        state = engine.state
        users: list[UserRecord] = []
        for uid in sorted(state.dirty_users):
            if not state.spot.has(uid):
                continue
            fu = state.fut.users[uid]
            # every margin coin's account: settings and positions are keyed by symbol, unique across lines
            accounts = [led.users[uid] for led in state.futs.values() if uid in led.users]
            users.append(UserRecord(
                uid=uid, created_ms=self.created.get(uid, state.now),
                spot={coin: (str(a), str(f)) for coin, (a, f) in state.spot.accounts[uid].items()},
                futures_cash=str(fu.cash), futures_frozen=str(fu.frozen), pos_mode=fu.pos_mode,
                futures_u_time=fu.u_time,
                settings={sym: (s.margin_mode, s.cross_leverage, s.long_leverage, s.short_leverage)
                          for a in accounts for sym, s in a.settings.items()},
                positions=[position_record(p) for a in accounts for p in a.positions.values() if p.lots],
                coin_accounts={coin: (str(led.users[uid].cash), str(led.users[uid].frozen),
                                      led.users[uid].pos_mode, led.users[uid].u_time)
                               for coin, led in state.futs.items() if led is not state.fut and uid in led.users}))
        live_users = state.spot.accounts
        new_bills: list[AccountBill | SpotBill] = [*state.bills.new_futures, *state.bills.new_spot]
        store.save(users=users,
                   orders=[order_record(st) for st in state.dirty_orders.values() if st.uid in live_users],
                   fills=[fill_record(f) for f in state.new_fills if f.uid in live_users],
                   plans=[plan_record(p) for p in state.dirty_plans.values() if p.uid in live_users],
                   bills=[*(bill_record(b) for b in new_bills if b.uid in live_users),
                          *(closed_record(r) for r in state.closed.new if r.uid in live_users)],
                   kv=self._ledger_kv())
        state.bills.new_futures.clear()
        state.bills.new_spot.clear()
        state.closed.new.clear()
        state.dirty_users.clear()
        state.dirty_orders.clear()
        state.dirty_plans.clear()
        state.new_fills.clear()

    def _ledger_kv(self) -> dict[str, str]:
        state = self.engine.state
        kv = {"order_seq": str(state.order_seq), "trade_seq": str(state.trade_seq),
              "entry_seq": str(state.entry_seq), "futures.house": str(state.fut.house),
              "futures.fees": str(state.fut.fees), "futures.minted": str(state.fut.minted),
              "futures.funding": str(state.fut.funding), "bill_seq": str(state.bills.seq)}
        for coin, led in state.futs.items():
            if led is not state.fut:
                for name in ("house", "fees", "minted", "funding"):
                    kv[f"futures.{coin}.{name}"] = str(getattr(led, name))
        for name, book in (("house", state.spot.house), ("fees", state.spot.fees), ("minted", state.spot.minted)):
            for coin, amount in book.items():
                kv[f"spot.{name}.{coin}"] = str(amount)
        if self.pool is not None and self.pool.dirty:
            kv["uta.pool"] = json.dumps(self.pool.to_doc(), separators=(",", ":"))
            self.pool.dirty = False
        return kv

    def _load(self, store: SimStateStore) -> None:
        engine = self.engine
        state = engine.state
        triggers = engine.triggers
        kv = store.load_kv()
        state.order_seq = int(kv.get("order_seq", "0"))
        state.trade_seq = int(kv.get("trade_seq", "0"))
        state.entry_seq = int(kv.get("entry_seq", "0"))
        state.fut.house = Decimal(kv.get("futures.house", "0"))
        state.fut.fees = Decimal(kv.get("futures.fees", "0"))
        state.fut.minted = Decimal(kv.get("futures.minted", "0"))
        state.fut.funding = Decimal(kv.get("futures.funding", "0"))
        for coin, led in state.futs.items():
            if led is not state.fut:
                for name in ("house", "fees", "minted", "funding"):
                    setattr(led, name, Decimal(kv.get(f"futures.{coin}.{name}", "0")))
        state.bills.seq = int(kv.get("bill_seq", "0"))
        if "uta.pool" in kv:
            self.pool_doc = json.loads(kv["uta.pool"])
        for key, value in kv.items():
            if key.startswith("spot."):
                _, name, coin = key.split(".", 2)
                getattr(state.spot, name)[coin] = Decimal(value)
        cap = state.history_cap
        for rec in store.load_users():
            uid = rec.uid
            self.created[uid] = rec.created_ms
            state.spot.restore(uid, {coin: (Decimal(a), Decimal(f)) for coin, (a, f) in rec.spot.items()})
            fu = FuturesUser(uid, Decimal(rec.futures_cash), Decimal(rec.futures_frozen), rec.pos_mode,
                             u_time=rec.futures_u_time)
            state.fut.users[uid] = fu
            for coin, led in state.futs.items():
                if led is not state.fut:
                    row = rec.coin_accounts.get(coin)
                    if row is None:
                        # a store written before coin-M and USDC-M existed: the user gets the demo funding of those
                        # accounts now (minted, as for a new user) and is saved with it
                        led.open_account(uid, DEMO_OTHER_FUTURES.get(coin, Decimal(0))).pos_mode = rec.pos_mode
                        state.dirty_users.add(uid)
                        continue
                    cash, frozen, pos_mode, u_time = row
                    led.users[uid] = FuturesUser(uid, Decimal(cash), Decimal(frozen), pos_mode, u_time=u_time)
            for sym, (mode, cross, long, short) in rec.settings.items():
                if sym in FUTURES_BY_SYMBOL:
                    state.fut_user(uid, sym).settings[sym] = SettingsState(mode, cross, long, short)
            for d in rec.positions:
                pos = position_from_record(d)
                state.fut_user(uid, pos.symbol).positions[(pos.symbol, pos.hold_side)] = pos
                state.pos_users.setdefault(pos.symbol, set()).add(uid)
            state.open_by_user.setdefault(uid, {})
            state.done.setdefault(uid, deque(maxlen=cap))
            state.user_fills.setdefault(uid, deque(maxlen=cap))
        open_states: list[OrderState] = []
        for d in store.load_orders(history_per_user=cap):
            if d["uid"] not in state.spot.accounts:
                continue
            st = order_from_record(d, MARKETS[SymbolRef(d["symbol"], product_from_wire(d["inst_type"]))])
            state.client_ids[(st.uid, st.client_oid)] = st.order_id
            if st.status.is_open:
                open_states.append(st)
            else:
                state.done[st.uid].append(st)
                state.done_by_id[st.order_id] = st
        for st in sorted(open_states, key=lambda s: s.seq):
            state.orders[st.order_id] = st
            state.open_by_user[st.uid][st.order_id] = st
            if st.order_type == "limit" and st.remaining_lots > 0:
                engine.matcher.rest(state.markets[st.market.ref], st)
        for d in store.load_fills(per_user=cap):
            if d["uid"] in state.user_fills:
                state.user_fills[d["uid"]].append(fill_from_record(d))
        for d in store.load_bills(per_user=cap):
            if d["uid"] in state.spot.accounts and d["kind"] == CLOSED_KIND:
                state.closed.restore(closed_from_record(d))
            elif d["uid"] in state.spot.accounts:
                bill = bill_from_record(d)
                if isinstance(bill, SpotBill):
                    state.bills.restore_spot(bill)
                else:
                    state.bills.restore_futures(bill)
        for d in store.load_plans():
            if d["uid"] not in state.spot.accounts:
                continue
            triggers.restore(plan_from_record(d))
