"""``terminal-app --smoke-test``: the whole terminal, offscreen, against the embedded demo exchange.

Start-up (simulator, services, window) and the scenario share one time budget, ``SMOKE_TIMEOUT_S``. The scenario
(each step waits on the services' signals, never on a fixed delay): market data reaches the order book, the chart and
the ticker; a resting limit buy is placed through the order ticket (the trader's path: the ticket builds the
``OrderTicket``, validates it and calls ``TradingService.place``), it shows as pending, then in the open orders panel
as live, on the exchange too; it is cancelled and leaves the open orders. One JSON line goes to stdout:
``{"ok": true, …timings in ms…}``, exit status 0; on any failure or timeout the line says ``"ok": false`` and why,
exit status 1.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from decimal import ROUND_CEILING, Decimal
from typing import Any

from PySide6.QtCore import SignalInstance

from terminal_app.app import StartupError, Terminal
from terminal_app.core.enums import OrderType, Side, TimeInForce
from terminal_app.core.orders import OrderTicket

SMOKE_TIMEOUT_S = 30.0
PRICE_FACTOR = Decimal("0.97")  # far enough below the bid to rest, inside the ticket's fat-finger band (5 %)


class SmokeFailure(Exception):
    """A step of the smoke test went wrong; the message says which and why."""


async def until(signal: SignalInstance, condition: Callable[[], Any], what: str, state: dict[str, str]) -> Any:
    """``condition()`` once it is truthy, re-checked on every emission of ``signal``; ``what`` names the step for
    the timeout message."""
    state["step"] = what
    value = condition()
    if value:
        return value
    done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    def check(*_args: Any) -> None:
        if done.done():
            return
        try:
            result = condition()
        except Exception as exc:  # raised inside a Qt slot: hand it to the waiting coroutine
            done.set_exception(exc)
            return
        if result:
            done.set_result(result)

    signal.connect(check)
    try:
        return await done
    finally:
        signal.disconnect(check)


async def scenario(terminal: Terminal, out: dict[str, Any], state: dict[str, str]) -> None:
    services = terminal.services
    if services is None:
        raise SmokeFailure("the services did not start")
    md, trading = services.market_data, services.trading
    ref = md.active
    if ref is None:
        raise SmokeFailure("no active symbol")
    out["symbol"] = ref.key
    book = md.book(ref)
    if book is None:
        raise SmokeFailure("the active symbol has no order book")
    await until(md.book_changed, lambda: book.best_bid() and book.best_ask(), "order book", state)
    out["book_ms"] = round(terminal.elapsed_ms())
    chart = terminal.chart
    if chart is None:
        raise SmokeFailure("the chart panel is missing")
    await until(md.candles_history, lambda: len(chart.series) > 0, "chart history", state)
    out["chart_ms"] = round(terminal.elapsed_ms())
    await until(md.ticker_changed, lambda: md.ticker(ref), "ticker", state)
    out["ticker_ms"] = round(terminal.elapsed_ms())

    market = md.market(ref)
    bid = book.best_bid_price()
    if market is None or bid is None:
        raise SmokeFailure("no market rules or best bid for the active symbol")
    price = (bid * PRICE_FACTOR).quantize(market.tick_size)
    lots = (market.min_notional * 2 / price / market.lot_size).to_integral_value(rounding=ROUND_CEILING)
    size = max(lots * market.lot_size, market.min_size)
    await until(services.account.balances_changed, lambda: services.account.available(ref, Side.BUY) >= price * size,
                "balances", state)

    ticket = terminal.panel("ticket")
    if ticket is not None:
        ticket.set_order_type("limit")
        ticket.set_force("gtc")
        ticket.set_size_unit("base")
        ticket.set_price(price)
        ticket.set_size(size)
        submission = ticket.submit("buy")
        if submission is None or not submission.sent:
            reasons = "; ".join(str(i) for i in getattr(ticket, "issues", [])) or "no reason given"
            raise SmokeFailure(f"the order ticket refused the order: {reasons}")
        out["entry"] = "ticket"
    else:
        submission = trading.submit(OrderTicket(ref, Side.BUY, OrderType.LIMIT, TimeInForce.GTC, size, price))
        out["entry"] = "trading-service"
    placed_at = terminal.elapsed_ms()
    oid = submission.client_oid
    view = trading.order(oid)
    if view is None or view.status not in ("pending", "live"):
        raise SmokeFailure(f"the order was not listed at once (status {view.status if view else None})")

    orders_panel = terminal.panel("orders")

    def listed_live() -> bool:
        current = trading.order(oid)
        if current is None or current.status == "rejected":
            raise SmokeFailure(f"the order was rejected: {current.reason if current else 'unknown'}")
        in_panel = orders_panel is None or orders_panel.open_model.row_of(oid) is not None
        return current.status == "live" and in_panel

    await until(trading.order_updated, listed_live, "order live in open orders", state)
    out["order_live_ms"] = round(terminal.elapsed_ms() - placed_at)
    on_exchange = await services.session.venue.open_orders(ref)
    if oid not in {o.client_oid for o in on_exchange}:
        raise SmokeFailure("the order is not among the exchange's open orders")

    cancel_at = terminal.elapsed_ms()
    if orders_panel is not None:
        orders_panel.select_order(oid)
        orders_panel.cancel_selected()
    else:
        trading.cancel(oid)

    def gone() -> bool:
        current = trading.order(oid)
        in_panel = orders_panel is not None and orders_panel.open_model.row_of(oid) is not None
        return current is not None and current.status == "cancelled" and not in_panel

    await until(trading.order_updated, gone, "order cancelled", state)
    out["cancel_ms"] = round(terminal.elapsed_ms() - cancel_at)
    # the chart's older pages come in behind the first one; the count says they all arrived
    await until(md.candles_page, lambda: md.history_complete, "older chart history", state)
    out["candles"] = len(chart.series)


async def run_smoke(terminal: Terminal, timeout_s: float = SMOKE_TIMEOUT_S) -> int:
    """Start ``terminal`` and run the scenario, all within ``timeout_s``; print the summary; the exit status."""
    out: dict[str, Any] = {"ok": False}
    state = {"step": "start-up"}

    async def whole() -> None:
        await terminal.start()
        out["profile"] = terminal.profile.name if terminal.profile else None
        out.update({k: round(v) for k, v in terminal.marks.items()})
        await scenario(terminal, out, state)

    try:
        await asyncio.wait_for(whole(), timeout_s)
    except TimeoutError:
        out["reason"] = f"timed out after {timeout_s:g} s waiting for: {state['step']}"
    except (SmokeFailure, StartupError) as exc:
        out["reason"] = str(exc)
    except Exception as exc:  # anything else is a failure of the terminal too; say what it was
        out["reason"] = f"{type(exc).__name__}: {exc}"
    else:
        out["ok"] = True
    out["total_ms"] = round(terminal.elapsed_ms())
    print(json.dumps(out), flush=True)
    if not out["ok"]:
        print(f"smoke test failed: {out['reason']}", file=sys.stderr, flush=True)
    return 0 if out["ok"] else 1
