"""The command palette's grammar (Ctrl+K): typed orders and commands → typed commands with a preview.

Grammar (words are case-insensitive; ``N`` is a number such as ``0.1``, ``65000`` or ``65k``)::

    b|buy|s|sell  SIZE  [SYMBOL]  (@ N | m|mkt|market)  [tp N] [sl N] [post|ioc|fok|gtc] [ro|reduce] [open|close]
        SIZE:  N (base coin) · Nu (quote coin, e.g. 100u) · N% (of the available balance, e.g. 25%)
        the parts after SIZE may come in any order; "limit" may be written before "@ N"
    b|s  SIZE  [SYMBOL]  stop N  [@ N]  [mark]  [trail N]  [ro|reduce] [open|close]
        a stop: stop-market at the trigger N, or stop-limit with "@ N"; "mark" triggers on the mark price (futures)
        instead of the last price; "trail N" makes it a trailing stop with an N % callback activated at the stop
        price (futures, market). E.g. "b 0.1 stop 64000", "s 0.1 stop 64000 @ 63900", "s 0.1 stop 70000 trail 1"
    b|s  SIZE  [SYMBOL]  scale N N  [xCOUNT]  [even|inc|dec]  [post] [ro|reduce] [open|close]
        a scaled order (``core.scale``): SIZE in all, spread over COUNT limit orders (default 5) from the first price
        to the second, even or with linearly increasing / decreasing sizes. E.g. "b 1 scale 63000 64000 x5"
    cancel [last]                     cancel the last order placed
    cancel all [SYMBOL | account]     cancel every order of the symbol (default: the active one) or of the account
    flat [SYMBOL | account]           close the position of the symbol (default: the active one) or every position
    lev N[x] [SYMBOL]                 set the leverage
    iv INTERVAL                       chart interval: 1m 5m 15m 30m 1H 4H 1D 1W (1Dutc 1Wutc: days from 00:00 UTC)
    tp|sl N [SIZE] [SYMBOL] [long|short] [mark]   the position's take-profit / stop-loss (``core.palette_protect``)
    sym SYMBOL                        switch symbol: BTCUSDT, ETHUSDT PERP, BTCUSDT.P, BTCUSDT:usdt_futures …
                                      (and the exchange's own names when ``parse`` gets its symbol parser)

A command without a symbol acts on the active one (``ref is None``). Every command has a ``preview``: a canonical
text that reads as a sentence fragment and parses back to the same command (``parse(c.preview) == c``), plus
:meth:`describe` for a longer sentence. Bad input raises :class:`PaletteError` saying where (character offsets) and
what was expected. Pure: market rules (tick, lot, minimums) are checked later by :mod:`~terminal_app.core.validation`
and the user's limits by :mod:`~terminal_app.core.risk`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from terminal_app.core.candles import Interval
from terminal_app.core.enums import OrderType, PositionSide, Side, TimeInForce, TradeSide
from terminal_app.core.instruments import SUFFIX_WORDS, Product, SymbolParser, SymbolRef, UnknownSymbol, parse_symbol
from terminal_app.core.palette_protect import ProtectCommand
from terminal_app.core.scale import MAX_LEGS, Weighting

MAX_LEVERAGE = 125


class PaletteError(ValueError):
    """Input the palette cannot understand. ``start``/``end`` are character offsets into the typed text (for
    underlining); ``expected`` lists what would have fitted there."""

    def __init__(self, message: str, start: int, end: int, expected: tuple[str, ...] = ()) -> None:
        self.message = message
        self.start = start
        self.end = max(end, start)
        self.expected = expected
        super().__init__(message)

    def __str__(self) -> str:
        return f"{self.message} (at character {self.start + 1})"


class SizeUnit(StrEnum):
    BASE = "base"  # in the base coin (contracts' base coin for futures)
    QUOTE = "quote"  # in the quote coin: "100u"
    PERCENT = "percent"  # of the available balance: "25%"


class Scope(StrEnum):
    LAST = "last"  # the last order placed
    SYMBOL = "symbol"  # one symbol (the active one when ref is None)
    ACCOUNT = "account"  # every symbol of the active account


def _num(d: Decimal) -> str:
    return f"{d.normalize():f}"


def _sym(ref: SymbolRef) -> str:
    """The name a trader reads ("BTCUSDT PERP") where it parses back to the same market, else the exact key
    ("BTCUSD:coin_futures"): the preview is shown, and it must also re-run as typed."""
    try:
        if _names_a_market(_Tok(ref.symbol, 0)) and parse_symbol(ref.display, Product.SPOT) == ref:
            return ref.display
    except UnknownSymbol:
        pass
    return ref.key


def _sym_name(ref: SymbolRef | None) -> str:
    return ref.display if ref is not None else "the active symbol"


_WEIGHT_WORDS = {Weighting.INCREASING: "inc", Weighting.DECREASING: "dec"}
_WEIGHTS = {"even": Weighting.EVEN, "inc": Weighting.INCREASING, "increasing": Weighting.INCREASING,
            "dec": Weighting.DECREASING, "decreasing": Weighting.DECREASING}
_COUNT = re.compile(r"^x(\d{1,4})$", re.IGNORECASE)
_FORCE_WORDS = {TimeInForce.POST_ONLY: "post-only", TimeInForce.IOC: "ioc", TimeInForce.FOK: "fok"}
_FORCE_TEXT = {TimeInForce.POST_ONLY: "post-only", TimeInForce.IOC: "immediate-or-cancel",
               TimeInForce.FOK: "fill-or-kill"}


@dataclass(frozen=True, slots=True)
class OrderCommand:
    """An order typed in the palette. ``price`` ``None`` = market. ``force`` is the ticket's time in force."""

    side: Side
    size: Decimal
    unit: SizeUnit = SizeUnit.BASE
    price: Decimal | None = None
    ref: SymbolRef | None = None
    tp: Decimal | None = None
    sl: Decimal | None = None
    force: TimeInForce = TimeInForce.GTC
    reduce_only: bool = False
    trade_side: TradeSide | None = None
    stop: Decimal | None = None          # trigger price: a stop (with ``price``: stop-limit), or a trail's activation
    mark: bool = False                   # trigger on the mark price rather than the last price
    trail: Decimal | None = None         # trailing stop callback ratio, percent
    scale: tuple[Decimal, Decimal] | None = None  # a scaled order: the first and the last price
    count: int = 0                       # its number of orders
    weighting: Weighting = Weighting.EVEN

    is_trading = True

    @property
    def order_type(self) -> OrderType:
        """The order placed (for a stop: when it triggers)."""
        return OrderType.MARKET if self.price is None else OrderType.LIMIT

    @property
    def kind_text(self) -> str:
        if self.scale is not None:
            return "Scaled"
        if self.trail is not None:
            return "Trailing stop"
        if self.stop is not None:
            return "Stop-market" if self.price is None else "Stop-limit"
        return "Market" if self.price is None else "Limit"

    @property
    def size_text(self) -> str:
        suffix = {SizeUnit.BASE: "", SizeUnit.QUOTE: "u", SizeUnit.PERCENT: "%"}[self.unit]
        return _num(self.size) + suffix

    @property
    def preview(self) -> str:
        parts = [str(self.side), self.size_text]
        if self.ref is not None:
            parts.append(_sym(self.ref))
        if self.stop is not None:
            parts += ["stop", _num(self.stop)]
        if self.scale is not None:
            parts += ["scale", _num(self.scale[0]), _num(self.scale[1]), f"x{self.count}"]
            if self.weighting is not Weighting.EVEN:
                parts.append(_WEIGHT_WORDS[self.weighting])
        elif self.price is not None:
            parts += ["@", _num(self.price)]
        elif self.stop is None:
            parts.append("market")
        if self.mark:
            parts.append("mark")
        if self.trail is not None:
            parts += ["trail", _num(self.trail)]
        if self.tp is not None:
            parts += ["tp", _num(self.tp)]
        if self.sl is not None:
            parts += ["sl", _num(self.sl)]
        if self.force != TimeInForce.GTC:
            parts.append(_FORCE_WORDS[self.force])
        if self.reduce_only:
            parts.append("reduce-only")
        if self.trade_side is not None:
            parts.append(str(self.trade_side))
        return " ".join(parts)

    def describe(self, base_coin: str = "", quote_coin: str = "") -> str:
        """A sentence for the preview line, e.g. "Limit buy 0.1 BTC of BTCUSDT at 65000, take profit 66000"."""
        if self.unit is SizeUnit.QUOTE:
            amount = f"{_num(self.size)} {quote_coin or 'in the quote coin'}"
        elif self.unit is SizeUnit.PERCENT:
            amount = f"{_num(self.size)} % of the available balance"
        else:
            amount = f"{_num(self.size)} {base_coin}".rstrip()
        text = f"{self.kind_text} {self.side} {amount} of {_sym_name(self.ref)}"
        if self.scale is not None:
            text += (f" in {self.count} limit orders from {_num(self.scale[0])} to {_num(self.scale[1])}"
                     f" ({self.weighting.label.lower()} sizes)")
        if self.price is not None:
            text += f" at {_num(self.price)}"
        extras = []
        if self.stop is not None:
            source = "mark" if self.mark else "last"
            if self.trail is not None:
                extras.append(f"activated when the {source} price reaches {_num(self.stop)}, "
                              f"{_num(self.trail)} % callback")
            else:
                extras.append(f"triggered when the {source} price reaches {_num(self.stop)}")
        if self.tp is not None:
            extras.append(f"take profit {_num(self.tp)}")
        if self.sl is not None:
            extras.append(f"stop loss {_num(self.sl)}")
        if self.force != TimeInForce.GTC:
            extras.append(_FORCE_TEXT[self.force])
        if self.reduce_only:
            extras.append("reduce-only")
        if self.trade_side is not None:
            extras.append(f"{self.trade_side}s a hedge-mode position")
        return text + (", " + ", ".join(extras) if extras else "") + "."


