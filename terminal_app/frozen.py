"""Run-time helpers that make the installed (PyInstaller-frozen) terminal behave like a source install.

* Resources: :func:`resource_path` finds files under ``terminal_app/resources`` both from a source tree or wheel
  (next to this module) and from a bundle (below ``sys._MEIPASS``, where the spec puts them at the same relative place);
  :func:`app_icon_files` finds the application icon in either layout, and in a source checkout's ``resources/``.
* A missing Qt platform plugin or one of its system libraries makes Qt abort (SIGABRT) with a message that often names
  the wrong library, and a windowed build on Windows or macOS has no console to show even that. :func:`gui_problem`
  finds that situation *before* the ``QApplication`` is made and says which plugin or library is missing and what to
  install; :func:`ensure_gui_can_start` reports it (stderr, a log file, and a native message box when there is no
  console) and exits with :data:`EXIT_NO_GUI`.
* keyring finds its backends through package metadata (entry points), which a bundle only has if the build copied it;
  :func:`keyring_problem` tells a build that lost its backends apart from a system without a password store (the latter
  is ``config.secrets``' business). This module never imports ``keyring`` (``config/secrets.py`` is its only user).

Files the terminal writes (settings, layout, the demo exchange's SQLite state, journals) go through
``config.paths.AppPaths``, which uses platformdirs in both layouts, so a frozen run uses the same folders as a source
run.
"""

from __future__ import annotations

import ctypes
import importlib.metadata
import importlib.util
import os
import re
import subprocess
import sys
import time
import traceback
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtGui import QIcon

PACKAGE_DIR = Path(__file__).resolve().parent
# Exit status when the GUI cannot start (no display, missing platform plugin or library); not one Qt or Python uses.
EXIT_NO_GUI = 3
APP_TITLE = "Bitget Terminal"
STARTUP_LOG = "startup-error.log"

# Debian/Ubuntu packages holding the libraries Qt's platform plugins load (what the .deb's Depends lists).
DEBIAN_PACKAGE_OF_LIBRARY: dict[str, str] = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libOpenGL.so.0": "libopengl0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libwayland-client.so.0": "libwayland-client0",
    "libwayland-cursor.so.0": "libwayland-cursor0",
    "libwayland-egl.so.1": "libwayland-egl1",
}

# The keyring backend a desktop of each platform uses, and the modules that backend cannot work without.
_KEYRING_NEEDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "linux": ("SecretService", ("keyring.backends.SecretService", "secretstorage", "jeepney")),
    "win32": ("Windows", ("keyring.backends.Windows", "win32ctypes")),
    "darwin": ("macOS", ("keyring.backends.macOS",)),
}

_MISSING_LIBRARY = re.compile(r"([\w.+-]+\.so[\w.]*): cannot open shared object file")


def is_frozen() -> bool:
    """True inside a PyInstaller bundle (onedir, onefile or a macOS .app)."""
    return bool(getattr(sys, "frozen", False)) and hasattr(sys, "_MEIPASS")


def bundle_dir() -> Path | None:
    """The bundle's contents folder (``_internal`` of an onedir build), or None when running from source."""
    return Path(sys._MEIPASS) if is_frozen() else None  # type: ignore[attr-defined]  # set by PyInstaller


def resource_path(*parts: str) -> Path:
    """A file under ``terminal_app/resources`` (e.g. ``resource_path("styles", "base.qss")``) in either layout."""
    base = bundle_dir()
    root = base / "terminal_app" / "resources" if base is not None else PACKAGE_DIR / "resources"
    return root.joinpath(*parts)


def app_icon_files() -> list[Path]:
    """The application icon's PNG sizes (smallest first), falling back to the SVG; empty if none is shipped.

    The bundle carries them in ``terminal_app/resources/icons``; a source checkout has them in the repository's
    ``resources/icons`` (a wheel carries none unless they are copied into the package).
    """
    roots = [resource_path("icons")]
    if not is_frozen():
        roots.append(PACKAGE_DIR.parent / "resources" / "icons")
    for root in roots:
        pngs = sorted(root.glob("icon-*.png"), key=lambda p: int(re.sub(r"\D", "", p.stem) or 0))
        if pngs:
            return pngs
        if (root.parent / "icon.svg").is_file():
            return [root.parent / "icon.svg"]
    return []


def app_icon() -> QIcon:
    """A ``QIcon`` holding every shipped size (an empty icon when none is found). Needs a QGuiApplication."""
    from PySide6.QtGui import QIcon

    icon = QIcon()
    for path in app_icon_files():
        icon.addFile(str(path))
    return icon


