"""Profiles as data: which exchange each named profile trades on, and which one is active.

Three kinds (:class:`~terminal_app.core.health.ProfileKind`):

* **Demo** — the embedded simulator on this computer (the default; its URLs and key exist only at run time);
* **Bitget demo** — Bitget's demo trading: ``api.bitget.com`` with the ``paptrading: 1`` header and the
  ``wspap.bitget.com`` WebSocket hosts, with a Bitget *demo* API key;
* **Live** — ``api.bitget.com`` and ``ws.bitget.com``: real money.

Profiles are kept in ``profiles.json`` beside the settings file and hold **no secrets** (API keys live in the
keyring, :mod:`terminal_app.config.secrets`, under the profile's name). The active profile's name is the
``profile.last`` setting. A profile may override its hosts (a standalone ``terminal-app sim``, a proxy); the kind
still decides the colour band, so a Live profile always looks live.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from terminal_app.bitget.endpoints import (
    BITGET_REST_URL,
    DEMO_PRIVATE_URL,
    DEMO_PUBLIC_URL,
    LIVE_PRIVATE_URL,
    LIVE_PUBLIC_URL,
)
from terminal_app.config.paths import atomic_write
from terminal_app.config.settings import (
    CONFIRM_MARKET_NOTIONAL,
    FAT_FINGER_PCT,
    LAST_PROFILE,
    LEVERAGE_CAP,
    MAX_ORDER_NOTIONAL,
    Settings,
)
from terminal_app.core.health import ProfileKind
from terminal_app.core.risk import RiskPolicy

log = logging.getLogger("terminal_app.config.profiles")

PROFILES_FILE = "profiles.json"
FILE_VERSION = 1
DEFAULT_PROFILE = "Demo"
NAME_MAX = 40
APP_TITLE = "Bitget Terminal"


class ProfileError(ValueError):
    """A profile operation that cannot be done; the message is meant for the user."""


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Where a profile connects: REST base URL, the two WebSocket URLs, and whether to send ``paptrading: 1``."""

    rest_url: str
    ws_public_url: str
    ws_private_url: str
    paptrading: bool = False


LIVE_ENDPOINTS = Endpoints(BITGET_REST_URL, LIVE_PUBLIC_URL, LIVE_PRIVATE_URL)
BITGET_DEMO_ENDPOINTS = Endpoints(BITGET_REST_URL, DEMO_PUBLIC_URL, DEMO_PRIVATE_URL, paptrading=True)


@dataclass(frozen=True, slots=True)
class Band:
    """How the window shows a kind: the band's label, the theme colour roles (``ui.theme.ThemeColors`` field
    names) for its background and text, and whether real money is at stake."""

    label: str
    colour_role: str
    text_role: str
    real_money: bool
    description: str


BANDS: dict[ProfileKind, Band] = {
    ProfileKind.DEMO: Band("DEMO", "band_demo", "band_demo_text", False,
                           "Simulated exchange on this computer; no real funds."),
    ProfileKind.BITGET_DEMO: Band("BITGET DEMO", "band_paper", "band_paper_text", False,
                                  "Bitget's demo trading environment; no real funds."),
    ProfileKind.LIVE: Band("LIVE", "band_live", "band_live_text", True,
                           "Bitget with real money."),
}


def check_name(name: str) -> str:
    """A profile name as the user may type it: 1–40 printable characters, no blanks at either end."""
    if not isinstance(name, str) or not name.strip():
        raise ProfileError("A profile needs a name.")
    if name != name.strip():
        raise ProfileError("A profile name cannot start or end with a space.")
    if len(name) > NAME_MAX:
        raise ProfileError(f"A profile name can be at most {NAME_MAX} characters long.")
    if not name.isprintable():
        raise ProfileError("A profile name cannot contain control characters.")
    return name


