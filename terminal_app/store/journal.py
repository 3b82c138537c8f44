"""The trading journal: every order and fill the terminal sees, per profile, in SQLite; history, CSV, daily PnL.

Writes are idempotent, so every source of news can simply be written as it arrives (the REST reply, the private
channels, REST reads after a reconnect or a restart):

* **orders** are keyed by profile + clientOid, or profile + orderId for orders that carry no clientOid. A record
  only moves forward (``pending`` → ``live`` → ``partially_filled`` → ``filled``/``cancelled``/``rejected``), the
  filled size never shrinks, and a rejection the terminal decided itself gives way when the exchange later reports
  the order (the same rules as :class:`terminal_app.core.orders.OrderTracker`);
* **fills** are keyed by profile + product type + tradeId; a fill seen twice is stored once.

Money is stored as Bitget's decimal strings, never floats. WAL journal (readers never block the writer), one
transaction per call, a ``schema_migrations`` table listing the migrations that ran; a file written by a newer
version is refused rather than altered. Safe to call from worker threads (one lock around the connection).

:class:`JournalWriter` is how the terminal uses it: one thread opens the file and owns that connection, and runs
every job (writes, and the reads the UI asks for) in the order they were queued; the caller gets a
``concurrent.futures.Future`` at once and never waits on the disk. What is queued while it writes is written next in
one transaction (:meth:`Journal.batch`). Closing it runs what is queued first.

Realized PnL by day (:meth:`Journal.daily_pnl`), per profile, per coin, in the caller's time zone:

* **futures**: the ``profit`` Bitget reports on each closing fill, plus every fee paid that day (fees are negative,
  opening fills' fees included). The coin is the product's margin coin (USDT for USDT-M, the base coin for coin-M);
  fees paid in another coin (BGB deduction) are listed apart in ``other_fees``, not converted.
* **spot**, average cost: all fills of a symbol are replayed in time order (not only the requested days, so a buy
  last month sets the cost of a sale today). A buy adds its size and its quote value to the holding; a sell realizes
  ``proceeds − average cost × size`` on the part covered by recorded buys. Fees are kept out of the cost and counted
  on the day they are paid: a quote-coin fee as is; a base-coin fee (a buy's fee is taken from the coins bought) is
  valued at the fill price, and the coins it took leave the holding at average cost, the difference to that price
  being realized. Selling more than the recorded buys cover (coins bought before the journal began) realizes nothing
  for the excess and is counted in ``unmatched``. The coin is the quote coin.

Both add up to what the account really gained: over a closed round trip ``net`` equals money out minus money in.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import logging
import os
import queue
import sqlite3
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal, localcontext
from pathlib import Path
from typing import Any, TextIO, TypeVar

from terminal_app.core.bracket import SpotBracket, Stage
from terminal_app.core.enums import Liquidity, OrderStatus, OrderType, PositionMode, Side, TimeInForce, TradeSide
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.core.orders import Fill, Order, OrderView, view_from_order
from terminal_app.core.position_tools import Bill, BillKind

log = logging.getLogger("terminal_app.store.journal")

_ZERO = Decimal(0)
_PLACES = Decimal(1).scaleb(-12)  # results are cut to 12 decimals (average-cost quotients do not terminate)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_RANK = {OrderStatus.PENDING: 0, OrderStatus.LIVE: 1, OrderStatus.PARTIALLY_FILLED: 2, OrderStatus.FILLED: 3,
         OrderStatus.CANCELLED: 3, OrderStatus.REJECTED: 3}

# Known spot quote coins, longest first, to tell BTCUSDT's quote from its base when no mapping is given.
SPOT_QUOTES: tuple[str, ...] = ("USDT", "USDC", "USDE", "EURT", "BTC", "ETH", "EUR", "BRL", "TRY", "BGB", "USD")


class JournalError(RuntimeError):
    """The journal file cannot be used (written by a newer version, not a journal)."""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    description: str
    statements: tuple[str, ...]


# Append new migrations; never edit one that has shipped.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "orders and fills", (
        """CREATE TABLE orders (
               id INTEGER PRIMARY KEY,
               profile TEXT NOT NULL,
               client_oid TEXT,
               order_id TEXT,
               symbol TEXT NOT NULL,
               inst_type TEXT NOT NULL,
               side TEXT NOT NULL,
               order_type TEXT NOT NULL,
               force TEXT NOT NULL,
               price TEXT,
               size TEXT NOT NULL,
               size_in_quote INTEGER NOT NULL,
               filled TEXT NOT NULL,
               avg_price TEXT,
               status TEXT NOT NULL,
               reason TEXT NOT NULL,
               code TEXT NOT NULL,
               trade_side TEXT,
               reduce_only INTEGER NOT NULL,
               c_time INTEGER NOT NULL,
               u_time INTEGER NOT NULL)""",
        "CREATE UNIQUE INDEX orders_by_client_oid ON orders (profile, client_oid) WHERE client_oid IS NOT NULL",
        "CREATE UNIQUE INDEX orders_by_order_id ON orders (profile, order_id) WHERE order_id IS NOT NULL",
        "CREATE INDEX orders_by_time ON orders (profile, c_time)",
        """CREATE TABLE fills (
               profile TEXT NOT NULL,
               inst_type TEXT NOT NULL,
               trade_id TEXT NOT NULL,
               order_id TEXT NOT NULL,
               symbol TEXT NOT NULL,
               side TEXT NOT NULL,
               trade_side TEXT,
               order_type TEXT,
               pos_mode TEXT,
               price TEXT NOT NULL,
               size TEXT NOT NULL,
               quote_size TEXT NOT NULL,
               fee TEXT NOT NULL,
               fee_coin TEXT,
               fees TEXT NOT NULL,
               scope TEXT,
               profit TEXT,
               ts INTEGER NOT NULL,
               PRIMARY KEY (profile, inst_type, trade_id)) WITHOUT ROWID""",
        "CREATE INDEX fills_by_time ON fills (profile, ts)",
    )),
    Migration(2, "futures account bills", (
        """CREATE TABLE bills (
               profile TEXT NOT NULL,
               inst_type TEXT NOT NULL,
               bill_id TEXT NOT NULL,
               symbol TEXT NOT NULL,
               coin TEXT NOT NULL,
               kind TEXT NOT NULL,
               detail TEXT NOT NULL,
               amount TEXT NOT NULL,
               fee TEXT NOT NULL,
               balance TEXT,
               ts INTEGER NOT NULL,
               PRIMARY KEY (profile, inst_type, bill_id)) WITHOUT ROWID""",
        "CREATE INDEX bills_by_time ON bills (profile, ts)",
    )),
    # Interest on a unified account's borrowing was stored as "other" (and summed with trading PnL) before it had a
    # kind of its own; the row keeps Bitget's word for it in ``detail``.
    Migration(3, "interest bills", (
        "UPDATE bills SET kind = 'interest' WHERE kind = 'other' AND detail = 'INTEREST_SETTLEMENT_OUT'",
    )),
    # The spot brackets the terminal keeps (services.oco): a restart resumes the take-profit watch from here.
    Migration(4, "spot brackets", (
        """CREATE TABLE spot_brackets (
               profile TEXT NOT NULL,
               entry_oid TEXT NOT NULL,
               symbol TEXT NOT NULL,
               tp TEXT NOT NULL,
               sl TEXT NOT NULL,
               size TEXT NOT NULL,
               sl_oid TEXT,
               exit_oid TEXT,
               stage TEXT NOT NULL,
               PRIMARY KEY (profile, entry_oid))""",
    )),
)

_ORDER_COLUMNS = ("client_oid", "order_id", "symbol", "inst_type", "side", "order_type", "force", "price", "size",
                  "size_in_quote", "filled", "avg_price", "status", "reason", "code", "trade_side", "reduce_only",
                  "c_time", "u_time")
_FILL_COLUMNS = ("inst_type", "trade_id", "order_id", "symbol", "side", "trade_side", "order_type", "pos_mode",
                 "price", "size", "quote_size", "fee", "fee_coin", "fees", "scope", "profit", "ts")


@dataclass(frozen=True, slots=True)
class DailyPnl:
    """Realized PnL of one day in one coin (see the module docstring for the method).

    ``realized``: before fees; ``fees``: fees paid that day in (or valued in) ``coin``, negative; ``net`` = both.
    ``other_fees``: fees in other coins, not converted. ``unmatched``: spot sells (or parts) with no recorded buy.
    """

    day: date
    coin: str
    realized: Decimal
    fees: Decimal
    net: Decimal
    fills: int
    unmatched: int = 0
    other_fees: tuple[tuple[str, Decimal], ...] = ()


def _text(d: Decimal | None) -> str | None:
    return None if d is None else format(d, "f")


def _dec(s: str | None) -> Decimal | None:
    return None if s is None else Decimal(s)


def _cut(d: Decimal) -> Decimal:
    return d.quantize(_PLACES).normalize() if d else _ZERO


def day_of(ts_ms: int, tz: tzinfo = UTC) -> date:
    """The calendar day of an exchange timestamp (ms since the epoch) in ``tz``."""
    return (_EPOCH + timedelta(milliseconds=ts_ms)).astimezone(tz).date()


def iso_time(ts_ms: int) -> str:
    return (_EPOCH + timedelta(milliseconds=ts_ms)).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def margin_coin(ref: SymbolRef) -> str:
    """The coin a futures product settles in: USDT-M → USDT, USDC-M → USDC, coin-M (BTCUSD) → the base coin."""
    settle = ref.product.settle_coin
    if settle is not None:
        return settle
    if ref.product is Product.DEMO_COIN_FUTURES:
        return ref.symbol.removesuffix("SUSD")
    return ref.symbol.removesuffix("USD")


def spot_quote(symbol: str, quotes: Mapping[str, str] | None = None) -> str:
    """The quote coin of a spot symbol: from ``quotes`` (symbol → quote coin, e.g. from the markets) if it has the
    symbol, else the longest known quote suffix, else the last four letters."""
    if quotes and symbol in quotes:
        return quotes[symbol]
    for q in sorted(SPOT_QUOTES, key=len, reverse=True):
        if symbol.endswith(q) and len(symbol) > len(q):
            return q
    return symbol[-4:]


class Journal:
    """One journal file (or ``":memory:"``). Close it with :meth:`close` or use it as a context manager."""

    def __init__(self, path: str | Path, *, migrations: Sequence[Migration] = MIGRATIONS) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._lock = threading.RLock()  # re-entered by the calls inside a batch()
        self._batching = False
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            if self.path != ":memory:":
                os.chmod(self.path, 0o600)  # order history is private
            try:
                mode = self._db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            except sqlite3.DatabaseError as exc:
                raise JournalError(f"{self.path} is not a journal file ({exc}).") from exc
            if str(mode).lower() != "wal" and self.path != ":memory:":
                log.warning("journal %s: WAL not available (%s)", self.path, mode)
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._migrate(migrations)
        except BaseException:
            self._db.close()
            raise

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # --- schema ----------------------------------------------------------------------------------------------

    def _migrate(self, migrations: Sequence[Migration]) -> None:
        db = self._db
        try:
            db.execute("""CREATE TABLE IF NOT EXISTS schema_migrations (
                              version INTEGER PRIMARY KEY,
                              description TEXT NOT NULL,
                              applied_ms INTEGER NOT NULL)""")
            done = {row[0] for row in db.execute("SELECT version FROM schema_migrations")}
        except sqlite3.DatabaseError as exc:
            raise JournalError(f"{self.path} is not a journal file ({exc}).") from exc
        known = max((m.version for m in migrations), default=0)
        if done and max(done) > known:
            raise JournalError(f"The journal {self.path} was written by a newer version of the terminal (schema "
                               f"{max(done)}, this version knows {known}); it is left untouched.")
        for m in sorted(migrations, key=lambda m: m.version):
            if m.version in done:
                continue
            db.execute("BEGIN IMMEDIATE")
            try:
                for sql in m.statements:
                    db.execute(sql)
                db.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)",
                           (m.version, m.description, int(time.time() * 1000)))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            log.info("journal %s: migration %d (%s) applied", self.path, m.version, m.description)

    @property
    def schema_version(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
        return int(row[0] or 0)

    @property
    def journal_mode(self) -> str:
        with self._lock:
            return str(self._db.execute("PRAGMA journal_mode").fetchone()[0]).lower()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One call's writes, all or nothing: its own transaction, or a savepoint inside a :meth:`batch`."""
        with self._lock:
            db = self._db
            if self._batching:
                db.execute("SAVEPOINT call")
                try:
                    yield db
                except BaseException:
                    db.execute("ROLLBACK TO call")
                    raise
                finally:
                    db.execute("RELEASE call")
                return
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
                self._commit()
            except BaseException:
                self._rollback()
                raise

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Several calls in one transaction, written by one commit (the writer thread's batches): each call is a
        savepoint, so a call that fails is undone alone; if the commit fails, nothing of the batch is written."""
        with self._lock:
            if self._batching:
                raise RuntimeError("batches do not nest")
            self._db.execute("BEGIN IMMEDIATE")
            self._batching = True
            try:
                yield
                self._commit()
            except BaseException:
                self._rollback()
                raise
            finally:
                self._batching = False

    def atomic(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        """Several calls as one: all written or none (a savepoint inside a :meth:`batch`)."""
        return self._tx()

    def _commit(self) -> None:
        """Where a transaction reaches the disk (``bench keys`` makes it slow here)."""
        self._db.execute("COMMIT")

    def _rollback(self) -> None:
        if self._db.in_transaction:  # an I/O error may have rolled it back already
            self._db.execute("ROLLBACK")

    # --- orders ----------------------------------------------------------------------------------------------

    def record_order(self, profile: str, view: OrderView) -> OrderView:
        """Insert or update ``view`` (the tracker's latest view of one order); returns what the journal now holds."""
        with self._tx() as db:
            return self._upsert(db, profile, view)

    def record_orders(self, profile: str, views: Iterable[OrderView]) -> None:
        with self._tx() as db:
            for view in views:
                self._upsert(db, profile, view)

    def record_exchange_order(self, profile: str, order: Order) -> OrderView:
        """An order as Bitget reports it (REST history, the ``orders`` channel)."""
        return self.record_order(profile, view_from_order(order))

    def _upsert(self, db: sqlite3.Connection, profile: str, view: OrderView) -> OrderView:
        client_oid = None if view.client_oid.startswith("id:") else view.client_oid
        order_id = view.order_id or (view.client_oid[3:] if view.client_oid.startswith("id:") else None)
        columns = ("id", *_ORDER_COLUMNS)
        select = f"SELECT {', '.join(columns)} FROM orders WHERE profile = ? AND "
        row = None
        if client_oid is not None:
            row = db.execute(select + "client_oid = ?", (profile, client_oid)).fetchone()
        if row is None and order_id is not None:
            row = db.execute(select + "order_id = ?", (profile, order_id)).fetchone()
        new = _order_values(view, client_oid, order_id)
        if row is None:
            db.execute(f"INSERT INTO orders (profile, {', '.join(_ORDER_COLUMNS)}) "
                       f"VALUES (?, {', '.join('?' * len(_ORDER_COLUMNS))})",
                       (profile, *(new[c] for c in _ORDER_COLUMNS)))
            return _view_of(new)
        old = dict(zip(columns, row, strict=True))
        if old["order_id"] is None and order_id is not None:
            # The same order may have been journaled by its id alone (seen before its clientOid was known): fold
            # that record into this one so the order is listed once.
            twin = db.execute(select + "order_id = ? AND id != ?", (profile, order_id, old["id"])).fetchone()
            if twin is not None:
                twin_values = dict(zip(columns, twin, strict=True))
                db.execute("DELETE FROM orders WHERE id = ?", (twin_values["id"],))
                old = {**_merge(old, twin_values), "id": old["id"]}
        merged = _merge(old, new)
        db.execute(f"UPDATE orders SET {', '.join(f'{c} = ?' for c in _ORDER_COLUMNS)} WHERE id = ?",
                   (*(merged[c] for c in _ORDER_COLUMNS), old["id"]))
        return _view_of(merged)

    def order(self, profile: str, *, client_oid: str | None = None, order_id: str | None = None) -> OrderView | None:
        if client_oid is None and order_id is None:
            raise ValueError("give client_oid or order_id")
        with self._lock:
            db = self._db
            row = None
            if client_oid is not None:
                row = db.execute(f"SELECT {', '.join(_ORDER_COLUMNS)} FROM orders WHERE profile = ? AND "
                                 "client_oid = ?", (profile, client_oid)).fetchone()
            if row is None and order_id is not None:
                row = db.execute(f"SELECT {', '.join(_ORDER_COLUMNS)} FROM orders WHERE profile = ? AND "
                                 "order_id = ?", (profile, order_id)).fetchone()
        return None if row is None else _view_of(dict(zip(_ORDER_COLUMNS, row, strict=True)))

    def orders(
        self,
        profile: str,
        *,
        ref: SymbolRef | None = None,
        statuses: Iterable[str] | None = None,
        since_ms: int | None = None,
        until_ms: int | None = None,
        limit: int | None = 500,
        newest_first: bool = True,
    ) -> list[OrderView]:
        """Order history of ``profile`` by creation time; ``until_ms`` is exclusive."""
        where, args = _filters(profile, ref, since_ms, until_ms, "c_time")
        if statuses is not None:
            wanted = list(statuses)
            where.append(f"status IN ({', '.join('?' * len(wanted))})")
            args += wanted
        sql = (f"SELECT {', '.join(_ORDER_COLUMNS)} FROM orders WHERE {' AND '.join(where)} "
               f"ORDER BY c_time {'DESC' if newest_first else 'ASC'}, id {'DESC' if newest_first else 'ASC'}")
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        return [_view_of(dict(zip(_ORDER_COLUMNS, r, strict=True))) for r in rows]

    # --- fills -----------------------------------------------------------------------------------------------

    def add_fill(self, profile: str, fill: Fill) -> bool:
        """Store ``fill``; False when it was already stored (same tradeId)."""
        with self._tx() as db:
            return _insert_fill(db, profile, fill)

    def add_fills(self, profile: str, fills: Iterable[Fill]) -> int:
        """Store many fills in one transaction; returns how many were new."""
        with self._tx() as db:
            return sum(_insert_fill(db, profile, f) for f in fills)

    def fills(
        self,
        profile: str,
        *,
        ref: SymbolRef | None = None,
        since_ms: int | None = None,
        until_ms: int | None = None,
        limit: int | None = 1000,
        newest_first: bool = True,
    ) -> list[Fill]:
        """Fills of ``profile`` by time; ``until_ms`` is exclusive."""
        where, args = _filters(profile, ref, since_ms, until_ms, "ts")
        order = "DESC" if newest_first else "ASC"
        sql = (f"SELECT {', '.join(_FILL_COLUMNS)} FROM fills WHERE {' AND '.join(where)} "
               f"ORDER BY ts {order}, trade_id {order}")
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        return [_fill_of(dict(zip(_FILL_COLUMNS, r, strict=True))) for r in rows]

    # --- futures account bills (keyed by profile + product type + billId: a row read twice is stored once) -------

    def add_bills(self, profile: str, bills: Iterable[Bill]) -> int:
        """Store the rows not stored yet; how many were new."""
        with self._tx() as db:
            added = 0
            for b in bills:
                cur = db.execute("INSERT OR IGNORE INTO bills VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                 (profile, _stored(b.product), b.bill_id, b.symbol, b.coin, b.kind.value, b.detail,
                                  _text(b.amount), _text(b.fee), _text(b.balance), b.ts))
                added += cur.rowcount
            return added

    def bills(self, profile: str, *, product: Product | None = None, since_ms: int | None = None) -> list[Bill]:
        """Newest first."""
        sql = "FROM bills WHERE profile = ?"
        args: list[Any] = [profile]
        if product is not None:
            sql += " AND inst_type = ?"
            args.append(_stored(product))
        if since_ms is not None:
            sql += " AND ts >= ?"
            args.append(since_ms)
        columns = ("inst_type", "bill_id", "symbol", "coin", "kind", "detail", "amount", "fee", "balance", "ts")
        with self._lock:
            rows = self._db.execute(f"SELECT {', '.join(columns)} {sql} ORDER BY ts DESC, bill_id DESC",
                                    args).fetchall()
        out = []
        for row in rows:
            r = dict(zip(columns, row, strict=True))
            out.append(Bill(bill_id=r["bill_id"], product=_STORED_PRODUCTS[r["inst_type"]], symbol=r["symbol"],
                            coin=r["coin"], kind=BillKind(r["kind"]), amount=Decimal(r["amount"]),
                            fee=Decimal(r["fee"]), balance=_dec(r["balance"]), ts=r["ts"], detail=r["detail"]))
        return out

    # --- spot brackets kept by the terminal (one row per bracket not ended; services.oco) ----------------------

    def save_bracket(self, profile: str, b: SpotBracket) -> None:
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO spot_brackets VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (profile, b.entry_oid, b.ref.symbol, _text(b.tp), _text(b.sl), _text(b.size), b.sl_oid,
                        b.exit_oid, b.stage.value))

    def drop_bracket(self, profile: str, entry_oid: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM spot_brackets WHERE profile = ? AND entry_oid = ?", (profile, entry_oid))

    def brackets(self, profile: str) -> list[SpotBracket]:
        """The spot brackets of ``profile`` that had not ended, oldest entry first."""
        with self._lock:
            rows = self._db.execute("SELECT entry_oid, symbol, tp, sl, size, sl_oid, exit_oid, stage FROM "
                                    "spot_brackets WHERE profile = ? ORDER BY rowid", (profile,)).fetchall()
        return [SpotBracket(oid, SymbolRef(symbol, Product.SPOT), Decimal(tp), Decimal(sl), Decimal(size), sl_oid,
                            exit_oid, Stage(stage)) for oid, symbol, tp, sl, size, sl_oid, exit_oid, stage in rows]

    def profiles(self) -> list[str]:
        """Every profile the journal holds something for."""
        with self._lock:
            rows = self._db.execute("SELECT profile FROM orders UNION SELECT profile FROM fills ORDER BY 1").fetchall()
        return [r[0] for r in rows]

    # --- CSV -------------------------------------------------------------------------------------------------

    FILL_CSV_HEADER = ("time_utc", "ts_ms", "symbol", "product_type", "side", "trade_side", "price", "size",
                       "quote_size", "fee", "fee_coin", "profit", "scope", "order_type", "order_id", "trade_id")
    ORDER_CSV_HEADER = ("created_utc", "c_time_ms", "u_time_ms", "symbol", "product_type", "side", "type", "force",
                        "price", "size", "size_in_quote", "filled", "avg_price", "status", "reason", "code",
                        "trade_side", "reduce_only", "client_oid", "order_id")

    def export_fills_csv(self, dest: Path | TextIO, profile: str, *, ref: SymbolRef | None = None,
                         since_ms: int | None = None, until_ms: int | None = None) -> int:
        """Write the fills of ``profile`` (oldest first) as CSV; returns the number of rows."""
        fills = self.fills(profile, ref=ref, since_ms=since_ms, until_ms=until_ms, limit=None, newest_first=False)
        rows = [(iso_time(f.ts), f.ts, f.symbol, _stored(f.product), f.side, f.trade_side or "", _text(f.price),
                 _text(f.size), _text(f.quote_size), _text(f.fee), f.fee_coin or "", _text(f.profit) or "",
                 f.scope or "", f.order_type or "", f.order_id, f.trade_id) for f in fills]
        _write_csv(dest, self.FILL_CSV_HEADER, rows)
        return len(rows)

    def export_orders_csv(self, dest: Path | TextIO, profile: str, *, ref: SymbolRef | None = None,
                          since_ms: int | None = None, until_ms: int | None = None) -> int:
        """Write the orders of ``profile`` (oldest first) as CSV; returns the number of rows."""
        views = self.orders(profile, ref=ref, since_ms=since_ms, until_ms=until_ms, limit=None, newest_first=False)
        rows = [(iso_time(v.c_time), v.c_time, v.u_time, v.ref.symbol, _stored(v.ref.product), v.side, v.type, v.force,
                 _text(v.price) or "", _text(v.size), int(v.size_in_quote), _text(v.filled),
                 _text(v.avg_price) or "", v.status, v.reason, v.code, v.trade_side or "", int(v.reduce_only),
                 "" if v.client_oid.startswith("id:") else v.client_oid, v.order_id or "") for v in views]
        _write_csv(dest, self.ORDER_CSV_HEADER, rows)
        return len(rows)

    # --- PnL -------------------------------------------------------------------------------------------------

    def daily_pnl(
        self,
        profile: str,
        *,
        tz: tzinfo = UTC,
        since: date | None = None,
        until: date | None = None,
        quotes: Mapping[str, str] | None = None,
    ) -> list[DailyPnl]:
        """Realized PnL per day and coin for ``profile`` (method in the module docstring), days ``since``..``until``
        inclusive, sorted by day then coin. ``quotes`` maps spot symbols to their quote coin when known."""
        fills = self.fills(profile, limit=None, newest_first=False)
        return daily_pnl(fills, tz=tz, since=since, until=until, quotes=quotes)


# --- the writer thread ---------------------------------------------------------------------------------------------

T = TypeVar("T")
Opener = Callable[[Path], Journal]
MAX_BATCH = 500  # jobs per transaction at most


@dataclass(slots=True)
class _Job:
    run: Callable[[Journal], Any]
    future: Future[Any]
    report: bool  # a write: its failure also goes to on_error (nobody awaits a write)


class JournalWriter:
    """One journal file on a thread of its own (see the module docstring).

    ``opener(path)`` opens the journal on that thread (tests and benchmarks wrap :class:`Journal`). :attr:`opened`
    resolves once it is open, or holds why it could not be (then every job fails with that error). ``on_error(exc)``
    hears, on the writer thread, about every :meth:`write` that failed; :meth:`submit`'s failures are only in its
    future.
    """

    def __init__(self, path: str | Path, *, opener: Opener = Journal,
                 on_error: Callable[[BaseException], None] | None = None, name: str = "journal-writer") -> None:
        self.path = Path(path)
        self._opener = opener
        self._on_error = on_error
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._closing = False
        self._lock = threading.Lock()
        self.opened: Future[None] = Future()
        self.written = 0  # jobs done and transactions written, for statistics
        self.batches = 0
        # A daemon thread: a crash elsewhere must not hang the process on exit; a normal exit closes it first.
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, job: Callable[[Journal], T]) -> Future[T]:
        """Run ``job(journal)`` on the writer thread after everything queued before; its result as a future."""
        return self._queue(job, report=False)

    def write(self, job: Callable[[Journal], Any]) -> Future[Any]:
        """Like :meth:`submit`, for a write nobody waits for: a failure also goes to ``on_error``."""
        return self._queue(job, report=True)

    def _queue(self, job: Callable[[Journal], Any], *, report: bool) -> Future[Any]:
        future: Future[Any] = Future()
        with self._lock:  # nothing may slip in behind the close marker
            if self._closing:
                future.set_exception(JournalError(f"The journal {self.path} is closed."))
                return future
            self._jobs.put(_Job(job, future, report))
        return future

    @property
    def pending(self) -> int:
        """Jobs queued and not yet run (approximate: the thread may be taking one right now)."""
        return self._jobs.qsize()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def stop(self) -> None:
        """No new jobs; the thread runs what is queued, closes the file and ends (without waiting for it)."""
        with self._lock:
            if not self._closing:
                self._closing = True
                self._jobs.put(None)

    def close(self, timeout: float | None = None) -> bool:
        """:meth:`stop`, then wait (up to ``timeout`` seconds) until everything queued is written; True when done."""
        self.stop()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        try:
            journal = self._opener(self.path)
        except BaseException as exc:
            self.opened.set_exception(exc)
            self._drain(exc)
            return
        self.opened.set_result(None)
        try:
            stopping = False
            while not stopping and (job := self._jobs.get()) is not None:
                # Everything queued meanwhile goes in the same transaction: a slow disk costs one commit per batch,
                # not one per order update, so the writer keeps up however fast the news comes.
                batch = [job]
                while len(batch) < MAX_BATCH:
                    try:
                        more = self._jobs.get_nowait()
                    except queue.Empty:
                        break
                    if more is None:
                        stopping = True
                        break
                    batch.append(more)
                self._run_batch(journal, batch)
        finally:
            journal.close()

    def _run_batch(self, journal: Journal, batch: list[_Job]) -> None:
        jobs = [job for job in batch if job.future.set_running_or_notify_cancel()]
        outcomes: list[tuple[_Job, bool, Any]] = []
        try:
            with journal.batch():
                for job in jobs:
                    try:
                        with journal.atomic():
                            outcomes.append((job, True, job.run(journal)))
                    except Exception as exc:  # this job's savepoint is undone; the others go on
                        outcomes.append((job, False, exc))
        except Exception as exc:  # the commit failed: nothing of the batch reached the file
            outcomes = [(job, False, exc) for job in jobs]
        self.batches += 1
        for job, ok, value in outcomes:
            if ok:
                job.future.set_result(value)
            else:
                job.future.set_exception(value)
                if job.report:
                    self._report(value)
            self.written += 1

    def _drain(self, why: BaseException) -> None:
        """The file never opened: every job queued so far, and until the marker, fails with the reason."""
        while (job := self._jobs.get()) is not None:
            if job.future.set_running_or_notify_cancel():
                job.future.set_exception(JournalError(f"The journal {self.path} is not open: {why}"))

    def _report(self, exc: BaseException) -> None:
        if self._on_error is None:
            log.error("journal %s: a write failed: %s", self.path, exc)
            return
        try:
            self._on_error(exc)
        except Exception:  # the writer thread must outlive a broken callback
            log.exception("journal %s: the error callback failed", self.path)


