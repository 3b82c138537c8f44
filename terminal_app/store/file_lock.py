"""An exclusive, advisory lock on a file next to a database, held for the life of its owner.

Two simulators writing one demo account's SQLite file would each keep their own idea of the balances and overwrite
the other's: opening the terminal twice must fail clearly instead. The operating system drops the lock when the
holder dies (flock on POSIX, LockFileEx through msvcrt on Windows), so a crash never leaves a stale lock behind.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO


class FileLockedError(OSError):
    """Another process holds the lock."""


class ExclusiveFileLock:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._handle: IO[bytes] | None = None

    @property
    def held(self) -> bool:
        return self._handle is not None

    def acquire(self) -> ExclusiveFileLock:
        """Take the lock without waiting; :class:`FileLockedError` if another process holds it."""
        if self._handle is not None:
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+b")  # noqa: SIM115 - held open for as long as the lock lives
        try:
            _lock(handle)
        except OSError:
            handle.close()
            raise FileLockedError(f"{self.path} is locked by another process") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()).encode())  # who holds it, for a person looking at the folder
        handle.flush()
        self._handle = handle
        return self

    def release(self) -> None:
        handle, self._handle = self._handle, None
        if handle is None:
            return
        try:
            _unlock(handle)
        finally:
            handle.close()

    def __enter__(self) -> ExclusiveFileLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


if sys.platform == "win32":
    import msvcrt

    def _lock(handle: IO[bytes]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)

    def _unlock(handle: IO[bytes]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _lock(handle: IO[bytes]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(handle: IO[bytes]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
