"""Every V3 (unified account) REST path the client calls, in one place (bitget-v3-uta.md §5)."""

from __future__ import annotations


class V3:
    TIME = "/api/v3/public/time"
    INSTRUMENTS = "/api/v3/market/instruments"
    TICKERS = "/api/v3/market/tickers"
    ORDERBOOK = "/api/v3/market/orderbook"
    CANDLES = "/api/v3/market/candles"
    HISTORY_CANDLES = "/api/v3/market/history-candles"
    MARKET_FILLS = "/api/v3/market/fills"
    CURRENT_FUND_RATE = "/api/v3/market/current-fund-rate"
    HISTORY_FUND_RATE = "/api/v3/market/history-fund-rate"
    OPEN_INTEREST = "/api/v3/market/open-interest"
    SETTINGS = "/api/v3/account/settings"
    ASSETS = "/api/v3/account/assets"
    FUNDING_ASSETS = "/api/v3/account/funding-assets"
    FEE_RATE = "/api/v3/account/fee-rate"
    SET_LEVERAGE = "/api/v3/account/set-leverage"
    SET_HOLD_MODE = "/api/v3/account/set-hold-mode"
    FINANCIAL_RECORDS = "/api/v3/account/financial-records"
    PLACE_ORDER = "/api/v3/trade/place-order"
    PLACE_BATCH = "/api/v3/trade/place-batch"
    MODIFY_ORDER = "/api/v3/trade/modify-order"
    CANCEL_ORDER = "/api/v3/trade/cancel-order"
    CANCEL_BATCH = "/api/v3/trade/cancel-batch"
    CANCEL_SYMBOL_ORDER = "/api/v3/trade/cancel-symbol-order"
    CLOSE_POSITIONS = "/api/v3/trade/close-positions"
    COUNTDOWN_CANCEL_ALL = "/api/v3/trade/countdown-cancel-all"
    ORDER_INFO = "/api/v3/trade/order-info"
    UNFILLED_ORDERS = "/api/v3/trade/unfilled-orders"
    HISTORY_ORDERS = "/api/v3/trade/history-orders"
    FILLS = "/api/v3/trade/fills"
    PLACE_STRATEGY = "/api/v3/trade/place-strategy-order"
    MODIFY_STRATEGY = "/api/v3/trade/modify-strategy-order"
    CANCEL_STRATEGY = "/api/v3/trade/cancel-strategy-order"
    UNFILLED_STRATEGY = "/api/v3/trade/unfilled-strategy-orders"
    HISTORY_STRATEGY = "/api/v3/trade/history-strategy-orders"
    CURRENT_POSITION = "/api/v3/position/current-position"
    HISTORY_POSITION = "/api/v3/position/history-position"


# The unified elite trader's copy endpoints (bitget/v3/copy.py has the research): here, not in the client module, so
# the simulator's routes name them without importing the client stack.
class V3CopyPaths:
    TRADING_PAIRS = "/api/v3/copy/futures/trading-pairs"
    POSITION_SUMMARY = "/api/v3/copy/futures/position-summary"
    MAX_TRANSFERABLE = "/api/v3/copy/futures/max-transferable"
    TRANSFER = "/api/v3/copy/futures/transfer"
    TRANSFER_RECORD = "/api/v3/copy/futures/transfer-record"
    CURRENT_FOLLOWER = "/api/v3/copy/futures/current-follower"
    HISTORY_FOLLOWER = "/api/v3/copy/futures/history-follower"
    PROFIT_SUMMARY = "/api/v3/copy/futures/profit-summary"
    PROFIT_DETAILS = "/api/v3/copy/futures/profit-details"
    PORTFOLIO_OVERVIEW = "/api/v3/copy/futures/portfolio-overview"

    @classmethod
    def all(cls) -> tuple[str, ...]:
        return tuple(v for k, v in vars(cls).items() if k.isupper())


V3_COPY_RATES: dict[str, float] = {path: 5.0 for path in V3CopyPaths.all()}
