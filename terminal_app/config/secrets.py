"""API keys of the profiles, kept only in the OS keyring (the one module of the terminal that imports ``keyring``).

One keyring entry per profile: service ``bitget-terminal``, user name = the profile name, password = a small JSON
document holding the key, secret and passphrase (one entry, so the three can never get out of step).

When the keyring cannot be used (no backend at all, the ``fail`` or ``null`` backend, a locked collection, a Secret
Service that cannot create its collection, a plaintext file backend) the store raises :class:`SecretsUnavailable`
with a sentence the dialog can show as is, and the user may choose to keep the keys in memory for this run only
(:meth:`CredentialStore.keep_for_session`). Nothing here logs, formats or raises a secret: log lines name the profile
and the backend only, and :class:`~terminal_app.core.credentials.Credentials` hides its secret parts in ``repr``.

Keyring calls may block (D-Bus round trips, an unlock prompt), so the GUI should use the ``*_async`` variants, which
run the call in a worker thread.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from dataclasses import dataclass
from enum import StrEnum

import keyring
import keyring.backend
import keyring.errors
from keyring.backends import chainer, fail, null

from terminal_app.core.credentials import Credentials

log = logging.getLogger("terminal_app.config.secrets")

SERVICE = "bitget-terminal"
_FORMAT_VERSION = 1
_PROBE_NAME = "bitget-terminal status check"  # only ever read, never written

# Backends that "work" but must not hold trading keys: they write the secret in clear text to a file.
_PLAINTEXT_BACKENDS = frozenset({"keyrings.alt.file.PlaintextKeyring"})


class Problem(StrEnum):
    """Why the keyring cannot be used; the dialog may pick its wording or icon from it."""

    NO_BACKEND = "no-backend"  # no keyring service on this system (keyring's fail backend, NoKeyringError)
    DISABLED = "disabled"  # the null backend: keyring switched off in its configuration
    LOCKED = "locked"  # the collection stayed locked (unlock prompt dismissed)
    INIT_FAILED = "init-failed"  # the Secret Service could not open or create its collection
    INSECURE = "insecure"  # a backend that stores secrets in a plain file
    NOT_KEPT = "not-kept"  # the backend accepted a key but did not give it back
    FAILED = "failed"  # any other keyring failure


_MESSAGES: dict[Problem, str] = {
    Problem.NO_BACKEND: (
        "No password store (keyring) is available on this computer, so the API key cannot be saved. On Linux, install "
        "and start a Secret Service such as GNOME Keyring or KWallet. You can keep the key for this run only."
    ),
    Problem.DISABLED: (
        "The password store (keyring) is switched off in its configuration, so the API key cannot be saved. "
        "You can keep the key for this run only."
    ),
    Problem.LOCKED: (
        "The password store (keyring) is locked and was not unlocked, so the API key cannot be read or saved. Unlock "
        "it (log in to your desktop keyring) and try again, or keep the key for this run only."
    ),
    Problem.INIT_FAILED: (
        "The password store (keyring) could not be opened: the Secret Service did not create or open its collection "
        "(an unlock prompt may have been dismissed). Try again after unlocking it, or keep the key for this run only."
    ),
    Problem.INSECURE: (
        "The only password store found writes secrets to a plain text file, which is not safe for trading keys. "
        "Install a Secret Service (GNOME Keyring, KWallet), or keep the key for this run only."
    ),
    Problem.NOT_KEPT: (
        "The password store (keyring) accepted the API key but did not keep it. You can keep the key for this run "
        "only."
    ),
    Problem.FAILED: (
        "The password store (keyring) reported an error, so the API key could not be read or saved. You can keep "
        "the key for this run only."
    ),
}


class SecretsUnavailable(Exception):
    """The keyring cannot be used. ``user_message`` is plain language and never contains a secret."""

    def __init__(self, problem: Problem, backend: str = "") -> None:
        self.problem = problem
        self.backend = backend
        self.user_message = _MESSAGES[problem]
        super().__init__(self.user_message)


class Storage(StrEnum):
    """Where a profile's key lives."""

    KEYRING = "keyring"
    SESSION = "session"  # memory of this process only; gone when the terminal closes


@dataclass(frozen=True, slots=True)
class KeyringStatus:
    """What the API-key dialog tells the user before they type: can keys be saved, and where."""

    available: bool
    backend: str
    problem: SecretsUnavailable | None = None

    @property
    def message(self) -> str:
        if self.problem is not None:
            return self.problem.user_message
        return f"API keys are saved in the system password store ({self.backend})."


class InvalidCredentials(ValueError):
    """What the user typed cannot be a Bitget API key; the message says which field."""


