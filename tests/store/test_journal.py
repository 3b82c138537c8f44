"""store.journal: migrations and WAL, idempotent orders and fills that survive a restart, CSV export, and exact
realized PnL by day (futures profit + fees; spot average cost)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from terminal_app.bitget.models.trade import parse_futures_fills, parse_spot_orders
from terminal_app.core.bracket import SpotBracket, Stage
from terminal_app.core.enums import Liquidity, PositionMode, Side, TradeSide
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.core.orders import Fill, OrderView
from terminal_app.core.position_tools import Bill, BillKind
from terminal_app.store.journal import (
    MIGRATIONS,
    DailyPnl,
    Journal,
    JournalError,
    JournalWriter,
    Migration,
    daily_pnl,
    day_of,
    margin_coin,
    spot_quote,
)

D = Decimal
SPOT = SymbolRef("BTCUSDT", Product.SPOT)
PERP = SymbolRef("BTCUSDT", Product.USDT_FUTURES)
ETH = SymbolRef("ETHUSDT", Product.SPOT)
NEXT = MIGRATIONS[-1].version + 1  # a migration this version does not ship


def ms(day: int, hour: int = 12, minute: int = 0) -> int:
    """A timestamp in May 2024, UTC."""
    return int(datetime(2024, 5, day, hour, minute, tzinfo=UTC).timestamp() * 1000)


def view(client_oid: str, order_id: str | None = None, status: str = "pending", filled: str = "0", *,
         ref: SymbolRef = SPOT, c_time: int = 1, u_time: int = 1, reason: str = "", avg: str | None = None,
         price: str | None = "65000") -> OrderView:
    return OrderView(client_oid=client_oid, order_id=order_id, ref=ref, side="buy", type="limit", force="gtc",
                     price=D(price) if price else None, size=D("0.1"), filled=D(filled),
                     avg_price=D(avg) if avg else None, status=status, reason=reason, c_time=c_time, u_time=u_time)


def fill(trade_id: str, side: str, price: str, size: str, *, ts: int, ref: SymbolRef = PERP, fee: str = "0",
         fee_coin: str | None = "USDT", profit: str | None = None, fees: tuple[tuple[str, Decimal], ...] = (),
         trade_side: str | None = None, quote: str | None = None) -> Fill:
    return Fill(product=ref.product, trade_id=trade_id, order_id="o" + trade_id, symbol=ref.symbol, side=side,
                price=D(price), size=D(size), quote_size=D(quote) if quote else D(price) * D(size), fee=D(fee),
                fee_coin=fee_coin, scope="taker", trade_side=trade_side, profit=D(profit) if profit else None,
                ts=ts, fees=fees)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "journal.sqlite3"


@pytest.fixture
def journal(path: Path) -> Iterator[Journal]:
    j = Journal(path)
    yield j
    j.close()


# --- schema --------------------------------------------------------------------------------------------------------

def test_a_new_journal_is_migrated_and_in_wal_mode(journal: Journal, path: Path) -> None:
    assert journal.schema_version == MIGRATIONS[-1].version
    assert journal.journal_mode == "wal"
    assert (path.stat().st_mode & 0o777) == 0o600
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT version, description FROM schema_migrations").fetchall()
    assert rows == [(m.version, m.description) for m in MIGRATIONS]
    assert rows[:4] == [(1, "orders and fills"), (2, "futures account bills"), (3, "interest bills"),
                        (4, "spot brackets")]


def test_reopening_runs_no_migration_twice_and_new_ones_once(path: Path) -> None:
    Journal(path).close()
    extra = Migration(NEXT, "fill tags", ("ALTER TABLE fills ADD COLUMN tag TEXT",))
    with Journal(path, migrations=(*MIGRATIONS, extra)) as j:
        assert j.schema_version == NEXT
    with Journal(path, migrations=(*MIGRATIONS, extra)) as j:  # nothing left to do
        assert j.schema_version == NEXT
    with sqlite3.connect(path) as db:
        assert [r[0] for r in db.execute("SELECT version FROM schema_migrations ORDER BY 1")] == [
            *(m.version for m in MIGRATIONS), NEXT]
        assert "tag" in [r[1] for r in db.execute("PRAGMA table_info(fills)")]


def test_a_failing_migration_leaves_the_file_as_it_was(path: Path) -> None:
    Journal(path).close()
    broken = Migration(NEXT, "broken", ("CREATE TABLE tags (x)", "THIS IS NOT SQL"))
    with pytest.raises(sqlite3.OperationalError):
        Journal(path, migrations=(*MIGRATIONS, broken))
    with sqlite3.connect(path) as db:
        assert [r[0] for r in db.execute("SELECT version FROM schema_migrations ORDER BY 1")] == [
            m.version for m in MIGRATIONS]
        assert db.execute("SELECT name FROM sqlite_master WHERE name = 'tags'").fetchone() is None


def test_a_journal_from_a_newer_version_is_refused_untouched(path: Path) -> None:
    extra = Migration(NEXT, "future", ("CREATE TABLE future (x)",))
    Journal(path, migrations=(*MIGRATIONS, extra)).close()
    before = path.read_bytes()
    with pytest.raises(JournalError, match="newer version"):
        Journal(path)
    assert path.read_bytes() == before


def test_interest_stored_as_other_before_it_had_a_kind_becomes_interest(path: Path) -> None:
    """Journals written before migration 3 hold a unified pool's interest as "other" (summed with trading PnL)."""
    with Journal(path, migrations=MIGRATIONS[:2]) as old:
        old.add_bills("Demo", [
            Bill("i1", Product.SPOT, "", "USDT", BillKind.OTHER, Decimal("-0.1"), Decimal("-0.1"), None, 1,
                 detail="INTEREST_SETTLEMENT_OUT"),
            Bill("o1", Product.SPOT, "", "USDT", BillKind.OTHER, Decimal("2"), Decimal(0), None, 2, detail="SOMETHING"),
        ])
    with Journal(path) as j:
        assert sorted((b.bill_id, b.kind) for b in j.bills("Demo")) == [("i1", BillKind.INTEREST),
                                                                       ("o1", BillKind.OTHER)]


