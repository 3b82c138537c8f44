"""Public market data: server time, markets, tickers, order books, candles, trades, funding, open interest.

REST parsers take the unwrapped ``data`` (see :func:`terminal_app.bitget.models.envelope.unwrap`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from terminal_app.bitget.models.fields import (
    BadValue,
    Fields,
    as_list,
    as_mapping,
    dec,
    fail,
    int_ms,
    num_str,
    parse_list,
)
from terminal_app.bitget.models.mapping import SIDE_FROM_WIRE, product_from_wire
from terminal_app.core.instruments import MarketInfo, Product, SymbolRef
from terminal_app.core.market_data import Candle, PublicTrade, Ticker

Level = tuple[str, str]
"""One order-book level as Bitget's raw ``(price, size)`` strings: the checksum is computed over them."""


@dataclass(frozen=True, slots=True)
class ServerTime:
    server_time: int


@dataclass(frozen=True, slots=True)
class Depth:
    """An order-book snapshot or update with Bitget's raw level strings (bids descending, asks ascending).

    ``action`` is ``"snapshot"``/``"update"`` on WebSocket books and ``None`` from REST; ``checksum`` is the signed
    CRC32 Bitget sent (``0`` on books5/books15, which carry no real checksum).
    """

    bids: tuple[Level, ...]
    asks: tuple[Level, ...]
    ts: int
    checksum: int | None = None
    seq: int | None = None
    action: str | None = None
    symbol: str | None = None
    product: Product | None = None


@dataclass(frozen=True, slots=True)
class FundingRate:
    """Current funding (``current-fund-rate``) or one past settlement (``history-fund-rate``: ``funding_time``)."""

    symbol: str
    funding_rate: Decimal
    interval_hours: int | None = None
    next_update: int | None = None
    min_funding_rate: Decimal | None = None
    max_funding_rate: Decimal | None = None
    funding_time: int | None = None


@dataclass(frozen=True, slots=True)
class FundingTime:
    symbol: str
    next_funding_time: int
    rate_period_hours: int | None


@dataclass(frozen=True, slots=True)
class OpenInterest:
    symbol: str
    size: Decimal
    ts: int


@dataclass(frozen=True, slots=True)
class SymbolPrice:
    """Last, index and mark price of a contract (``symbol-price``)."""

    symbol: str
    price: Decimal
    index_price: Decimal
    mark_price: Decimal
    ts: int


@dataclass(frozen=True, slots=True)
class LeverageTier:
    """One row of ``query-position-lever``: position value band → max leverage and maintenance margin rate."""

    symbol: str
    level: int
    start_unit: Decimal
    end_unit: Decimal
    leverage: Decimal
    keep_margin_rate: Decimal


@dataclass(frozen=True, slots=True)
class FeeRate:
    maker: Decimal
    taker: Decimal


# --- markets -------------------------------------------------------------------------------------------------------


def parse_server_time(data: Any) -> ServerTime:
    """``GET /api/v2/public/time``."""
    return ServerTime(server_time=Fields(data, "ServerTime").ms("serverTime"))


# Spot says "online", futures "normal" for a market that takes orders (spot also has gray/halt/offline, futures
# maintain/limit_open/restrictedAPI/off).
_TRADABLE_STATUSES = frozenset({"online", "normal"})


def _dec0(value: Any, default: str = "0") -> Decimal:
    if value is None or value == "":
        return Decimal(default)
    return Decimal(str(value))


def _step(places: int) -> Decimal:
    return Decimal(1).scaleb(-places)


def spot_market_from(d: dict[str, Any]) -> MarketInfo:
    """One row of ``GET /api/v2/spot/public/symbols``."""
    price_places = int(d["pricePrecision"])
    size_places = int(d["quantityPrecision"])
    status = str(d.get("status", "online"))
    return MarketInfo(
        ref=SymbolRef(str(d["symbol"]), Product.SPOT),
        base_coin=str(d["baseCoin"]),
        quote_coin=str(d["quoteCoin"]),
        tick_size=_step(price_places),
        lot_size=_step(size_places),
        min_size=_dec0(d.get("minTradeAmount")),
        min_notional=_dec0(d.get("minTradeUSDT"), "1"),
        price_places=price_places,
        size_places=size_places,
        maker_fee=_dec0(d.get("makerFeeRate"), "0.001"),
        taker_fee=_dec0(d.get("takerFeeRate"), "0.001"),
        tradable=status in _TRADABLE_STATUSES,
        status=status,
        quote_places=int(d.get("quotePrecision") or price_places),
    )


