"""Where the terminal keeps its files: platformdirs' per-user directories, never next to the code.

``AppPaths.default()`` follows the platform (``~/.config/bitget-terminal`` and friends on Linux, so ``XDG_*``
variables are honoured); ``AppPaths.under(root)`` puts everything below one folder (tests, portable installs).
Files are written with :func:`atomic_write`, so a crash mid-write never leaves a half-written settings or layout file.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "bitget-terminal"
# Set to a folder to keep every file of the terminal below it (portable mode); tests use AppPaths.under instead.
HOME_ENV = "BITGET_TERMINAL_HOME"


@dataclass(frozen=True, slots=True)
class AppPaths:
    """The per-user folders of the terminal and the well-known files inside them."""

    config_dir: Path
    data_dir: Path
    cache_dir: Path
    log_dir: Path

    @classmethod
    def default(cls) -> AppPaths:
        home = os.environ.get(HOME_ENV)
        if home:
            return cls.under(Path(home))
        return cls(
            config_dir=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
            data_dir=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
            cache_dir=Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
            log_dir=Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
        )

    @classmethod
    def under(cls, root: Path) -> AppPaths:
        root = Path(root)
        return cls(config_dir=root / "config", data_dir=root / "data", cache_dir=root / "cache", log_dir=root / "log")

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.json"

    @property
    def layout_file(self) -> Path:
        return self.config_dir / "layout.json"

    def ensure(self) -> AppPaths:
        """Create the folders (owner-only, since they end up holding account data and journals)."""
        for d in (self.config_dir, self.data_dir, self.cache_dir, self.log_dir):
            d.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self


def atomic_write(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Replace ``path`` with ``data`` so that readers see either the old or the new file, never a torn one.

    The permissions are set before any byte is written (the file may hold account details), the data is fsynced,
    then renamed over the target; the folder is fsynced too so the rename itself survives a power cut.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp_name, mode)  # mkstemp already made it 0600; this applies the caller's mode
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:  # Windows cannot open a directory; the rename is durable enough there
        return
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
