"""config.secrets: keys in the keyring (in-memory backend), every "no keyring" case as SecretsUnavailable, the
session-only fallback, no secret in any log or message, and one round trip through a real Secret Service."""

from __future__ import annotations

import json
import logging
import os
import secrets
from typing import Any

import keyring
import keyring.core
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null
from keyring.errors import InitError, KeyringLocked, PasswordDeleteError

from terminal_app.config.secrets import (
    SERVICE,
    CredentialStore,
    InvalidCredentials,
    Problem,
    SecretsUnavailable,
    Storage,
    credentials_from_input,
)
from terminal_app.core.credentials import Credentials

KEY = Credentials("bg_7f3a9c1e2d", "s3cr3t-VALUE-9x8y7z", "pass-PHRASE-42")


class MemoryKeyring(KeyringBackend):
    """An in-memory keyring. Priority below zero: keyring's own discovery never picks it for other tests."""

    priority = -1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        try:
            del self.entries[(service, username)]
        except KeyError:
            raise PasswordDeleteError("No such password!") from None


class RaisingKeyring(MemoryKeyring):
    """A Secret Service that fails the way a locked or unopenable collection does."""

    def __init__(self, exc: Exception) -> None:
        super().__init__()
        self.exc = exc

    def get_password(self, service: str, username: str) -> str | None:
        raise self.exc

    def set_password(self, service: str, username: str, password: str) -> None:
        raise self.exc

    def delete_password(self, service: str, username: str) -> None:
        raise self.exc


class ForgetfulKeyring(MemoryKeyring):
    """Accepts every key and keeps none (a broken or misconfigured backend that is not the null one)."""

    def set_password(self, service: str, username: str, password: str) -> None:
        return None


PlaintextKeyring = type("PlaintextKeyring", (MemoryKeyring,), {"__module__": "keyrings.alt.file"})


@pytest.fixture
def memory() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def store(memory: MemoryKeyring) -> CredentialStore:
    return CredentialStore(memory)


def test_round_trip_under_the_service_and_profile_name(store: CredentialStore, memory: MemoryKeyring) -> None:
    assert store.save("Live", KEY) is Storage.KEYRING
    assert store.load("Live") == KEY
    assert store.where("Live") is Storage.KEYRING
    assert list(memory.entries) == [(SERVICE, "Live")]
    assert json.loads(memory.entries[(SERVICE, "Live")]) == {
        "v": 1, "api_key": KEY.api_key, "secret": KEY.secret, "passphrase": KEY.passphrase}
    assert store.load("Other") is None
    assert store.where("Other") is None


def test_profiles_are_kept_apart_and_overwritten(store: CredentialStore) -> None:
    other = Credentials("bg_other", "other-secret", "other-pass")
    store.save("A", KEY)
    store.save("B", other)
    store.save("A", other)
    assert store.load("A") == other
    assert store.load("B") == other


def test_delete_forgets_and_deleting_nothing_is_fine(store: CredentialStore, memory: MemoryKeyring) -> None:
    store.save("Live", KEY)
    store.delete("Live")
    assert store.load("Live") is None
    assert memory.entries == {}
    store.delete("Live")
    store.delete("never-stored")


def test_rename_moves_the_key(store: CredentialStore, memory: MemoryKeyring) -> None:
    store.save("Old", KEY)
    store.rename("Old", "New")
    assert store.load("New") == KEY
    assert store.load("Old") is None
    assert list(memory.entries) == [(SERVICE, "New")]
    store.rename("absent", "Whatever")
    assert store.load("Whatever") is None


def test_an_entry_this_terminal_did_not_write_reads_as_absent(store: CredentialStore,
                                                              memory: MemoryKeyring) -> None:
    memory.entries[(SERVICE, "Live")] = "plain password from some other tool"
    assert store.load("Live") is None
    memory.entries[(SERVICE, "Live")] = json.dumps({"api_key": "k", "secret": "", "passphrase": "p"})
    assert store.load("Live") is None


def test_status_of_a_working_keyring(store: CredentialStore) -> None:
    status = store.status()
    assert status.available
    assert status.problem is None
    assert "MemoryKeyring" in status.backend
    assert "saved in the system password store" in status.message


@pytest.mark.parametrize(
    ("backend", "problem"),
    [
        (fail.Keyring(), Problem.NO_BACKEND),
        (null.Keyring(), Problem.DISABLED),
        (RaisingKeyring(KeyringLocked("Failed to unlock the collection!")), Problem.LOCKED),
        (RaisingKeyring(InitError("Failed to create the collection: Prompt dismissed.")), Problem.INIT_FAILED),
        (PlaintextKeyring(), Problem.INSECURE),
    ],
    ids=["fail", "null", "locked", "init-error", "plaintext"],
)
def test_unusable_keyrings_are_reported_plainly(backend: KeyringBackend, problem: Problem) -> None:
    store = CredentialStore(backend)
    status = store.status()
    assert not status.available
    assert status.problem is not None
    assert status.problem.problem is problem
    with pytest.raises(SecretsUnavailable) as saving:
        store.save("Live", KEY)
    assert saving.value.problem is problem
    assert "keep the key for this run only" in saving.value.user_message
    with pytest.raises(SecretsUnavailable):
        store.load("Live")
    with pytest.raises(SecretsUnavailable):
        store.delete("Live")
    assert store.where("Live") is None
    if isinstance(backend, PlaintextKeyring):
        assert backend.entries == {}  # nothing was written in clear text


