#!/usr/bin/env bash
# Build "Bitget Terminal.app" and a drag-to-Applications .dmg on macOS (12+, on the architecture to ship: an Apple
# silicon Mac builds arm64, an Intel Mac x86_64; PyInstaller does not cross-compile).
#   packaging/macos/build_macos.sh
# Environment: PYTHON (default .venv/bin/python); CODESIGN_IDENTITY="Developer ID Application: NAME (TEAMID)" to sign
# (the spec signs every binary with the hardened runtime); NOTARY_PROFILE=<notarytool keychain profile> to notarize
# and staple the .dmg. Output: build/macos/BitgetTerminal-<version>-<arch>.dmg
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$repo"
py="${PYTHON:-.venv/bin/python}"
version="$("$py" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')"
arch="$(uname -m)"
app_name="Bitget Terminal"
out="build/macos"
mkdir -p "$out"
start=$SECONDS

"$py" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath build/dist --workpath build/pyinstaller packaging/terminal-app.spec
app="build/dist/$app_name.app"
"$app/Contents/MacOS/terminal-app" --version

if [ -n "${CODESIGN_IDENTITY:-}" ]; then
  # The spec hands the identity and entitlements to PyInstaller, which signs every binary and then the .app itself
  # (hardened runtime); check the seal rather than re-signing with --deep, which Apple discourages.
  codesign --verify --deep --strict --verbose=2 "$app"
fi

dmg="$out/BitgetTerminal-$version-$arch.dmg"
rm -f "$dmg"
if command -v create-dmg >/dev/null 2>&1; then
  # create-dmg (brew install create-dmg): a window with the app and an Applications link side by side.
  create-dmg --volname "$app_name $version" --volicon "resources/icons/icon.icns" \
    --window-size 540 360 --icon-size 112 --icon "$app_name.app" 140 170 \
    --app-drop-link 400 170 --hide-extension "$app_name.app" --no-internet-enable \
    "$dmg" "$app"
else
  # Plain hdiutil: the same content without the arranged window.
  staging="$(mktemp -d)"
  trap 'rm -rf "$staging"' EXIT
  cp -R "$app" "$staging/"
  ln -s /Applications "$staging/Applications"
  hdiutil create -volname "$app_name $version" -srcfolder "$staging" -fs HFS+ -format UDZO -ov "$dmg"
fi

if [ -n "${CODESIGN_IDENTITY:-}" ]; then
  codesign --force --timestamp --sign "$CODESIGN_IDENTITY" "$dmg"
  if [ -n "${NOTARY_PROFILE:-}" ]; then
    xcrun notarytool submit "$dmg" --keychain-profile "$NOTARY_PROFILE" --wait
    xcrun stapler staple "$dmg"
  fi
fi

echo "app  $app  $(du -sh "$app" | cut -f1)"
echo "dmg  $dmg  $(du -h "$dmg" | cut -f1)"
echo "built in $((SECONDS - start)) s"
