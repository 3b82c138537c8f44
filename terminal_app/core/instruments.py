"""Instruments: the product an instrument belongs to, a reference to one instrument, and its trading rules.

These are the terminal's words, owned by no API generation: Bitget V2 calls a product ``productType``/``instType``
(``USDT-FUTURES``), V3 calls it ``category`` (``usdt-futures`` in pushes); each client maps its spelling to
:class:`Product` in ``terminal_app.bitget``. The text :attr:`SymbolRef.key` (``BTCUSDT:usdt_futures``) is the
terminal's own stable name of an instrument: settings and the palette write it, :func:`parse_symbol` reads it back.

:func:`parse_symbol` understands the terminal's grammar (``BTCUSDT``, ``btc/usdt``, ``BTCUSDT PERP``, ``BTCUSDT.P``,
``BTCUSDT:usdt_futures``). An exchange adds its own vocabulary on top (Bitget's legacy V1 ids such as
``BTCUSDT_UMCBL`` are read by ``terminal_app.bitget.symbols.parse_symbol``); code that takes typed symbols accepts
any :data:`SymbolParser`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum


class Product(StrEnum):
    """The product line an instrument trades in. Futures lines differ in the coin that margins and settles them:
    USDT and USDC futures are linear, coin futures inverse (margined in the base coin). The ``DEMO_*`` lines are
    Bitget's old demo-coin futures (``SBTCSUSDT``), kept so those symbols still parse and display."""

    SPOT = "spot"
    USDT_FUTURES = "usdt_futures"
    COIN_FUTURES = "coin_futures"
    USDC_FUTURES = "usdc_futures"
    DEMO_USDT_FUTURES = "demo_usdt_futures"
    DEMO_COIN_FUTURES = "demo_coin_futures"
    DEMO_USDC_FUTURES = "demo_usdc_futures"

    @property
    def is_futures(self) -> bool:
        return self is not Product.SPOT

    @property
    def label(self) -> str:
        """How a trader names the product line: ``spot``, ``USDT-M futures``, ``coin-M futures`` …"""
        return _LABELS[self]

    @property
    def settle_coin(self) -> str | None:
        """The coin a linear futures line margins and settles in; ``None`` for spot and for coin futures (there it
        is each contract's base coin)."""
        return _SETTLE_COINS.get(self)

    @classmethod
    def parse(cls, text: str) -> Product:
        """A product typed as its value or name, in any case, with ``-`` or ``_`` (``usdt_futures``,
        ``USDT-FUTURES``, ``spot``)."""
        word = text.strip().lower().replace("-", "_")
        try:
            return cls(word)
        except ValueError:
            raise UnknownSymbol(f"Unknown product type {text!r}.") from None


_LABELS = {
    Product.SPOT: "spot",
    Product.USDT_FUTURES: "USDT-M futures",
    Product.COIN_FUTURES: "coin-M futures",
    Product.USDC_FUTURES: "USDC-M futures",
    Product.DEMO_USDT_FUTURES: "demo USDT-M futures",
    Product.DEMO_COIN_FUTURES: "demo coin-M futures",
    Product.DEMO_USDC_FUTURES: "demo USDC-M futures",
}
_SETTLE_COINS = {
    Product.USDT_FUTURES: "USDT",
    Product.USDC_FUTURES: "USDC",
    Product.DEMO_USDT_FUTURES: "SUSDT",
    Product.DEMO_USDC_FUTURES: "SUSDC",
}


class UnknownSymbol(ValueError):
    """Text that names no instrument. ``user_message`` is a sentence for the UI."""

    def __init__(self, message: str = "Unknown symbol.") -> None:
        self.user_message = message
        super().__init__(message)


