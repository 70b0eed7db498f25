#!/usr/bin/env bash
# Set up (if needed) and open the control room on the built-in virtual smelter.
# Extra arguments go to `hmi-app run`, e.g. --headless --duration 20 --snapshot-json out.json
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [[ " $* " != *" --headless "* ]]; then
  echo "No display found: running the control room on a virtual X server (xvfb-run)." >&2
  exec xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/hmi-app run --demo "$@"
fi
exec .venv/bin/hmi-app run --demo "$@"