# --- helpers -------------------------------------------------------------------------------------------------------

# How the ``inst_type`` column (and the CSV ``product_type`` column) spells a product: the journal's own format,
# fixed when it was created, so existing journals and exported files keep reading the same.
_PRODUCT_TEXT: dict[Product, str] = {
    Product.SPOT: "SPOT",
    Product.USDT_FUTURES: "USDT-FUTURES",
    Product.COIN_FUTURES: "COIN-FUTURES",
    Product.USDC_FUTURES: "USDC-FUTURES",
    Product.DEMO_USDT_FUTURES: "SUSDT-FUTURES",
    Product.DEMO_COIN_FUTURES: "SCOIN-FUTURES",
    Product.DEMO_USDC_FUTURES: "SUSDC-FUTURES",
}
_STORED_PRODUCTS: dict[str, Product] = {text: product for product, text in _PRODUCT_TEXT.items()}


def _stored(product: Product) -> str:
    return _PRODUCT_TEXT[product]


# Rows written before the journal stored the terminal's own words hold the exchange's raw ones: a fill's
# ``trade_side`` such as ``buy_single`` (one-way) or ``burst_close_long`` (liquidation), ``pos_mode`` ``hedge_mode``.
_OLD_POSITION_MODES = {"one_way_mode": PositionMode.ONE_WAY, "hedge_mode": PositionMode.HEDGE}


