#!/usr/bin/env bash
# Build the Linux artifacts of Bitget Terminal in one command:
#   1. a PyInstaller one-folder bundle   (<out>/bundle/terminal-app/)
#   2. a Debian package                  (<out>/bitget-terminal_<version>_<arch>.deb)
#        /opt/bitget-terminal/                the bundle
#        /usr/bin/terminal-app                launcher
#        /usr/share/applications/bitget-terminal.desktop
#        /usr/share/icons/hicolor/<n>x<n>/apps/bitget-terminal.png, .../scalable/apps/bitget-terminal.svg
#
# usage: packaging/build_linux.sh [--out DIR] [--work DIR] [--compress xz|zstd|gzip|none] [--bundle-only]
#   --out       where the artifacts go (default: build/linux)
#   --work      PyInstaller's work folder, reused between runs to save time (default: build/pyinstaller)
#   --compress  .deb compression: xz (default, smallest; ~45 s on 2 cores), zstd or gzip (fast, for tests)
# Environment: PYTHON (default .venv/bin/python, else python3) must have the project and pyinstaller installed
# (pip install -e ".[test]"); DEB_MAINTAINER overrides the package's Maintainer field.
# The version comes from pyproject.toml. Prints the artifact paths, sizes and build times at the end.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
out="$repo/build/linux"
work="$repo/build/pyinstaller"
compress="xz"
bundle_only=0
while (($#)); do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --compress) compress="$2"; shift 2 ;;
    --bundle-only) bundle_only=1; shift ;;
    -h|--help) sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build_linux: unknown argument: $1" >&2; exit 2 ;;
  esac
done
case "$compress" in xz|zstd|gzip|none) ;; *) echo "build_linux: --compress must be xz, zstd, gzip or none" >&2; exit 2 ;; esac
mkdir -p "$out" "$work"
out="$(cd "$out" && pwd)"
work="$(cd "$work" && pwd)"

if [ -n "${PYTHON:-}" ]; then py="$PYTHON"
elif [ -x "$repo/.venv/bin/python" ]; then py="$repo/.venv/bin/python"
else py="python3"; fi
"$py" -c "import PyInstaller, terminal_app" 2>/dev/null || {
  echo "build_linux: $py lacks pyinstaller or the project; run: $py -m pip install -e '$repo[test]'" >&2; exit 1; }

version="$("$py" -c 'import sys, tomllib; print(tomllib.load(open(sys.argv[1], "rb"))["project"]["version"])' \
  "$repo/pyproject.toml")"
arch="$(dpkg --print-architecture 2>/dev/null || uname -m)"
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# --- 1. the bundle --------------------------------------------------------------------------------------------------
t0="$(now)"
echo "build_linux: PyInstaller bundle of bitget-terminal $version ($arch)" >&2
# Warnings PyInstaller always prints here and that mean nothing for this app: pyqtgraph.opengl needs PyOpenGL (left
# out on purpose), and keyring's Windows backend names Windows DLLs.
"$py" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$out/bundle" --workpath "$work" "$here/terminal-app.spec" 2>&1 \
  | grep -v -e "pyqtgraph.opengl" -e "required via ctypes not found" -e " INFO: " >&2 || true
bundle="$out/bundle/terminal-app"
[ -x "$bundle/terminal-app" ] || { echo "build_linux: PyInstaller produced no $bundle/terminal-app" >&2; exit 1; }
# Strip debug symbols from the shared libraries (about 35 MB, most of it libpython's). Not from the libraries wheels
# vendor under <name>.libs/: auditwheel rewrote those with patchelf, and strip then corrupts them (numpy's OpenBLAS
# fails with "ELF load command address/offset not page-aligned"). Not the executable either: in a one-folder build
# it carries the archive of the Python modules.
if command -v strip >/dev/null 2>&1; then
  find "$bundle/_internal" -type f \( -name '*.so' -o -name '*.so.*' \) -not -path '*.libs/*' -print0 \
    | xargs -0 -r strip --strip-unneeded
