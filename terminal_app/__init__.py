"""Bitget Terminal: a desktop trading terminal for Bitget with an embedded demo exchange."""

from typing import Any


def __getattr__(name: str) -> Any:
    # ``__version__`` reads the installed metadata on first use (PEP 562): importlib.metadata costs ~50 ms that the
    # start-up's first frame does not need (``--version`` and crash reports do).
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("bitget-terminal")
        except PackageNotFoundError:  # running from a source tree that was not installed
            found = "0.0.0+source"
        globals()["__version__"] = found
        return found
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
