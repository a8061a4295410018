"""Helpers of the health suite's tests: running the suite and reading what it logged."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from robot.api import ExecutionResult
from robot.result import TestCase as RobotTest

from tests.support.proof_run import describe
from tests.support.robot_run import RobotRun, run_suite
from tests.support.suite_model import guarded_by_stand_in, names_of

#: The health checks, read from suites/health.robot.
HEALTH_TESTS = names_of("health")
#: The certificate check: the one test proven by the broken-certificate stand-ins (test_suite_tls.py).
SSL_TEST = guarded_by_stand_in("health", "bad-certificate")[0].name
#: Each test's status and message, and the end of the console output (for assertion messages).
describe_run = describe


#: What the health suite's runs must not inherit from the machine (a CA bundle, a required Redis).
CLEAN_ENV = {"CA_BUNDLE": "", "REDIS_REQUIRED": "", "REQUESTS_CA_BUNDLE": "", "CURL_CA_BUNDLE": ""}


def run_health(base_url: str, output_dir: Path, tests: Sequence[str] = (), **options: Any) -> RobotRun:
    """Run ``suites/health.robot`` (all of it, or ``tests``) against ``base_url`` with a clean TLS/Redis
    environment; ``options`` as :func:`tests.support.robot_run.run_suite` takes them (``env`` is added
    to the clean one)."""
    env = {**CLEAN_ENV, **(options.pop("env", None) or {})}
    return run_suite("health", base_url, output_dir, tests=tests, env=env, **{"timeout": 240.0, **options})


def robot_test_named(output: Path, name: str) -> RobotTest:
    """The one test called ``name`` in the output file ``output``."""
    found = [test for test in ExecutionResult(str(output)).suite.all_tests if test.name == name]
    assert len(found) == 1, f"{len(found)} tests named {name!r} in {output}"
    return found[0]


def messages_under(item: object) -> list[str]:
    """Every log message under a test or keyword, depth first."""
    found = []
    for child in getattr(item, "body", ()):
        if getattr(child, "type", "") == "MESSAGE":
            found.append(str(child.message))
        found += messages_under(child)
    return found
