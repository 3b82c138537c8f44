"""aiohttp without the system's certificate authorities at import, for the terminal's start-up.

Importing ``aiohttp`` builds two default client TLS contexts (``aiohttp.connector``) and each reads every system
authority (~140 certificates, 25-50 ms apiece on the 2-core reference machine). The terminal's own HTTP transport
never uses them — it gives aiohttp httpx's context for https (``bitget.transport``) and none for the Demo profile's
plain-HTTP exchange on the loopback — so the start-up imports aiohttp with OpenSSL's documented variables
(``SSL_CERT_FILE``, ``SSL_CERT_DIR``) pointed at an empty file for the length of that import only
(:func:`import_aiohttp_without_authorities`); the simulator's child does the same for its whole life
(``sim.process.child_environment``).

aiohttp's verified default context is then empty: a connector relying on it would refuse every https server (it
fails closed, never open). :func:`restore_aiohttp_authorities` loads the system's authorities into it, as aiohttp
would have; the transport calls it when it opens its first https session, off the Demo profile's path.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
import threading
from collections.abc import Iterator

CA_VARIABLES = ("SSL_CERT_FILE", "SSL_CERT_DIR")

_lock = threading.Lock()
_emptied = False  # aiohttp was imported here without the authorities, and they are not back yet


@contextlib.contextmanager
def without_system_authorities() -> Iterator[None]:
    """OpenSSL finds no system authority inside the block (the variables are restored, or removed, after it)."""
    saved = {name: os.environ.get(name) for name in CA_VARIABLES}
    os.environ.update(dict.fromkeys(CA_VARIABLES, os.devnull))
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def import_aiohttp_without_authorities() -> bool:
    """Import aiohttp (its client and connector) without loading the system's authorities into its default
    contexts; False when it was already imported (nothing changes then)."""
    global _emptied
    with _lock:
        if "aiohttp.connector" in sys.modules:
            return False
        with without_system_authorities():
            importlib.import_module("aiohttp")
        _emptied = True
        return True


def restore_aiohttp_authorities() -> bool:
    """Load the system's authorities into aiohttp's verified default context, if :func:`import_aiohttp_without_
    authorities` left it empty (once; True when it did). The unverified one verifies nothing and stays as it is."""
    global _emptied
    with _lock:
        if not _emptied:
            return False
        connector = sys.modules.get("aiohttp.connector")
        context = getattr(connector, "_SSL_CONTEXT_VERIFIED", None)
        if context is not None:
            context.load_default_certs()
        _emptied = False
        return True


def aiohttp_authorities() -> int | None:
    """How many authorities aiohttp's verified default context holds (None: aiohttp is not imported)."""
    connector = sys.modules.get("aiohttp.connector")
    context = getattr(connector, "_SSL_CONTEXT_VERIFIED", None)
    return None if context is None else int(context.cert_store_stats()["x509_ca"])
