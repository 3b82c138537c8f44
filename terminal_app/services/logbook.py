"""The terminal's one log: Python's ``logging`` tree, read by the Log panel and written to a rotating file.

Every part of the terminal logs through ``logging.getLogger("terminal_app.<layer>.<module>")``; nothing else is a log.
:func:`install` (the composition root calls it once) puts two handlers on the root logger:

* the :class:`LogRing` — the last :data:`RING_CAPACITY` records as :class:`LogEntry` rows, kept from the start of the
  run, so a Log panel made later (a new window after a profile switch) shows what happened before it existed. Its
  ``emit`` only formats the message and appends it under the handler's lock: any thread may log. Readers
  (:meth:`LogRing.subscribe`) are told "something new" at most once until they read, so a burst of records costs the
  GUI one wake-up, not one per record;
* a ``QueueHandler`` whose listener thread writes the records to a ``RotatingFileHandler``
  (``<log folder>/terminal.log``, :data:`FILE_MAX_BYTES` × :data:`FILE_BACKUPS` old files) and to stderr: the file's
  write and flush never happen on the thread that logged (the GUI thread, for most records).

The ring and the file see the same records: what passes the loggers' levels (:func:`install`'s ``level``).
"""

from __future__ import annotations

import io
import itertools
import logging
import logging.handlers
import os
import queue
import sys
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

RING_CAPACITY = 5000
FILE_NAME = "terminal.log"
FILE_MAX_BYTES = 4 * 1024 * 1024
FILE_BACKUPS = 4
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Loggers whose INFO lines are one per request or per frame: noise in the panel at INFO, kept at DEBUG.
CHATTY = ("httpx", "httpcore", "websockets", "aiohttp.access", "asyncio")


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One log record as the panel shows it: the message is formatted when it was logged (its args may change)."""

    seq: int
    ts: int  # epoch ms
    level: int  # logging.DEBUG … logging.CRITICAL
    logger: str
    text: str

    @property
    def source(self) -> str:
        """Short name for a column: the module of our own loggers (``terminal_app.services.trading`` → ``trading``),
        the whole name of a library's."""
        if self.logger.startswith("terminal_app."):
            return self.logger.rsplit(".", 1)[-1]
        return self.logger


def _text(record: logging.LogRecord) -> str:
    try:
        text = record.getMessage()
    except Exception:  # a bad format string must not lose the record
        text = f"{record.msg!r} {record.args!r}"
    exc = record.exc_info[1] if record.exc_info else None
    if exc is not None:
        text = f"{text} ({type(exc).__name__}: {exc})"  # the traceback is in the file
    return text


class LogReader:
    """One subscriber of a :class:`LogRing`: :meth:`read` returns what was logged since its last read."""

    def __init__(self, ring: LogRing, notify: Callable[[], None]) -> None:
        self._ring = ring
        self._notify = notify
        self.last_seq = ring.last_seq
        self.notified = False

    def read(self) -> list[LogEntry]:
        return self._ring._read(self)

    def close(self) -> None:
        self._ring._unsubscribe(self)


class LogRing(logging.Handler):
    """The last ``capacity`` records, thread-safe (see the module docstring)."""

    def __init__(self, capacity: int = RING_CAPACITY, level: int = logging.NOTSET) -> None:
        super().__init__(level)
        self._entries: deque[LogEntry] = deque(maxlen=capacity)
        self._seq = itertools.count(1)
        self.last_seq = 0
        self._readers: list[LogReader] = []

    def emit(self, record: logging.LogRecord) -> None:
        # Called by Handler.handle with self.lock held, so appends and reads never interleave.
        entry = LogEntry(next(self._seq), int(record.created * 1000), record.levelno, record.name, _text(record))
        self._entries.append(entry)
        self.last_seq = entry.seq
        gone: list[LogReader] = []
        for reader in self._readers:
            if not reader.notified:
                reader.notified = True
                try:
                    reader._notify()
                except RuntimeError:
                    # Its Qt object was deleted (the application was torn down, e.g. at interpreter exit when a
                    # late record such as aiohttp's "Unclosed client session" arrives): nobody listens any more.
                    gone.append(reader)
                except Exception:  # a reader gone wrong must not break logging for everyone else
                    self.handleError(record)
        for reader in gone:
            self._readers.remove(reader)

    def entries(self) -> list[LogEntry]:
        """Everything kept, oldest first."""
        with self.lock:  # type: ignore[union-attr]  # typeshed: None until createLock(), which __init__ calls
            return list(self._entries)

    def subscribe(self, notify: Callable[[], None]) -> LogReader:
        """A reader positioned after the newest entry; ``notify()`` is called (on the logging thread, under this
        handler's lock: keep it cheap and never log from it) when there is something new, once until it reads."""
        with self.lock:  # type: ignore[union-attr]  # typeshed: None until createLock(), which __init__ calls
            reader = LogReader(self, notify)
            self._readers.append(reader)
            return reader

    def _unsubscribe(self, reader: LogReader) -> None:
        with self.lock:  # type: ignore[union-attr]  # typeshed: None until createLock(), which __init__ calls
            if reader in self._readers:
                self._readers.remove(reader)

    def _read(self, reader: LogReader) -> list[LogEntry]:
        with self.lock:  # type: ignore[union-attr]  # typeshed: None until createLock(), which __init__ calls
            reader.notified = False
            new = self.last_seq - reader.last_seq
            reader.last_seq = self.last_seq
            if new <= 0:
                return []
            return list(itertools.islice(self._entries, max(0, len(self._entries) - new), None))