def credentials_from_input(api_key: str, secret: str, passphrase: str) -> Credentials:
    """The triple as typed in the dialog, with the surrounding blanks a paste often brings removed.

    Raises :class:`InvalidCredentials` naming the empty or malformed field (never echoing its value).
    """
    fields = {"API key": api_key, "secret": secret, "passphrase": passphrase}
    cleaned: dict[str, str] = {}
    for label, value in fields.items():
        text = (value or "").strip()
        if not text:
            raise InvalidCredentials(f"The {label} is empty.")
        if any(ch.isspace() or not ch.isprintable() for ch in text):
            raise InvalidCredentials(f"The {label} contains spaces or invisible characters; paste it again.")
        cleaned[label] = text
    return Credentials(cleaned["API key"], cleaned["secret"], cleaned["passphrase"])


def backend_name(backend: keyring.backend.KeyringBackend) -> str:
    """``module.Class`` of a backend, e.g. ``keyring.backends.SecretService.Keyring``."""
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def _effective(backend: keyring.backend.KeyringBackend) -> keyring.backend.KeyringBackend | None:
    """The backend that will really hold a new entry (a chainer writes to its first backend), or None."""
    if isinstance(backend, chainer.ChainerBackend):
        chained = list(backend.backends)
        return chained[0] if chained else None
    return backend


def _unusable(backend: keyring.backend.KeyringBackend) -> Problem | None:
    """A problem that is certain from the backend's type alone, before any call."""
    real = _effective(backend)
    if real is None or isinstance(real, fail.Keyring):
        return Problem.NO_BACKEND
    if isinstance(real, null.Keyring):
        return Problem.DISABLED
    if backend_name(real) in _PLAINTEXT_BACKENDS:
        return Problem.INSECURE
    return None


def _problem_of(exc: Exception) -> Problem:
    if isinstance(exc, keyring.errors.NoKeyringError):
        return Problem.NO_BACKEND
    if isinstance(exc, keyring.errors.KeyringLocked):
        return Problem.LOCKED
    if isinstance(exc, keyring.errors.InitError):
        return Problem.INIT_FAILED
    return Problem.FAILED


def _encode(creds: Credentials) -> str:
    return json.dumps({"v": _FORMAT_VERSION, "api_key": creds.api_key, "secret": creds.secret,
                       "passphrase": creds.passphrase}, separators=(",", ":"))


def _decode(blob: str) -> Credentials | None:
    try:
        doc = json.loads(blob)
        fields = (doc["api_key"], doc["secret"], doc["passphrase"])
    except (ValueError, TypeError, KeyError):
        return None
    if not isinstance(doc, dict) or not all(isinstance(f, str) and f for f in fields):
        return None
    return Credentials(*fields)


