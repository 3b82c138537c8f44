"""WebSocket messages: event acks (subscribe/unsubscribe/login/error) and channel pushes.

A push is ``{"action": "snapshot"|"update", "arg": {"instType", "channel", "instId"|"coin"}, "data": [...],
"ts": …}``. The ``parse_ws_<channel>`` functions take the whole decoded message and return typed items;
:func:`parse_ws_push` picks the parser from the channel name. The text frame ``pong`` is not JSON and never
reaches these functions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from terminal_app.bitget.errors import ExchangeError, error_for_code
from terminal_app.bitget.models.account import (
    closed_position_from,
    futures_account_from,
    futures_equity_from,
    position_from,
    spot_asset_from,
)
from terminal_app.bitget.models.fields import BadValue, as_list, fail, int_ms, text
from terminal_app.bitget.models.mapping import product_from_wire
from terminal_app.bitget.models.market import Depth, candle_from, depth_from, public_trade_from, ticker_from
from terminal_app.bitget.models.trade import AlgoOrder, algo_order_from, fill_from, order_from
from terminal_app.core.accounts import ClosedPosition, FuturesAccount, FuturesEquity, Position, SpotAsset
from terminal_app.core.instruments import Product, UnknownSymbol
from terminal_app.core.market_data import Candle, PublicTrade, Ticker
from terminal_app.core.orders import Fill, Order


@dataclass(frozen=True, slots=True)
class PushArg:
    """The ``arg`` of a subscription or push. ``inst_id`` is ``None`` for ``default`` (all symbols)."""

    product: Product | None
    channel: str
    inst_id: str | None = None
    coin: str | None = None

    @property
    def candle_interval(self) -> str | None:
        """``"1m"`` for channel ``candle1m``; ``None`` for other channels."""
        return self.channel[len("candle"):] if self.channel.startswith("candle") else None


@dataclass(frozen=True, slots=True)
class WsEvent:
    """An ack or error: ``{"event": "subscribe"|"unsubscribe"|"login"|"error", "code", "msg", "arg"}``.

    ``code`` is normalised to text (Bitget sends ``"0"`` or ``0`` for success, numbers for errors).
    """

    event: str
    code: str | None
    msg: str
    arg: PushArg | None

    @property
    def ok(self) -> bool:
        return self.event != "error" and self.code in (None, "", "0", "00000")

    def error(self) -> ExchangeError | None:
        """The typed error this event reports, or ``None`` for a successful ack."""
        if self.ok:
            return None
        return error_for_code(self.code or "", self.msg)


@dataclass(frozen=True, slots=True)
class WsPush:
    """A decoded push: its ``arg``, ``action`` and ``ts`` and the typed ``items`` of its channel."""

    arg: PushArg
    action: str | None
    ts: int | None
    items: tuple[Any, ...]


def is_event(msg: Any) -> bool:
    """Whether a decoded message is an ack/error event rather than a channel push."""
    return isinstance(msg, Mapping) and "event" in msg


# Streams repeat the same few args on every message; building PushArg once per distinct arg keeps books fast.
_ARG_CACHE: dict[tuple[Any, ...], PushArg] = {}
_ARG_CACHE_LIMIT = 4096


def parse_push_arg(arg: Any) -> PushArg:
    if type(arg) is not dict:
        return _build_push_arg(arg)
    key = (arg.get("instType"), arg.get("channel"), arg.get("instId"), arg.get("coin"))
    try:
        cached = _ARG_CACHE.get(key)
    except TypeError:  # an unhashable value: let the slow path report it
        cached = None
    if cached is not None:
        return cached
    result = _build_push_arg(arg)
    if len(_ARG_CACHE) >= _ARG_CACHE_LIMIT:
        _ARG_CACHE.clear()
    _ARG_CACHE[key] = result
    return result


def _build_push_arg(arg: Any) -> PushArg:
    if not isinstance(arg, Mapping):
        fail("WebSocket arg", f"expected an object, got {type(arg).__name__}")
    raw_type = arg.get("instType")
    try:
        product = product_from_wire(str(raw_type)) if raw_type not in (None, "") else None
    except UnknownSymbol:
        fail("WebSocket arg", f"unknown instType {raw_type!r}")
    channel = arg.get("channel")
    if not isinstance(channel, str) or not channel:
        fail("WebSocket arg", "field 'channel' is missing")
    inst_id = arg.get("instId")
    coin = arg.get("coin")
    return PushArg(
        product=product,
        channel=channel,
        inst_id=None if inst_id in (None, "", "default") else str(inst_id).upper(),
        coin=None if coin in (None, "", "default") else str(coin).upper(),
    )


def parse_ws_event(msg: Any) -> WsEvent:
    """``{"event": "login", "code": "0", "msg": ""}``, ``{"event": "error", "code": 30015, "msg": "Invalid sign"}``,
    ``{"event": "subscribe", "arg": {...}}``."""
    if not isinstance(msg, Mapping) or not isinstance(msg.get("event"), str):
        fail("WebSocket event", "field 'event' is missing")
    raw_code = msg.get("code")
    raw_arg = msg.get("arg")
    try:
        code = None if raw_code is None else text(raw_code).strip()
        message = text(msg.get("msg"))
    except BadValue as exc:
        fail("WebSocket event", str(exc))
    return WsEvent(event=msg["event"], code=code, msg=message,
                   arg=parse_push_arg(raw_arg) if raw_arg is not None else None)


def _parts(msg: Any, kind: str) -> tuple[PushArg, str | None, int | None, list[Any]]:
    if not isinstance(msg, Mapping):
        fail(kind, f"expected an object, got {type(msg).__name__}")
    if "data" not in msg:
        fail(kind, "field 'data' is missing")
    arg = parse_push_arg(msg.get("arg"))
    raw_ts = msg.get("ts")
    try:
        ts = None if raw_ts in (None, "") else int_ms(raw_ts)
    except BadValue as exc:
        fail(kind, f"field 'ts' {exc}")
    action = msg.get("action")
    return arg, action if isinstance(action, str) else None, ts, as_list(msg["data"], kind)


def _inst_type(arg: PushArg, kind: str) -> Product:
    if arg.product is None:
        fail(kind, "field 'instType' is missing from the arg")
    return arg.product


ItemParser = Callable[[Any, PushArg, str | None], Any]


def _ticker(entry: Any, arg: PushArg, action: str | None) -> Ticker:
    return ticker_from(entry, _inst_type(arg, "Ticker"))


def _books(entry: Any, arg: PushArg, action: str | None) -> Depth:
    return depth_from(entry, action=action, symbol=arg.inst_id, product=arg.product)


def _candle(entry: Any, arg: PushArg, action: str | None) -> Candle:
    return candle_from(entry, ws_layout=True)


def _trade(entry: Any, arg: PushArg, action: str | None) -> PublicTrade:
    return public_trade_from(entry, symbol=arg.inst_id)


def _spot_account(entry: Any, arg: PushArg, action: str | None) -> SpotAsset:
    return spot_asset_from(entry)


def _futures_account(entry: Any, arg: PushArg, action: str | None) -> FuturesAccount:
    return futures_account_from(entry)


def _equity(entry: Any, arg: PushArg, action: str | None) -> FuturesEquity:
    return futures_equity_from(entry)


def _order(entry: Any, arg: PushArg, action: str | None) -> Order:
    return order_from(entry, _inst_type(arg, "Order"), ws=True)


def _fill(entry: Any, arg: PushArg, action: str | None) -> Fill:
    return fill_from(entry, _inst_type(arg, "Fill"))


def _position(entry: Any, arg: PushArg, action: str | None) -> Position:
    return position_from(entry, _inst_type(arg, "Position"))


def _closed_position(entry: Any, arg: PushArg, action: str | None) -> ClosedPosition:
    return closed_position_from(entry, _inst_type(arg, "ClosedPosition"))


def _algo(entry: Any, arg: PushArg, action: str | None) -> AlgoOrder:
    return algo_order_from(entry, _inst_type(arg, "AlgoOrder"))


def _items(msg: Any, kind: str, item: ItemParser) -> list[Any]:
    if type(msg) is not dict or type(msg.get("data")) is not list:
        _parts(msg, kind)  # reports what is wrong
    arg = parse_push_arg(msg.get("arg"))
    action = msg.get("action")
    if type(action) is not str:
        action = None
    return [item(entry, arg, action) for entry in msg["data"]]


def parse_ws_ticker(msg: Any) -> list[Ticker]:
    """Channel ``ticker`` (spot and futures)."""
    return _items(msg, "Ticker", _ticker)


def parse_ws_books(msg: Any) -> list[Depth]:
    """Channels ``books`` (snapshot then updates, with checksum), ``books1``, ``books5``, ``books15``."""
    return _items(msg, "Depth", _books)


def parse_ws_candles(msg: Any) -> list[Candle]:
    """Channels ``candle1m`` … ``candle1W`` and the UTC variants."""
    return _items(msg, "Candle", _candle)


def parse_ws_trades(msg: Any) -> list[PublicTrade]:
    """Channel ``trade``."""
    return _items(msg, "PublicTrade", _trade)


def parse_ws_spot_account(msg: Any) -> list[SpotAsset]:
    """Channel ``account`` with instType ``SPOT``."""
    return _items(msg, "SpotAsset", _spot_account)


def parse_ws_futures_account(msg: Any) -> list[FuturesAccount]:
    """Channel ``account`` with a futures instType."""
    return _items(msg, "FuturesAccount", _futures_account)


def parse_ws_equity(msg: Any) -> list[FuturesEquity]:
    """Channel ``equity`` (futures)."""
    return _items(msg, "FuturesEquity", _equity)


def parse_ws_orders(msg: Any) -> list[Order]:
    """Channel ``orders`` (spot and futures)."""
    return _items(msg, "Order", _order)


def parse_ws_fills(msg: Any) -> list[Fill]:
    """Channel ``fill`` (spot and futures)."""
    return _items(msg, "Fill", _fill)


def parse_ws_positions(msg: Any) -> list[Position]:
    """Channel ``positions``: each push is the full list of open positions."""
    return _items(msg, "Position", _position)


def parse_ws_positions_history(msg: Any) -> list[ClosedPosition]:
    """Channel ``positions-history``."""
    return _items(msg, "ClosedPosition", _closed_position)


def parse_ws_algo_orders(msg: Any) -> list[AlgoOrder]:
    """Channel ``orders-algo`` (spot and futures trigger / TP-SL orders)."""
    return _items(msg, "AlgoOrder", _algo)


_CHANNELS: dict[str, ItemParser] = {
    "ticker": _ticker,
    "trade": _trade,
    "equity": _equity,
    "orders": _order,
    "fill": _fill,
    "positions": _position,
    "positions-history": _closed_position,
    "orders-algo": _algo,
}


def _channel_parser(arg: PushArg) -> ItemParser:
    channel = arg.channel
    if channel in _CHANNELS:
        return _CHANNELS[channel]
    if channel.startswith("books"):
        return _books
    if channel.startswith("candle"):
        return _candle
    if channel == "account":
        if arg.product is Product.SPOT:
            return _spot_account
        return _futures_account
    fail("WebSocket push", f"channel {channel!r} is not modelled")


def parse_ws_push(msg: Any) -> WsPush:
    """Any channel push, with items typed by channel (e.g. ``books*`` → :class:`Depth`, spot ``account`` →
    :class:`SpotAsset`, futures ``account`` → :class:`FuturesAccount`)."""
    arg, action, ts, data = _parts(msg, "WebSocket push")
    item = _channel_parser(arg)
    return WsPush(arg=arg, action=action, ts=ts, items=tuple(item(entry, arg, action) for entry in data))


__all__ = [
    "PushArg",
    "WsEvent",
    "WsPush",
    "is_event",
    "parse_push_arg",
    "parse_ws_algo_orders",
    "parse_ws_books",
    "parse_ws_candles",
    "parse_ws_equity",
    "parse_ws_event",
    "parse_ws_fills",
    "parse_ws_futures_account",
    "parse_ws_orders",
    "parse_ws_positions",
    "parse_ws_positions_history",
    "parse_ws_push",
    "parse_ws_spot_account",
    "parse_ws_ticker",
    "parse_ws_trades",
]