def contract_market_from(d: dict[str, Any], product: Product | None = None) -> MarketInfo:
    """One row of ``GET /api/v2/mix/market/contracts``; ``product`` when the caller knows it (the answer may not
    repeat the ``productType``)."""
    price_places = int(d["pricePlace"])
    size_places = int(d["volumePlace"])
    end_step = _dec0(d.get("priceEndStep"), "1")
    product = product or product_from_wire(str(d.get("productType") or "USDT-FUTURES"))
    lot = _dec0(d.get("sizeMultiplier"), str(_step(size_places)))
    status = str(d.get("symbolStatus", "normal"))
    return MarketInfo(
        ref=SymbolRef(str(d["symbol"]), product),
        base_coin=str(d["baseCoin"]),
        quote_coin=str(d["quoteCoin"]),
        tick_size=end_step * _step(price_places),
        lot_size=lot if lot > 0 else _step(size_places),
        min_size=_dec0(d.get("minTradeNum")),
        min_notional=_dec0(d.get("minTradeUSDT"), "5"),
        price_places=price_places,
        size_places=size_places,
        maker_fee=_dec0(d.get("makerFeeRate"), "0.0002"),
        taker_fee=_dec0(d.get("takerFeeRate"), "0.0006"),
        tradable=status in _TRADABLE_STATUSES,
        status=status,
        max_leverage=int(_dec0(d.get("maxLever"), "125")),
        min_leverage=int(_dec0(d.get("minLever"), "1")),
        delivery_time=_delivery_time(d.get("deliveryTime")) if d.get("symbolType") == "delivery" else None,
    )


def _delivery_time(value: Any) -> int | None:
    # "" for perpetuals (typed-bitget saw it live; the docs once said "-1"); epoch ms for delivery contracts
    text = str(value or "").strip()
    return int(text) if text.isdigit() and int(text) > 0 else None


def _market(kind: str, build: Callable[[dict[str, Any]], MarketInfo], entry: Any) -> MarketInfo:
    as_mapping(entry, kind)
    try:
        market = build(entry)
    except KeyError as exc:
        fail(kind, f"field {exc.args[0]!r} is missing")
    except (ValueError, ArithmeticError, TypeError) as exc:
        fail(kind, f"malformed value ({exc})")
    return market


def parse_spot_symbols(data: Any) -> list[MarketInfo]:
    """``GET /api/v2/spot/public/symbols``."""
    return parse_list(data, "MarketInfo (spot)", lambda e: _market("MarketInfo (spot)", spot_market_from, e))


def parse_contracts(data: Any, product: Product = Product.USDT_FUTURES) -> list[MarketInfo]:
    """``GET /api/v2/mix/market/contracts?productType=…``; the answer does not repeat the product type."""
    kind = "MarketInfo (contract)"
    return parse_list(data, kind, lambda e: _market(kind, lambda d: contract_market_from(d, product), e))


# --- tickers -------------------------------------------------------------------------------------------------------


def ticker_from(entry: Any, product: Product) -> Ticker:
    """One ticker object, REST or WebSocket, spot or futures (spot REST says ``open``, the others ``open24h``)."""
    f = Fields(entry, "Ticker")
    futures = product.is_futures
    return Ticker(
        symbol=f.symbol(("symbol", "instId")),
        product=product,
        last=f.dec("lastPr"),
        bid=f.dec("bidPr"),
        ask=f.dec("askPr"),
        bid_size=f.dec("bidSz"),
        ask_size=f.dec("askSz"),
        open_24h=f.dec(("open24h", "open"), "0"),
        high_24h=f.dec("high24h"),
        low_24h=f.dec("low24h"),
        change_24h=f.dec("change24h", "0"),
        base_volume=f.dec("baseVolume"),
        quote_volume=f.dec("quoteVolume"),
        ts=f.ms("ts"),
        usdt_volume=f.opt_dec("usdtVolume"),
        open_utc=f.opt_dec("openUtc"),
        change_utc_24h=f.opt_dec("changeUtc24h"),
        mark_price=f.opt_dec("markPrice") if futures else None,
        index_price=f.opt_dec("indexPrice") if futures else None,
        funding_rate=f.opt_dec("fundingRate") if futures else None,
        next_funding_time=f.opt_ms("nextFundingTime") if futures else None,
        holding_amount=f.opt_dec("holdingAmount") if futures else None,
        delivery_time=f.opt_ms("deliveryTime") if futures else None,
    )


