"""The one hostile or recording HTTP server of the tests, on loopback, started by the tests themselves.

    with HostileServer(echo_handler) as server:
        requests.get(server.url + "/health")
    server.requests  # what it received

A handler writes every answer: a fixed one (``answer``), one that demands HTTP Basic credentials
(``basic_auth``), statuses in turn (``statuses``), or a hostile one (an echo of secrets, a trickle, an
endless body, a stall, a redirect elsewhere). With ``tls`` (an ``ssl.SSLContext``) it serves HTTPS.
Every handler is bounded: it stops sending after its own limit or when the server stops.
"""

from __future__ import annotations

import base64
import json
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import quote_plus

HEALTHY = {"status": "healthy", "version": "1.0.0", "database": "connected", "redis": "not configured"}


@dataclass
class Received:
    """One request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def text(self) -> str:
        return f"{self.method} {self.path}\n{self.headers}\n{self.body.decode('utf-8', errors='replace')}"


Handler = Callable[["HostileServer", BaseHTTPRequestHandler, Received], None]


@dataclass
class HostileServer:
    """A threaded HTTP server whose every answer is written by ``handler``; records each request."""

    handler: Handler
    tls: ssl.SSLContext | None = None
    requests: list[Received] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - base class name
                return

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                received = Received(self.command, self.path, dict(self.headers), body)
                server.requests.append(received)
                try:
                    server.handler(server, self, received)
                except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
                    self.close_connection = True

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = _any

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        if self.tls is not None:
            self._server.socket = self.tls.wrap_socket(self._server.socket, server_side=True)
        self.port = int(self._server.server_address[1])
        self.url = f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    def __enter__(self) -> HostileServer:
        return self.start()

    def start(self) -> HostileServer:
        """Serve (also usable without ``with``; ``close`` stops it)."""
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving."""
        self.__exit__(None, None, None)

    @property
    def json_bodies(self) -> list[object]:
        """The JSON bodies of the requests received so far (``{}`` for an empty one)."""
        return [json.loads(seen.body or b"{}") for seen in self.requests if seen.method in ("POST", "PUT")]

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def send_json(
    handler: BaseHTTPRequestHandler, status: int, document: object, headers: dict[str, str] | None = None
) -> None:
    body = json.dumps(document).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(body)


def redirect_everything_but_health(target: str) -> Handler:
    """``/health`` answers 200; every other request is answered 307 to the same path on ``target``."""

    def handle(server: HostileServer, handler: BaseHTTPRequestHandler, received: Received) -> None:
        if received.path.startswith("/health"):
            send_json(handler, 200, HEALTHY)
            return
        handler.send_response(307)
        handler.send_header("Location", target + received.path)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return handle


def answer(status: int = 200, body: bytes = b"ok", content_type: str = "text/plain") -> Handler:
    """Every request is answered ``status`` with ``body``: a target whose any answer passes the
    preflight, a receiver of alerts or pushes, a page that looks the same wherever one asks."""

    def handle(server: HostileServer, handler: BaseHTTPRequestHandler, received: Received) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(body)

    return handle


def basic_auth(user: str, password: str) -> Handler:
    """200 with exactly these HTTP Basic credentials, 401 without them."""
    expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

    def handle(server: HostileServer, handler: BaseHTTPRequestHandler, received: Received) -> None:
        answer(200 if received.headers.get("Authorization") == expected else 401, b"")(server, handler, received)

    return handle


def statuses(*codes: int) -> Handler:
    """The requests are answered with ``codes`` in turn, then with the last one."""

    def handle(server: HostileServer, handler: BaseHTTPRequestHandler, received: Received) -> None:
        code = codes[min(len(server.requests), len(codes)) - 1]
        answer(code, b"")(server, handler, received)

    return handle


def record_only(server: HostileServer, handler: BaseHTTPRequestHandler, received: Received) -> None:
    """Answers every request 200 ``{}`` (what a credential-harvesting host would do)."""
    send_json(handler, 200, {})


