#!/usr/bin/env bash
# One entry point for a fresh Debian/Ubuntu machine:
#   bash packaging/setup.sh run    install everything, then start the terminal in demo mode
#   bash packaging/setup.sh test   install everything, then run the whole test suite (what CI runs)
# Installs the Debian packages Qt, Xvfb and a real Secret Service keyring need (only the missing ones),
# creates .venv and installs the project into it.
set -euo pipefail
mode="${1:-run}"; shift || true
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"

apt_packages=(
  libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 libglib2.0-0
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-shape0
  libxcb-randr0 libxcb-xfixes0 libxcb-xkb1 libxcb-sync1 libx11-xcb1
  fonts-dejavu-core xvfb xauth dbus-daemon gnome-keyring xdotool openbox
)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}" >&2
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

py="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$py" -m venv .venv
  .venv/bin/python -m pip install -q -U pip 2>&1 | grep -v "is ignored" || true
fi
stamp=".venv/.installed-$(sha1sum pyproject.toml | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install -q -e ".[test]" 2>&1 | grep -v "is ignored" || true
  .venv/bin/python -c "import terminal_app, PySide6, qasync, httpx, websockets, pyqtgraph, keyring, pytest" \
    || { echo "setup: installing the Python packages failed" >&2; exit 1; }
  rm -f .venv/.installed-*; touch "$stamp"
fi

case "$mode" in
  run)
    if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
      echo "setup: no display found; running the offscreen smoke test instead (terminal-app --smoke-test)." >&2
      echo "setup: on a desktop, start the app with: .venv/bin/terminal-app" >&2
      export QT_QPA_PLATFORM=offscreen
      exec .venv/bin/terminal-app --smoke-test "$@"
    fi
    exec .venv/bin/terminal-app "$@"
    ;;
  test)
    export QT_QPA_PLATFORM=offscreen
    XDG_RUNTIME_DIR="$(mktemp -d)"; chmod 700 "$XDG_RUNTIME_DIR"; export XDG_RUNTIME_DIR
    KR_DATA="$(mktemp -d)"; export KR_DATA   # isolated keyring store, never the user's own
    .venv/bin/ruff check terminal_app tests
    # The type check of terminal_app/ (settings in pyproject.toml: strict for core/ and bitget/); an error fails here.
    .venv/bin/mypy
    # A real Secret Service (gnome-keyring on a private D-Bus session) for the keyring integration test.
    exec timeout 1500 dbus-run-session -- bash -c '
      export XDG_DATA_HOME="$KR_DATA"
      echo -n ci-pass | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1 || true
      exec .venv/bin/python -m pytest -q --timeout=180 "$@"
    ' bash "$@" 2> >(grep -v "Failed to set fd limit" >&2)
    ;;
  *)
    echo "usage: bash packaging/setup.sh run|test [args]" >&2; exit 2 ;;
esac
