"""The simulated exchange's facade: markets, market data, spot and futures trading, accounts, events.

Pure Python, no network, no Qt. Deterministic: the same ``seed``, the same clock readings and the same sequence of
``advance()`` and trading calls give the same results. The server (``sim/server.py`` and friends) is the only caller
in the app; it maps API keys to ``uid`` strings and renders the returned snapshots as Bitget JSON.

Time: the market only moves inside :meth:`Exchange.advance` (the server calls it on a timer); every trading call
first advances the market to ``clock()`` so an order always meets the current book.

Errors: every rejection raises the typed error of ``terminal_app.bitget.errors`` built with ``error_for_code(code,
msg)``; ``err.code`` and ``err.exchange_msg`` are what Bitget would answer.

Events: listeners (sync callables) receive frozen event objects (see ``Event``); they run inside the engine's call and
must be quick (queue, don't render). ``BookChanged`` is emitted once per market per market step with every level that
changed in that step (size 0 = level removed), so a server may forward it as a ``books`` update or accumulate it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from terminal_app.bitget.clock import system_ms
from terminal_app.bitget.symbols import InstType, SymbolRef
from terminal_app.sim.futures import FuturesAccount, PlanOrder, Position, SymbolSettings
from terminal_app.sim.history import Candle, Granularity
from terminal_app.sim.markets import SimMarket
from terminal_app.sim.matching import Fill, Order, OrderStatus, Trade
from terminal_app.sim.spot_accounts import Balance

__all__ = [
    "AccountEvent",
    "Balance",
    "BookChanged",
    "Candle",
    "CandleTick",
    "Depth",
    "Event",
    "Exchange",
    "Fill",
    "FillEvent",
    "FundingInfo",
    "FuturesAccount",
    "Granularity",
    "Order",
    "OrderEvent",
    "OrderStatus",
    "PlanOrder",
    "PlanOrderEvent",
    "Position",
    "PositionEvent",
    "SimMarket",
    "SymbolSettings",
    "Ticker",
    "TickerChanged",
    "Trade",
    "TradeEvent",
]

Level = tuple[Decimal, Decimal]          # (price, size); prices carry the market's decimals, sizes its lot's


@dataclass(frozen=True, slots=True)
class Depth:
    bids: tuple[Level, ...]              # best first
    asks: tuple[Level, ...]
    ts: int


@dataclass(frozen=True, slots=True)
class Ticker:
    ref: SymbolRef
    last: Decimal
    bid: Decimal
    ask: Decimal
    bid_size: Decimal
    ask_size: Decimal
    open_24h: Decimal
    high_24h: Decimal
    low_24h: Decimal
    base_volume: Decimal                 # 24 h
    quote_volume: Decimal                # 24 h
    open_utc: Decimal                    # price at 00:00 UTC today
    change_24h: Decimal                  # ratio: 0.0123 = +1.23 %
    change_utc: Decimal
    ts: int
    # futures only (None on spot)
    mark_price: Decimal | None = None
    index_price: Decimal | None = None
    funding_rate: Decimal | None = None
    next_funding_time: int | None = None
    holding_amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class FundingInfo:
    rate: Decimal
    interval_hours: int
    next_time: int
    min_rate: Decimal
    max_rate: Decimal


# ---- events ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BookChanged:
    """Levels that changed in one market step; size 0 means the level is gone. Best-first order is not implied."""

    ref: SymbolRef
    bids: tuple[Level, ...]
    asks: tuple[Level, ...]
    ts: int


@dataclass(frozen=True, slots=True)
class TradeEvent:
    ref: SymbolRef
    trade_id: str
    price: Decimal
    size: Decimal
    side: str                            # taker side
    ts: int


@dataclass(frozen=True, slots=True)
class CandleTick:
    """The forming 1-minute candle after a step with trades; other sizes come from ``Exchange.candles``."""

    ref: SymbolRef
    candle: Candle


@dataclass(frozen=True, slots=True)
class TickerChanged:
    ref: SymbolRef
    ticker: Ticker


@dataclass(frozen=True, slots=True)
class OrderEvent:
    """An order was created, (partly) filled, modified or cancelled. ``fill`` is set when a trade caused it."""

    uid: str
    order: Order
    fill: Fill | None = None


@dataclass(frozen=True, slots=True)
class FillEvent:
    uid: str
    fill: Fill


@dataclass(frozen=True, slots=True)
class PositionEvent:
    """The user's full list of open futures positions after a change (Bitget pushes full snapshots)."""

    uid: str
    positions: tuple[Position, ...]


@dataclass(frozen=True, slots=True)
class AccountEvent:
    """Spot: the balances that changed (``inst_type`` SPOT). Futures: the USDT-M account (``futures`` set)."""

    uid: str
    inst_type: InstType
    balances: tuple[Balance, ...] = ()
    futures: FuturesAccount | None = None


@dataclass(frozen=True, slots=True)
class PlanOrderEvent:
    uid: str
    plan: PlanOrder


Event = (BookChanged | TradeEvent | CandleTick | TickerChanged | OrderEvent | FillEvent | PositionEvent
         | AccountEvent | PlanOrderEvent)