def test_a_chainer_with_nothing_to_chain_is_no_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [])
    with pytest.raises(SecretsUnavailable) as exc:
        CredentialStore(chainer.ChainerBackend()).save("Live", KEY)
    assert exc.value.problem is Problem.NO_BACKEND


def test_a_backend_that_does_not_keep_the_key_is_caught() -> None:
    store = CredentialStore(ForgetfulKeyring())
    with pytest.raises(SecretsUnavailable) as exc:
        store.save("Live", KEY)
    assert exc.value.problem is Problem.NOT_KEPT


def test_keys_kept_for_this_run_only_when_there_is_no_keyring() -> None:
    store = CredentialStore(fail.Keyring())
    assert store.keep_for_session("Live", KEY) is Storage.SESSION
    assert store.load("Live") == KEY
    assert store.where("Live") is Storage.SESSION
    with pytest.raises(SecretsUnavailable):
        store.delete("Live")  # the keyring half of the delete cannot run; the memory half already did
    assert store.where("Live") is None
    store.keep_for_session("Live", KEY)
    store.forget_session()
    with pytest.raises(SecretsUnavailable):
        store.load("Live")


def test_a_session_key_gives_way_to_the_keyring_once_saved(store: CredentialStore, memory: MemoryKeyring) -> None:
    newer = Credentials("bg_newer", "newer-secret", "newer-pass")
    store.keep_for_session("Live", KEY)
    store.save("Live", newer)
    assert store.where("Live") is Storage.KEYRING
    assert store.load("Live") == newer


def test_the_default_backend_is_keyrings_choice(monkeypatch: pytest.MonkeyPatch, memory: MemoryKeyring) -> None:
    monkeypatch.setattr(keyring.core, "_keyring_backend", memory)
    store = CredentialStore()
    store.save("Live", KEY)
    assert memory.entries[(SERVICE, "Live")]
    assert store.load("Live") == KEY


def test_no_secret_reaches_logs_messages_or_reprs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    good = CredentialStore(MemoryKeyring())
    good.save("Live", KEY)
    good.load("Live")
    good.rename("Live", "Live 2")
    good.delete("Live 2")
    texts += [repr(good), repr(good.status()), repr(KEY), str(KEY)]
    for backend in (fail.Keyring(), RaisingKeyring(KeyringLocked("locked")), ForgetfulKeyring()):
        store = CredentialStore(backend)
        try:
            store.save("Live", KEY)
        except SecretsUnavailable as exc:
            texts += [str(exc), repr(exc), exc.user_message]
        store.keep_for_session("Live", KEY)
        texts.append(repr(store.status()))
    texts += [r.getMessage() for r in caplog.records]
    blob = "\n".join(texts)
    assert "Live" in blob  # the logs do say what happened, by profile name
    for secret in (KEY.secret, KEY.passphrase):
        assert secret not in blob
    assert KEY.api_key not in blob  # not even the full key id


def test_credentials_from_input() -> None:
    assert credentials_from_input("  bg_key \n", "\tsecret ", " pass\n") == Credentials("bg_key", "secret", "pass")
    with pytest.raises(InvalidCredentials, match="secret is empty"):
        credentials_from_input("bg_key", "   ", "pass")
    with pytest.raises(InvalidCredentials, match="passphrase contains spaces") as exc:
        credentials_from_input("bg_key", "secret", "pass word")
    assert "pass word" not in str(exc.value)
    with pytest.raises(InvalidCredentials, match="API key"):
        credentials_from_input("bg\u200bkey", "secret", "pass")
    with pytest.raises(ValueError, match="profile name"):
        CredentialStore(MemoryKeyring()).save(" ", KEY)


@pytest.mark.asyncio
async def test_async_variants_run_off_the_loop(store: CredentialStore) -> None:
    assert (await store.status_async()).available
    assert await store.save_async("Live", KEY) is Storage.KEYRING
    assert await store.load_async("Live") == KEY
    await store.delete_async("Live")
    assert await store.load_async("Live") is None


# --- the real Secret Service (gnome-keyring on a private D-Bus session; packaging/setup.sh test provides one) -----


@pytest.fixture
def secret_service() -> Any:
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        pytest.skip("no D-Bus session: run under `packaging/setup.sh test` (dbus-run-session + unlocked "
                    "gnome-keyring) to test the real Secret Service")
    from keyring.backends import SecretService

    try:
        SecretService.Keyring.priority  # noqa: B018 - raises when no Secret Service answers on the bus
    except RuntimeError as exc:
        pytest.skip(f"no Secret Service on this D-Bus session ({exc})")
    backend = SecretService.Keyring()
    status = CredentialStore(backend).status()
    if not status.available:
        pytest.skip(f"the Secret Service is not usable here (locked or no collection): {status.message}")
    return backend


@pytest.mark.slow
def test_round_trip_through_the_real_secret_service(secret_service: Any) -> None:
    store = CredentialStore(secret_service)
    profile = f"pytest {secrets.token_hex(4)}"
    try:
        assert store.save(profile, KEY) is Storage.KEYRING
        assert CredentialStore(secret_service).load(profile) == KEY  # a fresh store reads it from the daemon
        assert secret_service.get_password(SERVICE, profile) is not None
    finally:
        store.delete(profile)
    assert store.load(profile) is None
