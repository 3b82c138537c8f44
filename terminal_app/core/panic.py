"""The two-stage panic key as a pure state machine, bound to one account.

First press: cancel every open order of the account: limit orders, and stops, trailing stops and TP/SL orders
(the caller reports what it found and cancelled as a further step). Second press within ``window_s`` (1.5 s):
close every position of the account at market. A press after the window is a new first press. Each press returns a
:class:`PanicStep` naming the action *and the account it is for*; the caller carries it out on that account only.

Why the account is part of everything: the known failure of panic keys is a press meant for a demo account that
closes positions on a live one (traders.md §3.20). So the switch is bound to the active profile's account
(:meth:`PanicSwitch.bind` on every profile switch, which also disarms it), a press must say which account the window
shows, and a press for any other account is refused (:class:`PanicRefused`) instead of acting. A second press never
crosses a switch: arming on one account never flattens another.

The clock is injected (seconds, monotonic), so tests drive time by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

WINDOW_S = 1.5


class PanicAction(StrEnum):
    CANCEL_ALL_ORDERS = "cancel_all_orders"
    FLATTEN_ALL_POSITIONS = "flatten_all_positions"


class PanicRefused(RuntimeError):
    """A press that would have acted on an account other than the bound one; nothing was done."""


@dataclass(frozen=True, slots=True)
class PanicStep:
    """What one press asks for. ``armed_until`` is set after the first stage: a second press before that moment
    (on the same clock) flattens; ``message`` is the text for the toast."""

    action: PanicAction
    account_id: str
    message: str
    armed_until: float | None = None


class PanicSwitch:
    """The panic key of one account. ``clock`` returns seconds on a monotonic clock."""

    def __init__(self, account_id: str, clock: Callable[[], float], *, window_s: float = WINDOW_S) -> None:
        if not account_id:
            raise ValueError("the panic switch needs the account it acts on")
        if window_s <= 0:
            raise ValueError("window_s must be positive")
        self._account_id = account_id
        self._clock = clock
        self.window_s = window_s
        self._armed_until: float | None = None

    @property
    def account_id(self) -> str:
        return self._account_id

    def bind(self, account_id: str) -> None:
        """Follow the active account (profile switch): the switch disarms, so a press on the new account starts
        over at the first stage."""
        if not account_id:
            raise ValueError("the panic switch needs the account it acts on")
        self._account_id = account_id
        self._armed_until = None

    def armed(self) -> bool:
        """True while a second press would flatten (for the "press again to flatten" indicator)."""
        return self._armed_until is not None and self._clock() <= self._armed_until

    def seconds_left(self) -> float:
        if not self.armed():
            return 0.0
        assert self._armed_until is not None
        return max(0.0, self._armed_until - self._clock())

    def disarm(self) -> None:
        self._armed_until = None

    def press(self, account_id: str) -> PanicStep:
        """One press of the panic key on the window that shows ``account_id``.

        Raises :class:`PanicRefused` when that is not the bound account (the window and the switch disagree about
        which account is active), without changing the switch's state.
        """
        if account_id != self._account_id:
            raise PanicRefused(
                f"Panic refused: the window shows account {account_id!r} but the panic key is bound to "
                f"{self._account_id!r}. Nothing was cancelled or closed."
            )
        now = self._clock()
        if self._armed_until is not None and now <= self._armed_until:
            self._armed_until = None
            return PanicStep(PanicAction.FLATTEN_ALL_POSITIONS, self._account_id,
                             "PANIC: closing every position at market.")
        self._armed_until = now + self.window_s
        return PanicStep(
            PanicAction.CANCEL_ALL_ORDERS, self._account_id,
            f"PANIC: cancelling every open order (stops, trailing and TP/SL too). Press again within "
            f"{self.window_s:g} s to close every position.",
            armed_until=self._armed_until,
        )
