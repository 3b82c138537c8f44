"""``terminal-app sim``: the simulator standalone, a local Bitget for any client.

Prints exactly one JSON line on stdout when it is ready::

    {"rest": "http://127.0.0.1:PORT", "ws_public": "ws://127.0.0.1:PORT/v2/ws/public",
     "ws_private": "ws://127.0.0.1:PORT/v2/ws/private", "api_key": "…", "secret": "…", "passphrase": "…"}

(or ``{"error": "…"}`` when it cannot start, then exits with status 2), and serves until SIGINT or SIGTERM or, with
``--watch-stdin``, until its standard input reaches end-of-file: that is how the Demo profile's parent process
(``sim.process``) stops it, and why a child never outlives a parent that was killed. Logs go to stderr. ``--fast`` is
the benchmark mode (book updates pushed at every engine step, REST rate limits off).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
import threading
import time

from terminal_app.sim.server.http import SimConfig, SimServer


def _stop_at_stdin_eof(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    # A blocking read on a thread works for pipes on every OS (the loop's pipe readers do not on Windows).
    def watch() -> None:
        stream = sys.stdin.buffer if sys.stdin is not None else None
        try:
            while stream is not None and stream.read(4096):
                pass
        except (OSError, ValueError):
            pass
        with contextlib.suppress(RuntimeError):  # the loop has already closed
            loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=watch, name="stdin-watch", daemon=True).start()


def lower_priority(increment: int) -> None:
    """Raise this process's nice value by ``increment`` (POSIX; nothing elsewhere or at 0). The Demo exchange's child
    does it once it is ready (``--nice``, ``sim.process.CHILD_NICE``): its start-up is on the terminal's, but once it
    serves, a GUI thread and the child's ~0.8 core of Python compete for a core on a busy 2-core machine, and a key
    press waiting for the core is what made the slowest presses slow (``bench keys``' trace)."""
    if increment > 0 and hasattr(os, "nice"):
        try:
            os.nice(increment)
        except OSError as exc:  # not allowed here: the child still serves
            logging.getLogger("terminal_app.sim").warning("could not lower the simulator's priority: %s", exc)


async def _serve(config: SimConfig, watch_stdin: bool, nice: int = 0) -> None:
    try:
        server = SimServer(config)
        info = await server.start()
    except Exception as exc:
        # The one line a parent reads: why, in words a person can act on (a locked state file, a port in use, …).
        sys.stdout.write(json.dumps({"error": str(exc) or type(exc).__name__}) + "\n")
        sys.stdout.flush()
        raise
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):   # Windows has no add_signal_handler
            loop.add_signal_handler(sig, stop.set)
    warming = asyncio.create_task(warm_up(server), name="sim-warm-up")
    try:
        if watch_stdin:
            _stop_at_stdin_eof(loop, stop)
        sys.stdout.write(info.json_line() + "\n")
        sys.stdout.flush()
        lower_priority(nice)
        await stop.wait()
    finally:
        warming.cancel()
        await server.stop()


WARM_UP_QUIET_S = 0.05


async def warm_up(server: SimServer, quiet_s: float = WARM_UP_QUIET_S) -> None:
    """Build what the first requests of a terminal would otherwise build while others wait, a slice per turn of the
    loop once the server is up: the copy traders' year of history (~0.7 s in one piece, which the terminal's copy
    trading panel asks for a second after its start; an order sent meanwhile waited for all of it). While REST
    requests keep coming it runs at most one slice every ``quiet_s``: the terminal's start-up bursts of requests would
    otherwise wait a slice at every turn of the loop; a request that comes during a slice waits for that slice only."""
    last = [0.0]

    def seen(_request: object) -> None:
        last[0] = time.monotonic()

    server.request_hooks.append(seen)
    try:
        for _ in server.copy.book.warm_up():
            idle = time.monotonic() - last[0]
            await asyncio.sleep(0 if idle >= quiet_s else quiet_s - idle)  # then a slice, if no request came since
            if time.monotonic() - last[0] < quiet_s:
                await asyncio.sleep(quiet_s)
    finally:
        server.request_hooks.remove(seen)


def settings_from_stdin(args: argparse.Namespace) -> bool:
    """``--config-on-stdin``: the parent launched this child before it knew its settings (``sim.process``,
    ``launch_unconfigured``); they come as one JSON line, read once the simulator is imported. False when the parent
    closed the pipe instead (its profile needs no simulator)."""
    line = sys.stdin.buffer.readline() if sys.stdin is not None else b""
    if not line.strip():
        return False
    fields = json.loads(line)
    if not isinstance(fields, dict):
        raise ValueError("the settings line is not a JSON object")
    state, mode = fields.get("state"), fields.get("account_mode", "classic")
    seed, port, host = fields.get("seed", 1), fields.get("port", 0), fields.get("host", "127.0.0.1")
    if not (isinstance(seed, int) and isinstance(port, int) and isinstance(host, str) and isinstance(mode, str)
            and (state is None or isinstance(state, str))):
        raise ValueError(f"unexpected settings: {fields!r}")
    args.seed, args.port, args.host, args.state, args.account_mode = seed, port, host, state, mode
    return True


def run_standalone(args: argparse.Namespace) -> int:
    level = getattr(logging, str(getattr(args, "log_level", "INFO")))
    watch_stdin = bool(getattr(args, "watch_stdin", False))
    # A parent (sim.process) logs each line again with its own time stamp.
    fmt = "%(levelname)s %(name)s: %(message)s" if watch_stdin else "%(asctime)s %(levelname)s %(name)s: %(message)s"
    logging.basicConfig(level=level, stream=sys.stderr, format=fmt)
    if getattr(args, "config_on_stdin", False):
        try:
            if not settings_from_stdin(args):
                return 0  # not needed after all
        except ValueError as exc:
            sys.stdout.write(json.dumps({"error": f"bad settings from the parent: {exc}"}) + "\n")
            sys.stdout.flush()
            return 2
    config = SimConfig(seed=args.seed, state_path=args.state, fast=bool(getattr(args, "fast", False)),
                       host=args.host, port=args.port,
                       account_mode=str(getattr(args, "account_mode", "classic")))
    try:
        asyncio.run(_serve(config, watch_stdin, int(getattr(args, "nice", 0) or 0)))
    except KeyboardInterrupt:
        pass
    except Exception as exc:  # one line for the parent's message (a locked state file, a port in use, …)
        logging.getLogger("terminal_app.sim").error("the simulator stopped: %s: %s", type(exc).__name__, exc)
        return 2
    return 0