_ring: LogRing | None = None
_ring_lock = threading.Lock()


def ring() -> LogRing:
    """The process's ring, on the root logger (made on first use, so tests and benchmarks that never call
    :func:`install` have one too)."""
    global _ring
    with _ring_lock:
        if _ring is None:
            _ring = LogRing()
            logging.getLogger().addHandler(_ring)
        return _ring


class _PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Every file it opens (the first, and each one after a rollover) is readable by the user only: the log names
    orders, accounts and balances."""

    def _open(self) -> io.TextIOWrapper:
        stream = super()._open()
        if os.name == "posix":
            os.chmod(self.baseFilename, 0o600)
        return stream


class Logbook:
    """What :func:`install` set up; :meth:`close` flushes the file and takes the handlers off again."""

    def __init__(self, level: int, stream: TextIO | None) -> None:
        self.level = level
        self.ring = ring()
        self.path: Path | None = None
        self._file: logging.Handler | None = None
        self._queue: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
        self._to_queue = logging.handlers.QueueHandler(self._queue)
        formatter = logging.Formatter(FORMAT)
        self._stream = logging.StreamHandler(stream) if stream is not None else None
        if self._stream is not None:
            self._stream.setFormatter(formatter)
        self._listener = logging.handlers.QueueListener(
            self._queue, *([self._stream] if self._stream is not None else []), respect_handler_level=True)
        self._listener.start()
        root = logging.getLogger()
        # What install changes, put back by close (tests and benchmarks install and close in one process).
        self._levels = {name: logging.getLogger(name or None).level for name in ("", *CHATTY)}
        root.setLevel(level)
        root.addHandler(self._to_queue)
        for name in CHATTY:
            logging.getLogger(name).setLevel(logging.WARNING if level > logging.DEBUG else level)

    def open_file(self, folder: Path, *, max_bytes: int = FILE_MAX_BYTES, backups: int = FILE_BACKUPS) -> Path:
        """Also write every record to ``folder/terminal.log`` (rotated at ``max_bytes``, ``backups`` old files)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = folder / FILE_NAME
        handler = _PrivateRotatingFileHandler(path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8")
        handler.setFormatter(logging.Formatter(FORMAT))
        # The listener thread reads its handler list for every record: stop it (it writes what is queued first),
        # swap, start again.
        self._listener.stop()
        old, self._file, self.path = self._file, handler, path
        self._listener.handlers = tuple(h for h in (self._stream, handler) if h is not None)
        self._listener.start()
        if old is not None:
            old.close()
        return path

    def flush(self) -> None:
        """Wait until every record logged so far is written (the listener stops and starts again)."""
        self._listener.stop()
        for handler in self._listener.handlers:
            handler.flush()
        self._listener.start()

    def close(self) -> None:
        root = logging.getLogger()
        root.removeHandler(self._to_queue)
        self._listener.stop()  # writes what is queued first
        for handler in self._listener.handlers:
            handler.close()
        self._file = None
        for name, level in self._levels.items():
            logging.getLogger(name or None).setLevel(level)


def install(level: int = logging.INFO, *, stream: TextIO | None = sys.stderr) -> Logbook:
    """Route the whole tree to the ring, stderr (``stream``; None: not at all) and, after :meth:`Logbook.open_file`,
    the rotating file."""
    return Logbook(level, stream)

