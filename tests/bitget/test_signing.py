"""Signing golden vectors. Expected values are computed here by hand with hmac/base64 and also pinned to strings
produced by `openssl dgst -sha256 -hmac SECRET -binary | base64`, so a change on either side is caught."""

from __future__ import annotations

import base64
import hashlib
import hmac
from decimal import Decimal

import pytest

from terminal_app.bitget.signing import (
    auth_headers,
    canonical_query,
    encoded_query,
    prehash,
    rest_signature,
    verify_rest_signature,
    verify_ws_login,
    ws_login_message,
    ws_login_signature,
)
from terminal_app.core.credentials import Credentials

SECRET = "bitget-test-secret-7f3a"
CREDS = Credentials("bg_test_key_0001", SECRET, "pass phrase")


def by_hand(message: str) -> str:
    return base64.b64encode(hmac.new(SECRET.encode(), message.encode("utf-8"), hashlib.sha256).digest()).decode()


def test_get_with_several_query_parameters() -> None:
    params = {"symbol": "BTCUSDT", "productType": "USDT-FUTURES", "granularity": "1m", "limit": 100,
              "endTime": 1700000000000}
    query = canonical_query(params)
    assert query == "endTime=1700000000000&granularity=1m&limit=100&productType=USDT-FUTURES&symbol=BTCUSDT"
    message = "1700000000123GET/api/v2/mix/market/candles?" + query
    expected = by_hand(message)
    assert expected == "suLYYT8c0nYUuj2WlGGSMb6TWZIp/sZ/UCnKAAhEBYI="
    assert rest_signature(SECRET, "1700000000123", "get", "/api/v2/mix/market/candles", query) == expected
    headers = auth_headers(CREDS, "1700000000123", "GET", "/api/v2/mix/market/candles", query)
    assert headers["ACCESS-SIGN"] == expected


def test_post_body_with_non_ascii_text() -> None:
    body = ('{"symbol":"BTCUSDT","side":"buy","orderType":"limit","force":"gtc","price":"60000.5",'
            '"size":"0.001","clientOid":"заказ-注文-✓"}')
    message = "1700000000456POST/api/v2/spot/trade/place-order" + body
    expected = by_hand(message)
    assert expected == "fn+NkwTgBQJV3o3BauESrxUhBxNyUAQxiFDBb6rUt+Y="
    assert rest_signature(SECRET, "1700000000456", "POST", "/api/v2/spot/trade/place-order", "", body) == expected
    assert verify_rest_signature(SECRET, expected, "1700000000456", "POST", "/api/v2/spot/trade/place-order", "",
                                 body)
    assert not verify_rest_signature(SECRET, expected, "1700000000456", "POST", "/api/v2/spot/trade/place-order",
                                     "", body.replace("✓", "x"))


def test_ws_login_signature() -> None:
    expected = by_hand("1700000000GET/user/verify")
    assert expected == "H3Gzvc9l3eQ3jK9LH2wzJywTOq7iefowKi7VumzBNQc="
    assert ws_login_signature(SECRET, "1700000000") == expected
    message = ws_login_message(CREDS, "1700000000")
    assert message == {"op": "login", "args": [{"apiKey": "bg_test_key_0001", "passphrase": "pass phrase",
                                                "timestamp": "1700000000", "sign": expected}]}
    assert verify_ws_login(SECRET, expected, "1700000000")
    assert not verify_ws_login(SECRET, expected, "1700000001")


def test_prehash_leaves_out_the_question_mark_without_query() -> None:
    assert prehash("1", "get", "/p") == "1GET/p"
    assert prehash("1", "GET", "/p", "a=1") == "1GET/p?a=1"
    assert prehash("1", "POST", "/p", "", "{}") == "1POST/p{}"


def test_query_is_signed_raw_and_sent_encoded_in_the_same_order() -> None:
    params = {"z": "last", "a": "x y/z", "m": True, "skip": None, "price": Decimal("1E-7")}
    assert canonical_query(params) == "a=x y/z&m=true&price=0.0000001&z=last"
    assert encoded_query(params) == "a=x%20y%2Fz&m=true&price=0.0000001&z=last"
    assert canonical_query({}) == ""
    assert encoded_query(None) == ""


def test_headers_carry_paptrading_only_when_asked() -> None:
    plain = auth_headers(CREDS, "1", "GET", "/p")
    assert set(plain) == {"ACCESS-KEY", "ACCESS-SIGN", "ACCESS-TIMESTAMP", "ACCESS-PASSPHRASE", "Content-Type",
                          "locale"}
    assert plain["ACCESS-PASSPHRASE"] == "pass phrase"
    assert plain["Content-Type"] == "application/json"
    demo = auth_headers(CREDS, "1", "GET", "/p", paptrading=True, locale="zh-CN")
    assert demo["paptrading"] == "1"
    assert demo["locale"] == "zh-CN"


@pytest.mark.parametrize("shown", [repr(CREDS), str(CREDS), f"{CREDS}"])
def test_credentials_never_show_secrets(shown: str) -> None:
    assert SECRET not in shown
    assert "pass phrase" not in shown
