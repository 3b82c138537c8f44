"""The exchange's front door for ``bench keys``: a TCP relay, in a process of its own, in front of the simulator's REST
port, that notes when each place-order request's bytes arrived.

Two moments per request, both on CLOCK_MONOTONIC (one clock for every process of the machine):

``wire``
    when the kernel queued the request's last byte on the relay's socket (``SO_TIMESTAMPNS``: the kernel stamps each
    packet as it arrives; on loopback that is within microseconds of the sender's ``send``). This is "the order's
    bytes at the exchange", independent of when the relay's own process gets a core to read them.
``tap_read``
    when the relay's process read them (what this tap measured before it used kernel stamps): ``tap_read - wire`` is
    only the relay's wake-up, which on a 2-core machine with the GUI and the simulator busy can be milliseconds.

A request counts as arrived when its whole body has (``Content-Length``), not at its first byte. Without
``SO_TIMESTAMPNS`` (not Linux) both moments are the read.

Run as ``python -m terminal_app.bench.wire_tap HOST:PORT``: prints ``{"url": …}``, then answers ``arrivals`` on stdin
with ``{"arrivals": [[wire_ns, tap_read_ns], …]}``; an empty line or EOF ends it.
"""

from __future__ import annotations

import json
import os
import selectors
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Iterable
from typing import Any

from terminal_app.bench.gui import BenchError

PLACE_PATHS = frozenset({"/api/v2/spot/trade/place-order", "/api/v2/mix/order/place-order"})
# Linux's SO_TIMESTAMPNS (= SCM_TIMESTAMPNS, 64-bit layout); Python's socket module does not name it.
SO_TIMESTAMPNS = 35
_TIMESPEC = struct.Struct("qq")
_ANC_SPACE = socket.CMSG_SPACE(_TIMESPEC.size) if hasattr(socket, "CMSG_SPACE") else 0
_MARKERS = tuple(f"POST {path} ".encode() for path in PLACE_PATHS)


def realtime_offset_ns(samples: int = 50) -> int:
    """CLOCK_REALTIME minus CLOCK_MONOTONIC, from the tightest of ``samples`` bracketed readings (kernel stamps are
    on the real-time clock)."""
    best: tuple[int, int] | None = None
    for _ in range(samples):
        a = time.monotonic_ns()
        real = time.time_ns()
        b = time.monotonic_ns()
        if best is None or b - a < best[0]:
            best = (b - a, real - (a + b) // 2)
    assert best is not None
    return best[1]


class RequestFramer:
    """HTTP/1.1 requests on one connection, cut from its reads: :meth:`feed` returns, for each place-order request
    completed by this read, the read's two moments."""

    def __init__(self) -> None:
        self._buf = b""
        self._need: int | None = None  # body bytes still to come of the request being read
        self._place = False

    def feed(self, data: bytes, moments: tuple[int, int]) -> list[tuple[int, int]]:
        done: list[tuple[int, int]] = []
        self._buf += data
        while True:
            if self._need is None:
                end = self._buf.find(b"\r\n\r\n")
                if end < 0:
                    return done
                head, self._buf = self._buf[:end], self._buf[end + 4:]
                self._place = head.startswith(_MARKERS)
                self._need = _content_length(head)
            if len(self._buf) < self._need:
                return done
            self._buf = self._buf[self._need:]
            self._need = None
            if self._place:
                done.append(moments)


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return 0


def _kernel_ns(ancdata: Iterable[tuple[int, int, bytes]], offset_ns: int) -> int | None:
    for level, kind, data in ancdata:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(data) >= _TIMESPEC.size:
            sec, nsec = _TIMESPEC.unpack_from(data)
            return int(sec) * 1_000_000_000 + int(nsec) - offset_ns
    return None


def serve(upstream: str) -> None:
    """The relay (see the module docstring): one thread, a selector, blocking writes (small answers on loopback)."""
    host, port = upstream.rsplit(":", 1)
    offset = realtime_offset_ns()
    stamped = sys.platform.startswith("linux")
    arrivals: list[tuple[int, int]] = []
    sel = selectors.DefaultSelector()
    listener = socket.create_server(("127.0.0.1", 0))
    sel.register(listener, selectors.EVENT_READ, None)
    stdin = sys.stdin.fileno()
    sel.register(stdin, selectors.EVENT_READ, None)
    commands = b""
    # a client socket -> (its upstream, its framer); an upstream socket -> (its client, None)
    peers: dict[socket.socket, tuple[socket.socket, RequestFramer | None]] = {}

    def drop(sock: socket.socket) -> None:
        other, _ = peers.pop(sock, (None, None))
        for s in (sock, other):
            if s is not None:
                peers.pop(s, None)
                sel.unregister(s)
                s.close()

    print(json.dumps({"url": f"http://127.0.0.1:{listener.getsockname()[1]}"}), flush=True)
    while True:
        for key, _ in sel.select():
            obj = key.fileobj
            if obj == stdin:
                chunk = os.read(stdin, 4096)
                commands += chunk
                while b"\n" in commands or not chunk:
                    line, _, commands = commands.partition(b"\n")
                    if not line.strip():
                        return
                    if line.strip() == b"arrivals":
                        print(json.dumps({"arrivals": arrivals}), flush=True)
                continue
            if obj is listener:
                client, _ = listener.accept()
                if stamped:
                    client.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
                up = socket.create_connection((host, int(port)))
                for s in (client, up):
                    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    sel.register(s, selectors.EVENT_READ, None)
                peers[client] = (up, RequestFramer())
                peers[up] = (client, None)
                continue
            if obj not in peers:  # closed with its peer earlier in this round
                continue
            assert isinstance(obj, socket.socket)
            other, framer = peers[obj]
            try:
                if framer is not None and stamped:
                    data, anc, _flags, _addr = obj.recvmsg(65536, _ANC_SPACE)
                else:
                    data, anc = obj.recv(65536), []
                read_ns = time.monotonic_ns()
                if not data:
                    drop(obj)
                    continue
                if framer is not None:
                    wire_ns = _kernel_ns(anc, offset) or read_ns
                    arrivals.extend(framer.feed(data, (wire_ns, read_ns)))
                other.sendall(data)
            except OSError:
                drop(obj)


class WireTap:
    """The parent's side of :func:`serve` (a child process, driven through its pipes)."""

    def __init__(self, upstream_url: str) -> None:
        upstream = upstream_url.removeprefix("http://").rstrip("/")
        self.proc = subprocess.Popen([sys.executable, "-m", "terminal_app.bench.wire_tap", upstream],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        self.url = str(self._line()["url"])

    def _line(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise BenchError(f"the wire tap ended (status {self.proc.wait()})")
        return dict(json.loads(line))

    def arrivals(self) -> list[tuple[int, int]]:
        """``(wire_ns, tap_read_ns)`` of each place-order request so far, in arrival order."""
        assert self.proc.stdin is not None
        self.proc.stdin.write("arrivals\n")
        self.proc.stdin.flush()
        return [(int(w), int(r)) for w, r in self._line()["arrivals"]]

    def stop(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except Exception:
            self.proc.kill()
            self.proc.wait()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python -m terminal_app.bench.wire_tap HOST:PORT")
    serve(sys.argv[1])
