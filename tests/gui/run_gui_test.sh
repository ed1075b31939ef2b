#!/usr/bin/env bash
# Runs one GUI test binary: directly when a display exists, else under a private Xvfb server.
set -euo pipefail
if [[ -n "${DISPLAY:-}" || -n "${WAYLAND_DISPLAY:-}" ]]; then
    exec "$@"
fi
if ! command -v xvfb-run >/dev/null 2>&1; then
    echo "no display and no xvfb-run: install xvfb (scripts/setup does)" >&2
    exit 1
fi
exec xvfb-run -a -s "-screen 0 1600x1000x24" "$@"