def parse_spot_tickers(data: Any) -> list[Ticker]:
    """``GET /api/v2/spot/market/tickers``."""
    return parse_list(data, "Ticker", lambda e: ticker_from(e, Product.SPOT))


def parse_futures_tickers(data: Any, product: Product = Product.USDT_FUTURES) -> list[Ticker]:
    """``GET /api/v2/mix/market/ticker`` and ``/tickers`` (both answer a list)."""
    if isinstance(data, dict):  # tolerate a bare object for the single-symbol endpoint
        data = [data]
    return parse_list(data, "Ticker", lambda e: ticker_from(e, product))


# --- order books ---------------------------------------------------------------------------------------------------


def _levels(value: Any, side: str, kind: str) -> tuple[Level, ...]:
    # Hot path for the book stream: strings pass through, numbers (mix merge-depth) get a canonical string.
    if value is None:
        return ()
    if not isinstance(value, list):
        fail(kind, f"field {side!r} is not a list")
    try:
        out: list[Level] = []
        for level in value:
            price, size = level[0], level[1]
            out.append((price if type(price) is str else num_str(price), size if type(size) is str else num_str(size)))
        return tuple(out)
    except (BadValue, IndexError, TypeError, KeyError) as exc:
        fail(kind, f"field {side!r} has a malformed level ({exc})")


def _opt_int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise BadValue(f"not an integer: {value!r}")
    return int(value)


def depth_from(entry: Any, *, action: str | None = None, symbol: str | None = None,
               product: Product | None = None) -> Depth:
    """One book object (REST ``orderbook``/``merge-depth`` data or one element of a WebSocket ``books*`` push)."""
    kind = "Depth"
    body = entry if type(entry) is dict else as_mapping(entry, kind)
    raw_checksum = body.get("checksum")
    raw_seq = body.get("seq")
    raw_ts = body.get("ts")
    try:
        ts = int(raw_ts) if type(raw_ts) is str and raw_ts.isdigit() else int_ms(raw_ts)
        checksum = raw_checksum if type(raw_checksum) is int else _opt_int(raw_checksum)
        seq = raw_seq if type(raw_seq) is int else _opt_int(raw_seq)
    except (BadValue, ValueError, TypeError) as exc:
        fail(kind, f"malformed ts/checksum/seq ({exc})")
    return Depth(
        bids=_levels(body.get("bids"), "bids", kind),
        asks=_levels(body.get("asks"), "asks", kind),
        ts=ts,
        checksum=checksum,
        seq=seq,
        action=action,
        symbol=symbol,
        product=product,
    )


def parse_orderbook(data: Any) -> Depth:
    """``GET /api/v2/spot/market/orderbook``, ``/spot/market/merge-depth`` and ``/mix/market/merge-depth``."""
    return depth_from(data)


# --- candles -------------------------------------------------------------------------------------------------------


def candle_from(row: Any, *, ws_layout: bool = False) -> Candle:
    """One candle row ``[ts, open, high, low, close, baseVol, …]``.

    Bitget documents the volume columns differently per source: spot REST rows are ``[…, baseVol, usdtVol,
    quoteVol]``, WebSocket rows ``[…, baseVol, quoteVol, usdtVol]``, futures REST rows ``[…, baseVol, quoteVol]``.
    """
    kind = "Candle"
    if not isinstance(row, Sequence) or isinstance(row, str) or len(row) < 7:
        fail(kind, f"expected a row of at least 7 values, got {row!r}")
    try:
        if len(row) >= 8:
            quote, usdt = (row[6], row[7]) if ws_layout else (row[7], row[6])
        else:
            quote, usdt = row[6], None
        return Candle(
            ts=int_ms(row[0]),
            open=dec(row[1]),
            high=dec(row[2]),
            low=dec(row[3]),
            close=dec(row[4]),
            base_volume=dec(row[5]),
            quote_volume=dec(quote),
            usdt_volume=None if usdt is None else dec(usdt),
        )
    except BadValue as exc:
        fail(kind, f"malformed row {list(row)!r} ({exc})")


def parse_candles(data: Any) -> list[Candle]:
    """``GET /api/v2/spot/market/candles``, ``history-candles``; ``/mix/market/candles``, ``history-candles``,
    ``history-index-candles``, ``history-mark-candles``."""
    return parse_list(data, "Candle", candle_from)


# --- trades --------------------------------------------------------------------------------------------------------


