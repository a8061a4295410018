"""A healthy reference API passes the whole health suite, over HTTP and over HTTPS."""

from __future__ import annotations

import time
from pathlib import Path

from tests.support.artifacts import artifacts_containing
from tests.support.robot_run import RobotRun
from tests.support.suite_model import only_test_broken_by_fault

from ._support import HEALTH_TESTS, SSL_TEST, describe_run, run_health

REDIS_TEST = only_test_broken_by_fault("health", "health_no_redis_check").name
HEADERS_TEST = only_test_broken_by_fault("health", "missing_security_headers").name


def _assert_all_pass(run: RobotRun, skipped: set[str]) -> None:
    assert sorted(run.tests) == sorted(HEALTH_TESTS), describe_run(run)
    for name in HEALTH_TESTS:
        expected = "SKIP" if name in skipped else "PASS"
        assert run.status(name) == expected, describe_run(run)


def test_every_check_passes_over_http(healthy_api, tmp_path: Path) -> None:
    started = time.monotonic()
    run = run_health(healthy_api.base_url, tmp_path)
    _assert_all_pass(run, skipped={SSL_TEST, REDIS_TEST})
    assert "plain HTTP" in run.message(SSL_TEST)
    assert "Redis is not configured" in run.message(REDIS_TEST)
    assert time.monotonic() - started < 30


def test_every_check_passes_over_https(healthy_tls_api, tmp_path: Path) -> None:
    run = run_health(healthy_tls_api.base_url, tmp_path, env={"CA_BUNDLE": str(healthy_tls_api.ca_bundle)})
    _assert_all_pass(run, skipped={REDIS_TEST})


def test_no_artifact_contains_the_test_password(healthy_api, tmp_path: Path) -> None:
    password = "Health-Smoke-Password-7f3a9c"
    run = run_health(healthy_api.base_url, tmp_path, env={"TEST_PASSWORD": password}, tests=[HEADERS_TEST])
    assert run.status(HEADERS_TEST) == "PASS", describe_run(run)
    assert not artifacts_containing(run.output_dir, password)
