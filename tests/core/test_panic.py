"""core.panic: cancel on the first press, flatten on a second within 1.5 s, and never an action on an account other
than the one the key is bound to."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import pytest

from terminal_app.core.panic import WINDOW_S, PanicAction, PanicRefused, PanicStep, PanicSwitch


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Account:
    """A fake exchange account: what the panic key did to it."""

    orders: int = 3
    positions: int = 2
    actions: list[PanicAction] = field(default_factory=list)

    def apply(self, action: PanicAction) -> None:
        self.actions.append(action)
        if action is PanicAction.CANCEL_ALL_ORDERS:
            self.orders = 0
        else:
            self.positions = 0


def execute(step: PanicStep, accounts: dict[str, Account]) -> None:
    """What the trading service does with a step: act on the account the step names, and only that one."""
    accounts[step.account_id].apply(step.action)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_first_press_cancels_second_press_flattens(clock: Clock) -> None:
    switch = PanicSwitch("demo:Demo", clock)
    first = switch.press("demo:Demo")
    assert first.action is PanicAction.CANCEL_ALL_ORDERS
    assert first.account_id == "demo:Demo"
    assert first.armed_until == clock.now + WINDOW_S
    assert "Press again within 1.5 s" in first.message
    assert switch.armed()
    clock.now += 1.0
    assert switch.seconds_left() == pytest.approx(0.5)
    second = switch.press("demo:Demo")
    assert second.action is PanicAction.FLATTEN_ALL_POSITIONS
    assert second.account_id == "demo:Demo"
    assert second.armed_until is None
    assert not switch.armed()
    assert switch.press("demo:Demo").action is PanicAction.CANCEL_ALL_ORDERS  # a third press starts over


def test_the_window_is_one_and_a_half_seconds_inclusive(clock: Clock) -> None:
    switch = PanicSwitch("a", clock)
    switch.press("a")
    clock.now += 1.5
    assert switch.press("a").action is PanicAction.FLATTEN_ALL_POSITIONS
    switch.press("a")
    clock.now += 1.5001
    assert not switch.armed()
    assert switch.seconds_left() == 0.0
    late = switch.press("a")
    assert late.action is PanicAction.CANCEL_ALL_ORDERS  # too late: a new first press
    assert switch.armed()


def test_disarm(clock: Clock) -> None:
    switch = PanicSwitch("a", clock, window_s=3)
    switch.press("a")
    switch.disarm()
    again = switch.press("a")
    assert again.action is PanicAction.CANCEL_ALL_ORDERS
    assert "within 3 s" in again.message
    clock.now += 2.9
    assert switch.press("a").action is PanicAction.FLATTEN_ALL_POSITIONS
    with pytest.raises(ValueError, match="positive"):
        PanicSwitch("a", clock, window_s=0)
    with pytest.raises(ValueError, match="account"):
        PanicSwitch("", clock)


def test_a_press_for_another_account_is_refused_and_changes_nothing(clock: Clock) -> None:
    switch = PanicSwitch("demo:Demo", clock)
    switch.press("demo:Demo")
    with pytest.raises(PanicRefused, match="Nothing was cancelled or closed"):
        switch.press("live:Main")
    assert switch.armed()
    assert switch.account_id == "demo:Demo"
    assert switch.press("demo:Demo").action is PanicAction.FLATTEN_ALL_POSITIONS


def test_switching_profiles_between_presses_never_flattens_the_new_account(clock: Clock) -> None:
    """The Bear Bull pitfall: panic pressed on demo, the user switches to live and presses again."""
    accounts = {"demo:Demo": Account(), "live:Main": Account()}
    switch = PanicSwitch("demo:Demo", clock)
    execute(switch.press("demo:Demo"), accounts)
    clock.now += 0.3
    switch.bind("live:Main")
    assert not switch.armed()
    step = switch.press("live:Main")
    execute(step, accounts)
    assert step.action is PanicAction.CANCEL_ALL_ORDERS
    assert accounts["live:Main"].positions == 2
    assert accounts["demo:Demo"].actions == [PanicAction.CANCEL_ALL_ORDERS]
    assert accounts["demo:Demo"].positions == 2


def test_random_presses_and_switches_only_ever_touch_the_active_account(clock: Clock) -> None:
    rng = random.Random(11)
    ids = [f"acct-{i}" for i in range(4)]
    accounts = {i: Account() for i in ids}
    active = ids[0]
    switch = PanicSwitch(active, clock)
    touched_while_active: set[str] = set()
    expected: dict[str, list[PanicAction]] = {i: [] for i in ids}
    last_press: dict[str, float] = {}
    for _ in range(2000):
        clock.now += rng.choice([0.1, 0.5, 1.0, 1.4, 1.6, 3.0])
        roll = rng.random()
        if roll < 0.15:
            active = rng.choice(ids)
            switch.bind(active)
            last_press.clear()
        elif roll < 0.25:
            stale = rng.choice([i for i in ids if i != active])
            with pytest.raises(PanicRefused):
                switch.press(stale)  # a window that shows a stale account id
        else:
            step = switch.press(active)
            assert step.account_id == active
            armed_before = active in last_press and clock.now - last_press[active] <= WINDOW_S
            want = PanicAction.FLATTEN_ALL_POSITIONS if armed_before else PanicAction.CANCEL_ALL_ORDERS
            assert step.action is want
            if want is PanicAction.FLATTEN_ALL_POSITIONS:
                last_press.pop(active)
            else:
                last_press[active] = clock.now
            execute(step, accounts)
            expected[active].append(step.action)
            touched_while_active.add(active)
    for i in ids:
        assert accounts[i].actions == expected[i]
    assert touched_while_active  # the run did press keys
    assert any(PanicAction.FLATTEN_ALL_POSITIONS in a.actions for a in accounts.values())


def test_an_account_that_is_never_active_is_never_touched(clock: Clock) -> None:
    accounts = {"demo:Demo": Account(), "live:Main": Account()}
    switch = PanicSwitch("demo:Demo", clock)
    for _ in range(10):
        execute(switch.press("demo:Demo"), accounts)
        clock.now += 0.2
        for other in ("live:Main", "", "demo:demo", "Demo"):
            with pytest.raises(PanicRefused):
                switch.press(other)
    assert accounts["live:Main"] == Account()
    assert accounts["demo:Demo"].actions.count(PanicAction.FLATTEN_ALL_POSITIONS) == 5
