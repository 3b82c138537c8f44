"""Funding: at each funding time (every 8 h on the simulated clock) every open position pays or receives
mark * size * rate, cut to USDT's 8 decimals; a long pays a positive rate and a short receives it. The money moves
between users and the funding pot (conserved), shows as a ``contract_settle_fee`` account bill, changes the
account's available/equity and is pushed as an account update."""

from __future__ import annotations

from decimal import ROUND_HALF_UP
from decimal import Decimal as D
from pathlib import Path

from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.sim.engine.events import AccountEvent, Event
from terminal_app.sim.engine.exchange import Exchange
from terminal_app.sim.engine.orders import OrderStatus

from .conftest import T0, Clock

FUNDING = "contract_settle_fee"      # trades leave bills of their own (open_long, close_short, …)

FUT = Product.USDT_FUTURES
BTC = SymbolRef("BTCUSDT", FUT)
EIGHT_HOURS = 8 * 3_600_000


def fee(mark: D, size: str, rate: D) -> D:
    return (mark * D(size) * rate).quantize(D("1e-8"), ROUND_HALF_UP)


def available(ex: Exchange, uid: str) -> D:
    return ex.futures_account(uid).available


def wallet(ex: Exchange, uid: str) -> D:
    acct = ex.futures_account(uid)
    return acct.available + acct.crossed_margin + acct.locked + acct.isolated_margin


def run_to(ex: Exchange, clock: Clock, t: int) -> None:
    """Move the clock to ``t`` in one jump (the exchange steps the last minute of it)."""
    clock.t = t
    ex.advance()


def funding_pot(ex: Exchange) -> D:
    return ex._engine.fut.funding                      # the house's side of funding (white box: no public view)


def test_long_pays_shorts_receive_exactly_at_the_funding_time(ex: Exchange, clock: Clock) -> None:
    p = ex.mark_price(BTC)
    ex.place_futures_order("mm", "BTCUSDT", "sell", "limit", "0.03", p)
    ex.place_futures_order("v", "BTCUSDT", "sell", "limit", "0.02", p)
    assert ex.place_futures_order("u", "BTCUSDT", "buy", "market", "0.05").status is OrderStatus.FILLED
    quote = ex.funding(BTC)
    due = quote.next_time
    assert (quote.rate, quote.interval_hours) == (D("0.0001"), 8)
    assert due % EIGHT_HOURS == 0
    assert 0 < due - T0 <= EIGHT_HOURS
    before = {uid: (available(ex, uid), ex.futures_account(uid).equity) for uid in ("u", "mm", "v")}
    events: list[Event] = []
    ex.add_listener(events.append)

    run_to(ex, clock, due - 100)
    assert {uid: available(ex, uid) for uid in before} == {uid: b[0] for uid, b in before.items()}
    assert ex.account_bills("u", business_type=FUNDING) == []

    run_to(ex, clock, due)
    mark = ex.mark_price(BTC)
    paid = {"u": -fee(mark, "0.05", quote.rate), "mm": fee(mark, "0.03", quote.rate),
            "v": fee(mark, "0.02", quote.rate)}
    assert paid["u"] < 0 < paid["mm"]
    for uid, amount in paid.items():
        assert available(ex, uid) == before[uid][0] + amount
        (bill,) = ex.account_bills(uid, business_type=FUNDING)
        assert (bill.symbol, bill.coin, bill.business_type) == ("BTCUSDT", "USDT", "contract_settle_fee")
        assert (bill.amount, bill.fee, bill.c_time) == (amount, 0, due)
        assert bill.balance == wallet(ex, uid)
        pushed = [e.futures for e in events if isinstance(e, AccountEvent) and e.uid == uid and e.futures
                  and e.futures.margin_coin == "USDT"]
        assert pushed
        assert pushed[-1].available == before[uid][0] + amount
    # equity moves by the funding plus the mark's move on the position
    acct = ex.futures_account("u")
    assert acct.equity == before["u"][1] + paid["u"] + (mark - p) * D("0.05")
    assert funding_pot(ex) == -sum(paid.values())
    assert all(v == 0 for v in ex.audit().values())
    assert ex.funding(BTC).next_time == due + EIGHT_HOURS

    run_to(ex, clock, due + 100)
    assert len(ex.account_bills("u", business_type=FUNDING)) == 1                  # once per funding time


def test_negative_rate_pays_the_long_and_isolated_margin_takes_it(ex: Exchange, clock: Clock) -> None:
    ex.set_funding_rate("BTCUSDT", "-0.0003")
    assert ex.funding(BTC).rate == D("-0.0003")
    ex.set_margin_mode("u", "BTCUSDT", "isolated")
    p = ex.mark_price(BTC)
    ex.place_futures_order("mm", "BTCUSDT", "sell", "limit", "0.02", p)
    ex.place_futures_order("u", "BTCUSDT", "buy", "market", "0.02")
    (pos,) = ex.positions("u")
    margin, free_u, free_mm = pos.margin, available(ex, "u"), available(ex, "mm")

    run_to(ex, clock, ex.funding(BTC).next_time)
    amount = fee(ex.mark_price(BTC), "0.02", D("0.0003"))
    (pos,) = ex.positions("u")
    assert pos.margin == margin + amount                    # isolated: funding goes into the position's margin
    assert available(ex, "u") == free_u
    assert available(ex, "mm") == free_mm - amount          # the crossed short pays from cash
    assert [b.amount for b in ex.account_bills("u", business_type=FUNDING)] == [amount]
    assert [b.amount for b in ex.account_bills("mm", business_type="contract_settle_fee")] == [-amount]
    assert ex.account_bills("mm", business_type="close_long") == []
    assert all(v == 0 for v in ex.audit().values())


def test_a_position_against_the_house_pays_the_funding_pot(clock: Clock) -> None:
    ex = Exchange(seed=5, clock=clock)                     # market makers: the house is the counterparty
    order = ex.place_futures_order("u", "BTCUSDT", "sell", "market", "0.01")
    assert order.status is OrderStatus.FILLED
    due = ex.funding(BTC).next_time
    run_to(ex, clock, due + 3 * EIGHT_HOURS + 1_800_000)    # a long gap: settles once, at the first step after it
    (bill,) = ex.account_bills("u", business_type=FUNDING)
    assert bill.c_time > due + 3 * EIGHT_HOURS
    # charged at the mark of that step (the exchange then ran on for a minute): the amount is a whole-tick mark
    # times size times rate, close to the current mark, and the short receives it
    mark_then = (bill.amount / (D("0.01") * D("0.0001"))).quantize(D("0.1"))
    assert fee(mark_then, "0.01", D("0.0001")) == bill.amount
    assert abs(mark_then / ex.mark_price(BTC) - 1) < D("0.01")
    assert funding_pot(ex) == -bill.amount
    assert all(v == 0 for v in ex.audit().values())
    assert ex.funding(BTC).next_time == (clock.t // EIGHT_HOURS + 1) * EIGHT_HOURS
    ex.close()


def test_funding_money_survives_a_restart(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "demo.sqlite"
    ex = Exchange(seed=5, clock=clock, state_path=path)
    ex.place_futures_order("u", "BTCUSDT", "buy", "market", "0.02")
    run_to(ex, clock, ex.funding(BTC).next_time)
    paid = ex.account_bills("u", business_type=FUNDING)[0].amount
    assert paid < 0
    free = available(ex, "u")
    ex.close()
    again = Exchange(seed=5, clock=clock, state_path=path)
    assert available(again, "u") == free
    assert all(v == 0 for v in again.audit().values())      # the pot was saved with the accounts
    assert funding_pot(again) == -paid
    again.close()
