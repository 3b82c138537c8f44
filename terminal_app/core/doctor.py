"""The account doctor's findings: facts about a connection → plain-language findings, each with its fix.

Input is :class:`DoctorFacts` (gathered by the exchange client's probe, ``terminal_app.bitget.doctor_probe``, or
built by the caller from what it saw, e.g. a 40099 during normal trading). :func:`diagnose` returns one
:class:`Finding` per topic, in the order a user should fix them: connection, API key, demo/live environment, account
type (classic/UTA), futures position mode, key permissions, clock. Any ERROR finding means orders would fail:
:func:`blocks_trading` says whether to hold the first order back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum

from terminal_app.core.enums import PositionMode
from terminal_app.core.health import ProfileKind

CLOCK_WARN_MS = 1_000
CLOCK_REJECT_MS = 30_000  # Bitget refuses a signed request whose timestamp is about 30 s off (40008)


@dataclass(frozen=True, slots=True)
class ProbeError:
    """One call that failed: which step, Bitget's code (empty for transport failures) and the plain message."""

    step: str
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class DoctorFacts:
    """What the doctor found out. ``None`` means "could not tell".

    ``profile_kind`` is the profile kind's value (``demo``, ``bitget-demo``, ``live``); ``paptrading`` whether the
    client sends the demo-trading header. ``clock_offset_ms`` is exchange time minus this computer's time.
    """

    profile_kind: str
    paptrading: bool = False
    rest_url: str = ""
    reachable: bool = True
    clock_offset_ms: int | None = None
    rest_rtt_ms: float | None = None
    key_present: bool = True
    key_accepted: bool | None = None
    can_read: bool | None = None
    can_trade_spot: bool | None = None
    can_trade_futures: bool | None = None
    uta: bool | None = None
    position_mode: PositionMode | None = None
    environment_mismatch: bool = False
    ip_not_allowed: bool = False
    timestamp_rejected: bool = False
    errors: tuple[ProbeError, ...] = ()

    def error_codes(self) -> set[str]:
        return {e.code for e in self.errors if e.code}


class Severity(IntEnum):
    """Higher is worse, so ``max()`` gives the overall grade."""

    OK = 0
    WARN = 1
    ERROR = 2

    @property
    def label(self) -> str:
        return {Severity.OK: "ok", Severity.WARN: "warning", Severity.ERROR: "problem"}[self]


@dataclass(frozen=True, slots=True)
class Finding:
    """One line of the doctor's report. ``key`` is stable (tests, icons); ``fix`` is empty when nothing is to do."""

    key: str
    severity: Severity
    title: str
    explanation: str
    fix: str = ""


def worst(findings: Iterable[Finding]) -> Severity:
    return max((f.severity for f in findings), default=Severity.OK)


def blocks_trading(findings: Iterable[Finding]) -> bool:
    """True when a finding means orders would be refused, so the terminal should not send the first one."""
    return worst(findings) is Severity.ERROR


def _kind(facts: DoctorFacts) -> ProfileKind:
    try:
        return ProfileKind(facts.profile_kind)
    except ValueError:
        return ProfileKind.LIVE  # an unknown kind is treated as the one with the most at stake


