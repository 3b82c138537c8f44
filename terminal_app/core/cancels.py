"""Why the exchange cancelled an order nobody here asked to cancel.

Bitget's V2 order pushes carry no cancel reason (V3 has ``cancelReason``), and an order that silently leaves the
book is the worst surprise a trader can get: a protective exit gone with no word. The terminal knows which cancels
it asked for; for any other cancel it states the most likely cause from the order itself, in words the user can
act on. No Qt, no I/O.
"""

from __future__ import annotations

from terminal_app.core.enums import OrderType, TimeInForce, TradeSide
from terminal_app.core.orders import OrderView


def unasked_cancel_reason(view: OrderView) -> str:
    """The sentence the orders panel and a toast show for ``view``, cancelled by the exchange, not by the user."""
    partly = view.filled > 0
    rest = "the rest" if partly else "it"
    if view.force in (TimeInForce.IOC, TimeInForce.FOK):
        kind = "immediate-or-cancel" if view.force == TimeInForce.IOC else "fill-or-kill"
        return f"Cancelled by the exchange: the {kind} order could not fill at once, so Bitget cancelled {rest}."
    if view.force == TimeInForce.POST_ONLY:
        return ("Cancelled by the exchange: post-only would have taken liquidity at that price, so Bitget "
                "cancelled it.")
    if view.reduce_only or view.trade_side == TradeSide.CLOSE:
        return (f"Cancelled by the exchange: this close was larger than what is left of the position (it shrank "
                f"or closed), so Bitget cancelled {rest}. Place a new exit if you still want one.")
    if view.type == OrderType.MARKET:
        return f"Cancelled by the exchange: the market order found no more liquidity, so Bitget cancelled {rest}."
    return "Cancelled by the exchange, not by you (Bitget gave no reason)."
