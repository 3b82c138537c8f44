"""Fake services with the signals and methods of the panels' contract (``terminal_app.ui.docks``: ``DockServices``
and the four ``…Api`` Protocols), for the trading-panel tests.

Each fake records the calls a panel makes (``calls``) and lets a test push what the real service would emit.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QWidget

from terminal_app.core.accounts import FuturesAccount, Position, SpotAsset
from terminal_app.core.enums import PositionMode
from terminal_app.core.instruments import MarketInfo, Product, SymbolRef
from terminal_app.core.market_data import Ticker
from terminal_app.core.orderbook import OrderBook
from terminal_app.core.submission import Submission, SubmissionState
from terminal_app.ui.theme import ThemeManager

D = Decimal
BTC = SymbolRef("BTCUSDT", Product.SPOT)
ETH = SymbolRef("ETHUSDT", Product.SPOT)
BTC_PERP = SymbolRef("BTCUSDT", Product.USDT_FUTURES)
SHOTS = Path("/tmp/h9-shots")

MARKETS: dict[str, MarketInfo] = {
    BTC.key: MarketInfo(ref=BTC, base_coin="BTC", quote_coin="USDT", tick_size=D("0.01"), lot_size=D("0.0001"),
                        min_size=D("0.0001"), min_notional=D("1"), price_places=2, size_places=4,
                        maker_fee=D("0.001"), taker_fee=D("0.001"), status="online", quote_places=6),
    ETH.key: MarketInfo(ref=ETH, base_coin="ETH", quote_coin="USDT", tick_size=D("0.01"), lot_size=D("0.001"),
                        min_size=D("0.001"), min_notional=D("1"), price_places=2, size_places=3,
                        maker_fee=D("0.001"), taker_fee=D("0.001"), status="online", quote_places=6),
    BTC_PERP.key: MarketInfo(ref=BTC_PERP, base_coin="BTC", quote_coin="USDT", tick_size=D("0.1"),
                             lot_size=D("0.001"), min_size=D("0.001"), min_notional=D("5"), price_places=1,
                             size_places=3, maker_fee=D("0.0002"), taker_fee=D("0.0006"), status="normal",
                             max_leverage=125, min_leverage=1),
}


@dataclass(frozen=True)
class FakeOrderView:
    """core.orders.OrderView's fields (services-contract.md)."""

    client_oid: str
    ref: SymbolRef
    side: str
    type: str
    price: Decimal | None
    size: Decimal
    order_id: str | None = None
    force: str = "gtc"
    filled: Decimal = Decimal(0)
    avg_price: Decimal | None = None
    status: str = "live"
    reason: str = ""
    c_time: int = 1_700_000_000_000
    u_time: int = 0


def ticker(ref: SymbolRef, last: str, change: str = "0.0123", volume: str = "123456789", **kw: Any) -> Ticker:
    p = D(last)
    return Ticker(symbol=ref.symbol, product=ref.product, last=p, bid=p, ask=p, bid_size=D(1), ask_size=D(1),
                  open_24h=p, high_24h=p, low_24h=p, change_24h=D(change), base_volume=D(1), quote_volume=D(volume),
                  ts=1_700_000_000_000, **kw)


def position(ref: SymbolRef = BTC_PERP, side: str = "long", total: str = "0.5", entry: str = "60000",
             upl: str = "250", margin: str = "3000", mark: str | None = "60500", liq: str | None = "50000",
             **kw: Any) -> Position:
    return Position(product=ref.product, symbol=ref.symbol, margin_coin="USDT", hold_side=side,
                    pos_mode=kw.pop("pos_mode", PositionMode.ONE_WAY), margin_mode=kw.pop("margin_mode", "crossed"),
                    total=D(total), available=D(total), locked=D(0), leverage=D(kw.pop("leverage", "10")),
                    open_price_avg=D(entry), mark_price=None if mark is None else D(mark),
                    liquidation_price=None if liq is None else D(liq), unrealized_pl=D(upl), achieved_profits=D(0),
                    margin_size=D(margin), margin_ratio=None, break_even_price=None, fees=D(0), c_time=1, u_time=1,
                    **kw)