def diagnose(facts: DoctorFacts, *, clock_warn_ms: int = CLOCK_WARN_MS) -> list[Finding]:
    """Every finding for ``facts``; a topic that could not be reached (e.g. no connection) is left out."""
    kind = _kind(facts)
    host = facts.rest_url or "the exchange"
    if not facts.reachable:
        return [Finding(
            "connection", Severity.ERROR, "The exchange cannot be reached",
            f"The terminal could not connect to {host}. {_first_message(facts, 'server time')}".strip(),
            "Check the internet connection, and any firewall or proxy on the way; if Bitget itself is down, wait "
            "and reconnect.",
        )]
    findings: list[Finding] = []
    if not facts.key_present:
        findings.append(Finding(
            "api_key", Severity.ERROR, "No API key for this profile",
            "Without a key the terminal can show market data but cannot see the account or trade.",
            "Enter the API key, secret and passphrase for this profile (Profiles → API key).",
        ))
        findings.append(_clock(facts, clock_warn_ms))
        return findings
    if facts.ip_not_allowed:
        findings.append(Finding(
            "ip", Severity.ERROR, "This computer's address is not allowed for this key",
            "The key is bound to a list of IP addresses, and this computer's public address is not on it (40018).",
            "Add this computer's public IP address to the key's whitelist in Bitget's API management, or create a "
            "key for this computer.",
        ))
    elif facts.key_accepted is False:
        findings.append(Finding(
            "api_key", Severity.ERROR, "The API key was rejected",
            f"{_first_message(facts)} A key, its secret and its passphrase only work together, exactly as Bitget "
            "showed them when the key was created.".strip(),
            "Copy the key, secret and passphrase again from Bitget's API management (the passphrase is the one you "
            "chose for the key). A Bitget demo-trading key works only in a 'Bitget demo' profile.",
        ))
    elif facts.key_accepted:
        findings.append(Finding("api_key", Severity.OK, "The API key works",
                                "Bitget accepted the key, secret and passphrase."))
    elif not facts.environment_mismatch and not facts.timestamp_rejected:
        findings.append(Finding(
            "api_key", Severity.WARN, "The API key could not be checked",
            f"The account calls failed for another reason. {_first_message(facts)}".strip(),
            "Reconnect in a moment; if this stays, check Bitget's status page.",
        ))

    if facts.environment_mismatch:
        findings.append(_environment(kind))
    if facts.timestamp_rejected:
        findings.append(Finding(
            "clock", Severity.ERROR, "Bitget rejected the request time",
            "Requests were refused as expired (40008) even after the terminal re-measured Bitget's clock. This "
            "happens when the computer's clock jumps, or when a proxy holds requests back for many seconds.",
            "Turn on automatic time (NTP) for this computer and check any proxy or VPN, then reconnect.",
        ))
    if facts.key_accepted is not True or facts.environment_mismatch:
        if not facts.timestamp_rejected:
            findings.append(_clock(facts, clock_warn_ms))
        return findings

    findings.append(_account_type(facts))
    findings.append(_position_mode(facts))
    findings.append(_permissions(facts))
    findings.append(_clock(facts, clock_warn_ms))
    return findings


def _first_message(facts: DoctorFacts, step: str | None = None) -> str:
    for e in facts.errors:
        if step is None or e.step == step:
            return e.message + (f" ({e.code})" if e.code else "")
    return ""


def _environment(kind: ProfileKind) -> Finding:
    if kind is ProfileKind.BITGET_DEMO:
        return Finding(
            "environment", Severity.ERROR, "A live key in a Bitget demo profile",
            "Bitget answered 'exchange environment is incorrect' (40099): this profile talks to Bitget's demo "
            "trading, but the key belongs to the live exchange.",
            "Use a demo API key (in Bitget, switch to Demo mode, then Personal Center → API Key Management → Create "
            "Demo API Key), or put this key in a Live profile.",
        )
    if kind is ProfileKind.LIVE:
        return Finding(
            "environment", Severity.ERROR, "A demo-trading key in a Live profile",
            "Bitget answered 'exchange environment is incorrect' (40099): this profile talks to the live exchange, "
            "but the key was created for Bitget's demo trading.",
            "Put this key in a 'Bitget demo' profile (which sends the demo-trading header and uses the demo "
            "WebSocket hosts), or use a live key here.",
        )
    return Finding(
        "environment", Severity.ERROR, "The simulator refused the key's environment",
        "The embedded exchange answered 'exchange environment is incorrect' (40099): the key and the connection "
        "disagree about demo and live.",
        "Restart the terminal in the Demo profile; the simulator then issues a matching key.",
    )


def _account_type(facts: DoctorFacts) -> Finding:
    if facts.uta:
        return Finding(
            "account_type", Severity.OK, "Unified Trading Account (UTA)",
            "This key belongs to a Unified Trading Account; the terminal trades it through Bitget's V3 API. One "
            "margin pool backs spot and every futures line: balances are one equity in USD with a margin ratio "
            "(maintenance margin over equity) that liquidates the whole account as it nears 100 %, not one futures "
            "wallet. The futures position mode (hold mode) is account-wide, and margin orders may borrow.",
        )
    if facts.uta is False:
        return Finding("account_type", Severity.OK, "Classic account",
                       "The account uses Bitget's classic V2 API, which the terminal speaks: spot and each futures "
                       "line have wallets of their own.")
    return Finding(
        "account_type", Severity.WARN, "Account type unknown",
        "The terminal could not tell whether this is a classic or a unified (UTA) account. "
        f"{_first_message(facts, 'account mode')}".strip(),
        "Give the key the read permission (for a UTA key: 'Unified account management', read) and run the doctor "
        "again; the terminal trades either kind once it knows which.",
    )


