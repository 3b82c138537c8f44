"""Demo accounts survive a restart (SQLite, WAL, versioned schema) and "reset demo account" starts afresh."""

from __future__ import annotations

import sqlite3
from decimal import Decimal as D
from pathlib import Path

import pytest

from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.sim.engine.exchange import Exchange
from terminal_app.sim.engine.orders import OrderStatus
from terminal_app.store.sim_state import SCHEMA_VERSION, SimStateStore

from .conftest import Clock

SPOT = Product.SPOT
FUT = Product.USDT_FUTURES
BTC = SymbolRef("BTCUSDT", SPOT)
PERP = SymbolRef("BTCUSDT", FUT)


def snapshot(ex: Exchange, uid: str) -> dict[str, object]:
    return {
        "spot": ex.spot_balances(uid),
        "futures": ex.futures_account(uid).available + ex.futures_account(uid).locked,
        "settings": ex.symbol_settings(uid, "BTCUSDT"),
        "open": ex.open_orders(uid, SPOT) + ex.open_orders(uid, FUT),
        "history": ex.order_history(uid, SPOT) + ex.order_history(uid, FUT),
        "fills": ex.fills(uid, SPOT) + ex.fills(uid, FUT),
        "positions": [(p.hold_side, p.total, p.open_price_avg, p.margin, p.margin_mode, p.leverage)
                      for p in ex.positions(uid)],
        "plans": ex.plan_orders(uid) + ex.plan_orders(uid, pending=False),
    }


def test_round_trip_keeps_accounts_orders_positions_and_history(tmp_path: Path) -> None:
    path = tmp_path / "demo.sqlite"
    clock = Clock()
    ex = Exchange(seed=2, clock=clock, state_path=path, quiet=True)
    ex.place_spot_order("mm", "BTCUSDT", "sell", "limit", "0.02", "97000")
    ex.place_spot_order("u", "BTCUSDT", "buy", "limit", "0.01", "97000")                 # filled
    resting = ex.place_spot_order("u", "BTCUSDT", "buy", "limit", "0.01", "95000", client_oid="keep")
    ex.set_margin_mode("u", "BTCUSDT", "isolated")
    ex.set_leverage("u", "BTCUSDT", 10)
    mark = ex.mark_price(PERP)
    ex.place_futures_order("mm", "BTCUSDT", "sell", "limit", "0.05", mark)
    ex.place_futures_order("u", "BTCUSDT", "buy", "market", "0.05")
    ex.place_tpsl_order("u", "BTCUSDT", "pos_loss", (mark * D("0.9")).quantize(D("0.1")), "long")
    ex.place_futures_order("u", "BTCUSDT", "sell", "limit", "0.01", mark + 1000)
    before = {uid: snapshot(ex, uid) for uid in ("u", "mm")}
    ex.close()

    clock.t += 3_600_000
    again = Exchange(seed=2, clock=clock, state_path=path, quiet=True)
    after = {uid: snapshot(again, uid) for uid in ("u", "mm")}
    for uid in ("u", "mm"):
        b, a = before[uid], after[uid]
        for key in b:
            if key == "spot":
                assert [(x.coin, x.available, x.frozen) for x in a[key]] == [  # type: ignore[attr-defined]
                    (x.coin, x.available, x.frozen) for x in b[key]]  # type: ignore[attr-defined]
            else:
                assert a[key] == b[key], (uid, key)
    assert again.users() == ["mm", "u"]
    # the resting order is back in the book, in front of a later one at the same price
    assert again.depth(BTC).bids == ((D("95000.00"), D("0.010000")),)
    fill = again.place_spot_order("mm", "BTCUSDT", "sell", "limit", "0.01", "95000")
    assert fill.status is OrderStatus.FILLED
    assert again.get_order("u", SPOT, client_oid="keep").status is OrderStatus.FILLED
    # ids carry on from where they stopped; money is still conserved
    assert int(fill.order_id) > int(resting.order_id)
    assert all(v == 0 for v in again.audit().values())
    again.close()


def test_reset_demo_account(tmp_path: Path) -> None:
    path = tmp_path / "demo.sqlite"
    clock = Clock()
    ex = Exchange(seed=2, clock=clock, state_path=path, quiet=True)
    ex.place_spot_order("u", "BTCUSDT", "sell", "limit", "0.05", "99000")
    ex.place_futures_order("mm", "BTCUSDT", "sell", "limit", "0.01", ex.mark_price(PERP))
    ex.place_futures_order("u", "BTCUSDT", "buy", "market", "0.01")
    ex.reset_user("u")
    fresh = {(b.coin, b.available, b.frozen) for b in ex.spot_balances("u")}
    assert fresh == {("USDT", D("10000"), 0), ("BTC", D("0.1"), 0), ("ETH", D("1"), 0)}
    assert ex.positions("u") == []
    assert ex.open_orders("u", SPOT) == []
    assert ex.order_history("u", FUT) == []
    assert ex.futures_account("u").available == D("10000")
    assert ex.depth(BTC).asks == ()
    ex.close()
    again = Exchange(seed=2, clock=clock, state_path=path, quiet=True)
    assert {(b.coin, b.available, b.frozen) for b in again.spot_balances("u")} == fresh
    assert again.fills("u", FUT) == []
    assert len(again.positions("mm")) == 1
    again.close()


def test_schema_is_versioned_and_wal(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    store = SimStateStore(path)
    assert store.schema_version == SCHEMA_VERSION
    store.close()
    SimStateStore(path).close()                         # re-opening runs nothing twice
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("SELECT COUNT(*) FROM schema_migrations").fetchone()[0] == SCHEMA_VERSION
    db.execute("INSERT INTO schema_migrations VALUES (99, 0, 'from the future')")
    db.commit()
    db.close()
    with pytest.raises(RuntimeError, match="newer"):
        SimStateStore(path)


def test_fills_by_the_live_market_are_saved(tmp_path: Path) -> None:
    path = tmp_path / "live.sqlite"
    clock = Clock()
    ex = Exchange(seed=4, clock=clock, state_path=path)
    best_ask = ex.depth(BTC, 1).asks[0][0]
    order = ex.place_spot_order("u", "BTCUSDT", "sell", "limit", "0.002", best_ask - D("0.01"))
    ex.shock("BTC", "1.01")                                    # the makers' bids move through the ask
    clock.t += 200
    ex.advance()
    assert ex.get_order("u", SPOT, order.order_id).status is OrderStatus.FILLED
    ex.close()
    again = Exchange(seed=4, clock=clock, state_path=path)
    saved = again.get_order("u", SPOT, order.order_id)
    assert saved.status is OrderStatus.FILLED
    assert saved.avg_price == best_ask - D("0.01")
    assert [f.order_id for f in again.fills("u", SPOT)] == [order.order_id]
    again.close()
