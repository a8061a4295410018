#!/usr/bin/env bash
# Post-deployment smoke tests (Robot Framework + pabot) with a rollback verdict.
# Thin wrapper: finds Python 3.9+, creates/uses the virtual environment ($SMOKE_VENV or .venv),
# installs requirements.txt (and reference_api/requirements.txt for --demo) when imports fail,
# puts the venv's bin/ first on PATH (pabot starts `robot` from PATH) and runs
# `python -m smoke_runner "$@"`. All logic lives in smoke_runner/ (shared with run_smoke.bat).
#
# Usage:   PRODUCTION_URL=https://api.example.com ./run_smoke.sh [options]      (./run_smoke.sh --help)
# Exit:    0 PROCEED, 10 MONITOR, 20 INVESTIGATE, 30 ROLLBACK, 3 dry run (no verdict),
#          2 usage/configuration error, 130 interrupted, 1 internal error of the runner
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="${SMOKE_VENV:-$ROOT/.venv}"

die() { echo "ERROR: $*" >&2; exit 2; }

find_python() {
    local candidate
    for candidate in "${PYTHON:-}" python3 python; do
        [ -n "$candidate" ] || continue
        command -v "$candidate" >/dev/null 2>&1 || continue
        if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 9))' >/dev/null 2>&1; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

if [ ! -x "$VENV/bin/python" ]; then
    PY="$(find_python)" || die "Python 3.9+ not found (set PYTHON=/path/to/python3)"
    echo "== Creating virtual environment $VENV" >&2
    "$PY" -m venv "$VENV" || die "could not create the virtual environment $VENV"
fi
VPY="$VENV/bin/python"

demo=0
for arg in "$@"; do [ "$arg" = "--demo" ] && demo=1; done

# importable MODULE... : true when every module can be found (without importing it); exit code 3
# when the venv's Python is older than 3.9 (one Python start checks both)
importable() {
    "$VPY" -c 'import sys
if sys.version_info < (3, 9): sys.exit(3)
import importlib.util
sys.exit(any(importlib.util.find_spec(m) is None for m in sys.argv[1:]))' "$@"
}
if importable robot pabot RequestsLibrary JSONLibrary requests prometheus_client cryptography; then found=0; else found=$?; fi
[ "$found" != 3 ] || die "the virtual environment $VENV has Python < 3.9; remove it or set SMOKE_VENV"
if [ "$found" != 0 ]; then
    echo "== Installing requirements.txt into $VENV" >&2
    "$VPY" -m pip install --quiet --disable-pip-version-check -r "$ROOT/requirements.txt" \
        || die "pip install -r requirements.txt failed"
fi
if [ "$demo" = 1 ] && ! importable fastapi uvicorn sqlalchemy jwt argon2; then
    echo "== Installing reference_api/requirements.txt into $VENV (--demo)" >&2
    "$VPY" -m pip install --quiet --disable-pip-version-check -r "$ROOT/reference_api/requirements.txt" \
        || die "pip install -r reference_api/requirements.txt failed"
fi

export PATH="$VENV/bin:$PATH"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
exec "$VPY" -m smoke_runner "$@"