@dataclass(frozen=True, slots=True)
class CancelCommand:
    scope: Scope = Scope.LAST
    ref: SymbolRef | None = None

    is_trading = True

    @property
    def preview(self) -> str:
        if self.scope is Scope.LAST:
            return "cancel last"
        if self.scope is Scope.ACCOUNT:
            return "cancel all account"
        return "cancel all" if self.ref is None else f"cancel all {_sym(self.ref)}"

    def describe(self) -> str:
        if self.scope is Scope.LAST:
            return "Cancel the last order placed."
        if self.scope is Scope.ACCOUNT:
            return "Cancel every open order of this account, on every symbol."
        return f"Cancel every open order on {_sym_name(self.ref)}."


@dataclass(frozen=True, slots=True)
class FlattenCommand:
    scope: Scope = Scope.SYMBOL
    ref: SymbolRef | None = None

    is_trading = True

    @property
    def preview(self) -> str:
        if self.scope is Scope.ACCOUNT:
            return "flat account"
        return "flat" if self.ref is None else f"flat {_sym(self.ref)}"

    def describe(self) -> str:
        if self.scope is Scope.ACCOUNT:
            return "Close every position of this account at market."
        return f"Close the position on {_sym_name(self.ref)} at market."


@dataclass(frozen=True, slots=True)
class LeverageCommand:
    leverage: int
    ref: SymbolRef | None = None

    is_trading = True

    @property
    def preview(self) -> str:
        return f"lev {self.leverage}" + ("" if self.ref is None else f" {_sym(self.ref)}")

    def describe(self) -> str:
        return f"Set the leverage of {_sym_name(self.ref)} to {self.leverage}x."


