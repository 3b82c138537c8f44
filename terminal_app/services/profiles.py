"""Switching profiles: tear down one account's connections, build the next, and check it before the first order.

:meth:`ProfileService.switch` is the only way the terminal changes account:

1. the panic key is unbound (a press during the switch does nothing) and the current services stack is closed
   (every task, the streamer, the HTTP client);
2. the new profile's exchange: a **Demo** profile asks ``demo_exchange`` (the composition root starts the embedded
   simulator; this layer may not import it); a **Bitget demo** or **Live** profile uses its hosts and the key from the
   :class:`~terminal_app.config.secrets.CredentialStore`. With no key (or no usable keyring) ``ask_credentials`` is
   asked (the keys dialog); without an answer the profile connects for market data only;
3. the services stack opens (``services.stack.Services``) and is wrapped in the risk guards
   (:class:`~terminal_app.services.guards.GuardedServices`), the journal follows, the window's title and band show
   the profile, the panic key is bound to its account, and ``profile.last`` remembers it;
4. the account doctor runs (``bitget.doctor_probe`` + ``core.doctor``) for Bitget profiles; until it has answered,
   and for as long as a finding would make orders fail, new orders are held with the reason
   (``GuardedTrading.block``). ``findings_ready`` carries the findings to the doctor panel.

A profile whose connection fails is still diagnosed (with a short-lived REST client), so the user learns why.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal

from terminal_app.bitget.doctor_probe import gather_facts
from terminal_app.bitget.errors import BitgetError
from terminal_app.bitget.http import BitgetHttp
from terminal_app.bitget.rest import BitgetRestClient
from terminal_app.bitget.ws import StreamerConfig
from terminal_app.bitget.ws_connection import FRAME_LOGGER, LoginFrameRedactor
from terminal_app.config.profiles import Endpoints, Profile, ProfileBook, ProfileError, risk_policy, set_active
from terminal_app.config.secrets import CredentialStore, SecretsUnavailable
from terminal_app.config.settings import CHART_INTERVAL, Settings
from terminal_app.core.credentials import Credentials
from terminal_app.core.doctor import Finding, Severity, blocks_trading, diagnose
from terminal_app.core.health import ProfileKind
from terminal_app.core.risk import RiskPolicy
from terminal_app.services.guards import Ask, GuardedServices, PanicController
from terminal_app.services.journal_sink import JournalSink
from terminal_app.services.session import Session, SessionEndpoints
from terminal_app.services.stack import Services

log = logging.getLogger("terminal_app.services.profiles")

DOCTOR_PENDING = "the account doctor is still checking this account."
# Our WebSocket connections log their frames through bitget.ws_connection.FRAME_LOGGER, which carries the redactor
# from import on. websockets' default loggers get it too, for any connection opened without a logger of its own.
_FRAME_LOGGERS = ("websockets.client", "websockets.server", FRAME_LOGGER)


def redact_login_frames() -> None:
    """Install :class:`LoginFrameRedactor` on every logger websockets frames are written to (once)."""
    for name in _FRAME_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, LoginFrameRedactor) for f in logger.filters):
            logger.addFilter(LoginFrameRedactor())


@dataclass(frozen=True, slots=True)
class Exchange:
    """Where a profile connects and with which key (``None``: market data only)."""

    endpoints: Endpoints
    credentials: Credentials | None


DemoExchange = Callable[[Profile], Awaitable[Exchange]]
AskCredentials = Callable[[Profile, str], Awaitable[bool]]  # True: a key was saved or kept for this run


def block_reason(findings: list[Finding]) -> str:
    """The sentence the ticket shows while a finding makes orders fail: the first problem and its fix."""
    first = next((f for f in findings if f.severity is Severity.ERROR), None)
    if first is None:
        return ""
    return f"{first.title}. {first.fix}".strip()


async def diagnose_connection(profile: Profile, endpoints: Endpoints, credentials: Credentials | None) -> list[Finding]:
    """The doctor's findings for ``profile`` at ``endpoints`` with ``credentials``, on a client of its own (the
    keys dialog's "Test connection", and a profile whose services did not open)."""
    http = BitgetHttp(endpoints.rest_url, credentials, paptrading=endpoints.paptrading, rate_limits=False)
    async with BitgetRestClient(http, lookup_delay_s=0) as rest:
        facts = await gather_facts(rest, profile.kind.value)
    return diagnose(facts)


