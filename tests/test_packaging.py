"""Packaging: the icon files, the frozen-app helpers, and (slow) the real bundle and .deb, installed and launched.

The slow part builds with packaging/build_linux.sh into tmp_path (one build for the module), checks what the bundle
holds and leaves out, installs the .deb with dpkg, runs the installed ``terminal-app --version`` and ``--smoke-test``
offscreen, compares the installed app's folders and keyring backend with the source run's, then removes the package.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from terminal_app import frozen

REPO = Path(__file__).resolve().parents[1]
PACKAGING = REPO / "packaging"
ICONS = REPO / "resources" / "icons"
VERSION = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
PACKAGE = "bitget-terminal"
INSTALLED_BIN = Path("/usr/bin/terminal-app")
INSTALLED_DIR = Path("/opt/bitget-terminal")


def _render_icons() -> ModuleType:
    spec = importlib.util.spec_from_file_location("render_icons", PACKAGING / "render_icons.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- icons ----------------------------------------------------------------------------------------------------------


def test_committed_pngs_have_their_sizes() -> None:
    ri = _render_icons()
    for size in ri.PNG_SIZES:
        assert ri.png_size((ICONS / ri.png_name(size)).read_bytes()) == (size, size)


def test_ico_holds_each_size_as_png() -> None:
    data = (ICONS / "icon.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data, 0)
    assert (reserved, kind) == (0, 1)
    ri = _render_icons()
    seen = []
    for i in range(count):
        w, h, colors, _, planes, bpp, length, offset = struct.unpack_from("<BBBBHHII", data, 6 + 16 * i)
        png = data[offset:offset + length]
        assert len(png) == length
        assert png.startswith(ri.PNG_MAGIC)
        size = w or 256
        assert (w, h, colors, planes, bpp) == (size % 256, size % 256, 0, 1, 32)
        assert ri.png_size(png) == (size, size)
        seen.append(size)
    assert seen == sorted(ri.ICO_SIZES)


def test_icns_elements_match_their_types() -> None:
    data = (ICONS / "icon.icns").read_bytes()
    assert data[:4] == b"icns"
    assert struct.unpack(">I", data[4:8])[0] == len(data)
    ri = _render_icons()
    expected = dict(ri.ICNS_TYPES)
    pos, kinds = 8, []
    while pos < len(data):
        kind, length = data[pos:pos + 4], struct.unpack(">I", data[pos + 4:pos + 8])[0]
        png = data[pos + 8:pos + length]
        assert ri.png_size(png) == (expected[kind], expected[kind]), kind
        kinds.append(kind)
        pos += length
    assert pos == len(data)
    assert set(kinds) == set(expected)


def test_containers_reject_what_they_cannot_hold() -> None:
    ri = _render_icons()
    png = (ICONS / ri.png_name(512)).read_bytes()
    with pytest.raises(ValueError, match="256"):
        ri.ico_bytes({512: png})
    with pytest.raises(ValueError, match="no PNG"):
        ri.icns_bytes({24: png})


def test_committed_pngs_match_the_svg(qapp: object) -> None:
    """The PNGs were rendered from the current icon.svg (re-run packaging/render_icons.py after editing it)."""
    from PySide6.QtGui import QImage

    ri = _render_icons()
    for size in (16, 64):
        fresh = QImage.fromData(ri.render_pngs(ri.SVG, [size])[size])
        committed = QImage(str(ICONS / ri.png_name(size)))
        diffs = [
            abs(a - b)
            for y in range(size) for x in range(size)
            for a, b in zip(fresh.pixelColor(x, y).getRgb(), committed.pixelColor(x, y).getRgb(), strict=True)
        ]
        # Small anti-aliasing differences between Qt versions are fine; a changed drawing is not.
        assert max(diffs) <= 24, size
        assert sum(diffs) / len(diffs) < 1.0, size


# --- frozen.py: resources -------------------------------------------------------------------------------------------


def test_resource_path_from_source() -> None:
    assert not frozen.is_frozen()
    assert frozen.resource_path("styles", "base.qss").is_file()
    icons = frozen.app_icon_files()
    assert [p.name for p in icons] == [f"icon-{s}.png" for s in _render_icons().PNG_SIZES]


def test_resource_path_in_a_bundle(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    icons = tmp_path / "terminal_app" / "resources" / "icons"
    icons.mkdir(parents=True)
    for size in (256, 16, 32):
        (icons / f"icon-{size}.png").write_bytes(b"")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert frozen.is_frozen()
    assert frozen.bundle_dir() == tmp_path
    assert frozen.resource_path("styles", "base.qss") == tmp_path / "terminal_app" / "resources" / "styles" / "base.qss"
    # Sorted by size, and only from the bundle (never the source checkout's resources/).
    assert [p.name for p in frozen.app_icon_files()] == ["icon-16.png", "icon-32.png", "icon-256.png"]


# --- frozen.py: Qt platform -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "platform", "expected"),
    [
        ({"QT_QPA_PLATFORM": "offscreen"}, "linux", ["offscreen"]),
        ({"QT_QPA_PLATFORM": "wayland;xcb", "DISPLAY": ":0"}, "linux", ["wayland", "xcb"]),
        ({"QT_QPA_PLATFORM": "vnc:size=800x600"}, "linux", ["vnc"]),
        ({"DISPLAY": ":0"}, "linux", ["xcb"]),
        ({"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}, "linux", ["wayland", "xcb"]),
        ({"XDG_SESSION_TYPE": "wayland"}, "linux", ["wayland"]),
        ({}, "linux", None),
        ({}, "win32", ["windows"]),
        ({}, "darwin", ["cocoa"]),
    ],
)
def test_requested_platforms(env: dict[str, str], platform: str, expected: list[str] | None) -> None:
    assert frozen.requested_platforms(env, platform) == expected


def test_no_display_is_named() -> None:
    problem = frozen.gui_problem({}, "linux", plugin_dirs=[])
    assert problem is not None
    assert "No display" in problem
    assert "QT_QPA_PLATFORM=offscreen" in problem


def test_missing_plugin_is_named(tmp_path: Path) -> None:
    problem = frozen.gui_problem({"QT_QPA_PLATFORM": "cocoa"}, "linux", plugin_dirs=[tmp_path])
    assert problem is not None
    assert "'cocoa' is not part of this installation" in problem
    assert str(tmp_path) in problem


def test_unloadable_plugin_is_named(tmp_path: Path) -> None:
    (tmp_path / "libqxcb.so").write_bytes(b"not an ELF file")
    problem = frozen.gui_problem({"DISPLAY": ":0"}, "linux", plugin_dirs=[tmp_path])
    assert problem is not None
    assert "'xcb' cannot be loaded" in problem


def test_missing_library_names_its_package() -> None:
    error = "libxcb-icccm.so.4: cannot open shared object file: No such file or directory"
    text = frozen.describe_load_error("xcb", error)
    assert "libxcb-icccm.so.4" in text
    assert "sudo apt install libxcb-icccm4" in text


def test_real_offscreen_plugin_loads() -> None:
    assert frozen.gui_problem({"QT_QPA_PLATFORM": "offscreen"}) is None


def _free_x_display() -> int:
    return next(n for n in range(71, 200) if not Path(f"/tmp/.X11-unix/X{n}").exists()
                and not Path(f"/tmp/.X{n}-lock").exists())


def test_unreachable_x_display_is_named() -> None:
    display = f":{_free_x_display()}"
    problem = frozen.gui_problem({"DISPLAY": display})
    assert problem is not None
    assert f"Cannot connect to the X display '{display}'" in problem


@pytest.fixture
def xvfb() -> Iterator[str]:
    exe = shutil.which("Xvfb")
    if exe is None:
        pytest.skip("Xvfb is not installed (packaging/setup.sh installs it)")
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen([exe, "-displayfd", str(write_fd), "-nolisten", "tcp", "-screen", "0", "320x240x24"],
                            pass_fds=[write_fd], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    try:
        with os.fdopen(read_fd) as r:
            number = r.readline().strip()  # Xvfb writes its display number once it accepts connections
        assert number, "Xvfb did not start"
        yield f":{number}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_running_x_display_passes(xvfb: str) -> None:
    assert frozen.gui_problem({"DISPLAY": xvfb}) is None


def test_missing_wayland_socket_is_named(tmp_path: Path) -> None:
    problem = frozen.display_problem("wayland", {"WAYLAND_DISPLAY": "wayland-9", "XDG_RUNTIME_DIR": str(tmp_path)})
    assert problem is not None
    assert str(tmp_path / "wayland-9") in problem
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(tmp_path / "wayland-9"))
        assert frozen.display_problem("wayland", {"WAYLAND_DISPLAY": "wayland-9",
                                                  "XDG_RUNTIME_DIR": str(tmp_path)}) is None
    finally:
        sock.close()


# --- frozen.py: keyring and reporting -------------------------------------------------------------------------------


def test_keyring_backends_found_from_source() -> None:
    assert frozen.keyring_problem() is None


def test_keyring_without_metadata_is_named() -> None:
    problem = frozen.keyring_problem("linux", entry_points=[])
    assert problem is not None
    assert "metadata" in problem


def test_keyring_without_the_platform_backend_is_named() -> None:
    problem = frozen.keyring_problem("linux", entry_points=["chainer", "Windows", "macOS"])
    assert problem is not None
    assert "'SecretService'" in problem


def test_fatal_report_goes_to_stderr_and_the_log(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("BITGET_TERMINAL_HOME", str(tmp_path))
    log = frozen.report_fatal("the display is gone", details="Traceback: here")
    assert log == tmp_path / "log" / frozen.STARTUP_LOG
    text = log.read_text(encoding="utf-8")
    assert "the display is gone" in text
    assert "Traceback: here" in text
    assert "Bitget Terminal: the display is gone" in capsys.readouterr().err


def test_crash_report_is_installed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.__excepthook__)
    frozen.install_crash_report()
    first = sys.excepthook
    frozen.install_crash_report()  # the launcher and app.run_app both call it
    assert first is not sys.__excepthook__
    assert sys.excepthook is first


def test_no_display_stops_before_qt(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BITGET_TERMINAL_HOME", str(tmp_path))
    with pytest.raises(SystemExit) as stop:
        frozen.ensure_gui_can_start({}, "linux")
    assert stop.value.code == frozen.EXIT_NO_GUI


def test_off_linux_a_missing_plugin_is_only_logged(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BITGET_TERMINAL_HOME", str(tmp_path))
    frozen.ensure_gui_can_start({}, "win32")  # qwindows.dll is not in this Linux venv: logged, no exit
    assert "'windows' is not part of this installation" in (tmp_path / "log" / frozen.STARTUP_LOG).read_text()


# --- Linux package files --------------------------------------------------------------------------------------------


def test_desktop_entry() -> None:
    lines = (PACKAGING / "linux" / "bitget-terminal.desktop").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "[Desktop Entry]"
    entry = dict(line.split("=", 1) for line in lines[1:] if line and not line.startswith("#"))
    assert entry["Type"] == "Application"
    assert entry["Exec"].split()[0] == "terminal-app"
    assert entry["Icon"] == "bitget-terminal"
    assert entry["Terminal"] == "false"
    assert entry["Categories"].endswith(";")
    validator = shutil.which("desktop-file-validate")
    if validator:
        subprocess.run([validator, str(PACKAGING / "linux" / "bitget-terminal.desktop")], check=True)


def test_maintainer_scripts_keep_user_data() -> None:
    postrm = (PACKAGING / "linux" / "postrm").read_text(encoding="utf-8")
    assert os.access(PACKAGING / "linux" / "postrm", os.X_OK)
    removed = [line.split()[-1] for line in postrm.splitlines() if line.strip().startswith("rm ")]
    assert removed == ["/opt/bitget-terminal"]
    for script in ("postinst", "postrm"):
        subprocess.run(["sh", "-n", str(PACKAGING / "linux" / script)], check=True)


# --- slow: build, install, run, remove ------------------------------------------------------------------------------


def _have_pyinstaller() -> bool:
    return importlib.util.find_spec("PyInstaller") is not None


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    if not sys.platform.startswith("linux") or shutil.which("dpkg-deb") is None:
        pytest.skip("the Linux package is built on Debian/Ubuntu only (dpkg-deb)")
    if not _have_pyinstaller():
        if os.environ.get("CI"):
            pytest.fail("pyinstaller is a test dependency: pip install -e '.[test]'")
        pytest.skip("pyinstaller is not installed (pip install -e '.[test]')")
    out = tmp_path_factory.mktemp("pkg")
    started = time.monotonic()
    # zstd: the .deb in 1 s instead of xz's ~45 s on 2 cores; the release build keeps xz.
    result = subprocess.run(
        ["bash", str(PACKAGING / "build_linux.sh"), "--out", str(out), "--work", str(out / "work"),
         "--compress", "zstd"],
        env={**os.environ, "PYTHON": sys.executable}, capture_output=True, text=True, timeout=900, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    seconds = time.monotonic() - started
    arch = subprocess.check_output(["dpkg", "--print-architecture"], text=True).strip()
    deb = out / f"{PACKAGE}_{VERSION}_{arch}.deb"
    assert deb.is_file(), result.stdout
    bundle = out / "bundle" / "terminal-app"
    print(f"\n{result.stdout.strip()}\n(build {seconds:.1f} s)")
    return {"deb": deb, "bundle": bundle, "seconds": seconds}


def _bundle_files(bundle: Path) -> list[str]:
    return [str(p.relative_to(bundle)) for p in bundle.rglob("*")]


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_bundle_leaves_out_what_the_app_does_not_use(built: dict[str, object]) -> None:
    bundle = built["bundle"]
    assert isinstance(bundle, Path)
    files = _bundle_files(bundle)
    names = [Path(f).name for f in files]
    for unwanted in ("libgtk-3", "libgdk-3", "libqgtk3", "QtWebEngine", "libQt6WebEngine", "libQt6Qml", "libQt6Quick",
                     "libQt6Pdf", "libQt6Network", "libqeglfs", "libqvnc", "tkinter", "_tkinter", "pytest",
                     "hypothesis", "OpenGL", "keyrings"):
        hits = [n for n in names if n.startswith(unwanted) or f"/{unwanted}" in n]
        assert not hits, f"{unwanted} in the bundle: {hits[:5]}"
    assert not any("/translations/" in f for f in files if "PySide6" in f)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_bundle_has_what_the_app_needs(built: dict[str, object]) -> None:
    bundle = built["bundle"]
    assert isinstance(bundle, Path)
    internal = bundle / "_internal"
    plugins = internal / "PySide6" / "Qt" / "plugins"
    for plugin in ("platforms/libqoffscreen.so", "platforms/libqxcb.so", "platforms/libqwayland.so",
                   "imageformats/libqsvg.so", "imageformats/libqico.so", "iconengines/libqsvgicon.so",
                   "xcbglintegrations/libqxcb-glx-integration.so"):
        assert (plugins / plugin).is_file(), plugin
    assert (internal / "terminal_app" / "resources" / "styles" / "base.qss").is_file()
    assert (internal / "terminal_app" / "resources" / "icons" / "icon-256.png").is_file()
    # An editable install may hand PyInstaller the source tree's .egg-info instead of a .dist-info; both serve.
    metadata = {p.name.split("-")[0].split(".")[0].lower() for p in [*internal.glob("*.dist-info"),
                                                                     *internal.glob("*.egg-info")]}
    assert {"keyring", "bitget_terminal"} <= metadata
    keyring_eps = next(internal.glob("keyring-*.dist-info")) / "entry_points.txt"
    assert "SecretService" in keyring_eps.read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_bundled_qt_plugins_find_their_libraries(built: dict[str, object]) -> None:
    """Every library the kept platform plugins link is in the bundle or on the system (the .deb's Depends)."""
    bundle = built["bundle"]
    assert isinstance(bundle, Path)
    internal = bundle / "_internal"
    plugins = sorted((internal / "PySide6" / "Qt" / "plugins").rglob("*.so"))
    missing: set[str] = set()
    for plugin in plugins:
        out = subprocess.run(["ldd", str(plugin)], env={**os.environ, "LD_LIBRARY_PATH": str(internal)},
                             capture_output=True, text=True, check=False).stdout
        missing |= {line.split()[0] for line in out.splitlines() if "not found" in line}
    # Wayland's client libraries come with every Wayland desktop (Recommends:); they are not on a headless box.
    assert {m for m in missing if not m.startswith("libwayland-")} == set()


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_deb_metadata_and_layout(built: dict[str, object]) -> None:
    deb = built["deb"]
    fields = {k: subprocess.check_output(["dpkg-deb", "-f", str(deb), k], text=True).strip()
              for k in ("Package", "Version", "Depends", "Installed-Size")}
    assert fields["Package"] == PACKAGE
    assert fields["Version"] == VERSION
    for lib in ("libegl1", "libgl1", "libxkbcommon0", "libxkbcommon-x11-0", "libfontconfig1", "libdbus-1-3",
                "libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1"):
        assert lib in fields["Depends"]
    assert int(fields["Installed-Size"]) > 50_000  # kB: the whole bundle is counted
    listing = subprocess.check_output(["dpkg-deb", "-c", str(deb)], text=True)
    for path in ("./usr/bin/terminal-app", "./opt/bitget-terminal/terminal-app",
                 "./usr/share/applications/bitget-terminal.desktop",
                 "./usr/share/icons/hicolor/48x48/apps/bitget-terminal.png",
                 "./usr/share/icons/hicolor/scalable/apps/bitget-terminal.svg"):
        assert f" {path}\n" in listing or listing.rstrip().endswith(f" {path}"), path
    assert "root/root" in listing.splitlines()[0]


def _can_install() -> str | None:
    """Why the .deb cannot be installed here, or None."""
    if shutil.which("dpkg") is None:
        return "no dpkg"
    sudo_works = shutil.which("sudo") is not None and subprocess.run(
        ["sudo", "-n", "true"], capture_output=True, check=False).returncode == 0
    if os.geteuid() != 0 and not sudo_works:
        return "installing a .deb needs root (or password-less sudo), and this run has neither"
    if _package_status() == "install ok installed":
        return f"{PACKAGE} is already installed on this machine; not touching the user's own installation"
    return None


def _package_status() -> str:
    """dpkg's status of the package ("install ok installed", "deinstall ok config-files", …), "" if unknown."""
    result = subprocess.run(["dpkg-query", "-W", "-f=${Status}", PACKAGE], capture_output=True, text=True,
                            check=False)
    return result.stdout.strip() if result.returncode == 0 else ""


def _as_root(*cmd: str) -> list[str]:
    return list(cmd) if os.geteuid() == 0 else ["sudo", "-n", *cmd]


def _user_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "QT_", "BITGET_TERMINAL"))}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / "config"), XDG_DATA_HOME=str(home / "data"),
               XDG_CACHE_HOME=str(home / "cache"), XDG_STATE_HOME=str(home / "state"))
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    env.update(extra)
    return env


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_install_launch_and_remove(built: dict[str, object], tmp_path: Path) -> None:
    reason = _can_install()
    if reason:
        pytest.skip(reason)
    deb = built["deb"]
    started = time.monotonic()
    subprocess.run(_as_root("dpkg", "-i", str(deb)), check=True, capture_output=True, timeout=300)
    install_seconds = time.monotonic() - started
    try:
        assert INSTALLED_BIN.is_file()
        assert (INSTALLED_DIR / "terminal-app").is_file()
        home = tmp_path / "home"
        home.mkdir()

        version = subprocess.run([str(INSTALLED_BIN), "--version"], env=_user_env(home), capture_output=True,
                                 text=True, timeout=60, check=False)
        assert version.returncode == 0, version.stderr
        assert version.stdout.strip() == f"terminal-app {VERSION}"

        # No screen and no QT_QPA_PLATFORM: a sentence and exit 3, not Qt's SIGABRT with a misleading message.
        headless = subprocess.run([str(INSTALLED_BIN)], env=_user_env(home), capture_output=True, text=True,
                                  timeout=60, check=False)
        assert headless.returncode == frozen.EXIT_NO_GUI, headless.stderr
        assert "No display was found" in headless.stderr

        # The installed app resolves the same resources, folders and keyring backend as the source run.
        env = _user_env(home, QT_QPA_PLATFORM="offscreen")
        installed = json.loads(subprocess.run([str(INSTALLED_BIN), "-m", "terminal_app.frozen"], env=env,
                                              capture_output=True, text=True, timeout=60, check=True).stdout)
        source = json.loads(subprocess.run([sys.executable, "-m", "terminal_app.frozen"], env=env, cwd=tmp_path,
                                           capture_output=True, text=True, timeout=60, check=True).stdout)
        assert installed["frozen"] is True
        assert source["frozen"] is False
        keys = ["version", "styles", "icons", "config_dir", "data_dir", "cache_dir", "log_dir", "gui_problem",
                "keyring_problem", "keyring"]
        if "keyrings.alt" in str(source["keyring"]):  # a dev venv with keyrings.alt; the bundle leaves it out
            keys.remove("keyring")
        for key in keys:
            assert installed[key] == source[key], key
        assert installed["config_dir"] == str(home / "config" / "bitget-terminal")
        assert all(d.startswith(str(INSTALLED_DIR)) for d in installed["qt_platform_dirs"])

        smoke_started = time.monotonic()
        smoke = subprocess.run([str(INSTALLED_BIN), "--smoke-test"], env=env, capture_output=True, text=True,
                               timeout=180, check=False)
        smoke_seconds = time.monotonic() - smoke_started
        assert smoke.returncode == 0, smoke.stdout[-3000:] + smoke.stderr[-3000:]
        print(f"\ndpkg -i {install_seconds:.1f} s; installed --smoke-test {smoke_seconds:.1f} s")
    finally:
        removed = subprocess.run(_as_root("dpkg", "-r", PACKAGE), capture_output=True, text=True, timeout=300,
                                 check=False)
        # The package has maintainer scripts, so -r leaves it in dpkg's database as "config-files"; purge that too
        # (it runs postrm purge, which must also keep the user's files).
        purged = subprocess.run(_as_root("dpkg", "--purge", PACKAGE), capture_output=True, text=True, timeout=300,
                                check=False)
    assert removed.returncode == 0, removed.stderr
    assert purged.returncode == 0, purged.stderr
    assert _package_status() in ("", "unknown ok not-installed")
    assert not INSTALLED_BIN.exists()
    assert not INSTALLED_DIR.exists()
    assert not Path("/usr/share/applications/bitget-terminal.desktop").exists()
    assert not Path("/usr/share/icons/hicolor/48x48/apps/bitget-terminal.png").exists()
    # The user's files are not the package's: the headless start's startup-error.log (and whatever the smoke test
    # wrote) survive removal and purge.
    assert (home / "state" / "bitget-terminal" / "log" / frozen.STARTUP_LOG).is_file()
