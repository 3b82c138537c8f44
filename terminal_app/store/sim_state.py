"""SQLite persistence of the simulator's demo accounts: users, balances, futures accounts and positions, orders,
fills and TP/SL orders, plus the engine's counters and house ledgers.

The store speaks plain data (strings, ints, dicts) so it needs nothing from ``sim/``: the engine converts its state
to records and back. Money is stored as decimal strings, never floats. One transaction per :meth:`SimStateStore.save`;
WAL journal so readers never block the writer; a ``schema_migrations`` table records which migrations ran.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

SCHEMA_VERSION = 3

# (version, description, statements); append new migrations, never edit applied ones.
MIGRATIONS: tuple[tuple[int, str, tuple[str, ...]], ...] = (
    (1, "demo accounts, orders, fills, plans, counters", (
        """CREATE TABLE users (
               uid TEXT PRIMARY KEY,
               created_ms INTEGER NOT NULL)""",
        """CREATE TABLE spot_balances (
               uid TEXT NOT NULL,
               coin TEXT NOT NULL,
               available TEXT NOT NULL,
               frozen TEXT NOT NULL,
               PRIMARY KEY (uid, coin))""",
        """CREATE TABLE futures_accounts (
               uid TEXT PRIMARY KEY,
               cash TEXT NOT NULL,
               frozen TEXT NOT NULL,
               pos_mode TEXT NOT NULL,
               u_time INTEGER NOT NULL)""",
        """CREATE TABLE futures_settings (
               uid TEXT NOT NULL,
               symbol TEXT NOT NULL,
               margin_mode TEXT NOT NULL,
               cross_leverage INTEGER NOT NULL,
               long_leverage INTEGER NOT NULL,
               short_leverage INTEGER NOT NULL,
               PRIMARY KEY (uid, symbol))""",
        """CREATE TABLE positions (
               uid TEXT NOT NULL,
               symbol TEXT NOT NULL,
               hold_side TEXT NOT NULL,
               data BLOB NOT NULL,
               PRIMARY KEY (uid, symbol, hold_side))""",
        """CREATE TABLE orders (
               order_id TEXT PRIMARY KEY,
               uid TEXT NOT NULL,
               inst_type TEXT NOT NULL,
               symbol TEXT NOT NULL,
               client_oid TEXT NOT NULL,
               status TEXT NOT NULL,
               c_time INTEGER NOT NULL,
               u_time INTEGER NOT NULL,
               data BLOB NOT NULL)""",
        "CREATE INDEX orders_by_user ON orders (uid, status, c_time)",
        """CREATE TABLE fills (
               uid TEXT NOT NULL,
               order_id TEXT NOT NULL,
               trade_id TEXT NOT NULL,
               inst_type TEXT NOT NULL,
               symbol TEXT NOT NULL,
               ts INTEGER NOT NULL,
               data BLOB NOT NULL,
               PRIMARY KEY (uid, order_id, trade_id))""",
        "CREATE INDEX fills_by_user ON fills (uid, ts)",
        """CREATE TABLE plan_orders (
               order_id TEXT PRIMARY KEY,
               uid TEXT NOT NULL,
               symbol TEXT NOT NULL,
               status TEXT NOT NULL,
               data BLOB NOT NULL)""",
        """CREATE TABLE kv (
               key TEXT PRIMARY KEY,
               value TEXT NOT NULL)""",
    )),
    (2, "account bills and copy trading", (
        """CREATE TABLE bills (
               uid TEXT NOT NULL,
               bill_id TEXT NOT NULL,
               kind TEXT NOT NULL,
               c_time INTEGER NOT NULL,
               data BLOB NOT NULL,
               PRIMARY KEY (uid, bill_id))""",
        "CREATE INDEX bills_by_user ON bills (uid, c_time)",
        # copy trading (traders the users became, follows and their settings, tracking orders, profit share) as
        # one document per part: the copy engine rewrites it whenever it changes
        """CREATE TABLE copy_state (
               part TEXT PRIMARY KEY,
               data BLOB NOT NULL)""",
    )),
    (3, "futures accounts of the other margin coins (USDC-M, coin-M)", (
        """CREATE TABLE futures_coin_accounts (
               uid TEXT NOT NULL,
               coin TEXT NOT NULL,
               cash TEXT NOT NULL,
               frozen TEXT NOT NULL,
               pos_mode TEXT NOT NULL,
               u_time INTEGER NOT NULL,
               PRIMARY KEY (uid, coin))""",
    )),
)

OPEN_STATUSES = ("live", "partially_filled")


@dataclass(slots=True)
class UserRecord:
    uid: str
    created_ms: int
    spot: dict[str, tuple[str, str]] = field(default_factory=dict)     # coin → (available, frozen)
    futures_cash: str = "0"
    futures_frozen: str = "0"
    pos_mode: str = "one_way_mode"
    futures_u_time: int = 0
    settings: dict[str, tuple[str, int, int, int]] = field(default_factory=dict)  # symbol → (mode, cross, long, short)
    positions: list[dict[str, Any]] = field(default_factory=list)      # each has "symbol" and "hold_side"
    # futures accounts in margin coins other than USDT: coin → (cash, frozen, pos_mode, u_time)
    coin_accounts: dict[str, tuple[str, str, str, int]] = field(default_factory=dict)


class SimStateStore:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._migrate()

    # ---- schema --------------------------------------------------------------------------------------------

    def _migrate(self) -> None:
        db = self._db
        db.execute("""CREATE TABLE IF NOT EXISTS schema_migrations (
                          version INTEGER PRIMARY KEY,
                          applied_ms INTEGER NOT NULL,
                          description TEXT NOT NULL)""")
        done = {row[0] for row in db.execute("SELECT version FROM schema_migrations")}
        if done and max(done) > SCHEMA_VERSION:
            raise RuntimeError(f"{self.path}: schema version {max(done)} is newer than this program "
                               f"({SCHEMA_VERSION}); refusing to touch it")
        for version, description, statements in MIGRATIONS:
            if version in done:
                continue
            db.execute("BEGIN IMMEDIATE")
            try:
                for sql in statements:
                    db.execute(sql)
                db.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)",
                           (version, int(time.time() * 1000), description))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    @property
    def schema_version(self) -> int:
        row = self._db.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
        return int(row[0] or 0)

    # ---- loading -------------------------------------------------------------------------------------------

    def load_users(self) -> list[UserRecord]:
        db = self._db
        users = {uid: UserRecord(uid, created) for uid, created in
                 db.execute("SELECT uid, created_ms FROM users ORDER BY uid")}
        for uid, coin, available, frozen in db.execute("SELECT uid, coin, available, frozen FROM spot_balances"):
            if uid in users:
                users[uid].spot[coin] = (available, frozen)
        for uid, cash, frozen, pos_mode, u_time in db.execute(
                "SELECT uid, cash, frozen, pos_mode, u_time FROM futures_accounts"):
            if uid in users:
                rec = users[uid]
                rec.futures_cash, rec.futures_frozen, rec.pos_mode, rec.futures_u_time = cash, frozen, pos_mode, u_time
        for uid, coin, cash, frozen, pos_mode, u_time in db.execute(
                "SELECT uid, coin, cash, frozen, pos_mode, u_time FROM futures_coin_accounts"):
            if uid in users:
                users[uid].coin_accounts[coin] = (cash, frozen, pos_mode, u_time)
        for uid, symbol, mode, cross, long, short in db.execute(
                "SELECT uid, symbol, margin_mode, cross_leverage, long_leverage, short_leverage "
                "FROM futures_settings"):
            if uid in users:
                users[uid].settings[symbol] = (mode, cross, long, short)
        for uid, data in db.execute("SELECT uid, data FROM positions ORDER BY uid, symbol, hold_side"):
            if uid in users:
                users[uid].positions.append(orjson.loads(data))
        return list(users.values())

    def load_orders(self, *, history_per_user: int) -> list[dict[str, Any]]:
        """Every open order plus the newest ``history_per_user`` finished orders of each user, oldest first."""
        rows = list(self._db.execute(
            f"SELECT data FROM orders WHERE status IN {OPEN_STATUSES} ORDER BY c_time, order_id"))
        rows += self._db.execute(
            f"""SELECT data FROM (
                    SELECT data, c_time, order_id, ROW_NUMBER() OVER (
                        PARTITION BY uid ORDER BY u_time DESC, order_id DESC) AS n
                    FROM orders WHERE status NOT IN {OPEN_STATUSES})
                WHERE n <= ? ORDER BY c_time, order_id""", (history_per_user,))
        return [orjson.loads(data) for (data,) in rows]

    def load_fills(self, *, per_user: int) -> list[dict[str, Any]]:
        rows = self._db.execute(
            """SELECT data FROM (
                   SELECT data, ts, trade_id, ROW_NUMBER() OVER (PARTITION BY uid ORDER BY ts DESC, trade_id DESC) AS n
                   FROM fills)
               WHERE n <= ? ORDER BY ts, trade_id""", (per_user,))
        return [orjson.loads(data) for (data,) in rows]

    def load_plans(self) -> list[dict[str, Any]]:
        return [orjson.loads(data) for (data,) in self._db.execute("SELECT data FROM plan_orders ORDER BY order_id")]

    def load_bills(self, *, per_user: int) -> list[dict[str, Any]]:
        """The newest ``per_user`` bills of each kind of each user, oldest first."""
        rows = self._db.execute(
            """SELECT data FROM (
                   SELECT data, c_time, bill_id, ROW_NUMBER() OVER (
                       PARTITION BY uid, kind ORDER BY c_time DESC, bill_id DESC) AS n
                   FROM bills)
               WHERE n <= ? ORDER BY c_time, bill_id""", (per_user,))
        return [orjson.loads(data) for (data,) in rows]

    def load_copy(self) -> dict[str, Any]:
        """The copy-trading documents by part (empty for a new state file)."""
        return {part: orjson.loads(data) for part, data in self._db.execute("SELECT part, data FROM copy_state")}

    def save_copy(self, parts: dict[str, Any]) -> None:
        """Replace the copy-trading documents given, in one transaction."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.executemany("INSERT OR REPLACE INTO copy_state VALUES (?, ?)",
                           [(part, orjson.dumps(doc)) for part, doc in sorted(parts.items())])
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def load_kv(self) -> dict[str, str]:
        return dict(self._db.execute("SELECT key, value FROM kv"))

    # ---- saving --------------------------------------------------------------------------------------------

    def save(self, *, users: Iterable[UserRecord] = (), orders: Iterable[dict[str, Any]] = (),
             fills: Iterable[dict[str, Any]] = (), plans: Iterable[dict[str, Any]] = (),
             bills: Iterable[dict[str, Any]] = (), kv: dict[str, str] | None = None) -> None:
        """Write changed users (their full account state), changed orders and plans, new fills and bills; one
        transaction. A bill record has ``uid``, ``bill_id``, ``kind`` (futures/spot) and ``c_time``."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            for rec in users:
                self._write_user(rec)
            db.executemany(
                "INSERT OR REPLACE INTO orders VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(o["order_id"], o["uid"], o["inst_type"], o["symbol"], o["client_oid"], o["status"], o["c_time"],
                  o["u_time"], orjson.dumps(o)) for o in orders])
            db.executemany(
                "INSERT OR REPLACE INTO fills VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(f["uid"], f["order_id"], f["trade_id"], f["inst_type"], f["symbol"], f["ts"], orjson.dumps(f))
                 for f in fills])
            db.executemany(
                "INSERT OR REPLACE INTO plan_orders VALUES (?, ?, ?, ?, ?)",
                [(p["order_id"], p["uid"], p["symbol"], p["status"], orjson.dumps(p)) for p in plans])
            db.executemany(
                "INSERT OR REPLACE INTO bills VALUES (?, ?, ?, ?, ?)",
                [(b["uid"], b["bill_id"], b["kind"], b["c_time"], orjson.dumps(b)) for b in bills])
            if kv:
                db.executemany("INSERT OR REPLACE INTO kv VALUES (?, ?)", sorted(kv.items()))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def _write_user(self, rec: UserRecord) -> None:
        db = self._db
        uid = rec.uid
        db.execute("INSERT OR IGNORE INTO users VALUES (?, ?)", (uid, rec.created_ms))
        db.execute("DELETE FROM spot_balances WHERE uid = ?", (uid,))
        db.executemany("INSERT INTO spot_balances VALUES (?, ?, ?, ?)",
                       [(uid, coin, a, f) for coin, (a, f) in sorted(rec.spot.items())])
        db.execute("INSERT OR REPLACE INTO futures_accounts VALUES (?, ?, ?, ?, ?)",
                   (uid, rec.futures_cash, rec.futures_frozen, rec.pos_mode, rec.futures_u_time))
        db.execute("DELETE FROM futures_settings WHERE uid = ?", (uid,))
        db.executemany("INSERT INTO futures_settings VALUES (?, ?, ?, ?, ?, ?)",
                       [(uid, sym, *values) for sym, values in sorted(rec.settings.items())])
        db.execute("DELETE FROM futures_coin_accounts WHERE uid = ?", (uid,))
        db.executemany("INSERT INTO futures_coin_accounts VALUES (?, ?, ?, ?, ?, ?)",
                       [(uid, coin, *values) for coin, values in sorted(rec.coin_accounts.items())])
        db.execute("DELETE FROM positions WHERE uid = ?", (uid,))
        db.executemany("INSERT INTO positions VALUES (?, ?, ?, ?)",
                       [(uid, p["symbol"], p["hold_side"], orjson.dumps(p)) for p in rec.positions])

    def delete_user(self, uid: str) -> None:
        """Forget a user and everything it owned ("reset demo account" then starts it afresh)."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            for table in ("users", "spot_balances", "futures_accounts", "futures_coin_accounts",
                          "futures_settings", "positions", "orders", "fills", "plan_orders", "bills"):
                db.execute(f"DELETE FROM {table} WHERE uid = ?", (uid,))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self._db.close()