class ProfileService(QObject):
    """Owns the active profile's services (see the module docstring).

    ``window`` (a ``MainWindow``, optional) gets ``set_profile``; ``panic`` is bound to each new account; ``journal``
    follows the profile; ``ask`` is the guards' confirmation question; ``doctor_on_demo`` also checks Demo profiles (on
    by default, so the doctor always has an answer; a Demo profile's orders are not held while it checks, since its
    simulator key is always good — only a finding holds them).

    Signals:
        switching(Profile): a switch started; the old services are about to close.
        switched(Profile, GuardedServices): the new profile is connected; build the panels on these services.
        switch_failed(Profile, str): the profile could not be connected; the reason.
        findings_ready(Profile, list[Finding]): the account doctor's findings for the connected profile.
    """

    switching = Signal(object)
    switched = Signal(object, object)
    switch_failed = Signal(object, str)
    findings_ready = Signal(object, object)

    def __init__(
        self,
        settings: Settings,
        book: ProfileBook,
        *,
        store: CredentialStore,
        demo_exchange: DemoExchange,
        panic: PanicController | None = None,
        journal: JournalSink | None = None,
        window: Any = None,
        ask: Ask | None = None,
        ask_credentials: AskCredentials | None = None,
        doctor_on_demo: bool = True,
        streamer_config: StreamerConfig | None = None,
        services_options: dict[str, Any] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        redact_login_frames()
        self.settings = settings
        self.book = book
        self.store = store
        self.window = window
        self.panic = panic
        self.journal = journal
        self.ask = ask
        self.ask_credentials = ask_credentials
        self.doctor_on_demo = doctor_on_demo
        self._demo_exchange = demo_exchange
        self._streamer_config = streamer_config
        self._services_options = dict(services_options or {})
        self._lock = asyncio.Lock()
        self._current: GuardedServices | None = None
        self._profile: Profile | None = None
        self._doctor: asyncio.Task[list[Finding]] | None = None
        self.findings: list[Finding] = []

    @property
    def current(self) -> GuardedServices | None:
        return self._current

    @property
    def profile(self) -> Profile | None:
        return self._profile

    def policy(self) -> RiskPolicy:
        """The active profile's risk policy as it is now (the profile's flag may change while connected)."""
        profile = self._profile
        if profile is None:
            return RiskPolicy()
        fresh = self.book.find(profile.name) or profile
        return risk_policy(self.settings, fresh)

    # --- switching --------------------------------------------------------------------------------------------

    async def switch(self, target: Profile | str) -> GuardedServices | None:
        """Connect ``target`` (a profile or its name) in place of the active one; the guarded services, or None
        when it could not be connected (``switch_failed`` says why).

        A failed switch never leaves the terminal between two accounts: the previous profile is connected again
        (``switched`` announces it, then ``switch_failed`` says what failed and that it is back on it). Only when
        that fails too is nothing connected, and ``switch_failed`` says so."""
        profile = self.book.get(target) if isinstance(target, str) else target
        async with self._lock:
            previous = self._profile if self._current is not None else None
            self.switching.emit(profile)
            guarded, message = await self._connect(profile)
            if guarded is None:
                if previous is not None and previous.name != profile.name:
                    log.warning("%s", message)
                    log.info("returning to profile %r", previous.name)
                    back, back_message = await self._connect(previous)
                    message = (f"{message} Back on profile {previous.name!r}." if back is not None else
                               f"{message} Reconnecting the previous profile {previous.name!r} failed too "
                               f"({back_message}); nothing is connected.")
                self._failed(profile, message)
            connected = self._profile if self._current is not None else None
        if connected is not None and (connected.needs_api_key or self.doctor_on_demo):
            self._doctor = asyncio.ensure_future(self.run_doctor())
        return guarded

    async def _connect(self, profile: Profile) -> tuple[GuardedServices | None, str]:
        """Tear down what is connected and connect ``profile``: its services, or None and the reason."""
        await self._teardown()
        self._profile = profile
        try:
            exchange = await self._exchange_for(profile)
        except (ProfileError, BitgetError, OSError) as exc:
            self._profile = None
            return None, str(exc)
        session = Session(profile.name, profile.kind, SessionEndpoints(
            exchange.endpoints.rest_url, exchange.endpoints.ws_public_url, exchange.endpoints.ws_private_url,
            exchange.endpoints.paptrading), exchange.credentials, streamer_config=self._streamer_config)
        options = {"interval": self.settings.get(CHART_INTERVAL), **self._services_options}
        try:
            services = await Services.open(session, **options)
        except BitgetError as exc:
            message = f"Could not connect the {profile.kind.badge} profile {profile.name!r}: {exc}"
            await self._diagnose_failure(profile, exchange)
            self._profile = None
            return None, message
        history = await self.journal.open_for(profile) if self.journal is not None else None
        guarded = GuardedServices.wrap(services, self.settings, self.policy, ask=self.ask, history=history,
                                       journal=self.journal, brackets=self.journal if history is not None else None)
        if self.journal is not None:
            self.journal.attach(services.trading)
        if guarded.tools is not None:
            guarded.tools.start()
        if guarded.oco is not None:
            guarded.oco.start()  # the spot brackets an earlier run left in the journal
        self._current = guarded
        if profile.name in self.book:
            set_active(self.book, self.settings, profile.name)
        if self.window is not None:
            self.window.set_profile(profile.name, profile.kind)
        if self.panic is not None:
            self.panic.bind(profile.account_id, guarded)
        if profile.needs_api_key:
            guarded.trading.block(DOCTOR_PENDING)
        log.info("profile %r (%s) connected", profile.name, profile.kind.value)
        self.switched.emit(profile, guarded)
        return guarded, ""

    async def close(self) -> None:
        """Close the active profile's connections (shutdown)."""
        async with self._lock:
            await self._teardown()
            if self.journal is not None:
                await self.journal.close()

    async def _teardown(self) -> None:
        if self.panic is not None:
            self.panic.unbind()
        doctor, self._doctor = self._doctor, None
        if doctor is not None and not doctor.done():
            doctor.cancel()
            try:
                await doctor
            except (asyncio.CancelledError, BitgetError):
                pass
        if self.journal is not None:
            self.journal.detach()
        current, self._current = self._current, None
        self.findings = []
        if current is not None:
            await current.close()

    def _failed(self, profile: Profile, message: str) -> None:
        log.warning("%s", message)
        self.switch_failed.emit(profile, message)
        return None

    async def _exchange_for(self, profile: Profile) -> Exchange:
        if profile.kind is ProfileKind.DEMO and not profile.has_overrides:
            return await self._demo_exchange(profile)
        endpoints = profile.endpoints()
        return Exchange(endpoints, await self._credentials(profile))

    async def _credentials(self, profile: Profile) -> Credentials | None:
        reason = ""
        try:
            creds = await self.store.load_async(profile.name)
        except SecretsUnavailable as exc:
            creds, reason = None, exc.user_message
        if creds is not None:
            return creds
        if self.ask_credentials is not None:
            asked = await self.ask_credentials(
                profile, reason or f"No API key is stored for profile {profile.name!r}. Enter it to trade.")
            if asked:
                try:
                    creds = await self.store.load_async(profile.name)
                except SecretsUnavailable:
                    creds = None
        if creds is None:
            log.warning("profile %r has no API key: market data only", profile.name)
        return creds

    # --- the account doctor -----------------------------------------------------------------------------------

    async def run_doctor(self) -> list[Finding]:
        """Check the connected account; hold or release new orders by the findings and emit ``findings_ready``."""
        current, profile = self._current, self._profile
        if current is None or profile is None:
            return []
        try:
            facts = await gather_facts(current.session.rest, profile.kind.value)
        except Exception as exc:  # gather_facts records exchange failures as facts; this is anything else
            log.exception("account doctor failed")
            if current is self._current:
                # Never release on a failed check: holding is the safe side, and the user can run it again.
                current.trading.block(f"the account doctor could not finish ({type(exc).__name__}: {exc}); run it "
                                      "again from Help ▸ Account doctor.")
            return []
        findings = diagnose(facts)
        if current is not self._current:
            return findings  # a switch happened meanwhile; these are for an account no longer shown
        reason = block_reason(findings) if blocks_trading(findings) else ""
        current.trading.block(reason)
        self.findings = findings
        for f in findings:
            log.log(logging.ERROR if f.severity is Severity.ERROR else
                    logging.WARNING if f.severity is Severity.WARN else logging.INFO, "Doctor: %s.", f.title)
        self.findings_ready.emit(profile, findings)
        return findings

    async def _diagnose_failure(self, profile: Profile, exchange: Exchange) -> None:
        try:
            findings = await diagnose_connection(profile, exchange.endpoints, exchange.credentials)
        except BitgetError as exc:
            log.warning("account doctor failed: %s", exc)
            return
        self.findings = findings
        self.findings_ready.emit(profile, findings)

    async def test_connection(self, profile: Profile, credentials: Credentials) -> list[Finding]:
        """The doctor's findings for ``profile`` with a key the user typed but has not saved yet."""
        if profile.kind is ProfileKind.DEMO and not profile.has_overrides:
            endpoints = (await self._demo_exchange(profile)).endpoints
        else:
            endpoints = profile.endpoints()
        return await diagnose_connection(profile, endpoints, credentials)
