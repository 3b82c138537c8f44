"""Per-user dirs come from platformdirs (or one root), and files are replaced atomically with owner-only mode."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from terminal_app.config import paths as paths_mod
from terminal_app.config.paths import HOME_ENV, AppPaths, atomic_write


def test_under_root_puts_every_dir_below_it(tmp_path: Path) -> None:
    p = AppPaths.under(tmp_path).ensure()
    for d in (p.config_dir, p.data_dir, p.cache_dir, p.log_dir):
        assert d.is_dir()
        assert d.parent == tmp_path
        assert stat.S_IMODE(d.stat().st_mode) == 0o700
    assert p.settings_file.parent == p.config_dir
    assert p.layout_file.parent == p.config_dir


def test_default_follows_xdg_and_not_the_code_tree(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(HOME_ENV, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    p = AppPaths.default()
    assert p.config_dir == tmp_path / "cfg" / "bitget-terminal"
    assert p.cache_dir == tmp_path / "cache" / "bitget-terminal"
    code_tree = Path(paths_mod.__file__).resolve().parents[2]
    assert not any(code_tree in d.resolve().parents for d in (p.config_dir, p.data_dir, p.cache_dir, p.log_dir))


def test_home_variable_makes_a_portable_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(HOME_ENV, str(tmp_path / "portable"))
    assert AppPaths.default() == AppPaths.under(tmp_path / "portable")


def test_atomic_write_replaces_content_with_owner_only_mode(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "f.json"
    atomic_write(target, b"one")
    atomic_write(target, b"two")
    assert target.read_bytes() == b"two"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [f.name for f in target.parent.iterdir()] == ["f.json"]


def test_failed_write_keeps_the_old_file_and_leaves_no_temp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    target = tmp_path / "f.json"
    atomic_write(target, b"old")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, b"new")
    assert target.read_bytes() == b"old"
    assert [f.name for f in tmp_path.iterdir()] == ["f.json"]
