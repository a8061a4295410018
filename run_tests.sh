#!/usr/bin/env bash
# Runs every check of this project from a fresh clone:
#   Robocop (lint + format), Ruff (lint + format) and mypy --strict (configured in pyproject.toml),
#   robot --dryrun over the suites, the keyword docs build, and pytest
#   (the reference API's tests, the suites against a healthy and a deliberately broken reference
#   API, the runner's verdicts). Creates .venv and installs requirements-dev.txt when needed.
# Usage: ./run_tests.sh [pytest arguments...]      e.g. ./run_tests.sh -k health -x
#        ./run_tests.sh -m suites   the suite-level checks after adding a test (docs/adding-a-smoke-test.md)
set -euo pipefail
cd "$(dirname "$0")"

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
if [ -f docs/build_keyword_docs.py ]; then
    echo "== Keyword documentation (libdoc)"
    python docs/build_keyword_docs.py
fi
echo "== pytest"
# Two workers, one test file at a time each (module fixtures stay in one worker): most tests wait on
# a robot run or a server, so this halves the time on a 2-core machine. PYTEST_WORKERS=0 runs serially.
workers="${PYTEST_WORKERS:-2}"
if [ "$workers" = "0" ]; then
    python -m pytest "$@"
else
    python -m pytest -n "$workers" --dist loadfile "$@"
fi
