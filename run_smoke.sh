#!/usr/bin/env bash
# Post-deployment smoke tests (Robot Framework + pabot) with a rollback verdict.
# Thin wrapper around `python -m smoke_runner "$@"` (all logic lives in smoke_runner/, shared with
# run_smoke.bat). Which Python runs it:
#   - SMOKE_PYTHON=/path/to/python: that interpreter as it is (a container image or a prepared CI
#     agent with requirements.txt installed): no virtual environment is created and nothing is
#     installed, so no network is needed; missing packages are a usage error (exit 2);
#   - otherwise the virtual environment $SMOKE_VENV (default .venv), created with the first Python
#     that is new enough, with requirements.txt (and reference_api/requirements.txt for --demo)
#     installed when imports fail.
# The oldest supported Python is requires-python in pyproject.toml (its one home).
#
# Usage:   PRODUCTION_URL=https://api.example.com ./run_smoke.sh [options]      (./run_smoke.sh --help)
# Exit:    0 PROCEED, 10 MONITOR, 20 INVESTIGATE, 30 ROLLBACK, 3 dry run (no verdict),
#          2 usage/configuration error, 130 interrupted, 1 internal error of the runner
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="${SMOKE_VENV:-$ROOT/.venv}"

die() { echo "ERROR: $*" >&2; exit 2; }

# new_enough PYTHON: true when PYTHON runs and is at least requires-python of pyproject.toml (the
# runner's own reader of it decides, so the wrappers and the runner can never disagree)
NEW_ENOUGH='import sys; sys.path.insert(0, sys.argv[1])
from smoke_runner.preflight.python_version import unsupported_python
sys.exit(unsupported_python())'
new_enough() {
    "$1" -c "$NEW_ENOUGH" "$ROOT" >/dev/null 2>&1
}
FLOOR="the version requires-python of pyproject.toml names"

find_python() {
    local candidate
    for candidate in "${PYTHON:-}" python3 python; do
        [ -n "$candidate" ] || continue
        command -v "$candidate" >/dev/null 2>&1 || continue
        if new_enough "$candidate"; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

demo=0
for arg in "$@"; do [ "$arg" = "--demo" ] && demo=1; done

# importable MODULE... : true when every module can be found (without importing it)
importable() {
    "$VPY" -c 'import importlib.util, sys
sys.exit(any(importlib.util.find_spec(m) is None for m in sys.argv[1:]))' "$@"
}

if [ -n "${SMOKE_PYTHON:-}" ]; then
    VPY="$SMOKE_PYTHON"
    command -v "$VPY" >/dev/null 2>&1 || die "SMOKE_PYTHON=$VPY is not an executable Python"
    new_enough "$VPY" || die "SMOKE_PYTHON=$VPY is older than $FLOOR"
    echo "== Using SMOKE_PYTHON=$VPY as it is (no virtual environment, nothing installed)" >&2
    importable robot pabot RequestsLibrary JSONLibrary requests prometheus_client cryptography psutil yaml \
        || die "SMOKE_PYTHON=$VPY lacks packages of requirements.txt: install them into that Python (or unset SMOKE_PYTHON)"
    if [ "$demo" = 1 ]; then
        importable fastapi uvicorn sqlalchemy jwt argon2 \
            || die "SMOKE_PYTHON=$VPY lacks packages of reference_api/requirements.txt, which --demo needs"
    fi
    BIN="$(dirname "$(command -v "$VPY")")"
else
    if [ ! -x "$VENV/bin/python" ]; then
        PY="$(find_python)" || die "no Python of $FLOOR found (set PYTHON=/path/to/python3)"
        echo "== Creating virtual environment $VENV" >&2
        "$PY" -m venv "$VENV" || die "could not create the virtual environment $VENV"
    fi
    VPY="$VENV/bin/python"
    new_enough "$VPY" || die "the virtual environment $VENV has a Python older than $FLOOR; remove it or set SMOKE_VENV"
    if ! importable robot pabot RequestsLibrary JSONLibrary requests prometheus_client cryptography psutil yaml; then
        echo "== Installing requirements.txt into $VENV" >&2
        "$VPY" -m pip install --quiet --disable-pip-version-check -r "$ROOT/requirements.txt" \
            || die "pip install -r requirements.txt failed"
    fi
    if [ "$demo" = 1 ] && ! importable fastapi uvicorn sqlalchemy jwt argon2; then
        echo "== Installing reference_api/requirements.txt into $VENV (--demo)" >&2
        "$VPY" -m pip install --quiet --disable-pip-version-check -r "$ROOT/reference_api/requirements.txt" \
            || die "pip install -r reference_api/requirements.txt failed"
    fi
    BIN="$VENV/bin"
fi

export PATH="$BIN:$PATH"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
exec "$VPY" -m smoke_runner "$@"
