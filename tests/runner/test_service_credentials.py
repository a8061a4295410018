"""Credentials in PUSHGATEWAY_URL and ALERT_WEBHOOK_URL are sent as HTTP Basic auth to a loopback
receiver that checks them, and appear in no artifact and not on the console (issue 9, row 11)."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from tests.runner.helpers import run_runner
from tests.support.artifacts import artifacts_containing

USER = "pushuser"
PASSWORD = "Pa55:w@rd/Secret%41"  # reserved characters, percent-encoded in the URL
URL_PASSWORD = "Pa55%3Aw%40rd%2FSecret%2541"


class BasicAuthReceiver:
    """Loopback server that answers 200 only with the expected Basic credentials (401 otherwise)
    and records (method, path, authorised) of every request."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, bool]] = []
        expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0") or 0))
                authorised = self.headers.get("Authorization") == expected
                receiver.requests.append((self.command, self.path, authorised))
                self.send_response(200 if authorised else 401)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_POST = do_PUT = _answer  # noqa: N815 - http.server API

            def log_message(self, *args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "") -> str:
        return f"http://{USER}:{URL_PASSWORD}@127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[BasicAuthReceiver]:
    server = BasicAuthReceiver()
    yield server
    server.close()


def test_credentials_in_the_pushgateway_and_webhook_urls_are_sent_as_basic_auth(
    results_dir: Path, closed_port_url: str, receiver: BasicAuthReceiver
) -> None:
    env = {
        "PRODUCTION_URL": closed_port_url,
        "PUSHGATEWAY_URL": receiver.url(),
        "ALERT_WEBHOOK_URL": receiver.url("/hooks/smoke"),
    }
    run = run_runner(["--no-rerun"], results_dir, env=env, timeout=60)
    assert run.returncode == 30, run.console  # the preflight fails: ROLLBACK, pushed and alerted
    assert ("PUT", "/metrics/job/smoke_tests/environment/127.0.0.1", True) in receiver.requests, receiver.requests
    assert ("POST", "/hooks/smoke", True) in receiver.requests, receiver.requests
    assert all(authorised for _, _, authorised in receiver.requests), receiver.requests
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
