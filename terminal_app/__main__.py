"""Command line: ``terminal-app`` (GUI), ``terminal-app sim``, ``terminal-app bench …``, ``--smoke-test``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from terminal_app.sim.process import SimulatorProcess


class _Version(argparse.Action):
    """``--version``: reads the version only when asked (see ``terminal_app.__getattr__``)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help="show the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *_args: object, **_kwargs: object) -> None:
        import terminal_app

        print(f"terminal-app {terminal_app.__version__}")  # on stdout, as argparse's own version action prints it
        parser.exit()


def _build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="terminal-app", description="Bitget Terminal")
    p.add_argument("--version", action=_Version)
    p.add_argument("--profile", default=None, help="profile to open (default: Demo)")
    p.add_argument("--smoke-test", action="store_true",
                   help="run the full GUI offscreen against the demo exchange, place and cancel an order, exit")
    p.add_argument("--start-probe", action="store_true", help=argparse.SUPPRESS)  # the child of bench start
    sub = p.add_subparsers(dest="command")

    sim = sub.add_parser("sim", help="run the Bitget-compatible exchange simulator standalone")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=int, default=0, help="0 picks a free port")
    sim.add_argument("--seed", type=int, default=1)
    sim.add_argument("--state", default=None, help="SQLite file for accounts (default: in memory)")
    sim.add_argument("--account-mode", default="classic", choices=["classic", "unified"],
                     help="the demo key's account: classic (V2 API) or unified trading account (V3 API)")
    sim.add_argument("--fast", action="store_true", help="benchmark rates: push book updates as fast as possible")
    sim.add_argument("--watch-stdin", action="store_true",
                     help="stop when standard input reaches end-of-file (a parent process holds the other end)")
    sim.add_argument("--config-on-stdin", action="store_true", help=argparse.SUPPRESS)  # sim.process, launched early
    sim.add_argument("--nice", type=int, default=0, help="once ready, lower this process's CPU priority by N")
    sim.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])

    bench = sub.add_parser("bench", help="benchmarks (each prints one JSON line)")
    bsub = bench.add_subparsers(dest="bench", required=True)
    book = bsub.add_parser("book", help="order-book stream apply + checksum rate")
    book.add_argument("--url", default=None, help="WebSocket URL (default: a local stream server)")
    book.add_argument("--symbol", default="BTCUSDT")
    book.add_argument("--inst-type", default="SPOT")
    book.add_argument("--count", type=int, default=200_000)
    book.add_argument("--final-out", default=None)
    book.add_argument("--form", choices=["checksum", "seq"], default="checksum",
                      help="legacy CRC32 checksum on every push, or Bitget's 2026 seq/pseq without checksum")
    book.add_argument("--compare", action="store_true", help="also run ccxt.pro's watch_order_book on the same stream")
    book.add_argument("--rounds", type=int, default=1, help="with --compare: alternate the two clients N times")
    order = bsub.add_parser("order", help="sequential signed order placement rate")
    order.add_argument("--url", default=None, help="REST base URL (default: a local simulator)")
    order.add_argument("--count", type=int, default=2000)
    order.add_argument("--api-key", default=None)
    order.add_argument("--secret", default=None)
    order.add_argument("--passphrase", default=None)
    order.add_argument("--transport", choices=["auto", "httpx", "aiohttp"], default="auto")
    order.add_argument("--compare", action="store_true", help="measure every transport in this run")
    chart = bsub.add_parser("chart", help="chart load and pan/zoom frame times with N candles (offscreen)")
    chart.add_argument("--candles", type=int, default=1_000_000)
    chart.add_argument("--frames", type=int, default=30)
    chart.add_argument("--source", choices=["rows", "arrays"], default="rows",
                       help="wire rows of strings (the REST path) or columns (a local candle cache)")
    simb = bsub.add_parser("sim", help="simulator throughput: book stream fan-out, signed REST orders, candle-history "
                                        "pages")
    simb.add_argument("--connections", type=int, default=16)
    simb.add_argument("--seconds", type=float, default=3.0)
    simb.add_argument("--orders", type=int, default=1500)
    faults = bsub.add_parser("faults", help="reliability under injected faults: lost/duplicated/phantom orders, "
                                            "stale state after recovery, book recovery (real services, simulator)")
    faults.add_argument("--only", action="append", default=None, metavar="SCENARIO",
                        help="run this scenario only (repeatable; default: all)")
    faults.add_argument("--seed", type=int, default=41)
    faults.add_argument("--verbose", action="store_true", help="log everything to standard error")
    start = bsub.add_parser("start", help="process start to the first painted frame and to live data, beside a bare "
                                          "PySide6 window")
    start.add_argument("--runs", type=int, default=3)
    gui = bsub.add_parser("gui", help="GUI event-loop lag under market-data load")
    gui.add_argument("--symbols", type=int, default=10)
    gui.add_argument("--seconds", type=float, default=30.0)
    gui.add_argument("--sim", choices=["thread", "process"], default=None,
                     help="the simulator in a child process (default, as Demo runs it) or on a thread of the GUI's")
    gui.add_argument("--taker-rate", type=float, default=None, help="exchange-side taker orders per second")
    gui.add_argument("--serve-sim", action="store_true", help=argparse.SUPPRESS)
    keys = bsub.add_parser("keys", help="trading hotkey to the order's arrival at the exchange, under the gui load")
    keys.add_argument("--presses", type=int, default=200)
    keys.add_argument("--journal-delay-ms", type=float, default=0.0,
                      help="make every journal commit this much slower (a slow disk)")
    keys.add_argument("--symbols", type=int, default=10)
    keys.add_argument("--sim", choices=["thread", "process"], default=None,
                      help="the simulator in a child process (default, as Demo runs it) or on a thread of the GUI's")
    keys.add_argument("--taker-rate", type=float, default=None, help="exchange-side taker orders per second")
    keys.add_argument("--cancel-every", type=int, default=10, help="cancel the resting orders every N presses")
    keys.add_argument("--seed", type=int, default=1)
    return p


