"""API keys of the simulator and the checks Bitget makes on every private REST call and WebSocket login.

Signatures are verified with :mod:`terminal_app.bitget.signing`, the code the client signs with, over exactly one
query form: the query string as sent, in the order sent, percent-decoded. Bitget signs the raw (not percent-encoded)
query (JKorf/Bitget.Net#48, ccxt PR #28890) in URL order (ccxt PR #29094 sorts only so that its URL and its signature
agree), so a client that signs one order and sends another, or signs the encoded text of a value that needs encoding,
fails here as it would on Bitget.

Error codes (bitget-v2.md §3): missing ACCESS-KEY 40001, ACCESS-SIGN 40003, ACCESS-PASSPHRASE 40011, missing or
non-numeric ACCESS-TIMESTAMP 40005 (Bitget's 40002 "SECRET_KEY cannot be empty" has no header that could be
missing), unknown key 40006, timestamp outside ±30 s of the exchange clock 40008, wrong passphrase 40012, bad
signature 40009, a demo key without ``paptrading: 1`` when the simulator requires it 40099, and 40014 for a call the
key has no permission for. WebSocket login: 30011 unknown key, 30012 wrong passphrase, 30013 bad timestamp,
30014 expired timestamp, 30015 bad sign, 30005 for anything else malformed.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

from terminal_app.bitget.errors import ExchangeError, error_for_code
from terminal_app.bitget.signing import verify_rest_signature, verify_ws_login
from terminal_app.core.credentials import Credentials

DEMO_UID = "10000001"
DEMO_CREDENTIALS = Credentials("bg_sim_demo_key_0001", "sim-demo-secret-0001", "simdemo")
TIMESTAMP_WINDOW_MS = 30_000

READ = "read"
TRADE = "trade"
ALL_PERMISSIONS = frozenset({READ, TRADE})


@dataclass(frozen=True, slots=True)
class ApiKey:
    """One key of one user. ``demo``: a Bitget *demo* key (needs ``paptrading: 1`` when the simulator says so);
    ``uta``: the user's account is a Unified Trading Account (``/api/v3/account/settings`` succeeds)."""

    api_key: str
    secret: str = field(repr=False)
    passphrase: str = field(repr=False)
    uid: str
    permissions: frozenset[str] = ALL_PERMISSIONS
    demo: bool = False
    uta: bool = False

    @property
    def credentials(self) -> Credentials:
        return Credentials(self.api_key, self.secret, self.passphrase)

    def can(self, permission: str) -> bool:
        return permission in self.permissions


class KeyStore:
    """API key → :class:`ApiKey`. Starts with the fixed demo key of :data:`DEMO_CREDENTIALS` (uid ``DEMO_UID``)."""

    def __init__(self, *, with_demo_key: bool = True) -> None:
        self._keys: dict[str, ApiKey] = {}
        if with_demo_key:
            c = DEMO_CREDENTIALS
            self.add(c.api_key, c.secret, c.passphrase, DEMO_UID, demo=True)

    def add(self, api_key: str, secret: str, passphrase: str, uid: str, *,
            permissions: Iterable[str] = ALL_PERMISSIONS, demo: bool = False, uta: bool = False) -> ApiKey:
        perms = frozenset(permissions)
        unknown = perms - ALL_PERMISSIONS
        if unknown:
            raise ValueError(f"unknown permissions {sorted(unknown)}; use {sorted(ALL_PERMISSIONS)}")
        key = ApiKey(api_key, secret, passphrase, uid, perms, demo, uta)
        self._keys[api_key] = key
        return key

    def create(self, uid: str | None = None, *, permissions: Iterable[str] = ALL_PERMISSIONS, demo: bool = False,
               uta: bool = False) -> ApiKey:
        """A fresh random key (for a new ``uid`` unless one is given)."""
        return self.add("bg_" + secrets.token_hex(16), secrets.token_hex(32), secrets.token_urlsafe(12),
                        uid or str(20_000_000 + len(self._keys)), permissions=permissions, demo=demo, uta=uta)

    def remove(self, api_key: str) -> None:
        self._keys.pop(api_key, None)

    def get(self, api_key: str) -> ApiKey | None:
        return self._keys.get(api_key)

    def keys(self) -> list[ApiKey]:
        return list(self._keys.values())


