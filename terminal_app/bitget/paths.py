"""Bitget's V2 REST paths and the copy-trading paths with their rates: names only, no I/O.

Apart from the client (``rest_core``, ``rest_copy``), so the simulator's routes can name the same paths without
importing the client's HTTP and WebSocket stack (httpx, aiohttp's client, websockets): that was a tenth of the demo
exchange's start-up, on the terminal's critical path (issue 16).
"""

from __future__ import annotations


class V2:
    """Every V2 path the client calls. A V3 (UTA) client would carry its own table beside this one."""

    TIME = "/api/v2/public/time"
    SPOT_SYMBOLS = "/api/v2/spot/public/symbols"
    SPOT_TICKERS = "/api/v2/spot/market/tickers"
    SPOT_ORDERBOOK = "/api/v2/spot/market/orderbook"
    SPOT_MERGE_DEPTH = "/api/v2/spot/market/merge-depth"
    SPOT_CANDLES = "/api/v2/spot/market/candles"
    SPOT_HISTORY_CANDLES = "/api/v2/spot/market/history-candles"
    SPOT_MARKET_FILLS = "/api/v2/spot/market/fills"
    SPOT_PLACE_ORDER = "/api/v2/spot/trade/place-order"
    SPOT_BATCH_ORDERS = "/api/v2/spot/trade/batch-orders"
    SPOT_CANCEL_ORDER = "/api/v2/spot/trade/cancel-order"
    SPOT_CANCEL_SYMBOL_ORDER = "/api/v2/spot/trade/cancel-symbol-order"
    SPOT_CANCEL_REPLACE_ORDER = "/api/v2/spot/trade/cancel-replace-order"
    SPOT_ORDER_INFO = "/api/v2/spot/trade/orderInfo"
    SPOT_UNFILLED_ORDERS = "/api/v2/spot/trade/unfilled-orders"
    SPOT_HISTORY_ORDERS = "/api/v2/spot/trade/history-orders"
    SPOT_FILLS = "/api/v2/spot/trade/fills"
    SPOT_ASSETS = "/api/v2/spot/account/assets"
    SPOT_WALLET_TRANSFER = "/api/v2/spot/wallet/transfer"
    MIX_CONTRACTS = "/api/v2/mix/market/contracts"
    MIX_TICKER = "/api/v2/mix/market/ticker"
    MIX_TICKERS = "/api/v2/mix/market/tickers"
    MIX_MERGE_DEPTH = "/api/v2/mix/market/merge-depth"
    MIX_CANDLES = "/api/v2/mix/market/candles"
    MIX_HISTORY_CANDLES = "/api/v2/mix/market/history-candles"
    MIX_FUNDING_RATE = "/api/v2/mix/market/current-fund-rate"
    MIX_OPEN_INTEREST = "/api/v2/mix/market/open-interest"
    MIX_ACCOUNTS = "/api/v2/mix/account/accounts"
    MIX_ACCOUNT = "/api/v2/mix/account/account"
    MIX_SET_LEVERAGE = "/api/v2/mix/account/set-leverage"
    MIX_SET_MARGIN_MODE = "/api/v2/mix/account/set-margin-mode"
    MIX_SET_POSITION_MODE = "/api/v2/mix/account/set-position-mode"
    MIX_PLACE_ORDER = "/api/v2/mix/order/place-order"
    MIX_BATCH_PLACE_ORDER = "/api/v2/mix/order/batch-place-order"
    MIX_CANCEL_ORDER = "/api/v2/mix/order/cancel-order"
    MIX_CANCEL_ALL_ORDERS = "/api/v2/mix/order/cancel-all-orders"
    MIX_MODIFY_ORDER = "/api/v2/mix/order/modify-order"
    MIX_ORDER_DETAIL = "/api/v2/mix/order/detail"
    MIX_ORDERS_PENDING = "/api/v2/mix/order/orders-pending"
    MIX_ORDERS_HISTORY = "/api/v2/mix/order/orders-history"
    MIX_ORDERS_PLAN_PENDING = "/api/v2/mix/order/orders-plan-pending"
    MIX_FILLS = "/api/v2/mix/order/fills"
    MIX_CLOSE_POSITIONS = "/api/v2/mix/order/close-positions"
    MIX_PLACE_TPSL_ORDER = "/api/v2/mix/order/place-tpsl-order"
    MIX_PLACE_POS_TPSL = "/api/v2/mix/order/place-pos-tpsl"
    MIX_ALL_POSITION = "/api/v2/mix/position/all-position"
    MIX_SINGLE_POSITION = "/api/v2/mix/position/single-position"
    V3_ACCOUNT_SETTINGS = "/api/v3/account/settings"