def launch_early_exchange(profile: str | None, *, smoke_test: bool = False) -> SimulatorProcess | None:
    """The Demo exchange's child, launched unconfigured (``SimulatorProcess.launch_unconfigured``), unless the two
    configuration files say a Bitget profile opens (``config.peek``: json alone, no Qt, no configuration modules);
    None then, or when it cannot be started (``startup.prepare`` launches one the usual way)."""
    import os

    from terminal_app.config.paths import HOME_ENV, AppPaths
    from terminal_app.config.peek import Opening, opening

    fresh_home = smoke_test and not os.environ.get(HOME_ENV)  # the smoke test's own home: Demo
    if not fresh_home and opening(AppPaths.default().config_dir, profile, smoke_test=smoke_test) is Opening.OTHER:
        return None
    from terminal_app.sim.process import SimulatorProcess

    try:
        return SimulatorProcess.launch_unconfigured()
    except OSError:
        return None


def main(argv: Sequence[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    if args.command == "sim":
        from terminal_app.sim.cli import run_standalone

        return run_standalone(args)
    if args.command == "bench":
        if args.bench == "book":
            from terminal_app.bench.book import main as bench_main
        elif args.bench == "order":
            from terminal_app.bench.order import main as bench_main
        elif args.bench == "sim":
            from terminal_app.bench.sim import main as bench_main
        elif args.bench == "chart":
            from terminal_app.bench.chart import main as bench_main
        elif args.bench == "faults":
            from terminal_app.bench.faults import main as bench_main
        elif args.bench == "keys":
            from terminal_app.bench.keys import main as bench_main
        elif args.bench == "start":
            from terminal_app.bench.start import main as bench_main
        else:
            from terminal_app.bench.gui import main as bench_main
        return bench_main(args)
    # The demo exchange's child starts now, and a first window shows, before pyqtgraph, numpy, aiohttp and the
    # services are imported (see terminal_app.startup). The child is the start-up's longest path: it is launched
    # before even the configuration is read (which profile opens decides its state file; it imports meanwhile, then
    # gets its settings), and before the screen check, which loads Qt and its platform plugin.
    import os

    early = launch_early_exchange(args.profile, smoke_test=args.smoke_test)
    from terminal_app.startup import import_in_steps, open_shell, prepare

    if args.smoke_test or args.start_probe:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    prepared = prepare(args.profile, smoke_test=args.smoke_test, early=early)
    from terminal_app import frozen

    try:
        frozen.ensure_gui_can_start()  # no screen: say so and exit (the child with it)
    except BaseException:
        prepared.stop_exchange()
        raise
    prepared = open_shell(prepared)
    import_in_steps(prepared)  # the start-up window keeps painting (and its first look at the market moving)
    from terminal_app.app import run_app

    return run_app(profile=args.profile, smoke_test=args.smoke_test, start_probe=args.start_probe, prepared=prepared)


if __name__ == "__main__":
    sys.exit(main())