# --- Qt platform plugin ---------------------------------------------------------------------------------------------


def requested_platforms(env: Mapping[str, str], platform: str = sys.platform) -> list[str] | None:
    """The Qt platform plugins Qt will try, in order; None when there is no display to show a window on.

    ``QT_QPA_PLATFORM`` may hold a ``;``-separated fallback list and ``name:options`` entries.
    """
    wanted = env.get("QT_QPA_PLATFORM", "").strip()
    if wanted:
        return [item.split(":", 1)[0].strip() for item in wanted.split(";") if item.strip()]
    if platform.startswith("win"):
        return ["windows"]
    if platform == "darwin":
        return ["cocoa"]
    wayland = bool(env.get("WAYLAND_DISPLAY")) or env.get("XDG_SESSION_TYPE") == "wayland"
    if wayland and env.get("DISPLAY"):
        return ["wayland", "xcb"]
    if wayland:
        return ["wayland"]
    if env.get("DISPLAY"):
        return ["xcb"]
    return None


def plugin_file_name(name: str, platform: str = sys.platform) -> str:
    if platform.startswith("win"):
        return f"q{name}.dll"
    if platform == "darwin":
        return f"libq{name}.dylib"
    return f"libq{name}.so"


def qt_plugin_dirs(env: Mapping[str, str]) -> list[Path]:
    """Where Qt looks for plugins: ``QT_QPA_PLATFORM_PLUGIN_PATH`` (platforms only), then its library paths."""
    dirs: list[Path] = []
    if env.get("QT_QPA_PLATFORM_PLUGIN_PATH"):
        dirs.append(Path(env["QT_QPA_PLATFORM_PLUGIN_PATH"]))
    from PySide6.QtCore import QCoreApplication

    # libraryPaths() already merges QT_PLUGIN_PATH, qt.conf and the Qt installation's own plugin folder.
    dirs += [Path(p) / "platforms" for p in QCoreApplication.libraryPaths()]
    return dirs


def load_error(library: Path) -> str | None:
    """Why the dynamic loader refuses ``library`` (None when it loads); Linux only, where Qt aborts on this."""
    try:
        ctypes.CDLL(str(library))
    except OSError as exc:
        return str(exc)
    return None


def describe_load_error(plugin: str, error: str) -> str:
    """Turn a dlopen error into a sentence that names the missing library and the package that holds it."""
    missing = _MISSING_LIBRARY.search(error)
    if missing:
        lib = missing.group(1)
        package = DEBIAN_PACKAGE_OF_LIBRARY.get(lib)
        hint = f" On Debian or Ubuntu: sudo apt install {package}" if package else ""
        return f"The Qt platform plugin '{plugin}' needs the system library {lib}, which is not installed.{hint}"
    return f"The Qt platform plugin '{plugin}' cannot be loaded: {error}"


def gui_problem(env: Mapping[str, str] | None = None, platform: str = sys.platform,
                plugin_dirs: Sequence[Path] | None = None) -> str | None:
    """A sentence saying why Qt could not open a window here, or None when at least one requested plugin works."""
    env = os.environ if env is None else env
    names = requested_platforms(env, platform)
    if names is None:
        return ("No display was found (neither DISPLAY nor WAYLAND_DISPLAY is set), so the terminal cannot open its "
                "window. Start it from a desktop session, or set QT_QPA_PLATFORM=offscreen to run without a screen "
                "(as --smoke-test does in CI).")
    dirs = list(plugin_dirs) if plugin_dirs is not None else qt_plugin_dirs(env)
    reasons: list[str] = []
    for name in names:
        found = next((d / plugin_file_name(name, platform) for d in dirs
                      if (d / plugin_file_name(name, platform)).is_file()), None)
        if found is None:
            reasons.append(f"The Qt platform plugin '{name}' is not part of this installation "
                           f"(looked in: {', '.join(str(d) for d in dirs) or 'no plugin folder'}).")
            continue
        error = load_error(found) if platform.startswith("linux") else None
        if error is None:
            error = display_problem(name, env) if platform.startswith("linux") else None
            if error is None:
                return None
            reasons.append(error)
            continue
        reasons.append(describe_load_error(name, error))
    return " ".join(reasons)


