"""V3 market data parsers: instruments, tickers, order books, candles, trades, funding and open interest → the
terminal's domain types (and the V2 package's plain value types where they say nothing V2-specific: ``Depth``,
``FundingRate``, ``OpenInterest``). REST parsers take the envelope's unwrapped ``data``; field names:
bitget-v3-uta.md §5.1, §6.2 and the samples in tests/data/bitget-samples/v3/."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from terminal_app.bitget.models.fields import BadValue, Fields, as_list, as_mapping, fail, num_str, parse_list
from terminal_app.bitget.models.market import Depth, FundingRate, Level, OpenInterest
from terminal_app.bitget.v3.mapping import SIDE_FROM_WIRE, domain_symbol, product_of
from terminal_app.core.instruments import MarketInfo, Product, SymbolRef
from terminal_app.core.market_data import Candle, PublicTrade, Ticker

# Instruments that take orders now; ``limit_open``/``limit_close`` take only one kind, ``listed`` not yet.
_TRADABLE = frozenset({"online"})


def _places(step: Decimal) -> int:
    exponent = step.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def market_from(entry: Any, product: Product | None = None) -> MarketInfo:
    """One row of ``GET /api/v3/market/instruments``: tick = ``priceMultiplier``, step = ``quantityMultiplier``."""
    f = Fields(entry, "Instrument")
    product = product or product_of(f.text("category"))
    price_places = int(f.dec("pricePrecision"))
    size_places = int(f.dec("quantityPrecision"))
    tick = f.dec("priceMultiplier", "0") or Decimal(1).scaleb(-price_places)
    lot = f.dec("quantityMultiplier", "0") or Decimal(1).scaleb(-size_places)
    status = f.word("status", "online")
    quote_places = f.opt_dec("quotePrecision")
    return MarketInfo(
        ref=SymbolRef(domain_symbol(f.symbol()), product),
        base_coin=f.text("baseCoin").upper(),
        quote_coin=f.text("quoteCoin").upper(),
        tick_size=tick,
        lot_size=lot,
        min_size=f.dec("minOrderQty", "0"),
        min_notional=f.dec("minOrderAmount", "0"),
        price_places=max(price_places, _places(tick)),
        size_places=max(size_places, _places(lot)),
        maker_fee=f.dec("makerFeeRate", "0.001"),
        taker_fee=f.dec("takerFeeRate", "0.001"),
        tradable=status in _TRADABLE,
        status=status,
        max_leverage=int(f.dec("maxLeverage", "1")) if product.is_futures else 1,
        min_leverage=int(f.dec("minLeverage", "1")) if product.is_futures else 1,
        quote_places=int(quote_places) if quote_places is not None else price_places,
    )


def parse_instruments(data: Any, product: Product | None = None) -> list[MarketInfo]:
    """``GET /api/v3/market/instruments`` (a MARGIN answer describes spot pairs)."""
    return parse_list(data, "Instrument", lambda e: market_from(e, product))


def ticker_from(entry: Any, product: Product | None = None, symbol: str | None = None, ts: int | None = None
                ) -> Ticker:
    """A REST ``tickers`` row or a WebSocket ``ticker`` push (which names neither category nor symbol: the
    subscription does)."""
    f = Fields(entry, "Ticker")
    product = product or product_of(f.text("category"))
    last = f.dec("lastPrice")
    open_24h = f.dec("openPrice24h", "0")
    return Ticker(
        symbol=symbol or domain_symbol(f.symbol()),
        product=product,
        last=last,
        bid=f.dec("bid1Price", "0"),
        ask=f.dec("ask1Price", "0"),
        bid_size=f.dec("bid1Size", "0"),
        ask_size=f.dec("ask1Size", "0"),
        open_24h=open_24h,
        high_24h=f.dec("highPrice24h", "0"),
        low_24h=f.dec("lowPrice24h", "0"),
        change_24h=f.dec("price24hPcnt", "0"),
        base_volume=f.dec("volume24h", "0"),
        quote_volume=f.dec("turnover24h", "0"),
        ts=ts if ts is not None else f.ms("ts"),
        mark_price=f.opt_dec("markPrice"),
        index_price=f.opt_dec("indexPrice"),
        funding_rate=f.opt_dec("fundingRate"),
        next_funding_time=f.opt_ms("nextFundingTime"),
        holding_amount=f.opt_dec("openInterest"),
        delivery_time=f.opt_ms("deliveryTime"),
    )


def parse_tickers(data: Any) -> list[Ticker]:
    """``GET /api/v3/market/tickers``."""
    return parse_list(data, "Ticker", ticker_from)


def _levels(value: Any, side: str) -> tuple[Level, ...]:
    # REST sends numbers (``[73000.0, 0.007]``), the WebSocket strings; both become Bitget-style strings.
    if value is None:
        return ()
    if not isinstance(value, list):
        fail("Depth", f"field {side!r} is not a list")
    try:
        return tuple((p if type(p) is str else num_str(p), q if type(q) is str else num_str(q))
                     for p, q, *_ in value)
    except (BadValue, ValueError, TypeError) as exc:
        fail("Depth", f"field {side!r} has a malformed level ({exc})")


def depth_from(entry: Any, *, action: str | None = None, symbol: str | None = None,
               product: Product | None = None) -> Depth:
    """REST ``orderbook`` data or one element of a ``books*`` push. ``seq`` is an integer beyond 2^53 (never a
    float); there is no checksum on V3 books."""
    f = Fields(entry, "Depth")
    raw_seq = f.any("seq")
    try:
        seq = None if raw_seq in (None, "") else int(raw_seq)
    except (TypeError, ValueError):
        fail("Depth", f"field 'seq' is not an integer: {raw_seq!r}")
    return Depth(bids=_levels(f.any("b"), "b"), asks=_levels(f.any("a"), "a"), ts=f.ms("ts"), checksum=None,
                 seq=seq, action=action, symbol=symbol, product=product)


def parse_orderbook(data: Any) -> Depth:
    """``GET /api/v3/market/orderbook``."""
    return depth_from(data)


def book_pseq(entry: Any) -> int | None:
    """The ``pseq`` of a ``books`` push element (the previous update's ``seq``; 0 after a reset)."""
    value = as_mapping(entry, "Depth").get("pseq")
    return None if value in (None, "") else int(value)


def candle_row(row: Any) -> Candle:
    """A REST row ``[ts, open, high, low, close, volume (base), turnover (quote)]``."""
    if not isinstance(row, list) or len(row) < 7:
        fail("Candle", f"a candle row has 7 fields: {row!r}")
    f = Fields(dict(zip(("ts", "o", "h", "l", "c", "v", "q"), row, strict=False)), "Candle")
    return Candle(ts=f.ms("ts"), open=f.dec("o"), high=f.dec("h"), low=f.dec("l"), close=f.dec("c"),
                  base_volume=f.dec("v"), quote_volume=f.dec("q"))


def parse_candles(data: Any) -> list[Candle]:
    """``GET /api/v3/market/candles`` and ``history-candles``, oldest first (Bitget's order)."""
    return sorted(parse_list(data, "Candle", candle_row), key=lambda c: c.ts)


def kline_from(entry: Any) -> Candle:
    """One ``kline`` push object ``{start, open, high, low, close, volume, turnover}``."""
    f = Fields(entry, "Kline")
    return Candle(ts=f.ms("start"), open=f.dec("open"), high=f.dec("high"), low=f.dec("low"),
                  close=f.dec("close"), base_volume=f.dec("volume"), quote_volume=f.dec("turnover"))


def public_trade_from(entry: Any, symbol: str) -> PublicTrade:
    """A ``publicTrade`` push (``i p v S T``) or a REST ``market/fills`` row (``execId price size side ts``)."""
    f = Fields(entry, "PublicTrade")
    return PublicTrade(trade_id=f.text(("i", "execId")), symbol=symbol,
                       side=f.enum(("S", "side"), SIDE_FROM_WIRE), price=f.dec(("p", "price")),
                       size=f.dec(("v", "size")), ts=f.ms(("T", "ts")))


def parse_public_trades(data: Any, symbol: str) -> list[PublicTrade]:
    """``GET /api/v3/market/fills`` (rows carry no symbol)."""
    return parse_list(data, "PublicTrade", lambda e: public_trade_from(e, symbol))


def _funding(entry: Any) -> FundingRate:
    f = Fields(entry, "FundingRate")
    interval = f.opt_dec("fundingRateInterval")
    return FundingRate(symbol=domain_symbol(f.symbol()), funding_rate=f.dec("fundingRate"),
                       interval_hours=int(interval) if interval is not None else None,
                       next_update=f.opt_ms("nextUpdate"), min_funding_rate=f.opt_dec("minFundingRate"),
                       max_funding_rate=f.opt_dec("maxFundingRate"), funding_time=f.opt_ms("fundingRateTimestamp"))


def parse_current_funding(data: Any) -> list[FundingRate]:
    """``GET /api/v3/market/current-fund-rate`` (min/max may be null on newer symbols)."""
    return parse_list(data, "FundingRate", _funding)


def parse_history_funding(data: Any) -> list[FundingRate]:
    """``GET /api/v3/market/history-fund-rate``: ``{resultList: [...]}``."""
    rows = as_mapping(data, "FundingHistory").get("resultList") if isinstance(data, dict) else data
    return [_funding(e) for e in as_list(rows, "FundingHistory")]


def parse_open_interest(data: Any) -> list[OpenInterest]:
    """``GET /api/v3/market/open-interest``: ``{list: [{symbol, openInterest}], ts}``."""
    f = Fields(data, "OpenInterest")
    ts = f.ms("ts")
    out = []
    for entry in f.seq("list"):
        row = Fields(entry, "OpenInterest")
        out.append(OpenInterest(symbol=domain_symbol(row.symbol()), size=row.dec("openInterest"), ts=ts))
    return out