def _url(value: Any, what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ProfileError(f"The {what} must be a URL.")
    url = value.strip()
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    allowed = ("ws", "wss") if what.startswith("WebSocket") else ("http", "https")
    if scheme not in allowed:
        raise ProfileError(f"The {what} must start with {' or '.join(s + '://' for s in allowed)}.")
    return url


@dataclass(frozen=True, slots=True)
class Profile:
    """One named way of connecting. No secrets: the API key is in the keyring under :attr:`name`.

    ``skip_market_confirm`` turns off the market-order confirmation for this profile only (a scalper's demo
    profile, say). ``*_url`` override the kind's hosts; ``None`` means the kind's own. ``unified``: a Demo profile
    whose simulated account is a unified trading account (UTA, Bitget's V3 API) instead of a classic one.
    """

    name: str
    kind: ProfileKind
    skip_market_confirm: bool = False
    rest_url: str | None = None
    ws_public_url: str | None = None
    ws_private_url: str | None = None
    unified: bool = False

    def __post_init__(self) -> None:
        check_name(self.name)
        if not isinstance(self.kind, ProfileKind):
            raise ProfileError(f"Unknown profile kind {self.kind!r}.")
        if self.unified and self.kind is not ProfileKind.DEMO:
            # A Bitget key's account is what it is: the doctor finds out. Only the simulator's account is chosen.
            raise ProfileError("Only a Demo profile chooses its account mode (unified or classic).")
        _url(self.rest_url, "REST URL")
        _url(self.ws_public_url, "WebSocket public URL")
        _url(self.ws_private_url, "WebSocket private URL")

    @property
    def account_id(self) -> str:
        """The identity panic and cancel-all are scoped to: one profile = one exchange account."""
        return f"{self.kind.value}:{self.name}"

    @property
    def needs_api_key(self) -> bool:
        """Bitget profiles need the user's key; the embedded simulator issues its own."""
        return self.kind is not ProfileKind.DEMO

    @property
    def band(self) -> Band:
        return BANDS[self.kind]

    @property
    def account_mode(self) -> str:
        """The simulator's ``--account-mode`` for a Demo profile: ``unified`` or ``classic``."""
        return "unified" if self.unified else "classic"

    @property
    def title(self) -> str:
        """The window title: the mode first, so it shows even in a narrow task bar."""
        return f"{self.band.label} · {self.name} — {APP_TITLE}"

    @property
    def has_overrides(self) -> bool:
        return any(u is not None for u in (self.rest_url, self.ws_public_url, self.ws_private_url))

    def endpoints(self, simulator: Endpoints | None = None) -> Endpoints:
        """Where to connect. A Demo profile needs ``simulator`` (the embedded exchange's URLs and whether it wants
        ``paptrading: 1``, known once it runs) unless it overrides all three URLs."""
        if self.kind is ProfileKind.DEMO:
            base = simulator
        elif self.kind is ProfileKind.BITGET_DEMO:
            base = BITGET_DEMO_ENDPOINTS
        else:
            base = LIVE_ENDPOINTS
        if base is None:
            if self.rest_url and self.ws_public_url and self.ws_private_url:
                return Endpoints(self.rest_url, self.ws_public_url, self.ws_private_url)
            raise ProfileError(f"Profile {self.name!r} uses the embedded simulator, which is not running.")
        return Endpoints(
            self.rest_url or base.rest_url,
            self.ws_public_url or base.ws_public_url,
            self.ws_private_url or base.ws_private_url,
            # Bitget demo always sends the header, Live never; the embedded simulator says what it wants.
            paptrading=base.paptrading,
        )

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"name": self.name, "kind": self.kind.value}
        if self.skip_market_confirm:
            doc["skip_market_confirm"] = True
        if self.unified:
            doc["account_mode"] = "unified"
        for key in ("rest_url", "ws_public_url", "ws_private_url"):
            value = getattr(self, key)
            if value is not None:
                doc[key] = value
        return doc

    @classmethod
    def from_dict(cls, doc: Any) -> Profile:
        """Read one stored profile; fields this version does not know are ignored (a newer version wrote them)."""
        if not isinstance(doc, dict):
            raise ProfileError(f"Expected a profile, got {doc!r:.60}.")
        try:
            kind = ProfileKind(doc.get("kind", ""))
        except ValueError:
            raise ProfileError(f"Unknown profile kind {doc.get('kind')!r}.") from None
        skip = doc.get("skip_market_confirm", False)
        if not isinstance(skip, bool):
            raise ProfileError("skip_market_confirm must be true or false.")
        mode = doc.get("account_mode", "classic")
        if mode not in ("classic", "unified"):
            raise ProfileError("account_mode must be classic or unified.")
        return cls(
            name=doc.get("name", ""),
            kind=kind,
            skip_market_confirm=skip,
            rest_url=_url(doc.get("rest_url"), "REST URL"),
            ws_public_url=_url(doc.get("ws_public_url"), "WebSocket public URL"),
            ws_private_url=_url(doc.get("ws_private_url"), "WebSocket private URL"),
            unified=mode == "unified",
        )