_COPY = "/api/v2/copy"


class CopyPaths:
    """Every copy-trading path (one place, like :class:`V2`)."""

    MIX_TRADER_CURRENT_TRACK = f"{_COPY}/mix-trader/order-current-track"
    MIX_TRADER_HISTORY_TRACK = f"{_COPY}/mix-trader/order-history-track"
    MIX_TRADER_MODIFY_TPSL = f"{_COPY}/mix-trader/order-modify-tpsl"
    MIX_TRADER_CLOSE_POSITIONS = f"{_COPY}/mix-trader/order-close-positions"
    MIX_TRADER_TOTAL_DETAIL = f"{_COPY}/mix-trader/order-total-detail"
    MIX_TRADER_PROFIT_SUMMARYS = f"{_COPY}/mix-trader/profit-history-summarys"
    MIX_TRADER_PROFIT_HISTORY = f"{_COPY}/mix-trader/profit-history-details"
    MIX_TRADER_PROFIT_DETAILS = f"{_COPY}/mix-trader/profit-details"
    MIX_TRADER_PROFITS_BY_DATE = f"{_COPY}/mix-trader/profits-group-coin-date"
    MIX_TRADER_QUERY_SYMBOLS = f"{_COPY}/mix-trader/config-query-symbols"
    MIX_TRADER_SETTING_SYMBOLS = f"{_COPY}/mix-trader/config-setting-symbols"
    # Bitget's page says config-settings-base; ccxt lists config-setting-base (bitget-v2.md §6). The page wins.
    MIX_TRADER_SETTINGS_BASE = f"{_COPY}/mix-trader/config-settings-base"
    MIX_TRADER_QUERY_FOLLOWERS = f"{_COPY}/mix-trader/config-query-followers"
    MIX_TRADER_REMOVE_FOLLOWER = f"{_COPY}/mix-trader/config-remove-follower"
    MIX_FOLLOWER_CURRENT_ORDERS = f"{_COPY}/mix-follower/query-current-orders"
    MIX_FOLLOWER_HISTORY_ORDERS = f"{_COPY}/mix-follower/query-history-orders"
    MIX_FOLLOWER_SETTING_TPSL = f"{_COPY}/mix-follower/setting-tpsl"
    MIX_FOLLOWER_SETTINGS = f"{_COPY}/mix-follower/settings"
    MIX_FOLLOWER_QUERY_SETTINGS = f"{_COPY}/mix-follower/query-settings"
    MIX_FOLLOWER_CLOSE_POSITIONS = f"{_COPY}/mix-follower/close-positions"
    MIX_FOLLOWER_QUERY_TRADERS = f"{_COPY}/mix-follower/query-traders"
    MIX_FOLLOWER_QUANTITY_LIMIT = f"{_COPY}/mix-follower/query-quantity-limit"
    MIX_FOLLOWER_CANCEL_TRADER = f"{_COPY}/mix-follower/cancel-trader"
    MIX_BROKER_QUERY_TRADERS = f"{_COPY}/mix-broker/query-traders"
    MIX_BROKER_HISTORY_TRACES = f"{_COPY}/mix-broker/query-history-traces"
    MIX_BROKER_CURRENT_TRACES = f"{_COPY}/mix-broker/query-current-traces"
    SPOT_TRADER_PROFIT_SUMMARYS = f"{_COPY}/spot-trader/profit-summarys"
    SPOT_TRADER_PROFIT_HISTORY = f"{_COPY}/spot-trader/profit-history-details"
    SPOT_TRADER_PROFIT_DETAILS = f"{_COPY}/spot-trader/profit-details"
    SPOT_TRADER_TOTAL_DETAIL = f"{_COPY}/spot-trader/order-total-detail"
    SPOT_TRADER_MODIFY_TPSL = f"{_COPY}/spot-trader/order-modify-tpsl"
    SPOT_TRADER_HISTORY_TRACK = f"{_COPY}/spot-trader/order-history-track"
    SPOT_TRADER_CURRENT_TRACK = f"{_COPY}/spot-trader/order-current-track"
    SPOT_TRADER_CLOSE_TRACKING = f"{_COPY}/spot-trader/order-close-tracking"
    SPOT_TRADER_SETTING_SYMBOLS = f"{_COPY}/spot-trader/config-setting-symbols"
    SPOT_TRADER_REMOVE_FOLLOWER = f"{_COPY}/spot-trader/config-remove-follower"
    SPOT_TRADER_QUERY_SETTINGS = f"{_COPY}/spot-trader/config-query-settings"
    SPOT_TRADER_QUERY_FOLLOWERS = f"{_COPY}/spot-trader/config-query-followers"
    SPOT_FOLLOWER_STOP_ORDER = f"{_COPY}/spot-follower/stop-order"
    SPOT_FOLLOWER_SETTINGS = f"{_COPY}/spot-follower/settings"
    SPOT_FOLLOWER_SETTING_TPSL = f"{_COPY}/spot-follower/setting-tpsl"
    SPOT_FOLLOWER_QUERY_TRADERS = f"{_COPY}/spot-follower/query-traders"
    SPOT_FOLLOWER_TRADER_SYMBOLS = f"{_COPY}/spot-follower/query-trader-symbols"
    SPOT_FOLLOWER_QUERY_SETTINGS = f"{_COPY}/spot-follower/query-settings"
    SPOT_FOLLOWER_HISTORY_ORDERS = f"{_COPY}/spot-follower/query-history-orders"
    SPOT_FOLLOWER_CURRENT_ORDERS = f"{_COPY}/spot-follower/query-current-orders"
    SPOT_FOLLOWER_CLOSE_TRACKING = f"{_COPY}/spot-follower/order-close-tracking"
    SPOT_FOLLOWER_CANCEL_TRADER = f"{_COPY}/spot-follower/cancel-trader"

    @classmethod
    def all(cls) -> list[str]:
        return [v for k, v in vars(cls).items() if k.isupper() and isinstance(v, str)]


