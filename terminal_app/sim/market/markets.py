"""The simulator's market catalogue: spot pairs, USDT-M perpetuals, coin-M inverse perpetuals and one coin-M delivery
contract per coin (margined and settled in the base coin), and USDC-M perpetuals, with Bitget-like parameters.

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
COIN_FUTURES = Product.COIN_FUTURES
USDC_FUTURES = Product.USDC_FUTURES
FUTURES_PRODUCTS = (USDT_FUTURES, COIN_FUTURES, USDC_FUTURES)


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

    @property
    def inverse(self) -> bool:
        """Coin-M: priced in USD, margined, settled and charged fees in the base coin (bitget-futures-products §2)."""
        return self.ref.product is COIN_FUTURES

    @property
    def margin_coin(self) -> str:
        """The coin that margins and settles this market (for spot, its quote coin)."""
        return self.info.base_coin if self.inverse else self.info.quote_coin

    @property
    def is_delivery(self) -> bool:
        return self.raw.get("symbolType") == "delivery"


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
              max_lever: int, start: str, keep_margin_rate: str, params: MarketParams,
              product: Product = USDT_FUTURES, delivery_ms: int = 0, basis: float = 0.0003) -> SimMarket:
    quote = {USDT_FUTURES: "USDT", USDC_FUTURES: "USDC", COIN_FUTURES: "USD"}[product]
    margin_coin = base if product is COIN_FUTURES else quote
    max_market_qty = int(Decimal(2_000_000) / Decimal(start))       # about 2M USDT per market order
    raw: dict[str, Any] = {
        "symbol": symbol,
        "baseCoin": base,
        "quoteCoin": quote,
        "buyLimitPriceRatio": "0.05",
        "sellLimitPriceRatio": "0.05",
        "feeRateUpRatio": "0.005",
        "makerFeeRate": "0.0002",
        "takerFeeRate": "0.0006",
        "openCostUpRatio": "0.01",
        "supportMarginCoins": [margin_coin],
        "minTradeNum": multiplier,
        "priceEndStep": str(end_step),
        "volumePlace": str(volume_place),
        "pricePlace": str(price_place),
        "sizeMultiplier": multiplier,
        "symbolType": "delivery" if delivery_ms else "perpetual",
        "minTradeUSDT": "5",
        "maxSymbolOrderNum": "200",
        "maxProductOrderNum": "400",
        "maxPositionNum": "150",
        "symbolStatus": "normal",
        "offTime": "-1",
        "limitOpenTime": "-1",
        "deliveryTime": str(delivery_ms) if delivery_ms else "",
        # the delivery price averages the index over the hour before delivery (Bitget support 12511874540313)
        "deliveryStartTime": str(delivery_ms - 3_600_000) if delivery_ms else "",
        "launchTime": "",
        "fundInterval": "0" if delivery_ms else "8",
        "minLever": "1",
        "maxLever": str(max_lever),
        "posLimit": "0.05",
        "maintainTime": "",
        "maxMarketOrderQty": str(max_market_qty),       # base units (SG:contract/market/Get-All-Symbols-Contracts)
        "maxOrderQty": str(max_market_qty * 5),
        "isRwa": "NO",                                  # 2025-11-19
    }
    if delivery_ms:
        raw["deliveryPeriod"] = "next_quarter"
    info = contract_market_from(raw, product)
    return SimMarket(SymbolRef(symbol, product), info, raw, base, Decimal(start), params,
                     keep_margin_rate=Decimal(keep_margin_rate), basis=basis)


# Delivery of the coin-M quarterlies listed here: Friday 2027-03-26 08:00 UTC (Bitget's delivery hour). V2 names a
# 2025+ delivery contract by base + USD + futures-month code + yy (H = March): BTCUSDH27 (products doc §2.1).
_MAR_2027_MS = 1_806_048_000_000


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
    # Coin-M: V2 sizes are in coins (1 unit = 1 base coin, products doc §2.2); margin, PnL and fees in the base coin.
    _contract("BTCUSD", "BTC", 1, 1, 3, "0.001", 125, "97000", "0.004",
              MarketParams(0.55, 1, 15, 0.40, 300, 250, 10, 3.0), COIN_FUTURES),
    _contract("ETHUSD", "ETH", 2, 1, 2, "0.01", 100, "3400", "0.005",
              MarketParams(0.70, 2, 12, 0.40, 300, 300, 20, 2.0), COIN_FUTURES),
    _contract("BTCUSDH27", "BTC", 1, 1, 3, "0.001", 75, "97000", "0.005",
              MarketParams(0.55, 2, 10, 0.35, 200, 200, 10, 1.0), COIN_FUTURES, _MAR_2027_MS, basis=0.012),
    _contract("ETHUSDH27", "ETH", 2, 1, 2, "0.01", 75, "3400", "0.006",
              MarketParams(0.70, 2, 10, 0.35, 200, 300, 20, 1.0), COIN_FUTURES, _MAR_2027_MS, basis=0.012),
    # USDC-M: linear, margined in USDC.
    _contract("BTCPERP", "BTC", 1, 1, 4, "0.0001", 125, "97000", "0.004",
              MarketParams(0.55, 1, 15, 0.40, 300, 2_500, 100, 3.0), USDC_FUTURES),
    _contract("ETHPERP", "ETH", 2, 1, 2, "0.01", 100, "3400", "0.005",
              MarketParams(0.70, 2, 12, 0.40, 300, 300, 20, 2.0), USDC_FUTURES),
)

MARKETS: dict[SymbolRef, SimMarket] = {m.ref: m for m in _MARKETS}

# Coins a demo account can hold (the quote coins plus every base coin).
COINS: tuple[str, ...] = ("USDT", "USDC", *sorted({m.info.base_coin for m in _MARKETS}))
FUTURES_BY_SYMBOL: dict[str, SimMarket] = {m.symbol: m for m in _MARKETS if m.is_futures}
# Margin coins of futures accounts, USDT first.
MARGIN_COINS: tuple[str, ...] = ("USDT", "USDC", *sorted({m.margin_coin for m in _MARKETS if m.inverse}))


def margin_product(coin: str) -> Product:
    """The futures line whose account a margin coin belongs to."""
    return {"USDT": USDT_FUTURES, "USDC": USDC_FUTURES}.get(coin, COIN_FUTURES)


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


def find_futures(symbol: str) -> SimMarket:
    """The futures market of a symbol in whichever line lists it (futures symbols are unique across lines)."""
    market = FUTURES_BY_SYMBOL.get(symbol.upper())
    if market is None:
        raise error_for_code("40034", "Parameter symbol does not exist")
    return market


def contracts_raw(product: Product = USDT_FUTURES) -> list[dict[str, Any]]:
    """Rows for ``/api/v2/mix/market/contracts?productType=…``."""
    return [dict(m.raw, supportMarginCoins=list(m.raw["supportMarginCoins"]))
            for m in _MARKETS if m.ref.product is product]