class FakeMarketData(QObject):
    markets_loaded = Signal(object)
    active_changed = Signal(object)
    ticker_changed = Signal(object)
    book_changed = Signal(object)
    trades_added = Signal(object, object)
    candles_loading = Signal(int)
    candles_page = Signal(int)
    candles_history = Signal(object, str, object)
    candle_live = Signal(object, str, object)

    def __init__(self, markets: dict[str, MarketInfo] | None = None) -> None:
        super().__init__()
        self._markets = dict(MARKETS if markets is None else markets)
        self.active: SymbolRef | None = None
        self.watchlist: list[SymbolRef] = []
        self.books: dict[str, OrderBook] = {}
        self.lasts: dict[str, Decimal] = {}
        self.calls: list[tuple[Any, ...]] = []

    def markets(self) -> dict[str, MarketInfo]:
        return dict(self._markets)

    def set_active(self, ref: SymbolRef) -> None:
        self.calls.append(("set_active", ref))
        if ref != self.active:
            self.active = ref
            self.active_changed.emit(ref)

    def set_watchlist(self, refs: list[SymbolRef]) -> None:
        self.calls.append(("set_watchlist", list(refs)))
        self.watchlist = list(refs)

    def set_interval(self, interval: str) -> None:
        self.calls.append(("set_interval", interval))

    def market(self, ref: SymbolRef) -> MarketInfo | None:
        return self._markets.get(ref.key)

    def book(self, ref: SymbolRef) -> OrderBook | None:
        return self.books.get(ref.key)

    def last_price(self, ref: SymbolRef) -> Decimal | None:
        return self.lasts.get(ref.key)

    # --- test helpers
    def load_book(self, ref: SymbolRef, bids: list[tuple[str, str]], asks: list[tuple[str, str]]) -> OrderBook:
        book = OrderBook(ref.symbol)
        book.load_snapshot(bids, asks)
        self.books[ref.key] = book
        self.book_changed.emit(ref)
        return book


class FakeTrading(QObject):
    orders_changed = Signal()
    order_updated = Signal(object)
    history_changed = Signal()
    fill_received = Signal(object)
    order_rejected = Signal(object, str)

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[Any, ...]] = []
        self.open: dict[str, Any] = {}
        self.history: list[Any] = []
        self.fill_rows: list[Any] = []
        self._ids = itertools.count(1)

    def submit(self, ticket: Any) -> Submission:
        """Sent at once (no guards here: tests/ui/safety drives the real ones)."""
        oid = f"oid-{next(self._ids)}"
        self.calls.append(("place", ticket))
        view = FakeOrderView(oid, ticket.ref, ticket.side, ticket.order_type, ticket.price, ticket.size,
                             force=ticket.force, status="pending")
        self.open[oid] = view
        self.order_updated.emit(view)
        self.orders_changed.emit()
        return Submission(ticket, SubmissionState.SENT, oid)

    def cancel(self, view_or_client_oid: Any) -> None:
        self.calls.append(("cancel", view_or_client_oid))

    def cancel_all(self, ref: SymbolRef) -> None:
        self.calls.append(("cancel_all", ref))

    def modify(self, client_oid: str, new_price: Decimal | None, new_size: Decimal | None) -> None:
        self.calls.append(("modify", client_oid, new_price, new_size))

    def close_position(self, position: Position, price: Decimal | None) -> None:
        self.calls.append(("close_position", position, price))

    def flash_close_all(self) -> None:
        self.calls.append(("flash_close_all",))

    def open_orders(self, ref: SymbolRef | None = None) -> list[Any]:
        return [v for v in self.open.values() if ref is None or v.ref == ref]

    def order_history(self) -> list[Any]:
        return list(self.history)

    def fills(self) -> list[Any]:
        return list(self.fill_rows)

    # --- test helpers
    def set_open(self, *views: Any) -> None:
        self.open = {v.client_oid: v for v in views}
        self.orders_changed.emit()


class FakeAccount(QObject):
    balances_changed = Signal()
    positions_changed = Signal()
    futures_account_changed = Signal()
    leverage_changed = Signal(object, int)
    margin_mode_changed = Signal(object, object)
    position_mode_changed = Signal(object)
    line_position_mode_changed = Signal(object, object)
    error = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[Any, ...]] = []
        self.leverages: dict[str, int] = {}
        self.margin_modes: dict[str, str] = {}
        self.assets: list[SpotAsset] = []
        self.futures: FuturesAccount | None = None
        self.open_positions: list[Position] = []
        self.mode: str | None = PositionMode.ONE_WAY
        self.avail: dict[tuple[str, str], Decimal] = {}

    def spot_assets(self) -> list[SpotAsset]:
        return list(self.assets)

    unified = False
    pool: Any = None

    def unified_account(self) -> Any:
        return self.pool

    def futures_account(self) -> FuturesAccount | None:
        return self.futures

    def futures_accounts(self) -> list[tuple[Product, FuturesAccount]]:
        return [(Product.USDT_FUTURES, self.futures)] if self.futures is not None else []

    def margin_account(self, ref: SymbolRef) -> FuturesAccount | None:
        return self.futures

    def positions(self) -> list[Position]:
        return list(self.open_positions)

    def position_mode(self, product: Product = Product.USDT_FUTURES) -> str | None:
        return self.mode

    def leverage(self, ref: SymbolRef) -> int | None:
        return self.leverages.get(ref.key)

    def margin_mode(self, ref: SymbolRef) -> str | None:
        return self.margin_modes.get(ref.key)

    def set_position_mode(self, mode: str, product: Product = Product.USDT_FUTURES) -> None:
        self.calls.append(("set_position_mode", mode, product))

    def set_leverage(self, ref: SymbolRef, leverage: int) -> None:
        self.calls.append(("set_leverage", ref, leverage))

    def set_margin_mode(self, ref: SymbolRef, mode: str) -> None:
        self.calls.append(("set_margin_mode", ref, mode))

    def available(self, ref: SymbolRef, side: str, price: Decimal | None = None) -> Decimal:
        return self.avail.get((ref.key, side), D(0))