def public_trade_from(entry: Any, symbol: str | None = None) -> PublicTrade:
    f = Fields(entry, "PublicTrade")
    return PublicTrade(
        trade_id=f.text("tradeId"),
        symbol=symbol if symbol is not None else f.symbol(("symbol", "instId")),
        side=f.enum("side", SIDE_FROM_WIRE),
        price=f.dec("price"),
        size=f.dec("size"),
        ts=f.ms("ts"),
    )


def parse_public_trades(data: Any) -> list[PublicTrade]:
    """``GET /api/v2/spot/market/fills``, ``fills-history``; ``/mix/market/fills``, ``fills-history``."""
    return parse_list(data, "PublicTrade", public_trade_from)


# --- futures market extras -----------------------------------------------------------------------------------------


def _funding_rate(entry: Any) -> FundingRate:
    f = Fields(entry, "FundingRate")
    interval = f.opt_dec("fundingRateInterval")
    return FundingRate(
        symbol=f.symbol(),
        funding_rate=f.dec("fundingRate"),
        interval_hours=None if interval is None else int(interval),
        next_update=f.opt_ms("nextUpdate"),
        min_funding_rate=f.opt_dec("minFundingRate"),
        max_funding_rate=f.opt_dec("maxFundingRate"),
        funding_time=f.opt_ms("fundingTime"),
    )


def parse_funding_rates(data: Any) -> list[FundingRate]:
    """``GET /api/v2/mix/market/current-fund-rate`` and ``history-fund-rate``."""
    return parse_list(data, "FundingRate", _funding_rate)


def _funding_time(entry: Any) -> FundingTime:
    f = Fields(entry, "FundingTime")
    period = f.opt_dec("ratePeriod")
    return FundingTime(symbol=f.symbol(), next_funding_time=f.ms("nextFundingTime"),
                       rate_period_hours=None if period is None else int(period))


def parse_funding_times(data: Any) -> list[FundingTime]:
    """``GET /api/v2/mix/market/funding-time``."""
    return parse_list(data, "FundingTime", _funding_time)


def parse_open_interest(data: Any) -> list[OpenInterest]:
    """``GET /api/v2/mix/market/open-interest``: ``{"openInterestList": [{symbol, size}], "ts"}``."""
    outer = Fields(data, "OpenInterest")
    ts = outer.ms("ts")

    def one(entry: Any) -> OpenInterest:
        f = Fields(entry, "OpenInterest")
        return OpenInterest(symbol=f.symbol(), size=f.dec("size"), ts=ts)

    return [one(e) for e in as_list(outer.any("openInterestList"), "OpenInterest")]


def _symbol_price(entry: Any) -> SymbolPrice:
    f = Fields(entry, "SymbolPrice")
    return SymbolPrice(symbol=f.symbol(), price=f.dec("price"), index_price=f.dec("indexPrice"),
                       mark_price=f.dec("markPrice"), ts=f.ms("ts"))


def parse_symbol_prices(data: Any) -> list[SymbolPrice]:
    """``GET /api/v2/mix/market/symbol-price``."""
    return parse_list(data, "SymbolPrice", _symbol_price)


def _leverage_tier(entry: Any) -> LeverageTier:
    f = Fields(entry, "LeverageTier")
    return LeverageTier(symbol=f.symbol(), level=int(f.dec("level")), start_unit=f.dec("startUnit"),
                        end_unit=f.dec("endUnit"), leverage=f.dec("leverage"),
                        keep_margin_rate=f.dec("keepMarginRate"))


def parse_leverage_tiers(data: Any) -> list[LeverageTier]:
    """``GET /api/v2/mix/market/query-position-lever``."""
    return parse_list(data, "LeverageTier", _leverage_tier)


def parse_fee_rate(data: Any) -> FeeRate:
    """``GET /api/v2/common/trade-rate``."""
    f = Fields(data, "FeeRate")
    return FeeRate(maker=f.dec("makerFeeRate"), taker=f.dec("takerFeeRate"))


__all__ = [
    "Depth",
    "FeeRate",
    "FundingRate",
    "FundingTime",
    "Level",
    "LeverageTier",
    "OpenInterest",
    "ServerTime",
    "SymbolPrice",
    "candle_from",
    "contract_market_from",
    "depth_from",
    "parse_candles",
    "parse_contracts",
    "parse_fee_rate",
    "parse_funding_rates",
    "parse_funding_times",
    "parse_futures_tickers",
    "parse_leverage_tiers",
    "parse_open_interest",
    "parse_orderbook",
    "parse_public_trades",
    "parse_server_time",
    "parse_spot_symbols",
    "parse_spot_tickers",
    "parse_symbol_prices",
    "public_trade_from",
    "spot_market_from",
    "ticker_from",
]