def _fail(code: str, msg: str) -> ExchangeError:
    return error_for_code(code, msg)


class Authenticator:
    """The checks of Bitget's gateway. ``clock_ms`` is the exchange clock (shifted by the clock-skew fault)."""

    def __init__(self, keys: KeyStore, clock_ms: Callable[[], int], *, window_ms: int = TIMESTAMP_WINDOW_MS,
                 require_paptrading: bool = False) -> None:
        self.keys = keys
        self.clock_ms = clock_ms
        self.window_ms = window_ms
        self.require_paptrading = require_paptrading

    def check_rest(self, method: str, path: str, raw_query: str, headers: Mapping[str, str], body: str) -> ApiKey:
        """The key of a signed request, or the ExchangeError Bitget would answer. ``headers`` is case-insensitive
        (aiohttp's CIMultiDict); ``raw_query`` the query string exactly as received."""
        api_key = headers.get("ACCESS-KEY", "").strip()
        sign = headers.get("ACCESS-SIGN", "").strip()
        ts = headers.get("ACCESS-TIMESTAMP", "").strip()
        passphrase = headers.get("ACCESS-PASSPHRASE", "")
        if not api_key:
            raise _fail("40001", "ACCESS_KEY cannot be empty")
        if not sign:
            raise _fail("40003", "Signature cannot be empty")
        if not ts:
            raise _fail("40005", "Invalid ACCESS_TIMESTAMP")
        if not passphrase:
            raise _fail("40011", "ACCESS_PASSPHRASE cannot be empty")
        if not ts.isdigit():
            raise _fail("40005", "Invalid ACCESS_TIMESTAMP")
        key = self.keys.get(api_key)
        if key is None:
            raise _fail("40006", "Invalid ACCESS_KEY")
        if abs(int(ts) - self.clock_ms()) > self.window_ms:
            raise _fail("40008", "Request timestamp expired")
        if passphrase != key.passphrase:
            raise _fail("40012", "apikey/password is incorrect")
        if not self._signature_ok(key.secret, sign, ts, method, path, raw_query, body):
            raise _fail("40009", "sign signature error")
        if key.demo and self.require_paptrading and headers.get("paptrading", "").strip() != "1":
            raise _fail("40099", "exchange environment is incorrect")
        return key

    @staticmethod
    def _signature_ok(secret: str, sign: str, ts: str, method: str, path: str, raw_query: str, body: str) -> bool:
        # form decoding ("+" is a space): ccxt sends a space as "+" and signs it as a space
        return verify_rest_signature(secret, sign, ts, method, path, unquote_plus(raw_query), body)

    def check_ws_login(self, arg: Any) -> ApiKey:
        """One ``args`` entry of ``{"op":"login"}``; raises the ExchangeError of Bitget's WebSocket code."""
        if not isinstance(arg, Mapping):
            raise _fail("30005", "login failed")
        api_key = str(arg.get("apiKey") or "")
        passphrase = str(arg.get("passphrase") or "")
        ts = str(arg.get("timestamp") or "")
        sign = str(arg.get("sign") or "")
        if not api_key or not passphrase or not ts or not sign:
            raise _fail("30005", "login failed")
        key = self.keys.get(api_key)
        if key is None:
            raise _fail("30011", "Invalid ACCESS_KEY")
        if not ts.isdigit():
            raise _fail("30013", "Invalid ACCESS_TIMESTAMP")
        if abs(int(ts) * 1000 - self.clock_ms()) > self.window_ms:
            raise _fail("30014", "Request timestamp expired")
        if passphrase != key.passphrase:
            raise _fail("30012", "Invalid ACCESS_PASSPHRASE")
        if not verify_ws_login(key.secret, sign, ts):
            raise _fail("30015", "Invalid sign")
        return key


def require(key: ApiKey, permission: str) -> None:
    """40014 when the key lacks ``permission`` (e.g. a read-only key on a trade endpoint)."""
    if not key.can(permission):
        raise _fail("40014", "Incorrect permissions")
