"""Entry script of the frozen terminal (PyInstaller's "script"): the same CLI as ``terminal-app``, plus the checks
that turn Qt's silent or misleading aborts into a clear message.

It also understands ``<app> -m module [args]``: the benchmarks start helper processes with ``sys.executable -m …``,
and in a bundle ``sys.executable`` is this program, not a Python interpreter.
"""

from __future__ import annotations

import multiprocessing
import runpy
import sys

# Subcommands and options that never open a window, so they must not be refused for want of a display.
_HEADLESS = {"sim", "bench", "--version", "-h", "--help"}


def _run() -> int:
    # Windows/macOS start multiprocessing children through this executable; they must not start the GUI.
    multiprocessing.freeze_support()
    argv = sys.argv[1:]
    if len(argv) >= 2 and argv[0] == "-m":
        # Before anything of the project is imported, so the module runs as __main__ without a second copy.
        sys.argv = [argv[1], *argv[2:]]
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
        return 0
    from terminal_app import frozen

    frozen.install_crash_report()
    if not _HEADLESS.intersection(argv):
        frozen.ensure_gui_can_start()
        frozen.report_keyring_problem()
    from terminal_app.__main__ import main

    return main(argv)


if __name__ == "__main__":
    sys.exit(_run())