def _position_mode(facts: DoctorFacts) -> Finding:
    mode = facts.position_mode
    if mode == PositionMode.ONE_WAY:
        return Finding(
            "position_mode", Severity.OK, "Futures: one-way position mode",
            "Each futures symbol holds one net position; orders buy or sell it, and 'reduce-only' keeps an order "
            "from opening the other way. Copy trading needs hedge mode instead." + _account_wide(facts),
        )
    if mode == PositionMode.HEDGE:
        return Finding(
            "position_mode", Severity.OK, "Futures: hedge position mode",
            "Long and short positions are held side by side; every futures order says whether it opens or closes "
            "(the ticket's open/close), otherwise Bitget refuses it (40774/40808)." + _account_wide(facts),
        )
    return Finding(
        "position_mode", Severity.WARN, "Futures position mode unknown",
        "The terminal could not read whether futures are in one-way or hedge mode, so it cannot shape orders to "
        "match; a mismatch makes Bitget refuse orders (40774).",
        "Give the key the futures permission (read), then run the doctor again.",
    )


def _account_wide(facts: DoctorFacts) -> str:
    return " On a unified account the mode is account-wide: one setting for every futures line." if facts.uta else ""


def _permissions(facts: DoctorFacts) -> Finding:
    if facts.can_read is False:
        return Finding(
            "permissions", Severity.ERROR, "The key cannot read the account",
            "Bitget refused to show balances with this key (40014).",
            "Edit the key in Bitget's API management and give it the read permission for spot and futures.",
        )
    spot, futures = facts.can_trade_spot, facts.can_trade_futures
    if spot and futures:
        return Finding("permissions", Severity.OK, "The key can read and trade",
                       "Spot and futures orders are allowed for this key.")
    if spot is False and futures is False:
        return Finding(
            "permissions", Severity.WARN, "Read-only key: watching only",
            "The key can read the account but not trade (40014): orders, cancels and the panic key will be refused.",
            "If you mean to trade, enable 'Trade' for spot and futures on the key in Bitget's API management.",
        )
    if spot is False or futures is False:
        can, cannot = ("futures", "spot") if spot is False else ("spot", "futures")
        known = "" if (spot is None or futures is None) else f"The key can trade {can}. "
        return Finding(
            "permissions", Severity.WARN, f"The key cannot trade {cannot}",
            f"{known}Bitget refuses {cannot} orders with this key (40014).",
            f"Enable the {cannot} trade permission on the key in Bitget's API management, if you trade {cannot}.",
        )
    return Finding(
        "permissions", Severity.WARN, "Trade permission not confirmed",
        "The terminal could not confirm that this key may trade. "
        f"{_first_message(facts, 'spot trade permission') or _first_message(facts, 'futures trade permission')}"
        .strip(),
        "Check the key's permissions in Bitget's API management; the first order will tell for sure.",
    )


def _clock(facts: DoctorFacts, warn_ms: int) -> Finding:
    offset = facts.clock_offset_ms
    if offset is None:
        return Finding(
            "clock", Severity.WARN, "Clock offset not measured",
            "The terminal could not read Bitget's time, so it signs requests with this computer's clock.",
            "If requests fail with 40008, turn on automatic time (NTP) for this computer.",
        )
    size = abs(offset)
    ahead = "behind" if offset > 0 else "ahead of"
    amount = f"{size} ms" if size < 10_000 else f"{size / 1000:.0f} s"
    if size < warn_ms:
        return Finding("clock", Severity.OK, "Clock in step with Bitget",
                       f"This computer's clock is {amount} {ahead} Bitget's; the terminal corrects for it.")
    if size < CLOCK_REJECT_MS:
        return Finding(
            "clock", Severity.WARN, "This computer's clock is off",
            f"The clock is {amount} {ahead} Bitget's. The terminal signs with Bitget's time, so orders work, but "
            "times shown from this clock will be off.",
            "Turn on automatic time (NTP) for this computer.",
        )
    return Finding(
        "clock", Severity.WARN, "This computer's clock is far off",
        f"The clock is {amount} {ahead} Bitget's — more than the 30 s Bitget accepts (40008). The terminal signs "
        "with Bitget's time so it keeps working, but other tools on this computer will be refused.",
        "Turn on automatic time (NTP) for this computer and check its time zone setting.",
    )
