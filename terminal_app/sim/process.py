"""Run the simulator in a child process: ``terminal-app sim --watch-stdin`` (``python -m terminal_app sim …``).

This is how the Demo profile runs its exchange. On a thread of the GUI's process, the simulator's ~0.8 core of Python
shares the GIL with the GUI thread: ``bench gui --symbols 10`` measured event-loop lag p99 14-22 ms and the tape at
11-22 Hz that way, against p99 ~3 ms and ladder/tape > 40 Hz with the same simulator in a child process (and ~80 MB
less resident memory in the GUI's process). A child also keeps a simulator crash out of the terminal.

The child's lifetime is tied to the parent through its stdin: it stops when stdin reaches end-of-file, which happens
when :meth:`SimulatorProcess.stop` closes the pipe *and* when the parent dies in any way (even SIGKILL), on every OS.
Stopping that way lets the child save its SQLite state; a child that does not stop in time is killed.

``sys.executable -m terminal_app`` also works in the PyInstaller bundle (``packaging/launcher.py`` understands ``-m``).
The child's log lines (WARNING and above) are forwarded to this process's ``terminal_app.sim.child`` logger; the last
ones explain a start that failed (a state file locked by another terminal, no free port, …).

Same surface as :class:`terminal_app.sim.runner.SimulatorRunner` for what the app needs: ``start() -> SimInfo``,
``info``, ``config``, ``stop()``. The engine itself is out of reach (use the REST API, or the in-process runner in
tests that must look inside the engine).
"""

from __future__ import annotations

import collections
import json
import logging
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from terminal_app.sim.server.info import SimInfo

if TYPE_CHECKING:
    from terminal_app.sim.server.http import SimConfig

log = logging.getLogger("terminal_app.sim.child")

_INFO_FIELDS = frozenset(SimInfo.__dataclass_fields__)
# Once ready, the child runs this much nicer than the terminal: on a busy 2-core machine the GUI thread then wins a
# core over the simulator's Python (its start-up, on the terminal's, keeps the terminal's priority).
CHILD_NICE = 5


class SimulatorProcessError(OSError):
    """The child did not start (the message carries its last log lines) or ended unexpectedly."""


@dataclass(frozen=True)
class ChildConfig:
    """What a child simulator can be told on its command line (a ``SimConfig`` is accepted too). It does not import
    the simulator: the terminal's process starts the child without loading the simulator's modules (~1 s of
    imports — numpy, aiohttp's server, the engine — that would otherwise sit on the GUI's start-up path)."""

    seed: int = 1
    state_path: str | Path | None = None
    host: str = "127.0.0.1"
    port: int = 0
    fast: bool = False
    quiet: bool = False
    require_paptrading: bool = False
    tick_ms: float | None = None
    rate_limits: bool | None = None
    account_mode: str = "classic"      # the demo key's account: classic (V2) or unified (V3)


def child_environment() -> dict[str, str]:
    """This process's environment, without the system's certificate authorities: importing aiohttp (the simulator's
    server) builds two client TLS contexts that read all of them (~140 certificates, 30-50 ms of the child's start,
    the start-up's longest path, more under load). The child serves plain HTTP on 127.0.0.1 and opens no connection
    of its own, so its contexts have nothing to verify; OpenSSL's documented variables point them at an empty file."""
    return {**os.environ, "SSL_CERT_FILE": os.devnull, "SSL_CERT_DIR": os.devnull}


def _close_stdin(proc: subprocess.Popen[bytes]) -> None:
    """The child's end-of-input: it saves its state and exits (``--watch-stdin``)."""
    if proc.stdin is not None:
        try:
            proc.stdin.close()
        except OSError:
            pass


def _reap(proc: subprocess.Popen[bytes]) -> None:
    """Wait for a discarded child (no zombie left behind) and close its output."""
    try:
        proc.wait(60.0)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()


