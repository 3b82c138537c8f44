"""Test-wide set-up: offscreen Qt, every user dir under a temp dir, and the Bitget samples in tests/data."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # imported when used: the environment below must be set before terminal_app loads
    from PySide6.QtWidgets import QApplication

    from terminal_app.app import Terminal
    from terminal_app.core.instruments import SymbolRef
    from terminal_app.sim.runner import SimulatorRunner

# Before any QApplication exists: no screen in CI (see environment.md pitfall 1).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Keep platformdirs (settings, layout, demo state) out of the real profile for every test.
_SESSION_HOME = Path(tempfile.mkdtemp(prefix="bt-test-home-"))
for _var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
    os.environ[_var] = str(_SESSION_HOME / _var.lower())
if "KR_DATA" not in os.environ:  # the real-keyring wrapper in setup.sh sets its own XDG_DATA_HOME
    os.environ["XDG_DATA_HOME"] = str(_SESSION_HOME / "xdg_data_home")

REPO = Path(__file__).resolve().parents[1]


# Bitget's sample payloads, verbatim, with their sources in the folder's README.md. They live in the repository so
# a fresh clone runs every sample test; nothing outside the clone is read.
SAMPLES = REPO / "tests" / "data" / "bitget-samples"


@pytest.fixture(scope="session")
def samples() -> Path:
    """The samples folder. Missing is a failure, never a skip: a test that cannot see the samples tests nothing."""
    if not (SAMPLES / "README.md").is_file():
        pytest.fail(f"the Bitget samples folder is missing: {SAMPLES} (it is part of the repository; restore it "
                    "with `git checkout -- tests/data/bitget-samples`)")
    return SAMPLES


SimStarter = Callable[..., Iterator["SimulatorRunner"]]


def _running_sim(**config: Any) -> Iterator[SimulatorRunner]:
    from terminal_app.sim.runner import SimulatorRunner
    from terminal_app.sim.server.http import SimConfig

    sim = SimulatorRunner(config=SimConfig(**config))
    sim.start()
    try:
        yield sim
    finally:
        sim.stop()


@pytest.fixture(scope="session")
def running_sim() -> SimStarter:
    """A module's simulator on a thread of this process, over loopback sockets: a module-scoped fixture does
    ``yield from running_sim(seed=…, rate_limits=False)`` (keywords of ``SimConfig``) and gets it started, and
    stopped after its last test."""
    return _running_sim


class Terminals:
    """The whole terminal for tests that drive it (real window, real widgets, the Demo exchange over loopback
    sockets): ``async with terminals.running() as term``, the engine read with ``terminals.exchange(term, fn)``,
    and ``await terminals.ready(term, ref, wait_until)`` once a symbol is in the ticket."""

    # The unified Demo account's profile, written to the test's profile book (account_mode="unified")
    UNIFIED_PROFILE = "Demo UTA"
    VENUES = {"classic": ("V2Venue", "V2PositionDesk"), "unified": ("V3Venue", "V3PositionDesk")}

    def __init__(self, qapp: QApplication, root: Path) -> None:
        self.qapp = qapp
        self.root = root
        self._count = 0

    @contextlib.asynccontextmanager
    async def running(self, account_mode: str = "classic", **kw: Any) -> AsyncIterator[Terminal]:
        """The terminal on the Demo profile (``unified``: a unified Demo account, issue 14), its exchange on a thread
        of this process unless ``demo_sim`` says otherwise, the panic's two presses a minute apart, every file under
        the test's temp dir. ``kw`` go to ``Terminal`` (``store=``: the keyring it uses)."""
        from PySide6.QtCore import QEvent
        from PySide6.QtWidgets import QApplication

        from terminal_app.app import Terminal
        from terminal_app.config.paths import AppPaths
        from terminal_app.config.profiles import Profile, ProfileBook, profiles_path
        from terminal_app.core.health import ProfileKind

        self._count += 1
        paths = AppPaths.under(self.root / f"terminal-{self._count}").ensure()
        if account_mode == "unified":
            ProfileBook([Profile(self.UNIFIED_PROFILE, ProfileKind.DEMO, unified=True)],
                        profiles_path(paths.config_dir)).save()
        elif account_mode != "classic":
            raise ValueError(f"account_mode is 'classic' or 'unified', not {account_mode!r}")
        store = kw.pop("store", None)
        kw.setdefault("demo_sim", "thread")
        kw.setdefault("panic_window_s", 60)
        quit_on_close = self.qapp.quitOnLastWindowClosed()
        term = Terminal(self.qapp, smoke_test=True, paths=paths, **kw)
        if store is not None:
            term.store = store
        try:
            await term.start()
            assert term.services is not None
            session = term.services.session
            assert (type(session.venue).__name__, type(session.desk).__name__) == self.VENUES[account_mode]
            yield term
        finally:
            window = term.window
            await term.shutdown()
            self.qapp.setQuitOnLastWindowClosed(quit_on_close)
            if window is not None:  # a closed window lives on, and every later style change would restyle it
                window.deleteLater()
                QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)

    @staticmethod
    def exchange(term: Terminal, fn: Callable[[Any], Any]) -> Any:
        """``fn(exchange)`` on the simulator's thread (``demo_sim="thread"``): the engine's own state."""
        runner = term.runner
        return runner.call(lambda: fn(runner.server.exchange))

    @staticmethod
    async def ready(term: Terminal, ref: SymbolRef, wait_until: Callable[..., Any]) -> tuple[Any, Any, Decimal]:
        """``ref`` active, its last price known and the ticket on it: (services, ticket, last price)."""
        services = term.services
        assert services is not None
        assert term.window is not None
        md = services.market_data
        md.set_active(ref)
        last = await wait_until(md.ticker_changed, lambda: md.last_price(ref))
        ticket: Any = term.window.panel("ticket")
        await wait_until(md.ticker_changed, lambda: ticket.market is not None and ticket.ref == ref)
        return services, ticket, last


@pytest.fixture
def terminals(qapp: QApplication, tmp_path: Path) -> Terminals:
    return Terminals(qapp, tmp_path)
