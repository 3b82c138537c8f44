"""Symbols: V2 symbol + product type, legacy V1 ids as input, and market metadata (tick, lot, minimums).

V1 ids (``BTCUSDT_SPBL``, ``BTCUSDT_UMCBL``, ``BTCUSD_DMCBL``, ``BTCPERP_CMCBL`` and the demo ``S…`` forms) are
accepted as user input and mapped to V2; V1 endpoints themselves are never called (Bitget switched them off).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from terminal_app.bitget.errors import BitgetError


class InstType(StrEnum):
    """V2 instrument type: the WebSocket ``instType`` and, for futures, the REST ``productType``."""

    SPOT = "SPOT"
    USDT_FUTURES = "USDT-FUTURES"
    COIN_FUTURES = "COIN-FUTURES"
    USDC_FUTURES = "USDC-FUTURES"
    SUSDT_FUTURES = "SUSDT-FUTURES"
    SCOIN_FUTURES = "SCOIN-FUTURES"
    SUSDC_FUTURES = "SUSDC-FUTURES"

    @property
    def is_futures(self) -> bool:
        return self is not InstType.SPOT

    @classmethod
    def parse(cls, text: str) -> InstType:
        try:
            return cls(text.upper())
        except ValueError:
            raise UnknownSymbol(f"Unknown product type {text!r}.") from None


class UnknownSymbol(BitgetError):
    default_message = "Unknown symbol."


_V1_SUFFIX: dict[str, InstType] = {
    "SPBL": InstType.SPOT,
    "UMCBL": InstType.USDT_FUTURES,
    "DMCBL": InstType.COIN_FUTURES,
    "CMCBL": InstType.USDC_FUTURES,
    "SUMCBL": InstType.SUSDT_FUTURES,
    "SDMCBL": InstType.SCOIN_FUTURES,
    "SCMCBL": InstType.SUSDC_FUTURES,
}
_SUFFIX_WORDS: dict[str, InstType] = {
    "SPOT": InstType.SPOT,
    "PERP": InstType.USDT_FUTURES,
    "FUTURES": InstType.USDT_FUTURES,
    "SWAP": InstType.USDT_FUTURES,
}
_SYMBOL_RE = re.compile(r"^[A-Z0-9]{2,30}$")


@dataclass(frozen=True, slots=True, order=True)
class SymbolRef:
    """A tradable instrument in V2 terms."""

    symbol: str
    inst_type: InstType

    @property
    def is_futures(self) -> bool:
        return self.inst_type.is_futures

    @property
    def product_type(self) -> str:
        return self.inst_type.value

    @property
    def key(self) -> str:
        """A stable text key, e.g. ``BTCUSDT:SPOT``."""
        return f"{self.symbol}:{self.inst_type.value}"

    @property
    def display(self) -> str:
        return self.symbol if not self.is_futures else f"{self.symbol} PERP"

    def __str__(self) -> str:
        return self.key


def parse_symbol(text: str, default: InstType = InstType.SPOT) -> SymbolRef:
    """Turn what a user typed into a :class:`SymbolRef`.

    Accepts ``BTCUSDT`` (spot unless ``default`` says otherwise), ``btc/usdt``, ``BTCUSDT:USDT-FUTURES``,
    ``BTCUSDT PERP``, ``BTCUSDT.P``, and the V1 ids ``BTCUSDT_SPBL``, ``BTCUSDT_UMCBL``, ``BTCUSD_DMCBL``,
    ``BTCPERP_CMCBL``, ``SBTCSUSDT_SUMCBL``.
    """
    text = text or ""
    raw = text.strip() if ":" in text else text.strip().upper().replace("/", "").replace("-", "")
    if not raw:
        raise UnknownSymbol("Type a symbol such as BTCUSDT.")
    if ":" in raw:
        sym, _, kind = raw.partition(":")
        sym = sym.strip().upper().replace("/", "").replace("-", "")
        kind = kind.strip().upper()
        inst = _SUFFIX_WORDS.get(kind) or InstType.parse(kind)
        return _checked(sym, inst, text)
    for sep in (" ", "."):
        if sep in raw:
            sym, _, word = raw.partition(sep)
            word = word.strip()
            if word in ("P",):
                return _checked(sym, InstType.USDT_FUTURES, text)
            if word in _SUFFIX_WORDS:
                return _checked(sym, _SUFFIX_WORDS[word], text)
            raise UnknownSymbol(f"Unknown symbol {text!r}.")
    if "_" in raw:
        sym, _, suffix = raw.rpartition("_")
        inst = _V1_SUFFIX.get(suffix)
        if inst is None:
            raise UnknownSymbol(f"Unknown symbol {text!r}: {suffix!r} is not a Bitget V1 suffix.")
        return _checked(sym, inst, text)
    return _checked(raw, default, text)


def _checked(sym: str, inst: InstType, original: str) -> SymbolRef:
    if not _SYMBOL_RE.match(sym):
        raise UnknownSymbol(f"Unknown symbol {original!r}.")
    return SymbolRef(sym, inst)


def v1_id(ref: SymbolRef) -> str:
    """The legacy V1 id of a V2 symbol (for display to users who know the old names)."""
    for suffix, inst in _V1_SUFFIX.items():
        if inst is ref.inst_type:
            return f"{ref.symbol}_{suffix}"
    raise AssertionError(ref)  # every InstType has a suffix


def _dec(value: Any, default: str = "0") -> Decimal:
    if value is None or value == "":
        return Decimal(default)
    return Decimal(str(value))


def _step(places: int) -> Decimal:
    return Decimal(1).scaleb(-places)


@dataclass(frozen=True, slots=True)
class MarketInfo:
    """What validation and display need to know about one market."""

    ref: SymbolRef
    base_coin: str
    quote_coin: str
    tick_size: Decimal
    lot_size: Decimal
    min_size: Decimal
    min_notional: Decimal
    price_places: int
    size_places: int
    maker_fee: Decimal
    taker_fee: Decimal
    status: str
    max_leverage: int = 1
    min_leverage: int = 1
    quote_places: int = 8

    @property
    def tradable(self) -> bool:
        return self.status in ("online", "normal")

    @classmethod
    def from_spot(cls, d: dict[str, Any]) -> MarketInfo:
        price_places = int(d["pricePrecision"])
        size_places = int(d["quantityPrecision"])
        return cls(
            ref=SymbolRef(str(d["symbol"]), InstType.SPOT),
            base_coin=str(d["baseCoin"]),
            quote_coin=str(d["quoteCoin"]),
            tick_size=_step(price_places),
            lot_size=_step(size_places),
            min_size=_dec(d.get("minTradeAmount")),
            min_notional=_dec(d.get("minTradeUSDT"), "1"),
            price_places=price_places,
            size_places=size_places,
            maker_fee=_dec(d.get("makerFeeRate"), "0.001"),
            taker_fee=_dec(d.get("takerFeeRate"), "0.001"),
            status=str(d.get("status", "online")),
            quote_places=int(d.get("quotePrecision") or price_places),
        )

    @classmethod
    def from_contract(cls, d: dict[str, Any], inst_type: InstType | None = None) -> MarketInfo:
        price_places = int(d["pricePlace"])
        size_places = int(d["volumePlace"])
        end_step = _dec(d.get("priceEndStep"), "1")
        inst = inst_type or InstType.parse(str(d.get("productType") or "USDT-FUTURES"))
        lot = _dec(d.get("sizeMultiplier"), str(_step(size_places)))
        return cls(
            ref=SymbolRef(str(d["symbol"]), inst),
            base_coin=str(d["baseCoin"]),
            quote_coin=str(d["quoteCoin"]),
            tick_size=end_step * _step(price_places),
            lot_size=lot if lot > 0 else _step(size_places),
            min_size=_dec(d.get("minTradeNum")),
            min_notional=_dec(d.get("minTradeUSDT"), "5"),
            price_places=price_places,
            size_places=size_places,
            maker_fee=_dec(d.get("makerFeeRate"), "0.0002"),
            taker_fee=_dec(d.get("takerFeeRate"), "0.0006"),
            status=str(d.get("symbolStatus", "normal")),
            max_leverage=int(_dec(d.get("maxLever"), "125")),
            min_leverage=int(_dec(d.get("minLever"), "1")),
        )
