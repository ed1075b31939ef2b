#!/usr/bin/env bash
# ctest "package_deb": builds the .deb with CPack from the build tree, unpacks it into a scratch root
# (dpkg -x, no installation) and runs the packaged attnscope-cli on the packaged demo model.
# Usage: package_check.sh BUILD_DIR
set -euo pipefail
build=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$build"
cpack -G DEB -B "$work/out" >"$work/cpack.log" 2>&1 || { cat "$work/cpack.log"; exit 1; }
deb=$(ls "$work"/out/*.deb)
echo "package: $(basename "$deb") ($(du -h "$deb" | cut -f1))"
dpkg-deb --info "$deb" | grep -E "Package|Version|Depends" || true
root="$work/root"
dpkg -x "$deb" "$root"
for path in usr/bin/attnscope-cli usr/share/attnscope/models/attnscope-demo/config.json \
    usr/share/attnscope/models/attnscope-demo/model.safetensors usr/share/attnscope/samples/long.txt; do
    [[ -e "$root/$path" ]] || { echo "missing from the package: $path"; exit 1; }
done
if [[ -e "$build/studio/attnscope-studio" ]]; then
    for path in usr/bin/attnscope-studio usr/share/applications/attnscope.desktop \
        usr/share/icons/hicolor/scalable/apps/attnscope.svg; do
        [[ -e "$root/$path" ]] || { echo "missing from the package: $path"; exit 1; }
    done
fi
info=$("$root/usr/bin/attnscope-cli" info "$root/usr/share/attnscope/models/attnscope-demo" --json)
echo "$info" | grep -qE '"layers": [1-9]' || { echo "unexpected info: $info"; exit 1; }
echo "$info" | grep -qE '"kv_heads": [1-9]' || { echo "unexpected info: $info"; exit 1; }
# The packaged CLI finds the packaged samples by name only when installed under /usr; from the scratch
# root, analyze the packaged sample by path.
"$root/usr/bin/attnscope-cli" analyze "$root/usr/share/attnscope/models/attnscope-demo" \
    --text-file "$root/usr/share/attnscope/samples/short.txt" --analyses sinks --json >/dev/null
echo "package ok"
