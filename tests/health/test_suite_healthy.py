"""A healthy reference API passes the whole health suite, over HTTP and over HTTPS.

The run over HTTP is made once (with a test password, and credentials in the target's URL) and
read by every check of it below.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.artifacts import artifacts_containing
from tests.support.robot_run import RobotRun
from tests.support.server import ReferenceApi
from tests.support.suite_model import only_test_broken_by_fault

from ._support import HEALTH_TESTS, SSL_TEST, describe_run, messages_under, robot_test_named, run_health

pytestmark = pytest.mark.suites

REDIS_TEST = only_test_broken_by_fault("health", "health_no_redis_check").name
SLA_TEST = only_test_broken_by_fault("health", "slow_responses").name
#: A check that registers and logs in with the test password.
HEADERS_TEST = only_test_broken_by_fault("health", "missing_security_headers").name
TEST_PASSWORD = "Health-Smoke-Password-7f3a9c"
#: A password a deployer wrote into PRODUCTION_URL (known trap: Robot logs every request URL).
URL_PASSWORD = "UrlSecret-90210"
HttpRun = tuple[RobotRun, float]  # the run and how long it took


@pytest.fixture(scope="module")
def http_run(healthy_api: ReferenceApi, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpRun]:
    """The whole suite over HTTP, with a test password and ``deployer:<password>@`` in the URL."""
    started = time.monotonic()
    url = healthy_api.base_url.replace("http://", f"http://deployer:{URL_PASSWORD}@")
    run = run_health(url, tmp_path_factory.mktemp("http"), env={"TEST_PASSWORD": TEST_PASSWORD})
    yield run, time.monotonic() - started


def _assert_all_pass(run: RobotRun, skipped: set[str]) -> None:
    assert sorted(run.tests) == sorted(HEALTH_TESTS), describe_run(run)
    for name in HEALTH_TESTS:
        expected = "SKIP" if name in skipped else "PASS"
        assert run.status(name) == expected, describe_run(run)


def test_every_check_passes_over_http(http_run: HttpRun) -> None:
    run, seconds = http_run
    _assert_all_pass(run, skipped={SSL_TEST, REDIS_TEST})
    assert "plain HTTP" in run.message(SSL_TEST)
    assert "Redis is not configured" in run.message(REDIS_TEST)
    assert seconds < 30


def test_every_check_passes_over_https(healthy_tls_api: ReferenceApi, tmp_path: Path) -> None:
    run = run_health(healthy_tls_api.base_url, tmp_path, env={"CA_BUNDLE": str(healthy_tls_api.ca_bundle)})
    _assert_all_pass(run, skipped={REDIS_TEST})


def test_no_artifact_contains_the_test_password(http_run: HttpRun) -> None:
    run, _ = http_run
    assert run.status(HEADERS_TEST) == "PASS", describe_run(run)
    assert not artifacts_containing(run.output_dir, TEST_PASSWORD)


def test_a_password_in_production_url_reaches_no_artifact(http_run: HttpRun) -> None:
    """Robot logs every request URL; credentials written into PRODUCTION_URL must be masked there too."""
    run, _ = http_run
    assert URL_PASSWORD not in run.stdout
    assert not artifacts_containing(run.output_dir, URL_PASSWORD)


def test_a_healthy_deployment_gets_every_sla_sample_in_one_table(http_run: HttpRun) -> None:
    """Sampling stops early only when the SLA is decided; a healthy deployment gets all of them, in one
    table, without RequestsLibrary's request and response lines."""
    run, _ = http_run
    messages = messages_under(robot_test_named(run.output_dir / "output.xml", SLA_TEST))
    tables = [message for message in messages if "Response times of" in message]
    assert len(tables) == 1, messages
    assert tables[0].count("<td>20 of 20</td>") == 3 and "yes:" not in tables[0], tables[0]
    assert not [message for message in messages if "GET Request :" in message or "GET Response :" in message]
