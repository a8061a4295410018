#!/usr/bin/env bash
# The project's own checks, from a fresh clone: Robocop (lint + format), Ruff (lint + format),
# mypy --strict, robot --dryrun over the suites, the keyword docs build, and pytest.
#
#   ./run_tests.sh            the tier a maintainer runs before every commit (about 5 minutes on 2 cores):
#                             every suite proof at least once, the runner's verdicts, the reference API
#   ./run_tests.sh --full     what CI runs: also the slow consumers (Chromium, Prometheus, the guide
#                             replay, the long runs; tests marked `full`) and, under every supported
#                             Python (pyproject.toml), the unit tier and one --demo
#   ./run_tests.sh [--full] [pytest arguments...]   e.g. ./run_tests.sh -k health -x
#   ./run_tests.sh -m suites  the suite-level checks after adding a test (docs/adding-a-smoke-test.md)
#
# Creates .venv and installs requirements-dev.txt when needed.
set -euo pipefail
cd "$(dirname "$0")"

full=0
if [ "${1:-}" = "--full" ]; then
    full=1
    shift
fi

VENV="${VENV:-.venv}"
PYTHON="${PYTHON:-python3}"
if [ ! -x "$VENV/bin/python" ]; then
    echo "== Creating virtual environment $VENV"
    "$PYTHON" -m venv "$VENV"
fi
stamp="$VENV/.requirements-dev.sha256"
wanted="$(cat requirements.txt reference_api/requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
    echo "== Installing requirements-dev.txt"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
    echo "$wanted" > "$stamp"
fi
export PATH="$PWD/$VENV/bin:$PATH"

versions_log=""
if [ "$full" = 1 ]; then
    # The other Pythons' environments are mostly downloads: prepared while the checks below run.
    versions_log="$(mktemp)"
    python -m tests.support.python_versions prepare > "$versions_log" 2>&1 &
    versions_pid=$!
fi

echo "== Robocop lint"
robocop check
echo "== Robocop format (check only)"
robocop format --check --diff
echo "== Ruff lint (Python)"
ruff check .
echo "== Ruff format (check only)"
ruff format --check .
echo "== mypy --strict (smoke_runner/, libraries/SmokeLibrary/)"
mypy --strict smoke_runner libraries/SmokeLibrary
echo "== robot --dryrun over the suites"
robot --dryrun --output NONE --log NONE --report NONE --console dotted suites
echo "== Keyword documentation (libdoc)"
python docs/build_keyword_docs.py

# Two workers, one test file at a time each (module fixtures stay in one worker): most tests wait on
# a robot run or a server, so this halves the time on a 2-core machine. PYTEST_WORKERS=0 runs serially.
workers="${PYTEST_WORKERS:-2}"
tier=()
[ "$full" = 1 ] && tier=(--full)
echo "== pytest${tier[*]:+ ${tier[*]}}"
if [ "$workers" = "0" ]; then
    python -m pytest "${tier[@]}" "$@"
else
    python -m pytest -n "$workers" --dist loadfile "${tier[@]}" "$@"
fi

if [ "$full" = 1 ]; then
    echo "== Every supported Python: the unit tier and one --demo"
    if ! wait "$versions_pid"; then
        cat "$versions_log"
        exit 1
    fi
    python -m tests.support.python_versions check
fi
