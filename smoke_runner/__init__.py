"""Smoke-test runner: preflight, parallel Robot Framework run, re-run of failures, verdict, artifacts.

``run_smoke.sh`` and ``run_smoke.bat`` are thin wrappers around ``python -m smoke_runner``.
See ``docs/runner.md`` for options, artifacts, exit codes and the verdict rules.
"""

from __future__ import annotations

from pathlib import Path

#: Root of the repository (the folder that holds ``suites/`` and ``variables/``).
REPO_ROOT = Path(__file__).resolve().parent.parent

__all__ = ["REPO_ROOT"]
