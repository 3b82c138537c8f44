"""core.doctor: each account condition becomes one plain-language finding with its fix, in the order to fix them."""

from __future__ import annotations

from dataclasses import replace

import pytest

from terminal_app.core.doctor import DoctorFacts, Finding, ProbeError, Severity, blocks_trading, diagnose, worst
from terminal_app.core.enums import PositionMode

HEALTHY = DoctorFacts(profile_kind="live", rest_url="https://api.bitget.com", clock_offset_ms=120, key_accepted=True,
                      can_read=True, can_trade_spot=True, can_trade_futures=True, uta=False,
                      position_mode=PositionMode.ONE_WAY)


def by_key(findings: list[Finding]) -> dict[str, Finding]:
    return {f.key: f for f in findings}


def test_a_healthy_account_is_all_ok_in_order() -> None:
    findings = diagnose(HEALTHY)
    assert [f.key for f in findings] == ["api_key", "account_type", "position_mode", "permissions", "clock"]
    assert {f.severity for f in findings} == {Severity.OK}
    assert worst(findings) is Severity.OK
    assert not blocks_trading(findings)
    assert by_key(findings)["position_mode"].title == "Futures: one-way position mode"
    assert by_key(findings)["clock"].explanation == ("This computer's clock is 120 ms behind Bitget's; the terminal "
                                                     "corrects for it.")
    assert all(f.explanation for f in findings)


def test_hedge_mode_is_explained() -> None:
    finding = by_key(diagnose(replace(HEALTHY, position_mode=PositionMode.HEDGE)))["position_mode"]
    assert finding.severity is Severity.OK
    assert "says whether it opens or closes" in finding.explanation
    assert "40774" in finding.explanation


def test_unknown_position_mode_is_a_warning_with_a_fix() -> None:
    finding = by_key(diagnose(replace(HEALTHY, position_mode=None)))["position_mode"]
    assert finding.severity is Severity.WARN
    assert finding.fix


def test_a_uta_account_trades_and_the_doctor_explains_it() -> None:
    findings = diagnose(replace(HEALTHY, uta=True, position_mode=PositionMode.HEDGE))
    assert [f.key for f in findings] == ["api_key", "account_type", "position_mode", "permissions", "clock"]
    uta = by_key(findings)["account_type"]
    assert (uta.severity, uta.title) == (Severity.OK, "Unified Trading Account (UTA)")
    assert "margin pool" in uta.explanation
    assert "borrow" in uta.explanation
    assert "account-wide" in by_key(findings)["position_mode"].explanation
    assert not blocks_trading(findings)


def test_unknown_account_type() -> None:
    facts = replace(HEALTHY, uta=None, errors=(ProbeError("account mode", "", "Could not reach the exchange."),))
    finding = by_key(diagnose(facts))["account_type"]
    assert finding.severity is Severity.WARN
    assert "Could not reach the exchange." in finding.explanation


@pytest.mark.parametrize(("spot", "futures", "severity", "title"), [
    (True, True, Severity.OK, "The key can read and trade"),
    (False, False, Severity.WARN, "Read-only key: watching only"),
    (True, False, Severity.WARN, "The key cannot trade futures"),
    (False, True, Severity.WARN, "The key cannot trade spot"),
    (None, None, Severity.WARN, "Trade permission not confirmed"),
    (None, False, Severity.WARN, "The key cannot trade futures"),
])
def test_trade_permissions(spot: bool | None, futures: bool | None, severity: Severity, title: str) -> None:
    finding = by_key(diagnose(replace(HEALTHY, can_trade_spot=spot, can_trade_futures=futures)))["permissions"]
    assert finding.severity is severity
    assert finding.title == title
    if severity is not Severity.OK:
        assert finding.fix


def test_no_read_permission_is_an_error() -> None:
    finding = by_key(diagnose(replace(HEALTHY, can_read=False)))["permissions"]
    assert finding.severity is Severity.ERROR
    assert "read permission" in finding.fix