class CredentialStore:
    """Profiles' API keys: in the keyring, or (when the user chose so) in memory for this run.

    ``backend``: a keyring backend to use instead of the system's choice (``keyring.get_keyring()``, which honours
    ``PYTHON_KEYRING_BACKEND`` and keyring's own config file). Safe to call from worker threads.
    """

    def __init__(self, backend: keyring.backend.KeyringBackend | None = None, *, service: str = SERVICE) -> None:
        self._backend = backend
        self.service = service
        self._session: dict[str, Credentials] = {}
        self._lock = threading.Lock()

    @property
    def backend(self) -> keyring.backend.KeyringBackend:
        if self._backend is None:
            self._backend = keyring.get_keyring()
        return self._backend

    def _usable_backend(self) -> keyring.backend.KeyringBackend:
        backend = self.backend
        problem = _unusable(backend)
        if problem is not None:
            raise SecretsUnavailable(problem, backend_name(backend))
        return backend

    def _fail(self, exc: Exception, action: str) -> SecretsUnavailable:
        problem = _problem_of(exc)
        name = backend_name(self.backend)
        # The exception text comes from the backend (D-Bus errors, "no backend"); it never holds the password.
        log.warning("keyring %s failed on %s: %s: %s", action, name, type(exc).__name__, exc)
        return SecretsUnavailable(problem, name)

    # --- status ----------------------------------------------------------------------------------------------

    def status(self) -> KeyringStatus:
        """Whether keys can be saved, checked by reading a name that does not exist (no prompt, no write)."""
        try:
            backend = self._usable_backend()
            backend.get_password(self.service, _PROBE_NAME)
        except SecretsUnavailable as exc:
            return KeyringStatus(False, exc.backend, exc)
        except (keyring.errors.KeyringError, RuntimeError, OSError) as exc:
            return KeyringStatus(False, backend_name(self.backend), self._fail(exc, "status check"))
        return KeyringStatus(True, backend_name(backend))

    # --- keys ------------------------------------------------------------------------------------------------

    def save(self, profile: str, creds: Credentials) -> Storage:
        """Save ``creds`` for ``profile`` in the keyring (read back to be sure it was kept).

        Raises :class:`SecretsUnavailable`; then nothing was stored and the caller may offer
        :meth:`keep_for_session`. A key kept for the session is dropped once it is safely in the keyring.
        """
        _check_profile(profile)
        backend = self._usable_backend()
        try:
            backend.set_password(self.service, profile, _encode(creds))
            kept = backend.get_password(self.service, profile)
        except (keyring.errors.KeyringError, RuntimeError, OSError) as exc:
            raise self._fail(exc, f"save of profile {profile!r}") from None
        if kept is None or _decode(kept) != creds:
            log.warning("keyring %s accepted the key of profile %r but did not return it", backend_name(backend),
                        profile)
            raise SecretsUnavailable(Problem.NOT_KEPT, backend_name(backend))
        with self._lock:
            self._session.pop(profile, None)
        log.info("API key of profile %r saved in %s", profile, backend_name(backend))
        return Storage.KEYRING

    def keep_for_session(self, profile: str, creds: Credentials) -> Storage:
        """Hold ``creds`` in memory until the terminal exits (the user's choice when the keyring is unavailable)."""
        _check_profile(profile)
        with self._lock:
            self._session[profile] = creds
        log.info("API key of profile %r kept in memory for this run only", profile)
        return Storage.SESSION

    def load(self, profile: str) -> Credentials | None:
        """The key of ``profile``: from this run's memory first, else from the keyring; ``None`` if none is stored.

        Raises :class:`SecretsUnavailable` when the keyring cannot be asked and no session key exists, so the
        caller can ask for the key and offer to keep it for this run.
        """
        with self._lock:
            held = self._session.get(profile)
        if held is not None:
            return held
        backend = self._usable_backend()
        try:
            blob = backend.get_password(self.service, profile)
        except (keyring.errors.KeyringError, RuntimeError, OSError) as exc:
            raise self._fail(exc, f"read of profile {profile!r}") from None
        if blob is None:
            return None
        creds = _decode(blob)
        if creds is None:
            log.warning("the keyring entry of profile %r is not a key this terminal wrote; ignoring it", profile)
        return creds

    def where(self, profile: str) -> Storage | None:
        """Where the key of ``profile`` is, or ``None``; an unusable keyring counts as "not stored"."""
        with self._lock:
            if profile in self._session:
                return Storage.SESSION
        try:
            return Storage.KEYRING if self.load(profile) is not None else None
        except SecretsUnavailable:
            return None

    def delete(self, profile: str) -> None:
        """Forget the key of ``profile`` everywhere; deleting a key that is not stored is not an error."""
        with self._lock:
            self._session.pop(profile, None)
        backend = self._usable_backend()
        try:
            backend.delete_password(self.service, profile)
        except keyring.errors.PasswordDeleteError:
            return  # nothing stored under that name
        except (keyring.errors.KeyringError, RuntimeError, OSError) as exc:
            raise self._fail(exc, f"delete of profile {profile!r}") from None
        log.info("API key of profile %r deleted from %s", profile, backend_name(backend))

    def rename(self, old: str, new: str) -> None:
        """Move the key of profile ``old`` to ``new`` (after a profile rename); no key → nothing to do."""
        _check_profile(new)
        with self._lock:
            held = self._session.pop(old, None)
            if held is not None:
                self._session[new] = held
        if held is not None:
            return
        creds = self.load(old)
        if creds is None:
            return
        self.save(new, creds)
        self.delete(old)

    def forget_session(self) -> None:
        """Drop every key held in memory (profile switch to a fresh state, or shutdown)."""
        with self._lock:
            self._session.clear()

    # --- async variants: keyring calls can block on D-Bus or an unlock prompt --------------------------------

    async def status_async(self) -> KeyringStatus:
        return await asyncio.to_thread(self.status)

    async def save_async(self, profile: str, creds: Credentials) -> Storage:
        return await asyncio.to_thread(self.save, profile, creds)

    async def load_async(self, profile: str) -> Credentials | None:
        return await asyncio.to_thread(self.load, profile)

    async def delete_async(self, profile: str) -> None:
        await asyncio.to_thread(self.delete, profile)


def _check_profile(profile: str) -> None:
    if not profile or not profile.strip():
        raise ValueError("a profile name is needed to store its key")
