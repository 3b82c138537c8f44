"""Bitget Terminal: a desktop trading terminal for Bitget with an embedded demo exchange."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("bitget-terminal")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+source"
