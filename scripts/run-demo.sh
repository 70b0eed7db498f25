#!/usr/bin/env bash
# Set up (if needed) and open the control room on the built-in virtual smelter.
# Extra arguments go to `hmi-app run`, e.g. --headless --duration 20 --snapshot-json out.json
# Ctrl+C or SIGTERM closes the control room cleanly (session saved, data files closed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [[ " $* " != *" --headless "* ]]; then
  echo "No display found: running the control room on a virtual X server (xvfb-run)." >&2
  # xvfb-run does not pass signals on (a SIGTERM to it would stop the X server under the running
  # application), so the signal goes to the application itself, whose pid the wrapper writes down.
  pidfile=$(mktemp)
  trap 'rm -f "$pidfile"' EXIT
  forward() { kill -TERM "$(cat "$pidfile")" 2>/dev/null || true; }
  trap forward INT TERM
  xvfb-run -a -s "-screen 0 1600x1000x24" \
    bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" .venv/bin/hmi-app run --demo "$@" &
  runner=$!
  status=0
  wait "$runner" || status=$?
  if kill -0 "$runner" 2>/dev/null; then  # woken by a signal: wait for the application to finish
    status=0
    wait "$runner" || status=$?
  fi
  exit "$status"
fi
exec .venv/bin/hmi-app run --demo "$@"
