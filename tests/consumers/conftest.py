"""The consumer tests' runs (tests/consumers/README.md).

Tests marked ``full`` run the consumers' own parsers (the Jenkins plugin's, compiled with javac;
GitLab's, under Ruby) from sources a developer has at hand: they belong to the full tier
(``./run_tests.sh --full``, tests/conftest.py). Without the sources they are skipped with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.consumers import _runs


@pytest.fixture(scope="module")
def throwaway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_runs.Run]:
    """A runner run on throwaway suites: passed, failed twice, skipped and flaky tests."""
    yield _runs.throwaway_run(tmp_path_factory.mktemp("throwaway"))


@pytest.fixture(scope="module")
def throwaway_gitlab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_runs.Run]:
    """The throwaway run with the JUnit files in GitLab's flavour (``--junit-flavour gitlab``)."""
    yield _runs.throwaway_run(tmp_path_factory.mktemp("throwaway-gitlab"), _runs.GITLAB_FLAVOUR)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_runs.Run]:
    """A ``--demo`` run with a flaky workflow and a health check that fails twice, its JUnit files in
    GitLab's flavour (the full tier reads its output.xml with Jenkins' parser, its JUnit with GitLab's)."""
    yield _runs.demo_run(tmp_path_factory.mktemp("demo"), _runs.GITLAB_FLAVOUR)
