"""``terminal-app sim``: the simulator standalone, a local Bitget for any client.

Prints exactly one JSON line on stdout when it is ready::

    {"rest": "http://127.0.0.1:PORT", "ws_public": "ws://127.0.0.1:PORT/v2/ws/public",
     "ws_private": "ws://127.0.0.1:PORT/v2/ws/private", "api_key": "…", "secret": "…", "passphrase": "…"}

and serves until SIGINT or SIGTERM. Logs go to stderr. ``--fast`` is the benchmark mode (book updates pushed at every
engine step, REST rate limits off).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys

from terminal_app.sim.server import SimConfig, SimServer


async def _serve(config: SimConfig) -> None:
    server = SimServer(config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):   # Windows has no add_signal_handler
            loop.add_signal_handler(sig, stop.set)
    info = await server.start()
    try:
        sys.stdout.write(info.json_line() + "\n")
        sys.stdout.flush()
        await stop.wait()
    finally:
        await server.stop()


def run_standalone(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = SimConfig(seed=args.seed, state_path=args.state, fast=bool(getattr(args, "fast", False)),
                       host=args.host, port=args.port)
    try:
        asyncio.run(_serve(config))
    except KeyboardInterrupt:
        pass
    return 0
