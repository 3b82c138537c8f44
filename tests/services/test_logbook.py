"""services.logbook: one tree, two readers — the ring the Log panel reads and the rotating file — with the same
records; the file is written on the listener's thread, rotates, and is private to the user."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from terminal_app.services import logbook
from terminal_app.services.logbook import FILE_NAME, Logbook, LogRing


@pytest.fixture
def book() -> Iterator[Logbook]:
    book = logbook.install(logging.DEBUG, stream=None)
    try:
        yield book
    finally:
        book.close()


def test_the_ring_and_the_file_get_the_same_records(book: Logbook, tmp_path: Path) -> None:
    path = book.open_file(tmp_path / "log")
    assert path == tmp_path / "log" / FILE_NAME
    if os.name == "posix":
        assert path.stat().st_mode & 0o777 == 0o600
    seen_from = len(book.ring.entries())
    log = logging.getLogger("terminal_app.services.trading")
    log.info("Filled buy %s BTCUSDT @ %s", "0.01", "65,000.50")
    log.warning("Cancel of order %s failed", "123")
    logging.getLogger("httpx").debug("HTTP Request: POST /api/v2/spot/trade/place-order")
    book.flush()
    lines = path.read_text(encoding="utf-8").splitlines()
    ring = [e for e in book.ring.entries()[seen_from:] if e.logger in ("terminal_app.services.trading", "httpx")]
    assert [e.text for e in ring] == ["Filled buy 0.01 BTCUSDT @ 65,000.50", "Cancel of order 123 failed",
                                      "HTTP Request: POST /api/v2/spot/trade/place-order"]
    for entry in ring:
        (line,) = [x for x in lines if x.endswith(f"{entry.logger}: {entry.text}")]
        assert logging.getLevelName(entry.level) in line


def test_the_file_is_written_off_the_logging_thread(book: Logbook, tmp_path: Path) -> None:
    writers: list[str] = []

    class Spy(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            writers.append(threading.current_thread().name)

    book.open_file(tmp_path)
    book._listener.handlers = (*book._listener.handlers, Spy())
    logging.getLogger("terminal_app.test").info("from the GUI thread")
    book.flush()
    assert writers
    assert threading.current_thread().name not in writers


def test_the_file_rotates(book: Logbook, tmp_path: Path) -> None:
    path = book.open_file(tmp_path, max_bytes=2000, backups=2)
    log = logging.getLogger("terminal_app.test")
    for i in range(200):
        log.info("line %03d %s", i, "x" * 40)
    book.flush()
    assert sorted(p.name for p in tmp_path.iterdir()) == [FILE_NAME, f"{FILE_NAME}.1", f"{FILE_NAME}.2"]
    if os.name == "posix":
        assert {p.stat().st_mode & 0o777 for p in tmp_path.iterdir()} == {0o600}  # the files made by rollovers too
    assert path.stat().st_size <= 2000
    assert path.read_text(encoding="utf-8").rstrip().endswith("line 199 " + "x" * 40)


def test_close_puts_the_levels_back_and_writes_what_is_queued(tmp_path: Path) -> None:
    root = logging.getLogger()
    before = root.level, logging.getLogger("httpx").level
    book = logbook.install(logging.INFO, stream=None)
    path = book.open_file(tmp_path)
    assert logging.getLogger("httpx").level == logging.WARNING  # one INFO line per request is noise
    logging.getLogger("terminal_app.test").info("last words")
    book.close()
    assert (root.level, logging.getLogger("httpx").level) == before
    assert path.read_text(encoding="utf-8").rstrip().endswith("terminal_app.test: last words")


def test_a_ring_reader_is_woken_once_until_it_reads() -> None:
    ring = LogRing(capacity=3)
    wakes: list[int] = []
    reader = ring.subscribe(lambda: wakes.append(1))
    logger = logging.getLogger("terminal_app.test.ring")
    logger.addHandler(ring)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        for i in range(5):
            logger.info("m%d", i)
        assert len(wakes) == 1
        assert [e.text for e in reader.read()] == ["m2", "m3", "m4"]  # what the ring still holds
        assert reader.read() == []
        logger.info("m5")
        assert len(wakes) == 2
        assert [e.text for e in reader.read()] == ["m5"]
        reader.close()
        logger.info("m6")
        assert len(wakes) == 2
    finally:
        logger.removeHandler(ring)
        logger.propagate = True
        logger.setLevel(logging.NOTSET)


def test_a_reader_whose_qt_object_is_gone_is_dropped_quietly(capsys: pytest.CaptureFixture[str]) -> None:
    """At interpreter exit a late record (aiohttp's "Unclosed client session") reached the ring after the log
    panel's feed was deleted with the application: logging printed "--- Logging error ---". The dead reader is now
    dropped without a word, and the other readers still hear."""
    from PySide6.QtCore import QObject, Signal
    from shiboken6 import Shiboken

    class Feed(QObject):
        woken = Signal()

    feed = Feed()
    ring = LogRing(capacity=3)
    dead = ring.subscribe(feed.woken.emit)
    wakes: list[int] = []
    ring.subscribe(lambda: wakes.append(1))
    Shiboken.delete(feed)                      # what QApplication's teardown does to the panel's feed
    logger = logging.getLogger("terminal_app.test.ring_gone")
    logger.addHandler(ring)
    logger.propagate = False
    try:
        logger.error("Unclosed client session")
        assert "Logging error" not in capsys.readouterr().err
        assert wakes == [1]
        assert dead not in ring._readers
        logger.error("again")                  # nothing left to fail
        assert [e.text for e in ring.entries()] == ["Unclosed client session", "again"]
    finally:
        logger.removeHandler(ring)
        logger.propagate = True
