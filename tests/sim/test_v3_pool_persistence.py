"""A unified account's pool across a simulator restart, and when its interest starts.

* Loans, their interest clocks, the pool's financial records, the countdown and the pooled-user mark are saved with
  the rest of the simulator's state (SQLite) and read back: a restarted simulator charges the next hour of interest
  where the last one stopped, and lists the records written before.
* Interest bears on a coin's negative balance only (Bitget: interest on the debt, debt = abs[min(balance + uPnL,
  0)]; support article 12560603822305): a futures margin loan whose coin still nets to a positive balance costs
  nothing; once fees or losses take the balance below zero, the part below zero pays by the hour from then.
"""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.sim.engine import unified
from terminal_app.sim.engine.exchange import Exchange
from terminal_app.sim.engine.pool import hourly_rate

T0 = 1_780_000_000_000
HOUR = 3_600_000
UID = "pool-user"
PERP = SymbolRef("BTCUSDT", Product.USDT_FUTURES)


class Clock:
    def __init__(self) -> None:
        self.t = T0

    def __call__(self) -> int:
        return self.t


def tick(ex: Exchange, clock: Clock, ms: int) -> None:
    """``ms`` later: the market advanced and the pool's timer run (as the server does on its tick)."""
    clock.t += ms
    ex.advance()
    unified.check(ex, ex.now_ms())


def usdt_balance(ex: Exchange) -> D:
    found = unified.unified_view(ex, UID).coin("USDT")
    return found.balance if found is not None else D(0)


def interest_rows(ex: Exchange) -> list[D]:
    return [-r.amount for r in unified.book(ex).user(UID).records if r.kind == "INTEREST_SETTLEMENT_OUT"]


def test_a_futures_margin_loan_bears_interest_only_once_the_balance_is_negative(tmp_path: Path) -> None:
    clock = Clock()
    ex = Exchange(seed=3, clock=clock, state_path=tmp_path / "pool.sqlite")
    unified.enrol(ex, UID)
    ex.pool.credit(UID, "USDT", -(usdt_balance(ex) - 100))   # spent elsewhere: 100 USDT left
    ex.set_leverage(UID, "BTCUSDT", 10)
    # a USDT-M long whose margin is beyond the 100 USDT: the order's path borrows the rest (unified.fund_futures)
    unified.fund_futures(ex, UID, PERP, D("0.1"), None, ex.now_ms(), closing=False)
    ex.place_futures_order(UID, "BTCUSDT", "buy", "market", "0.1")
    (position,) = ex.positions(UID, "BTCUSDT")
    assert position.total == D("0.1")
    loan = unified.book(ex).user(UID).loans["USDT"]
    assert loan.amount > 500
    tick(ex, clock, 1_000)
    tick(ex, clock, 3 * HOUR)
    assert D(0) < usdt_balance(ex) <= 100               # coin in, debt out: the balance nets to what was left
    assert interest_rows(ex) == []                       # three hours of a margin loan: nothing charged
    assert loan.accrued_to is None

    # fees and losses take 300 USDT: the balance is about -200 from here, and the clock starts
    ex.pool.credit(UID, "USDT", D(-300))
    tick(ex, clock, 1_000)
    below = -usdt_balance(ex)
    assert D(190) < below < D(215)                      # (the position's fees and funding on top)
    started = ex.now_ms()
    assert loan.accrued_to == started
    tick(ex, clock, HOUR - 2_000)
    assert interest_rows(ex) == []                       # not a whole hour of it yet
    below = -usdt_balance(ex)
    tick(ex, clock, 2_000)
    (charged,) = interest_rows(ex)
    assert charged == (below * hourly_rate("USDT")).quantize(D("0.00000001"))   # on the part below zero only
    assert charged < loan.amount * hourly_rate("USDT") / 2
    assert loan.accrued_to == started + HOUR


def test_loans_interest_and_records_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "pool.sqlite"
    clock = Clock()
    ex = Exchange(seed=3, clock=clock, state_path=path, quiet=True)
    unified.enrol(ex, UID)
    balance = usdt_balance(ex)
    unified.borrow(ex, UID, "USDT", D(1000), ex.now_ms())
    ex.pool.credit(UID, "USDT", -(balance + 1000))      # everything spent: the whole loan is the negative balance
    tick(ex, clock, 1_000)
    tick(ex, clock, HOUR)
    (first,) = interest_rows(ex)
    unified.arm_countdown(ex, UID, 30, ex.now_ms())
    book = unified.book(ex).user(UID)
    loan = book.loans["USDT"]
    saved = (loan.amount, loan.accrued_to, list(book.records), book.deadline_ms)
    ex.close()

    again = Exchange(seed=3, clock=clock, state_path=path, quiet=True)
    restored = unified.book(again).user(UID)
    kept = restored.loans["USDT"]
    assert (kept.amount, kept.accrued_to, list(restored.records), restored.deadline_ms) == saved
    assert UID in again._engine.state.pooled            # the pool, not the classic liquidator, watches it
    unified.enrol(again, UID)                            # the server enrols its users at start: nothing reset
    assert unified.book(again).user(UID).loans["USDT"].amount == saved[0]
    unified.arm_countdown(again, UID, 0, again.now_ms())
    tick(again, clock, HOUR)
    rows = interest_rows(again)
    assert rows[0] == first
    assert len(rows) == 2                                # the next hour, counted from where the last one stopped
    assert rows[1] == (saved[0] * hourly_rate("USDT")).quantize(D("0.00000001"))
    ids = [r.record_id for r in unified.book(again).user(UID).records]
    assert len(set(ids)) == len(ids)                     # the record ids go on from the saved counter
    again.close()
