"""The project's test tiers and markers, all declared by the test modules themselves.

* ``suites``: the suite-level checks (``./run_tests.sh -m suites``), the tests that read the suites:
  the healthy runs, the proof runs, the declarations and the runner's end-to-end verdicts,
  everything that must hold again when a test is added to ``suites/*.robot``
  (docs/adding-a-smoke-test.md). A module says so with ``pytestmark = pytest.mark.suites``.
* ``unit``: starts no process and no server: also run under every other supported Python
  (tests/support/python_versions.py).
* ``full``: a slow consumer (a real Prometheus, Chromium, the guide replayed, a long run) or another
  case of a path the default tier already runs end to end: only in the full tier,
  ``./run_tests.sh --full`` (what CI runs); otherwise deselected.
"""

from __future__ import annotations

import os

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--full",
        action="store_true",
        default=False,
        help="the full tier: also the tests marked full (slow consumers, every Python version); what CI runs",
    )


def full_tier(config: pytest.Config) -> bool:
    """Whether the full tier was asked for (``--full``, or ``SMOKE_TESTS_FULL=1``)."""
    return bool(config.getoption("--full")) or os.environ.get("SMOKE_TESTS_FULL") == "1"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "full: a slow check (a real consumer, a long run, another Python); only in the full tier (--full)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without ``--full``, the tests marked ``full`` are not collected (deselected, not skipped)."""
    if full_tier(config):
        return
    deselected = [item for item in items if item.get_closest_marker("full")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("full")]
