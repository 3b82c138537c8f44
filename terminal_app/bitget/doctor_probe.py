"""The account doctor's fact-finding: a few harmless calls against any Bitget-compatible REST API.

:func:`gather_facts` measures the clock offset, tries a read-only call, asks whether the account is classic or UTA
and which futures position mode it is in, and probes the trade permission of spot and futures, then returns
:class:`DoctorFacts`. ``terminal_app.core.doctor`` turns those into plain-language findings.

The trade-permission probe never creates anything: it cancels an order under a fresh random clientOid that cannot
exist. Bitget checks the key's permission first, so ``40014`` means "no trade permission" and "order not found"
means the key may trade. Failures are recorded as facts, never raised (except cancellation): the doctor reports,
it does not crash.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from terminal_app.bitget.errors import (
    AuthError,
    BitgetError,
    EnvironmentMismatch,
    OrderNotFound,
    PermissionDenied,
    TimestampError,
    TransportError,
)
from terminal_app.bitget.rest import UTA_ON_CLASSIC_API, BitgetRestClient
from terminal_app.bitget.v3.rest import V3RestClient
from terminal_app.core.doctor import DoctorFacts, ProbeError
from terminal_app.core.instruments import Product, SymbolRef

log = logging.getLogger("terminal_app.bitget.doctor")

SPOT_PROBE = SymbolRef("BTCUSDT", Product.SPOT)
FUTURES_PROBE = SymbolRef("BTCUSDT", Product.USDT_FUTURES)
IP_NOT_ALLOWED = "40018"


def probe_client_oid() -> str:
    """A clientOid no real order has: the terminal's own orders start with ``bt``."""
    return "doctor" + secrets.token_hex(12)


class _Facts:
    """Mutable collector; frozen into :class:`DoctorFacts` at the end."""

    def __init__(self, facts: DoctorFacts) -> None:
        self.facts = facts
        self.errors: list[ProbeError] = []

    def set(self, **changes: Any) -> None:
        self.facts = replace(self.facts, **changes)

    def failed(self, step: str, exc: BitgetError) -> None:
        self.errors.append(ProbeError(step, exc.code, exc.user_message))
        log.info("doctor: %s failed: %s", step, exc)
        if isinstance(exc, EnvironmentMismatch):
            self.set(environment_mismatch=True)
        elif isinstance(exc, TimestampError):
            self.set(timestamp_rejected=True)
        elif exc.code == IP_NOT_ALLOWED:
            self.set(ip_not_allowed=True)
        elif exc.code == UTA_ON_CLASSIC_API:
            self.set(uta=True, key_accepted=True)

    def done(self) -> DoctorFacts:
        return replace(self.facts, errors=tuple(self.errors))


def _stops_everything(exc: BitgetError) -> bool:
    """After these, every further signed call fails the same way; asking more only adds noise."""
    if isinstance(exc, TransportError | EnvironmentMismatch | TimestampError):
        return True
    return isinstance(exc, AuthError) and not isinstance(exc, PermissionDenied)


