"""config.profiles: the three kinds and their hosts, the profile book and its file (no secrets in it), which profile
is active, and the risk policy a profile trades under."""

from __future__ import annotations

import dataclasses
import json
import stat
from decimal import Decimal
from pathlib import Path

import pytest
from keyring.backends import fail

from terminal_app.config.profiles import (
    BANDS,
    DEFAULT_PROFILE,
    Endpoints,
    Profile,
    ProfileBook,
    ProfileError,
    active_profile,
    profiles_path,
    risk_policy,
    set_active,
)
from terminal_app.config.secrets import CredentialStore
from terminal_app.config.settings import (
    CONFIRM_MARKET_NOTIONAL,
    FAT_FINGER_PCT,
    LAST_PROFILE,
    LEVERAGE_CAP,
    MAX_ORDER_NOTIONAL,
    Settings,
)
from terminal_app.core.credentials import Credentials
from terminal_app.core.health import ProfileKind
from terminal_app.core.risk import RiskPolicy

SIM = Endpoints("http://127.0.0.1:5001", "ws://127.0.0.1:5001/v2/ws/public", "ws://127.0.0.1:5001/v2/ws/private")


def test_a_new_book_holds_the_demo_profile() -> None:
    book = ProfileBook()
    assert book.names() == [DEFAULT_PROFILE]
    demo = book.get("Demo")
    assert demo.kind is ProfileKind.DEMO
    assert not demo.needs_api_key
    assert demo.band.label == "DEMO"
    assert not demo.band.real_money


def test_endpoints_of_each_kind() -> None:
    live = Profile("Main", ProfileKind.LIVE).endpoints()
    assert live == Endpoints("https://api.bitget.com", "wss://ws.bitget.com/v2/ws/public",
                             "wss://ws.bitget.com/v2/ws/private", paptrading=False)
    paper = Profile("Paper", ProfileKind.BITGET_DEMO).endpoints()
    assert paper == Endpoints("https://api.bitget.com", "wss://wspap.bitget.com/v2/ws/public",
                              "wss://wspap.bitget.com/v2/ws/private", paptrading=True)
    assert Profile("Demo", ProfileKind.DEMO).endpoints(SIM) == SIM
    strict_sim = dataclasses.replace(SIM, paptrading=True)
    assert Profile("Demo", ProfileKind.DEMO).endpoints(strict_sim) == strict_sim
    with pytest.raises(ProfileError, match="not running"):
        Profile("Demo", ProfileKind.DEMO).endpoints()


def test_overrides_replace_hosts_but_never_the_kind() -> None:
    standalone = Profile("Sim as live", ProfileKind.LIVE, rest_url=SIM.rest_url, ws_public_url=SIM.ws_public_url,
                         ws_private_url=SIM.ws_private_url)
    assert standalone.endpoints() == SIM
    assert standalone.band.real_money
    assert standalone.has_overrides
    paper_proxy = Profile("Paper", ProfileKind.BITGET_DEMO, rest_url="https://proxy.example")
    ends = paper_proxy.endpoints()
    assert ends.rest_url == "https://proxy.example"
    assert ends.paptrading
    assert ends.ws_public_url == "wss://wspap.bitget.com/v2/ws/public"
    assert Profile("D", ProfileKind.DEMO, rest_url=SIM.rest_url, ws_public_url=SIM.ws_public_url,
                   ws_private_url=SIM.ws_private_url).endpoints() == SIM
    with pytest.raises(ProfileError, match="https://"):
        Profile("X", ProfileKind.LIVE, rest_url="ftp://nope")
    with pytest.raises(ProfileError, match="wss://"):
        Profile("X", ProfileKind.LIVE, ws_public_url="https://not-a-socket")


def test_bands_titles_and_account_ids() -> None:
    from terminal_app.ui.theme import ThemeColors

    colour_fields = {f.name for f in dataclasses.fields(ThemeColors)}
    for kind, band in BANDS.items():
        assert band.colour_role in colour_fields, kind
        assert band.text_role in colour_fields, kind
    assert [k for k, b in BANDS.items() if b.real_money] == [ProfileKind.LIVE]
    live = Profile("Main", ProfileKind.LIVE)
    assert live.title.startswith("LIVE · Main")
    assert Profile("Paper", ProfileKind.BITGET_DEMO).title.startswith("BITGET DEMO · Paper")
    assert live.account_id != Profile("Main", ProfileKind.BITGET_DEMO).account_id


@pytest.mark.parametrize(("name", "message"), [
    ("", "needs a name"), ("   ", "needs a name"), (" Main", "start or end"), ("x" * 41, "at most 40"),
    ("Main\nLive", "control characters"),
])
def test_bad_names(name: str, message: str) -> None:
    with pytest.raises(ProfileError, match=message):
        Profile(name, ProfileKind.LIVE)


def test_names_are_unique_without_regard_to_case() -> None:
    book = ProfileBook()
    book.add(Profile("Main", ProfileKind.LIVE))
    with pytest.raises(ProfileError, match="already exists"):
        book.add(Profile("MAIN", ProfileKind.BITGET_DEMO))
    assert book.get("main").name == "Main"
    assert "MAIN" in book
    assert "Other" not in book


def test_update_rename_and_remove() -> None:
    book = ProfileBook([Profile("Demo", ProfileKind.DEMO), Profile("Main", ProfileKind.LIVE),
                        Profile("Paper", ProfileKind.BITGET_DEMO)])
    book.update("Main", Profile("Main account", ProfileKind.LIVE, skip_market_confirm=True))
    assert book.names() == ["Demo", "Main account", "Paper"]
    with pytest.raises(ProfileError, match="already exists"):
        book.update("Paper", Profile("demo", ProfileKind.BITGET_DEMO))
    book.update("Paper", Profile("paper", ProfileKind.BITGET_DEMO))  # a change of case only is allowed
    assert book.set_skip_market_confirm("paper", True).skip_market_confirm
    assert book.remove("Main account").kind is ProfileKind.LIVE
    with pytest.raises(ProfileError, match="no profile"):
        book.remove("Main account")


