#!/usr/bin/env bash
# ctest "setup_idempotent": on a machine scripts/test has already set up, scripts/setup must print
# nothing, succeed, and leave the installed package set unchanged.
set -euo pipefail
root=$1
before=$(dpkg-query -W -f='${Package} ${Version} ${Status}\n' | sort | sha256sum)
output=$("$root/scripts/setup" 2>&1)
after=$(dpkg-query -W -f='${Package} ${Version} ${Status}\n' | sort | sha256sum)
if [[ -n "$output" ]]; then
    echo "scripts/setup printed output on an already set-up machine:"; echo "$output"; exit 1
fi
if [[ "$before" != "$after" ]]; then
    echo "scripts/setup changed the installed packages on an already set-up machine"; exit 1
fi
echo "scripts/setup: nothing to do, nothing changed"
