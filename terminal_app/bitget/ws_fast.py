"""A faster receive path for websockets' client: whole data frames are decoded in one pass, not by a generator.

Profile of ``bench book`` on Bitget's busiest-book stream (issue 16): about half of the client's time per message went
to websockets' frame parser, a chain of generators (``Frame.parse`` over three ``read_exact`` calls, an ``Opcode``
enum lookup, a ``Frame`` and its checks) run once per frame. A ``books`` push is one small unmasked text frame, and a
read from the socket holds hundreds of them.

:class:`FastClientProtocol` keeps websockets' own protocol and parser for everything they are for — the handshake,
control frames (ping/pong/close), fragmented messages, masked or reserved-bit frames that must be refused, oversized
messages, debug logging — and takes only the common case: once the connection is open and websockets' parser waits
at a frame boundary, the bytes go to a buffer here; each complete, final, unmasked text or binary frame within the
size limit becomes a ``Frame`` handed to ``recv_frame``, exactly as websockets' parser would hand it; any other frame
is passed whole to websockets' parser, which therefore always sees whole frames and stays at a boundary. A partial
frame waits in the buffer for the rest. Events come out in the order the frames arrived.

:class:`FastClientConnection` is websockets' asyncio ``ClientConnection`` using it (``connect(...,
create_connection=FastClientConnection)``).
"""

from __future__ import annotations

import os
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import State

_DATA_OPCODES = {1: Opcode.TEXT, 2: Opcode.BINARY}
# BITGET_TERMINAL_WS_FAST=0 keeps websockets' own parser for every frame (to compare, or to rule the fast path out).
FAST_ENV = "BITGET_TERMINAL_WS_FAST"
# What the fast path reads of websockets' protocol (present in websockets 14-17, the versions pyproject allows); a
# protocol without them is left as it is.
_PROTOCOL_FIELDS = ("parser", "reader", "current_size", "max_message_size", "max_fragment_size", "recv_frame")


def _parser_at_boundary(protocol: ClientProtocol) -> bool:
    """True when websockets' parser waits for the next frame (not inside one): its innermost suspended generator is
    the stream reader's ``at_eof``, which only the top of its frame loop runs."""
    generator: Any = protocol.parser
    while getattr(generator, "gi_yieldfrom", None) is not None:
        generator = generator.gi_yieldfrom
    code = getattr(generator, "gi_code", None)
    return code is not None and code.co_name == "at_eof" and not protocol.reader.buffer


class FastClientProtocol(ClientProtocol):
    """websockets' ``ClientProtocol`` with the fast path for data frames described in the module docstring."""

    _fast: bytearray | None = None  # the buffer, once the fast path is on

    def receive_data(self, data: bytes | bytearray) -> None:
        buffer = self._fast
        if buffer is None:
            if self.state is not State.OPEN or self.extensions or self.debug or not _parser_at_boundary(self):
                super().receive_data(data)
                return
            buffer = self._fast = bytearray()
        buffer += data
        size = len(buffer)
        pos = 0
        recv_frame = self.recv_frame
        while size - pos >= 2:
            first = buffer[pos]
            length = buffer[pos + 1]
            if length & 0x80:  # masked: no server sends that; websockets' parser fails the connection
                self._leave(buffer, pos)
                return
            head = 2
            if length == 126:
                if size - pos < 4:
                    break
                length = int.from_bytes(buffer[pos + 2 : pos + 4], "big")
                head = 4
            elif length == 127:
                if size - pos < 10:
                    break
                length = int.from_bytes(buffer[pos + 2 : pos + 10], "big")
                head = 10
            end = pos + head + length
            if end > size:
                break
            opcode = _DATA_OPCODES.get(first & 0x0F) if first & 0xF0 == 0x80 else None  # final, no reserved bits
            if opcode is None or self.current_size is not None or length > self._room():
                super().receive_data(bytes(buffer[pos:end]))  # websockets' parser: a whole frame, at a boundary
                if self.state is not State.OPEN:  # closing: the rest is websockets' parser's too
                    self._leave(buffer, end)
                    return
            else:
                recv_frame(Frame(opcode, bytes(buffer[pos + head : end])))
            pos = end
        if pos:
            del buffer[:pos]

    def _leave(self, buffer: bytearray, pos: int) -> None:
        """Hand what is left from ``pos`` on to websockets' parser and use only that parser from now on."""
        rest = bytes(buffer[pos:])
        self._fast = None
        del buffer[:]
        if rest:
            super().receive_data(rest)

    def receive_eof(self) -> None:
        buffer = self._fast
        if buffer:  # a frame cut short: websockets' parser reports it
            self._fast = None
            super().receive_data(bytes(buffer))
        super().receive_eof()

    def _room(self) -> int:
        """The largest payload websockets' parser would accept now (its own limits, same arithmetic)."""
        room = self.max_message_size
        if room is not None and self.current_size is not None:
            room -= self.current_size
        if self.max_fragment_size is not None:
            room = self.max_fragment_size if room is None else min(room, self.max_fragment_size)
        return room if room is not None else 1 << 62


class FastClientConnection(ClientConnection):
    """websockets' asyncio client connection on a :class:`FastClientProtocol`."""

    def __init__(self, protocol: ClientProtocol, **kwargs: Any) -> None:
        if (type(protocol) is ClientProtocol and os.environ.get(FAST_ENV, "1") != "0"
                and all(hasattr(protocol, name) for name in _PROTOCOL_FIELDS)):
            protocol.__class__ = FastClientProtocol
        super().__init__(protocol, **kwargs)