def _trade_side(text: str | None) -> TradeSide | None:
    if not text:
        return None
    if text in TradeSide.__members__.values():
        return TradeSide(text)
    if text.startswith("open"):
        return TradeSide.OPEN
    return TradeSide.CLOSE if "close" in text else None


def _pos_mode(text: str | None) -> PositionMode | None:
    if not text:
        return None
    return _OLD_POSITION_MODES.get(text) or PositionMode(text)


def _filters(profile: str, ref: SymbolRef | None, since_ms: int | None, until_ms: int | None,
             time_col: str) -> tuple[list[str], list[Any]]:
    where = ["profile = ?"]
    args: list[Any] = [profile]
    if ref is not None:
        where += ["symbol = ?", "inst_type = ?"]
        args += [ref.symbol, _stored(ref.product)]
    if since_ms is not None:
        where.append(f"{time_col} >= ?")
        args.append(since_ms)
    if until_ms is not None:
        where.append(f"{time_col} < ?")
        args.append(until_ms)
    return where, args


def _order_values(view: OrderView, client_oid: str | None, order_id: str | None) -> dict[str, Any]:
    return {
        "client_oid": client_oid, "order_id": order_id, "symbol": view.ref.symbol,
        "inst_type": _stored(view.ref.product), "side": view.side, "order_type": view.type, "force": view.force,
        "price": _text(view.price), "size": _text(view.size), "size_in_quote": int(view.size_in_quote),
        "filled": _text(view.filled), "avg_price": _text(view.avg_price), "status": view.status,
        "reason": view.reason, "code": view.code, "trade_side": view.trade_side,
        "reduce_only": int(view.reduce_only), "c_time": view.c_time, "u_time": view.u_time,
    }


