"""Test-wide set-up: offscreen Qt, every user dir under a temp dir, and the shared Bitget samples."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Before any QApplication exists: no screen in CI (see environment.md pitfall 1).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Keep platformdirs (settings, layout, demo state) out of the real profile for every test.
_SESSION_HOME = Path(tempfile.mkdtemp(prefix="bt-test-home-"))
for _var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
    os.environ[_var] = str(_SESSION_HOME / _var.lower())
if "KR_DATA" not in os.environ:  # the real-keyring wrapper in setup.sh sets its own XDG_DATA_HOME
    os.environ["XDG_DATA_HOME"] = str(_SESSION_HOME / "xdg_data_home")

REPO = Path(__file__).resolve().parents[1]


def samples_dir() -> Path:
    env = os.environ.get("BITGET_SAMPLES")
    return Path(env) if env else REPO.parent / "shared" / "bitget-samples"


@pytest.fixture(scope="session")
def samples() -> Path:
    path = samples_dir()
    if not path.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"Bitget samples not found at {path} (CI must have shared/ beside the clone)")
        pytest.skip(f"Bitget samples not found at {path}; set BITGET_SAMPLES")
    return path
