#!/usr/bin/env bash
# Set up (if needed) and run the whole test suite: layer contracts, lint, then pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/lint-imports
.venv/bin/ruff check .
exec .venv/bin/pytest "$@"
