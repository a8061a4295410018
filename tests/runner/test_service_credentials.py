"""Credentials in PUSHGATEWAY_URL and ALERT_WEBHOOK_URL are sent as HTTP Basic auth to a loopback
receiver that checks them, and appear in no artifact and not on the console (issue 9, row 11)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.runner.helpers import run_runner
from tests.support.artifacts import artifacts_containing
from tests.support.hostile import HostileServer, basic_auth

USER = "pushuser"
PASSWORD = "Pa55:w@rd/Secret%41"  # reserved characters, percent-encoded in the URL
URL_PASSWORD = "Pa55%3Aw%40rd%2FSecret%2541"


@pytest.fixture
def receiver() -> Iterator[HostileServer]:
    """A loopback receiver that answers 200 only with the expected Basic credentials (401 otherwise)."""
    with HostileServer(basic_auth(USER, PASSWORD)) as server:
        yield server


def with_credentials(server: HostileServer, path: str = "") -> str:
    """The receiver's URL with the user and the percent-encoded password in it."""
    return f"http://{USER}:{URL_PASSWORD}@127.0.0.1:{server.port}{path}"


def test_credentials_in_the_pushgateway_and_webhook_urls_are_sent_as_basic_auth(
    results_dir: Path, closed_port_url: str, receiver: HostileServer
) -> None:
    env = {
        "PRODUCTION_URL": closed_port_url,
        "PUSHGATEWAY_URL": with_credentials(receiver),
        "ALERT_WEBHOOK_URL": with_credentials(receiver, "/hooks/smoke"),
    }
    run = run_runner(["--no-rerun"], results_dir, env=env, timeout=60)
    assert run.returncode == 30, run.console  # the preflight fails: ROLLBACK, pushed and alerted
    expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    seen = [(r.method, r.path, r.headers.get("Authorization") == expected) for r in receiver.requests]
    assert ("PUT", "/metrics/job/smoke_tests/environment/127.0.0.1", True) in seen, seen
    assert ("POST", "/hooks/smoke", True) in seen, seen
    assert all(authorised for _, _, authorised in seen), seen
    assert "failed" not in run.stderr, run.stderr
    for secret in (PASSWORD, URL_PASSWORD, "Pa55", USER):
        assert secret not in run.console
        assert not artifacts_containing(results_dir, secret), secret


@pytest.mark.parametrize("name", ["PUSHGATEWAY_URL", "ALERT_WEBHOOK_URL"])
def test_service_credentials_over_plain_http_to_another_host_are_a_configuration_error(
    results_dir: Path, closed_port_url: str, name: str
) -> None:
    run = run_runner(
        [],
        results_dir,
        env={"PRODUCTION_URL": closed_port_url, name: f"http://{USER}:{URL_PASSWORD}@metrics.example.com/x"},
        timeout=60,
    )
    assert run.returncode == 2, run.console
    assert f"{name} carries credentials over plain http://" in run.stderr
    assert URL_PASSWORD not in run.console and PASSWORD not in run.console