class FakeConnection(QObject):
    health_changed = Signal(object)
    state_changed = Signal(str)
    reconciled = Signal()

    session = None


@dataclass
class FakeServices:
    market_data: FakeMarketData = field(default_factory=FakeMarketData)
    trading: FakeTrading = field(default_factory=FakeTrading)
    account: FakeAccount = field(default_factory=FakeAccount)
    connection: FakeConnection = field(default_factory=FakeConnection)


@pytest.fixture
def services(qapp: QApplication) -> Iterator[FakeServices]:
    s = FakeServices()
    yield s
    for obj in (s.market_data, s.trading, s.account, s.connection):
        obj.deleteLater()


def shot(widget: QWidget, name: str, size: tuple[int, int] | None = None) -> Path:
    """Save an offscreen grab of ``widget`` for a human to look at (tests do not compare pixels)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    ThemeManager().apply("dark", "green-red")
    if size is not None:
        widget.resize(*size)
    widget.show()
    path = SHOTS / f"{name}.png"
    assert widget.grab().save(str(path))
    return path


class Kit:
    """The helpers above, handed to test modules as a fixture (conftest modules are not importable by name)."""

    D = D
    BTC = BTC
    ETH = ETH
    BTC_PERP = BTC_PERP
    MARKETS = MARKETS
    OrderView = FakeOrderView
    ticker = staticmethod(ticker)
    position = staticmethod(position)
    shot = staticmethod(shot)


@pytest.fixture
def kit() -> type[Kit]:
    return Kit


# --- the real services on the real simulator (one integration test per panel) ---------------------------------------

LIVE_TIMEOUT = 15.0


@pytest.fixture
def no_gc_off_thread() -> Iterator[None]:
    """Cyclic garbage holding Qt objects must be collected on this thread, not the simulator's (H8's finding)."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect()


@pytest.fixture
def account_mode() -> str:
    """The simulated account's mode for ``live``; a test parametrised on ``account_mode`` runs on both kinds."""
    return "classic"


@pytest.fixture
def live(no_gc_off_thread: None, caplog: pytest.LogCaptureFixture, account_mode: str,
         ) -> Iterator[Callable[..., contextlib.AbstractAsyncContextManager[Any]]]:
    """``async with live() as services:`` the four real services on a fresh simulator (seeded, loopback, port 0),
    with trading behind the real order pipeline (``GuardedTrading``; no risk limits, so the ticket's own checks are
    what a test meets; ``services.trading.inner`` reaches the exchange past them), logging at INFO as the terminal
    does (the log panel shows what they log).

    ``live(streamer=StreamerConfig(...))`` replaces the streamer's settings; ``live.sim`` is the simulator's runner
    (its ``faults``, ``call``)."""
    caplog.set_level(logging.INFO, logger="terminal_app")
    from terminal_app.bitget.ws import StreamerConfig
    from terminal_app.config.settings import Settings
    from terminal_app.core.credentials import Credentials
    from terminal_app.core.health import ProfileKind
    from terminal_app.core.risk import RiskPolicy
    from terminal_app.services.guards import GuardedServices
    from terminal_app.services.session import Session, SessionEndpoints
    from terminal_app.services.stack import Services
    from terminal_app.sim.runner import SimulatorRunner
    from terminal_app.sim.server.http import SimConfig

    runner = SimulatorRunner(config=SimConfig(seed=23, account_mode=account_mode))
    info = runner.start()

    @contextlib.asynccontextmanager
    async def open_services(streamer: StreamerConfig | None = None, **kw: Any) -> AsyncIterator[Any]:
        session = Session("Demo", ProfileKind.DEMO, SessionEndpoints(info.rest, info.ws_public, info.ws_private),
                          Credentials(info.api_key, info.secret, info.passphrase),
                          streamer_config=streamer or StreamerConfig(backoff_initial_s=0.05, backoff_max_s=0.2))
        services = await Services.open(session, history_pages=1, **kw)
        assert session.account_mode is not None
        assert session.account_mode.uta is (account_mode == "unified")
        no_limits = RiskPolicy(None, None, None, None)
        guarded = GuardedServices.wrap(services, Settings(), lambda: no_limits)
        try:
            yield guarded
        finally:
            await guarded.close()

    open_services.sim = runner  # type: ignore[attr-defined]
    try:
        yield open_services
    finally:
        runner.stop()


async def wait_until(signal: Any, condition: Callable[[], Any], timeout: float = LIVE_TIMEOUT) -> Any:  # noqa: ASYNC109
    """``condition()`` once truthy, re-checked after each emission of ``signal`` (no nested Qt loop: qasync-safe)."""
    value = condition()
    if value:
        return value
    done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    def check(*_args: Any) -> None:
        if not done.done():
            result = condition()
            if result:
                done.set_result(result)

    signal.connect(check)
    try:
        return await asyncio.wait_for(done, timeout)
    finally:
        with contextlib.suppress(RuntimeError):
            signal.disconnect(check)


@pytest.fixture
def until() -> Callable[..., Any]:
    return wait_until
