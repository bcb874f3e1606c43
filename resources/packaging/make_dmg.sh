#!/usr/bin/env bash
# Build the macOS disk image from the app that `pyinstaller build.spec` made (docs/packaging.md).
#
#   bash resources/packaging/make_dmg.sh [dist/Casefile.app]
#
# Writes dist/Casefile-<version>-macos-<arch>.dmg: the app and a link to /Applications, so
# the user drags one onto the other. The version comes from the app's Info.plist (which
# build.spec filled from the package). With CASEFILE_CODESIGN_IDENTITY set the disk image
# is signed too; notarise it afterwards (docs/packaging.md, "Notarising").
set -euo pipefail
cd "$(dirname "$0")/../.."

app="${1:-dist/Casefile.app}"
if [ ! -d "$app" ]; then
  echo "make_dmg.sh: $app not found; run 'pyinstaller build.spec' first" >&2
  exit 1
fi
plist="$app/Contents/Info.plist"
name=$(/usr/libexec/PlistBuddy -c "Print :CFBundleName" "$plist")
version=$(/usr/libexec/PlistBuddy -c "Print :CFBundleShortVersionString" "$plist")
arch="${CASEFILE_TARGET_ARCH:-$(uname -m)}"
dmg="dist/${name}-${version}-macos-${arch}.dmg"

# A signature that does not verify now would make Gatekeeper refuse the app later.
codesign --verify --deep --strict --verbose=2 "$app"

staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
# ditto keeps the bundle's symlinks, extended attributes and signatures intact.
ditto "$app" "$staging/${name}.app"
ln -s /Applications "$staging/Applications"

rm -f "$dmg"
hdiutil create -volname "${name} ${version}" -srcfolder "$staging" -fs HFS+ \
  -format UDZO -imagekey zlib-level=9 -ov "$dmg"

if [ -n "${CASEFILE_CODESIGN_IDENTITY:-}" ]; then
  codesign --force --sign "$CASEFILE_CODESIGN_IDENTITY" --timestamp "$dmg"
  codesign --verify --verbose=2 "$dmg"
fi

hdiutil verify "$dmg"
echo "$dmg"