@dataclass(frozen=True, slots=True)
class IntervalCommand:
    interval: Interval

    is_trading = False

    @property
    def preview(self) -> str:
        return f"iv {self.interval.value}"

    def describe(self) -> str:
        return f"Show {self.interval.value} candles."


@dataclass(frozen=True, slots=True)
class SymbolCommand:
    ref: SymbolRef

    is_trading = False

    @property
    def preview(self) -> str:
        return f"sym {_sym(self.ref)}"

    def describe(self) -> str:
        return f"Switch to {self.ref.display} ({self.ref.product.label})."


Command = (OrderCommand | CancelCommand | FlattenCommand | LeverageCommand | IntervalCommand | SymbolCommand
           | ProtectCommand)

EXAMPLES: tuple[tuple[str, str], ...] = (
    ("b 0.1 @ 65000 tp 66000 sl 64000", "limit buy 0.1 with take profit and stop loss"),
    ("s 0.5 m", "market sell 0.5"),
    ("b 100u m", "market buy for 100 of the quote coin"),
    ("b 25% @ 64000 post", "post-only limit buy with a quarter of the available balance"),
    ("buy 0.1 BTCUSDT @ 65000 post", "limit buy on another symbol"),
    ("s 0.2 m ro", "reduce-only market sell"),
    ("b 0.1 stop 66000", "stop-market buy once the last price reaches 66000"),
    ("b 1 scale 63000 64000 x5", "scaled buy: 1 in 5 limit orders from 63000 to 64000"),
    ("s 0.1 stop 64000 @ 63900", "stop-limit sell"),
    ("s 0.1 stop 70000 trail 1", "trailing stop with a 1 % callback, activated at 70000"),
    ("sl 60000", "stop-loss of the whole position"),
    ("tp 70000 0.05", "take-profit of 0.05 of the position"),
    ("cancel", "cancel the last order"),
    ("cancel all", "cancel every order on this symbol"),
    ("cancel all account", "cancel every order of the account"),
    ("flat", "close this symbol's position"),
    ("flat account", "close every position"),
    ("lev 10", "set leverage to 10x"),
    ("iv 15m", "15-minute candles"),
    ("sym ETHUSDT.P", "switch to the ETHUSDT perpetual"),
)


