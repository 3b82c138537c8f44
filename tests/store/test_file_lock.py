"""The exclusive lock that keeps two simulators off one demo account file."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from terminal_app.store.file_lock import ExclusiveFileLock, FileLockedError


def _try_in_another_process(path: Path) -> str:
    code = textwrap.dedent(f"""
        from terminal_app.store.file_lock import ExclusiveFileLock, FileLockedError
        try:
            ExclusiveFileLock({str(path)!r}).acquire()
        except FileLockedError:
            print("locked")
        else:
            print("acquired")
    """)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def test_a_held_lock_keeps_other_processes_out_until_released(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3.lock"
    lock = ExclusiveFileLock(path).acquire()
    assert lock.held
    assert _try_in_another_process(path) == "locked"
    lock.release()
    assert not lock.held
    assert _try_in_another_process(path) == "acquired"  # and that process's exit let it go again
    with ExclusiveFileLock(path):
        assert _try_in_another_process(path) == "locked"
    assert _try_in_another_process(path) == "acquired"


def test_a_second_holder_in_the_same_process_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.lock"
    with ExclusiveFileLock(path), pytest.raises(FileLockedError, match="locked by another process"):
        ExclusiveFileLock(path).acquire()