class SimulatorProcess:
    def __init__(self, seed: int = 1, state_path: str | Path | None = None, *,
                 config: SimConfig | ChildConfig | None = None, log_level: str = "WARNING",
                 nice: int = CHILD_NICE) -> None:
        self.config = config or ChildConfig(seed=seed, state_path=state_path)
        self.log_level = log_level
        self.nice = nice  # the child lowers its CPU priority by this much once it is ready (sim.cli.lower_priority)
        self.info: SimInfo | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr_tail: collections.deque[str] = collections.deque(maxlen=20)
        self._drain: threading.Thread | None = None
        self._ready = threading.Lock()  # one reader of the ready line; a second caller waits and shares its answer
        self._unconfigured = False  # launched by launch_unconfigured: its settings are still to be sent (configure)
        self.launched_at: float | None = None  # time.monotonic() of the launch

    def command(self, *, configure_later: bool = False) -> list[str]:
        """``configure_later``: the settings come on the child's stdin (:meth:`launch_unconfigured`)."""
        if configure_later:
            return [sys.executable, "-m", "terminal_app", "sim", "--watch-stdin", "--log-level", self.log_level,
                    "--nice", str(self.nice), "--config-on-stdin"]
        cfg = self.config
        if cfg.fast or cfg.quiet or cfg.require_paptrading or cfg.tick_ms is not None or cfg.rate_limits is not None:
            raise ValueError("a simulator process takes only seed, state file, host and port")
        cmd = [sys.executable, "-m", "terminal_app", "sim", "--watch-stdin", "--log-level", self.log_level,
               "--nice", str(self.nice), "--seed", str(cfg.seed), "--host", cfg.host, "--port", str(cfg.port)]
        if cfg.state_path is not None:
            cmd += ["--state", str(cfg.state_path)]
        if cfg.account_mode != "classic":
            cmd += ["--account-mode", cfg.account_mode]
        return cmd

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def launch(self) -> None:
        """Start the child without waiting for it (the terminal does this first thing, so the child's start-up runs
        while the GUI's process imports Qt); :meth:`start` then waits for its ready line."""
        self._launch(self.command())

    @classmethod
    def launch_unconfigured(cls, log_level: str = "WARNING", nice: int | None = None) -> SimulatorProcess:
        """A child started before anyone knows its settings (which profile opens, hence which state file): it
        imports the simulator (most of its start) meanwhile, then waits for :meth:`configure` on its stdin, or ends
        when :meth:`stop` closes it (a profile that is not a Demo one)."""
        process = cls(log_level=log_level, nice=CHILD_NICE if nice is None else nice)
        process._launch(process.command(configure_later=True))
        process._unconfigured = True
        return process

    def configure(self, config: ChildConfig) -> None:
        """Send the settings to a child from :meth:`launch_unconfigured` (the same few that :meth:`command` puts
        on a command line)."""
        if not self._unconfigured or self._proc is None or self._proc.stdin is None:
            raise RuntimeError("configure() is for a child launched unconfigured, once")
        self.config = config
        self.command()  # the same checks: only what a child takes
        line = json.dumps({"seed": config.seed, "host": config.host, "port": config.port,
                           "state": None if config.state_path is None else str(config.state_path),
                           "account_mode": config.account_mode})
        try:
            self._proc.stdin.write(line.encode() + b"\n")
            self._proc.stdin.flush()
        except OSError as exc:  # the child is gone: start() reports its last words
            log.debug("the simulator process could not be configured: %s", exc)
        self._unconfigured = False

    def _launch(self, command: list[str]) -> None:
        if self._proc is not None:
            raise RuntimeError("the simulator process is already running")
        flags = getattr(subprocess, "CREATE_NO_WINDOW", 0)  # a windowed app on Windows must not flash a console
        proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, creationflags=flags, env=child_environment())
        self.launched_at = time.monotonic()
        self._proc = proc
        assert proc.stderr is not None
        self._drain = threading.Thread(target=self._forward_stderr, args=(proc.stderr,), name="simulator-stderr",
                                       daemon=True)
        self._drain.start()

    def start(self, timeout_s: float = 60.0) -> SimInfo:
        """Start the child (unless :meth:`launch` did) and wait for its one JSON line (blocking: call it from a
        worker thread in a GUI). Safe from several threads at once: the start-up's first look at the market and the
        terminal both wait for the same child; once it is ready, every call returns its info."""
        with self._ready:
            if self.info is not None and self.running():
                return self.info
            return self._start(timeout_s)

    def _start(self, timeout_s: float) -> SimInfo:
        if self._unconfigured:
            raise RuntimeError("the simulator process was launched unconfigured: configure() it first")
        if self._proc is None:
            self.launch()
        proc = self._proc
        assert proc is not None
        assert proc.stdout is not None
        line = self._first_line(proc.stdout, timeout_s)
        try:
            fields = json.loads(line)
            error = fields.get("error")
            info = None if error else SimInfo(**{k: str(fields[k]) for k in _INFO_FIELDS})
        except (ValueError, KeyError, TypeError, AttributeError):
            self.stop()
            raise SimulatorProcessError("the simulator process answered something unexpected") from None
        if info is None:
            self.stop()
            raise SimulatorProcessError(str(error))
        self.info = info
        return info

    def _first_line(self, stdout: IO[bytes], timeout_s: float) -> str:
        # readline has no timeout; a helper thread reads while this one waits with one.
        box: list[bytes] = []
        reader = threading.Thread(target=lambda: box.append(stdout.readline()), name="simulator-ready", daemon=True)
        reader.start()
        reader.join(timeout_s)
        if not box or not box[0]:
            status = None
            if box and self._proc is not None:  # end of output: the child is ending, or has
                try:
                    status = self._proc.wait(5.0)
                except subprocess.TimeoutExpired:
                    pass
            self.stop()
            if self._drain is not None:
                self._drain.join(2.0)  # the child's last words, for the message
            why = " / ".join(list(self._stderr_tail)[-3:]) or "no output"
            when = f"ended with status {status}" if status is not None else f"was not ready within {timeout_s:g} s"
            raise SimulatorProcessError(f"the simulator process {when}: {why}")
        return box[0].decode("utf-8", "replace")

    def _forward_stderr(self, stream: IO[bytes]) -> None:
        for raw in iter(stream.readline, b""):
            text = raw.decode("utf-8", "replace").rstrip()
            if text:
                self._stderr_tail.append(text)
                log.warning("%s", text)
        stream.close()

    def discard(self) -> None:
        """Let a child from :meth:`launch_unconfigured` go without waiting for it: its stdin closes, it ends at the
        end of its imports (the start of a profile that needs no simulator does not wait for that)."""
        proc, self._proc = self._proc, None
        self._unconfigured = False
        if proc is None:
            return
        _close_stdin(proc)
        threading.Thread(target=_reap, args=(proc,), name="simulator-discarded", daemon=True).start()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Close the child's stdin (it saves its state and exits); kill it if it has not ended in ``timeout_s``.
        Idempotent."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        _close_stdin(proc)
        try:
            proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            log.warning("the simulator process did not stop in %.0f s; killed", timeout_s)
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()

    def __enter__(self) -> SimulatorProcess:
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()
