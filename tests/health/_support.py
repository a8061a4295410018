"""Helpers of the health suite's tests: running the suite, TLS stand-in servers."""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import trustme

from tests.support.robot_run import RobotRun, run_suite
from tests.support.suite_model import guarded_by_stand_in, names_of

#: The health checks, read from suites/health.robot.
HEALTH_TESTS = names_of("health")
#: The certificate check: the one test proven by the broken-certificate stand-ins (test_suite_tls.py).
SSL_TEST = guarded_by_stand_in("health", "bad-certificate")[0].name


def run_health(
    base_url: str,
    output_dir: Path,
    tests: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    variables: Mapping[str, str] | None = None,
    timeout: float = 240.0,
) -> RobotRun:
    """Run ``suites/health.robot`` against ``base_url`` with a clean TLS/Redis environment."""
    clean = {"CA_BUNDLE": "", "REDIS_REQUIRED": "", "REQUESTS_CA_BUNDLE": "", "CURL_CA_BUNDLE": ""}
    return run_suite(
        "health", base_url, output_dir, env={**clean, **(env or {})}, variables=variables, tests=tests, timeout=timeout
    )


def describe_run(run: RobotRun) -> str:
    """Every test's status and message, for assertion messages."""
    lines = [f"{outcome.status} {name}: {outcome.message}" for name, outcome in run.tests.items()]
    return "\n".join(lines) + "\n" + run.stdout[-3000:]


class _Handler(BaseHTTPRequestHandler):
    """Answers every request with the same 200 page (a passing health document unless told otherwise)."""

    body = json.dumps({"status": "pass", "checks": {"database": {"status": "pass"}}}).encode()
    content_type = "application/json"

    def _answer(self) -> None:
        body = self.body
        self.send_response(200)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_OPTIONS = do_DELETE = _answer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        return


@contextmanager
def same_page_stand_in(body: bytes, content_type: str) -> Iterator[str]:
    """A plain HTTP server on 127.0.0.1 that answers 200 with ``body`` to every request; yields its URL."""
    handler = type("SamePage", (_Handler,), {"body": body, "content_type": content_type})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def tls_stand_in(
    cert: trustme.LeafCert,
    minimum: ssl.TLSVersion = ssl.TLSVersion.TLSv1_2,
) -> Iterator[str]:
    """An HTTPS server on 127.0.0.1 presenting ``cert``; yields its base URL."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = minimum
    if minimum < ssl.TLSVersion.TLSv1_2:
        context.set_ciphers("ALL:@SECLEVEL=0")
    cert.configure_cert(context)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def leaf(ca: trustme.CA, *names: str, days_before: float = 1, days_after: float = 90) -> trustme.LeafCert:
    """A leaf certificate for ``names`` valid from ``days_before`` ago until ``days_after`` from now."""
    now = datetime.now(timezone.utc)
    return ca.issue_cert(
        *(names or ("127.0.0.1", "localhost")),
        not_before=now - timedelta(days=days_before),
        not_after=now + timedelta(days=days_after),
    )


def write_ca(ca: trustme.CA, directory: Path, name: str = "ca.pem") -> str:
    """Write the CA certificate and return its path."""
    path = directory / name
    ca.cert_pem.write_to_path(str(path))
    return str(path)
