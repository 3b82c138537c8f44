"""The four services of one profile, built and started in the right order and closed in the reverse one.

:class:`Services` is the container the trading panels receive (``ui.docks.DockServices``: ``market_data``,
``trading``, ``account``, ``connection``). Start order: the session opens (clock, markets, account probe), market data
starts (markets announced, flush timer), then the account and trading services subscribe their private channels and
read their state from REST, side by side. An :class:`~terminal_app.services.order_log.OrderLog` logs the trading
service's fills, rejections and cancels.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

from terminal_app.core.candles import Interval
from terminal_app.core.health import REST_PROBE_S
from terminal_app.services.account import AccountService
from terminal_app.services.algo_orders import AlgoOrdersService
from terminal_app.services.connection import ConnectionService
from terminal_app.services.countdown import CountdownService
from terminal_app.services.market_data import MarketDataService
from terminal_app.services.order_log import OrderLog
from terminal_app.services.session import Session
from terminal_app.services.trading import TradingService


@dataclass(slots=True)
class Services:
    connection: ConnectionService
    market_data: MarketDataService
    trading: TradingService
    account: AccountService
    order_log: OrderLog | None = field(default=None, repr=False)
    algo: AlgoOrdersService | None = None  # stops, trailing stops, TP/SL (services.algo_orders)
    countdown: CountdownService | None = None  # the dead man's switch (services.countdown)

    @property
    def session(self) -> Session:
        return self.connection.session

    @classmethod
    async def open(cls, session: Session, *, interval: Interval | str = Interval.M15, flush_hz: float = 60.0,
                   history_pages: int = 5, health_interval_ms: int = 1000,
                   rest_probe_s: float = REST_PROBE_S) -> Services:
        """Open ``session`` and start every service on it. On failure everything opened so far is closed again
        (the session too) and the error propagates."""
        connection = ConnectionService(session, health_interval_ms=health_interval_ms, rest_probe_s=rest_probe_s)
        market_data = MarketDataService(connection, interval=interval, flush_hz=flush_hz,
                                        history_pages=history_pages)
        account = AccountService(connection, market_data)
        trading = TradingService(connection, market_data, account)
        algo = AlgoOrdersService(connection, market_data, account)
        services = cls(connection, market_data, trading, account, OrderLog(trading, market_data.market), algo,
                       CountdownService(session))
        try:
            await connection.open()
            market_data.start()
            await asyncio.gather(account.start(), trading.start(), algo.start())
        except BaseException:
            with contextlib.suppress(Exception):
                await services.close()
            raise
        return services

    async def close(self) -> None:
        """Stop every task, close the streamer and the HTTP client (safe to call twice)."""
        if self.order_log is not None:
            self.order_log.close()
        if self.algo is not None:
            await self.algo.close()
        if self.countdown is not None:
            await self.countdown.close()
        for service in (self.trading, self.account, self.market_data):
            await service.close()
        await self.connection.close()
