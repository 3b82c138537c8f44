"""The leak test of the WebSocket login at DEBUG: a real private login against the simulator with every logger at
DEBUG and one handler on the root capturing every record; the API key, secret and passphrase appear in none of them
(formatted message, raw message, arguments)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import pytest_asyncio
from websockets.frames import Frame

from terminal_app.bitget.ws import BitgetStreamer, StreamerConfig
from terminal_app.bitget.ws_connection import FRAME_LOGGER
from terminal_app.core.credentials import Credentials
from terminal_app.sim.server.http import SimConfig, SimServer

ORDERS = {"instType": "SPOT", "channel": "orders", "instId": "default"}


@pytest_asyncio.fixture
async def sim() -> AsyncIterator[SimServer]:
    server = SimServer(SimConfig(seed=3))
    await server.start()
    yield server
    await server.stop()


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def everything_at_debug() -> Iterator[Capture]:
    """Root and every logger that exists (websockets', the streamer's frame logger, …) at DEBUG, whatever level the
    application gave them; restored afterwards."""
    manager = logging.root.manager
    loggers = [logging.root, *(lg for lg in manager.loggerDict.values() if isinstance(lg, logging.Logger))]
    for name in ("websockets", "websockets.client", "websockets.protocol", FRAME_LOGGER):
        loggers.append(logging.getLogger(name))
    saved = [(lg, lg.level, lg.disabled) for lg in loggers]
    capture = Capture()
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
        lg.disabled = False
    logging.root.addHandler(capture)
    try:
        yield capture
    finally:
        logging.root.removeHandler(capture)
        for lg, level, disabled in saved:
            lg.setLevel(level)
            lg.disabled = disabled


def texts(record: logging.LogRecord) -> list[str]:
    try:
        message = record.getMessage()
    except Exception:  # a record that cannot be formatted is still searched raw
        message = ""
    return [message, str(record.msg), repr(record.args), record.exc_text or ""]


@pytest.mark.asyncio
async def test_a_private_login_at_debug_leaves_no_credential_in_any_log_record(
        sim: SimServer, everything_at_debug: Capture, monkeypatch: pytest.MonkeyPatch) -> None:
    # websockets elides a frame's middle past 75 characters (WEBSOCKETS_MAX_LOG_SIZE); whole frames are the worst case
    monkeypatch.setattr(Frame, "MAX_LOG_SIZE", 100_000)
    info = sim.info
    assert info is not None
    creds = Credentials(info.api_key, info.secret, info.passphrase)
    config = StreamerConfig(public_url=info.ws_public, private_url=info.ws_private)
    got: list[dict[str, Any]] = []
    async with BitgetStreamer(config, credentials=creds) as streamer:
        await streamer.subscribe(ORDERS, got.append)  # acknowledged: the login went through
        await asyncio.sleep(0)
    records = everything_at_debug.records
    frames = [r for r in records if r.name == FRAME_LOGGER]
    # DEBUG really was on where the frames are logged: the handshake and frames are there, the login one redacted.
    assert any("TEXT" in r.getMessage() for r in frames), [r.getMessage() for r in frames][:10]
    assert any("login frame (credentials redacted)" in r.getMessage() for r in frames)
    for record in records:
        for text in texts(record):
            for label, secret in (("API key", creds.api_key), ("secret", creds.secret),
                                  ("passphrase", creds.passphrase)):
                assert secret not in text, f"{label} in a record of {record.name}: {text[:300]}"
            assert '"op":"login"' not in text.replace(" ", ""), record.name
