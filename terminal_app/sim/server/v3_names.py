"""Coin-M symbols as a unified account names them: Bitget's "new coin-M business line" in UTA lists its perpetuals as
``XXXUSD_CM`` (``BTCUSD_CM``; bitget-v3-uta.md §10, D:trade/Place-Order) while V2 classic keeps ``BTCUSD``. The engine
keeps one market per contract under its V2 name; the V3 server renames at its edges: every ``symbol`` a V3 request
sends is read here (:func:`engine_params`), every ``symbol`` it answers or pushes is written here (:func:`wire`).

Bitget's pages name no dated coin-M contract in UTA, so V3 lists the coin-M perpetuals only; the quarterlies stay V2's.
The line "does not support modifying orders, ADL, strategy orders, or preset take-profit/stop-loss orders"; no error
code for those refusals is documented, so they answer Bitget's generic parameter error :data:`UNSUPPORTED_CODE`.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from terminal_app.bitget.errors import ExchangeError
from terminal_app.core.instruments import Product
from terminal_app.sim.market.markets import SimMarket, all_markets
from terminal_app.sim.server.routes import reject

SUFFIX = "_CM"
UNSUPPORTED_CODE = "40017"
# engine name -> V3 name, coin-M perpetuals only
_TO_WIRE: dict[str, str] = {m.symbol: m.symbol + SUFFIX for m in all_markets(Product.COIN_FUTURES)
                            if not m.is_delivery}
_TO_ENGINE: dict[str, str] = {v: k for k, v in _TO_WIRE.items()}
# coin-M names a V3 request may not use: the V2 spellings and the quarterlies
_V2_ONLY = frozenset(m.symbol for m in all_markets(Product.COIN_FUTURES))


def v3_markets(product: Product | None) -> list[SimMarket]:
    """The markets a unified account sees: coin-M without its quarterlies."""
    return [m for m in all_markets(product) if m.symbol not in _V2_ONLY or m.symbol in _TO_WIRE]


def is_coin_m_line(engine_symbol: str) -> bool:
    return engine_symbol.upper() in _TO_WIRE


def to_engine(symbol: str) -> str:
    """The engine's name of a V3 symbol; a coin-M name in V2 spelling (or a quarterly) does not exist on V3."""
    text = symbol.strip().upper()
    if text in _V2_ONLY:
        raise reject("25100", f"The symbol {text} does not exist")
    return _TO_ENGINE.get(text, text)


def engine_params(params: dict[str, Any]) -> dict[str, Any]:
    """A V3 request's parameters with each ``symbol`` (batch items too) in the engine's name."""
    out = dict(params)
    if isinstance(out.get("symbol"), str) and out["symbol"]:
        out["symbol"] = to_engine(out["symbol"])
    items = out.get("_items")
    if isinstance(items, list):
        out["_items"] = [engine_params(i) if isinstance(i, dict) else i for i in items]
    return out


def wire(value: Any) -> Any:
    """An answer or push with every coin-M ``symbol`` in its V3 name."""
    if isinstance(value, dict):
        return {k: (_TO_WIRE.get(v, v) if k == "symbol" and isinstance(v, str) else wire(v))
                for k, v in value.items()}
    if isinstance(value, list):
        return [wire(v) for v in value]
    return value


def wire_symbol(engine_symbol: str) -> str:
    return _TO_WIRE.get(engine_symbol, engine_symbol)


def refuse(what: str) -> ExchangeError:
    return reject(UNSUPPORTED_CODE, f"The coin-M business line does not support {what}")


def close_size(usd: Decimal, held: Decimal, entry: Decimal, lot: Decimal) -> Decimal:
    """The engine's coin size that a closing order of ``usd`` takes off a coin-M position of ``held`` coin entered at
    ``entry`` (reduce-only in one-way mode, ``posSide`` against the trade in hedge mode).

    Bitget's rule, as far as the sources go: on the unified account's coin-M line ``qty`` is in the quote coin, USD
    (D:trade/Place-Order, Place-Batch: "COIN-Futures: the unit is quote coin"), and an inverse position is a count of
    1-USD contracts (support 360052910872: PnL = "face value x number of positions x (1/open - 1/close)"); ccxt's
    UTA markets give every line ``contractSize`` 1 with COIN-FUTURES ``inverse`` (bitget.py, fetch_markets with
    ``uta``), so a ccxt amount there is that USD count, and ccxt's close_position / close_all_positions on UTA send
    ``close-positions`` with no size at all. No page, issue or SDK in the corpora shows a sized ``_CM`` close that
    misses (bitget-v3-uta.md §9.12: order and fill rows call their qty "base coin" generically). So a close takes
    ``usd`` contracts off the position: the engine keeps it in coin, where ``usd`` contracts are ``usd / entry`` coin
    (the entry is the coin-weighted average price, so ``held * entry`` is the position's USD count exactly). Cut to
    the nearest lot and never past the position: closing the position's own USD count leaves nothing, where the
    mark-price conversion of an opening order (rounded down) left one lot behind.
    """
    if entry <= 0 or held <= 0:
        return Decimal(0)
    lots = (usd / entry / lot).to_integral_value(ROUND_HALF_UP)
    return min(held, lots * lot)