def display_problem(plugin: str, env: Mapping[str, str]) -> str | None:
    """Whether the display server the plugin talks to answers (Qt aborts when it does not); None when it does."""
    if plugin == "xcb":
        display = env.get("DISPLAY", "")
        try:
            xcb = ctypes.CDLL("libxcb.so.1")
        except OSError:
            return None  # the plugin loaded, so libxcb is there; leave the verdict to Qt
        xcb.xcb_connect.restype = ctypes.c_void_p
        xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
        xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
        xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
        connection = xcb.xcb_connect(display.encode() or None, None)
        failed = xcb.xcb_connection_has_error(connection)
        xcb.xcb_disconnect(connection)
        if failed:
            return (f"Cannot connect to the X display '{display}': the X server is not running there or does not let "
                    "this user in (check DISPLAY and XAUTHORITY).")
        return None
    if plugin == "wayland":
        name = env.get("WAYLAND_DISPLAY") or "wayland-0"
        socket = Path(name) if name.startswith("/") else Path(env.get("XDG_RUNTIME_DIR", "/nonexistent")) / name
        if not socket.exists():
            return f"No Wayland compositor is listening at {socket} (check WAYLAND_DISPLAY and XDG_RUNTIME_DIR)."
    return None


# --- keyring --------------------------------------------------------------------------------------------------------


def keyring_problem(platform: str = sys.platform, entry_points: Iterable[str] | None = None) -> str | None:
    """Why this build cannot use the platform's password store, or None when its backend is present.

    A None here does not mean a password store is running: ``config.secrets`` finds that out when it is used.
    """
    key = "linux" if platform.startswith("linux") else platform
    backend, modules = _KEYRING_NEEDS.get(key, ("", ()))
    if importlib.util.find_spec("keyring") is None:
        return "This build of the terminal has no keyring support, so API keys cannot be saved; enter them each run."
    names = set(entry_points) if entry_points is not None else {
        ep.name for ep in importlib.metadata.entry_points(group="keyring.backends")}
    if not names:
        return ("This build of the terminal lost keyring's list of backends (its package metadata), so API keys "
                "cannot be saved; enter them each run. Rebuild the package with keyring's metadata included.")
    if backend and backend not in names:
        return (f"This build of the terminal has no '{backend}' keyring backend, so API keys cannot be saved; "
                "enter them each run.")
    for module in modules:
        try:
            spec = importlib.util.find_spec(module)
        except ImportError:  # a parent package is missing
            spec = None
        if spec is None:
            return (f"The '{backend}' keyring backend of this build is incomplete (module {module} is missing), so "
                    "API keys cannot be saved; enter them each run.")
    return None


# --- reporting ------------------------------------------------------------------------------------------------------


def _log_dir() -> Path:
    from terminal_app.config.paths import AppPaths

    return AppPaths.default().log_dir


def report_fatal(message: str, *, details: str = "") -> Path | None:
    """Tell the user why the terminal stops: on stderr, in the log folder (with ``details``), and in a native message
    box when nobody would see stderr. Returns the log file written (None if even that failed). Never raises.
    """
    text = f"{APP_TITLE}: {message}"
    if sys.stderr is not None:
        try:
            print(text, file=sys.stderr, flush=True)
        except (OSError, ValueError):
            pass
    log_file: Path | None = None
    try:
        folder = _log_dir()
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        log_file = folder / STARTUP_LOG
        with log_file.open("a", encoding="utf-8") as f:
            f.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {text}\n")
            if details:
                f.write(details.rstrip("\n") + "\n")
    except OSError:
        log_file = None
    if not _someone_reads_stderr():
        _native_alert(message if log_file is None else f"{message}\n\nDetails: {log_file}")
    return log_file


def _someone_reads_stderr() -> bool:
    """False for a windowed build started from the desktop: Windows gives it no stderr at all, and a macOS .app's
    stderr goes to the system log. Linux has no Qt-free message box to fall back on, so stderr (a terminal or the
    session's journal) is all there is."""
    stream = sys.stderr
    if stream is None:
        return False
    if not is_frozen() or sys.platform.startswith("linux"):
        return True
    try:
        return stream.isatty()
    except (OSError, ValueError):
        return False


def _native_alert(message: str) -> None:
    """A message box without Qt (Qt is what failed): Win32 MessageBoxW, or AppleScript on macOS."""
    try:
        if sys.platform.startswith("win"):
            # windll exists on Windows only, and mypy checks for the platform it runs on
            ctypes.windll.user32.MessageBoxW(None, message, APP_TITLE, 0x10)  # type: ignore[attr-defined]
        elif sys.platform == "darwin":
            script = f"display alert {_applescript_text(APP_TITLE)} message {_applescript_text(message)} as critical"
            subprocess.run(["osascript", "-e", script], check=False, timeout=300)
    except (OSError, AttributeError, subprocess.SubprocessError):
        pass


