"""core.palette: the typed-order grammar, errors that say where and what, and the preview round trip."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from terminal_app.bitget.symbols import parse_symbol as bitget_parse_symbol
from terminal_app.core.candles import Interval
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.core.palette import (
    EXAMPLES,
    CancelCommand,
    Command,
    FlattenCommand,
    IntervalCommand,
    LeverageCommand,
    OrderCommand,
    PaletteError,
    Scope,
    SizeUnit,
    SymbolCommand,
    parse,
)

D = Decimal
SPOT = SymbolRef("BTCUSDT", Product.SPOT)
PERP = SymbolRef("BTCUSDT", Product.USDT_FUTURES)
ETH_PERP = SymbolRef("ETHUSDT", Product.USDT_FUTURES)


@pytest.mark.parametrize(("text", "expected"), [
    ("b 0.1 @ 65000 tp 66000 sl 64000", OrderCommand("buy", D("0.1"), price=D(65000), tp=D(66000), sl=D(64000))),
    ("s 0.5 m", OrderCommand("sell", D("0.5"))),
    ("b 100u m", OrderCommand("buy", D(100), SizeUnit.QUOTE)),
    ("buy 0.1 BTCUSDT @ 65000 post", OrderCommand("buy", D("0.1"), price=D(65000), ref=SPOT, force="post_only")),
    ("SELL 2 @65000.5 IOC", OrderCommand("sell", D(2), price=D("65000.5"), force="ioc")),
    ("b .5 limit @ 64k fok", OrderCommand("buy", D("0.5"), price=D(64000), force="fok")),
    ("b 25% @ 64000 gtc", OrderCommand("buy", D(25), SizeUnit.PERCENT, price=D(64000))),
    ("s 1 BTCUSDT.P market reduce", OrderCommand("sell", D(1), ref=PERP, reduce_only=True)),
    ("s 1 m ro", OrderCommand("sell", D(1), reduce_only=True)),
    ("b 1 ETHUSDT.P @ 3000 open", OrderCommand("buy", D(1), price=D(3000), ref=ETH_PERP, trade_side="open")),
    ("s 1 @ 3100 close ETHUSDT:USDT-FUTURES", OrderCommand("sell", D(1), price=D(3100), ref=ETH_PERP,
                                                            trade_side="close")),
    ("  b   0.1   m  ", OrderCommand("buy", D("0.1"))),
    ("b 0.1 tp 70000 m sl 60000", OrderCommand("buy", D("0.1"), tp=D(70000), sl=D(60000))),
    ("b 1.5k m", OrderCommand("buy", D(1500))),
    ("cancel", CancelCommand(Scope.LAST)),
    ("cancel last", CancelCommand(Scope.LAST)),
    ("cancel all", CancelCommand(Scope.SYMBOL)),
    ("Cancel All ETHUSDT:usdt_futures", CancelCommand(Scope.SYMBOL, ETH_PERP)),
    ("cancel all account", CancelCommand(Scope.ACCOUNT)),
    ("flat", FlattenCommand(Scope.SYMBOL)),
    ("flatten BTCUSDT:PERP", FlattenCommand(Scope.SYMBOL, PERP)),
    ("flat account", FlattenCommand(Scope.ACCOUNT)),
    ("lev 10", LeverageCommand(10)),
    ("lev 25x ETHUSDT.P", LeverageCommand(25, ETH_PERP)),
    ("leverage 1", LeverageCommand(1)),
    ("iv 15m", IntervalCommand(Interval.M15)),
    ("iv 1h", IntervalCommand(Interval.H1)),
    ("interval 1D", IntervalCommand(Interval.D1)),
    ("sym ETHUSDT:usdt_futures", SymbolCommand(ETH_PERP)),
    ("sym btc/usdt", SymbolCommand(SPOT)),
])
def test_grammar(text: str, expected: Command) -> None:
    assert parse(text) == expected


def test_a_bare_symbol_is_the_spot_market_whatever_is_active() -> None:
    # As in the watchlist: BTCUSDT is spot, BTCUSDT.P the perpetual (the issue: on the perpetual's chart,
    # 'buy 0.01 BTCUSDT @ 99000' went to the perpetual).
    assert parse("sym ETHUSDT") == SymbolCommand(SymbolRef("ETHUSDT", Product.SPOT))
    assert parse("b 1 ETHUSDT m").ref == SymbolRef("ETHUSDT", Product.SPOT)  # type: ignore[union-attr]
    assert parse("b 1 ETHUSDT.P m").ref == ETH_PERP  # type: ignore[union-attr]
    assert parse("sym ETHUSDT:usdt_futures") == SymbolCommand(ETH_PERP)


def test_the_exchange_parser_reads_its_own_names() -> None:
    # The terminal passes Bitget's parser, which also reads V1 ids; the default is the terminal's grammar alone.
    assert parse("sym ETHUSDT_UMCBL", symbols=bitget_parse_symbol) == SymbolCommand(ETH_PERP)
    assert parse("b 1 ETHUSDT_SPBL m", symbols=bitget_parse_symbol).ref == SymbolRef(  # type: ignore[union-attr]
        "ETHUSDT", Product.SPOT)
    with pytest.raises(PaletteError, match="'ETHUSDT_UMCBL' is not a symbol"):
        parse("sym ETHUSDT_UMCBL")


def test_order_properties() -> None:
    limit = parse("b 0.1 @ 65000")
    assert isinstance(limit, OrderCommand)
    assert limit.order_type == "limit"
    assert limit.is_trading
    market = parse("s 0.1 m")
    assert isinstance(market, OrderCommand)
    assert market.order_type == "market"
    assert market.price is None
    assert not parse("iv 5m").is_trading
    assert not parse("sym ETHUSDT").is_trading
    assert parse("flat").is_trading


@pytest.mark.parametrize(("text", "preview"), [
    ("b 0.1 @ 65000 tp 66000 sl 64000", "buy 0.1 @ 65000 tp 66000 sl 64000"),
    ("s 0.50 m", "sell 0.5 market"),
    ("b 100u m", "buy 100u market"),
    ("buy 0.1 BTCUSDT @ 65000 post", "buy 0.1 BTCUSDT @ 65000 post-only"),
    ("b 25% @ 64k ro", "buy 25% @ 64000 reduce-only"),
    ("s 1 ETHUSDT.P @ 3100 close", "sell 1 ETHUSDT PERP @ 3100 close"),
    ("cancel", "cancel last"),
    ("cancel all", "cancel all"),
    ("cancel all ETHUSDT.P", "cancel all ETHUSDT PERP"),
    ("cancel all account", "cancel all account"),
    ("flat", "flat"),
    ("flat account", "flat account"),
    ("lev 10x", "lev 10"),
    ("iv 1h", "iv 1H"),
    ("sym ETHUSDT:USDT-FUTURES", "sym ETHUSDT PERP"),
])
def test_previews(text: str, preview: str) -> None:
    command = parse(text)
    assert command.preview == preview
    assert parse(command.preview) == command


def test_descriptions() -> None:
    order = parse("b 0.1 BTCUSDT @ 65000 tp 66000 sl 64000 post")
    assert isinstance(order, OrderCommand)
    assert order.describe("BTC") == ("Limit buy 0.1 BTC of BTCUSDT at 65000, take profit 66000, stop loss 64000, "
                                     "post-only.")
    spend = parse("b 100u m")
    assert isinstance(spend, OrderCommand)
    assert spend.describe(quote_coin="USDT") == "Market buy 100 USDT of the active symbol."
    assert parse("flat account").describe() == "Close every position of this account at market."
    assert parse("cancel all").describe() == "Cancel every open order on the active symbol."
    assert parse("lev 5 BTCUSDT.P").describe() == "Set the leverage of BTCUSDT PERP to 5x."



@pytest.mark.parametrize("text", ["sym BTCUSDT PERP", "sym btcusdt perp", "flat BTCUSDT PERP", "lev 10 BTCUSDT PERP",
                                  "b 0.1 BTCUSDT PERP @ 60000", "s 1 BTCUSDT swap m"])
def test_the_name_the_terminal_writes_is_a_name_it_reads(text: str) -> None:
    """Chart title, ticket and positions write "BTCUSDT PERP"; the palette's own help offered "sym ETHUSDT PERP" and
    then refused it ("Unexpected 'PERP'")."""
    cmd = parse(text)
    assert getattr(cmd, "ref", None) == PERP


def test_a_product_word_alone_is_not_glued_to_a_verb_or_a_number() -> None:
    stop = parse("b 0.1 stop 64000 perp")
    assert isinstance(stop, OrderCommand)
    assert stop.stop == D(64000)
    assert stop.ref == SymbolRef("PERP", Product.SPOT)
    assert parse("sym perp") == SymbolCommand(SymbolRef("PERP", Product.SPOT))

@pytest.mark.parametrize(("text", "message", "start", "end", "expected"), [
    ("", "Expected a command", 0, 0, ("b", "buy", "s", "sell", "cancel", "flat", "lev", "iv", "sym", "tp", "sl")),
    ("x 1", "Unknown command 'x'", 0, 1, None),
    ("b", "Expected the size", 1, 1, ("size",)),
    ("b 0.1", "Expected a price ('@ 65000') or 'm'", 5, 5, ("@", "m", "stop")),
    ("b 0.1 @", "Expected the price here", 7, 7, ("number",)),
    ("b 0.1 @ abc", "Expected the price as a number, got 'abc'", 8, 11, ("number",)),
    ("b 0,1 m", "use a dot for decimals", 2, 5, ("number",)),
    ("b 0 m", "size must be greater than 0", 2, 3, None),
    ("b 101% m", "at most 100", 2, 6, None),
    ("b 1 @ 5 @ 6", "price is given twice", 8, 9, None),
    ("b 1 @ 5 m", "price is given twice", 8, 9, None),
    ("b 1 m 100u", "size is given twice", 6, 10, None),
    ("b 1 m 65000", "needs a word before it", 6, 11, ("@", "tp", "sl")),
    ("b 1 m post", "apply to limit orders", 6, 10, None),
    ("b 1 limit m", "has no limit price", 4, 9, None),
    ("b 1 @ 5 ro close", "either reduce-only", 8, 10, None),
    ("b 1 @ 5 tp", "Expected the take-profit price here", 10, 10, ("number",)),
    ("b 1 @ 5 B@D", "'B@D' is not a symbol", 8, 11, ("symbol",)),
    ("cancel foo", "expected 'last' or 'all'", 7, 10, ("last", "all")),
    ("cancel last now", "Unexpected 'now'", 12, 15, None),
    ("cancel all BTCUSDT extra", "Unexpected 'extra'", 19, 24, None),
    ("flat all", "'flat account' for every position", 5, 8, ("account", "symbol")),
    ("lev", "Expected the leverage", 3, 3, ("number",)),
    ("lev ten", "whole number", 4, 7, ("number",)),
    ("lev 0", "between 1 and 125", 4, 5, None),
    ("lev 126", "between 1 and 125", 4, 7, None),
    ("iv 2m", "Unknown interval '2m'", 3, 5, ("1m", "5m", "15m", "30m", "1H", "4H", "1D", "1W", "1Dutc", "1Wutc")),
    ("iv 1M", "Unknown interval", 3, 5, None),  # one month, which the chart does not offer, not one minute
    ("sym", "Expected a symbol", 3, 3, ("symbol",)),
    ("sym BTCUSDT_XYZ", "not a symbol", 4, 15, ("symbol",)),
    ("b 1" + "0" * 40 + " m", "too many digits", 2, 43, None),
])
def test_errors_say_where_and_what(text: str, message: str, start: int, end: int,
                                   expected: tuple[str, ...] | None) -> None:
    with pytest.raises(PaletteError) as exc:
        parse(text)
    error = exc.value
    assert message in error.message
    assert (error.start, error.end) == (start, end)
    if expected is not None:
        assert error.expected == expected
    assert str(error).endswith(f"(at character {start + 1})")


def test_the_examples_parse() -> None:
    for text, meaning in EXAMPLES:
        command = parse(text)
        assert parse(command.preview) == command, (text, meaning)


# --- properties ----------------------------------------------------------------------------------------------------

positive = st.decimals(min_value=D("0.00000001"), max_value=D("100000000"), places=8, allow_nan=False,
                       allow_infinity=False).filter(lambda d: d > 0)
refs = st.builds(SymbolRef, st.from_regex(r"[A-Z0-9]{2,12}", fullmatch=True), st.sampled_from(list(Product)))
opt_refs = st.none() | refs


@st.composite
def orders(draw: st.DrawFn) -> OrderCommand:
    unit = draw(st.sampled_from(list(SizeUnit)))
    size = draw(st.integers(1, 100).map(D) if unit is SizeUnit.PERCENT else positive)
    price = draw(st.none() | positive)
    force = draw(st.sampled_from(["gtc", "post_only", "ioc", "fok"])) if price is not None else "gtc"
    trade_side = draw(st.sampled_from([None, "open", "close"]))
    reduce_only = draw(st.booleans()) if trade_side is None else False
    return OrderCommand(draw(st.sampled_from(["buy", "sell"])), size, unit, price, draw(opt_refs),
                        draw(st.none() | positive), draw(st.none() | positive), force, reduce_only, trade_side)


commands = st.one_of(
    orders(),
    st.builds(CancelCommand, st.just(Scope.LAST)),
    st.builds(CancelCommand, st.just(Scope.SYMBOL), opt_refs),
    st.builds(CancelCommand, st.just(Scope.ACCOUNT)),
    st.builds(FlattenCommand, st.just(Scope.SYMBOL), opt_refs),
    st.builds(FlattenCommand, st.just(Scope.ACCOUNT)),
    st.builds(LeverageCommand, st.integers(1, 125), opt_refs),
    st.builds(IntervalCommand, st.sampled_from(list(Interval))),
    st.builds(SymbolCommand, refs),
)


@settings(max_examples=400, deadline=None)
@given(commands)
def test_the_preview_parses_back_to_the_same_command(command: Command) -> None:
    assert parse(command.preview) == command


words = st.sampled_from(["b", "s", "buy", "sell", "@", "m", "tp", "sl", "post", "ro", "close", "cancel", "all",
                         "flat", "account", "lev", "iv", "sym", "15m", "0.1", "100u", "25%", "65k", "BTCUSDT",
                         "ETHUSDT_UMCBL", "limit", "x", "-1", "0", "1e5", "@5"])


@settings(max_examples=400, deadline=None)
@given(st.lists(words, max_size=8).map(" ".join) | st.text(max_size=40))
def test_any_input_parses_or_fails_with_a_palette_error(text: str) -> None:
    error: PaletteError | None = None
    try:
        command = parse(text)
    except PaletteError as exc:
        error = exc
    if error is not None:
        assert 0 <= error.start <= error.end <= len(text)
        assert error.message
    else:
        assert parse(command.preview) == command