def default_profile() -> Profile:
    return Profile(DEFAULT_PROFILE, ProfileKind.DEMO)


class ProfileBook:
    """The user's profiles, in their order, bound to one JSON file (or none).

    There is always at least one Demo profile, so the terminal can start with no key at all; the last Demo profile
    cannot be removed. ``problems`` lists, in plain words, what was ignored on load.
    """

    def __init__(self, profiles: Iterable[Profile] = (), path: Path | None = None) -> None:
        self.path = path
        self.problems: list[str] = []
        self._profiles: list[Profile] = []
        for p in profiles:
            self.add(p)
        if not any(p.kind is ProfileKind.DEMO for p in self._profiles):
            self._profiles.insert(0, self._free_demo())

    def _free_demo(self) -> Profile:
        name = DEFAULT_PROFILE
        n = 2
        while self.find(name) is not None:
            name = f"{DEFAULT_PROFILE} {n}"
            n += 1
        return Profile(name, ProfileKind.DEMO)

    # --- file ------------------------------------------------------------------------------------------------

    @classmethod
    def load(cls, path: Path) -> ProfileBook:
        """Read ``path``; missing → just the Demo profile; unreadable → moved aside and reported."""
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls(path=path)
        problems: list[str] = []
        profiles: list[Profile] = []
        try:
            doc = json.loads(text)
            if not isinstance(doc, dict) or not isinstance(doc.get("profiles"), list):
                raise ValueError("not a profiles document")
        except ValueError as exc:
            aside = path.with_name(f"{path.name}.broken-{int(time.time())}")
            path.replace(aside)
            problems.append(f"The profiles file could not be read ({exc}); it was moved to {aside}.")
            doc = {"profiles": []}
        for entry in doc["profiles"]:
            try:
                profile = Profile.from_dict(entry)
            except ProfileError as exc:
                problems.append(f"A stored profile was ignored: {exc}")
                continue
            if any(p.name.casefold() == profile.name.casefold() for p in profiles):
                problems.append(f"A second profile named {profile.name!r} was ignored.")
                continue
            profiles.append(profile)
        book = cls(profiles, path)
        book.problems = problems
        for problem in problems:
            log.warning("%s", problem)
        return book

    def to_document(self) -> dict[str, Any]:
        return {"version": FILE_VERSION, "profiles": [p.to_dict() for p in self._profiles]}

    def save(self, path: Path | None = None) -> None:
        target = path or self.path
        if target is None:
            raise ProfileError("These profiles are not bound to a file.")
        data = json.dumps(self.to_document(), indent=2, ensure_ascii=False) + "\n"
        atomic_write(target, data.encode("utf-8"))

    # --- queries ---------------------------------------------------------------------------------------------

    def __iter__(self) -> Iterator[Profile]:
        return iter(list(self._profiles))

    def __len__(self) -> int:
        return len(self._profiles)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.find(name) is not None

    def names(self) -> list[str]:
        return [p.name for p in self._profiles]

    def find(self, name: str) -> Profile | None:
        """The profile called ``name`` (names are compared without regard to case), or None."""
        key = name.casefold()
        return next((p for p in self._profiles if p.name.casefold() == key), None)

    def get(self, name: str) -> Profile:
        found = self.find(name)
        if found is None:
            raise ProfileError(f"There is no profile named {name!r}.")
        return found

    def first_demo(self) -> Profile:
        return next(p for p in self._profiles if p.kind is ProfileKind.DEMO)

    def resolve(self, name: str | None) -> Profile:
        """The profile to open for ``name``; an unknown or missing name falls back to the first Demo profile
        (never to a Live one: a typo must not put the user on real money)."""
        found = self.find(name) if name else None
        return found if found is not None else self.first_demo()

    # --- changes ---------------------------------------------------------------------------------------------

    def add(self, profile: Profile) -> Profile:
        if self.find(profile.name) is not None:
            raise ProfileError(f"A profile named {profile.name!r} already exists.")
        self._profiles.append(profile)
        return profile

    def update(self, name: str, profile: Profile) -> Profile:
        """Replace profile ``name`` by ``profile`` (which may carry a new name); the caller moves its keyring
        entry (``CredentialStore.rename``) when the name changed."""
        index = self._index(name)
        clash = self.find(profile.name)
        if clash is not None and clash is not self._profiles[index]:
            raise ProfileError(f"A profile named {profile.name!r} already exists.")
        old = self._profiles[index]
        if old.kind is ProfileKind.DEMO and profile.kind is not ProfileKind.DEMO and self._demo_count() == 1:
            raise ProfileError("The last Demo profile cannot become a Bitget profile; add a new profile instead.")
        self._profiles[index] = profile
        return profile

    def remove(self, name: str) -> Profile:
        """Remove profile ``name``; the caller deletes its key (``CredentialStore.delete``)."""
        index = self._index(name)
        profile = self._profiles[index]
        if profile.kind is ProfileKind.DEMO and self._demo_count() == 1:
            raise ProfileError("The last Demo profile cannot be removed.")
        del self._profiles[index]
        return profile

    def set_skip_market_confirm(self, name: str, skip: bool) -> Profile:
        return self.update(name, replace(self.get(name), skip_market_confirm=skip))

    def _index(self, name: str) -> int:
        profile = self.get(name)
        return next(i for i, p in enumerate(self._profiles) if p is profile)

    def _demo_count(self) -> int:
        return sum(1 for p in self._profiles if p.kind is ProfileKind.DEMO)


