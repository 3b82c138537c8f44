"""Test-wide set-up: offscreen Qt, every user dir under a temp dir, and the Bitget samples in tests/data."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # imported when used: the environment below must be set before terminal_app loads
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
