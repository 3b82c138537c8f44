"""The BitgetError tree: Bitget codes map to typed errors with the code and a plain-language message."""

from __future__ import annotations

import pytest

from terminal_app.bitget import errors as e


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        ("40006", e.AuthError), ("40009", e.AuthError), ("40012", e.AuthError), ("40037", e.AuthError),
        ("40014", e.PermissionDenied), ("40008", e.TimestampError), ("40004", e.TimestampError),
        ("429", e.RateLimited), ("40099", e.EnvironmentMismatch), ("43012", e.InsufficientBalance),
        ("40762", e.InsufficientBalance), ("41103", e.PrecisionError), ("40808", e.PrecisionError),
        ("45110", e.MinimumSizeError), ("40774", e.PositionModeMismatch), ("43118", e.DuplicateClientOid),
        ("43001", e.OrderNotFound), ("40109", e.OrderNotFound), ("41114", e.MarketUnavailable),
        ("30001", e.WebSocketError), ("30015", e.AuthError), ("30006", e.RateLimited),
    ],
)
def test_codes_map_to_typed_errors(code: str, cls: type[e.ExchangeError]) -> None:
    err = e.error_for_code(code, "raw exchange text")
    assert type(err) is cls
    assert err.code == code
    assert err.user_message
    assert f"[{code}]" in str(err)
    assert isinstance(err, e.BitgetError)


def test_numeric_codes_are_accepted() -> None:
    assert isinstance(e.error_for_code(40774, "x"), e.PositionModeMismatch)


def test_unknown_code_keeps_bitgets_text() -> None:
    err = e.error_for_code("49999", "Something new happened")
    assert type(err) is e.ExchangeError
    assert "Something new happened" in str(err)


def test_http_429_without_a_known_code_is_rate_limited() -> None:
    assert isinstance(e.error_for_code("00001", "busy", http_status=429), e.RateLimited)


def test_messages_say_what_to_do_for_the_confusing_ones() -> None:
    assert "demo" in e.error_for_code("40099").user_message.lower()
    assert "one-way" in e.error_for_code("40774").user_message.lower()
    assert "clock" in e.error_for_code("40008").user_message.lower()


def test_transport_error_ambiguity_flag() -> None:
    assert e.TransportError("timed out", ambiguous=True).ambiguous
    assert not e.TransportError("refused").ambiguous


def test_every_table_entry_is_an_exchange_error_subclass() -> None:
    for code, cls in e.known_codes().items():
        assert issubclass(cls, e.ExchangeError), code
        assert e.error_for_code(code).code == code


@pytest.mark.parametrize(("code", "cls", "bitget_msg"), [
    # Bitget's classic REST table after the 2025-10-14 remap (SG spot/contract error-code/restapi)
    ("40020", e.InvalidOrder, "Parameter orderId error"),
    ("43111", e.InvalidOrder, "param error price"),
    ("40010", e.ExchangeError, "Request timed out"),
    ("40002", e.AuthError, "ACCESS_SIGN cannot be empty"),
    # classic/unified mismatch (bitget-v3-uta.md §1)
    ("40084", e.AccountModeMismatch, "You are in Classic Account mode, and the Unified Account API is not supported"),
    ("25245", e.AccountModeMismatch, "The account is not the unified account mode"),
    ("40085", e.AccountModeMismatch, "You are in Unified Account mode, and the Classic Account API is not supported"),
])
def test_codes_as_bitget_remapped_them(code: str, cls: type[e.ExchangeError], bitget_msg: str) -> None:
    """40020 was read as "below minimum size" and 43111 as "post-only would take"; neither is what Bitget means."""
    err = e.error_for_code(code, bitget_msg)
    assert type(err) is cls
    assert not isinstance(err, e.MinimumSizeError)
    assert "post-only" not in err.user_message.lower()
    assert "signature is wrong" not in err.user_message