@dataclass(frozen=True, slots=True, order=True)
class SymbolRef:
    """One tradable instrument: the exchange's symbol (``BTCUSDT``) in one product line."""

    symbol: str
    product: Product

    @property
    def is_futures(self) -> bool:
        return self.product.is_futures

    @property
    def key(self) -> str:
        """A stable text key, e.g. ``BTCUSDT:spot``; :func:`parse_symbol` reads it back."""
        return f"{self.symbol}:{self.product.value}"

    @property
    def display(self) -> str:
        """``BTCUSDT`` (spot), ``BTCUSDT PERP`` (a perpetual), ``BTCUSD Mar 27`` (a delivery contract: its expiry
        as far as the name tells it; :attr:`MarketInfo.label` has the exact day from the exchange)."""
        if not self.is_futures:
            return self.symbol
        expiry = delivery_expiry(self)
        return f"{self.symbol} PERP" if expiry is None else f"{expiry.underlying} {expiry.text}"

    @property
    def is_delivery(self) -> bool:
        """A dated (delivery) futures contract, recognised by its name (coin-M only on Bitget)."""
        return delivery_expiry(self) is not None

    def __str__(self) -> str:
        return self.key


@dataclass(frozen=True, slots=True)
class DeliveryName:
    """What a delivery contract's name says of its expiry: ``BTCUSDH27`` is BTCUSD of March 2027 (no day),
    ``ETHUSD_231229`` ETHUSD of 29 Dec 2023, ``BTCUSD1226`` BTCUSD of 26 December (no year)."""

    underlying: str               # the perpetual's name: BTCUSD
    year: int | None              # 2027
    month: int
    day: int | None

    @property
    def text(self) -> str:
        """``Mar 27``, ``29 Dec 23``, ``26 Dec``."""
        parts = [str(self.day)] if self.day is not None else []
        parts.append(_MONTHS[self.month - 1])
        if self.year is not None:
            parts.append(f"{self.year % 100:02d}")
        return " ".join(parts)


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Futures month codes (F = January … Z = December); Bitget names 2025+ quarterlies BTCUSDH25 (ccxt PR #24824).
_MONTH_CODES = {code: i + 1 for i, code in enumerate("FGHJKMNQUVXZ")}
_CODED = re.compile(r"^(?P<u>[A-Z0-9]+USD)(?P<m>[FGHJKMNQUVXZ])(?P<y>\d{2})$")
_DATED = re.compile(r"^(?P<u>[A-Z0-9]+USD)_?(?P<y>\d{2})(?P<m>\d{2})(?P<d>\d{2})$")      # ETHUSD_231229
_MONTH_DAY = re.compile(r"^(?P<u>[A-Z0-9]+USD)(?P<m>\d{2})(?P<d>\d{2})$")                  # BTCUSD1226
_DELIVERY_LINES = frozenset({Product.COIN_FUTURES, Product.DEMO_COIN_FUTURES})


def delivery_expiry(ref: SymbolRef) -> DeliveryName | None:
    """The expiry a coin-M delivery contract's name tells (Bitget lists delivery contracts on coin-M only); None
    for every other instrument. Names are parsed by pattern; the exchange's ``deliveryTime`` is the truth."""
    if ref.product not in _DELIVERY_LINES:
        return None
    symbol = ref.symbol
    if m := _CODED.match(symbol):
        return DeliveryName(m["u"], 2000 + int(m["y"]), _MONTH_CODES[m["m"]], None)
    if (m := _DATED.match(symbol)) and 1 <= int(m["m"]) <= 12 and 1 <= int(m["d"]) <= 31:
        return DeliveryName(m["u"], 2000 + int(m["y"]), int(m["m"]), int(m["d"]))
    if (m := _MONTH_DAY.match(symbol)) and 1 <= int(m["m"]) <= 12 and 1 <= int(m["d"]) <= 31:
        return DeliveryName(m["u"], None, int(m["m"]), int(m["d"]))
    return None


def expiry_text(ms: int) -> str:
    """A delivery time as the label shows it: ``26 Mar 27`` (UTC)."""
    when = datetime.fromtimestamp(ms / 1000, UTC)
    return f"{when.day} {_MONTHS[when.month - 1]} {when.year % 100:02d}"


SymbolParser = Callable[[str, Product], SymbolRef]
"""Turns typed text into a :class:`SymbolRef`; the second argument is the product a bare name means."""

# Words a trader appends to a name, in any case: "BTCUSDT PERP", "BTCUSDT spot", "BTCUSDT:perp".
SUFFIX_WORDS: dict[str, Product] = {
    "spot": Product.SPOT,
    "perp": Product.USDT_FUTURES,
    "futures": Product.USDT_FUTURES,
    "swap": Product.USDT_FUTURES,
}
_SYMBOL_RE = re.compile(r"^[A-Z0-9]{2,30}$")


def normalise_name(text: str) -> str:
    """A typed symbol name without case, slashes and dashes: ``btc/usdt`` → ``BTCUSDT``."""
    return text.strip().upper().replace("/", "").replace("-", "")


def checked_ref(symbol: str, product: Product, typed: str) -> SymbolRef:
    """``SymbolRef(symbol, product)`` if ``symbol`` looks like one; else :class:`UnknownSymbol` naming ``typed``."""
    if not _SYMBOL_RE.match(symbol):
        raise UnknownSymbol(f"Unknown symbol {typed!r}.")
    return SymbolRef(symbol, product)


# Where a name that does not say its line is looked for: spot first (a bare BTCUSDT is the spot pair), then the
# futures lines; a perpetual word (BTCUSD PERP, BTCUSD.P) looks in the futures lines only.
_SEARCH = (Product.SPOT, Product.USDT_FUTURES, Product.COIN_FUTURES, Product.USDC_FUTURES)


def resolve_listed(text: str, listed: Collection[str], parse: SymbolParser,
                   default: Product = Product.SPOT) -> SymbolRef:
    """``text`` read by ``parse`` as the instrument an exchange lists (``listed``: :attr:`SymbolRef.key` s): the
    parse when listed, or when the text names its line (a ``_`` suffix, a ``:`` product); otherwise the first line
    of spot, USDT-M, coin-M, USDC-M that lists the symbol (futures lines only for a perpetual word such as
    ``BTCUSD PERP``). Listed nowhere: the parse."""
    ref = parse(text, default)
    if not listed or ref.key in listed or ":" in text or "_" in text:
        return ref
    bare = parse(text, Product.USDT_FUTURES if default is Product.SPOT else Product.SPOT) != ref
    lines = _SEARCH if bare else tuple(p for p in _SEARCH if p.is_futures)
    return next((SymbolRef(ref.symbol, p) for p in lines if SymbolRef(ref.symbol, p).key in listed), ref)


def parse_symbol(text: str, default: Product = Product.SPOT) -> SymbolRef:
    """Turn what a user typed into a :class:`SymbolRef`.

    Accepts ``BTCUSDT`` (in ``default``'s product), ``btc/usdt``, ``BTCUSDT PERP``, ``BTCUSDT.P``, ``BTCUSDT SPOT``
    and keys (``BTCUSDT:usdt_futures``, ``BTCUSDT:PERP``).
    """
    text = text or ""
    if ":" in text:
        sym, _, kind = text.partition(":")
        product = SUFFIX_WORDS.get(kind.strip().lower()) or Product.parse(kind)
        return checked_ref(normalise_name(sym), product, text)
    raw = normalise_name(text)
    if not raw:
        raise UnknownSymbol("Type a symbol such as BTCUSDT.")
    for sep in (" ", "."):
        if sep in raw:
            sym, _, word = raw.partition(sep)
            word = word.strip().lower()
            if word == "p":
                return checked_ref(sym, Product.USDT_FUTURES, text)
            if word in SUFFIX_WORDS:
                return checked_ref(sym, SUFFIX_WORDS[word], text)
            raise UnknownSymbol(f"Unknown symbol {text!r}.")
    return checked_ref(raw, default, text)


@dataclass(frozen=True, slots=True)
class MarketInfo:
    """What validation and display need to know about one market: its steps, minimums, fees and leverage bounds.

    ``tradable`` says whether orders are accepted now; ``status`` is the exchange's own word for the market's state,
    shown to the user when it is not tradable.
    """

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
    tradable: bool = True
    status: str = ""
    max_leverage: int = 1
    min_leverage: int = 1
    quote_places: int = 8
    delivery_time: int | None = None   # ms; delivery (dated) contracts only

    @property
    def label(self) -> str:
        """The instrument's name for a trader: ``BTCUSD 26 Mar 27`` for a delivery contract (the exchange's delivery
        day), else :attr:`SymbolRef.display`."""
        if self.delivery_time is None:
            return self.ref.display
        named = delivery_expiry(self.ref)
        return f"{named.underlying if named is not None else self.ref.symbol} {expiry_text(self.delivery_time)}"