async def gather_facts(
    rest: BitgetRestClient,
    profile_kind: str,
    *,
    spot_probe: SymbolRef = SPOT_PROBE,
    futures_probe: SymbolRef = FUTURES_PROBE,
) -> DoctorFacts:
    """Run the doctor's probes through ``rest`` (its key, host and ``paptrading`` setting) and report the facts."""
    http = rest.http
    c = _Facts(DoctorFacts(profile_kind=str(profile_kind), paptrading=http.paptrading, rest_url=http.base_url,
                           key_present=http.credentials is not None))

    try:
        offset = await http.sync_time()
        c.set(clock_offset_ms=offset, rest_rtt_ms=http.clock.last_rtt_ms)
    except TransportError as exc:
        c.failed("server time", exc)
        c.set(reachable=False)
        return c.done()
    except BitgetError as exc:
        c.failed("server time", exc)

    if http.credentials is None:
        return c.done()

    if not await _probe_read(rest, c):
        return c.done()

    seen_uta = c.facts.uta  # a 40085 on a V2 read already proved it, whatever the settings probe may say
    try:
        mode = await rest.probe_account_mode(futures_probe)
        uta = seen_uta if seen_uta is not None else mode.uta
        c.set(uta=uta, position_mode=mode.position_mode)
        if uta is None:      # the UTA check answered something that is not Bitget's classic answer
            c.errors.append(ProbeError("account mode", "", mode.detail))
    except BitgetError as exc:
        c.failed("account mode", exc)
        if _stops_everything(exc):
            return c.done()
    if c.facts.uta:
        return await _probe_unified(V3RestClient(http), c, spot_probe, futures_probe)

    oid = probe_client_oid()
    probes: tuple[tuple[str, str, Callable[[], Awaitable[object]]], ...] = (
        ("spot trade permission", "can_trade_spot", lambda: rest.spot_cancel_order(spot_probe, client_oid=oid)),
        ("futures trade permission", "can_trade_futures",
         lambda: rest.mix_cancel_order(futures_probe, client_oid=oid)),
    )
    for step, attr, call in probes:
        allowed: bool | None = True  # a cancel that succeeded (impossible with a fresh id) proves it just the same
        try:
            await call()
        except OrderNotFound:
            pass
        except PermissionDenied as exc:
            c.errors.append(ProbeError(step, exc.code, exc.user_message))
            allowed = False
        except BitgetError as exc:
            c.failed(step, exc)
            allowed = None
            if _stops_everything(exc):
                c.set(**{attr: allowed})
                return c.done()
        c.set(**{attr: allowed})
    return c.done()


async def _probe_unified(rest: V3RestClient, c: _Facts, spot_probe: SymbolRef, futures_probe: SymbolRef
                         ) -> DoctorFacts:
    """A unified account answers on V3: the V2 reads' 40085 said only that, so they are dropped; the pool is read
    and each trade permission probed with a cancel of an order that cannot exist (25204 = allowed)."""
    c.errors = [e for e in c.errors if e.code != UTA_ON_CLASSIC_API]
    try:
        await rest.assets()
        c.set(key_accepted=True, can_read=True)
    except PermissionDenied as exc:
        c.errors.append(ProbeError("read unified assets", exc.code, exc.user_message))
        c.set(key_accepted=True, can_read=False)
    except BitgetError as exc:
        c.failed("read unified assets", exc)
        if _stops_everything(exc):
            return c.done()
    oid = probe_client_oid()
    for step, attr, ref in (("spot trade permission", "can_trade_spot", spot_probe),
                            ("futures trade permission", "can_trade_futures", futures_probe)):
        allowed: bool | None = True
        try:
            await rest.cancel_order(ref, client_oid=oid)
        except OrderNotFound:
            pass
        except PermissionDenied as exc:
            c.errors.append(ProbeError(step, exc.code, exc.user_message))
            allowed = False
        except BitgetError as exc:
            c.failed(step, exc)
            allowed = None
        c.set(**{attr: allowed})
    return c.done()


async def _probe_read(rest: BitgetRestClient, c: _Facts) -> bool:
    """A read-only call (spot assets, else futures accounts); False when further probing is pointless."""
    denied = False
    for step, call in (("read spot assets", rest.spot_assets), ("read futures accounts", rest.mix_accounts)):
        try:
            await call()
        except PermissionDenied as exc:
            c.errors.append(ProbeError(step, exc.code, exc.user_message))
            denied = True
            continue
        except AuthError as exc:
            c.failed(step, exc)
            if exc.code != IP_NOT_ALLOWED:
                c.set(key_accepted=False)
            return False
        except BitgetError as exc:
            c.failed(step, exc)
            if exc.code == UTA_ON_CLASSIC_API:
                return True  # the key works; the account is of the other kind
            if _stops_everything(exc):
                if isinstance(exc, TransportError):
                    c.set(reachable=False)
                return False
            continue
        c.set(key_accepted=True, can_read=True)
        return True
    if denied:
        c.set(key_accepted=True, can_read=False)
    return True
