"""The consumer tests' tiers and runs (tests/consumers/README.md).

Tests marked ``full`` run the consumers' own parsers (the Jenkins plugin's, compiled with javac;
GitLab's, under Ruby) from sources a developer has at hand. They are slow and need those sources, so
they only run when asked: ``pytest --full`` (once tests/conftest.py registers the option) or
``SMOKE_TESTS_FULL=1``. Without the sources they are skipped with the reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.consumers import _runs

HERE = Path(__file__).resolve().parent


def full_tier(config: pytest.Config) -> bool:
    """Whether the full tier was asked for (``--full`` or ``SMOKE_TESTS_FULL=1``)."""
    return bool(config.getoption("--full", default=False)) or os.environ.get("SMOKE_TESTS_FULL") == "1"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "full: slow checks with a real consumer; run with --full or SMOKE_TESTS_FULL=1")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if full_tier(config):
        return
    skip = pytest.mark.skip(reason="full tier: run with --full or SMOKE_TESTS_FULL=1 (tests/consumers/README.md)")
    for item in items:
        if Path(str(item.fspath)).resolve().is_relative_to(HERE) and item.get_closest_marker("full"):
            item.add_marker(skip)


@pytest.fixture(scope="module")
def throwaway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_runs.Run]:
    """A runner run on throwaway suites: passed, failed twice, skipped and flaky tests."""
    yield _runs.throwaway_run(tmp_path_factory.mktemp("throwaway"))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_runs.Run]:
    """A ``--demo`` run with a flaky workflow and a health check that fails twice."""
    yield _runs.demo_run(tmp_path_factory.mktemp("demo"))