# --- lexing --------------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Tok:
    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)

    @property
    def word(self) -> str:
        return self.text.lower()


def _lex(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    for m in re.finditer(r"\S+", text):
        raw, start = m.group(), m.start()
        if raw.startswith("@") and len(raw) > 1:  # "@65000" is "@ 65000"
            toks += [_Tok("@", start), _Tok(raw[1:], start + 1)]
        elif raw.lower() in SUFFIX_WORDS and toks and _names_a_market(toks[-1]):
            # "BTCUSDT PERP" is one name, as the terminal itself writes it (chart title, ticket, positions)
            toks[-1] = _Tok(f"{toks[-1].text} {raw}", toks[-1].start)
        else:
            toks.append(_Tok(raw, start))
    return toks


_NAME = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9/_.-]+$")  # 1000PEPEUSDT, btc/usdt; not 64000


def _names_a_market(tok: _Tok) -> bool:
    word = tok.word
    return bool(_NAME.match(tok.text)) and not _SIZE.match(tok.text) and word not in _KEYWORDS


_NUMBER = re.compile(r"^(\d+(?:\.\d*)?|\.\d+)(k?)$", re.IGNORECASE)
_SIZE = re.compile(r"^(\d+(?:\.\d*)?|\.\d+)(k?)(u|%)?$", re.IGNORECASE)
_MAX_DIGITS = 30


def _decimal(digits: str, k: str, tok: _Tok, what: str) -> Decimal:
    if len(digits) > _MAX_DIGITS:
        raise PaletteError(f"The {what} {tok.text!r} has too many digits.", tok.start, tok.end)
    try:
        value = Decimal(digits)
    except InvalidOperation:  # the regex admits only digits and one dot; kept for safety
        raise PaletteError(f"{tok.text!r} is not a number.", tok.start, tok.end) from None
    if k:
        value *= 1000
    if value <= 0:
        raise PaletteError(f"The {what} must be greater than 0.", tok.start, tok.end)
    return value


def _number_error(tok: _Tok, what: str) -> PaletteError:
    hint = " (use a dot for decimals and no thousands separators)" if "," in tok.text else ""
    return PaletteError(f"Expected the {what} as a number, got {tok.text!r}{hint}.", tok.start, tok.end,
                        ("number",))


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _lex(text)
        self.i = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def next(self, expected: str, options: tuple[str, ...] = ()) -> _Tok:
        tok = self.peek()
        if tok is None:
            at = len(self.text)
            raise PaletteError(f"Expected {expected} here.", at, at, options or (expected,))
        self.i += 1
        return tok

    def number(self, what: str) -> Decimal:
        tok = self.next(f"the {what}", ("number",))
        m = _NUMBER.match(tok.text)
        if m is None:
            raise _number_error(tok, what)
        return _decimal(m.group(1), m.group(2), tok, what)

    def done(self) -> bool:
        return self.i >= len(self.toks)

    def rest_must_be_empty(self) -> None:
        tok = self.peek()
        if tok is not None:
            raise PaletteError(f"Unexpected {tok.text!r}: the command is complete before it.", tok.start,
                               self.toks[-1].end)


_ReadSymbol = Callable[[str], SymbolRef]