def profiles_path(config_dir: Path) -> Path:
    return config_dir / PROFILES_FILE


def active_profile(book: ProfileBook, settings: Settings, override: str | None = None) -> Profile:
    """The profile to open: ``override`` (``--profile NAME``), else the last one used, else the first Demo.

    An unknown ``override`` raises :class:`ProfileError` (the user asked for something specific); an unknown
    remembered name falls back to Demo.
    """
    if override is not None:
        return book.get(override)
    return book.resolve(settings.get(LAST_PROFILE))


def set_active(book: ProfileBook, settings: Settings, name: str) -> Profile:
    """Make ``name`` the active profile (remembered in ``profile.last``); returns it."""
    profile = book.get(name)
    settings.set(LAST_PROFILE, profile.name)
    return profile


def risk_policy(settings: Settings, profile: Profile) -> RiskPolicy:
    """The risk guards for ``profile``: limits from settings (taken literally: a maximum of 0 refuses every order
    that opens risk, a threshold of 0 confirms every market order), market confirmation as the profile says."""
    return RiskPolicy(
        fat_finger_pct=settings.get(FAT_FINGER_PCT),
        max_order_notional=settings.get(MAX_ORDER_NOTIONAL),
        confirm_market_notional=settings.get(CONFIRM_MARKET_NOTIONAL),
        leverage_cap=settings.get(LEVERAGE_CAP),
        skip_market_confirm=profile.skip_market_confirm,
    )