def test_the_last_demo_profile_stays() -> None:
    book = ProfileBook([Profile("Main", ProfileKind.LIVE)])
    assert book.names() == ["Demo", "Main"]  # a book without a demo profile gets one
    with pytest.raises(ProfileError, match="last Demo"):
        book.remove("Demo")
    with pytest.raises(ProfileError, match="last Demo"):
        book.update("Demo", Profile("Demo", ProfileKind.LIVE))
    book.add(Profile("Demo 2", ProfileKind.DEMO))
    book.remove("Demo")
    assert book.names() == ["Main", "Demo 2"]


def test_file_round_trip_without_secrets(tmp_path: Path) -> None:
    path = profiles_path(tmp_path / "config")
    book = ProfileBook([Profile("Demo", ProfileKind.DEMO), Profile("Main", ProfileKind.LIVE),
                        Profile("Paper", ProfileKind.BITGET_DEMO, skip_market_confirm=True),
                        Profile("Standalone sim", ProfileKind.LIVE, rest_url=SIM.rest_url)], path)
    key = Credentials("bg_live_key_123", "the-live-secret", "the-live-passphrase")
    CredentialStore(fail.Keyring()).keep_for_session("Main", key)
    book.save()
    text = path.read_text(encoding="utf-8")
    for secret in (key.api_key, key.secret, key.passphrase):
        assert secret not in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    doc = json.loads(text)
    assert doc["version"] == 1
    assert doc["profiles"][2] == {"name": "Paper", "kind": "bitget-demo", "skip_market_confirm": True}
    again = ProfileBook.load(path)
    assert list(again) == list(book)
    assert again.problems == []


def test_missing_broken_and_partly_bad_files(tmp_path: Path) -> None:
    path = tmp_path / "profiles.json"
    assert ProfileBook.load(path).names() == ["Demo"]
    path.write_text("{not json", encoding="utf-8")
    book = ProfileBook.load(path)
    assert book.names() == ["Demo"]
    assert "moved to" in book.problems[0]
    assert not path.exists()
    assert list(tmp_path.glob("profiles.json.broken-*"))
    path.write_text(json.dumps({"version": 1, "profiles": [
        {"name": "Main", "kind": "live", "added_by_a_newer_version": 1},
        {"name": "main", "kind": "bitget-demo"},
        {"name": "Odd", "kind": "margin"},
        {"name": "", "kind": "live"},
        "nonsense",
    ]}), encoding="utf-8")
    book = ProfileBook.load(path)
    assert book.names() == ["Demo", "Main"]
    assert len(book.problems) == 4
    assert any("second profile named 'main'" in p for p in book.problems)


def test_the_active_profile() -> None:
    book = ProfileBook([Profile("Demo", ProfileKind.DEMO), Profile("Main", ProfileKind.LIVE)])
    settings = Settings()
    assert active_profile(book, settings).name == "Demo"  # the default of profile.last
    set_active(book, settings, "main")
    assert settings.get(LAST_PROFILE) == "Main"
    assert active_profile(book, settings).kind is ProfileKind.LIVE
    assert active_profile(book, settings, override="Demo").name == "Demo"
    with pytest.raises(ProfileError):
        active_profile(book, settings, override="Mian")
    book.remove("Main")
    # A remembered profile that is gone falls back to Demo, never to real money.
    assert active_profile(book, settings).kind is ProfileKind.DEMO
    with pytest.raises(ProfileError):
        set_active(book, settings, "Main")


def test_risk_policy_from_settings_and_profile() -> None:
    settings = Settings()
    demo = Profile("Demo", ProfileKind.DEMO, skip_market_confirm=True)
    assert risk_policy(settings, Profile("Main", ProfileKind.LIVE)) == RiskPolicy(
        fat_finger_pct=Decimal(5), max_order_notional=Decimal(50000), confirm_market_notional=Decimal(1000),
        leverage_cap=20, skip_market_confirm=False)
    settings.set(FAT_FINGER_PCT, Decimal("2.5"))
    settings.set(MAX_ORDER_NOTIONAL, Decimal(0))
    settings.set(CONFIRM_MARKET_NOTIONAL, Decimal(0))
    settings.set(LEVERAGE_CAP, 5)
    policy = risk_policy(settings, demo)
    assert policy == RiskPolicy(Decimal("2.5"), Decimal(0), Decimal(0), 5, skip_market_confirm=True)


def test_a_demo_profile_may_be_a_unified_account(tmp_path: Path) -> None:
    book = ProfileBook(path=tmp_path / "profiles.json")
    unified = book.add(Profile("Demo UTA", ProfileKind.DEMO, unified=True))
    assert (unified.account_mode, Profile("Demo 2", ProfileKind.DEMO).account_mode) == ("unified", "classic")
    book.save()
    doc = json.loads((tmp_path / "profiles.json").read_text())
    assert doc["profiles"][-1] == {"name": "Demo UTA", "kind": "demo", "account_mode": "unified"}
    assert ProfileBook.load(tmp_path / "profiles.json").get("Demo UTA").unified
    with pytest.raises(ProfileError, match="Only a Demo profile"):
        Profile("Main", ProfileKind.LIVE, unified=True)
    with pytest.raises(ProfileError, match="account_mode"):
        Profile.from_dict({"name": "X", "kind": "demo", "account_mode": "hybrid"})