def _symbol(tok: _Tok, read: _ReadSymbol) -> SymbolRef:
    try:
        return read(tok.text)
    except UnknownSymbol:
        raise PaletteError(f"{tok.text!r} is not a symbol (e.g. BTCUSDT, ETHUSDT PERP, BTCUSDT.P).",
                           tok.start, tok.end, ("symbol",)) from None


# --- parsing -------------------------------------------------------------------------------------------------------

_BUY = {"b", "buy"}
_SELL = {"s", "sell"}
_MARKET = {"m", "mkt", "market"}
_FORCES = {"post": TimeInForce.POST_ONLY, "po": TimeInForce.POST_ONLY, "post-only": TimeInForce.POST_ONLY,
           "ioc": TimeInForce.IOC, "fok": TimeInForce.FOK, "gtc": TimeInForce.GTC}
_REDUCE = {"ro", "reduce", "reduce-only"}
_VERBS = ("b", "buy", "s", "sell", "cancel", "flat", "lev", "iv", "sym", "tp", "sl")
# words of the grammar: a product word after one of them is not part of a symbol's name
_KEYWORDS = {*_VERBS, *_BUY, *_SELL, *_MARKET, *_FORCES, *_REDUCE, "flatten", "leverage", "interval", "symbol",
             "limit", "l", "open", "close", "stop", "mark", "trail", "trailing", "long", "short", "account", "last",
             "all"}


def parse(text: str, *, symbols: SymbolParser = parse_symbol) -> Command:
    """Parse one palette line. A bare symbol (``BTCUSDT``) is the spot market, whatever is active — as in the
    watchlist; the perpetual is ``BTCUSDT.P`` (or ``BTCUSDT PERP``). One name, one instrument: the same text never
    reaches a different market because of what the chart shows. ``symbols`` reads typed symbols: the exchange's own
    parser when it knows more names than the terminal's grammar (Bitget's V1 ids such as ``BTCUSDT_UMCBL``)."""

    def read(typed: str) -> SymbolRef:
        return symbols(typed, Product.SPOT)

    r = _Reader(text)
    verb_tok = r.next("a command", _VERBS)
    verb = verb_tok.word
    if verb in _BUY or verb in _SELL:
        return _order(r, Side.BUY if verb in _BUY else Side.SELL, read)
    if verb == "cancel":
        return _cancel(r, read)
    if verb in ("flat", "flatten"):
        return _flatten(r, read)
    if verb in ("lev", "leverage"):
        return _leverage(r, read)
    if verb in ("iv", "interval"):
        return _interval(r)
    if verb in ("tp", "sl"):
        return _protect(r, verb == "tp", read)
    if verb in ("sym", "symbol"):
        tok = r.next("a symbol", ("symbol",))
        ref = _symbol(tok, read)
        r.rest_must_be_empty()
        return SymbolCommand(ref)
    raise PaletteError(f"Unknown command {verb_tok.text!r}.", verb_tok.start, verb_tok.end, _VERBS)


