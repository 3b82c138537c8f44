"""The Bitget V2 (classic account) REST client: typed async endpoint methods over :class:`BitgetHttp`.

The terminal depends on the small :class:`ExchangeRest` protocol, not on this class, so a V3 (UTA) client can sit
beside it; :meth:`BitgetRestClient.probe_account_mode` tells which one an account needs.

Conventions (details in :mod:`terminal_app.bitget.rest_core`): one market = a :class:`SymbolRef`; "every symbol of a
product type or one symbol" = ``Product | SymbolRef``; amounts are ``Decimal``/``int``/Bitget strings; orders always
carry a clientOid and are never placed twice.

    async with BitgetRestClient(BitgetHttp(url, creds)) as client:
        await client.connect()                       # clock sync + periodic re-sync
        ack = await client.spot_place_order(SymbolRef("BTCUSDT", Product.SPOT), Side.BUY, OrderType.LIMIT,
                                            Decimal("0.001"), price=Decimal("60000"))
"""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, runtime_checkable

from terminal_app.bitget.errors import (
    AccountModeMismatch,
    AuthError,
    BitgetError,
    ExchangeError,
    PermissionDenied,
    ProtocolError,
    TransportError,
)
from terminal_app.bitget.http import BitgetHttp
from terminal_app.bitget.models import ServerTime, parse_server_time
from terminal_app.bitget.models.mapping import wire_product
from terminal_app.bitget.plans import PlanRestMixin
from terminal_app.bitget.rest_core import V2, new_client_oid
from terminal_app.bitget.rest_mix import MixRestMixin
from terminal_app.bitget.rest_spot import SpotOrderRequest, SpotRestMixin
from terminal_app.bitget.v3.trade import parse_settings
from terminal_app.core.accounts import AccountMode, FuturesAccount, Position, SpotAsset
from terminal_app.core.enums import PositionMode
from terminal_app.core.instruments import Product, SymbolRef
from terminal_app.core.orders import Order, OrderAck

__all__ = [
    "V2",
    "BitgetRestClient",
    "ExchangeRest",
    "SpotOrderRequest",
    "new_client_oid",
]

PROBE_SYMBOL = SymbolRef("BTCUSDT", Product.USDT_FUTURES)
_POS_MODE_WORDS = {PositionMode.ONE_WAY: "one-way", PositionMode.HEDGE: "hedge"}
# Bitget's answers that mean "this is a classic account" on the UTA API, and "this is a UTA" on the classic one
CLASSIC_ON_UTA_API = frozenset({"40084", "25245"})
UTA_ON_CLASSIC_API = "40085"
_UTA_MODE = AccountMode(True, None, "Unified Trading Account (UTA): one margin pool for spot and futures, traded "
                                    "through Bitget's V3 API.")


def _mode_words(uta: bool | None, reason: str) -> str:
    if uta is None:
        return f"Account type unknown (the UTA check answered: {reason})."
    return "Classic account."


@runtime_checkable
class ExchangeRest(Protocol):
    """The REST surface the terminal's services use; a V3 client implements the same."""

    async def connect(self) -> None: ...
    async def aclose(self) -> None: ...
    async def server_time(self) -> ServerTime: ...
    async def probe_account_mode(self, ref: SymbolRef = PROBE_SYMBOL, margin_coin: str = "USDT") -> AccountMode: ...
    async def spot_assets(self, coin: str | None = None, *, asset_type: str | None = None) -> list[SpotAsset]: ...
    async def spot_unfilled_orders(self, ref: SymbolRef | None = None) -> list[Order]: ...
    async def spot_cancel_order(self, ref: SymbolRef, *, order_id: str | None = None,
                                client_oid: str | None = None) -> OrderAck: ...
    async def mix_accounts(self, product_type: Product = Product.USDT_FUTURES) -> list[FuturesAccount]: ...
    async def mix_all_positions(self, product_type: Product = Product.USDT_FUTURES) -> list[Position]: ...
    async def mix_orders_pending(self, target: Product | SymbolRef = Product.USDT_FUTURES) -> list[Order]: ...
    async def mix_cancel_order(self, ref: SymbolRef, *, order_id: str | None = None,
                               client_oid: str | None = None) -> OrderAck: ...


class BitgetRestClient(SpotRestMixin, MixRestMixin, PlanRestMixin):
    """Typed V2 endpoints over one :class:`BitgetHttp` (which it owns and closes).

    ``lookup_delay_s``: how long to wait after an ambiguous order failure before looking the order up by
    clientOid, so an order that did reach the matching engine is visible to the lookup.
    """

    def __init__(self, http: BitgetHttp, *, lookup_delay_s: float = 0.3) -> None:
        self.http = http
        self.lookup_delay_s = lookup_delay_s

    async def __aenter__(self) -> BitgetRestClient:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.aclose()

    async def connect(self) -> None:
        """Sync the clock with the exchange and keep it synced (every 5 minutes)."""
        await self.http.connect()

    async def aclose(self) -> None:
        await self.http.aclose()

    async def server_time(self) -> ServerTime:
        return parse_server_time(await self.http.get(V2.TIME))

    async def probe_account_mode(self, ref: SymbolRef = PROBE_SYMBOL, margin_coin: str = "USDT") -> AccountMode:
        """UTA, classic or unknown, and the futures position mode of ``ref``'s product type.

        ``GET /api/v3/account/settings``: ``00000`` means UTA; only Bitget's documented classic answers (``40084``
        "You are in Classic Account mode…", or ``25245`` "not the unified account mode") mean classic. Anything else
        (a permission error: the call needs the UTA read permission; a 429; a 404; a rejected key) says nothing about
        the account: ``uta`` is then ``None`` and ``detail`` gives the reason (bitget-v3-uta.md §1). The position mode
        comes from ``GET /api/v2/mix/account/account`` (``posMode``), which also settles an unknown mode when it
        answers (classic) or refuses with ``40085`` (UTA). Transport failures propagate.
        A UTA's ``holdMode`` (account-wide) is read from the same settings answer.
        """
        uta: bool | None
        reason = ""
        try:
            settings = parse_settings(await self.http.get(V2.V3_ACCOUNT_SETTINGS, signed=True))
        except TransportError:
            raise
        except ExchangeError as exc:
            uta = False if exc.code in CLASSIC_ON_UTA_API else None
            reason = str(exc)
            settings = None
        except ProtocolError as exc:
            uta, reason, settings = None, str(exc), None
        if settings is not None:
            word = _POS_MODE_WORDS[settings.hold_mode] if settings.hold_mode is not None else "an unknown"
            return AccountMode(True, settings.hold_mode,
                               f"Unified Trading Account (UTA): one margin pool for spot and futures, traded "
                               f"through Bitget's V3 API; futures are in {word} mode, account-wide.")
        try:
            position_mode = (await self.mix_account(ref, margin_coin)).pos_mode
        except AccountModeMismatch as exc:
            if exc.code == UTA_ON_CLASSIC_API:
                return _UTA_MODE
            raise
        except PermissionDenied as exc:
            return AccountMode(uta, None, f"{_mode_words(uta, reason)} The futures position mode could not be read: "
                                          f"{exc.user_message}")
        except AuthError:
            raise
        except BitgetError as exc:
            return AccountMode(uta, None, f"{_mode_words(uta, reason)} The futures position mode could not be read: "
                                          f"{exc.user_message}")
        if uta is None:
            uta = False      # the classic API answered a private call: a classic account
        word = _POS_MODE_WORDS[position_mode] if position_mode is not None else "unknown"
        return AccountMode(False, position_mode,
                           f"Classic account; {wire_product(ref.product)} positions are in {word} mode.")
