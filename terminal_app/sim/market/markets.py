"""The simulator's market catalogue: eight spot pairs and three USDT-M perpetuals with Bitget-like parameters.

Each :class:`SimMarket` carries the :class:`MarketInfo` the rest of the app uses, the raw Bitget fields that the
server renders for ``/api/v2/spot/public/symbols`` and ``/api/v2/mix/market/contracts`` (same keys and string types as
the samples), and the parameters of its synthetic market (start price, volatility, maker ladder, taker flow).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from terminal_app.bitget.errors import error_for_code
from terminal_app.bitget.models.market import contract_market_from, spot_market_from
from terminal_app.core.instruments import MarketInfo, Product, SymbolRef

SPOT = Product.SPOT
USDT_FUTURES = Product.USDT_FUTURES


@dataclass(frozen=True, slots=True)
class MarketParams:
    """Knobs of the synthetic market of one instrument (prices in ticks, sizes in lots of that market)."""

    annual_vol: float            # long-run annualised volatility of the underlying
    spread_ticks: int            # maker spread at the top of the book
    dense_ticks: int             # every tick is quoted this close to the best price
    density: float               # beyond that, the share of ticks that carry a maker level
    levels: int                  # maker levels per side
    level_lots: int              # typical maker level size, in lots
    trade_lots: int              # typical synthetic taker trade, in lots
    trades_per_s: float          # mean synthetic taker trades per second


@dataclass(frozen=True, slots=True)
class SimMarket:
    ref: SymbolRef
    info: MarketInfo
    raw: dict[str, Any]                  # Bitget's symbol/contract fields, strings as in the samples
    underlying: str                      # the base coin whose price path drives this market
    start_price: Decimal                 # level the price process reverts to
    params: MarketParams
    keep_margin_rate: Decimal = Decimal(0)   # maintenance margin rate (futures)
    basis: float = 0.0                   # futures premium over the underlying (mean)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def symbol(self) -> str:
        return self.ref.symbol

    @property
    def is_futures(self) -> bool:
        return self.ref.is_futures

    @property
    def tick(self) -> Decimal:
        return self.info.tick_size

    @property
    def lot(self) -> Decimal:
        return self.info.lot_size


def _spot(symbol: str, base: str, price_places: int, size_places: int, min_amount: str, start: str,
          params: MarketParams) -> SimMarket:
    raw: dict[str, Any] = {
        "symbol": symbol,
        "baseCoin": base,
        "quoteCoin": "USDT",
        "minTradeAmount": min_amount,
        "maxTradeAmount": "10000000000",
        "takerFeeRate": "0.001",
        "makerFeeRate": "0.001",
        "pricePrecision": str(price_places),
        "quantityPrecision": str(size_places),
        "quotePrecision": "8",
        "minTradeUSDT": "1",
        "status": "online",
        "buyLimitPriceRatio": "0.05",
        "sellLimitPriceRatio": "0.05",
        # documented since 2025 (SG:spot/market/Get-Symbols; openTime "deprecated" but still sent), and the order
        # value caps typed-bitget saw live
        "areaSymbol": "no",
        "orderQuantity": "200",
        "openTime": "1532454360000",
        "offTime": "",
        "maxLimitOrderValue": "5000000",
        "maxMarketOrderValue": "1000000",
    }
    info = spot_market_from(raw)
    return SimMarket(SymbolRef(symbol, SPOT), info, raw, base, Decimal(start), params)


def _contract(symbol: str, base: str, price_place: int, end_step: int, volume_place: int, multiplier: str,
              max_lever: int, start: str, keep_margin_rate: str, params: MarketParams) -> SimMarket:
    max_market_qty = int(Decimal(2_000_000) / Decimal(start))       # about 2M USDT per market order
    raw: dict[str, Any] = {
        "symbol": symbol,
        "baseCoin": base,
        "quoteCoin": "USDT",
        "buyLimitPriceRatio": "0.05",
        "sellLimitPriceRatio": "0.05",
        "feeRateUpRatio": "0.005",
        "makerFeeRate": "0.0002",
        "takerFeeRate": "0.0006",
        "openCostUpRatio": "0.01",
        "supportMarginCoins": ["USDT"],
        "minTradeNum": multiplier,
        "priceEndStep": str(end_step),
        "volumePlace": str(volume_place),
        "pricePlace": str(price_place),
        "sizeMultiplier": multiplier,
        "symbolType": "perpetual",
        "minTradeUSDT": "5",
        "maxSymbolOrderNum": "200",
        "maxProductOrderNum": "400",
        "maxPositionNum": "150",
        "symbolStatus": "normal",
        "offTime": "-1",
        "limitOpenTime": "-1",
        "deliveryTime": "",
        "deliveryStartTime": "",
        "launchTime": "",
        "fundInterval": "8",
        "minLever": "1",
        "maxLever": str(max_lever),
        "posLimit": "0.05",
        "maintainTime": "",
        "maxMarketOrderQty": str(max_market_qty),       # base units (SG:contract/market/Get-All-Symbols-Contracts)
        "maxOrderQty": str(max_market_qty * 5),
        "isRwa": "NO",                                  # 2025-11-19
    }
    info = contract_market_from(raw, USDT_FUTURES)
    return SimMarket(SymbolRef(symbol, USDT_FUTURES), info, raw, base, Decimal(start), params,
                     keep_margin_rate=Decimal(keep_margin_rate), basis=0.0003)


# Realistic 2025-26 Bitget parameters; sizes of levels and trades are in lots of each market.
_MARKETS: tuple[SimMarket, ...] = (
    _spot("BTCUSDT", "BTC", 2, 6, "0", "97000",
          MarketParams(0.55, 1, 12, 0.35, 400, 150_000, 4_000, 4.0)),
    _spot("ETHUSDT", "ETH", 2, 4, "0", "3400",
          MarketParams(0.70, 2, 10, 0.40, 400, 2_000, 120, 3.0)),
    _spot("SOLUSDT", "SOL", 3, 3, "0", "180",
          MarketParams(0.85, 3, 10, 0.40, 300, 40_000, 2_500, 2.0)),
    _spot("XRPUSDT", "XRP", 4, 2, "1", "2.3",
          MarketParams(0.90, 1, 10, 0.45, 300, 300_000, 20_000, 2.0)),
    _spot("BGBUSDT", "BGB", 4, 2, "0", "5.2",
          MarketParams(0.70, 2, 10, 0.45, 250, 60_000, 4_000, 1.0)),
    _contract("BTCUSDT", "BTC", 1, 1, 4, "0.0001", 125, "97000", "0.004",
              MarketParams(0.55, 1, 15, 0.40, 400, 2_500, 100, 5.0)),
    _contract("ETHUSDT", "ETH", 2, 1, 2, "0.01", 100, "3400", "0.005",
              MarketParams(0.70, 2, 12, 0.40, 400, 300, 20, 4.0)),
    _contract("SOLUSDT", "SOL", 3, 1, 1, "0.1", 75, "180", "0.0066",
              MarketParams(0.85, 3, 10, 0.40, 300, 1_000, 60, 3.0)),
    # Appended so the rows above keep their order in /symbols; with these, the GUI benchmark (bench/gui.py) has
    # ten symbols to stream.
    _spot("LINKUSDT", "LINK", 3, 2, "0", "22",
          MarketParams(0.85, 2, 10, 0.40, 250, 20_000, 1_000, 1.5)),
    _spot("LTCUSDT", "LTC", 2, 4, "0", "105",
          MarketParams(0.75, 2, 10, 0.40, 250, 400_000, 20_000, 1.5)),
    _spot("ADAUSDT", "ADA", 4, 2, "0", "0.95",
          MarketParams(0.90, 1, 10, 0.45, 250, 500_000, 30_000, 1.5)),
)

MARKETS: dict[SymbolRef, SimMarket] = {m.ref: m for m in _MARKETS}

# Coins a demo account can hold (the quote coin plus every base coin).
COINS: tuple[str, ...] = ("USDT", *sorted({m.info.base_coin for m in _MARKETS}))


def all_markets(product: Product | None = None) -> list[SimMarket]:
    return [m for m in _MARKETS if product is None or m.ref.product is product]


def find_market(symbol: str, product: Product) -> SimMarket:
    """The market for a (case-insensitive) symbol; Bitget's 40034 when it does not exist here."""
    market = MARKETS.get(SymbolRef(symbol.upper(), product))
    if market is None:
        raise error_for_code("40034", "Parameter symbol does not exist")
    return market


def spot_symbols_raw() -> list[dict[str, Any]]:
    """Rows for ``/api/v2/spot/public/symbols``."""
    return [dict(m.raw) for m in _MARKETS if m.ref.product is SPOT]


def contracts_raw(product: Product = USDT_FUTURES) -> list[dict[str, Any]]:
    """Rows for ``/api/v2/mix/market/contracts?productType=…`` (only USDT-FUTURES has contracts here)."""
    return [dict(m.raw, supportMarginCoins=list(m.raw["supportMarginCoins"]))
            for m in _MARKETS if m.ref.product is product]
