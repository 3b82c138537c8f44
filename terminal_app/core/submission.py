"""What became of one order the user asked for: the single typed result of the order pipeline.

Every entry point (ticket, palette, hotkeys, chart, ladder, position buttons) hands its order to one ``submit`` and
gets a :class:`Submission` back at once. Its state moves as the order travels, and the caller watches it
(:meth:`Submission.watch`) instead of guessing from signals, so nothing says "sent" before the order is sent, and an
exchange rejection reaches the widget that asked::

    refused                       the guards (risk limits, a held account) did not send it — the reason
    awaiting_confirmation  ──no──▶ refused ("not confirmed")
          │yes
          ▼
    sent (clientOid) ──▶ acknowledged (orderId)          the exchange has it
              │
              ├──▶ rejected (Bitget's code and message)   the exchange said no
              └──▶ unknown ──▶ acknowledged | rejected     no answer in time: looked up by clientOid, then resolved

``refused``, ``rejected`` and ``acknowledged`` are final (after the acknowledgement the order's own life — fills,
cancels — is the order's, shown by the orders panel); ``unknown`` is not: a late report that the exchange has the
order after all turns it into ``acknowledged``. No Qt, no I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any

from terminal_app.core.enums import OrderStatus
from terminal_app.core.orders import OrderTicket, OrderView


class SubmissionState(StrEnum):
    REFUSED = "refused"
    AWAITING_CONFIRMATION = "awaiting_confirmation"
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    REJECTED = "rejected"
    UNKNOWN = "unknown"


FINAL_STATES = frozenset({SubmissionState.REFUSED, SubmissionState.REJECTED, SubmissionState.ACKNOWLEDGED})
# The states in which the order went to the exchange (it has, or may have, a clientOid there).
SENT_STATES = frozenset({SubmissionState.SENT, SubmissionState.ACKNOWLEDGED, SubmissionState.REJECTED,
                         SubmissionState.UNKNOWN})

Watcher = Callable[["Submission"], Any]


class Submission:
    """One order on its way (see the module docstring).

    ``client_oid`` is the order's id once sent; before that (refused, awaiting confirmation) a local id the refusal
    is reported under. ``message`` is the reason, the question asked or the exchange's message; ``code`` is Bitget's
    error code of a rejection (``"risk"`` for a guard's refusal). ``verdict`` is the risk guards' verdict, if any.
    """

    __slots__ = ("_watchers", "client_oid", "code", "message", "order_id", "state", "ticket", "verdict")

    def __init__(self, ticket: OrderTicket, state: SubmissionState, client_oid: str, message: str = "",
                 verdict: Any = None, code: str = "") -> None:
        self.ticket = ticket
        self.state = state
        self.client_oid = client_oid
        self.message = message
        self.verdict = verdict
        self.code = code
        self.order_id: str | None = None
        self._watchers: list[Watcher] = []

    def __repr__(self) -> str:
        return f"Submission({self.state.value}, {self.client_oid!r}, {self.message!r})"

    @property
    def sent(self) -> bool:
        """The order went to the exchange (whatever it said since)."""
        return self.state in SENT_STATES

    @property
    def done(self) -> bool:
        return self.state in FINAL_STATES

    def watch(self, watcher: Watcher) -> None:
        """Call ``watcher(self)`` now and after every change of state."""
        self._watchers.append(watcher)
        watcher(self)

    def move(self, state: SubmissionState, *, client_oid: str | None = None, message: str | None = None,
             code: str | None = None) -> bool:
        """Go to ``state``; False (nothing changes) from a final state or when nothing would change."""
        unchanged = state is self.state and client_oid in (None, self.client_oid) \
            and message in (None, self.message) and code in (None, self.code)
        if self.done or unchanged:
            return False
        self.state = state
        if client_oid is not None:
            self.client_oid = client_oid
        if message is not None:
            self.message = message
        if code is not None:
            self.code = code
        for watcher in list(self._watchers):
            watcher(self)
        return True

    def follow(self, view: OrderView, *, provisional: bool = False) -> bool:
        """Take in what the order book says of this order now. ``provisional``: a rejection the terminal made up
        because the exchange did not answer (it may still report the order, which then wins)."""
        if view.client_oid != self.client_oid or not self.sent:
            return False
        if view.status == OrderStatus.REJECTED:
            if provisional:
                return self.move(SubmissionState.UNKNOWN, message=view.reason or "No answer from the exchange.")
            return self.move(SubmissionState.REJECTED, message=view.reason, code=view.code)
        if view.status == OrderStatus.PENDING or view.order_id is None:
            return False
        self.order_id = view.order_id
        message = "live" if view.status == OrderStatus.LIVE else view.status.replace("_", " ")
        return self.move(SubmissionState.ACKNOWLEDGED, message=message, code="")
