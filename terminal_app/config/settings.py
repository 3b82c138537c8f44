"""Typed settings declared as data, stored as JSON under the config dir.

Every option is one :class:`Setting` in :data:`SCHEMA` (key, type, default, description, limits); the settings page and
validation are generated from it. The file holds only the values that differ from their defaults (so a better default
in a new release reaches users who never touched it), plus keys this version does not know (kept, so a downgrade
does not destroy a newer version's options). A broken file is moved aside and reported, never silently dropped.
API secrets never go here: they live in the OS keyring (``config/secrets.py``).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Any, Generic, TypeVar

from terminal_app.config.paths import atomic_write
from terminal_app.core.instruments import Product, SymbolRef, UnknownSymbol, parse_symbol

log = logging.getLogger("terminal_app.config.settings")

SCHEMA_VERSION = 1

T = TypeVar("T")
Keymap = dict[str, tuple[str, ...]]


class SettingError(ValueError):
    """A value that does not fit its setting; the message is meant for the user."""


class SettingType(StrEnum):
    """What kind of editor a generated settings page shows."""

    BOOL = "bool"
    INT = "int"
    DECIMAL = "decimal"
    CHOICE = "choice"
    TEXT = "text"
    SYMBOLS = "symbols"
    KEYMAP = "keymap"


@dataclass(frozen=True, slots=True)
class Setting(Generic[T]):
    """One option: its key in the file, type, default, help text, and how a stored value is checked."""

    key: str
    type: SettingType
    default: T
    description: str
    parse: Callable[[Any], T] = field(repr=False)
    dump: Callable[[T], Any] = field(repr=False)
    choices: tuple[str, ...] = ()
    minimum: Decimal | None = None
    maximum: Decimal | None = None

    @property
    def section(self) -> str:
        return self.key.partition(".")[0]


def _same(value: T) -> T:
    # JSON holds these types as they are; dumping must not coerce (True would pass as the int 1).
    return value


def _parse_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    raise SettingError(f"expected true or false, got {raw!r}")


def _ranged(value: Decimal, lo: Decimal | None, hi: Decimal | None) -> None:
    if lo is not None and value < lo:
        raise SettingError(f"{value} is below the minimum {lo}")
    if hi is not None and value > hi:
        raise SettingError(f"{value} is above the maximum {hi}")


def bool_setting(key: str, default: bool, description: str) -> Setting[bool]:
    return Setting(key, SettingType.BOOL, default, description, _parse_bool, _same)


def int_setting(key: str, default: int, description: str, minimum: int, maximum: int) -> Setting[int]:
    lo, hi = Decimal(minimum), Decimal(maximum)

    def parse(raw: Any) -> int:
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise SettingError(f"expected a whole number, got {raw!r}")
        _ranged(Decimal(raw), lo, hi)
        return raw

    return Setting(key, SettingType.INT, default, description, parse, _same, minimum=lo, maximum=hi)


def decimal_setting(
    key: str, default: str, description: str, minimum: str | None = None, maximum: str | None = None
) -> Setting[Decimal]:
    lo = Decimal(minimum) if minimum is not None else None
    hi = Decimal(maximum) if maximum is not None else None

    def parse(raw: Any) -> Decimal:
        # Strings are what we write; numbers appear when a user edits the file by hand.
        if isinstance(raw, bool) or not isinstance(raw, str | int | float | Decimal):
            raise SettingError(f"expected a number, got {raw!r}")
        try:
            value = Decimal(str(raw).strip())
        except InvalidOperation:
            raise SettingError(f"expected a number, got {raw!r}") from None
        if not value.is_finite():
            raise SettingError(f"expected a finite number, got {raw!r}")
        _ranged(value, lo, hi)
        return value

    return Setting(key, SettingType.DECIMAL, Decimal(default), description, parse, str, minimum=lo, maximum=hi)


def choice_setting(key: str, default: str, description: str, choices: Sequence[str]) -> Setting[str]:
    allowed = tuple(choices)
    assert default in allowed, (key, default)

    def parse(raw: Any) -> str:
        if raw not in allowed:
            raise SettingError(f"expected one of {', '.join(allowed)}, got {raw!r}")
        return str(raw)

    return Setting(key, SettingType.CHOICE, default, description, parse, _same, choices=allowed)


def text_setting(key: str, default: str, description: str) -> Setting[str]:
    def parse(raw: Any) -> str:
        if not isinstance(raw, str) or not raw.strip():
            raise SettingError(f"expected non-empty text, got {raw!r}")
        return raw.strip()

    return Setting(key, SettingType.TEXT, default, description, parse, _same)


def _parse_symbols(raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list | tuple) or not all(isinstance(s, str) for s in raw):
        raise SettingError(f"expected a list of symbols, got {raw!r}")
    keys: list[str] = []
    for text in raw:
        try:
            key = parse_symbol(text).key
        except UnknownSymbol as exc:
            raise SettingError(exc.user_message) from None
        if key not in keys:  # a symbol written twice (BTCUSDT and btc/usdt) is listed once
            keys.append(key)
    return tuple(keys)


def symbols_setting(key: str, default: Sequence[str], description: str) -> Setting[tuple[str, ...]]:
    return Setting(key, SettingType.SYMBOLS, _parse_symbols(list(default)), description, _parse_symbols, list)


def _parse_keymap(raw: Any) -> Keymap:
    if not isinstance(raw, dict):
        raise SettingError(f"expected a mapping of action id to key sequences, got {raw!r}")
    out: Keymap = {}
    for action_id, seqs in raw.items():
        if isinstance(seqs, str):
            seqs = [seqs]
        if not isinstance(seqs, list | tuple) or not all(isinstance(s, str) and s.strip() for s in seqs):
            raise SettingError(f"{action_id}: expected a list of key sequences, got {seqs!r}")
        out[str(action_id)] = tuple(s.strip() for s in seqs)
    return out


def keymap_setting(key: str, description: str) -> Setting[Keymap]:
    def dump(keymap: Keymap) -> dict[str, list[str]]:
        return {k: list(v) for k, v in keymap.items()}

    return Setting(key, SettingType.KEYMAP, {}, description, _parse_keymap, dump)



THEME = choice_setting("ui.theme", "dark", "Colour theme of the whole window.", ("dark", "light"))
PALETTE = choice_setting(
    "ui.palette",
    "green-red",
    "Colours for up/down, buy/sell: green/red, or blue/orange which stays distinct with red-green colour blindness.",
    ("green-red", "blue-orange"),
)
HOTKEYS_ENABLED = bool_setting(
    "hotkeys.enabled",
    False,
    "Trading hotkeys (buy, sell, cancel, flatten, panic…). Off until you switch them on; never active while you type "
    "in a text field. Non-trading keys (layout, help, intervals) always work.",
)
KEY_BINDINGS = keymap_setting(
    "hotkeys.bindings",
    "Your key bindings, by action id; they replace the defaults of those actions. An empty list unbinds an action.",
)
WATCHLIST = symbols_setting(
    "watchlist.symbols",
    tuple(SymbolRef(symbol, product).key for symbol, product in (
        ("BTCUSDT", Product.SPOT), ("ETHUSDT", Product.SPOT), ("SOLUSDT", Product.SPOT),
        ("BTCUSDT", Product.USDT_FUTURES), ("ETHUSDT", Product.USDT_FUTURES),
        ("BTCUSD", Product.COIN_FUTURES), ("BTCPERP", Product.USDC_FUTURES))),
    "Symbols in the watchlist, in order (e.g. BTCUSDT:spot, BTCUSDT:usdt_futures, BTCUSDT PERP).",
)
LAST_PROFILE = text_setting("profile.last", "Demo", "The profile opened at start-up.")
CHART_INTERVAL = choice_setting(
    "chart.interval", "15m", "Candle interval of the chart.",
    ("1m", "5m", "15m", "30m", "1H", "4H", "1D", "1W", "1Dutc", "1Wutc")
)
CHART_MA = bool_setting("chart.ma20", False, "Chart: MA 20 (simple moving average of 20 closes) on the price pane.")
CHART_EMA = bool_setting("chart.ema50", False, "Chart: EMA 50 (exponential moving average) on the price pane.")
CHART_BB = bool_setting("chart.bb20", False, "Chart: Bollinger bands (20 closes, 2 deviations) on the price pane.")
CHART_RSI = bool_setting("chart.rsi14", False, "Chart: RSI 14 pane (30/70 guides) under the price pane.")
CHART_MACD = bool_setting("chart.macd", False, "Chart: MACD 12/26/9 pane with its histogram under the price pane.")
# The chart's indicator names (ui.chart.widget.INDICATORS) → the setting that remembers whether each is on.
CHART_INDICATORS: dict[str, Setting[bool]] = {
    "ma": CHART_MA, "ema": CHART_EMA, "bb": CHART_BB, "rsi": CHART_RSI, "macd": CHART_MACD,
}
SAVE_LAYOUT_ON_EXIT = bool_setting("layout.save_on_exit", True, "Save the window layout when the terminal closes.")
FAT_FINGER_PCT = decimal_setting(
    "risk.fat_finger_pct",
    "5",
    "Refuse a limit order priced further than this many percent from the last price.",
    minimum="0.1",
    maximum="100",
)
MAX_ORDER_NOTIONAL = decimal_setting(
    "risk.max_order_notional", "50000", "Refuse any order worth more than this (in the quote coin).", minimum="0"
)
CONFIRM_MARKET_NOTIONAL = decimal_setting(
    "risk.confirm_market_notional",
    "1000",
    "Ask for confirmation before a market order worth more than this (in the quote coin).",
    minimum="0",
)
LEVERAGE_CAP = int_setting("risk.leverage_cap", 20, "Never set futures leverage above this.", 1, 125)
COUNTDOWN_CANCEL_ALL = choice_setting(
    "risk.countdown_cancel_all",
    "off",
    "Dead man's switch (unified accounts): if the terminal loses contact with Bitget for this many seconds, Bitget "
    "cancels all your open orders. The terminal re-arms it every third of that time while connected.",
    ("off", "5", "10", "15", "30", "60"),
)

SCHEMA: tuple[Setting[Any], ...] = (
    THEME,
    PALETTE,
    HOTKEYS_ENABLED,
    KEY_BINDINGS,
    WATCHLIST,
    LAST_PROFILE,
    CHART_INTERVAL,
    CHART_MA,
    CHART_EMA,
    CHART_BB,
    CHART_RSI,
    CHART_MACD,
    SAVE_LAYOUT_ON_EXIT,
    FAT_FINGER_PCT,
    MAX_ORDER_NOTIONAL,
    CONFIRM_MARKET_NOTIONAL,
    LEVERAGE_CAP,
    COUNTDOWN_CANCEL_ALL,
)
BY_KEY: dict[str, Setting[Any]] = {s.key: s for s in SCHEMA}
assert len(BY_KEY) == len(SCHEMA), "duplicate setting key"

Listener = Callable[[Setting[Any], Any], None]


class Settings:
    """The current values of every setting in :data:`SCHEMA`, bound to one JSON file (or none, in memory).

    ``problems`` lists, in plain words, every value that was ignored on load and why.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.problems: list[str] = []
        self._values: dict[str, Any] = {s.key: s.default for s in SCHEMA}
        self._unknown: dict[str, Any] = {}
        self._listeners: list[Listener] = []

    @classmethod
    def load(cls, path: Path) -> Settings:
        """Read ``path``; a missing file means all defaults, a broken one is moved aside and reported."""
        self = cls(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return self
        try:
            doc = json.loads(text)
            if not isinstance(doc, dict) or not isinstance(doc.get("values", {}), dict):
                raise ValueError("not a settings document")
        except ValueError as exc:
            aside = path.with_name(f"{path.name}.broken-{int(time.time())}")
            path.replace(aside)
            self._problem(f"The settings file could not be read ({exc}); it was moved to {aside}; defaults are used.")
            return self
        version = doc.get("version", SCHEMA_VERSION)
        if isinstance(version, int) and version > SCHEMA_VERSION:
            self._problem(
                f"The settings file was written by a newer version (schema {version}); options this version does not "
                "know are kept unchanged."
            )
        for key, raw in doc.get("values", {}).items():
            setting = BY_KEY.get(key)
            if setting is None:
                self._unknown[key] = raw
                continue
            try:
                self._values[key] = setting.parse(raw)
            except SettingError as exc:
                self._problem(f"Setting {key}: {exc}; the default ({_show(setting.dump(setting.default))}) is used.")
        return self

    def _problem(self, text: str) -> None:
        log.warning("%s", text)
        self.problems.append(text)

    def get(self, setting: Setting[T]) -> T:
        value: T = self._values[setting.key]
        return value

    def set(self, setting: Setting[T], value: T) -> None:
        """Check ``value`` like a stored one (raises :class:`SettingError`), then notify listeners if it changed."""
        checked = setting.parse(setting.dump(value))
        if checked == self._values[setting.key]:
            return
        self._values[setting.key] = checked
        for listener in list(self._listeners):
            listener(setting, checked)

    def set_from_text(self, key: str, raw: Any) -> None:
        """Set by key from a JSON-like value (what a generated settings page or a command line holds)."""
        setting = BY_KEY.get(key)
        if setting is None:
            raise SettingError(f"no setting named {key!r}")
        self.set(setting, setting.parse(raw))

    def reset(self, setting: Setting[Any]) -> None:
        self.set(setting, setting.default)

    def is_default(self, setting: Setting[Any]) -> bool:
        return bool(self._values[setting.key] == setting.default)

    def add_listener(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(setting, new_value)`` after each change; returns a function that removes it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def to_document(self) -> dict[str, Any]:
        values: dict[str, Any] = dict(self._unknown)
        for s in SCHEMA:
            if not self.is_default(s):
                values[s.key] = s.dump(self._values[s.key])
        return {"version": SCHEMA_VERSION, "values": dict(sorted(values.items()))}

    def save(self, path: Path | None = None) -> None:
        target = path or self.path
        if target is None:
            raise SettingError("these settings are not bound to a file")
        data = json.dumps(self.to_document(), indent=2, ensure_ascii=False) + "\n"
        atomic_write(target, data.encode("utf-8"))

    def values(self) -> Mapping[str, Any]:
        return dict(self._values)


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
