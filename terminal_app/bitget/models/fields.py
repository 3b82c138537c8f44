"""Value helpers for Bitget's wire quirks, and field readers that turn bad input into ``ProtocolError``.

Bitget sends most numbers as strings but some as JSON numbers (mix merge-depth levels, positions ``leverage``,
ticker ``symbolType``), empty strings where a value is unknown (``fee: ""``, ``unrealizedPL: ""``), ``null`` for
absent optional values, and a few timestamps in seconds instead of milliseconds (spot ``unfilled-orders`` cTime).
The value helpers (:func:`dec`, :func:`opt_dec`, :func:`int_ms`, :func:`text`, :func:`yes_no`) accept all of these;
:class:`Fields` wraps one wire object and names the field and the type being parsed in every error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn, TypeVar

from terminal_app.bitget.errors import ProtocolError

T = TypeVar("T")
E = TypeVar("E")

_ZERO = Decimal(0)
# Any epoch value below this is in seconds: 10**11 ms is March 1973, 10**11 s is the year 5138.
_SECONDS_LIMIT = 100_000_000_000


class BadValue(ValueError):
    """A wire value that cannot be converted; :class:`Fields` re-raises it as ``ProtocolError``."""


def _empty(value: Any) -> bool:
    return value is None or value == ""


def dec(value: Any) -> Decimal:
    """Decimal from a Bitget string or number; ``None`` and ``""`` mean zero.

    Floats go through ``repr`` so ``0.1`` becomes ``Decimal("0.1")``, not its binary expansion.
    """
    if type(value) is str:
        if value == "":
            return _ZERO
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise BadValue(f"not a number: {value!r}") from None
        if not result.is_finite():
            raise BadValue(f"not a finite number: {value!r}")
        return result
    if value is None:
        return _ZERO
    if isinstance(value, bool):
        raise BadValue(f"not a number: {value!r}")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise BadValue(f"not a finite number: {value!r}")
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        return value
    raise BadValue(f"not a number: {value!r}")


def opt_dec(value: Any) -> Decimal | None:
    """Like :func:`dec`, but ``None`` and ``""`` stay ``None`` (unknown, not zero)."""
    return None if _empty(value) else dec(value)


def num_str(value: Any) -> str:
    """Bitget's string form of a price or size: strings pass through untouched, numbers become plain decimals.

    ``26348.0`` → ``"26348.0"``, ``1e-05`` → ``"0.00001"``; never an exponent.
    """
    if type(value) is str:
        return value
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise BadValue(f"not a number: {value!r}")
    return format(dec(value), "f")


def int_ms(value: Any) -> int:
    """Epoch milliseconds from a string or number; values in seconds are scaled to milliseconds."""
    if _empty(value) or isinstance(value, bool):
        raise BadValue(f"not a timestamp: {value!r}")
    try:
        if isinstance(value, int):
            ms = value
        elif isinstance(value, float):
            ms = int(value)
        else:
            ms = int(str(value).strip())
    except ValueError:
        raise BadValue(f"not a timestamp: {value!r}") from None
    return ms * 1000 if 0 < ms < _SECONDS_LIMIT else ms


def opt_ms(value: Any) -> int | None:
    """Like :func:`int_ms`; ``None``, ``""`` and Bitget's "never" marker ``-1``/``0`` give ``None``."""
    if _empty(value):
        return None
    ms = int_ms(value)
    return ms if ms > 0 else None


def text(value: Any) -> str:
    """A string field: ``None`` → ``""``; numbers (ids sent as numbers) → their decimal text."""
    if value is None:
        return ""
    if type(value) is str:
        return value
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise BadValue(f"not text: {value!r}")
    return num_str(value)


def opt_text(value: Any) -> str | None:
    """A string field where ``None`` and ``""`` mean absent."""
    result = text(value)
    return result or None


_YES = frozenset({"yes", "true", "y", "1", "on"})
_NO = frozenset({"no", "false", "n", "0", "off"})


def yes_no(value: Any) -> bool | None:
    """``"YES"``/``"yes"``/``"true"``/``True`` → True, the negatives → False, ``None``/``""`` → None."""
    if _empty(value):
        return None
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise BadValue(f"not yes/no: {value!r}")


def protocol_error(kind: str, message: str) -> ProtocolError:
    return ProtocolError(f"Unexpected Bitget data for {kind}: {message}.")


def fail(kind: str, message: str) -> NoReturn:
    raise protocol_error(kind, message)