Listener = Callable[[Event], None]

DecimalLike = Decimal | str | int


class Exchange:
    """The whole simulated exchange.

    ``clock`` returns the exchange time in ms. ``state_path`` (SQLite) keeps users, balances, positions, open orders
    and order/fill history across restarts; None keeps everything in memory. ``fast`` makes the market step every
    5 ms with many more book changes per step (benchmarks). ``step_ms`` overrides the market step (default 100 ms).
    """

    def __init__(self, seed: int = 1, clock: Callable[[], int] = system_ms, state_path: str | Path | None = None,
                 *, fast: bool = False, step_ms: int | None = None) -> None:
        raise NotImplementedError

    # ---- time and lifecycle ----------------------------------------------------------------------------------

    def now_ms(self) -> int:
        """The time the market has been advanced to."""
        raise NotImplementedError

    def advance(self, now_ms: int | None = None) -> None:
        """Run the market up to ``now_ms`` (default ``clock()``) in fixed steps; gaps over a minute are skipped."""
        raise NotImplementedError

    def flush(self) -> None:
        """Write pending state to SQLite (also done after every call that changed something)."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def add_listener(self, listener: Listener) -> None:
        raise NotImplementedError

    def remove_listener(self, listener: Listener) -> None:
        raise NotImplementedError

    # ---- markets and market data -----------------------------------------------------------------------------

    def markets(self, inst_type: InstType | None = None) -> list[SimMarket]:
        raise NotImplementedError

    def market(self, ref: SymbolRef) -> SimMarket:
        """Raises 40034 for an unknown symbol."""
        raise NotImplementedError

    def coins(self) -> list[str]:
        raise NotImplementedError

    def depth(self, ref: SymbolRef, limit: int = 150) -> Depth:
        raise NotImplementedError

    def ticker(self, ref: SymbolRef) -> Ticker:
        raise NotImplementedError

    def tickers(self, inst_type: InstType) -> list[Ticker]:
        raise NotImplementedError

    def recent_trades(self, ref: SymbolRef, limit: int = 100) -> list[Trade]:
        """Newest first."""
        raise NotImplementedError

    def candles(self, ref: SymbolRef, granularity: Granularity, *, start_ms: int | None = None,
                end_ms: int | None = None, limit: int = 100, offset_ms: int = 0, kind: str = "market") -> list[Candle]:
        """Candles oldest first, at most ``limit``, the newest ones in [start_ms, end_ms] (end defaults to now).

        History before the live market is deterministic; minutes with live trades are built from those trades;
        coarser candles aggregate the 1-minute ones. ``offset_ms`` shifts the candle boundaries (e.g. +8 h for
        Bitget's UTC+8 daily candles: a 1D candle then opens at 16:00 UTC). ``kind``: "market", "mark" or "index"
        (futures; mark and index follow the fair price without the trades' bid/ask bounce).
        """
        raise NotImplementedError

    def mark_price(self, ref: SymbolRef) -> Decimal:
        raise NotImplementedError

    def index_price(self, ref: SymbolRef) -> Decimal:
        raise NotImplementedError

    def funding(self, ref: SymbolRef) -> FundingInfo:
        raise NotImplementedError

    def open_interest(self, ref: SymbolRef) -> Decimal:
        raise NotImplementedError

    # ---- users -----------------------------------------------------------------------------------------------

    def ensure_user(self, uid: str) -> None:
        """Create a funded demo user (10,000 USDT + 0.1 BTC + 1 ETH spot, 10,000 USDT futures) if unknown."""
        raise NotImplementedError

    def reset_user(self, uid: str) -> None:
        """"Reset demo account": cancel everything, drop positions and history, fund again."""
        raise NotImplementedError

    def users(self) -> list[str]:
        raise NotImplementedError

    # ---- spot ------------------------------------------------------------------------------------------------

    def spot_balances(self, uid: str) -> list[Balance]:
        raise NotImplementedError

    def place_spot_order(self, uid: str, symbol: str, side: str, order_type: str, size: DecimalLike,
                         price: DecimalLike | None = None, force: str = "gtc",
                         client_oid: str | None = None) -> Order:
        """Market buys are sized in quote. Codes: 40034, 40017, 41103, 40808, 45110, 45111, 43012, 43111, 43118."""
        raise NotImplementedError

    def cancel_spot_order(self, uid: str, symbol: str, order_id: str | None = None,
                          client_oid: str | None = None) -> Order:
        """43001 when the order is not open."""
        raise NotImplementedError

    def cancel_spot_symbol(self, uid: str, symbol: str) -> list[Order]:
        raise NotImplementedError

    def replace_spot_order(self, uid: str, symbol: str, price: DecimalLike, size: DecimalLike,
                           order_id: str | None = None, client_oid: str | None = None,
                           new_client_oid: str | None = None) -> Order:
        """Cancel-replace: cancels the open order and places a limit order with the same side and force."""
        raise NotImplementedError

    # ---- orders common to spot and futures -------------------------------------------------------------------

    def get_order(self, uid: str, inst_type: InstType, order_id: str | None = None,
                  client_oid: str | None = None) -> Order:
        raise NotImplementedError

    def open_orders(self, uid: str, inst_type: InstType, symbol: str | None = None) -> list[Order]:
        """Newest first."""
        raise NotImplementedError

    def order_history(self, uid: str, inst_type: InstType, symbol: str | None = None, *,
                      start_ms: int | None = None, end_ms: int | None = None, id_less_than: str | None = None,
                      limit: int = 100) -> list[Order]:
        """Finished orders (filled or cancelled), newest first."""
        raise NotImplementedError

    def fills(self, uid: str, inst_type: InstType, symbol: str | None = None, *, order_id: str | None = None,
              start_ms: int | None = None, end_ms: int | None = None, id_less_than: str | None = None,
              limit: int = 100) -> list[Fill]:
        """Newest first."""
        raise NotImplementedError

    # ---- futures (USDT-M) ------------------------------------------------------------------------------------

    def futures_account(self, uid: str) -> FuturesAccount:
        raise NotImplementedError

    def symbol_settings(self, uid: str, symbol: str) -> SymbolSettings:
        raise NotImplementedError

    def set_leverage(self, uid: str, symbol: str, leverage: int, hold_side: str | None = None) -> SymbolSettings:
        """``hold_side`` (long/short) only for isolated margin in hedge mode; otherwise both sides change."""
        raise NotImplementedError

    def set_margin_mode(self, uid: str, symbol: str, margin_mode: str) -> SymbolSettings:
        """45117 with an open position or order on the symbol."""
        raise NotImplementedError

    def set_position_mode(self, uid: str, pos_mode: str) -> str:
        """45117 with any open position or order."""
        raise NotImplementedError

    def place_futures_order(self, uid: str, symbol: str, side: str, order_type: str, size: DecimalLike,
                            price: DecimalLike | None = None, force: str = "gtc", client_oid: str | None = None,
                            margin_mode: str | None = None, trade_side: str | None = None,
                            reduce_only: bool = False, preset_tp: DecimalLike | None = None,
                            preset_sl: DecimalLike | None = None) -> Order:
        """Bitget semantics: hedge mode needs ``trade_side`` (open/close; ``side`` names the position: buy=long),
        one-way mode refuses it (40774); ``reduce_only`` is one-way only. Codes: 40774, 40762, 22002, 40757, plus
        the spot ones."""
        raise NotImplementedError

    def cancel_futures_order(self, uid: str, symbol: str, order_id: str | None = None,
                             client_oid: str | None = None) -> Order:
        raise NotImplementedError

    def cancel_all_futures(self, uid: str, symbol: str | None = None) -> list[Order]:
        raise NotImplementedError

    def modify_futures_order(self, uid: str, symbol: str, order_id: str | None = None,
                             client_oid: str | None = None, new_client_oid: str | None = None,
                             new_size: DecimalLike | None = None, new_price: DecimalLike | None = None,
                             new_preset_tp: DecimalLike | None = None,
                             new_preset_sl: DecimalLike | None = None) -> Order:
        """New price/size re-queues the order (it keeps its id unless ``new_client_oid`` is given: Bitget keeps the
        orderId and sets the new clientOid)."""
        raise NotImplementedError

    def close_positions(self, uid: str, symbol: str | None = None, hold_side: str | None = None) -> list[Order]:
        """Flash close at market: every position (or one symbol, or one side)."""
        raise NotImplementedError

    def positions(self, uid: str, symbol: str | None = None) -> list[Position]:
        raise NotImplementedError

    def place_tpsl_order(self, uid: str, symbol: str, plan_type: str, trigger_price: DecimalLike,
                         hold_side: str, size: DecimalLike | None = None, trigger_type: str = "mark_price",
                         execute_price: DecimalLike | None = None, client_oid: str | None = None) -> PlanOrder:
        """plan_type profit_plan/loss_plan (sized) or pos_profit/pos_loss (whole position, replaces the previous
        one). ``hold_side`` long/short (one-way accounts may also say buy=long, sell=short). 40917 when the
        trigger is on the wrong side of the mark; 22002 without a position."""
        raise NotImplementedError

    def place_pos_tpsl(self, uid: str, symbol: str, hold_side: str, take_profit: DecimalLike | None = None,
                       stop_loss: DecimalLike | None = None) -> list[PlanOrder]:
        raise NotImplementedError

    def cancel_plan_order(self, uid: str, symbol: str, order_id: str | None = None,
                          client_oid: str | None = None) -> PlanOrder:
        raise NotImplementedError

    def plan_orders(self, uid: str, symbol: str | None = None, *, pending: bool = True) -> list[PlanOrder]:
        raise NotImplementedError

    # ---- test hooks ------------------------------------------------------------------------------------------

    def shock(self, underlying: str, factor: DecimalLike) -> None:
        """Multiply the fair price of one underlying (e.g. "BTC") by ``factor`` from now on (tests, demos)."""
        raise NotImplementedError

    def stats(self) -> dict[str, int]:
        """Counters: steps, book_changes (levels), trades, user_fills."""
        raise NotImplementedError