def echo(token: str) -> Handler:
    """Echoes every request back: in a ``Location`` header (URL-encoded) and in the JSON body.

    Register and login answer as the contract says (so that the suites go on sending the
    password), but with the request echoed inside; login grants ``token``.
    """

    def handle(server: HostileServer, handler: BaseHTTPRequestHandler, received: Received) -> None:
        if received.path.startswith("/health"):
            send_json(handler, 200, HEALTHY)
            return
        text = received.body.decode("utf-8", errors="replace")
        echoed = {
            "echo_method": received.method,
            "echo_path": received.path,
            "echo_body": text,
            "echo_headers": received.headers,
        }
        location = {"Location": f"/echo?request={quote_plus(text)}&path={quote_plus(received.path)}"}
        try:
            sent = json.loads(text) if text else {}
        except ValueError:
            sent = {}
        email = sent.get("email", "someone@example.com") if isinstance(sent, dict) else "someone@example.com"
        if received.path.endswith("/auth/register"):
            send_json(
                handler, 201, {"id": "u-1", "email": email, "created_at": "2026-01-01T00:00:00Z", **echoed}, location
            )
        elif received.path.endswith("/auth/login"):
            send_json(
                handler, 200, {"access_token": token, "token_type": "bearer", "expires_in": 3600, **echoed}, location
            )
        else:
            send_json(
                handler,
                400,
                {"type": "about:blank", "title": "Echo", "status": 400, "detail": f"you sent {text}", **echoed},
                location,
            )

    return handle


def login_answer(answer: Callable[[str], dict[str, object]]) -> Handler:
    """A minimal API whose login answers ``answer(email)``; /users/me and deletion work for any bearer token."""

    def handle(server: HostileServer, handler: BaseHTTPRequestHandler, received: Received) -> None:
        try:
            sent = json.loads(received.body or b"{}")
        except ValueError:
            sent = {}
        email = sent.get("email", "someone@example.com") if isinstance(sent, dict) else "someone@example.com"
        if received.path.startswith("/health"):
            send_json(handler, 200, HEALTHY)
        elif received.path.endswith("/auth/register"):
            send_json(handler, 201, {"id": "u-1", "email": email, "created_at": "2026-01-01T00:00:00Z"})
        elif received.path.endswith("/auth/login"):
            send_json(handler, 200, answer(email))
        elif received.method == "DELETE":
            handler.send_response(204)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
        else:
            send_json(handler, 200, {"id": "u-1", "email": email, "created_at": "2026-01-01T00:00:00Z"})

    return handle


def trickle(limit_seconds: float = 120.0) -> Handler:
    """``/health`` answers at once; everything else sends its headers, then one body byte a second."""

    def handle(server: HostileServer, handler: BaseHTTPRequestHandler, received: Received) -> None:
        if received.path.startswith("/health"):
            send_json(handler, 200, HEALTHY)
            return
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(int(limit_seconds) + 10))
        handler.end_headers()
        handler.close_connection = True
        ends = time.monotonic() + limit_seconds
        while time.monotonic() < ends and not server.stopping.is_set():
            handler.wfile.write(b" ")
            handler.wfile.flush()
            server.stopping.wait(1.0)

    return handle


def endless_chunks(limit_bytes: int = 200_000_000) -> Handler:
    """Every path answers 200 with a chunked body that goes on (up to ``limit_bytes``) as fast as it is read."""

    def handle(server: HostileServer, handler: BaseHTTPRequestHandler, received: Received) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        handler.close_connection = True
        chunk = b'{"status": "healthy", "padding": "' + b"x" * 65536
        frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
        sent = 0
        while sent < limit_bytes and not server.stopping.is_set():
            handler.wfile.write(frame)
            sent += len(chunk)

    return handle


def fixed_body(body: bytes, content_type: str = "application/json", headers: Sequence[tuple[str, str]] = ()) -> Handler:
    """Every path answers 200 with ``body`` (and ``headers``)."""

    def handle(server: HostileServer, handler: BaseHTTPRequestHandler, received: Received) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", content_type)
        for name, value in headers:
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return handle


def stall_after_health(limit_seconds: float = 120.0) -> Handler:
    """Answers ``/`` and ``/health`` as a healthy service (and ``/openapi.json`` with 404: no
    document); every other request gets no answer at all (until ``limit_seconds`` or the server
    stops): a deployment that hangs behind its health check."""

    def handle(server: HostileServer, handler: BaseHTTPRequestHandler, received: Received) -> None:
        path = received.path.split("?")[0]
        if path in ("/", "/health"):
            send_json(handler, 200, HEALTHY)
            return
        if path == "/openapi.json":
            send_json(handler, 404, {"detail": "Not Found"})
            return
        server.stopping.wait(limit_seconds)

    return handle
