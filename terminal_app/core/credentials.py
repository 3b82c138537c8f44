"""The key an account is reached with: an API key, its secret and its passphrase.

A core type because every layer above the protocol handles it without signing anything: the keyring stores it
(``config.secrets``), the key dialog builds it, the session hands it to the client that signs
(``terminal_app.bitget.signing``).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Credentials:
    """An API key triple. ``repr`` never shows the secret parts, so it is safe to log the object."""

    api_key: str
    secret: str = field(repr=False)
    passphrase: str = field(repr=False)

    def __repr__(self) -> str:
        shown = self.api_key[:4] + "…" if len(self.api_key) > 4 else "…"
        return f"Credentials(api_key={shown!r})"

    __str__ = __repr__
