"""Stand-ins for a broken target, served on loopback by the tests themselves: a server answering
the same page to everything, HTTPS servers presenting a given certificate, and the certificates."""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import trustme


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
def _serving(server: ThreadingHTTPServer, scheme: str) -> Iterator[str]:
    """``server`` answering in a thread until the block ends; yields its base URL."""
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"{scheme}://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def same_page_stand_in(body: bytes, content_type: str) -> Iterator[str]:
    """A plain HTTP server on 127.0.0.1 that answers 200 with ``body`` to every request; yields its URL."""
    handler = type("SamePage", (_Handler,), {"body": body, "content_type": content_type})
    with _serving(ThreadingHTTPServer(("127.0.0.1", 0), handler), "http") as url:
        yield url


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
    with _serving(server, "https") as url:
        yield url


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