def _merge(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """``old`` moved forward by ``new``: never backwards in status, never less filled, ids never lost."""
    out = {c: old[c] for c in _ORDER_COLUMNS}
    out["client_oid"] = old["client_oid"] or new["client_oid"]
    out["order_id"] = old["order_id"] or new["order_id"]
    local_reject = old["status"] == "rejected" and old["order_id"] is None and new["order_id"] is not None
    if local_reject or _RANK.get(new["status"], 1) >= _RANK.get(old["status"], 1):
        for c in ("status", "reason", "code"):
            out[c] = new[c]
        if new["status"] == old["status"] and not new["reason"]:
            out["reason"], out["code"] = old["reason"], old["code"]
    if Decimal(new["filled"]) > Decimal(old["filled"]):
        out["filled"] = new["filled"]
        out["avg_price"] = new["avg_price"] or old["avg_price"]
    elif old["avg_price"] is None:
        out["avg_price"] = new["avg_price"]
    for c in ("price", "trade_side", "force"):
        if out[c] is None:
            out[c] = new[c]
    out["reduce_only"] = old["reduce_only"] or new["reduce_only"]
    out["c_time"] = old["c_time"] or new["c_time"]
    out["u_time"] = max(old["u_time"], new["u_time"])
    return out


def _view_of(r: Mapping[str, Any]) -> OrderView:
    client_oid = r["client_oid"] or f"id:{r['order_id']}"
    return OrderView(
        client_oid=client_oid, order_id=r["order_id"], ref=SymbolRef(r["symbol"], _STORED_PRODUCTS[r["inst_type"]]),
        side=Side(r["side"]), type=OrderType(r["order_type"]), force=TimeInForce(r["force"] or TimeInForce.GTC),
        price=_dec(r["price"]), size=Decimal(r["size"]), filled=Decimal(r["filled"]), avg_price=_dec(r["avg_price"]),
        status=OrderStatus(r["status"]), reason=r["reason"], c_time=r["c_time"], u_time=r["u_time"], code=r["code"],
        size_in_quote=bool(r["size_in_quote"]), trade_side=_trade_side(r["trade_side"]),
        reduce_only=bool(r["reduce_only"]),
    )


def _insert_fill(db: sqlite3.Connection, profile: str, f: Fill) -> bool:
    fees = json.dumps([[coin, format(amount, "f")] for coin, amount in f.fees])
    values = (_stored(f.product), f.trade_id, f.order_id, f.symbol, f.side, f.trade_side, f.order_type, f.pos_mode,
              _text(f.price), _text(f.size), _text(f.quote_size), _text(f.fee), f.fee_coin, fees, f.scope,
              _text(f.profit), f.ts)
    cur = db.execute(f"INSERT OR IGNORE INTO fills (profile, {', '.join(_FILL_COLUMNS)}) "
                     f"VALUES (?, {', '.join('?' * len(_FILL_COLUMNS))})", (profile, *values))
    return cur.rowcount == 1


def _fill_of(r: Mapping[str, Any]) -> Fill:
    return Fill(
        product=_STORED_PRODUCTS[r["inst_type"]], trade_id=r["trade_id"], order_id=r["order_id"], symbol=r["symbol"],
        side=Side(r["side"]), price=Decimal(r["price"]), size=Decimal(r["size"]), quote_size=Decimal(r["quote_size"]),
        fee=Decimal(r["fee"]), fee_coin=r["fee_coin"], scope=Liquidity(r["scope"]) if r["scope"] else None,
        trade_side=_trade_side(r["trade_side"]), profit=_dec(r["profit"]), ts=r["ts"],
        order_type=OrderType(r["order_type"]) if r["order_type"] else None, pos_mode=_pos_mode(r["pos_mode"]),
        fees=tuple((coin, Decimal(amount)) for coin, amount in json.loads(r["fees"])),
    )


def _write_csv(dest: Path | TextIO, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    if not isinstance(dest, str | os.PathLike):
        writer = csv.writer(dest)
        writer.writerow(header)
        writer.writerows(rows)
        return
    path = Path(dest)
    buf = io.StringIO(newline="")
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(rows)
    # Whole file or nothing: an export cut short by a full disk must not look complete.
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(buf.getvalue())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _fee_entries(f: Fill) -> tuple[tuple[str | None, Decimal], ...]:
    if f.fees:
        return tuple((coin.upper(), amount) for coin, amount in f.fees)
    return ((f.fee_coin.upper() if f.fee_coin else None, f.fee),)


@dataclass(slots=True)
class _Day:
    realized: Decimal = _ZERO
    fees: Decimal = _ZERO
    fills: int = 0
    unmatched: int = 0
    other: dict[str, Decimal] = field(default_factory=lambda: defaultdict(lambda: _ZERO))


@dataclass(slots=True)
class _Holding:
    qty: Decimal = _ZERO
    cost: Decimal = _ZERO

    def take(self, amount: Decimal) -> Decimal:
        """Remove ``amount`` coins (at most what is held) at average cost; returns that cost."""
        if self.qty <= 0 or amount <= 0:
            return _ZERO
        part = min(amount, self.qty)
        cost = self.cost * part / self.qty
        self.qty -= part
        self.cost -= cost
        if self.qty == 0:
            self.cost = _ZERO
        return cost


def daily_pnl(
    fills: Iterable[Fill],
    *,
    tz: tzinfo = UTC,
    since: date | None = None,
    until: date | None = None,
    quotes: Mapping[str, str] | None = None,
) -> list[DailyPnl]:
    """Realized PnL by day and coin from ``fills`` (any order); the method is in the module docstring."""
    days: dict[tuple[date, str], _Day] = defaultdict(_Day)
    holdings: dict[str, _Holding] = defaultdict(_Holding)
    with localcontext() as ctx:
        ctx.prec = 50
        for f in sorted(fills, key=lambda f: (f.ts, f.trade_id)):
            day = day_of(f.ts, tz)
            if f.product.is_futures:
                coin = margin_coin(f.ref)
                bucket = days[(day, coin)]
                bucket.realized += f.profit or _ZERO
                for fee_coin, amount in _fee_entries(f):
                    if fee_coin in (None, coin):
                        bucket.fees += amount
                    else:
                        bucket.other[fee_coin] += amount
            else:
                coin = spot_quote(f.symbol, quotes)
                base = f.symbol[: -len(coin)] if f.symbol.endswith(coin) else f.symbol
                bucket = days[(day, coin)]
                _spot_fill(f, base, coin, holdings[f.symbol], bucket)
            bucket.fills += 1
    out = []
    for (day, coin), b in sorted(days.items()):
        if (since is not None and day < since) or (until is not None and day > until):
            continue
        out.append(DailyPnl(day, coin, _cut(b.realized), _cut(b.fees), _cut(b.realized + b.fees), b.fills,
                            b.unmatched, tuple(sorted((c, _cut(a)) for c, a in b.other.items()))))
    return out


def _spot_fill(f: Fill, base: str, quote: str, h: _Holding, bucket: _Day) -> None:
    value = f.quote_size if f.quote_size > 0 else f.price * f.size
    if f.side == "buy":
        h.qty += f.size
        h.cost += value
    else:
        covered = min(f.size, max(h.qty, _ZERO))
        if covered < f.size:
            bucket.unmatched += 1
        if covered > 0:
            bucket.realized += value * covered / f.size - h.take(covered)
    for fee_coin, amount in _fee_entries(f):
        if fee_coin is None or fee_coin == quote:
            bucket.fees += amount
        elif fee_coin == base:
            paid = -amount  # fees are negative: coins that left
            bucket.fees -= paid * f.price
            bucket.realized += paid * f.price - h.take(paid)
        else:
            bucket.other[fee_coin] += amount