# Limiter keys of the elite-trader order buckets (not paths: the order endpoints' own buckets stay in the transport).
TRADER_FUTURES_ORDER = "copy-trader:" + V2.MIX_PLACE_ORDER
TRADER_SPOT_ORDER = "copy-trader:" + V2.SPOT_PLACE_ORDER

_ONE_PER_SECOND = (
    CopyPaths.SPOT_FOLLOWER_CLOSE_TRACKING, CopyPaths.SPOT_FOLLOWER_CANCEL_TRADER, CopyPaths.SPOT_FOLLOWER_STOP_ORDER,
    CopyPaths.SPOT_FOLLOWER_SETTINGS, CopyPaths.SPOT_FOLLOWER_SETTING_TPSL, CopyPaths.SPOT_TRADER_CLOSE_TRACKING,
    CopyPaths.SPOT_TRADER_SETTING_SYMBOLS, CopyPaths.SPOT_TRADER_REMOVE_FOLLOWER, CopyPaths.SPOT_TRADER_MODIFY_TPSL,
    TRADER_FUTURES_ORDER, TRADER_SPOT_ORDER,
)
_TEN_PER_SECOND = (
    CopyPaths.MIX_FOLLOWER_QUANTITY_LIMIT, CopyPaths.SPOT_TRADER_QUERY_FOLLOWERS, CopyPaths.SPOT_TRADER_CURRENT_TRACK,
    CopyPaths.SPOT_FOLLOWER_TRADER_SYMBOLS,
)

# Requests per second (Bitget's copy-trading pages and the Aug 2024 rate-limit change log; bitget-v2.md §4).
COPY_RATES: dict[str, float] = {
    **{path: 5.0 for path in CopyPaths.all()},
    **{path: 10.0 for path in _TEN_PER_SECOND},
    **{path: 1.0 for path in _ONE_PER_SECOND},
}
