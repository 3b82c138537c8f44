"""Which kind of profile the terminal will open, read from the two JSON files alone, before anything else is imported.

``__main__`` launches the Demo exchange's child process first thing (``sim.process``), before the configuration
modules (``config.profiles``, ``config.settings``: ~40-90 ms of imports) are loaded, so the child imports while they
do. A Bitget profile needs no child; this peek tells the two apart cheaply (``json`` and the two files) so that a
Bitget profile launches none. It mirrors ``config.profiles.active_profile`` — ``--profile NAME`` (names compared
without regard to case), else the ``profile.last`` setting, else the first Demo profile, the first Demo profile for
the smoke test — on well-formed files; on anything it cannot read as the real reading would, it answers
:data:`UNSURE` and the caller launches the child as before (``startup.prepare`` then decides with the real reading
and lets an unneeded child go). A wrong guess only costs time, never correctness: ``startup.prepare`` always
re-reads the profile with the real code.
"""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Any

# The spellings config.profiles and config.settings use (tests/config/test_peek.py checks they agree).
PROFILES_FILE = "profiles.json"
SETTINGS_FILE = "settings.json"
LAST_PROFILE_KEY = "profile.last"
DEFAULT_PROFILE = "Demo"
DEMO_KIND = "demo"
KINDS = ("demo", "bitget-demo", "live")
URL_KEYS = ("rest_url", "ws_public_url", "ws_private_url")
NAME_MAX = 40


class Opening(Enum):
    DEMO = "demo"  # a Demo profile on the embedded exchange: it needs the child
    OTHER = "other"  # a Bitget profile (or a Demo one pointed at other hosts): no child
    UNSURE = "unsure"  # the files say something only the real reading can settle


UNSURE = Opening.UNSURE


def _read(path: Path) -> Any:
    """The file's JSON (None when it does not exist); raises ValueError when it cannot be read as such."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ValueError(str(exc)) from None
    return json.loads(text)


def _entry_ok(entry: Any) -> bool:
    """What ``Profile.from_dict`` checks (a profile it refuses is ignored by the real reading)."""
    if not isinstance(entry, dict):
        return False
    name, kind = entry.get("name"), entry.get("kind")
    if not isinstance(name, str) or not name.strip() or name != name.strip() or len(name) > NAME_MAX:
        return False
    if not name.isprintable() or kind not in KINDS:
        return False
    if not isinstance(entry.get("skip_market_confirm", False), bool):
        return False
    mode = entry.get("account_mode", "classic")
    if mode not in ("classic", "unified") or (mode == "unified" and kind != DEMO_KIND):
        return False
    for key in URL_KEYS:
        url = entry.get(key)
        if url is None:
            continue
        if not isinstance(url, str) or "://" not in url:
            return False
        scheme = url.strip().split("://", 1)[0].lower()
        if scheme not in (("ws", "wss") if key.startswith("ws_") else ("http", "https")):
            return False
    return True


def _entries(doc: Any) -> list[dict[str, Any]] | None:
    """The stored profiles (None: something only the real reading settles)."""
    if doc is None:
        return []
    if not isinstance(doc, dict) or not isinstance(doc.get("profiles"), list):
        return None
    entries: list[dict[str, Any]] = []
    for entry in doc["profiles"]:
        if not _entry_ok(entry):
            return None
        if any(e["name"].casefold() == entry["name"].casefold() for e in entries):
            return None  # the real reading ignores the second one
        entries.append(entry)
    return entries


def _last_profile(doc: Any) -> str | None:
    if doc is None:
        return DEFAULT_PROFILE
    if not isinstance(doc, dict) or not isinstance(doc.get("values", {}), dict):
        return None
    value = doc.get("values", {}).get(LAST_PROFILE_KEY, DEFAULT_PROFILE)
    if not isinstance(value, str) or not value.strip():
        return None  # the real reading reports it and uses the default
    return value.strip()


def opening(config_dir: Path, requested: str | None = None, *, smoke_test: bool = False) -> Opening:
    """What :func:`terminal_app.config.profiles.active_profile` will choose, as far as the child is concerned."""
    try:
        stored = _entries(_read(config_dir / PROFILES_FILE))
        last = None if requested is not None or smoke_test else _last_profile(_read(config_dir / SETTINGS_FILE))
    except ValueError:  # unreadable JSON: the real reading moves the file aside and opens Demo
        return UNSURE
    if stored is None:
        return UNSURE
    entries = stored

    def find(name: str) -> dict[str, Any] | None:
        key = name.casefold()
        return next((e for e in entries if e["name"].casefold() == key), None)

    if not any(e["kind"] == DEMO_KIND for e in entries):  # the book adds a Demo profile under a free name
        free, n = DEFAULT_PROFILE, 2
        while find(free) is not None:
            free, n = f"{DEFAULT_PROFILE} {n}", n + 1
        entries = [{"name": free, "kind": DEMO_KIND}, *stored]
    demo = next(e for e in entries if e["kind"] == DEMO_KIND)

    if smoke_test:
        chosen: dict[str, Any] | None = demo
    elif requested is not None:
        chosen = find(requested)
        if chosen is None:
            return Opening.OTHER  # "no such profile": the terminal says so and opens nothing
    else:
        if last is None:
            return UNSURE
        chosen = find(last) or demo
    assert chosen is not None
    if chosen["kind"] != DEMO_KIND or any(chosen.get(k) is not None for k in URL_KEYS):
        return Opening.OTHER
    return Opening.DEMO
