"""Bitget request signing (HMAC-SHA256, base64), shared by the client and the simulator.

The prehash is ``timestamp + METHOD + requestPath + ("?" + query if query else "") + body``.
The query is signed exactly as sent: keys sorted, raw (not percent-encoded) values; see bitget-v2.md §2.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from terminal_app.core.credentials import Credentials

WS_LOGIN_PATH = "/user/verify"


def _param_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):  # str() would give "1E-7"; Bitget wants plain notation
        return format(value, "f")
    return str(value)


def canonical_query(params: Mapping[str, Any] | None) -> str:
    """Sorted ``k=v`` pairs joined with ``&``, raw values; ``None`` values are left out."""
    if not params:
        return ""
    return "&".join(f"{k}={_param_text(v)}" for k, v in sorted(params.items()) if v is not None)


def encoded_query(params: Mapping[str, Any] | None) -> str:
    """The same pairs and order as :func:`canonical_query`, percent-encoded for the URL."""
    if not params:
        return ""
    return "&".join(
        f"{quote(k, safe='')}={quote(_param_text(v), safe='-_.~')}"
        for k, v in sorted(params.items())
        if v is not None
    )


def prehash(timestamp: str, method: str, path: str, query: str = "", body: str = "") -> str:
    return timestamp + method.upper() + path + (("?" + query) if query else "") + body


def hmac_b64(secret: str, message: str) -> str:
    digest = hmac.new(secret.encode(), message.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def rest_signature(secret: str, timestamp: str, method: str, path: str, query: str = "", body: str = "") -> str:
    return hmac_b64(secret, prehash(timestamp, method, path, query, body))


def ws_login_signature(secret: str, timestamp_s: str) -> str:
    return hmac_b64(secret, timestamp_s + "GET" + WS_LOGIN_PATH)


def ws_login_message(creds: Credentials, timestamp_s: str) -> dict[str, Any]:
    return {
        "op": "login",
        "args": [
            {
                "apiKey": creds.api_key,
                "passphrase": creds.passphrase,
                "timestamp": timestamp_s,
                "sign": ws_login_signature(creds.secret, timestamp_s),
            }
        ],
    }


def auth_headers(
    creds: Credentials,
    timestamp_ms: str,
    method: str,
    path: str,
    query: str = "",
    body: str = "",
    *,
    paptrading: bool = False,
    locale: str = "en-US",
) -> dict[str, str]:
    headers = {
        "ACCESS-KEY": creds.api_key,
        "ACCESS-SIGN": rest_signature(creds.secret, timestamp_ms, method, path, query, body),
        "ACCESS-TIMESTAMP": timestamp_ms,
        "ACCESS-PASSPHRASE": creds.passphrase,
        "Content-Type": "application/json",
        "locale": locale,
    }
    if paptrading:
        headers["paptrading"] = "1"
    return headers


def verify_rest_signature(
    secret: str, signature: str, timestamp: str, method: str, path: str, query: str, body: str
) -> bool:
    expected = rest_signature(secret, timestamp, method, path, query, body)
    return hmac.compare_digest(expected, signature)


def verify_ws_login(secret: str, signature: str, timestamp_s: str) -> bool:
    return hmac.compare_digest(ws_login_signature(secret, timestamp_s), signature)


ClockMs = Callable[[], int]
"""An injected wall clock in milliseconds since the epoch."""