def _order(r: _Reader, side: Side, read: _ReadSymbol) -> OrderCommand:
    size_tok = r.next("the size (e.g. 0.1, 100u or 25%)", ("size",))
    m = _SIZE.match(size_tok.text)
    if m is None:
        raise _number_error(size_tok, "size (e.g. 0.1, 100u or 25%)")
    size = _decimal(m.group(1), m.group(2), size_tok, "size")
    unit = {"u": SizeUnit.QUOTE, "%": SizeUnit.PERCENT}.get((m.group(3) or "").lower(), SizeUnit.BASE)
    if unit is SizeUnit.PERCENT and size > 100:
        raise PaletteError("A size in % must be at most 100.", size_tok.start, size_tok.end)

    seen: dict[str, _Tok] = {}
    price: Decimal | None = None
    market = False
    limit_tok: _Tok | None = None
    ref: SymbolRef | None = None
    tp: Decimal | None = None
    sl: Decimal | None = None
    force = TimeInForce.GTC
    reduce_only = False
    trade_side: TradeSide | None = None
    stop: Decimal | None = None
    mark = False
    trail: Decimal | None = None
    scale: tuple[Decimal, Decimal] | None = None
    count = 0
    weighting = Weighting.EVEN

    def once(key: str, tok: _Tok, what: str) -> None:
        if key in seen:
            raise PaletteError(f"The {what} is given twice.", tok.start, tok.end)
        seen[key] = tok

    while not r.done():
        tok = r.next("more")
        word = tok.word
        if word == "@":
            once("price", tok, "price")
            price = r.number("price")
        elif word in _MARKET:
            once("price", tok, "price")
            market = True
        elif word in ("limit", "l"):
            once("limit", tok, "word 'limit'")
            limit_tok = tok
        elif word == "tp":
            once("tp", tok, "take-profit")
            tp = r.number("take-profit price")
        elif word == "sl":
            once("sl", tok, "stop-loss")
            sl = r.number("stop-loss price")
        elif word in _FORCES:
            once("force", tok, "time in force (post/ioc/fok/gtc)")
            force = _FORCES[word]
        elif word in _REDUCE:
            once("reduce", tok, "reduce-only flag")
            reduce_only = True
        elif word in ("open", "close"):
            once("trade_side", tok, "open/close")
            trade_side = TradeSide(word)
        elif word == "stop":
            once("stop", tok, "stop price")
            stop = r.number("stop (trigger) price")
        elif word == "mark":
            once("mark", tok, "word 'mark'")
            mark = True
        elif word in ("trail", "trailing"):
            once("trail", tok, "trailing callback")
            trail = r.number("trailing callback in % (e.g. 1)")
        elif word in ("scale", "scaled"):
            once("scale", tok, "scale range")
            scale = (r.number("first price of the scale"), r.number("last price of the scale"))
        elif (count_match := _COUNT.match(word)) is not None:
            once("count", tok, "number of orders")
            count = int(count_match.group(1))
            if not 2 <= count <= MAX_LEGS:
                raise PaletteError(f"A scaled order has 2 to {MAX_LEGS} orders.", tok.start, tok.end)
        elif word in _WEIGHTS:
            once("weighting", tok, "weighting (even/inc/dec)")
            weighting = _WEIGHTS[word]
        elif _NUMBER.match(tok.text):
            raise PaletteError(f"A number {tok.text!r} needs a word before it: '@' for the price, 'tp' or 'sl'.",
                               tok.start, tok.end, ("@", "tp", "sl"))
        elif _SIZE.match(tok.text):
            raise PaletteError(f"The size is given twice ({size_tok.text!r} and {tok.text!r}).", tok.start, tok.end)
        else:
            once("symbol", tok, "symbol")
            ref = _symbol(tok, read)

    end = len(r.text)
    for key in ("count", "weighting"):
        if key in seen and scale is None:
            tok = seen[key]
            raise PaletteError(f"{tok.text!r} goes with a scaled order: add 'scale FROM TO'.", tok.start, tok.end,
                               ("scale",))
    if scale is not None:
        for key in ("price", "limit", "stop", "tp", "sl"):
            if key in seen:
                tok = seen[key]
                raise PaletteError(f"A scaled order is limit orders between its two prices: drop {tok.text!r}.",
                                   tok.start, tok.end)
        if unit is not SizeUnit.BASE:
            raise PaletteError("A scaled order's total is in the base coin (e.g. 0.5).", size_tok.start, size_tok.end)
        return OrderCommand(side, size, unit, None, ref, None, None, force, reduce_only, trade_side,
                            scale=scale, count=count or 5, weighting=weighting)
    if stop is None:
        for key in ("mark", "trail"):
            if key in seen:
                tok = seen[key]
                raise PaletteError(f"'{tok.word}' goes with a stop: add 'stop N'.", tok.start, tok.end, ("stop",))
    else:
        if tp is not None or sl is not None:
            tok = seen["tp" if tp is not None else "sl"]
            raise PaletteError("A stop order takes no tp/sl here; set them on the position once it is open.",
                               tok.start, tok.end)
        if trail is not None and price is not None:
            tok = seen["price"]
            raise PaletteError("A trailing stop executes at market; drop '@ price'.", tok.start, tok.end)
        if price is not None and market:
            tok = seen["price"]
            raise PaletteError("Give either '@ price' (stop-limit) or nothing (stop-market).", tok.start, tok.end)
        market = price is None
    if price is None and not market:
        raise PaletteError("Expected a price ('@ 65000') or 'm' for a market order (or 'stop N' for a stop).", end,
                           end, ("@", "m", "stop"))
    if market and limit_tok is not None:
        raise PaletteError("A market order has no limit price; drop 'limit' or give '@ price'.", limit_tok.start,
                           limit_tok.end)
    if market and force != TimeInForce.GTC:
        tok = seen["force"]
        raise PaletteError("post-only, IOC and FOK apply to limit orders; give a price with '@'.", tok.start, tok.end)
    if reduce_only and trade_side is not None:
        tok = seen["reduce"]
        raise PaletteError("Use either reduce-only (one-way mode) or open/close (hedge mode), not both.", tok.start,
                           tok.end)
    return OrderCommand(side, size, unit, price, ref, tp, sl, force, reduce_only, trade_side, stop, mark, trail)


