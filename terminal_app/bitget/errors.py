"""Typed errors from Bitget's code table, each carrying Bitget's code and a plain-language message for the UI.

``BitgetError`` derives from ``core.errors.VenueError``, the type services and widgets catch (so they never import
this module to show an error). Tree::

    BitgetError
    ├── TransportError            network failure; ``ambiguous`` when a request may have reached the exchange
    ├── ProtocolError             an answer that is not what Bitget sends (bad JSON, missing fields)
    └── ExchangeError             Bitget answered with a non-success code
        ├── AuthError             key, signature, passphrase, IP (40001-40003, 40006, 40009, 40011, 40012, 40018, 40037)
        │   └── PermissionDenied  key lacks the permission (40014)
        ├── TimestampError        clock skew / expired timestamp (40004, 40005, 40008)
        ├── RateLimited           HTTP 429, 1001, 30006, 30007
        ├── EnvironmentMismatch   demo key on live or the reverse (40099)
        ├── AccountModeMismatch   classic key on the UTA API (40084, 25245) or UTA key on the classic API (40085)
        ├── InsufficientBalance   40762, 40711, 40712, 43012, 43117 (a transfer over what can be moved)
        ├── InvalidOrder          parameters, precision, minimums, limits
        │   ├── PrecisionError    40808, 41103
        │   ├── MinimumSizeError  45110, 45111, 43006, 43027, 45114
        │   ├── PositionModeMismatch 40774, 45021 (hedge-style order on a one-way account)
        │   └── DuplicateClientOid   43118
        ├── OrderNotFound         40109, 40768, 43001, 43025
        ├── MarketUnavailable     41114, 43115, 40200
        └── WebSocketError        30001-30016 error events

Codes and messages follow Bitget's classic (V2) REST error table as remapped on 2025-10-14 ("one code maps to one
message": SG:common/changelog, spot/error-code/restapi and contract/error-code/restapi, mirror of 2025-12-05). Codes
that table no longer lists but live answers and ccxt still carry (40099, 40711, 40712, 40768, 40774) stay. There is
no "post-only would take liquidity" code: Bitget accepts such an order and cancels it (43111 is "param error {0}").
"""

from __future__ import annotations

from typing import Any

from terminal_app.core.errors import VenueError


class BitgetError(VenueError):
    """Base of every error this layer raises; the core :class:`VenueError` the upper layers catch.
    ``user_message`` is safe to show; it never contains secrets."""

    code: str = ""
    default_message: str = "Bitget request failed."

    def __init__(self, message: str | None = None, *, code: str | None = None, exchange_msg: str = "",
                 http_status: int | None = None) -> None:
        self.code = str(code) if code is not None else self.code
        self.exchange_msg = exchange_msg
        self.http_status = http_status
        self.user_message = message or self.default_message
        super().__init__(self.__str__())

    def __str__(self) -> str:
        parts = [self.user_message]
        if self.code:
            parts.insert(0, f"[{self.code}]")
        if self.exchange_msg and self.exchange_msg not in self.user_message:
            parts.append(f"(Bitget: {self.exchange_msg})")
        return " ".join(parts)


class TransportError(BitgetError):
    default_message = "Could not reach the exchange."

    def __init__(self, message: str | None = None, *, ambiguous: bool = False, **kw: Any) -> None:
        self.ambiguous = ambiguous
        super().__init__(message, **kw)


class ProtocolError(BitgetError):
    default_message = "The exchange sent an answer the terminal does not understand."


class ExchangeError(BitgetError):
    default_message = "Bitget rejected the request."


class AuthError(ExchangeError):
    default_message = "Bitget rejected the API key. Check the key, secret and passphrase in the profile."


class PermissionDenied(AuthError):
    default_message = "This API key lacks the permission for this action (enable 'Trade' on the key)."


class TimestampError(ExchangeError):
    default_message = "The request time was rejected: the computer clock differs from Bitget's."


class RateLimited(ExchangeError):
    default_message = "Too many requests: Bitget asked the terminal to slow down."

    def __init__(self, message: str | None = None, *, retry_after: float | None = None, **kw: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kw)


class EnvironmentMismatch(ExchangeError):
    default_message = ("Demo/live mismatch: this key belongs to the other environment "
                       "(a Bitget demo key needs the 'Bitget demo' profile, a live key the 'Live' profile).")


class AccountModeMismatch(ExchangeError):
    """The key's account is of the other kind: classic on the UTA (V3) API, or unified on the classic (V2) one
    (bitget-v3-uta.md §1)."""

    default_message = ("The account mode does not match the API: classic accounts use Bitget's V2 API, unified "
                       "trading accounts (UTA) the V3 API.")


class InsufficientBalance(ExchangeError):
    default_message = "Insufficient balance for this order."


class InvalidOrder(ExchangeError):
    default_message = "The order was rejected: a parameter is invalid."


class PrecisionError(InvalidOrder):
    default_message = "Price or size has more decimals than this market allows."