def as_mapping(value: Any, kind: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        fail(kind, f"expected an object, got {type(value).__name__}")
    return value


def as_list(value: Any, kind: str, *, null_is_empty: bool = True) -> list[Any]:
    """A JSON array; Bitget sends ``null`` for empty lists on several endpoints (``entrustedList: null``)."""
    if value is None and null_is_empty:
        return []
    if not isinstance(value, list | tuple):
        fail(kind, f"expected a list, got {type(value).__name__}")
    return list(value)


_MISSING: Any = object()


class Fields:
    """One wire object being parsed as ``kind``; every accessor names the field and ``kind`` on failure.

    ``f.dec("price")`` requires the key; ``f.dec("price", "0")`` accepts its absence; keys may be alternatives
    (``f.dec(("accBaseVolume", "baseVolume"))``): the first non-empty one is used, else an empty one.
    """

    __slots__ = ("data", "kind")

    def __init__(self, data: Any, kind: str) -> None:
        self.data = as_mapping(data, kind)
        self.kind = kind

    def _raw(self, key: str | tuple[str, ...], required: bool) -> tuple[str, Any]:
        keys = (key,) if isinstance(key, str) else key
        empty: str | None = None
        for k in keys:
            value = self.data.get(k, _MISSING)
            if value == "":
                empty = empty or k  # an empty alternative yields to a later non-empty one
            elif value is not _MISSING and value is not None:
                return k, value
        if empty is not None:
            return empty, ""
        if required:
            names = " or ".join(repr(k) for k in keys)
            present = [k for k in keys if k in self.data]
            why = "is null" if present else "is missing"
            fail(self.kind, f"field {names} {why}")
        return keys[0], None

    def _convert(self, key: str, value: Any, fn: Callable[[Any], T]) -> T:
        try:
            return fn(value)
        except BadValue as exc:
            fail(self.kind, f"field {key!r} {exc}")

    def has(self, key: str) -> bool:
        return self.data.get(key) not in (None, "")

    def dec(self, key: str | tuple[str, ...], default: str | None = None) -> Decimal:
        """Required Decimal (``""`` → 0); with ``default``, an absent key gives ``Decimal(default)``."""
        k, value = self._raw(key, default is None)
        if value is None:
            return Decimal(default) if default is not None else _ZERO
        return self._convert(k, value, dec)

    def opt_dec(self, key: str | tuple[str, ...]) -> Decimal | None:
        k, value = self._raw(key, False)
        return self._convert(k, value, opt_dec)

    def ms(self, key: str | tuple[str, ...]) -> int:
        k, value = self._raw(key, True)
        return self._convert(k, value, int_ms)

    def opt_ms(self, key: str | tuple[str, ...]) -> int | None:
        k, value = self._raw(key, False)
        return self._convert(k, value, opt_ms)

    def text(self, key: str | tuple[str, ...], default: str | None = None) -> str:
        """Required text; ``""`` is accepted as a value. With ``default``, an absent key gives ``default``."""
        k, value = self._raw(key, default is None)
        if value is None:
            return default or ""
        return self._convert(k, value, text)

    def opt_text(self, key: str | tuple[str, ...]) -> str | None:
        k, value = self._raw(key, False)
        return self._convert(k, value, opt_text)

    def word(self, key: str | tuple[str, ...], default: str | None = None) -> str:
        """Lower-cased enum-like text (``side``, ``orderType``); Bitget mixes ``Sell`` and ``sell``."""
        return self.text(key, default).strip().lower()

    def opt_word(self, key: str | tuple[str, ...]) -> str | None:
        value = self.opt_text(key)
        return value.strip().lower() if value else None

    def enum(self, key: str | tuple[str, ...], table: Mapping[str, E], default: str | None = None) -> E:
        """A required word looked up in ``table`` (a V2 spelling → domain enum table of ``mapping``); a word the
        table lacks fails like any malformed value."""
        word = self.word(key, default)
        if word not in table:
            fail(self.kind, f"field {key!r} has an unknown value {word!r}")
        return table[word]

    def opt_enum(self, key: str | tuple[str, ...], table: Mapping[str, E]) -> E | None:
        """Like :meth:`enum`; an absent or empty field gives ``None``."""
        word = self.opt_word(key)
        if word is None:
            return None
        if word not in table:
            fail(self.kind, f"field {key!r} has an unknown value {word!r}")
        return table[word]

    def symbol(self, key: str | tuple[str, ...] = ("symbol", "instId")) -> str:
        """Upper-cased symbol: some samples send ``ethusdt``."""
        value = self.text(key).strip().upper()
        if not value:
            fail(self.kind, f"field {key!r} is empty")
        return value

    def yes_no(self, key: str | tuple[str, ...]) -> bool | None:
        k, value = self._raw(key, False)
        return self._convert(k, value, yes_no)

    def seq(self, key: str) -> list[Any]:
        k, value = self._raw(key, False)
        if value is None:
            return []
        if not isinstance(value, list | tuple):
            fail(self.kind, f"field {k!r} is not a list")
        return list(value)

    def any(self, key: str) -> Any:
        return self.data.get(key)


def parse_list(data: Any, kind: str, item: Callable[[Any], T]) -> list[T]:
    """Parse every element of a JSON array with ``item``; ``null`` is an empty list."""
    return [item(entry) for entry in as_list(data, kind)]


def inner_list(data: Any, key: str, kind: str) -> list[Any]:
    """The list under ``key`` in a wrapper object (``{"entrustedList": [...], "endId": ...}``).

    A bare list is accepted too, so a caller that unwrapped one level itself still works.
    """
    if isinstance(data, list):
        return data
    if data is None:
        return []
    return as_list(as_mapping(data, kind).get(key), kind)


def end_id(data: Any) -> str | None:
    """The pagination cursor (``endId``) of a wrapped list answer, if any."""
    if isinstance(data, Mapping):
        value = data.get("endId") or data.get("idLessThan")
        return text(value) or None
    return None
