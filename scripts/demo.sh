#!/usr/bin/env bash
# Install everything and start the demo: server (SQLite in ./data), a demo clerk
# account, the clerk app, and a printed citizen link to open in a browser.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/videoschalter demo --data data "$@"
