"""Entry script of the frozen terminal (PyInstaller's "script"): the same CLI as ``terminal-app``, with a crash
report for a windowed build that has no console, and a warning when the build lost its keyring backend.

It also understands ``<app> -m module [args]`` (the benchmarks start helper processes with ``sys.executable -m …``,
and in a bundle ``sys.executable`` is this program, not a Python interpreter) and ``<app> -c "code"`` (build checks).
"""

from __future__ import annotations

import multiprocessing
import runpy
import sys

# Subcommands and options that never open a window (and never need the keyring backend check).
_HEADLESS = {"sim", "bench", "--version", "-h", "--help"}


def _run() -> int:
    # Windows/macOS start multiprocessing children through this executable; they must not start the GUI.
    multiprocessing.freeze_support()
    argv = sys.argv[1:]
    if len(argv) >= 2 and argv[0] == "-c":
        # Checks of a build (build_linux.sh) and support: run a line of Python inside the bundle.
        sys.argv = ["-c", *argv[2:]]
        exec(compile(argv[1], "<string>", "exec"), {"__name__": "__main__"})
        return 0
    if len(argv) >= 2 and argv[0] == "-m":
        # Before anything of the project is imported, so the module runs as __main__ without a second copy.
        sys.argv = [argv[1], *argv[2:]]
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
        return 0
    from terminal_app import frozen

    frozen.install_crash_report()
    if not _HEADLESS.intersection(argv):
        # The display check itself runs in app.run_app, after --smoke-test has chosen the offscreen platform.
        frozen.report_keyring_problem()
    from terminal_app.__main__ import main

    return main(argv)


if __name__ == "__main__":
    sys.exit(_run())
