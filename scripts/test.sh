#!/usr/bin/env bash
# Install everything and run all tests (lint, unit, server, GUI offscreen, end to end
# with real Chromium). Extra arguments go to pytest, e.g. scripts/test.sh -k queue
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export QT_QPA_PLATFORM=offscreen OMP_THREAD_LIMIT=1 PYTHONDONTWRITEBYTECODE=1
.venv/bin/ruff check .
exec .venv/bin/python -m pytest "$@"