@pytest.mark.parametrize(("kind", "title", "fix_words"), [
    ("live", "A demo-trading key in a Live profile", "'Bitget demo' profile"),
    ("bitget-demo", "A live key in a Bitget demo profile", "Create Demo API Key"),
    ("demo", "The simulator refused the key's environment", "Demo profile"),
])
def test_demo_live_mismatch(kind: str, title: str, fix_words: str) -> None:
    facts = DoctorFacts(profile_kind=kind, clock_offset_ms=5, environment_mismatch=True,
                        errors=(ProbeError("read spot assets", "40099", "Demo/live mismatch"),))
    findings = diagnose(facts)
    assert [f.key for f in findings] == ["environment", "clock"]
    env = findings[0]
    assert env.severity is Severity.ERROR
    assert env.title == title
    assert "40099" in env.explanation
    assert fix_words in env.fix
    assert blocks_trading(findings)


def test_rejected_key_and_ip_whitelist() -> None:
    wrong = ProbeError("read spot assets", "40012", "The passphrase is wrong for this API key.")
    rejected = DoctorFacts(profile_kind="live", clock_offset_ms=0, key_accepted=False, errors=(wrong,))
    findings = diagnose(rejected)
    assert [f.key for f in findings] == ["api_key", "clock"]
    assert findings[0].severity is Severity.ERROR
    assert findings[0].explanation.startswith("The passphrase is wrong for this API key. (40012)")
    ip = diagnose(DoctorFacts(profile_kind="live", clock_offset_ms=0, ip_not_allowed=True))
    assert ip[0].key == "ip"
    assert "40018" in ip[0].explanation
    assert "whitelist" in ip[0].fix


def test_a_key_that_could_not_be_checked() -> None:
    facts = DoctorFacts(profile_kind="live", clock_offset_ms=0,
                        errors=(ProbeError("read spot assets", "40200", "Bitget is upgrading its servers."),))
    finding = diagnose(facts)[0]
    assert finding.key == "api_key"
    assert finding.severity is Severity.WARN
    assert "upgrading" in finding.explanation


def test_no_key_and_no_connection() -> None:
    no_key = diagnose(DoctorFacts(profile_kind="bitget-demo", key_present=False, clock_offset_ms=10))
    assert [(f.key, f.severity) for f in no_key] == [("api_key", Severity.ERROR), ("clock", Severity.OK)]
    offline = diagnose(DoctorFacts(profile_kind="live", rest_url="https://api.bitget.com", reachable=False,
                                   errors=(ProbeError("server time", "", "Could not reach the exchange."),)))
    assert len(offline) == 1
    assert offline[0].key == "connection"
    assert offline[0].explanation == ("The terminal could not connect to https://api.bitget.com. Could not reach the "
                                      "exchange.")
    assert blocks_trading(offline)


@pytest.mark.parametrize(("offset", "severity", "words"), [
    (0, Severity.OK, "0 ms ahead of"),
    (999, Severity.OK, "999 ms behind"),
    (-1500, Severity.WARN, "1500 ms ahead of"),
    (29_000, Severity.WARN, "29 s behind"),
    (31_000, Severity.WARN, "more than the 30 s Bitget accepts"),
    (None, Severity.WARN, "could not read Bitget's time"),
])
def test_clock(offset: int | None, severity: Severity, words: str) -> None:
    finding = by_key(diagnose(replace(HEALTHY, clock_offset_ms=offset)))["clock"]
    assert finding.severity is severity
    assert words in finding.explanation


def test_rejected_timestamps_are_an_error() -> None:
    facts = DoctorFacts(profile_kind="live", clock_offset_ms=0, timestamp_rejected=True)
    findings = diagnose(facts)
    assert [(f.key, f.severity) for f in findings] == [("clock", Severity.ERROR)]
    assert "NTP" in findings[0].fix


def test_an_unknown_kind_is_treated_as_live() -> None:
    facts = DoctorFacts(profile_kind="mystery", environment_mismatch=True)
    assert diagnose(facts)[0].title == "A demo-trading key in a Live profile"


def test_worst_of_nothing_is_ok() -> None:
    assert worst([]) is Severity.OK
    assert Severity.ERROR.label == "problem"