def _applescript_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def ensure_gui_can_start(env: Mapping[str, str] | None = None, platform: str = sys.platform) -> None:
    """Call right before the ``QApplication`` is made: exits with :data:`EXIT_NO_GUI` and a clear message if Qt could
    not open a window, instead of Qt's abort. A fault in the check itself never stops a terminal that would have
    started. Off Linux (where the check's picture of the bundle layout is not verified by the test suite) a problem
    is only logged and Qt gets its chance: Windows then shows Qt's own dialog, and the log holds the explanation.
    """
    try:
        problem = gui_problem(env, platform)
    except Exception:  # the check is advisory; Qt will still report a real failure itself
        return
    if not problem:
        return
    if platform.startswith("linux"):
        report_fatal(problem)
        raise SystemExit(EXIT_NO_GUI)
    _log_warning(problem)


def _log_warning(message: str) -> None:
    try:
        folder = _log_dir()
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        with (folder / STARTUP_LOG).open("a", encoding="utf-8") as f:
            f.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {APP_TITLE} (warning): {message}\n")
    except OSError:
        pass
    if sys.stderr is not None:
        try:
            print(f"{APP_TITLE}: {message}", file=sys.stderr, flush=True)
        except (OSError, ValueError):
            pass


def report_keyring_problem() -> str | None:
    """Warn (stderr and log) when this build cannot use the platform's password store; returns the sentence so the
    GUI can also show it. Demo mode works without a keyring, so this never stops the terminal."""
    try:
        problem = keyring_problem()
    except Exception:
        return None
    if problem and sys.stderr is not None:
        try:
            print(f"{APP_TITLE}: {problem}", file=sys.stderr, flush=True)
        except (OSError, ValueError):
            pass
    return problem


def install_crash_report() -> None:
    """In a frozen build, an uncaught exception is written to the startup log (and a native box when there is no
    console) before Python's own handler runs, so a windowed build never just disappears."""
    if getattr(sys.excepthook, "_terminal_crash_report", False):
        return  # the launcher and app.run_app both ask for it; one report per crash is enough
    previous = sys.excepthook

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        if not issubclass(kind, KeyboardInterrupt):
            report_fatal(f"stopped after an unexpected error: {kind.__name__}: {value}",
                         details="".join(traceback.format_exception(kind, value, tb)))
        previous(kind, value, tb)

    hook._terminal_crash_report = True  # type: ignore[attr-defined]  # a mark on the function: installed once
    sys.excepthook = hook


# --- diagnostics ----------------------------------------------------------------------------------------------------


def report() -> dict[str, object]:
    """What this installation resolves at run time: resources, user folders, Qt plugins, keyring backend.

    ``terminal-app -m terminal_app.frozen`` (bundle) and ``python -m terminal_app.frozen`` (source) print it as JSON;
    for the same user and environment both must name the same folders and the same keyring backend.
    """
    from terminal_app import __version__
    from terminal_app.config.paths import AppPaths

    paths = AppPaths.default()
    try:
        from terminal_app.config.secrets import CredentialStore

        status = CredentialStore().status()
        keyring_status: dict[str, object] = {"available": status.available, "backend": status.backend}
    except Exception as exc:  # a diagnostic reports failures instead of raising them
        keyring_status = {"available": False, "backend": "", "error": f"{type(exc).__name__}: {exc}"}
    try:
        plugin_dirs = [str(p) for p in qt_plugin_dirs(os.environ)]
        gui = gui_problem()
    except Exception as exc:
        plugin_dirs, gui = [], f"{type(exc).__name__}: {exc}"
    return {
        "version": __version__,
        "frozen": is_frozen(),
        "styles": sorted(p.name for p in resource_path("styles").glob("*.qss")),
        "icons": [p.name for p in app_icon_files()],
        "config_dir": str(paths.config_dir),
        "data_dir": str(paths.data_dir),
        "cache_dir": str(paths.cache_dir),
        "log_dir": str(paths.log_dir),
        "qt_platform_dirs": plugin_dirs,
        "gui_problem": gui,
        "keyring_problem": keyring_problem(),
        "keyring": keyring_status,
    }


if __name__ == "__main__":
    import json

    print(json.dumps(report(), indent=2))