def test_a_file_that_is_not_a_journal_is_refused(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(JournalError, match="not a journal"):
        Journal(junk)


# --- orders --------------------------------------------------------------------------------------------------------

def test_an_order_goes_from_intent_to_filled_and_survives_a_restart(path: Path) -> None:
    with Journal(path) as j:
        j.record_order("Demo", view("bt1", c_time=ms(1)))
        j.record_order("Demo", view("bt1", "111", "live", c_time=ms(1), u_time=ms(1, 12, 1)))
        j.record_order("Demo", view("bt1", "111", "partially_filled", "0.04", avg="65000", c_time=ms(1),
                                    u_time=ms(1, 12, 2)))
        j.record_order("Demo", view("bt1", "111", "filled", "0.1", avg="64990", c_time=ms(1), u_time=ms(1, 12, 3)))
        # late, out-of-order news must not move the order back
        latest = j.record_order("Demo", view("bt1", "111", "live", "0.04", c_time=ms(1), u_time=ms(1, 12, 1)))
        assert latest.status == "filled"
    with Journal(path) as j:  # a restart is reopening the file
        [order] = j.orders("Demo")
        assert order.client_oid == "bt1"
        assert order.order_id == "111"
        assert order.status == "filled"
        assert order.filled == D("0.1")
        assert order.avg_price == D("64990")
        assert order.price == D("65000")
        assert order.u_time == ms(1, 12, 3)
        assert j.order("Demo", order_id="111") == order
        assert j.order("Demo", client_oid="bt1") == order
        assert j.order("Other", client_oid="bt1") is None


def test_a_local_rejection_gives_way_to_the_exchange(journal: Journal) -> None:
    journal.record_order("Demo", view("bt2", status="rejected", reason="The exchange could not be reached."))
    assert journal.order("Demo", client_oid="bt2").status == "rejected"  # type: ignore[union-attr]
    now = journal.record_order("Demo", view("bt2", "222", "live", u_time=5))
    assert now.status == "live"
    assert now.order_id == "222"
    assert now.reason == ""
    # a rejection by the exchange itself (it knows the order id) is final
    journal.record_order("Demo", view("bt3", "333", "rejected", reason="[40762] balance"))
    assert journal.record_order("Demo", view("bt3", "333", "live")).status == "rejected"


def test_an_order_seen_by_id_first_is_merged_with_its_client_oid(journal: Journal) -> None:
    journal.record_order("Live", view("id:444", "444", "live", c_time=10))
    merged = journal.record_order("Live", view("bt4", "444", "filled", "0.1", c_time=10, u_time=20))
    assert merged.client_oid == "bt4"
    assert [v.client_oid for v in journal.orders("Live")] == ["bt4"]
    # twin records: the intent by clientOid and an exchange record by id, joined by a later update with both
    journal.record_order("Live", view("bt5", c_time=30))
    journal.record_order("Live", view("id:555", "555", "live", c_time=31, u_time=31))
    joined = journal.record_order("Live", view("bt5", "555", "partially_filled", "0.05", c_time=30, u_time=32))
    assert joined.order_id == "555"
    assert joined.status == "partially_filled"
    assert sorted(v.client_oid for v in journal.orders("Live")) == ["bt4", "bt5"]


def test_orders_are_kept_per_profile_and_filtered(journal: Journal) -> None:
    journal.record_order("Demo", view("bt1", "1", "live", c_time=ms(1)))
    journal.record_order("Live", view("bt1", "1", "cancelled", c_time=ms(1)))
    journal.record_order("Demo", view("bt2", "2", "filled", "0.1", ref=PERP, c_time=ms(2)))
    journal.record_orders("Demo", [view("bt3", "3", "cancelled", c_time=ms(3)), view("bt4", "4", c_time=ms(4))])
    assert journal.profiles() == ["Demo", "Live"]
    assert [v.client_oid for v in journal.orders("Demo")] == ["bt4", "bt3", "bt2", "bt1"]
    assert [v.client_oid for v in journal.orders("Demo", newest_first=False, limit=2)] == ["bt1", "bt2"]
    assert [v.client_oid for v in journal.orders("Demo", ref=PERP)] == ["bt2"]
    assert [v.client_oid for v in journal.orders("Demo", statuses=["cancelled", "filled"])] == ["bt3", "bt2"]
    assert [v.client_oid for v in journal.orders("Demo", since_ms=ms(2), until_ms=ms(4))] == ["bt3", "bt2"]
    assert journal.orders("Live")[0].status == "cancelled"


def test_exchange_orders_from_bitget_samples(journal: Journal, samples: Path) -> None:
    data = json.loads((samples / "rest" / "GET_api_v2_spot_trade_history-orders.json").read_text())["data"]
    orders = parse_spot_orders(data)
    for order in orders:
        journal.record_exchange_order("Live", order)
        journal.record_exchange_order("Live", order)  # the same news twice
    stored = journal.orders("Live", limit=None)
    assert len(stored) == len(orders)
    assert {v.order_id for v in stored} == {o.order_id for o in orders}


# --- fills ---------------------------------------------------------------------------------------------------------

def test_fills_are_stored_once_and_read_back_exactly(path: Path, samples: Path) -> None:
    data = json.loads((samples / "rest" / "GET_api_v2_mix_order_fills.json").read_text())["data"]
    [sample] = parse_futures_fills(data)
    own = fill("9", "sell", "65000.1", "0.003", ts=ms(2), fee="-0.117000180", profit="1.5", trade_side="close")
    with Journal(path) as j:
        assert j.add_fill("Demo", sample)
        assert not j.add_fill("Demo", sample)
        assert j.add_fills("Demo", [sample, own, own]) == 1
        assert j.add_fill("Live", own)  # another profile is another account
    with Journal(path) as j:
        assert j.fills("Demo", newest_first=False) == [sample, own]
        assert j.fills("Demo", ref=SymbolRef("ETHUSDT", Product.USDT_FUTURES)) == [sample]
        assert j.fills("Demo", since_ms=ms(2)) == [own]
        assert j.fills("Live") == [own]
        assert sample.fees == (("BGB", D("-0.017118519726")),)


def test_rows_written_with_the_exchanges_words_still_read(path: Path) -> None:
    # Journals written before the domain types stored V2's raw words for a fill's position mode and trade side.
    j = Journal(path)
    j.add_fill("p", fill("1", "sell", "65000", "0.1", ts=ms(1), trade_side="close"))
    j.add_fill("p", fill("2", "buy", "65000", "0.1", ts=ms(2)))
    j.close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE fills SET pos_mode = 'hedge_mode', trade_side = 'burst_close_long' WHERE trade_id = '1'")
        db.execute("UPDATE fills SET pos_mode = 'one_way_mode', trade_side = 'buy_single' WHERE trade_id = '2'")
    again = Journal(path)
    try:
        first, second = again.fills("p", newest_first=False)
    finally:
        again.close()
    assert (first.pos_mode, first.trade_side, first.side) == (PositionMode.HEDGE, TradeSide.CLOSE, Side.SELL)
    assert (second.pos_mode, second.trade_side, second.scope) == (PositionMode.ONE_WAY, None, Liquidity.TAKER)


def test_the_same_trade_id_on_spot_and_futures_is_two_fills(journal: Journal) -> None:
    assert journal.add_fill("Demo", fill("7", "buy", "1", "1", ts=1, ref=SPOT))
    assert journal.add_fill("Demo", fill("7", "buy", "1", "1", ts=1, ref=PERP))
    assert len(journal.fills("Demo")) == 2


@pytest.mark.asyncio
async def test_the_journal_works_from_worker_threads(journal: Journal) -> None:
    fills = [fill(str(i), "buy", "100", "1", ts=ms(1, 0, i % 60)) for i in range(40)]
    added = await asyncio.gather(*(asyncio.to_thread(journal.add_fill, "Demo", f) for f in fills + fills))
    assert sum(added) == 40
    assert len(await asyncio.to_thread(journal.fills, "Demo", limit=None)) == 40


# --- CSV -----------------------------------------------------------------------------------------------------------

def test_csv_export_of_fills_and_orders(journal: Journal, tmp_path: Path) -> None:
    journal.add_fills("Demo", [
        fill("2", "sell", "65100", "0.5", ts=ms(2), fee="-19.53", profit="50", trade_side="close"),
        fill("1", "buy", "65000", "0.5", ts=ms(1), fee="-19.5", trade_side="open"),
    ])
    journal.add_fill("Live", fill("3", "buy", "1", "1", ts=ms(3)))
    out = tmp_path / "exports" / "fills.csv"
    out.parent.mkdir()
    assert journal.export_fills_csv(out, "Demo") == 2
    rows = list(csv.DictReader(out.open(newline="", encoding="utf-8")))
    assert [r["trade_id"] for r in rows] == ["1", "2"]
    assert rows[0] == {
        "time_utc": "2024-05-01T12:00:00.000Z", "ts_ms": str(ms(1)), "symbol": "BTCUSDT",
        "product_type": "USDT-FUTURES", "side": "buy", "trade_side": "open", "price": "65000", "size": "0.5",
        "quote_size": "32500.0", "fee": "-19.5", "fee_coin": "USDT", "profit": "", "scope": "taker",
        "order_type": "", "order_id": "o1", "trade_id": "1",
    }
    assert rows[1]["profit"] == "50"
    assert list(out.parent.iterdir()) == [out]  # no temporary file left behind

    journal.record_order("Demo", view("bt1", "1", "filled", "0.1", avg="65000", c_time=ms(1), u_time=ms(1, 13)))
    journal.record_order("Demo", view("id:2", "2", "live", c_time=ms(2), price=None))
    buf = io.StringIO()
    assert journal.export_orders_csv(buf, "Demo") == 2
    orders = list(csv.DictReader(io.StringIO(buf.getvalue())))
    assert orders[0]["client_oid"] == "bt1"
    assert orders[0]["status"] == "filled"
    assert orders[0]["avg_price"] == "65000"
    assert orders[0]["created_utc"] == "2024-05-01T12:00:00.000Z"
    assert orders[1]["client_oid"] == ""
    assert orders[1]["order_id"] == "2"
    assert orders[1]["price"] == ""
    assert journal.export_fills_csv(io.StringIO(), "Nobody") == 0


# --- realized PnL by day -------------------------------------------------------------------------------------------

def test_futures_pnl_is_profit_plus_fees_by_day(journal: Journal) -> None:
    journal.add_fills("F", [
        fill("1", "buy", "60000", "1", ts=ms(1, 9), fee="-36", trade_side="open"),
        fill("2", "sell", "61000", "0.5", ts=ms(1, 15), fee="-18.3", profit="500", trade_side="close"),
        fill("3", "sell", "59000", "0.5", ts=ms(2, 10), fee="-17.7", profit="-500", trade_side="close",
             fees=(("USDT", D("-17.7")), ("BGB", D("-0.01")))),
    ])
    assert journal.daily_pnl("F") == [
        DailyPnl(date(2024, 5, 1), "USDT", D(500), D("-54.3"), D("445.7"), 2),
        DailyPnl(date(2024, 5, 2), "USDT", D(-500), D("-17.7"), D("-517.7"), 1, other_fees=(("BGB", D("-0.01")),)),
    ]
    assert journal.daily_pnl("F", since=date(2024, 5, 2)) == journal.daily_pnl("F")[1:]
    assert journal.daily_pnl("F", until=date(2024, 5, 1)) == journal.daily_pnl("F")[:1]


def test_spot_pnl_by_average_cost(journal: Journal) -> None:
    journal.add_fills("S", [
        # day 1: buy 1.001 ETH at 3000, 0.001 ETH of it taken as the fee; buy 1 at 3300 with a quote-coin fee
        fill("1", "buy", "3000", "1.001", ts=ms(1, 8), ref=ETH, fee="-0.001", fee_coin="ETH"),
        fill("2", "buy", "3300", "1", ts=ms(1, 9), ref=ETH, fee="-3.3", fee_coin="USDT"),
        # day 2: sell 1.5 at 3400 (average cost 3150)
        fill("3", "sell", "3400", "1.5", ts=ms(2, 10), ref=ETH, fee="-5.1", fee_coin="USDT"),
        # day 3: sell 1 at 3200, but only 0.5 is left from recorded buys
        fill("4", "sell", "3200", "1", ts=ms(3, 10), ref=ETH, fee="-3.2", fee_coin="USDT"),
        # a fee paid in BGB is listed, not converted
        fill("5", "buy", "3000", "0.1", ts=ms(3, 11), ref=ETH, fee="-0.02", fee_coin="BGB"),
    ])
    assert journal.daily_pnl("S") == [
        DailyPnl(date(2024, 5, 1), "USDT", D(0), D("-6.3"), D("-6.3"), 2),
        DailyPnl(date(2024, 5, 2), "USDT", D(375), D("-5.1"), D("369.9"), 1),
        DailyPnl(date(2024, 5, 3), "USDT", D(25), D("-3.2"), D("21.8"), 2, unmatched=1,
                 other_fees=(("BGB", D("-0.02")),)),
    ]


def test_a_closed_spot_round_trip_nets_exactly_money_out_minus_money_in() -> None:
    fills = [
        fill("1", "buy", "100", "1", ts=ms(1), ref=ETH, fee="-0.001", fee_coin="ETH"),
        fill("2", "buy", "130", "2", ts=ms(1, 13), ref=ETH, fee="-0.002", fee_coin="ETH"),
        fill("3", "sell", "90", "1.5", ts=ms(2), ref=ETH, fee="-0.135", fee_coin="USDT"),
        fill("4", "sell", "140", "1.497", ts=ms(3), ref=ETH, fee="-0.20958", fee_coin="USDT"),
    ]
    paid = D(100) + D(260)
    received = D("135") - D("0.135") + D("209.58") - D("0.20958")
    total = sum((row.net for row in daily_pnl(fills)), D(0))
    assert total == received - paid


def test_days_follow_the_time_zone() -> None:
    late = fill("1", "sell", "1", "1", ts=ms(1, 23, 30), profit="10")
    assert day_of(late.ts) == date(2024, 5, 1)
    assert [r.day for r in daily_pnl([late], tz=timezone(timedelta(hours=2)))] == [date(2024, 5, 2)]
    assert [r.day for r in daily_pnl([late], tz=timezone(timedelta(hours=-5)))] == [date(2024, 5, 1)]


def test_coins_of_products() -> None:
    assert margin_coin(PERP) == "USDT"
    assert margin_coin(SymbolRef("BTCUSD", Product.COIN_FUTURES)) == "BTC"
    assert margin_coin(SymbolRef("BTCPERP", Product.USDC_FUTURES)) == "USDC"
    assert margin_coin(SymbolRef("SBTCSUSDT", Product.DEMO_USDT_FUTURES)) == "SUSDT"
    assert spot_quote("ETHBTC") == "BTC"
    assert spot_quote("BGBUSDT") == "USDT"
    assert spot_quote("XYZABC", {"XYZABC": "ABC"}) == "ABC"
    coin_m = fill("1", "sell", "60000", "100", ts=ms(1), ref=SymbolRef("BTCUSD", Product.COIN_FUTURES),
                  fee="-0.0001", fee_coin="BTC", profit="0.002")
    assert daily_pnl([coin_m]) == [DailyPnl(date(2024, 5, 1), "BTC", D("0.002"), D("-0.0001"), D("0.0019"), 1)]


# --- the writer thread ---------------------------------------------------------------------------------------------

class GatedJournal(Journal):
    """A journal whose writes wait for ``gate`` and note the thread they ran on."""

    def __init__(self, path: str | Path, gate: threading.Event) -> None:
        super().__init__(path)
        self.gate = gate
        self.threads: set[int] = set()

    def record_order(self, profile: str, view: OrderView) -> OrderView:
        self.threads.add(threading.get_ident())
        self.gate.wait(10)
        return super().record_order(profile, view)


def test_the_writer_runs_jobs_in_order_on_its_own_thread(path: Path) -> None:
    gate = threading.Event()
    opened: list[GatedJournal] = []

    def opener(p: Path) -> Journal:
        opened.append(GatedJournal(p, gate))
        return opened[0]

    writer = JournalWriter(path, opener=opener)
    writes = [writer.write(lambda j, i=i: j.record_order("Demo", view(f"bt{i}", c_time=i))) for i in range(20)]
    assert not writes[-1].done()  # the caller never waited for the disk: the writer is held at the first write
    read = writer.submit(lambda j: [v.client_oid for v in j.orders("Demo", newest_first=False)])
    gate.set()
    assert read.result(10) == [f"bt{i}" for i in range(20)]  # queued behind the writes, it sees them all
    assert opened[0].threads == {writer._thread.ident} != {threading.get_ident()}
    assert writer.close(10)
    assert writer.written == 21


def test_close_writes_what_is_queued_and_later_jobs_fail(path: Path) -> None:
    gate = threading.Event()
    writer = JournalWriter(path, opener=lambda p: GatedJournal(p, gate))
    for i in range(30):
        writer.write(lambda j, i=i: j.record_order("Demo", view(f"bt{i}")))
    writer.stop()
    late = writer.write(lambda j: j.record_order("Demo", view("late")))
    with pytest.raises(JournalError, match="closed"):
        late.result(1)
    gate.set()
    assert writer.close(10)
    with Journal(path) as j:
        assert len(j.orders("Demo", limit=None)) == 30


def test_a_failed_write_reaches_its_future_and_on_error(path: Path) -> None:
    errors: list[BaseException] = []
    writer = JournalWriter(path, on_error=errors.append)

    def broken(_j: Journal) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    failed = writer.write(broken)
    asked = writer.submit(broken)
    after = writer.submit(lambda j: j.add_fill("Demo", fill("1", "buy", "1", "1", ts=1)))
    assert after.result(10) is True  # the thread goes on
    with pytest.raises(sqlite3.OperationalError):
        failed.result(1)
    with pytest.raises(sqlite3.OperationalError):
        asked.result(1)
    assert [str(e) for e in errors] == ["disk I/O error"]  # only the write is reported; the read's caller has it
    assert writer.close(10)


def test_a_file_that_cannot_be_opened_fails_every_job(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 100)
    writer = JournalWriter(junk)
    job = writer.write(lambda j: j.record_order("Demo", view("bt1")))
    with pytest.raises(JournalError, match="not a journal"):
        writer.opened.result(10)
    writer.stop()
    with pytest.raises(JournalError, match="not open"):
        job.result(10)
    assert writer.close(10)


class CountingJournal(Journal):
    """Counts commits; ``fail_commits`` makes the next commits fail as a full disk would."""

    def __init__(self, path: str | Path) -> None:
        super().__init__(path)
        self.commits = 0
        self.fail_commits = 0

    def _commit(self) -> None:
        if self.fail_commits:
            self.fail_commits -= 1
            raise sqlite3.OperationalError("database or disk is full")
        self.commits += 1
        super()._commit()


def test_what_queues_up_while_the_writer_works_is_one_transaction(path: Path) -> None:
    opened: list[CountingJournal] = []
    hold, held = threading.Event(), threading.Event()

    def opener(p: Path) -> Journal:
        opened.append(CountingJournal(p))
        return opened[0]

    writer = JournalWriter(path, opener=opener)
    writer.opened.result(10)
    writer.submit(lambda _j: (held.set(), hold.wait(10)))
    held.wait(10)  # the writer is busy: what follows queues up
    writes = [writer.write(lambda j, i=i: j.record_order("Demo", view(f"bt{i}"))) for i in range(100)]

    def half_done(j: Journal) -> None:
        j.record_order("Demo", view("half"))
        raise ValueError("changed its mind")

    undone = writer.write(half_done)
    last = writer.submit(lambda j: len(j.orders("Demo", limit=None)))
    hold.set()
    assert last.result(10) == 100  # the failed job's own write was undone, the others stand
    with pytest.raises(ValueError):
        undone.result(1)
    assert all(w.done() for w in writes)
    assert writer.batches == 2 and opened[0].commits == 2  # noqa: PT018 — the busy job's batch, then everything else

    opened[0].fail_commits = 1
    lost = [writer.write(lambda j, i=i: j.add_fill("Demo", fill(str(i), "buy", "1", "1", ts=i))) for i in range(3)]
    with pytest.raises(sqlite3.OperationalError, match="disk is full"):
        lost[0].result(10)
    assert writer.submit(lambda j: j.fills("Demo")).result(10) == []  # nothing of that batch reached the file
    assert writer.close(10)


# --- spot brackets (services.oco keeps them here across restarts) ---------------------------------------------------

def test_spot_brackets_are_stored_replaced_and_dropped_per_profile(journal: Journal) -> None:
    ref = SymbolRef("BTCUSDT", Product.SPOT)
    entry = SpotBracket("e1", ref, Decimal("101.5"), Decimal("97.25"))
    journal.save_bracket("Demo", entry)
    journal.save_bracket("Other", SpotBracket("e2", ref, Decimal("2"), Decimal("1")))
    assert journal.brackets("Demo") == [entry]
    armed = SpotBracket("e1", ref, Decimal("101.5"), Decimal("97.25"), Decimal("0.001998"), "sl1", None, Stage.ARMED)
    journal.save_bracket("Demo", armed)  # the same bracket, moved on: one row
    [back] = journal.brackets("Demo")
    assert back == armed
    assert str(back.size) == "0.001998"
    journal.drop_bracket("Demo", "e1")
    assert journal.brackets("Demo") == []
    assert [b.entry_oid for b in journal.brackets("Other")] == ["e2"]