class MinimumSizeError(InvalidOrder):
    default_message = "The order is below the market's minimum size or value."


class PositionModeMismatch(InvalidOrder):
    default_message = ("The order does not match the account's position mode: hedge-mode orders (open/close) "
                       "were sent to a one-way account, or the reverse. Switch the position mode or the order type.")


class DuplicateClientOid(InvalidOrder):
    default_message = "An order with this client order id already exists."


class OrderNotFound(ExchangeError):
    default_message = "The order was not found (already filled or cancelled?)."


class MarketUnavailable(ExchangeError):
    default_message = "This market is not trading right now (maintenance or not yet open)."


class WebSocketError(ExchangeError):
    default_message = "The WebSocket request was refused."


# Bitget code → (class, plain-language message or None for the class default).
_CODES: dict[str, tuple[type[ExchangeError], str | None]] = {
    "40001": (AuthError, "The API key is missing."),
    "40002": (AuthError, "The request signature is missing."),   # "ACCESS_SIGN cannot be empty"
    "40003": (AuthError, "The request signature is missing."),
    "40011": (AuthError, "The API passphrase is missing."),
    "40006": (AuthError, "The API key is not valid."),
    "40037": (AuthError, "The API key does not exist (deleted, or typed wrong)."),
    "40009": (AuthError, "The signature is wrong: check the API secret."),
    "40010": (ExchangeError, "Bitget timed out handling the request; check whether it took effect."),
    "40012": (AuthError, "The passphrase is wrong for this API key."),
    "40018": (AuthError, "This IP address is not on the API key's whitelist."),
    "40014": (PermissionDenied, None),
    "40004": (TimestampError, None),
    "40005": (TimestampError, "The request timestamp is invalid."),
    "40008": (TimestampError, None),
    "429": (RateLimited, None),
    "1001": (RateLimited, None),
    "40099": (EnvironmentMismatch, None),
    "40084": (AccountModeMismatch, "This is a classic account: it cannot use Bitget's unified-account (V3) API."),
    "25245": (AccountModeMismatch, "This is a classic account: it cannot use Bitget's unified-account (V3) API."),
    "40085": (AccountModeMismatch, "This is a unified trading account (UTA): Bitget refuses its key on the classic "
                                   "(V2) API the terminal speaks."),
    # "The order size is greater than the max open size" since the remap: the balance does not cover it
    "40762": (InsufficientBalance, "The order is larger than the available balance can open."),
    "40754": (InsufficientBalance, None),
    "40798": (InsufficientBalance, "Insufficient futures account balance."),
    "40800": (InsufficientBalance, "Insufficient margin."),
    "40711": (InsufficientBalance, "Insufficient futures balance."),
    "40712": (InsufficientBalance, "Insufficient margin for this order."),
    "43012": (InsufficientBalance, None),
    # the answer to a wallet transfer larger than the source account can give (tiagosiebler/bitget-api's live test)
    "43117": (InsufficientBalance, "The transfer exceeds the maximum amount that can be transferred."),
    "40017": (InvalidOrder, None),
    "40019": (InvalidOrder, "A required parameter is empty."),
    "40020": (InvalidOrder, "A parameter has a wrong value (for example the order id)."),   # "Parameter {0} error"
    "40034": (InvalidOrder, "A parameter does not exist."),
    "43111": (InvalidOrder, None),                                                            # "param error {0}"
    "45113": (InvalidOrder, "The order exceeds the maximum order value."),
    "45117": (InvalidOrder, "Open positions or orders exist: the margin or position mode cannot be changed now."),
    "22002": (InvalidOrder, "There is no position to close."),
    "40757": (InvalidOrder, "Not enough position is available to close this size."),
    "45122": (InvalidOrder, "The stop-loss price is on the wrong side of the mark price."),
    "40917": (InvalidOrder, "The stop price is on the wrong side of the mark price."),
    "40808": (PrecisionError, "The size has more decimals than this market allows."),
    "41103": (PrecisionError, "The price has more decimals than this market allows (tick size)."),
    "45110": (MinimumSizeError, "The order is below the minimum order value (5 USDT)."),
    "45111": (MinimumSizeError, "The order is below the minimum order size."),
    "43006": (MinimumSizeError, "The order is below the minimum order size."),
    "43027": (MinimumSizeError, "The order is below the minimum order value."),
    "45114": (MinimumSizeError, "The order is below the market's minimum."),
    "40920": (InvalidOrder, "Open positions or orders exist: the position mode cannot be switched now."),
    "40774": (PositionModeMismatch, None),
    "45021": (PositionModeMismatch, None),
    "43118": (DuplicateClientOid, None),
    "40109": (OrderNotFound, None),
    "40768": (OrderNotFound, None),
    "43001": (OrderNotFound, None),
    "43025": (OrderNotFound, None),
    "41114": (MarketUnavailable, "The trading pair is under maintenance."),
    "43115": (MarketUnavailable, "The trading pair opens soon."),
    "40200": (MarketUnavailable, "Bitget is upgrading its servers; try again shortly."),
    # copy trading (Bitget's copy-trading REST code table)
    "40731": (PositionModeMismatch, "Not allowed for copy trading: copy trading works only in hedge (two-way) "
                                    "position mode and on supported products."),
    "40854": (InvalidOrder, "This product does not support copy trading."),
    "40029": (PermissionDenied, "This account is not a Bitget broker: the broker copy-trading endpoints (trader "
                                "list, trader traces) are not available to this key."),
    "40199": (PermissionDenied, "Elite traders may not call this endpoint."),
    "40732": (PermissionDenied, "This account is not an elite trader (enable elite trading first)."),
    "31001": (PermissionDenied, "This account is not an elite trader (enable elite trading first)."),
    "31025": (PermissionDenied, "This account is not an elite trader (enable elite trading first)."),
    "40866": (InvalidOrder, "Copy positions are closed through copy trading (close by tracking number), not with an "
                            "ordinary futures close."),
    "40918": (RateLimited, "An elite trader may place at most one order per second."),
    "43036": (RateLimited, "A tracking order's TP/SL may be changed at most once every 300 ms."),
    "43045": (InvalidOrder, "This trader has no follower slots left."),
    "31034": (InvalidOrder, "This trader has no follower slots left."),
    "43047": (InvalidOrder, "This trader removed you recently; you cannot follow them again yet."),
    "43062": (InvalidOrder, "You do not follow this trader."),
    "31057": (InvalidOrder, "You do not follow this trader."),
    "43063": (InvalidOrder, "You cannot follow yourself."),
    "31032": (InvalidOrder, "You cannot follow yourself."),
    "31031": (InvalidOrder, "An elite trader cannot follow other traders."),
    "40860": (InvalidOrder, "The trader does not exist."),
    "43065": (OrderNotFound, "The tracking order does not exist."),
    "43064": (InvalidOrder, "The tracking order is not open (already closed?)."),
    "40744": (InvalidOrder, "The tracking order is not open (already closed?)."),
    "43052": (InvalidOrder, "The copy size is below the minimum."),
    "43053": (InvalidOrder, "The copy ratio is above the maximum."),
    "43054": (InvalidOrder, "The copy ratio is below the minimum."),
    "43055": (InvalidOrder, "The stop-loss ratio is out of range."),
    "43056": (InvalidOrder, "The take-profit ratio is out of range."),
    "43066": (InvalidOrder, "The follower could not be removed."),
    "45075": (InvalidOrder, "You are copying elite traders: stop copying before becoming an elite trader."),
    "40837": (InvalidOrder, "There is no position for this take-profit/stop-loss."),
    # V3 (unified account) codes (bitget-v3-uta.md §7)
    "25100": (MarketUnavailable, "The trading pair does not exist or is not open."),
    "25202": (InsufficientBalance, None),
    "25203": (InsufficientBalance, "Insufficient margin for this order."),
    "25204": (OrderNotFound, None),
    "25207": (MinimumSizeError, "The order is below the minimum order size."),
    "25208": (InvalidOrder, "The order is above the maximum order size."),
    "25212": (DuplicateClientOid, None),
    "25225": (InvalidOrder, "Not enough position is available to close this size."),
    "25231": (InvalidOrder, "There is no position to close."),
    "25236": (PositionModeMismatch, None),
    "25237": (PositionModeMismatch, None),
    "25244": (PrecisionError, "The price is not a multiple of this market's tick size."),
    "30001": (WebSocketError, "The channel or instrument does not exist."),
    "30002": (WebSocketError, "Illegal request."),
    "30003": (WebSocketError, "Invalid operation."),
    "30004": (AuthError, "Login is required for this channel."),
    "30005": (AuthError, "WebSocket login failed."),
    "30006": (RateLimited, "Too many WebSocket requests."),
    "30007": (RateLimited, "WebSocket request over limit; the connection was closed."),
    "30011": (AuthError, "The API key is not valid."),
    "30012": (AuthError, "The passphrase is wrong for this API key."),
    "30013": (TimestampError, "The login timestamp is invalid."),
    "30014": (TimestampError, "The login timestamp expired: the computer clock differs from Bitget's."),
    "30015": (AuthError, "The login signature is wrong: check the API secret."),
    "30016": (WebSocketError, "Parameter error."),
}


def error_for_code(code: Any, exchange_msg: str = "", *, http_status: int | None = None) -> ExchangeError:
    """Build the typed error for a Bitget code; unknown codes become a plain ``ExchangeError``."""
    code_s = str(code)
    cls, message = _CODES.get(code_s, (ExchangeError, None))
    if cls is ExchangeError and http_status == 429:
        cls = RateLimited
    if message is None and cls is ExchangeError:
        message = f"Bitget rejected the request: {exchange_msg}" if exchange_msg else None
    return cls(message, code=code_s, exchange_msg=exchange_msg, http_status=http_status)


def known_codes() -> dict[str, type[ExchangeError]]:
    return {code: cls for code, (cls, _) in _CODES.items()}