else
  echo "build_linux: strip (binutils) not found; the bundle keeps its debug symbols" >&2
fi
"$bundle/terminal-app" --version >/dev/null || { echo "build_linux: the bundle does not start" >&2; exit 1; }
# numpy's vendored OpenBLAS is the library most easily broken by post-processing; make sure it still loads.
"$bundle/terminal-app" -c "import numpy; assert (numpy.ones((64, 64)) @ numpy.ones(64)).sum() == 64 * 64" \
  || { echo "build_linux: numpy does not load in the bundle" >&2; exit 1; }
t1="$(now)"

if ((bundle_only)); then
  echo "bundle  $bundle  $(du -sh "$bundle" | cut -f1)  built in $(secs "$t0" "$t1") s"
  exit 0
fi

# --- 2. the .deb ----------------------------------------------------------------------------------------------------
root="$out/debroot"
rm -rf "$root"
install -d "$root/DEBIAN" "$root/opt" "$root/usr/bin" "$root/usr/share/applications" \
  "$root/usr/share/doc/bitget-terminal" "$root/usr/share/icons/hicolor/scalable/apps"
cp -a "$bundle" "$root/opt/bitget-terminal"
install -m 0755 "$here/linux/terminal-app" "$root/usr/bin/terminal-app"
install -m 0644 "$here/linux/bitget-terminal.desktop" "$root/usr/share/applications/bitget-terminal.desktop"
install -m 0644 "$here/linux/copyright" "$root/usr/share/doc/bitget-terminal/copyright"
install -m 0644 "$repo/resources/icon.svg" "$root/usr/share/icons/hicolor/scalable/apps/bitget-terminal.svg"
for png in "$repo"/resources/icons/icon-*.png; do
  n="$(basename "$png" .png)"; n="${n#icon-}"
  install -d "$root/usr/share/icons/hicolor/${n}x${n}/apps"
  install -m 0644 "$png" "$root/usr/share/icons/hicolor/${n}x${n}/apps/bitget-terminal.png"
done
install -m 0755 "$here/linux/postinst" "$here/linux/postrm" "$root/DEBIAN/"
# dpkg-deb refuses group/world-writable control files and a umask may leave the tree oddly; normalise it.
find "$root" -type d -exec chmod 0755 {} +
chmod -R go-w "$root"

# The oldest glibc the bundle can run on: the highest GLIBC_x.y symbol version any of its binaries asks for.
glibc="$(find "$root/opt/bitget-terminal" -type f \( -name '*.so*' -o -name terminal-app \) -print0 \
  | xargs -0 objdump -T 2>/dev/null | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -1 || true)"
[ -n "$glibc" ] || glibc="$(getconf GNU_LIBC_VERSION | awk '{print $2}')"
installed_kb="$(du -sk --exclude=DEBIAN "$root" | cut -f1)"
maintainer="${DEB_MAINTAINER:-Bitget Terminal developers <maintainers@bitget-terminal.invalid>}"
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@INSTALLED_SIZE@/$installed_kb/" \
    -e "s/@GLIBC@/$glibc/" -e "s|@MAINTAINER@|$maintainer|" "$here/linux/control.in" > "$root/DEBIAN/control"
chmod 0644 "$root/DEBIAN/control"

deb="$out/bitget-terminal_${version}_${arch}.deb"
rm -f "$deb"
dpkg-deb --root-owner-group -Z"$compress" --build "$root" "$deb" >/dev/null
rm -rf "$root"
t2="$(now)"

echo "bundle  $bundle  $(du -sh "$bundle" | cut -f1)  built in $(secs "$t0" "$t1") s"
echo "deb     $deb  $(du -h "$deb" | cut -f1)  ($compress) packed in $(secs "$t1" "$t2") s"
echo "total   $(secs "$t0" "$t2") s"