def _protect(r: _Reader, profit: bool, read: _ReadSymbol) -> ProtectCommand:
    trigger = r.number("take-profit price" if profit else "stop-loss price")
    size: Decimal | None = None
    ref: SymbolRef | None = None
    side: PositionSide | None = None
    mark = False
    seen: set[str] = set()
    while not r.done():
        tok = r.next("more")
        key = "size" if _NUMBER.match(tok.text) else tok.word if tok.word in ("long", "short", "mark") else "symbol"
        if key in seen or (key in ("long", "short") and side is not None):
            raise PaletteError(f"{tok.text!r} is given twice.", tok.start, tok.end)
        seen.add(key)
        if key == "size":
            m = _NUMBER.match(tok.text)
            assert m is not None
            size = _decimal(m.group(1), m.group(2), tok, "size")
        elif key in ("long", "short"):
            side = PositionSide(key)
        elif key == "mark":
            mark = True
        else:
            ref = _symbol(tok, read)
    return ProtectCommand(profit, trigger, size, ref, side, mark)


def _scope_target(r: _Reader, read: _ReadSymbol) -> tuple[Scope, SymbolRef | None]:
    tok = r.peek()
    if tok is None:
        return Scope.SYMBOL, None
    r.next("a symbol or 'account'")
    if tok.word == "account":
        r.rest_must_be_empty()
        return Scope.ACCOUNT, None
    ref = _symbol(tok, read)
    r.rest_must_be_empty()
    return Scope.SYMBOL, ref


def _cancel(r: _Reader, read: _ReadSymbol) -> CancelCommand:
    tok = r.peek()
    if tok is None:
        return CancelCommand(Scope.LAST)
    r.next("'last' or 'all'")
    if tok.word == "last":
        r.rest_must_be_empty()
        return CancelCommand(Scope.LAST)
    if tok.word != "all":
        raise PaletteError(f"After 'cancel' expected 'last' or 'all', got {tok.text!r}.", tok.start, tok.end,
                           ("last", "all"))
    scope, ref = _scope_target(r, read)
    return CancelCommand(scope, ref)


def _flatten(r: _Reader, read: _ReadSymbol) -> FlattenCommand:
    tok = r.peek()
    if tok is not None and tok.word == "all":
        # "all" is ambiguous here (all of this symbol, or all positions?); flattening must never guess.
        raise PaletteError("Say 'flat' for the active symbol's position or 'flat account' for every position.",
                           tok.start, tok.end, ("account", "symbol"))
    scope, ref = _scope_target(r, read)
    return FlattenCommand(scope, ref)


def _leverage(r: _Reader, read: _ReadSymbol) -> LeverageCommand:
    tok = r.next("the leverage (e.g. 10)", ("number",))
    m = re.fullmatch(r"(\d{1,3})x?", tok.text, re.IGNORECASE)
    if m is None:
        raise PaletteError(f"Expected the leverage as a whole number such as 10, got {tok.text!r}.", tok.start,
                           tok.end, ("number",))
    leverage = int(m.group(1))
    if not 1 <= leverage <= MAX_LEVERAGE:
        raise PaletteError(f"Leverage must be between 1 and {MAX_LEVERAGE}.", tok.start, tok.end)
    ref = None
    if not r.done():
        ref = _symbol(r.next("a symbol"), read)
        r.rest_must_be_empty()
    return LeverageCommand(leverage, ref)


def _interval(r: _Reader) -> IntervalCommand:
    choices = tuple(i.value for i in Interval)
    tok = r.next("an interval", choices)
    try:
        interval = Interval.parse(tok.text)
    except ValueError:
        raise PaletteError(f"Unknown interval {tok.text!r}; use one of {', '.join(choices)}.", tok.start, tok.end,
                           choices) from None
    r.rest_must_be_empty()
    return IntervalCommand(interval)
