"""The pending-order bookkeeping: REST replies, stream pushes and reconciliation merged in any order."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from terminal_app.core.enums import OrderStatus as S
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.core.orders import (
    Order,
    OrderTicket,
    OrderTracker,
    view_from_order,
)

D = Decimal
BTC = SymbolRef("BTCUSDT", Product.SPOT)
PERP = SymbolRef("BTCUSDT", Product.USDT_FUTURES)


def ticket(ref: SymbolRef = BTC, **kw: object) -> OrderTicket:
    base = OrderTicket(ref, "buy", "limit", "gtc", D("0.01"), D("60000"))
    return replace(base, **kw)  # type: ignore[arg-type]


def order(oid: str | None, order_id: str = "1", status: str = S.LIVE, filled: str = "0", ref: SymbolRef = BTC,
          u_time: int = 2, price: str | None = "60000") -> Order:
    return Order(product=ref.product, symbol=ref.symbol, order_id=order_id, client_oid=oid, side="buy",
                 order_type="limit", force="gtc", price=None if price is None else D(price), size=D("0.01"),
                 filled_size=D(filled), avg_price=None, quote_volume=None, status=status, fee=D(0), c_time=1,
                 u_time=u_time)


def test_a_placed_order_is_pending_at_once_and_open() -> None:
    t = OrderTracker()
    view = t.add_pending(ticket(), "c1", 100)
    assert (view.status, view.order_id, view.price, view.size, view.c_time) == (S.PENDING, None, D("60000"),
                                                                                D("0.01"), 100)
    assert t.open_orders() == [view]
    assert t.open_orders(PERP) == []


def test_a_market_ticket_shows_no_price() -> None:
    t = OrderTracker()
    view = t.add_pending(ticket(order_type="market", price=D("1"), size=D("50"), size_in_quote=True), "c1", 1)
    assert view.price is None
    assert view.type == "market"
    assert view.size_in_quote


def test_rest_reply_makes_it_live_with_its_order_id() -> None:
    t = OrderTracker()
    t.add_pending(ticket(), "c1", 1)
    update = t.acknowledge("c1", "555", 2)
    assert update is not None
    assert update.view.status == S.LIVE
    assert update.view.order_id == "555"
    assert not update.open_set_changed
    assert t.by_order_id("555") == update.view


def test_stream_first_then_late_rest_reply_does_not_move_it_back() -> None:
    t = OrderTracker()
    t.add_pending(ticket(), "c1", 1)
    t.apply(order("c1", "555", S.PARTIALLY_FILLED, "0.004"))
    assert t.acknowledge("c1", "555", 3) is None
    view = t.get("c1")
    assert view is not None
    assert view.status == S.PARTIALLY_FILLED
    assert view.filled == D("0.004")


def test_status_and_filled_size_never_go_backwards() -> None:
    t = OrderTracker()
    t.add_pending(ticket(), "c1", 1)
    t.apply(order("c1", "555", S.PARTIALLY_FILLED, "0.006"))
    assert t.apply(order("c1", "555", S.LIVE, "0.002")) is None
    view = t.get("c1")
    assert view is not None
    assert (view.status, view.filled) == (S.PARTIALLY_FILLED, D("0.006"))


def test_fill_makes_it_final_and_moves_it_to_history() -> None:
    t = OrderTracker()
    t.add_pending(ticket(), "c1", 1)
    t.acknowledge("c1", "555", 2)
    update = t.apply(order("c1", "555", S.FILLED, "0.01"))
    assert update is not None
    assert update.became_final
    assert update.open_set_changed
    assert t.open_orders() == []
    assert [v.status for v in t.history()] == [S.FILLED]
    assert t.apply(order("c1", "555", S.CANCELLED, "0.01")) is None  # first final state wins


def test_exchange_rejection_is_final() -> None:
    t = OrderTracker()
    t.add_pending(ticket(), "c1", 1)
    update = t.reject("c1", "[45110] below the minimum", "45110", now_ms=5)
    assert update is not None
    assert update.view.status == S.REJECTED
    assert update.view.code == "45110"
    assert update.became_final
    assert update.open_set_changed
    assert t.apply(order("c1", "555", S.LIVE)) is None


def test_undecided_rejection_is_overturned_by_the_exchange() -> None:
    t = OrderTracker()
    t.add_pending(ticket(), "c1", 1)
    t.reject("c1", "could not be confirmed", definitive=False)
    update = t.apply(order("c1", "555", S.LIVE))
    assert update is not None
    assert update.view.status == S.LIVE
    assert update.view.reason == ""
    assert update.open_set_changed
    assert t.history() == []


def test_an_undecided_rejection_confirmed_is_final() -> None:
    t = OrderTracker()
    t.add_pending(ticket(), "c1", 1)
    t.reject("c1", "could not be confirmed", definitive=False)
    assert t.provisional("c1")
    update = t.confirm_rejection("c1", "not placed", 5)
    assert update is not None
    assert (update.view.status, update.view.reason, update.view.u_time) == (S.REJECTED, "not placed", 5)
    assert not t.provisional("c1")
    assert t.apply(order("c1", "555", S.LIVE)) is None  # final now: a report can no longer overturn it
    assert t.confirm_rejection("c1", "again", 6) is None


def test_rejection_after_the_stream_saw_the_order_is_ignored() -> None:
    t = OrderTracker()
    t.add_pending(ticket(), "c1", 1)
    t.apply(order("c1", "555", S.LIVE))
    assert t.reject("c1", "timeout", definitive=False) is None
    view = t.get("c1")
    assert view is not None
    assert view.status == S.LIVE


def test_orders_placed_elsewhere_are_tracked_by_order_id() -> None:
    t = OrderTracker()
    update = t.apply(order(None, "777"))
    assert update is not None
    assert update.view.client_oid == "id:777"
    assert update.open_set_changed
    assert t.apply(order(None, "777", S.FILLED, "0.01")) is not None
    assert t.open_orders() == []


def test_reconcile_lists_orders_gone_while_disconnected() -> None:
    t = OrderTracker()
    for oid, oid_ex in (("a", "1"), ("b", "2"), ("c", "3")):
        t.add_pending(ticket(), oid, 1)
        t.acknowledge(oid, oid_ex, 2)
    t.add_pending(ticket(PERP), "f", 1)
    t.acknowledge("f", "9", 2)
    t.add_pending(ticket(), "in-flight", 3)  # no reply yet: still being placed
    updates, missing = t.reconcile([order("a", "1", S.PARTIALLY_FILLED, "0.001"), order(None, "4")], [Product.SPOT])
    assert sorted(u.view.client_oid for u in updates) == ["a", "id:4"]
    assert sorted(v.client_oid for v in missing) == ["b", "c"]  # the futures order is out of scope
    assert t.cancel_missing("b", "not found on the exchange", 9) is not None
    assert t.apply(order("c", "3", S.FILLED, "0.01")) is not None
    assert sorted(v.client_oid for v in t.open_orders()) == ["a", "f", "id:4", "in-flight"]


def test_history_is_bounded_and_newest_first() -> None:
    t = OrderTracker(history_limit=3)
    for i in range(5):
        t.add_pending(ticket(), f"c{i}", i)
        t.reject(f"c{i}", "no")
    assert [v.client_oid for v in t.history()] == ["c4", "c3", "c2"]
    assert t.get("c0") is None


def test_view_from_an_exchange_market_order() -> None:
    view = view_from_order(order("x", "5", S.FILLED, "0.01", price=None))
    assert view.price is None
    assert view.status == S.FILLED
    assert view.client_oid == "x"


_EVENTS = st.lists(st.tuples(st.sampled_from([S.LIVE, S.PARTIALLY_FILLED, S.FILLED, S.CANCELLED, "ack"]),
                             st.integers(0, 10)), max_size=12)


@settings(max_examples=200, deadline=None)
@given(_EVENTS)
def test_any_order_of_news_never_regresses(events: list[tuple[str, int]]) -> None:
    t = OrderTracker()
    t.add_pending(ticket(), "c1", 0)
    rank = {S.PENDING: 0, S.LIVE: 1, S.PARTIALLY_FILLED: 2, S.FILLED: 3, S.CANCELLED: 3}
    seen_rank, seen_filled = 0, D(0)
    for kind, n in events:
        if kind == "ack":
            t.acknowledge("c1", "9", 1)
        else:
            t.apply(order("c1", "9", kind, str(D(n) / 1000)))
        view = t.get("c1")
        assert view is not None
        assert rank[view.status] >= seen_rank
        assert view.filled >= seen_filled
        seen_rank, seen_filled = rank[view.status], view.filled


def test_a_modification_that_keeps_the_order_id_retires_the_old_client_oid() -> None:
    t = OrderTracker()
    t.add_pending(ticket(), "old", 1)
    t.acknowledge("old", "555", 2)
    t.add_pending(ticket(price=D("59990")), "new", 3)
    update = t.acknowledge("new", "555", 4)  # futures modify-order: same order id, new clientOid
    assert update is not None
    assert update.replaced is not None
    assert (update.replaced.client_oid, update.replaced.status) == ("old", S.CANCELLED)
    assert update.open_set_changed
    assert [v.client_oid for v in t.open_orders()] == ["new"]
    assert t.by_order_id("555") == t.get("new")


def test_a_push_for_the_new_client_oid_retires_the_old_one_when_it_comes_first() -> None:
    t = OrderTracker()
    t.add_pending(ticket(), "old", 1)
    t.acknowledge("old", "555", 2)
    t.add_pending(ticket(price=D("59990")), "new", 3)
    update = t.apply(order("new", "555", S.LIVE, u_time=5))
    assert update is not None
    assert update.replaced is not None
    assert update.replaced.client_oid == "old"
    assert t.acknowledge("new", "555", 6) is None
    assert [v.client_oid for v in t.open_orders()] == ["new"]


def test_an_order_modified_in_place_keeps_reporting_under_its_first_client_oid() -> None:
    # Bitget V3 modifies in place: same order id, same clientOid; the terminal's replacement view owns it after.
    t = OrderTracker()
    t.add_pending(ticket(), "c1", 1)
    t.acknowledge("c1", "555", 2)
    t.add_pending(ticket(price=D("59000")), "c2", 3)
    update = t.acknowledge("c2", "555", 4)
    assert update is not None
    assert update.replaced is not None
    assert (update.replaced.client_oid, update.replaced.status) == ("c1", S.CANCELLED)
    t.modified_in_place("c1", "c2")
    pushed = t.apply(order("c1", "555", S.PARTIALLY_FILLED, filled="0.004", u_time=5, price="59000"))
    assert pushed is not None
    assert (pushed.view.client_oid, pushed.view.status, pushed.view.filled) == ("c2", S.PARTIALLY_FILLED,
                                                                                D("0.004"))
    view = t.get("c1")
    assert view is not None
    assert view.status == S.CANCELLED  # the first view stays retired
    assert [v.client_oid for v in t.open_orders()] == ["c2"]
    _, missing = t.reconcile([order("c1", "555", S.PARTIALLY_FILLED, filled="0.004", u_time=6)],
                                   [Product.SPOT])
    assert missing == []
    t.modified_in_place("c3", "c3")  # the same id: nothing to follow
    assert t.apply(order("c3", "777")) is not None


def test_an_order_the_exchange_placed_for_a_pending_view_is_adopted_by_it() -> None:
    # Bitget V3's close-positions answers with an orderId and a clientOid of its own making
    t = OrderTracker()
    t.add_pending(ticket(PERP), "mine", 1)
    t.adopt("mine", "9", "theirs", 2)
    assert (t.get("mine").status, t.get("mine").order_id) == (S.LIVE, "9")
    t.apply(order("theirs", "9", S.FILLED, "0.01", ref=PERP, u_time=3))
    assert t.get("mine").status == S.FILLED
    assert t.get("theirs") is None
    assert [v.client_oid for v in t.history()] == ["mine"]


def test_a_report_that_beat_the_adoption_is_folded_into_the_view() -> None:
    t = OrderTracker()
    t.add_pending(ticket(PERP), "mine", 1)
    t.apply(order("theirs", "9", S.FILLED, "0.01", ref=PERP, u_time=3))   # listed as placed elsewhere meanwhile
    updates = t.adopt("mine", "9", "theirs", 4)
    view = t.get("mine")
    assert (view.status, view.filled, view.order_id) == (S.FILLED, D("0.01"), "9")
    assert updates[-1].view == view
    assert t.get("theirs") is None
    assert [v.client_oid for v in t.history()] == ["mine"]
    assert t.by_order_id("9") == view


def test_an_open_report_that_beat_the_adoption_leaves_one_open_order() -> None:
    # the early report is still open: folding it must take it out of the open-orders index too, not leave a ghost
    t = OrderTracker()
    t.add_pending(ticket(PERP), "mine", 1)
    t.apply(order("theirs", "9", S.LIVE, "0", ref=PERP, u_time=3))
    assert len(t.open_orders(PERP)) == 2
    t.adopt("mine", "9", "theirs", 4)
    assert [v.client_oid for v in t.open_orders(PERP)] == ["mine"]
    assert [v.client_oid for v in t.open_orders()] == ["mine"]


def test_a_report_for_a_rejected_order_that_was_forgotten_is_a_new_order_not_a_crash() -> None:
    # found by the property below: the fill of a definitively rejected order is ignored, the order then leaves the
    # history, and the id the ignored report linked used to point at nothing (KeyError in apply)
    t = OrderTracker(history_limit=3)
    t.add_pending(ticket(), "c3", 0)
    t.reject("c3", "no", "40762", definitive=True, now_ms=0)
    for n in (0, 1):
        t.apply(order(f"c{n}", f"o{n}", S.FILLED, "0.01"))
    assert t.apply(order("c3", "o3", S.FILLED, "0.01")) is None  # the rejection stands
    t.apply(order("c2", "o2", S.FILLED, "0.01"))  # c3 leaves the history
    assert t.get("c3") is None
    update = t.apply(order("c3", "o3", S.FILLED, "0.01"))
    assert update is not None
    assert (update.view.client_oid, update.view.status) == ("c3", S.FILLED)
    assert t.by_order_id("o3") == update.view


# --- the index of open orders ------------------------------------------------------------------------------------

def _scan(t: OrderTracker, oids: list[str], ref: SymbolRef | None) -> list[object]:
    """open_orders as a scan of every order known would answer it (the index must agree)."""
    views = [v for v in map(t.get, dict.fromkeys(oids)) if v is not None and v.is_open and ref in (None, v.ref)]
    return sorted(views, key=lambda v: (v.c_time, v.client_oid))


ETH = SymbolRef("ETHUSDT", Product.SPOT)
NEWS = st.tuples(st.sampled_from(["place", "ack", "fill", "cancel", "reject", "undecided", "push", "missing"]),
                 st.integers(0, 5), st.sampled_from([BTC, ETH, PERP]), st.integers(0, 3))


@settings(max_examples=200, deadline=None)
@given(st.lists(NEWS, max_size=40))
def test_the_open_order_index_always_agrees_with_a_full_scan(events: list[tuple[str, int, SymbolRef, int]]) -> None:
    t = OrderTracker(history_limit=3)  # small: finished orders are forgotten along the way too
    oids: list[str] = []
    for what, n, ref, when in events:
        oid = f"c{n}"
        if what == "place":
            t.add_pending(ticket(ref), oid, when)
            oids.append(oid)
        elif what == "ack":
            t.acknowledge(oid, f"o{n}", when)
        elif what in ("reject", "undecided"):
            t.reject(oid, "no", "40762", definitive=what == "reject", now_ms=when)
        elif what == "missing":
            t.cancel_missing(oid, "gone", when)
        else:
            status = {"fill": S.FILLED, "cancel": S.CANCELLED, "push": S.PARTIALLY_FILLED}[what]
            view = t.get(oid)
            t.apply(order(oid, f"o{n}", status, "0.01" if status == S.FILLED else "0.004",
                          ref=view.ref if view is not None else ref, u_time=when))
            oids.append(oid)
        for scope in (None, BTC, ETH, PERP):
            assert t.open_orders(scope) == _scan(t, oids, scope), (what, oid, scope)


def test_open_orders_answers_are_copies_and_follow_every_change() -> None:
    t = OrderTracker()
    t.add_pending(ticket(), "c1", 1)
    t.add_pending(ticket(ETH), "c2", 2)
    first = t.open_orders()
    first.clear()  # the caller's list: the tracker's own is untouched
    assert [v.client_oid for v in t.open_orders()] == ["c1", "c2"]
    assert [v.client_oid for v in t.open_orders(BTC)] == ["c1"]
    t.acknowledge("c1", "9", 3)  # still open, but a new view: the answer shows it
    assert [(v.client_oid, v.status) for v in t.open_orders(BTC)] == [("c1", S.LIVE)]
    t.apply(order("c1", "9", S.FILLED, "0.01"))
    assert t.open_orders(BTC) == []
    assert [v.client_oid for v in t.open_orders()] == ["c2"]
    t.add_pending(ticket(), "c0", 0)  # an older c_time sorts first
    assert [v.client_oid for v in t.open_orders()] == ["c0", "c2"]
